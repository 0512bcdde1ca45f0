"""XEN203 label-range-mismatch."""

from __future__ import annotations

from collections.abc import Iterator

from xentlint.checks.common import is_categorical
from xentlint.facts import Facts, Finding
from xentlint.rule import Rule

RULE = Rule(
    code="XEN203",
    name="label-range-mismatch",
    severity="E",
    summary="the labels' class count differs from the output units",
    fix="make the number of output units equal the number of classes",
    fix_safety="none",
)
CODE = RULE.code


def check(facts: Facts) -> Iterator[Finding]:
    for b in facts.bindings:
        labels = b.labels
        units = b.head.units
        if not is_categorical(b) or labels is None or labels.num_classes is None:
            continue
        if units is None or units <= 1 or units == labels.num_classes:
            continue
        yield Finding(
            CODE,
            f"the labels have {labels.num_classes} classes ({labels.source} at {{0}}) but the "
            f"output at {{1}} has {units} units: make the number of output units equal the "
            f"number of classes.",
            b.loss.anchor,
            (labels.anchor, b.head.units_anchor or b.head.anchor),
            None,
            fact=b,
        )
