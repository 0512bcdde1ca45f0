"""XEN903 unused-noqa: a ``# noqa: XEN...`` that suppressed nothing, or names no rule.

Like ruff's RUF100, and off by default (``--extend-select XEN903``). There are no facts to
check: :mod:`xentlint.unused_noqa` (the per-file pipeline) compares each directive with the
findings of the run and builds the finding with :func:`message` and :func:`explanation`.
"""

from __future__ import annotations

from collections.abc import Sequence

from xentlint.rule import Rule

RULE = Rule(
    code="XEN903",
    name="unused-noqa",
    severity="W",
    summary=(
        "a `# noqa` directive names an XEN code that suppressed nothing in this run, or a "
        "code that is not xentlint's"
    ),
    fix="remove the unused codes (the directive when it names no other)",
    fix_safety="safe",
    default_enabled=False,
)
CODE = RULE.code


def _listed(codes: Sequence[str]) -> str:
    return ", ".join(f"`{code}`" for code in codes)


def message(unused: Sequence[str], unknown: Sequence[str], duplicated: Sequence[str]) -> str:
    """``unused `# noqa` directive (unused: `XEN101`; unknown: `XEN1O1`)``, as ruff words it."""
    parts = [
        f"{label}: {_listed(codes)}"
        for label, codes in (("unused", unused), ("unknown", unknown), ("duplicated", duplicated))
        if codes
    ]
    return f"unused `# noqa` directive ({'; '.join(parts)})"


def explanation(unused: Sequence[str], unknown: Sequence[str], duplicated: Sequence[str]) -> str:
    said = []
    if unused:
        which = unused[0] if len(unused) == 1 else " or ".join(unused)
        said.append(
            f"No finding of {which} is reported on this line, so the directive hides nothing "
            f"today and would hide a real mistake written here later."
        )
    if unknown:
        these = "are not xentlint codes" if len(unknown) > 1 else "is not a xentlint code"
        said.append(
            f"{_listed(unknown)} {these} (`xentlint rules` lists them): a misspelt code "
            f"suppresses nothing."
        )
    if duplicated:
        said.append(f"{_listed(duplicated)} is listed twice in the same directive.")
    count = len(unused) + len(unknown) + len(duplicated)
    said.append(f"`--fix` takes {'it' if count == 1 else 'them'} out of the directive.")
    return " ".join(said)
