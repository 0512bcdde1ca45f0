"""Entry point of the static front end: source text -> findings.

The pipeline per file: CPython's ``compile()`` for syntax errors (fast, and it bounds
nesting before LibCST sees the file), a cheap text prefilter, a bound on the work LibCST
would need, one LibCST parse, the interpreter that builds facts, the pure checks, and
positions for the reported nodes only.
"""

from __future__ import annotations

import ast
import bisect
import os
import re
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from xentlint.checks.registry import run_checks
from xentlint.diagnostics import RawFinding, RawPlace
from xentlint.facts import Binding, Facts, Finding
from xentlint.guard import pathological, too_complex, too_complex_to_compile
from xentlint.modules import ModuleFinder
from xentlint.prefilter import (  # noqa: F401 - re-exported
    MAX_PREFILTER_MODULES,
    imports_relevant,
    is_relevant,
    screen,
    syntax_error,
)


def _statements(source: str) -> ast.Module | None:
    """``ast``'s tree of source that compiles (for statement line numbers), or None."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def plain_line(line: int, _finding_line: int) -> str:
    return f"line {line}"


def analyze_source(
    source: str,
    codes: Iterable[str] | None = None,
    describe_line: Callable[[int, int], str] = plain_line,
    fixes: Callable[[Analysis], dict[int, str]] | None = None,
    notebook: bool = False,
    compiled: bool = False,
    unknown: Callable[[], None] | None = None,
    project: ModuleFinder | None = None,
    *,
    keep: list[Kept] | None = None,
) -> list[RawFinding]:
    """Analyse one module's source text and return its findings, sorted by position.

    ``codes`` limits the checks that run (all when None). ``describe_line(line,
    finding_line)`` renders a reference to another place in a message ("line 12"; the
    notebook front end says "line 3 of cell 2"). ``fixes(analysis)`` says which findings
    have an automatic fix (``{id(finding): "safe" | "unsafe"}``; the pipeline passes the
    fix layer's, which this front end does not import). ``notebook`` allows top-level
    ``await``. A syntax error, or code CPython would refuse to compile, yields a single
    XEN901 finding at CPython's position; ``compiled`` says the caller checked that already
    (the notebook reader compiles its program). ``unknown()`` is called when the source
    was to be analysed but its facts could not be established (LibCST or the interpreter
    failed): the empty answer then means "not known", not "nothing wrong". ``project``
    finds the project modules the source imports (they are then evaluated:
    :mod:`xentlint.static.imports`); without it imports of the project are unknown.
    ``keep``: the analysis and each of its findings with its raw finding are appended to
    it (what ``--fix`` plans from: one analysis both finds and fixes). Never raises for
    any input string.
    """
    settled = screen(source, notebook=notebook, compiled=compiled, project=project)
    if settled is not None:
        return settled
    problem = too_complex(source)  # costly for LibCST
    if problem is not None:
        return [RawFinding("XEN902", f"unreadable file: {problem}", 1, 1, 1, 1)]
    analysis = _interpret(source, codes, project)
    if analysis is None and unknown is not None:
        unknown()
    if analysis is None or not analysis.findings:
        return []
    positions = _anchor_positions(analysis, source, _statements(source))
    available = fixes(analysis) if fixes is not None else {}
    located = list(_located(analysis, describe_line, available, positions))
    if keep is not None:
        keep.append(Kept(analysis, located))
    return _unique(located)


@dataclass
class Kept:
    """An analysis, and each finding that has a position with its raw finding."""

    analysis: Analysis
    located: list[tuple[Finding, RawFinding]]


@dataclass
class Analysis:
    """What the static front end knows of one module: the tree, its facts, the findings.

    Fixers use this: each finding's anchors are nodes of ``module``, and ``finding.fact``
    is the binding or activation site it was derived from.
    """

    module: Any  # libcst.Module
    facts: Facts
    findings: list[Finding]
    owners: dict[Any, Any] | None = None  # node -> the module-level statement holding it
    imports: Any = None  # static.imports.Imports: the project modules the analysis used
    #: id(fact) -> the call of this module through which an imported module made the fact
    entries: dict[int, Any] | None = None
    #: id(finding) -> why its fix is not available (set by the ``fixes`` callback)
    fix_reasons: dict[int, str] | None = None

    def origin(self, node: Any) -> Any:
        """The imported project module (``imports.ForeignModule``) that ``node`` belongs
        to; None for a node of the analysed module."""
        if self.imports is None or node is None:
            return None
        return self.imports.origin(node, self.owners or {})

    def foreign_position(self, node: Any) -> Any:
        """The CodeRange of a node of an imported module, in that module; None if unknown."""
        foreign = self.origin(node)
        if foreign is None:
            return None
        if foreign.positions is None:
            try:
                foreign.positions = node_positions(foreign.module)
            except Exception:  # noqa: BLE001 - never a crash for a position
                foreign.positions = {}
        return foreign.positions.get(node)

    def place(self, node: Any) -> str | None:
        """``path:line`` of a node of an imported module (messages name it so)."""
        foreign = self.origin(node)
        where = self.foreign_position(node) if foreign is not None else None
        if where is None:
            return None
        return f"{self.display(foreign)}:{where.start.line}"

    def display(self, foreign: Any) -> str:
        """How messages name an imported module (its path as this run shows it)."""
        return self.imports.display(foreign) if self.imports is not None else foreign.display


def analyze_module(
    source: str, codes: Iterable[str] | None = None, project: ModuleFinder | None = None
) -> Analysis | None:
    """Parse and interpret ``source``; None when it cannot be analysed (or is irrelevant).

    Syntax errors are not reported here (see :func:`analyze_source`), nor sources too
    complex to parse in reasonable time (:func:`xentlint.guard.too_complex`): both give None.
    """
    relevant = is_relevant(source) or (project is not None and imports_relevant(source, project))
    if not relevant or too_complex(source) is not None:
        return None
    return _interpret(source, codes, project)


def parse_project_module(source: str) -> Any:
    """The tree of an imported project module; raises when it would not be analysed."""
    from xentlint.guard import parse_module

    problem = pathological(source) or too_complex(source) or too_complex_to_compile(source)
    if problem is not None:
        raise ValueError(problem)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compile(source, "<xentlint>", "exec", dont_inherit=True)  # SyntaxError: unknown
    return parse_module(source)


def _interpret(
    source: str, codes: Iterable[str] | None, project: ModuleFinder | None = None
) -> Analysis | None:
    from xentlint.guard import parse_module  # a native stack overflow would kill us

    try:
        module = parse_module(source)
    except Exception:  # noqa: BLE001 - valid Python that LibCST cannot read: say nothing
        return None
    from xentlint.static.imports import Imports
    from xentlint.static.interpreter import Interpreter, evaluate_module

    imports = None
    if project is not None:
        imports = Imports(project, evaluate_module, parse_project_module, source)
    try:
        path = project.path if project is not None else None
        interpreter = Interpreter(module, source, imports=imports, path=path)
        facts = interpreter.run()
    except RecursionError:
        return None
    except Exception:
        # An interpreter bug must not turn into a false finding or a crash on the user's
        # code: the file's facts are unknown, so nothing is reported. Tests and
        # XENTLINT_DEBUG=1 re-raise to catch such bugs.
        if os.environ.get("XENTLINT_DEBUG"):
            raise
        return None
    findings = run_checks(facts, codes)
    analysis = Analysis(module, facts, findings, interpreter.owners, imports, interpreter.entries)
    if imports is not None and imports.used:
        analysis.findings = _own_findings_dropped(analysis, codes)
    return analysis


def _own_findings_dropped(analysis: Analysis, codes: Iterable[str] | None) -> list[Finding]:
    """The findings, less those an imported module reports itself when it is linted (the
    same rule on the same node): they are that module's, not the importer's."""
    kept = []
    for finding in analysis.findings:
        foreign = analysis.origin(finding.anchor)
        if foreign is not None:
            own = _own(foreign, codes, analysis.imports.finder)
            if (finding.code, id(finding.anchor)) in own:
                continue
        kept.append(finding)
    return kept


def _own(foreign: Any, codes: Iterable[str] | None, finder: ModuleFinder) -> set[tuple[str, int]]:
    """``(code, id(anchor))`` of what the imported module reports when linted itself."""
    key = tuple(sorted(codes)) if codes is not None else ("*",)
    cached = foreign.own.get(key)
    if cached is None:
        found = _interpret_foreign(foreign, codes, finder)
        cached = {(f.code, id(f.anchor)) for f in found}
        foreign.own[key] = cached
    return cached


def _interpret_foreign(
    foreign: Any, codes: Iterable[str] | None, finder: ModuleFinder
) -> list[Finding]:
    from xentlint.static.imports import Imports
    from xentlint.static.interpreter import Interpreter, evaluate_module

    try:
        text = foreign.file.text or ""
        imports = Imports(finder, evaluate_module, parse_project_module, text)
        interpreter = Interpreter(foreign.module, text, imports=imports, path=foreign.path)
        return run_checks(interpreter.run(), codes)
    except Exception:  # noqa: BLE001 - unknown: nothing of its own to subtract
        if os.environ.get("XENTLINT_DEBUG"):
            raise
        return []


def node_positions(module: Any) -> Any:
    """Positions of every node, from one code generation pass over the module.

    ``MetadataWrapper.resolve(PositionProvider)`` also runs a full visitor pass that
    PositionProvider does not need, doubling the cost; drive the provider directly and
    fall back to the public route if LibCST's internals ever change.
    """
    from libcst.metadata import MetadataWrapper, PositionProvider

    try:
        provider = PositionProvider()
        provider._gen_impl(module)
        return provider._computed
    except Exception:  # noqa: BLE001 - private API changed: take the public route
        return MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)


class _StatementPositions:
    """Positions of anchors, computed for the module-level statements that hold them only.

    Code generation with position tracking costs more than the parse; a file with findings
    has them in a few statements. Each statement is rendered on its own and found in the
    source text (it starts at a line start, after the previous statement's last line as
    ``ast`` reports it), which gives its first line. Any doubt (an anchor without a known
    statement, text not found) raises LookupError and the caller falls back to the whole
    module.
    """

    def __init__(self, analysis: Analysis, source: str, tree: ast.Module) -> None:
        import libcst as cst

        self.module = analysis.module
        self.owners = analysis.owners or {}
        self.source = source
        self.index: dict[Any, int] = {}
        self.search_from: list[int] = []
        body = list(self.module.body)
        statements = tree.body
        line_starts = [0]
        line_starts.extend(m.end() for m in re.finditer("\n", source))
        self.line_starts = line_starts
        consumed = 0
        previous_end = 0
        for i, stmt in enumerate(body):
            self.index[stmt] = i
            self.search_from.append(
                line_starts[previous_end] if previous_end < len(line_starts) else len(source)
            )
            consumed += len(stmt.body) if isinstance(stmt, cst.SimpleStatementLine) else 1
            if consumed > len(statements):
                raise LookupError("statements do not line up")
            previous_end = statements[consumed - 1].end_lineno or 0
        if consumed != len(statements):
            raise LookupError("statements do not line up")
        self.cache: dict[int, tuple[int, Any]] = {}

    def get(self, node: Any) -> Any:
        from libcst._position import CodePosition, CodeRange

        stmt = self.owners.get(node)
        if stmt is None or stmt not in self.index:
            raise LookupError("no statement")
        first_line, positions = self._statement(self.index[stmt], stmt)
        where = positions.get(node)
        if where is None:
            raise LookupError("node not rendered")
        shift = first_line - 1
        return CodeRange(
            CodePosition(where.start.line + shift, where.start.column),
            CodePosition(where.end.line + shift, where.end.column),
        )

    def _statement(self, i: int, stmt: Any) -> tuple[int, Any]:
        cached = self.cache.get(i)
        if cached is not None:
            return cached
        from libcst.metadata import PositionProvider

        single = self.module.with_changes(body=[stmt], header=[], footer=[])
        provider = PositionProvider()
        provider._gen_impl(single)
        code = self.module.code_for_node(stmt)
        at = self.source.find(code, self.search_from[i])
        while at > 0 and self.source[at - 1] != "\n":
            at = self.source.find(code, at + 1)
        if at < 0:
            raise LookupError("statement text not found")
        first_line = bisect.bisect_right(self.line_starts, at)
        self.cache[i] = (first_line, provider._computed)
        return self.cache[i]


def _candidates(analysis: Analysis, finding: Finding) -> list[Any]:
    """Nodes of the analysed module where a finding whose own node lies in an imported
    module can be reported, best first: the loss or the compile call that binds it, the
    call that ran the imported code (which compiled or built it), a place its message
    names."""
    nodes: list[Any] = []
    fact = finding.fact
    if isinstance(fact, Binding):
        nodes += [fact.loss.anchor, fact.anchor]
    entries = analysis.entries or {}
    nodes.append(entries.get(id(fact)))
    nodes += list(finding.related)
    return [node for node in nodes if node is not None and analysis.origin(node) is None]


def _local_nodes(analysis: Analysis) -> list[Any]:
    """The nodes of the analysed module whose positions the findings need."""
    out: list[Any] = []
    for finding in analysis.findings:
        if analysis.origin(finding.anchor) is not None:
            out.extend(_candidates(analysis, finding))
        else:
            out.append(finding.anchor)
        out.extend(n for n in finding.related if n is not None and analysis.origin(n) is None)
    return out


def _anchor_positions(analysis: Analysis, source: str, tree: ast.Module | None) -> Any:
    """A mapping node -> CodeRange for the findings' anchors, the cheap way when possible."""
    if tree is None or not analysis.owners:
        return None
    try:
        located = _StatementPositions(analysis, source, tree)
        out: dict[Any, Any] = {}
        for node in _local_nodes(analysis):
            if node not in out:
                out[node] = located.get(node)
        return out
    except Exception:  # noqa: BLE001 - any doubt: positions for the whole module
        if os.environ.get("XENTLINT_DEBUG_POSITIONS"):
            raise
        return None


def _unique(located: Iterable[tuple[Finding, RawFinding]]) -> list[RawFinding]:
    """The raw findings, one per code and position, sorted by position."""
    out: dict[tuple[str, int, int], RawFinding] = {}
    for _, raw in located:
        key = (raw.code, raw.line, raw.column)
        if key not in out:
            out[key] = raw
    return sorted(out.values(), key=lambda f: (f.line, f.column, f.code))


def locate(
    analysis: Analysis, describe_line: Callable[[int, int], str] | None = None
) -> list[tuple[Finding, RawFinding]]:
    """Each finding that has a position, with its raw finding (the fixer's view: every
    finding, positions from the whole module)."""
    return list(_located(analysis, describe_line or plain_line, None, None))


def _located(
    analysis: Analysis,
    describe_line: Callable[[int, int], str],
    fixes: dict[int, str] | None,
    positions: Any,
) -> Iterator[tuple[Finding, RawFinding]]:
    if positions is None:
        positions = node_positions(analysis.module)
    reasons = analysis.fix_reasons or {}
    for finding in analysis.findings:
        anchor = finding.anchor
        elsewhere = analysis.origin(anchor)
        prefix = ""
        places: list[RawPlace] = []
        if elsewhere is not None:
            # the finding's own node is in an imported module: report it here, where the
            # loss or the compile call binds it, naming that place
            own = analysis.foreign_position(anchor)
            anchor = next((n for n in _candidates(analysis, finding) if positions.get(n)), None)
            if anchor is None or own is None:
                continue
            shown = analysis.display(elsewhere)
            prefix = f"{shown}:{own.start.line}: "
            places.append(_place(shown, own))
        where = positions.get(anchor)
        if where is None:
            continue
        related = []
        for node in finding.related:
            foreign = analysis.origin(node) if node is not None else None
            pos = None
            if node is not None:
                pos = analysis.foreign_position(node) if foreign else positions.get(node)
            if pos is None:
                related.append("another place")
            elif foreign is not None:
                shown = analysis.display(foreign)
                related.append(f"{shown}:{pos.start.line}")
                places.append(_place(shown, pos))
            else:
                related.append(describe_line(pos.start.line, where.start.line))
                places.append(_place(None, pos))
        message = finding.message.format(*related) if related else finding.message
        reason = reasons.get(id(finding))
        if reason:
            message += f" - {reason}"  # still one sentence: where the fix belongs
        own_place = _place(None, where)
        places = [place for place in places if place != own_place]
        yield (
            finding,
            RawFinding(
                finding.code,
                prefix + message,
                where.start.line,
                where.start.column + 1,
                where.end.line,
                where.end.column + 1,
                finding.fix_title,
                (fixes or {}).get(id(finding)),
                tuple(places),
                reason,
                explanation=finding.explanation,
            ),
        )


def _place(display: str | None, where: Any) -> RawPlace:
    return RawPlace(
        display,
        where.start.line,
        where.start.column + 1,
        where.end.line,
        where.end.column + 1,
    )
