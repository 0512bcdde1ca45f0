"""The ``xentlint`` command line.

``xentlint [check] [PATHS]`` lints (``check`` is the default command), ``xentlint rule CODE``
prints a rule's page, ``xentlint rules`` lists the catalog. Exit status: 0 clean, 1 findings,
2 usage or internal error. No traceback reaches the user: unexpected errors print
``xentlint: error: ...`` and exit 2 (set ``XENTLINT_DEBUG=1`` to see the traceback).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import NoReturn

import click

from xentlint import __version__
from xentlint.catalog import RULES
from xentlint.cli_options import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, report_options
from xentlint.output import FORMATTERS, OutputOptions, rules_json, rules_table, use_color

_CONTEXT = {"help_option_names": ["-h", "--help"]}


class DefaultCommandGroup(click.Group):
    """A group that runs ``check`` when the first argument is not a command name."""

    default_command = "check"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in self._own_options()):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)

    def _own_options(self) -> set[str]:
        names = set(self.context_settings.get("help_option_names", ["--help"]))
        for param in self.params:
            names.update(param.opts)
            names.update(param.secondary_opts)
        return names


def error(message: str) -> None:
    click.echo(f"xentlint: error: {message}", err=True)


@click.group(cls=DefaultCommandGroup, context_settings=_CONTEXT)
@click.version_option(
    __version__, "--version", prog_name="xentlint", message="%(prog)s %(version)s"
)
def cli() -> None:
    """Find cross-entropy mistakes in Keras / TensorFlow code.

    Run `xentlint PATH...` (the same as `xentlint check PATH...`) to lint files, folders and
    notebooks.
    """


@cli.command(context_settings=_CONTEXT)
@click.argument("paths", nargs=-1, type=click.Path(readable=False))  # unreadable: XEN902
@report_options
@click.option(
    "--stdin-filename",
    metavar="NAME",
    help="Read the source from stdin and report it under NAME (a path of - reads stdin too).",
)
@click.option("--fix", is_flag=True, help="Apply the safe fixes (predictions unchanged).")
@click.option("--unsafe-fixes", is_flag=True, help="Apply the unsafe fixes too (implies --fix).")
@click.option("--diff", is_flag=True, help="Print the fixes as a diff; write nothing.")
@click.option("--show-fixes", is_flag=True, help="List the fixes that were applied.")
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=0),
    default=None,
    help="Worker processes (default: the number of CPUs; 0 or 1: none).",
)
@click.option("--no-cache", is_flag=True, help="Do not read or write the cache.")
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the cache lives (default: .xentlint_cache next to the config file).",
)
@click.version_option(
    __version__, "--version", prog_name="xentlint", message="%(prog)s %(version)s"
)
def check(
    paths: tuple[str, ...],
    select: tuple[str, ...] | None,
    extend_select: tuple[str, ...] | None,
    ignore: tuple[str, ...] | None,
    config_file: Path | None,
    output_format: str,
    statistics: bool,
    exit_zero: bool,
    stdin_filename: str | None,
    quiet: bool,
    fix: bool = False,
    unsafe_fixes: bool = False,
    diff: bool = False,
    show_fixes: bool = False,
    jobs: int | None = None,
    no_cache: bool = False,
    cache_dir: Path | None = None,
) -> None:
    """Lint Python files, folders and notebooks (default: the current folder)."""
    from xentlint.config import ConfigError, discover_config, load_config
    from xentlint.lint import check_paths

    try:
        config = load_config(config_file) if config_file else discover_config()
    except ConfigError as exc:
        error(str(exc))
        sys.exit(EXIT_ERROR)
    config = config.with_overrides(
        select=select, extend_select=extend_select or (), ignore=ignore or ()
    )
    targets = list(paths) or (["-"] if stdin_filename else ["."])
    stream = sys.stdout
    if fix or unsafe_fixes or diff:
        from xentlint.fix.command import run_fixes

        fixed = run_fixes(
            targets, config=config, stdin_filename=stdin_filename, unsafe=unsafe_fixes,
            diff=diff, show_fixes=show_fixes, quiet=quiet, text_output=output_format == "text",
        )  # fmt: skip
        if fixed.exit_code is not None:
            sys.exit(fixed.exit_code)
        report, stream = fixed.report, fixed.stream
    else:
        from xentlint.parallel import run_settings

        scale = run_settings(config, jobs=jobs, no_cache=no_cache, cache_dir=cache_dir)
        report = check_paths(targets, config=config, stdin_filename=stdin_filename, **scale)
    options = OutputOptions(
        files=report.files, statistics=statistics, quiet=quiet, color=use_color(stream)
    )
    if report.files or output_format != "text":
        FORMATTERS[output_format](report.diagnostics, options, stream)
        stream.flush()
    for message in report.errors:
        error(message)
    if report.errors:
        sys.exit(EXIT_ERROR)
    if report.files == 0 and not quiet:
        click.echo("xentlint: warning: no Python files found", err=True)
    if report.diagnostics and not exit_zero:
        sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_CLEAN)


def rule_page(code: str) -> str | None:
    """The text of ``code``'s page: the copy inside the package, else the repository's."""
    import xentlint

    package = Path(xentlint.__file__).parent
    for folder in (package / "_rules", package.parent / "rules"):
        page = folder / f"{code}.md"
        if page.is_file():
            return page.read_text(encoding="utf-8")
    return None


@cli.command(context_settings=_CONTEXT)
@click.argument("code")
def rule(code: str) -> None:
    """Print the documentation page of rule CODE (for example XEN101)."""
    found = RULES.get(code.strip().upper())
    if found is None:
        error(f"unknown rule {code!r}; `xentlint rules` lists them")
        sys.exit(EXIT_ERROR)
    page = rule_page(found.code)
    if page is None:
        click.echo(f"xentlint: warning: no page found for {found.code}", err=True)
        page = f"# {found.code} {found.name}\n\n{found.summary}.\n\nFix: {found.fix or 'none'}\n"
    click.echo(page, nl=not page.endswith("\n"))


@cli.command(context_settings=_CONTEXT)
@click.option(
    "--output-format", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def rules(output_format: str) -> None:
    """List every rule: code, name, severity, default on/off and fix safety."""
    click.echo(rules_json() if output_format == "json" else rules_table(), nl=False)


from xentlint.runtime.cli import model as _model_command  # noqa: E402 - `xentlint model`

cli.add_command(_model_command)


@cli.command(context_settings=_CONTEXT)
def server() -> None:
    """Run the language server (LSP) on stdin/stdout, for editors. Needs xentlint[lsp]."""
    from xentlint.lsp import LspUnavailable, serve

    try:
        serve()
    except LspUnavailable as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_ERROR)


def main(argv: list[str] | None = None) -> NoReturn:
    """Console entry point: run the CLI, turning any unexpected error into exit status 2."""
    try:
        cli.main(args=argv, prog_name="xentlint", standalone_mode=True)
    except SystemExit:
        raise
    except BrokenPipeError:
        _silence_stdout()
        sys.exit(EXIT_ERROR)
    except Exception as exc:
        if os.environ.get("XENTLINT_DEBUG"):
            raise
        error(f"internal error: {type(exc).__name__}: {exc}")
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_CLEAN)  # pragma: no cover - click always exits in standalone mode


def _silence_stdout() -> None:
    # Output piped into `head` and closed: do not let Python complain at exit.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
