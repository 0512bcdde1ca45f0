"""Frames, call arguments and small constant helpers of the static interpreter."""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from xentlint.static.values import Const, Value


@dataclass(eq=False)
class Frame:
    locals: dict[str, Value]
    parent: Frame | None = None  # enclosing function frame (closures)
    returns: list[Value] = field(default_factory=list)
    yields: list[Value] = field(default_factory=list)  # a generator function's yields


@dataclass(eq=False)
class Enumerated(Value):
    inner: Value


@dataclass
class Args:
    pos: list[Value]
    kw: dict[str, Value]
    pos_nodes: list[cst.CSTNode]
    kw_nodes: dict[str, cst.Arg]
    starred: bool = False

    def get(self, name: str, index: int | None = None) -> Value | None:
        if name in self.kw:
            return self.kw[name]
        if index is not None and index < len(self.pos) and not self.starred:
            return self.pos[index]
        return None

    def first(self, names: tuple[str, ...], index: int | None = None) -> Value | None:
        """The argument passed under any of ``names``, else the positional one at ``index``."""
        for name in names:
            if name in self.kw:
                return self.kw[name]
        if index is not None and index < len(self.pos) and not self.starred:
            return self.pos[index]
        return None

    def node(self, name: str, index: int | None = None) -> cst.CSTNode | None:
        if name in self.kw_nodes:
            return self.kw_nodes[name]
        if index is not None and index < len(self.pos_nodes) and not self.starred:
            return self.pos_nodes[index]
        return None


def const_int(v: Value | None) -> int | None:
    if isinstance(v, Const) and isinstance(v.value, int) and not isinstance(v.value, bool):
        return v.value
    return None


def const_bool(v: Value | None) -> bool | None:
    if isinstance(v, Const) and isinstance(v.value, bool):
        return v.value
    return None


def dotted(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted(node.value)
        return None if base is None else f"{base}.{node.attr.value}"
    return None
