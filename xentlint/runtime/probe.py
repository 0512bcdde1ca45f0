"""The numeric probe: run the model on a small random batch and look at what comes out.

Probability rows (non-negative, summing to 1) mean softmax; values in [0, 1] that do not
sum to 1 mean sigmoid; values outside [0, 1] mean raw scores. The batch mixes input scales
from 0.01 to 100, so a linear output cannot stay inside [0, 1] by chance, while a softmax or
sigmoid output always does. When this contradicts the configuration, that is XEN401.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from xentlint.facts import Act

BATCH = 8
SCALES = (0.01, 0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 100.0)
FREE_DIM = 16  # for unknown non-batch dimensions (sequence length, image size)
SUM_TOLERANCE = 1e-3


class ProbeSkipped(Exception):
    """The model's inputs cannot be synthesized, or the forward pass failed."""


@dataclass(frozen=True)
class Observation:
    activation: Act
    units: int | None
    rank: int
    evidence: str  # "every row of 3 values is non-negative and sums to 1 (...)"


def _specs(model: Any, input_shape: Any = None) -> Any:
    """The model's inputs as a structure of (shape, dtype) leaves.

    ``input_shape`` (as ``model.build`` takes it: one shape, batch dimension first, or a
    list/dict of shapes) is used when the model does not know its inputs.
    """
    struct = getattr(model, "_inputs_struct", None)
    if struct is None:
        try:
            struct = model.inputs
        except (AttributeError, ValueError):
            struct = None
    if struct is not None:
        return _map(struct, lambda t: (tuple(t.shape), str(getattr(t, "dtype", "float32"))))
    shapes = getattr(model, "_build_shapes_dict", None)
    if isinstance(shapes, dict) and len(shapes) == 1:
        (shape,) = shapes.values()
        if isinstance(shape, (tuple, list)) and all(isinstance(d, int) or d is None for d in shape):
            return (tuple(shape), "float32")
    if input_shape is not None:
        return _given(input_shape)
    raise ProbeSkipped("the model's input shape is unknown (it was never built on an input)")


def _given(shape: Any) -> Any:
    """``input_shape`` as (shape, dtype) leaves: one shape, or a list/tuple/dict of them."""
    if isinstance(shape, (tuple, list)) and all(_dim(d) for d in shape):
        return (tuple(shape), "float32")
    if isinstance(shape, dict) and shape:
        return {k: _given(v) for k, v in shape.items()}
    if isinstance(shape, (tuple, list)) and shape:
        return [_given(v) for v in shape]
    raise ProbeSkipped(
        f"input_shape={shape!r} is not a shape: give it as model.build takes it, batch "
        f"dimension first, for example (None, 20)"
    )


def _dim(value: Any) -> bool:
    return value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= 0)


def _map(struct: Any, fn: Any) -> Any:
    if isinstance(struct, dict):
        return {k: _map(v, fn) for k, v in struct.items()}
    if isinstance(struct, list):
        return [_map(v, fn) for v in struct]
    if isinstance(struct, tuple) and not _is_spec(struct):
        return tuple(_map(v, fn) for v in struct)
    return fn(struct)


def _is_spec(value: Any) -> bool:
    return (
        isinstance(value, tuple)
        and len(value) == 2
        and isinstance(value[0], tuple)
        and isinstance(value[1], str)
    )


def make_batch(model: Any, np: Any, seed: int = 0, input_shape: Any = None) -> Any:
    rng = np.random.default_rng(seed)
    scales = np.asarray(SCALES, dtype="float64")

    def leaf(spec: tuple[tuple[Any, ...], str]) -> Any:
        shape, dtype = spec
        if not shape:
            raise ProbeSkipped("a scalar model input")
        dims = [BATCH] + [d if isinstance(d, int) else FREE_DIM for d in shape[1:]]
        if "string" in dtype or "str" == dtype:
            raise ProbeSkipped("string inputs cannot be synthesized")
        if dtype.startswith(("int", "uint")):
            return rng.integers(0, 2, size=dims).astype(dtype)
        if dtype == "bool":
            return rng.integers(0, 2, size=dims).astype(bool)
        values = rng.standard_normal(dims) * scales.reshape([BATCH] + [1] * (len(dims) - 1))
        return values.astype("float32" if "float" not in dtype else dtype)

    return _map(_specs(model, input_shape), leaf)


def run(model: Any, keras: Any, np: Any, input_shape: Any = None) -> Any:
    """The model's outputs on a random batch, as numpy arrays in the model's structure."""
    batch = make_batch(model, np, input_shape=input_shape)
    try:
        outputs = model(batch, training=False)
    except Exception as exc:  # noqa: BLE001 - any failure of the user's model: skip
        raise ProbeSkipped(f"the forward pass failed: {type(exc).__name__}: {exc}") from exc
    return _map_out(outputs, lambda t: np.asarray(keras.ops.convert_to_numpy(t)))


def _map_out(struct: Any, fn: Any) -> Any:
    if isinstance(struct, dict):
        return {k: _map_out(v, fn) for k, v in struct.items()}
    if isinstance(struct, (list, tuple)):
        return [_map_out(v, fn) for v in struct]
    return fn(struct)


def observe(values: Any, np: Any) -> Observation | None:
    """What activation produced ``values`` (batch first, class scores on the last axis)."""
    y = np.asarray(values, dtype="float64")
    if y.ndim == 0 or y.size == 0 or not np.all(np.isfinite(y)):
        return None
    rank = int(y.ndim)
    if y.ndim == 1:
        y = y[:, None]
    units = int(y.shape[-1])
    low, high = float(y.min()), float(y.max())
    rows = y.reshape(-1, units)
    deviation = float(np.abs(rows.sum(axis=-1) - 1.0).max())
    n = rows.shape[0]
    if units == 1 and np.all(np.abs(rows - 1.0) < 1e-6):
        return Observation(Act.SOFTMAX, units, rank, f"all {n} values are exactly 1.0")
    if low >= 0.0 and units > 1 and deviation < SUM_TOLERANCE:
        return Observation(
            Act.SOFTMAX,
            units,
            rank,
            f"all {n} rows of {units} values are non-negative and sum to 1 "
            f"(largest deviation {deviation:.1e})",
        )
    if low >= 0.0 and high <= 1.0:
        return Observation(
            Act.SIGMOID,
            units,
            rank,
            f"all {rows.size} values lie in [0, 1] ({low:.3g} to {high:.3g})"
            + (" and the rows do not sum to 1" if units > 1 else ""),
        )
    if high <= 0.0:
        top = rows.max(axis=-1, keepdims=True)
        lse = top[:, 0] + np.log(np.exp(rows - top).sum(axis=-1))
        if float(np.abs(lse).max()) < SUM_TOLERANCE:
            return Observation(Act.LOG_SOFTMAX, units, rank, f"all {n} rows are log-probabilities")
    return Observation(
        Act.LINEAR,
        units,
        rank,
        f"the values range from {low:.3g} to {high:.3g}, outside [0, 1]",
    )
