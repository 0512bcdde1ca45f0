"""XEN108 log-softmax-into-probability-loss (throw-away experiment)."""

from __future__ import annotations

from collections.abc import Iterator

from xentlint.checks.common import is_probability_loss, loss_name
from xentlint.facts import Act, Facts, Finding
from xentlint.rule import Rule

RULE = Rule(
    code="XEN108",
    name="log-softmax-into-probability-loss",
    severity="E",
    summary="a probability loss receives log-probabilities from a log_softmax output",
    fix="drop the log_softmax and pass from_logits=True",
    fix_safety="none",
)


def check(facts: Facts) -> Iterator[Finding]:
    for b in facts.bindings:
        if is_probability_loss(b) and b.head.activation is Act.LOG_SOFTMAX:
            yield Finding(
                RULE.code,
                f"{loss_name(b)} expects probabilities, but the output at {{0}} ends in "
                f"log_softmax (log-probabilities, all <= 0).",
                b.loss.anchor,
                (b.head.anchor,),
                fact=b,
            )
