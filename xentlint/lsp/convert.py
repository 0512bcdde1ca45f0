"""xentlint records to LSP records: diagnostics, ranges, rule links and text edits.

xentlint positions are 1-based lines and 1-based columns counted in code points, the end
column exclusive. LSP positions are 0-based lines and 0-based characters counted in the
code units of the negotiated position encoding (UTF-16 unless the client offers another).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

from lsprotocol import types

from xentlint.diagnostics import Diagnostic

SOURCE = "xentlint"

#: Where a rule's page is linked when the page shipped with xentlint cannot be found. The
#: project has no public home yet: this address is a placeholder for the repository's
#: ``rules/XENnnn.md``. Normally the ``file://`` URI of the installed page is used instead.
RULE_URL_TEMPLATE = "https://github.com/xentlint/xentlint/blob/main/rules/{code}.md"

SEVERITIES = {
    "E": types.DiagnosticSeverity.Error,
    "W": types.DiagnosticSeverity.Warning,
    "S": types.DiagnosticSeverity.Information,
}

#: Counts the client's code units in a string (``PositionCodec.client_num_units``).
UnitCounter = Callable[[str], int]

# The line breaks of both Python and LSP: CR LF, CR, LF (not form feed or U+2028).
_NEWLINE = re.compile(r"\r\n|\r|\n")
_LINE_WITH_END = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


def split_lines(text: str) -> list[str]:
    """The lines of ``text`` without their line breaks (a final break starts an empty line)."""
    return _NEWLINE.split(text)


@lru_cache(maxsize=64)
def rule_href(code: str) -> str:
    """A link to the rule's page: the installed page's ``file://`` URI, else the placeholder."""
    import xentlint

    package = Path(xentlint.__file__).resolve().parent
    for folder in (package / "_rules", package.parent / "rules"):
        page = folder / f"{code}.md"
        if page.is_file():
            return page.as_uri()
    return RULE_URL_TEMPLATE.format(code=code)


def lsp_diagnostic(
    diagnostic: Diagnostic,
    lines: Sequence[str],
    units: UnitCounter,
    *,
    shift: Callable[[int], int] | None = None,
) -> types.Diagnostic:
    """Turn one finding into an LSP diagnostic of the document whose lines are ``lines``.

    ``shift(line)`` adds columns on a 1-based line (notebook cells that IPython dedents).
    """
    start = _position(diagnostic.line, diagnostic.column, lines, units, shift)
    end = _position(diagnostic.end_line, diagnostic.end_column, lines, units, shift)
    if (end.line, end.character) < (start.line, start.character):
        end = start
    if end == start:  # e.g. a syntax error: underline the character it points at
        line = lines[start.line] if start.line < len(lines) else ""
        char = _char_index(line, start.character, units)
        if char < len(line):
            end = types.Position(start.line, start.character + units(line[char]))
    return types.Diagnostic(
        range=types.Range(start=start, end=end),
        message=diagnostic.message,
        severity=SEVERITIES.get(diagnostic.severity, types.DiagnosticSeverity.Error),
        code=diagnostic.code,
        code_description=types.CodeDescription(href=rule_href(diagnostic.code)),
        source=SOURCE,
    )


def _position(
    line: int,
    column: int,
    lines: Sequence[str],
    units: UnitCounter,
    shift: Callable[[int], int] | None,
) -> types.Position:
    if not lines:
        return types.Position(0, 0)
    index = min(max(line, 1), len(lines)) - 1
    text = lines[index]
    if line > len(lines):  # past the end (a syntax error at end of input)
        return types.Position(index, units(text))
    char = max(column, 1) - 1 + (shift(index + 1) if shift is not None else 0)
    char = min(char, len(text))
    return types.Position(index, units(text[:char]))


def _char_index(line: str, units_offset: int, units: UnitCounter) -> int:
    """The code point index in ``line`` at ``units_offset`` client units."""
    seen = 0
    for index, char in enumerate(line):
        if seen >= units_offset:
            return index
        seen += units(char)
    return len(line)


def overlaps(a: types.Range, b: types.Range) -> bool:
    """Whether two ranges share a position (touching ends count)."""
    a_start, a_end = (a.start.line, a.start.character), (a.end.line, a.end.character)
    b_start, b_end = (b.start.line, b.start.character), (b.end.line, b.end.character)
    return a_start <= b_end and b_start <= a_end


def replacement_edit(old: str, new: str, units: UnitCounter) -> types.TextEdit | None:
    """One edit turning ``old`` into ``new``: the lines between their common first and last
    lines are replaced (the result is the whole of ``new``; cursor and folds elsewhere stay).
    None when the texts are equal."""
    if old == new:
        return None
    a = _LINE_WITH_END.findall(old)
    b = _LINE_WITH_END.findall(new)
    prefix = 0
    while prefix < min(len(a), len(b)) and a[prefix] == b[prefix]:
        prefix += 1
    suffix = 0
    while (
        suffix < min(len(a), len(b)) - prefix and a[len(a) - 1 - suffix] == b[len(b) - 1 - suffix]
    ):
        suffix += 1
    start = types.Position(prefix, 0)
    end_index = len(a) - suffix
    if suffix == 0 and a and not _NEWLINE.search(a[-1]):
        # ``old`` does not end with a line break: end at the end of its last line.
        end = types.Position(len(a) - 1, units(a[-1]))
    else:
        end = types.Position(end_index, 0)
    return types.TextEdit(
        range=types.Range(start=start, end=end),
        new_text="".join(b[prefix : len(b) - suffix]),
    )
