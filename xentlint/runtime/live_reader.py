"""A live ``keras.Model`` -> :class:`~xentlint.runtime.graph.Graph`, without serializing it.

``model.get_config()`` costs ~0.5 ms per layer; reading the layers' attributes and the
graph's nodes directly is an order of magnitude cheaper. A layer whose class derives from a
Keras layer (``class ProbDense(keras.layers.Dense)``) is read as that Keras layer: its
configuration is what the layer says it does, and the numeric probe checks what it does.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from xentlint.facts import Act
from xentlint.knowledge.models import SERIALIZED_MODEL_CLASSES
from xentlint.knowledge.names import is_library_module
from xentlint.runtime.config_reader import classify
from xentlint.runtime.graph import Graph, Op, Ref

_LIBRARY_FUNCTION_PACKAGES = ("keras", "tensorflow", "tf_keras", "jax", "torch")


@lru_cache(maxsize=512)
def _keras_base(cls: type) -> tuple[str, str, bool]:
    """(class name, module, is-a-subclass) of the nearest Keras class in ``cls``'s MRO."""
    for base in cls.__mro__:
        if is_library_module(base.__module__):
            return base.__name__, base.__module__, base is not cls
    return cls.__name__, cls.__module__, True


def _function_name(fn: Any) -> Any:
    """An activation function as its configuration would name it (None: unknown code)."""
    if fn is None or isinstance(fn, str):
        return fn
    module = getattr(fn, "__module__", None) or ""
    name = getattr(fn, "__name__", None)
    if module.split(".", 1)[0] in _LIBRARY_FUNCTION_PACKAGES and isinstance(name, str):
        return name
    return {"class_name": "custom"}


def _attributes(layer: Any) -> dict[str, Any]:
    cfg: dict[str, Any] = {}
    for key in ("units", "filters", "data_format", "axis", "target_shape"):
        value = getattr(layer, key, None)
        if value is not None:
            cfg[key] = list(value) if isinstance(value, tuple) else value
    if hasattr(layer, "activation"):
        cfg["activation"] = _function_name(layer.activation)
    inner = getattr(layer, "layer", None)
    if inner is not None and hasattr(inner, "__class__"):
        name, _module, _sub = _keras_base(type(inner))
        cfg["layer"] = {"class_name": name, "config": _attributes(inner)}
    return cfg


def _shape(tensor: Any) -> list[Any] | None:
    shape = getattr(tensor, "shape", None)
    try:
        return [d if isinstance(d, int) else None for d in shape] if shape is not None else None
    except TypeError:
        return None


def _rank(tensor: Any) -> int | None:
    shape = getattr(tensor, "shape", None)
    try:
        return len(shape) if shape is not None else None
    except TypeError:
        return None


def _history(tensor: Any) -> tuple[Any, int, int] | None:
    history = getattr(tensor, "_keras_history", None)
    if history is None:
        return None
    try:
        operation, node_index, tensor_index = history
    except (TypeError, ValueError):
        return None
    return operation, node_index, tensor_index


class LiveReader:
    def __init__(self) -> None:
        self.custom: list[str] = []

    def read(self, model: Any, prefix: str = "") -> Graph:
        if _is_sequential(model):
            return self.sequential(model, prefix)
        if hasattr(model, "_outputs_struct") and hasattr(model, "operations"):
            return self.functional(model, prefix)
        return Graph(type(model).__name__, subclassed=True)  # only the probe sees its outputs

    def op(self, layer: Any, prefix: str) -> Op:
        name = f"{prefix}{getattr(layer, 'name', type(layer).__name__)}"
        op = Op(id(layer), name, type(layer).__name__)
        if _is_model(layer):
            op.graph = self.read(layer, prefix=f"{name}/")
            return op
        kind, module, subclass = _keras_base(type(layer))
        if kind in ("Layer", "Operation"):
            op.custom = True
            op.unknown_because = f"is custom code (class {type(layer).__name__})"
            self.custom.append(name)
            return op
        op.kind = kind if not subclass else type(layer).__name__
        classify(op, kind, _attributes(layer), module)
        if kind == "Lambda":
            op.unknown_because = "is a Lambda layer (Python code)"
        elif op.activation is Act.UNKNOWN or op.applies is Act.UNKNOWN:
            function = getattr(getattr(layer, "activation", None), "__name__", None)
            named = f" ({function!r})" if isinstance(function, str) else ""
            op.unknown_because = f"has a custom activation function{named}"
        return op

    def sequential(self, model: Any, prefix: str) -> Graph:
        graph = Graph(str(getattr(model, "name", "sequential")))
        previous: Ref | None = None
        for position, layer in enumerate(model.layers):
            op = self.op(layer, prefix)
            op.calls = [[previous]] if previous is not None else [[]]
            rank = None
            nodes = getattr(layer, "_inbound_nodes", None) or []
            if nodes:
                tensors = getattr(nodes[-1], "input_tensors", None) or []
                rank = _rank(tensors[0]) if tensors else None
            op.in_ranks = [rank]
            if op.reshape and nodes:
                tensors = getattr(nodes[-1], "input_tensors", None) or []
                op.in_shapes = [_shape(tensors[0]) if tensors else None]
            if op.units is not None:
                op.out_rank = rank
            graph.ops[id(layer)] = op
            previous = Ref(id(layer))
            del position
        if previous is not None:
            graph.outputs = [(graph.ops[previous.key].name.rsplit("/", 1)[-1], previous)]
        return graph

    def functional(self, model: Any, prefix: str) -> Graph:
        graph = Graph(str(getattr(model, "name", "model")))
        for operation in model.operations:
            op = self.op(operation, prefix)
            for node in getattr(operation, "_inbound_nodes", None) or []:
                refs = []
                tensors = list(getattr(node, "input_tensors", None) or [])
                for tensor in tensors:
                    history = _history(tensor)
                    if history is not None:
                        refs.append(Ref(id(history[0]), history[1], history[2]))
                op.calls.append(refs)
                op.in_ranks.append(_rank(tensors[0]) if tensors else None)
                if op.reshape:
                    op.in_shapes.append(_shape(tensors[0]) if tensors else None)
            if op.units is not None and op.in_ranks:
                op.out_rank = op.in_ranks[0]
            graph.ops[id(operation)] = op
        struct = model._outputs_struct
        items: list[tuple[str | None, Any]]
        if isinstance(struct, dict):
            graph.output_struct = "dict"
            items = [(str(k), v) for k, v in struct.items()]
        elif isinstance(struct, (list, tuple)):
            graph.output_struct = "list" if len(struct) != 1 else "single"
            items = [(None, v) for v in struct]
        else:
            items = [(None, struct)]
        names: list[str] = []
        for key, tensor in items:
            history = _history(tensor)
            if history is None:
                continue
            operation, node_index, tensor_index = history
            name = key or str(getattr(operation, "name", "output"))
            if name in names:
                name = f"{name}_{tensor_index}"
            names.append(name)
            graph.outputs.append((name, Ref(id(operation), node_index, tensor_index)))
        return graph


def _is_model(layer: Any) -> bool:
    return any(c.__name__ in SERIALIZED_MODEL_CLASSES for c in type(layer).__mro__)


def _is_sequential(model: Any) -> bool:
    return any(
        c.__name__ == "Sequential" and is_library_module(c.__module__) for c in type(model).__mro__
    )
