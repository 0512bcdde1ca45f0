"""Small predicates shared by several checks, and helpers shared by their fix planners."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from xentlint.facts import BINARY_FAMILIES, CATEGORICAL_FAMILIES, Binding, Finding, LossFamily
from xentlint.intents import ActivationIntent, FixScope, Intent, LossIntent, Unfixable

PROBABILITY_FAMILIES = CATEGORICAL_FAMILIES | BINARY_FAMILIES


def loss_name(binding: Binding) -> str:
    spec = binding.loss
    if spec.form == "string":
        return f'"{spec.spelling}"'
    if spec.form == "class":
        return f"{spec.spelling}()"
    return spec.spelling


def is_probability_loss(binding: Binding) -> bool:
    return binding.loss.family in PROBABILITY_FAMILIES and binding.loss.from_logits is False


def is_categorical(binding: Binding) -> bool:
    return binding.loss.family in CATEGORICAL_FAMILIES


def is_plain_categorical(binding: Binding) -> bool:
    return binding.loss.family in (LossFamily.CATEGORICAL, LossFamily.FOCAL_CATEGORICAL)


# --- shared by the fix planners -------------------------------------------------------------

#: How to get probabilities back from a model whose final activation a fix removed.
WRAPPERS = {"softmax": "keras.layers.Softmax()", "sigmoid": 'keras.layers.Activation("sigmoid")'}


def binding_of(finding: Finding) -> Binding:
    if not isinstance(finding.fact, Binding):
        raise Unfixable("the finding carries no binding")
    return finding.fact


def shared_loss_ok(finding: Finding, scope: FixScope) -> None:
    binding = binding_of(finding)
    for other in scope.loss_users(binding.loss.anchor):
        if not scope.has(finding.code, other):
            raise Unfixable("the loss is also used where this fix would be wrong")


def loss_intent(finding: Finding, scope: FixScope, **changes: Any) -> LossIntent:
    binding = binding_of(finding)
    if binding.loss.anchor is None:
        raise Unfixable("the loss has no location")
    shared_loss_ok(finding, scope)
    return LossIntent(binding.loss.anchor, binding.loss, like=binding.head.anchor, **changes)


def remove_head_activation(
    binding: Binding, scope: FixScope, allowed: Callable[[Binding], bool]
) -> ActivationIntent:
    anchor = binding.head.activation_anchor
    if anchor is None:
        raise Unfixable("the activation has no location")
    for other in scope.head_users(anchor):
        if other is not binding and not allowed(other):
            raise Unfixable("the output also feeds a loss that needs its activation")
    return ActivationIntent(anchor, "remove")


def family_change(
    finding: Finding, scope: FixScope, family: LossFamily, title: str
) -> tuple[str, list[Intent]]:
    binding = binding_of(finding)
    if binding.loss.family is family:
        raise Unfixable("the loss already has that family")
    return title, [loss_intent(finding, scope, family=family)]
