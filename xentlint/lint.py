"""Linting files, folders and stdin: discovery, then each file through the pipeline.

The top of the per-file path: :func:`check_paths` finds the files (:func:`discover`),
reads stdin, and hands the files to :mod:`xentlint.parallel` (cache, worker processes),
which lints each one with :mod:`xentlint.pipeline`. The pipeline's public functions are
re-exported here (``xentlint.lint.lint_source`` and friends keep working).
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from xentlint.config import Config
from xentlint.diagnostics import Diagnostic, RawFinding
from xentlint.pipeline import (
    InternalError,
    XentlintError,
    debug_traceback,
    diagnostics,
    lint_bytes,
    lint_file,
    lint_source,
    sort_key,
)

if TYPE_CHECKING:
    from xentlint.cache import Cache

__all__ = [
    "STDIN",
    "SUFFIXES",
    "InternalError",
    "LintReport",
    "XentlintError",
    "check_paths",
    "discover",
    "lint_bytes",
    "lint_file",
    "lint_paths",
    "lint_source",
    "sort_key",
]

SUFFIXES = (".py", ".ipynb")
STDIN = "-"


@dataclass
class LintReport:
    """What a run produced: findings, the number of files read, and non-finding errors."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: int = 0
    errors: list[str] = field(default_factory=list)


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
    return diagnostics(display, None, [finding], config)


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
        debug_traceback()
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
