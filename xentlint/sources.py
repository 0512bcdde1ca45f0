"""Turning files, stdin and notebooks into program text for the analyzer.

A Python file is decoded the way CPython would (``python file.py``): UTF-8, a UTF-8 BOM, or
the encoding a PEP 263 coding line declares; anything CPython refuses is unreadable (XEN902),
a UTF-16 or UTF-32 file among them. The fixer decodes with the same function
(:func:`decode_source_as`), so what ``check`` reads is what ``check --fix`` rewrites.

A notebook (``.ipynb``) becomes ONE program of its code cells joined in order, with a map
back to its cells, plus a program per file its ``%%writefile`` cells write
(:mod:`xentlint.notebook_source`; IPython syntax: :mod:`xentlint.ipython`).

Anything that cannot be read raises :class:`UnreadableSource`, which the linter reports as
XEN902.
"""

from __future__ import annotations

import codecs
import itertools
import re
import stat
import tokenize
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xentlint.program import Program, UnreadableSource

__all__ = [
    "MAX_FILE_BYTES",
    "NOTEBOOK_SIZE_FACTOR",
    "Program",
    "SourceEncoding",
    "UnreadableSource",
    "decode_source",
    "decode_source_as",
    "format_size",
    "is_notebook_path",
    "program_from_bytes",
    "program_from_text",
    "read_file",
]

#: Notebook reading is imported on first use: a run over Python files never loads it.
_LAZY = {
    "PYTHON_CELL_MAGICS": "xentlint.ipython",
    "neutralize_magics": "xentlint.ipython",
    "cell_indent": "xentlint.notebook_source",
    "notebook_program": "xentlint.notebook_source",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


#: Files larger than this are not analysed (XEN902 "file too large"; ``max-file-size`` in
#: ``[tool.xentlint]`` changes it). Measured with LibCST 1.9: a relevant file costs ~270
#: bytes of memory and ~2.6 s per MB of source (1 MiB: 280 MB, 2.7 s; 10 MB would be ~2.7 GB
#: and ~27 s, per worker process). 1 MiB is above every file of the CPython 3.11 standard
#: library (largest 757 KB, generated), keras (448 KB) and tensorflow (676 KB, generated).
MAX_FILE_BYTES = 1024 * 1024
#: Notebooks carry outputs (images, tables) besides their code: the file may be this many
#: times larger, as long as the code it holds stays under ``MAX_FILE_BYTES``.
NOTEBOOK_SIZE_FACTOR = 50

_BYTE_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)?")

# Longest BOMs first: the UTF-32-LE BOM begins with the UTF-16-LE one.
_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


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
        from xentlint.notebook_source import notebook_program

        return notebook_program(decode_source(data, cookie=False), max_bytes=max_bytes)
    if len(data) > max_bytes:
        raise UnreadableSource(
            f"file too large ({format_size(len(data))}, limit {format_size(max_bytes)})"
        )
    return Program(decode_source(data))


def program_from_text(text: str, path: str, *, max_bytes: int = MAX_FILE_BYTES) -> Program:
    """Build the program of already decoded text (notebook JSON when ``path`` is ``.ipynb``)."""
    if is_notebook_path(path):
        from xentlint.notebook_source import notebook_program

        return notebook_program(text, max_bytes=max_bytes)
    if len(text) > max_bytes:
        raise UnreadableSource(f"source too large ({len(text)} characters)")
    if "\x00" in text:
        raise UnreadableSource("binary content (NUL characters)")
    return Program(text)
