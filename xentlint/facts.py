"""The fact vocabulary shared by the static and the runtime front end.

Facts are plain frozen dataclasses. Every fact carries an opaque ``anchor``: a CST node
in static mode, a layer or loss description in runtime mode. Checks never look inside an
anchor; they hand it back inside a :class:`Finding`, and the front end turns it into a
position (or an edit, for fixes).

``None`` always means "unknown": a check that needs an unknown value stays silent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Act(str, Enum):
    """What the last operation before a loss did to the scores."""

    SOFTMAX = "softmax"
    SIGMOID = "sigmoid"
    LOG_SOFTMAX = "log_softmax"
    LINEAR = "linear"
    OTHER = "other"  # relu, tanh, a softmax over another axis...: not class scores
    UNKNOWN = "unknown"


PROBABILITY_ACTS = frozenset({Act.SOFTMAX, Act.SIGMOID})


class LossFamily(str, Enum):
    CATEGORICAL = "categorical"
    SPARSE_CATEGORICAL = "sparse_categorical"
    BINARY = "binary"
    FOCAL_BINARY = "focal_binary"
    FOCAL_CATEGORICAL = "focal_categorical"
    OTHER = "other"  # mse, hinge, custom functions...


CATEGORICAL_FAMILIES = frozenset(
    {LossFamily.CATEGORICAL, LossFamily.SPARSE_CATEGORICAL, LossFamily.FOCAL_CATEGORICAL}
)
BINARY_FAMILIES = frozenset({LossFamily.BINARY, LossFamily.FOCAL_BINARY})


class LabelEncoding(str, Enum):
    ONE_HOT = "one_hot"
    INTEGER = "integer"
    BINARY = "binary"


@dataclass(frozen=True)
class Head:
    """One model output (or any tensor a loss is applied to)."""

    units: int | None
    activation: Act
    layer_kind: str | None = None  # "Dense", "Conv2D", "tf.nn.softmax", ...
    name: str | None = None  # output name, for multi-output models
    anchor: Any = None  # where the output is produced (the layer)
    activation_anchor: Any = None  # where the final activation was set
    units_anchor: Any = None
    observed: bool = False  # the activation is what the runtime probe saw, not configured
    #: the final activation is applied on one branch only (``if not training:``): the
    #: condition's text and where it is (static mode)
    branch: str | None = None
    branch_anchor: Any = None


@dataclass(frozen=True)
class LossSpec:
    family: LossFamily
    from_logits: bool | None
    form: str  # "string" | "class" | "function" | "op"
    spelling: str  # as written, e.g. "categorical_crossentropy", "CategoricalCrossentropy"
    anchor: Any = None
    from_logits_anchor: Any = None


@dataclass(frozen=True)
class LabelEvidence:
    encoding: LabelEncoding
    num_classes: int | None  # one-hot depth, num_classes, dataset class count
    source: str  # "to_categorical", "tf.one_hot", "label_mode='int'", "mnist.load_data()"...
    anchor: Any = None


@dataclass(frozen=True)
class LabelRange:
    """The smallest and largest value of real labels (runtime mode, from the arrays)."""

    low: float
    high: float
    anchor: Any = None  # the labels


@dataclass(frozen=True)
class MetricSpec:
    """A metric that assumes probabilities: it thresholds (at 0.5 unless told otherwise),
    or computes a curve over [0, 1] unless it applies the sigmoid itself (AUC)."""

    spelling: str
    threshold: float | None  # where it thresholds (0.5 by default); None: unknown / none
    anchor: Any = None
    #: AUC-like: whether it applies a sigmoid itself (None: not such a metric, or unknown)
    from_logits: bool | None = None


@dataclass(frozen=True)
class Binding:
    """A loss applied to a head: by compile (per output) or by a call in a training loop."""

    head: Head
    loss: LossSpec
    kind: str  # "compile" | "call" | "feed" (a loss call on a TF1 placeholder fed labels)
    labels: LabelEvidence | None = None
    metrics: tuple[MetricSpec, ...] = ()
    anchor: Any = None  # the compile call / the loss call
    label_range: LabelRange | None = None  # of the real labels, when they were given
    #: a loss call (static): the prediction argument, and, when that argument is an
    #: activation's result whose input is still at hand under a name, that name
    pred_anchor: Any = None
    logits_anchor: Any = None


@dataclass(frozen=True)
class ActivationSite:
    """An activation applied to a tensor (a layer's activation= or an explicit op).

    ``units`` is the size of the axis the activation normalises over when known;
    ``over_units_axis`` tells whether that axis is the units/channel axis (False for
    ``Softmax(axis=1)`` over a time axis, None when unknown).
    """

    applied: Act
    input_activation: Act
    units: int | None
    over_units_axis: bool | None
    anchor: Any = None
    input_anchor: Any = None


@dataclass(frozen=True)
class ProbeObservation:
    """What one model output was seen to be on a random batch (runtime mode, ``--probe``)."""

    output: str
    configured: Act  # what the configuration says the output ends in
    observed: Act  # what the values show
    evidence: str  # "every row of 3 values is non-negative and sums to 1 (...)"
    batch: int  # how many random inputs the probe ran
    anchor: Any = None  # the output's layer


@dataclass(frozen=True)
class Facts:
    bindings: tuple[Binding, ...] = ()
    activations: tuple[ActivationSite, ...] = ()
    observations: tuple[ProbeObservation, ...] = ()
    #: the Keras backend that will run the model (runtime mode); None: not known (static)
    backend: str | None = None


@dataclass(frozen=True)
class Finding:
    """What a check reports; the front end turns anchors into positions."""

    code: str
    message: str
    anchor: Any
    related: tuple[Any, ...] = field(default=())
    fix_title: str | None = None
    fact: Any = None  # the Binding or ActivationSite the finding was derived from (fixers)
