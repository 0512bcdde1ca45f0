"""XEN401 output-activation-mismatch: the probe contradicts the configuration."""

from __future__ import annotations

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
