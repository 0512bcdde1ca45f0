"""Planning each finding's fix: the rule modules' planners, run against the module's syntax.

``plan(finding, scope)`` returns the fix for one finding, or raises :class:`Unfixable` with
the reason why there is none. Each rule's planner is the ``fix`` function of its module in
:mod:`xentlint.checks` (found by :mod:`xentlint.checks.registry`); planners are pure
functions over facts, except that they may ask :class:`Scope` for a trial render to decide
between two ways of fixing. This module gives them that scope (LibCST) and checks each plan
by rendering it.

A fix that edits something other findings also depend on must be right for all of them:
a loss object shared by two models gets ``from_logits=True`` only if both models output
logits. Safety follows DESIGN.md: a safe fix leaves what ``model.predict`` returns
unchanged.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from xentlint.checks.registry import PLANNERS, RULES
from xentlint.facts import Binding, Facts, Finding
from xentlint.fix.edits import Context, Edits
from xentlint.fix.intents import render
from xentlint.intents import Intent, Unfixable


@dataclass(frozen=True)
class Plan:
    """The fix of one finding."""

    finding: Finding
    title: str
    safe: bool
    intents: tuple[Intent, ...]

    @property
    def code(self) -> str:
        return self.finding.code


class Modules:
    """The modules a fix may edit: the analysed one, and the project modules it imports
    (``analysis``: the static front end's :class:`~xentlint.static.analyze.Analysis`)."""

    def __init__(self, ctx: Context, analysis: Any = None) -> None:
        self.ctx = ctx
        self.analysis = analysis
        self._contexts: dict[int, tuple[Any, Context]] = {}

    def origin(self, node: Any) -> Any:
        """The imported module ``node`` belongs to (None: the analysed one)."""
        return self.analysis.origin(node) if self.analysis is not None else None

    def context(self, foreign: Any) -> Context:
        if foreign is None:
            return self.ctx
        known = self._contexts.get(id(foreign))
        if known is None:
            known = (foreign, Context(foreign.module))
            self._contexts[id(foreign)] = known
        return known[1]

    def render(self, intents: Sequence[Intent]) -> dict[Any, Edits]:
        """The edits of each module the intents touch (key None: the analysed module)."""
        groups: dict[int, tuple[Any, list[Intent]]] = {}
        for intent in intents:
            foreign = self.origin(intent.anchor)
            like = getattr(intent, "like", None)
            if like is not None and self.origin(like) is not foreign:
                intent = replace(intent, like=None)  # type: ignore[type-var]
            groups.setdefault(id(foreign), (foreign, []))[1].append(intent)
        return {foreign: render(items, self.context(foreign)) for foreign, items in groups.values()}

    def elsewhere(self, intents: Sequence[Intent]) -> list[Any]:
        """The imported modules the intents edit."""
        out: list[Any] = []
        for intent in intents:
            foreign = self.origin(intent.anchor)
            if foreign is not None and foreign not in out:
                out.append(foreign)
        return out


@dataclass
class Scope:
    """What the planners may consult besides the finding: all facts and findings."""

    facts: Facts
    findings: list[Finding]
    ctx: Context
    modules: Modules | None = field(default=None)

    def __post_init__(self) -> None:
        if self.modules is None:
            self.modules = Modules(self.ctx)
        self._by_code: dict[str, set[int]] = {}
        for finding in self.findings:
            self._by_code.setdefault(finding.code, set()).add(id(finding.fact))

    def has(self, code: str, fact: Any) -> bool:
        return id(fact) in self._by_code.get(code, set())

    def loss_users(self, anchor: Any) -> list[Binding]:
        return [b for b in self.facts.bindings if b.loss.anchor is anchor]

    def head_users(self, anchor: Any) -> list[Binding]:
        return [b for b in self.facts.bindings if b.head.activation_anchor is anchor]

    def can_render(self, intents: Sequence[Intent]) -> bool:
        assert self.modules is not None
        try:
            self.modules.render(list(intents))
        except Unfixable:
            return False
        return True


def is_safe(code: str) -> bool:
    rule = RULES.get(code)
    return rule is not None and rule.fix_safety == "safe"


def plan(finding: Finding, scope: Scope) -> Plan:
    """The fix for ``finding`` (raises :class:`Unfixable` when there is none)."""
    planner = PLANNERS.get(finding.code)
    if planner is None:
        raise Unfixable("this rule has no automatic fix")
    title, intents = planner(finding, scope)
    assert scope.modules is not None
    scope.modules.render(list(intents))  # a trial: raises Unfixable if it cannot be written
    return Plan(finding, title, is_safe(finding.code), tuple(intents))


#: Codes that have an automatic fix, with its safety: the planned ones, and XEN903's
#: (the unused codes out of their directives, a text edit of the engine's own).
FIXABLE: dict[str, str] = {
    **{code: "safe" if is_safe(code) else "unsafe" for code in PLANNERS},
    "XEN903": "safe",
}


def fixable(
    facts: Facts,
    findings: list[Finding],
    module: Any,
    *,
    analysis: Any = None,
    reasons: dict[int, str] | None = None,
) -> dict[int, str]:
    """``{id(finding): "safe" | "unsafe"}`` for the findings that have an automatic fix.

    A fix that edits another module of the project is available only when that file is
    among the files being fixed (``analysis.imports.finder.can_edit``); otherwise
    ``reasons`` gets why. Cheap enough for the lint path: no code is generated, only trial
    edits are planned.
    """
    candidates = [f for f in findings if f.code in PLANNERS]
    if not candidates:
        return {}
    ctx = Context(module)
    modules = Modules(ctx, analysis)
    scope = Scope(facts, findings, ctx, modules)
    out: dict[int, str] = {}
    for finding in candidates:
        try:
            item = plan(finding, scope)
        except Unfixable:
            continue
        except Exception:  # a planner bug: this finding just has no fix
            if os.environ.get("XENTLINT_DEBUG"):
                raise
            continue
        blocked = blocked_by(item, modules)
        if blocked is not None:
            if reasons is not None:
                reasons[id(finding)] = blocked
            continue
        out[id(finding)] = "safe" if item.safe else "unsafe"
    return out


def blocked_by(item: Plan, modules: Modules) -> str | None:
    """Why a plan cannot be applied: it edits a project file that is not being fixed."""
    analysis = modules.analysis
    for foreign in modules.elsewhere(item.intents):
        finder = analysis.imports.finder if analysis is not None else None
        if finder is None or not finder.can_edit(foreign.path):
            anchor = next(i.anchor for i in item.intents if modules.origin(i.anchor) is foreign)
            where = analysis.place(anchor) if analysis is not None else None
            place = where or (analysis.display(foreign) if analysis is not None else foreign.path)
            return f"the fix belongs in {place}, which is not among the files being fixed"
    return None
