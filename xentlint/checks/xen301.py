"""XEN301 prefer-logits-output (suggestion, off by default)."""

from __future__ import annotations

from collections.abc import Iterator

from xentlint.checks.common import (
    WRAPPERS,
    binding_of,
    is_categorical,
    is_probability_loss,
    loss_intent,
    loss_name,
    remove_head_activation,
)
from xentlint.facts import (
    BINARY_FAMILIES,
    Act,
    Binding,
    Facts,
    Finding,
    LabelEncoding,
    LossFamily,
)
from xentlint.intents import FixScope, Intent, Unfixable
from xentlint.rule import Rule

RULE = Rule(
    code="XEN301",
    name="prefer-logits-output",
    severity="S",
    summary=(
        "softmax/sigmoid last layer with a probability loss; the recommended form is a "
        "linear last layer with from_logits=True"
    ),
    fix="remove the final activation and pass from_logits=True",
    fix_safety="unsafe",
    default_enabled=False,
)
CODE = RULE.code


def check(facts: Facts) -> Iterator[Finding]:
    for b in facts.bindings:
        act = b.head.activation
        if b.kind != "compile" or not is_probability_loss(b) or b.head.activation_anchor is None:
            continue
        if act is Act.SOFTMAX:
            binary = b.loss.family in BINARY_FAMILIES
            if b.head.units == 1 or (binary and (b.head.units is None or b.head.units > 2)):
                continue  # XEN103 / XEN105 territory
        elif act is Act.SIGMOID:
            if is_categorical(b):
                continue  # XEN104 / XEN106 territory
        else:
            continue
        yield Finding(
            CODE,
            f"{act.value} last layer with {loss_name(b)} (at {{0}}): the recommended form is "
            f"no final activation and from_logits=True on the loss, which is numerically more "
            f"stable. `predict` then returns logits; apply {act.value} where probabilities "
            f"are needed.",
            b.head.activation_anchor,
            (b.loss.anchor,),
            "Remove the activation and pass from_logits=True",
            fact=b,
        )


def fix(finding: Finding, scope: FixScope) -> tuple[str, list[Intent]]:
    binding = binding_of(finding)
    act = binding.head.activation.value
    activation = remove_head_activation(
        binding, scope, lambda b: b.loss.from_logits is True or scope.has("XEN301", b)
    )
    tail = (
        f"`predict` now returns logits; for probabilities use "
        f"keras.Sequential([model, {WRAPPERS[act]}])"
    )
    if binding.head.activation is Act.SOFTMAX and binding.loss.family in BINARY_FAMILIES:
        # a 2-unit softmax scored by binary crossentropy: a logits binary loss would make
        # two independent sigmoids; the softmax's own loss keeps the model what it was
        family = _categorical_for(binding)
        loss = loss_intent(finding, scope, from_logits=True, family=family)
        name = "sparse categorical" if family is LossFamily.SPARSE_CATEGORICAL else "categorical"
        title = (
            f"Remove the final softmax and use {name} crossentropy with from_logits=True: {tail}"
        )
        return title, [activation, loss]
    loss = loss_intent(finding, scope, from_logits=True)
    title = f"Remove the final {act} and pass from_logits=True: {tail}"
    return title, [activation, loss]


def _categorical_for(binding: Binding) -> LossFamily:
    """The softmax loss that matches the labels of a 2-unit softmax + binary crossentropy."""
    if binding.loss.family is not LossFamily.BINARY:
        raise Unfixable("no categorical form of this focal loss with the same arguments")
    labels = binding.labels
    if labels is not None and labels.encoding is LabelEncoding.INTEGER:
        return LossFamily.SPARSE_CATEGORICAL
    if labels is not None and labels.encoding is LabelEncoding.BINARY:
        raise Unfixable("a single 0/1 column against two softmax units: unclear intent")
    return LossFamily.CATEGORICAL  # one-hot rows, which binary crossentropy there needs
