"""XEN201 sparse-loss-with-one-hot-labels."""

from __future__ import annotations

from collections.abc import Iterator

from xentlint.checks._common import loss_name
from xentlint.facts import Facts, Finding, LabelEncoding, LossFamily

CODE = "XEN201"


def check(facts: Facts) -> Iterator[Finding]:
    for b in facts.bindings:
        labels = b.labels
        if b.loss.family is not LossFamily.SPARSE_CATEGORICAL or labels is None:
            continue
        if labels.encoding is not LabelEncoding.ONE_HOT:
            continue
        yield Finding(
            CODE,
            f"{loss_name(b)} expects integer class ids, but the labels are one-hot "
            f"({labels.source} at {{0}}). Use CategoricalCrossentropy with the same "
            f"from_logits, or keep integer labels.",
            b.loss.anchor,
            (labels.anchor,),
            "Use CategoricalCrossentropy",
            fact=b,
        )
