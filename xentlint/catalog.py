"""The rule catalog: codes, names, severities, fix safety and pages (a public interface).

The rules are the modules of :mod:`xentlint.checks` (see :mod:`xentlint.checks.registry`);
their pages are ``rules/XENnnn.md`` (``xentlint/_rules/`` in an installed package).
:data:`RULES` is read on first use, from :mod:`xentlint.rule_memo` when the rule modules
need not be imported.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xentlint.rule_memo import load_rules

if TYPE_CHECKING:
    from xentlint.rule import FixSafety, Rule, Severity

__all__ = ["RULES", "FixSafety", "Rule", "Severity", "get_rule", "rule_page"]


def __getattr__(name: str) -> Any:
    """``Rule``, ``Severity``, ``FixSafety``: imported when asked for (a run that reads no
    rule's metadata does not pay for the dataclass)."""
    if name in ("Rule", "Severity", "FixSafety"):
        from xentlint import rule

        return getattr(rule, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _Catalog(Mapping):  # type: ignore[type-arg] - Mapping[str, Rule]
    """code -> rule, in code order, loaded on first use."""

    def __init__(self) -> None:
        self._rules: dict[str, Rule] | None = None

    def _load(self) -> dict[str, Rule]:
        if self._rules is None:
            self._rules = load_rules()
        return self._rules

    def __getitem__(self, code: str) -> Rule:
        return self._load()[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())

    def __contains__(self, code: object) -> bool:
        return code in self._load()

    def get(self, code: str, default: Rule | None = None) -> Rule | None:  # type: ignore[override]
        return self._load().get(code, default)

    def __repr__(self) -> str:
        return repr(self._load())


#: code -> rule, in code order (the rule modules :mod:`xentlint.checks.registry` discovers)
RULES: Mapping[str, Rule] = _Catalog()


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
