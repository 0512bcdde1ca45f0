"""Command-line options shared by ``xentlint check`` and ``xentlint model``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

from xentlint.output import FORMATTERS
from xentlint.selection import SelectorError, parse_selectors

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
F = TypeVar("F", bound=Callable[..., object])


def selectors(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> tuple[str, ...] | None:
    """Parse comma-separated rule codes/prefixes; a bad one is a usage error (exit 2)."""
    if not values:
        return None
    try:
        return parse_selectors(values)
    except SelectorError as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from None


_REPORT_OPTIONS = (
    click.option(
        "--select",
        multiple=True,
        callback=selectors,
        metavar="CODES",
        help="Rule codes or prefixes to enable (comma-separated; ALL for every rule). "
        "Replaces the configured set.",
    ),
    click.option(
        "--extend-select",
        multiple=True,
        callback=selectors,
        metavar="CODES",
        help="Rule codes or prefixes to enable in addition to the configured set.",
    ),
    click.option(
        "--ignore",
        multiple=True,
        callback=selectors,
        metavar="CODES",
        help="Rule codes or prefixes to disable.",
    ),
    click.option(
        "--config",
        "config_file",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Read settings from this TOML file instead of the nearest pyproject.toml.",
    ),
    click.option(
        "--output-format",
        type=click.Choice(sorted(FORMATTERS)),
        default="text",
        show_default=True,
        help="How findings are printed.",
    ),
    click.option("--statistics", is_flag=True, help="Print the number of findings per rule."),
    click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings."),
    click.option("-q", "--quiet", is_flag=True, help="Do not print the summary line."),
)


def report_options(function: F) -> F:
    """Selection, config and output options, in the order --help lists them."""
    for option in reversed(_REPORT_OPTIONS):
        function = option(function)
    return function
