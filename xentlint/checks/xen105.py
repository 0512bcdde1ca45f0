"""XEN105 binary-loss-on-softmax."""

from __future__ import annotations

from collections.abc import Iterator

from xentlint.checks.common import binding_of, family_change, loss_name
from xentlint.facts import BINARY_FAMILIES, Act, Facts, Finding, LabelEncoding, LossFamily
from xentlint.intents import FixScope, Intent, Unfixable
from xentlint.rule import Rule

RULE = Rule(
    code="XEN105",
    name="binary-loss-on-softmax",
    severity="W",
    summary="binary crossentropy on a softmax output with more than 2 units",
    fix="use categorical / sparse categorical crossentropy matching the labels",
    fix_safety="unsafe",
    explanation=(
        "Softmax units compete for one label, while binary crossentropy scores each unit on "
        "its own, and binary accuracy flatters the model: with k classes, predicting no "
        "class at all is right on k - 1 of k units (measured on 3 classes: rows whose top "
        "class is always wrong score 0.667 binary accuracy, 0.0 categorical accuracy). Use "
        "categorical crossentropy (one-hot labels) or sparse categorical crossentropy "
        "(integer labels)."
    ),
)
CODE = RULE.code


def check(facts: Facts) -> Iterator[Finding]:
    for b in facts.bindings:
        if b.loss.family not in BINARY_FAMILIES or b.head.activation is not Act.SOFTMAX:
            continue
        if b.head.units is None or b.head.units <= 2:
            continue
        yield Finding(
            CODE,
            f"{loss_name(b)} on the {b.head.units}-unit softmax output at {{0}} scores a "
            f"single-label problem as {b.head.units} independent yes/no labels",
            b.loss.anchor,
            (b.head.activation_anchor,),
            "Use categorical crossentropy",
            fact=b,
        )


def fix(finding: Finding, scope: FixScope) -> tuple[str, list[Intent]]:
    binding = binding_of(finding)
    if binding.loss.family is not LossFamily.BINARY:
        raise Unfixable("no categorical form of this focal loss with the same arguments")
    labels = binding.labels
    if labels is not None and labels.encoding is LabelEncoding.INTEGER:
        return family_change(
            finding,
            scope,
            LossFamily.SPARSE_CATEGORICAL,
            "Use sparse categorical crossentropy (the labels are class ids)",
        )
    return family_change(finding, scope, LossFamily.CATEGORICAL, "Use categorical crossentropy")
