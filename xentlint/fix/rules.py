"""Each rule's fix, as intents on the anchors of its finding.

``plan(finding, ...)`` returns the fix for one finding, or a reason why there is none. The
checks are pure functions over facts; so are these planners, except that they may look at
the syntax of an anchor (a trial render) to decide between two ways of fixing.

A fix that edits something other findings also depend on must be right for all of them:
a loss object shared by two models gets ``from_logits=True`` only if both models output
logits. Safety follows DESIGN.md: a safe fix leaves what ``model.predict`` returns
unchanged.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from xentlint.catalog import RULES
from xentlint.facts import (
    ActivationSite,
    Binding,
    Facts,
    Finding,
    LabelEncoding,
    LossFamily,
)
from xentlint.fix.edits import Context, Unfixable
from xentlint.fix.intents import ActivationIntent, Intent, LossIntent, MetricIntent, render

WRAPPERS = {"softmax": "keras.layers.Softmax()", "sigmoid": 'keras.layers.Activation("sigmoid")'}


@dataclass(frozen=True)
class Plan:
    """The fix of one finding."""

    finding: Finding
    title: str
    safe: bool
    intents: tuple[Intent, ...]

    @property
    def code(self) -> str:
        return self.finding.code


@dataclass
class Scope:
    """What the planners may consult besides the finding: all facts and findings."""

    facts: Facts
    findings: list[Finding]
    ctx: Context

    def __post_init__(self) -> None:
        self._by_code: dict[str, set[int]] = {}
        for finding in self.findings:
            self._by_code.setdefault(finding.code, set()).add(id(finding.fact))

    def has(self, code: str, fact: Any) -> bool:
        return id(fact) in self._by_code.get(code, set())

    def loss_users(self, anchor: Any) -> list[Binding]:
        return [b for b in self.facts.bindings if b.loss.anchor is anchor]

    def head_users(self, anchor: Any) -> list[Binding]:
        return [b for b in self.facts.bindings if b.head.activation_anchor is anchor]


def is_safe(code: str) -> bool:
    rule = RULES.get(code)
    return rule is not None and rule.fix_safety == "safe"


def plan(finding: Finding, scope: Scope) -> Plan:
    """The fix for ``finding`` (raises :class:`Unfixable` when there is none)."""
    planner = _PLANNERS.get(finding.code)
    if planner is None:
        raise Unfixable("this rule has no automatic fix")
    title, intents = planner(finding, scope)
    render(list(intents), scope.ctx)  # a trial: raises Unfixable if it cannot be written
    return Plan(finding, title, is_safe(finding.code), tuple(intents))


Planner = Callable[[Finding, Scope], tuple[str, list[Intent]]]


def _binding(finding: Finding) -> Binding:
    if not isinstance(finding.fact, Binding):
        raise Unfixable("the finding carries no binding")
    return finding.fact


def _shared_loss_ok(finding: Finding, scope: Scope) -> None:
    binding = _binding(finding)
    for other in scope.loss_users(binding.loss.anchor):
        if not scope.has(finding.code, other):
            raise Unfixable("the loss is also used where this fix would be wrong")


def _loss_intent(finding: Finding, scope: Scope, **changes: Any) -> LossIntent:
    binding = _binding(finding)
    if binding.loss.anchor is None:
        raise Unfixable("the loss has no location")
    _shared_loss_ok(finding, scope)
    return LossIntent(binding.loss.anchor, binding.loss, like=binding.head.anchor, **changes)


def _remove_head_activation(binding: Binding, scope: Scope, allowed: Callable[[Binding], bool]):
    anchor = binding.head.activation_anchor
    if anchor is None:
        raise Unfixable("the activation has no location")
    for other in scope.head_users(anchor):
        if other is not binding and not allowed(other):
            raise Unfixable("the output also feeds a loss that needs its activation")
    return ActivationIntent(anchor, "remove")


def _xen101(finding: Finding, scope: Scope) -> tuple[str, list[Intent]]:
    fact = finding.fact
    if isinstance(fact, ActivationSite):
        return _repeated_activation(fact, scope)
    binding = _binding(finding)
    act = binding.head.activation.value
    intent = _remove_head_activation(binding, scope, lambda b: b.loss.from_logits is True)
    title = (
        f"Remove the final {act}: `predict` now returns logits; for probabilities use "
        f"keras.Sequential([model, {WRAPPERS[act]}])"
    )
    return title, [intent]


def _repeated_activation(site: ActivationSite, scope: Scope) -> tuple[str, list[Intent]]:
    """softmax of softmax: drop the later one if it can go, else the earlier one."""
    title = f"Remove the repeated {site.applied.value}"
    later = ActivationIntent(site.anchor, "remove")
    try:
        render([later], scope.ctx)
        return title, [later]
    except Unfixable:
        pass
    if site.input_anchor is None:
        raise Unfixable("the earlier activation has no location")
    for other in scope.head_users(site.input_anchor):
        if other.loss.from_logits is not True:
            raise Unfixable("the earlier activation feeds a loss that needs it") from None
    return title, [ActivationIntent(site.input_anchor, "remove")]


def _xen102(finding: Finding, scope: Scope) -> tuple[str, list[Intent]]:
    return "Pass from_logits=True to the loss", [_loss_intent(finding, scope, from_logits=True)]


def _xen103(finding: Finding, scope: Scope) -> tuple[str, list[Intent]]:
    return 'Use activation="sigmoid"', [ActivationIntent(finding.anchor, "sigmoid")]


def _family_change(finding: Finding, scope: Scope, family: LossFamily, title: str):
    binding = _binding(finding)
    if binding.loss.family is family:
        raise Unfixable("the loss already has that family")
    return title, [_loss_intent(finding, scope, family=family)]


def _xen104(finding: Finding, scope: Scope) -> tuple[str, list[Intent]]:
    binding = _binding(finding)
    if binding.loss.family is LossFamily.FOCAL_CATEGORICAL:
        raise Unfixable("no binary form of this focal loss with the same arguments")
    return _family_change(finding, scope, LossFamily.BINARY, "Use binary crossentropy")


def _xen105(finding: Finding, scope: Scope) -> tuple[str, list[Intent]]:
    binding = _binding(finding)
    if binding.loss.family is not LossFamily.BINARY:
        raise Unfixable("no categorical form of this focal loss with the same arguments")
    labels = binding.labels
    if labels is not None and labels.encoding is LabelEncoding.INTEGER:
        return _family_change(
            finding,
            scope,
            LossFamily.SPARSE_CATEGORICAL,
            "Use sparse categorical crossentropy (the labels are class ids)",
        )
    return _family_change(finding, scope, LossFamily.CATEGORICAL, "Use categorical crossentropy")


def _xen106(finding: Finding, scope: Scope) -> tuple[str, list[Intent]]:
    binding = _binding(finding)
    anchor = binding.head.activation_anchor
    for other in scope.head_users(anchor):
        if not scope.has(finding.code, other):
            raise Unfixable("the output also feeds a loss that needs the sigmoid")
    return 'Use activation="softmax"', [ActivationIntent(anchor, "softmax")]


def _xen107(finding: Finding, scope: Scope) -> tuple[str, list[Intent]]:
    binding = _binding(finding)
    metric = next((m for m in binding.metrics if m.anchor is finding.anchor), None)
    if metric is None:
        raise Unfixable("the metric has no location")
    title = "Use BinaryAccuracy(threshold=0.0)"
    return title, [MetricIntent(metric.anchor, metric.spelling, binding.head.anchor)]


def _xen201(finding: Finding, scope: Scope) -> tuple[str, list[Intent]]:
    return _family_change(
        finding, scope, LossFamily.CATEGORICAL, "Use CategoricalCrossentropy (same from_logits)"
    )


def _xen202(finding: Finding, scope: Scope) -> tuple[str, list[Intent]]:
    binding = _binding(finding)
    if binding.loss.family is not LossFamily.CATEGORICAL:
        raise Unfixable("there is no sparse form of this focal loss")
    return _family_change(
        finding,
        scope,
        LossFamily.SPARSE_CATEGORICAL,
        "Use SparseCategoricalCrossentropy (same from_logits)",
    )


def _xen301(finding: Finding, scope: Scope) -> tuple[str, list[Intent]]:
    binding = _binding(finding)
    act = binding.head.activation.value
    activation = _remove_head_activation(
        binding, scope, lambda b: b.loss.from_logits is True or scope.has("XEN301", b)
    )
    loss = _loss_intent(finding, scope, from_logits=True)
    title = (
        f"Remove the final {act} and pass from_logits=True: `predict` now returns logits; "
        f"for probabilities use keras.Sequential([model, {WRAPPERS[act]}])"
    )
    return title, [activation, loss]


_PLANNERS: dict[str, Planner] = {
    "XEN101": _xen101,
    "XEN102": _xen102,
    "XEN103": _xen103,
    "XEN104": _xen104,
    "XEN105": _xen105,
    "XEN106": _xen106,
    "XEN107": _xen107,
    "XEN201": _xen201,
    "XEN202": _xen202,
    "XEN301": _xen301,
}

#: Codes that have an automatic fix, with its safety.
FIXABLE: dict[str, str] = {code: "safe" if is_safe(code) else "unsafe" for code in _PLANNERS}


def fixable(facts: Facts, findings: list[Finding], module: Any) -> dict[int, str]:
    """``{id(finding): "safe" | "unsafe"}`` for the findings that have an automatic fix.

    Cheap enough for the lint path: no code is generated, only trial edits are planned.
    """
    candidates = [f for f in findings if f.code in _PLANNERS]
    if not candidates:
        return {}
    scope = Scope(facts, findings, Context(module))
    out: dict[int, str] = {}
    for finding in candidates:
        try:
            item = plan(finding, scope)
        except Unfixable:
            continue
        except Exception:  # a planner bug: this finding just has no fix
            if os.environ.get("XENTLINT_DEBUG"):
                raise
            continue
        out[id(finding)] = "safe" if item.safe else "unsafe"
    return out
