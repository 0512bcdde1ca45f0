"""Fixes change exactly what their title says: names bound where they are used, imports
where a sorter puts them, lines wrapped as the formatter would, every untouched byte and
the file's owner, mode and links kept, nothing written outside the linted tree.

Oracles: the fixed script is run (against tiny stand-ins for keras and tensorflow), ruff's
own import sorter and formatter judge the layout, and ``os.stat`` the file's metadata.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from xentlint import lint_source
from xentlint.cli import cli
from xentlint.fix import fix_source
from xentlint.fix.engine import fix_availability

RUFF = Path(sys.executable).with_name("ruff")

# Stand-ins for the two packages: enough for the scripts below to run.
STUBS = {
    "keras/__init__.py": "from . import layers, losses, models\nfrom .models import Sequential\n",
    "tensorflow/__init__.py": "from . import keras\n",
    "tensorflow/keras/__init__.py": "from keras import layers, losses, models\n",
    "tensorflow/keras/layers.py": "from keras.layers import *\n",
    "tensorflow/keras/models.py": "from keras.models import *\n",
    "tensorflow/keras/losses.py": "from keras.losses import *\n",
    "keras/layers.py": "class Dense:\n    def __init__(self, *a, **k):\n        pass\n",
    "keras/models.py": (
        "class Sequential:\n"
        "    def __init__(self, *a, **k):\n        pass\n"
        "    def compile(self, **k):\n        self.loss = k['loss']\n"
    ),
    "keras/losses.py": (
        "class SparseCategoricalCrossentropy:\n    def __init__(self, **k):\n        pass\n"
    ),
}


def run_script(tmp_path: Path, source: str) -> subprocess.CompletedProcess[str]:
    for name, text in STUBS.items():
        (tmp_path / "stubs" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "stubs" / name).write_text(text)
    (tmp_path / "script.py").write_text(source)
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "stubs")}
    return subprocess.run(
        [sys.executable, str(tmp_path / "script.py")],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["check", *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


# --------------------------------------------------------------------------- bound names

LATE_IMPORT = """\
from tensorflow.keras.layers import Dense
from tensorflow.keras.models import Sequential

model = Sequential([Dense(10)])
model.compile(loss="sparse_categorical_crossentropy")
import keras
"""
SAME_LINE = """\
from tensorflow.keras.layers import Dense
from tensorflow.keras.models import Sequential

model = Sequential([Dense(10)])
model.compile(loss="sparse_categorical_crossentropy"); import keras
"""


@pytest.mark.parametrize("source", [LATE_IMPORT, SAME_LINE], ids=["below", "same line"])
def test_the_safe_fix_never_uses_a_name_imported_after_it(tmp_path: Path, source: str) -> None:
    assert run_script(tmp_path, source).returncode == 0  # the script works
    result = fix_source(source, path="script.py")
    assert [fix.code for fix in result.applied] == ["XEN102"]
    done = run_script(tmp_path, result.text)
    assert done.returncode == 0, done.stderr  # and still does: no NameError
    # the file's flavour (tensorflow.keras) through an import above the use
    assert result.text.startswith("import tensorflow as tf\nfrom tensorflow.keras.layers")
    assert "loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)" in result.text


def test_an_import_above_still_counts() -> None:
    source = "import keras\n" + LATE_IMPORT.replace("import keras\n", "")
    result = fix_source(source, path="script.py")
    assert "loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True)" in result.text
    assert result.text.count("import") == source.count("import")  # nothing added


TRY_IMPORT = """\
try:
    from tensorflow.keras.layers import Dense
    from tensorflow.keras.models import Sequential
except ImportError:
    from keras.layers import Dense
    from keras.models import Sequential

model = Sequential([Dense(10)])
model.compile(loss="sparse_categorical_crossentropy")
"""


def test_no_unconditional_import_next_to_a_conditional_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = fix_source(TRY_IMPORT, path="train.py")
    assert result.text == TRY_IMPORT and not result.applied
    [finding] = lint_source(TRY_IMPORT, "train.py")
    assert (finding.code, finding.fix_safety) == ("XEN102", None)  # not offered
    (tmp_path / "train.py").write_text(TRY_IMPORT)
    monkeypatch.chdir(tmp_path)
    code, out, _ = run("--output-format", "json", "--no-cache", "train.py")
    assert json.loads(out)[0]["fix"] == {"available": False, "safety": "safe"}


# --------------------------------------------------------------------------- import order

KERAS = "from keras import layers\nfrom keras.models import Sequential\n"
LAYOUTS = {
    "all sections": (
        '"""Train."""\n\nfrom __future__ import annotations\n\nimport os\nimport sys\n\n'
        "import numpy as np\n" + KERAS + "\nfrom . import data\n\n"
    ),
    "standard library only": "import os\nimport sys\n\n" + KERAS + "\n",
    "from imports only": KERAS + "\n",
    "a comment above the group": "import os\n\n# third party\n" + KERAS + "\n",
    "no third-party group": "import os\n\nfrom . import data\n\n",
    "not sorted": "from . import data\n" + KERAS + "\n",
}
TAIL = (
    "model = Sequential([layers.Dense(10)])\n"
    'model.compile(loss="sparse_categorical_crossentropy")\n'
)


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_new_imports_go_where_isort_puts_them(tmp_path: Path, name: str) -> None:
    source = LAYOUTS[name] + TAIL
    if name == "no third-party group":  # the Keras imports come later, below some code
        source = LAYOUTS[name] + "print()\n" + KERAS + "\n" + TAIL
    path = tmp_path / "train.py"
    path.write_text(source)
    sorter = [str(RUFF), "check", "--isolated", "--select", "I", "--quiet", str(path)]
    before = subprocess.run(sorter, capture_output=True, text=True, timeout=60)
    result = fix_source(source, path="train.py")
    assert "import keras\n" in result.text and result.applied
    path.write_text(result.text)
    after = subprocess.run(sorter, capture_output=True, text=True, timeout=60)
    if name != "not sorted":  # sorted before: still sorted after
        assert before.returncode == 0, before.stdout
        assert after.returncode == 0, after.stdout + result.text
    else:  # not sorted: the new import goes at the end of the group, nothing is reordered
        assert before.returncode == 1
        assert result.text.startswith("from . import data\n" + KERAS + "import keras\n")


def test_the_sorted_place_by_hand() -> None:
    source = LAYOUTS["a comment above the group"] + TAIL
    assert fix_source(source, path="train.py").text == (
        "import os\n\nimport keras\n\n# third party\nfrom keras import layers\n"
        "from keras.models import Sequential\n\n"
        "model = Sequential([layers.Dense(10)])\n"
        "model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))\n"
    )


def test_without_imports_it_goes_below_the_docstring_and_comments() -> None:
    source = (
        '# Copyright\n"""Train."""\nprint("start")\n'
        "from keras import layers\nfrom keras.models import Sequential\n" + TAIL
    )
    fixed = fix_source(source, path="train.py").text
    assert fixed.startswith('# Copyright\n"""Train."""\n\nimport keras\nprint("start")\n')


# --------------------------------------------------------------------------- long lines

FORMATTED = """\
import keras
from keras import layers


def build(num_classes):
    model = keras.Sequential(
        [
            layers.Dense(64, activation="relu"),
            layers.Dense(num_classes),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["acc"])
    return model


def small():
    model = keras.Sequential([layers.Dense(3)])
    model.compile(loss="sparse_categorical_crossentropy", metrics=["acc"])
    return model
"""


def test_long_fixed_lines_are_wrapped_as_the_formatter_does(tmp_path: Path) -> None:
    path = tmp_path / "train.py"
    path.write_text(FORMATTED)
    formatter = [str(RUFF), "format", "--isolated", "--check", "--line-length", "100"]
    assert subprocess.run([*formatter, str(path)], capture_output=True).returncode == 0
    fixed = fix_source(FORMATTED, path="train.py").text
    assert [f.code for f in fix_source(FORMATTED, path="train.py").applied] == ["XEN102"] * 2
    assert fixed == FORMATTED.replace(
        '    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", '
        'metrics=["acc"])\n',
        "    model.compile(\n"
        '        optimizer="adam",\n'
        "        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),\n"
        '        metrics=["acc"],\n'
        "    )\n",
    ).replace(
        '    model.compile(loss="sparse_categorical_crossentropy", metrics=["acc"])\n',
        "    model.compile(\n"
        "        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), "
        'metrics=["acc"]\n'
        "    )\n",
    )
    path.write_text(fixed)  # exactly what the formatter would have written
    done = subprocess.run([*formatter, str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout


def test_an_unformatted_file_is_not_wrapped() -> None:
    source = (
        "import keras\n"
        "model = keras.Sequential([keras.layers.Dense(64), keras.layers.Dense(10)])\n"
        "model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['acc'])\n"
    )  # no exploded call anywhere: not evidently formatted
    fixed = fix_source(source, path="train.py").text
    assert fixed.count("\n") == source.count("\n")


# --------------------------------------------------------------------------- notebooks


def _notebook(*cells: list[str], newline: str = "\n") -> str:
    document = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [
            {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
             "source": source}
            for source in cells
        ],
    }  # fmt: skip
    return (json.dumps(document, indent=1) + "\n").replace("\n", newline)


INDENTED_CELL = [
    "  import keras\n",
    "  model = keras.Sequential([keras.layers.Dense(10)])\n",
    "  model.compile(loss='sparse_categorical_crossentropy')\n",
]


def test_a_cell_with_an_indented_first_line_is_fixed_when_the_fix_is_offered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = _notebook(INDENTED_CELL)
    assert list(fix_availability(text, path="nb.ipynb").values()) == ["safe"]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "nb.ipynb").write_text(text)
    code, out, err = run("--output-format", "json", "--no-cache", "nb.ipynb")
    assert json.loads(out)[0]["fix"] == {"available": True, "safety": "safe"}
    code, _, err = run("--diff", "nb.ipynb")
    assert code == 1 and "error" not in err
    code, out, err = run("--fix", "nb.ipynb")
    assert code == 0, out + err
    source = json.loads((tmp_path / "nb.ipynb").read_text())["cells"][0]["source"]
    assert source == [
        *INDENTED_CELL[:2],
        "  model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))\n",
    ]


def _changed_lines(before: bytes, after: bytes) -> list[tuple[bytes, bytes]]:
    old, new = before.split(b"\n"), after.split(b"\n")
    assert len(old) == len(new)
    return [(a, b) for a, b in zip(old, new, strict=True) if a != b]


def test_a_crlf_notebook_keeps_every_untouched_byte() -> None:
    cell = [
        "import keras\n",
        "model = keras.Sequential([keras.layers.Dense(10)])\n",
        "\f",  # Jupyter splits lines where str.splitlines does: at a form feed too
        "model.compile(loss='sparse_categorical_crossentropy')\n",
        "print(model)\n",
    ]
    for endings in ("\n", "\r\n"):  # in the cells' text
        text = _notebook([line.replace("\n", endings) for line in cell], newline="\r\n")
        fixed = fix_source(text, path="nb.ipynb").text
        [(old, new)] = _changed_lines(text.encode(), fixed.encode())
        escaped = endings.replace("\r", "\\r").replace("\n", "\\n")
        expected = f"\"model.compile(loss='sparse_categorical_crossentropy'){escaped}\","
        assert old.strip() == expected.encode()
        assert b"from_logits=True" in new and new.endswith(escaped.encode() + b'",\r')
        assert fixed.count("\r\n") == text.count("\r\n")  # the file's line breaks


def test_form_feeds_survive_a_fix() -> None:
    source = (
        "import keras\n"
        "\f\n"
        "model = keras.Sequential([keras.layers.Dense(10)])\n"
        "\fmodel.compile(loss='sparse_categorical_crossentropy')\n"
        "def f():\n"
        "    x = 1\n"
        "\f    return x\n"
        "\fprint(model)\n"
    )
    fixed = fix_source(source, path="train.py").text
    [(old, new)] = _changed_lines(source.encode(), fixed.encode())
    assert old == b"\fmodel.compile(loss='sparse_categorical_crossentropy')"
    assert (
        new == b"\fmodel.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))"
    )


# --------------------------------------------------------------------------- the file itself

FIXABLE = LATE_IMPORT.replace("import keras\n", "")
OTHER_UID, OTHER_GID = 4321, 4322


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user needs root")
def test_fix_as_root_keeps_owner_group_and_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "train.py"
    path.write_text(FIXABLE)
    os.chown(path, OTHER_UID, OTHER_GID)
    path.chmod(0o640)
    code, out, err = run("--fix", "train.py")
    assert code == 0, out + err
    info = path.stat()
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (OTHER_UID, OTHER_GID, 0o640)
    assert "from_logits=True" in path.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["train.py"]  # no leftovers


def test_fix_keeps_hard_links(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "train.py"
    path.write_text(FIXABLE)
    os.link(path, tmp_path / "same.txt")  # not linted: another name of the same file
    if os.geteuid() == 0:
        os.chown(path, OTHER_UID, OTHER_GID)
    inode = path.stat().st_ino
    code, out, err = run("--fix", "train.py")
    assert code == 0, out + err
    assert path.stat().st_ino == inode and path.stat().st_nlink == 2
    assert (tmp_path / "same.txt").read_text() == path.read_text()
    assert "from_logits=True" in path.read_text()
    if os.geteuid() == 0:
        assert (path.stat().st_uid, path.stat().st_gid) == (OTHER_UID, OTHER_GID)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["same.txt", "train.py"]


def test_a_failed_write_in_place_puts_the_old_content_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import xentlint.fix.files as files

    monkeypatch.chdir(tmp_path)
    path = tmp_path / "train.py"
    path.write_text(FIXABLE)
    os.link(path, tmp_path / "same.txt")
    real = files._write_into
    calls = []

    def full_disk(target: Path, data: bytes) -> None:
        calls.append(data)
        if len(calls) == 1:  # the new content: half of it, then the disk is full
            with open(target, "r+b") as handle:
                handle.write(data[: len(data) // 2])
            raise OSError(28, "No space left on device")
        real(target, data)

    monkeypatch.setattr(files, "_write_into", full_disk)
    code, out, err = run("--fix", "train.py")
    assert code == 2
    assert "train.py: cannot write: No space left on device" in err
    assert path.read_text() == FIXABLE
    assert sorted(p.name for p in tmp_path.iterdir()) == ["same.txt", "train.py"]


def test_symlinks_are_fixed_only_inside_the_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project, outside = tmp_path / "project", tmp_path / "outside"
    (project / "src").mkdir(parents=True)
    outside.mkdir()
    (outside / "real.py").write_text(FIXABLE)
    (project / "src" / "inner.py").write_text(FIXABLE)
    (project / "src" / "out.py").symlink_to(outside / "real.py")
    (project / "src" / "in.py").symlink_to("inner.py")
    monkeypatch.chdir(project)
    for args in (("--fix", "src"), ("--fix", "src/out.py"), ("--diff", "src")):
        code, out, err = run(*args)
        assert (outside / "real.py").read_text() == FIXABLE  # never written through the link
        assert f"src/out.py: a symbolic link to {outside / 'real.py'}, outside the linted " in err
        if args[0] == "--fix":
            assert "src/out.py:5:20: XEN102" in out
            assert code == 1  # the link's finding is left
        else:
            assert code == 0  # inner.py is fixed already: nothing would change
    assert "from_logits=True" in (project / "src" / "inner.py").read_text()
    assert (project / "src" / "in.py").is_symlink()


def test_statement_order_inside_blocks() -> None:
    head = (
        "from tensorflow.keras.layers import Dense\n"
        "from tensorflow.keras.models import Sequential\n"
    )
    body = (
        "    model = Sequential([Dense(10)])\n"
        "    model.compile(loss='sparse_categorical_crossentropy')\n"
    )
    guarded = "    try:\n        import numpy as np\n    except ImportError:\n        np = None\n"
    # an import earlier in the same block counts (a guarded numpy is not Keras)
    before = (
        head + "if __name__ == '__main__':\n" + guarded + "    import tensorflow as tf\n" + body
    )
    fixed = fix_source(before, path="train.py").text
    assert fixed == before.replace(
        "loss='sparse_categorical_crossentropy'",
        "loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)",
    )
    # one later in the block does not: an import is added at the top
    after = head + "if __name__ == '__main__':\n" + body + "    import tensorflow as tf\n"
    fixed = fix_source(after, path="train.py").text
    assert fixed == "import tensorflow as tf\n" + after.replace(
        "loss='sparse_categorical_crossentropy'",
        "loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)",
    )
