"""Linting files, folders, stdin and strings: discovery, the analyzer, selection and noqa."""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from xentlint.catalog import RULES
from xentlint.config import Config
from xentlint.diagnostics import Diagnostic, RawFinding
from xentlint.noqa import is_suppressed
from xentlint.selection import matches
from xentlint.sources import (
    Program,
    UnreadableSource,
    program_from_bytes,
    program_from_text,
    read_file,
)

if TYPE_CHECKING:
    from xentlint.cache import Cache

SUFFIXES = (".py", ".ipynb")
STDIN = "-"


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


@dataclass
class LintReport:
    """What a run produced: findings, the number of files read, and non-finding errors."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: int = 0
    errors: list[str] = field(default_factory=list)


def sort_key(diagnostic: Diagnostic) -> tuple[str, int, int, int, str]:
    return (
        diagnostic.path,
        diagnostic.cell or 0,
        diagnostic.line,
        diagnostic.column,
        diagnostic.code,
    )


# --------------------------------------------------------------------------- one program


def _analyze(text: str, config: Config, program: Program | None = None) -> list[RawFinding]:
    from xentlint import static  # LibCST is imported here, not when xentlint is

    codes = [code for code in RULES if config.selection.enabled(code)]
    describe = _describe_line(program) if program is not None and program.is_notebook else None
    if describe is None:
        return static.analyze_source(text, codes)
    return static.analyze_source(text, codes, describe, True)  # a notebook


def _unreadable(path: str, error: UnreadableSource) -> RawFinding:
    return RawFinding(
        "XEN902",
        f"unreadable file: {error.reason}",
        error.line,
        error.column,
        error.line,
        error.column,
    )


def _diagnostics(
    path: str, program: Program | None, findings: Iterable[RawFinding], config: Config
) -> list[Diagnostic]:
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
            )
        )
    out.sort(key=sort_key)
    return out


def _debug_traceback() -> None:
    if os.environ.get("XENTLINT_DEBUG"):
        import traceback

        traceback.print_exc()


def _describe_line(program: Program) -> Callable[[int, int], str]:
    """Render a program line as a notebook user sees it: the line in its cell."""

    def describe(line: int, finding_line: int) -> str:
        other, local = program.locate(line)
        own, _ = program.locate(finding_line)
        return f"line {local}" if other == own else f"line {local} of cell {other}"

    return describe


def _lint_program(path: str, program: Program, config: Config) -> list[Diagnostic]:
    if not program.text.strip():
        return []
    try:
        findings = _analyze(program.text, config, program)
    except Exception as exc:
        _debug_traceback()
        raise InternalError(path, exc) from exc
    return _diagnostics(path, program, findings, config)


def lint_source(
    text: str, path: str = "<string>", *, config: Config | None = None
) -> list[Diagnostic]:
    """Lint one source text. When ``path`` ends in ``.ipynb``, ``text`` is notebook JSON.

    ``config`` defaults to the built-in settings (no config file is read). Raises
    :class:`InternalError` if the analyzer fails.
    """
    config = config or Config()
    try:
        program = program_from_text(text, path, max_bytes=config.max_file_size)
    except UnreadableSource as error:
        return _diagnostics(path, None, [_unreadable(path, error)], config)
    return _lint_program(path, program, config)


def lint_bytes(data: bytes, path: str, *, config: Config | None = None) -> list[Diagnostic]:
    """Lint raw bytes (a file's or stdin's), decoding them as CPython would."""
    config = config or Config()
    try:
        program = program_from_bytes(data, path, max_bytes=config.max_file_size)
    except UnreadableSource as error:
        return _diagnostics(path, None, [_unreadable(path, error)], config)
    return _lint_program(path, program, config)


def lint_file(path: Path, display: str, config: Config) -> list[Diagnostic]:
    try:
        data = read_file(path, max_bytes=config.max_file_size)
    except UnreadableSource as error:
        return _diagnostics(display, None, [_unreadable(display, error)], config)
    except OSError as exc:
        reason = UnreadableSource(f"cannot read: {exc.strerror or exc}")
        return _diagnostics(display, None, [_unreadable(display, reason)], config)
    return lint_bytes(data, display, config=config)


# --------------------------------------------------------------------------- discovery


def discover(
    paths: Sequence[str], config: Config, unlisted: list[tuple[str, str]] | None = None
) -> tuple[list[tuple[Path, str]], list[str]]:
    """The files to lint as ``(path, display name)``, and the paths that do not exist; the
    folders that cannot be listed are added to ``unlisted`` as ``(display name, reason)``.

    Files named explicitly are linted whatever their suffix and even if excluded; folders
    are walked in sorted order for ``.py`` and ``.ipynb`` files, skipping excluded names.
    A named path that cannot even be looked at (a parent folder without permission, a
    looping link) is linted as a file: reading it reports why (XEN902).
    """
    files: list[tuple[Path, str]] = []
    missing: list[str] = []
    unlisted = unlisted if unlisted is not None else []
    seen: set[str] = set()

    def add(path: Path, display: str) -> None:
        key = os.path.normcase(os.path.abspath(path))
        if key not in seen:
            seen.add(key)
            files.append((path, display))

    for given in paths:
        path = Path(given)
        kind = _kind(path)
        if kind == "folder":
            found, errors = _walk(path, config)
            for entry in found:
                add(entry, os.path.normpath(entry))
            unlisted.extend((os.path.normpath(folder), reason) for folder, reason in errors)
        elif kind == "file":
            add(path, os.path.normpath(given))
        else:
            missing.append(given)
    return files, missing


def _kind(path: Path) -> str:
    """``folder``, ``file`` (also: anything that exists but cannot be looked at) or ``missing``."""
    try:
        return "folder" if stat.S_ISDIR(path.stat().st_mode) else "file"
    except (FileNotFoundError, NotADirectoryError):
        return "file" if os.path.lexists(path) else "missing"  # a dangling link: XEN902
    except OSError:  # permission denied on the way, a looping link: XEN902 when read
        return "file"


def _walk(top: Path, config: Config) -> tuple[list[Path], list[tuple[Path, str]]]:
    """The files to lint below ``top``, and the folders that could not be listed (why)."""
    # The folder named on the command line is never excluded itself; every entry below it
    # is tested by its own name and root-relative path, and excluded folders are pruned.
    found: list[Path] = []
    errors: list[OSError] = []
    for folder, dirs, names in os.walk(top, onerror=errors.append):
        here = Path(folder)
        dirs[:] = [d for d in dirs if not config.excludes_entry(here / d)]
        for name in names:
            if name.endswith(SUFFIXES) and not config.excludes_entry(here / name):
                if not _is_special(here / name):
                    found.append(here / name)
    found.sort(key=lambda path: path.parts)
    unlisted = [
        (Path(exc.filename if exc.filename is not None else top), exc.strerror or str(exc))
        for exc in errors
    ]
    return found, unlisted


def unlisted_folder(display: str, reason: str, config: Config) -> list[Diagnostic]:
    """XEN902 on a folder that could not be listed (as ruff's E902): it may hold findings."""
    finding = RawFinding("XEN902", f"unreadable folder: cannot list: {reason}", 1, 1, 1, 1)
    return _diagnostics(display, None, [finding], config)


def _is_special(path: Path) -> bool:
    """A FIFO, socket or device met while walking: skipped, never opened."""
    try:
        return not stat.S_ISREG(path.stat().st_mode)
    except OSError:  # dangling or looping symlink: linting reports it (XEN902)
        return False


def check_paths(
    paths: Sequence[str],
    *,
    config: Config | None = None,
    stdin_filename: str | None = None,
    jobs: int = 1,
    cache: Cache | None = None,
) -> LintReport:
    """Lint files and folders (``-`` reads stdin), collecting errors instead of raising.

    ``jobs`` > 1 lints in that many worker processes when there are enough files;
    ``cache`` (:meth:`xentlint.cache.Cache.open`) skips files linted before.
    """
    config = config or Config()
    report = LintReport()
    regular = [p for p in paths if p != STDIN]
    unlisted: list[tuple[str, str]] = []
    files, missing = discover(regular, config, unlisted)
    for given in missing:
        report.errors.append(f"{given}: no such file or directory")
    for display, reason in unlisted:
        report.files += 1
        report.diagnostics.extend(unlisted_folder(display, reason, config))
    if STDIN in paths:
        name = stdin_filename or STDIN
        stdin = sys.stdin
        data = stdin.buffer.read() if hasattr(stdin, "buffer") else stdin.read().encode()
        _collect(report, name, lambda: lint_bytes(data, name, config=config))
    from xentlint.parallel import lint_files

    for outcome in lint_files(files, config, jobs=jobs, cache=cache):
        report.files += 1
        report.diagnostics.extend(outcome.diagnostics)
        if outcome.error is not None:
            report.errors.append(outcome.error)
    report.diagnostics.sort(key=sort_key)
    return report


def _collect(report: LintReport, display: str, run: Callable[[], list[Diagnostic]]) -> None:
    report.files += 1
    try:
        report.diagnostics.extend(run())
    except InternalError as exc:
        report.errors.append(str(exc))
    except Exception as exc:  # a bug in xentlint itself: report it, go on with other files
        _debug_traceback()
        report.errors.append(str(InternalError(display, exc)))


def lint_paths(
    paths: Iterable[str | os.PathLike[str]], *, config: Config | None = None
) -> list[Diagnostic]:
    """Lint files and folders; returns the sorted findings.

    Raises :class:`XentlintError` when a path does not exist or the analyzer failed on a
    file (after linting all the others; the findings are on the exception's ``diagnostics``).
    """
    report = check_paths([os.fspath(p) for p in paths], config=config)
    if report.errors:
        raise XentlintError("; ".join(report.errors), report.diagnostics)
    return report.diagnostics
