"""Small predicates shared by several checks, and helpers shared by their fix planners."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from xentlint.facts import (
    BINARY_FAMILIES,
    CATEGORICAL_FAMILIES,
    Act,
    Binding,
    Finding,
    LossFamily,
)
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


# --- which rule speaks when one mistake satisfies several ------------------------------------
# A categorical loss on one unit (XEN104) is constant whatever its from_logits and its labels:
# XEN102's "pass from_logits=True" and XEN201/XEN202's "switch to the other categorical
# form" would keep a loss that cannot learn, so XEN104 alone speaks for that binding.
# A binary loss on a softmax of more than two units (XEN105) is the wrong family: XEN101's
# "remove the softmax, keep from_logits" would leave independent sigmoids, so XEN105 speaks.
# A softmax over one unit (XEN103, at the same activation) outputs the constant 1: XEN101
# does not add a second finding about applying it twice.


def one_unit_categorical(binding: Binding) -> bool:
    """XEN104's case: a categorical loss on a 1-unit output (a hand-written
    ``-sum(y * log(p))`` does not renormalise, so it is not constant there)."""
    return is_categorical(binding) and binding.head.units == 1 and binding.loss.form != "expression"


def binary_on_wide_softmax(binding: Binding) -> bool:
    """XEN105's case: a binary loss on a softmax over more than two units."""
    units = binding.head.units
    return (
        binding.loss.family in BINARY_FAMILIES
        and binding.head.activation is Act.SOFTMAX
        and units is not None
        and units > 2
    )


def from_model(binding: Binding) -> bool:
    """Whether the scores come out of a model (a layer), not an op or an array literal."""
    kind = binding.head.layer_kind
    return binding.kind == "compile" or (kind is not None and "." not in kind and kind != "literal")


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
