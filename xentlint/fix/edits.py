"""Edits keyed by node identity, and their application to a module in one transform.

A fix never rewrites text by position: it names nodes of the module the analyzer built
(the anchors of its findings) and says what becomes of them. Many edits, from many fixes,
are applied together in one :class:`libcst.CSTTransformer` pass; an edit of a child and
an edit of its parent compose, because the parent's edit sees the already edited child.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import libcst as cst

from xentlint.fix import layout
from xentlint.fix.spelling import ModuleNames, dotted, scan
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


def apply(module: cst.Module, edits: Edits, style: layout.LineStyle | None = None) -> str:
    """The code of ``module`` with ``edits`` applied (raises :class:`Unfixable`); with a
    ``style``, edited statements that no longer fit its lines are wrapped."""
    new = module.visit(_Apply(edits, style, module.default_indent))
    assert isinstance(new, cst.Module)
    return new.code


class _Apply(cst.CSTTransformer):
    def __init__(self, edits: Edits, style: layout.LineStyle | None, unit: str) -> None:
        super().__init__()
        self.edits = edits
        self.style = style
        self.unit = unit
        self.indents = [""]
        # One flag per statement line being visited (the first: outside any): edited?
        self.touched = [False]

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.IndentedBlock):
            step = node.indent if node.indent is not None else self.unit
            self.indents.append(self.indents[-1] + step)
        elif isinstance(node, cst.SimpleStatementLine):
            self.touched.append(False)
        return True

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> cst.CSTNode:
        key = id(original_node)
        node = updated_node
        for op in self.edits.ops.get(key, ()):
            node = op(node)
            self.touched[-1] = True
        indices = self.edits.removals.get(key)
        if isinstance(node, cst.Module):
            return _module_body(node, indices or set(), self.edits.imports)
        if indices:
            node = _remove_children(node, indices)
            self.touched[-1] = True
        if isinstance(original_node, cst.IndentedBlock):
            self.indents.pop()
        elif isinstance(original_node, cst.SimpleStatementLine):
            if (
                self.touched.pop()
                and self.style is not None
                and isinstance(node, cst.SimpleStatementLine)
            ):
                node = layout.wrap(node, self.indents[-1], self.unit, self.style)
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
    if indices:
        body = _remove_statements(body, indices)
    for statement in imports:
        body = insert_import(body, cst.parse_statement(statement + "\n"))
    return module.with_changes(body=body)


# --------------------------------------------------------------------------- new imports

# Sections in the order isort and ruff's ``I`` rules give them.
_FUTURE, _STDLIB, _THIRD_PARTY, _LOCAL = range(4)
_BLANK = cst.EmptyLine()


def insert_import(
    body: list[cst.BaseStatement], new: cst.SimpleStatementLine
) -> list[cst.BaseStatement]:
    """``body`` with import ``new`` where an import sorter would put it.

    The imports at the top of the module (after its docstring; a notebook's magics are
    ``pass`` lines) are taken as groups separated by blank lines, as isort and ruff write
    them. The new import joins the first group that holds a third-party import, in sorted
    order (``import x`` before ``from x import y``, names compared case-insensitively),
    and takes over the blank lines before the statement it goes in front of (whose
    comments stay with it, set apart by a blank line). Without such a group it starts its
    own, after the standard library and ``__future__`` groups; without any import, after
    the docstring (and a blank line) and the module's leading comments.
    """
    body = list(body)
    start = (
        1 if body and isinstance(body[0], cst.SimpleStatementLine) and _is_docstring(body[0]) else 0
    )
    end = start
    while end < len(body) and _is_import_or_pass(body[end]):
        end += 1
    imports = [i for i in range(start, end) if _section(body[i]) is not None]
    if not imports:
        return _new_block(body, end, new, after_docstring=start == 1 and end == 1)
    groups: list[list[int]] = []
    for i in imports:
        if not groups or _has_blank(body[i]):
            groups.append([])
        groups[-1].append(i)
    for group in groups:
        if any(_section(body[i]) == _THIRD_PARTY for i in group):
            return _into_group(body, group, new)
    before: list[list[int]] = []  # the leading __future__ and standard library groups
    for group in groups:
        if max(_section(body[i]) or 0 for i in group) >= _THIRD_PARTY:
            break
        before.append(group)
    if before:  # a group of its own after them (a following group has its blank line)
        at = before[-1][-1] + 1
        body.insert(at, new.with_changes(leading_lines=[_BLANK]))
        return body
    at = groups[0][0]  # in front of the local imports, which keep a blank line
    blanks, rest = _split_blanks(body[at].leading_lines)
    body[at] = body[at].with_changes(leading_lines=[_BLANK, *rest])
    body.insert(at, new.with_changes(leading_lines=blanks))
    return body


def _into_group(
    body: list[cst.BaseStatement], group: list[int], new: cst.SimpleStatementLine
) -> list[cst.BaseStatement]:
    key = _sort_key(new)
    keys = [_sort_key(body[i]) for i in group]
    at = next((i for i in group if _sort_key(body[i]) > key), None)
    if at is None or keys != sorted(keys):  # after the last, or an unsorted group: at its end
        body.insert(group[-1] + 1, new)
        return body
    blanks, rest = _split_blanks(body[at].leading_lines)
    # isort sets comment lines above an import apart with a blank line (but at a group start)
    body[at] = body[at].with_changes(leading_lines=[_BLANK, *rest] if rest else [])
    body.insert(at, new.with_changes(leading_lines=blanks))
    return body


def _new_block(
    body: list[cst.BaseStatement], at: int, new: cst.SimpleStatementLine, *, after_docstring: bool
) -> list[cst.BaseStatement]:
    # Set apart from a docstring above; the code below keeps its own spacing (a notebook's
    # cells would otherwise gain blank lines).
    body.insert(at, new.with_changes(leading_lines=[_BLANK] if after_docstring else []))
    return body


def _has_blank(statement: cst.BaseStatement) -> bool:
    return any(line.comment is None for line in statement.leading_lines)


def _split_blanks(
    lines: Sequence[cst.EmptyLine],
) -> tuple[list[cst.EmptyLine], list[cst.EmptyLine]]:
    """The blank lines before the first comment line, and the rest."""
    count = 0
    while count < len(lines) and lines[count].comment is None:
        count += 1
    return list(lines[:count]), list(lines[count:])


def _is_import_or_pass(statement: cst.BaseStatement) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and all(
        isinstance(s, (cst.Import, cst.ImportFrom, cst.Pass)) for s in statement.body
    )


def _first_import(statement: cst.BaseStatement) -> cst.Import | cst.ImportFrom | None:
    if not isinstance(statement, cst.SimpleStatementLine):
        return None
    return next((s for s in statement.body if isinstance(s, (cst.Import, cst.ImportFrom))), None)


def _module_name(node: cst.Import | cst.ImportFrom) -> str:
    if isinstance(node, cst.Import):
        return dotted(node.names[0].name) or ""
    return dotted(node.module) if node.module is not None else ""


def _section(statement: cst.BaseStatement) -> int | None:
    node = _first_import(statement)
    if node is None:
        return None
    if isinstance(node, cst.ImportFrom) and node.relative:
        return _LOCAL
    name = _module_name(node)
    if name == "__future__":
        return _FUTURE
    if name.split(".", 1)[0] in sys.stdlib_module_names:
        return _STDLIB
    return _THIRD_PARTY


def _sort_key(statement: cst.BaseStatement) -> tuple[int, int, str]:
    """Section, ``import x`` before ``from x import y``, module name: isort's order."""
    node = _first_import(statement)
    if node is None:
        return (_LOCAL + 1, 0, "")
    kind = 0 if isinstance(node, cst.Import) else 1
    return (_section(statement) or 0, kind, _module_name(node).lower())


def _is_docstring(statement: cst.SimpleStatementLine) -> bool:
    return (
        len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )
