"""What a run imports when the files need no analysis (issue 11 section 5), and the rule
catalog's memo that makes that possible (:mod:`xentlint.rule_memo`).

The import tests run the command line in a fresh interpreter with ``-X importtime`` and read
the names of the modules it imported. Timing is measured in ``bench/bench_startup.py``.
"""

from __future__ import annotations

import dataclasses
import marshal
import os
import subprocess
import sys
from pathlib import Path

import pytest

from xentlint import parallel, rule_memo
from xentlint.checks import registry
from xentlint.config import Config
from xentlint.formats import FORMATTERS, PROVIDERS
from xentlint.lint import check_paths
from xentlint.rule import Rule

PLAIN = "import os\n\n\ndef main():\n    print(os.getcwd())\n"
FINDING = (
    "from tensorflow import keras\n"
    "model = keras.Sequential([keras.layers.Dense(10, activation='softmax')])\n"
    "model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))\n"
)
#: What a run that analyses nothing must not import: the static front end (LibCST), the
#: rule modules, the fixer, the runtime front end and its libraries, the worker pool, the
#: machine-readable output formats.
HEAVY = (
    "libcst",
    "xentlint.static",
    "xentlint.checks",
    "xentlint.fix",
    "xentlint.runtime.check",
    "tensorflow",
    "keras",
    "numpy",
    "concurrent.futures.process",
    "xentlint.ci_output",
)


def run_cli(args: list[str], cwd: Path, pycache: Path) -> tuple[int, str, set[str]]:
    """Exit status, stdout and the imported modules of ``xentlint ARGS`` in a new process,
    with byte code (and the rule memo) written under ``pycache``, as an installed package."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "xentlint", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    modules = set()
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and line.count("|") == 2:
            modules.add(line.rsplit("|", 1)[1].strip())
    assert modules, done.stderr  # -X importtime did report
    return done.returncode, done.stdout, modules


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


def test_a_file_without_keras_imports_no_analyzer(tmp_path: Path) -> None:
    (tmp_path / "plain.py").write_text(PLAIN)
    pycache = tmp_path / "pyc"
    _, _, first = run_cli(["check", "--select", "XEN1", "plain.py"], tmp_path, pycache)
    assert "xentlint.checks.registry" in first  # no memo yet: discovered (and written)
    status, out, modules = run_cli(["check", "--no-cache", "plain.py"], tmp_path, pycache)
    assert (status, out) == (0, "All checks passed (1 file).\n")
    assert heavy(modules) == []
    assert "json" not in modules  # the concise output needs no JSON
    assert "xentlint.prefilter" in modules  # the file was read and screened
    # selection is validated from the memo too: an unknown code is still a usage error
    status, _, modules = run_cli(["check", "--select", "XEN999", "plain.py"], tmp_path, pycache)
    assert status == 2
    assert heavy(modules) == []


def test_a_warm_cache_imports_no_analyzer(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    for index in range(10):  # enough files for a worker pool, were there work for one
        (tree / f"train{index}.py").write_text(FINDING + f"# {index}\n")
        (tree / f"plain{index}.py").write_text(PLAIN)
    pycache = tmp_path / "pyc"
    args = ["check", "-j2", "--cache-dir", str(tmp_path / "cache"), "tree"]
    cold_status, cold_out, cold_modules = run_cli(args, tmp_path, pycache)
    assert cold_status == 1 and cold_out.count("XEN101") == 10
    assert "libcst" in cold_modules  # the cold run did analyse (the test can fail)
    status, out, modules = run_cli(args, tmp_path, pycache)
    assert (status, out) == (cold_status, cold_out)
    assert heavy(modules) == []


def test_the_memo_holds_what_the_registry_discovers(tmp_path: Path) -> None:
    path = tmp_path / "rules.memo"
    rule_memo.write_memo(path, "signature", registry.RULES)
    assert rule_memo.read_memo(path, "signature") == registry.RULES
    assert list(rule_memo.read_memo(path, "signature") or {}) == list(registry.RULES)
    assert rule_memo.read_memo(path, "another signature") is None


MEMO_CHILD = (
    "import sys; from xentlint.catalog import RULES; rules = dict(RULES); "
    "discovered = 'xentlint.checks.registry' in sys.modules; "
    "from xentlint.checks.registry import RULES as found; print(rules == found, discovered)"
)


def test_a_new_process_reads_the_memo_and_rebuilds_a_bad_one(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(tmp_path)

    def child() -> str:
        done = subprocess.run(
            [sys.executable, "-c", MEMO_CHILD], env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    assert child() == "True True"  # no memo yet: the rule modules are imported, and written
    [memo] = tmp_path.rglob("rules.*.memo")
    assert child() == "True False"  # the memo answers
    memo.write_bytes(memo.read_bytes()[:100])  # truncated
    assert child() == "True True"
    assert child() == "True False"  # written again
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    memo.unlink()
    assert child() == "True True"
    assert not memo.exists()  # as for byte code: nothing written


def rows() -> list[list[object]]:
    fields = [f.name for f in dataclasses.fields(Rule)]  # in this order: the defaults last
    return [[getattr(rule, f) for f in fields] for rule in registry.RULES.values()]


@pytest.mark.parametrize(
    "document",
    [
        b"",
        b"\x00garbage",
        None,  # a whole memo, cut in the middle
        {"signature": "s"},
        {"signature": "s", "rules": "XEN101"},
        {"signature": "s", "rules": []},
        {"signature": "s", "rules": [["XEN101"]]},
        {"signature": "s", "rules": [[*rows()[0][:6], "yes", *rows()[0][7:]]]},  # not a bool
        {"signature": "s", "rules": [["XEN1O1", *rows()[0][1:]]]},  # not a code
        {"signature": "s", "rules": [[*rows()[0][:2], "X", *rows()[0][3:]]]},  # severity
        {"signature": "s", "rules": [rows()[0], rows()[0]]},  # the same code twice
        {"signature": "s", "rules": [rows()[1], rows()[0]]},  # not in code order
        ["signature", "s"],
    ],
)
def test_a_memo_that_is_not_whole_and_well_typed_is_a_miss(tmp_path: Path, document) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "rules.memo"
    if document is None:
        rule_memo.write_memo(path, "s", registry.RULES)
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif isinstance(document, bytes):
        path.write_bytes(document)
    else:
        path.write_bytes(marshal.dumps(document))
    assert rule_memo.read_memo(path, "s") is None


def test_the_signature_changes_when_a_rule_module_changes(tmp_path: Path) -> None:
    before = rule_memo.package_signature()
    assert "checks/xen101.py|" in before.replace(os.sep, "/")
    rule_memo.package_signature.cache_clear()
    module = Path(registry.__file__).parent / "xen101.py"
    info = module.stat()
    try:
        os.utime(module, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000))
        assert rule_memo.package_signature() != before
    finally:
        os.utime(module, ns=(info.st_atime_ns, info.st_mtime_ns))
        rule_memo.package_signature.cache_clear()
    assert rule_memo.package_signature() == before


def test_each_format_is_registered_by_the_module_the_registry_names() -> None:
    for name, module in PROVIDERS.items():
        assert FORMATTERS[name].__module__ == module, name  # looked up: imported
    assert set(FORMATTERS) == set(PROVIDERS)  # and no module registers an unlisted one
    with pytest.raises(KeyError):
        FORMATTERS["no-such-format"]


def test_no_worker_is_started_when_every_file_is_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from xentlint.cache import Cache

    for index in range(12):
        (tmp_path / f"train{index}.py").write_text(FINDING + f"# {index}\n")
    monkeypatch.setattr(parallel, "MIN_SECONDS_FOR_POOL", 0.0)
    cache = Cache.open(Config(), tmp_path / "cache")
    cold = check_paths([str(tmp_path)], jobs=2, cache=cache)
    assert len(cold.diagnostics) == 12

    def no_pool(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a worker pool was started for cached files")

    monkeypatch.setattr(parallel, "_run_pool", no_pool)
    warm = check_paths([str(tmp_path)], jobs=2, cache=cache)
    assert warm.diagnostics == cold.diagnostics
