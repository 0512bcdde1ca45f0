"""Where a notebook cell's code sits in the notebook file itself.

xentlint reports notebook findings by cell (``nb.ipynb:cell_3:4:28``). Tools that show the
file as it is on disk (GitHub code scanning and annotations, GitLab, flake8) need a line and
column of the ``.ipynb`` JSON text instead. :func:`notebook_map` scans the JSON, keeping the
position of every string of each cell's source, and :meth:`NotebookMap.locate` turns
``(cell, line, column)`` into the file line and column of that character inside its JSON
string (escapes such as ``\\"`` are accounted for).

Cells are numbered from 1 over all cells (markdown included), the way
:func:`xentlint.sources.notebook_program` numbers them; nbformat 3 worksheets are followed.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from pathlib import Path

_WHITESPACE = re.compile(r"[ \t\r\n]*")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_SCALAR = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|true|false|null")
_SIMPLE_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r",
                   "t": "\t"}  # fmt: skip
_NEWLINE = re.compile(r"\r\n|\r|\n")


class _Malformed(Exception):
    pass


@dataclass
class _Piece:
    """One JSON string of a cell's source: its decoded text and raw offsets per character."""

    text: str
    offsets: list[int]  # offsets[k]: file offset of decoded character k; [-1]: closing quote


@dataclass
class NotebookMap:
    """Positions of the code cells' source strings in one notebook file's text."""

    text: str
    cells: dict[int, list[_Piece]] = field(default_factory=dict)
    _line_starts: list[int] = field(default_factory=list, repr=False)

    def locate(self, cell: int, line: int, column: int) -> tuple[int, int] | None:
        """The 1-based file ``(line, column)`` of 1-based ``line``/``column`` of ``cell``.

        A column past the end of the cell line maps to the position just after it (columns
        are clamped); None when the cell or line does not exist in the file.
        """
        pieces = self.cells.get(cell)
        if not pieces or line < 1:
            return None
        source = "".join(piece.text for piece in pieces)
        starts = [0] + [m.end() for m in _NEWLINE.finditer(source)]
        if line > len(starts):
            return None
        begin = starts[line - 1]
        end_match = _NEWLINE.search(source, begin)
        end = end_match.start() if end_match else len(source)
        index = begin + min(max(column, 1) - 1, end - begin)
        return self._file_position(self._offset(pieces, index))

    @staticmethod
    def _offset(pieces: list[_Piece], index: int) -> int:
        for piece in pieces:
            if index < len(piece.text):
                return piece.offsets[index]
            index -= len(piece.text)
        return pieces[-1].offsets[-1]

    def _file_position(self, offset: int) -> tuple[int, int]:
        if not self._line_starts:
            self._line_starts.append(0)
            self._line_starts.extend(m.end() for m in re.finditer("\n", self.text))
        row = bisect.bisect_right(self._line_starts, offset) - 1
        return row + 1, offset - self._line_starts[row] + 1


def notebook_map(text: str) -> NotebookMap | None:
    """Map the code cells of notebook JSON ``text``; None if it is not a readable notebook."""
    try:
        scanner = _Scanner(text)
        document = scanner.document()
    except (_Malformed, RecursionError):
        return None
    if not isinstance(document, dict):
        return None
    cells = document.get("cells")
    if cells is None and isinstance(document.get("worksheets"), list):
        cells = []
        for sheet in document["worksheets"]:
            if isinstance(sheet, dict) and isinstance(sheet.get("cells"), list):
                cells.extend(sheet["cells"])
    if not isinstance(cells, list):
        return None
    result = NotebookMap(text)
    for number, cell in enumerate(cells, start=1):
        kind = cell.get("cell_type") if isinstance(cell, dict) else None
        if not isinstance(kind, _Piece) or kind.text != "code":
            continue
        source = cell["source"] if "source" in cell else cell.get("input")
        if isinstance(source, _Piece):
            result.cells[number] = [source]
        elif isinstance(source, list) and all(isinstance(p, _Piece) for p in source):
            result.cells[number] = list(source)
    return result


def map_file(path: str | Path) -> NotebookMap | None:
    """:func:`notebook_map` of a file on disk; None if it cannot be read."""
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    return notebook_map(text)


class _Scanner:
    """A small JSON reader whose strings are :class:`_Piece` objects (text plus positions).

    Only what the mapping needs: objects become dicts keyed by decoded strings, arrays lists,
    strings pieces, everything else None.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def document(self) -> object:
        value = self.value()
        self.skip()
        if self.pos != len(self.text):
            raise _Malformed
        return value

    def skip(self) -> None:
        match = _WHITESPACE.match(self.text, self.pos)
        assert match is not None
        self.pos = match.end()

    def value(self) -> object:
        self.skip()
        char = self.text[self.pos : self.pos + 1]
        if char == "{":
            return self.object()
        if char == "[":
            return self.array()
        if char == '"':
            return self.string()
        match = _SCALAR.match(self.text, self.pos)
        if match is None or not match.group():
            raise _Malformed
        self.pos = match.end()
        return None

    def expect(self, char: str) -> bool:
        self.skip()
        if self.text.startswith(char, self.pos):
            self.pos += 1
            return True
        return False

    def object(self) -> dict[str, object]:
        self.pos += 1
        out: dict[str, object] = {}
        if self.expect("}"):
            return out
        while True:
            self.skip()
            key = self.string()
            if not self.expect(":"):
                raise _Malformed
            out[key.text] = self.value()
            if self.expect("}"):
                return out
            if not self.expect(","):
                raise _Malformed

    def array(self) -> list[object]:
        self.pos += 1
        out: list[object] = []
        if self.expect("]"):
            return out
        while True:
            out.append(self.value())
            if self.expect("]"):
                return out
            if not self.expect(","):
                raise _Malformed

    def string(self) -> _Piece:
        match = _STRING.match(self.text, self.pos)
        if match is None:
            raise _Malformed
        self.pos = match.end()
        return _decode(self.text, match.start() + 1, match.end() - 1)


def _decode(text: str, start: int, stop: int) -> _Piece:
    chars: list[str] = []
    offsets: list[int] = []
    i = start
    while i < stop:
        char = text[i]
        offsets.append(i)
        if char != "\\":
            chars.append(char)
            i += 1
            continue
        kind = text[i + 1]
        if kind in _SIMPLE_ESCAPES:
            chars.append(_SIMPLE_ESCAPES[kind])
            i += 2
            continue
        if kind != "u" or not re.fullmatch(r"[0-9a-fA-F]{4}", text[i + 2 : i + 6]):
            raise _Malformed
        code = int(text[i + 2 : i + 6], 16)
        i += 6
        low = text[i + 2 : i + 6] if text.startswith("\\u", i) else ""
        if 0xD800 <= code < 0xDC00 and re.fullmatch(r"[dD][c-fC-F][0-9a-fA-F]{2}", low):
            code = 0x10000 + ((code - 0xD800) << 10) + (int(low, 16) - 0xDC00)
            i += 6
        chars.append(chr(code))
    offsets.append(stop)
    return _Piece("".join(chars), offsets)
