"""XEN101 double-activation: softmax/sigmoid applied twice."""

from __future__ import annotations

from collections.abc import Iterator

from xentlint.checks._common import loss_name
from xentlint.facts import PROBABILITY_ACTS, Act, Facts, Finding

CODE = "XEN101"
FIX = "Remove the final activation (predict then returns logits)"


def check(facts: Facts) -> Iterator[Finding]:
    for b in facts.bindings:
        act = b.head.activation
        if b.loss.from_logits is not True or act not in PROBABILITY_ACTS:
            continue
        if b.head.activation_anchor is None:
            continue
        wrapper = "Softmax()" if act is Act.SOFTMAX else "Activation('sigmoid')"
        how = (
            f"{b.loss.spelling} expects logits"
            if b.loss.form == "op"
            else f"{loss_name(b)} has from_logits=True"
        )
        yield Finding(
            CODE,
            f"{act.value} is applied twice: this output already ends in {act.value}, and the "
            f"loss at {{0}} applies it again ({how}); the loss is computed on the wrong values. "
            f"Remove this activation and keep the logits loss (the recommended form; "
            f"`predict` then returns logits: wrap with keras.Sequential([model, "
            f"keras.layers.{wrapper}]) "
            f"for probabilities), or drop from_logits.",
            b.head.activation_anchor,
            (b.loss.anchor,),
            FIX,
            fact=b,
        )
    for site in facts.activations:
        if site.applied not in PROBABILITY_ACTS or site.applied is not site.input_activation:
            continue
        if site.over_units_axis is False or site.input_anchor is None:
            continue
        name = site.applied.value
        yield Finding(
            CODE,
            f"{name} is applied twice: this output already ends in {name} and {{0}} applies "
            f"{name} again, which flattens the probabilities towards uniform. Remove one of "
            f"the two.",
            site.input_anchor,
            (site.anchor,),
            "Remove the repeated activation",
            fact=site,
        )
