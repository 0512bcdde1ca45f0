"""Time what ``xentlint check`` costs when the files need no analysis (issue 11 section 5).

    python bench/bench_startup.py [FOLDER] [--rounds 15] [--json out.json]

Two ratios, each from medians of wall-clock seconds over ``--rounds`` runs (the two sides
alternate round after round, so that the machine's noise falls on both):

  no-keras      ``xentlint check --no-cache plain.py`` on a file with no Keras content,
                against ``python -c "import click"`` (bar: <= 1.6)
  warm / cold   ``xentlint check --cache-dir D -q --exit-zero FOLDER`` with D filled by the
                previous run, against the same command with D emptied first (bar: <= 0.04)

FOLDER defaults to the keras-io examples the other benchmarks use (``$KERAS_IO_EXAMPLES``,
else ``/work/scratch/kio/examples``). Every run starts a fresh interpreter with this venv's
``xentlint``; the current folder is a temporary one without a config file. The exit status
is 0 unless the arguments are wrong or a command fails.

The commands run with byte code written and read, as an installed package runs
(``PYTHONDONTWRITEBYTECODE`` is removed from their environment; the warm-up run writes
the ``__pycache__`` files and the rule catalog's memo, :mod:`xentlint.rule_memo`).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
DEFAULT_FOLDER = os.environ.get("KERAS_IO_EXAMPLES", "/work/scratch/kio/examples")
PLAIN = (
    '"""A module with no Keras in it."""\n\nimport os\n\n\ndef main():\n    print(os.getcwd())\n'
)


ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(command: list[str], cwd: Path) -> float:
    """Wall seconds of one run; a failure (exit status other than 0 or 1) stops the bench."""
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, env=ENV)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):
        sys.exit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.decode()[-400:]}")
    return seconds


def no_keras(rounds: int, work: Path) -> dict[str, float]:
    (work / "plain.py").write_text(PLAIN)
    xentlint = [str(BIN / "xentlint"), "check", "--no-cache", "plain.py"]
    click = [sys.executable, "-c", "import click"]
    times: dict[str, list[float]] = {"xentlint": [], "click": []}
    timed(xentlint, work)  # warm-up: the OS caches the files
    timed(click, work)
    for round_ in range(rounds):
        order = [("xentlint", xentlint), ("click", click)]
        for name, command in order if round_ % 2 == 0 else reversed(order):
            times[name].append(timed(command, work))
    return summary(times, "xentlint", "click")


def warm_cold(rounds: int, work: Path, folder: Path) -> dict[str, float]:
    cache = work / "cache"
    command = [
        str(BIN / "xentlint"),
        "check",
        "-q",
        "--exit-zero",
        "--cache-dir",
        str(cache),
        str(folder),
    ]
    times: dict[str, list[float]] = {"warm": [], "cold": []}
    timed(command, work)  # warm-up
    for _ in range(rounds):
        shutil.rmtree(cache, ignore_errors=True)
        times["cold"].append(timed(command, work))  # fills the cache ...
        times["warm"].append(timed(command, work))  # ... that this run reads
    return summary(times, "warm", "cold")


def summary(times: dict[str, list[float]], top: str, bottom: str) -> dict[str, float]:
    out = {f"{name}_median": statistics.median(values) for name, values in times.items()}
    out.update({f"{name}_min": min(values) for name, values in times.items()})
    out["ratio"] = out[f"{top}_median"] / out[f"{bottom}_median"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", default=DEFAULT_FOLDER)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--skip", default="", help="no-keras and/or warm-cold, comma-separated")
    parser.add_argument("--json", help="also write the numbers to this file (- for stdout)")
    args = parser.parse_args()
    folder = Path(args.folder).resolve()
    skip = set(filter(None, args.skip.split(",")))
    results: dict[str, object] = {"rounds": args.rounds, "load": os.getloadavg()[0]}
    with tempfile.TemporaryDirectory(prefix="xentlint-startup-") as tmp:
        work = Path(tmp)
        if "no-keras" not in skip:
            results["no_keras"] = no_keras(args.rounds, work)
        if "warm-cold" not in skip:
            if not folder.is_dir():
                sys.exit(f"{folder}: not a folder (give the keras-io examples as FOLDER)")
            results["folder"] = str(folder)
            results["warm_cold"] = warm_cold(args.rounds, work, folder)
    results["load_after"] = os.getloadavg()[0]
    if "no_keras" in results:
        r = results["no_keras"]
        assert isinstance(r, dict)
        print(
            f"no-Keras file: xentlint {r['xentlint_median']:.3f} s, import click "
            f"{r['click_median']:.3f} s (medians of {args.rounds}): ratio {r['ratio']:.2f} "
            "(bar 1.6)"
        )
    if "warm_cold" in results:
        r = results["warm_cold"]
        assert isinstance(r, dict)
        print(
            f"cache on {folder}: warm {r['warm_median']:.3f} s, cold {r['cold_median']:.3f} s "
            f"(medians of {args.rounds}): ratio {r['ratio']:.3f} (bar 0.04)"
        )
    print(f"load average {results['load']:.2f} before, {results['load_after']:.2f} after")
    if args.json:
        text = json.dumps(results, indent=2)
        if args.json == "-":
            print(text)
        else:
            Path(args.json).write_text(text + "\n")


if __name__ == "__main__":
    main()
