"""The text handed to the analyzer, and where each of its lines came from.

A Python file is one :class:`Program`. A notebook is one program for its Python cells (joined
in order, line for line: program line ``i`` is line ``cells[i - 1]`` of its cell) plus one
program of its own per file its ``%%writefile`` cells write (:attr:`Program.scripts`), whose
lines map back to those cells the same way. :func:`xentlint.sources.program_from_bytes`
builds them (:mod:`xentlint.notebook_source` for notebooks).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from xentlint.diagnostics import RawFinding

_NEWLINE = re.compile(r"\r\n|\r|\n")


class UnreadableSource(Exception):
    """The input cannot be turned into program text; ``reason`` is shown to the user."""

    def __init__(self, reason: str, line: int = 1, column: int = 1) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line
        self.column = column


@dataclass(frozen=True)
class Program:
    """The text handed to the analyzer, and where each of its lines came from."""

    text: str
    #: For notebooks: ``cells[i]`` is ``(cell number, line in cell)`` of program line ``i + 1``.
    cells: tuple[tuple[int, int], ...] | None = None
    #: Findings about the text itself, found while building it: the XEN901 of each notebook
    #: cell that does not compile and was left out (positions are lines of this program).
    problems: tuple[RawFinding, ...] = ()
    #: The programs of the ``.py`` files this notebook's ``%%writefile`` cells write.
    scripts: tuple[Program, ...] = ()
    #: For the program of a ``%%writefile`` file: the path the cell writes (as written).
    writes: str | None = None
    #: True when ``text`` is known to compile (the notebook reader compiled it already).
    compiled: bool = False
    #: Program lines whose cell text is not the program's (a cell left out, replaced by what
    #: it leaves behind): line -> the cell's own line, for noqa comments and excerpts.
    originals: Mapping[int, str] = field(default_factory=dict, compare=False)
    _lines: list[str] = field(default_factory=list, init=False, repr=False, compare=False)
    _index: dict[tuple[int, int], int] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @property
    def is_notebook(self) -> bool:
        """Whether lines map to notebook cells (also true of a ``%%writefile`` program)."""
        return self.cells is not None

    @property
    def top_level_await(self) -> bool:
        """Whether the text is compiled as IPython compiles a cell (``await`` at top level);
        a ``%%writefile`` file is run by Python, as any script."""
        return self.cells is not None and self.writes is None

    def units(self) -> tuple[Program, ...]:
        """This program and the programs of its ``%%writefile`` files, each linted alone."""
        return (self, *self.scripts)

    def unit_of(self, cell: int | None, line: int) -> tuple[Program, int] | None:
        """The unit holding line ``line`` of ``cell`` and its line there (None: no unit does).

        Without a cell (a Python file), the line is this program's own.
        """
        if cell is None:
            return (self, line) if self.cells is None else None
        for unit in self.units():
            number = unit._line_of(cell, line)
            if number is not None:
                return unit, number
        return None

    def _line_of(self, cell: int, line: int) -> int | None:
        if not self._index and self.cells:
            self._index.update((where, number) for number, where in enumerate(self.cells, 1))
        return self._index.get((cell, line))

    def line_text(self, line: int) -> str:
        """The text of 1-based program ``line`` as its cell has it ('' when out of range)."""
        original = self.originals.get(line)
        if original is not None:
            return original
        lines = self._split()
        if 1 <= line <= len(lines):
            return lines[line - 1]
        return ""

    def line_count(self) -> int:
        """The number of lines of ``text`` (a final line break opens an empty last line)."""
        return len(self._split())

    def _split(self) -> list[str]:
        if not self._lines:
            self._lines.extend(_NEWLINE.split(self.text))
        return self._lines

    def locate(self, line: int) -> tuple[int | None, int]:
        """Map a program line to ``(cell number or None, line)`` for display."""
        if self.cells is None:
            return None, line
        if not self.cells:
            return None, line
        if line < 1:
            return self.cells[0]
        if line > len(self.cells):  # e.g. a syntax error reported at end of input
            cell, last = self.cells[-1]
            return cell, last + (line - len(self.cells))
        return self.cells[line - 1]
