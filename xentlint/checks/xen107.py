"""XEN107 accuracy-threshold-on-logits."""

from __future__ import annotations

from collections.abc import Iterator

from xentlint.facts import BINARY_FAMILIES, Act, Facts, Finding

CODE = "XEN107"


def check(facts: Facts) -> Iterator[Finding]:
    for b in facts.bindings:
        if b.loss.family not in BINARY_FAMILIES or b.loss.from_logits is not True:
            continue
        if b.head.units != 1 or b.head.activation is not Act.LINEAR:
            continue
        for metric in b.metrics:
            if metric.anchor is None or metric.threshold != 0.5:
                continue
            yield Finding(
                CODE,
                f'"{metric.spelling}" thresholds predictions at 0.5, but this model outputs '
                f"logits (from_logits=True at {{0}}), whose decision boundary is 0.0: the "
                f"reported accuracy is wrong. Use keras.metrics.BinaryAccuracy(threshold=0.0).",
                metric.anchor,
                (b.loss.anchor,),
                "Use BinaryAccuracy(threshold=0.0)",
                fact=b,
            )
