"""XEN901 syntax-error: reported by the static front end (``ast``), no check."""

from __future__ import annotations

from xentlint.rule import Rule

RULE = Rule(
    code="XEN901",
    name="syntax-error",
    severity="E",
    summary="the file cannot be parsed",
    fix="",
    fix_safety="none",
    explanation=(
        "The code cannot run, and nothing in this file (in a notebook: in this cell) is "
        "checked until the syntax error is fixed."
    ),
)
