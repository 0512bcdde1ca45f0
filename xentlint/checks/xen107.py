"""XEN107 accuracy-threshold-on-logits: metrics that assume probabilities, on logits."""

from __future__ import annotations

from collections.abc import Iterator

from xentlint.checks.common import binding_of
from xentlint.facts import BINARY_FAMILIES, Act, Facts, Finding, MetricSpec
from xentlint.intents import FixScope, Intent, MetricIntent, Unfixable
from xentlint.knowledge.metrics import DEFAULT_THRESHOLD, SHAPE_DEPENDENT_STRINGS, metric_entry
from xentlint.rule import Rule

RULE = Rule(
    code="XEN107",
    name="accuracy-threshold-on-logits",
    severity="E",
    summary=(
        "a metric that assumes probabilities (binary accuracy, precision, recall, AUC...) "
        "on logits: it thresholds at 0.5 instead of 0.0"
    ),
    fix="use threshold=0.0 (thresholds=0.0 for precision/recall...) or AUC(from_logits=True)",
    fix_safety="safe",
)
CODE = RULE.code


def _wrong_on_logits(metric: MetricSpec) -> bool:
    return metric.threshold == DEFAULT_THRESHOLD or metric.from_logits is False


def _use_instead(metric: MetricSpec) -> str:
    entry = metric_entry(metric.spelling)
    if entry is None:
        return "compare the logits with 0.0 (or apply a sigmoid before comparing with 0.5)"
    return f"use keras.metrics.{entry.class_name}({entry.fix_keyword}={entry.fix_value})"


def check(facts: Facts) -> Iterator[Finding]:
    for b in facts.bindings:
        if b.loss.family not in BINARY_FAMILIES or b.loss.from_logits is not True:
            continue
        if b.head.activation is not Act.LINEAR:
            continue
        for metric in b.metrics:
            if metric.anchor is None or not _wrong_on_logits(metric):
                continue
            # "accuracy" is a binary accuracy only on a 1-unit output; the others always
            if metric.spelling in SHAPE_DEPENDENT_STRINGS and b.head.units != 1:
                continue
            trained = (
                f"{b.loss.spelling} at {{0}} takes them"
                if b.loss.form == "op"
                else "from_logits=True at {0}"
            )
            if metric.from_logits is False:
                what = (
                    f'"{metric.spelling}" computes its curve over thresholds in [0, 1], but '
                    f"this model outputs logits ({trained}), which range over all numbers: "
                    f"the reported AUC is wrong"
                )
            else:
                name = (
                    f'"{metric.spelling}"'
                    if metric_entry(metric.spelling) is not None
                    else f"this threshold ({metric.spelling})"
                )
                what = (
                    f"{name} thresholds predictions at 0.5, but this model outputs logits "
                    f"({trained}), whose decision boundary is 0.0: the reported value is wrong"
                )
            use = _use_instead(metric)
            yield Finding(
                CODE,
                f"{what}. {use[0].upper()}{use[1:]}.",
                metric.anchor,
                (b.loss.anchor,),
                use[0].upper() + use[1:],
                fact=b,
            )


def fix(finding: Finding, scope: FixScope) -> tuple[str, list[Intent]]:
    binding = binding_of(finding)
    metric = next((m for m in binding.metrics if m.anchor is finding.anchor), None)
    if metric is None:
        raise Unfixable("the metric has no location")
    entry = metric_entry(metric.spelling)
    if entry is None or entry.fix_keyword is None:
        raise Unfixable("the threshold is written by hand")
    title = f"Use {entry.class_name}({entry.fix_keyword}={entry.fix_value})"
    intent = MetricIntent(
        metric.anchor,
        metric.spelling,
        binding.head.anchor,
        entry.class_name,
        entry.fix_keyword,
        entry.fix_value,
        entry.fix_position,
        entry.default_name,
    )
    return title, [intent]
