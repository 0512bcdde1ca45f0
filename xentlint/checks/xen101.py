"""XEN101 double-activation: softmax/sigmoid applied twice."""

from __future__ import annotations

from collections.abc import Iterator

from xentlint.checks.common import WRAPPERS, binding_of, loss_name, remove_head_activation
from xentlint.facts import PROBABILITY_ACTS, Act, ActivationSite, Binding, Facts, Finding
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
        wrapper = "Softmax()" if act is Act.SOFTMAX else "Activation('sigmoid')"
        how = (
            f"{b.loss.spelling} expects logits"
            if b.loss.form == "op"
            else f"{loss_name(b)} has from_logits=True"
        )
        note = "" if facts.backend is None else backend_note(facts.backend, act, b.head.observed)
        yield Finding(
            CODE,
            f"{act.value} is applied twice: this output already ends in {act.value}, and the "
            f"loss at {{0}} applies it again ({how}); the loss is computed on the wrong values. "
            f"Remove this activation and keep the logits loss (the recommended form; "
            f"`predict` then returns logits: wrap with keras.Sequential([model, "
            f"keras.layers.{wrapper}]) "
            f"for probabilities), or drop from_logits.{note}",
            b.head.activation_anchor,
            (b.loss.anchor,),
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
