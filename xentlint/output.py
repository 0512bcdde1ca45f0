"""Output formats. Each format is a function registered under its ``--output-format`` name.

A formatter receives the sorted findings, the run's :class:`OutputOptions` and a text stream.
The text formats follow ruff's:

* ``concise`` (the default; ``text`` is its old name): one line per finding,
  ``path:line:col: CODE [*] message``;
* ``full``: that line, then the reported source lines underlined, then the explanation
  (``why:``) and the fix's title (``help:``);
* ``grouped``: the findings of each file under its name, ``line:col CODE [*] message``;
* ``pylint``: ``path:line: [CODE] message``, and no summary.

``[*]`` marks the findings that ``--fix`` would fix: the safe fixes, and the unsafe ones
too when ``--unsafe-fixes`` is given. The summary counts them in ruff's words.
``concise``, ``full`` and ``grouped`` print nothing at all when no file was checked.
New formats (sarif, github, gitlab...) register themselves with :func:`formatter`.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Sequence
from itertools import groupby
from typing import TextIO

from xentlint.catalog import RULES
from xentlint.diagnostics import Diagnostic
from xentlint.formats import (  # noqa: F401 - re-exported: the registry lives in formats
    ALIASES,
    FORMATTERS,
    TEXT_FORMATS,
    Formatter,
    OutputOptions,
    formatter,
)

SEVERITY_WORDS = {"E": "error", "W": "warning", "S": "suggestion"}
_SEVERITY_COLORS = {"E": "red", "W": "yellow", "S": "cyan"}
#: ``--color``: ``auto`` colors a terminal unless NO_COLOR is set (FORCE_COLOR forces it).
COLOR_CHOICES = ("auto", "always", "never")


def use_color(stream: TextIO, when: str = "auto") -> bool:
    """Whether to color ``stream``, as ruff decides.

    ``always``/``never`` say so. ``auto``: never when ``NO_COLOR`` is set to anything
    (https://no-color.org), always when ``FORCE_COLOR`` is (https://force-color.org),
    else only on a terminal.
    """
    if when != "auto":
        return when == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
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


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else plural or word + 's'}"


#: The codes that say a file (or a notebook cell) could not be analysed, not that it is wrong.
SYNTAX_ERROR, UNREADABLE = "XEN901", "XEN902"


def summary(diagnostics: Sequence[Diagnostic], files: int) -> str:
    """``Found 3 errors, 1 warning in 2 files.`` or ``All checks passed (5 files).``

    What could not be analysed is counted apart from the findings, so that a folder whose
    only output is syntax errors does not read as that many bugs: ``Found 3 errors in 2
    files; 35 files could not be analysed (syntax errors: 33, unreadable: 2).``, and for the
    notebook cells left out (the rest of their notebook was linted) ``...; 4 cells in 3
    notebooks could not be analysed (syntax errors).``
    """
    if not diagnostics:
        return f"All checks passed ({_plural(files, 'file')})."
    found = [d for d in diagnostics if d.code not in (SYNTAX_ERROR, UNREADABLE)]
    unreadable = {d.path for d in diagnostics if d.code == UNREADABLE}
    broken = {d.path for d in diagnostics if d.code == SYNTAX_ERROR and d.cell is None}
    broken -= unreadable
    cells = {(d.path, d.cell) for d in diagnostics if d.code == SYNTAX_ERROR and d.cell}
    cells = {(path, cell) for path, cell in cells if path not in unreadable}
    clauses = []
    if found:
        clauses.append(f"Found {_counts(found)} in {_plural(len({d.path for d in found}), 'file')}")
    else:
        analysed = files - len(unreadable) - len(broken)
        if analysed > 0:
            clauses.append(f"No findings in {_plural(analysed, 'file')}")
    if unreadable or broken:
        kinds = [
            f"{label}: {len(paths)}"
            for label, paths in (("syntax errors", broken), ("unreadable", unreadable))
            if paths
        ]
        folders = {d.path for d in diagnostics if d.message.startswith("unreadable folder")}
        count = len(unreadable | broken) - len(folders)
        what = [_plural(count, "file")] if count else []
        what += [_plural(len(folders), "folder")] if folders else []
        clauses.append(f"{' and '.join(what)} could not be analysed ({', '.join(kinds)})")
    if cells:
        notebooks = _plural(len({path for path, _ in cells}), "notebook")
        clauses.append(
            f"{_plural(len(cells), 'cell')} in {notebooks} could not be analysed (syntax errors)"
        )
    text = "; ".join(clauses)
    return text[:1].upper() + text[1:] + "."


def _counts(diagnostics: Sequence[Diagnostic]) -> str:
    """``3 errors, 1 warning``: the findings by severity."""
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
    return ", ".join(parts)


def is_fixable(d: Diagnostic, unsafe_fixes: bool = False) -> bool:
    """Whether ``--fix`` (with ``--unsafe-fixes`` when ``unsafe_fixes``) fixes this finding."""
    return d.fix_safety == "safe" or (unsafe_fixes and d.fix_safety == "unsafe")


def fix_summary(diagnostics: Sequence[Diagnostic], unsafe_fixes: bool = False) -> str | None:
    """ruff's line about fixes: ``[*] 2 fixable with `--fix` (1 unsafe fix available with
    `--fix --unsafe-fixes`).``, or None when no finding has a fix."""
    fixable = sum(is_fixable(d, unsafe_fixes) for d in diagnostics)
    hidden = 0 if unsafe_fixes else sum(d.fix_safety == "unsafe" for d in diagnostics)
    hint = f"{_plural(hidden, 'unsafe fix', 'unsafe fixes')} available with `--fix --unsafe-fixes`"
    if fixable and hidden:
        return f"[*] {fixable} fixable with `--fix` ({hint})."
    if fixable:
        return f"[*] {fixable} fixable with `--fix`."
    if hidden:
        return f"{hint}."
    return None


def statistics(diagnostics: Sequence[Diagnostic]) -> list[tuple[str, str, str, int]]:
    """``(code, name, severity, count)`` per code, most frequent first."""
    counts = Counter(d.code for d in diagnostics)
    names = {d.code: (d.name, d.severity) for d in diagnostics}
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [(code, *names[code], count) for code, count in ordered]


# --------------------------------------------------------------------------- text formats


def _code(d: Diagnostic, options: OutputOptions) -> str:
    """``XEN101`` colored by severity, followed by `` [*]`` when ``--fix`` would fix it."""
    code = _style(d.code, options.color, fg=_SEVERITY_COLORS.get(d.severity), bold=True)
    if is_fixable(d, options.unsafe_fixes):
        code += " " + _style("[*]", options.color, fg="cyan")
    return code


def _line(d: Diagnostic, options: OutputOptions) -> str:
    location = _style(d.location(), options.color, bold=True)
    return f"{location}: {_code(d, options)} {d.message}"


def _statistics_table(
    diagnostics: Sequence[Diagnostic], options: OutputOptions, out: TextIO
) -> None:
    rows = statistics(diagnostics)
    width = max((len(str(row[3])) for row in rows), default=1)
    for code, name, severity, count in rows:
        styled = _style(code, options.color, fg=_SEVERITY_COLORS.get(severity), bold=True)
        out.write(f"{count:>{width}}  {styled}  {name}\n")


def _write_summary(diagnostics: Sequence[Diagnostic], options: OutputOptions, out: TextIO) -> None:
    if options.quiet:
        return
    line = summary(diagnostics, options.files)
    out.write(_style(line, options.color, fg="red" if diagnostics else "green") + "\n")
    fixes = fix_summary(diagnostics, options.unsafe_fixes)
    if fixes is not None:
        if fixes.startswith("[*]"):
            fixes = "[" + _style("*", options.color, fg="cyan") + "]" + fixes[3:]
        out.write(fixes + "\n")


def _text_format(
    body: Callable[[Sequence[Diagnostic], OutputOptions, TextIO], None],
) -> Formatter:
    """A text format: nothing without files; ``--statistics`` replaces the findings."""

    def run(diagnostics: Sequence[Diagnostic], options: OutputOptions, out: TextIO) -> None:
        if not options.files and not diagnostics:
            return
        if options.statistics:
            _statistics_table(diagnostics, options, out)
        else:
            body(diagnostics, options, out)
        _write_summary(diagnostics, options, out)

    run.__doc__ = body.__doc__
    return run


def _concise(diagnostics: Sequence[Diagnostic], options: OutputOptions, out: TextIO) -> None:
    """One line per finding: ``path:line:col: CODE [*] message``."""
    for d in diagnostics:
        out.write(_line(d, options) + "\n")


def _full(diagnostics: Sequence[Diagnostic], options: OutputOptions, out: TextIO) -> None:
    """The concise line, the reported source lines underlined, and the notes."""
    for d in diagnostics:
        out.write(_line(d, options) + "\n")
        for line in _excerpt(d, options):
            out.write(line + "\n")
        for label, paragraph in details(d):
            out.write(f"{_style(label + ':', options.color, fg='cyan', bold=True)} {paragraph}\n")
        out.write("\n")


def details(d: Diagnostic) -> list[tuple[str, str]]:
    """The ``(label, paragraph)`` pairs ``full`` prints under a finding's excerpt, in order.

    The explanation (``why: ...``: why it is wrong, what it costs, what to do), the fix's
    title (``help: ...``), and a note when that fix is unsafe.
    """
    out: list[tuple[str, str]] = []
    if d.explanation:
        out.append(("why", d.explanation))
    if d.fix_title:
        out.append(("help", d.fix_title))
    if d.fix_safety == "unsafe":
        out.append(("note", "this fix is unsafe: what the model predicts changes (--unsafe-fixes)"))
    return out


def _excerpt(d: Diagnostic, options: OutputOptions) -> list[str]:
    if options.sources is None or d.where is not None or d.line < 1:
        return []
    from xentlint.excerpt import excerpt

    end_line = max(d.end_line, d.line)
    lines = options.sources.lines(d.path, d.cell, d.line, end_line)
    if lines is None:
        return []
    end_column = d.end_column if d.end_line >= d.line else d.column
    color = options.color

    def style(text: str, role: str) -> str:
        if role == "marker":
            return _style(text, color, fg=_SEVERITY_COLORS.get(d.severity), bold=True)
        return _style(text, color, fg="blue", bold=True)

    numbers = list(range(d.line, end_line + 1))
    return excerpt(lines, (0, d.column), (len(lines) - 1, end_column), numbers, style)


def _grouped(diagnostics: Sequence[Diagnostic], options: OutputOptions, out: TextIO) -> None:
    """Findings under their file's name: ``  line:col CODE [*] message``."""
    for path, group in groupby(diagnostics, key=lambda d: d.path):
        found = list(group)
        positions = [_position(d) for d in found]
        width = max(len(p) for p in positions)
        out.write(_style(f"{path}:", options.color, bold=True, underline=True) + "\n")
        for d, position in zip(found, positions, strict=True):
            out.write(f"  {position:<{width}} {_code(d, options)} {d.message}\n")
        out.write("\n")


def _position(d: Diagnostic) -> str:
    """A finding's position within its file (``12:5``, ``cell_3:4:28``, or the model part)."""
    if d.where is not None:
        return d.where
    if d.cell is not None:
        return f"cell_{d.cell}:{d.line}:{d.column}"
    return f"{d.line}:{d.column}"


FORMATTERS["concise"] = format_text = _text_format(_concise)
FORMATTERS["full"] = format_full = _text_format(_full)
FORMATTERS["grouped"] = format_grouped = _text_format(_grouped)


@formatter("pylint")
def format_pylint(diagnostics: Sequence[Diagnostic], options: OutputOptions, out: TextIO) -> None:
    """``path:line: [CODE] message`` (a model finding: line 1, the message names the part)."""
    for d in diagnostics:
        if d.where is not None:
            place, message = f"{d.path}:1", f"{d.where}: {d.message}"
        elif d.cell is not None:
            place, message = f"{d.path}:cell_{d.cell}:{d.line}", d.message
        else:
            place, message = f"{d.path}:{d.line}", d.message
        out.write(f"{place}: [{d.code}] {message}\n")


@formatter("json")
def format_json(diagnostics: Sequence[Diagnostic], options: OutputOptions, out: TextIO) -> None:
    if options.statistics:
        data: list[dict[str, object]] = [
            {"code": code, "name": name, "severity": severity, "count": count}
            for code, name, severity, count in statistics(diagnostics)
        ]
    else:
        data = [{**d.to_json(), "fix": fix_json(d)} for d in diagnostics]
    import json  # only for this format: the text formats do not pay for it

    json.dump(data, out, indent=2)
    out.write("\n")


def fix_json(d: Diagnostic) -> dict[str, object] | None:
    """``{"available": bool, "safety": "safe" | "unsafe"}``, or None if the rule has no fix.

    ``available`` says whether ``check --fix`` (safe) or ``--unsafe-fixes`` can fix this
    very finding: a rule's fix may not apply to every way of writing the code. When the
    fix is known but cannot be applied here (it belongs in another file of the project
    that is not being fixed), ``reason`` says so.
    """
    rule = RULES.get(d.code)
    if rule is None or rule.fix_safety == "none":
        return None
    out: dict[str, object] = {
        "available": d.fix_safety is not None,
        "safety": d.fix_safety or rule.fix_safety,
    }
    if d.fix_safety is None and d.fix_reason:
        out["reason"] = d.fix_reason
    return out


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
    import json

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
