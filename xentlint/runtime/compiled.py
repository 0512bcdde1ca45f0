"""The compile configuration (loss per output, from_logits, metrics) -> LossSpec / MetricSpec.

The input is the serialized form Keras writes: ``compile_config`` of a ``.keras``
archive, ``training_config`` of an HDF5 file, or ``model.get_compile_config()`` of a live
model. Losses and metrics xentlint does not know (custom functions, lambdas) stay unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from xentlint.facts import LossFamily, LossSpec, MetricSpec
from xentlint.knowledge.losses import LOSS_STRINGS, SERIALIZED_CLASSES, SERIALIZED_FUNCTIONS
from xentlint.knowledge.metrics import (
    ACCURACY_STRINGS,
    DEFAULT_THRESHOLD,
    SERIALIZED_THRESHOLD_FUNCTIONS,
    SERIALIZED_THRESHOLD_METRICS,
    THRESHOLD_STRINGS,
)
from xentlint.knowledge.names import is_library_module
from xentlint.runtime.anchors import Anchor

_MISSING = object()


@dataclass(frozen=True)
class OutputCompile:
    loss: LossSpec | None
    metrics: tuple[MetricSpec, ...]
    #: when ``loss`` is None because the loss is code xentlint cannot read: what it is
    #: ("the custom function 'mypkg>my_loss'"); None for Keras' own losses and when unsure
    custom_loss: str | None = None
    #: ``loss`` is None because the loss is one of Keras' own, not a cross-entropy ("mse")
    other_keras_loss: bool = False


def keras_loss(value: Any) -> bool:
    """Whether a saved loss is certainly one of Keras' own: a string (Keras resolves it by
    name, and saves a user's function as a function object) or a Keras class."""
    if isinstance(value, str):
        return True
    return (
        isinstance(value, dict)
        and isinstance(value.get("class_name"), str)
        and value.get("class_name") != "function"
        and is_library_module(value.get("module"))
        and value.get("registered_name") is None
    )


def custom_loss(value: Any) -> str | None:
    """What a saved loss is when it certainly is the user's code, else None.

    Keras saves its own loss functions and a user's unregistered ones alike
    (``{"class_name": "function", "config": "name"}``), so only lambdas, registered
    functions (``package>name``) and registered classes (a ``registered_name``, which
    Keras' own classes do not have) are known to be code.
    """
    if not isinstance(value, dict):
        return None
    kind, cfg = value.get("class_name"), value.get("config")
    if kind == "__lambda__":
        return "a Python lambda"
    if kind == "function":
        return f"the custom function {cfg!r}" if isinstance(cfg, str) and ">" in cfg else None
    if isinstance(kind, str) and isinstance(value.get("registered_name"), str):
        return f"the custom class {kind}"
    return None


def _is_object(value: Any) -> bool:
    return isinstance(value, dict) and "class_name" in value


def pick(value: Any, name: str, index: int, count: int, struct: str) -> Any:
    """The part of a per-output compile argument meant for one output."""
    if isinstance(value, dict) and not _is_object(value):
        return value.get(name, _MISSING)
    if isinstance(value, (list, tuple)) and count > 1:
        return value[index] if len(value) == count else _MISSING
    if isinstance(value, (list, tuple)) and struct == "list" and len(value) == 1:
        return value[0]
    return value


def loss_spec(value: Any, anchor: Anchor) -> LossSpec | None:
    if isinstance(value, str):
        family = LOSS_STRINGS.get(value)
        return LossSpec(family, False, "string", value, anchor) if family else None
    if not isinstance(value, dict):
        return None
    kind = value.get("class_name")
    cfg = value.get("config")
    module = value.get("module")
    if kind == "function" and isinstance(cfg, str):
        function = SERIALIZED_FUNCTIONS.get(cfg)
        return LossSpec(function.family, False, "function", cfg, anchor) if function else None
    loss = SERIALIZED_CLASSES.get(kind) if isinstance(kind, str) else None
    if loss is not None and (module is None or is_library_module(module)):
        logits = cfg.get("from_logits", False) if isinstance(cfg, dict) else False
        from_logits = logits if isinstance(logits, bool) else None
        return LossSpec(loss.family, from_logits, "class", kind, anchor, anchor)
    return None


def _flatten(value: Any) -> list[Any]:
    if isinstance(value, (list, tuple)):
        return [leaf for item in value for leaf in _flatten(item)]
    return [] if value is None or value is _MISSING else [value]


def metric_specs(value: Any, output: str | None) -> tuple[MetricSpec, ...]:
    specs: list[MetricSpec] = []
    for item in _flatten(value):
        spelling: str | None = None
        threshold: float | None = DEFAULT_THRESHOLD
        from_logits: bool | None = None
        if isinstance(item, str) and item in ACCURACY_STRINGS:
            spelling = item
        elif isinstance(item, str) and item in THRESHOLD_STRINGS:  # "precision", "auc"
            entry = THRESHOLD_STRINGS[item]
            spelling, threshold = item, entry.default
            from_logits = False if entry.from_logits is not None else None
        elif isinstance(item, dict):
            kind, cfg = item.get("class_name"), item.get("config")
            metric = SERIALIZED_THRESHOLD_METRICS.get(kind) if isinstance(kind, str) else None
            overridden = isinstance(cfg, dict) and any(
                cfg.get(name) is not None for name in (metric.overrides if metric else ())
            )
            if metric is not None and not overridden:
                spelling = metric.class_name
                if metric.from_logits is not None:
                    threshold = None
                    logits = (
                        cfg.get(metric.from_logits.keyword, False)
                        if isinstance(cfg, dict)
                        else False
                    )
                    from_logits = logits if isinstance(logits, bool) else None
                else:
                    assert metric.threshold is not None
                    threshold = _threshold(cfg, metric.threshold.keyword, metric.default)
            elif (
                kind == "function"
                and isinstance(cfg, str)
                and cfg in SERIALIZED_THRESHOLD_FUNCTIONS
            ):
                spelling = str(cfg)
            elif kind == "MeanMetricWrapper" and isinstance(cfg, dict):
                fn, name = cfg.get("fn"), cfg.get("name")
                if (isinstance(fn, str) and fn in SERIALIZED_THRESHOLD_FUNCTIONS) or (
                    isinstance(name, str) and name in ACCURACY_STRINGS
                ):
                    spelling = str(name)
                    threshold = _threshold(cfg, "threshold", DEFAULT_THRESHOLD)
        if spelling is not None:
            anchor = Anchor("metric", f"metric {spelling!r}", output, f"metric {spelling!r}")
            specs.append(MetricSpec(spelling, threshold, anchor, from_logits))
    return tuple(specs)


def _threshold(cfg: Any, keyword: str, default: float | None) -> float | None:
    """A serialized threshold: the default when absent (or null), None when not a number."""
    if not isinstance(cfg, dict) or cfg.get(keyword) is None:
        return default
    value = cfg[keyword]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


def _loss_anchor(name: str, count: int, loss: Any, index: int) -> Anchor:
    if count == 1 or not isinstance(loss, (dict, list, tuple)) or _is_object(loss):
        text = "compile(loss=...)"
    elif isinstance(loss, dict):
        text = f"compile(loss={{{name!r}: ...}})"
    else:
        text = f"compile(loss=[...][{index}])"
    return Anchor("loss", text, name, "loss")


def per_output(
    compile_config: dict[str, Any] | None, outputs: list[str], struct: str
) -> list[OutputCompile | None]:
    """For each output (by name, in order): its loss and accuracy-like metrics, or None."""
    if not isinstance(compile_config, dict) or not outputs:
        return [None] * len(outputs)
    loss = compile_config.get("loss")
    metrics = compile_config.get("metrics")
    count = len(outputs)
    out: list[OutputCompile | None] = []
    for index, name in enumerate(outputs):
        part = pick(loss, name, index, count, struct)
        if part is _MISSING or part is None:
            out.append(None)
            continue
        spec = loss_spec(part, _loss_anchor(name, count, loss, index))
        chosen = pick(metrics, name, index, count, struct)
        custom = custom_loss(part) if spec is None else None
        other = spec is None and keras_loss(part)
        out.append(OutputCompile(spec, metric_specs(chosen, name), custom, other))
    return out


def family_word(family: LossFamily) -> str:
    return family.value.replace("_", " ")
