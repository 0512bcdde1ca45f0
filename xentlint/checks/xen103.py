"""XEN103 softmax-over-one-unit: softmax over an axis of size 1 is the constant 1."""

from __future__ import annotations

from collections.abc import Iterator

from xentlint.facts import Act, Facts, Finding
from xentlint.intents import ActivationIntent, FixScope, Intent
from xentlint.rule import Rule

RULE = Rule(
    code="XEN103",
    name="softmax-over-one-unit",
    severity="E",
    summary="softmax over an axis of size 1 always outputs 1",
    fix='use activation="sigmoid"',
    fix_safety="unsafe",
    explanation=(
        "Over one element softmax is exp(z) / exp(z) = 1 and its gradient is zero, so "
        "nothing can be learned (measured: after 4 epochs every prediction is still 1.0 and "
        'accuracy is frozen at the share of positive labels). Use activation="sigmoid" for '
        "one output unit (or no activation with from_logits=True on the loss)."
    ),
)
CODE = RULE.code


def check(facts: Facts) -> Iterator[Finding]:
    for site in facts.activations:
        if site.applied is not Act.SOFTMAX or site.units != 1 or site.over_units_axis is not True:
            continue
        yield Finding(
            CODE,
            "softmax over a single unit always outputs 1.0, whatever the input",
            site.anchor,
            (),
            'Use activation="sigmoid"',
            fact=site,
        )


def fix(finding: Finding, scope: FixScope) -> tuple[str, list[Intent]]:
    return 'Use activation="sigmoid"', [ActivationIntent(finding.anchor, "sigmoid")]
