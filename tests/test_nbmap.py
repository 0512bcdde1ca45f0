"""Mapping notebook cell positions to positions in the .ipynb file's JSON text."""

from __future__ import annotations

import json
from pathlib import Path

from xentlint.nbmap import map_file, notebook_map
from xentlint.sources import notebook_program

REPO = Path(__file__).resolve().parent.parent

# Line numbers of this text are written next to it; columns are counted in the comments.
NOTEBOOK = "\n".join(
    [
        "{",  # 1
        ' "cells": [',  # 2
        '  {"cell_type": "markdown", "source": ["# Title\\n"]},',  # 3
        '  {"cell_type": "code", "source": [',  # 4
        '    "x = \\"a\\\\b\\"  # \\u00e9\\n",',  # 5
        '    "\\ud83d\\ude00y = 2"',  # 6
        "  ]},",  # 7
        '  {"cell_type": "code", "source": "a = 1\\nbb = 2\\n"}',  # 8
        " ],",  # 9
        ' "metadata": {}, "nbformat": 4, "nbformat_minor": 5',  # 10
        "}",  # 11
    ]
)


def test_the_sample_is_the_notebook_we_think_it_is() -> None:
    document = json.loads(NOTEBOOK)
    assert document["cells"][1]["source"] == ['x = "a\\b"  # é\n', "\U0001f600y = 2"]
    program = notebook_program(NOTEBOOK)
    assert program.cells == ((2, 1), (2, 2), (3, 1), (3, 2))


def test_plain_and_escaped_characters() -> None:
    mapping = notebook_map(NOTEBOOK)
    assert mapping is not None
    # Line 5 is `    "x = \"a\\b\"  # \u00e9\n",`: the string's quote is column 5, so the
    # cell's column 1 (`x`) is file column 6.
    assert mapping.locate(2, 1, 1) == (5, 6)
    # Cell column 5 is the `"` written `\"`: file column 10 (x, space, =, space, then `\`).
    assert mapping.locate(2, 1, 5) == (5, 10)
    # Cell column 6 `a` follows the two-character escape: file column 12.
    assert mapping.locate(2, 1, 6) == (5, 12)
    # Cell column 8 `b` follows `a` and the escaped backslash `\\`: file column 15.
    assert mapping.locate(2, 1, 8) == (5, 15)
    # Cell column 14 `é` is `\u00e9`: `b` 15, `\"` 16-17, two spaces 18-19, `#` 20, space 21.
    assert mapping.locate(2, 1, 13) == (5, 21)
    assert mapping.locate(2, 1, 14) == (5, 22)
    # Past the end of the cell line: the position just after it, the `\n` escape (28).
    assert mapping.locate(2, 1, 15) == (5, 28)
    assert mapping.locate(2, 1, 99) == (5, 28)


def test_surrogate_pairs_count_as_one_character() -> None:
    mapping = notebook_map(NOTEBOOK)
    assert mapping is not None
    # Line 6 is `    "\ud83d\ude00y = 2"`: the emoji (cell column 1) is file column 6 and
    # takes 12 characters, so `y` (cell column 2) is file column 18.
    assert mapping.locate(2, 2, 1) == (6, 6)
    assert mapping.locate(2, 2, 2) == (6, 18)
    # End of the line: the closing quote, column 23.
    assert mapping.locate(2, 2, 7) == (6, 23)


def test_a_single_string_source_and_markdown_numbering() -> None:
    mapping = notebook_map(NOTEBOOK)
    assert mapping is not None
    # Line 8: `  {"cell_type": "code", "source": "a = 1\nbb = 2\n"}`; the string opens at
    # column 35, so `a` is 36; line 2 of the cell starts after `a = 1` and `\n`: column 43.
    assert mapping.locate(3, 1, 1) == (8, 36)
    assert mapping.locate(3, 2, 1) == (8, 43)
    assert mapping.locate(3, 2, 2) == (8, 44)
    assert mapping.locate(1, 1, 1) is None  # markdown cell
    assert mapping.locate(3, 4, 1) is None  # no such line
    assert mapping.locate(9, 1, 1) is None  # no such cell


def test_nbformat_3_worksheets() -> None:
    text = (
        '{"worksheets": [{"cells": [{"cell_type": "markdown", "source": "t"}]},\n'
        ' {"cells": [{"cell_type": "code", "input": ["z = 1\\n", "w"]}]}], "nbformat": 3}'
    )
    assert notebook_program(text).cells == ((2, 1), (2, 2))
    mapping = notebook_map(text)
    assert mapping is not None
    # Line 2 is ` {"cells": [{"cell_type": "code", "input": ["z = 1\n", "w"]}]}, ...`:
    # "z" is column 46, "w" column 57.
    assert mapping.locate(2, 1, 1) == (2, 46)
    assert mapping.locate(2, 2, 1) == (2, 57)


def test_unreadable_notebooks_give_none(tmp_path: Path) -> None:
    assert notebook_map("{") is None
    assert notebook_map('{"cells": [}') is None
    assert notebook_map("[1, 2]") is None
    assert notebook_map('{"cells": "x"}') is None
    assert notebook_map('{"cells": []} trailing') is None
    assert notebook_map('"\\x"') is None
    assert map_file(tmp_path / "missing.ipynb") is None
    (tmp_path / "bad.ipynb").write_bytes(b"\xff\xfe{")
    assert map_file(tmp_path / "bad.ipynb") is None


def test_every_character_of_the_fixture_notebooks_maps_to_itself() -> None:
    for path in sorted((REPO / "fixtures" / "notebooks").glob("*.ipynb")):
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        mapping = map_file(path)
        assert mapping is not None
        document = json.loads(text)
        checked = 0
        for number, cell in enumerate(document["cells"], start=1):
            if cell["cell_type"] != "code":
                continue
            source = "".join(cell["source"])
            for row, content in enumerate(source.splitlines(), start=1):
                for column, char in enumerate(content, start=1):
                    place = mapping.locate(number, row, column)
                    assert place is not None
                    raw = lines[place[0] - 1][place[1] - 1 :]
                    assert raw.startswith(json.dumps(char)[1:-1]), (path, number, row, column)
                    checked += 1
        assert checked > 100
