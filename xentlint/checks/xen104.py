"""XEN104 categorical-loss-on-one-unit."""

from __future__ import annotations

from collections.abc import Iterator

from xentlint.checks._common import is_categorical, loss_name
from xentlint.facts import Facts, Finding

CODE = "XEN104"


def check(facts: Facts) -> Iterator[Finding]:
    for b in facts.bindings:
        if not is_categorical(b) or b.head.units != 1:
            continue
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
