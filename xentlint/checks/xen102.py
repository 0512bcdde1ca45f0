"""XEN102 logits-into-probability-loss: raw scores fed to a probability loss."""

from __future__ import annotations

from collections.abc import Iterator

from xentlint.checks.common import (
    binding_of,
    is_probability_loss,
    loss_intent,
    loss_name,
    one_unit_categorical,
)
from xentlint.facts import BINARY_FAMILIES, Act, Facts, Finding
from xentlint.intents import FixScope, Intent, Unfixable
from xentlint.rule import Rule

RULE = Rule(
    code="XEN102",
    name="logits-into-probability-loss",
    severity="E",
    summary="a probability loss (from_logits=False) receives raw scores from a linear output",
    fix="pass from_logits=True to the loss",
    fix_safety="safe",
)
CODE = RULE.code
#: a hand-written loss and tf.losses.log_loss: no from_logits to pass
_NO_FROM_LOGITS = frozenset({"expression", "probability_op"})


def check(facts: Facts) -> Iterator[Finding]:
    for b in facts.bindings:
        if not is_probability_loss(b) or b.head.activation is not Act.LINEAR:
            continue
        if one_unit_categorical(b):
            continue  # XEN104 speaks: no from_logits makes this loss learn
        if b.head.layer_kind == "literal":
            where = "these predictions are raw scores (values outside [0, 1])"
        else:
            where = "the output at {0} has no activation, so it produces raw scores (logits)"
        if b.loss.form in _NO_FROM_LOGITS:
            binary = b.loss.family in BINARY_FAMILIES
            if b.loss.form == "expression":
                what = f"this hand-written crossentropy ({b.loss.spelling})"
            else:
                what = loss_name(b)
            kind = "sigmoid" if binary else "softmax"
            op = f"tf.nn.{kind}_cross_entropy_with_logits"
            loss = "BinaryCrossentropy" if binary else "CategoricalCrossentropy"
            yield Finding(
                CODE,
                f"{what} takes the log of probabilities, but {where}: "
                f"the loss is wrong (and NaN where a score is negative). Apply {kind} to "
                f"the output first, or use a loss that takes logits ({op}, or "
                f"keras.losses.{loss}(from_logits=True)).",
                b.loss.anchor,
                (b.head.anchor,),
                None,
                fact=b,
            )
            continue
        yield Finding(
            CODE,
            f"{loss_name(b)} expects probabilities, but {where}; the loss is silently wrong "
            f"and nothing warns. Pass from_logits=True to the loss.",
            b.loss.anchor,
            (b.head.anchor,),
            "Pass from_logits=True",
            fact=b,
        )


def fix(finding: Finding, scope: FixScope) -> tuple[str, list[Intent]]:
    if binding_of(finding).loss.form in _NO_FROM_LOGITS:
        raise Unfixable("this loss has no from_logits argument")
    return "Pass from_logits=True to the loss", [loss_intent(finding, scope, from_logits=True)]
