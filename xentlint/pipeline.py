"""One program -> diagnostics: the static front end, the fixes' availability, selection, noqa.

The bottom of the per-file path: :func:`lint_bytes` decodes a file as CPython would
(:mod:`xentlint.sources`), :func:`analyze` runs the static front end with the enabled
codes (and asks :mod:`xentlint.fix.rules` which findings have an automatic fix), and
:func:`diagnostics` applies the selection, per-file ignores and ``# noqa``, and ties each
finding to its path and notebook cell. The runner (:mod:`xentlint.lint`,
:mod:`xentlint.parallel`) calls these for each file; nothing here knows about folders,
caches or workers.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from xentlint.catalog import RULES
from xentlint.config import Config
from xentlint.diagnostics import Diagnostic, Place, RawFinding
from xentlint.prefilter import screen
from xentlint.project import Project, ProjectFile
from xentlint.selection import matches
from xentlint.sources import (
    Program,
    UnreadableSource,
    program_from_bytes,
    program_from_text,
    read_file,
)


class XentlintError(Exception):
    """A problem that is not a finding: a missing path, an internal error.

    ``diagnostics`` holds the findings of the files that could be linted.
    """

    def __init__(self, message: str, diagnostics: Sequence[Diagnostic] = ()) -> None:
        super().__init__(message)
        self.diagnostics = list(diagnostics)


class InternalError(XentlintError):
    """The analyzer failed on one file (a bug in xentlint, not in the linted code)."""

    def __init__(self, path: str, exc: BaseException) -> None:
        super().__init__(f"{path}: internal error: {type(exc).__name__}: {exc}")
        self.path = path
        self.exc = exc


#: XEN903 (``unused_noqa.CODE``, not imported here: it imports the rule modules)
UNUSED_NOQA = "XEN903"


def sort_key(diagnostic: Diagnostic) -> tuple[str, int, int, int, str]:
    return (
        diagnostic.path,
        diagnostic.cell or 0,
        diagnostic.line,
        diagnostic.column,
        diagnostic.code,
    )


def analyze(
    text: str,
    config: Config,
    program: Program | None = None,
    unknown: Callable[[], None] | None = None,
    project: ProjectFile | None = None,
    keep: list[Any] | None = None,
) -> list[RawFinding]:
    """The static front end's findings for ``text`` (``unknown()``: see ``analyze_source``;
    ``project``: where its imports of the project's own modules are found); ``keep``
    receives the analysis that found them (``static.analyze.Kept``), for ``--fix`` to plan
    from."""
    ipython = program is not None and program.top_level_await
    compiled = program is not None and program.compiled and program.text == text
    settled = screen(text, notebook=ipython, compiled=compiled, project=project)
    if settled is not None:  # a syntax error, or no loss nor activation: no LibCST needed
        return settled
    from xentlint import static  # LibCST is imported here, not when xentlint is

    codes = [code for code in RULES if config.selection.enabled(code)]
    if program is not None and program.is_notebook:
        describe = describe_line(program)
    else:
        from xentlint.static.analyze import plain_line as describe
    # positional: test doubles of analyze_source take (source, *args); compiled: screened
    args: tuple[Any, ...] = (codes, describe, fix_availability, ipython, True, unknown, project)
    if keep is None:
        return static.analyze_source(text, *args)
    return static.analyze_source(text, *args, keep=keep)


def fix_availability(analysis: Any) -> dict[int, str]:
    """Which findings ``xentlint check --fix`` can fix, with the fix's safety (and, in
    ``analysis.fix_reasons``, why a fix that edits another file cannot be applied)."""
    try:
        from xentlint.fix.rules import fixable  # LibCST edits: only for files with findings

        reasons: dict[int, str] = {}
        available = fixable(
            analysis.facts, analysis.findings, analysis.module, analysis=analysis, reasons=reasons
        )
        analysis.fix_reasons = reasons
        return available
    except Exception:  # noqa: BLE001 - a fixer bug must not break linting
        if os.environ.get("XENTLINT_DEBUG"):
            raise
        return {}


def project_for(
    path: str | os.PathLike[str] | None, display: str, config: Config
) -> ProjectFile | None:
    """The finder of project modules for a file linted on its own (the API, stdin); None
    for a text that is not a file (``<string>``)."""
    if display.startswith("<") and display.endswith(">"):
        return None
    return Project(config).for_file(path if path is not None else None, display)


def unreadable(path: str, error: UnreadableSource) -> RawFinding:
    return RawFinding(
        "XEN902",
        f"unreadable file: {error.reason}",
        error.line,
        error.column,
        error.line,
        error.column,
    )


def diagnostics(
    path: str, program: Program | None, findings: Iterable[RawFinding], config: Config
) -> list[Diagnostic]:
    from xentlint.noqa import is_suppressed  # here: a file without findings needs none

    selection = config.selection
    dropped = config.ignored_for(Path(path)) if path else ()
    out: list[Diagnostic] = []
    for finding in findings:
        code = finding.code
        if not selection.enabled(code) or any(matches(s, code) for s in dropped):
            continue
        if program is not None and is_suppressed(code, program.line_text(finding.line)):
            continue
        rule = RULES.get(code)
        cell, line = program.locate(finding.line) if program is not None else (None, finding.line)
        end_line, end_column = finding.end_line, finding.end_column
        if program is not None and program.is_notebook:
            end_cell, end_line = program.locate(finding.end_line)
            if end_cell != cell:
                end_line, end_column = line, finding.column
        message = finding.message
        fix_title = finding.fix_title
        if fix_title is None and rule is not None and rule.fix:
            fix_title = rule.fix
        related = tuple(_place(place, program) for place in finding.related)
        out.append(
            Diagnostic(
                path=path,
                line=line,
                column=finding.column,
                end_line=end_line,
                end_column=end_column,
                code=code,
                name=rule.name if rule is not None else "unknown-rule",
                severity=rule.severity if rule is not None else "E",
                message=message,
                fix_title=fix_title or None,
                cell=cell,
                fix_safety=finding.fix_safety,
                explanation=finding.explanation or (rule.explanation if rule else ""),
                related=related,
                fix_reason=finding.fix_reason,
            )
        )
    out.sort(key=sort_key)
    return out


def _place(place: Any, program: Program | None) -> Place:
    """A raw place as a user sees it: another file's, or a line (of a cell) of this one."""
    if place.path is not None or program is None or not program.is_notebook:
        return Place(place.path, place.line, place.column, place.end_line, place.end_column)
    cell, line = program.locate(place.line)
    end_cell, end_line = program.locate(place.end_line)
    end_column = place.end_column
    if end_cell != cell:
        end_line, end_column = line, place.column
    return Place(None, line, place.column, end_line, end_column, cell)


def debug_traceback() -> None:
    if os.environ.get("XENTLINT_DEBUG"):
        import traceback

        traceback.print_exc()


def describe_line(program: Program) -> Callable[[int, int], str]:
    """Render a program line as a notebook user sees it: the line in its cell."""

    def describe(line: int, finding_line: int) -> str:
        other, local = program.locate(line)
        own, _ = program.locate(finding_line)
        return f"line {local}" if other == own else f"line {local} of cell {other}"

    return describe


def unit_findings(
    path: str,
    unit: Program,
    config: Config,
    project: ProjectFile | None = None,
    keep: list[Any] | None = None,
) -> tuple[list[RawFinding], bool]:
    """The raw findings of one unit of a program (before selection and ``# noqa``), and
    whether its analysis ran to its end (False: its facts are not known). A unit written by
    a ``%%writefile`` cell reads the project modules from its own folder, as it would run."""
    findings = list(unit.problems)
    unknown: list[bool] = []
    if unit.text.strip():
        finder = project
        if project is not None and unit.writes is not None:
            finder = project.written(unit.writes)
        try:
            found = analyze(unit.text, config, unit, partial(unknown.append, True), finder, keep)
            findings.extend(found)
        except Exception as exc:
            debug_traceback()
            raise InternalError(path, exc) from exc
    return findings, not unknown


def unused_noqa_of(
    path: str, unit: Program, config: Config, project: ProjectFile | None = None
) -> list[Any]:
    """The directives of ``unit`` XEN903 reports (none when XEN903 is not enabled)."""
    if not config.selection.enabled(UNUSED_NOQA):
        return []
    from xentlint.unused_noqa import might_have_directives

    if not might_have_directives(unit.text):
        return []  # no analysis needed
    findings, complete = unit_findings(path, unit, config, project)
    if not complete:
        return []
    found = _unused_directives(path, unit, findings, config)
    # only the reported ones: not those silenced by a directive naming XEN903, or by a
    # per-file ignore
    return [item for item in found if diagnostics(path, unit, [item.finding()], config)]


def _unused_directives(
    path: str, unit: Program, findings: list[RawFinding], config: Config
) -> list[Any]:
    """XEN903's judgement of ``unit``'s directives, given all its raw findings from an
    analysis that ran to its end (``unused_noqa.Unused`` items)."""
    from xentlint import unused_noqa  # the rule modules: only when XEN903 is on

    return unused_noqa.unused_directives(unit, findings, unused_noqa.enabled_for(config, path))


def lint_program(
    path: str, program: Program, config: Config, project: ProjectFile | None = None
) -> list[Diagnostic]:
    """The diagnostics of a program and, for a notebook, of the files its cells write
    (each reads the project modules it imports from its own folder, as it would run)."""
    out: list[Diagnostic] = []
    for unit in program.units():
        out.extend(lint_unit(path, unit, config, project))
    out.sort(key=sort_key)
    return out


def lint_unit(
    path: str,
    unit: Program,
    config: Config,
    project: ProjectFile | None = None,
    keep: list[Any] | None = None,
) -> list[Diagnostic]:
    """The diagnostics of one program of a document (see :func:`lint_program`), XEN903's
    among them; ``keep`` receives its analysis (:func:`analyze`)."""
    findings, complete = unit_findings(path, unit, config, project, keep)
    if complete and config.selection.enabled(UNUSED_NOQA):
        found = _unused_directives(path, unit, findings, config)
        findings.extend(item.finding() for item in found)
    return diagnostics(path, unit, findings, config) if findings else []


_OWN = object()


def lint_source(
    text: str,
    path: str = "<string>",
    *,
    config: Config | None = None,
    project: ProjectFile | None | object = _OWN,
) -> list[Diagnostic]:
    """Lint one source text. When ``path`` ends in ``.ipynb``, ``text`` is notebook JSON.

    ``config`` defaults to the built-in settings (no config file is read). The project
    modules the text imports are read from disk, next to ``path`` (not for ``<string>``;
    ``project`` gives another finder, None none). Raises :class:`InternalError` if the
    analyzer fails.
    """
    config = config or Config()
    if project is _OWN:
        project = project_for(path, path, config)
    try:
        program = program_from_text(text, path, max_bytes=config.max_file_size)
    except UnreadableSource as error:
        return diagnostics(path, None, [unreadable(path, error)], config)
    return lint_program(path, program, config, project)  # type: ignore[arg-type]


def lint_bytes(
    data: bytes,
    path: str,
    *,
    config: Config | None = None,
    project: ProjectFile | None | object = _OWN,
) -> list[Diagnostic]:
    """Lint raw bytes (a file's or stdin's), decoding them as CPython would."""
    config = config or Config()
    if project is _OWN:
        project = project_for(path, path, config)
    try:
        program = program_from_bytes(data, path, max_bytes=config.max_file_size)
    except UnreadableSource as error:
        return diagnostics(path, None, [unreadable(path, error)], config)
    return lint_program(path, program, config, project)  # type: ignore[arg-type]


def lint_file(
    path: Path, display: str, config: Config, project: ProjectFile | None = None
) -> list[Diagnostic]:
    try:
        data = read_file(path, max_bytes=config.max_file_size)
    except UnreadableSource as error:
        return diagnostics(display, None, [unreadable(display, error)], config)
    except OSError as exc:
        reason = UnreadableSource(f"cannot read: {exc.strerror or exc}")
        return diagnostics(display, None, [unreadable(display, reason)], config)
    if project is None:
        project = project_for(path, display, config)
    return lint_bytes(data, display, config=config, project=project)
