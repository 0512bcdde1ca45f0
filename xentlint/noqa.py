"""``# noqa`` comments, as flake8 reads them.

``# noqa`` alone suppresses every finding reported on its line; ``# noqa: XEN101,XEN102``
(comma or space separated, any case, spaces around the colon allowed) suppresses only the
codes listed, where a listed code may also be a prefix (``# noqa: XEN1``). Codes of other
tools may share the list (``# noqa: E501, XEN101``). A ``# noqa:`` whose list cannot be
read counts as a bare ``# noqa``, as in flake8.
"""

from __future__ import annotations

import re

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
    """True when ``line`` carries a ``# noqa`` that covers ``code``."""
    codes = noqa_codes(line)
    if codes is None:
        return False
    if not codes:
        return True
    code = code.upper()
    return any(code.startswith(listed) for listed in codes)
