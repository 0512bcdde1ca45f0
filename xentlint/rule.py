"""What a rule is: the metadata each ``xentlint/checks/xenNNN.py`` module declares as ``RULE``.

The catalog (:mod:`xentlint.catalog`) is the set of these, discovered from the modules.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["E", "W", "S"]
FixSafety = Literal["safe", "unsafe", "none"]


@dataclass(frozen=True)
class Rule:
    code: str  # "XEN101"
    name: str  # "double-activation"
    severity: Severity  # E error, W warning, S suggestion
    summary: str  # one line: what the rule finds
    fix: str  # what to do about it ("" when nothing can be said); the default fix title
    fix_safety: FixSafety  # of the automatic fix ("none": no automatic fix)
    default_enabled: bool = True
