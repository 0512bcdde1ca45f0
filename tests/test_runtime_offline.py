"""The runtime front end without TensorFlow: saved configurations written by hand.

A ``.keras`` file is a zip archive whose ``config.json`` holds the architecture and the
compile configuration; these tests write such archives (and Keras 2 style configurations)
directly, so they run in milliseconds and pin down the reader, the refusal of code, the
CLI and the diagnostics' format. ``tests/test_runtime_keras.py`` checks the same against
files Keras itself wrote.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from xentlint.cli import cli
from xentlint.facts import Act
from xentlint.runtime import saved
from xentlint.runtime.check import inspect
from xentlint.runtime.config_reader import ConfigReader
from xentlint.runtime.errors import CheckError
from xentlint.runtime.graph import Resolver

# --- writing Keras 3 configurations by hand ------------------------------------------------


def dense(name: str, units: int, activation: str | None = "linear", **extra: Any) -> dict:
    cfg = {"name": name, "units": units, "activation": activation, **extra}
    return {"module": "keras.layers", "class_name": "Dense", "config": cfg, "registered_name": None}


def layer(kind: str, name: str, **cfg: Any) -> dict:
    return {
        "module": "keras.layers",
        "class_name": kind,
        "config": {"name": name, **cfg},
        "registered_name": None,
    }


def sequential(*layers: dict, name: str = "seq") -> dict:
    inp = layer("InputLayer", "input_layer", batch_shape=[None, 8])
    return {
        "module": "keras",
        "class_name": "Sequential",
        "config": {"name": name, "layers": [inp, *layers]},
        "registered_name": None,
    }


def tensor(source: str, rank: int = 2) -> dict:
    return {
        "class_name": "__keras_tensor__",
        "config": {"shape": [None] * rank, "dtype": "float32", "keras_history": [source, 0, 0]},
    }


def node(entry: dict, *sources: str) -> dict:
    entry = dict(entry)
    entry["name"] = entry["config"]["name"]
    entry["inbound_nodes"] = [{"args": [tensor(s) for s in sources], "kwargs": {}}]
    return entry


def functional(layers: list[dict], outputs: Any, name: str = "model") -> dict:
    inp = layer("InputLayer", "x", batch_shape=[None, 8])
    inp["name"], inp["inbound_nodes"] = "x", []
    return {
        "module": "keras.src.models.functional",
        "class_name": "Functional",
        "config": {
            "name": name,
            "layers": [inp, *layers],
            "input_layers": ["x", 0, 0],
            "output_layers": outputs,
        },
        "registered_name": None,
    }


def loss_object(kind: str, **cfg: Any) -> dict:
    return {
        "module": "keras.losses",
        "class_name": kind,
        "config": {"name": kind, **cfg},
        "registered_name": None,
    }


def compiled(model: dict, loss: Any, metrics: Any = None) -> dict:
    return {**model, "compile_config": {"optimizer": "adam", "loss": loss, "metrics": metrics}}


def write_keras(path: Path, config: dict) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("metadata.json", json.dumps({"keras_version": "3.15.1"}))
        archive.writestr("config.json", json.dumps(config))
        archive.writestr("model.weights.h5", b"")
    return path


def codes(path: Path, **kw: Any) -> list[str]:
    return [d.code for d in inspect(path, **kw).diagnostics]


SOFTMAX_FROM_LOGITS = compiled(
    sequential(dense("hidden", 16, "relu"), dense("head", 10, "softmax")),
    loss_object("SparseCategoricalCrossentropy", from_logits=True),
    ["accuracy"],
)


# --- reading and checking --------------------------------------------------------------------


def test_xen101_from_a_keras_archive(tmp_path: Path) -> None:
    path = write_keras(tmp_path / "clf.keras", SOFTMAX_FROM_LOGITS)
    [d] = inspect(path).diagnostics
    assert (d.code, d.path, d.where) == ("XEN101", str(path), "output 'head' (layer 'head')")
    assert d.location() == f"{path}: output 'head' (layer 'head')"
    assert "compile(loss=...)" in d.message and "SparseCategoricalCrossentropy()" in d.message
    assert (d.line, d.column) == (0, 0)


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (compiled(sequential(dense("d", 10)), "categorical_crossentropy"), ["XEN102"]),
        (
            compiled(
                sequential(dense("d", 10)), loss_object("CategoricalCrossentropy", from_logits=True)
            ),
            [],
        ),
        (sequential(dense("d", 1, "softmax")), ["XEN103"]),
        (sequential(dense("d", 1), layer("Softmax", "sm", axis=-1)), ["XEN103"]),
        (compiled(sequential(dense("d", 1, "sigmoid")), "categorical_crossentropy"), ["XEN104"]),
        (compiled(sequential(dense("d", 10, "softmax")), "binary_crossentropy"), ["XEN105"]),
        (compiled(sequential(dense("d", 2, "softmax")), "binary_crossentropy"), []),
        (compiled(sequential(dense("d", 10, "sigmoid")), "categorical_crossentropy"), ["XEN106"]),
        (compiled(sequential(dense("d", 10, "sigmoid")), "binary_crossentropy"), []),
        (
            compiled(
                sequential(dense("d", 1)),
                loss_object("BinaryCrossentropy", from_logits=True),
                ["accuracy"],
            ),
            ["XEN107"],
        ),
        (
            compiled(
                sequential(dense("d", 1)),
                loss_object("BinaryCrossentropy", from_logits=True),
                [
                    {
                        "module": "keras.metrics",
                        "class_name": "BinaryAccuracy",
                        "config": {"threshold": 0.0},
                    }
                ],
            ),
            [],
        ),
        (
            compiled(
                sequential(dense("d", 10, "log_softmax")),
                loss_object("CategoricalCrossentropy", from_logits=True),
            ),
            [],
        ),
        (
            compiled(
                sequential(
                    dense("d", 10),
                    layer("Dropout", "dr", rate=0.5),
                    layer("Activation", "act", activation="softmax"),
                ),
                {
                    "module": "builtins",
                    "class_name": "function",
                    "config": "categorical_crossentropy",
                    "registered_name": "function",
                },
            ),
            [],
        ),
    ],
    ids=[
        "xen102",
        "xen102-neg",
        "xen103",
        "xen103-layer",
        "xen104",
        "xen105",
        "xen105-neg",
        "xen106",
        "xen106-neg",
        "xen107",
        "xen107-neg",
        "log-softmax",
        "activation-layer",
    ],
)
def test_rules_on_hand_written_archives(tmp_path: Path, config: dict, expected: list) -> None:
    assert codes(write_keras(tmp_path / "m.keras", config)) == expected


def test_multi_output_functional_with_nested_sequential(tmp_path: Path) -> None:
    sub = sequential(dense("logits", 3), layer("Softmax", "probs", axis=-1), name="sub")
    layers = [
        node(dense("hidden", 8, "relu"), "x"),
        node(sub, "hidden"),
        node(dense("bin", 1), "hidden"),
    ]
    model = functional(layers, {"cls": ["sub", 0, 0], "bin": ["bin", 0, 0]})
    config = compiled(
        model,
        {
            "cls": loss_object("CategoricalCrossentropy", from_logits=True),
            "bin": "binary_crossentropy",
        },
        {"bin": ["accuracy"]},
    )
    found = inspect(write_keras(tmp_path / "mm.keras", config)).diagnostics
    located = {(d.code, d.where) for d in found}
    assert located == {
        ("XEN101", "output 'cls' (layer 'sub/probs')"),
        ("XEN102", "output 'bin' (loss)"),
    }
    xen101 = next(d for d in found if d.code == "XEN101")
    assert "compile(loss={'cls': ...})" in xen101.message


def test_softmax_of_softmax_in_a_wrapper(tmp_path: Path) -> None:
    inner = sequential(dense("head", 5, "softmax"), name="base")
    config = sequential(inner, layer("Softmax", "again"), name="wrapper")
    [d] = inspect(write_keras(tmp_path / "w.keras", config)).diagnostics
    assert d.code == "XEN101" and d.where == "output 'again' (layer 'base/head')"
    assert "layer 'again' applies softmax again" in d.message


def test_softmax_over_the_time_axis_is_not_one_unit(tmp_path: Path) -> None:
    score = node(dense("score", 1), "x")
    score["inbound_nodes"][0]["args"] = [tensor("x", rank=3)]
    pool = node(layer("Softmax", "attn", axis=1), "score")
    pool["inbound_nodes"][0]["args"] = [tensor("score", rank=3)]
    model = functional([score, pool], ["attn", 0, 0])
    assert codes(write_keras(tmp_path / "att.keras", model)) == []


def test_keras_ops_softmax_in_a_functional_graph(tmp_path: Path) -> None:
    op = {
        "module": "keras.src.ops.nn",
        "class_name": "Softmax",
        "config": {"name": "softmax", "axis": -1},
        "registered_name": "Softmax",
    }
    model = functional([node(dense("d", 4), "x"), node(op, "d")], ["softmax", 0, 0])
    config = compiled(model, loss_object("CategoricalCrossentropy", from_logits=True))
    [d] = inspect(write_keras(tmp_path / "ops.keras", config)).diagnostics
    assert d.code == "XEN101" and d.where == "output 'softmax' (layer 'softmax')"


def test_selection_select_and_ignore(tmp_path: Path) -> None:
    config = compiled(sequential(dense("d", 10, "softmax")), "categorical_crossentropy")
    path = write_keras(tmp_path / "s.keras", config)
    assert codes(path) == []
    assert codes(path, codes=["XEN301"]) == ["XEN301"]


def test_keras2_hdf5_style_configuration() -> None:
    """Keras 2 writes no ``module`` keys and nested-list inbound nodes."""
    config = {
        "class_name": "Model",
        "config": {
            "name": "old",
            "layers": [
                {
                    "class_name": "InputLayer",
                    "name": "in",
                    "config": {"name": "in"},
                    "inbound_nodes": [],
                },
                {
                    "class_name": "Dense",
                    "name": "out",
                    "config": {"name": "out", "units": 3, "activation": "softmax"},
                    "inbound_nodes": [[["in", 0, 0, {}]]],
                },
            ],
            "output_layers": [["out", 0, 0]],
        },
    }
    result = ConfigReader().read(config)
    [(name, resolved)] = Resolver(result.graph).output_heads()
    assert (name, resolved.head.units, resolved.head.activation) == ("out", 3, Act.SOFTMAX)
    assert result.unsafe == []


# --- safety: code is never loaded without trust ----------------------------------------------


def lambda_layer(name: str) -> dict:
    fn = {"class_name": "__lambda__", "config": {"code": "4wEAAAA=", "defaults": None}}
    return layer("Lambda", name, function=fn, arguments={})


def test_lambda_is_read_naming_the_layer_not_loaded(tmp_path: Path) -> None:
    path = write_keras(tmp_path / "lam.keras", sequential(lambda_layer("spy"), dense("d", 3)))
    result = ConfigReader().read(saved.read(str(path)).config)
    assert result.unsafe == ["layer 'spy' (a Python lambda)"] and result.lambdas
    report = inspect(path, probe=True)  # the bytes "4wEAAAA=" are no code: loading would fail
    assert "not loaded: loading layer 'spy' (a Python lambda) would run code" in report.notes
    assert not any(note.startswith("loaded with") for note in report.notes)


def test_unregistered_custom_class_is_not_loaded(tmp_path: Path) -> None:
    custom = {
        "module": None,
        "class_name": "MyHead",
        "config": {"name": "my_head"},
        "registered_name": "MyHead",
    }
    loss = loss_object("CategoricalCrossentropy", from_logits=True)
    path = write_keras(tmp_path / "c.keras", compiled(sequential(dense("d", 3), custom), loss))
    result = ConfigReader().read(saved.read(str(path)).config)
    assert result.unsafe == ["layer 'my_head' (custom class MyHead, not registered)"]
    assert result.unregistered == [("MyHead", None)]
    report = inspect(path)
    assert any("layer 'my_head' is custom code" in item.text for item in report.not_judged)


def test_custom_activation_function_is_not_loaded(tmp_path: Path) -> None:
    act = {
        "module": "builtins",
        "class_name": "function",
        "config": "my_act",
        "registered_name": "function",
    }
    path = write_keras(tmp_path / "f.keras", sequential(dense("d", 3, act)))  # type: ignore[arg-type]
    result = ConfigReader().read(saved.read(str(path)).config)
    assert result.unsafe == ["layer 'd' (the custom function 'my_act')"]
    assert not result.lambdas


def test_trusted_config_is_read_without_running_anything(tmp_path: Path) -> None:
    config = compiled(
        sequential(lambda_layer("spy"), dense("head", 3, "softmax")),
        loss_object("CategoricalCrossentropy", from_logits=True),
    )
    path = write_keras(tmp_path / "lam.keras", config)
    report = inspect(path, trust_model=True, probe=False)
    assert [d.code for d in report.diagnostics] == ["XEN101"]


# --- bad input --------------------------------------------------------------------------------


def test_bad_inputs_are_one_line_errors(tmp_path: Path) -> None:
    not_keras = tmp_path / "data.zip"
    with zipfile.ZipFile(not_keras, "w") as archive:
        archive.writestr("readme.txt", "hi")
    garbage = tmp_path / "garbage.keras"
    garbage.write_bytes(b"not a model at all")
    bad_json = tmp_path / "bad.keras"
    with zipfile.ZipFile(bad_json, "w") as archive:
        archive.writestr("config.json", "{nope")
    empty = write_keras(tmp_path / "empty.keras", sequential())
    layer_only = write_keras(tmp_path / "layer.keras", dense("d", 3))
    cases = {
        tmp_path / "missing.keras": "no such file or directory",
        not_keras: "not a Keras model (no config.json)",
        garbage: "not a Keras model",
        bad_json: "malformed JSON",
        empty: "no outputs",
        layer_only: "is a Dense, not a model",
        tmp_path: "a folder, not a model file",
    }
    for path, message in cases.items():
        with pytest.raises(CheckError, match=re.escape(message)):
            inspect(path)


def test_unknown_fields_from_a_newer_keras_are_ignored(tmp_path: Path) -> None:
    config = dict(SOFTMAX_FROM_LOGITS)
    config["future_field"] = {"anything": [1, 2]}
    config["config"] = {**config["config"], "new_option": True}
    config["config"]["layers"][-1]["config"]["quantum"] = "yes"
    assert codes(write_keras(tmp_path / "new.keras", config)) == ["XEN101"]


# --- the command line -------------------------------------------------------------------------


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args))


def test_cli_text_json_and_exit_codes(tmp_path: Path) -> None:
    bad = write_keras(tmp_path / "clf.keras", SOFTMAX_FROM_LOGITS)
    good = write_keras(
        tmp_path / "ok.keras",
        compiled(
            sequential(dense("d", 10)),
            loss_object("SparseCategoricalCrossentropy", from_logits=True),
        ),
    )
    result = run("model", str(bad), str(good))
    assert result.exit_code == 1
    first = result.stdout.splitlines()[0]
    assert first.startswith(f"{bad}: output 'head' (layer 'head'): XEN101 softmax is applied twice")
    assert result.stdout.splitlines()[-1] == "Found 1 error in 1 file."
    assert run("model", str(good)).exit_code == 0
    assert run("model", "--exit-zero", str(bad)).exit_code == 0
    assert run("model", "--ignore", "XEN101", str(bad)).exit_code == 0
    as_json = run("model", "--output-format", "json", str(bad))
    [record] = json.loads(as_json.stdout)
    assert record["where"] == "output 'head' (layer 'head')"
    assert (record["code"], record["line"], record["column"]) == ("XEN101", 0, 0)
    assert "cell" not in record
    github = run("model", "--output-format", "github", str(bad)).stdout.splitlines()[0]
    assert github.startswith("::error file=") and ",line=1,col=1," in github
    assert "::output 'head' (layer 'head'): softmax is applied twice" in github


def test_cli_lambda_and_errors(tmp_path: Path) -> None:
    loss = loss_object("CategoricalCrossentropy", from_logits=True)
    config = compiled(sequential(dense("d", 3), lambda_layer("spy")), loss)
    path = write_keras(tmp_path / "lam.keras", config)
    result = run("model", str(path))
    assert result.exit_code == 0  # exit 2 before: nothing was checked
    assert "layer 'spy' runs a Python lambda" in result.stdout and "--trust-model" in result.stdout
    assert "Traceback" not in result.output
    missing = run("model", str(tmp_path / "nope.keras"))
    assert missing.exit_code == 2 and "no such file or directory" in missing.stderr
    assert run("model").exit_code == 2  # PATH is required


def test_cli_labels_errors(tmp_path: Path) -> None:
    np = pytest.importorskip("numpy")
    path = write_keras(tmp_path / "clf.keras", SOFTMAX_FROM_LOGITS)
    np.save(tmp_path / "bad.npy", np.zeros((4, 10, 3)))
    result = run("model", "--labels", str(tmp_path / "bad.npy"), str(path))
    assert result.exit_code == 2
    assert "does not fit output 'head'" in result.stderr


def test_rules_lists_xen401() -> None:
    result = run("rules")
    row = next(line for line in result.stdout.splitlines() if line.startswith("XEN401"))
    assert "output-activation-mismatch" in row and "error" in row
    assert "XEN401" in run("rule", "XEN401").stdout


# --- without Keras ------------------------------------------------------------------------------

_BLOCK = """
import importlib.abc, sys
class _Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("keras", "tensorflow", "h5py", "numpy", "jax", "torch"):
            raise ImportError(f"No module named {name!r} (blocked by the test)")
        return None
sys.meta_path.insert(0, _Block())
"""


def _without_keras(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(_BLOCK)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), *sys.path])}
    return subprocess.run(
        [sys.executable, "-m", "xentlint", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )


def test_without_keras(tmp_path: Path) -> None:
    path = write_keras(tmp_path / "clf.keras", SOFTMAX_FROM_LOGITS)
    hdf5 = tmp_path / "old.h5"
    hdf5.write_bytes(saved.HDF5_SIGNATURE + b"\0" * 64)
    # the configuration of a .keras archive needs nothing but the standard library
    plain = _without_keras(tmp_path, "model", str(path))
    assert plain.returncode == 1, plain.stderr
    assert "XEN101" in plain.stdout
    # each missing extra is named with the smallest install that provides it
    labels = tmp_path / "y.npy"
    labels.write_bytes(b"\x93NUMPY")
    hints = {
        ("model", str(hdf5)): "needs h5py to read an HDF5 (.h5) model: pip install h5py (",
        ("model", "--probe", str(path)): (
            "xentlint model needs keras and a backend to load the model for the probe "
            "(--probe): pip install tensorflow"
        ),
        ("model", "--labels", str(labels), str(path)): "needs numpy to read labels: pip install",
    }
    for args, hint in hints.items():
        result = _without_keras(tmp_path, *args)
        assert result.returncode == 2, result.stdout + result.stderr
        assert hint in result.stderr
        assert "Traceback" not in result.stderr
    assert "tensorflow" not in _without_keras(tmp_path, "model", str(hdf5)).stderr


def test_importing_the_runtime_package_is_light() -> None:
    code = (
        "import sys, xentlint.runtime, xentlint.runtime.cli, xentlint.runtime.check\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in "
        "('keras', 'tensorflow', 'numpy', 'h5py', 'libcst')]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stderr


# --- SavedModel metadata (protobuf wire format, written by hand) ---------------------------


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def test_keras2_savedmodel_metadata(tmp_path: Path) -> None:
    root = {
        "class_name": "Sequential",
        "config": {
            "name": "s",
            "layers": [
                {
                    "class_name": "Dense",
                    "config": {"name": "out", "units": 1, "activation": "softmax"},
                }
            ],
        },
        "training_config": {"loss": "binary_crossentropy"},
    }
    node = (
        b"\x10\x00"  # node_id = 0 (varint field 2)
        + _field(3, b"root")
        + _field(4, b"_tf_keras_sequential")
        + _field(5, json.dumps(root).encode())
    )
    folder = tmp_path / "exported"
    folder.mkdir()
    (folder / "saved_model.pb").write_bytes(b"")
    (folder / "keras_metadata.pb").write_bytes(_field(1, node))
    assert codes(folder) == ["XEN103"]
    (folder / "keras_metadata.pb").unlink()
    with pytest.raises(CheckError, match="SavedModel without Keras metadata"):
        inspect(folder)


def test_labels_of_different_lengths_are_an_error(tmp_path: Path) -> None:
    np = pytest.importorskip("numpy")
    layers = [node(dense("a", 3), "x"), node(dense("b", 1, "sigmoid"), "x")]
    model = functional(layers, {"a": ["a", 0, 0], "b": ["b", 0, 0]})
    config = compiled(
        model,
        {"a": loss_object("SparseCategoricalCrossentropy", from_logits=True),
         "b": "binary_crossentropy"},
    )  # fmt: skip
    path = write_keras(tmp_path / "two.keras", config)
    np.savez(tmp_path / "y.npz", a=np.arange(10) % 3, b=np.ones(8))
    with pytest.raises(CheckError, match=r"differ in length \(y.npz\['a'\]: 10, y.npz\['b'\]: 8\)"):
        inspect(path, labels=tmp_path / "y.npz")
    np.savez(tmp_path / "z.npz", a=np.arange(10) % 3, c=np.ones(10))
    with pytest.raises(CheckError, match="no model output named 'c'; the outputs are 'a', 'b'"):
        inspect(path, labels=tmp_path / "z.npz")
    np.savez(tmp_path / "ok.npz", a=np.arange(10) % 4, b=np.ones(10))
    assert codes(path, labels=tmp_path / "ok.npz") == ["XEN203"]  # id 3 for 3 units
