"""Lint real code at scale: the standard library (test data with broken files included) and
the installed keras package. No traceback, exit 0 or 1, and exactly the files that CPython
refuses to compile are reported as XEN901/XEN902.

Marked ``robustness`` (about 30 s on 2 cores): CI runs it, ``-m "not robustness"`` skips it.
The runs use ``XENTLINT_DEBUG=1``, so an interpreter bug surfaces as an internal error
(exit 2) instead of being swallowed.

Unparsable means: ``compile()`` of the file's bytes fails, which is what XEN901 promises:
the parser's errors and the compiler's (in CPython 3.11's standard library, the eight
``test/test_future_stmt/badsyntax_future*.py`` with a misplaced or unknown ``__future__``
import are refused only by the compiler).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import sysconfig
import warnings
from pathlib import Path

import pytest

pytestmark = pytest.mark.robustness

STDLIB = Path(sysconfig.get_paths()["stdlib"])
EXCLUDED = "site-packages"


def _walk(top: Path) -> list[Path]:
    """The files xentlint lints under ``top`` with ``exclude = ["site-packages"]``."""
    found = []
    for folder, dirs, names in os.walk(top):
        dirs[:] = [d for d in dirs if d != EXCLUDED]
        for name in names:
            path = Path(folder, name)
            if name.endswith((".py", ".ipynb")) and path.is_file():
                found.append(path)
    return found


def _unparsable(files: list[Path]) -> set[str]:
    bad = set()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for path in files:
            if path.suffix != ".py":
                continue
            try:  # CPython's own verdict on the raw bytes, compiler errors included
                compile(path.read_bytes(), str(path), "exec", dont_inherit=True)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                bad.add(os.path.normpath(path))
    return bad


def _lint(top: Path, tmp_path: Path) -> tuple[subprocess.Popen[str], Path]:
    config = tmp_path / "xentlint.toml"
    config.write_text(f'exclude = ["{EXCLUDED}"]\n')
    out = tmp_path / "out.json"
    argv = [
        sys.executable, "-m", "xentlint", "check", str(top), "--config", str(config),
        "--output-format", "json", "--no-cache", "-j", "2",
    ]  # fmt: skip
    env = {**os.environ, "XENTLINT_DEBUG": "1"}
    with out.open("w") as handle:
        process = subprocess.Popen(argv, stdout=handle, stderr=subprocess.PIPE, text=True, env=env)
    return process, out


def _check(top: Path, tmp_path: Path) -> tuple[set[str], list[dict[str, object]]]:
    process, out = _lint(top, tmp_path)
    files = _walk(top)  # the parent computes the truth while the linter runs
    unparsable = _unparsable(files)
    _, stderr = process.communicate(timeout=600)
    assert "Traceback" not in stderr, stderr[-3000:]
    assert "internal error" not in stderr, stderr[-3000:]
    assert process.returncode in (0, 1), stderr[-3000:]
    diagnostics = json.loads(out.read_text())
    reported = {d["path"] for d in diagnostics if d["code"] in ("XEN901", "XEN902")}
    assert reported == unparsable, (
        f"parser rejects, not reported: {sorted(unparsable - reported)}; "
        f"reported, parser accepts: {sorted(reported - unparsable)}"
    )
    assert len(files) > 0
    return unparsable, diagnostics


def test_standard_library(tmp_path: Path) -> None:
    unparsable, _ = _check(STDLIB, tmp_path)
    if sys.version_info[:2] == (3, 11):  # what the broken test data of 3.11 holds
        names = {Path(p).name for p in unparsable}
        assert {"py2_test_grammar.py", "bad_coding.py", "badsyntax_3131.py"} <= names


def test_keras_package(tmp_path: Path) -> None:
    spec = importlib.util.find_spec("keras")  # finds the folder without importing keras
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("keras is not installed")
    top = Path(next(iter(spec.submodule_search_locations)))
    unparsable, diagnostics = _check(top, tmp_path)
    assert unparsable == set()
    # keras's own source is mostly clean; every finding is a known rule with a position
    assert all(d["line"] >= 1 and d["column"] >= 1 for d in diagnostics)
