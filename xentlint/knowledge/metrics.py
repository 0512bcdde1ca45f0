"""Metrics that threshold predictions (at 0.5 unless told otherwise)."""

from __future__ import annotations

from typing import NamedTuple

from xentlint.knowledge.spec import Arg

#: The threshold of the accuracy strings and of ``BinaryAccuracy()`` without ``threshold``.
DEFAULT_THRESHOLD = 0.5

#: compile(metrics=["accuracy"]): on a 1-unit output with binary crossentropy Keras picks
#: binary_accuracy, which thresholds at 0.5.
ACCURACY_STRINGS = frozenset({"accuracy", "acc", "binary_accuracy"})


class ThresholdMetric(NamedTuple):
    """A metric class that thresholds predictions: ``BinaryAccuracy(threshold=0.5)``."""

    class_name: str
    threshold: Arg
    default: float = DEFAULT_THRESHOLD


#: canonical name -> entry
THRESHOLD_METRICS: dict[str, ThresholdMetric] = {
    # BinaryAccuracy(name="binary_accuracy", dtype=None, threshold=0.5)
    "keras.metrics.BinaryAccuracy": ThresholdMetric("BinaryAccuracy", Arg("threshold", 2)),
}
#: serialized class name -> entry
SERIALIZED_THRESHOLD_METRICS = {m.class_name: m for m in THRESHOLD_METRICS.values()}

#: Metric functions passed uncalled (``metrics=[keras.metrics.binary_accuracy]``):
#: canonical name -> the serialized function name.
THRESHOLD_FUNCTIONS = {"keras.metrics.binary_accuracy": "binary_accuracy"}
SERIALIZED_THRESHOLD_FUNCTIONS = frozenset(THRESHOLD_FUNCTIONS.values())
