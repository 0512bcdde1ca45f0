"""Projects of several modules: what following imports costs, and what "once per run" is.

Writes a project (a package of ``--modules`` modules, and ``--scripts`` training scripts that
each import from it), then times ``xentlint check --no-cache`` on it with ``-j1`` and
``-j2`` (the pool forced, as on a large tree), and counts how many times each project
module was evaluated, per process: a module is evaluated once per process that needs it,
so with ``-j N`` at most N times per run.

    .venv/bin/python bench/bench_projects.py [--scripts 60] [--modules 8] [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

MODULE = """from tensorflow import keras
from tensorflow.keras import layers

from .common import WIDTH


def build_{i}(num_classes, activation="softmax"):
    inputs = keras.Input(shape=(32,))
    x = layers.Dense(WIDTH, activation="relu")(inputs)
    for _ in range(3):
        x = layers.Dense(WIDTH, activation="relu")(x)
    return keras.Model(inputs, layers.Dense(num_classes, activation=activation)(x))
"""

SCRIPT = """import numpy as np
from tensorflow import keras

from pkg.models_{i} import build_{i}

x = np.random.rand(64, 32)
y = keras.utils.to_categorical(np.random.randint(0, 10, 64), 10)
model = build_{i}(10)
model.compile(optimizer="adam", loss=keras.losses.CategoricalCrossentropy({logits}))
model.fit(x, y, epochs=1)
"""

#: Run xentlint with the pool forced, logging each module evaluation as "pid path".
RUNNER = """
import os, sys
import xentlint.parallel as parallel
import xentlint.static.imports as imports
parallel.MIN_FILES_FOR_POOL = 1
parallel.MIN_SECONDS_FOR_POOL = 0
log = sys.argv.pop(1)
put = imports._Memo.put
def logged(self, key, module):
    with open(log, "a") as out:
        out.write(f"{os.getpid()} {key[0]}\\n")
    return put(self, key, module)
imports._Memo.put = logged
from xentlint.cli import main
main(["check", *sys.argv[1:]])
"""


def write_project(root: Path, scripts: int, modules: int) -> None:
    package = root / "pkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "common.py").write_text("WIDTH = 64\n")
    for i in range(modules):
        (package / f"models_{i}.py").write_text(MODULE.format(i=i))
    for n in range(scripts):
        logits = "from_logits=True" if n % 2 else ""
        (root / f"train_{n:03}.py").write_text(SCRIPT.format(i=n % modules, logits=logits))


def run(root: Path, jobs: int, log: Path) -> tuple[float, float, Counter[tuple[int, str]]]:
    log.write_text("")
    argv = [sys.executable, "-c", RUNNER, str(log), "--no-cache", f"-j{jobs}", "-q", "."]
    before = os.times()
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=root, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = os.times()
    if done.returncode not in (0, 1):
        raise SystemExit(f"xentlint failed: {done.stderr}")
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    counts: Counter[tuple[int, str]] = Counter()
    for line in log.read_text().splitlines():
        pid, path = line.split(" ", 1)
        counts[(int(pid), os.path.basename(path))] += 1
    return wall, cpu, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scripts", type=int, default=60)
    parser.add_argument("--modules", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "project"
        write_project(root, args.scripts, args.modules)
        log = Path(folder) / "evaluations.log"
        print(f"{args.scripts} scripts importing {args.modules} modules of one package")
        for jobs in (1, 2):
            walls, cpus = [], []
            for _ in range(args.rounds):
                wall, cpu, counts = run(root, jobs, log)
                walls.append(wall)
                cpus.append(cpu)
            processes = len({pid for pid, _ in counts})
            per_module = Counter(name for _, name in counts)
            most = max(per_module.values(), default=0)
            print(
                f"-j{jobs}: wall {statistics.median(walls):.2f} s, cpu "
                f"{statistics.median(cpus):.2f} s (medians of {args.rounds}); "
                f"{sum(counts.values())} evaluations of {len(per_module)} modules in "
                f"{processes} process(es), at most {most} per module"
            )


if __name__ == "__main__":
    main()
