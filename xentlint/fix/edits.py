"""Edits keyed by node identity, and their application to a module in one transform.

A fix never rewrites text by position: it names nodes of the module the analyzer built
(the anchors of its findings) and says what becomes of them. Many edits, from many fixes,
are applied together in one :class:`libcst.CSTTransformer` pass; an edit of a child and
an edit of its parent compose, because the parent's edit sees the already edited child.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import libcst as cst

from xentlint.fix import layout
from xentlint.fix.spelling import ModuleNames, scan
from xentlint.intents import Unfixable

Op = Callable[[cst.CSTNode], cst.CSTNode]


@dataclass
class Edits:
    ops: dict[int, list[Op]] = field(default_factory=dict)
    removals: dict[int, set[int]] = field(default_factory=dict)  # parent -> child indices
    imports: list[str] = field(default_factory=list)

    def replace(self, node: cst.CSTNode, op: Op) -> None:
        self.ops.setdefault(id(node), []).append(op)

    def remove(self, parent: cst.CSTNode, index: int) -> None:
        self.removals.setdefault(id(parent), set()).add(index)

    def add_import(self, statement: str | None) -> None:
        if statement and statement not in self.imports:
            self.imports.append(statement)

    def update(self, other: Edits) -> None:
        for key, ops in other.ops.items():
            self.ops.setdefault(key, []).extend(ops)
        for key, indices in other.removals.items():
            self.removals.setdefault(key, set()).update(indices)
        for statement in other.imports:
            self.add_import(statement)

    def __bool__(self) -> bool:
        return bool(self.ops or self.removals or self.imports)


class Context:
    """A parsed module with what fixes need to know about it: parents and names."""

    def __init__(self, module: cst.Module) -> None:
        self.module = module
        self._scanned: tuple[dict[int, cst.CSTNode], ModuleNames] | None = None

    def _scan(self) -> tuple[dict[int, cst.CSTNode], ModuleNames]:
        if self._scanned is None:  # only when a fix needs it: the lint path plans fixes too
            self._scanned = scan(self.module)
        return self._scanned

    @property
    def names(self) -> ModuleNames:
        return self._scan()[1]

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self._scan()[0].get(id(node))

    def code(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node)


def apply(module: cst.Module, edits: Edits) -> str:
    """The code of ``module`` with ``edits`` applied (raises :class:`Unfixable`)."""
    new = module.visit(_Apply(edits))
    assert isinstance(new, cst.Module)
    return new.code


class _Apply(cst.CSTTransformer):
    def __init__(self, edits: Edits) -> None:
        super().__init__()
        self.edits = edits

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> cst.CSTNode:
        key = id(original_node)
        node = updated_node
        for op in self.edits.ops.get(key, ()):
            node = op(node)
        indices = self.edits.removals.get(key)
        if isinstance(node, cst.Module):
            return _module_body(node, indices or set(), self.edits.imports)
        if indices:
            node = _remove_children(node, indices)
        return node


def _remove_children(node: cst.CSTNode, indices: set[int]) -> cst.CSTNode:
    result: cst.CSTNode | None = node
    for index in sorted(indices, reverse=True):
        if isinstance(result, cst.Call):
            result = layout.remove_arg(result, index)
        elif isinstance(result, cst.List):
            result = layout.remove_element(result, index)
        elif isinstance(result, cst.IndentedBlock):
            body = _remove_statements(list(result.body), {index})
            result = result.with_changes(body=body)
        else:
            raise Unfixable(f"cannot remove a part of {type(node).__name__}")
        if result is None:
            raise Unfixable("the removal would lose a comment")
    assert result is not None
    return result


def _remove_statements(body: list[cst.BaseStatement], indices: set[int]) -> list[cst.BaseStatement]:
    """Drop statements, handing their comment lines on to the next statement that stays."""
    kept: list[cst.BaseStatement] = []
    pending: list[cst.EmptyLine] = []
    for index, statement in enumerate(body):
        if index in indices:
            pending.extend(line for line in statement.leading_lines if line.comment is not None)
            continue
        if pending:
            statement = statement.with_changes(leading_lines=[*pending, *statement.leading_lines])
            pending = []
        kept.append(statement)
    if pending or not kept:
        raise Unfixable("removing the statement would lose a comment or empty its block")
    return kept


def _module_body(module: cst.Module, indices: set[int], imports: list[str]) -> cst.Module:
    body = list(module.body)
    if imports:
        position = import_position(body)
        new = [cst.parse_statement(statement + "\n") for statement in imports]
        body[position:position] = new
        indices = {i + len(new) if i >= position else i for i in indices}
    if indices:
        body = _remove_statements(body, indices)
    return module.with_changes(body=body)


def import_position(body: list[cst.BaseStatement]) -> int:
    """Where a new import goes: after the imports at the top of the module."""
    position = 0
    for index, statement in enumerate(body):
        if not isinstance(statement, cst.SimpleStatementLine):
            break
        smalls = statement.body
        if all(isinstance(s, (cst.Import, cst.ImportFrom)) for s in smalls):
            position = index + 1
        elif index == 0 and _is_docstring(statement):
            position = 1
        elif not all(isinstance(s, cst.Pass) for s in smalls):  # notebooks: magics -> pass
            break
    return position


def _is_docstring(statement: cst.SimpleStatementLine) -> bool:
    return (
        len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )
