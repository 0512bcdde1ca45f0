"""Parallel runs (``-j``) and the content cache: same findings, same order, fewer seconds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import pytest
from click.testing import CliRunner

import xentlint.parallel as parallel
from xentlint.cache import CACHE_DIR_NAME, Cache
from xentlint.cli import cli
from xentlint.config import Config
from xentlint.lint import check_paths, discover

# XEN103 at 2:49; XEN102 at 3:20 (the loss string of a linear 10-unit output).
ONE_UNIT = (
    "from tensorflow import keras\n"
    'model = keras.Sequential([keras.layers.Dense(1, activation="softmax")])\n'
)
LOGITS = (
    "from tensorflow import keras\n"
    "model = keras.Sequential([keras.layers.Dense(10)])\n"
    'model.compile(loss="sparse_categorical_crossentropy")\n'
)


def make_tree(root: Path, count: int = 30) -> Path:
    """``count`` files in nested folders: findings, clean files, a syntax error, binary."""
    for index in range(count):
        folder = root / f"pkg{index % 3}" / f"sub{index % 2}"
        folder.mkdir(parents=True, exist_ok=True)
        kind = index % 5
        text = {0: ONE_UNIT, 1: LOGITS, 2: "import os\nprint(os.sep)\n", 3: ONE_UNIT + LOGITS}
        path = folder / f"m{index:03d}.py"
        if kind == 4:
            path.write_bytes(f"x = (  # {index}\n".encode() if index % 2 else b"\x00bin%d" % index)
        else:
            path.write_text(text[kind] + f"# file {index}\n")
    return root


@pytest.fixture
def force_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "MIN_FILES_FOR_POOL", 1)
    monkeypatch.setattr(parallel, "MIN_SECONDS_FOR_POOL", 0.0)


def key(diagnostics: list) -> list[tuple[str, int, int, str, str]]:  # type: ignore[type-arg]
    return [(d.path, d.line, d.column, d.code, d.message) for d in diagnostics]


# --------------------------------------------------------------------------- parallel


def test_pool_gives_the_sequential_result(tmp_path: Path, force_pool: None) -> None:
    tree = make_tree(tmp_path / "tree")
    sequential = check_paths([str(tree)], jobs=1)
    pooled = check_paths([str(tree)], jobs=2)
    assert pooled.files == sequential.files == 30
    assert pooled.errors == sequential.errors == []
    assert key(pooled.diagnostics) == key(sequential.diagnostics)
    # 6 files of each kind: kinds 0 and 3 have XEN103, 1 and 3 XEN102, 4 XEN901 or XEN902
    counts: dict[str, int] = {}
    for d in sequential.diagnostics:
        counts[d.code] = counts.get(d.code, 0) + 1
    assert counts == {"XEN103": 12, "XEN102": 12, "XEN901": 3, "XEN902": 3}


def test_outcomes_keep_the_order_of_the_files(tmp_path: Path, force_pool: None) -> None:
    tree = make_tree(tmp_path / "tree", count=20)
    files, _ = discover([str(tree)], Config())
    outcomes = parallel.lint_files(files, Config(), jobs=2)
    assert len(outcomes) == len(files)
    for (_, display), outcome in zip(files, outcomes, strict=True):
        assert all(d.path == display for d in outcome.diagnostics)


def test_errors_in_workers_are_collected(
    tmp_path: Path, force_pool: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = make_tree(tmp_path / "tree", count=10)
    (tree / "boom.py").write_text("CRASH = 'softmax'\n")  # analysed, not prefiltered
    from xentlint import static

    real = static.analyze_source

    def analyze(source: str, *args: object) -> list:  # type: ignore[type-arg]
        if "CRASH" in source:
            raise RuntimeError("analyzer exploded")
        return real(source, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(static, "analyze_source", analyze)  # inherited by forked workers
    report = check_paths([str(tree)], jobs=2)
    assert report.files == 11
    assert report.errors == [f"{tree / 'boom.py'}: internal error: RuntimeError: analyzer exploded"]
    assert len(report.diagnostics) == len(check_paths([str(tree)], jobs=1).diagnostics)


def test_a_crashing_worker_does_not_crash_the_run(
    tmp_path: Path, force_pool: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = make_tree(tmp_path / "tree", count=10)
    expected = len(check_paths([str(tree)], jobs=1).diagnostics)
    (tree / "die.py").write_text("DIE = 'softmax'\n")
    from xentlint import static

    real = static.analyze_source

    def analyze(source: str, *args: object) -> list:  # type: ignore[type-arg]
        if "DIE" in source:
            os._exit(3)  # what a segfault looks like to the pool
        return real(source, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(static, "analyze_source", analyze)
    files, _ = discover([str(tree)], Config())
    outcomes = parallel.lint_files(files, Config(), jobs=2)
    errors = {display: o.error for (_, display), o in zip(files, outcomes, strict=True)}
    crashed = str(tree / "die.py")
    assert errors.pop(crashed) == f"{crashed}: internal error: the worker crashed"
    assert set(errors.values()) == {None}  # every other file was linted
    found = [d for o in outcomes for d in o.diagnostics]
    assert len(found) == expected


def test_pool_is_used_only_when_it_pays(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = parallel._run_pool

    def spy(tasks, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(len(tasks))
        return real(tasks, *args, **kwargs)

    monkeypatch.setattr(parallel, "_run_pool", spy)
    few = make_tree(tmp_path / "few", count=5)
    check_paths([str(few)], jobs=2)
    assert calls == []  # fewer than MIN_FILES_FOR_POOL files
    tiny = tmp_path / "tiny"
    tiny.mkdir()
    for index in range(50):
        (tiny / f"t{index}.py").write_text(f"x = {index}\n")
    check_paths([str(tiny)], jobs=2)
    assert calls == []  # 50 one-line files: far less work than starting a pool
    seconds, analysed = parallel.estimate([b"x = 1\n"] * 50)
    assert seconds < parallel.MIN_SECONDS_FOR_POOL and not analysed
    many = tmp_path / "many"
    many.mkdir()
    for index in range(40):  # 40 files of 12 KB with losses: ~2 s of work
        (many / f"k{index}.py").write_text(LOGITS * 100)
    check_paths([str(many)], jobs=2)
    assert calls == [40]
    check_paths([str(many)], jobs=1)
    assert calls == [40]


def test_cli_output_is_identical_for_any_jobs(tmp_path: Path) -> None:
    tree = make_tree(tmp_path / "tree", count=40)
    outputs = []
    for jobs in ("1", "2", "3"):
        argv = [sys.executable, "-c", _FORCED_POOL, "--no-cache", "-j", jobs, str(tree)]
        result = subprocess.run(argv, capture_output=True, text=True, timeout=120)
        assert result.returncode == 1, result.stderr
        outputs.append(result.stdout)
    assert outputs[0] == outputs[1] == outputs[2]
    # 8 + 8 + 2 * 8 + 8 findings, the summary and the line on fixes
    assert outputs[0].count("\n") == 42


_FORCED_POOL = (
    "import sys, xentlint.parallel as p\n"
    "p.MIN_FILES_FOR_POOL = 1\n"
    "p.MIN_SECONDS_FOR_POOL = 0\n"
    "from xentlint.cli import main\n"
    "main(['check', *sys.argv[1:]])\n"
)


# --------------------------------------------------------------------------- cache


def test_cache_hits_give_the_same_findings(tmp_path: Path) -> None:
    tree = make_tree(tmp_path / "tree", count=15)
    cache = Cache.open(Config(), tmp_path / "cache")
    files, _ = discover([str(tree)], Config())
    cold = parallel.lint_files(files, Config(), cache=cache)
    warm = parallel.lint_files(files, Config(), cache=cache)
    assert not any(o.cached for o in cold)
    assert all(o.cached for o in warm)  # binary content (XEN902) too: it is the content's
    assert [key(o.diagnostics) for o in warm] == [key(o.diagnostics) for o in cold]
    # every field survives the round trip, those left out of == too (cell, fix_safety...)
    assert [[asdict(d) for d in o.diagnostics] for o in warm] == [
        [asdict(d) for d in o.diagnostics] for o in cold
    ]
    assert (tmp_path / "cache" / ".gitignore").read_text().splitlines()[-1] == "*"
    assert (tmp_path / "cache" / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f59")


def test_changed_content_or_config_misses(tmp_path: Path) -> None:
    path = tmp_path / "a.py"
    path.write_text(ONE_UNIT)
    files = [(path, "a.py")]
    base = Config()
    cache = Cache.open(base, tmp_path / "cache")
    [first] = parallel.lint_files(files, base, cache=cache)
    assert [d.code for d in first.diagnostics] == ["XEN103"] and not first.cached
    path.write_text(ONE_UNIT + "x = 1\n")
    [second] = parallel.lint_files(files, base, cache=cache)
    assert not second.cached
    ignoring = base.with_overrides(ignore=("XEN103",))
    other = Cache.open(ignoring, tmp_path / "cache")
    assert other.salt != cache.salt
    [third] = parallel.lint_files(files, ignoring, cache=other)
    assert third.diagnostics == [] and not third.cached
    per_file = Config(per_file_ignores=(("a.py", ("XEN103",)),), root=tmp_path)
    data = path.read_bytes()
    assert cache.key(data, str(path), per_file) != cache.key(data, str(tmp_path / "b.py"), per_file)
    assert cache.key(data, "x.py", base) != cache.key(data, "x.ipynb", base)


def test_identical_files_share_an_entry_with_their_own_paths(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(ONE_UNIT)
    (tmp_path / "b.py").write_text(ONE_UNIT)
    cache = Cache.open(Config(), tmp_path / "cache")
    files = [(tmp_path / "a.py", "a.py"), (tmp_path / "b.py", "b.py")]
    outcomes = parallel.lint_files(files, Config(), cache=cache)
    assert [o.cached for o in outcomes] == [False, True]
    assert [d.path for o in outcomes for d in o.diagnostics] == ["a.py", "b.py"]
    assert len(list(cache.entries.rglob("*"))) == 2  # one shard folder, one entry


def test_corrupt_entries_are_misses(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(ONE_UNIT)
    cache = Cache.open(Config(), tmp_path / "cache")
    files = [(tmp_path / "a.py", "a.py")]
    parallel.lint_files(files, Config(), cache=cache)
    [entry] = [p for p in cache.entries.rglob("*") if p.is_file()]
    for garbage in (b"{not json", b'[{"line": 1}]', b"[1, 2]", b"\xff\xfe"):
        entry.write_bytes(garbage)
        [outcome] = parallel.lint_files(files, Config(), cache=cache)
        assert not outcome.cached
        assert [d.code for d in outcome.diagnostics] == ["XEN103"]


def test_unusable_cache_folder_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(ONE_UNIT)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    cache = Cache.open(Config(), blocker / "cache")  # cannot be created under a file
    files = [(tmp_path / "a.py", "a.py")]
    for _ in range(2):
        [outcome] = parallel.lint_files(files, Config(), cache=cache)
        assert [d.code for d in outcome.diagnostics] == ["XEN103"] and not outcome.cached


def test_failed_cache_write_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.py").write_text(ONE_UNIT)
    cache = Cache.open(Config(), tmp_path / "cache")
    files = [(tmp_path / "a.py", "a.py")]
    import xentlint.cache as cache_module

    def full(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cache_module.os, "replace", full)
    [outcome] = parallel.lint_files(files, Config(), cache=cache)
    assert [d.code for d in outcome.diagnostics] == ["XEN103"]
    monkeypatch.undo()
    left = [p.name for p in (tmp_path / "cache").rglob("*") if p.is_file()]
    assert sorted(left) == []  # not even .gitignore: its own write failed the same way


def test_cli_cache_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.py").write_text(ONE_UNIT)
    runner = CliRunner()
    first = runner.invoke(cli, ["check", "--no-cache", "a.py"])
    assert first.exit_code == 1
    assert not (tmp_path / CACHE_DIR_NAME).exists()
    second = runner.invoke(cli, ["check", "a.py"])
    assert second.exit_code == 1 and second.stdout == first.stdout
    assert (tmp_path / CACHE_DIR_NAME / ".gitignore").is_file()
    third = runner.invoke(cli, ["check", "--cache-dir", "elsewhere", "a.py"])
    assert third.stdout == first.stdout
    assert (tmp_path / "elsewhere" / "CACHEDIR.TAG").is_file()
    # the default cache sits next to the config file, wherever the command runs from
    (tmp_path / "pyproject.toml").write_text("[tool.xentlint]\nignore = []\n")
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    runner.invoke(cli, ["check", "../a.py"])
    assert not (tmp_path / "sub" / CACHE_DIR_NAME).exists()


def test_concurrent_runs_share_the_cache_safely(tmp_path: Path) -> None:
    tree = make_tree(tmp_path / "tree", count=40)
    expected = subprocess.run(
        [sys.executable, "-m", "xentlint", "check", "--no-cache", "-j1", str(tree)],
        capture_output=True, text=True, timeout=120,
    ).stdout  # fmt: skip
    cache = tmp_path / "cache"
    argv = [sys.executable, "-m", "xentlint", "check", "-j1", "--cache-dir", str(cache), str(tree)]
    for _ in range(2):  # cold (racing writers), then warm (racing readers)
        runs = [subprocess.Popen(argv, stdout=subprocess.PIPE, text=True) for _ in range(3)]
        outputs = [run.communicate(timeout=120)[0] for run in runs]
        assert outputs == [expected] * 3
    assert not [p for p in cache.rglob("*.tmp")]


def test_json_output_from_the_cache_is_identical(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    make_tree(tmp_path / "tree", count=10)
    runner = CliRunner()
    args = ["check", "--output-format", "json", "tree"]
    cold = runner.invoke(cli, args).stdout
    warm = runner.invoke(cli, args).stdout
    assert json.loads(cold) == json.loads(warm) and json.loads(cold)


def test_schedule_spreads_big_files_between_small_ones() -> None:
    big = [(i, Path(f"b{i}.py"), f"b{i}.py", 1.0 + i) for i in range(3)]  # 1, 2, 3 s
    small = [(10 + i, Path(f"s{i}.py"), f"s{i}.py", 0.1) for i in range(100)]
    chunks = parallel.schedule([*small, *big], workers=2)
    flat = [task for chunk in chunks for task in chunk]
    assert sorted(flat) == sorted([*small, *big])  # every task exactly once
    assert [chunk[0][0] for chunk in chunks if chunk[0][3] >= 1] == [2, 1, 0]  # costliest first
    starts = [n for n, chunk in enumerate(chunks) if chunk[0][3] >= parallel.BIG_SECONDS]
    for start, task in zip(starts, [big[2], big[1], big[0]], strict=True):
        assert chunks[start] == [task]  # alone in its chunk
        following = chunks[start + 1 : start + 1 + 50]
        small_after = []
        for chunk in following:
            if chunk[0][3] >= parallel.BIG_SECONDS:
                break
            small_after.extend(chunk)
        # about as much small work after it as the big file itself (one other worker)
        assert sum(t[3] for t in small_after) >= task[3] - 1e-9
