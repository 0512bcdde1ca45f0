"""The rule catalog: codes, names, severities, fix safety and pages (a public interface).

The rules are the modules of :mod:`xentlint.checks` (see :mod:`xentlint.checks.registry`);
their pages are ``rules/XENnnn.md`` (``xentlint/_rules/`` in an installed package).
"""

from __future__ import annotations

from pathlib import Path

from xentlint.checks.registry import RULES
from xentlint.rule import FixSafety, Rule, Severity

__all__ = ["RULES", "FixSafety", "Rule", "Severity", "get_rule", "rule_page"]


def get_rule(code: str) -> Rule | None:
    return RULES.get(code.upper())


def rule_page(code: str) -> str | None:
    """The text of ``code``'s page: the copy inside the package, else the repository's."""
    import xentlint

    package = Path(xentlint.__file__).parent
    for folder in (package / "_rules", package.parent / "rules"):
        page = folder / f"{code}.md"
        if page.is_file():
            return page.read_text(encoding="utf-8")
    return None
