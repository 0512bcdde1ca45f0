"""Reading sources: encodings, binary files, notebooks and IPython magics."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from xentlint import lint_source
from xentlint.config import Config
from xentlint.diagnostics import RawFinding
from xentlint.lint import lint_bytes, lint_file
from xentlint.sources import (
    UnreadableSource,
    decode_source,
    neutralize_magics,
    notebook_program,
    program_from_bytes,
    read_file,
)

_MARK = re.compile(r"FIND\((XEN\d+)\)")


def fake_analyze(source: str, *_args: object) -> list[RawFinding]:
    """Report ``FIND(XEN...)`` markers where they stand (1-based line and column)."""
    out = []
    for number, line in enumerate(source.split("\n"), start=1):
        for match in _MARK.finditer(line):
            code = match.group(1)
            out.append(
                RawFinding(code, f"fake {code}", number, match.start() + 1, number, match.end() + 1)
            )
    return out


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("xentlint.static.analyze_source", fake_analyze)
    monkeypatch.setattr("xentlint.pipeline.screen", lambda *_a, **_k: None)  # every text analysed


def notebook(*cells: tuple[str, str | list[str]], **top: object) -> str:
    document: dict[str, object] = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [{"cell_type": kind, "metadata": {}, "source": source} for kind, source in cells],
    }
    document.update(top)
    return json.dumps(document)


# --------------------------------------------------------------------------- encodings


def test_utf8_bom_is_dropped() -> None:
    assert decode_source(b"\xef\xbb\xbfx = 1\n") == "x = 1\n"


def test_coding_cookie_is_honoured() -> None:
    data = b"# -*- coding: latin-1 -*-\ns = '\xe9t\xe9'\n"
    assert decode_source(data) == "# -*- coding: latin-1 -*-\ns = '\u00e9t\u00e9'\n"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32", "utf-32-le"])
def test_utf16_and_utf32_with_bom_are_unreadable(encoding: str) -> None:
    text = "s = '\u00e9'\n"
    bom = {"utf-16-be": b"\xfe\xff", "utf-32-le": b"\xff\xfe\x00\x00"}.get(encoding, b"")
    data = bom + text.encode(encoding)
    name = encoding[:6].upper()
    with pytest.raises(UnreadableSource, match=f"^{name} text .a {name} byte order mark.: "):
        decode_source(data)
    with pytest.raises(UnreadableSource, match="Jupyter reads notebooks as UTF-8$"):
        decode_source(data, cookie=False)


def test_nul_bytes_mean_binary() -> None:
    with pytest.raises(UnreadableSource, match="binary content"):
        decode_source(b"x = 1\n\x00\x01\x02")


def test_undecodable_bytes_report_where() -> None:
    with pytest.raises(UnreadableSource) as info:
        decode_source(b"x = 1\ny = '\xff'\n")
    assert "cannot decode as utf-8" in info.value.reason
    # b"y = '" is 5 bytes, so the bad byte is column 6 of line 2.
    assert (info.value.line, info.value.column) == (2, 6)


def test_unknown_coding_cookie() -> None:
    with pytest.raises(UnreadableSource, match="bad encoding declaration"):
        decode_source(b"# coding: no-such-codec\nx = 1\n")


def test_lint_bytes_turns_unreadable_into_xen902() -> None:
    [diagnostic] = lint_bytes(b"\x00\x00binary", "blob.py")
    assert (diagnostic.code, diagnostic.name, diagnostic.severity) == (
        "XEN902",
        "unreadable-file",
        "E",
    )
    assert diagnostic.message == "unreadable file: binary content (NUL bytes)"
    assert (diagnostic.line, diagnostic.column) == (1, 1)


def test_too_large_file(tmp_path: Path) -> None:
    path = tmp_path / "big.py"
    path.write_text("x = 1\n" * 100)
    with pytest.raises(UnreadableSource, match="too large"):
        read_file(path, max_bytes=100)
    assert read_file(path, max_bytes=600) == b"x = 1\n" * 100


def test_too_large_file_through_lint(tmp_path: Path) -> None:
    path = tmp_path / "big.py"
    path.write_text("x = 1\n" * 100)
    [diagnostic] = lint_file(path, "big.py", Config(max_file_size=10))
    assert diagnostic.code == "XEN902"
    assert diagnostic.message.startswith("unreadable file: file too large")


def test_syntax_error_positions_survive_decoding(tmp_path: Path) -> None:
    # Real stub analyzer: the syntax error is on line 3, after a cookie and a latin-1 line.
    path = tmp_path / "latin.py"
    path.write_bytes(b"# coding: latin-1\ns = '\xe9'\nx = (\n")
    [diagnostic] = lint_file(path, "latin.py", Config())
    assert (diagnostic.code, diagnostic.line, diagnostic.column) == ("XEN901", 3, 5)


# --------------------------------------------------------------------------- notebooks


def test_cells_join_into_one_program_with_cell_map() -> None:
    text = notebook(
        ("markdown", "# Title"),
        ("code", ["import tensorflow as tf\n", "%matplotlib inline\n"]),
        ("code", "!pip install x\nfiles = !ls\nmodel.fit?\n"),
        ("markdown", ["notes"]),
        ("code", "%%bash\necho hi\n"),
        ("code", "x = 1"),
    )
    program = notebook_program(text)
    assert program.text.split("\n") == [
        "import tensorflow as tf",
        "pass",
        "pass",
        "files = ...",
        "pass",
        "",
        "",
        "x = 1",
        "",
    ]
    assert program.cells == ((2, 1), (2, 2), (3, 1), (3, 2), (3, 3), (5, 1), (5, 2), (6, 1))
    assert program.locate(8) == (6, 1)
    assert program.locate(4) == (3, 2)


def test_notebook_syntax_error_reports_cell_and_line() -> None:
    text = notebook(
        ("markdown", "intro"),
        ("code", "import keras\n"),
        ("raw", "raw text"),
        ("code", "y = 2\nx = (\n"),
    )
    [diagnostic] = lint_source(text, "nb.ipynb")
    assert diagnostic.code == "XEN901"
    # Fourth cell of the notebook (markdown and raw cells count), second line, '(' at column 5.
    assert (diagnostic.cell, diagnostic.line, diagnostic.column) == (4, 2, 5)
    assert diagnostic.location() == "nb.ipynb:cell_4:2:5"


def test_notebook_finding_maps_to_cell(fake: None) -> None:
    text = notebook(
        ("code", "import keras\n"),
        ("markdown", "text"),
        ("code", ["a = 1\n", "loss = 'x'  # FIND(XEN102)\n"]),
    )
    [diagnostic] = lint_source(text, "dir/nb.ipynb")
    assert diagnostic.path == "dir/nb.ipynb"
    assert (diagnostic.cell, diagnostic.line, diagnostic.column) == (3, 2, 15)
    assert (diagnostic.end_line, diagnostic.end_column) == (2, 27)
    assert diagnostic.to_json()["cell"] == 3


def test_notebook_source_as_string_without_trailing_newline() -> None:
    text = notebook(("code", "a = 1"), ("code", "b = 2\nc = 3"))
    program = notebook_program(text)
    assert program.text == "a = 1\nb = 2\nc = 3\n"
    assert program.cells == ((1, 1), (2, 1), (2, 2))


def test_nbformat3_worksheets() -> None:
    document = {
        "nbformat": 3,
        "metadata": {},
        "worksheets": [
            {
                "cells": [
                    {"cell_type": "heading", "source": ["Title"], "level": 1},
                    {"cell_type": "code", "input": ["import keras\n", "x = 1\n"]},
                ]
            },
            {"cells": [{"cell_type": "code", "input": "y = 2\n"}]},
        ],
    }
    program = notebook_program(json.dumps(document))
    assert program.text == "import keras\nx = 1\ny = 2\n"
    assert program.cells == ((2, 1), (2, 2), (3, 1))


def test_non_python_notebook_is_skipped() -> None:
    text = notebook(
        ("code", "library(keras)\nx <- 1 +\n"),
        metadata={"kernelspec": {"language": "R", "name": "ir"}},
    )
    assert notebook_program(text).text == ""
    assert lint_source(text, "r.ipynb") == []


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{not json", "invalid JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"metadata": {}}', "no list of cells"),
        ('{"cells": {"a": 1}}', "no list of cells"),
        ('{"cells": [3]}', "cell 1 is not an object"),
        ('{"cells": [{"cell_type": "code", "source": 7}]}', "cell 1 has no text source"),
    ],
)
def test_malformed_notebooks(text: str, reason: str) -> None:
    [diagnostic] = lint_source(text, "bad.ipynb")
    assert diagnostic.code == "XEN902"
    assert diagnostic.cell is None
    assert "malformed notebook" in diagnostic.message
    assert reason in diagnostic.message


def test_notebook_file_with_bom_and_binary(tmp_path: Path) -> None:
    good = tmp_path / "good.ipynb"
    good.write_bytes(b"\xef\xbb\xbf" + notebook(("code", "x = (\n")).encode())
    [diagnostic] = lint_file(good, "good.ipynb", Config())
    assert (diagnostic.code, diagnostic.cell, diagnostic.line) == ("XEN901", 1, 1)
    program = program_from_bytes(b'{"cells": []}', "empty.ipynb")
    assert program.text == "" and program.cells == ()


# --------------------------------------------------------------------------- magics


def test_line_magics_keep_indentation() -> None:
    lines = ["for i in range(3):", "    %time f(i)", "    !echo $i", "    x = i"]
    assert neutralize_magics(lines) == [
        "for i in range(3):",
        "    pass",
        "    pass",
        "    x = i",
    ]


def test_assigned_magics_keep_the_name_bound() -> None:
    lines = ["files = !ls *.csv", "t = %timeit -o f()", "a, b = !cat pair", "x = 5 % 3"]
    assert neutralize_magics(lines) == ["files = ...", "t = ...", "a, b = ...", "x = 5 % 3"]


def test_help_syntax() -> None:
    lines = ["model.fit?", "??keras.layers.Dense", "x = 1  # why?", "model.compile??"]
    assert neutralize_magics(lines) == ["pass", "pass", "x = 1  # why?", "pass"]


def test_magic_like_text_inside_strings_and_brackets_is_kept() -> None:
    lines = ['s = """', "%d items?", "!not shell", '"""', "f(a,", "  ?b)", "x = 1 \\", "  %2"]
    assert neutralize_magics(lines) == lines


def test_cell_magic_blanks_the_cell() -> None:
    assert neutralize_magics(["%%bash", "echo 'hi", "ls"]) == ["", "", ""]
    assert neutralize_magics(["", "%%writefile x.py", "import os"]) == ["", "", ""]


def test_python_cell_magics_keep_their_body() -> None:
    lines = ["%%time", "model.fit(x, y)", "%matplotlib inline"]
    assert neutralize_magics(lines) == ["", "model.fit(x, y)", "pass"]


def test_magic_continued_with_backslash() -> None:
    lines = ["!pip install \\", "    keras", "x = 1"]
    assert neutralize_magics(lines) == ["pass", "", "x = 1"]


def test_notebook_with_magics_has_no_syntax_error() -> None:
    text = notebook(
        ("code", "%load_ext autoreload\n%autoreload 2\nimport numpy as np\n"),
        ("code", "!nvidia-smi\nhistory = model.fit(x)\nhistory?\n"),
        ("code", "%%capture\n!pip install keras\nimport keras\n"),
    )
    assert lint_source(text, "nb.ipynb") == []


def test_line_references_in_notebook_messages_become_cell_lines() -> None:
    # the real analyzer: the activation is reported in cell 1, the loss sits in cell 3
    cells = [
        (
            "code",
            "import keras\nm = keras.Sequential([keras.layers.Dense(3, activation='softmax')])\n",
        ),
        ("markdown", "compile it"),
        ("code", "x = 1\nm.compile(loss=keras.losses.CategoricalCrossentropy(from_logits=True))\n"),
    ]
    [diagnostic] = lint_source(notebook(*cells), "nb.ipynb")
    assert (diagnostic.code, diagnostic.cell, diagnostic.line) == ("XEN101", 1, 2)
    assert "the loss at line 2 of cell 3 applies it again" in diagnostic.message
    # a plain file names the program line
    source = "\n".join(cells[0][1].splitlines() + cells[2][1].splitlines())
    [plain] = lint_source(source, "m.py")
    assert "the loss at line 4 applies it again" in plain.message


def test_cell_with_leading_indent_is_dedented_as_ipython_does() -> None:
    # IPython strips the first line's indent from a cell before running it
    text = notebook(
        ("code", "import keras\n"),
        ("code", "  m = keras.Sequential([keras.layers.Dense(1, activation='softmax')])\n  m\n"),
    )
    [diagnostic] = lint_source(text, "nb.ipynb")
    assert (diagnostic.code, diagnostic.cell, diagnostic.line) == ("XEN103", 2, 1)
