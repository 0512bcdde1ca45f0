"""Adding and removing call arguments and list elements without disturbing the layout.

LibCST keeps every space, line break and comment, but it leaves it to the caller to move
them when an item comes or goes. The helpers here see a bracketed sequence as items and
the *gaps* between them: the gap after the opening bracket, one gap after each comma, and
the gap before the closing bracket. Removing an item merges the gaps around it (keeping the
comments of the lines that stay, dropping the trailing comment of the removed item's own
line); appending an item copies the separator the sequence already uses (one space, or a
line break with the same indentation) and keeps a trailing comma if there was one.

Every function returns ``None`` when it cannot do the edit cleanly; the caller then offers
no fix rather than a mangled one.

A statement that a fix made longer than the file's lines (:func:`wrap`) gets its call's
arguments on lines of their own, the way black and ruff format do, when the file is
evidently formatted by one of them (:func:`line_style`); other layouts are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

import libcst as cst

Gap = cst.BaseParenthesizableWhitespace
_NO_SPACE = cst.SimpleWhitespace("")


@dataclass(frozen=True)
class _Items:
    """A bracketed sequence taken apart: items without commas, and the gaps between them."""

    items: list[cst.CSTNode]
    before_comma: list[Gap]  # the whitespace before each item's comma
    opening: Gap
    separators: list[Gap]  # len(items) - 1 gaps, each after a comma
    closing: Gap  # after the trailing comma, or before the closing bracket
    trailing_comma: bool


def _comma_of(node: cst.CSTNode) -> cst.Comma | None:
    comma = getattr(node, "comma", None)
    return comma if isinstance(comma, cst.Comma) else None


def _split(items: Sequence[cst.CSTNode], opening: Gap, closing: Gap) -> _Items:
    """``closing`` is the gap before the bracket (used when the last item has no comma)."""
    bare: list[cst.CSTNode] = []
    before: list[Gap] = []
    separators: list[Gap] = []
    trailing = False
    for index, item in enumerate(items):
        comma = _comma_of(item)
        bare.append(item.with_changes(comma=cst.MaybeSentinel.DEFAULT))
        before.append(comma.whitespace_before if comma is not None else _NO_SPACE)
        if index < len(items) - 1:
            separators.append(comma.whitespace_after if comma is not None else _NO_SPACE)
        elif comma is not None:
            trailing = True
            closing = comma.whitespace_after
    return _Items(bare, before, opening, separators, closing, trailing)


def _join(parts: _Items) -> list[cst.CSTNode]:
    """The items with their commas back (the closing gap sits on the trailing comma)."""
    out: list[cst.CSTNode] = []
    last = len(parts.items) - 1
    for index, item in enumerate(parts.items):
        if index < last:
            comma: cst.Comma | cst.MaybeSentinel = cst.Comma(
                parts.before_comma[index], parts.separators[index]
            )
        elif parts.trailing_comma:
            comma = cst.Comma(parts.before_comma[index], parts.closing)
        else:
            comma = cst.MaybeSentinel.DEFAULT
        out.append(item.with_changes(comma=comma))
    return out


def _is_empty(gap: Gap) -> bool:
    return isinstance(gap, cst.SimpleWhitespace) and gap.value == ""


def _has_comment(gap: Gap) -> bool:
    if not isinstance(gap, cst.ParenthesizedWhitespace):
        return False
    return gap.first_line.comment is not None or any(
        line.comment is not None for line in gap.empty_lines
    )


def _merge(before: Gap, after: Gap, *, keep_before: bool) -> Gap:
    """One gap in place of ``before``, a removed item and ``after``.

    Comments on the line before the removed item and comment lines around it stay; the
    comment at the end of the removed item's own line goes with it. ``keep_before`` picks
    the gap to keep when both are plain spaces (True between items, False at the end).
    """
    if isinstance(before, cst.ParenthesizedWhitespace) and isinstance(
        after, cst.ParenthesizedWhitespace
    ):
        return cst.ParenthesizedWhitespace(
            first_line=before.first_line,
            empty_lines=[*before.empty_lines, *after.empty_lines],
            indent=after.indent,
            last_line=after.last_line,
        )
    if isinstance(before, cst.ParenthesizedWhitespace):
        return before if keep_before or _has_comment(before) else after
    if isinstance(after, cst.ParenthesizedWhitespace):
        return after
    return before if keep_before else after


def _separator(gap: Gap) -> Gap:
    """A gap reused between two items: its line break and indentation, no comments."""
    if isinstance(gap, cst.ParenthesizedWhitespace):
        return cst.ParenthesizedWhitespace(
            first_line=cst.TrailingWhitespace(),
            empty_lines=[],
            indent=gap.indent,
            last_line=gap.last_line,
        )
    return gap


def _remove(parts: _Items, index: int) -> _Items | None:
    count = len(parts.items)
    if count == 1:
        if _has_comment(parts.opening) or _has_comment(parts.closing):
            return None
        return _Items([], [], _NO_SPACE, [], _NO_SPACE, False)
    items = parts.items[:index] + parts.items[index + 1 :]
    before_comma = parts.before_comma[:index] + parts.before_comma[index + 1 :]
    separators = list(parts.separators)
    opening, closing = parts.opening, parts.closing
    if index < count - 1:
        gap_before = opening if index == 0 else separators[index - 1]
        merged = _merge(gap_before, separators[index], keep_before=True)
        del separators[index]
        if index == 0:
            opening = merged
        else:
            separators[index - 1] = merged
    else:
        closing = _merge(separators[-1], closing, keep_before=False)
        del separators[-1]
    return _Items(items, before_comma, opening, separators, closing, parts.trailing_comma)


def _append(parts: _Items, item: cst.CSTNode) -> _Items:
    count = len(parts.items)
    if count == 0:
        return replace(parts, items=[item], before_comma=[_NO_SPACE])
    if count >= 2:
        separator = _separator(parts.separators[-1])
    elif isinstance(parts.opening, cst.ParenthesizedWhitespace):
        separator = _separator(parts.opening)
    else:
        separator = cst.SimpleWhitespace(" ")
    closing = parts.closing
    if isinstance(closing, cst.ParenthesizedWhitespace) and isinstance(
        separator, cst.ParenthesizedWhitespace
    ):
        # the old last item keeps the end of its line (its comment); the new one gets a
        # clean line and the closing indentation
        separator = cst.ParenthesizedWhitespace(
            first_line=closing.first_line,
            empty_lines=closing.empty_lines,
            indent=separator.indent,
            last_line=separator.last_line,
        )
        closing = cst.ParenthesizedWhitespace(
            first_line=cst.TrailingWhitespace(),
            empty_lines=[],
            indent=closing.indent,
            last_line=closing.last_line,
        )
    return _Items(
        [*parts.items, item],
        [*parts.before_comma, _NO_SPACE],
        parts.opening,
        [*parts.separators, separator],
        closing,
        parts.trailing_comma,
    )


# --------------------------------------------------------------------------- calls


def _call_parts(call: cst.Call) -> _Items:
    args = list(call.args)
    closing: Gap = _NO_SPACE
    if args and _comma_of(args[-1]) is None:
        closing = args[-1].whitespace_after_arg
        args[-1] = args[-1].with_changes(whitespace_after_arg=_NO_SPACE)
    return _split(args, call.whitespace_before_args, closing)


def _rebuild_call(call: cst.Call, parts: _Items) -> cst.Call:
    args = _join(parts)
    if args and not parts.trailing_comma:
        args[-1] = args[-1].with_changes(whitespace_after_arg=parts.closing)
    return call.with_changes(args=args, whitespace_before_args=parts.opening)


def remove_arg(call: cst.Call, index: int) -> cst.Call | None:
    parts = _remove(_call_parts(call), index)
    return None if parts is None else _rebuild_call(call, parts)


def append_arg(call: cst.Call, arg: cst.Arg) -> cst.Call:
    return _rebuild_call(call, _append(_call_parts(call), arg))


def keyword_arg(name: str, value: cst.BaseExpression) -> cst.Arg:
    return cst.Arg(
        value=value,
        keyword=cst.Name(name),
        equal=cst.AssignEqual(_NO_SPACE, _NO_SPACE),
    )


# --------------------------------------------------------------------------- lists


def remove_element(node: cst.List, index: int) -> cst.List | None:
    bracket_gap = node.rbracket.whitespace_before
    parts = _split(node.elements, node.lbracket.whitespace_after, bracket_gap)
    # In a list, LibCST puts the line break after a trailing comma on the bracket.
    on_bracket = parts.trailing_comma and _is_empty(parts.closing)
    if on_bracket:
        parts = replace(parts, closing=bracket_gap)
    removed = _remove(parts, index)
    if removed is None:
        return None
    if on_bracket and removed.trailing_comma:
        elements = _join(replace(removed, closing=_NO_SPACE))
    else:
        elements = _join(removed)
    trailing = removed.trailing_comma and not on_bracket
    return node.with_changes(
        elements=elements,
        lbracket=node.lbracket.with_changes(whitespace_after=removed.opening),
        rbracket=node.rbracket.with_changes(
            whitespace_before=bracket_gap if trailing else removed.closing
        ),
    )


# --------------------------------------------------------------------------- long lines

#: Line lengths a formatted file is taken to keep to: the smallest that its longest line
#: fits (black's and ruff's default first).
LINE_LENGTHS = (88, 100, 120)
# A call or literal exploded the way black and ruff format write it: one opening bracket
# ends a line (not two: ``f([`` is hand-made), the items are indented one level deeper,
# and the closing bracket stands alone on a line at the indentation of the first.
_EXPLODED = re.compile(
    r"^([ \t]*)\S[^\n]*[^\s(\[{][(\[{]\n(?:\1[ \t]+\S[^\n]*\n)+\1[)\]}],?$", re.M
)


@dataclass(frozen=True)
class LineStyle:
    """How a file wraps what does not fit: its evident line length."""

    limit: int


def line_style(text: str) -> LineStyle | None:
    """The style of a file formatted by black or ruff (its long calls are exploded, every
    line fits a usual line length), or None: then fixed lines are left as they come."""
    longest = max(map(len, text.splitlines()), default=0)
    limit = next((n for n in LINE_LENGTHS if longest <= n), None)
    if limit is None or _EXPLODED.search(text) is None:
        return None
    return LineStyle(limit)


def _newline(indent: str) -> cst.ParenthesizedWhitespace:
    """A line break, then the block's indentation and ``indent`` more."""
    return cst.ParenthesizedWhitespace(
        first_line=cst.TrailingWhitespace(),
        empty_lines=[],
        indent=True,
        last_line=cst.SimpleWhitespace(indent),
    )


def _fits(statement: cst.SimpleStatementLine, indent: int, limit: int) -> bool:
    code = cst.Module(body=[statement]).code
    return all(indent + len(line) <= limit for line in code.splitlines())


def wrap(
    statement: cst.SimpleStatementLine, indent: str, unit: str, style: LineStyle
) -> cst.SimpleStatementLine:
    """``statement`` (at indentation ``indent``) with its call's arguments on lines of
    their own, as black would put them, when it is longer than the file's lines.

    Handles one statement whose value is a call written on one line (``f(...)``,
    ``x = f(...)``, ``return f(...)``): the arguments go on one indented line if they fit
    there, else one per line with a trailing comma. Anything else stays as it is.
    """
    if _fits(statement, len(indent), style.limit) or len(statement.body) != 1:
        return statement
    small = statement.body[0]
    if not isinstance(small, (cst.Expr, cst.Assign, cst.AnnAssign, cst.AugAssign, cst.Return)):
        return statement
    call = small.value
    if not isinstance(call, cst.Call) or not call.args or call.lpar:
        return statement
    if "\n" in cst.Module(body=[]).code_for_node(call) or isinstance(
        call.args[-1].comma, cst.Comma
    ):
        return statement  # already on several lines, or a magic trailing comma
    close = _newline("")
    args = list(call.args)
    hugged = call.with_changes(
        whitespace_before_args=_newline(unit),
        args=[*args[:-1], args[-1].with_changes(whitespace_after_arg=close)],
    )
    candidate = statement.with_changes(body=[small.with_changes(value=hugged)])
    if _fits(candidate, len(indent), style.limit):
        return candidate
    exploded = [
        arg.with_changes(comma=cst.Comma(whitespace_after=_newline(unit))) for arg in args[:-1]
    ]
    exploded.append(
        args[-1].with_changes(
            comma=cst.Comma(whitespace_after=close), whitespace_after_arg=_NO_SPACE
        )
    )
    one_per_line = call.with_changes(whitespace_before_args=_newline(unit), args=exploded)
    return statement.with_changes(body=[small.with_changes(value=one_per_line)])
