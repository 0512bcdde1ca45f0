"""The names a module binds anywhere (for Q&A snippets that use Keras names unimported)."""

from __future__ import annotations

from typing import Any

import libcst as cst

from xentlint.static.frames import dotted


def collect_bound(body: Any, out: set[str]) -> None:
    """Names that statements anywhere in the module bind (assignments, defs, imports...)."""
    for stmt in body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Assign):
                    for target in small.targets:
                        _target_names(target.target, out)
                elif isinstance(small, (cst.AnnAssign, cst.AugAssign)):
                    _target_names(small.target, out)
                elif isinstance(small, (cst.Import, cst.ImportFrom)):
                    names = small.names
                    if isinstance(names, cst.ImportStar):
                        continue
                    for alias in names:
                        bound = alias.asname.name if alias.asname else alias.name
                        name = dotted(bound) if isinstance(bound, cst.BaseExpression) else None
                        if name:
                            out.add(name.split(".", 1)[0])
                elif isinstance(small, (cst.Global, cst.Nonlocal)):
                    out.update(n.name.value for n in small.names)
            continue
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            out.add(stmt.name.value)
        if isinstance(stmt, cst.FunctionDef):
            params = stmt.params
            for param in [*params.posonly_params, *params.params, *params.kwonly_params]:
                out.add(param.name.value)
        if isinstance(stmt, cst.For):
            _target_names(stmt.target, out)
        if isinstance(stmt, cst.With):
            for item in stmt.items:
                if item.asname is not None:
                    _target_names(item.asname.name, out)
        if isinstance(stmt, cst.Try):
            for handler in stmt.handlers:
                if handler.name is not None:
                    _target_names(handler.name.name, out)
                collect_bound(handler.body.body, out)
        for part in ("body", "orelse", "finalbody"):
            block = getattr(stmt, part, None)
            if isinstance(block, cst.If):
                collect_bound([block], out)
            elif block is not None and hasattr(block, "body"):
                inner = block.body
                if hasattr(inner, "body"):  # Else/Finally wrap an IndentedBlock
                    inner = inner.body
                if isinstance(inner, (list, tuple)):
                    collect_bound(inner, out)


def _target_names(target: cst.BaseExpression, out: set[str]) -> None:
    if isinstance(target, cst.Name):
        out.add(target.value)
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            _target_names(element.value, out)
    elif isinstance(target, cst.StarredElement):
        _target_names(target.value, out)
