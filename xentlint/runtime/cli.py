"""``xentlint model PATH...``: the runtime checks on saved models, from the command line.

Registered on the main group by :mod:`xentlint.cli`. Importing this module stays cheap: it
loads neither Keras nor numpy; :func:`~xentlint.runtime.check.inspect` imports what a model
needs, when it needs it.

What could not be judged (``Report.not_judged``) is printed after the findings in the text
formats (on stderr as warnings in the machine-readable ones), and the summary says so
instead of "All checks passed".
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import click

from xentlint.cli_help import ModelCommand
from xentlint.cli_options import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, report_options
from xentlint.diagnostics import Diagnostic
from xentlint.output import FORMATTERS, TEXT_FORMATS, OutputOptions, summary, use_color

if TYPE_CHECKING:
    from xentlint.runtime.check import Unjudged


def _note(message: str) -> None:
    click.echo(f"xentlint: note: {message}", err=True)


@click.command("model", cls=ModelCommand, context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option(
    "--labels",
    "labels_file",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Check these labels (.npy, or .npz with one array per output name) against the "
    "model's losses and output units.",
)
@click.option(
    "--probe/--no-probe",
    default=None,
    help="Run the model on a small random batch and compare its outputs with its "
    "configuration (loads the model; safe_mode=True). Default: with --trust-model, and for "
    "subclassed models, whose configuration does not show their outputs.",
)
@click.option(
    "--trust-model",
    is_flag=True,
    help="Allow loading models whose loading runs their code, such as Lambda layers "
    "(safe_mode=False), and probe them unless --no-probe. Only for files you trust. Not "
    "needed to check the configuration, which runs no code.",
)
@click.option(
    "--import",
    "imports",
    multiple=True,
    metavar="MODULE",
    help="Import MODULE first (repeatable; found as `python -m` finds it, the current "
    "folder first), so that the custom layers and losses it registers with "
    "keras.saving.register_keras_serializable are known and can be loaded.",
)
@report_options
@click.option("-v", "--verbose", is_flag=True, help="Say how each model was read and probed.")
def model(
    paths: tuple[str, ...],
    labels_file: str | None,
    probe: bool | None,
    trust_model: bool,
    imports: tuple[str, ...],
    select: tuple[str, ...] | None,
    extend_select: tuple[str, ...] | None,
    ignore: tuple[str, ...] | None,
    config_file: Path | None,
    output_format: str,
    statistics: bool,
    exit_zero: bool,
    quiet: bool,
    verbose: bool,
) -> None:
    """Check saved Keras models (.keras, .h5, SavedModel folders) for cross-entropy mistakes.

    The configuration is read without running any of the model's code, Lambda layers and
    custom layers included (what they do is unknown, and the outputs they decide are
    listed as not judged). The model is loaded only for the probe; a model whose loading
    would run its code is loaded only with --trust-model.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ start-up chatter
    from xentlint.config import ConfigError, discover_config, load_config
    from xentlint.runtime.check import inspect
    from xentlint.runtime.errors import CheckError, KerasMissing
    from xentlint.runtime.imports import ImportFailed, import_modules
    from xentlint.selection import matches

    try:
        config = load_config(config_file) if config_file else discover_config()
    except ConfigError as exc:
        click.echo(f"xentlint: error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    config = config.with_overrides(
        select=select, extend_select=extend_select or (), ignore=ignore or ()
    )
    try:
        import_modules(imports)
    except ImportFailed as exc:
        click.echo(f"xentlint: error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    codes = config.selection.enabled_codes()
    diagnostics = []
    errors: list[str] = []
    unjudged: list[tuple[str, Unjudged]] = []
    checked = 0
    for path in paths:
        try:
            report = inspect(
                path, labels=labels_file, probe=probe, trust_model=trust_model, codes=codes
            )
        except KerasMissing as exc:
            errors.append(str(exc))
            continue
        except CheckError as exc:
            text = str(exc)
            errors.append(text if text.startswith(path) else f"{path}: {text}")
            continue
        except Exception as exc:  # noqa: BLE001 - a bug in xentlint: report, go on
            if os.environ.get("XENTLINT_DEBUG"):
                raise
            errors.append(f"{path}: internal error: {type(exc).__name__}: {exc}")
            continue
        checked += 1
        dropped = config.ignored_for(Path(path))
        diagnostics.extend(
            d for d in report.diagnostics if not any(matches(s, d.code) for s in dropped)
        )
        unjudged.extend((path, item) for item in report.not_judged)
        for message in report.label_notes:
            _note(f"{path}: {message}")
        if verbose:
            for message in report.notes:
                _note(f"{path}: {message}")

    stream = sys.stdout
    color = use_color(stream)
    text = output_format in TEXT_FORMATS
    options = OutputOptions(
        files=checked, statistics=statistics, quiet=quiet or (text and bool(unjudged)), color=color
    )
    if checked or output_format != "text":
        FORMATTERS[output_format](diagnostics, options, stream)
        if text and unjudged:
            _write_unjudged(diagnostics, unjudged, checked, quiet, color, stream)
        stream.flush()
    if not text:
        for path, item in unjudged:
            click.echo(f"xentlint: warning: {path}: {item.text}", err=True)
    for message in errors:
        click.echo(f"xentlint: error: {message}", err=True)
    if errors:
        sys.exit(EXIT_ERROR)
    if diagnostics and not exit_zero:
        sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_CLEAN)


def _write_unjudged(
    diagnostics: Sequence[Diagnostic],
    unjudged: Sequence[tuple[str, Unjudged]],
    files: int,
    quiet: bool,
    color: bool,
    out: TextIO,
) -> None:
    """What was not judged, one line each, then a summary that says so."""
    for path, item in unjudged:
        out.write(f"{path}: {item.text}\n")
    if quiet:
        return
    line = unjudged_summary(diagnostics, [item.kind for _, item in unjudged], files)
    out.write((click.style(line, fg="yellow") if color else line) + "\n")


_KIND_WORDS = {
    "output": ("output", "outputs"),
    "labels": ("label array", "label arrays"),
    "losses": ("the losses of {n} model", "the losses of {n} models"),
    "probe": ("the probe of {n} model", "the probe of {n} models"),
}


def unjudged_summary(diagnostics: Sequence[Diagnostic], kinds: Sequence[str], files: int) -> str:
    """``No findings in 1 file; not judged: 1 output (listed above).`` and the like."""
    if diagnostics:
        found = summary(diagnostics, files).rstrip(".")
    else:
        found = f"No findings in {files} file{'s' if files != 1 else ''}"
    counts = Counter(kinds)
    parts = []
    for kind, (one, many) in _KIND_WORDS.items():
        n = counts.pop(kind, 0)
        if n:
            word = (one if n == 1 else many).format(n=n)
            parts.append(word if "{n}" in one else f"{n} {word}")
    parts.extend(f"{n} {kind}" for kind, n in counts.items())
    return f"{found}; not judged: {', '.join(parts)} (listed above)."
