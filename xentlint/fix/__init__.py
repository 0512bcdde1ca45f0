"""Fixes: LibCST codemods that repair what the rules find.

``fix_source(text, path=..., unsafe=..., config=...)`` fixes one document (Python source, or
notebook JSON when ``path`` ends in ``.ipynb``) and returns a :class:`FixResult`;
``code_actions(text, ...)`` lists each available fix on its own, with the whole document
after it (for editors). Safe fixes leave what ``model.predict`` returns unchanged; unsafe
ones (removing a final softmax, switching a binary loss to a categorical one...) do not.
"""

from __future__ import annotations

from xentlint.fix.engine import (
    AppliedFix,
    CodeAction,
    FixResult,
    code_actions,
    fix_availability,
    fix_source,
)
from xentlint.fix.rules import FIXABLE

__all__ = [
    "FIXABLE",
    "AppliedFix",
    "CodeAction",
    "FixResult",
    "code_actions",
    "fix_availability",
    "fix_source",
]
