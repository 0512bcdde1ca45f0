"""``# noqa`` comments suppress findings on their line, as in flake8."""

from __future__ import annotations

import json
import re

import pytest

from xentlint import lint_source
from xentlint.diagnostics import RawFinding
from xentlint.noqa import is_suppressed, noqa_codes

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
