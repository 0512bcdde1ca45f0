"""XEN105 binary-loss-on-softmax."""

from __future__ import annotations

from collections.abc import Iterator

from xentlint.checks._common import loss_name
from xentlint.facts import BINARY_FAMILIES, Act, Facts, Finding

CODE = "XEN105"


def check(facts: Facts) -> Iterator[Finding]:
    for b in facts.bindings:
        if b.loss.family not in BINARY_FAMILIES or b.head.activation is not Act.SOFTMAX:
            continue
        if b.head.units is None or b.head.units <= 2:
            continue
        yield Finding(
            CODE,
            f"{loss_name(b)} on the {b.head.units}-unit softmax output at {{0}} scores a "
            f"single-label problem as {b.head.units} independent yes/no labels, and "
            f"accuracy is inflated. Use categorical crossentropy (one-hot labels) or sparse "
            f"categorical crossentropy (integer labels).",
            b.loss.anchor,
            (b.head.activation_anchor,),
            "Use categorical crossentropy",
            fact=b,
        )
