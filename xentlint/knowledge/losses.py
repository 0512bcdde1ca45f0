"""Crossentropy losses in every form Keras and TensorFlow offer.

One :class:`LossKind` per loss: its family, its class and function names, every string
``keras.losses.get`` accepts for it (Keras 3.15 and Keras 2 agree), where ``from_logits``
sits among the positional arguments and the keyword arguments each form takes. The
tables below (by string, by canonical name, by serialized name) are built from the entries.
Any other loss (mse, hinge, a custom function) is not a crossentropy: the checks ignore it.
"""

from __future__ import annotations

from typing import NamedTuple

from xentlint.facts import LossFamily


class LossKind(NamedTuple):
    family: LossFamily
    class_name: str  # keras.losses.<class_name>
    function_name: str  # keras.losses.<function_name>, also keras.metrics.
    strings: tuple[str, ...]  # what compile(loss="...") accepts for it
    class_from_logits: int  # positional index of from_logits in the class' __init__
    function_from_logits: int  # ... and in the function (after y_true, y_pred)
    class_keywords: frozenset[str]
    function_keywords: frozenset[str]
    #: keras.ops.<function_name>(target, output, from_logits, ...), when there is one
    ops_keywords: frozenset[str] | None = None
    #: tf.nn.<op>(labels=, logits=): the always-logits op of the same family
    nn_op: str | None = None
    #: a focal loss: its extra arguments (alpha, gamma) have no plain counterpart
    focal: bool = False


_COMMON = frozenset({"from_logits", "reduction", "name", "dtype"})
_FN = frozenset({"y_true", "y_pred", "from_logits"})
_FOCAL = frozenset({"alpha", "gamma", "label_smoothing", "axis"})

_ENTRIES = (
    LossKind(
        LossFamily.CATEGORICAL,
        "CategoricalCrossentropy",
        "categorical_crossentropy",
        ("categorical_crossentropy", "CategoricalCrossentropy"),
        0,
        2,
        _COMMON | {"label_smoothing", "axis"},
        _FN | {"label_smoothing", "axis"},
        frozenset({"target", "output", "from_logits", "axis"}),
        "softmax_cross_entropy_with_logits",
    ),
    LossKind(
        LossFamily.SPARSE_CATEGORICAL,
        "SparseCategoricalCrossentropy",
        "sparse_categorical_crossentropy",
        ("sparse_categorical_crossentropy", "SparseCategoricalCrossentropy"),
        0,
        2,
        _COMMON | {"ignore_class"},
        _FN | {"ignore_class", "axis"},
        frozenset({"target", "output", "from_logits", "axis"}),
        "sparse_softmax_cross_entropy_with_logits",
    ),
    LossKind(
        LossFamily.BINARY,
        "BinaryCrossentropy",
        "binary_crossentropy",
        ("binary_crossentropy", "BinaryCrossentropy", "bce", "BCE"),
        0,
        2,
        _COMMON | {"label_smoothing", "axis"},
        _FN | {"label_smoothing", "axis"},
        frozenset({"target", "output", "from_logits"}),
        "sigmoid_cross_entropy_with_logits",
    ),
    LossKind(
        LossFamily.FOCAL_BINARY,
        "BinaryFocalCrossentropy",
        "binary_focal_crossentropy",
        ("binary_focal_crossentropy", "BinaryFocalCrossentropy"),
        3,
        5,
        _COMMON | _FOCAL | {"apply_class_balancing"},
        _FN | _FOCAL | {"apply_class_balancing"},
        focal=True,
    ),
    LossKind(
        LossFamily.FOCAL_CATEGORICAL,
        "CategoricalFocalCrossentropy",
        "categorical_focal_crossentropy",
        ("categorical_focal_crossentropy", "CategoricalFocalCrossentropy"),
        2,
        4,
        _COMMON | _FOCAL,
        _FN | _FOCAL,
        focal=True,
    ),
)

#: family -> its entry
BY_FAMILY: dict[LossFamily, LossKind] = {kind.family: kind for kind in _ENTRIES}

#: compile(loss="...") strings -> family
LOSS_STRINGS: dict[str, LossFamily] = {s: k.family for k in _ENTRIES for s in k.strings}

#: Loss classes: canonical name -> entry
LOSS_CLASSES: dict[str, LossKind] = {f"keras.losses.{k.class_name}": k for k in _ENTRIES}

#: Loss functions: canonical name -> entry (``keras.metrics.`` holds the same functions;
#: ``keras.backend.*`` is canonicalised to ``keras.ops.*``).
LOSS_FUNCTIONS: dict[str, LossKind] = {}
for _kind in _ENTRIES:
    LOSS_FUNCTIONS[f"keras.losses.{_kind.function_name}"] = _kind
    LOSS_FUNCTIONS[f"keras.metrics.{_kind.function_name}"] = _kind
    if _kind.ops_keywords is not None:
        LOSS_FUNCTIONS[f"keras.ops.{_kind.function_name}"] = _kind

#: Serialized forms: ``{"class_name": "CategoricalCrossentropy"}`` and
#: ``{"class_name": "function", "config": "categorical_crossentropy"}``.
SERIALIZED_CLASSES: dict[str, LossKind] = {k.class_name: k for k in _ENTRIES}
SERIALIZED_FUNCTIONS: dict[str, LossKind] = {k.function_name: k for k in _ENTRIES}


class LogitsOp(NamedTuple):
    """An op that always takes logits: ``tf.nn.*_with_logits``, TF1 ``tf.losses.*``."""

    family: LossFamily
    labels: str  # the labels keyword
    logits: str  # the logits keyword


_NN = frozenset({"labels", "logits", "name"})

#: canonical name -> op
LOGITS_OPS: dict[str, LogitsOp] = {
    "tensorflow.nn.softmax_cross_entropy_with_logits": LogitsOp(
        LossFamily.CATEGORICAL, "labels", "logits"
    ),
    "tensorflow.nn.sparse_softmax_cross_entropy_with_logits": LogitsOp(
        LossFamily.SPARSE_CATEGORICAL, "labels", "logits"
    ),
    "tensorflow.nn.sigmoid_cross_entropy_with_logits": LogitsOp(
        LossFamily.BINARY, "labels", "logits"
    ),
    "tensorflow.nn.weighted_cross_entropy_with_logits": LogitsOp(
        LossFamily.BINARY, "labels", "logits"
    ),
    # TF1 tf.losses.* (also tf.compat.v1.losses.*): canonical namespace "tf1.losses."
    "tf1.losses.softmax_cross_entropy": LogitsOp(LossFamily.CATEGORICAL, "onehot_labels", "logits"),
    "tf1.losses.sparse_softmax_cross_entropy": LogitsOp(
        LossFamily.SPARSE_CATEGORICAL, "labels", "logits"
    ),
    "tf1.losses.sigmoid_cross_entropy": LogitsOp(LossFamily.BINARY, "multi_class_labels", "logits"),
}

#: What the fixer may rename a tf.nn op to, keeping ``labels=``/``logits=``/``name=``.
NN_OP_KEYWORDS = _NN


class ProbabilityOp(NamedTuple):
    """An op that takes probabilities: TF1 ``tf.losses.log_loss(labels, predictions)``."""

    family: LossFamily
    labels: str  # the labels keyword (first argument)
    predictions: str  # the predictions keyword (second argument)


#: canonical name -> op (``LossSpec.form`` "probability_op"; it has no from_logits)
PROBABILITY_OPS: dict[str, ProbabilityOp] = {
    # log_loss(labels, predictions, weights=1.0, epsilon=1e-7, ...): binary, on probabilities
    "tf1.losses.log_loss": ProbabilityOp(LossFamily.BINARY, "labels", "predictions"),
}
PROBABILITY_OP_FORM = "probability_op"
