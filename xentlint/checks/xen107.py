"""XEN107 accuracy-threshold-on-logits."""

from __future__ import annotations

from collections.abc import Iterator

from xentlint.checks.common import binding_of
from xentlint.facts import BINARY_FAMILIES, Act, Facts, Finding
from xentlint.intents import FixScope, Intent, MetricIntent, Unfixable
from xentlint.rule import Rule

RULE = Rule(
    code="XEN107",
    name="accuracy-threshold-on-logits",
    severity="E",
    summary="binary accuracy thresholds logits at 0.5 instead of 0.0",
    fix="use BinaryAccuracy(threshold=0.0)",
    fix_safety="safe",
)
CODE = RULE.code


def check(facts: Facts) -> Iterator[Finding]:
    for b in facts.bindings:
        if b.loss.family not in BINARY_FAMILIES or b.loss.from_logits is not True:
            continue
        if b.head.units != 1 or b.head.activation is not Act.LINEAR:
            continue
        for metric in b.metrics:
            if metric.anchor is None or metric.threshold != 0.5:
                continue
            yield Finding(
                CODE,
                f'"{metric.spelling}" thresholds predictions at 0.5, but this model outputs '
                f"logits (from_logits=True at {{0}}), whose decision boundary is 0.0: the "
                f"reported accuracy is wrong. Use keras.metrics.BinaryAccuracy(threshold=0.0).",
                metric.anchor,
                (b.loss.anchor,),
                "Use BinaryAccuracy(threshold=0.0)",
                fact=b,
            )


def fix(finding: Finding, scope: FixScope) -> tuple[str, list[Intent]]:
    binding = binding_of(finding)
    metric = next((m for m in binding.metrics if m.anchor is finding.anchor), None)
    if metric is None:
        raise Unfixable("the metric has no location")
    title = "Use BinaryAccuracy(threshold=0.0)"
    return title, [MetricIntent(metric.anchor, metric.spelling, binding.head.anchor)]
