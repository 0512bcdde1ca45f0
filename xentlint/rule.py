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
    #: Why a finding of this rule matters and what to do, for the findings whose check
    #: gives none of its own (``Finding.explanation``); shown under the one-sentence message
    #: by ``--output-format full``, in JSON and SARIF.
    explanation: str = ""
