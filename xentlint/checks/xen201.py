"""XEN201 sparse-loss-with-one-hot-labels."""

from __future__ import annotations

from collections.abc import Iterator

from xentlint.checks.common import family_change, loss_name
from xentlint.facts import Facts, Finding, LabelEncoding, LossFamily
from xentlint.intents import FixScope, Intent
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


def fix(finding: Finding, scope: FixScope) -> tuple[str, list[Intent]]:
    return family_change(
        finding, scope, LossFamily.CATEGORICAL, "Use CategoricalCrossentropy (same from_logits)"
    )
