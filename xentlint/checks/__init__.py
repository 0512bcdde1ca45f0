"""The rule checks: pure functions from :class:`~xentlint.facts.Facts` to findings.

One module per rule. A check never looks at CST nodes or Keras objects; it reads facts and
returns :class:`~xentlint.facts.Finding` objects whose anchors the front end resolves. A
message may reference ``related`` anchors as ``{0}``, ``{1}``...: the front end fills in
their locations (``line 12``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from xentlint.checks import (
    xen101,
    xen102,
    xen103,
    xen104,
    xen105,
    xen106,
    xen107,
    xen201,
    xen202,
    xen203,
    xen301,
)
from xentlint.facts import Facts, Finding

Check = Callable[[Facts], Iterable[Finding]]

CHECKS: dict[str, Check] = {
    "XEN101": xen101.check,
    "XEN102": xen102.check,
    "XEN103": xen103.check,
    "XEN104": xen104.check,
    "XEN105": xen105.check,
    "XEN106": xen106.check,
    "XEN107": xen107.check,
    "XEN201": xen201.check,
    "XEN202": xen202.check,
    "XEN203": xen203.check,
    "XEN301": xen301.check,
}


def run_checks(facts: Facts, codes: Iterable[str] | None = None) -> list[Finding]:
    """Run the checks for ``codes`` (all when None) over ``facts``."""
    selected = CHECKS if codes is None else {c: CHECKS[c] for c in codes if c in CHECKS}
    findings: list[Finding] = []
    for check in selected.values():
        findings.extend(check(facts))
    return findings
