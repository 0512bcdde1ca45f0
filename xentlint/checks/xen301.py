"""XEN301 prefer-logits-output (suggestion, off by default)."""

from __future__ import annotations

from collections.abc import Iterator

from xentlint.checks._common import is_categorical, is_probability_loss, loss_name
from xentlint.facts import BINARY_FAMILIES, Act, Facts, Finding

CODE = "XEN301"


def check(facts: Facts) -> Iterator[Finding]:
    for b in facts.bindings:
        act = b.head.activation
        if b.kind != "compile" or not is_probability_loss(b) or b.head.activation_anchor is None:
            continue
        if act is Act.SOFTMAX:
            binary = b.loss.family in BINARY_FAMILIES
            if b.head.units == 1 or (binary and (b.head.units is None or b.head.units > 2)):
                continue  # XEN103 / XEN105 territory
        elif act is Act.SIGMOID:
            if is_categorical(b):
                continue  # XEN104 / XEN106 territory
        else:
            continue
        yield Finding(
            CODE,
            f"{act.value} last layer with {loss_name(b)} (at {{0}}): the recommended form is "
            f"no final activation and from_logits=True on the loss, which is numerically more "
            f"stable. `predict` then returns logits; apply {act.value} where probabilities "
            f"are needed.",
            b.head.activation_anchor,
            (b.loss.anchor,),
            "Remove the activation and pass from_logits=True",
            fact=b,
        )
