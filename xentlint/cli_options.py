"""Command-line options shared by ``xentlint check`` and ``xentlint model``, and the
value types of the options of ``check``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from xentlint.formats import ALIASES, PROVIDERS
from xentlint.selection import SelectorError, parse_selectors

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
#: Exit status after Ctrl-C (128 + SIGINT), as shells and ruff report it.
EXIT_INTERRUPTED = 130
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


def patterns(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> tuple[str, ...] | None:
    """Comma-separated file patterns (``--exclude a,b --exclude c``); None when not given."""
    if not values:
        return None
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def per_file_ignores(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> tuple[tuple[str, tuple[str, ...]], ...] | None:
    """``PATTERN:CODE`` pairs, comma-separated and repeatable, as ruff spells them
    (``--per-file-ignores 'tests/*:XEN1,legacy.py:XEN105'``). A bare code after a pair
    adds to that pair (``'tests/*:XEN101,XEN102'``). None when not given."""
    if not values:
        return None
    pairs: dict[str, list[str]] = {}
    last: str | None = None
    for value in values:
        for item in (part.strip() for part in value.split(",")):
            if not item:
                continue
            pattern, colon, code = item.rpartition(":")
            if not colon:
                pattern, code = last or "", item
            if not pattern.strip() or not code.strip():
                message = f"{item!r} is not PATTERN:CODE (for example 'tests/*:XEN102')"
                raise click.BadParameter(message, ctx=ctx, param=param)
            try:
                [selector] = parse_selectors([code])
            except (SelectorError, ValueError) as exc:
                raise click.BadParameter(f"{exc} in {item!r}", ctx=ctx, param=param) from None
            last = pattern.strip()
            pairs.setdefault(last, []).append(selector)
    return tuple((pattern, tuple(codes)) for pattern, codes in pairs.items())


class FormatChoice(click.Choice):
    """The ``--output-format`` names; old names (``text``) are accepted, not listed."""

    def __init__(self) -> None:
        super().__init__(sorted(PROVIDERS), case_sensitive=False)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and value.lower() in ALIASES:
            value = ALIASES[value.lower()]
        return super().convert(value, param, ctx)


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
        type=FormatChoice(),
        default="concise",
        show_default=True,
        help="How findings are printed.",
    ),
    click.option("--statistics", is_flag=True, help="Print the number of findings per rule."),
    click.option("-e", "--exit-zero", is_flag=True, help="Exit 0 even when there are findings."),
    click.option("-q", "--quiet", is_flag=True, help="Do not print the summary line."),
)


def report_options(function: F) -> F:
    """Selection, config and output options, in the order --help lists them."""
    for option in reversed(_REPORT_OPTIONS):
        function = option(function)
    return function
