"""``# noqa`` comments, as flake8 reads them.

``# noqa`` alone suppresses every finding reported on its line; ``# noqa: XEN101,XEN102``
(comma or space separated, any case, spaces around the colon allowed) suppresses only the
codes listed, where a listed code may also be a prefix (``# noqa: XEN1``). Codes of other
tools may share the list (``# noqa: E501, XEN101``). A ``# noqa:`` whose list cannot be
read counts as a bare ``# noqa``, as in flake8.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_NOQA = re.compile(
    r"#\s*noqa(?:\s*:\s*(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?",
    re.IGNORECASE,
)
_CODE = re.compile(r"[A-Z]+[0-9]+", re.IGNORECASE)


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


def with_noqa(line: str, codes: Iterable[str], comment_at: int | None = None) -> str:
    """``line`` (without its line break) with a ``# noqa`` that also covers ``codes``.

    A ``# noqa: E501`` already on the line keeps its codes and gets the new ones after
    them (``# noqa: E501, XEN102``), and whatever follows the list stays. A line without
    one gets ``  # noqa: XEN102`` at its end (after a comment it already has, as ruff
    does). Codes the line already covers are not added again, so the result is ``line``
    itself when it already suppresses them all.

    ``comment_at`` is the column where the line's comment starts (``len(line)`` for a line
    without one), when the caller knows it from :mod:`tokenize`: a ``# noqa`` is then only
    looked for there, never inside a string. Without it the whole line is searched, as
    :func:`is_suppressed` does. The
    caller must not use this on a line that ends inside a multi-line string or with a
    backslash continuation: no comment can go there.
    """
    wanted = sorted({code.upper() for code in codes})
    start = 0 if comment_at is None else comment_at
    match = _NOQA.search(line, start) if "noqa" in line[start:].lower() else None
    if match is None:
        missing = [code for code in wanted if not is_suppressed(code, line)]
        if not missing:
            return line
        return f"{line.rstrip()}  # noqa: {', '.join(missing)}"
    listed = match.group("codes")
    if not listed:
        return line  # a bare noqa covers every code
    present = [code.upper() for code in _CODE.findall(listed)]
    missing = [code for code in wanted if not any(code.startswith(p) for p in present)]
    if not missing:
        return line
    merged = ", ".join(dict.fromkeys([*present, *missing]))
    return line[: match.start("codes")] + merged + line[match.end("codes") :]
