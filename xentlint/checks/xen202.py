"""XEN202 categorical-loss-with-integer-labels."""

from __future__ import annotations

from collections.abc import Iterator

from xentlint.checks.common import (
    binding_of,
    family_change,
    is_plain_categorical,
    loss_name,
    one_unit_categorical,
)
from xentlint.facts import Facts, Finding, LabelEncoding, LossFamily
from xentlint.intents import FixScope, Intent, Unfixable
from xentlint.rule import Rule

RULE = Rule(
    code="XEN202",
    name="categorical-loss-with-integer-labels",
    severity="E",
    summary="categorical crossentropy receives integer class ids",
    fix="use SparseCategoricalCrossentropy with the same from_logits",
    fix_safety="safe",
)
CODE = RULE.code


def check(facts: Facts) -> Iterator[Finding]:
    for b in facts.bindings:
        labels = b.labels
        if not is_plain_categorical(b) or labels is None:
            continue
        if labels.encoding is not LabelEncoding.INTEGER or one_unit_categorical(b):
            continue  # on one unit, XEN104 speaks
        other = (
            f"sparse_{b.loss.spelling}"
            if b.loss.form == "op"
            else "SparseCategoricalCrossentropy with the same from_logits"
        )
        yield Finding(
            CODE,
            f"{loss_name(b)} expects one-hot labels, but the labels are integer class ids "
            f"({labels.source} at {{0}}). Use {other}, or one-hot encode the labels.",
            b.loss.anchor,
            (labels.anchor,),
            "Use SparseCategoricalCrossentropy",
            fact=b,
        )


def fix(finding: Finding, scope: FixScope) -> tuple[str, list[Intent]]:
    binding = binding_of(finding)
    if binding.kind == "feed":
        raise Unfixable("the placeholder's dtype and shape must change with the loss")
    if binding.loss.family is not LossFamily.CATEGORICAL:
        raise Unfixable("there is no sparse form of this focal loss")
    return family_change(
        finding,
        scope,
        LossFamily.SPARSE_CATEGORICAL,
        "Use SparseCategoricalCrossentropy (same from_logits)",
    )
