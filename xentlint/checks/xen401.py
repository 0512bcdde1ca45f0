"""XEN401 output-activation-mismatch: the probe contradicts the configuration.

Runtime only: the facts are :class:`~xentlint.facts.ProbeObservation` objects, which only
``xentlint model --probe`` (or ``check_model(probe=True)``) produces.
"""

from __future__ import annotations

from collections.abc import Iterator

from xentlint.facts import Act, Facts, Finding
from xentlint.knowledge.activations import contradicts
from xentlint.rule import Rule

RULE = Rule(
    code="XEN401",
    name="output-activation-mismatch",
    severity="E",
    summary=(
        "run on a random batch, a model output contradicts its configured activation "
        "(probabilities from a layer configured linear, or the reverse)"
    ),
    fix="",
    fix_safety="none",
)

_ACT_WORDS = {
    Act.LINEAR: "linear (no activation)",
    Act.SOFTMAX: "a softmax",
    Act.SIGMOID: "a sigmoid",
    Act.LOG_SOFTMAX: "a log_softmax",
}


def check(facts: Facts) -> Iterator[Finding]:
    for seen in facts.observations:
        if not contradicts(seen.configured, seen.observed):
            continue
        configured = _ACT_WORDS.get(seen.configured, seen.configured.value)
        if seen.configured is Act.LINEAR:
            meaning = "the layer applies an activation that its configuration does not show"
        else:
            meaning = "the layer does not apply the activation its configuration names"
        yield Finding(
            RULE.code,
            f"the configuration says this output ends in {configured}, but on a random batch "
            f"of {seen.batch} inputs {seen.evidence}",
            seen.anchor,
            fact=seen,
            explanation=(
                f"{meaning[0].upper()}{meaning[1:]} (a custom call()?): whatever reads the "
                f"configuration draws the wrong conclusion, and the advice it leads to makes "
                f"the loss wrong. The other checks use the observed activation "
                f"({seen.observed.value})."
            ),
        )
