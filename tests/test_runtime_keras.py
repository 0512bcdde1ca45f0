"""The runtime checker on models Keras builds and saves (TensorFlow backend, CPU).

Every model is tiny and built once per session (``models``), saved both as ``.keras`` and
``.h5``. Each rule has a positive and a negative model, checked in both formats, live and
through the ``xentlint model`` command. Then: multi-output models, labels from ``.npy`` and
``.npz`` files and from Python, the refusal of a Lambda (with proof that its body never
ran), the probe on custom layers (XEN401), the Keras callback in a real ``fit``, the
backend named in XEN101, and bad files.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

pytestmark = pytest.mark.tensorflow

ROOT = Path(__file__).resolve().parent.parent
SPY = "XENTLINT_SPY_FILE"


def _keras() -> Any:
    import keras

    return keras


# --- custom layers (registered, so that safe_mode=True can load them) ------------------------


def _custom_layers() -> tuple[type, type]:
    keras = _keras()
    registered = keras.saving.get_registered_object("xentlint_test>SoftmaxHead")
    if registered is not None:
        return registered, keras.saving.get_registered_object("xentlint_test>ProbDense")

    @keras.saving.register_keras_serializable(package="xentlint_test")
    class SoftmaxHead(keras.layers.Layer):
        """A custom layer whose call() ends in softmax: its config says nothing of it."""

        def __init__(self, units: int, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.units = units

        def build(self, shape: Any) -> None:
            self.kernel = self.add_weight(shape=(shape[-1], self.units))

        def call(self, x: Any) -> Any:
            return keras.ops.softmax(keras.ops.matmul(x, self.kernel))

        def get_config(self) -> dict[str, Any]:
            return {**super().get_config(), "units": self.units}

    @keras.saving.register_keras_serializable(package="xentlint_test")
    class ProbDense(keras.layers.Dense):
        """A Dense configured without activation whose call() applies softmax anyway."""

        def call(self, x: Any) -> Any:
            return keras.ops.softmax(super().call(x))

    return SoftmaxHead, ProbDense


# --- the models -------------------------------------------------------------------------------


def _seq(*layers: Any, inputs: int = 6) -> Any:
    keras = _keras()
    return keras.Sequential([keras.Input((inputs,)), *layers])


def _dense(units: int, activation: str | None = None, name: str = "head") -> Any:
    return _keras().layers.Dense(units, activation=activation, name=name)


def _compiled(model: Any, loss: Any, metrics: Any = None) -> Any:
    model.compile(optimizer="adam", loss=loss, metrics=metrics)
    return model


@dataclass(frozen=True)
class Case:
    build: Callable[[], Any]
    codes: tuple[str, ...]
    select: tuple[str, ...] | None = None


def _cases() -> dict[str, Case]:
    keras = _keras()
    losses = keras.losses
    bce_logits = losses.BinaryCrossentropy(from_logits=True)
    return {
        "xen101": Case(
            lambda: _compiled(
                _seq(_dense(3, "softmax")), losses.SparseCategoricalCrossentropy(from_logits=True)
            ),
            ("XEN101",),
        ),
        "xen101-neg": Case(
            lambda: _compiled(
                _seq(_dense(3)), losses.SparseCategoricalCrossentropy(from_logits=True)
            ),
            (),
        ),
        "xen102": Case(lambda: _compiled(_seq(_dense(3)), "categorical_crossentropy"), ("XEN102",)),
        "xen102-neg": Case(
            lambda: _compiled(_seq(_dense(3, "softmax")), "categorical_crossentropy"),
            (),
        ),
        "xen103": Case(lambda: _seq(_dense(1, "softmax")), ("XEN103",)),
        "xen103-layer": Case(
            lambda: _seq(_dense(1, name="score"), keras.layers.Softmax(name="head")),
            ("XEN103",),
        ),
        "xen103-neg": Case(lambda: _seq(_dense(1, "sigmoid")), ()),
        "xen104": Case(
            lambda: _compiled(_seq(_dense(1, "sigmoid")), "categorical_crossentropy"), ("XEN104",)
        ),
        "xen104-neg": Case(
            lambda: _compiled(_seq(_dense(1, "sigmoid")), "binary_crossentropy"), ()
        ),
        "xen105": Case(
            lambda: _compiled(_seq(_dense(4, "softmax")), "binary_crossentropy"), ("XEN105",)
        ),
        "xen105-neg": Case(
            lambda: _compiled(_seq(_dense(2, "softmax")), "binary_crossentropy"), ()
        ),
        "xen106": Case(
            lambda: _compiled(_seq(_dense(4, "sigmoid")), losses.CategoricalCrossentropy()),
            ("XEN106",),
        ),
        "xen106-neg": Case(
            lambda: _compiled(_seq(_dense(4, "sigmoid")), "binary_crossentropy"), ()
        ),
        "xen107": Case(lambda: _compiled(_seq(_dense(1)), bce_logits, ["accuracy"]), ("XEN107",)),
        "xen107-neg": Case(
            lambda: _compiled(
                _seq(_dense(1)), bce_logits, [keras.metrics.BinaryAccuracy(threshold=0.0)]
            ),
            (),
        ),
        "xen301": Case(
            lambda: _compiled(_seq(_dense(3, "softmax")), "categorical_crossentropy"),
            ("XEN301",),
            ("ALL",),
        ),
        "xen301-neg": Case(
            lambda: _compiled(_seq(_dense(3)), losses.CategoricalCrossentropy(from_logits=True)),
            (),
            ("ALL",),
        ),
    }


@dataclass
class Saved:
    live: Any
    keras: Path
    h5: Path


@pytest.fixture(scope="session")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Saved]:
    import warnings

    folder = tmp_path_factory.mktemp("models")
    out: dict[str, Saved] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, case in _cases().items():
            model = case.build()
            out[name] = Saved(model, folder / f"{name}.keras", folder / f"{name}.h5")
            model.save(out[name].keras)
            model.save(out[name].h5)
    return out


CASE_NAMES = [
    "xen101",
    "xen101-neg",
    "xen102",
    "xen102-neg",
    "xen103",
    "xen103-layer",
    "xen103-neg",
    "xen104",
    "xen104-neg",
    "xen105",
    "xen105-neg",
    "xen106",
    "xen106-neg",
    "xen107",
    "xen107-neg",
    "xen301",
    "xen301-neg",
]


@pytest.mark.parametrize("name", CASE_NAMES)
@pytest.mark.parametrize("form", ["live", "keras", "h5"])
def test_rule_cases(models: dict[str, Saved], name: str, form: str) -> None:
    import xentlint

    case = _cases()[name]
    target = getattr(models[name], form)
    found = xentlint.check_model(target, probe=False, select=case.select)
    assert tuple(d.code for d in found) == case.codes
    probed = xentlint.check_model(target, probe=True, select=case.select)
    assert tuple(d.code for d in probed) == case.codes  # the probe agrees with the config


def test_cli_on_both_formats(models: dict[str, Saved]) -> None:
    from click.testing import CliRunner

    from xentlint.cli import cli

    paths = [str(models["xen101"].keras), str(models["xen101"].h5), str(models["xen102-neg"].h5)]
    result = CliRunner().invoke(cli, ["model", "--output-format", "json", *paths])
    assert result.exit_code == 1, result.output
    records = json.loads(result.stdout)
    assert [(r["path"], r["code"], r["where"]) for r in records] == [
        (paths[0], "XEN101", "output 'head' (layer 'head')"),
        (paths[1], "XEN101", "output 'head' (layer 'head')"),
    ]
    assert "Backend: tensorflow" in records[0]["message"]
    assert "repairs this inside compile()/fit()" in records[0]["message"]


# --- multi-output models and labels --------------------------------------------------------------


@pytest.fixture(scope="session")
def multi(tmp_path_factory: pytest.TempPathFactory) -> Saved:
    keras = _keras()
    inputs = keras.Input((6,), name="x")
    hidden = keras.layers.Dense(8, activation="relu", name="hidden")(inputs)
    head = keras.Sequential(
        [keras.layers.Dense(3, name="logits"), keras.layers.Softmax(name="probs")], name="sub"
    )
    outputs = {"cls": head(hidden), "bin": keras.layers.Dense(1, name="bin")(hidden)}
    model = keras.Model(inputs, outputs)
    model.compile(
        optimizer="adam",
        loss={"cls": keras.losses.SparseCategoricalCrossentropy(), "bin": "binary_crossentropy"},
        metrics={"bin": ["accuracy"]},
    )
    folder = tmp_path_factory.mktemp("multi")
    saved = Saved(model, folder / "multi.keras", folder / "multi.h5")
    model.save(saved.keras)
    model.save(saved.h5)
    return saved


@pytest.mark.parametrize("form", ["live", "keras", "h5"])
def test_multi_output(multi: Saved, form: str) -> None:
    import xentlint

    found = xentlint.check_model(getattr(multi, form), probe=False)
    assert [(d.code, d.where) for d in found] == [("XEN102", "output 'bin' (loss)")]


def test_multi_output_labels_npz(multi: Saved, tmp_path: Path) -> None:
    import numpy as np

    import xentlint

    np.savez(
        tmp_path / "y.npz",
        cls=np.eye(3, dtype="float32")[np.arange(12) % 3],  # one-hot: wrong for a sparse loss
        bin=np.where(np.arange(12) % 2 == 0, -1.0, 1.0),  # -1/1 labels: wrong for BCE
    )
    found = xentlint.check_model(multi.keras, labels=tmp_path / "y.npz", probe=False)
    by_code = {d.code: d for d in found}
    assert set(by_code) == {"XEN102", "XEN201", "XEN203"}
    assert by_code["XEN201"].where == "output 'cls' (loss)"
    assert "one-hot rows of width 3 at y.npz['cls']" in by_code["XEN201"].message
    assert by_code["XEN203"].where == "output 'bin' (loss)"
    assert "range from -1 to 1" in by_code["XEN203"].message
    # the command line says which output each label set was checked against
    from click.testing import CliRunner

    from xentlint.cli import cli

    result = CliRunner().invoke(cli, ["model", "--labels", str(tmp_path / "y.npz"), str(multi.h5)])
    assert result.exit_code == 1
    note = "labels y.npz['cls'] (one-hot rows of width 3, 12 rows) checked against output 'cls'"
    assert note in result.stderr
    assert "checked against output 'bin'" in result.stderr
    # a single array for two outputs is ambiguous
    np.save(tmp_path / "one.npy", np.arange(12) % 3)
    with pytest.raises(xentlint.runtime.CheckError, match="give one label array per output"):
        xentlint.check_model(multi.keras, labels=tmp_path / "one.npy", probe=False)


@pytest.mark.parametrize(
    ("model", "labels", "codes"),
    [
        ("xen101-neg", "one_hot", ("XEN201",)),  # sparse loss, one-hot labels
        ("xen101-neg", "ids", ()),
        ("xen101-neg", "ids_too_big", ("XEN203",)),  # ids 0..4 for 3 units
        ("xen101-neg", "negative_ids", ("XEN203",)),
        ("xen102-neg", "ids", ("XEN202",)),  # categorical loss, integer ids
        ("xen102-neg", "one_hot", ()),
        ("xen102-neg", "one_hot_5", ("XEN203",)),  # one-hot width 5 for 3 units
        ("xen104-neg", "binary", ()),
        ("xen104-neg", "plus_minus_one", ("XEN203",)),
    ],
)
def test_labels_from_files(
    models: dict[str, Saved], tmp_path: Path, model: str, labels: str, codes: tuple[str, ...]
) -> None:
    import numpy as np

    import xentlint

    ids = np.arange(20) % 3
    arrays = {
        "one_hot": np.eye(3, dtype="float32")[ids],
        "one_hot_5": np.eye(5, dtype="float32")[np.arange(20) % 5],
        "ids": ids,
        "ids_too_big": np.arange(20) % 5,
        "negative_ids": ids - 1,
        "binary": (ids == 0).astype("float32").reshape(-1, 1),
        "plus_minus_one": np.where(ids == 0, 1.0, -1.0).reshape(-1, 1),
    }
    path = tmp_path / f"{labels}.npy"
    np.save(path, arrays[labels])
    for target in (models[model].keras, models[model].h5):
        found = xentlint.check_model(target, labels=path, probe=False)
        assert tuple(d.code for d in found) == codes
    if labels == "negative_ids":
        assert "negative class ids (down to -1" in found[0].message


def test_labels_from_python_objects(models: dict[str, Saved]) -> None:
    import numpy as np
    import tensorflow as tf

    import xentlint

    live = models["xen101-neg"].live  # Dense(3) + sparse loss
    one_hot = np.eye(3, dtype="float32")[np.arange(8) % 3]
    dataset = tf.data.Dataset.from_tensor_slices((np.zeros((8, 6), "float32"), one_hot)).batch(4)
    for labels in (one_hot, tf.constant(one_hot), dataset, dataset.element_spec):
        found = xentlint.check_model(live, labels=labels, probe=False)
        assert [d.code for d in found] == ["XEN201"], type(labels)
    assert xentlint.check_model(live, labels=np.arange(8) % 3, probe=False) == []


def test_labels_that_do_not_fit(models: dict[str, Saved]) -> None:
    import numpy as np

    import xentlint
    from xentlint.runtime import CheckError

    with pytest.raises(CheckError, match="does not fit output 'head'"):
        xentlint.check_model(models["xen101"].live, labels=np.zeros((4, 3, 2)), probe=False)
    with pytest.raises(CheckError, match="scalar"):
        xentlint.check_model(models["xen101"].live, labels=np.float32(1.0), probe=False)


# --- refusing a Lambda ------------------------------------------------------------------------


def _spy_model(marker: Path) -> Any:
    keras = _keras()

    body = eval(  # noqa: S307 - a real lambda whose body writes a file, for the proof
        f"lambda t: (open({str(marker)!r}, 'w').write('ran'), t)[1]"
    )
    return _compiled(
        _seq(keras.layers.Lambda(body, name="spy"), _dense(3, "softmax")),
        keras.losses.CategoricalCrossentropy(from_logits=True),
    )


def test_lambda_is_checked_and_never_runs(tmp_path: Path) -> None:
    import warnings

    import xentlint

    marker = tmp_path / "lambda_ran"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = _spy_model(marker)
        assert marker.exists()  # building the model ran the body once: the spy works
        marker.unlink()
        model.save(tmp_path / "spy.keras")
        model.save(tmp_path / "spy.h5")
    assert not marker.exists()
    for name in ("spy.keras", "spy.h5"):
        path = tmp_path / name
        # the configuration is checked without --trust-model (exit 2, nothing checked, before)
        cli = _xentlint("model", str(path))
        assert cli.returncode == 1, cli.stderr
        assert "XEN101" in cli.stdout and "All checks passed" not in cli.stdout
        probe = _xentlint("model", "--probe", str(path))
        assert probe.returncode == 1, probe.stderr
        assert f"{path}: the probe did not run: loading the model runs its Python lambdas" in (
            probe.stdout
        )
        assert probe.stdout.rstrip().endswith("pass --probe --trust-model\nFound 1 error in 1 "
                                              "file; not judged: the probe of 1 model (listed "
                                              "above).")  # fmt: skip
        found = xentlint.check_model(path)
        assert [d.code for d in found] == ["XEN101"]
        assert found.not_judged[0].endswith("pass probe=True, trust_model=True")
        assert not marker.exists(), f"the lambda ran while checking {name}"
    trusted = _xentlint("model", "--trust-model", "-v", str(tmp_path / "spy.keras"))
    assert trusted.returncode == 1, trusted.stderr
    assert "XEN101" in trusted.stdout
    assert marker.exists()  # trusting the model does run its code


def _xentlint(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "xentlint", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **(env or {})},
        cwd=cwd,
    )


# --- the probe ------------------------------------------------------------------------------------


def test_probe_sees_a_custom_softmax_layer(tmp_path: Path) -> None:
    import xentlint

    keras = _keras()
    softmax_head, _ = _custom_layers()
    model = _compiled(
        _seq(softmax_head(4, name="head")), keras.losses.CategoricalCrossentropy(from_logits=True)
    )
    model.save(tmp_path / "custom.keras")
    for target in (model, tmp_path / "custom.keras"):
        unprobed = xentlint.check_model(target, probe=False)
        assert unprobed == []  # the config cannot tell, and says so
        assert unprobed.not_judged == [
            "output 'head' not judged: its activation is unknown without probe=True "
            "(layer 'head' is custom code (class SoftmaxHead))"
        ]
        probed = xentlint.check_model(target)  # the probe can
        assert [(d.code, d.where) for d in probed] == [("XEN101", "output 'head' (layer 'head')")]
        assert probed.not_judged == []


def test_probe_contradicting_the_configuration_is_xen401(tmp_path: Path) -> None:
    import xentlint

    _, prob_dense = _custom_layers()
    model = _compiled(_seq(prob_dense(4, name="head")), "categorical_crossentropy")
    model.save(tmp_path / "prob.keras")
    model.save(tmp_path / "prob.h5")
    # configuration alone: a linear Dense with a probability loss
    assert [d.code for d in xentlint.check_model(model, probe=False)] == ["XEN102"]
    for target in (model, tmp_path / "prob.keras", tmp_path / "prob.h5"):
        [d] = xentlint.check_model(target)
        assert (d.code, d.where) == ("XEN401", "output 'head' (layer 'head')")
        assert "ends in linear (no activation)" in d.message
        assert "non-negative and sum to 1" in d.message


def test_probe_skips_models_it_cannot_feed() -> None:
    from xentlint.runtime.check import inspect

    keras = _keras()
    unbuilt = keras.Sequential([keras.layers.Dense(1, activation="softmax")])
    report = inspect(unbuilt, probe=True)
    assert [d.code for d in report.diagnostics] == ["XEN103"]
    assert any(note.startswith("probe skipped") for note in report.notes)


def test_unbuilt_subclassed_model_says_what_to_do() -> None:
    import xentlint
    from xentlint.runtime import CheckError

    keras = _keras()

    class Net(keras.Model):
        def __init__(self) -> None:
            super().__init__()
            self.head = keras.layers.Dense(3, activation="softmax")

        def call(self, x: Any) -> Any:
            return self.head(x)

    net = _compiled(Net(), keras.losses.CategoricalCrossentropy(from_logits=True))
    for probe in (True, False):
        with pytest.raises(CheckError) as info:
            xentlint.check_model(net, probe=probe)
        message = str(info.value)
        assert message.startswith("<model>: a subclassed model: only running it shows its ")
        assert "it is not built, so its input shape is unknown" in message
        assert "model(x[:1])" in message and "model.build((None, 20))" in message
        assert message.endswith("or pass probe=True with input_shape=(None, 20)")
    [d] = xentlint.check_model(net, input_shape=(None, 6))  # what the message offers works
    assert d.code == "XEN101"
    other = _compiled(Net(), keras.losses.CategoricalCrossentropy(from_logits=True))
    other.build((None, 6))  # and so does the other way
    assert [d.code for d in xentlint.check_model(other)] == ["XEN101"]


_LAYERS_MODULE = """
import keras


@keras.saving.register_keras_serializable(package="xl_import_test")
class HiddenSoftmax(keras.layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, shape):
        self.kernel = self.add_weight(shape=(shape[-1], self.units))

    def call(self, x):
        return keras.ops.softmax(keras.ops.matmul(x, self.kernel))

    def get_config(self):
        return {**super().get_config(), "units": self.units}
"""

_SAVE_WITH_LAYERS = """
import keras, xl_layers
model = keras.Sequential([keras.Input((4,)), xl_layers.HiddenSoftmax(3, name="head")])
model.compile("adam", keras.losses.CategoricalCrossentropy(from_logits=True))
model.save("m.keras")
"""


def test_import_registers_custom_layers_for_the_command_line(tmp_path: Path) -> None:
    (tmp_path / "xl_layers.py").write_text(_LAYERS_MODULE)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    subprocess.run(
        [sys.executable, "-c", _SAVE_WITH_LAYERS], cwd=tmp_path, env=env, check=True, timeout=300
    )
    plain = _xentlint("model", "m.keras", cwd=tmp_path)
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout.startswith(
        "m.keras: output 'head' not judged: its activation is unknown without --import "
        "xl_layers --probe (layer 'head' is custom code (class HiddenSoftmax, not registered); "
    )
    registered = _xentlint("model", "--import", "xl_layers", "m.keras", cwd=tmp_path)
    assert registered.stdout.startswith(
        "m.keras: output 'head' not judged: its activation is unknown without --probe "
        "(layer 'head' is custom code (class HiddenSoftmax))\n"
    )
    probed = _xentlint("model", "--import", "xl_layers", "--probe", "m.keras", cwd=tmp_path)
    assert probed.returncode == 1, probed.stderr  # loaded with safe_mode=True, and probed
    assert probed.stdout.splitlines() == [
        probed.stdout.splitlines()[0],
        "Found 1 error in 1 file.",
    ]
    assert probed.stdout.startswith("m.keras: output 'head' (layer 'head'): XEN101 ")


# --- the callback ---------------------------------------------------------------------------------


def test_callback_says_what_it_could_not_judge() -> None:
    import io

    import numpy as np

    from xentlint.keras import XentlintCallback

    keras = _keras()
    softmax_head, _ = _custom_layers()
    model = _compiled(
        _seq(softmax_head(3, name="head")), keras.losses.CategoricalCrossentropy(from_logits=True)
    )
    x = np.random.default_rng(0).normal(size=(8, 6)).astype("float32")
    y = np.eye(3)[np.arange(8) % 3]
    stream = io.StringIO()
    unprobed = XentlintCallback(probe=False, stream=stream)
    model.fit(x, y, epochs=1, verbose=0, callbacks=[unprobed])
    assert unprobed.diagnostics == []
    assert unprobed.not_judged == [
        "output 'head' not judged: its activation is unknown without probe=True "
        "(layer 'head' is custom code (class SoftmaxHead))"
    ]
    assert stream.getvalue() == f"xentlint: <model>: {unprobed.not_judged[0]}\n"
    probed = XentlintCallback(verbose=False)
    model.fit(x, y, epochs=1, verbose=0, callbacks=[probed])
    assert [d.code for d in probed.diagnostics] == ["XEN101"] and probed.not_judged == []


def test_callback_in_a_real_fit() -> None:
    import io

    import numpy as np

    from xentlint.keras import XentlintCallback, XentlintModelError

    keras = _keras()
    model = _compiled(
        _seq(_dense(8, "relu", name="hidden"), _dense(3, "softmax")),
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    x = np.random.default_rng(0).normal(size=(16, 6)).astype("float32")
    y = np.arange(16) % 3
    stream = io.StringIO()
    callback = XentlintCallback(labels=y, stream=stream)
    history = model.fit(x, y, epochs=1, batch_size=8, verbose=0, callbacks=[callback])
    assert len(history.history["loss"]) == 1
    assert [d.code for d in callback.diagnostics] == ["XEN101"]
    assert stream.getvalue().startswith("xentlint: <model>: output 'head' (layer 'head'): XEN101")
    strict = XentlintCallback(raise_on_error=True, verbose=False)
    with pytest.raises(XentlintModelError, match="XEN101"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[strict])


_JAX_SCRIPT = """
import numpy as np, keras
from xentlint.keras import XentlintCallback
assert keras.backend.backend() == "jax"
model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(3, activation="softmax",
                                                                  name="head")])
model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
callback = XentlintCallback(verbose=False)
x = np.random.default_rng(0).normal(size=(8, 6)).astype("float32")
model.fit(x, np.arange(8) % 3, epochs=1, verbose=0, callbacks=[callback])
print([d.code for d in callback.diagnostics])
print(callback.diagnostics[0].message)


class ProbDense(keras.layers.Dense):  # rules/XEN401.md: softmax hidden in call()
    def call(self, x):
        return keras.ops.softmax(super().call(x))


prob = keras.Sequential([keras.Input((2,)), ProbDense(3, use_bias=False)])
prob.layers[0].set_weights([np.array([[2.0, -1.0, 0.5], [-0.5, 1.5, 0.0]], "float32")])
xs = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], "float32")
ys = np.eye(3, dtype="float32")
for loss in ("categorical_crossentropy",
             keras.losses.CategoricalCrossentropy(from_logits=True)):
    prob.compile(loss=loss)
    print(repr(float(prob.evaluate(xs, ys, verbose=0))))
"""


def test_callback_on_the_jax_backend() -> None:
    try:
        import jax  # noqa: F401
    except ImportError:
        pytest.skip("jax is not installed")
    result = subprocess.run(
        [sys.executable, "-c", _JAX_SCRIPT],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "KERAS_BACKEND": "jax", "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    codes, message, once, twice = result.stdout.strip().splitlines()[-4:]
    assert codes == "['XEN101']"
    assert "Backend: jax. Nothing repairs it on this backend" in message
    # rules/XEN401.md: the hidden softmax plus from_logits=True is doubled on JAX
    reference, doubled = _prob_dense_reference()
    assert float(once) == pytest.approx(reference, abs=1e-4)
    assert float(twice) == pytest.approx(doubled, abs=1e-4)


def _prob_dense_reference() -> tuple[float, float]:
    """Mean cross-entropy of softmax(xW) and of softmax(softmax(xW)), with plain math."""
    import math

    weights = [[2.0, -1.0, 0.5], [-0.5, 1.5, 0.0]]
    rows = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]

    def softmax(v: list[float]) -> list[float]:
        e = [math.exp(a - max(v)) for a in v]
        return [a / sum(e) for a in e]

    once = twice = 0.0
    for label, x in enumerate(rows):
        logits = [sum(x[i] * weights[i][j] for i in range(2)) for j in range(3)]
        p = softmax(logits)
        once -= math.log(p[label]) / 3
        twice -= math.log(softmax(p)[label]) / 3
    return once, twice


def test_xen401_page_numbers_on_tensorflow() -> None:
    """rules/XEN401.md: on TensorFlow both losses give the softmax-once value."""
    import numpy as np

    _, prob_dense = _custom_layers()
    keras = _keras()
    model = _seq(prob_dense(3, use_bias=False, name="head"), inputs=2)
    model.layers[0].set_weights([np.array([[2.0, -1.0, 0.5], [-0.5, 1.5, 0.0]], "float32")])
    xs = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], "float32")
    reference, doubled = _prob_dense_reference()
    assert (reference, doubled) == pytest.approx((0.6997, 0.892), abs=1e-4)
    for loss in (
        "categorical_crossentropy",
        keras.losses.CategoricalCrossentropy(from_logits=True),
    ):
        model.compile(loss=loss)
        value = model.evaluate(xs, np.eye(3, dtype="float32"), verbose=0)
        assert value == pytest.approx(reference, abs=1e-4)


# --- SavedModel metadata and bad files -----------------------------------------------------------


def test_savedmodel_metadata_written_by_tensorflow(tmp_path: Path) -> None:
    """keras_metadata.pb serialized by TensorFlow's own protobuf class (a Keras 2 export)."""
    from tensorflow.python.keras.protobuf import saved_metadata_pb2

    import xentlint

    root = {
        "class_name": "Sequential",
        "config": {
            "name": "s",
            "layers": [
                {
                    "class_name": "Dense",
                    "config": {"name": "out", "units": 10, "activation": "softmax"},
                }
            ],
        },
        "training_config": {
            "loss": {"class_name": "CategoricalCrossentropy", "config": {"from_logits": True}}
        },
    }
    metadata = saved_metadata_pb2.SavedMetadata()
    node = metadata.nodes.add()
    node.node_id, node.node_path = 0, "root"
    node.identifier, node.metadata = "_tf_keras_sequential", json.dumps(root)
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "keras_metadata.pb").write_bytes(metadata.SerializeToString())
    [d] = xentlint.check_model(folder)
    assert (d.code, d.where) == ("XEN101", "output 'out' (layer 'out')")


def test_bad_files(models: dict[str, Saved], tmp_path: Path) -> None:
    import xentlint
    from xentlint.runtime import CheckError

    data = models["xen101"].h5.read_bytes()
    truncated = tmp_path / "truncated.h5"
    truncated.write_bytes(data[: len(data) // 3])
    with pytest.raises(CheckError, match="cannot read the HDF5 file"):
        xentlint.check_model(truncated)
    weights = tmp_path / "only.weights.h5"
    models["xen101"].live.save_weights(weights)
    with pytest.raises(CheckError, match="without a model configuration"):
        xentlint.check_model(weights)
    result = _xentlint("model", str(truncated))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0  # one line


def test_keras2_hdf5_file(tmp_path: Path) -> None:
    """An HDF5 file as Keras 2 wrote it: no ``module`` keys, nested-list inbound nodes."""
    import h5py

    import xentlint

    def layer(kind: str, name: str, inbound: list, **cfg: Any) -> dict:
        return {"class_name": kind, "name": name, "config": {"name": name, **cfg},
                "inbound_nodes": inbound}  # fmt: skip

    layers = [
        layer("InputLayer", "in", [], batch_input_shape=[None, 4]),
        layer("Dense", "hidden", [[["in", 0, 0, {}]]], units=8, activation="relu"),
        layer("Dense", "out", [[["hidden", 0, 0, {}]]], units=5, activation="softmax"),
    ]
    model = {"class_name": "Functional", "config": {"name": "m", "layers": layers,
             "input_layers": [["in", 0, 0]], "output_layers": [["out", 0, 0]]}}  # fmt: skip
    training = {
        "loss": {"class_name": "CategoricalCrossentropy", "config": {"from_logits": True}},
        "metrics": [[{"class_name": "MeanMetricWrapper",
                      "config": {"name": "accuracy", "fn": "categorical_accuracy"}}]],
    }  # fmt: skip
    path = tmp_path / "keras2.h5"
    with h5py.File(path, "w") as handle:
        handle.attrs["keras_version"] = "2.15.0"
        handle.attrs["backend"] = "tensorflow"
        handle.attrs["model_config"] = json.dumps(model)
        handle.attrs["training_config"] = json.dumps(training)
    [d] = xentlint.check_model(path, probe=False)
    assert (d.code, d.where) == ("XEN101", "output 'out' (layer 'out')")
    lam = layer("Lambda", "spy", [[["hidden", 0, 0, {}]]], function=["4wEA", None, None],
                function_type="lambda")  # fmt: skip
    model["config"]["layers"] = [*layers[:2], lam]
    model["config"]["output_layers"] = [["spy", 0, 0]]
    with h5py.File(path, "w") as handle:
        handle.attrs["model_config"] = json.dumps(model)
        handle.attrs["training_config"] = json.dumps(training)
    found = xentlint.check_model(path)  # refused before; now read, and never loaded
    assert found == []
    assert found.not_judged == [
        "output 'spy' not judged: its activation is unknown without probe=True, "
        "trust_model=True (layer 'spy' runs a Python lambda; loading the model runs its Python "
        "lambdas (only for a file you trust))"
    ]
