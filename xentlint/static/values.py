"""Abstract values the static interpreter computes for expressions.

Anything the interpreter cannot pin down is :data:`UNKNOWN`; checks only ever see facts
built from values that are known.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from xentlint.facts import Act, Head, LabelEvidence, LossSpec


class Value:
    __slots__ = ()


class _Unknown(Value):
    __slots__ = ()

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Value = _Unknown()


@dataclass(eq=False)
class Const(Value):
    value: Any  # int, float, str, bool, None
    node: Any = None  # the literal, for strings that may be reported


@dataclass(eq=False)
class Ref(Value):
    """A module, class or function of an imported library, by qualified name."""

    qname: str


@dataclass(eq=False)
class Instance(Value):
    """An instance of a library class we only need to recognise (ImageDataGenerator)."""

    qname: str


@dataclass(eq=False)
class Seq(Value):
    items: list[Value]
    node: cst.CSTNode | None = None
    #: the branch depth where the list was made: changed deeper (in a loop or a branch),
    #: its length is unknown (see :mod:`xentlint.static.lists`)
    depth: int = 0
    #: ``items`` are the list's last elements; an unknown number come before them
    open_start: bool = False


@dataclass(eq=False)
class Mapping(Value):
    items: dict[str, Value]
    node: cst.CSTNode | None = None


@dataclass(eq=False)
class Tensor(Value):
    """A symbolic tensor whose last operation is known (a head, if a loss sees it)."""

    head: Head
    #: an activation op's result: the tensor it was applied to (``ops.softmax(logits)``)
    source: Tensor | None = None
    rows: int | None = None  # the batch size, when written in the source (literals)


@dataclass(eq=False)
class LiteralArray(Value):
    """A nested list of numbers written in the source."""

    rows: list[list[float]] | None  # 2-D rows, or None for 1-D
    flat: list[float]
    node: cst.CSTNode


@dataclass(eq=False)
class Layer(Value):
    kind: str  # canonical class name
    node: cst.CSTNode
    units: int | None = None
    activation: Act = Act.UNKNOWN
    activation_anchor: Any = None
    units_anchor: Any = None
    name: str | None = None
    # for Activation/Softmax layers: the activation applied and whether over the last axis
    applies: Act | None = None
    over_last_axis: bool | None = None
    passthrough: bool = False
    model: Model | None = None  # a model used as a layer
    # Reshape/Flatten: keeps the rows when its output's last axis is ``reshape_to`` units
    reshapes: bool = False
    reshape_to: int | None = None
    reshape_rank: int | None = None


@dataclass(eq=False)
class Model(Value):
    node: cst.CSTNode | None
    outputs: Value = UNKNOWN  # Tensor | Seq | Mapping | UNKNOWN
    sequential: bool = False
    current: Value = UNKNOWN  # for Sequential: output of the layers so far
    ctx_depth: int = 0  # branch depth at creation
    tail_uncertain: bool = False
    compiles: list[tuple[Value, Value, cst.CSTNode]] = field(default_factory=list)
    # (index of the compile in force, labels) for each fit: a fit trains with the loss of
    # the latest compile before it
    fits: list[tuple[int, Value]] = field(default_factory=list)
    #: numbers of the compiles a fit or an evaluate may have run with: those since the
    #: latest compile that surely ran after the ones before it (``settled``)
    used: set[int] = field(default_factory=set)
    settled: int = 0
    #: numbers of the compiles made by another module's code (a helper, or the module that
    #: built the model): checked only when a fit or an evaluate may have run with them (a
    #: course's grading helper compiles the model only to list its layers)
    borrowed: set[int] = field(default_factory=set)
    obj: Object | None = None  # attributes and methods of a subclassed model


@dataclass(eq=False)
class Loss(Value):
    spec: LossSpec
    callable_function: bool = False  # a loss function reference (called with y, y_pred)


@dataclass(eq=False)
class Labels(Value):
    evidence: LabelEvidence
    #: the evidence holds only for an output of more units than this (LabelBinarizer:
    #: one-hot for more than two classes, a single column for two)
    over_units: int | None = None


@dataclass(eq=False)
class Dataset(Value):
    labels: LabelEvidence | None
    #: what one element is: ``Seq([x, Labels])``, a ``Mapping`` of features...; UNKNOWN
    #: when not known (then ``(x, labels)`` pairs when ``labels`` is known)
    element: Value = UNKNOWN


@dataclass(eq=False)
class Metric(Value):
    spelling: str
    threshold: float | None
    node: cst.CSTNode
    from_logits: bool | None = None  # AUC(from_logits=...)


@dataclass(eq=False)
class Function(Value):
    node: cst.FunctionDef
    defaults: dict[str, Value]
    owner: Class | None = None
    closure: Any = None  # the enclosing function's frame, for nested functions
    top: Any = None  # the module-level statement that holds the definition
    scope: Any = None  # the module it was defined in (imports.ModuleScope)


@dataclass(eq=False)
class Class(Value):
    node: cst.ClassDef
    methods: dict[str, Function]
    kind: str  # "model" | "layer" | "plain"
    attrs: dict[str, Value] = field(default_factory=dict)
    scope: Any = None  # the module it was defined in (imports.ModuleScope)


@dataclass(eq=False)
class Object(Value):
    cls: Class
    attrs: dict[str, Value] = field(default_factory=dict)
    model: Model | None = None  # for subclassed keras models


@dataclass(eq=False)
class BoundMethod(Value):
    obj: Object
    func: Function


@dataclass(eq=False)
class ModelMethod(Value):
    model: Model
    name: str


@dataclass(eq=False)
class DatasetMethod(Value):
    target: Value
    name: str


@dataclass(eq=False)
class SeqMethod(Value):
    """``layers.append``: a method of a list, to be called."""

    seq: Seq
    name: str


# --- values of label producers (issue 9) ----------------------------------------------------


@dataclass(eq=False)
class IdentityMatrix(Value):
    """``np.eye(k)``: rows indexed by class ids are one-hot."""

    depth: int | None
    node: cst.CSTNode


@dataclass(eq=False)
class Record(Value):
    """A library object with known attributes and methods (a sklearn bunch, a tfds info,
    TF1's mnist datasets). ``methods`` map a name to the value its call returns, or to a
    function of the call's node and arguments."""

    fields: dict[str, Value] = field(default_factory=dict)
    methods: dict[str, Any] = field(default_factory=dict)


@dataclass(eq=False)
class RecordMethod(Value):
    record: Record
    name: str


@dataclass(eq=False)
class Placeholder(Value):
    """``tf.placeholder(...)``: holds what ``feed_dict`` feeds it (recorded as fed)."""

    node: cst.CSTNode
    fed: list[Value] = field(default_factory=list)
    rank: int | None = None  # of the declared shape ([None] -> 1), None: not declared
    columns: int | None = None  # the declared last dimension, when rank 2 and known


@dataclass(eq=False)
class LambdaFunction(Value):
    node: cst.Lambda
    closure: Any  # the frame the lambda was written in


@dataclass(eq=False)
class Estimator(Value):
    """``tf.estimator.Estimator(model_fn=f)``: ``train(input_fn)`` calls ``f`` with labels."""

    model_fn: Value


@dataclass(eq=False)
class InputFunction(Value):
    """``numpy_input_fn(x, y)``: what an Estimator's model_fn receives as ``labels``."""

    labels: Value
