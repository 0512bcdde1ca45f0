"""``xentlint check --add-noqa``: a ``# noqa: XENnnn`` comment on every reported line.

Files are written the way ``--fix`` writes them (:mod:`xentlint.fix.files`): only when
they change, in their own encoding and line endings, atomically, keeping their mode;
notebooks through the cell rewriter (:func:`xentlint.fix.notebook.rebuild`), so that only
the ``source`` of the cells that change is touched.

A comment cannot go on every line: a line that ends inside a multi-line string (the
comment would become part of the string) or with a backslash continuation (it would
end the statement) keeps its finding, and a warning names it. XEN9xx findings (files
that could not be read or parsed) get no comment, and such files are never edited.
"""

from __future__ import annotations

import ast
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from xentlint.config import Config
from xentlint.diagnostics import Diagnostic
from xentlint.fix import notebook
from xentlint.fix.files import WriteError, atomic_write, codec_for
from xentlint.noqa import add_noqa as noqa_line
from xentlint.noqa import comment_columns, is_suppressed
from xentlint.sources import Program, UnreadableSource, program_from_text, read_file

_NOT_MARKED = "XEN9"  # unreadable / unparsable files: nothing to put a comment in


@dataclass
class NoqaOutcome:
    """What ``--add-noqa`` did: directives added, lines left alone, files not written."""

    added: int = 0
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def add_noqa(diagnostics: Sequence[Diagnostic], config: Config) -> NoqaOutcome:
    """Add ``# noqa`` comments for ``diagnostics`` (as ``check`` reported them) to their files."""
    outcome = NoqaOutcome()
    by_file: dict[str, dict[tuple[int | None, int], set[str]]] = {}
    for d in diagnostics:
        if d.code.startswith(_NOT_MARKED) or d.where is not None or d.line < 1:
            continue
        by_file.setdefault(d.path, {}).setdefault((d.cell, d.line), set()).add(d.code)
    for display, wanted in by_file.items():
        try:
            outcome.added += _add_to_file(Path(display), display, wanted, config, outcome)
        except _Skip as exc:
            outcome.errors.append(f"{display}: no # noqa added: {exc}")
    return outcome


class _Skip(Exception):
    """This file cannot take the comments; the message says why."""


def _add_to_file(
    path: Path,
    display: str,
    wanted: dict[tuple[int | None, int], set[str]],
    config: Config,
    outcome: NoqaOutcome,
) -> int:
    try:
        data = read_file(path, max_bytes=config.max_file_size)
    except UnreadableSource as exc:
        raise _Skip(exc.reason) from None
    except OSError as exc:
        raise _Skip(f"cannot read: {exc.strerror or exc}") from None
    decoded = codec_for(data, display)
    if decoded is None:
        raise _Skip("its encoding cannot be written back exactly")
    text, encoder = decoded
    try:
        program = program_from_text(text, display, max_bytes=config.max_file_size)
    except UnreadableSource as exc:
        raise _Skip(exc.reason) from None
    new_text, total = text, 0
    for index, unit in enumerate(program.units()):
        lines = _program_lines(program, unit, wanted)
        if not lines:
            continue
        if new_text != text:  # an earlier unit took comments: read this one again
            again = program_from_text(new_text, display, max_bytes=config.max_file_size)
            unit = again.units()[index]
        new_program, added, skipped = add_to_source(unit.text, lines)
        for line, reason in skipped:
            cell, local = unit.locate(line)
            where = f"cell_{cell}:{local}" if cell is not None else str(local)
            outcome.warnings.append(f"{display}:{where}: no # noqa added: {reason}")
        if not added:
            continue
        total += added
        if unit.is_notebook:
            try:
                new_text = notebook.rebuild(new_text, unit, new_program)
                again = program_from_text(new_text, display, max_bytes=config.max_file_size)
            except (notebook.NotebookEditError, UnreadableSource) as exc:
                raise _Skip(f"cannot write the comments into the notebook: {exc}") from None
            if again.units()[index].text != new_program:
                raise _Skip("the notebook would not read back with the comments")
        else:
            new_text = new_program
    if not total:
        return 0
    try:
        atomic_write(path, encoder(new_text))
    except (WriteError, UnicodeError) as exc:
        raise _Skip(str(exc)) from None
    return total


def _program_lines(
    program: Program, unit: Program, wanted: dict[tuple[int | None, int], set[str]]
) -> dict[int, set[str]]:
    """Findings' ``(cell, line)`` positions that are lines of ``unit``, as its lines."""
    out: dict[int, set[str]] = {}
    for (cell, line), codes in wanted.items():
        found = program.unit_of(cell, line)
        if found is not None and found[0] is unit:
            out[found[1]] = codes
    return out


def add_to_source(text: str, wanted: dict[int, set[str]]) -> tuple[str, int, list[tuple[int, str]]]:
    """``text`` with ``# noqa`` comments for ``{line: codes}``.

    Returns the new text, the number of lines that got (or extended) a directive, and the
    lines left alone with the reason. Line endings are kept; the result parses whenever
    ``text`` did (otherwise nothing is changed and every line is reported).
    """
    columns = comment_columns(text)
    if columns is None:
        return text, 0, [(line, "the file cannot be tokenized") for line in sorted(wanted)]
    lines = notebook.split_lines(text)
    added = 0
    skipped: list[tuple[int, str]] = []
    for number in sorted(wanted):
        codes = wanted[number]
        if number > len(lines):
            skipped.append((number, "no such line"))
            continue
        raw = lines[number - 1]
        body = raw.rstrip("\r\n")
        if number not in columns:
            reason = (
                "the line ends with a backslash continuation"
                if body.endswith("\\")
                else "the line ends inside a multi-line string"
            )
            skipped.append((number, reason))
            continue
        new = noqa_line(body, codes, columns[number])
        if new == body:
            continue
        if not all(is_suppressed(code, new) for code in codes):  # pragma: no cover - a guard
            skipped.append((number, "the comment would not suppress the finding"))
            continue
        lines[number - 1] = new + raw[len(body) :]
        added += 1
    new_text = "".join(lines)
    if added and _parses(text) and not _parses(new_text):  # pragma: no cover - a bug guard
        return text, 0, [(line, "the comment would break the code") for line in sorted(wanted)]
    return new_text, added, skipped


def _parses(text: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True
