"""The static front end: Python source -> facts -> findings, with LibCST."""

from __future__ import annotations

from xentlint.static.analyze import analyze_source

__all__ = ["analyze_source"]
