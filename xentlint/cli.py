"""The ``xentlint`` command line.

``xentlint [check] [PATHS]`` lints (``check`` is the default command), ``xentlint rule CODE``
prints a rule's page, ``xentlint rules`` lists the catalog. Exit status: 0 clean, 1 findings,
2 usage or internal error, 130 interrupted. No traceback reaches the user: unexpected errors
print ``xentlint: error: ...`` and exit 2 (set ``XENTLINT_DEBUG=1`` to see the traceback);
Ctrl-C prints ``xentlint: interrupted`` and exits 130.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from xentlint import __version__
from xentlint.catalog import RULES, rule_page
from xentlint.cli_help import GroupedCommand, NotedGroup
from xentlint.cli_options import (
    EXIT_CLEAN,
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    patterns,
    per_file_ignores,
    report_options,
)
from xentlint.output import COLOR_CHOICES, rules_json, rules_table

_CONTEXT = {"help_option_names": ["-h", "--help"]}


class DefaultCommandGroup(NotedGroup):
    """A group that runs ``check`` when the first argument is not a command name, and
    turns Ctrl-C into one line and exit status 130."""

    default_command = "check"
    #: Commands defined in modules of their own, imported when they run (or for --help):
    #: ``xentlint check`` does not pay for them. name -> (module, attribute)
    lazy_commands = {"model": ("xentlint.runtime.cli", "model")}

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (
            args[0] not in self.commands
            and args[0] not in self.lazy_commands
            and args[0] not in self._own_options()
        ):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy_commands and cmd_name not in self.commands:
            import importlib

            module, attribute = self.lazy_commands[cmd_name]
            self.add_command(getattr(importlib.import_module(module), attribute), cmd_name)
        return super().get_command(ctx, cmd_name)

    def _own_options(self) -> set[str]:
        names = set(self.context_settings.get("help_option_names", ["--help"]))
        for param in self.params:
            names.update(param.opts)
            names.update(param.secondary_opts)
        return names

    def invoke(self, ctx: click.Context) -> Any:
        previous = _catch_sigint()
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:  # before click turns it into "Aborted!" and exit 1
            interrupted()
        finally:
            if not _said:  # after a Ctrl-C, further ones stay ignored until the exit
                _restore_sigint(previous)


def _on_sigint(_signum: int, _frame: object) -> None:
    """The first Ctrl-C: say so at once (stopping the workers may take a moment), ignore
    further ones while the run winds down, and unwind with KeyboardInterrupt."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _say_interrupted()
    raise KeyboardInterrupt


def _catch_sigint() -> Any:
    try:
        return signal.signal(signal.SIGINT, _on_sigint)
    except ValueError:  # not the main thread (an embedding application): leave it alone
        return None


def _restore_sigint(previous: Any) -> None:
    if previous is not None:
        try:
            signal.signal(signal.SIGINT, previous)
        except ValueError:  # pragma: no cover - see _catch_sigint
            pass


_said: list[bool] = []


def _say_interrupted() -> None:
    if _said:
        return
    _said.append(True)
    try:
        sys.stderr.write("xentlint: interrupted\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def interrupted() -> NoReturn:
    """Ctrl-C: one line on stderr (once), exit 130; a second Ctrl-C cannot interrupt this."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _say_interrupted()
    raise SystemExit(EXIT_INTERRUPTED)


def error(message: str) -> None:
    click.echo(f"xentlint: error: {message}", err=True)


@click.group(cls=DefaultCommandGroup, context_settings=_CONTEXT)
@click.version_option(
    __version__, "--version", prog_name="xentlint", message="%(prog)s %(version)s"
)
def cli() -> None:
    """Find cross-entropy mistakes in Keras / TensorFlow code.

    Run `xentlint PATH...` (the same as `xentlint check PATH...`) to lint files, folders and
    notebooks; without a path, `xentlint` lints the current folder.
    """


@cli.command(cls=GroupedCommand, context_settings=_CONTEXT)
@click.argument("paths", nargs=-1, type=click.Path(readable=False))  # unreadable: XEN902
@report_options
@click.option(
    "--per-file-ignores",
    multiple=True,
    callback=per_file_ignores,
    metavar="PATTERN:CODE",
    help="Ignore CODE in the files PATTERN matches (comma-separated pairs, as in ruff: "
    "'tests/*:XEN1,legacy.py:XEN105'). Replaces the configured per-file-ignores.",
)
@click.option(
    "--extend-per-file-ignores",
    multiple=True,
    callback=per_file_ignores,
    metavar="PATTERN:CODE",
    help="Like --per-file-ignores, in addition to the configured ones.",
)
@click.option(
    "--isolated", is_flag=True, help="Ignore every configuration file (use the defaults)."
)
@click.option(
    "--show-settings",
    is_flag=True,
    help="Print the settings in force for the first file (where they come from, the "
    "selection, the excludes) and exit.",
)
@click.option(
    "--fix/--no-fix",
    default=False,
    help="Apply the safe fixes (what the model predicts stays the same). --no-fix: do not.",
)
@click.option(
    "--unsafe-fixes/--no-unsafe-fixes",
    default=False,
    help="Make the unsafe fixes available too: shown as [*], applied with --fix.",
)
@click.option(
    "--fix-only/--no-fix-only",
    default=False,
    help="Apply the fixes and report only how many were applied, not the findings left "
    "(exit 0 unless --exit-non-zero-on-fix). Implies --fix.",
)
@click.option("--diff", is_flag=True, help="Print the fixes as a diff; write nothing.")
@click.option("--show-fixes", is_flag=True, help="List the fixes that were applied.")
@click.option(
    "--exit-non-zero-on-fix",
    is_flag=True,
    help="Exit 1 when a fix was applied, even if no finding is left.",
)
@click.option(
    "--add-noqa",
    is_flag=True,
    help="Add a `# noqa: XEN...` comment to every reported line (keeping the codes already "
    "listed) instead of reporting the findings.",
)
@click.option(
    "-o",
    "--output-file",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="PATH",
    help="Write the report (findings and summary) to PATH instead of stdout, all at once.",
)
@click.option(
    "--color",
    type=click.Choice(COLOR_CHOICES),
    default="auto",
    show_default=True,
    help="Color the output: auto = on a terminal, unless NO_COLOR is set (FORCE_COLOR forces it).",
)
@click.option(
    "--exclude",
    multiple=True,
    callback=patterns,
    metavar="PATTERNS",
    help="Files and folders to skip (comma-separated globs, relative to the current "
    "folder). Replaces the configured and default excludes.",
)
@click.option(
    "--extend-exclude",
    multiple=True,
    callback=patterns,
    metavar="PATTERNS",
    help="Like --exclude, in addition to the configured and default excludes.",
)
@click.option(
    "--force-exclude/--no-force-exclude",
    default=None,
    help="Apply the excludes to files and folders named on the command line too (what "
    "pre-commit needs, as it names every file).",
)
@click.option(
    "--stdin-filename",
    metavar="NAME",
    help="Read the source from stdin and report it under NAME (a path of - reads stdin too).",
)
@click.option("--show-files", is_flag=True, help="Print the files that would be linted and exit.")
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=0),
    default=None,
    help="Worker processes (default: the number of CPUs; 0 or 1: none).",
)
@click.option("-n", "--no-cache", is_flag=True, help="Do not read or write the cache.")
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the cache lives (default: .xentlint_cache next to the config file).",
)
@click.version_option(
    __version__, "--version", prog_name="xentlint", message="%(prog)s %(version)s"
)
def check(paths: tuple[str, ...], **options: Any) -> None:
    """Lint Python files, folders and notebooks (default: the current folder)."""
    from xentlint.check_run import CheckRequest, run_check

    sys.exit(run_check(CheckRequest(paths=paths, **options)))


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


@cli.command(context_settings=_CONTEXT)
def server() -> None:
    """Run the language server (LSP) on stdin/stdout, for editors. Needs xentlint[lsp]."""
    from xentlint.lsp import LspUnavailable, serve

    try:
        serve()
    except LspUnavailable as exc:
        error(str(exc))
        sys.exit(EXIT_ERROR)


def main(argv: list[str] | None = None) -> NoReturn:
    """Console entry point: run the CLI, turning any unexpected error into exit status 2.

    click runs outside its standalone mode so that a Ctrl-C it catches itself (while it
    parses the arguments) ends like every other one, not in "Aborted!" and exit 1.
    """
    try:
        status = cli.main(args=argv, prog_name="xentlint", standalone_mode=False)
    except SystemExit:
        raise
    except (KeyboardInterrupt, click.exceptions.Abort):
        interrupted()
    except click.ClickException as exc:  # a usage error: click's message, exit 2
        exc.show()
        sys.exit(exc.exit_code)
    except BrokenPipeError:
        _silence_stdout()
        sys.exit(EXIT_ERROR)
    except Exception as exc:
        if os.environ.get("XENTLINT_DEBUG"):
            raise
        error(f"internal error: {type(exc).__name__}: {exc}")
        sys.exit(EXIT_ERROR)
    sys.exit(status if isinstance(status, int) else EXIT_CLEAN)  # --help, --version


def _silence_stdout() -> None:
    # Output piped into `head` and closed: do not let Python complain at exit.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
