"""Turning files, stdin and notebooks into one program text for the analyzer.

A Python file is decoded the way CPython would (``python file.py``): UTF-8, a UTF-8 BOM, or
the encoding a PEP 263 coding line declares; anything CPython refuses is unreadable (XEN902),
a UTF-16 or UTF-32 file among them. The fixer decodes with the same function
(:func:`decode_source_as`), so what ``check`` reads is what ``check --fix`` rewrites.

A notebook (``.ipynb``) becomes ONE program: its code cells joined in order, so that an
import in cell 1 counts in cell 5. IPython syntax that is not Python (magics, shell escapes,
help) is replaced line by line, so every line of the program is the line of the same number
in its cell.

Cell numbers count ALL cells of the notebook, markdown and raw cells included, starting at 1:
``cell_3`` is the third cell a Jupyter user sees from the top.

Anything that cannot be read raises :class:`UnreadableSource`, which the linter reports as
XEN902.
"""

from __future__ import annotations

import codecs
import itertools
import json
import re
import stat
import tokenize
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Files larger than this are not analysed (XEN902 "file too large"; ``max-file-size`` in
#: ``[tool.xentlint]`` changes it). Measured with LibCST 1.9: a relevant file costs ~270
#: bytes of memory and ~2.6 s per MB of source (1 MiB: 280 MB, 2.7 s; 10 MB would be ~2.7 GB
#: and ~27 s, per worker process). 1 MiB is above every file of the CPython 3.11 standard
#: library (largest 757 KB, generated), keras (448 KB) and tensorflow (676 KB, generated).
MAX_FILE_BYTES = 1024 * 1024
#: Notebooks carry outputs (images, tables) besides their code: the file may be this many
#: times larger, as long as the code it holds stays under ``MAX_FILE_BYTES``.
NOTEBOOK_SIZE_FACTOR = 50

_NEWLINE = re.compile(r"\r\n|\r|\n")
_BYTE_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)?")

# Longest BOMs first: the UTF-32-LE BOM begins with the UTF-16-LE one.
_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


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
    _lines: list[str] = field(default_factory=list, init=False, repr=False, compare=False)

    @property
    def is_notebook(self) -> bool:
        return self.cells is not None

    def line_text(self, line: int) -> str:
        """The text of 1-based program ``line`` ('' when out of range)."""
        if not self._lines:
            self._lines.extend(_NEWLINE.split(self.text))
        if 1 <= line <= len(self._lines):
            return self._lines[line - 1]
        return ""

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


def is_notebook_path(path: str) -> bool:
    return path.lower().endswith(".ipynb")


# --------------------------------------------------------------------------- reading


def read_file(path: Path, *, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """Read a file's bytes, refusing files over the size limit (OSError passes through)."""
    limit = max_bytes * NOTEBOOK_SIZE_FACTOR if is_notebook_path(path.name) else max_bytes
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):  # a FIFO would block, a device never end
        raise UnreadableSource("not a regular file (a FIFO, socket or device)")
    size = info.st_size
    if size > limit:
        raise UnreadableSource(f"file too large ({format_size(size)}, limit {format_size(limit)})")
    with path.open("rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:  # grew while we were reading, or a special file
        raise UnreadableSource(f"file too large (over {format_size(limit)})")
    return data


def format_size(size: int) -> str:
    """``size`` bytes for a message: ``10 bytes``, ``1.5 KB``, ``12 MB`` (1 KB = 1024 bytes)."""
    if size < 1024:
        return f"{size} byte{'' if size == 1 else 's'}"
    value, unit = size / 1024, "KB"
    for larger in ("MB", "GB"):
        if value < 1024:
            break
        value, unit = value / 1024, larger
    return f"{value:.1f}".removesuffix(".0") + f" {unit}"


@dataclass(frozen=True)
class SourceEncoding:
    """How a file's bytes became text: ``bom + text.encode(codec)`` gives them back."""

    codec: str
    bom: bytes = b""

    def encode(self, text: str) -> bytes:
        return self.bom + text.encode(self.codec)


def decode_source(data: bytes, *, cookie: bool = True) -> str:
    """Decode source bytes as CPython does (see :func:`decode_source_as`)."""
    return decode_source_as(data, cookie=cookie)[0]


def decode_source_as(data: bytes, *, cookie: bool = True) -> tuple[str, SourceEncoding]:
    """The text of source bytes, and the encoding that gives the bytes back.

    With ``cookie`` (Python files) the rules are CPython's: an optional UTF-8 BOM, then a
    PEP 263 coding line in the first two lines, else UTF-8; a BOM with a coding line for
    another encoding, a UTF-16/32 file, NUL bytes or bytes invalid in the encoding raise
    :class:`UnreadableSource`. Without ``cookie`` (notebook JSON): UTF-8, BOM allowed.
    """
    for bom, name in _WIDE_BOMS:
        if data.startswith(bom):
            what = "Python reads source files" if cookie else "Jupyter reads notebooks"
            raise UnreadableSource(
                f"{name} text (a {name} byte order mark): {what} as UTF-8"
                + (" or in the encoding of a coding line" if cookie else "")
            )
    if b"\x00" in data:
        raise UnreadableSource("binary content (NUL bytes)")
    bom = codecs.BOM_UTF8 if data.startswith(codecs.BOM_UTF8) else b""
    codec = "utf-8"
    if cookie:
        try:
            codec, _ = tokenize.detect_encoding(_line_reader(data))
        except SyntaxError as exc:
            raise UnreadableSource(_encoding_problem(data, exc)) from None
        codec = "utf-8" if codec == "utf-8-sig" else codec
    encoding = SourceEncoding(codec, bom)
    return _decode(data[len(bom) :], codec), encoding


def _line_reader(data: bytes) -> Callable[[], bytes]:
    """A ``readline`` for :func:`tokenize.detect_encoding` that ends lines where CPython
    does: at ``\\n``, ``\\r\\n`` and a lone ``\\r`` (``BytesIO`` knows only ``\\n``)."""
    lines = iter([match.group() for match in itertools.islice(_BYTE_LINE.finditer(data), 2)])
    return lambda: next(lines, b"")


def _encoding_problem(data: bytes, exc: SyntaxError) -> str:
    """CPython's words for a bad coding line ("encoding problem: latin-1 with BOM")."""
    if data.startswith(codecs.BOM_UTF8):
        for line in data[3:].splitlines()[:2]:
            match = tokenize.cookie_re.match(line.decode("latin-1"))
            if match is not None:
                return f"bad encoding declaration: encoding problem: {match.group(1)} with BOM"
    return f"bad encoding declaration: {exc.msg or exc}"


def _decode(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise UnreadableSource(
            f"cannot decode as {encoding}: {exc.reason} (byte {exc.start})", line, column
        ) from None
    except LookupError:  # pragma: no cover - detect_encoding validates the name
        raise UnreadableSource(f"unknown encoding {encoding!r}") from None


def program_from_bytes(data: bytes, path: str, *, max_bytes: int = MAX_FILE_BYTES) -> Program:
    """Build the program of a file (or stdin) named ``path`` from its raw bytes."""
    if is_notebook_path(path):
        return notebook_program(decode_source(data, cookie=False), max_bytes=max_bytes)
    if len(data) > max_bytes:
        raise UnreadableSource(
            f"file too large ({format_size(len(data))}, limit {format_size(max_bytes)})"
        )
    return Program(decode_source(data))


def program_from_text(text: str, path: str, *, max_bytes: int = MAX_FILE_BYTES) -> Program:
    """Build the program of already decoded text (notebook JSON when ``path`` is ``.ipynb``)."""
    if is_notebook_path(path):
        return notebook_program(text, max_bytes=max_bytes)
    if len(text) > max_bytes:
        raise UnreadableSource(f"source too large ({len(text)} characters)")
    if "\x00" in text:
        raise UnreadableSource("binary content (NUL characters)")
    return Program(text)


# --------------------------------------------------------------------------- notebooks


def notebook_program(text: str, *, max_bytes: int = MAX_FILE_BYTES) -> Program:
    """Join the code cells of notebook JSON ``text`` into one program."""
    try:
        document = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        detail = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
        line = getattr(exc, "lineno", 1)
        column = getattr(exc, "colno", 1)
        raise UnreadableSource(
            f"malformed notebook: invalid JSON ({detail})", line, column
        ) from None
    if not isinstance(document, dict):
        raise UnreadableSource("malformed notebook: the top level is not a JSON object")
    if not _is_python_notebook(document):
        return Program("", ())
    lines: list[str] = []
    where: list[tuple[int, int]] = []
    size = 0
    for number, cell in enumerate(_cells(document), start=1):
        if not isinstance(cell, dict):
            raise UnreadableSource(f"malformed notebook: cell {number} is not an object")
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", cell.get("input", ""))
        if isinstance(source, list) and all(isinstance(part, str) for part in source):
            source = "".join(source)
        if not isinstance(source, str):
            raise UnreadableSource(f"malformed notebook: cell {number} has no text source")
        size += len(source)
        if size > max_bytes:
            raise UnreadableSource("notebook code too large")
        if not source:
            continue
        cell_lines = _NEWLINE.split(source)
        if cell_lines[-1] == "":  # the usual trailing newline
            cell_lines.pop()
        cell_lines = _strip_leading_indent(cell_lines)
        for index, line in enumerate(neutralize_magics(cell_lines), start=1):
            lines.append(line)
            where.append((number, index))
    text = "\n".join(lines) + "\n" if lines else ""
    return Program(text, tuple(where))


def _strip_leading_indent(lines: list[str]) -> list[str]:
    """IPython runs a cell whose first line is indented after removing that indent from
    every line that starts with it; do the same so such cells parse. (Columns reported in
    those cells are then counted from the dedented text.)"""
    indent = cell_indent(lines)
    if not indent:
        return lines
    return [line[len(indent) :] if line.startswith(indent) else line for line in lines]


def cell_indent(lines: list[str]) -> str:
    """The indentation IPython removes from a cell's lines: that of its first non-blank
    line (the fixer puts it back on the lines it writes)."""
    first = next((line for line in lines if line.strip()), "")
    return first[: len(first) - len(first.lstrip(" \t"))]


def _cells(document: dict[str, Any]) -> list[Any]:
    cells = document.get("cells")
    if cells is None and isinstance(document.get("worksheets"), list):  # nbformat 3
        cells = []
        for sheet in document["worksheets"]:
            sheet_cells = sheet.get("cells") if isinstance(sheet, dict) else None
            if not isinstance(sheet_cells, list):
                raise UnreadableSource("malformed notebook: a worksheet has no cell list")
            cells.extend(sheet_cells)
    if not isinstance(cells, list):
        raise UnreadableSource("malformed notebook: no list of cells")
    return cells


def _is_python_notebook(document: dict[str, Any]) -> bool:
    metadata = document.get("metadata")
    if not isinstance(metadata, dict):
        return True
    for key in ("language_info", "kernelspec"):
        info = metadata.get(key)
        if isinstance(info, dict):
            language = info.get("name") if key == "language_info" else info.get("language")
            if isinstance(language, str) and language:
                return language.lower().startswith("python")
    return True


# --------------------------------------------------------------------------- IPython syntax

#: Cell magics whose body is Python code: the body is kept and linted.
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun"})

_CELL_MAGIC = re.compile(r"\s*%%(\w*)")
_ASSIGNED_MAGIC = re.compile(
    r"(?P<indent>\s*)(?P<targets>[A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*)\s*=\s*[%!]"
)
_SPECIAL = re.compile(r"[\\'\"#()\[\]{}]")
_ESCAPES = ("%", "!", "?", "/", ",", ";")  # no Python statement starts with these


def neutralize_magics(lines: list[str]) -> list[str]:
    """Replace IPython-only lines of one cell, keeping the number of lines.

    ``%%magic`` cells are blanked (their body is kept for magics that run Python, such as
    ``%%time``); ``%magic``, ``!shell``, ``?help``, ``help?``, autocall escapes become
    ``pass`` at the same indentation; ``x = !cmd`` and ``x = %magic`` become ``x = ...`` so
    the name is still bound (to something unknown, which keeps the analyzer silent about it).
    Only lines that start a statement are considered: text inside strings and brackets is
    left alone.
    """
    first = next((line for line in lines if line.strip()), "")
    cell_magic = _CELL_MAGIC.match(first)
    if cell_magic:
        if cell_magic.group(1) not in PYTHON_CELL_MAGICS:
            return [""] * len(lines)
        start = lines.index(first)
        lines = [""] * (start + 1) + lines[start + 1 :]
    out: list[str] = []
    scanner = _Scanner()
    continued_magic = False
    for line in lines:
        if continued_magic:  # a magic line ending in a backslash goes on here
            out.append("")
            continued_magic = line.endswith("\\")
            continue
        if scanner.at_statement_start:
            replacement = _replace_magic(line, scanner)
            if replacement is not None:
                out.append(replacement)
                continued_magic = line.endswith("\\")
                continue
        scanner.feed(line)
        out.append(line)
    return out


def _replace_magic(line: str, scanner: _Scanner) -> str | None:
    stripped = line.lstrip()
    indent = line[: len(line) - len(stripped)]
    if not stripped:
        return None
    if stripped.startswith(_ESCAPES):
        return indent + "pass"
    assigned = _ASSIGNED_MAGIC.match(line)
    if assigned:
        return f"{assigned.group('indent')}{assigned.group('targets')} = ..."
    # ``obj?`` / ``obj??``: the code part (without a comment) ends with a question mark.
    probe = scanner.copy()
    comment_at = probe.feed(line)
    code = line[:comment_at].rstrip() if comment_at is not None else line.rstrip()
    if code.endswith("?") and probe.at_statement_start:
        return indent + "pass"
    return None


class _Scanner:
    """Tracks brackets, strings and continuations just well enough to find statement starts."""

    def __init__(self) -> None:
        self.depth = 0
        self.string: str | None = None  # the open string's delimiter
        self.continued = False

    def copy(self) -> _Scanner:
        other = _Scanner()
        other.depth, other.string, other.continued = self.depth, self.string, self.continued
        return other

    @property
    def at_statement_start(self) -> bool:
        return self.depth == 0 and self.string is None and not self.continued

    def feed(self, line: str) -> int | None:
        """Consume one line; return the column where a comment starts, if any."""
        if self.string is None and not _SPECIAL.search(line):
            self.continued = False
            return None
        i, n = 0, len(line)
        comment_at: int | None = None
        while i < n:
            char = line[i]
            if self.string is not None:
                if char == "\\":
                    i += 2
                    continue
                if line.startswith(self.string, i):
                    i += len(self.string)
                    self.string = None
                    continue
                i += 1
                continue
            if char == "#":
                comment_at = i
                break
            if char in "'\"":
                triple = char * 3
                self.string = triple if line.startswith(triple, i) else char
                i += len(self.string)
                continue
            if char in "([{":
                self.depth += 1
            elif char in ")]}":
                self.depth = max(0, self.depth - 1)
            i += 1
        escaped_newline = i > n  # a backslash inside a string escaped the line end
        if self.string is not None and len(self.string) == 1 and not escaped_newline:
            self.string = None  # an unterminated one-quote string ends with its line
        self.continued = self.string is None and comment_at is None and line.endswith("\\")
        return comment_at
