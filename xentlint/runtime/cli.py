"""``xentlint model PATH...``: the runtime checks on saved models, from the command line.

Registered on the main group by :mod:`xentlint.cli`. Importing this module stays cheap: it
loads neither Keras nor numpy; :func:`~xentlint.runtime.check.inspect` imports what a model
needs, when it needs it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from xentlint.cli_options import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, report_options
from xentlint.output import FORMATTERS, OutputOptions, use_color


def _note(message: str) -> None:
    click.echo(f"xentlint: note: {message}", err=True)


@click.command("model", context_settings={"help_option_names": ["-h", "--help"]})
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
    "configuration (loads the model; safe_mode=True). Default: only when the model is "
    "loaded anyway.",
)
@click.option(
    "--trust-model",
    is_flag=True,
    help="Load models that contain Lambda layers or custom objects (safe_mode=False: their "
    "code runs). Only for files you trust.",
)
@report_options
@click.option("-v", "--verbose", is_flag=True, help="Say how each model was read and probed.")
def model(
    paths: tuple[str, ...],
    labels_file: str | None,
    probe: bool | None,
    trust_model: bool,
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

    The configuration is read without running any of the model's code. Models with Lambda
    layers or unregistered custom objects are refused unless --trust-model is given.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ start-up chatter
    from xentlint.config import ConfigError, discover_config, load_config
    from xentlint.runtime.check import inspect
    from xentlint.runtime.errors import CheckError, KerasMissing
    from xentlint.selection import matches

    try:
        config = load_config(config_file) if config_file else discover_config()
    except ConfigError as exc:
        click.echo(f"xentlint: error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    config = config.with_overrides(
        select=select, extend_select=extend_select or (), ignore=ignore or ()
    )
    codes = config.selection.enabled_codes()
    diagnostics = []
    errors: list[str] = []
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
        for message in report.label_notes:
            _note(f"{path}: {message}")
        if verbose:
            for message in report.notes:
                _note(f"{path}: {message}")

    stream = sys.stdout
    options = OutputOptions(
        files=checked, statistics=statistics, quiet=quiet, color=use_color(stream)
    )
    if checked or output_format != "text":
        FORMATTERS[output_format](diagnostics, options, stream)
        stream.flush()
    for message in errors:
        click.echo(f"xentlint: error: {message}", err=True)
    if errors:
        sys.exit(EXIT_ERROR)
    if diagnostics and not exit_zero:
        sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_CLEAN)
