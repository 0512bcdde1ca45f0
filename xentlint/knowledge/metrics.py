"""Metrics that assume probabilities: thresholds at 0.5, or curves over [0, 1].

On a binary output trained with ``from_logits=True`` each of them reports a wrong number:
the decision boundary of logits is 0.0, not 0.5 (sigmoid(0) = 0.5), and AUC computes its
curve over thresholds in [0, 1]. Each entry says where the metric takes the argument
that makes it right on logits (``threshold=0.0``, ``thresholds=0.0``,
``from_logits=True``), read in the signatures of Keras 3.15 (tf.keras 2 agrees).
"""

from __future__ import annotations

from typing import NamedTuple

from xentlint.knowledge.spec import Arg

#: The threshold of the accuracy strings and of ``BinaryAccuracy()`` without ``threshold``.
DEFAULT_THRESHOLD = 0.5

#: compile(metrics=["accuracy"]): on a 1-unit output with binary crossentropy Keras picks
#: binary_accuracy, which thresholds at 0.5.
ACCURACY_STRINGS = frozenset({"accuracy", "acc", "binary_accuracy"})
#: Of those, the ones whose meaning depends on the output's shape (only a 1-unit output
#: makes them a binary accuracy).
SHAPE_DEPENDENT_STRINGS = frozenset({"accuracy", "acc"})


class ThresholdMetric(NamedTuple):
    """A metric class that assumes probabilities: ``BinaryAccuracy(threshold=0.5)``."""

    class_name: str
    #: where it takes its threshold (``threshold``/``thresholds``); None: it has none
    threshold: Arg | None
    default: float | None = DEFAULT_THRESHOLD
    #: AUC: its ``from_logits`` argument (the fix sets it), instead of a threshold
    from_logits: Arg | None = None
    #: arguments with which the default threshold no longer applies (top_k, class_id)
    overrides: tuple[str, ...] = ()
    #: the name Keras gives it when none is passed (a replaced string keeps its own)
    default_name: str = ""

    @property
    def fix_keyword(self) -> str:
        return self.from_logits.keyword if self.from_logits is not None else self.threshold.keyword  # type: ignore[union-attr]

    @property
    def fix_value(self) -> str:
        return "True" if self.from_logits is not None else "0.0"

    @property
    def fix_position(self) -> int | None:
        arg = self.from_logits if self.from_logits is not None else self.threshold
        return arg.position if arg is not None else None


def _confusion(name: str, default_name: str, overrides: tuple[str, ...] = ()) -> ThresholdMetric:
    # Precision(thresholds=None, top_k=None, class_id=None, name=None, dtype=None) and
    # TruePositives(thresholds=None, name=None, dtype=None): None means 0.5
    return ThresholdMetric(
        name, Arg("thresholds", 0), overrides=overrides, default_name=default_name
    )


_ENTRIES = (
    # BinaryAccuracy(name="binary_accuracy", dtype=None, threshold=0.5)
    ThresholdMetric("BinaryAccuracy", Arg("threshold", 2), default_name="binary_accuracy"),
    # BinaryIoU(target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None)
    ThresholdMetric("BinaryIoU", Arg("threshold", 1), default_name="binary_iou"),
    _confusion("Precision", "precision", ("top_k", "class_id")),
    _confusion("Recall", "recall", ("top_k", "class_id")),
    _confusion("TruePositives", "true_positives"),
    _confusion("TrueNegatives", "true_negatives"),
    _confusion("FalsePositives", "false_positives"),
    _confusion("FalseNegatives", "false_negatives"),
    # AUC(num_thresholds=200, curve="ROC", summation_method="interpolation", name=None,
    #     dtype=None, thresholds=None, multi_label=False, num_labels=None,
    #     label_weights=None, from_logits=False)
    ThresholdMetric("AUC", None, None, Arg("from_logits", 9), default_name="auc"),
)

#: canonical name -> entry
THRESHOLD_METRICS: dict[str, ThresholdMetric] = {
    f"keras.metrics.{m.class_name}": m for m in _ENTRIES
}
#: serialized class name -> entry
SERIALIZED_THRESHOLD_METRICS = {m.class_name: m for m in _ENTRIES}
#: compile(metrics=["precision"]): strings ``keras.metrics.get`` turns into these classes
#: (the class name and the default name; "accuracy" is above)
THRESHOLD_STRINGS: dict[str, ThresholdMetric] = {}
for _entry in _ENTRIES:
    if _entry.class_name not in ("BinaryAccuracy", "BinaryIoU"):
        THRESHOLD_STRINGS[_entry.class_name] = _entry
        THRESHOLD_STRINGS[_entry.default_name] = _entry
#: the entry a replaced accuracy string becomes
BINARY_ACCURACY = SERIALIZED_THRESHOLD_METRICS["BinaryAccuracy"]

#: Metric functions passed uncalled (``metrics=[keras.metrics.binary_accuracy]``):
#: canonical name -> the serialized function name.
THRESHOLD_FUNCTIONS = {"keras.metrics.binary_accuracy": "binary_accuracy"}
SERIALIZED_THRESHOLD_FUNCTIONS = frozenset(THRESHOLD_FUNCTIONS.values())


def metric_entry(spelling: str) -> ThresholdMetric | None:
    """The entry of a metric by its class name or compile string."""
    if spelling in ACCURACY_STRINGS:
        return BINARY_ACCURACY
    return SERIALIZED_THRESHOLD_METRICS.get(spelling) or THRESHOLD_STRINGS.get(spelling)
