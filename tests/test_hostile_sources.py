"""Hostile source files: encodings CPython refuses, code it refuses to compile, sizes.

The oracle for every encoding decision is CPython itself: each case is written to a file
and run with ``python file.py`` in a subprocess. xentlint must refuse (XEN901/XEN902)
exactly the files CPython refuses, and read the same text from the others.
"""

from __future__ import annotations

import ast
import codecs
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from xentlint import lint_source
from xentlint.cli import cli
from xentlint.config import Config
from xentlint.lint import lint_bytes, lint_file

BOM = codecs.BOM_UTF8
# Every case assigns a string to `s` and prints it escaped: what CPython decoded.
BODY = "s = 'caf\u00e9 \u20ac'\nprint(ascii(s))\n"

ENCODING_CASES = {
    "utf-8": BODY.encode(),
    "utf-8 BOM": BOM + BODY.encode(),
    "utf-8 BOM, utf-8 cookie": BOM + b"# coding: utf-8\n" + BODY.encode(),
    "utf-8 BOM, latin-1 cookie": BOM + b"# coding: latin-1\ns = 'caf\xe9'\nprint(ascii(s))\n",
    "utf-16 BOM": codecs.BOM_UTF16_LE + BODY.encode("utf-16-le"),
    "utf-16-be BOM": codecs.BOM_UTF16_BE + BODY.encode("utf-16-be"),
    "utf-32 BOM": codecs.BOM_UTF32_LE + BODY.encode("utf-32-le"),
    "utf-16 without BOM": BODY.encode("utf-16-le"),
    "cp1252 cookie": b"# -*- coding: cp1252 -*-\n" + BODY.encode("cp1252"),
    "latin-1 cookie after a shebang": b"#!/usr/bin/env python\n# coding: latin-1\n"
    b"s = 'caf\xe9'\nprint(ascii(s))\n",
    "latin-1 cookie on line 3": b"#\n#\n# coding: latin-1\ns = 'caf\xe9'\nprint(ascii(s))\n",
    "latin-1 cookie after code": b"x = 1\n# coding: latin-1\ns = 'caf\xe9'\nprint(ascii(s))\n",
    "latin-1 cookie after a form feed": b"\x0c# coding: latin-1\ns = 'caf\xe9'\nprint(ascii(s))\n",
    "latin-1 without cookie": b"s = 'caf\xe9'\nprint(ascii(s))\n",
    "invalid UTF-8 in a comment": b"s = 'x'  # \xff\nprint(ascii(s))\n",
    "utf-16 cookie": b"# coding: utf-16\n" + BODY.encode(),
    "rot13 cookie": b"# coding: rot13\n" + BODY.encode(),
    "unknown cookie": b"# coding: no-such-codec\n" + BODY.encode(),
    "NUL byte": b"s = 'x'\x00\nprint(ascii(s))\n",
    "carriage returns": b"# coding: latin-1\rs = 'caf\xe9'\rprint(ascii(s))\r",
}


@pytest.mark.parametrize("name", sorted(ENCODING_CASES))
def test_every_encoding_decision_is_cpythons(tmp_path: Path, name: str) -> None:
    data = ENCODING_CASES[name]
    path = tmp_path / "case.py"
    path.write_bytes(data)
    ran = subprocess.run(
        [sys.executable, "-I", "-S", str(path)], capture_output=True, text=True, timeout=60
    )
    cpython_reads = ran.returncode == 0
    assert cpython_reads or "SyntaxError" in ran.stderr, ran.stderr
    found = lint_bytes(data, "case.py")
    refused = [d for d in found if d.code in ("XEN901", "XEN902")]
    assert (not refused) == cpython_reads, (name, ran.stderr, found)
    if cpython_reads:  # the same text: the string CPython printed is the one we read
        from xentlint.sources import decode_source

        tree = ast.parse(decode_source(data))
        assign = tree.body[0]
        assert isinstance(assign, ast.Assign) and isinstance(assign.value, ast.Constant)
        assert ascii(assign.value.value) == ran.stdout.strip()


def test_utf8_bom_with_a_latin1_cookie_is_refused_in_cpythons_words() -> None:
    [diagnostic] = lint_bytes(ENCODING_CASES["utf-8 BOM, latin-1 cookie"], "a.py")
    assert (diagnostic.code, diagnostic.line, diagnostic.column) == ("XEN902", 1, 1)
    # CPython: "SyntaxError: encoding problem: iso-8859-1 with BOM"
    assert diagnostic.message == (
        "unreadable file: bad encoding declaration: encoding problem: latin-1 with BOM"
    )


BROKEN = """\
import keras

model = keras.Sequential([keras.layers.Dense(10)])
model.compile(loss="categorical_crossentropy")
"""


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    "data",
    [
        BOM + b"# coding: latin-1\n" + BROKEN.encode(),
        codecs.BOM_UTF16_LE + BROKEN.encode("utf-16-le"),
    ],
    ids=["utf-8 BOM + latin-1 cookie", "utf-16 BOM"],
)
def test_fix_reads_what_check_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: bytes
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "train.py").write_bytes(data)
    checked = _run("check", "--no-cache", "train.py")
    fixed = _run("check", "--fix", "train.py")
    assert (tmp_path / "train.py").read_bytes() == data  # CPython cannot run it: not fixed
    assert checked[0] == fixed[0] == 1
    assert checked[1] == fixed[1]
    assert "train.py:1:1: XEN902 unreadable file: " in fixed[1]
    assert "fixed" not in fixed[2]


# --------------------------------------------------------------------------- compile()

# Code that `ast.parse` accepts and CPython's compiler refuses, with CPython's position.
COMPILE_ERRORS = {
    "return 1": (5, 1, "'return' outside function"),
    "print(sep='', sep=' ')": (5, 15, "keyword argument repeated: sep"),
    "nonlocal x": (5, 1, "nonlocal declaration not allowed at module level"),
    "x = 1\nfrom __future__ import annotations": (
        6,
        1,
        "from __future__ imports must occur at the beginning of the file",
    ),
    "await model.fit()": (5, 1, "'await' outside function"),
    "for i in []: pass\nbreak": (6, 1, "'break' outside loop"),
    "def f(a, a): pass": (5, 10, "duplicate argument 'a' in function definition"),
    "yield model": (5, 1, "'yield' outside function"),
    "def f():\n    x = 1\n    global x": (
        7,
        5,
        "name 'x' is assigned to before global declaration",
    ),
}


@pytest.mark.parametrize("tail", sorted(COMPILE_ERRORS))
def test_what_compile_refuses_is_a_syntax_error_and_never_fixed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tail: str
) -> None:
    source = BROKEN + tail + "\n"
    ast.parse(source)  # the parser alone accepts it
    with pytest.raises(SyntaxError) as raised:
        compile(source, "train.py", "exec", dont_inherit=True)
    line, column, message = COMPILE_ERRORS[tail]
    assert (raised.value.lineno, raised.value.offset, raised.value.msg) == (line, column, message)
    [diagnostic] = lint_source(source, "train.py")
    assert diagnostic.code == "XEN901"
    assert (diagnostic.line, diagnostic.column) == (line, column)
    assert diagnostic.message == f"syntax error: {message}"
    monkeypatch.chdir(tmp_path)
    (tmp_path / "train.py").write_text(source)
    code, out, err = _run("check", "--fix", "--unsafe-fixes", "train.py")
    assert (tmp_path / "train.py").read_text() == source
    assert code == 1
    assert out.startswith(f"train.py:{line}:{column}: XEN901 syntax error: {message}\n")


def _notebook(*cells: str) -> str:
    return json.dumps(
        {
            "nbformat": 4,
            "nbformat_minor": 5,
            "metadata": {},
            "cells": [
                {"cell_type": "code", "metadata": {}, "source": s, "outputs": []} for s in cells
            ],
        }
    )


def test_notebook_cells_compile_as_ipython_compiles_them() -> None:
    # top-level await runs in IPython, and a cell may open with a __future__ import
    fine = _notebook(BROKEN, "from __future__ import annotations\nawait model.fit()")
    [diagnostic] = lint_source(fine, "nb.ipynb")
    assert (diagnostic.code, diagnostic.cell) == ("XEN102", 1)
    # but `return` outside a function fails there as anywhere, after those two: that cell
    # is left out, the others are still linted
    broken = _notebook(BROKEN, "from __future__ import annotations\nawait model.fit()", "return")
    first, error = lint_source(broken, "nb.ipynb")
    assert (first.code, first.cell) == ("XEN102", 1)
    assert (error.code, error.cell, error.line) == ("XEN901", 3, 1)
    assert error.message == "syntax error: 'return' outside function"


# --------------------------------------------------------------------------- sizes


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (0, "0 bytes"),
        (1, "1 byte"),
        (10, "10 bytes"),
        (1023, "1023 bytes"),
        (1024, "1 KB"),
        (1536, "1.5 KB"),
        (1024 * 1024, "1 MB"),
        (int(2.5 * 1024 * 1024), "2.5 MB"),
        (3 * 1024**3, "3 GB"),
    ],
)
def test_sizes_are_printed_in_a_sensible_unit(size: int, text: str) -> None:
    from xentlint.sources import format_size

    assert format_size(size) == text


def test_a_tiny_size_limit_says_bytes(tmp_path: Path) -> None:
    path = tmp_path / "big.py"
    path.write_text("x = 1\n" * 100)
    [diagnostic] = lint_file(path, "big.py", Config(max_file_size=10))
    assert diagnostic.message == "unreadable file: file too large (600 bytes, limit 10 bytes)"
    [diagnostic] = lint_bytes(b"x = 1\n" * 300, "big.py", config=Config(max_file_size=1024))
    assert diagnostic.message == "unreadable file: file too large (1.8 KB, limit 1 KB)"


# --------------------------------------------------------------------------- parse time

KERAS_BUG = BROKEN  # one XEN102, so that the file reaches LibCST
PATHOLOGICAL = {
    # 420 KB: compile() alone took 9.6 s, the whole lint 15-32 s
    "one f-string, nested specs": (
        lambda: "x = f'" + "{a:{b}}" * 60_000 + "'\n",
        "an f-string of 120000 replacement fields",
    ),
    # 57 KB: LibCST took 58 s
    "deeply nested calls": (
        lambda: ("x = " + "f(" * 150 + "a" + ")" * 150 + "\n") * 100,
        "brackets nested 150 deep",
    ),
    # 6 KB: LibCST took 3.8 s (3 000 links and compile() gives up: XEN901)
    "long subscript chain": (
        lambda: "x = a" + "[0]" * 2_000 + "\n",
        "an expression chain of 2000 operators",
    ),
    # black-style string concatenation over 2 000 lines
    "long + chain over lines": (
        lambda: "x = (\n" + "    'softmax' +\n" * 2_000 + "    'a'\n)\n",
        "an expression chain of 2000 operators",
    ),
}


@pytest.mark.parametrize("shape", sorted(PATHOLOGICAL))
def test_pathological_shapes_end_in_too_complex(tmp_path: Path, shape: str) -> None:
    generate, reason = PATHOLOGICAL[shape]
    source = KERAS_BUG + generate()
    (tmp_path / "slow.py").write_text(source)
    for extra in ((), ("--fix",)):
        done = subprocess.run(
            [sys.executable, "-m", "xentlint", "check", "--no-cache", *extra, "slow.py"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,  # generous: the outcome is asserted, not the time
        )
        assert done.returncode == 1, done.stderr
        first = done.stdout.splitlines()[0]
        assert first.startswith("slow.py:1:1: XEN902 unreadable file: too complex to analyse ("), (
            first
        )
        assert reason in first
        assert first.endswith(": the parser's time grows with its square)")
        assert (tmp_path / "slow.py").read_text() == source  # never fixed


def test_complexity_ignores_strings_and_comments() -> None:
    from xentlint.guard import complexity

    noise = "s = '((((((((((' + \"[[[[[[[[[[\"  # ((((((((((((( a.b.c.d.e.f.g.h.i.j.k\n"
    found = complexity(noise * 200 + '"""\n' + "(((((((((( ......... \n" * 50 + '"""\n')
    assert (found.deepest, found.longest_chain, found.work) == (0, 0, 0)
    found = complexity("x = " + "[" * 10 + "a" + "]" * 10 + "\ny = a" + ".b" * 20 + "\n")
    assert (found.deepest, found.longest_chain) == (10, 20)
    assert found.nesting_work == 32 * sum(range(1, 7))  # six levels above the free four
    assert found.chain_work == 2 * 20 * 20


def test_large_realistic_files_are_analysed(tmp_path: Path) -> None:
    layers = ",\n".join(f"    keras.layers.Dense({n}, name=f'dense_{{i}}_{n}')" for n in range(600))
    source = (
        "import keras\n\n"
        f"model = keras.Sequential([\n{layers},\n    keras.layers.Dense(10),\n])\n"
        "config = " + "{'a': " * 12 + "[1, 2]" + "}" * 12 + "\n"
        "total = " + " + ".join(f"w{n}" for n in range(120)) + "\n"
        "print(f'" + "{total:.3f} " * 200 + "')\n"
        "model.compile(loss='sparse_categorical_crossentropy')\n"
    )
    [diagnostic] = lint_source(source, "big.py")
    assert diagnostic.code == "XEN102"
