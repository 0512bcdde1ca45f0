"""Benchmark the runtime checker (``xentlint model`` and ``xentlint.check_model``).

    python bench/bench_runtime.py [--rounds 7] [--calls 50] [--json out.json]

Two bars from the runtime issue:

1. ``xentlint model f.keras`` against ``python -c "import keras; keras.saving.load_model(f)"``
   on a small model (the TensorFlow import is the floor for anything that loads a model).
   ``xentlint model --probe f.keras`` (which does load the model, with ``safe_mode=True``,
   and runs it on a random batch) is timed too. The commands run round after round, in an
   order that rotates every round; medians of wall-clock seconds are compared.
2. ``xentlint.check_model(model, probe=False)`` on a live 100-layer functional model, in
   this process: median over ``--calls`` calls after one warm-up call (bar: < 50 ms). The
   same with the probe is reported for information.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def _small_model(path: Path) -> None:
    import keras

    model = keras.Sequential(
        [
            keras.Input((20,)),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.save(path)


def _deep_model(layers: int = 100):  # noqa: ANN202 - a keras.Model
    import keras

    inputs = keras.Input((16,))
    x = inputs
    for _ in range(layers - 2):
        x = keras.layers.Dense(16, activation="relu")(x)
    outputs = keras.layers.Dense(10, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def _time(command: list[str]) -> float:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
    elapsed = time.perf_counter() - start
    if result.returncode not in (0, 1):
        raise SystemExit(f"{command} failed ({result.returncode}):\n{result.stderr[-2000:]}")
    return elapsed


def bench_cli(path: Path, rounds: int) -> dict[str, dict[str, float]]:
    xentlint = str(Path(sys.executable).with_name("xentlint"))
    load = f"import keras; keras.saving.load_model({str(path)!r})"
    commands = {
        "xentlint model": [xentlint, "model", "-q", str(path)],
        "xentlint model --probe": [xentlint, "model", "-q", "--probe", str(path)],
        "keras load_model": [sys.executable, "-c", load],
        "python -c pass": [sys.executable, "-c", "pass"],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for command in commands.values():  # warm-up: page cache, .pyc files
        _time(command)
    names = list(commands)
    for round_ in range(rounds):
        order = names[round_ % len(names) :] + names[: round_ % len(names)]
        for name in order:
            times[name].append(_time(commands[name]))
    return {
        name: {"median": statistics.median(values), "min": min(values)}
        for name, values in times.items()
    }


def bench_live(calls: int) -> dict[str, float]:
    import xentlint

    model = _deep_model()
    out: dict[str, float] = {"layers": float(len(model.layers))}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for label, probe in (("no probe", False), ("probe", True)):
            xentlint.check_model(model, probe=probe)  # warm-up
            samples = []
            for _ in range(calls if not probe else max(3, calls // 10)):
                start = time.perf_counter()
                found = xentlint.check_model(model, probe=probe)
                samples.append(time.perf_counter() - start)
            assert [d.code for d in found] == ["XEN101"], found
            out[f"{label} median ms"] = statistics.median(samples) * 1e3
            out[f"{label} max ms"] = max(samples) * 1e3
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--json", dest="json_path")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "small.keras"
        _small_model(path)
        cli = bench_cli(path, args.rounds)
    live = bench_live(args.calls)

    base = cli["keras load_model"]["median"]
    print(f"small model, {args.rounds} rounds (median / min wall seconds, ratio to load_model):")
    for name, row in cli.items():
        print(f"  {name:24} {row['median']:6.3f} {row['min']:6.3f}  {row['median'] / base:5.2f}x")
    print(f"check_model on a live {int(live['layers'])}-layer model:")
    for key, value in live.items():
        if key != "layers":
            print(f"  {key:24} {value:8.2f}")
    bar1 = cli["xentlint model"]["median"] <= 1.15 * base
    bar2 = live["no probe median ms"] < 50
    print(f"bar xentlint model <= 1.15x load_model: {'pass' if bar1 else 'FAIL'}")
    print(f"bar check_model (no probe) < 50 ms:    {'pass' if bar2 else 'FAIL'}")
    if args.json_path:
        data = {"cli": cli, "live": live, "python": sys.version.split()[0]}
        text = json.dumps(data, indent=2)
        if args.json_path == "-":
            print(text)
        else:
            Path(args.json_path).write_text(text + "\n")


if __name__ == "__main__":
    main()
