"""What ``xentlint check`` does with its options: settings, then one of listing the files
(``--show-files``), showing the settings (``--show-settings``), adding ``# noqa``
comments (``--add-noqa``), fixing (``--fix``, ``--fix-only``, ``--diff``) or linting; then
the report, in the chosen format, to stdout or ``--output-file``; and the exit status.

:func:`run_check` returns the exit status; the command line (:mod:`xentlint.cli`) declares
the options and exits with it.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import click

from xentlint.cli_options import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS
from xentlint.config import Config
from xentlint.output import FORMATTERS, TEXT_FORMATS, OutputOptions, use_color

STDIN = "-"
PerFileIgnores = tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True)
class CheckRequest:
    """The options of one ``xentlint check`` run, as the command line parsed them."""

    paths: tuple[str, ...] = ()
    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] | None = None
    per_file_ignores: PerFileIgnores | None = None
    extend_per_file_ignores: PerFileIgnores | None = None
    config_file: Path | None = None
    isolated: bool = False
    output_format: str = "concise"
    output_file: Path | None = None
    color: str = "auto"
    statistics: bool = False
    exit_zero: bool = False
    quiet: bool = False
    stdin_filename: str | None = None
    fix: bool = False
    unsafe_fixes: bool = False
    fix_only: bool = False
    diff: bool = False
    show_fixes: bool = False
    exit_non_zero_on_fix: bool = False
    add_noqa: bool = False
    exclude: tuple[str, ...] | None = None
    extend_exclude: tuple[str, ...] | None = None
    force_exclude: bool | None = None
    show_files: bool = False
    show_settings: bool = False
    jobs: int | None = None
    no_cache: bool = False
    cache_dir: Path | None = None

    @property
    def fixing(self) -> bool:
        return self.fix or self.fix_only or self.diff


def error(message: str) -> None:
    click.echo(f"xentlint: error: {message}", err=True)


def warning(message: str) -> None:
    click.echo(f"xentlint: warning: {message}", err=True)


def _conflicts(request: CheckRequest) -> None:
    """Options that cannot go together, as in ruff: a usage error (exit 2)."""
    pairs = [
        ("--isolated", request.isolated, "--config", request.config_file is not None),
        ("--show-files", request.show_files, "--show-settings", request.show_settings),
    ]
    for other, given in (
        ("--fix", request.fix),
        ("--fix-only", request.fix_only),
        ("--diff", request.diff),
        ("--show-files", request.show_files),
        ("--show-settings", request.show_settings),
    ):
        pairs.append(("--add-noqa", request.add_noqa, other, given))
    for first, has_first, second, has_second in pairs:
        if has_first and has_second:
            raise click.UsageError(f"{first} cannot be used with {second}")
    if request.add_noqa and (
        STDIN in request.paths or (request.stdin_filename and not request.paths)
    ):
        raise click.UsageError("--add-noqa needs files to write to, not stdin")


def resolve_config(request: CheckRequest) -> Config:
    """The settings of the run: the config file (none with ``--isolated``), then the
    command line's selection and file options. Raises ConfigError."""
    from xentlint.config import discover_config, load_config

    if request.isolated:
        config = Config()
    elif request.config_file is not None:
        config = load_config(request.config_file)
    else:
        config = discover_config()
    config = config.with_overrides(
        select=request.select,
        extend_select=request.extend_select or (),
        ignore=request.ignore or (),
    )
    return config.with_file_overrides(
        exclude=request.exclude,
        extend_exclude=request.extend_exclude or (),
        force_exclude=request.force_exclude,
        per_file_ignores=request.per_file_ignores,
        extend_per_file_ignores=request.extend_per_file_ignores or (),
    )


def run_check(request: CheckRequest) -> int:
    """Run ``xentlint check`` and return its exit status."""
    from xentlint.config import ConfigError

    _conflicts(request)
    try:
        config = resolve_config(request)
    except ConfigError as exc:
        error(str(exc))
        return EXIT_ERROR
    targets = list(request.paths) or ([STDIN] if request.stdin_filename else ["."])
    stdin_name = request.stdin_filename or STDIN
    targets, stdin_excluded = _force_exclude(targets, stdin_name, config)
    if request.show_files:
        return _show_files(targets, config)
    if request.show_settings:
        return _show_settings(targets, config, request)
    if stdin_excluded and request.fixing and not request.diff:
        _echo_stdin()  # an excluded stdin comes back unchanged, as ruff does
    if request.add_noqa:
        return _add_noqa(targets, config, request)
    if request.fixing:
        return _fix(targets, config, request)
    return _lint(targets, config, request)


def _force_exclude(targets: list[str], stdin_name: str, config: Config) -> tuple[list[str], bool]:
    """With ``force-exclude``, drop the named paths (and stdin's name) that are excluded."""
    if not config.force_exclude:
        return targets, False
    kept: list[str] = []
    stdin_excluded = False
    for target in targets:
        if target == STDIN:
            if stdin_name != STDIN and config.excludes_path(Path(stdin_name)):
                stdin_excluded = True
                continue
        elif config.excludes_path(Path(target)):
            continue
        kept.append(target)
    return kept, stdin_excluded


def _show_files(targets: list[str], config: Config) -> int:
    from xentlint.lint import discover

    files, missing = discover([t for t in targets if t != STDIN], config)
    for _path, display in files:
        click.echo(display)
    for given in missing:
        error(f"{given}: no such file or directory")
    return EXIT_ERROR if missing else EXIT_CLEAN


def _show_settings(targets: list[str], config: Config, request: CheckRequest) -> int:
    from xentlint.lint import discover
    from xentlint.parallel import default_jobs
    from xentlint.show_settings import settings_text

    files, missing = discover([t for t in targets if t != STDIN], config)
    if files:
        first = files[0][0]
    elif STDIN in targets or not targets:
        first = Path(request.stdin_filename or "-")
    else:
        first = Path(targets[0])
    run = {
        "fix": request.fix or request.fix_only,
        "fix-only": request.fix_only,
        "unsafe-fixes": request.unsafe_fixes,
        "diff": request.diff,
        "output-format": request.output_format,
        "output-file": str(request.output_file) if request.output_file else None,
        "jobs": default_jobs() if request.jobs is None else max(1, request.jobs),
        "cache": "off (--no-cache)" if request.no_cache else str(_cache_dir(config, request)),
    }
    click.echo(settings_text(config, first, isolated=request.isolated, run=run), nl=False)
    for given in missing:
        error(f"{given}: no such file or directory")
    return EXIT_ERROR if missing else EXIT_CLEAN


def _cache_dir(config: Config, request: CheckRequest) -> Path:
    from xentlint.cache import default_cache_dir

    return request.cache_dir if request.cache_dir is not None else default_cache_dir(config)


def _scale(config: Config, request: CheckRequest) -> dict[str, object]:
    from xentlint.parallel import run_settings

    return run_settings(
        config, jobs=request.jobs, no_cache=request.no_cache, cache_dir=request.cache_dir
    )


def _jobs(request: CheckRequest) -> int:
    from xentlint.parallel import default_jobs

    return default_jobs() if request.jobs is None else max(1, request.jobs)


def _add_noqa(targets: list[str], config: Config, request: CheckRequest) -> int:
    from xentlint.add_noqa import add_noqa
    from xentlint.lint import check_paths

    report = check_paths(targets, config=config, **_scale(config, request))  # type: ignore[arg-type]
    outcome = add_noqa(report.diagnostics, config)
    for message in outcome.warnings:
        warning(message)
    for message in (*report.errors, *outcome.errors):
        error(message)
    if not request.quiet:
        noun = "directive" if outcome.added == 1 else "directives"
        click.echo(f"Added {outcome.added} noqa {noun}.", err=True)
    return EXIT_ERROR if report.errors or outcome.errors else EXIT_CLEAN


def _excerpts(config: Config, request: CheckRequest):  # type: ignore[no-untyped-def]
    """Where ``full`` reads the reported lines; None for the formats that show none."""
    if request.output_format != "full":
        return None
    from xentlint.excerpt import Sources

    return Sources(config.max_file_size)


def _lint(targets: list[str], config: Config, request: CheckRequest) -> int:
    from xentlint.lint import check_paths

    sources = _excerpts(config, request)
    with _stdin_kept(STDIN in targets and sources is not None) as data:
        if data is not None and sources is not None:
            sources.register(request.stdin_filename or STDIN, data)
        report = check_paths(
            targets,
            config=config,
            stdin_filename=request.stdin_filename,
            **_scale(config, request),  # type: ignore[arg-type]
        )
    if not _report(report, sys.stdout, request, sources):
        return EXIT_ERROR
    return _status(report, request, applied=0)


def _fix(targets: list[str], config: Config, request: CheckRequest) -> int:
    from xentlint.fix.command import run_fixes

    fixed = run_fixes(
        targets,
        config=config,
        stdin_filename=request.stdin_filename,
        unsafe=request.unsafe_fixes,
        diff=request.diff,
        show_fixes=request.show_fixes,
        quiet=request.quiet or request.fix_only,
        text_output=request.output_format in TEXT_FORMATS,
        jobs=_jobs(request),
    )
    if fixed.exit_code is not None:  # --diff: printed and decided
        return fixed.exit_code
    report, stream = fixed.report, fixed.stream
    applied = len(fixed.applied)
    sources = _excerpts(config, request)
    if STDIN in targets and sources is not None:
        sources.register(request.stdin_filename or STDIN, None)  # the fixed text went out
    if request.fix_only:
        if not _report_fix_only(report, stream, request, applied):
            return EXIT_ERROR
        if report.errors:
            for message in report.errors:
                error(message)
            return EXIT_ERROR
        return EXIT_FINDINGS if request.exit_non_zero_on_fix and applied else EXIT_CLEAN
    if not _report(report, stream, request, sources):
        return EXIT_ERROR
    return _status(report, request, applied)


def _report(report, stream: TextIO, request: CheckRequest, sources) -> bool:  # type: ignore[no-untyped-def]
    """Print the findings and the summary; False when ``--output-file`` cannot be written."""
    with _Destination(stream, request) as destination:
        options = OutputOptions(
            files=report.files,
            statistics=request.statistics,
            quiet=request.quiet,
            color=destination.color,
            unsafe_fixes=request.unsafe_fixes,
            sources=sources,
        )
        FORMATTERS[request.output_format](report.diagnostics, options, destination.out)
    return destination.written()


def _report_fix_only(report, stream: TextIO, request: CheckRequest, applied: int) -> bool:  # type: ignore[no-untyped-def]
    """``--fix-only``: the number of fixes instead of the findings, in ruff's words."""
    with _Destination(stream, request) as destination:
        out = destination.out
        if request.output_format not in TEXT_FORMATS:
            FORMATTERS[request.output_format]([], OutputOptions(files=report.files), out)
        elif not request.quiet:
            hidden = 0
            if not request.unsafe_fixes:
                hidden = sum(d.fix_safety == "unsafe" for d in report.diagnostics)
            noun = "finding" if applied == 1 else "findings"
            line = f"Fixed {applied} {noun}" if applied else "No findings fixed"
            if hidden:
                fixes = "fix" if hidden == 1 else "fixes"
                line += f" ({hidden} additional {fixes} available with `--unsafe-fixes`)"
            out.write(line + ".\n")
    return destination.written()


class _Destination:
    """Where the report goes: ``stream``, or a buffer written to ``--output-file`` when the
    report is complete (all at once, so that no reader ever sees half a report)."""

    def __init__(self, stream: TextIO, request: CheckRequest) -> None:
        self.stream = stream
        self.path = request.output_file
        self.out: TextIO = io.StringIO() if self.path is not None else stream
        self.color = use_color(self.out, request.color)
        self.failure: str | None = None

    def __enter__(self) -> _Destination:
        return self

    def __exit__(self, kind: object, *_rest: object) -> None:
        if kind is not None:
            return
        if self.path is None:
            self.stream.flush()
            return
        from xentlint.output_file import OutputFileError, write_report

        assert isinstance(self.out, io.StringIO)
        try:
            write_report(self.path, self.out.getvalue())
        except OutputFileError as exc:
            self.failure = str(exc)

    def written(self) -> bool:
        if self.failure is not None:
            error(self.failure)
            return False
        return True


def _status(report, request: CheckRequest, applied: int) -> int:  # type: ignore[no-untyped-def]
    for message in report.errors:
        error(message)
    if report.errors:
        return EXIT_ERROR
    if report.files == 0 and not request.quiet:
        warning("no Python files found")
    if request.exit_non_zero_on_fix and applied:
        return EXIT_FINDINGS
    if report.diagnostics and not request.exit_zero:
        return EXIT_FINDINGS
    return EXIT_CLEAN


@contextmanager
def _stdin_kept(wanted: bool) -> Iterator[bytes | None]:
    """Read stdin once for the excerpts of ``full``, and hand the same bytes to the linter."""
    if not wanted:
        yield None
        return
    data = _read_stdin()
    saved = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", errors="surrogateescape")
    try:
        yield data
    finally:
        sys.stdin = saved


def _read_stdin() -> bytes:
    stdin = sys.stdin
    buffer = getattr(stdin, "buffer", None)
    return buffer.read() if buffer is not None else stdin.read().encode()


def _echo_stdin() -> None:
    data = _read_stdin()
    out = sys.stdout
    out.flush()
    buffer = getattr(out, "buffer", None)
    if buffer is not None:
        buffer.write(data)
        buffer.flush()
    else:
        out.write(data.decode("utf-8", "surrogateescape"))
