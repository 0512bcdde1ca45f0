"""The registry of output formats: :func:`formatter` registers one under its name.

A formatter receives the sorted findings, the run's :class:`OutputOptions` and a text
stream. :mod:`xentlint.output` (text, json, concise...) and :mod:`xentlint.ci_output`
(sarif, github, gitlab) register theirs here. :data:`PROVIDERS` says which module
registers each name, so that a run imports only the module of the format it prints
(``FORMATTERS[name]`` imports it; ``tests/test_output_formats.py`` checks the table).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

from xentlint.diagnostics import Diagnostic

if TYPE_CHECKING:
    from xentlint.excerpt import Sources


@dataclass(frozen=True)
class OutputOptions:
    files: int = 0  # how many files were checked
    statistics: bool = False
    quiet: bool = False
    color: bool = False
    #: ``--unsafe-fixes``: unsafe fixes count as available (``[*]``).
    unsafe_fixes: bool = False
    #: Where ``full`` reads the reported lines (None: no excerpts).
    sources: Sources | None = None


Formatter = Callable[[Sequence[Diagnostic], OutputOptions, TextIO], None]

#: ``--output-format`` name -> the module that registers its formatter.
PROVIDERS: Mapping[str, str] = {
    "concise": "xentlint.output",
    "full": "xentlint.output",
    "grouped": "xentlint.output",
    "pylint": "xentlint.output",
    "json": "xentlint.output",
    "sarif": "xentlint.ci_output",
    "github": "xentlint.ci_output",
    "gitlab": "xentlint.ci_output",
}


class _Formatters(dict[str, Formatter]):
    """The registered formatters; looking up a name not registered yet imports its module."""

    def __missing__(self, name: str) -> Formatter:
        provider = PROVIDERS.get(name)
        if provider is None:
            raise KeyError(name)
        import importlib

        importlib.import_module(provider)
        if name not in self:
            raise KeyError(name)
        return self[name]


FORMATTERS: dict[str, Formatter] = _Formatters()
#: Names ``--output-format`` also accepts, not listed in ``--help``.
ALIASES: Mapping[str, str] = {"text": "concise"}
TEXT_FORMATS = ("concise", "full", "grouped")


def formatter(name: str) -> Callable[[Formatter], Formatter]:
    """Register a formatter under ``name``."""

    def register(function: Formatter) -> Formatter:
        FORMATTERS[name] = function
        return function

    return register
