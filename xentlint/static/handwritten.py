"""Hand-written losses and linear outputs: the tensor algebra of ``-sum(y * log(p))``.

The interpreter hands this module the calls of :data:`~xentlint.knowledge.math_ops.MATH_OPS`
and the ``+ - * @`` operators; it builds a few values of its own:

- ``tf.matmul(x, W) + b`` is a linear output (a :class:`Tensor` with a LINEAR head);
- ``log(p)`` (:class:`LogOf`, with ``p`` clipped or ``+ eps`` as people write it) and
  ``log(1 - p)``; ``1 - y`` (:class:`OneMinus`); ``-y`` (:class:`Negated`);
- ``y * log(p)`` is a :class:`Term`; ``y * log(p) + (1 - y) * log(1 - p)`` a binary one;
  reductions, scaling and negation keep it a term (with its sign).

A term that nothing else is made of, and whose sign is negative, is a crossentropy of
``p`` written out: :func:`bindings` turns it into a :class:`~xentlint.facts.Binding` with a
probability loss (``form="expression"``). Anything else is unknown, as always.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import libcst as cst

from xentlint.facts import (
    BINARY_FAMILIES,
    Act,
    Binding,
    Head,
    LabelEvidence,
    LossFamily,
    LossSpec,
    MetricSpec,
)
from xentlint.knowledge.math_ops import MathOp
from xentlint.static.frames import Args
from xentlint.static.values import UNKNOWN, Const, Dataset, Labels, Tensor, Value

FORM = "expression"  # LossSpec.form of a hand-written loss
CATEGORICAL_SPELLING = "-sum(y * log(p))"
BINARY_SPELLING = "-mean(y * log(p) + (1 - y) * log(1 - p))"


# Plain classes with slots: a dataclass costs ~0.7 ms to define at start-up.
class LogOf(Value):
    __slots__ = ("pred", "complement")

    def __init__(self, pred: Tensor, complement: bool) -> None:
        self.pred = pred
        self.complement = complement  # log(1 - p)


class OneMinus(Value):
    __slots__ = ("inner",)

    def __init__(self, inner: Value) -> None:
        self.inner = inner


class Negated(Value):
    __slots__ = ("inner",)

    def __init__(self, inner: Value) -> None:
        self.inner = inner


class Term(Value):
    """``sign * labels * log(p)`` (or its binary pair), reduced or not.

    ``site``: the call of a user function that passed ``pred`` into the loss written in it
    (``self.cross_entropy(labels, logits)``), where the finding goes.
    """

    __slots__ = ("sign", "labels", "pred", "complement", "binary", "node", "consumed", "site")

    def __init__(
        self,
        sign: int,
        labels: Value,
        pred: Tensor,
        complement: bool,
        binary: bool,
        node: cst.CSTNode,
        consumed: bool = False,
        site: cst.CSTNode | None = None,
    ) -> None:
        self.sign = sign
        self.labels = labels
        self.pred = pred
        self.complement = complement
        self.binary = binary
        self.node = node
        self.consumed = consumed
        self.site = site


def _number(value: Value) -> float | None:
    if isinstance(value, Const) and isinstance(value.value, (int, float)):
        return None if isinstance(value.value, bool) else float(value.value)
    return None


def _linear(node: cst.CSTNode) -> Tensor:
    return Tensor(Head(None, Act.LINEAR, "matmul", None, node, node, None))


def _probabilities(value: Value | None) -> bool:
    return isinstance(value, Tensor) and value.head.activation in (Act.SOFTMAX, Act.SIGMOID)


def _product(node: cst.CSTNode, left: Value | None, right: Value | None, swapped: bool) -> Value:
    """``left @ right``: a linear output (logits), unless it mixes distributions.

    ``hidden @ W`` is raw scores whatever ``hidden`` is; but ``routing @ softmax(pi)`` (rows
    of probabilities times a row-stochastic matrix) is itself a distribution: unknown.
    """
    if _probabilities(right) or (swapped and _probabilities(left)):
        return UNKNOWN
    return _linear(node)


class Algebra:
    """The values of one interpreter run; ``terms`` collects every term made."""

    def __init__(self, calls: list[tuple[cst.CSTNode, Args]] | None = None) -> None:
        #: the interpreter's stack of calls into user functions (node, arguments)
        self.calls = calls if calls is not None else []
        self.terms: list[Term] = []
        #: (the head thresholded, where, how it was written): ``tf.greater(z, 0.5)``
        self.thresholds: list[tuple[Head, cst.CSTNode, str]] = []

    # --- thresholds ----------------------------------------------------------------------

    def threshold(self, op: MathOp, left: Value, right: Value, node: cst.CSTNode) -> None:
        """``left > right`` and the like: note a linear output compared with 0.5."""
        upward = op in (MathOp.GREATER, MathOp.GREATER_EQUAL)
        for value, bound, spelled in ((left, right, upward), (right, left, not upward)):
            if isinstance(value, Tensor) and value.head.activation is Act.LINEAR:
                if _number(bound) == 0.5:
                    sign = {MathOp.GREATER: ">", MathOp.GREATER_EQUAL: ">="}
                    sign |= {MathOp.LESS: "<", MathOp.LESS_EQUAL: "<="}
                    text = f"{sign[op]} 0.5" if spelled else f"0.5 {sign[op]}"
                    self.thresholds.append((value.head, node, text))

    def comparison(self, node: cst.Comparison, left: Value, right: Value) -> None:
        """A one-operator comparison of the interpreter (``z > 0.5``)."""
        ops = {
            cst.GreaterThan: MathOp.GREATER,
            cst.GreaterThanEqual: MathOp.GREATER_EQUAL,
            cst.LessThan: MathOp.LESS,
            cst.LessThanEqual: MathOp.LESS_EQUAL,
        }
        op = ops.get(type(node.comparisons[0].operator)) if len(node.comparisons) == 1 else None
        if op is not None:
            self.threshold(op, left, right, node)

    def with_thresholds(self, bindings: list[Binding]) -> list[Binding]:
        """Thresholds written by hand join the metrics of the logits loss on that output."""
        if not self.thresholds:
            return bindings
        out = []
        for b in bindings:
            logits = b.loss.family in BINARY_FAMILIES and b.loss.from_logits is True
            found = [t for t in self.thresholds if logits and t[0] is b.head]
            if found:
                extra = tuple(MetricSpec(text, 0.5, node) for _head, node, text in found)
                b = replace(b, metrics=b.metrics + extra)
            out.append(b)
        return out

    # --- terms ---------------------------------------------------------------------------

    def _derive(self, term: Term, node: cst.CSTNode, sign: int = 1, **changes: Any) -> Term:
        term.consumed = True
        fields = {
            "sign": term.sign * sign,
            "labels": term.labels,
            "pred": term.pred,
            "complement": term.complement,
            "binary": term.binary,
            "site": term.site,
        }
        fields.update(changes)
        made = Term(node=node, **fields)
        self.terms.append(made)
        return made

    def _term(self, factor: Value, log: LogOf, node: cst.CSTNode) -> Value:
        """``factor * log(p)``: a term when ``factor`` can be labels."""
        sign = 1
        if isinstance(factor, Negated):
            sign, factor = -1, factor.inner
        if isinstance(factor, (Tensor, LogOf, Term)) or _number(factor) is not None:
            return UNKNOWN  # p * log(p) (entropy), a model output, -log(p) alone: not a CE
        if log.complement != isinstance(factor, OneMinus):
            return UNKNOWN  # y * log(1 - p): not the binary pair's shape
        made = Term(sign, factor, log.pred, log.complement, False, node, site=self._site(log.pred))
        self.terms.append(made)
        return made

    def _site(self, pred: Tensor) -> cst.CSTNode | None:
        """The innermost call into user code that was passed ``pred``."""
        for node, args in reversed(self.calls):
            for value in [*args.pos, *args.kw.values()]:
                if isinstance(value, Tensor) and value.head is pred.head:
                    return node
        return None

    # --- operators -----------------------------------------------------------------------

    def multiply(self, left: Value, right: Value, node: cst.CSTNode) -> Value | None:
        if isinstance(right, LogOf) and not isinstance(left, LogOf):
            return self._term(left, right, node)
        if isinstance(left, LogOf) and not isinstance(right, LogOf):
            return self._term(right, left, node)
        for term, other in ((left, right), (right, left)):
            if isinstance(term, Term) and not isinstance(other, (Term, LogOf)):
                scale = _number(other)
                if scale == 0:
                    return UNKNOWN
                if isinstance(other, Tensor):
                    return UNKNOWN
                return self._derive(term, node, -1 if scale is not None and scale < 0 else 1)
        return None

    def add(self, left: Value, right: Value, node: cst.CSTNode) -> Value | None:
        if isinstance(left, Term) and isinstance(right, Term):
            pair = not left.binary and not right.binary and left.complement != right.complement
            same = left.pred.head is right.pred.head and left.sign == right.sign
            if pair and same:
                labels = left.labels if not left.complement else right.labels
                right.consumed = True
                return self._derive(left, node, labels=labels, complement=False, binary=True)
            return UNKNOWN
        for term in (left, right):
            if isinstance(term, Term):
                return self._derive(term, node)  # plus a penalty or a constant: still a CE
        for tensor, other in ((left, right), (right, left)):
            if isinstance(tensor, Tensor) and not isinstance(other, (Tensor, LogOf)):
                if _number(other) is not None:
                    return tensor  # p + 1e-7
                if tensor.head.activation is Act.LINEAR:
                    return tensor  # x @ W + b
        if isinstance(left, OneMinus) and _number(right) is not None:
            return left  # 1 - p + 1e-7
        return None

    def subtract(self, left: Value, right: Value, node: cst.CSTNode) -> Value | None:
        if isinstance(right, Term):
            flipped = self._derive(right, node, -1)
            if isinstance(left, Term):
                return self.add(left, flipped, node)
            return flipped if _number(left) == 0 else UNKNOWN
        if _number(left) == 1 and not isinstance(right, (Term, LogOf, OneMinus, Negated)):
            return OneMinus(right)
        if isinstance(left, Term):
            return self._derive(left, node)
        if isinstance(left, Tensor) and _number(right) is not None:
            return left
        return None

    def negate(self, value: Value, node: cst.CSTNode) -> Value:
        if isinstance(value, Term):
            return self._derive(value, node, -1)
        if isinstance(value, Negated):
            return value.inner
        return Negated(value)

    def operator(
        self, op: cst.BaseBinaryOp, left: Value, right: Value, node: cst.CSTNode
    ) -> Value | None:
        """``left op right`` when it is part of this algebra, else None."""
        if isinstance(op, cst.Multiply):
            return self.multiply(left, right, node)
        if isinstance(op, cst.Add):
            return self.add(left, right, node)
        if isinstance(op, cst.Subtract):
            return self.subtract(left, right, node)
        if isinstance(op, cst.MatrixMultiply):
            return _product(node, left, right, False)
        return None

    # --- calls ---------------------------------------------------------------------------

    def call(self, op: MathOp, node: cst.Call, args: Args) -> Value:
        """The value of a call of :data:`MATH_OPS` (UNKNOWN when it is none of ours)."""
        first = args.pos[0] if args.pos else None
        second = args.pos[1] if len(args.pos) > 1 else None
        if op is MathOp.LOG:
            x = first if first is not None else args.get("x")
            if isinstance(x, Tensor):
                return LogOf(x, False)
            if isinstance(x, OneMinus) and isinstance(x.inner, Tensor):
                return LogOf(x.inner, True)
            return UNKNOWN
        if op is MathOp.REDUCE:
            x = args.first(("input_tensor", "x", "a"), 0)
            return self._derive(x, node) if isinstance(x, Term) else UNKNOWN
        if op is MathOp.CLIP:
            x = args.first(("t", "x", "a"), 0)
            return x if isinstance(x, (Tensor, OneMinus)) else UNKNOWN
        if op is MathOp.NEGATE:
            return self.negate(first, node) if first is not None else UNKNOWN
        if op is MathOp.MATMUL:
            a = args.first(("a", "x", "x1"), 0)
            b = args.first(("b", "y", "x2"), 1)
            swapped = any(k.startswith(("transpose", "adjoint")) for k in args.kw)
            return _product(node, a, b, swapped)
        if op is MathOp.LINEAR:
            return _linear(node)
        if op is MathOp.BIAS_ADD:
            x = args.first(("value",), 0)
            linear = isinstance(x, Tensor) and x.head.activation is Act.LINEAR
            return x if linear else UNKNOWN  # type: ignore[return-value]
        if op is MathOp.ROUND:
            x = first if first is not None else args.get("x")
            if isinstance(x, Tensor) and x.head.activation is Act.LINEAR:
                self.thresholds.append((x.head, node, "round()"))
            return UNKNOWN
        if first is None:
            first = args.get("x")
        if second is None:
            second = args.get("y")
        if first is None or second is None:
            return UNKNOWN
        if op in (MathOp.GREATER, MathOp.GREATER_EQUAL, MathOp.LESS, MathOp.LESS_EQUAL):
            self.threshold(op, first, second, node)
            return UNKNOWN
        if args.kw:
            return UNKNOWN
        if op is MathOp.MULTIPLY:
            return self.multiply(first, second, node) or UNKNOWN
        if op is MathOp.ADD:
            return self.add(first, second, node) or UNKNOWN
        if op is MathOp.SUBTRACT:
            return self.subtract(first, second, node) or UNKNOWN
        return UNKNOWN

    # --- the losses found ------------------------------------------------------------------

    def bindings(self) -> list[Binding]:
        out: list[Binding] = []
        for term in self.terms:
            if term.consumed or term.sign >= 0:
                continue
            family = LossFamily.BINARY if term.binary else LossFamily.CATEGORICAL
            spelling = BINARY_SPELLING if term.binary else CATEGORICAL_SPELLING
            anchor = term.site or term.node
            spec = LossSpec(family, False, FORM, spelling, anchor)
            labels = _labels(term.labels)
            out.append(Binding(term.pred.head, spec, "call", labels, (), anchor))
        return out


def _labels(value: Value) -> LabelEvidence | None:
    if isinstance(value, OneMinus):
        value = value.inner
    if isinstance(value, Labels):
        return value.evidence
    if isinstance(value, Dataset):
        return value.labels
    return None
