"""Benchmark xentlint against flake8 and the bare cost of parsing.

    python bench/bench.py [FOLDER] [--rounds 7] [--json out.json]

Without FOLDER, 200 scripts are generated into a temporary folder with gen_keras_scripts.py.
In one run, round after round (the order of the tools rotates every round, so that noise from
other processes on the machine is spread over all of them), it measures:

  xentlint      xentlint check -j1 --no-cache --exit-zero -q FOLDER   (this venv's executable;
                single process and cold cache, to compare with flake8 -j1)
  flake8        flake8 -j1 --exit-zero FOLDER          (default plugins)
  libcst-cli    a fresh interpreter that imports libcst and runs libcst.parse_module over the
                same .py files: the floor for any LibCST-based command-line linter
  ast-cli       the same with ast.parse
  libcst        libcst.parse_module over the files inside this process (parse cost only)
  ast           ast.parse over the files inside this process

and the start-up cost: ``xentlint check SMALL_FILE`` against ``python -c "import libcst"``.
Medians of wall-clock seconds are compared; CPU seconds (user + sys of the child) and peak RSS
are reported too. Exit status 0 and 1 of xentlint both count as success. Every command runs
without ``PYTHONDONTWRITEBYTECODE`` (as ``bench_startup.py``): an installed package has its
byte code, and with the variable set an editable install recompiles xentlint on every run.
"""

from __future__ import annotations

import argparse
import ast
import importlib.metadata
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent

# Run in a child interpreter: parse every file named in the list file, report failures.
PARSE_CHILD = """
import sys
from pathlib import Path
{imports}
failed = 0
for name in Path(sys.argv[1]).read_text(encoding="utf-8").splitlines():
    try:
        {parse}(Path(name).read_bytes())
    except Exception:
        failed += 1
if failed:
    print(f"{{failed}} file(s) failed to parse", file=sys.stderr)
"""

SMALL_FILE = '''"""A tiny training script, used to measure start-up cost."""
from tensorflow import keras
from tensorflow.keras import layers

model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(3)])
model.compile(
    optimizer="adam",
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    metrics=["accuracy"],
)
'''


@dataclass
class Tool:
    """One measured command (or in-process function) and its samples."""

    name: str
    label: str
    argv: list[str] | None = None  # None: measured in-process by ``func``
    func: object = None
    ok_codes: tuple[int, ...] = (0,)
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    rss_kb: list[int] = field(default_factory=list)
    output_lines: int | None = None
    error: str | None = None

    def reset(self) -> None:
        self.wall.clear()
        self.cpu.clear()
        self.rss_kb.clear()

    def median(self) -> float | None:
        return statistics.median(self.wall) if self.wall else None

    def summary(self) -> dict[str, object]:
        return {
            "label": self.label,
            "argv": self.argv,
            "wall_s": self.wall,
            "cpu_s": self.cpu,
            "median_wall_s": self.median(),
            "min_wall_s": min(self.wall) if self.wall else None,
            "median_cpu_s": statistics.median(self.cpu) if self.cpu else None,
            "peak_rss_mb": max(self.rss_kb) / 1024 if self.rss_kb else None,
            "output_lines": self.output_lines,
            "error": self.error,
        }


FLAKE8_DEFAULT_PLUGINS = """
import sys
import flake8.plugins.finder as finder
_found = finder._find_importlib_plugins
DEFAULT = {"flake8", "pyflakes", "pycodestyle", "mccabe"}
finder._find_importlib_plugins = lambda: (p for p in _found() if p.package in DEFAULT)
from flake8.main.cli import main
sys.exit(main())
"""


#: the environment of every timed command (see the module docstring)
_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def read_hwm_kb(pid: int) -> int:
    """Peak resident set size of a live process (VmHWM), in kB; 0 if unavailable."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def run_child(
    argv: list[str], workdir: Path, timeout: float
) -> tuple[int, float, float, int, str, int]:
    """Run argv; return (exit code, wall s, cpu s, peak RSS kB, stderr tail, stdout lines).

    The wall time comes from a blocking wait; CPU time (user + sys) from the child's rusage.
    Peak RSS is sampled from /proc every 20 ms by a helper thread (ru_maxrss is not used: on
    Linux it keeps the high-water mark of the forked parent image across exec).
    """
    out_path, err_path = workdir / "stdout.txt", workdir / "stderr.txt"
    peak = [0]
    done = threading.Event()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=_ENV)

        def sample() -> None:
            while not done.wait(0.02):
                peak[0] = max(peak[0], read_hwm_kb(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        killer = threading.Timer(timeout, proc.kill)
        killer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        done.set()
        killer.cancel()
        sampler.join()
    proc.returncode = code = os.waitstatus_to_exitcode(status)
    stderr = err_path.read_text(encoding="utf-8", errors="replace").strip()
    with open(out_path, "rb") as handle:
        lines = sum(1 for _ in handle)
    if wall >= timeout:
        stderr = f"timed out after {timeout:.0f} s\n{stderr}"
        code = -9
    cpu = usage.ru_utime + usage.ru_stime
    return code, wall, cpu, peak[0], stderr[-2000:], lines


def measure(tool: Tool, workdir: Path, timeout: float) -> None:
    """Take one sample of ``tool`` (unless it already failed)."""
    if tool.error:
        return
    if tool.argv is None:
        before = time.process_time()
        start = time.perf_counter()
        tool.func()  # type: ignore[operator]
        tool.wall.append(time.perf_counter() - start)
        tool.cpu.append(time.process_time() - before)
        return
    code, wall, cpu, rss, stderr, lines = run_child(tool.argv, workdir, timeout)
    if code not in tool.ok_codes:
        tool.error = f"exit status {code}: {stderr.splitlines()[-1] if stderr else '(no stderr)'}"
        tool.wall.clear()
        return
    tool.wall.append(wall)
    tool.cpu.append(cpu)
    tool.rss_kb.append(rss)
    tool.output_lines = lines


def find_executable(name: str) -> str | None:
    """The console script of this interpreter's environment (never one from elsewhere)."""
    candidate = BIN / name
    return str(candidate) if candidate.exists() and os.access(candidate, os.X_OK) else None


def version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def collect_files(folder: Path) -> list[Path]:
    skip = {".git", "__pycache__", ".venv", "venv", ".tox", ".eggs"}
    return sorted(p for p in folder.rglob("*.py") if not skip & set(p.relative_to(folder).parts))


def xentlint_command(override: str | None) -> list[str] | None:
    """The xentlint command: --xentlint if given, else the console script of this venv."""
    if override:
        return shlex.split(override)
    exe = find_executable("xentlint")
    return [exe] if exe else None


def probe_xentlint(cmd: list[str] | None, workdir: Path) -> str | None:
    """Return why ``xentlint check`` cannot be benchmarked, or None if it can."""
    if cmd is None:
        return f"no xentlint executable next to {sys.executable} (see --xentlint)"
    probe = workdir / "probe"
    probe.mkdir(exist_ok=True)
    (probe / "ok.py").write_text("x = 1\n", encoding="utf-8")
    try:
        code, _, _, _, stderr, _ = run_child(
            [*cmd, "check", "--exit-zero", "-q", str(probe)], workdir, 120
        )
    except OSError as exc:
        return f"cannot run {cmd[0]}: {exc}"
    if code not in (0, 1):
        last = stderr.splitlines()[-1] if stderr else "(no stderr)"
        return f"`xentlint check` failed (exit status {code}): {last}"
    return None


def make_tools(
    folder: Path, files: list[Path], workdir: Path, skip: set[str], xent: list[str] | None
) -> list[Tool]:
    listing = workdir / "files.txt"
    listing.write_text("\n".join(str(p) for p in files) + "\n", encoding="utf-8")
    sources = [p.read_bytes() for p in files]
    tools: list[Tool] = []

    tools.append(
        Tool(
            "xentlint",
            "xentlint check -j1 --no-cache --exit-zero -q",
            [
                *(xent or ["xentlint"]),
                "check",
                "-j1",
                "--no-cache",
                "--exit-zero",
                "-q",
                str(folder),
            ],
            ok_codes=(0, 1),
        )
    )
    if "xentlint" not in skip:
        tools[-1].error = probe_xentlint(xent, workdir)

    # flake8 with its default plugins only (pycodestyle, pyflakes, mccabe): leave out the
    # entry points of other installed distributions, xentlint's own flake8 plugin included.
    flake8_argv = [sys.executable, "-c", FLAKE8_DEFAULT_PLUGINS]
    tools.append(
        Tool("flake8", "flake8 -j1 --exit-zero", [*flake8_argv, "-j1", "--exit-zero", str(folder)])
    )

    libcst_child = PARSE_CHILD.format(imports="import libcst", parse="libcst.parse_module")
    tools.append(
        Tool(
            "libcst-cli",
            "libcst parse, CLI-equivalent",
            [sys.executable, "-c", libcst_child, str(listing)],
        )
    )
    ast_child = PARSE_CHILD.format(imports="import ast", parse="ast.parse")
    tools.append(
        Tool(
            "ast-cli", "ast parse, CLI-equivalent", [sys.executable, "-c", ast_child, str(listing)]
        )
    )

    import libcst  # noqa: PLC0415 - only needed for the in-process measurement

    def parse_libcst() -> None:
        for source in sources:
            try:
                libcst.parse_module(source)
            except Exception:  # noqa: BLE001 - a corpus may contain broken files
                pass

    def parse_ast() -> None:
        for source in sources:
            try:
                ast.parse(source)
            except (SyntaxError, ValueError):
                pass

    tools.append(Tool("libcst", "libcst parse, in-process", func=parse_libcst))
    tools.append(Tool("ast", "ast parse, in-process", func=parse_ast))
    return [t for t in tools if t.name not in skip]


def startup(
    rounds: int, workdir: Path, timeout: float, skip: set[str], xent: list[str] | None
) -> dict[str, object]:
    """Median wall time of ``xentlint check SMALL`` vs ``python -c "import libcst"``."""
    small = workdir / "small_script.py"
    small.write_text(SMALL_FILE, encoding="utf-8")
    tools = [
        Tool(
            "xentlint-small",
            "xentlint check small_script.py",
            [*(xent or ["xentlint"]), "check", "--no-cache", str(small)],
            ok_codes=(0, 1),
        ),
        Tool("import-libcst", 'python -c "import libcst"', [sys.executable, "-c", "import libcst"]),
        Tool("python", 'python -c "pass"', [sys.executable, "-c", "pass"]),
    ]
    if "xentlint" in skip:
        tools = tools[1:]
    else:
        tools[0].error = probe_xentlint(xent, workdir)
    for tool in tools:  # warm-up
        measure(tool, workdir, timeout)
        tool.reset()
    for r in range(rounds):
        for tool in tools[r % len(tools) :] + tools[: r % len(tools)]:
            measure(tool, workdir, timeout)
    result: dict[str, object] = {t.name: t.summary() for t in tools}
    x = tools[0].median() if tools[0].name == "xentlint-small" else None
    lib = next(t for t in tools if t.name == "import-libcst").median()
    result["ratio_xentlint_over_import_libcst"] = x / lib if x and lib else None
    return result


def ratio(a: Tool | None, b: Tool | None) -> dict[str, float | None]:
    """Ratios of the medians of wall time and of CPU time (None when one is missing)."""
    out: dict[str, float | None] = {"wall": None, "cpu": None}
    if a is None or b is None or a.error or b.error or not a.wall or not b.wall:
        return out
    out["wall"] = statistics.median(a.wall) / statistics.median(b.wall)
    out["cpu"] = statistics.median(a.cpu) / statistics.median(b.cpu)
    return out


def fmt_s(value: float | None) -> str:
    return "      -" if value is None else f"{value:7.3f}"


def report(
    meta: dict[str, object],
    tools: list[Tool],
    ratios: dict[str, dict[str, float | None]],
    start: dict[str, object] | None,
) -> None:
    print()
    print(f"corpus    {meta['folder']}")
    print(
        f"          {meta['files']} .py files, {meta['bytes'] / 1e6:.2f} MB, {meta['lines']} lines"
    )
    print(f"rounds    {meta['rounds']} (+1 warm-up), tool order rotated every round")
    print(
        f"machine   {meta['cpus']} CPUs, load {meta['load_before']} -> {meta['load_after']}, "
        f"Python {meta['python']}"
    )
    vers = ", ".join(f"{k} {v}" for k, v in meta["versions"].items())  # type: ignore[union-attr]
    print(f"versions  {vers}")
    print()
    print(f"{'':34} {'median s':>8} {'min s':>8} {'cpu s':>8} {'peak MB':>8} {'out lines':>9}")
    for t in tools:
        s = t.summary()
        if t.error:
            print(f"{t.label:34}  not measured: {t.error}")
            continue
        rss = f"{s['peak_rss_mb']:8.0f}" if s["peak_rss_mb"] else f"{'-':>8}"
        lines = f"{t.output_lines:9d}" if t.output_lines is not None else f"{'-':>9}"
        print(
            f"{t.label:34} {fmt_s(s['median_wall_s'])}  {fmt_s(s['min_wall_s'])}  "  # type: ignore[arg-type]
            f"{fmt_s(s['median_cpu_s'])} {rss} {lines}"
        )  # type: ignore[arg-type]
    print()
    print(f"ratios of medians {'wall':>33} {'cpu':>8}")
    for name, value in ratios.items():
        shown = ["-" if v is None else f"{v:.2f}" for v in (value["wall"], value["cpu"])]
        print(f"  {name:40} {shown[0]:>8} {shown[1]:>8}")
    if start:
        print()
        print(f"start-up (median of {meta['startup_rounds']} runs)")
        for key in ("xentlint-small", "import-libcst", "python"):
            entry = start.get(key)
            if not isinstance(entry, dict):
                continue
            if entry["error"]:
                print(f"  {entry['label']:40} not measured: {entry['error']}")
            else:
                print(f"  {entry['label']:40} {fmt_s(entry['median_wall_s'])} s")  # type: ignore[arg-type]
        value = start.get("ratio_xentlint_over_import_libcst")
        shown = "-" if value is None else f"{value:.2f}"
        print(f"  {'xentlint small / import libcst':40} {shown:>8}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Benchmark xentlint vs flake8 vs bare parsing.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "folder", nargs="?", type=Path, help="folder of .py files (default: 200 generated scripts)"
    )
    parser.add_argument("--rounds", type=int, default=7, help="timed rounds per tool (7)")
    parser.add_argument(
        "--startup-rounds",
        type=int,
        default=11,
        help="timed rounds for the start-up comparison (11; 0 skips it)",
    )
    parser.add_argument("--count", type=int, default=200, help="scripts to generate (200)")
    parser.add_argument("--seed", type=int, default=0, help="generator seed (0)")
    parser.add_argument("--keep", action="store_true", help="keep the generated folder")
    parser.add_argument(
        "--skip",
        default="",
        help="comma-separated tools to leave out: xentlint, flake8, "
        "libcst-cli, ast-cli, libcst, ast",
    )
    parser.add_argument(
        "--xentlint",
        metavar="CMD",
        help="command to run instead of the venv's xentlint, e.g. "
        "'python -m xentlint' (split like a shell would)",
    )
    parser.add_argument("--timeout", type=float, default=900, help="seconds per run (900)")
    parser.add_argument(
        "--json", metavar="PATH", help="also write the numbers as JSON ('-' for stdout)"
    )
    args = parser.parse_args(argv)
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}

    workdir = Path(tempfile.mkdtemp(prefix="xentlint-bench-"))
    try:
        folder = args.folder
        if folder is None:
            sys.path.insert(0, str(HERE))
            from gen_keras_scripts import generate  # noqa: PLC0415

            folder = workdir / "scripts"
            generate(folder, args.count, args.seed)
            print(f"generated {args.count} scripts (seed {args.seed}) in {folder}", file=sys.stderr)
        folder = folder.resolve()
        if not folder.is_dir():
            parser.error(f"not a folder: {folder}")
        files = collect_files(folder)
        if not files:
            parser.error(f"no .py files under {folder}")
        notebooks = sum(1 for _ in folder.rglob("*.ipynb"))
        if notebooks:
            print(
                f"note: {notebooks} notebooks in the folder: xentlint reads them, the "
                "others do not",
                file=sys.stderr,
            )

        xent = xentlint_command(args.xentlint)
        tools = make_tools(folder, files, workdir, skip, xent)
        meta: dict[str, object] = {
            "date": time.strftime("%Y-%m-%d %H:%M"),
            "folder": str(folder),
            "files": len(files),
            "bytes": sum(p.stat().st_size for p in files),
            "lines": sum(p.read_bytes().count(b"\n") for p in files),
            "notebooks": notebooks,
            "rounds": args.rounds,
            "startup_rounds": args.startup_rounds,
            "cpus": os.cpu_count(),
            "load_before": round(os.getloadavg()[0], 2),
            "python": platform.python_version(),
            "executable": sys.executable,
            "versions": {d: version(d) for d in ("xentlint", "libcst", "flake8")},
            "xentlint_command": xent,
        }
        print(f"warm-up, then {args.rounds} rounds over {len(files)} files ...", file=sys.stderr)
        for tool in tools:
            measure(tool, workdir, args.timeout)
            tool.reset()
        for r in range(args.rounds):
            shift = r % len(tools)
            for tool in tools[shift:] + tools[:shift]:
                measure(tool, workdir, args.timeout)
            print(f"  round {r + 1}/{args.rounds} done", file=sys.stderr)
        by_name: dict[str, Tool] = {t.name: t for t in tools}
        get = by_name.get
        ratios = {
            "xentlint / flake8": ratio(get("xentlint"), get("flake8")),
            "xentlint / libcst parse (CLI-equivalent)": ratio(get("xentlint"), get("libcst-cli")),
            "flake8 / ast parse (CLI-equivalent)": ratio(get("flake8"), get("ast-cli")),
            "libcst / ast, CLI-equivalent": ratio(get("libcst-cli"), get("ast-cli")),
            "libcst / ast, in-process": ratio(get("libcst"), get("ast")),
        }
        start = None
        if args.startup_rounds > 0:
            print(f"start-up: {args.startup_rounds} rounds ...", file=sys.stderr)
            start = startup(args.startup_rounds, workdir, args.timeout, skip, xent)
        meta["load_after"] = round(os.getloadavg()[0], 2)
        report(meta, tools, ratios, start)
        if args.json:
            data = {
                "meta": meta,
                "tools": {t.name: t.summary() for t in tools},
                "ratios": ratios,
                "startup": start,
            }
            text = json.dumps(data, indent=2)
            if args.json == "-":
                print(text)
            else:
                Path(args.json).write_text(text + "\n", encoding="utf-8")
        if args.folder is None and args.keep:
            kept = Path(tempfile.mkdtemp(prefix="xentlint-bench-scripts-"))
            shutil.copytree(folder, kept, dirs_exist_ok=True)
            print(f"kept the generated scripts in {kept}", file=sys.stderr)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
