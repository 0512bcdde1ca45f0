"""XEN104 categorical-loss-on-one-unit."""

from __future__ import annotations

from collections.abc import Iterator

from xentlint.checks.common import (
    binding_of,
    from_model,
    loss_intent,
    loss_name,
    one_unit_categorical,
)
from xentlint.facts import Act, Binding, Facts, Finding, LossFamily
from xentlint.intents import FixScope, Intent, Unfixable
from xentlint.rule import Rule

RULE = Rule(
    code="XEN104",
    name="categorical-loss-on-one-unit",
    severity="E",
    summary="categorical crossentropy on a 1-unit output is constant: nothing is learned",
    fix="use binary crossentropy",
    fix_safety="unsafe",
)
CODE = RULE.code


def check(facts: Facts) -> Iterator[Finding]:
    for b in facts.bindings:
        if not one_unit_categorical(b):
            continue
        if from_model(b):
            said = (
                f"{loss_name(b)} on the 1-unit output at {{0}}: categorical crossentropy over "
                f"one class is constant, so the model learns nothing."
            )
        else:
            said = (
                f"{loss_name(b)} on predictions of a single column (at {{0}}): categorical "
                f"crossentropy over one class is constant, whatever the predictions."
            )
        single = "output unit" if from_model(b) else "column"
        if b.loss.form == "op":  # the binary op of the same kind, which takes logits too
            op = "sigmoid_cross_entropy" + (
                "_with_logits" if b.loss.spelling.endswith("_with_logits") else ""
            )
            advice = f" Use {op} for a single {single}"
        else:
            advice = f" Use binary crossentropy for a single {single}"
            if b.head.activation is Act.LINEAR:
                advice += " (with from_logits=True: these are raw scores)"
        yield Finding(
            CODE,
            said + advice + ".",
            b.loss.anchor,
            (b.head.anchor,),
            _title(b),
            fact=b,
        )


def _title(b: Binding) -> str:
    if b.head.activation is Act.LINEAR and b.loss.form != "op":
        return "Use binary crossentropy with from_logits=True"
    return "Use binary crossentropy"


def fix(finding: Finding, scope: FixScope) -> tuple[str, list[Intent]]:
    binding = binding_of(finding)
    if binding.loss.family is LossFamily.FOCAL_CATEGORICAL:
        raise Unfixable("no binary form of this focal loss with the same arguments")
    if binding.loss.family is LossFamily.BINARY:
        raise Unfixable("the loss already has that family")
    # on raw scores, binary crossentropy needs from_logits=True as well: one edit that
    # leaves neither XEN104 nor XEN102 behind
    logits = binding.head.activation is Act.LINEAR and binding.loss.from_logits is not True
    intent = loss_intent(finding, scope, family=LossFamily.BINARY, from_logits=logits)
    return _title(binding), [intent]
