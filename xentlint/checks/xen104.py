"""XEN104 categorical-loss-on-one-unit."""

from __future__ import annotations

from collections.abc import Iterator

from xentlint.checks.common import binding_of, family_change, is_categorical, loss_name
from xentlint.facts import Facts, Finding, LossFamily
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
        if not is_categorical(b) or b.head.units != 1 or b.loss.form == "expression":
            continue  # a hand-written -sum(y * log(p)) does not renormalise: not constant
        yield Finding(
            CODE,
            f"{loss_name(b)} on the 1-unit output at {{0}}: categorical crossentropy over one "
            f"class is constant, so the model learns nothing. Use binary crossentropy for a "
            f"single output unit.",
            b.loss.anchor,
            (b.head.anchor,),
            "Use binary crossentropy",
            fact=b,
        )


def fix(finding: Finding, scope: FixScope) -> tuple[str, list[Intent]]:
    binding = binding_of(finding)
    if binding.loss.family is LossFamily.FOCAL_CATEGORICAL:
        raise Unfixable("no binary form of this focal loss with the same arguments")
    return family_change(finding, scope, LossFamily.BINARY, "Use binary crossentropy")
