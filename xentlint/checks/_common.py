"""Small predicates shared by several checks."""

from __future__ import annotations

from xentlint.facts import BINARY_FAMILIES, CATEGORICAL_FAMILIES, Binding, LossFamily

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
