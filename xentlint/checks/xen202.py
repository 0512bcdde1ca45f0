"""XEN202 categorical-loss-with-integer-labels."""

from __future__ import annotations

from collections.abc import Iterator

from xentlint.checks._common import is_plain_categorical, loss_name
from xentlint.facts import Facts, Finding, LabelEncoding

CODE = "XEN202"


def check(facts: Facts) -> Iterator[Finding]:
    for b in facts.bindings:
        labels = b.labels
        if not is_plain_categorical(b) or labels is None:
            continue
        if labels.encoding is not LabelEncoding.INTEGER:
            continue
        yield Finding(
            CODE,
            f"{loss_name(b)} expects one-hot labels, but the labels are integer class ids "
            f"({labels.source} at {{0}}). Use SparseCategoricalCrossentropy with the same "
            f"from_logits, or one-hot encode the labels.",
            b.loss.anchor,
            (labels.anchor,),
            "Use SparseCategoricalCrossentropy",
            fact=b,
        )
