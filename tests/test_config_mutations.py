"""Type-confused model configurations: an unexpected type is "unknown", never a crash.

A saved model's ``config.json`` and ``compile_config`` are data anyone can write. Starting
from configurations shaped as Keras 3 and Keras 2 write them (Sequential, functional with
nested models and wrappers, losses and metrics in every serialized form), hypothesis
replaces values by values of other JSON types and drops keys; the configuration reader,
the graph resolver and the compile-config parser must then either work or raise their
own :class:`~xentlint.runtime.errors.CheckError`, nothing else. Deep nesting is bounded
when the file is loaded (:mod:`xentlint.runtime.saved`), so values here stay shallow.
"""

from __future__ import annotations

import copy
import os
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xentlint.runtime import compiled
from xentlint.runtime.config_reader import ConfigReader
from xentlint.runtime.errors import CheckError
from xentlint.runtime.graph import Resolver

_HUNT = int(os.environ.get("XENTLINT_HYPOTHESIS_EXAMPLES", "0"))
mutations = settings(
    max_examples=_HUNT or 400,
    deadline=None,
    derandomize=not _HUNT,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _tensor(layer: str, shape: list[Any]) -> dict[str, Any]:
    return {
        "class_name": "__keras_tensor__",
        "config": {"shape": shape, "dtype": "float32", "keras_history": [layer, 0, 0]},
    }


def _dense(name: str, units: int, activation: Any, inbound: Any = None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "module": "keras.layers",
        "class_name": "Dense",
        "config": {"name": name, "units": units, "activation": activation},
        "registered_name": None,
        "build_config": {"input_shape": [None, 8]},
        "name": name,
    }
    if inbound is not None:
        entry["inbound_nodes"] = inbound
    return entry


SEQUENTIAL = {
    "module": "keras",
    "class_name": "Sequential",
    "config": {
        "name": "sequential",
        "layers": [
            {"class_name": "InputLayer", "config": {"batch_shape": [None, 8], "name": "in"}},
            _dense("hidden", 16, "relu"),
            {"module": "keras.layers", "class_name": "Dropout", "config": {"rate": 0.1}},
            {
                "module": "keras.layers",
                "class_name": "TimeDistributed",
                "config": {"layer": _dense("td", 4, "softmax")},
            },
            {"module": "keras.layers", "class_name": "RepeatVector", "config": {"n": 2}},
            {"module": "keras.layers", "class_name": "Softmax", "config": {"axis": -1}},
            _dense("head", 3, {"module": "keras.activations", "class_name": "function",
                               "config": "softmax", "registered_name": "softmax"}),
        ],
        "build_input_shape": [None, 8],
    },
}  # fmt: skip

FUNCTIONAL = {
    "module": "keras.src.models.functional",
    "class_name": "Functional",
    "config": {
        "name": "model",
        "layers": [
            {"class_name": "InputLayer", "name": "x", "config": {"batch_shape": [None, 8]},
             "inbound_nodes": []},
            _dense("a", 3, None, [{"args": [_tensor("x", [None, 8])], "kwargs": {}}]),
            {"module": "keras.src.ops.nn", "class_name": "Softmax", "name": "softmax",
             "config": {"axis": -1},
             "inbound_nodes": [{"args": [_tensor("a", [None, 3])], "kwargs": {}}]},
            {"module": "keras", "class_name": "Sequential", "name": "inner",
             "config": {"layers": [_dense("b", 1, "sigmoid")]},
             "inbound_nodes": [[["x", 0, 0, {}]]]},
            {"class_name": "TFOpLambda", "name": "tf_op", "config": {"function": "nn.softmax"},
             "inbound_nodes": [[["a", 0, 0, {}]]]},
        ],
        "input_layers": [["x", 0, 0]],
        "output_layers": {"probs": ["softmax", 0, 0], "binary": ["inner", 0, 0],
                          "op": ["tf_op", 0, 0]},
    },
}  # fmt: skip

COMPILE = {
    "optimizer": "adam",
    "loss": {
        "probs": {"module": "keras.losses", "class_name": "SparseCategoricalCrossentropy",
                  "config": {"from_logits": True, "name": "scce"}},
        "binary": {"module": "keras.losses", "class_name": "function",
                   "config": "binary_crossentropy"},
        "op": "categorical_crossentropy",
    },
    "metrics": {
        "probs": ["accuracy"],
        "binary": [{"class_name": "BinaryAccuracy", "config": {"threshold": 0.5}},
                   {"class_name": "MeanMetricWrapper",
                    "config": {"fn": "binary_accuracy", "name": "acc", "threshold": 0.5}},
                   {"class_name": "function", "config": "binary_accuracy"}],
        "op": "acc",
    },
}  # fmt: skip

LIST_COMPILE = {"loss": ["categorical_crossentropy"], "metrics": [["accuracy"]]}

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.floats(allow_nan=False, allow_infinity=False, width=16)
    | st.sampled_from(["", "softmax", "Dense", "channels_first", "x", "function"]),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=4,
)  # fmt: skip


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            out.extend(_paths(item, (*prefix, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out.extend(_paths(item, (*prefix, index)))
    return out


def _apply(value: Any, path: tuple[Any, ...], new: Any, drop: bool) -> Any:
    if not path:
        return new
    parent = value
    for key in path[:-1]:
        parent = parent[key]
    if drop and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = new
    return value


@st.composite
def mutated(draw: st.DrawFn, base: dict[str, Any]) -> Any:
    value = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 4))):
        paths = _paths(value)
        path = draw(st.sampled_from(paths))
        value = _apply(value, path, draw(json_values), draw(st.booleans()))
    return value


def _read_all(config: Any, compile_config: Any) -> None:
    try:
        graph = ConfigReader(known=lambda _name: False).read(config).graph
    except CheckError:
        return
    resolver = Resolver(graph)
    heads = resolver.output_heads()
    resolver.sites()
    names = [name for name, _ in heads]
    compiled.per_output(compile_config, names, graph.output_struct)


@mutations
@given(
    st.sampled_from([SEQUENTIAL, FUNCTIONAL]).flatmap(mutated),
    st.sampled_from([COMPILE, LIST_COMPILE]),
)
def test_mutated_model_configuration(config: Any, compile_config: dict[str, Any]) -> None:
    _read_all(config, compile_config)


@mutations
@given(st.sampled_from([COMPILE, LIST_COMPILE]).flatmap(mutated))
def test_mutated_compile_configuration(compile_config: Any) -> None:
    _read_all(copy.deepcopy(FUNCTIONAL), compile_config)
    _read_all(copy.deepcopy(SEQUENTIAL), compile_config)


def test_the_unmutated_configurations_are_understood() -> None:
    """The bases are real configurations, not noise: the readers see their heads."""
    graph = ConfigReader(known=lambda _name: False).read(FUNCTIONAL).graph
    heads = dict(Resolver(graph).output_heads())
    assert heads["probs"].head.activation.value == "softmax"
    assert heads["binary"].head.activation.value == "sigmoid"
    setups = compiled.per_output(COMPILE, list(heads), graph.output_struct)
    assert [s.loss.family.value for s in setups if s and s.loss] == [
        "sparse_categorical",
        "binary",
        "categorical",
    ]
    graph = ConfigReader(known=lambda _name: False).read(SEQUENTIAL).graph
    [(_name, resolved)] = Resolver(graph).output_heads()
    assert (resolved.head.activation.value, resolved.head.units) == ("softmax", 3)
