"""Notebook JSON -> the programs xentlint lints.

A notebook becomes ONE program of its Python cells, joined in order, so that an import in
cell 1 counts in cell 5; every program line is the line of the same number in its cell
(:class:`xentlint.program.Program` keeps the map). IPython syntax that is not Python is
replaced line by line (:mod:`xentlint.ipython`); cells of a cell magic that does not run
Python (``%%bash``, ``%%html``, Datalab's ``%bq``...) are blank lines.

A ``%%writefile path.py`` cell (or ``%%writefile -a``, which appends) is not part of that
program: the file it writes is a program of its own (:attr:`Program.scripts`), run by
Python, whose lines map back to the cells that wrote them. A cell writing any other file
(``.yaml``, ``.sh``) is skipped.

A cell that does not compile (as IPython compiles it: alone, ``await`` allowed at the top)
gets its XEN901 (:attr:`Program.problems`, at its position in the cell) and is left out:
its lines become what it leaves behind (:func:`xentlint.cell_names.stub`): its complete
imports, and the names it would bind, or whose objects it would change, bound to an unknown
value. A later cell that uses such a name is analysed with that name unknown: nothing is
reported from what an earlier cell had bound to it. The cells around it are linted as
usual. Only when the joined program does not compile is each cell compiled alone, so a
notebook that compiles costs one ``compile()``, as a Python file does.

Cell numbers count ALL cells of the notebook, markdown and raw cells included, starting at 1:
``cell_3`` is the third cell a Jupyter user sees from the top.
"""

from __future__ import annotations

import ast
import json
import posixpath
import re
import warnings
from dataclasses import dataclass, field
from typing import Any

from xentlint.cell_names import Names, cell_names, left_out, module_names, parse, stub
from xentlint.diagnostics import RawFinding
from xentlint.ipython import automagic_hint, cell_magic, neutralize_magics, writefile_target
from xentlint.program import Program, UnreadableSource

_NEWLINE = re.compile(r"\r\n|\r|\n")
#: The default bound on a notebook's code (``xentlint.sources.MAX_FILE_BYTES``).
MAX_CODE_BYTES = 1024 * 1024


@dataclass
class _PythonCell:
    """A cell of the notebook's program: its number, lines and where they start."""

    number: int
    lines: list[str]  # as the cell has them (dedented as IPython dedents)
    program: list[str]  # as the program has them (IPython syntax replaced)
    offset: int  # program lines before the cell's first line

    def text(self) -> str:
        return "\n".join(self.program) + "\n"


@dataclass
class _Script:
    """A ``.py`` file written by ``%%writefile`` cells (one write, then its appends)."""

    path: str
    lines: list[str] = field(default_factory=list)
    where: list[tuple[int, int]] = field(default_factory=list)

    def program(self) -> Program:
        text = "\n".join(self.lines) + "\n" if self.lines else ""
        return Program(text, tuple(self.where), writes=self.path)


def notebook_program(text: str, *, max_bytes: int = MAX_CODE_BYTES) -> Program:
    """The programs of notebook JSON ``text`` (:class:`Program`, its ``scripts``)."""
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
    return _Builder().build(code_cells(document, max_bytes))


def code_cells(document: dict[str, Any], max_bytes: int) -> list[tuple[int, list[str]]]:
    """``(cell number, lines)`` of each code cell that has code, dedented as IPython does."""
    out: list[tuple[int, list[str]]] = []
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
        lines = _NEWLINE.split(source)
        if lines[-1] == "":  # the usual trailing newline
            lines.pop()
        out.append((number, _strip_leading_indent(lines)))
    return out


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


class _Builder:
    """Reads the code cells in order into the notebook's program and its scripts."""

    def __init__(self) -> None:
        self.cells: list[_PythonCell] = []
        self.lines: list[str] = []  # the program's
        self.where: list[tuple[int, int]] = []
        self.scripts: list[_Script] = []
        self._names: list[Names | None] = []  # of each cell in self.cells, once asked for

    def build(self, cells: list[tuple[int, list[str]]]) -> Program:
        for number, lines in cells:
            magic = cell_magic(lines)
            if magic is not None and magic.writes_file:
                target = writefile_target(magic.args)
                if target is not None and target[0].endswith(".py"):
                    self._write(number, lines, magic.line + 1, *target)
                    continue
            program = neutralize_magics(lines, self._bound_before)
            self.cells.append(_PythonCell(number, lines, program, len(self.lines)))
            self._names.append(None)
            self.lines.extend(program)
            self.where.extend((number, index) for index in range(1, len(lines) + 1))
        scripts = tuple(script.program() for script in self.scripts)
        text = "\n".join(self.lines) + "\n" if self.lines else ""
        where = tuple(self.where)
        if not text.strip():
            return Program(text, where, scripts=scripts)
        from xentlint.prefilter import syntax_error  # the syntax check of every file

        error = syntax_error(text, notebook=True)
        if error is None:
            return Program(text, where, scripts=scripts, compiled=True)
        if error.code != "XEN901":
            return Program(text, where, scripts=scripts)  # XEN902, reported by the analysis
        return self._without_broken_cells(text, where, scripts)

    def _write(self, number: int, lines: list[str], body: int, path: str, append: bool) -> None:
        key = posixpath.normpath(path)
        script = next((s for s in reversed(self.scripts) if s.path == key), None)
        if script is None or not append:
            script = _Script(key)
            self.scripts.append(script)
        script.lines.extend(lines[body:])
        script.where.extend((number, index) for index in range(body + 1, len(lines) + 1))

    def _bound_before(self, name: str) -> bool:
        """Whether a cell before the current one binds ``name`` (IPython's automagic test)."""
        pattern = re.compile(rf"(?<![\w.]){re.escape(name)}\b")
        for index, cell in enumerate(self.cells):
            if not any(pattern.search(line) for line in cell.program):
                continue
            names = self._names[index]
            if names is None:
                names = self._names[index] = cell_names(cell.text())
            if name in names.all:
                return True
        return False

    def _without_broken_cells(
        self, text: str, where: tuple[tuple[int, int], ...], scripts: tuple[Program, ...]
    ) -> Program:
        from xentlint.prefilter import syntax_error

        broken: dict[int, RawFinding] = {}
        assigned: set[str] = set()
        for index, cell in enumerate(self.cells):
            source = cell.text()
            tree = _compiled_tree(source)
            if tree is not None:
                names = self._names[index] or module_names(tree)
                assigned |= names.assigned
                continue
            error = syntax_error(source, notebook=True)  # CPython's message and position
            if error is not None and error.code == "XEN901":
                broken[index] = error
        if not broken:  # every cell compiles, the joined program does not: say so
            return Program(text, where, scripts=scripts)
        left = {index: left_out(self.cells[index].program) for index in broken}
        for gone in left.values():
            assigned |= gone.assigned
        lines = list(self.lines)
        problems: list[RawFinding] = []
        originals: dict[int, str] = {}
        for index, error in broken.items():
            cell, gone = self.cells[index], left[index]
            unknown = set(gone.assigned) | (gone.changed & assigned)
            lines[cell.offset : cell.offset + len(cell.lines)] = stub(cell.program, gone, unknown)
            problems.append(_in_program(error, cell))
            for number, line in enumerate(cell.lines, start=cell.offset + 1):
                originals[number] = line
        repaired = "\n".join(lines) + "\n"
        if syntax_error(repaired, notebook=True) is not None:  # never seen: say what we know
            return Program(text, where, scripts=scripts)
        return Program(
            repaired,
            where,
            problems=tuple(problems),
            scripts=scripts,
            compiled=True,
            originals=originals,
        )


def _compiled_tree(source: str) -> ast.Module | None:
    """The tree of a cell that compiles as IPython compiles it, else None: one parse gives
    both the syntax check and the names it binds (``compile`` of the tree finds what only
    the compiler finds, ``return`` outside a function...)."""
    tree = parse(source)
    if tree is None:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(tree, "<cell>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    return tree


def _in_program(error: RawFinding, cell: _PythonCell) -> RawFinding:
    """The XEN901 of a cell compiled alone, at its lines in the program."""
    count = len(cell.lines)
    line = min(max(error.line, 1), count)
    end_line = min(max(error.end_line, line), count)
    column, end_column = error.column, error.end_column
    if (end_line, end_column) < (line, column):
        end_line, end_column = line, column
    message = error.message
    if sum(1 for text in cell.lines if text.strip()) > 1:
        hint = automagic_hint(cell.lines[line - 1])
        if hint is not None:
            message = f"{message} ({hint})"
    return RawFinding(
        error.code,
        message,
        cell.offset + line,
        column,
        cell.offset + end_line,
        end_column,
    )


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
