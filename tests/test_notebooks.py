"""Notebooks as people write them: every cell, IPython syntax, ``%%writefile`` cells.

The real analyzer runs on small notebooks built here; each test names the behaviour it pins
(issue 10, "Notebooks as people write them"). The fixtures in ``fixtures/notebooks/`` hold
the same cases with inline expectations.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from xentlint.cell_names import cell_names, left_out, stub
from xentlint.diagnostics import Diagnostic
from xentlint.fix import fix_source
from xentlint.ipython import automagic_name, cell_magic, neutralize_magics, writefile_target
from xentlint.lint import lint_source
from xentlint.notebook_source import MAX_CODE_BYTES
from xentlint.output import summary
from xentlint.sources import MAX_FILE_BYTES, notebook_program

IMPORTS = "import tensorflow as tf\nfrom tensorflow import keras\n"
SOFTMAX_MODEL = "model = keras.Sequential([keras.layers.Dense(10, activation='softmax')])\n"
LOGITS_LOSS = "model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))\n"


def notebook(*cells: str, markdown: bool = True) -> str:
    """Notebook JSON of code cells (``md:`` opens a markdown cell), as Jupyter writes it."""
    out = []
    for source in cells:
        if source.startswith("md:"):
            out.append({"cell_type": "markdown", "metadata": {}, "source": source[3:]})
        else:
            out.append(
                {
                    "cell_type": "code",
                    "execution_count": None,
                    "metadata": {},
                    "outputs": [],
                    "source": source.splitlines(keepends=True),
                }
            )
    return json.dumps({"cells": out, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1)


def found(*cells: str) -> list[tuple[str, int | None, int]]:
    """``(code, cell, line)`` of what ``xentlint check`` reports on a notebook of ``cells``."""
    return [(d.code, d.cell, d.line) for d in lint_source(notebook(*cells), "nb.ipynb")]


# --------------------------------------------------------------------------- broken cells


def test_every_broken_cell_is_reported_and_the_rest_is_linted() -> None:
    cells = (
        IMPORTS,
        "x_train = # YOUR CODE HERE\n",
        SOFTMAX_MODEL,
        "# TODO\nmodel.fit(x_train,\n",
        "print 'python 2'\n",
        "other = keras.Sequential([keras.layers.Dense(1, activation='softmax')])\n",
    )
    assert found(*cells) == [
        ("XEN901", 2, 1),
        ("XEN901", 4, 2),  # "'(' was never closed", at the bracket, in the cell's own lines
        ("XEN901", 5, 1),
        ("XEN103", 6, 1),
    ]
    [first, *_] = lint_source(notebook(*cells), "nb.ipynb")
    assert (first.column, first.message) == (11, "syntax error: invalid syntax")


def test_a_name_the_broken_cell_binds_is_unknown_after_it() -> None:
    # Dropping the broken cell would report XEN101 from the softmax model of cell 2: a guess,
    # since the filled-in cell 3 binds `model` to something else.
    assert found(IMPORTS, SOFTMAX_MODEL, "model = # TODO: your model\n", LOGITS_LOSS) == [
        ("XEN901", 3, 1)
    ]
    # A name it only reads keeps its value: the finding stands.
    assert found(IMPORTS, SOFTMAX_MODEL, "print(model\n", LOGITS_LOSS) == [
        ("XEN101", 2, 1),
        ("XEN901", 3, 1),
    ]


def test_an_object_the_broken_cell_changes_is_unknown_after_it() -> None:
    change = "model.pop()\nmodel.add(keras.layers.Dense(10,  # TODO\n"
    assert found(IMPORTS, SOFTMAX_MODEL, change, LOGITS_LOSS) == [("XEN901", 3, 2)]
    # a module's function is no change of the module: `keras` stays known
    call = "keras.utils.set_random_seed(  # TODO\n"
    assert found(IMPORTS, SOFTMAX_MODEL, call, LOGITS_LOSS) == [
        ("XEN101", 2, 1),
        ("XEN901", 3, 1),
    ]


def test_imports_of_a_broken_cell_are_kept() -> None:
    broken = "import tensorflow as tf\nfrom tensorflow import keras\nmodel = # TODO\n"
    assert found(broken, SOFTMAX_MODEL, LOGITS_LOSS) == [("XEN901", 1, 3), ("XEN101", 2, 1)]


def test_names_inside_a_broken_function_are_its_own() -> None:
    broken = "def build():\n    model = keras.Sequential(\n"  # binds `build` only
    assert found(IMPORTS, SOFTMAX_MODEL, broken, LOGITS_LOSS) == [
        ("XEN101", 2, 1),
        ("XEN901", 3, 2),
    ]


def test_a_noqa_comment_on_the_broken_line_silences_its_syntax_error() -> None:
    assert found(IMPORTS, "x = # TODO  # noqa: XEN901\n") == []


def test_left_out_reads_what_the_tokenizer_refuses() -> None:
    lines = [
        "import os",
        "from keras import layers as L",
        "with open(path) as handle:",
        "    rows, cols = load(",  # never closed: the rest of the cell is still read
        "    model.layers[0].trainable = False",
        "  bad_indent = 1",  # inconsistent dedent
        "for i, (a, b) in enumerate(pairs): total += a",
        "text = '''never closed",
        "hidden = 1",  # inside that string
    ]
    gone = left_out(lines)
    assert gone.assigned == {"handle", "rows", "cols", "bad_indent", "i", "a", "b", "total", "text"}
    assert gone.changed == {"model"}
    assert gone.imported == {"os", "L"}
    assert [indices for indices, _ in gone.imports] == [(0,), (1,)]
    assert stub(lines, gone, {"model", "total"}) == [
        "import os",
        "from keras import layers as L",
        *[""] * 6,
        "model = total = ...",
    ]


def test_cell_names_of_a_cell_that_compiles() -> None:
    names = cell_names(
        "import os.path\nx = 1\nfor a in b: pass\n[c for c in d]\n"
        "def f():\n    global g\n    g = local = 1\nwith w as (h, k): pass\n"
    )
    assert names.imported == {"os"}
    assert names.assigned == {"x", "a", "f", "g", "h", "k"}


# --------------------------------------------------------------------------- IPython syntax


@pytest.mark.parametrize(
    "cell",
    [
        "ls ./data/",
        "ls -la ../data",
        "pip install -q tensorflow-datasets",
        "pip freeze | grep kfp || pip install kfp",
        "conda install graphviz",
        "cd ..",
        "pwd",
        "env",
        "mkdir -p out",
        "cat requirements.txt",
        "\n  ls data\n",  # leading blank lines and indentation do not count
    ],
)
def test_automagic_alone_in_its_cell_is_no_syntax_error(cell: str) -> None:
    assert found(IMPORTS, cell) == []


def test_automagic_needs_a_cell_of_one_line() -> None:
    # IPython's transform_cell applies automagic to single-line cells only
    [(code, cell, line)] = found(IMPORTS, "pip install a\npip install b\n")
    assert (code, cell, line) == ("XEN901", 2, 1)
    # a blank line after it is a second line (IPython 9.18 says the same)
    assert found(IMPORTS, "ls data\n\n") == [("XEN901", 2, 1)]
    [diagnostic] = lint_source(notebook(IMPORTS, "# data\nls ./data/\n"), "nb.ipynb")
    assert diagnostic.line == 2
    assert diagnostic.message == (
        "syntax error: invalid syntax "
        "(IPython runs `ls` as a magic only alone in its cell: write `%ls`)"
    )


def test_a_variable_hides_the_magic_of_its_name() -> None:
    assert found("cat = ['tabby']\n", "cat requirements.txt\n") == [("XEN901", 2, 1)]
    assert found("for cat in cats: pass\n", "cat x.txt\n") == [("XEN901", 2, 1)]
    assert found("cats = 1\n", "cat x.txt\n") == []  # another name
    assert found("cat x.txt\n", "cat = 1\n") == []  # bound only after it


def test_automagic_decisions_as_ipython_makes_them() -> None:
    assert automagic_name("ls = 3") is None  # an assignment (AssignmentChecker)
    assert automagic_name("ls, x = 1, 2") is None
    assert automagic_name("ls(1)") == "ls"  # automagic comes before the Python operators
    assert automagic_name("ls.x") is None  # not a magic name
    assert automagic_name("lsx") is None
    assert automagic_name("store -r model") == "store"
    lines = ["x = 1"]
    assert neutralize_magics(["ls -la"]) == ["pass"]
    assert neutralize_magics(["ls -la"], lambda name: name == "ls") == ["ls -la"]
    assert neutralize_magics(lines) == lines
    # IPython transforms only the first `=` of a line, so this stays a syntax error
    assert neutralize_magics(["a = b = !ls", "x = 5 % 3"]) == ["a = b = !ls", "x = 5 % 3"]


@pytest.mark.parametrize(
    "cell",
    [
        "%%bash\necho hi\nfor f in *; do wc -l $f; done\n",
        "%%sh\nls | head\n",
        "%%html\n<b>x</b>\n",
        "%%javascript\nconsole.log(1)\n",
        "%%js\nconsole.log(1)\n",
        "%%sql\nSELECT 1\n",
        "%%latex\n$x$\n",
        "%%markdown\n# title\n",
        "%%bigquery df\nSELECT 1\n",
        "%bash\ngcloud config set project $PROJECT\n",  # Datalab's single-% cell magics
        "%bq query\nSELECT\n  EXTRACT (DAYOFYEAR from pickup_datetime) AS day\n",
        "%writefile requirements.txt\ntensorflow==2.16\n",
        "%%writefile hyperparam.yaml\ntrainingInput:\n  scaleTier: BASIC\n",
        "%%writefile run.sh\necho $HOME\n",
    ],
)
def test_cells_in_other_languages_are_skipped(cell: str) -> None:
    assert found(IMPORTS, cell) == []


def test_ipython_lines_are_not_syntax_errors() -> None:
    cell = (
        "!pip install -q keras\n"
        "!!ls\n"
        "%matplotlib inline\n"
        "files = !ls *.csv\n"
        "elapsed = %time sum(range(3))\n"
        "shape = % env SHAPE\n"
        "a.b = !ls\n"
        "files[0] = !ls\n"
        "model.fit?\n"
        "??keras.layers.Dense\n"
        "keras.losses.CategoricalCrossentropy??\n"
        "if True:\n"
        "    !echo indented\n"
        "    %time f()\n"
    )
    assert found(IMPORTS, cell) == []


def test_python_cell_magics_are_linted_as_cells() -> None:
    cell = "%%capture\n!pip install keras\n" + SOFTMAX_MODEL
    assert found(IMPORTS, cell, "%%time\n" + LOGITS_LOSS) == [("XEN101", 2, 3)]
    # a %%time body of one line is a cell of one line: automagic applies there too
    assert found(IMPORTS, "%%time\nls ./data\n") == []
    # a cell magic below the first line is IPython's error as well
    assert found(IMPORTS, "# comment\n%%bash\necho hi\n") == [("XEN901", 2, 3)]


def test_cell_magic_forms() -> None:
    assert cell_magic(["", "%%writefile -a x.py", "a"]).args == "-a x.py"  # type: ignore[union-attr]
    assert cell_magic(["%bash"]) is None  # no body: a line magic (that does not exist)
    assert cell_magic(["%time", "f()"]) is None  # a line magic, then Python
    assert writefile_target("-a trainer/task.py") == ("trainer/task.py", True)
    assert writefile_target("'my model.py'") == ("my model.py", False)
    assert writefile_target("-f x.py") is None  # an option %%writefile does not know
    assert writefile_target("") is None


# --------------------------------------------------------------------------- %%writefile


TASK = (
    "%%writefile trainer/task.py\n"
    "import tensorflow as tf\n"
    "model = tf.keras.Sequential([tf.keras.layers.Dense(10)])\n"
)
COMPILE = "model.compile(loss=tf.keras.losses.sparse_categorical_crossentropy)\n"


def test_writefile_cells_are_the_file_they_write() -> None:
    cells = (TASK, "%%writefile -a ./trainer/task.py\n" + COMPILE)
    [diagnostic] = lint_source(notebook(*cells), "nb.ipynb")
    assert (diagnostic.code, diagnostic.cell, diagnostic.line, diagnostic.column) == (
        "XEN102",
        2,
        2,
        20,
    )
    assert "the output at line 3 of cell 1" in diagnostic.message
    program = notebook_program(notebook(*cells))
    [script] = program.scripts
    assert script.writes == "trainer/task.py"
    assert script.cells == ((1, 2), (1, 3), (2, 2))
    assert program.text == ""  # not part of the notebook's program


def test_a_new_write_starts_a_new_file_and_names_do_not_leak() -> None:
    rewrite = "%%writefile trainer/task.py\nmodel.compile(loss='binary_crossentropy')\n"
    # the second write replaces the file: its `model` is unknown; the notebook's program
    # does not see the files' names either
    assert found(TASK, rewrite, "import tensorflow as tf\n" + COMPILE) == []
    assert len(notebook_program(notebook(TASK, rewrite)).scripts) == 2


def test_a_broken_writefile_cell_is_a_syntax_error_of_that_file() -> None:
    broken = "%%writefile model.py\nimport keras\nmodel = # TODO\n"
    # run by Python, the file allows no top-level await either
    awaiting = "%%writefile fit.py\nawait model.fit()\n"
    assert found(broken, awaiting, IMPORTS, SOFTMAX_MODEL, LOGITS_LOSS) == [
        ("XEN901", 1, 3),
        ("XEN901", 2, 2),
        ("XEN101", 4, 1),
    ]


def test_noqa_inside_a_writefile_cell() -> None:
    cells = (TASK, "%%writefile -a trainer/task.py\n" + COMPILE.rstrip() + "  # noqa: XEN102\n")
    assert found(*cells) == []


def test_fix_inside_a_writefile_cell_round_trips() -> None:
    cells = (IMPORTS, TASK, "%%writefile -a trainer/task.py\n" + COMPILE, "x = # TODO\n")
    text = notebook(*cells)
    result = fix_source(text, path="nb.ipynb")
    assert [(f.code, f.cell, f.line) for f in result.applied] == [("XEN102", 3, 2)]
    fixed = json.loads(result.text)["cells"]
    assert "".join(fixed[2]["source"]) == (
        "%%writefile -a trainer/task.py\n"
        "model.compile(loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))\n"
    )
    original = json.loads(text)["cells"]
    assert [c for i, c in enumerate(fixed) if i != 2] == [
        c for i, c in enumerate(original) if i != 2
    ]
    assert [(d.code, d.cell) for d in result.remaining] == [("XEN901", 4)]
    again = fix_source(result.text, path="nb.ipynb")
    assert again.text == result.text and not again.applied


def test_fix_next_to_a_broken_cell_leaves_it_alone() -> None:
    model = "probe = keras.Sequential([keras.layers.Dense(1)])\n"
    compile_ = "probe.compile(loss='binary_crossentropy')\n"
    text = notebook(IMPORTS, "x = # YOUR CODE HERE\n", model, compile_)
    result = fix_source(text, path="nb.ipynb")
    assert [(f.code, f.cell) for f in result.applied] == [("XEN102", 4)]
    cells = json.loads(result.text)["cells"]
    assert "".join(cells[1]["source"]) == "x = # YOUR CODE HERE\n"
    assert "".join(cells[3]["source"]) == (
        "probe.compile(loss=keras.losses.BinaryCrossentropy(from_logits=True))\n"
    )


# --------------------------------------------------------------------------- the summary


def _d(path: str, code: str, cell: int | None = None, severity: str = "E") -> Diagnostic:
    return Diagnostic(path, 1, 1, 1, 1, code, "name", severity, "message", cell=cell)


def test_summary_counts_what_could_not_be_analysed_apart() -> None:
    findings = [_d("a.py", "XEN101"), _d("a.py", "XEN102"), _d("nb.ipynb", "XEN107", 3)]
    broken = [_d(f"s{i}.py", "XEN901") for i in range(33)]
    unreadable = [_d("x.ipynb", "XEN902"), _d("y.py", "XEN902")]
    assert summary(findings + broken + unreadable, 40) == (
        "Found 3 errors in 2 files; "
        "35 files could not be analysed (syntax errors: 33, unreadable: 2)."
    )
    assert summary(broken + unreadable, 40) == (
        "No findings in 5 files; 35 files could not be analysed (syntax errors: 33, unreadable: 2)."
    )
    assert summary(broken, 33) == "33 files could not be analysed (syntax errors: 33)."
    cells = [_d("nb.ipynb", "XEN901", 2), _d("nb.ipynb", "XEN901", 5), _d("c.ipynb", "XEN901", 1)]
    assert summary([findings[2], *cells], 3) == (
        "Found 1 error in 1 file; 3 cells in 2 notebooks could not be analysed (syntax errors)."
    )
    assert summary(cells[:1], 1) == (
        "No findings in 1 file; 1 cell in 1 notebook could not be analysed (syntax errors)."
    )
    assert summary([_d("a.py", "XEN101", severity="W")], 2) == "Found 1 warning in 1 file."
    assert summary([], 2) == "All checks passed (2 files)."


def test_the_cli_summary_of_a_course_folder(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from xentlint.cli import cli

    (tmp_path / "lab1.ipynb").write_text(notebook(IMPORTS, "x = # TODO\n"))
    (tmp_path / "lab2.py").write_text("def f(:\n")
    (tmp_path / "lab3.ipynb").write_text("")
    result = CliRunner().invoke(cli, ["check", "--no-cache", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-1] == (
        "No findings in 1 file; 2 files could not be analysed (syntax errors: 1, unreadable: 1)"
        "; 1 cell in 1 notebook could not be analysed (syntax errors)."
    )
    data = CliRunner().invoke(
        cli, ["check", "--no-cache", "--output-format", "json", str(tmp_path)]
    )
    assert [d["code"] for d in json.loads(data.stdout)] == ["XEN901", "XEN901", "XEN902"]


def test_default_code_limit_is_the_file_limit() -> None:
    assert MAX_CODE_BYTES == MAX_FILE_BYTES


def test_ci_formats_point_into_the_writefile_cell_of_the_ipynb_file() -> None:
    from click.testing import CliRunner

    from xentlint.cli import cli

    path = Path(__file__).resolve().parent.parent / "fixtures" / "notebooks" / "writefile.ipynb"
    sarif = CliRunner().invoke(cli, ["check", "--no-cache", "--output-format", "sarif", str(path)])
    [result] = [
        r for r in json.loads(sarif.stdout)["runs"][0]["results"] if r["ruleId"] == "XEN102"
    ]
    region = result["locations"][0]["physicalLocation"]["region"]
    # the file line of cell 4's sixth line, '    loss=tf.keras.losses.sparse_...', as a JSON
    # string: 4 spaces of indent and a quote, then the cell's column 10
    line = path.read_text(encoding="utf-8").splitlines()[region["startLine"] - 1]
    assert line.startswith('    "    loss=tf.keras.losses.sparse_categorical_crossentropy,')
    assert region["startColumn"] == 5 + 10
    assert result["properties"]["notebookCell"] == 4
    assert result["properties"]["cellStartLine"] == 6
    github = CliRunner().invoke(
        cli, ["check", "--no-cache", "--output-format", "github", str(path)]
    )
    [annotation] = [a for a in github.stdout.splitlines() if "XEN102" in a]
    assert f"line={region['startLine']},col=15," in annotation
    assert "::cell 4, line 6, col 10: " in annotation
