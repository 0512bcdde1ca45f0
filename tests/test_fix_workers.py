"""``--fix`` in the worker pool, one analysis per round (issue 12).

The analysis that finds a file's findings is the one its fixes are planned from, and the
round that fixes nothing is the report of what is left; ``-j2`` writes and prints exactly
what ``-j1`` does; a file that another file's fix edits is written by one process only.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from xentlint import parallel
from xentlint.cli import cli
from xentlint.fix import command
from xentlint.fix.engine import fix_source
from xentlint.lint import lint_source
from xentlint.static import analyze

LINEAR = (
    "import keras\n"
    "model = keras.Sequential([keras.layers.Dense(10)])\n"
    'model.compile(loss="categorical_crossentropy")\n'
)  # XEN102, a safe fix (from_logits=True)
CLEAN = LINEAR.replace("Dense(10)", 'Dense(10, activation="softmax")')
UNFIXABLE = CLEAN.replace(  # XEN101, whose fix is unsafe: nothing to fix without --unsafe-fixes
    'loss="categorical_crossentropy"', "loss=keras.losses.CategoricalCrossentropy(from_logits=True)"
)
MODELS = (
    "from tensorflow import keras\n"
    "\n"
    "\n"
    "def build(n):\n"
    '    return keras.Sequential([keras.layers.Dense(n, activation="softmax")])\n'
)
TRAIN = (
    "from tensorflow import keras\n"
    "from models import build\n"
    "\n"
    "model = build(10)\n"
    "model.compile(loss=keras.losses.CategoricalCrossentropy(from_logits=True))\n"
)  # XEN101 found here, fixed in models.py (unsafe)


@pytest.fixture
def analyses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The sources the static front end parses and interprets, one entry per analysis."""
    seen: list[str] = []
    real = analyze._interpret

    def counted(source: str, *args: object) -> object:
        seen.append(source)
        return real(source, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(analyze, "_interpret", counted)
    return seen


def test_a_fixed_file_is_analysed_once_per_round(analyses: list[str]) -> None:
    result = fix_source(LINEAR)
    assert result.changed and [fix.code for fix in result.applied] == ["XEN102"]
    # round 1 finds and fixes; round 2 finds nothing to fix and is the report
    assert analyses == [LINEAR, result.text]
    assert result.remaining == lint_source(result.text)


@pytest.mark.parametrize("source", [UNFIXABLE, CLEAN])
def test_a_file_with_nothing_to_fix_is_analysed_once(source: str, analyses: list[str]) -> None:
    result = fix_source(source)
    assert not result.changed
    assert analyses == [source]
    assert result.remaining == lint_source(source)
    assert bool(result.remaining) == (source == UNFIXABLE)


def tree(root: Path) -> Path:
    """Enough files for a pool: fixable, unfixable, clean, a syntax error, and a project
    whose train.py gets fixed in models.py."""
    root.mkdir()
    for index in range(6):
        (root / f"linear{index}.py").write_text(LINEAR + f"# {index}\n")
        (root / f"other{index}.py").write_text((UNFIXABLE, CLEAN)[index % 2] + f"# {index}\n")
    (root / "broken.py").write_text("model.compile(loss='categorical_crossentropy'\n")
    (root / "models.py").write_text(MODELS)
    (root / "train.py").write_text(TRAIN)
    return root


def contents(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(root.iterdir()) if p.is_file()}


def run_in(folder: Path, *args: str) -> tuple[int, str, str]:
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        result = CliRunner().invoke(cli, ["check", "--no-cache", *args, "."])
    finally:
        os.chdir(cwd)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def pool_used(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Pools for any work, and how many results each pool gave back."""
    monkeypatch.setattr(parallel, "MIN_SECONDS_FOR_POOL", 0.0)
    sizes: list[int] = []
    real = parallel.run_in_pool

    def recorded(*args: object, **kwargs: object) -> dict[int, object]:
        done = real(*args, **kwargs)  # type: ignore[arg-type]
        sizes.append(len(done))
        return done

    monkeypatch.setattr(parallel, "run_in_pool", recorded)
    return sizes


@pytest.mark.parametrize(
    "options", [("--fix", "--unsafe-fixes"), ("--fix",), ("--diff", "--unsafe-fixes")]
)
def test_fixing_in_workers_writes_and_prints_what_one_process_does(
    tmp_path: Path, pool_used: list[int], options: tuple[str, ...]
) -> None:
    one = tree(tmp_path / "one")
    two = tmp_path / "two"
    shutil.copytree(one, two)
    before = contents(one)
    alone = run_in(one, "-j1", "--show-fixes", *options)
    assert pool_used == []  # -j1: no pool
    together = run_in(two, "-j2", "--show-fixes", *options)
    assert pool_used and pool_used[0] == len(before)  # the first pass ran in the workers
    assert together == alone
    assert contents(two) == contents(one)
    if "--diff" in options:
        assert contents(one) == before
        assert "+++ models.py" in alone[1]
    else:
        assert contents(one)["linear0.py"] != before["linear0.py"]
    if "--unsafe-fixes" in options and "--diff" not in options:
        # the project's fix is in models.py; what is left is reported from the fixed tree
        assert b'activation="softmax"' not in contents(two)["models.py"]
        assert "XEN101" not in run_in(two, "--select", "XEN101")[1]  # nothing of it left


def test_a_file_that_another_fix_edits_is_written_by_one_process(
    tmp_path: Path, pool_used: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tree(tmp_path / "tree")
    log = tmp_path / "writes.log"
    real = command.atomic_write
    files_module = __import__("xentlint.fix.files", fromlist=["atomic_write"])
    real_other = files_module.atomic_write

    def logged(real_write):  # type: ignore[no-untyped-def]
        def write(path: Path, data: bytes) -> None:
            with open(log, "a", encoding="utf-8") as handle:  # appends from any process
                handle.write(f"{os.getpid()} {Path(path).name}\n")
            real_write(path, data)

        return write

    monkeypatch.setattr(command, "atomic_write", logged(real))
    monkeypatch.setattr(files_module, "atomic_write", logged(real_other))
    status, _, _ = run_in(root, "-j2", "--fix", "--unsafe-fixes")
    assert pool_used and pool_used[0] == len(contents(root))
    writes = [line.split() for line in log.read_text().splitlines()]
    written = [name for _, name in writes]
    assert sorted(written) == sorted({*written})  # no file written twice
    assert "models.py" in written and f"linear{0}.py" in written
    # models.py is written by train.py's fix, in the second pass: in this process, after
    # the workers are done with every file that does not share one
    [(pid, _)] = [w for w in writes if w[1] == "models.py"]
    assert int(pid) == os.getpid()
    assert any(int(p) != os.getpid() for p, name in writes if name.startswith("linear"))
    assert status in (0, 1)
