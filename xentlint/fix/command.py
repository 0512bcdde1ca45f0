"""``xentlint check --fix / --unsafe-fixes / --diff / --show-fixes``: the CLI side of fixes.

:func:`run_fixes` fixes the files (or only computes the diff), and hands back the report of
what is left to print the usual way. Files that cannot be fixed (unreadable, undecodable)
are linted as usual. Fixes that could not be applied and files that could not be written
become errors of the report, which makes the command exit 2.
"""

from __future__ import annotations

import difflib
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from xentlint.config import Config
from xentlint.fix.engine import AppliedFix
from xentlint.fix.files import FileFix, WriteError, atomic_write, fix_bytes, write_other
from xentlint.lint import (
    STDIN,
    InternalError,
    LintReport,
    discover,
    lint_bytes,
    lint_file,
    sort_key,
    unlisted_folder,
)
from xentlint.project import Project, ProjectFile
from xentlint.sources import UnreadableSource, read_file


@dataclass
class FixOutcome:
    report: LintReport
    stream: TextIO  # where the findings go (stderr when stdout carries fixed source)
    exit_code: int | None = None  # set when the run is over (--diff)
    applied: list[AppliedFix] = field(default_factory=list)


def run_fixes(
    paths: Sequence[str],
    *,
    config: Config,
    stdin_filename: str | None = None,
    unsafe: bool = False,
    diff: bool = False,
    show_fixes: bool = False,
    quiet: bool = False,
    text_output: bool = True,
    jobs: int = 1,
) -> FixOutcome:
    out = sys.stdout
    outcome = FixOutcome(LintReport(), out)
    report = outcome.report
    regular = [p for p in paths if p != STDIN]
    unlisted: list[tuple[str, str]] = []
    files, missing = discover(regular, config, unlisted)
    report.errors.extend(f"{given}: no such file or directory" for given in missing)
    for display, reason in unlisted:
        report.files += 1
        report.diagnostics.extend(unlisted_folder(display, reason, config))
    fixed_files = 0
    # the files being fixed: a fix may edit one of them from another (imports)
    run_files = [path for path, _ in files]
    project = Project(config, run_files=run_files)
    trees = _trees(regular)
    if STDIN in paths:
        name = stdin_filename or STDIN
        stdin = sys.stdin
        data = stdin.buffer.read() if hasattr(stdin, "buffer") else stdin.read().encode()
        finder = project.for_file(name, name)
        done = _fix_one(outcome, data, name, None, config, unsafe, diff, finder=finder)
        if not diff:  # the fixed source goes to stdout, the findings to stderr
            fixed = done.data if done is not None and done.data and not done.error else data
            _write_bytes(out, fixed)
            outcome.stream = sys.stderr
        fixed_files += bool(done and done.changed)
    job = FixJob(config, unsafe, diff, tuple(trees), tuple(run_files))
    for shown in fix_files(files, job, jobs):
        report.files += shown.report.files
        report.diagnostics.extend(shown.report.diagnostics)
        report.errors.extend(shown.report.errors)
        outcome.applied.extend(shown.applied)
        fixed_files += shown.fixed_files
        if shown.diff:
            sys.stdout.write(shown.diff)
        for message in shown.warnings:
            print(f"xentlint: warning: {message}", file=sys.stderr)
    report.diagnostics.sort(key=sort_key)
    count = len(outcome.applied)
    if diff:
        noun = "finding" if count == 1 else "findings"
        if not quiet:
            print(f"Would fix {count} {noun}.", file=sys.stderr)
        outcome.exit_code = 2 if report.errors else (1 if count else 0)
        for message in report.errors:
            print(f"xentlint: error: {message}", file=sys.stderr)
        return outcome
    listing = outcome.stream if text_output else sys.stderr
    if show_fixes and count:
        print(f"Fixed {count} finding{'' if count == 1 else 's'}:", file=listing)
        for fix in outcome.applied:
            safety = "" if fix.safe else " (unsafe)"
            print(f"  {fix.location()}: {fix.code} {fix.title}{safety}", file=listing)
    elif count and not quiet:
        files_word = "file" if fixed_files == 1 else "files"
        print(
            f"xentlint: fixed {count} finding{'' if count == 1 else 's'} in {fixed_files} "
            f"{files_word} (--show-fixes lists them)",
            file=sys.stderr,
        )
    return outcome


@dataclass(frozen=True)
class FixJob:
    """What every file of a ``--fix`` run is fixed with (picklable for the workers)."""

    config: Config
    unsafe: bool
    diff: bool
    trees: tuple[tuple[str, str], ...]
    run_files: tuple[Path, ...]


@dataclass
class FileFixed:
    """What fixing one file gave, reported in the order of the files whoever fixed it."""

    report: LintReport = field(default_factory=LintReport)
    applied: list[AppliedFix] = field(default_factory=list)
    diff: str = ""  # --diff: the unified diff of the file (and of the others it edits)
    warnings: list[str] = field(default_factory=list)
    fixed_files: int = 0


def fix_files(files: Sequence[tuple[Path, str]], job: FixJob, jobs: int = 1) -> list[FileFixed]:
    """Fix the files (``(path, display name)``), in ``jobs`` worker processes when that
    pays; one result per file, in order.

    Two passes, the same with one process or many, so that ``-j`` changes nothing: first
    every file on its own, where a file whose analysis read another file of the run, or
    whose fixes edit one, is put aside unwritten (another process may be writing that
    file: what it would read or write is not settled yet); then the files put aside, one
    after the other in order, with a fresh view of the project (the first pass's writes on
    disk). So no file is ever written by two processes, and what a file's fix reads does
    not depend on which worker came first.
    """
    from xentlint.parallel import plan_tasks, run_in_pool

    first: dict[int, FileFixed | None] = {}
    planned = plan_tasks(files, job.config, jobs)
    if planned is not None:
        tasks, analysed = planned
        first = run_in_pool(_fix_chunk, tasks, jobs, _init_fix_worker, (job,), analysed)
    project = Project(job.config, run_files=job.run_files)
    for index, (path, display) in enumerate(files):
        if index not in first:  # in this process (no pool, or a worker died)
            first[index] = fix_alone(path, display, job, project)
    results: list[FileFixed] = []
    project = Project(job.config, run_files=job.run_files)  # reads the first pass's writes
    for index, (path, display) in enumerate(files):
        result = first[index]
        if result is None:
            result = fix_path(path, display, job, project) or FileFixed()
        results.append(result)
    return results


_worker: tuple[FixJob, Project] | None = None


def _init_fix_worker(job: FixJob) -> None:
    global _worker
    _worker = (job, Project(job.config, run_files=job.run_files))


def _fix_chunk(chunk: list[tuple[int, Path, str, float]]) -> list[tuple[int, FileFixed | None]]:
    assert _worker is not None
    job, project = _worker
    return [(index, fix_alone(path, display, job, project)) for index, path, display, _ in chunk]


def fix_alone(path: Path, display: str, job: FixJob, project: Project) -> FileFixed | None:
    """Fix one file of the first pass; None (nothing written) when it shares a file."""
    own = os.path.normpath(os.path.abspath(path))
    run_files = {os.path.normpath(os.path.abspath(p)) for p in job.run_files} - {own}

    def alone(finder: ProjectFile, done: FileFix | None) -> bool:
        dependencies = finder.dependencies
        if any(os.path.normpath(read) in run_files for read in dependencies.reads):
            return False
        if any(allowed for allowed in dependencies.edits.values()):
            return False
        return done is None or not done.result.others

    return fix_path(path, display, job, project, alone)


def fix_path(
    path: Path,
    display: str,
    job: FixJob,
    project: Project,
    alone: Callable[[ProjectFile, FileFix | None], bool] | None = None,
) -> FileFixed | None:
    """Fix (or, with ``job.diff``, diff) one file; ``alone`` decides, before anything is
    written, whether to go on (else None)."""
    config = job.config
    shown = FileFixed()
    outcome = FixOutcome(shown.report, sys.stdout)
    finder = project.for_file(path, display)
    try:
        data = read_file(path, max_bytes=config.max_file_size)
    except (UnreadableSource, OSError):
        _lint(shown.report, display, lambda: lint_file(path, display, config, finder))
        return shown
    trees = list(job.trees)
    outside = _link_outside(path, trees)
    if outside is not None:  # lint it, never write through it
        done = _fix_one(
            outcome,
            data,
            display,
            None,
            config,
            job.unsafe,
            diff=True,
            show=False,
            finder=finder,
            alone=alone,
            shown=shown,
        )
        if done is _PUT_ASIDE:
            return None
        if done is not None and done.changed:
            shown.warnings.append(f"{display}: {outside}, not fixed")
        shown.applied = []
        return shown
    done = _fix_one(
        outcome,
        data,
        display,
        path,
        config,
        job.unsafe,
        job.diff,
        finder=finder,
        trees=trees,
        alone=alone,
        shown=shown,
    )
    if done is _PUT_ASIDE:
        return None
    shown.applied = outcome.applied
    if done is not None and done.error is None:
        shown.fixed_files = bool(done.changed) + len(done.result.others)
    return shown


def _lint(report: LintReport, display: str, run) -> None:  # type: ignore[no-untyped-def]
    report.files += 1
    try:
        report.diagnostics.extend(run())
    except InternalError as exc:
        report.errors.append(str(exc))
    except Exception as exc:  # a bug in xentlint: report it, go on with the other files
        report.errors.append(str(InternalError(display, exc)))


def _trees(paths: Sequence[str]) -> list[tuple[str, str]]:
    """``(absolute path as given, real path)`` of the folders named on the command line."""
    return [
        (os.path.abspath(given), os.path.realpath(given)) for given in paths if os.path.isdir(given)
    ]


def _link_outside(path: Path, trees: list[tuple[str, str]]) -> str | None:
    """Why ``path`` must not be written: a symbolic link to a file outside its tree.

    The tree of a file found in a folder named on the command line is that folder; the
    tree of a file named itself is the current folder (where pre-commit and editors run).
    """
    if not path.is_symlink():
        return None
    where = os.path.abspath(path)
    inside = [real for given, real in trees if where.startswith(os.path.join(given, ""))]
    tree = max(inside, key=len) if inside else os.path.realpath(os.curdir)
    target = os.path.realpath(path)
    if os.path.commonpath([tree, target]) == tree:
        return None
    return f"a symbolic link to {target}, outside the linted tree {tree}"


def _fix_one(
    outcome: FixOutcome,
    data: bytes,
    display: str,
    path: Path | None,
    config: Config,
    unsafe: bool,
    diff: bool,
    show: bool = True,
    finder: ProjectFile | None = None,
    trees: list[tuple[str, str]] | None = None,
    alone: Callable[[ProjectFile, FileFix | None], bool] | None = None,
    shown: FileFixed | None = None,
) -> FileFix | None:
    """Fix one file's bytes, write the result (unless ``diff``) and report it in
    ``outcome``; the diff goes to ``shown.diff`` (stdout without ``shown``). Returns
    ``_PUT_ASIDE``, having written nothing, when ``alone`` says the file must wait."""
    report = outcome.report
    try:
        done = fix_bytes(data, display, config=config, unsafe=unsafe, project=finder)
    except InternalError as exc:
        if alone is not None and finder is not None and not alone(finder, None):
            return _PUT_ASIDE
        report.files += 1
        report.errors.append(str(exc))
        return None
    except Exception as exc:  # a bug in the fixer must not stop the run
        if alone is not None and finder is not None and not alone(finder, None):
            return _PUT_ASIDE
        report.files += 1
        report.errors.append(f"{display}: internal error while fixing: {type(exc).__name__}: {exc}")
        return None
    if alone is not None and finder is not None and not alone(finder, done):
        return _PUT_ASIDE

    def emit(text: str) -> None:
        if shown is None:
            sys.stdout.write(text)
        else:
            shown.diff += text

    def lint_it() -> list:  # type: ignore[type-arg]
        return lint_bytes(data, display, config=config, project=finder)

    if done is None:  # cannot round-trip the encoding: lint only
        _lint(report, display, lint_it)
        return None
    report.files += 1
    report.errors.extend(done.result.failed)
    if done.error is not None:
        report.errors.append(f"{display}: {done.error}")
    others = done.result.others
    if diff:
        if not show:  # linted only: the findings of the file as it is
            report.diagnostics.extend(lint_it())
        elif (done.changed or others) and done.error is None:
            emit(_unified(done.before, done.result.text, display))
            for other, (before, after) in others.items():
                name = finder.display_of(other) if finder is not None else other
                emit(_unified(before, after, name))
            outcome.applied.extend(done.result.applied)
        return done
    if others and done.error is None:
        problem = _write_others(others, finder, trees or [])
        if problem is not None:
            done.error = problem
            report.errors.append(f"{display}: {problem}")
            report.diagnostics.extend(lint_it())
            return done
    if done.changed and done.data is not None and done.error is None and path is not None:
        try:
            atomic_write(path, done.data)
        except WriteError as exc:
            done.error = str(exc)
            report.errors.append(f"{display}: {exc}")
            report.diagnostics.extend(lint_it())
            return done
    if done.error is None:
        outcome.applied.extend(done.result.applied)
        report.diagnostics.extend(done.result.remaining)
    else:
        report.diagnostics.extend(lint_it())
    return done


#: What :func:`_fix_one` returns for a file that must wait for the second pass.
_PUT_ASIDE: Any = FileFix("", "", None, None)  # type: ignore[arg-type]


def _write_others(
    others: dict[str, tuple[str, str]],
    finder: ProjectFile | None,
    trees: list[tuple[str, str]],
) -> str | None:
    """Write the fixes a file's findings need in other files of the run; why not, if not."""
    for other, (before, after) in others.items():
        shown = finder.display_of(other) if finder is not None else other
        outside = _link_outside(Path(other), trees)
        if outside is not None:
            return f"the fix belongs in {shown}: {outside}, not fixed"
        try:
            write_other(Path(other), before, after)
        except WriteError as exc:
            return f"the fix belongs in {shown}: {exc}"
    return None


def _write_bytes(stream: TextIO, data: bytes) -> None:
    stream.flush()
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        buffer.write(data)
        buffer.flush()
    else:
        stream.write(data.decode("utf-8", "surrogateescape"))
        stream.flush()


def _unified(before: str, after: str, display: str) -> str:
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile=display,
        tofile=display,
    )
    out = []
    for line in lines:
        out.append(
            line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n"
        )
    return "".join(out)
