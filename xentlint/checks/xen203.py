"""XEN203 label-range-mismatch."""

from __future__ import annotations

from collections.abc import Iterator

from xentlint.checks.common import is_categorical
from xentlint.facts import BINARY_FAMILIES, Facts, Finding, LabelEncoding
from xentlint.rule import Rule

RULE = Rule(
    code="XEN203",
    name="label-range-mismatch",
    severity="E",
    summary="the labels' class count differs from the output units",
    fix="make the number of output units equal the number of classes",
    fix_safety="none",
    explanation=(
        "With too few units some classes cannot be predicted, with too many probability "
        "leaks to classes that never occur: one-hot labels of another width fail at the "
        "first training step, out-of-range class ids fail on TensorFlow's CPU kernel and "
        "silently cost 0 on JAX (never learned). Make the number of output units equal the "
        "number of classes."
    ),
)
CODE = RULE.code


def check(facts: Facts) -> Iterator[Finding]:
    for b in facts.bindings:
        labels = b.labels
        units = b.head.units
        if not is_categorical(b) or labels is None or labels.num_classes is None:
            continue
        if units is None or units <= 1 or units == labels.num_classes:
            continue
        yield Finding(
            CODE,
            f"the labels have {labels.num_classes} classes ({labels.source} at {{0}}) but the "
            f"output at {{1}} has {units} units",
            b.loss.anchor,
            (labels.anchor, b.head.units_anchor or b.head.anchor),
            None,
            fact=b,
        )
    yield from _label_ranges(facts)


def _label_ranges(facts: Facts) -> Iterator[Finding]:
    """Real labels (runtime mode) whose values no class count allows."""
    for b in facts.bindings:
        span = b.label_range
        if span is None:
            continue
        if b.loss.family in BINARY_FAMILIES:
            if span.low < 0.0 or span.high > 1.0:
                yield Finding(
                    CODE,
                    f"binary crossentropy expects labels in [0, 1], but the labels at {{0}} "
                    f"range from {span.low:g} to {span.high:g}",
                    b.loss.anchor,
                    (span.anchor,),
                    fact=b,
                    explanation=(
                        "Binary crossentropy is a loss only for labels in [0, 1]: other "
                        "values make it negative and unbounded (Keras clips the predictions "
                        "to stop it), so it no longer measures how far a prediction is from "
                        "its label. For -1/1 labels, map -1 to 0."
                    ),
                )
        elif b.labels is not None and b.labels.encoding is LabelEncoding.INTEGER:
            if span.low < 0:
                yield Finding(
                    CODE,
                    f"the labels contain negative class ids (down to {int(span.low)}, at {{0}})",
                    b.loss.anchor,
                    (span.anchor,),
                    fact=b,
                    explanation=(
                        "Class ids must lie in [0, units): ids outside that range fail on "
                        "TensorFlow's CPU kernel (InvalidArgumentError) and silently cost 0 "
                        "on JAX, where those samples are never learned."
                    ),
                )
