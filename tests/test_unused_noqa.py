"""XEN903: unused and unknown ``# noqa: XEN...`` directives, as ruff's RUF100 (issue 11 §2).

``fixtures/rules/xen903.py`` holds the cases inline and ``fixtures/fix/xen903_*`` the fix;
these tests pin what a fixture cannot show: the selection, what is never judged, notebooks,
the command line and the flake8 plugin.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from xentlint import lint_source
from xentlint.catalog import RULES
from xentlint.cli import cli
from xentlint.config import Config
from xentlint.fix import code_actions, fix_source
from xentlint.flake8_plugin import XentlintChecker
from xentlint.noqa import directives, without_codes

ROOT = Path(__file__).resolve().parent.parent
ON = Config(extend_select=("XEN903",))
LOGITS = (
    "import keras\n"
    "m = keras.Sequential([keras.layers.Dense(10)])\n"
    "m.compile(loss='categorical_crossentropy')  # noqa: XEN102\n"  # used: XEN102 is there
    "n = keras.Sequential([keras.layers.Dense(10, activation='softmax')])  # noqa: XEN102\n"
)


def codes(text: str, config: Config = ON, path: str = "a.py") -> list[tuple[str, int]]:
    return [(d.code, d.line) for d in lint_source(text, path, config=config)]


def test_off_by_default_on_when_selected() -> None:
    assert RULES["XEN903"].default_enabled is False
    assert codes(LOGITS, Config()) == []
    assert codes(LOGITS) == [("XEN903", 4)]
    assert codes(LOGITS, Config(select=("XEN903", "XEN1"))) == [("XEN903", 4)]
    assert codes(LOGITS, Config(select=("ALL",))) == [("XEN903", 4)]
    # unlike XEN901/XEN902, selecting other rules does not turn it on
    assert codes(LOGITS, Config(select=("XEN1",))) == []


def test_the_finding_points_at_the_directive() -> None:
    [d] = lint_source(LOGITS, "a.py", config=ON)
    line = LOGITS.splitlines()[3]
    assert (d.column, d.end_column) == (line.index("#") + 1, len(line) + 1)
    assert d.message == "unused `# noqa` directive (unused: `XEN102`)"
    assert d.explanation.startswith("No finding of XEN102 is reported on this line")
    assert (d.severity, d.fix_safety) == ("W", "safe")


def test_a_disabled_rule_is_not_judged() -> None:
    text = "x = 1  # noqa: XEN102\ny = 2  # noqa: XEN1\n"
    assert codes(text) == [("XEN903", 1), ("XEN903", 2)]
    # XEN102 off: its directive could be used in another run, and so could a prefix of it
    assert codes(text, Config(extend_select=("XEN903",), ignore=("XEN102",))) == []
    ignored = Config(extend_select=("XEN903",), per_file_ignores=(("a.py", ("XEN102",)),))
    assert codes(text, ignored) == []
    assert codes(text, ignored, path="b.py") == [("XEN903", 1), ("XEN903", 2)]


def test_unknown_codes_are_reported_whatever_the_selection() -> None:
    text = "x = 1  # noqa: XEN199, XEN0101\n"
    [d] = lint_source(text, "a.py", config=Config(extend_select=("XEN903",), ignore=("XEN1",)))
    assert d.message == "unused `# noqa` directive (unknown: `XEN199`, `XEN0101`)"


def test_what_is_never_judged() -> None:
    text = (
        "x = 1  # noqa\n"  # bare: may be there for flake8 or ruff
        "y = 2  # noqa: E501, F401\n"  # other tools' codes
        "z = '# noqa: XEN101'\n"  # text in a string
        "w = '''\n# noqa: XEN101\n'''\n"  # a line of a multi-line string
        "v = 3  # noqa: XEN101, XEN903\n"  # silences the report itself
    )
    assert codes(text) == []


def test_nothing_is_judged_where_the_analysis_did_not_run_to_its_end(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stale = "x = 1  # noqa: XEN101\n"
    assert codes("import keras\n" + stale) == [("XEN903", 2)]
    # a syntax error: nothing was analysed
    assert codes("def f(:\n" + stale) == [("XEN901", 1)]
    # the interpreter failed on this file: its facts, and so its findings, are unknown
    monkeypatch.delenv("XENTLINT_DEBUG", raising=False)

    def broken(self: object) -> None:
        raise RuntimeError("an interpreter bug")

    monkeypatch.setattr("xentlint.static.interpreter.Interpreter.run", broken)
    assert codes("import keras\nkeras.layers.Softmax()\n" + stale) == []


def test_duplicated_codes() -> None:
    [d] = lint_source("x = 1  # noqa: XEN101,xen101\n", "a.py", config=ON)
    assert d.message == "unused `# noqa` directive (unused: `XEN101`; duplicated: `XEN101`)"


def notebook(*cells: str) -> str:
    return json.dumps(
        {
            "cells": [
                {
                    "cell_type": "code",
                    "execution_count": None,
                    "metadata": {},
                    "outputs": [],
                    "source": source.splitlines(keepends=True),
                }
                for source in cells
            ],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        },
        indent=1,
    )


def test_notebooks_are_judged_per_cell_line_and_fixed_in_the_cell() -> None:
    text = notebook(
        "import keras\n",
        "m = keras.Sequential([keras.layers.Dense(10)])\n"
        "m.compile(loss='categorical_crossentropy')  # noqa: XEN102\n"
        "m.summary()  # noqa: XEN102, E501\n",
        "%%writefile train.py\nimport keras\nx = 1  # noqa: XEN104\n",
    )
    found = [(d.code, d.cell, d.line) for d in lint_source(text, "nb.ipynb", config=ON)]
    assert found == [("XEN903", 2, 3), ("XEN903", 3, 3)]
    result = fix_source(text, path="nb.ipynb", config=ON)
    assert result.failed == []
    cells = json.loads(result.text)["cells"]
    assert cells[1]["source"] == [
        "m = keras.Sequential([keras.layers.Dense(10)])\n",
        "m.compile(loss='categorical_crossentropy')  # noqa: XEN102\n",
        "m.summary()  # noqa: E501\n",
    ]
    assert cells[2]["source"] == ["%%writefile train.py\n", "import keras\n", "x = 1\n"]
    assert sorted((a.code, a.cell, a.line) for a in result.applied) == [
        ("XEN903", 2, 3),
        ("XEN903", 3, 3),
    ]


def test_a_notebook_with_a_broken_cell_is_not_judged() -> None:
    text = notebook("import keras\nx = 1  # noqa: XEN101\n", "y = (\n")
    assert [(d.code, d.cell) for d in lint_source(text, "nb.ipynb", config=ON)] == [("XEN901", 2)]


def test_fix_on_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.py").write_text(LOGITS)
    runner = CliRunner()
    result = runner.invoke(cli, ["check", "--no-cache", "--extend-select", "XEN903", "a.py"])
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == (
        "a.py:4:71: XEN903 [*] unused `# noqa` directive (unused: `XEN102`)"
    )
    # without --fix nothing is written, and without XEN903 selected nothing is fixed
    assert (tmp_path / "a.py").read_text() == LOGITS
    runner.invoke(cli, ["check", "--no-cache", "--fix", "a.py"])
    assert (tmp_path / "a.py").read_text() == LOGITS
    result = runner.invoke(
        cli, ["check", "--no-cache", "--fix", "--extend-select", "XEN903", "a.py"]
    )
    assert result.exit_code == 0, result.output
    fixed = LOGITS.replace("activation='softmax')])  # noqa: XEN102\n", "activation='softmax')])\n")
    assert (tmp_path / "a.py").read_text() == fixed
    assert "fixed 1 finding" in result.stderr


def test_the_editor_gets_a_quick_fix_per_directive() -> None:
    text = LOGITS + "o = 1  # noqa: XEN199\n"
    actions = [
        a for a in code_actions(text, path="a.py", config=ON) if a.diagnostic.code == "XEN903"
    ]
    assert [(a.diagnostic.line, a.title, a.safe) for a in actions] == [
        (4, "Remove the unused `noqa` directive", True),
        (5, "Remove the unused `noqa` directive", True),
    ]
    # each on its own: the other directive stays
    assert actions[0].new_text == text.replace("')])  # noqa: XEN102\n", "')])\n")
    assert actions[1].new_text == text.replace("o = 1  # noqa: XEN199\n", "o = 1\n")
    assert not [a for a in code_actions(text, path="a.py") if a.diagnostic.code == "XEN903"]


def test_cached_runs_agree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.py").write_text(LOGITS)
    runner = CliRunner()
    args = ["check", "--output-format", "json", "--cache-dir", str(tmp_path / "cache"), "a.py"]
    off = [runner.invoke(cli, args).stdout for _ in range(2)]
    on = [runner.invoke(cli, [*args, "--extend-select", "XEN903"]).stdout for _ in range(2)]
    assert off[0] == off[1] == "[]\n"
    assert on[0] == on[1] and [r["code"] for r in json.loads(on[0])] == ["XEN903"]


def test_the_page_example_fires_and_the_alternative_does_not() -> None:
    page = (ROOT / "rules" / "XEN903.md").read_text(encoding="utf-8")
    [example] = re.findall(r"## Example\n\n```python\n(.*?)```", page, re.DOTALL)
    [instead] = re.findall(r"## Use instead\n\n```python\n(.*?)```", page, re.DOTALL)
    everything = Config(select=("ALL",))
    assert "XEN903" in {d.code for d in lint_source(example, "e.py", config=everything)}
    assert "XEN903" not in {d.code for d in lint_source(instead, "i.py", config=everything)}


def test_the_flake8_plugin_never_reports_it() -> None:
    # flake8 applies # noqa after the plugins have run: it alone knows what was used
    try:
        XentlintChecker.explicit = frozenset({"XEN301", "XEN903"})  # as --select XEN would
        assert "XEN903" not in XentlintChecker([], [], "a.py").codes()  # type: ignore[arg-type]
        assert "XEN301" in XentlintChecker([], [], "a.py").codes()  # type: ignore[arg-type]
        lines = LOGITS.splitlines(keepends=True)
        found = list(XentlintChecker(None, lines, "nb.ipynb")._notebook(notebook(LOGITS)))  # type: ignore[arg-type]
        assert found == []  # where xentlint check reports it:
        assert [d.code for d in lint_source(notebook(LOGITS), "nb.ipynb", config=ON)] == ["XEN903"]
    finally:
        XentlintChecker.explicit = frozenset()


@pytest.mark.parametrize(
    ("line", "drop", "expected"),
    [
        ("x = 1  # noqa: XEN101", [0], "x = 1"),
        ("x = 1  # noqa: XEN101, E501", [0], "x = 1  # noqa: E501"),
        ("x = 1  # noqa:E501,XEN101,W291", [1], "x = 1  # noqa:E501,W291"),
        ("x = 1  # noqa: XEN101 - why  # type: ignore", [0], "x = 1  # type: ignore"),
        ("x = 1  # note # noqa: XEN101", [0], "x = 1  # note"),
        ("    # noqa: XEN101  # keep", [0], "    # keep"),
        ("    # noqa: XEN101", [0], ""),
    ],
)
def test_without_codes(line: str, drop: list[int], expected: str) -> None:
    [directive] = [d for d in directives(line) if d.codes]
    assert without_codes(line, directive, drop) == expected


def test_the_pipeline_names_the_rule_it_imports_lazily() -> None:
    from xentlint import pipeline, unused_noqa

    assert pipeline.UNUSED_NOQA == unused_noqa.CODE
