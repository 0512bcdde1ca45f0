"""The rule catalog: codes, names, severities and fix safety (a public interface)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["E", "W", "S"]
FixSafety = Literal["safe", "unsafe", "none"]


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    summary: str
    fix: str
    fix_safety: FixSafety
    default_enabled: bool = True


_RULES = (
    Rule(
        "XEN101",
        "double-activation",
        "E",
        "softmax/sigmoid is applied twice: the loss or op applies it again to outputs "
        "that already went through it",
        "remove the final activation and keep from_logits=True (or drop from_logits)",
        "unsafe",
    ),
    Rule(
        "XEN102",
        "logits-into-probability-loss",
        "E",
        "a probability loss (from_logits=False) receives raw scores from a linear output",
        "pass from_logits=True to the loss",
        "safe",
    ),
    Rule(
        "XEN103",
        "softmax-over-one-unit",
        "E",
        "softmax over an axis of size 1 always outputs 1",
        'use activation="sigmoid"',
        "unsafe",
    ),
    Rule(
        "XEN104",
        "categorical-loss-on-one-unit",
        "E",
        "categorical crossentropy on a 1-unit output is constant: nothing is learned",
        "use binary crossentropy",
        "unsafe",
    ),
    Rule(
        "XEN105",
        "binary-loss-on-softmax",
        "W",
        "binary crossentropy on a softmax output with more than 2 units",
        "use categorical / sparse categorical crossentropy matching the labels",
        "unsafe",
    ),
    Rule(
        "XEN106",
        "categorical-loss-on-sigmoid",
        "W",
        "categorical crossentropy on a multi-unit sigmoid output (rows do not sum to 1)",
        'use activation="softmax"',
        "unsafe",
    ),
    Rule(
        "XEN107",
        "accuracy-threshold-on-logits",
        "E",
        "binary accuracy thresholds logits at 0.5 instead of 0.0",
        "use BinaryAccuracy(threshold=0.0)",
        "safe",
    ),
    Rule(
        "XEN201",
        "sparse-loss-with-one-hot-labels",
        "E",
        "sparse categorical crossentropy receives one-hot labels",
        "use CategoricalCrossentropy with the same from_logits",
        "safe",
    ),
    Rule(
        "XEN202",
        "categorical-loss-with-integer-labels",
        "E",
        "categorical crossentropy receives integer class ids",
        "use SparseCategoricalCrossentropy with the same from_logits",
        "safe",
    ),
    Rule(
        "XEN203",
        "label-range-mismatch",
        "E",
        "the labels' class count differs from the output units",
        "make the number of output units equal the number of classes",
        "none",
    ),
    Rule(
        "XEN301",
        "prefer-logits-output",
        "S",
        "softmax/sigmoid last layer with a probability loss; the recommended form is a "
        "linear last layer with from_logits=True",
        "remove the final activation and pass from_logits=True",
        "unsafe",
        default_enabled=False,
    ),
    Rule(
        "XEN401",
        "output-activation-mismatch",
        "E",
        "run on a random batch, a model output contradicts its configured activation "
        "(probabilities from a layer configured linear, or the reverse)",
        "",
        "none",
    ),
    Rule("XEN901", "syntax-error", "E", "the file cannot be parsed", "", "none"),
    Rule(
        "XEN902",
        "unreadable-file",
        "E",
        "the file cannot be read as text (undecodable, binary, malformed notebook)",
        "",
        "none",
    ),
)

RULES: dict[str, Rule] = {r.code: r for r in _RULES}


def get_rule(code: str) -> Rule | None:
    return RULES.get(code.upper())
