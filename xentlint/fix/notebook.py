"""Writing a fixed program back into its notebook, touching nothing but code cell sources.

The analyzer sees a notebook as one program: its code cells joined, IPython magics
neutralised (:mod:`xentlint.sources`). A fix edits that program; this module maps the
changed lines back to their cells and rewrites only the ``source`` value of each changed
cell, in place, in the original JSON text. Everything else (metadata, outputs, ids, key
order, indentation, the final newline, how non-ASCII text is escaped) stays byte for byte
as it was, because it is never re-serialised.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any

from xentlint.notebook_source import cell_indent
from xentlint.program import Program

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")
_LITERALS = {"true": True, "false": False, "null": None, "NaN": None, "Infinity": None}
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")
_ESCAPED_NON_ASCII = re.compile(r"\\u(?!00[0-7])[0-9a-fA-F]{4}")


class NotebookEditError(Exception):
    """The fixed program cannot be written back into the notebook."""


# --------------------------------------------------------------------------- JSON with spans


@dataclass
class Span:
    """A JSON value and where it is in the text: ``text[start:end]``."""

    start: int
    end: int
    value: Any = None  # scalars only
    items: list[Span] | dict[str, Span] | None = None  # arrays and objects


def parse_spans(text: str) -> Span:
    """Parse JSON text keeping the position of every value (duplicate keys: the last wins)."""
    try:
        span, end = _value(text, _skip(text, 0))
    except (IndexError, ValueError, RecursionError) as exc:
        raise NotebookEditError(f"cannot re-read the notebook JSON: {exc}") from None
    if text[_skip(text, end) :].strip():
        raise NotebookEditError("cannot re-read the notebook JSON: extra data")
    return span


def _skip(text: str, index: int) -> int:
    match = _WHITESPACE.match(text, index)
    return match.end() if match else index


def _value(text: str, i: int) -> tuple[Span, int]:
    char = text[i]
    if char == '"':
        value, end = scanstring(text, i + 1)
        return Span(i, end, value), end
    if char == "{":
        items: dict[str, Span] = {}
        j = _skip(text, i + 1)
        if text[j] == "}":
            return Span(i, j + 1, items=items), j + 1
        while True:
            if text[j] != '"':
                raise ValueError(f"expected a key at {j}")
            key, j = scanstring(text, j + 1)
            j = _skip(text, j)
            if text[j] != ":":
                raise ValueError(f"expected ':' at {j}")
            items[key], j = _value(text, _skip(text, j + 1))
            j = _skip(text, j)
            if text[j] == "}":
                return Span(i, j + 1, items=items), j + 1
            if text[j] != ",":
                raise ValueError(f"expected ',' at {j}")
            j = _skip(text, j + 1)
    if char == "[":
        elements: list[Span] = []
        j = _skip(text, i + 1)
        if text[j] == "]":
            return Span(i, j + 1, items=elements), j + 1
        while True:
            element, j = _value(text, j)
            elements.append(element)
            j = _skip(text, j)
            if text[j] == "]":
                return Span(i, j + 1, items=elements), j + 1
            if text[j] != ",":
                raise ValueError(f"expected ',' at {j}")
            j = _skip(text, j + 1)
    for word, value in (*_LITERALS.items(), ("-Infinity", None)):
        if text.startswith(word, i):
            return Span(i, i + len(word), value), i + len(word)
    match = _NUMBER.match(text, i)
    if match is None:
        raise ValueError(f"unexpected {char!r} at {i}")
    return Span(i, match.end(), match.group()), match.end()


def _cell_spans(root: Span) -> list[Span]:
    """The cells of a notebook, numbered as :mod:`xentlint.sources` numbers them."""
    if not isinstance(root.items, dict):
        raise NotebookEditError("the notebook is not a JSON object")
    cells = root.items.get("cells")
    if cells is None and "worksheets" in root.items:  # nbformat 3
        sheets = root.items["worksheets"].items
        out: list[Span] = []
        for sheet in sheets if isinstance(sheets, list) else []:
            inner = sheet.items.get("cells") if isinstance(sheet.items, dict) else None
            if inner is not None and isinstance(inner.items, list):
                out.extend(inner.items)
        return out
    if cells is None or not isinstance(cells.items, list):
        raise NotebookEditError("the notebook has no list of cells")
    return cells.items


# --------------------------------------------------------------------------- lines to cells


def split_lines(text: str) -> list[str]:
    """Lines with their line endings (``\\n``, ``\\r\\n`` or ``\\r``), as Jupyter splits them."""
    return _LINE.findall(text)


@dataclass
class _Cell:
    span: Span  # the source value
    lines: list[str]  # the original source lines, with endings
    edits: list[tuple[int, int, list[str]]] = field(default_factory=list)
    indent: str = ""  # what IPython strips from the lines of a cell whose first is indented

    def __post_init__(self) -> None:
        self.indent = cell_indent([line.rstrip("\r\n") for line in self.lines])

    def program_line(self, line: str) -> str:
        """A line of the cell as the program has it."""
        return line[len(self.indent) :] if line.startswith(self.indent) else line

    def cell_line(self, line: str) -> str:
        """A line of the program as the cell has it."""
        return self.indent + line if self.indent and line.strip() else line


def rebuild(text: str, program: Program, fixed: str) -> str:
    """Notebook JSON ``text`` with the code cells changed so that they give ``fixed``.

    ``program`` is the program of ``text``; ``fixed`` is that program after the fixes.
    """
    if program.cells is None:
        raise NotebookEditError("not a notebook program")
    old = program.text.split("\n")[:-1] if program.text else []
    if not fixed.endswith("\n") and fixed:
        raise NotebookEditError("the fixed program does not end with a line break")
    new = fixed.split("\n")[:-1] if fixed else []
    cells = _source_cells(text)
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if i1 < i2:
            where = {program.cells[i][0] for i in range(i1, i2)}
            if len(where) != 1:
                raise NotebookEditError("a change spans two cells")
            number = where.pop()
            start = program.cells[i1][1] - 1
            end = program.cells[i2 - 1][1]
        elif i1 > 0:  # an insertion: after the line before it, in that line's cell
            number, line = program.cells[i1 - 1]
            start = end = line
        elif old:
            number, line = program.cells[0]
            start = end = line - 1
        else:
            raise NotebookEditError("no code cell to put new lines in")
        cell = cells.get(number)
        if cell is None:
            raise NotebookEditError(f"cell {number} has no text source")
        for index in range(i1, i2):
            original = cell.lines[program.cells[index][1] - 1].rstrip("\r\n")
            if cell.program_line(original) != old[index]:
                raise NotebookEditError("a change touches an IPython magic line")
        if start == 0 and cell.lines and cell.lines[0].lstrip().startswith("%%"):
            raise NotebookEditError("a cell magic must stay the first line of its cell")
        cell.edits.append((start, end, [cell.cell_line(line) for line in new[j1:j2]]))
    out = text
    for cell in sorted(cells.values(), key=lambda c: -c.span.start):
        if cell.edits:
            source = _apply(cell)
            out = (
                out[: cell.span.start] + _serialise(text, cell.span, source) + out[cell.span.end :]
            )
    return out


def _source_cells(text: str) -> dict[int, _Cell]:
    cells: dict[int, _Cell] = {}
    for number, span in enumerate(_cell_spans(parse_spans(text)), start=1):
        if not isinstance(span.items, dict):
            continue
        kind = span.items.get("cell_type")
        if kind is None or kind.value != "code":
            continue
        source = span.items.get("source", span.items.get("input"))
        if source is None:
            continue
        if isinstance(source.items, list):
            parts = [item.value for item in source.items]
            if not all(isinstance(p, str) for p in parts):
                continue
            value = "".join(parts)
        elif isinstance(source.value, str):
            value = source.value
        else:
            continue
        cells[number] = _Cell(source, split_lines(value))
    return cells


def _apply(cell: _Cell) -> str:
    lines = list(cell.lines)
    ending = next(
        (line[len(line.rstrip("\r\n")) :] for line in lines if line.endswith(("\n", "\r"))),
        "\n",
    )
    final_break = bool(lines) and lines[-1] != lines[-1].rstrip("\r\n")
    bodies = [line.rstrip("\r\n") for line in lines]
    endings = [line[len(body) :] for line, body in zip(lines, bodies, strict=True)]
    for start, end, replacement in sorted(cell.edits, key=lambda e: -e[0]):
        bodies[start:end] = replacement
        endings[start:end] = [ending] * len(replacement)
    if not bodies:
        return ""
    endings = [e or ending for e in endings[:-1]] + [ending if final_break else ""]
    return "".join(body + end for body, end in zip(bodies, endings, strict=True))


# --------------------------------------------------------------------------- JSON output


# Where str.splitlines ends a line but a Python source line goes on.
_OTHER_BREAKS = ("\f", "\v", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")


def _items_of(source: str, old_items: list[object]) -> list[str]:
    """A cell source as a list of strings, split the way its file splits them: Jupyter
    (nbformat) splits at every break ``str.splitlines`` knows, a form feed among them; a
    file whose items hold such a character inside goes on ending them at line ends only."""
    by_line_ends = any(
        isinstance(item, str) and any(char in item[:-1] for char in _OTHER_BREAKS)
        for item in old_items
    )
    return split_lines(source) if by_line_ends else source.splitlines(keepends=True)


def _ensure_ascii(text: str) -> bool:
    """Whether the notebook escapes non-ASCII text (Jupyter itself does not)."""
    if any(ord(char) > 127 for char in text):
        return False
    return _ESCAPED_NON_ASCII.search(text) is not None


def _serialise(text: str, span: Span, source: str) -> str:
    """The JSON for a new cell source, in the layout the old one had."""
    ascii_only = _ensure_ascii(text)
    if not isinstance(span.items, list):
        return json.dumps(source, ensure_ascii=ascii_only)
    raw_of = {}
    for item in span.items:
        raw_of.setdefault(item.value, text[item.start : item.end])
    lines = _items_of(source, [item.value for item in span.items])
    if not lines:
        return "[]"
    rendered = [raw_of.get(line) or json.dumps(line, ensure_ascii=ascii_only) for line in lines]
    raw = text[span.start : span.end]
    if span.items and "\n" in text[span.start : span.items[0].start]:
        first = span.items[0].start
        indent = text[text.rfind("\n", span.start, first) + 1 : first]
        newline = "\r\n" if "\r\n" in text[span.start : first] else "\n"  # the file's own
        last = span.items[-1].end
        closing = text[last : span.end - 1]
        return "[" + newline + ("," + newline).join(indent + r for r in rendered) + closing + "]"
    if len(span.items) >= 2:
        separator = text[span.items[0].end : span.items[1].start]
    else:
        separator = ", " if ", " in raw or not span.items else ","
    opening = text[span.start + 1 : span.items[0].start] if span.items else ""
    closing = text[span.items[-1].end : span.end - 1] if span.items else ""
    return "[" + opening + separator.join(rendered) + closing + "]"
