"""Fixes: the hand-written fixture pairs, properties over every fixture, the Python API.

``fixtures/fix/NAME.in.py`` fixed gives exactly ``fixtures/fix/NAME.out.py`` (both written
and checked by hand); the first line ``# xentlint-fix: safe|unsafe [select=ALL]`` says
how. Notebook pairs (``.in.ipynb`` / ``.out.ipynb``) likewise, byte for byte.
"""

from __future__ import annotations

import ast
import json
import re
from collections import Counter
from pathlib import Path

import libcst as cst
import pytest

from xentlint import lint_source
from xentlint.catalog import RULES
from xentlint.config import Config
from xentlint.fix import FIXABLE, code_actions, fix_availability, fix_source
from xentlint.fix.notebook import parse_spans
from xentlint.sources import program_from_text

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
PAIRS = sorted((FIXTURES / "fix").glob("*.in.*"))
ALL = Config().with_overrides(select=("ALL",), extend_select=(), ignore=())
HEADER = re.compile(r"#\s*xentlint-fix:\s*(?P<mode>safe|unsafe)(?P<all>\s+select=ALL)?")


def _out(path: Path) -> Path:
    return path.with_name(path.name.replace(".in.", ".out."))


def _settings(path: Path, text: str) -> tuple[bool, Config]:
    if path.suffix == ".ipynb":
        return False, Config()
    match = HEADER.match(text)
    assert match, f"{path.name}: missing '# xentlint-fix: safe|unsafe' header"
    return match.group("mode") == "unsafe", ALL if match.group("all") else Config()


def _read(path: Path) -> str:
    return path.read_bytes().decode("utf-8")


# --------------------------------------------------------------------------- fixture pairs


def test_there_are_pairs() -> None:
    assert len(PAIRS) >= 8
    for path in PAIRS:
        assert _out(path).is_file(), f"{path.name} has no .out file"


def test_every_fixable_rule_has_a_fixture_pair() -> None:
    """Each rule with an automatic fix is applied in at least one hand-checked pair."""
    applied: set[str] = set()
    for path in PAIRS:
        text = _read(path)
        unsafe, config = _settings(path, text)
        result = fix_source(text, path=path.name, unsafe=unsafe, config=config)
        applied.update(fix.code for fix in result.applied)
    assert set(FIXABLE) <= applied, sorted(set(FIXABLE) - applied)


@pytest.mark.parametrize("path", PAIRS, ids=lambda p: p.name)
def test_fixture_pair(path: Path) -> None:
    text = _read(path)
    unsafe, config = _settings(path, text)
    result = fix_source(text, path=path.name, unsafe=unsafe, config=config)
    assert result.failed == []
    assert result.text == _read(_out(path))
    assert result.changed and result.applied
    # the expected output is a fixed point
    again = fix_source(result.text, path=path.name, unsafe=unsafe, config=config)
    assert again.text == result.text and again.applied == []


def _without_code_sources(text: str) -> str:
    """The notebook text with every code cell's source value blanked out."""
    root = parse_spans(text)
    spans = []
    for cell in root.items["cells"].items:
        if cell.items["cell_type"].value == "code":
            source = cell.items["source"]
            spans.append((source.start, source.end))
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + "@" + text[end:]
    return text


@pytest.mark.parametrize("path", [p for p in PAIRS if p.suffix == ".ipynb"], ids=lambda p: p.name)
def test_notebook_is_byte_identical_outside_code_sources(path: Path) -> None:
    before = _read(path)
    after = fix_source(before, path=path.name).text
    assert _without_code_sources(after) == _without_code_sources(before)
    # and as data: only the sources of code cells differ
    old, new = json.loads(before), json.loads(after)
    for a, b in zip(old["cells"], new["cells"], strict=True):
        if a["cell_type"] != "code":
            assert a == b
        else:
            assert {k: v for k, v in a.items() if k != "source"} == {
                k: v for k, v in b.items() if k != "source"
            }
    assert {k: v for k, v in old.items() if k != "cells"} == {
        k: v for k, v in new.items() if k != "cells"
    }


def test_notebook_layout_variants_are_kept() -> None:
    """The escaped notebook: indent 2, \\u escapes, no final newline; Jupyter's: indent 1."""
    escaped = _read(FIXTURES / "fix" / "notebook_escaped.out.ipynb")
    assert not escaped.endswith("\n") and "mod\\u00e8le" in escaped and '\n  "cells"' in escaped
    jupyter = _read(FIXTURES / "fix" / "notebook_jupyter.out.ipynb")
    assert jupyter.endswith("}\n") and "probabilités 🎲" in jupyter and '\n "cells"' in jupyter


def test_notebook_fix_goes_into_the_right_cell() -> None:
    text = _read(FIXTURES / "fix" / "notebook_jupyter.in.ipynb")
    result = fix_source(text, path="nb.ipynb")
    cells = json.loads(result.text)["cells"]
    assert cells[0]["source"][-1] == "import tensorflow as tf"  # after the imports of cell 1
    assert "from_logits=True" in cells[2]["source"]  # a string source stays a string
    assert [(a.code, a.cell, a.line, a.column) for a in result.applied] == [
        ("XEN102", 3, 5, 38)  # model.compile(optimizer="adam", loss=|"categorical...
    ]


# --------------------------------------------------------------------------- properties


def _parses(path: Path) -> bool:
    try:
        ast.parse(path.read_text(encoding="utf-8")) if path.suffix == ".py" else None
    except SyntaxError:  # a project's module that does not parse (projects/broken/)
        return False
    return True


EVERY = sorted(
    p
    for p in FIXTURES.rglob("*")
    if p.suffix in (".py", ".ipynb") and p.is_file() and "__pycache__" not in p.parts and _parses(p)
)


def _program(path: Path, text: str) -> str:
    return program_from_text(text, path.name).text


def _parses(text: str) -> bool:
    try:
        ast.parse(text)
    except SyntaxError:
        return False
    return True


@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
@pytest.mark.parametrize("path", EVERY, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixing_any_fixture(path: Path, unsafe: bool) -> None:
    text = _read(path)
    result = fix_source(text, path=path.name, unsafe=unsafe, config=ALL)
    assert result.failed == []
    # the result parses (a notebook: its program, and each %%writefile file that did)
    program = _program(path, result.text)
    ast.parse(program)
    cst.parse_module(program)
    if path.suffix == ".ipynb":
        json.loads(result.text)
        before = program_from_text(text, path.name).scripts
        after = program_from_text(result.text, path.name).scripts
        assert len(before) == len(after)
        for old, new in zip(before, after, strict=True):
            if _parses(old.text):
                ast.parse(new.text)
                cst.parse_module(new.text)
    # fixing again changes nothing
    again = fix_source(result.text, path=path.name, unsafe=unsafe, config=ALL)
    assert again.text == result.text and again.applied == []
    # what was fixed is gone: nothing left has a fix of the applied kind...
    wanted = {"safe"} if not unsafe else {"safe", "unsafe"}
    left = fix_availability(result.text, path=path.name, config=ALL)
    assert not [key for key, safety in left.items() if safety in wanted]
    # ... and every rule that was fixed has fewer findings than before
    before = Counter(d.code for d in lint_source(text, path.name, config=ALL))
    after = Counter(d.code for d in result.remaining)
    for code in {fix.code for fix in result.applied}:
        assert after[code] < before[code] or before[code] == 0, code
    # unsafe fixes only when asked for
    assert unsafe or all(fix.safe for fix in result.applied)
    assert result.remaining == lint_source(result.text, path.name, config=ALL)


# --------------------------------------------------------------------------- the API


def test_fixable_table_matches_the_catalog() -> None:
    assert FIXABLE == {
        code: rule.fix_safety for code, rule in RULES.items() if rule.fix_safety != "none"
    }


SOURCE = """\
import keras

a = keras.Sequential([keras.layers.Dense(10)])
a.compile(loss="categorical_crossentropy")
b = keras.Sequential([keras.layers.Dense(1, activation="softmax")])
b.compile(loss="binary_crossentropy")
"""


def test_fix_source_safe_and_unsafe() -> None:
    safe = fix_source(SOURCE)
    assert safe.changed
    assert safe.text == SOURCE.replace(
        '"categorical_crossentropy"', "keras.losses.CategoricalCrossentropy(from_logits=True)"
    )
    assert [(f.code, f.safe, f.line, f.column) for f in safe.applied] == [("XEN102", True, 4, 16)]
    assert [(d.code, d.line) for d in safe.remaining] == [("XEN103", 5)]
    unsafe = fix_source(SOURCE, unsafe=True)
    assert unsafe.text == safe.text.replace('activation="softmax"', 'activation="sigmoid"')
    assert unsafe.remaining == []


def test_code_actions_apply_one_fix_each() -> None:
    actions = code_actions(SOURCE)
    assert [(a.diagnostic.code, a.safe) for a in actions] == [("XEN102", True), ("XEN103", False)]
    diagnostics = lint_source(SOURCE)
    assert [a.diagnostic for a in actions] == diagnostics
    assert [a.diagnostic.fix_safety for a in actions] == [d.fix_safety for d in diagnostics]
    assert [d.fix_safety for d in diagnostics] == ["safe", "unsafe"]
    first, second = actions
    assert first.title == "Pass from_logits=True to the loss"
    assert first.new_text == fix_source(SOURCE).text
    assert second.new_text == SOURCE.replace('activation="softmax"', 'activation="sigmoid"')


def test_code_actions_respect_the_configuration() -> None:
    config = Config().with_overrides(select=None, extend_select=(), ignore=("XEN103",))
    assert [a.diagnostic.code for a in code_actions(SOURCE, config=config)] == ["XEN102"]
    noqa = SOURCE.replace('"binary_crossentropy")', '"binary_crossentropy")\n').replace(
        'activation="softmax")])', 'activation="softmax")])  # noqa: XEN103'
    )
    assert [a.diagnostic.code for a in code_actions(noqa)] == ["XEN102"]
    assert "noqa" in fix_source(noqa, unsafe=True).text


def test_code_actions_on_a_notebook_return_notebook_json() -> None:
    text = _read(FIXTURES / "notebooks" / "double_softmax.ipynb")
    actions = code_actions(text, path="nb.ipynb")
    assert [(a.diagnostic.code, a.diagnostic.cell) for a in actions] == [
        ("XEN101", 3),
        ("XEN103", 7),
    ]
    for action in actions:
        assert json.loads(action.new_text)["metadata"] == json.loads(text)["metadata"]


def test_unfixable_inputs_are_returned_unchanged() -> None:
    for text in ("", "def f(:\n", "import keras\nx = 1\n", "\x00binary"):
        result = fix_source(text)
        assert (result.text, result.applied, result.failed, result.changed) == (
            text,
            [],
            [],
            False,
        )
    broken = (
        "import keras\n"
        "m = keras.Sequential([keras.layers.Dense(3)])\n"
        "m.compile(loss='categorical_crossentropy'\n"
    )
    assert fix_source(broken).text == broken
    assert code_actions(broken) == []
    assert fix_source("{not json", path="x.ipynb").text == "{not json"


def test_a_fix_that_would_not_parse_is_dropped_and_reported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from xentlint.fix import intents

    real = intents.layout.keyword_arg
    monkeypatch.setattr(intents.layout, "keyword_arg", lambda name, value: real("lambda", value))
    text = (
        "import keras\n"
        "m = keras.Sequential([keras.layers.Dense(3)])\n"
        "m.compile(loss=keras.losses.CategoricalCrossentropy())\n"
        "n = keras.Sequential([keras.layers.Dense(3)])\n"
        "n.compile(loss='categorical_crossentropy')\n"
    )
    result = fix_source(text)
    assert len(result.failed) == 1
    assert result.failed[0].startswith("<string>:3:16: XEN102 fix not applied: the result")
    # the other fix (a string loss becomes a class: no keyword_arg) still went in
    assert [f.line for f in result.applied] == [5]
    assert "n.compile(loss=keras.losses.CategoricalCrossentropy(from_logits=True))" in result.text
    ast.parse(result.text)


def test_crlf_and_tabs_are_kept() -> None:
    text = SOURCE.replace("\n", "\r\n")
    result = fix_source(text)
    assert result.text == fix_source(SOURCE).text.replace("\n", "\r\n")


def test_one_unit_sparse_loss_gets_one_coherent_fix() -> None:
    """Dense(1) + a sparse loss: XEN104 alone, and its fix leaves no XEN102 behind.

    The safe fix used to add from_logits=True (XEN102) and leave a one-class sparse loss
    that cannot learn; XEN104's fix now makes the binary loss read logits in one edit.
    """
    text = (
        "import keras\n"
        "m = keras.Sequential([keras.layers.Dense(1)])\n"
        "m.compile(loss='sparse_categorical_crossentropy')\n"
    )
    assert fix_source(text).text == text  # no safe fix: the only finding is XEN104
    unsafe = fix_source(text, unsafe=True)
    assert "m.compile(loss=keras.losses.BinaryCrossentropy(from_logits=True))" in unsafe.text
    assert [f.code for f in unsafe.applied] == ["XEN104"]
    assert lint_source(unsafe.text) == []


def test_spelling_follows_the_keras_flavour() -> None:
    text = (
        "import keras\n"
        "import tf_keras\n"
        "m = tf_keras.Sequential([tf_keras.layers.Dense(3)])\n"
        "m.compile(loss='categorical_crossentropy')\n"
    )
    assert "loss=tf_keras.losses.CategoricalCrossentropy(from_logits=True)" in fix_source(text).text
    bare = (
        "model = Sequential([Dense(3)])\n"
        "model.compile(loss='categorical_crossentropy')\n"
        "other = CategoricalCrossentropy(from_logits=True)\n"
    )
    assert "loss=CategoricalCrossentropy(from_logits=True)" in fix_source(bare).text
    nothing = (
        "from keras.layers import Dense\n"
        "from keras.models import Sequential\n"
        "model = Sequential([Dense(3)])\n"
        "model.compile(loss='categorical_crossentropy')\n"
    )
    assert fix_source(nothing).text == (  # where isort puts it: before the `from` imports
        "import keras\n"
        "from keras.layers import Dense\n"
        "from keras.models import Sequential\n"
        "model = Sequential([Dense(3)])\n"
        "model.compile(loss=keras.losses.CategoricalCrossentropy(from_logits=True))\n"
    )
    taken = nothing.replace("model =", "keras = 1\nmodel =")
    assert fix_source(taken).text == taken  # no name left to import keras under


# --------------------------------------------------------------------------- layout

LAYOUT_CASES = [
    # (call, expected after appending x=1, expected after removing the last argument)
    ("f()", "f(x=1)", None),
    ("f(a)", "f(a, x=1)", "f()"),
    ("f(a, b)", "f(a, b, x=1)", "f(a)"),
    ("f(a, b,)", "f(a, b, x=1,)", "f(a,)"),
    ("f(\n    a,\n    b,\n)", "f(\n    a,\n    b,\n    x=1,\n)", "f(\n    a,\n)"),
    ("f(\n    a,\n    b  # bee\n)", "f(\n    a,\n    b,  # bee\n    x=1\n)", "f(\n    a\n)"),
    ("f(\n    a,  # ay\n    b,  # bee\n)", None, "f(\n    a,  # ay\n)"),
    ("f(a,\n  b)", "f(a,\n  b,\n  x=1)", "f(a)"),
]


@pytest.mark.parametrize("source, appended, removed", LAYOUT_CASES)
def test_argument_layout(source: str, appended: str | None, removed: str | None) -> None:
    from xentlint.fix import layout

    call = cst.parse_expression(source)
    code = cst.Module([]).code_for_node
    if appended is not None:
        new = layout.append_arg(call, layout.keyword_arg("x", cst.Integer("1")))
        assert code(new) == appended
    if removed is not None:
        result = layout.remove_arg(call, len(call.args) - 1)
        assert result is not None and code(result) == removed


@pytest.mark.parametrize(
    "source, index, expected",
    [
        ("[a, b, c]", 1, "[a, c]"),
        ("[a, b, c]", 0, "[b, c]"),
        ("[\n    a,\n    b,  # drop me\n]", 1, "[\n    a,\n]"),
        ("[\n    a,  # keep me\n    b  # drop me\n]", 1, "[\n    a  # keep me\n]"),
        (
            "[\n    # about a\n    a,\n    # about b\n    b,\n]",
            0,
            "[\n    # about a\n    # about b\n    b,\n]",
        ),
    ],
)
def test_element_layout(source: str, index: int, expected: str) -> None:
    from xentlint.fix import layout

    result = layout.remove_element(cst.parse_expression(source), index)
    assert result is not None and cst.Module([]).code_for_node(result) == expected


def test_replacing_a_call_by_its_input_keeps_precedence() -> None:
    from xentlint.fix.intents import _unwrap

    code = cst.Module([]).code_for_node
    assert code(_unwrap(cst.parse_expression("a + b"))) == "(a + b)"
    assert code(_unwrap(cst.parse_expression("model(x)"))) == "model(x)"
    assert code(_unwrap(cst.parse_expression("(a + b)"))) == "(a + b)"


def test_a_new_import_stays_below_a_cell_magic() -> None:
    cell = ["%%time\n", "model = Sequential([Dense(3)])\n", "model.compile(loss='bce')"]
    notebook = {"cells": [{"cell_type": "code", "metadata": {}, "source": cell}]}
    result = fix_source(json.dumps(notebook, indent=1), path="nb.ipynb")
    assert json.loads(result.text)["cells"][0]["source"] == [
        "%%time\n",
        "import keras\n",
        "model = Sequential([Dense(3)])\n",
        "model.compile(loss=keras.losses.BinaryCrossentropy(from_logits=True))",
    ]
