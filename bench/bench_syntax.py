"""Time the ways of finding syntax errors on a folder of ``.py`` files.

The syntax check runs on every file, relevant or not, so its cost is paid on the whole
tree. Three routes, each over all files, medians of ``--rounds`` rounds (in-process, after
one warm-up round):

* ``ast.parse``: the parser only (what xentlint ran before it reported compiler errors);
* ``compile(source)``: parser and compiler, no Python objects for the tree (xentlint now);
* ``ast.parse`` + ``compile(tree)``: both, reusing the tree.

Usage: ``python bench/bench_syntax.py FOLDER [--rounds 7]``.
"""

from __future__ import annotations

import argparse
import ast
import statistics
import time
import warnings
from collections.abc import Callable
from pathlib import Path


def _sources(folder: Path) -> list[str]:
    out = []
    for path in sorted(folder.rglob("*.py")):
        try:
            out.append(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            continue
    return out


def _time(sources: list[str], route: Callable[[str], object], rounds: int) -> float:
    def one_round() -> float:
        start = time.perf_counter()
        for source in sources:
            try:
                route(source)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                pass
        return time.perf_counter() - start

    one_round()
    return statistics.median(one_round() for _ in range(rounds))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    sources = _sources(args.folder)
    size = sum(len(s) for s in sources) / 1e6
    print(f"{len(sources)} files, {size:.2f} MB, medians of {args.rounds} rounds")
    routes: dict[str, Callable[[str], object]] = {
        "ast.parse": ast.parse,
        "compile(source)": lambda s: compile(s, "<bench>", "exec", dont_inherit=True),
        "ast.parse + compile(tree)": lambda s: compile(
            ast.parse(s), "<bench>", "exec", dont_inherit=True
        ),
    }
    base = None
    for name, route in routes.items():
        seconds = _time(sources, route, args.rounds)
        base = base or seconds
        print(f"{name:28} {seconds:7.3f} s  {seconds / base:5.2f} x ast.parse")


if __name__ == "__main__":
    main()
