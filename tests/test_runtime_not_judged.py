"""Model files: check what the configuration shows, and never claim what was not checked.

A Lambda or an unknown custom layer no longer stops the check: the configuration is read
without running anything, every output it shows is checked, and an output that such a
layer decides is listed as not judged, with the layer and the reason. The command line
says so instead of "All checks passed"; ``check_model`` returns it in ``not_judged``.
Then: ``--import MODULE``, the grouped ``xentlint model --help``, and the install hints.
The archives are written by hand (see ``tests/test_runtime_offline.py``); nothing here
needs TensorFlow.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from test_runtime_offline import (
    _without_keras,
    compiled,
    dense,
    functional,
    lambda_layer,
    layer,
    loss_object,
    node,
    sequential,
    write_keras,
)

from xentlint.cli import cli
from xentlint.runtime.check import check_model, inspect
from xentlint.runtime.errors import CheckError, KerasMissing, ModelRefused

LOGITS_CCE = loss_object("CategoricalCrossentropy", from_logits=True)


def custom(kind: str, name: str, module: str | None = None, registered: str | None = None) -> dict:
    """A layer of a user's class, as Keras 3 saves it."""
    return {
        "module": module,
        "class_name": kind,
        "config": {"name": name},
        "registered_name": registered or kind,
    }


def function(name: str) -> dict:
    """A function (activation or loss) as Keras 3 saves it, the user's and Keras' alike."""
    return {"module": "builtins", "class_name": "function", "config": name,
            "registered_name": "function"}  # fmt: skip


def unjudged(path: Path, **kw: Any) -> list[str]:
    return [item.text for item in inspect(path, **kw).not_judged]


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args))


# --- the configuration is checked whatever code the model holds --------------------------------


def test_lambda_before_a_known_head_is_checked_without_trust(tmp_path: Path) -> None:
    config = compiled(sequential(lambda_layer("spy"), dense("head", 3, "softmax")), LOGITS_CCE)
    path = write_keras(tmp_path / "lam.keras", config)
    report = inspect(path)  # ModelRefused before: nothing was checked
    assert [d.code for d in report.diagnostics] == ["XEN101"]
    assert report.not_judged == []
    assert "not loaded: loading layer 'spy' (a Python lambda) would run code" in report.notes


def test_lambda_at_an_output_makes_that_output_not_judged(tmp_path: Path) -> None:
    config = compiled(sequential(dense("d", 3), lambda_layer("spy")), LOGITS_CCE)
    path = write_keras(tmp_path / "lam.keras", config)
    report = inspect(path)
    assert report.diagnostics == []
    [item] = report.not_judged
    assert item.kind == "output"
    assert item.text == (
        "output 'spy' not judged: its activation is unknown without --probe --trust-model "
        "(layer 'spy' runs a Python lambda; loading the model runs its Python lambdas (only "
        "for a file you trust))"
    )


def test_two_unregistered_classes_of_one_module_need_one_import(tmp_path: Path) -> None:
    body = custom("Body", "body", module="mylayers")
    head = custom("Head", "head", module="mylayers")
    path = write_keras(tmp_path / "c.keras", compiled(sequential(body, head), LOGITS_CCE))
    [text] = unjudged(path)
    assert "unknown without --import mylayers --probe (layer 'head' is custom code" in text


def test_every_output_the_configuration_shows_is_checked(tmp_path: Path) -> None:
    layers = [
        node(dense("hidden", 8, "relu"), "x"),
        node(dense("probs", 3, "softmax"), "hidden"),
        node(lambda_layer("spy"), "hidden"),
    ]
    model = functional(layers, {"cls": ["probs", 0, 0], "other": ["spy", 0, 0]})
    config = compiled(model, {"cls": LOGITS_CCE, "other": LOGITS_CCE})
    report = inspect(write_keras(tmp_path / "two.keras", config))
    assert [(d.code, d.where) for d in report.diagnostics] == [
        ("XEN101", "output 'cls' (layer 'probs')")
    ]
    [text] = [item.text for item in report.not_judged]
    assert text.startswith("output 'other' not judged: its activation is unknown without")
    assert "(layer 'spy' runs a Python lambda;" in text


@pytest.mark.parametrize(
    ("head", "why", "flags"),
    [
        (
            custom("MyHead", "my_head", module="mylayers"),
            "layer 'my_head' is custom code (class MyHead, not registered)",
            "--import mylayers --probe",
        ),
        (
            custom("MyHead", "my_head"),
            "layer 'my_head' is custom code (class MyHead, not registered)",
            "--import MODULE --probe",
        ),
        (
            dense("d", 3, function("my_act")),  # type: ignore[arg-type]
            "layer 'd' runs the custom function 'my_act'",
            "--import MODULE --probe",
        ),
    ],
    ids=["class-with-module", "class-without-module", "activation-function"],
)
def test_unregistered_code_at_an_output(tmp_path: Path, head: dict, why: str, flags: str) -> None:
    path = write_keras(tmp_path / "c.keras", compiled(sequential(dense("h", 8), head), LOGITS_CCE))
    [text] = unjudged(path)
    assert text.startswith(f"output '{head['config']['name']}' not judged: its activation is ")
    assert f"unknown without {flags} ({why}; Keras loads " in text
    assert text.endswith("only once the module that registers it is imported)")


def test_registered_class_named_like_a_keras_layer_is_custom_code(tmp_path: Path) -> None:
    """A user's ``mypkg>Dense`` is not Keras' Dense: its call() may do anything."""
    head = custom("Dense", "head", module="mypkg.layers", registered="mypkg>Dense")
    head["config"].update(units=3, activation="softmax")
    path = write_keras(tmp_path / "d.keras", compiled(sequential(head), LOGITS_CCE))
    report = inspect(path, custom_objects={"mypkg>Dense": object}, probe=False)
    assert report.diagnostics == []  # XEN101 before, from what the class' name suggests
    [text] = [item.text for item in report.not_judged]
    assert text == (
        "output 'head' not judged: its activation is unknown without --probe "
        "(layer 'head' is custom code (class Dense))"
    )


def test_a_layer_xentlint_does_not_follow(tmp_path: Path) -> None:
    config = compiled(sequential(dense("d", 4), layer("Flatten", "flat")), LOGITS_CCE)
    [text] = unjudged(write_keras(tmp_path / "f.keras", config))
    assert text == (
        "output 'flat' not judged: its activation is unknown without --probe "
        "(layer 'flat' (Flatten) may regroup the values of each sample: the configuration "
        "does not show that its rows are the rows it receives)"
    )


@pytest.mark.parametrize(
    ("loss", "expected"),
    [
        (function("mypkg>my_loss"), "its loss is the custom function 'mypkg>my_loss'"),
        (
            {"class_name": "__lambda__", "config": {"value": ["4wEA", None, None]}},
            "its loss is a Python lambda",
        ),  # fmt: skip
        (
            {"module": "losses", "class_name": "MyLoss", "config": {}, "registered_name": "MyLoss"},
            "its loss is the custom class MyLoss",
        ),
    ],
    ids=["registered-function", "lambda", "class"],
)
def test_a_custom_loss_is_not_judged(tmp_path: Path, loss: dict, expected: str) -> None:
    path = write_keras(tmp_path / "l.keras", compiled(sequential(dense("d", 3)), loss))
    [text] = unjudged(path)
    assert text.startswith(f"output 'd' not judged: {expected}, which xentlint does not read")


def test_no_cross_entropy_nothing_to_judge(tmp_path: Path) -> None:
    flat = sequential(dense("d", 4), layer("Flatten", "flat"))
    mse = {"module": "keras.losses", "class_name": "MeanSquaredError", "config": {},
           "registered_name": None}  # fmt: skip
    for loss in ("mse", mse):
        assert unjudged(write_keras(tmp_path / "mse.keras", compiled(flat, loss))) == []
    # Keras saves its own functions as a user's: "mean_squared_error" might be either
    ambiguous = compiled(flat, function("mean_squared_error"))
    [text] = unjudged(write_keras(tmp_path / "fn.keras", ambiguous))
    assert text.startswith("output 'flat' not judged: its activation is unknown")
    known = compiled(sequential(dense("d", 4)), function("my_loss"))
    assert unjudged(write_keras(tmp_path / "known.keras", known)) == []


def test_not_compiled_the_losses_are_not_judged(tmp_path: Path) -> None:
    path = write_keras(tmp_path / "n.keras", sequential(dense("d", 1, "softmax")))
    report = inspect(path)
    assert [d.code for d in report.diagnostics] == ["XEN103"]  # the architecture is checked
    assert [item.text for item in report.not_judged] == [
        "losses not judged: the model was saved without compile(), so only its architecture "
        "was checked"
    ]


def test_probe_asked_for_on_a_lambda_model_runs_no_code(tmp_path: Path) -> None:
    config = compiled(sequential(lambda_layer("spy"), dense("head", 3, "softmax")), LOGITS_CCE)
    path = write_keras(tmp_path / "lam.keras", config)
    # keras cannot even be imported here: loading was never tried
    result = _without_keras(tmp_path, "model", "--probe", str(path))
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert "XEN101" in lines[0]
    assert lines[1] == (
        f"{path}: the probe did not run: loading the model runs its Python lambdas (only for "
        f"a file you trust): pass --probe --trust-model"
    )
    assert lines[2] == "Found 1 error in 1 file; not judged: the probe of 1 model (listed above)."
    assert "needs keras" not in result.stderr
    # from Python, in its own words
    found = check_model(path)
    assert [d.code for d in found] == ["XEN101"]
    assert found.not_judged == [
        "the probe did not run: loading the model runs its Python lambdas (only for a file you "
        "trust): pass probe=True, trust_model=True"
    ]
    assert not found.complete and "not_judged=" in repr(found)


def test_a_savedmodel_folder_cannot_be_probed(tmp_path: Path) -> None:
    from test_runtime_offline import _field

    root = {"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "Dense", "config": {"name": "d", "units": 4, "activation": "linear"}},
        {"class_name": "Flatten", "config": {"name": "flat"}}]},
        "training_config": {"loss": "categorical_crossentropy"}}  # fmt: skip
    node = b"\x10\x00" + _field(3, b"root") + _field(5, json.dumps(root).encode())
    folder = tmp_path / "exported"
    folder.mkdir()
    (folder / "keras_metadata.pb").write_bytes(_field(1, node))
    [text] = unjudged(folder)
    assert text == (
        "output 'flat' not judged: its activation is unknown (layer 'flat' (Flatten) may "
        "regroup the values of each sample: the configuration does not show that its rows are "
        "the rows it receives), and the probe cannot run: Keras 3 cannot load a SavedModel folder"
    )
    assert unjudged(folder, probe=True) == [text]  # said once


def test_subclassed_custom_model_is_refused_saying_what_to_pass(tmp_path: Path) -> None:
    config = {"module": "mymodels", "class_name": "MyModel", "config": {"units": 3},
              "registered_name": "MyModel"}  # fmt: skip
    path = write_keras(tmp_path / "sub.keras", config)
    with pytest.raises(ModelRefused) as info:
        inspect(path)
    assert str(info.value) == (
        f"{path}: model class MyModel (custom, not registered): a subclassed model, whose "
        f"configuration does not show its outputs (only running it would): xentlint does not "
        f"load it: Keras loads class MyModel only once the module that registers it is "
        f"imported: pass --import mymodels --probe"
    )
    with pytest.raises(
        ModelRefused, match=re.escape("custom_objects={'MyModel': ...}, probe=True")
    ):
        check_model(path)


# --- the command line says what was not judged ---------------------------------------------------


def test_cli_never_says_all_checks_passed_for_what_it_did_not_check(tmp_path: Path) -> None:
    lam = write_keras(
        tmp_path / "lam.keras", compiled(sequential(dense("d", 3), lambda_layer("spy")), LOGITS_CCE)
    )
    result = run("model", str(lam))
    assert result.exit_code == 0, result.output
    assert "All checks passed" not in result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{lam}: output 'spy' not judged: its activation is unknown")
    assert lines[1] == "No findings in 1 file; not judged: 1 output (listed above)."
    quiet = run("model", "-q", str(lam))
    assert quiet.stdout.splitlines() == lines[:1]
    as_json = run("model", "--output-format", "json", str(lam))
    assert json.loads(as_json.stdout) == []
    assert as_json.stderr.startswith(f"xentlint: warning: {lam}: output 'spy' not judged")
    # with findings in another file, the summary counts both
    bad = write_keras(
        tmp_path / "bad.keras", compiled(sequential(dense("head", 3, "softmax")), LOGITS_CCE)
    )
    both = run("model", str(bad), str(lam))
    assert both.exit_code == 1
    assert both.stdout.splitlines()[-1] == (
        "Found 1 error in 1 file; not judged: 1 output (listed above)."
    )
    # everything judged: the usual words
    ok = write_keras(tmp_path / "ok.keras", compiled(sequential(dense("d", 3)), LOGITS_CCE))
    assert run("model", str(ok)).stdout == "All checks passed (1 file).\n"


def test_labels_whose_encoding_cannot_be_told(tmp_path: Path) -> None:
    np = pytest.importorskip("numpy")
    sparse = loss_object("SparseCategoricalCrossentropy", from_logits=True)
    path = write_keras(tmp_path / "m.keras", compiled(sequential(dense("d", 3)), sparse))
    np.save(tmp_path / "soft.npy", np.array([0.2, 1.5, 0.7, 2.0]))
    result = run("model", "--labels", str(tmp_path / "soft.npy"), str(path))
    assert result.exit_code == 0
    assert "checked against" not in result.stderr  # "labels ... checked" before
    assert result.stdout.splitlines() == [
        f"{path}: labels soft.npy not judged against output 'd': their encoding cannot be told "
        f"(non-integer values 0.2..2; SparseCategoricalCrossentropy expects integer class ids)",
        "No findings in 1 file; not judged: 1 label array (listed above).",
    ]
    np.save(tmp_path / "ids.npy", np.array([0, 2, 1, 2]))
    ids = run("model", "--labels", str(tmp_path / "ids.npy"), str(path))
    assert ids.stdout == "All checks passed (1 file).\n"
    assert "labels ids.npy (integer class ids 0..2, 4 ids) checked against" in ids.stderr


# --- --import ------------------------------------------------------------------------------------


def _from_elsewhere(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``xentlint ARGS`` started from a script in another folder (as a console script is),
    so that the current folder is on ``sys.path`` only if xentlint puts it there."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "run_xentlint.py").write_text("from xentlint.cli import main\nmain()\n")
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "XENTLINT_DEBUG"}
    if "PYTHONPATH" in env:  # keep it, but without entries that mean the current folder
        kept = [p for p in env["PYTHONPATH"].split(os.pathsep) if p not in ("", ".")]
        env["PYTHONPATH"] = os.pathsep.join(kept)
    return subprocess.run(
        [sys.executable, str(bin_dir / "run_xentlint.py"), *args],
        capture_output=True,
        text=True,
        cwd=work,
        env=env,
        timeout=60,
    )


def test_import_finds_modules_in_the_current_folder(tmp_path: Path) -> None:
    work = tmp_path / "work"
    (work / "pkg").mkdir(parents=True)
    (work / "pkg" / "__init__.py").write_text("")
    marker = tmp_path / "imported.txt"
    (work / "pkg" / "layers.py").write_text(f"open({str(marker)!r}, 'a').write(__name__ + '\\n')\n")
    (work / "other.py").write_text(f"open({str(marker)!r}, 'a').write(__name__ + '\\n')\n")
    path = write_keras(work / "ok.keras", compiled(sequential(dense("d", 3)), LOGITS_CCE))
    result = _from_elsewhere(
        tmp_path, "model", "--import", "pkg.layers", "--import", "other", str(path)
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "All checks passed (1 file).\n"
    assert marker.read_text() == "pkg.layers\nother\n"  # in the order given


@pytest.mark.parametrize(
    ("module", "source", "message"),
    [
        (
            "nosuch",
            None,
            "--import nosuch: no module named 'nosuch' in the current folder or on the Python path",
        ),  # fmt: skip
        (
            "broken",
            "raise ValueError('boom')",
            "--import broken: importing it failed: ValueError: boom",
        ),
        ("bad_syntax", "def (:", "--import bad_syntax: importing it failed: SyntaxError:"),
        (
            "needs",
            "import zz_not_installed_xentlint",
            "--import needs: the module imports "
            "'zz_not_installed_xentlint', which is not installed",
        ),  # fmt: skip
        ("exits", "raise SystemExit(3)", "--import exits: importing it failed: SystemExit: 3"),
        (
            "layers.py",
            None,
            "--import 'layers.py': not a module name (a module name, as for python -m: 'layers')",
        ),  # fmt: skip
    ],
)
def test_an_import_that_fails_is_a_clear_error(
    tmp_path: Path, module: str, source: str | None, message: str
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    if source is not None:
        (work / f"{module}.py").write_text(source + "\n")
    path = write_keras(work / "ok.keras", compiled(sequential(dense("d", 3)), LOGITS_CCE))
    result = _from_elsewhere(tmp_path, "model", "--import", module, str(path))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"xentlint: error: {message}"), result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


# --- help and install hints -----------------------------------------------------------------------


def test_model_help_groups_its_options() -> None:
    result = run("model", "--help")
    assert result.exit_code == 0
    out = result.stdout
    headings = [line for line in out.splitlines() if re.fullmatch(r"[A-Z][a-z ]+:", line)]
    assert headings == [
        "Checks:",
        "Code in the model:",
        "Rule selection:",
        "Output:",
        "Configuration:",
        "Other options:",
    ]
    code = out.split("Code in the model:", 1)[1].split("Rule selection:", 1)[0]
    assert "--trust-model" in code and "--import MODULE" in code
    other = out.split("Other options:", 1)[1].split("\n\n", 1)[0]
    assert other.split() == ["-h,", "--help", "Show", "this", "message", "and", "exit."]
    flat = " ".join(out.split())
    assert "Exit status: 0 no findings" in flat and "does not change the exit status" in flat


def test_install_hints_name_the_smallest_install(tmp_path: Path) -> None:
    assert str(KerasMissing("", "h5py")) == (
        "xentlint model needs h5py to read an HDF5 (.h5) model: pip install h5py"
    )
    assert str(KerasMissing("", "numpy", "to read labels")) == (
        "xentlint model needs numpy to read labels: pip install numpy"
    )
    path = write_keras(tmp_path / "m.keras", compiled(sequential(dense("d", 3)), LOGITS_CCE))
    probe = _without_keras(tmp_path, "model", "--probe", str(path))
    assert probe.returncode == 2
    assert probe.stderr.startswith(
        "xentlint: error: xentlint model needs keras and a backend to load the model for the "
        "probe (--probe): pip install tensorflow (cannot import keras"
    )
    # --trust-model alone only allows loading: without Keras the configuration is checked
    trusted = _without_keras(tmp_path, "model", "--trust-model", str(path))
    assert trusted.returncode == 0, trusted.stderr
    assert trusted.stdout == "All checks passed (1 file).\n"


def test_a_subclassed_model_says_what_to_pass(tmp_path: Path) -> None:
    config = {"module": "keras.src.models.model", "class_name": "Model", "config": {},
              "registered_name": None}  # fmt: skip
    path = write_keras(tmp_path / "sub.keras", config)
    with pytest.raises(CheckError, match="only running it shows its outputs: pass --probe$"):
        inspect(path, probe=False)
