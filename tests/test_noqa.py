"""``# noqa`` comments suppress findings on their line, as in flake8."""

from __future__ import annotations

import json
import re

import pytest

from xentlint import lint_source
from xentlint.diagnostics import RawFinding
from xentlint.noqa import add_noqa, comment_columns, is_suppressed, noqa_codes

_MARK = re.compile(r"FIND\((XEN\d+)\)")


def fake_analyze(source: str, *_args: object) -> list[RawFinding]:
    """Report ``FIND(XEN...)`` markers where they stand (1-based line and column)."""
    out = []
    for number, line in enumerate(source.split("\n"), start=1):
        for match in _MARK.finditer(line):
            code = match.group(1)
            out.append(RawFinding(code, f"fake {code}", number, match.start() + 1, number, 1))
    return out


@pytest.fixture(autouse=True)
def fake(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("xentlint.static.analyze_source", fake_analyze)
    monkeypatch.setattr("xentlint.pipeline.screen", lambda *_a, **_k: None)  # every text analysed


@pytest.mark.parametrize(
    ("line", "codes"),
    [
        ("x = 1", None),
        ("x = 1  # noqa", frozenset()),
        ("x = 1  # NOQA", frozenset()),
        ("x = 1  #noqa", frozenset()),
        ("x = 1  # noqa: XEN101", frozenset({"XEN101"})),
        ("x = 1  # noqa:XEN101,XEN102", frozenset({"XEN101", "XEN102"})),
        ("x = 1  # noqa: xen101, XEN102", frozenset({"XEN101", "XEN102"})),
        ("x = 1  # noqa : XEN101 XEN102", frozenset({"XEN101", "XEN102"})),
        ("x = 1  # noqa: E501,XEN1", frozenset({"E501", "XEN1"})),
        ("x = 1  # type: ignore  # noqa: XEN203 because labels", frozenset({"XEN203"})),
        ("x = 1  # noqa: this is why", frozenset()),  # unreadable list: bare, as flake8
        ("x = 1  # noqalike", frozenset()),
        ("x = 1  # no qa", None),
    ],
)
def test_noqa_codes(line: str, codes: frozenset[str] | None) -> None:
    assert noqa_codes(line) == codes


def test_is_suppressed() -> None:
    assert is_suppressed("XEN101", "a  # noqa")
    assert is_suppressed("XEN101", "a  # noqa: XEN101")
    assert is_suppressed("XEN101", "a  # noqa: XEN1")
    assert not is_suppressed("XEN102", "a  # noqa: XEN101")
    assert not is_suppressed("XEN101", "a  # noqa: E501")
    assert not is_suppressed("XEN101", "a")


def codes_by_line(text: str, path: str = "m.py") -> list[tuple[int, str]]:
    return [(d.line, d.code) for d in lint_source(text, path)]


def test_noqa_on_the_reported_line_only() -> None:
    text = (
        "a = 'FIND(XEN101)'  # noqa\n"  # 1: suppressed
        "b = 'FIND(XEN101)'  # noqa: XEN101\n"  # 2: suppressed
        "c = 'FIND(XEN101)'  # noqa: XEN102\n"  # 3: other code listed: reported
        "d = 'FIND(XEN101)FIND(XEN102)'  # noqa: XEN102\n"  # 4: only XEN101 reported
        "e = 'FIND(XEN102)'\n"  # 5: noqa on the next line does not count
        "# noqa\n"
        "f = 'FIND(XEN201)'  # noqa:xen2\n"  # 7: prefix, any case
    )
    assert codes_by_line(text) == [(3, "XEN101"), (4, "XEN101"), (5, "XEN102")]


def test_noqa_in_notebook_cells() -> None:
    document = {
        "metadata": {},
        "cells": [
            {"cell_type": "markdown", "source": "# noqa"},
            {"cell_type": "code", "source": ["x = 'FIND(XEN103)'  # noqa: XEN103\n"]},
            {"cell_type": "code", "source": ["%matplotlib inline\n", "y = 'FIND(XEN104)'\n"]},
        ],
    }
    [diagnostic] = lint_source(json.dumps(document), "nb.ipynb")
    assert (diagnostic.code, diagnostic.cell, diagnostic.line) == ("XEN104", 3, 2)


def test_noqa_can_silence_a_syntax_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.undo()  # the real (stub) analyzer
    assert [d.code for d in lint_source("x = (  # noqa\n")] == []
    assert [d.code for d in lint_source("x = (  # noqa: XEN101\n")] == ["XEN901"]


@pytest.mark.parametrize(
    ("line", "comment", "codes", "expected"),
    [
        ("x = 1", None, ["XEN101"], "x = 1  # noqa: XEN101"),
        ("x = 1 \t ", None, ["XEN101"], "x = 1  # noqa: XEN101"),  # trailing blanks go
        ("x = 1", None, ["xen101", "XEN102", "XEN101"], "x = 1  # noqa: XEN101, XEN102"),
        ("x = 1  # why", 7, ["XEN101"], "x = 1  # why  # noqa: XEN101"),
        # Joining a list keeps its separator and anything written after the codes.
        ("x = 1  # noqa: E501", 7, ["XEN101"], "x = 1  # noqa: E501, XEN101"),
        ("x = 1  # noqa:E501,W291", 7, ["XEN101"], "x = 1  # noqa:E501,W291,XEN101"),
        ("x = 1  # noqa: E501 W291", 7, ["XEN101"], "x = 1  # noqa: E501 W291 XEN101"),
        ("x = 1  # noqa: E501 because", 7, ["XEN101"], "x = 1  # noqa: E501, XEN101 because"),
        (
            "x = 1  # type: ignore  # noqa: E501",
            7,
            ["XEN1"],
            "x = 1  # type: ignore  # noqa: E501, XEN1",
        ),
        # Already covered: unchanged.
        ("x = 1  # noqa", 7, ["XEN101"], "x = 1  # noqa"),
        ("x = 1  # noqa: XEN1", 7, ["XEN101"], "x = 1  # noqa: XEN1"),
        ("x = 1  # noqa: XEN101, E501", 7, ["xen101"], "x = 1  # noqa: XEN101, E501"),
        # A noqa text in a string is not the comment: a real one is added after it
        # (is_suppressed reads every # noqa of the line).
        ('x = "# noqa: E501"', None, ["XEN101"], 'x = "# noqa: E501"  # noqa: XEN101'),
        ('x = "# noqa: E501"  # c', 20, ["XEN101"], 'x = "# noqa: E501"  # c  # noqa: XEN101'),
    ],
)
def test_add_noqa(line: str, comment: int | None, codes: list[str], expected: str) -> None:
    assert add_noqa(line, codes, comment) == expected
    if expected is not None:
        assert all(is_suppressed(code, expected) for code in codes)
        before, after = noqa_codes(line), noqa_codes(expected)
        assert before is None or (after is not None and before <= after)  # nothing dropped


def test_comment_columns() -> None:
    source = (
        "import x  # why\n"  # 1: comment at 10
        'doc = """one\n'  # 2: inside a string
        'two"""\n'  # 3: the string ends here: a comment may follow
        "total = f(1, \\\n"  # 4: a backslash continuation
        "          2)\n"  # 5
        "# a comment ending in a backslash \\\n"  # 6: the backslash is in the comment
        "call(\n"  # 7: an open bracket is fine
        "    x)\r\n"  # 8: CR LF
        "y = 1\x0cz = 2\n"  # 9: a form feed does not end a line
    )
    expected = {1: 10, 3: None, 5: None, 6: 0, 7: None, 8: None, 9: None, 10: None}
    assert comment_columns(source) == expected
    assert comment_columns("x = (\n") is None  # cannot be tokenized
    assert comment_columns("") == {1: None}
    assert comment_columns("x = 1") == {1: None}


def test_comment_columns_of_multiline_fstrings() -> None:
    source = 'x = f"""{\n1}\n"""  # end\ny = 2\n'
    columns = comment_columns(source)
    assert columns is not None
    assert 1 not in columns and 2 not in columns
    assert columns[3] == 5 and columns[4] is None


def test_added_noqa_suppresses_and_keeps_the_code_valid() -> None:
    import ast

    source = "a = 1\nb = [1,  # keep\n     2]\nc = 'x'  # noqa: E501\n"
    lines = source.splitlines()
    columns = comment_columns(source)
    assert columns is not None
    for number in (1, 2, 3, 4):
        new = add_noqa(lines[number - 1], ["XEN101"], columns[number])
        assert new is not None and is_suppressed("XEN101", new)
        changed = lines.copy()
        changed[number - 1] = new
        ast.parse("\n".join(changed))
