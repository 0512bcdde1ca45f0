"""Fixing one document (Python source or notebook JSON): plan, apply, verify, repeat.

One round: analyse the document, keep the findings the configuration reports (selection,
per-file ignores, ``# noqa``), plan a fix for each from the analysis that found them (one
analysis per round; the last round's is the report of what is left), merge the fixes'
intents, apply them all in one transform, and check that the result compiles (CPython) and
parses (LibCST) and, for a notebook, that it can be written back into the cells. If the
combined edit fails, the fixes are retried one by one and those that break the code are
dropped and reported. Rounds repeat (at most :data:`MAX_ROUNDS`) until nothing is left to
fix, because one fix can reveal another (removing a sigmoid for XEN301 makes ``"accuracy"``
an XEN107).

A fix may belong in another module of the project (the final softmax of a model that
``models.py`` builds and ``train.py`` compiles with ``from_logits=True``): it is applied
only when the finder allows editing that file (it is among the files being fixed), and the
other file's new text is in :attr:`FixResult.others`; the next round reads it from there.
"""

from __future__ import annotations

import difflib
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import libcst as cst

from xentlint.catalog import RULES
from xentlint.config import Config
from xentlint.diagnostics import Diagnostic
from xentlint.facts import Finding
from xentlint.fix import layout, notebook
from xentlint.fix.edits import Context, Unfixable, apply
from xentlint.fix.intents import Intent, merge
from xentlint.fix.rules import Modules, Plan, Scope, blocked_by, plan
from xentlint.project import ProjectFile
from xentlint.sources import Program, UnreadableSource, program_from_text

MAX_ROUNDS = 4


@dataclass(frozen=True)
class AppliedFix:
    """A fix that was applied; the position is the finding's, in the text it was found in."""

    code: str
    title: str
    safe: bool
    line: int
    column: int
    cell: int | None = None
    path: str = "<string>"

    def location(self) -> str:
        if self.cell is not None:
            return f"{self.path}:cell_{self.cell}:{self.line}:{self.column}"
        return f"{self.path}:{self.line}:{self.column}"


@dataclass
class FixResult:
    """The fixed text (notebook JSON for ``.ipynb``), what was done and what is left."""

    text: str
    applied: list[AppliedFix] = field(default_factory=list)
    remaining: list[Diagnostic] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    changed: bool = False
    #: other project files the fixes edited: absolute path -> (text before, text after)
    others: dict[str, tuple[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class CodeAction:
    """One fix for one diagnostic; ``new_text`` is the whole document after just that fix."""

    diagnostic: Diagnostic
    title: str
    safe: bool
    new_text: str


_OWN: Any = object()


def fix_source(
    text: str,
    *,
    path: str = "<string>",
    unsafe: bool = False,
    config: Config | None = None,
    project: ProjectFile | None = _OWN,
) -> FixResult:
    """Apply the safe fixes (and the unsafe ones with ``unsafe``) to one document.

    ``text`` is Python source, or notebook JSON when ``path`` ends in ``.ipynb``. Never
    returns text that does not parse; a document that does not parse is returned as is.
    ``project`` finds the project modules the document imports (by default next to
    ``path``, none of them editable); fixes of other files of the project are in
    ``others``, not written.
    """
    from xentlint.pipeline import project_for

    config = config or Config()
    if project is _OWN:
        project = project_for(path, path, config)
    result = FixResult(text)
    seen_failures: set[str] = set()
    # unit -> (the text and the version of the other files it was analysed on, its report)
    reports: dict[int, tuple[str, int, list[Diagnostic]]] = {}
    version = 0  # how many times a fix changed another file's text
    for _ in range(MAX_ROUNDS):
        progressed = False
        units = _units(result.text, path, config)
        unit = 0
        while unit < len(units):
            document, reported = _Document.analyse(
                result.text, path, config, project, units[unit], unit
            )
            reports[unit] = (result.text, version, reported)
            unit += 1
            if document is None:
                continue
            plans = [p for p in document.plans() if unsafe or p.safe]
            if not plans:
                continue
            new_text, done, failures, others = document.apply(plans)
            for failure in failures:
                if failure not in seen_failures:
                    seen_failures.add(failure)
                    result.failed.append(failure)
            if not done or (new_text == result.text and not others):
                continue
            result.applied.extend(document.applied(p) for p in done)
            if new_text != result.text:
                result.text = new_text
                units = _units(result.text, path, config)  # the programs of the new text
            progressed = True
            for other, (before, after) in others.items():
                first = result.others.get(other, (before, after))[0]
                result.others[other] = (first, after)
                if project is not None:
                    project.project.set_text(other, after)  # the next round reads this
                    version += 1
        if not progressed:
            break
    _remove_unused_noqa(result, path, config, project)
    result.changed = result.text != text
    result.remaining = _remaining(result.text, path, config, project, reports, version)
    return result


def _remove_unused_noqa(
    result: FixResult, path: str, config: Config, project: ProjectFile | None
) -> None:
    """XEN903's fix, once the other fixes are in: the unused codes out of their ``# noqa``.

    Judged on the fixed text (a fix can change what a directive suppresses); only comments
    change, and the result must still compile and, for a notebook, read back as the same
    programs with the new comments.
    """
    from xentlint.pipeline import unused_noqa_of

    if not config.selection.enabled("XEN903"):
        return
    for index in range(_unit_count(result.text, path, config)):
        unit = program_from_text(result.text, path, max_bytes=config.max_file_size).units()[index]
        found = unused_noqa_of(path, unit, config, project)
        if not found:
            continue
        new_text, failure = _without_unused_noqa(result.text, path, index, unit, found)
        if new_text is None:
            result.failed.append(f"{path}: XEN903 fix not applied: {failure}")
            continue
        for item in found:
            cell, line = unit.locate(item.line)
            title = item.finding().fix_title or ""
            column = item.directive.start + 1
            result.applied.append(AppliedFix("XEN903", title, True, line, column, cell, path))
        result.text = new_text


def _unused_noqa_actions(
    text: str, path: str, config: Config, project: ProjectFile | None
) -> list[CodeAction]:
    """XEN903's fix for each reported directive on its own (the editor's quick fix)."""
    from xentlint.pipeline import diagnostics, unused_noqa_of

    if not config.selection.enabled("XEN903"):
        return []
    actions = []
    for index in range(_unit_count(text, path, config)):
        unit = program_from_text(text, path, max_bytes=config.max_file_size).units()[index]
        for item in unused_noqa_of(path, unit, config, project):
            new_text, _ = _without_unused_noqa(text, path, index, unit, [item])
            finding = item.finding()
            reported = diagnostics(path, unit, [finding], config)
            if new_text is not None and reported:
                actions.append(CodeAction(reported[0], finding.fix_title or "", True, new_text))
    return actions


def _without_unused_noqa(
    text: str, path: str, index: int, unit: Program, found: list[Any]
) -> tuple[str | None, str]:
    """The document with the codes of ``found`` (``unused_noqa.Unused``) out of unit
    ``index``'s directives, or None and why not."""
    from xentlint.unused_noqa import fix_text

    new_program = fix_text(unit.text, found)
    if parses(new_program, notebook=unit.top_level_await) is not None:
        return None, "the result would not parse"
    if not unit.is_notebook:
        return new_program, ""
    try:
        new_text = notebook.rebuild(text, unit, new_program)
        again = program_from_text(new_text, path, max_bytes=sys.maxsize).units()
    except (notebook.NotebookEditError, UnreadableSource) as exc:
        return None, str(exc)
    if len(again) <= index or again[index].text != new_program:
        return None, "the notebook would not read back with the change"
    return new_text, ""


def _units(text: str, path: str, config: Config) -> tuple[Program, ...]:
    """The programs of a document (a notebook: one more per ``%%writefile``); none when
    it cannot be read."""
    try:
        return program_from_text(text, path, max_bytes=config.max_file_size).units()
    except UnreadableSource:
        return ()


def _remaining(
    text: str,
    path: str,
    config: Config,
    project: ProjectFile | None,
    reports: dict[int, tuple[str, int, list[Diagnostic]]],
    version: int,
) -> list[Diagnostic]:
    """What is left to report: each program's report from the round that analysed the
    final text (the round that fixed nothing), else from a new analysis."""
    from xentlint.pipeline import lint_source, lint_unit, sort_key

    units = _units(text, path, config)
    if not units:
        return lint_source(text, path, config=config, project=project)  # says why (XEN902)
    out: list[Diagnostic] = []
    for index, unit in enumerate(units):
        made = reports.get(index)
        if made is not None and made[0] == text and made[1] == version:
            out.extend(made[2])
        else:
            out.extend(lint_unit(path, unit, config, project))
    out.sort(key=sort_key)
    return out


def code_actions(
    text: str,
    *,
    path: str = "<string>",
    config: Config | None = None,
    project: ProjectFile | None = _OWN,
) -> list[CodeAction]:
    """Every available fix of the document's findings, each applied on its own (fixes
    that edit another file are not offered: an editor action edits the document)."""
    from xentlint.pipeline import project_for

    config = config or Config()
    if project is _OWN:
        project = project_for(path, path, config)
    actions = []
    for unit in range(_unit_count(text, path, config)):
        document = _Document.load(text, path, config, project, unit)
        if document is None:
            continue
        for item in document.plans():
            new_text, done, _, others = document.apply([item])
            if others:
                continue
            if done and new_text != text:
                diagnostic = replace(
                    document.diagnostics[id(item.finding)],
                    fix_safety="safe" if item.safe else "unsafe",
                )
                actions.append(CodeAction(diagnostic, item.title, item.safe, new_text))
    actions.extend(_unused_noqa_actions(text, path, config, project))
    return actions


def fix_availability(
    text: str,
    *,
    path: str = "<string>",
    config: Config | None = None,
    project: ProjectFile | None = _OWN,
) -> dict[tuple[str, int, int, int | None], str]:
    """``{(code, line, column, cell): "safe" | "unsafe"}`` of the findings that have a fix."""
    from xentlint.pipeline import project_for

    config = config or Config()
    if project is _OWN:
        project = project_for(path, path, config)
    out: dict[tuple[str, int, int, int | None], str] = {}
    for unit in range(_unit_count(text, path, config)):
        document = _Document.load(text, path, config, project, unit)
        if document is None:
            continue
        for item in document.plans():
            d = document.diagnostics[id(item.finding)]
            out[(d.code, d.line, d.column, d.cell)] = "safe" if item.safe else "unsafe"
    return out


def _unit_count(text: str, path: str, config: Config) -> int:
    """How many programs the document holds (a notebook: one more per ``%%writefile``)."""
    try:
        program = program_from_text(text, path, max_bytes=config.max_file_size)
    except UnreadableSource:
        return 0
    return len(program.units())


# --------------------------------------------------------------------------- one round


def parses(code: str, *, notebook: bool = False) -> str | None:
    """None when ``code`` compiles (CPython) and parses with LibCST, else the error."""
    from xentlint.guard import parse_module, too_complex
    from xentlint.prefilter import syntax_error

    error = syntax_error(code, notebook=notebook)  # also refuses what would cost gigabytes
    if error is not None:
        return error.message
    problem = too_complex(code)  # or minutes
    if problem is not None:
        return problem
    try:
        parse_module(code)  # LibCST on a deep enough stack: deep nesting cannot segfault
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        return f"{type(exc).__name__}: {exc}"
    except cst.ParserSyntaxError as exc:
        return f"syntax error: {exc.message}"
    return None


class _Document:
    """One program of a document (``unit``: 0, or a notebook's ``%%writefile`` file)."""

    def __init__(
        self, text: str, path: str, program: Program, analysis: Any, unit: int = 0
    ) -> None:
        self.text = text
        self.path = path
        self.program = program
        self.analysis = analysis
        self.unit = unit
        self.module: cst.Module = analysis.module
        self.facts = analysis.facts
        self.findings: list[Finding] = analysis.findings
        self.ctx = Context(self.module)
        self.modules = Modules(self.ctx, analysis)
        self.diagnostics: dict[int, Diagnostic] = {}
        self.style = layout.line_style(program.text)  # how long lines are wrapped

    @classmethod
    def analyse(
        cls,
        text: str,
        path: str,
        config: Config,
        project: ProjectFile | None,
        program: Program,
        unit: int = 0,
    ) -> tuple[_Document | None, list[Diagnostic]]:
        """Lint one program of the document as ``check`` does, and the document to fix
        from that same analysis (None when it has no finding to fix)."""
        from xentlint.pipeline import diagnostics, lint_unit

        kept: list[Any] = []
        reported = lint_unit(path, program, config, project, kept)
        if not kept or not kept[0].analysis.findings:
            return None, reported
        document = cls(text, path, program, kept[0].analysis, unit)
        for finding, raw in kept[0].located:
            shown = diagnostics(path, program, [raw], config)
            if shown:
                document.diagnostics[id(finding)] = shown[0]
        return document, reported

    @classmethod
    def load(
        cls,
        text: str,
        path: str,
        config: Config,
        project: ProjectFile | None = None,
        unit: int = 0,
    ) -> _Document | None:
        from xentlint.static.analyze import analyze_module

        try:
            units = program_from_text(text, path, max_bytes=config.max_file_size).units()
        except UnreadableSource:
            return None
        if unit >= len(units):
            return None
        program = units[unit]
        if not program.text.strip() or parses(program.text, notebook=program.top_level_await):
            return None
        if project is not None and program.writes is not None:
            project = project.written(program.writes)  # its imports, from its own folder
        codes = [code for code in RULES if config.selection.enabled(code)]
        analysis = analyze_module(program.text, codes, project)
        if analysis is None or not analysis.findings:
            return None
        document = cls(text, path, program, analysis, unit)
        document._report(config)
        return document

    def _report(self, config: Config) -> None:
        """The diagnostic of each finding the configuration lets through."""
        from xentlint.pipeline import describe_line, diagnostics
        from xentlint.static.analyze import locate

        describe = describe_line(self.program) if self.program.is_notebook else None
        for finding, raw in locate(self.analysis, describe):
            if raw is None:
                continue
            reported = diagnostics(self.path, self.program, [raw], config)
            if reported:
                self.diagnostics[id(finding)] = reported[0]

    def plans(self) -> Iterator[Plan]:
        scope = Scope(self.facts, self.findings, self.ctx, self.modules)
        seen: set[tuple[str, int]] = set()
        order = {code: index for index, code in enumerate(RULES)}
        findings = sorted(
            (f for f in self.findings if id(f) in self.diagnostics),
            key=lambda f: (order.get(f.code, 99), _position(self.diagnostics[id(f)])),
        )
        for finding in findings:
            key = (finding.code, id(finding.anchor))
            if key in seen:
                continue
            seen.add(key)
            try:
                item = plan(finding, scope)
            except Unfixable:
                continue
            except Exception:  # a planner bug: this finding just has no fix
                if os.environ.get("XENTLINT_DEBUG"):
                    raise
                continue
            if blocked_by(item, self.modules) is None:  # another file, not being fixed
                yield item

    def applied(self, item: Plan) -> AppliedFix:
        d = self.diagnostics[id(item.finding)]
        return AppliedFix(item.code, item.title, item.safe, d.line, d.column, d.cell, self.path)

    def apply(
        self, plans: list[Plan]
    ) -> tuple[str, list[Plan], list[str], dict[str, tuple[str, str]]]:
        """The document with as many of ``plans`` applied as possible, the failures, and
        the new texts of the other files they edit (path -> (before, after))."""
        merged, accepted = _merge_plans(plans)
        text, _, others = self._attempt(merged)
        if text is not None:
            return text, accepted, [], others
        kept: list[Plan] = []
        failures: list[str] = []
        current = self.text
        kept_others: dict[str, tuple[str, str]] = {}
        for item in accepted:
            trial, _ = _merge_plans([*kept, item])
            text, reason, others = self._attempt(trial)
            if text is None:
                d = self.diagnostics[id(item.finding)]
                failures.append(f"{d.location()}: {item.code} fix not applied: {reason}")
            else:
                kept.append(item)
                current, kept_others = text, others
        return current, kept, failures, kept_others

    def _attempt(self, intents: list[Intent]) -> tuple[str | None, str, dict[str, tuple[str, str]]]:
        others: dict[str, tuple[str, str]] = {}
        try:
            code = self.module.code
            for foreign, edits in self.modules.render(intents).items():
                if foreign is None:
                    code = apply(self.module, edits, self.style)
                    if "\f" in self.program.text:
                        code = keep_form_feeds(self.program.text, self.module.code, code)
                    continue
                before = foreign.file.text or ""
                after = apply(foreign.module, edits, layout.line_style(before))
                if "\f" in before:
                    after = keep_form_feeds(before, foreign.module.code, after)
                error = parses(after)
                if error is not None:
                    return None, f"{self.analysis.display(foreign)} would not parse ({error})", {}
                others[foreign.path] = (before, after)
        except Unfixable as exc:
            return None, str(exc), {}
        except Exception as exc:  # a fixer bug (an invalid node...): drop, report, go on
            if os.environ.get("XENTLINT_DEBUG"):
                raise
            return None, f"internal error: {type(exc).__name__}: {exc}", {}
        text, reason = self._finish(code)
        return text, reason, others if text is not None else {}

    def _finish(self, code: str) -> tuple[str | None, str]:
        """The document's text for the fixed program ``code``, or None and why not."""
        if code == self.module.code:
            return self.text, ""
        error = parses(code, notebook=self.program.top_level_await)
        if error is not None:
            return None, f"the result would not parse ({error})"
        if not self.program.is_notebook:
            return code, ""
        try:
            text = notebook.rebuild(self.text, self.program, code)
        except notebook.NotebookEditError as exc:
            return None, f"cannot write the change into the notebook: {exc}"
        try:
            units = program_from_text(text, self.path, max_bytes=sys.maxsize).units()
        except UnreadableSource as exc:
            return None, f"the notebook would not read back: {exc.reason}"
        if len(units) <= self.unit or units[self.unit].text != code:
            return None, "the notebook would not read back as the fixed program"
        return text, ""


# Lines and their ending ("\\n" only: str.splitlines would also split at a form feed).
_LINES = re.compile(r"[^\n]*\n|[^\n]+\Z")


def keep_form_feeds(original: str, regenerated: str, fixed: str) -> str:
    """``fixed`` with the form feeds LibCST drops from the start of lines put back.

    LibCST writes a statement without the form feeds before it (``\\f`` opening a line,
    once a page break in long files), so code generation changes lines no fix touched.
    ``regenerated`` is the unfixed module written by LibCST; its lines are ``original``'s
    without those form feeds. Lines ``fixed`` has unchanged from it are taken from
    ``original``; a changed line that began with a form feed begins with it again.
    """
    old = _LINES.findall(original)
    plain = _LINES.findall(regenerated)
    if len(old) != len(plain) or any(
        a.replace("\f", "") != b.replace("\f", "") for a, b in zip(old, plain, strict=True)
    ):
        raise Unfixable("LibCST would not write the file back as it is")
    new = _LINES.findall(fixed)
    out: list[str] = []
    matcher = difflib.SequenceMatcher(None, plain, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out.extend(old[i1:i2])
            continue
        changed = new[j1:j2]
        if tag == "replace" and i2 - i1 == j2 - j1:
            changed = [
                _with_form_feeds(a, b, c)
                for a, b, c in zip(old[i1:i2], plain[i1:i2], changed, strict=True)
            ]
        out.extend(changed)
    return "".join(out)


def _with_form_feeds(original: str, regenerated: str, fixed: str) -> str:
    lost = original[: len(original) - len(original.lstrip(" \t\f"))]
    kept = regenerated[: len(regenerated) - len(regenerated.lstrip(" \t"))]
    if "\f" in lost and lost.replace("\f", "") == kept and fixed.startswith(kept):
        return lost + fixed[len(kept) :]
    return fixed


def _merge_plans(plans: list[Plan]) -> tuple[list[Intent], list[Plan]]:
    """The intents of the plans that agree with the plans before them."""
    merged: dict[int, Intent] = {}
    accepted: list[Plan] = []
    for item in plans:
        trial = dict(merged)
        for intent in item.intents:
            key = id(intent.anchor)
            combined = merge(trial[key], intent) if key in trial else intent
            if combined is None:
                break
            trial[key] = combined
        else:
            merged = trial
            accepted.append(item)
    return list(merged.values()), accepted


def _position(d: Diagnostic) -> tuple[int, int, int]:
    return (d.cell or 0, d.line, d.column)
