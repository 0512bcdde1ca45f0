"""How long CPython's and LibCST's parsers take on pathological shapes, against the estimate
that decides "too complex to analyse" (:func:`xentlint.guard.complexity`).

Each shape is generated at a few sizes and timed in a fresh subprocess (CPU seconds of
``compile()`` and of ``libcst.parse_module``, which runs on a deep enough stack); next to it
the estimated work in units of :data:`xentlint.guard.COMPLEXITY_BUDGET` and the ratio of
measured LibCST microseconds to the estimate. A ratio below 1 means the estimate is an upper
bound of the extra cost; shapes whose cost is linear in their size (their work estimate is
about 0) show the parse cost the size limit bounds.

Usage: ``python bench/bench_complexity.py [--shapes a,b] [--timeout 120] [--json PATH]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Callable

HEAD = "import keras\n# softmax\na = b = y = 1\n"


def _repeat(unit: str, count: int, before: str = "", after: str = "", sep: str = "") -> str:
    return HEAD + before + sep.join([unit] * count) + after


def _nested(opening: str, closing: str, depth: int, lines: int) -> str:
    return HEAD + ("x = " + opening * depth + "a" + closing * depth + "\n") * lines


#: name -> (generator of a source from a size parameter, sizes)
SHAPES: dict[str, tuple[Callable[[int], str], tuple[int, ...]]] = {
    "one f-string, n fields {a}": (
        lambda n: _repeat("{a}", n, "x = f'", "'\n"),
        (8_000, 16_000, 32_000),
    ),
    "one f-string, n fields {a:{b}}": (
        lambda n: _repeat("{a:{b}}", n, "x = f'", "'\n"),
        (8_000, 16_000, 32_000),
    ),
    "n lines of f'{a:{b}}'": (lambda n: _repeat("x = f'{a:{b}}'\n", n), (10_000, 20_000)),
    "a + a + ... (n)": (lambda n: _repeat(" + a", n, "x = a", "\n"), (1_000, 2_000, 3_000)),
    "a.b().b()... (n)": (lambda n: _repeat(".b()", n, "x = a", "\n"), (500, 1_000, 1_500)),
    "a[0][0]... (n)": (lambda n: _repeat("[0]", n, "x = a", "\n"), (500, 1_000, 2_000)),
    "a(a)(a)... (n)": (lambda n: _repeat("(a)", n, "x = a", "\n"), (500, 1_000, 2_000)),
    "a if a else ... (n)": (lambda n: _repeat(" if a else a", n, "x = a", "\n"), (500, 1_000)),
    '"a" +\\n "a" + ... (n lines)': (
        lambda n: _repeat("'a' +\n", n, "x = (", "'a')\n"),
        (1_000, 2_000),
    ),
    "100 lines, [[[a]]] depth n": (lambda n: _nested("[", "]", n, 100), (25, 50, 100)),
    "100 lines, f(f(a)) depth n": (lambda n: _nested("f(", ")", n, 100), (25, 50, 100)),
    "dict literal, n items": (lambda n: _repeat("1: 2", n, "x = {", "}\n", ", "), (20_000, 60_000)),
    "call with n arguments": (lambda n: _repeat("a", n, "x = f(", ")\n", ", "), (20_000, 60_000)),
    "n decorators": (lambda n: _repeat("@a\n", n, "", "def f(): pass\n"), (20_000, 60_000)),
    "n statements": (lambda n: _repeat("x = 1\n", n), (20_000, 60_000)),
    "n model.add(Dense) lines": (
        lambda n: _repeat("m.add(keras.layers.Dense(10))\n", n, "m = keras.Sequential()\n"),
        (5_000, 15_000),
    ),
}

_CHILD = """
import json, sys, time, warnings
warnings.simplefilter("ignore")
source = sys.stdin.read()
from xentlint.guard import complexity, parse_module
out = {"bytes": len(source)}
start = time.process_time()
estimate = complexity(source)
out["estimate_seconds"] = time.process_time() - start
out["work"] = estimate.work
start = time.process_time()
try:
    compile(source, "<bench>", "exec", dont_inherit=True)
    out["compile"] = "ok"
except (SyntaxError, RecursionError, MemoryError, ValueError) as exc:
    out["compile"] = type(exc).__name__
out["compile_seconds"] = time.process_time() - start
start = time.process_time()
try:
    parse_module(source)
    out["libcst"] = "ok"
except Exception as exc:
    out["libcst"] = type(exc).__name__
out["libcst_seconds"] = time.process_time() - start
print(json.dumps(out))
"""


def measure(source: str, timeout: float) -> dict[str, object]:
    try:
        done = subprocess.run(
            [sys.executable, "-c", _CHILD],
            input=source,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return {"bytes": len(source), "timeout": timeout}
    if done.returncode != 0:
        return {"bytes": len(source), "error": done.stderr.strip().splitlines()[-1:]}
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shapes", help="comma-separated substrings of shape names")
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--json", help="write the rows here")
    args = parser.parse_args()
    wanted = [w.strip() for w in args.shapes.split(",")] if args.shapes else None
    rows = []
    print(
        f"{'shape':34} {'n':>7} {'KB':>6} {'work':>11} {'compile s':>9} "
        f"{'libcst s':>8} {'us/work':>7} {'scan s':>6}"
    )
    for name, (generate, sizes) in SHAPES.items():
        if wanted and not any(w in name for w in wanted):
            continue
        for size in sizes:
            row = {"shape": name, "n": size, **measure(generate(size), args.timeout)}
            rows.append(row)
            if "timeout" in row or "error" in row:
                print(f"{name:34} {size:7} {row['bytes'] / 1024:6.0f} {row}")
                continue
            work = float(row["work"])  # type: ignore[arg-type]
            seconds = float(row["libcst_seconds"])  # type: ignore[arg-type]
            ratio = f"{seconds * 1e6 / work:7.2f}" if work else "      -"
            print(
                f"{name:34} {size:7} {row['bytes'] / 1024:6.0f} {work:11.0f} "  # type: ignore[operator]
                f"{row['compile_seconds']:9.3f} {seconds:8.3f} {ratio} "
                f"{row['estimate_seconds']:6.3f}"
            )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(rows, handle, indent=1)


if __name__ == "__main__":
    main()
