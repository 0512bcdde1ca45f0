"""The rule modules of :mod:`xentlint.checks`, discovered once at import.

Every module named ``xenNNN`` in the package is a rule: its ``RULE`` joins :data:`RULES`,
its ``check`` (if any) :data:`CHECKS`, its ``fix`` (if any) :data:`PLANNERS`. Adding a rule
is adding a module; nothing here is edited.
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Callable, Iterable
from types import ModuleType

import xentlint.checks as _package
from xentlint.facts import Facts, Finding
from xentlint.intents import Planner
from xentlint.rule import Rule

Check = Callable[[Facts], Iterable[Finding]]

_MODULE_NAME = re.compile(r"xen\d{3}")


def _rule_modules() -> list[ModuleType]:
    # os.listdir rather than pkgutil.iter_modules: the same answer for a package on disk,
    # without importing pkgutil (start-up time counts: bench/README.md)
    names = sorted(
        {
            name[:-3]
            for folder in _package.__path__
            for name in os.listdir(folder)
            if name.endswith(".py") and _MODULE_NAME.fullmatch(name[:-3])
        }
    )
    return [importlib.import_module(f"{_package.__name__}.{name}") for name in names]


def _load() -> tuple[dict[str, Rule], dict[str, Check], dict[str, Planner]]:
    rules: dict[str, Rule] = {}
    checks: dict[str, Check] = {}
    planners: dict[str, Planner] = {}
    for module in _rule_modules():
        rule = getattr(module, "RULE", None)
        if not isinstance(rule, Rule) or rule.code.lower() != module.__name__.rsplit(".")[-1]:
            raise ImportError(f"{module.__name__} must define RULE for its own code")
        rules[rule.code] = rule
        if callable(getattr(module, "check", None)):
            checks[rule.code] = module.check
        if callable(getattr(module, "fix", None)):
            planners[rule.code] = module.fix
    return rules, checks, planners


#: code -> rule, in code order
RULES: dict[str, Rule]
#: code -> check, for the rules that are checks over facts
CHECKS: dict[str, Check]
#: code -> fix planner, for the rules that have an automatic fix
PLANNERS: dict[str, Planner]
RULES, CHECKS, PLANNERS = _load()


def run_checks(facts: Facts, codes: Iterable[str] | None = None) -> list[Finding]:
    """Run the checks for ``codes`` (all when None) over ``facts``."""
    selected = CHECKS if codes is None else {c: CHECKS[c] for c in codes if c in CHECKS}
    findings: list[Finding] = []
    for check in selected.values():
        findings.extend(check(facts))
    return findings
