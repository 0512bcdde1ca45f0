"""What a fix wants done to one anchor (the vocabulary rule planners speak).

A rule's fix is expressed as *intents* on the anchors of its finding: "this loss becomes
binary crossentropy", "this loss gets from_logits=True", "this activation goes", "this
metric thresholds at 0.0". Intents on the same anchor from different fixes merge (XEN201's
"categorical" and XEN102's "from_logits=True" on one string become one class call), or
conflict (two different families). Rendering them into edits of the source is the fix
layer's job (:mod:`xentlint.fix.intents`, LibCST); planners only see :class:`FixScope`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from xentlint.facts import Binding, Facts, Finding, LossFamily, LossSpec


class Unfixable(Exception):
    """This finding has no automatic fix here; ``str(exc)`` says why."""


@dataclass(frozen=True)
class LossIntent:
    anchor: Any
    spec: LossSpec
    family: LossFamily | None = None  # the loss to switch to
    from_logits: bool = False  # set from_logits=True
    like: Any = None  # a nearby Keras call (the output layer), for spelling new names


@dataclass(frozen=True)
class ActivationIntent:
    anchor: Any
    action: str  # "remove" | "sigmoid" | "softmax"


@dataclass(frozen=True)
class MetricIntent:
    """The metric at ``anchor`` gets ``keyword=value`` (a string becomes the class)."""

    anchor: Any
    spelling: str  # "accuracy", "acc", "binary_accuracy", "BinaryAccuracy", "precision"...
    like: Any = None
    class_name: str = "BinaryAccuracy"  # keras.metrics.<class_name>
    keyword: str = "threshold"  # "thresholds", "from_logits"
    value: str = "0.0"  # "True"
    position: int | None = 2  # where the call takes ``keyword`` positionally
    default_name: str = "binary_accuracy"  # the name Keras gives the class' metric


@dataclass(frozen=True)
class ArgumentIntent:
    """The expression at ``anchor`` (a call's argument) becomes the name at ``name``."""

    anchor: Any
    name: Any  # a name node elsewhere in the module whose text replaces the argument


Intent = LossIntent | ActivationIntent | MetricIntent | ArgumentIntent


def merge(a: Intent, b: Intent) -> Intent | None:
    """One intent doing both, or None when they contradict each other."""
    if isinstance(a, LossIntent) and isinstance(b, LossIntent):
        if a.family is not None and b.family is not None and a.family is not b.family:
            return None
        return replace(
            a,
            family=a.family or b.family,
            from_logits=a.from_logits or b.from_logits,
            like=a.like or b.like,
        )
    if type(a) is type(b) and a == b:
        return a
    return None


class FixScope(Protocol):
    """What a planner may consult besides its finding (implemented by the fix layer)."""

    facts: Facts
    findings: list[Finding]

    def has(self, code: str, fact: Any) -> bool:
        """Whether ``code`` was reported on ``fact`` (a Binding or ActivationSite)."""
        ...

    def loss_users(self, anchor: Any) -> list[Binding]:
        """The bindings whose loss is at ``anchor``."""
        ...

    def head_users(self, anchor: Any) -> list[Binding]:
        """The bindings whose output's final activation is at ``anchor``."""
        ...

    def can_render(self, intents: Sequence[Intent]) -> bool:
        """Whether these intents can be written into the source (a trial render)."""
        ...


#: A rule's fix planner: the fix's title and intents (raises :class:`Unfixable`).
Planner = Callable[[Finding, FixScope], tuple[str, list[Intent]]]
