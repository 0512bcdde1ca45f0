"""A saved model configuration (JSON) -> :class:`~xentlint.runtime.graph.Graph`.

Reads the architecture written by Keras 3 (``config.json`` of a ``.keras`` archive, the
``model_config`` attribute of an HDF5 file) and by Keras 2 (HDF5 files, SavedModel
metadata). Nothing is deserialized and no code runs: class names are looked up in tables.
While reading, it notes every object whose loading would need code xentlint cannot vouch
for: Python lambdas, and classes or functions that are neither Keras' own nor registered.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from xentlint.facts import Act
from xentlint.knowledge import activations as A
from xentlint.knowledge.layers import KERAS_CLASS_NAMES, LAYERS_BY_CLASS, Role
from xentlint.knowledge.models import SERIALIZED_MODEL_CLASSES as MODEL_CLASSES
from xentlint.knowledge.names import is_library_module
from xentlint.runtime.errors import CheckError
from xentlint.runtime.graph import Graph, Op, Ref

LAMBDA = "a Python lambda"


@dataclass
class ReadResult:
    graph: Graph
    unsafe: list[str] = field(default_factory=list)  # "layer 'double' (a Python lambda)"
    #: what Keras can load only once it is registered: (class or function, the module the
    #: configuration names for it, None when it names none that helps)
    unregistered: list[tuple[str, str | None]] = field(default_factory=list)
    lambdas: bool = False  # Python lambdas: loading them runs their code (safe_mode=False)


def keras_registered(name: str) -> bool:
    """Whether ``name`` is registered with Keras in this process (never imports Keras)."""
    keras = sys.modules.get("keras")
    if keras is None:
        return False
    try:
        return keras.saving.get_registered_object(name) is not None
    except Exception:  # noqa: BLE001 - an odd Keras: treat as not registered
        return False


class ConfigReader:
    def __init__(self, known: Callable[[str], bool] = keras_registered) -> None:
        self.known = known
        self.unsafe: list[str] = []
        self.unregistered: list[tuple[str, str | None]] = []
        self.lambdas = False

    # --- entry point ---------------------------------------------------------------------

    def read(self, config: Any) -> ReadResult:
        if not isinstance(config, dict) or "class_name" not in config:
            raise CheckError("not a Keras model configuration (no class_name)")
        kind = str(config.get("class_name"))
        library = kind in MODEL_CLASSES or self._library(config, kind)
        if not library:
            self.unsafe.append(f"model class {kind} (custom, not registered)")
            self.unregistered.append((kind, _user_module(config)))
        graph = self.model(config, prefix="")
        if graph is None:
            if library and kind not in MODEL_CLASSES:
                raise CheckError(f"the saved object is a {kind}, not a model")
            # A subclassed model: its configuration does not describe its outputs.
            graph = Graph(kind, subclassed=True)
        return ReadResult(graph, self.unsafe, self.unregistered, self.lambdas)

    def model(self, entry: dict[str, Any], prefix: str) -> Graph | None:
        """A nested or top-level model entry; None when it is not a model."""
        kind = _text(entry.get("class_name"))
        cfg = entry.get("config")
        if kind == "Sequential" or (kind in MODEL_CLASSES and isinstance(cfg, list)):
            return self.sequential(cfg, prefix)
        if isinstance(cfg, dict) and "layers" in cfg and "output_layers" in cfg:
            return self.functional(cfg, prefix)  # also a registered subclass of Functional
        if kind in ("Functional", "Model") and isinstance(cfg, dict) and "layers" in cfg:
            return self.functional(cfg, prefix)
        return None

    # --- Sequential ------------------------------------------------------------------------

    def sequential(self, cfg: Any, prefix: str) -> Graph:
        layers = cfg.get("layers", []) if isinstance(cfg, dict) else cfg
        name = cfg.get("name", "sequential") if isinstance(cfg, dict) else "sequential"
        graph = Graph(str(name), output_struct="single")
        previous: Ref | None = None
        rank: int | None = None
        if isinstance(cfg, dict) and isinstance(cfg.get("build_input_shape"), list):
            rank = len(cfg["build_input_shape"])
        for position, entry in enumerate(layers if isinstance(layers, list) else []):
            if not isinstance(entry, dict):
                continue
            if entry.get("class_name") == "InputLayer":
                shape = _input_shape(entry)
                rank = len(shape) if shape is not None else rank
                continue
            op = self.layer(entry, prefix, key=position)
            in_rank = _build_rank(entry) or rank
            op.calls = [[previous]] if previous is not None else [[]]
            op.in_ranks = [in_rank]
            if op.reshape:
                op.in_shapes = [_build_shape(entry)]
            if op.out_rank is None and op.units is not None:
                op.out_rank = in_rank
            graph.ops[position] = op
            previous = Ref(position)
            if op.out_rank is not None:
                rank = op.out_rank
            elif op.passthrough and in_rank is not None:
                rank = in_rank + op.rank_delta
            else:
                rank = None
            if op.applies is not None:
                rank = in_rank
        if previous is not None:
            last = graph.ops[previous.key]
            graph.outputs = [(last.name.rsplit("/", 1)[-1], previous)]
        return graph

    # --- Functional ------------------------------------------------------------------------

    def functional(self, cfg: dict[str, Any], prefix: str) -> Graph:
        graph = Graph(str(cfg.get("name", "model")))
        for entry in _list(cfg.get("layers")):
            if not isinstance(entry, dict):
                continue
            name = entry.get("name") or _dict(entry.get("config")).get("name")
            if not isinstance(name, str):
                continue
            op = self.layer(entry, prefix, key=name)
            op.calls, op.in_ranks = _inbound(entry.get("inbound_nodes"))
            if op.reshape:
                op.in_shapes = _inbound_shapes(entry.get("inbound_nodes"))
            if op.out_rank is None and op.units is not None and op.in_ranks:
                op.out_rank = op.in_ranks[0]
            graph.ops[name] = op
        graph.outputs, graph.output_struct = _outputs(cfg.get("output_layers"))
        return graph

    # --- one layer -------------------------------------------------------------------------

    def layer(self, entry: dict[str, Any], prefix: str, key: object) -> Op:
        kind = str(entry.get("class_name"))
        cfg = entry.get("config") if isinstance(entry.get("config"), dict) else {}
        name = entry.get("name") or cfg.get("name") or f"{kind.lower()}_{key}"
        path = f"{prefix}{name}"
        op = Op(key, path, kind)
        op.out_rank = None
        nested = self.model(entry, prefix=f"{path}/") if kind in MODEL_CLASSES else None
        if nested is not None:
            op.graph = nested
            return op
        if not self._library(entry, kind):
            op.custom = True
            op.unknown_because = f"is custom code (class {kind}, not registered)"
            self.unsafe.append(f"layer {path!r} (custom class {kind}, not registered)")
            self.unregistered.append((kind, _user_module(entry)))
            return op
        code = self._scan_code(cfg, path)
        if not _keras_own(entry, kind):  # registered: loadable, but its call() is unknown
            op.custom = True
            op.unknown_because = f"is custom code (class {kind})"
            return op
        classify(op, kind, cfg, module=entry.get("module"))
        if code is not None:
            op.unknown_because = f"runs {code}"
        elif op.activation is Act.UNKNOWN or op.applies is Act.UNKNOWN:
            op.unknown_because = "has an activation xentlint does not know" + _named(
                cfg.get("activation")
            )
        return op

    def _library(self, entry: dict[str, Any], kind: str) -> bool:
        """Keras' own class, or one registered with Keras in this process."""
        if _keras_own(entry, kind):
            return True
        registered = entry.get("registered_name")
        return self.known(registered if isinstance(registered, str) else kind)

    def _scan_code(self, cfg: Any, path: str) -> str | None:
        """The first lambda or custom function in a layer's configuration ("a Python
        lambda"), noted as unsafe to load; None when there is none."""
        for what in _code_objects(cfg, self.known):
            self.unsafe.append(f"layer {path!r} ({what})")
            if what == LAMBDA:
                self.lambdas = True
            else:
                self.unregistered.append((what, None))
            return what
        return None


def _user_module(entry: dict[str, Any]) -> str | None:
    """The module a custom class' entry names, when importing it could register the class."""
    module = entry.get("module")
    if not isinstance(module, str) or module in ("__main__", "builtins"):
        return None
    return module if all(part.isidentifier() for part in module.split(".")) else None


def _keras_own(entry: dict[str, Any], kind: str) -> bool:
    """Whether a configuration entry names one of Keras' own classes (not a registered one)."""
    if is_library_module(entry.get("module")):
        return True
    return "module" not in entry and kind in KERAS_CLASS_NAMES  # Keras 2: names only


def classify(op: Op, kind: str, cfg: dict[str, Any], module: object = None) -> None:
    """Fill in what ``op`` does to class scores from its class and configuration."""
    is_op = isinstance(module, str) and module.startswith(A.OP_MODULES)
    if is_op and kind in A.OP_CLASSES:  # keras.ops.softmax(x) in a functional graph
        op.applies = A.OP_CLASSES[kind]
        op.axis = cfg.get("axis", -1)
        return
    if kind == "TFOpLambda":
        act = A.TF_OP_LAMBDA_FUNCTIONS.get(str(cfg.get("function")))
        if act is not None:
            op.applies = act
        return
    layer = LAYERS_BY_CLASS.get(kind)
    if layer is None:
        return
    role = layer.role
    if role is Role.WRAPPER:
        inner = cfg.get(layer.inner.keyword) if layer.inner is not None else None
        if layer.see_through and isinstance(inner, dict):
            inner_cfg = inner.get("config") if isinstance(inner.get("config"), dict) else {}
            classify(op, str(inner.get("class_name")), inner_cfg, inner.get("module"))
    elif role is Role.UNITS:
        assert layer.units is not None and layer.activation is not None
        op.units = _int(cfg.get(layer.units.keyword))
        op.activation = activation_of(cfg.get(layer.activation.keyword))
        op.channels_first = layer.data_format and cfg.get("data_format") == "channels_first"
        op.out_rank = _build_rank(cfg)
    elif role is Role.RECURRENT:
        assert layer.units is not None
        op.units = _int(cfg.get(layer.units.keyword))
        op.activation = Act.OTHER
    elif role is Role.APPLIES:
        if layer.activation is not None:
            act = activation_of(cfg.get(layer.activation.keyword))
            if act is Act.LINEAR:
                op.passthrough = True
            else:
                op.applies = act
        else:
            op.applies = layer.applies
            if layer.axis is not None:
                op.axis = cfg.get(layer.axis.keyword, -1)
    elif role is Role.RESHAPE:
        op.reshape = True
        if layer.target is None:
            op.flattens = True
            op.out_rank = 2
        else:
            target = cfg.get(layer.target.keyword)
            if isinstance(target, list) and target:
                op.reshape_to = _int(target[-1])
                op.reshape_rank = len(target)
                op.out_rank = len(target) + 1
    else:  # Role.PASSTHROUGH
        op.passthrough = True
        op.rank_delta = layer.rank_delta


def activation_of(value: Any) -> Act:
    """The activation an ``activation=`` configuration value names."""
    if value is None:
        return Act.LINEAR
    if isinstance(value, str):
        return A.from_serialized(value)
    if isinstance(value, dict):
        if value.get("class_name") == "function" and isinstance(value.get("config"), str):
            return A.from_serialized(value["config"])
        if isinstance(value.get("config"), dict) and value.get("class_name") == "Activation":
            return activation_of(value["config"].get("activation"))
    return Act.UNKNOWN


def _named(activation: Any) -> str:
    """`` ('name')`` for an activation value that names a function, else nothing."""
    if isinstance(activation, dict):
        activation = activation.get("config")
    return f" ({activation!r})" if isinstance(activation, str) and len(activation) < 80 else ""


def _code_objects(value: Any, known: Callable[[str], bool]) -> Iterator[str]:
    """What each object in a configuration that would need code to load is: "a Python
    lambda", "the custom function 'my_act'"."""
    if isinstance(value, list):
        for item in value:
            yield from _code_objects(item, known)
        return
    if not isinstance(value, dict):
        return
    kind = value.get("class_name")
    if kind == "__lambda__" or value.get("function_type") == "lambda":
        yield LAMBDA
        return
    if set(value) == {"value"} and isinstance(value["value"], list):  # a lambda activation
        yield LAMBDA
        return
    if kind == "function" and isinstance(value.get("config"), str):
        name = value["config"]
        module = value.get("module")
        library = is_library_module(module) or str(module).startswith("tensorflow")
        if not library and A.from_serialized(name) is Act.UNKNOWN and not known(name):
            yield f"the custom function {name!r}"
        return
    for item in value.values():
        yield from _code_objects(item, known)


# --- helpers ---------------------------------------------------------------------------------
# A configuration is data anyone can write: every value may have any JSON type. These read
# a value as the type it should have, or as "nothing" (unknown), never raising.


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _build_shape(entry: dict[str, Any]) -> list[Any] | None:
    """A Sequential layer's input shape, from its ``build_config`` (Keras 3)."""
    build = entry.get("build_config")
    shape = build.get("input_shape") if isinstance(build, dict) else None
    return shape if isinstance(shape, list) else None


def _inbound_shapes(nodes: Any) -> list[list[Any] | None]:
    """Per call: the first input tensor's shape (Keras 3 configurations write it)."""
    shapes: list[list[Any] | None] = []
    for node in nodes if isinstance(nodes, list) else []:
        shape = None
        if isinstance(node, dict):
            for tensor in _keras_tensors(node.get("args")):
                value = tensor.get("shape")
                shape = value if isinstance(value, list) else None
                break
        shapes.append(shape)
    return shapes


def _build_rank(cfg: dict[str, Any]) -> int | None:
    build = cfg.get("build_config")
    if isinstance(build, dict) and isinstance(build.get("input_shape"), list):
        shape = build["input_shape"]
        if shape and all(isinstance(d, int) or d is None for d in shape):
            return len(shape)
    return None


def _input_shape(entry: dict[str, Any]) -> list[Any] | None:
    cfg = _dict(entry.get("config"))
    shape = cfg.get("batch_shape") or cfg.get("batch_input_shape")
    return shape if isinstance(shape, list) else None


def _keras_tensors(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        if value.get("class_name") == "__keras_tensor__" and isinstance(value.get("config"), dict):
            yield value["config"]
            return
        for item in value.values():
            yield from _keras_tensors(item)
    elif isinstance(value, list):
        for item in value:
            yield from _keras_tensors(item)


def _history_ref(history: Any) -> Ref | None:
    if isinstance(history, list) and len(history) >= 3 and isinstance(history[0], str):
        node, index = _int(history[1]), _int(history[2])
        if (node is not None and node < 0) or (index is not None and index < 0):
            return None  # Keras never writes these: not a tensor reference
        return Ref(history[0], node or 0, index or 0)
    return None


def _inbound(nodes: Any) -> tuple[list[list[Ref]], list[int | None]]:
    """Per call: the input tensors and the first input's rank (Keras 3 and Keras 2 forms)."""
    calls: list[list[Ref]] = []
    ranks: list[int | None] = []
    for node in nodes if isinstance(nodes, list) else []:
        refs: list[Ref] = []
        rank: int | None = None
        if isinstance(node, dict):  # Keras 3: {"args": [...], "kwargs": {...}}
            for tensor in _keras_tensors(node.get("args")):
                ref = _history_ref(tensor.get("keras_history"))
                if ref is not None:
                    refs.append(ref)
                    if rank is None and isinstance(tensor.get("shape"), list):
                        rank = len(tensor["shape"])
        elif isinstance(node, list):  # Keras 2: [[name, node_index, tensor_index, kwargs]]
            for item in node:
                ref = _history_ref(item)
                if ref is not None:
                    refs.append(ref)
        calls.append(refs)
        ranks.append(rank)
    return calls, ranks


def _outputs(value: Any) -> tuple[list[tuple[str, Ref]], str]:
    if isinstance(value, dict):
        out = [(str(k), r) for k, v in value.items() if (r := _history_ref(v)) is not None]
        return out, "dict"
    single = _history_ref(value)
    if single is not None:
        return [(single.key, single)], "single"  # type: ignore[list-item]
    if isinstance(value, list):
        refs = [r for v in value if (r := _history_ref(v)) is not None]
        names: list[str] = []
        for ref in refs:
            name = str(ref.key)
            names.append(name if name not in names else f"{name}_{ref.index}")
        return list(zip(names, refs, strict=True)), "single" if len(refs) == 1 else "list"
    return [], "single"
