"""``xentlint check --add-noqa`` and the comment helpers of ``xentlint.noqa``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from xentlint.cli import cli
from xentlint.noqa import add_noqa, comment_columns, is_suppressed

BROKEN = """\
import keras

model = keras.Sequential([keras.layers.Dense(10)])
model.compile(loss="categorical_crossentropy")  # noqa: E501
one = keras.Sequential([keras.layers.Dense(1, activation="softmax")])
one.compile(loss="binary_crossentropy")
"""


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("x = 1", "x = 1  # noqa: XEN102"),
        ("x = 1   ", "x = 1  # noqa: XEN102"),
        ("x = 1  # noqa: E501", "x = 1  # noqa: E501, XEN102"),
        ("x = 1  # noqa:E501 why", "x = 1  # noqa:E501, XEN102 why"),  # words kept
        ("x = 1  # noqa: E501 W291", "x = 1  # noqa: E501 W291 XEN102"),  # separator kept
        ("x = 1  # a note", "x = 1  # a note  # noqa: XEN102"),
        ("x = 1  # noqa", "x = 1  # noqa"),  # a bare noqa covers everything
        ("x = 1  # noqa: XEN1", "x = 1  # noqa: XEN1"),  # so does a prefix
        ("x = 1  # noqa: xen102", "x = 1  # noqa: xen102"),
        # the comment column comes from tokenize: noqa text in a string is not the comment
        ('s = "# noqa: E501"', 's = "# noqa: E501"  # noqa: XEN102'),
        ('s = "#"  # noqa: E501', 's = "#"  # noqa: E501, XEN102'),
    ],
)
def test_line_helper(line: str, expected: str) -> None:
    columns = comment_columns(line)
    assert columns is not None
    assert add_noqa(line, ["XEN102"], columns[1]) == expected
    assert is_suppressed("XEN102", expected)


def test_line_helper_adds_each_code_once() -> None:
    assert add_noqa("x", ["XEN105", "XEN101", "XEN105"], None) == "x  # noqa: XEN105, XEN101"
    assert add_noqa("x  # noqa: XEN105", ["XEN101", "XEN105"], 3) == "x  # noqa: XEN105, XEN101"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_add_noqa_marks_every_reported_line(project: Path) -> None:
    (project / "train.py").write_text(BROKEN)
    code, out, err = run("check", "--add-noqa", "--no-cache", "train.py")
    assert (code, out) == (0, "")
    assert err == "Added 2 noqa directives.\n"
    assert (project / "train.py").read_text() == BROKEN.replace(
        "# noqa: E501", "# noqa: E501, XEN102"
    ).replace('activation="softmax")])\n', 'activation="softmax")])  # noqa: XEN103\n')
    assert run("check", "--no-cache", "train.py")[0] == 0  # nothing left to report
    assert run("check", "--add-noqa", "--no-cache", "train.py")[:3] == (
        0,
        "",
        "Added 0 noqa directives.\n",
    )


def test_add_noqa_keeps_encoding_and_line_endings(project: Path) -> None:
    source = "# -*- coding: latin-1 -*-\n# é\n" + BROKEN.replace("  # noqa: E501", "")
    data = source.replace("\n", "\r\n").encode("latin-1")
    (project / "win.py").write_bytes(data)
    code, _, err = run("check", "--add-noqa", "--no-cache", "win.py")
    assert code == 0 and err == "Added 2 noqa directives.\n"
    after = (project / "win.py").read_bytes()
    assert after.count(b"\r\n") == data.count(b"\r\n") and b"\n" not in after.replace(b"\r\n", b"")
    assert "é".encode("latin-1") in after
    assert after.decode("latin-1").replace("\r\n", "\n") == source.replace(
        'loss="categorical_crossentropy")\n', 'loss="categorical_crossentropy")  # noqa: XEN102\n'
    ).replace('activation="softmax")])\n', 'activation="softmax")])  # noqa: XEN103\n')


def test_add_noqa_never_writes_inside_a_multi_line_string(project: Path) -> None:
    source = (
        "import keras\n"
        "model = keras.Sequential([keras.layers.Dense(10)])\n"
        'model.compile(loss="categorical_crossentropy", run_eagerly="""\n'
        '""" == "")\n'
    )
    (project / "s.py").write_text(source)
    code, _, err = run("check", "--add-noqa", "--no-cache", "s.py")
    assert code == 0
    assert "s.py:3: no # noqa added: the line ends inside a multi-line string" in err
    assert err.endswith("Added 0 noqa directives.\n")
    assert (project / "s.py").read_text() == source


def test_add_noqa_in_a_notebook_touches_only_the_cell(project: Path) -> None:
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Title"]},
        {"cell_type": "code", "metadata": {}, "source": ["import keras\n"], "outputs": []},
        {
            "cell_type": "code",
            "metadata": {"tags": ["x"]},
            "source": [
                "%matplotlib inline\n",
                "model = keras.Sequential([keras.layers.Dense(10)])\n",
                'model.compile(loss="categorical_crossentropy")',
            ],
            "outputs": [],
        },
    ]
    text = json.dumps({"cells": cells, "metadata": {}, "nbformat": 4}, indent=1) + "\n"
    (project / "nb.ipynb").write_text(text)
    code, _, err = run("check", "--add-noqa", "--no-cache", "nb.ipynb")
    assert (code, err) == (0, "Added 1 noqa directive.\n")
    after = (project / "nb.ipynb").read_text()
    old = '"model.compile(loss=\\"categorical_crossentropy\\")"'
    new = '"model.compile(loss=\\"categorical_crossentropy\\")  # noqa: XEN102"'
    assert after == text.replace(old, new)
    assert run("check", "--no-cache", "nb.ipynb")[0] == 0


def test_add_noqa_reports_files_it_cannot_write(project: Path) -> None:
    path = project / "ro.py"
    path.write_text(BROKEN)
    path.chmod(0o444)
    code, _, err = run("check", "--add-noqa", "--no-cache", "ro.py")
    assert code == 2
    assert "xentlint: error: ro.py: no # noqa added: read-only file, not fixed" in err
    assert path.read_text() == BROKEN


@pytest.mark.parametrize("other", ["--fix", "--fix-only", "--diff", "--show-files"])
def test_add_noqa_conflicts(project: Path, other: str) -> None:
    (project / "train.py").write_text(BROKEN)
    code, _, err = run("check", "--add-noqa", other, "train.py")
    assert code == 2
    assert f"--add-noqa cannot be used with {other}" in err
    assert (project / "train.py").read_text() == BROKEN
    code, _, err = run("check", "--add-noqa", "-")
    assert code == 2 and "not stdin" in err
