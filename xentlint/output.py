"""Output formats. Each format is a function registered under its ``--output-format`` name.

A formatter receives the sorted findings, the run's :class:`OutputOptions` and a text stream.
New formats (sarif, github, gitlab...) register themselves with :func:`formatter`.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Sequence
from typing import TextIO

from xentlint.catalog import RULES
from xentlint.diagnostics import Diagnostic
from xentlint.formats import FORMATTERS, Formatter, OutputOptions, formatter  # noqa: F401

SEVERITY_WORDS = {"E": "error", "W": "warning", "S": "suggestion"}
_SEVERITY_COLORS = {"E": "red", "W": "yellow", "S": "cyan"}


def use_color(stream: TextIO) -> bool:
    """Color only on a terminal, and never when ``NO_COLOR`` is set (https://no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


def _style(text: str, color: bool, **styles: object) -> str:
    if not color:
        return text
    import click

    return click.style(text, **styles)  # type: ignore[arg-type]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary(diagnostics: Sequence[Diagnostic], files: int) -> str:
    """``Found 3 errors, 1 warning in 2 files.`` or ``All checks passed (5 files).``"""
    if not diagnostics:
        return f"All checks passed ({_plural(files, 'file')})."
    counts = Counter(d.severity for d in diagnostics)
    parts = [
        _plural(counts[severity], word)
        for severity, word in SEVERITY_WORDS.items()
        if counts[severity]
    ]
    parts.extend(
        _plural(count, "finding")
        for severity, count in counts.items()
        if severity not in SEVERITY_WORDS
    )
    with_findings = len({d.path for d in diagnostics})
    return f"Found {', '.join(parts)} in {_plural(with_findings, 'file')}."


def statistics(diagnostics: Sequence[Diagnostic]) -> list[tuple[str, str, str, int]]:
    """``(code, name, severity, count)`` per code, most frequent first."""
    counts = Counter(d.code for d in diagnostics)
    names = {d.code: (d.name, d.severity) for d in diagnostics}
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [(code, *names[code], count) for code, count in ordered]


@formatter("text")
def format_text(diagnostics: Sequence[Diagnostic], options: OutputOptions, out: TextIO) -> None:
    color = options.color
    if options.statistics:
        rows = statistics(diagnostics)
        width = max((len(str(row[3])) for row in rows), default=1)
        for code, name, severity, count in rows:
            styled = _style(code, color, fg=_SEVERITY_COLORS.get(severity), bold=True)
            out.write(f"{count:>{width}}  {styled}  {name}\n")
    else:
        for d in diagnostics:
            location = _style(d.location(), color, bold=True)
            code = _style(d.code, color, fg=_SEVERITY_COLORS.get(d.severity), bold=True)
            out.write(f"{location}: {code} {d.message}\n")
    if not options.quiet:
        line = summary(diagnostics, options.files)
        out.write(_style(line, color, fg="red" if diagnostics else "green") + "\n")


@formatter("json")
def format_json(diagnostics: Sequence[Diagnostic], options: OutputOptions, out: TextIO) -> None:
    if options.statistics:
        data: list[dict[str, object]] = [
            {"code": code, "name": name, "severity": severity, "count": count}
            for code, name, severity, count in statistics(diagnostics)
        ]
    else:
        data = [{**d.to_json(), "fix": fix_json(d)} for d in diagnostics]
    json.dump(data, out, indent=2)
    out.write("\n")


def fix_json(d: Diagnostic) -> dict[str, object] | None:
    """``{"available": bool, "safety": "safe" | "unsafe"}``, or None if the rule has no fix.

    ``available`` says whether ``check --fix`` (safe) or ``--unsafe-fixes`` can fix this
    very finding: a rule's fix may not apply to every way of writing the code.
    """
    rule = RULES.get(d.code)
    if rule is None or rule.fix_safety == "none":
        return None
    return {"available": d.fix_safety is not None, "safety": d.fix_safety or rule.fix_safety}


def rules_table() -> str:
    """The catalog as an aligned table (``xentlint rules``)."""
    header = ("CODE", "NAME", "SEVERITY", "DEFAULT", "FIX")
    rows = [header] + [
        (
            rule.code,
            rule.name,
            SEVERITY_WORDS[rule.severity],
            "on" if rule.default_enabled else "off",
            rule.fix_safety,
        )
        for rule in RULES.values()
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    return "\n".join(lines) + "\n"


def rules_json() -> str:
    data = [
        {
            "code": rule.code,
            "name": rule.name,
            "severity": rule.severity,
            "default_enabled": rule.default_enabled,
            "fix_safety": rule.fix_safety,
            "summary": rule.summary,
            "fix": rule.fix,
        }
        for rule in RULES.values()
    ]
    return json.dumps(data, indent=2) + "\n"


# The CI formats (sarif, github, gitlab) live in their own module and register on import.
from xentlint import ci_output  # noqa: E402, F401
