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
from dataclasses import dataclass
from typing import Any

from xentlint.checks.registry import PLANNERS, RULES
from xentlint.facts import Binding, Facts, Finding
from xentlint.fix.edits import Context
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


@dataclass
class Scope:
    """What the planners may consult besides the finding: all facts and findings."""

    facts: Facts
    findings: list[Finding]
    ctx: Context

    def __post_init__(self) -> None:
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
        try:
            render(list(intents), self.ctx)
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
    render(list(intents), scope.ctx)  # a trial: raises Unfixable if it cannot be written
    return Plan(finding, title, is_safe(finding.code), tuple(intents))


#: Codes that have an automatic fix, with its safety: the planned ones, and XEN903's
#: (the unused codes out of their directives, a text edit of the engine's own).
FIXABLE: dict[str, str] = {
    **{code: "safe" if is_safe(code) else "unsafe" for code in PLANNERS},
    "XEN903": "safe",
}


def fixable(facts: Facts, findings: list[Finding], module: Any) -> dict[int, str]:
    """``{id(finding): "safe" | "unsafe"}`` for the findings that have an automatic fix.

    Cheap enough for the lint path: no code is generated, only trial edits are planned.
    """
    candidates = [f for f in findings if f.code in PLANNERS]
    if not candidates:
        return {}
    scope = Scope(facts, findings, Context(module))
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
        out[id(finding)] = "safe" if item.safe else "unsafe"
    return out
