"""XEN106 categorical-loss-on-sigmoid."""

from __future__ import annotations

from collections.abc import Iterator

from xentlint.checks.common import binding_of, is_categorical, loss_name
from xentlint.facts import Act, Facts, Finding
from xentlint.intents import ActivationIntent, FixScope, Intent, Unfixable
from xentlint.rule import Rule

RULE = Rule(
    code="XEN106",
    name="categorical-loss-on-sigmoid",
    severity="W",
    summary="categorical crossentropy on a multi-unit sigmoid output (rows do not sum to 1)",
    fix='use activation="softmax"',
    fix_safety="unsafe",
    explanation=(
        "Sigmoid units are independent, so their rows are not a class distribution: Keras "
        "divides each row by its sum and the loss sees only the ratios between units, never "
        "how confident a unit is (measured: [0.9, 0.9, 0.9] and [0.01, 0.01, 0.01] both "
        'cost log 3 = 1.0986 with class 0 true). Use activation="softmax" (or, for a '
        "multi-label problem, binary crossentropy)."
    ),
)
CODE = RULE.code


def check(facts: Facts) -> Iterator[Finding]:
    for b in facts.bindings:
        if not is_categorical(b) or b.head.activation is not Act.SIGMOID:
            continue
        if b.head.units is None or b.head.units <= 1 or b.head.activation_anchor is None:
            continue
        yield Finding(
            CODE,
            f"sigmoid output of {b.head.units} units trained with {loss_name(b)} (at {{0}}), "
            f"a loss that expects rows summing to 1",
            b.head.activation_anchor,
            (b.loss.anchor,),
            'Use activation="softmax"',
            fact=b,
        )


def fix(finding: Finding, scope: FixScope) -> tuple[str, list[Intent]]:
    binding = binding_of(finding)
    anchor = binding.head.activation_anchor
    for other in scope.head_users(anchor):
        if not scope.has(finding.code, other):
            raise Unfixable("the output also feeds a loss that needs the sigmoid")
    return 'Use activation="softmax"', [ActivationIntent(anchor, "softmax")]
