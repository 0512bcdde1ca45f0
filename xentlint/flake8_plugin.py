"""The flake8 plugin: ``flake8`` reports xentlint's findings under the ``XEN`` prefix.

Registered as the ``flake8.extension`` entry point ``XEN``, so flake8 enables the XEN codes
by default (flake8 adds every extension's entry point name to its default selection) and
does the selecting, ``--ignore``/``--extend-ignore``, ``per-file-ignores`` and ``# noqa``
itself: the plugin reports every finding of the file and reads no ``[tool.xentlint]``
settings. It never fixes anything.

Off-by-default rules (XEN301) stay off in flake8 too: the plugin reports them only when
flake8's ``select`` or ``extend-select`` names them explicitly, by code or prefix
(``--select XEN``, ``--extend-select XEN3``), just as ``xentlint check --select XEN`` turns
them on. (flake8's own ``extend_default_ignore`` mechanism is not enough: any ``--ignore``
replaces the default ignore list and would switch them back on.)

XEN903 (an unused ``# noqa: XEN...``) is never reported by the plugin, even when selected:
flake8 applies ``# noqa`` itself, after the plugins have run, so the plugin cannot know
which directives suppressed something (the ``flake8-noqa`` plugin judges them from
flake8's side, for every tool's codes; ``xentlint check --extend-select XEN903`` does it
for xentlint's).

flake8 wants 0-based columns (it adds 1 when printing), xentlint's are 1-based: the plugin
subtracts 1 so both tools print the same column. flake8 stops at a syntax error (E999)
before plugins run, so XEN901 only appears when the ``ast`` module accepts a file LibCST
cannot parse.

A notebook named on flake8's command line reaches the plugin as JSON text: its findings are
reported at the line and column of the ``.ipynb`` file where the cell's code is stored, with
the cell location at the start of the message.
"""

from __future__ import annotations

import argparse
import ast
from collections.abc import Iterator, Sequence
from typing import ClassVar

from xentlint import __version__
from xentlint.catalog import RULES

#: Rules that are off unless selected explicitly.
OFF_BY_DEFAULT: tuple[str, ...] = tuple(c for c, r in RULES.items() if not r.default_enabled)
#: Never reported here: which directives suppressed something is flake8's to know.
UNUSED_NOQA = "XEN903"

Result = tuple[int, int, str, type]


class XentlintChecker:
    """A flake8 "tree" plugin; it asks for the file's physical lines and name as well."""

    name = "xentlint"
    version = __version__
    #: The off-by-default codes the flake8 options select explicitly (set by parse_options).
    explicit: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, tree: ast.AST, lines: Sequence[str], filename: str) -> None:
        self.lines = lines
        self.filename = filename

    @classmethod
    def parse_options(cls, options: argparse.Namespace) -> None:
        chosen = [*(getattr(options, "select", None) or ()),
                  *(getattr(options, "extend_select", None) or ())]  # fmt: skip
        cls.explicit = frozenset(
            code for code in OFF_BY_DEFAULT if any(code.startswith(s) for s in chosen if s)
        )

    def codes(self) -> list[str]:
        return [
            c
            for c in RULES
            if (RULES[c].default_enabled or c in self.explicit) and c != UNUSED_NOQA
        ]

    def run(self) -> Iterator[Result]:
        text = "".join(self.lines)
        if self.filename.lower().endswith(".ipynb"):
            yield from self._notebook(text)
            return
        from xentlint.sources import UnreadableSource, program_from_text
        from xentlint.static import analyze_source

        try:
            program = program_from_text(text, self.filename)  # the size guard, NUL bytes
        except UnreadableSource as error:
            message = f"unreadable file: {error.reason}"
            yield self._result(error.line, error.column, "XEN902", message)
            return
        from xentlint.config import Config
        from xentlint.pipeline import project_for
        from xentlint.static.analyze import plain_line

        # the project modules the file imports are read from disk, as xentlint check does
        project = project_for(self.filename, self.filename, Config())
        found = analyze_source(program.text, self.codes(), plain_line, None, False, project=project)
        for finding in found:
            yield self._result(finding.line, finding.column, finding.code, finding.message)

    def _notebook(self, text: str) -> Iterator[Result]:
        from xentlint.config import Config
        from xentlint.lint import lint_source
        from xentlint.nbmap import notebook_map

        # Selection: the codes this plugin reports (flake8 filters them further); noqa
        # comments inside cells are applied here, since flake8 only sees the JSON lines.
        config = Config(select=tuple(self.codes()))
        mapping = notebook_map(text)
        for d in lint_source(text, self.filename, config=config):
            line, column = d.line, d.column
            if d.cell is not None:
                place = mapping.locate(d.cell, d.line, d.column) if mapping else None
                line, column = place or (1, 1)
                message = f"cell {d.cell}, line {d.line}, col {d.column}: {d.message}"
            else:
                message = d.message
            yield self._result(line, column, d.code, message)

    def _result(self, line: int, column: int, code: str, message: str) -> Result:
        return line, max(column - 1, 0), f"{code} {message}", type(self)
