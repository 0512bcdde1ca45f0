"""Which rule codes are enabled: ``select`` / ``extend-select`` / ``ignore`` with prefixes.

A selector is ``ALL``, a full code (``XEN101``) or a prefix of codes (``XEN1``, ``XEN10``).
Settings come in layers, applied in order: the built-in defaults, then the config file,
then the command line. Within one layer, for each code:

* the most specific matching selector decides (``XEN101`` beats ``XEN1`` beats ``ALL``);
* between a select/extend-select and an ignore of the same specificity, ignore wins;
* a code no selector of the layer matches keeps its state from the previous layer, unless
  the layer has its own ``select``: ``select`` replaces the set, so unmatched codes are off.

So ``select = ["ALL"], ignore = ["XEN1"], extend-select = ["XEN101"]`` enables everything but
XEN102-XEN107, and ``--select XEN1`` on the command line replaces the config file's set (and
its ignores) for every code. XEN9xx (the file could not be read or parsed) are always on
unless an ignore names them specifically (``XEN9``, ``XEN90``, ``XEN901``...): choosing
``--select XEN1`` must not hide that a file was never analysed. XEN903 (unused ``# noqa``)
is off by default and selected like any other rule (``--extend-select XEN903``, ``ALL``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from xentlint.catalog import RULES

ALL = "ALL"
_ALWAYS_ON_PREFIX = "XEN9"


class SelectorError(ValueError):
    """An unknown rule code or prefix."""


def parse_selectors(values: Iterable[str]) -> tuple[str, ...]:
    """Split comma-separated selectors, normalise case and validate them.

    Repeated selectors are kept once (in first-seen order): they cannot change the
    decision, and a configuration may hold millions of them. Linear in the input.
    """
    out: dict[str, None] = {}
    valid = _valid_selectors()
    for value in values:
        for part in value.split(","):
            selector = part.strip().upper()
            if not selector or selector in out:
                continue
            if selector not in valid:
                raise SelectorError(f"unknown rule code or prefix {part.strip()!r}")
            out[selector] = None
    return tuple(out)


def is_valid_selector(selector: str) -> bool:
    return selector.upper() in _valid_selectors()


@lru_cache(maxsize=1)
def _valid_selectors() -> frozenset[str]:
    """``ALL`` and every prefix of a rule code that starts with ``XEN``."""
    prefixes = {ALL}
    for code in RULES:
        prefixes.update(code[:end] for end in range(len("XEN"), len(code) + 1))
    return frozenset(prefixes)


def matches(selector: str, code: str) -> bool:
    return selector == ALL or code.startswith(selector)


def _specificity(selector: str) -> int:
    return 0 if selector == ALL else len(selector)


@dataclass(frozen=True)
class SelectionLayer:
    """One layer of settings; ``select=None`` means "inherit the previous layer's set".

    The selectors are kept once each (see :func:`parse_selectors`), so deciding a code
    costs at most a few dozen comparisons whatever the size of the configuration.
    """

    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.select is not None:
            object.__setattr__(self, "select", _unique(self.select))
        object.__setattr__(self, "extend_select", _unique(self.extend_select))
        object.__setattr__(self, "ignore", _unique(self.ignore))

    def decide(self, code: str, previous: bool) -> bool:
        best = -1
        enabled = previous if self.select is None else False
        for selector in (*(self.select or ()), *self.extend_select):
            if matches(selector, code) and _specificity(selector) > best:
                best, enabled = _specificity(selector), True
        for selector in self.ignore:
            if matches(selector, code) and _specificity(selector) >= best:
                best, enabled = _specificity(selector), False
        return enabled

    def ignores_specifically(self, code: str) -> bool:
        return any(
            matches(s, code) and _specificity(s) >= len(_ALWAYS_ON_PREFIX) for s in self.ignore
        )


def _unique(selectors: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(selectors))


@dataclass
class Selection:
    """The resolved selection; ``enabled(code)`` answers for any code, known or not."""

    layers: Sequence[SelectionLayer] = ()
    _cache: dict[str, bool] = field(default_factory=dict, repr=False)

    def enabled(self, code: str) -> bool:
        code = code.upper()
        cached = self._cache.get(code)
        if cached is None:
            cached = self._cache[code] = self._resolve(code)
        return cached

    def _resolve(self, code: str) -> bool:
        rule = RULES.get(code)
        if code.startswith(_ALWAYS_ON_PREFIX) and (rule is None or rule.default_enabled):
            return not any(layer.ignores_specifically(code) for layer in self.layers)
        state = rule.default_enabled if rule is not None else True
        for layer in self.layers:
            state = layer.decide(code, state)
        return state

    def enabled_codes(self) -> list[str]:
        return [code for code in RULES if self.enabled(code)]
