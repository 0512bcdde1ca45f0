"""XEN902 unreadable-file: reported when a file cannot be read, no check."""

from __future__ import annotations

from xentlint.rule import Rule

RULE = Rule(
    code="XEN902",
    name="unreadable-file",
    severity="E",
    summary="the file cannot be read as text (undecodable, binary, malformed notebook)",
    fix="",
    fix_safety="none",
    explanation=(
        "Nothing in this file is checked: it cannot be read as Python source the way CPython "
        "reads it (or as notebook JSON), or analysing it would take far longer than its size "
        "suggests."
    ),
)
