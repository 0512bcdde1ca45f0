"""Time the language server's code actions, in process (no editor, no JSON-RPC).

For every ``.py`` file with findings under FOLDER (default: the repository's ``fixtures``),
at its first finding and away from any finding, it times what the server computes for
each kind of code action request, and the fix analysis alone (``xentlint.fix.code_actions``,
which is all the server computed for every request before the fix-all and noqa actions):

    .venv/bin/python bench/bench_lsp.py [FOLDER] [--rounds N]

Each figure is the best of N rounds per file; the table shows the median and the maximum
over the files, and the ratio of medians to the fix analysis alone.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from lsprotocol import types

from xentlint.fix import code_actions as find_fixes
from xentlint.lint import lint_source
from xentlint.lsp import worker

ROOT = Path(__file__).resolve().parent.parent


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def best(call: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return min(times)


def time_file(path: Path, text: str, root: Path, rounds: int) -> dict[str, float]:
    """Best-of-``rounds`` seconds of each request on one file with findings."""
    first = lint_source(text, str(path))[0]
    snapshot = worker.Snapshot(key="doc", path=path.resolve(), root=root, generation=1, text=text)
    at = types.Position(first.line - 1, first.column - 1)
    here = types.Range(at, at)
    away = types.Range(types.Position(10**6, 0), types.Position(10**6, 0))
    cases: dict[str, Callable[[], object]] = {
        "fix analysis alone (before)": lambda: find_fixes(text, path=str(path)),
        "quickfix, cursor away": lambda: worker.code_actions(
            snapshot, "doc", away, utf16, only=["quickfix"]
        ),
        "quickfix, at a finding": lambda: worker.code_actions(
            snapshot, "doc", here, utf16, only=["quickfix"]
        ),
        "every kind, at a finding": lambda: worker.code_actions(snapshot, "doc", here, utf16),
        "source.fixAll only": lambda: worker.code_actions(
            snapshot, "doc", here, utf16, only=["source.fixAll"]
        ),
    }
    out = {}
    for name, call in cases.items():
        call()  # warm-up
        out[name] = best(call, rounds)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", type=Path, default=ROOT / "fixtures")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    rows: dict[str, list[float]] = {}
    files = 0
    for path in sorted(args.folder.rglob("*.py")):
        text = path.read_text(encoding="utf-8", errors="replace")
        if not lint_source(text, str(path)):
            continue
        files += 1
        for name, seconds in time_file(path, text, args.folder, args.rounds).items():
            rows.setdefault(name, []).append(seconds)
    if not files:
        raise SystemExit(f"no file with findings under {args.folder}")
    base = statistics.median(rows["fix analysis alone (before)"])
    print(f"{files} files with findings, best of {args.rounds} rounds each")
    print(f"{'request':32} {'median ms':>10} {'max ms':>8} {'ratio':>6}")
    for name, values in rows.items():
        median = statistics.median(values)
        print(f"{name:32} {median * 1000:10.1f} {max(values) * 1000:8.1f} {median / base:6.2f}")


if __name__ == "__main__":
    main()
