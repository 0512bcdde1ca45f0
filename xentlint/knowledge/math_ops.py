"""Tensor math that hand-written losses and metrics are made of.

``-tf.reduce_sum(y * tf.log(p))`` and ``-mean(y * log(p) + (1 - y) * log(1 - p))`` are
probability losses written out; ``tf.matmul(x, W) + b`` is a linear output (logits);
``tf.greater(logits, 0.5)`` thresholds. The static front end
(:mod:`xentlint.static.handwritten`) reads these names; one table, keyed by canonical name
(:func:`xentlint.knowledge.names.canonical`), says what each call is.
"""

from __future__ import annotations

from enum import Enum


class MathOp(str, Enum):
    LOG = "log"  # log(x)
    REDUCE = "reduce"  # sum/mean over axes: keeps what a loss term is
    CLIP = "clip"  # clip_by_value(x, low, high): x, bounded (a probability stays one)
    NEGATE = "negate"  # -x
    MULTIPLY = "multiply"  # x * y
    ADD = "add"  # x + y
    SUBTRACT = "subtract"  # x - y
    MATMUL = "matmul"  # x @ W: a linear output
    BIAS_ADD = "bias_add"  # x + b: a linear output stays linear
    LINEAR = "linear"  # xw_plus_b(x, W, b): a linear output
    GREATER = "greater"  # x > t
    GREATER_EQUAL = "greater_equal"  # x >= t
    LESS = "less"  # x < t
    LESS_EQUAL = "less_equal"  # x <= t
    ROUND = "round"  # round(x): thresholds at 0.5


_NAMESPACES = {
    "tensorflow": ("tensorflow.", "tensorflow.math."),
    "numpy": ("numpy.",),
    "keras": ("keras.ops.", "keras.backend."),
}


def _spell(names: dict[str, MathOp], *namespaces: str) -> dict[str, MathOp]:
    out: dict[str, MathOp] = {}
    for name, op in names.items():
        for namespace in namespaces:
            for prefix in _NAMESPACES[namespace]:
                out[prefix + name] = op
    return out


#: canonical name -> what the call computes
MATH_OPS: dict[str, MathOp] = {
    **_spell(
        {
            "log": MathOp.LOG,
            "negative": MathOp.NEGATE,
            "multiply": MathOp.MULTIPLY,
            "add": MathOp.ADD,
            "subtract": MathOp.SUBTRACT,
            "greater": MathOp.GREATER,
            "greater_equal": MathOp.GREATER_EQUAL,
            "less": MathOp.LESS,
            "less_equal": MathOp.LESS_EQUAL,
            "round": MathOp.ROUND,
        },
        "tensorflow",
        "numpy",
        "keras",
    ),
    **_spell({"reduce_sum": MathOp.REDUCE, "reduce_mean": MathOp.REDUCE}, "tensorflow"),
    **_spell({"sum": MathOp.REDUCE, "mean": MathOp.REDUCE}, "numpy", "keras"),
    **_spell({"clip": MathOp.CLIP}, "numpy", "keras"),
    "tensorflow.clip_by_value": MathOp.CLIP,
    "tensorflow.matmul": MathOp.MATMUL,
    "tensorflow.linalg.matmul": MathOp.MATMUL,
    "keras.ops.matmul": MathOp.MATMUL,
    "keras.backend.dot": MathOp.MATMUL,
    "tensorflow.nn.bias_add": MathOp.BIAS_ADD,
    "tensorflow.nn.xw_plus_b": MathOp.LINEAR,
}
