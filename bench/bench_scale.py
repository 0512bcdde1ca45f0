"""Benchmark xentlint at scale: parallel runs, the cache, and memory.

    python bench/bench_scale.py [--rounds 3] [--json out.json] [--skip flake8]

Corpora (all from this interpreter's environment, nothing is downloaded):

  general   the installed keras and tensorflow packages' sources (> 2 700 .py files, most of
            which never touch a loss): a large codebase that is mostly irrelevant to xentlint
  scripts   200 Keras training scripts from bench/gen_keras_scripts.py (seed 0): every file
            is analysed in full, the case where parallel workers pay off most
  mem1000   1 000 files of `general` (every k-th in sorted order), copied to a temp folder

Measured, round after round with the order rotating every round (so noise from other
processes is spread over all commands):

  flake8          flake8 -j1 --exit-zero, with its default plugins only (pyflakes,
                  pycodestyle, mccabe: xentlint's own flake8 plugin is left out)
  xentlint        xentlint check --exit-zero -q --no-cache        (default -j: all CPUs)
  xentlint -j1    the same on one process; -j2 on two
  cold / warm     xentlint with an empty cache folder, then again with the cache it wrote

Wall-clock medians, CPU seconds (user + sys of the process tree) and ratios are printed.
Memory is measured on mem1000 in separate runs, sampled from /proc/PID/smaps_rollup every
20 ms: the peak of the process tree's summed PSS (pages a forked worker still shares with
its parent count once: the memory the run really takes), the peak of its summed RSS (shared
pages counted in every process), and the largest RSS of a single process (getrusage of the
children; the helper that starts xentlint is small, so its own high-water mark, inherited
across exec, does not hide xentlint's).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
SITE = Path(sysconfig.get_paths()["purelib"])

# flake8 with only its default plugins: drop every other distribution's entry points.
FLAKE8_DEFAULT = """
import sys
import flake8.plugins.finder as finder
_found = finder._find_importlib_plugins
DEFAULT = {"flake8", "pyflakes", "pycodestyle", "mccabe"}
finder._find_importlib_plugins = lambda: (p for p in _found() if p.package in DEFAULT)
from flake8.main.cli import main
sys.exit(main())
"""

# Run a command, then print the largest RSS (KB) among the processes it started.
MAXRSS_CHILD = """
import resource, subprocess, sys
code = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code)
"""


def xentlint_argv(*args: str) -> list[str]:
    exe = BIN / "xentlint"
    base = [str(exe)] if exe.exists() else [sys.executable, "-m", "xentlint"]
    return [*base, "check", "--exit-zero", "-q", *args]


def run(argv: list[str], ok: tuple[int, ...] = (0,)) -> tuple[float, float]:
    """Wall and CPU seconds (the whole process tree) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    completed = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if completed.returncode not in ok:
        sys.exit(f"failed ({completed.returncode}): {' '.join(argv)}\n{completed.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


# --------------------------------------------------------------------------- memory


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                out.extend(int(child) for child in handle.read().split())
    except OSError:
        pass
    return out


def _memory_kb(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of a process in KB; PSS shares the pages a forked worker shares with its
    parent between them, so that the sum over a process tree counts every page once."""
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


def tree_peak_mb(argv: list[str]) -> tuple[float, float, float]:
    """Peaks of the summed RSS and of the summed PSS of the process tree, and the largest
    RSS of a single process (getrusage), in MB."""
    process = subprocess.Popen(
        [sys.executable, "-c", MAXRSS_CHILD, *argv], stdout=subprocess.PIPE, text=True
    )
    peak_rss = peak_pss = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_rss, peak_pss
        while not done.is_set():
            pids, stack = [], _children(process.pid)  # the helper itself is not counted
            while stack:
                pid = stack.pop()
                pids.append(pid)
                stack.extend(_children(pid))
            sizes = [_memory_kb(pid) for pid in pids]
            peak_rss = max(peak_rss, sum(rss for rss, _ in sizes))
            peak_pss = max(peak_pss, sum(pss for _, pss in sizes))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = process.communicate()
    done.set()
    sampler.join()
    largest_kb = int(out.split()[0])
    return peak_rss / 1024, peak_pss / 1024, largest_kb / 1024


# --------------------------------------------------------------------------- corpora


def py_files(folders: list[Path]) -> list[Path]:
    files: list[Path] = []
    for folder in folders:
        files.extend(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)
    return sorted(files)


def make_scripts(target: Path) -> Path:
    subprocess.run(
        [sys.executable, str(HERE / "gen_keras_scripts.py"), "--out", str(target),
         "--count", "200", "--seed", "0", "--no-manifest"],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return target


def make_sample(files: list[Path], count: int, target: Path) -> Path:
    step = max(1, len(files) // count)
    for index, path in enumerate(files[::step][:count]):
        destination = target / f"{index // 100:02d}" / f"{index:04d}_{path.name}"
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination)
    return target


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds of every command (3)")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    parser.add_argument(
        "--skip", default="", help="comma-separated: flake8, general, scripts, memory"
    )
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    folders = [SITE / "keras", SITE / "tensorflow"]
    folders = [f for f in folders if f.is_dir()]
    general = py_files(folders)
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    megabytes = sum(p.stat().st_size for p in general) / 1e6
    where = ", ".join(str(f) for f in folders)
    print(f"general: {len(general)} files, {megabytes:.1f} MB in {where}; {cpus} CPUs")
    work = Path(tempfile.mkdtemp(prefix="xentlint-scale-"))
    gen = [str(f) for f in folders]
    commands: dict[str, list[str]] = {}
    if "general" not in skip:
        if "flake8" not in skip:
            commands["flake8 -j1"] = [sys.executable, "-c", FLAKE8_DEFAULT, "-j1",
                                      "--exit-zero", *gen]  # fmt: skip
        commands["xentlint"] = xentlint_argv("--no-cache", *gen)
        commands["xentlint -j1"] = xentlint_argv("--no-cache", "-j1", *gen)
        commands["xentlint -j2"] = xentlint_argv("--no-cache", "-j2", *gen)
    if "scripts" not in skip:
        scripts = str(make_scripts(work / "scripts"))
        commands["scripts -j1"] = xentlint_argv("--no-cache", "-j1", scripts)
        commands["scripts -j2"] = xentlint_argv("--no-cache", "-j2", scripts)
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    cache_samples: dict[str, list[tuple[float, float]]] = {"cold": [], "warm": []}
    names = list(commands)
    loads = [os.getloadavg()[0]]
    for round_ in range(args.rounds):
        shift = round_ % max(1, len(names))
        for name in names[shift:] + names[:shift]:
            samples[name].append(run(commands[name]))
            print(f"  round {round_ + 1} {name:14s} {samples[name][-1][0]:7.2f} s", flush=True)
        if "general" not in skip:  # cold then warm, each round with a fresh cache
            cache_dir = work / f"cache{round_}"
            cache_samples["cold"].append(run(xentlint_argv("--cache-dir", str(cache_dir), *gen)))
            cache_samples["warm"].append(run(xentlint_argv("--cache-dir", str(cache_dir), *gen)))
            print(f"  round {round_ + 1} cache cold {cache_samples['cold'][-1][0]:.2f} s, "
                  f"warm {cache_samples['warm'][-1][0]:.3f} s", flush=True)  # fmt: skip
        loads.append(os.getloadavg()[0])
        print(f"  load average after round {round_ + 1}: {loads[-1]:.2f}", flush=True)
    samples.update({f"cache {k}": v for k, v in cache_samples.items() if v})

    def median(name: str, index: int = 0) -> float | None:
        values = [s[index] for s in samples.get(name, [])]
        return statistics.median(values) if values else None

    figures: dict[str, object] = {"files": len(general), "cpus": cpus, "rounds": args.rounds}
    figures["load average (start, after each round)"] = [round(x, 2) for x in loads]
    after = ", ".join(f"{x:.2f}" for x in loads[1:])
    print(f"\nload average: start {loads[0]:.2f}, after each round {after}")
    print(f"\n{'command':16s} {'wall (median)':>14s} {'cpu (median)':>13s}")
    for name in samples:
        wall, cpu = median(name), median(name, 1)
        if wall is None or cpu is None:
            continue
        figures[name] = {"wall": round(wall, 3), "cpu": round(cpu, 3)}
        print(f"{name:16s} {wall:12.3f} s {cpu:11.3f} s")

    ratios = {
        "xentlint / flake8 -j1 (general; target <= 0.25)": ("xentlint", "flake8 -j1"),
        "xentlint -j1 / flake8 -j1 (general)": ("xentlint -j1", "flake8 -j1"),
        "-j2 / -j1 (general, mostly prefiltered)": ("xentlint -j2", "xentlint -j1"),
        "-j2 / -j1 (200 scripts; target <= 0.6)": ("scripts -j2", "scripts -j1"),
        "cache warm / cold (general; target <= 0.05)": ("cache warm", "cache cold"),
    }
    print()
    for label, (top, bottom) in ratios.items():
        a, b = median(top), median(bottom)
        if a is not None and b:
            figures[label] = round(a / b, 3)
            print(f"{label:50s} {a / b:.3f}")

    if "memory" not in skip:
        sample = make_sample(general, 1000, work / "mem1000")
        for jobs in ("1", "2"):
            rss, pss, largest = tree_peak_mb(xentlint_argv("--no-cache", "-j", jobs, str(sample)))
            figures[f"memory -j{jobs} (1000 files)"] = {
                "tree peak RSS MB": round(rss, 1),
                "tree peak PSS MB": round(pss, 1),
                "largest process MB": round(largest, 1),
            }
            print(f"memory -j{jobs} on 1000 files (target <= 200 MB): process tree peak "
                  f"{pss:.0f} MB PSS ({rss:.0f} MB summed RSS, counting shared pages in every "
                  f"process), largest single process {largest:.0f} MB")  # fmt: skip
    shutil.rmtree(work, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
