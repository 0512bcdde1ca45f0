"""Projects of several modules: imports resolved as Python would, evaluated once per run.

The fixture projects (``fixtures/projects/``, checked by ``tests/test_fixtures.py``) show the
layouts; these tests pin the rules one at a time on trees written to a temporary folder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import xentlint
from xentlint.cache import Cache
from xentlint.cli import cli
from xentlint.config import Config, config_from_table
from xentlint.lint import check_paths, discover
from xentlint.modules import MODULE, NAMESPACE, UNKNOWN
from xentlint.parallel import lint_files
from xentlint.project import Project
from xentlint.static import imports as static_imports

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
)


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def lint(path: Path, config: Config | None = None) -> list[xentlint.Diagnostic]:
    return xentlint.lint_source(path.read_text(encoding="utf-8"), str(path), config=config)


def found(path: Path, config: Config | None = None) -> list[tuple[str, int]]:
    return [(d.code, d.line) for d in lint(path, config)]


@pytest.fixture(autouse=True)
def fresh_memo() -> None:
    static_imports.empty()


# --------------------------------------------------------------------------- resolution


def resolve(project: Project, importer: Path, name: str, level: int = 0) -> tuple[str, str]:
    """``(kind, path relative to the tests' folder)`` of what an import names."""
    kind, path, _ = project.resolve(str(importer), level, name)
    base = importer.parents[len(importer.relative_to(TMP[0]).parts) - 1]
    return kind, os.path.relpath(path, base) if path else ""


TMP: list[Path] = []


@pytest.fixture(autouse=True)
def tmp_root(tmp_path: Path) -> None:
    TMP[:] = [tmp_path]


def test_the_importing_files_folder_comes_first(tmp_path: Path) -> None:
    write(tmp_path, {"app/train.py": "", "app/models.py": "", "models.py": ""})
    project = Project(Config(root=tmp_path))
    assert resolve(project, tmp_path / "app/train.py", "models") == (MODULE, "app/models.py")


def test_package_root_and_package_before_module(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "root/pkg/__init__.py": "",
            "root/pkg/sub/__init__.py": "",
            "root/pkg/sub/mod.py": "",
            "root/pkg/other.py": "",
            "root/thing/__init__.py": "",
            "root/thing.py": "",
        },
    )
    project = Project(Config(root=tmp_path / "elsewhere"))
    mod = tmp_path / "root/pkg/sub/mod.py"
    assert resolve(project, mod, "pkg.other")[0] == MODULE  # the folder above pkg/
    # a package (folder with __init__.py) wins over a module of the same name
    kind, path, _ = project.resolve(str(mod), 0, "thing")
    assert (kind, Path(path).relative_to(tmp_path).as_posix()) == (MODULE, "root/thing/__init__.py")
    assert project.resolve(str(mod), 0, "pkg.missing")[0] == UNKNOWN  # the project's, not there
    assert project.resolve(str(mod), 0, "nowhere")[0] == ""  # maybe installed: a library


def test_namespace_packages_and_a_regular_package_elsewhere(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "scripts/run.py": "",
            "scripts/ns/a.py": "",
            "scripts/lib/x.py": "",
            "src/lib/__init__.py": "",
        },
    )
    project = Project(Config(root=tmp_path))
    run = tmp_path / "scripts/run.py"
    assert project.resolve(str(run), 0, "ns")[0] == NAMESPACE
    assert resolve(project, run, "ns.a") == (MODULE, "scripts/ns/a.py")
    # a regular package in a later root wins over namespace portions (Python's rule)
    assert resolve(project, run, "lib") == (MODULE, "src/lib/__init__.py")


def test_src_setting_relative_to_the_config_file_with_globs(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": '[tool.xentlint]\nsrc = ["python_modules/*", "lib"]\n',
            "python_modules/one/helpers.py": "",
            "lib/mypkg/__init__.py": "",
            "src/default_only/__init__.py": "",
            "tools/run.py": "",
        },
    )
    config = config_from_table(
        {"src": ["python_modules/*", "lib"]}, source=tmp_path / "pyproject.toml"
    )
    project = Project(config)
    run = tmp_path / "tools/run.py"
    assert resolve(project, run, "helpers") == (MODULE, "python_modules/one/helpers.py")
    assert resolve(project, run, "mypkg") == (MODULE, "lib/mypkg/__init__.py")
    assert project.resolve(str(run), 0, "default_only")[0] == ""  # src/ replaced by the setting
    assert Project(Config(root=tmp_path)).resolve(str(run), 0, "default_only")[0] == MODULE


def test_a_package_without_init_named_by_its_own_module(tmp_path: Path) -> None:
    write(tmp_path, {"course/trainer/task.py": "", "course/trainer/model.py": ""})
    project = Project(Config(root=tmp_path / "nowhere"))
    task = tmp_path / "course/trainer/task.py"
    assert resolve(project, task, "trainer.model") == (MODULE, "course/trainer/model.py")


def test_relative_imports(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/losses.py": "",
            "app/nets/__init__.py": "",
            "app/nets/heads.py": "",
            "app/nets/check.py": "",
        },
    )
    project = Project(Config(root=tmp_path))
    check = tmp_path / "app/nets/check.py"
    assert resolve(project, check, "heads", 1) == (MODULE, "app/nets/heads.py")
    assert resolve(project, check, "losses", 2) == (MODULE, "app/losses.py")
    assert resolve(project, check, "", 1) == (MODULE, "app/nets/__init__.py")
    assert project.resolve(str(check), 1, "nothing")[0] == UNKNOWN
    assert project.resolve(None, 1, "heads")[0] == UNKNOWN  # a snippet has no package


def test_library_names_and_compiled_modules(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "script/keras.py": "",
            "script/random.py": "",
            "script/run.py": "",
            "pkg/__init__.py": "",
            "pkg/keras.py": "",
            "pkg/run.py": "",
            "src/tensorflow/__init__.py": "",
            "script/fast" + EXTENSION_SUFFIXES[0]: b"\x7fELF",
            "script/old.pyc": b"\x00",
        },
    )
    project = Project(Config(root=tmp_path))
    script = tmp_path / "script/run.py"
    # what `python run.py` imports: the file beside it
    assert resolve(project, script, "keras") == (MODULE, "script/keras.py")
    assert project.resolve(str(script), 0, "random")[0] == ""  # the standard library's
    # in a package folder it depends on how the program is started
    assert project.resolve(str(tmp_path / "pkg/run.py"), 0, "keras")[0] == UNKNOWN
    # behind the installed library everywhere else
    assert project.resolve(str(script), 0, "tensorflow")[0] == ""
    assert project.resolve(str(script), 0, "fast")[0] == UNKNOWN
    assert project.resolve(str(script), 0, "old")[0] == UNKNOWN


# --------------------------------------------------------------------------- evaluation


def test_the_issue_example_is_reported_at_the_compile(tmp_path: Path) -> None:
    write(tmp_path, {"models.py": MODELS, "train.py": TRAIN})
    [finding] = lint(tmp_path / "train.py")
    assert (finding.code, finding.line) == ("XEN101", 5)
    models = str(tmp_path / "models.py")  # the file is named by its absolute path: so is this
    assert finding.message.startswith(f"{models}:5: softmax is applied twice")
    assert [(p.path, p.line) for p in finding.related] == [(models, 5)]
    # without the project (a text that is no file), the imported function is unknown
    assert xentlint.lint_source(TRAIN, "<string>") == []


CONTROL = MODELS
BROKEN_MODULES: dict[str, str | bytes] = {
    "syntax error": MODELS + "def broken(:\n",
    "not UTF-8": MODELS.encode() + b"# \xff\xfe\n",
    "NUL bytes": MODELS.encode() + b"\x00\n",
    "too complex": MODELS + "x = " + " + ".join(["a"] * 3000) + "\n",
}


@pytest.mark.parametrize("kind", list(BROKEN_MODULES))
def test_an_imported_module_that_cannot_be_read_is_unknown(tmp_path: Path, kind: str) -> None:
    write(tmp_path, {"good/models.py": CONTROL, "good/train.py": TRAIN})
    assert found(tmp_path / "good/train.py") == [("XEN101", 5)]
    write(tmp_path, {"bad/models.py": BROKEN_MODULES[kind], "bad/train.py": TRAIN})
    assert found(tmp_path / "bad/train.py") == []


def test_too_large_and_dangling_modules_are_unknown(tmp_path: Path) -> None:
    write(tmp_path, {"big/models.py": MODELS + "#" * 5000 + "\n", "big/train.py": TRAIN})
    assert found(tmp_path / "big/train.py") == [("XEN101", 5)]
    small = Config(max_file_size=4000)
    assert found(tmp_path / "big/train.py", small) == []
    write(tmp_path, {"link/train.py": TRAIN})
    (tmp_path / "link/models.py").symlink_to(tmp_path / "missing.py")
    assert found(tmp_path / "link/train.py") == []


def test_cycles_and_deep_chains_end_in_unknown(tmp_path: Path) -> None:
    chain = {f"m{i}.py": f"from m{i + 1} import build\n" for i in range(30)}
    chain["m30.py"] = MODELS
    chain["deep.py"] = TRAIN.replace("from models import", "from m0 import")
    chain["near.py"] = TRAIN.replace("from models import", "from m26 import")
    chain["a.py"] = "from b import build\n"
    chain["b.py"] = "from a import build\n"
    chain["cycle.py"] = TRAIN.replace("from models import", "from a import")
    chain["self.py"] = "from self import build\n" + TRAIN.replace("from models import build\n", "")
    write(tmp_path, chain)
    assert found(tmp_path / "near.py") == [("XEN101", 5)]  # 4 modules deep
    assert found(tmp_path / "deep.py") == []  # 31 deep
    assert found(tmp_path / "cycle.py") == []
    assert found(tmp_path / "self.py") == []


def test_an_import_cycle_gives_the_same_result_in_any_order(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "a.py": "from b import UNITS\nfrom b import head\nA = UNITS\n",
            "b.py": (
                "from tensorflow import keras\nfrom a import A\nUNITS = 3\n\n\n"
                "def head():\n    return keras.layers.Dense(A, activation='softmax')\n"
            ),
            "c.py": (
                "from tensorflow import keras\nfrom a import head\nfrom b import UNITS\n"
                "m = keras.Sequential([head()])\nm.compile(loss='binary_crossentropy')\n"
                "n = keras.Sequential([keras.layers.Dense(UNITS, activation='softmax')])\n"
                "n.compile(loss='binary_crossentropy')\n"
            ),
        },
    )
    results = []
    for order in (["a.py", "b.py", "c.py"], ["c.py", "b.py", "a.py"], ["b.py", "c.py"]):
        static_imports.empty()
        results.append({name: found(tmp_path / name) for name in order}["c.py"])
    assert results == [[("XEN105", 7)]] * 3


def test_a_module_is_evaluated_once_per_run(tmp_path: Path) -> None:
    files = {"models.py": MODELS}
    for i in range(12):
        files[f"train{i:02}.py"] = TRAIN
    write(tmp_path, files)
    report = check_paths([str(tmp_path)], config=Config(root=tmp_path), jobs=1)
    assert [d.code for d in report.diagnostics] == ["XEN101"] * 12
    models = os.path.normpath(tmp_path / "models.py")
    assert static_imports.EVALUATIONS[models] == 1
    check_paths([str(tmp_path)], config=Config(root=tmp_path), jobs=1)  # the same process
    assert static_imports.EVALUATIONS[models] == 1
    (tmp_path / "models.py").write_text(MODELS.replace("softmax", "relu"))
    again = check_paths([str(tmp_path)], config=Config(root=tmp_path), jobs=1)
    assert again.diagnostics == [] and static_imports.EVALUATIONS[models] == 2


def test_each_analysis_compiles_its_own_copy(tmp_path: Path) -> None:
    shared = MODELS + "\nmodel = build(10)\n"
    write(
        tmp_path,
        {
            "models.py": shared,
            "a.py": (
                "from tensorflow import keras\nfrom models import model\n"
                "model.compile(loss=keras.losses.CategoricalCrossentropy(from_logits=True))\n"
            ),
            "b.py": "from models import model\nmodel.compile(loss='categorical_crossentropy')\n",
        },
    )
    assert found(tmp_path / "a.py") == [("XEN101", 3)]
    assert found(tmp_path / "b.py") == []  # a.py's compile is not b.py's
    assert found(tmp_path / "a.py") == [("XEN101", 3)]


def test_an_imported_modules_main_block_does_not_run(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "models.py": MODELS.replace("softmax", "relu")
            + '\nif __name__ == "__main__":\n    def build(n):\n        return None\n',
            "heads.py": MODELS + '\nif __name__ != "__main__":\n    UNITS = 4\n',
            "train.py": TRAIN,
            "units.py": (
                "from tensorflow import keras\nfrom heads import UNITS\n"
                "m = keras.Sequential([keras.layers.Dense(UNITS, activation='softmax')])\n"
                "m.compile(loss='binary_crossentropy')\n"
            ),
        },
    )
    assert found(tmp_path / "train.py") == []  # relu, the main block's build never runs
    assert found(tmp_path / "units.py") == [("XEN105", 4)]


def test_a_file_without_loss_words_importing_one_is_analysed(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "models.py": MODELS + '\nLOSS = "categorical_crossentropy"\n',
            "helpers.py": "from models import build, LOSS\n",
            "train.py": "from helpers import build, LOSS\nm = build(1)\nm.compile(loss=LOSS)\n",
        },
    )
    # train.py names no loss nor activation: the modules it imports do
    assert [d.code for d in lint(tmp_path / "train.py")] == ["XEN103", "XEN104"]
    assert xentlint.lint_source((tmp_path / "train.py").read_text(), "<string>") == []


def test_star_imports_and_module_attributes(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pkg/__init__.py": "from .models import *\n",
            "pkg/models.py": MODELS + '\n__all__ = ["build"]\n',
            "star.py": TRAIN.replace("from models import build", "from pkg import *"),
            "attr.py": TRAIN.replace("from models import build", "import pkg.models").replace(
                "build(10)", "pkg.models.build(10)"
            ),
            "alias.py": TRAIN.replace(
                "from models import build", "import pkg.models as pm"
            ).replace("build(10)", "pm.build(10)"),
        },
    )
    for name in ("star.py", "attr.py", "alias.py"):
        assert found(tmp_path / name) == [("XEN101", 5)], name


# --------------------------------------------------------------------------- output


def run_cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["check", "--no-cache", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.exit_code, result.stdout


def test_json_names_the_other_place_and_why_the_fix_is_not_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, {"models.py": MODELS, "train.py": TRAIN})
    _, alone = run_cli("--output-format", "json", "train.py")
    [record] = json.loads(alone)
    assert record["related"] == [
        {"path": "models.py", "line": 5, "column": 52, "end_line": 5, "end_column": 72}
    ]
    assert record["fix"] == {
        "available": False,
        "safety": "unsafe",
        "reason": "the fix belongs in models.py:5, which is not among the files being fixed",
    }
    assert record["message"].endswith(
        " - the fix belongs in models.py:5, which is not among the files being fixed"
    )
    _, tree = run_cli("--output-format", "json", ".")
    [record] = json.loads(tree)
    assert record["fix"] == {"available": True, "safety": "unsafe"}
    assert "belongs" not in record["message"]


def test_paths_are_shown_from_where_this_run_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The memo of evaluated modules outlives a run (the editor, the API): the path a message
    names is this run's, not that of the run that evaluated the module first."""
    write(tmp_path, {"app/models.py": MODELS, "app/train.py": TRAIN})
    monkeypatch.chdir(tmp_path)
    _, first = run_cli("--output-format", "json", "app")
    assert [p["path"] for p in json.loads(first)[0]["related"]] == ["app/models.py"]
    monkeypatch.chdir(tmp_path / "app")
    _, second = run_cli("--output-format", "json", ".")
    [record] = json.loads(second)
    assert [p["path"] for p in record["related"]] == ["models.py"]
    assert record["message"].startswith("models.py:5: ")
    assert static_imports.EVALUATIONS[str(tmp_path / "app" / "models.py")] == 1  # memoised


def test_sarif_carries_related_locations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.test_ci_output import validate_sarif

    monkeypatch.chdir(tmp_path)
    write(tmp_path, {"models.py": MODELS, "train.py": TRAIN})
    _, out = run_cli("--output-format", "sarif", ".")
    log = json.loads(out)
    validate_sarif(log)
    [result] = log["runs"][0]["results"]
    [related] = result["relatedLocations"]
    location = related["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "models.py", "uriBaseId": "%SRCROOT%"}
    assert (location["region"]["startLine"], location["region"]["startColumn"]) == (5, 52)


def test_fix_edits_another_file_only_when_it_is_being_fixed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, {"models.py": MODELS, "train.py": TRAIN})
    code, _ = run_cli("--fix", "--unsafe-fixes", "train.py")
    assert code == 1 and (tmp_path / "models.py").read_text() == MODELS
    code, _ = run_cli("--fix", "--unsafe-fixes", "--diff", ".")
    assert code == 1 and (tmp_path / "models.py").read_text() == MODELS  # --diff writes nothing
    code, _ = run_cli("--fix", "--unsafe-fixes", "train.py", "models.py")
    assert code == 0
    assert (tmp_path / "models.py").read_text() == MODELS.replace(', activation="softmax"', "")
    assert (tmp_path / "train.py").read_text() == TRAIN
    assert found(tmp_path / "train.py") == []


def test_the_editor_reads_the_open_buffer_of_an_imported_module(tmp_path: Path) -> None:
    from xentlint.lsp import worker

    write(tmp_path, {"models.py": MODELS.replace("softmax", "relu"), "train.py": TRAIN})
    snapshot = worker.Snapshot(
        key="file:///train.py",
        path=tmp_path / "train.py",
        root=tmp_path,
        generation=1,
        text=TRAIN,
    )
    assert worker.lint(snapshot, len).diagnostics == {"file:///train.py": []}
    buffer = ((str(tmp_path / "models.py"), MODELS),)  # unsaved: softmax is back
    opened = worker.Snapshot(**{**snapshot.__dict__, "open_files": buffer})
    linted = worker.lint(opened, len)
    [diagnostic] = linted.diagnostics["file:///train.py"]
    assert diagnostic.code == "XEN101" and "models.py:5" in diagnostic.message
    assert linted.reads == {os.path.normpath(tmp_path / "models.py")}


# --------------------------------------------------------------------------- cache, workers


def test_editing_an_imported_module_relints_the_importer(tmp_path: Path) -> None:
    write(tmp_path, {"models.py": MODELS, "train.py": TRAIN, "alone.py": TRAIN})
    (tmp_path / "alone.py").write_text(TRAIN.replace("from models import", "from elsewhere import"))
    config = Config(root=tmp_path)
    cache = Cache.open(config, tmp_path / ".cache")
    files, _ = discover([str(tmp_path / "train.py"), str(tmp_path / "alone.py")], config)

    def run() -> list[tuple[bool, list[str]]]:
        static_imports.empty()
        return [
            (o.cached, [d.code for d in o.diagnostics])
            for o in lint_files(files, config, cache=cache)
        ]

    assert run() == [(False, ["XEN101"]), (False, [])]
    assert run() == [(True, ["XEN101"]), (True, [])]
    (tmp_path / "models.py").write_text(MODELS.replace("softmax", "relu"))
    assert run() == [(False, []), (True, [])]
    # alone.py's import found nothing of the project: a module that appears is a miss
    write(tmp_path, {"elsewhere.py": MODELS})
    assert run() == [(True, []), (False, ["XEN101"])]


PROJECT_TREE = {
    "src/trainer/__init__.py": "",
    "src/trainer/models.py": MODELS,
    "src/trainer/train.py": TRAIN.replace("from models", "from trainer.models"),
    "scripts/models.py": MODELS,
    "scripts/train.py": TRAIN,
    "scripts/copy.py": TRAIN,
    "scripts/clean.py": "import keras\nm = keras.Sequential([keras.layers.Dense(2)])\n",
}

_FORCED_POOL = (
    "import sys, xentlint.parallel as p\n"
    "p.MIN_FILES_FOR_POOL = 1\n"
    "p.MIN_SECONDS_FOR_POOL = 0\n"
    "from xentlint.cli import main\n"
    "main(['check', *sys.argv[1:]])\n"
)


def test_projects_give_the_same_output_for_any_jobs_and_cache(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    files: dict[str, str | bytes] = {}
    for copy in range(4):
        files.update({f"p{copy}/{name}": text for name, text in PROJECT_TREE.items()})
    write(tree, files)
    (tree / "pyproject.toml").write_text('[tool.xentlint]\nsrc = ["p*/src"]\n')
    outputs = []
    for args in (["--no-cache", "-j1"], ["--no-cache", "-j2"], ["-j2"], ["-j2"], ["-j1"]):
        argv = [sys.executable, "-c", _FORCED_POOL, *args, "--output-format", "json", "."]
        result = subprocess.run(argv, capture_output=True, text=True, cwd=tree, timeout=300)
        assert result.returncode == 1, result.stderr
        outputs.append(result.stdout)
    assert outputs == [outputs[0]] * 5
    records = json.loads(outputs[0])
    assert len(records) == 12 and {r["code"] for r in records} == {"XEN101"}
    assert all(r["related"][0]["path"].endswith("models.py") for r in records)


def _records(data: Any) -> list[tuple[str, int]]:
    return [(r["path"], r["line"]) for r in data]
