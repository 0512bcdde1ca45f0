"""``# noqa`` comments, as flake8 reads them.

``# noqa`` alone suppresses every finding reported on its line; ``# noqa: XEN101,XEN102``
(comma or space separated, any case, spaces around the colon allowed) suppresses only the
codes listed, where a listed code may also be a prefix (``# noqa: XEN1``). Codes of other
tools may share the list (``# noqa: E501, XEN101``). A ``# noqa:`` whose list cannot be
read counts as a bare ``# noqa``, as in flake8.

:func:`add_noqa` and :func:`comment_columns` write such comments (the editor's "disable for
this line" quick fix; ``--add-noqa``).
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterable
from dataclasses import dataclass

_NOQA = re.compile(
    r"#\s*noqa(?:\s*:\s*(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?",
    re.IGNORECASE,
)
_CODE = re.compile(r"[A-Z]+[0-9]+", re.IGNORECASE)
# Lines as Python counts them: CR LF, CR or LF ends a line (a form feed does not).
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


def noqa_codes(line: str) -> frozenset[str] | None:
    """The codes a line's ``# noqa`` names; an empty set for a bare ``# noqa``; None if none."""
    if "noqa" not in line.lower():
        return None
    match = _NOQA.search(line)
    if match is None:
        return None
    codes = match.group("codes")
    if not codes:
        return frozenset()
    return frozenset(code.upper() for code in _CODE.findall(codes))


@dataclass(frozen=True)
class Directive:
    """One ``# noqa`` on a line: 0-based columns of its ``#`` and of the end of its code
    list (of ``noqa`` when it is bare), and its codes as written, each with its columns."""

    start: int
    end: int
    codes: tuple[tuple[str, int, int], ...]  # empty for a bare directive


def directives(line: str) -> list[Directive]:
    """Every ``# noqa`` of ``line``, as :func:`is_suppressed` reads them."""
    if "noqa" not in line.lower():
        return []
    out = []
    for match in _NOQA.finditer(line):
        if match.group("codes") is None:
            out.append(Directive(match.start(), match.end(), ()))
            continue
        found = _CODE.finditer(line, match.start("codes"), match.end("codes"))
        codes = tuple((m.group(), m.start(), m.end()) for m in found)
        out.append(Directive(match.start(), match.end("codes"), codes))
    return out


def without_codes(line: str, directive: Directive, drop: Iterable[int]) -> str:
    """``line`` with the codes of ``directive`` at the indexes ``drop`` taken out.

    The other codes stay as written, joined with the list's own separator. When no code is
    left, the directive goes, with the text that follows it up to the next ``#`` (as in
    ruff, the rest of the comment is the directive's description) and the spaces before
    it; a comment after it (``# type: ignore``) stays.
    """
    dropped = set(drop)
    kept = [c for i, c in enumerate(directive.codes) if i not in dropped]
    if kept:
        first, last = directive.codes[0][1], directive.codes[-1][2]
        separator = _separator(line[first:last])
        listed = separator.join(code for code, _, _ in kept)
        return line[:first] + listed + line[last:]
    before = line[: directive.start].rstrip(" \t")
    rest = line[directive.end :]
    later = rest.find("#")
    if later < 0:
        return before
    if not before:  # a comment line: the next comment keeps its indentation
        return line[: directive.start] + rest[later:]
    return f"{before}  {rest[later:]}"


def is_suppressed(code: str, line: str) -> bool:
    """True when ``line`` carries a ``# noqa`` that covers ``code``.

    Every ``# noqa`` on the line counts, so that a real comment after a string holding
    the text ``# noqa: E501`` still works.
    """
    if "noqa" not in line.lower():
        return False
    code = code.upper()
    for match in _NOQA.finditer(line):
        codes = match.group("codes")
        if not codes:
            return True
        if any(code.startswith(listed.upper()) for listed in _CODE.findall(codes)):
            return True
    return False


def add_noqa(line: str, codes: Iterable[str], comment: int | None) -> str:
    """``line`` (without its line break) with ``codes`` added to its ``# noqa`` comment.

    The codes are appended to an existing ``# noqa: ...`` list (keeping the codes, their
    separator and any text after them), or a ``  # noqa: CODES`` comment is added at the end
    of the line (after a comment it already has, as ruff does). The line comes back unchanged
    when it suppresses the codes already (a bare ``# noqa`` covers all). ``comment`` is the
    column where the line's comment starts (None: it has none), as :func:`comment_columns`
    finds it: a ``# noqa`` is only looked for from there, never inside a string. The caller
    must not use this on a line that ends inside a multi-line string or with a backslash
    continuation (:func:`comment_columns` leaves those lines out): no comment can go there.
    """
    wanted = list(dict.fromkeys(code.upper() for code in codes))
    start = len(line) if comment is None else comment
    match = _NOQA.search(line, start)
    if match is None or match.group("codes") is None:
        missing = [code for code in wanted if not is_suppressed(code, line)]
        if not missing:
            return line
        code = line.rstrip(" \t")
        return f"{code}{'  ' if code else ''}# noqa: {', '.join(missing)}"
    listed = [c.upper() for c in _CODE.findall(match.group("codes"))]
    missing = [code for code in wanted if not any(code.startswith(c) for c in listed)]
    if not missing:
        return line
    separator = _separator(match.group("codes"))
    end = match.end("codes")
    return line[:end] + separator + separator.join(missing) + line[end:]


def _separator(codes: str) -> str:
    """The separator the list already uses between codes (", " when it has one code)."""
    found = re.search(r"[A-Z][0-9]+([,\s]+)[A-Z]", codes, re.IGNORECASE)
    return found.group(1) if found else ", "


def split_lines(text: str) -> list[str]:
    """The lines of ``text`` with their endings, as Python counts lines."""
    return _LINE.findall(text)


def comment_columns(source: str) -> dict[int, int | None] | None:
    """Where a comment can be added to the lines of Python ``source``.

    ``{line: column}`` for each 1-based line whose end is outside any string and not
    continued with a backslash, with the 0-based column of its comment (None when it has
    none). Lines inside a multi-line string (or f-string) are left out. None when
    ``source`` cannot be tokenized.
    """
    lines = _LINE.findall(source)
    open_strings: list[int] = []  # start rows of f-strings being tokenized (3.12+)
    inside: set[int] = set()
    comments: dict[int, int] = {}
    fstring_start = getattr(tokenize, "FSTRING_START", None)
    fstring_end = getattr(tokenize, "FSTRING_END", None)
    try:
        readline = io.StringIO(source, newline="").readline
        for token in tokenize.generate_tokens(readline):
            kind, (row, column), (end_row, _) = token.type, token.start, token.end
            if kind == tokenize.COMMENT:
                comments.setdefault(row, column)
            elif kind == tokenize.STRING and end_row > row:
                inside.update(range(row, end_row))
            elif kind == fstring_start:
                open_strings.append(row)
            elif kind == fstring_end and open_strings:
                inside.update(range(open_strings.pop(), end_row))
    except (tokenize.TokenError, SyntaxError, RecursionError):
        return None
    out: dict[int, int | None] = {}
    for number, text in enumerate(lines, start=1):
        if number in inside:
            continue
        if number not in comments and text.rstrip("\r\n").endswith("\\"):
            continue  # a backslash continuation: nothing may follow it
        out[number] = comments.get(number)
    if not lines or lines[-1].endswith(("\n", "\r")):
        out.setdefault(len(lines) + 1, None)  # the empty last line
    return out
