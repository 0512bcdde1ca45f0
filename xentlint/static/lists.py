"""Lists the interpreter follows as they grow: ``layers.append(...)``, ``+=``, ``len(...)``.

A list (:class:`~xentlint.static.values.Seq`) changes in place, as in Python, so a helper
that receives the layer list and appends the head changes the caller's list. A change made
deeper than where the list was made (in a loop body, one branch of an ``if``, a call that
was not followed) happens an unknown number of times: the list then keeps only what is
appended after it (``open_start``), which is still enough to know a Sequential model's last
layers, and its length becomes unknown.
"""

from __future__ import annotations

from xentlint.static.frames import Args, const_int
from xentlint.static.values import UNKNOWN, Const, LiteralArray, Mapping, Seq, Value

#: list methods the interpreter follows (others are read-only or make the list unknown)
METHODS = frozenset(
    {"append", "extend", "insert", "pop", "clear", "copy", "remove", "sort", "reverse"}
)


def forget(seq: Seq) -> None:
    """What was in the list is no longer known; what is appended later will be."""
    seq.items.clear()
    seq.open_start = True


def forget_all(args: Args) -> None:
    """Lists passed to a user function that is not followed may have been changed by it."""
    for value in [*args.pos, *args.kw.values()]:
        if isinstance(value, Seq):
            forget(value)


def call_method(seq: Seq, name: str, args: Args, depth: int) -> Value:
    """``seq.<name>(...)``: change the list as Python would; return what the call returns."""
    if name == "copy":
        return Seq(list(seq.items), None, depth, seq.open_start)
    if depth > seq.depth or args.starred or args.kw:
        forget(seq)
        return UNKNOWN
    if name == "append" and len(args.pos) == 1:
        seq.items.append(args.pos[0])
        return Const(None)
    if name == "extend" and len(args.pos) == 1:
        extend(seq, args.pos[0])
        return Const(None)
    if name == "insert" and len(args.pos) == 2 and not seq.open_start:
        index = const_int(args.pos[0])
        if index is not None:
            seq.items.insert(index, args.pos[1])
            return Const(None)
    if name == "pop" and not args.pos and (seq.items or seq.open_start):
        return seq.items.pop() if seq.items else UNKNOWN
    if name == "clear" and not args.pos:
        seq.items.clear()
        seq.open_start = False
        return Const(None)
    forget(seq)
    return UNKNOWN


def extend(seq: Seq, other: Value) -> None:
    """``seq.extend(other)`` / ``seq += other``."""
    if isinstance(other, Seq):
        if other.open_start:
            seq.items[:] = other.items
            seq.open_start = True
        else:
            seq.items.extend(other.items)
    else:
        forget(seq)


def concatenate(left: Value, right: Value, depth: int) -> Value:
    """``a + b`` of two lists (UNKNOWN when either is not one)."""
    if not (isinstance(left, Seq) and isinstance(right, Seq)):
        return UNKNOWN
    if right.open_start:
        return Seq(list(right.items), None, depth, True)
    return Seq([*left.items, *right.items], None, depth, left.open_start)


def length(value: Value | None) -> Value:
    """``len(value)`` of a literal or a list whose length is known."""
    if isinstance(value, Seq) and not value.open_start:
        return Const(len(value.items))
    if isinstance(value, LiteralArray):
        return Const(len(value.rows) if value.rows is not None else len(value.flat))
    if isinstance(value, Mapping):
        return Const(len(value.items))
    if isinstance(value, Const) and isinstance(value.value, str):
        return Const(len(value.value))
    return UNKNOWN
