"""XEN103 softmax-over-one-unit: softmax over an axis of size 1 is the constant 1."""

from __future__ import annotations

from collections.abc import Iterator

from xentlint.facts import Act, Facts, Finding

CODE = "XEN103"


def check(facts: Facts) -> Iterator[Finding]:
    for site in facts.activations:
        if site.applied is not Act.SOFTMAX or site.units != 1 or site.over_units_axis is not True:
            continue
        yield Finding(
            CODE,
            "softmax over a single unit always outputs 1.0, whatever the input: nothing can "
            'be learned. Use activation="sigmoid" for one output unit (or no activation with '
            "from_logits=True on the loss).",
            site.anchor,
            (),
            'Use activation="sigmoid"',
            fact=site,
        )
