"""XEN201 sparse-loss-with-one-hot-labels."""

from __future__ import annotations

from collections.abc import Iterator

from xentlint.checks.common import binding_of, family_change, loss_name, one_unit_categorical
from xentlint.facts import Facts, Finding, LabelEncoding, LossFamily
from xentlint.intents import FixScope, Intent, Unfixable
from xentlint.rule import Rule

RULE = Rule(
    code="XEN201",
    name="sparse-loss-with-one-hot-labels",
    severity="E",
    summary="sparse categorical crossentropy receives one-hot labels",
    fix="use CategoricalCrossentropy with the same from_logits",
    fix_safety="safe",
)
CODE = RULE.code


def check(facts: Facts) -> Iterator[Finding]:
    for b in facts.bindings:
        labels = b.labels
        if b.loss.family is not LossFamily.SPARSE_CATEGORICAL or labels is None:
            continue
        if labels.encoding is not LabelEncoding.ONE_HOT or one_unit_categorical(b):
            continue  # on one unit, XEN104 speaks
        other = (
            f"{b.loss.spelling.removeprefix('sparse_')}"
            if b.loss.form == "op"
            else "CategoricalCrossentropy with the same from_logits"
        )
        yield Finding(
            CODE,
            f"{loss_name(b)} expects integer class ids, but the labels are one-hot "
            f"({labels.source} at {{0}}). Use {other}, or keep integer labels.",
            b.loss.anchor,
            (labels.anchor,),
            "Use CategoricalCrossentropy",
            fact=b,
        )


def fix(finding: Finding, scope: FixScope) -> tuple[str, list[Intent]]:
    if binding_of(finding).kind == "feed":
        raise Unfixable("the placeholder's dtype and shape must change with the loss")
    return family_change(
        finding, scope, LossFamily.CATEGORICAL, "Use CategoricalCrossentropy (same from_logits)"
    )
