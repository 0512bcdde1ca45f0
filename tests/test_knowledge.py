"""One knowledge base, two front ends: static and runtime classify Keras alike.

Both front ends read :mod:`xentlint.knowledge`; these tests check that they *interpret* it
alike, for every layer class and every loss alias the installed Keras has, and that what
they say is what Keras does: a softmax head followed by each of a list of layers is saved
with Keras, then ``xentlint check`` on the source and ``xentlint model`` on the file must
report the same codes, and those codes follow from what each layer's ``call`` does.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from xentlint.facts import Act, LossFamily
from xentlint.knowledge.layers import (
    KERAS_CLASS_NAMES,
    LAYERS_BY_CLASS,
    UNTRUSTED_CLASS_NAMES,
    Role,
)
from xentlint.knowledge.losses import LOSS_STRINGS
from xentlint.runtime import compiled
from xentlint.runtime.anchors import Anchor
from xentlint.runtime.config_reader import ConfigReader
from xentlint.runtime.graph import Resolver
from xentlint.static.analyze import analyze_module

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

HEADS = {"softmax": '"softmax"', "linear": "None"}


def static_head(layer_class: str, head: str) -> tuple[Act, int | None] | None:
    """The activation and units the static front end sees at the output."""
    source = (
        "import keras\n"
        "model = keras.Sequential([\n"
        f"    keras.layers.Dense(10, activation={HEADS[head]}),\n"
        f"    keras.layers.{layer_class}(),\n"
        "])\n"
        "model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))\n"
    )
    analysis = analyze_module(source)
    if analysis is None or not analysis.facts.bindings:
        return None
    found = analysis.facts.bindings[0].head
    return found.activation, found.units


def runtime_head(layer_class: str, head: str) -> tuple[Act, int | None]:
    """The same from a saved configuration of the same model."""
    dense = {"units": 10, "activation": "softmax" if head == "softmax" else "linear"}
    config = {
        "class_name": "Sequential",
        "module": "keras",
        "config": {
            "name": "sequential",
            "layers": [
                {"class_name": "Dense", "module": "keras.layers", "config": dense},
                {"class_name": layer_class, "module": "keras.layers", "config": {}},
            ],
        },
    }
    graph = ConfigReader(known=lambda _name: False).read(config).graph
    [(_name, resolved)] = Resolver(graph).output_heads()
    return resolved.head.activation, resolved.head.units


def _keras_layer_classes() -> list[str]:
    keras = pytest.importorskip("keras")
    return sorted(
        name
        for name in dir(keras.layers)
        if isinstance(getattr(keras.layers, name), type) and not name.startswith("_")
    )


@pytest.mark.tensorflow
def test_every_keras_layer_class_is_known_to_the_trust_list() -> None:
    missing = set(_keras_layer_classes()) - KERAS_CLASS_NAMES - UNTRUSTED_CLASS_NAMES
    assert not missing, f"add to knowledge.layers.KERAS_CLASS_NAMES: {sorted(missing)}"


@pytest.mark.tensorflow
def test_static_and_runtime_classify_every_keras_layer_alike() -> None:
    disagreements = []
    for name in _keras_layer_classes():
        for head in HEADS:
            seen_static = static_head(name, head)
            seen_runtime = runtime_head(name, head)
            if seen_static != seen_runtime:
                disagreements.append((name, head, seen_static, seen_runtime))
    assert not disagreements


def test_the_layers_table_is_what_the_front_ends_read() -> None:
    # A listed pass-through layer keeps the head for both; an unlisted one makes it unknown.
    assert LAYERS_BY_CLASS["Identity"].role is Role.PASSTHROUGH
    for name in ("Identity", "Masking", "RepeatVector", "Dropout"):
        assert static_head(name, "softmax") == (Act.SOFTMAX, 10) == runtime_head(name, "softmax")
    assert "LayerNormalization" not in LAYERS_BY_CLASS
    # Reshape/Flatten keep rows only when the shapes say so: without them, unknown
    assert LAYERS_BY_CLASS["Reshape"].role is LAYERS_BY_CLASS["Flatten"].role is Role.RESHAPE
    for name in ("Flatten", "Reshape", "LayerNormalization"):
        assert static_head(name, "softmax") == (Act.UNKNOWN, None) == runtime_head(name, "softmax")


# --- losses --------------------------------------------------------------------------------


def static_loss(spelling: str) -> LossFamily | None:
    source = (
        "import keras\n"
        "model = keras.Sequential([keras.layers.Dense(3)])\n"
        f"model.compile(loss={spelling})\n"
    )
    analysis = analyze_module(source + "# crossentropy\n")
    if analysis is None or not analysis.facts.bindings:
        return None
    return analysis.facts.bindings[0].loss.family


def runtime_loss(serialized: Any) -> LossFamily | None:
    spec = compiled.loss_spec(serialized, Anchor("loss", "loss"))
    return None if spec is None else spec.family


def _loss_strings() -> list[str]:
    pytest.importorskip("keras")
    from keras.src.losses import ALL_OBJECTS_DICT

    return sorted(name for name in ALL_OBJECTS_DICT if name not in ("Loss", "LossFunctionWrapper"))


@pytest.mark.tensorflow
def test_every_loss_alias_keras_accepts_is_classified_alike() -> None:
    keras = pytest.importorskip("keras")
    for name in _loss_strings():
        resolved = keras.losses.get(name)
        real = getattr(resolved, "__name__", type(resolved).__name__)
        is_crossentropy = "crossentropy" in real.lower()
        assert (name in LOSS_STRINGS) == is_crossentropy, name
        assert static_loss(repr(name)) == runtime_loss(name) == LOSS_STRINGS.get(name), name


@pytest.mark.tensorflow
def test_every_crossentropy_class_and_function_is_classified_alike() -> None:
    keras = pytest.importorskip("keras")
    for name in _loss_strings():
        obj = getattr(keras.losses, name, None)
        if obj is None or "crossentropy" not in name.lower():
            continue
        if isinstance(obj, type):
            serialized = keras.losses.serialize(obj(from_logits=True))
            spelling = f"keras.losses.{name}(from_logits=True)"
        else:
            serialized = keras.losses.serialize(obj)
            spelling = f"keras.losses.{name}"
        family = runtime_loss(serialized)
        assert family is not None, name
        assert static_loss(spelling) == family, name


def test_a_string_keras_rejects_is_no_loss() -> None:
    assert static_loss('"cce"') is None
    assert runtime_loss("cce") is None


# --- end to end: what Keras does --------------------------------------------------------------

# A softmax head followed by one layer, compiled with SparseCategoricalCrossentropy(
# from_logits=True). The codes both front ends must report, and why (what the layer's call
# does to the softmax rows over the last axis):
FOLLOWERS = {
    # nothing after the head: the loss applies softmax to softmax outputs
    "": ("XEN101",),
    # call returns its input
    "keras.layers.Identity()": ("XEN101",),
    # inputs * any(inputs != 0, axis=-1): a softmax row is never all zeros, so kept whole
    "keras.layers.Masking()": ("XEN101",),
    # identity at inference (training only drops or scales values)
    "keras.layers.Dropout(0.2)": ("XEN101",),
    "keras.layers.GaussianNoise(0.1)": ("XEN101",),
    "keras.layers.GaussianDropout(0.1)": ("XEN101",),
    "keras.layers.AlphaDropout(0.1)": ("XEN101",),
    # returns its input; the penalty is a side loss
    "keras.layers.ActivityRegularization()": ("XEN101",),
    # (batch, 10) -> (batch, 3, 10): every row over the last axis is the softmax row
    "keras.layers.RepeatVector(3)": ("XEN101",),
    # Activation(None)/("linear") is the identity
    "keras.layers.Activation('linear')": ("XEN101",),
    # a second softmax: on the softmax rows (flattened towards uniform), and then the loss
    # applies a third: both findings
    "keras.layers.Activation('softmax')": ("XEN101", "XEN101"),
    "keras.layers.Softmax()": ("XEN101", "XEN101"),
    # a new linear Dense layer: its outputs are logits, as the loss expects
    "keras.layers.Dense(10)": (),
    # relu of probabilities: not class scores of a known kind
    "keras.layers.ReLU()": (),
    # the values change (a normalized softmax row is no longer a distribution): unknown
    "keras.layers.BatchNormalization()": (),
    "keras.layers.LayerNormalization()": (),
    "keras.layers.UnitNormalization()": (),
    # a reshape to the same last size keeps every row: the softmax reaches the loss
    "keras.layers.Reshape((10,))": ("XEN101",),
    # the last axis may merge with others (Flatten) or move (Permute): the static front
    # end does not track input shapes, so it says nothing (on rank 2 these are no-ops;
    # the runtime reader counts a Flatten as keeping rows only on rank > 2 with 1s between)
    "keras.layers.Flatten()": (),
    "keras.layers.Permute((1,))": (),
}


def _source(follower: str) -> str:
    tail = f"    {follower},\n" if follower else ""
    return (
        "import keras\n"
        "model = keras.Sequential([\n"
        "    keras.Input((20,)),\n"
        '    keras.layers.Dense(10, activation="softmax"),\n'
        f"{tail}"
        "])\n"
        "model.compile(\n"
        '    optimizer="adam",\n'
        "    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),\n"
        ")\n"
    )


@pytest.mark.tensorflow
@pytest.mark.parametrize("follower", list(FOLLOWERS), ids=lambda f: f or "none")
def test_static_and_saved_model_agree_with_keras(follower: str, tmp_path: Path) -> None:
    import xentlint

    source = _source(follower)
    static = Counter(d.code for d in xentlint.lint_source(source))
    namespace: dict[str, Any] = {}
    exec(compile(source, "<model>", "exec"), namespace)  # noqa: S102 - our own source
    model = namespace["model"]
    path = tmp_path / "model.keras"
    model.save(path)
    saved = Counter(d.code for d in xentlint.check_model(str(path), probe=False))
    live = Counter(d.code for d in xentlint.check_model(model, probe=False))
    expected = Counter(FOLLOWERS[follower])
    assert static == expected
    assert saved == expected
    assert live == expected


def test_the_prefilter_lets_every_known_loss_and_activation_through() -> None:
    """Every finding involves a crossentropy loss or a softmax/sigmoid spelled as one of the
    knowledge base's names; a file that mentions none of them is skipped unparsed
    (static.analyze.is_relevant). A new spelling the prefilter misses must extend its word
    list (CONTRIBUTING.md, "The prefilter")."""
    from xentlint.knowledge import activations as A
    from xentlint.knowledge.losses import LOGITS_OPS, LOSS_CLASSES, LOSS_FUNCTIONS
    from xentlint.static.analyze import is_relevant

    spellings = [*LOSS_STRINGS, *LOSS_CLASSES, *LOSS_FUNCTIONS, *LOGITS_OPS, *A.ACTIVATION_OPS]
    spellings += [s for s, act in A.ACTIVATION_STRINGS.items() if act is not Act.LINEAR]
    spellings += [*A.SERIALIZED_NAMES, *A.OP_CLASSES, *A.TF_OP_LAMBDA_FUNCTIONS]
    spellings += [
        q for q, act in A.ACTIVATION_FUNCTIONS.items() if act in A.ACTIVATION_OPS.values()
    ]
    spellings += ["keras.layers.Softmax"]
    missed = [s for s in spellings if not is_relevant(f"x = {s}\n")]
    assert not missed


# --- library models (keras.applications) ---------------------------------------------------

APPLICATION_SOURCES = {
    # Dense head
    "MobileNetV2": "keras.applications.MobileNetV2(alpha=0.35, input_shape=(32, 32, 3), "
    "weights=None, classes=3{act})",
    # Conv2D(classes, 1) -> Reshape((classes,)) -> Activation
    "MobileNet": "keras.applications.MobileNet(alpha=0.25, input_shape=(32, 32, 3), "
    "weights=None, classes=3{act})",
    # Conv2D(classes, 1) -> Flatten() -> Activation
    "MobileNetV3Small": "keras.applications.MobileNetV3Small(input_shape=(32, 32, 3), "
    "minimalistic=True, include_preprocessing=False, weights=None, classes=3{act})",
}


@pytest.mark.tensorflow
@pytest.mark.parametrize("name", list(APPLICATION_SOURCES))
@pytest.mark.parametrize("act", ["", ", classifier_activation=None"], ids=["softmax", "none"])
def test_an_application_has_the_same_head_in_source_and_saved(
    name: str, act: str, tmp_path: Path
) -> None:
    """The static table and the saved layers (read without running code) say the same."""
    import xentlint

    source = (
        "import keras\n"
        f"model = {APPLICATION_SOURCES[name].format(act=act)}\n"
        'model.compile(optimizer="adam", loss="binary_crossentropy")\n'
    )
    # 3 softmax units scored as independent yes/no labels; or logits into a probability loss
    expected = Counter(["XEN105"] if not act else ["XEN102"])
    static = Counter(d.code for d in xentlint.lint_source(source))
    namespace: dict[str, Any] = {}
    exec(compile(source, "<model>", "exec"), namespace)  # noqa: S102 - our own source
    model = namespace["model"]
    path = tmp_path / "model.keras"
    model.save(path)
    saved = Counter(d.code for d in xentlint.check_model(str(path), probe=False))
    live = Counter(d.code for d in xentlint.check_model(model, probe=False))
    assert static == saved == live == expected


@pytest.mark.tensorflow
def test_every_application_is_in_the_table_with_keras_argument_positions() -> None:
    import inspect

    keras = pytest.importorskip("keras")
    from xentlint.knowledge.applications import LIBRARY_HEADS

    names = [n for n in dir(keras.applications) if n[:1].isupper()]
    assert len(names) > 30
    for name in names:
        entry = LIBRARY_HEADS[f"keras.applications.{name}"]
        params = inspect.signature(getattr(keras.applications, name)).parameters
        order = list(params)
        for arg in (entry.include_top, entry.weights, entry.units, entry.activation):
            assert arg is not None and arg.keyword in params, (name, arg)
            if arg.position is not None:
                assert order.index(arg.keyword) == arg.position, (name, arg)
        assert params["classes"].default == entry.default_units == 1000
        assert params["classifier_activation"].default == "softmax"
        assert params["include_top"].default is True
        assert params["weights"].default == "imagenet"
