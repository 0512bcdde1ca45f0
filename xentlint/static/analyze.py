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
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from xentlint.checks.registry import run_checks
from xentlint.diagnostics import RawFinding
from xentlint.facts import Facts, Finding
from xentlint.guard import pathological, too_complex, too_complex_to_compile

# A file that mentions none of these cannot produce a finding of any rule.
_RELEVANT_WORDS = ("crossentropy", "cross_entropy", "softmax", "sigmoid", "log_loss")
_BCE = re.compile(r"\bbce\b")
# A hand-written crossentropy (-sum(y * tf.log(p))) matters on a linear output: a Dense
# layer (or tf.layers.dense) without activation, or a matmul. Measured on 13,396 files of
# public Keras code: 2,621 pass the words above, 58 more pass this.
_HANDWRITTEN_LOG = ".log("
_LINEAR_WORDS = ("dense", "matmul")


def is_relevant(source: str) -> bool:
    # casefold + substring search: 10x faster than one case-insensitive regex over the text
    # (1.0 s -> 0.1 s on the 11 MB keras source), and it runs on every file.
    folded = source.casefold()
    if any(word in folded for word in _RELEVANT_WORDS):
        return True
    if _HANDWRITTEN_LOG in folded and any(word in folded for word in _LINEAR_WORDS):
        return True
    return "bce" in folded and _BCE.search(folded) is not None


#: Top-level ``await`` is valid in a notebook cell (IPython runs it).
_NOTEBOOK_FLAGS = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
#: What CPython says of a ``from __future__`` import below other statements. A notebook is
#: linted as one program but IPython compiles each cell alone, where such an import may
#: open the cell: in notebooks the line is blanked and the program compiled again.
_LATE_FUTURE = "from __future__ imports must occur at the beginning of the file"


def syntax_error(source: str, *, notebook: bool = False) -> RawFinding | None:
    """XEN901 for what CPython refuses to compile, XEN902 for what it cannot even read.

    ``compile()`` reports what the parser reports and what only the compiler finds
    (``return`` outside a function, a repeated keyword argument, ``nonlocal`` at module
    level, a misplaced ``__future__`` import...), at the position CPython gives. It is
    also cheaper than ``ast.parse``: no Python objects are built for the tree (measured on
    the 166 keras-io examples, bench/README.md "Syntax check").
    """
    problem = pathological(source) or too_complex_to_compile(source)  # costly for CPython
    if problem is not None:
        return RawFinding("XEN902", f"unreadable file: {problem}", 1, 1, 1, 1)
    try:
        _compile(source, notebook)
    except SyntaxError as exc:
        line = exc.lineno or 1
        col = exc.offset or 1
        end_line = getattr(exc, "end_lineno", None) or line
        end_col = getattr(exc, "end_offset", None) or col
        if end_line < line or (end_line == line and end_col < col):
            end_line, end_col = line, col
        message = f"syntax error: {one_sentence(exc.msg)}"
        return RawFinding("XEN901", message, line, col, end_line, end_col)
    except (RecursionError, MemoryError):
        message = "syntax error: the code is nested too deeply to parse"
        return RawFinding("XEN901", message, 1, 1, 1, 1)
    except ValueError as exc:  # e.g. source code string cannot contain null bytes
        return RawFinding("XEN902", f"unreadable file: {exc}", 1, 1, 1, 1)
    return None


def one_sentence(text: str) -> str:
    """CPython's message as one sentence: its hint in parentheses.

    ``Missing parentheses in call to 'print'. Did you mean print(...)?`` becomes
    ``Missing parentheses in call to 'print' (did you mean print(...)?)``.
    """
    head, dot, hint = text.partition(". ")
    if not dot or not hint.strip():
        return text
    hint = hint.strip().removesuffix(".")
    return f"{head} ({hint[:1].lower()}{hint[1:]})"


def _compile(source: str, notebook: bool) -> None:
    """``compile(source)``; in a notebook, a ``from __future__`` line that may open its cell
    is blanked and the program compiled again (a few times at most)."""
    flags = _NOTEBOOK_FLAGS if notebook else 0
    for attempt in range(8 if notebook else 1, 0, -1):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                compile(source, "<xentlint>", "exec", flags=flags, dont_inherit=True)
            return
        except SyntaxError as exc:
            if attempt == 1 or exc.msg != _LATE_FUTURE or not exc.lineno:
                raise
            lines = source.split("\n")
            late = lines[exc.lineno - 1]
            if not late.startswith("from __future__") or "(" in late or late.endswith("\\"):
                raise
            lines[exc.lineno - 1] = ""
            source = "\n".join(lines)


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
    failed): the empty answer then means "not known", not "nothing wrong". Never raises for
    any input string.
    """
    error = None if compiled else syntax_error(source, notebook=notebook)
    if error is not None:
        return [error]
    if not is_relevant(source):
        return []
    problem = too_complex(source)  # costly for LibCST
    if problem is not None:
        return [RawFinding("XEN902", f"unreadable file: {problem}", 1, 1, 1, 1)]
    analysis = _interpret(source, codes)
    if analysis is None and unknown is not None:
        unknown()
    if analysis is None or not analysis.findings:
        return []
    positions = _anchor_positions(analysis, source, _statements(source))
    available = fixes(analysis) if fixes is not None else {}
    return _locate(analysis.module, analysis.findings, describe_line, available, positions)


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


def analyze_module(source: str, codes: Iterable[str] | None = None) -> Analysis | None:
    """Parse and interpret ``source``; None when it cannot be analysed (or is irrelevant).

    Syntax errors are not reported here (see :func:`analyze_source`), nor sources too
    complex to parse in reasonable time (:func:`xentlint.guard.too_complex`): both give None.
    """
    if not is_relevant(source) or too_complex(source) is not None:
        return None
    return _interpret(source, codes)


def _interpret(source: str, codes: Iterable[str] | None) -> Analysis | None:
    from xentlint.guard import parse_module  # a native stack overflow would kill us

    try:
        module = parse_module(source)
    except Exception:  # noqa: BLE001 - valid Python that LibCST cannot read: say nothing
        return None
    from xentlint.static.interpreter import Interpreter

    try:
        interpreter = Interpreter(module, source)
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
    return Analysis(module, facts, run_checks(facts, codes), interpreter.owners)


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


def _anchor_positions(analysis: Analysis, source: str, tree: ast.Module | None) -> Any:
    """A mapping node -> CodeRange for the findings' anchors, the cheap way when possible."""
    if tree is None or not analysis.owners:
        return None
    try:
        located = _StatementPositions(analysis, source, tree)
        out: dict[Any, Any] = {}
        for finding in analysis.findings:
            for node in (finding.anchor, *finding.related):
                if node is not None and node not in out:
                    out[node] = located.get(node)
        return out
    except Exception:  # noqa: BLE001 - any doubt: positions for the whole module
        if os.environ.get("XENTLINT_DEBUG_POSITIONS"):
            raise
        return None


def _locate(
    module: Any,
    findings: list[Finding],
    describe_line: Callable[[int, int], str],
    fixes: dict[int, str] | None = None,
    positions: Any = None,
) -> list[RawFinding]:
    if positions is None:
        positions = node_positions(module)
    out: dict[tuple[str, int, int], RawFinding] = {}
    for finding in findings:
        where = positions.get(finding.anchor)
        if where is None:
            continue
        related = []
        for anchor in finding.related:
            pos = positions.get(anchor) if anchor is not None else None
            if pos is None:
                related.append("another place")
            else:
                related.append(describe_line(pos.start.line, where.start.line))
        message = finding.message.format(*related) if related else finding.message
        key = (finding.code, where.start.line, where.start.column)
        if key in out:
            continue
        out[key] = RawFinding(
            finding.code,
            message,
            where.start.line,
            where.start.column + 1,
            where.end.line,
            where.end.column + 1,
            finding.fix_title,
            (fixes or {}).get(id(finding)),
            explanation=finding.explanation,
        )
    return sorted(out.values(), key=lambda f: (f.line, f.column, f.code))
