"""Source excerpts for ``--output-format full``: the reported lines, underlined.

::

       |
    14 |     loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
       |          ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
       |

Columns are 1-based code points and the end column is exclusive (as in every output
format). What is printed is the text the positions count in: a notebook finding shows
its cell's line (numbered within the cell), after the same preparation the analyzer saw
(IPython magics neutralised, a cell's common leading indent removed). Tabs are expanded
and wide characters count two cells, so the carets stand under the characters they mean.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

from xentlint.sources import Program, UnreadableSource, program_from_bytes, read_file

#: A range longer than this many lines shows its first and last lines only.
MAX_LINES = 6
TAB_WIDTH = 4
_NEWLINE = re.compile(r"\r\n|\r|\n")

Style = Callable[[str, str], str]  # (text, role) -> styled text; roles: "gutter", "marker"


def _plain(text: str, _role: str) -> str:
    return text


def excerpt(
    lines: list[str],
    start: tuple[int, int],
    end: tuple[int, int],
    numbers: list[int] | None = None,
    style: Style = _plain,
) -> list[str]:
    """The rendered excerpt of ``lines`` (the reported lines, the first being ``start``'s).

    ``start``/``end`` are ``(line index in lines, 1-based column)``; ``numbers`` are the
    line numbers shown in the gutter (default: 1, 2, ...).
    """
    if not lines:
        return []
    numbers = numbers or list(range(1, len(lines) + 1))
    shown = list(range(len(lines)))
    if len(shown) > MAX_LINES:
        shown = [*shown[: MAX_LINES // 2], -1, *shown[-(MAX_LINES // 2) :]]
    width = len(str(max(numbers)))
    bar = style(" " * width + " |", "gutter")
    out = [bar]
    (first, column), (last, end_column) = start, end
    for index in shown:
        if index == -1:
            out.append(style("." * width + " |", "gutter"))
            continue
        text = lines[index]
        begin = column - 1 if index == first else _indent(text)
        stop = end_column - 1 if index == last else len(text)
        if index == last and index != first and stop <= _indent(text):
            stop = begin  # the range ends before this line's code
        shown_text, offsets = _display(text)
        left = offsets[min(max(begin, 0), len(text))]
        right = offsets[min(max(stop, begin), len(text))]
        marks = "^" * max(right - left, 1)
        gutter = style(f"{numbers[index]:>{width}} |", "gutter")
        out.append(f"{gutter} {shown_text}".rstrip())
        out.append(f"{bar} {' ' * left}{style(marks, 'marker')}")
    out.append(bar)
    return out


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip())


def _display(text: str) -> tuple[str, list[int]]:
    """``text`` as a terminal shows it, and the display cell of each character offset."""
    shown: list[str] = []
    offsets = [0]
    cell = 0
    for char in text:
        if char == "\t":
            step = TAB_WIDTH - cell % TAB_WIDTH
            shown.append(" " * step)
        elif unicodedata.combining(char):
            step = 0
            shown.append(char)
        elif unicodedata.east_asian_width(char) in ("W", "F"):
            step = 2
            shown.append(char)
        elif not char.isprintable():
            step = 1
            shown.append("\N{REPLACEMENT CHARACTER}")
        else:
            step = 1
            shown.append(char)
        cell += step
        offsets.append(cell)
    return "".join(shown), offsets


# --------------------------------------------------------------------------- the sources


class Sources:
    """The program text of each reported file, read once (stdin: as registered)."""

    def __init__(self, max_bytes: int) -> None:
        self._max_bytes = max_bytes
        self._read: dict[str, _Text | None] = {}

    def register(self, display: str, data: bytes | None) -> None:
        """Use ``data`` for ``display`` (stdin, which cannot be read again); None: no
        excerpts for it (never read a file of that name instead)."""
        self._read[display] = None if data is None else _Text.of(display, data, self._max_bytes)

    def lines(self, display: str, cell: int | None, first: int, last: int) -> list[str] | None:
        """Lines ``first..last`` (1-based, inclusive) of a file or of one notebook cell."""
        if display not in self._read:
            self._read[display] = _Text.of(display, None, self._max_bytes)
        text = self._read[display]
        if text is None or last < first:
            return None
        out: list[str] = []
        for line in range(first, last + 1):
            found = text.program.unit_of(cell, line)
            if found is None or not 1 <= found[1] <= found[0].line_count():
                return None
            out.append(found[0].line_text(found[1]))
        return out


class _Text:
    """A file's program: for a notebook, the program (or ``%%writefile`` file) of each cell,
    whose lines are read as the cells have them."""

    def __init__(self, program: Program) -> None:
        self.program = program

    @classmethod
    def of(cls, display: str, data: bytes | None, max_bytes: int) -> _Text | None:
        try:
            if data is None:
                if display in ("", "-"):
                    return None
                data = read_file(Path(display), max_bytes=max_bytes)
            return cls(program_from_bytes(data, display, max_bytes=max_bytes))
        except (UnreadableSource, OSError, ValueError):
            return None
