"""XEN101 double-activation: softmax/sigmoid applied twice."""

from __future__ import annotations

from collections.abc import Iterator

from xentlint.checks.common import (
    WRAPPERS,
    binary_on_wide_softmax,
    binding_of,
    from_model,
    loss_name,
    one_unit_categorical,
    remove_head_activation,
)
from xentlint.facts import (
    BINARY_FAMILIES,
    PROBABILITY_ACTS,
    Act,
    ActivationSite,
    Binding,
    Facts,
    Finding,
)
from xentlint.intents import ActivationIntent, ArgumentIntent, FixScope, Intent, Unfixable
from xentlint.knowledge.activations import ACTIVATION_OPS
from xentlint.rule import Rule

RULE = Rule(
    code="XEN101",
    name="double-activation",
    severity="E",
    summary=(
        "softmax/sigmoid is applied twice: the loss or op applies it again to outputs "
        "that already went through it"
    ),
    fix="remove the final activation and keep from_logits=True (or drop from_logits)",
    fix_safety="unsafe",
)
CODE = RULE.code
FIX = "Remove the final activation (predict then returns logits)"


def check(facts: Facts) -> Iterator[Finding]:
    for b in facts.bindings:
        act = b.head.activation
        if b.loss.from_logits is not True or act not in PROBABILITY_ACTS:
            continue
        if b.head.activation_anchor is None:
            continue
        if one_unit_categorical(b) or binary_on_wide_softmax(b):
            continue  # XEN104 / XEN105 speak for this binding
        if act is Act.SOFTMAX and b.head.units == 1:
            continue  # XEN103 speaks: a softmax over one unit
        yield Finding(
            CODE,
            _message(b, facts.backend),
            b.head.activation_anchor,
            (b.loss.anchor, b.head.branch_anchor) if b.head.branch else (b.loss.anchor,),
            FIX,
            fact=b,
        )
    for site in facts.activations:
        if site.applied not in PROBABILITY_ACTS or site.applied is not site.input_activation:
            continue
        if site.over_units_axis is False or site.input_anchor is None:
            continue
        name = site.applied.value
        yield Finding(
            CODE,
            f"{name} is applied twice: this output already ends in {name} and {{0}} applies "
            f"{name} again, which flattens the probabilities towards uniform. Remove one of "
            f"the two.",
            site.input_anchor,
            (site.anchor,),
            "Remove the repeated activation",
            fact=site,
        )


def _message(b: Binding, backend: str | None) -> str:
    act = b.head.activation.value
    applies = "sigmoid" if b.loss.family in BINARY_FAMILIES else "softmax"
    op = b.loss.form == "op"
    how = f"{b.loss.spelling} expects logits" if op else f"{loss_name(b)} has from_logits=True"
    where = f"this output already ends in {act}"
    if b.head.branch:
        where = f"on the branch where `{b.head.branch}` holds (at {{1}}), {where}"
    if applies == act:
        said = (
            f"{act} is applied twice: {where}, and the loss at {{0}} applies it again ({how}); "
            f"the loss is computed on the wrong values."
        )
    else:
        said = (
            f"{where[0].upper()}{where[1:]}, and the loss at {{0}} applies a {applies} on top "
            f"({how}): it is computed on {applies}({act}(...)), not on the scores."
        )
    if applies != act:
        matching = "CategoricalCrossentropy" if act == "softmax" else "BinaryCrossentropy"
        first = "Drop from_logits=True so the loss reads these probabilities, or r"
        if op:
            first = "Pass the scores from before the softmax (the logits), or r"
        advice = f" {first}emove the {act} and use {matching}(from_logits=True)."
    elif from_model(b):
        wrapper = "Softmax()" if act == "softmax" else "Activation('sigmoid')"
        advice = (
            f" Remove this activation and keep the logits loss (the recommended form; "
            f"`predict` then returns logits: wrap with keras.Sequential([model, "
            f"keras.layers.{wrapper}]) for probabilities)"
            + ("." if op else ", or drop from_logits.")
        )
    else:
        advice = f" Pass the scores from before the {act} (the logits) to the loss" + (
            "." if op else ", or drop from_logits."
        )
    note = "" if backend is None else backend_note(backend, b.head.activation, b.head.observed)
    return said + advice + note


def backend_note(backend: str, act: Act, observed: bool) -> str:
    """The sentence a runtime XEN101 message ends with: what the active backend does."""
    activation = act.value
    if backend == "tensorflow":
        if observed:
            return (
                f" Backend: tensorflow. Keras repairs a doubled {activation} in fit() only "
                f"when it can see the {activation} op in front of the loss; do not rely on it."
            )
        return (
            f" Backend: tensorflow: Keras repairs this inside compile()/fit() (it takes the "
            f"logits before the {activation} and warns), but not in tf.nn ops, in losses on "
            f"predict() outputs, or on JAX/PyTorch (measured: 1.135 instead of 1.470 on JAX)."
        )
    return (
        f" Backend: {backend}. Nothing repairs it on this backend: fit() trains on the "
        f"{activation} of the {activation} (measured on JAX: a loss of 1.135 instead of 1.470)."
    )


def fix(finding: Finding, scope: FixScope) -> tuple[str, list[Intent]]:
    fact = finding.fact
    if isinstance(fact, ActivationSite):
        return _repeated_activation(fact, scope)
    binding = binding_of(finding)
    act = binding.head.activation.value
    if binding.head.branch:
        raise Unfixable("the activation is on one branch: the path to the loss should avoid it")
    if (binding.loss.family in BINARY_FAMILIES) != (binding.head.activation is Act.SIGMOID):
        raise Unfixable("the loss applies another activation: which of the two is meant is unknown")
    explicit_op = binding.head.layer_kind in ACTIVATION_OPS  # ops.softmax(logits)
    if binding.kind == "call" and binding.pred_anchor is not None and explicit_op:
        return _pass_the_logits(binding, act)
    intent = remove_head_activation(binding, scope, lambda b: b.loss.from_logits is True)
    title = (
        f"Remove the final {act}: `predict` now returns logits; for probabilities use "
        f"keras.Sequential([model, {WRAPPERS[act]}])"
    )
    return title, [intent]


def _pass_the_logits(binding: Binding, act: str) -> tuple[str, list[Intent]]:
    """A loss called on ``ops.softmax(logits)``: give it the logits, keep the softmax."""
    op = binding.head.activation_anchor
    if binding.logits_anchor is not None:
        title = f"Pass the logits to the loss instead of their {act} (the {act} stays)"
        return title, [ArgumentIntent(binding.pred_anchor, binding.logits_anchor)]
    if binding.pred_anchor is op:  # loss(y, ops.softmax(logits)): drop it there
        return f"Pass the logits to the loss (drop the {act} in the call)", [
            ActivationIntent(op, "remove")
        ]
    raise Unfixable(f"the logits before the {act} are not at hand under a name")


def _repeated_activation(site: ActivationSite, scope: FixScope) -> tuple[str, list[Intent]]:
    """softmax of softmax: drop the later one if it can go, else the earlier one."""
    title = f"Remove the repeated {site.applied.value}"
    later = ActivationIntent(site.anchor, "remove")
    if scope.can_render([later]):
        return title, [later]
    if site.input_anchor is None:
        raise Unfixable("the earlier activation has no location")
    for other in scope.head_users(site.input_anchor):
        if other.loss.from_logits is not True:
            raise Unfixable("the earlier activation feeds a loss that needs it")
    return title, [ActivationIntent(site.input_anchor, "remove")]
