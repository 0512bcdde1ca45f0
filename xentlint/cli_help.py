"""``--help`` with its options in groups, and the text on configuration and exit codes.

click lists a command's options in one block. :class:`GroupedCommand` lists them under
headings (rule selection, fixes, output...), in the order of :data:`CHECK_GROUPS`; an
option no group names goes under "Other options", so none can go missing.
"""

from __future__ import annotations

from collections.abc import Sequence

import click

#: ``--help`` headings of ``xentlint check`` and the parameter names under each.
CHECK_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Rule selection",
        ("select", "extend_select", "ignore", "per_file_ignores", "extend_per_file_ignores"),
    ),
    (
        "Fixes",
        (
            "fix",
            "unsafe_fixes",
            "fix_only",
            "diff",
            "show_fixes",
            "exit_non_zero_on_fix",
            "add_noqa",
        ),
    ),
    (
        "Output",
        ("output_format", "output_file", "color", "statistics", "quiet", "exit_zero"),
    ),
    (
        "Files",
        ("exclude", "extend_exclude", "force_exclude", "stdin_filename", "show_files"),
    ),
    ("Configuration", ("config_file", "isolated", "show_settings")),
    ("Performance", ("jobs", "no_cache", "cache_dir")),
)

CONFIG_HELP = (
    "Configuration: the nearest pyproject.toml with a [tool.xentlint] table, looking in the "
    "current folder and then its parents (--config FILE instead; --isolated: none). "
    "Command-line options override it; `xentlint check --show-settings` shows the result."
)
EXIT_HELP = (
    "Exit status: 0 no findings (or --exit-zero), 1 findings (or a fix was applied, with "
    "--exit-non-zero-on-fix), 2 usage, configuration or internal error, 130 interrupted "
    "(Ctrl-C)."
)
#: The first column of the option lists is at most this wide (click's default).
_FIRST_COLUMN = 30


class GroupedCommand(click.Command):
    """A command whose ``--help`` lists its options under headings."""

    groups: Sequence[tuple[str, Sequence[str]]] = CHECK_GROUPS
    notes: Sequence[str] = (CONFIG_HELP, EXIT_HELP)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        records: dict[str, tuple[str, str]] = {}
        order: list[str] = []
        for param in self.get_params(ctx):
            if not isinstance(param, click.Option):
                continue
            record = param.get_help_record(ctx)
            if record is not None and param.name is not None:
                records[param.name] = record
                order.append(param.name)
        # One column for every group (click sizes each list on its own).
        width = min(max((len(first) for first, _ in records.values()), default=0), _FIRST_COLUMN)
        records = {
            name: (first.ljust(width) if len(first) <= width else first, text)
            for name, (first, text) in records.items()
        }
        placed: set[str] = set()
        sections = [(title, [n for n in names if n in records]) for title, names in self.groups]
        for _title, names in sections:
            placed.update(names)
        sections.append(("Other options", [n for n in order if n not in placed]))
        for title, names in sections:
            if names:
                with formatter.section(title):
                    formatter.write_dl([records[name] for name in names], col_max=_FIRST_COLUMN)

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        write_notes(formatter, self.notes)


class NotedGroup(click.Group):
    """A group whose ``--help`` ends with the notes on configuration and exit codes."""

    notes: Sequence[str] = (CONFIG_HELP, EXIT_HELP)

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        write_notes(formatter, self.notes)


#: ``--help`` headings of ``xentlint model``.
MODEL_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Checks", ("labels_file", "probe")),
    ("Code in the model", ("trust_model", "imports")),
    ("Rule selection", ("select", "extend_select", "ignore")),
    ("Output", ("output_format", "statistics", "quiet", "exit_zero", "verbose")),
    ("Configuration", ("config_file",)),
)
MODEL_CONFIG_HELP = (
    "Configuration: the rule selection and per-file-ignores of the nearest pyproject.toml "
    "with a [tool.xentlint] table, looking in the current folder and then its parents "
    "(--config FILE instead). Command-line options override it."
)
MODEL_EXIT_HELP = (
    "Exit status: 0 no findings (or --exit-zero), 1 findings, 2 a model or labels file "
    "could not be read, a usage or internal error, 130 interrupted (Ctrl-C). What could not "
    "be judged (an output whose activation only the probe can show, labels whose encoding "
    "cannot be told) is listed after the findings and does not change the exit status."
)


class ModelCommand(GroupedCommand):
    """``xentlint model``: its own option groups and notes."""

    groups = MODEL_GROUPS
    notes = (MODEL_CONFIG_HELP, MODEL_EXIT_HELP)


def write_notes(formatter: click.HelpFormatter, notes: Sequence[str]) -> None:
    """The notes as paragraphs after the options."""
    for note in notes:
        formatter.write_paragraph()
        formatter.write_text(note)
