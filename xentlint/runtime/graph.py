"""A small model graph both readers produce: from a saved configuration or a live model.

An :class:`Op` is one layer or operation with what the checks need of it (units, the
activation it ends with or applies, the axis of a softmax), and for each of its calls the
tensors it received. :class:`Graph` resolves an output back to a :class:`~xentlint.facts.Head`
(following dropout-like layers, ``Activation``/``Softmax`` layers and nested models) and
lists every softmax/sigmoid applied anywhere as :class:`~xentlint.facts.ActivationSite`.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from dataclasses import dataclass, field

from xentlint.facts import Act, ActivationSite, Head
from xentlint.runtime import anchors
from xentlint.runtime.anchors import Anchor


@dataclass(frozen=True)
class Ref:
    """The ``index``-th output tensor of the ``call``-th call of op ``key``."""

    key: Hashable
    call: int = 0
    index: int = 0


@dataclass
class Op:
    key: Hashable
    name: str  # display path: "dense_2", "backbone/dense_1"
    kind: str  # class name
    units: int | None = None
    activation: Act | None = None  # its activation= argument (None: it has none)
    applies: Act | None = None  # Activation/Softmax layers and softmax/sigmoid ops
    axis: object = -1  # the axis ``applies`` normalises over (int, list, None = all)
    channels_first: bool = False
    passthrough: bool = False  # leaves class scores as they are (Dropout...)
    rank_delta: int = 0  # a passthrough layer's output rank minus its input's (RepeatVector: 1)
    custom: bool = False  # code xentlint cannot see into
    #: why what this op does to class scores is unknown, completing "layer 'x' ...":
    #: "is custom code (class ProbHead)", "runs a Python lambda"; None: nothing to say
    unknown_because: str | None = None
    calls: list[list[Ref]] = field(default_factory=list)  # per call: the input tensors
    in_ranks: list[int | None] = field(default_factory=list)  # per call: first input's rank
    out_rank: int | None = None
    graph: Graph | None = None  # a nested model
    #: Reshape/Flatten: rows survive when the output's last size is the input's
    reshape: bool = False
    reshape_to: int | None = None  # Reshape: the target's last size (None: not known)
    reshape_rank: int | None = None  # Reshape: how many axes the target has
    flattens: bool = False  # Flatten: the output's last size is the input's non-batch size
    in_shapes: list[list[object] | None] = field(default_factory=list)  # per call: input's

    def keeps_rows(self, call: int, input_units: int | None) -> bool:
        """Whether this Reshape/Flatten leaves every row over the last axis as it was.

        With the input's shape: when the last size stays the same (a row-major reshape cuts
        the values into blocks of the output's last size). Without it: a Reshape to
        ``(units,)`` of an output with ``units`` class scores (each sample then holds
        exactly those scores, whatever the layout).
        """
        shape = self.in_shapes[call] if call < len(self.in_shapes) else None
        if not shape:
            return (
                not self.flattens
                and self.reshape_rank == 1
                and input_units is not None
                and self.reshape_to == input_units
            )
        if not all(isinstance(d, int) and not isinstance(d, bool) for d in shape[1:]):
            return False
        last = shape[-1]
        if self.flattens:
            size = 1
            for dim in shape[1:-1]:
                size *= dim  # type: ignore[operator]
            return len(shape) > 2 and size == 1
        return self.reshape_to is not None and self.reshape_to == last

    @property
    def anchor(self) -> Anchor:
        return anchors.layer(self.name)


@dataclass
class Graph:
    name: str
    ops: dict[Hashable, Op] = field(default_factory=dict)
    outputs: list[tuple[str, Ref]] = field(default_factory=list)
    output_struct: str = "single"  # "single" | "list" | "dict": how the model returns outputs
    subclassed: bool = False  # a model class whose configuration does not show its graph


@dataclass(frozen=True)
class Resolved:
    """What reaches an output: a Head plus the tensor rank when known.

    ``why``: when the head's activation is unknown, which layer makes it unknown and why
    ("layer 'spy' runs a Python lambda"), for the line saying the output was not judged.
    """

    head: Head
    rank: int | None = None
    why: str | None = None


UNKNOWN_HEAD = Head(None, Act.UNKNOWN)


def _unknown(why: str) -> Resolved:
    return Resolved(UNKNOWN_HEAD, why=why)


def unknown_op(op: Op) -> str:
    """Why nothing is known of what ``op`` outputs: "layer 'x' is custom code (...)"."""
    if op.unknown_because is not None:
        return f"layer {op.name!r} {op.unknown_because}"
    return f"layer {op.name!r} ({op.kind}) is not a layer xentlint can see through"


#: How many layers an output is followed back through (Dropout, Activation, nested models)
#: before its head is "unknown": real models need a handful; a hostile chain of thousands
#: of Dropout layers would otherwise exhaust Python's recursion limit.
MAX_CHAIN = 100


def _normal_axis(axis: object, rank: int | None) -> bool | None:
    """Whether ``axis`` is the last (units) axis; None when it cannot be told."""
    if isinstance(axis, (list, tuple)):
        if len(axis) != 1:
            return False if len(axis) > 1 else None
        axis = axis[0]
    if axis is None:
        return None
    if not isinstance(axis, int) or isinstance(axis, bool):
        return None
    if axis == -1:
        return True
    if rank is not None:
        return axis == rank - 1 or axis == -1
    return False  # as the static front end: an explicit other axis is not the units axis


class Resolver:
    """Walks a graph (and nested graphs) from outputs back to their producing layers."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self._memo: dict[tuple[int, Ref], Resolved] = {}
        self._active: set[tuple[int, Ref]] = set()

    def output_heads(self) -> list[tuple[str, Resolved]]:
        out = []
        for name, ref in self.graph.outputs:
            resolved = self.resolve(self.graph, ref)
            head = resolved.head
            head = Head(
                head.units,
                head.activation,
                head.layer_kind,
                name,
                head.anchor,
                head.activation_anchor,
                head.units_anchor,
            )
            out.append((name, Resolved(head, resolved.rank, resolved.why)))
        return out

    def resolve(self, graph: Graph, ref: Ref) -> Resolved:
        key = (id(graph), ref)
        if key in self._memo:
            return self._memo[key]
        if key in self._active:  # a cycle in a malformed configuration
            return _unknown("its layers form a cycle (a malformed configuration)")
        if len(self._active) >= MAX_CHAIN:  # too long a chain to follow: unknown, not a crash
            return _unknown(f"it is more than {MAX_CHAIN} layers away from one xentlint knows")
        self._active.add(key)
        try:
            result = self._resolve(graph, ref)
        finally:
            self._active.discard(key)
        self._memo[key] = result
        return result

    def _input(self, graph: Graph, op: Op, call: int) -> Resolved:
        if call < len(op.calls) and op.calls[call]:
            return self.resolve(graph, op.calls[call][0])
        return _unknown(f"the configuration shows no input of layer {op.name!r}")

    def _in_rank(self, op: Op, call: int, fallback: int | None) -> int | None:
        if call < len(op.in_ranks) and op.in_ranks[call] is not None:
            return op.in_ranks[call]
        return fallback

    def _resolve(self, graph: Graph, ref: Ref) -> Resolved:
        op = graph.ops.get(ref.key)
        if op is None:
            return _unknown("the configuration does not show which layer produces it")
        if op.graph is not None:
            inner = op.graph
            if not inner.outputs:
                why = f"layer {op.name!r} is a model whose configuration does not show its outputs"
                return Resolved(Head(None, Act.UNKNOWN, op.kind, None, op.anchor), why=why)
            index = ref.index if 0 <= ref.index < len(inner.outputs) else 0
            return self.resolve(inner, inner.outputs[index][1])
        if op.passthrough and ref.call < len(op.calls) and op.calls[ref.call]:
            inp = self._input(graph, op, ref.call)
            if op.rank_delta and inp.rank is not None:
                return Resolved(inp.head, inp.rank + op.rank_delta, inp.why)
            return inp
        if op.reshape:
            inp = self._input(graph, op, ref.call)
            if op.keeps_rows(ref.call, inp.head.units):
                return Resolved(inp.head, op.out_rank, inp.why)
            why = (
                f"layer {op.name!r} ({op.kind}) may regroup the values of each sample: the "
                f"configuration does not show that its rows are the rows it receives"
            )
            head = Head(None, Act.UNKNOWN, op.kind, op.name, op.anchor)
            return Resolved(head, op.out_rank, why)
        if op.applies is Act.LINEAR:
            return self._input(graph, op, ref.call)
        if op.applies is not None:
            inp = self._input(graph, op, ref.call)
            over = _normal_axis(op.axis, self._in_rank(op, ref.call, inp.rank))
            act = op.applies if over else (Act.OTHER if over is False else Act.UNKNOWN)
            if op.applies is Act.OTHER:
                act = Act.OTHER
            why = None
            if act is Act.UNKNOWN:
                why = (
                    unknown_op(op)
                    if op.applies is Act.UNKNOWN
                    else f"layer {op.name!r} applies {op.applies.value} over an axis xentlint "
                    f"cannot tell"
                )
            head = inp.head
            return Resolved(
                Head(head.units, act, op.kind, op.name, op.anchor, op.anchor, head.units_anchor),
                inp.rank,
                why,
            )
        if op.activation is not None:
            act = op.activation
            if op.channels_first and act in (Act.SOFTMAX, Act.LOG_SOFTMAX):
                act = Act.OTHER  # normalises over the last axis, not the filters axis
            why = None
            if act is Act.UNKNOWN:
                why = f"layer {op.name!r} " + (
                    op.unknown_because or "has an activation xentlint does not know"
                )
            return Resolved(
                Head(op.units, act, op.kind, op.name, op.anchor, op.anchor, op.anchor),
                op.out_rank,
                why,
            )
        head = Head(None, Act.UNKNOWN, op.kind, op.name, op.anchor)
        return Resolved(head, op.out_rank, unknown_op(op))

    # --- activation sites ------------------------------------------------------------------

    def sites(self) -> list[ActivationSite]:
        found: list[ActivationSite] = []
        seen: set[int] = set()
        for graph in _graphs(self.graph, seen):
            for op in graph.ops.values():
                found.extend(self._op_sites(graph, op))
        return found

    def _op_sites(self, graph: Graph, op: Op) -> Iterator[ActivationSite]:
        probability = (Act.SOFTMAX, Act.SIGMOID)
        if op.graph is None and op.activation in probability and op.applies is None:
            over = not op.channels_first
            yield ActivationSite(op.activation, Act.LINEAR, op.units, over, op.anchor)
        if op.applies in probability:
            for call in range(max(1, len(op.calls))):
                inp = self._input(graph, op, call)
                over = _normal_axis(op.axis, self._in_rank(op, call, inp.rank))
                head = inp.head
                yield ActivationSite(
                    op.applies,
                    head.activation,
                    head.units if over else None,
                    over,
                    op.anchor,
                    head.activation_anchor,
                )


def _graphs(graph: Graph, seen: set[int]) -> Iterator[Graph]:
    if id(graph) in seen:
        return
    seen.add(id(graph))
    yield graph
    for op in graph.ops.values():
        if op.graph is not None:
            yield from _graphs(op.graph, seen)
