"""Hostile input, one test each: the linter reports what it cannot read and never crashes,
hangs or loses a file.

Decisions recorded here:
* A file named on the command line is linted as Python whatever its suffix (``.ipynb``:
  as a notebook), as flake8 does; folders are searched for ``.py`` and ``.ipynb`` only.
  Binary files named explicitly become XEN902.
* FIFOs, sockets and devices found in a folder are skipped without being opened; named
  explicitly they are XEN902 "not a regular file", again without being opened.
* A dangling or looping symlink is XEN902 "cannot read: ..." (found in a folder or named).
* Files over ``max-file-size`` (default 1 MiB, see xentlint/sources.py for why) are XEN902
  "file too large"; notebooks may be 50 times larger as long as their code is not.
"""

from __future__ import annotations

import errno
import json
import os
import random
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from xentlint.config import Config
from xentlint.lint import check_paths, lint_paths
from xentlint.sources import MAX_FILE_BYTES

# XEN103 at line 2, column 49: the `activation=` keyword of a one-unit softmax layer.
BUGGY = (
    "from tensorflow import keras\n"
    'model = keras.Sequential([keras.layers.Dense(1, activation="softmax")])\n'
)
BUG_COLUMN = BUGGY.splitlines()[1].index("activation=") + 1  # 49


def codes(diagnostics: list) -> list[tuple[str, int, int, str]]:  # type: ignore[type-arg]
    return [(Path(d.path).name, d.line, d.column, d.code) for d in diagnostics]


def run_cli(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "xentlint", "check", "--no-cache", *args]
    env = {**os.environ, "XENTLINT_DEBUG": "1"}
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)


def test_buggy_snippet_is_found(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(BUGGY)
    assert codes(lint_paths([tmp_path])) == [("a.py", 2, BUG_COLUMN, "XEN103")]
    assert BUG_COLUMN == 49


# --------------------------------------------------------------------------- bytes


def test_random_bytes(tmp_path: Path) -> None:
    rng = random.Random(1234)
    for index in range(20):
        data = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 4000)))
        (tmp_path / f"r{index}.py").write_bytes(data)
    (tmp_path / "nul.py").write_bytes(b"x = 1\x00\n")
    (tmp_path / "bad_utf8.py").write_bytes(b"x = 1\ny = 2\nz = '\xff\xfe\xfa'\n")
    report = check_paths([str(tmp_path)])
    assert report.errors == []
    assert report.files == 22
    by_file = {Path(d.path).name: d for d in report.diagnostics}
    assert set(by_file) == {f"r{i}.py" for i in range(20)} | {"nul.py", "bad_utf8.py"}
    assert all(d.code in ("XEN901", "XEN902") for d in by_file.values())
    assert by_file["nul.py"].message == "unreadable file: binary content (NUL bytes)"
    assert by_file["bad_utf8.py"].code == "XEN902"
    assert (by_file["bad_utf8.py"].line, by_file["bad_utf8.py"].column) == (3, 6)


def test_utf16_with_bom_is_unreadable_as_for_cpython(tmp_path: Path) -> None:
    # `python le.py` says "Non-UTF-8 code starting with '\xff'": CPython reads no UTF-16
    for name, encoding in (("le.py", "utf-16-le"), ("be.py", "utf-16-be")):
        bom = b"\xff\xfe" if encoding.endswith("le") else b"\xfe\xff"
        (tmp_path / name).write_bytes(bom + BUGGY.encode(encoding))
    found = lint_paths([tmp_path])
    assert [(Path(d.path).name, d.line, d.column, d.code) for d in found] == [
        ("be.py", 1, 1, "XEN902"),
        ("le.py", 1, 1, "XEN902"),
    ]
    assert found[0].message == (
        "unreadable file: UTF-16 text (a UTF-16 byte order mark): Python reads source "
        "files as UTF-8 or in the encoding of a coding line"
    )


def test_utf16_without_bom_is_unreadable(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_bytes(BUGGY.encode("utf-16-le"))  # NUL bytes, no BOM
    [diagnostic] = lint_paths([tmp_path])
    assert diagnostic.code == "XEN902"


def test_latin1_with_coding_cookie_is_honoured(tmp_path: Path) -> None:
    body = "\nname = 'café'\n" + BUGGY
    (tmp_path / "cookie.py").write_bytes(("# -*- coding: latin-1 -*-\n" + body).encode("latin-1"))
    (tmp_path / "nocookie.py").write_bytes(("# no cookie\n" + body).encode("latin-1"))
    found = {Path(d.path).name: d for d in lint_paths([tmp_path])}
    assert (found["cookie.py"].code, found["cookie.py"].line) == ("XEN103", 5)
    assert found["cookie.py"].column == BUG_COLUMN
    # the same bytes without the cookie are not UTF-8: byte 0xe9 at line 3, column 12
    nocookie = found["nocookie.py"]
    assert (nocookie.code, nocookie.line, nocookie.column) == ("XEN902", 3, 12)
    assert nocookie.message.startswith("unreadable file: cannot decode as utf-8")


# --------------------------------------------------------------------------- size


def test_default_size_limit(tmp_path: Path) -> None:
    assert MAX_FILE_BYTES == 1024 * 1024
    line = "x = 1  # padding padding padding padding padding padding padding\n"
    body = line * (MAX_FILE_BYTES // len(line) + 1)
    (tmp_path / "big.py").write_text(body)
    (tmp_path / "ok.py").write_text(body[: MAX_FILE_BYTES - len(line)])
    [diagnostic] = lint_paths([tmp_path])
    assert (Path(diagnostic.path).name, diagnostic.code) == ("big.py", "XEN902")
    assert diagnostic.message.startswith("unreadable file: file too large")


def test_size_limit_from_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.xentlint]\nmax-file-size = "1KB"\n')
    (tmp_path / "small.py").write_text(BUGGY)
    (tmp_path / "large.py").write_text(BUGGY + "# " + "x" * 1100 + "\n")
    result = run_cli(".", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("large.py:1:1: XEN902 unreadable file: file too large")
    assert lines[1].startswith(f"small.py:2:{BUG_COLUMN}: XEN103 ")


def test_notebook_size_allows_outputs_but_not_code(tmp_path: Path) -> None:
    image = "A" * 3000  # an embedded plot, larger than the code limit
    cell = {"cell_type": "code", "metadata": {}, "source": BUGGY, "outputs": [image]}
    document = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [cell]}
    (tmp_path / "nb.ipynb").write_text(json.dumps(document))
    [diagnostic] = lint_paths([tmp_path], config=Config(max_file_size=len(BUGGY) + 10))
    assert (diagnostic.code, diagnostic.cell, diagnostic.line) == ("XEN103", 1, 2)
    [diagnostic] = lint_paths([tmp_path], config=Config(max_file_size=len(BUGGY) - 10))
    assert diagnostic.message == "unreadable file: notebook code too large"


# --------------------------------------------------------------------------- deep nesting


def test_ten_thousand_nested_parentheses(tmp_path: Path) -> None:
    (tmp_path / "deep.py").write_text("softmax = " + "(" * 10_000 + "1" + ")" * 10_000 + "\n")
    [diagnostic] = lint_paths([tmp_path])
    assert diagnostic.code == "XEN901"
    assert diagnostic.message == "syntax error: too many nested parentheses"


def test_long_binary_operator_chain(tmp_path: Path) -> None:
    source = "softmax = " + "1+" * 100_000 + "1\n"
    with pytest.raises(RecursionError):  # CPython cannot compile it either
        compile(source, "chain.py", "exec")
    (tmp_path / "chain.py").write_text(source)
    result = run_cli("chain.py", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "XEN901 syntax error: the code is nested too deeply to parse" in result.stdout


@pytest.mark.parametrize(
    "source",
    [
        # flat for ast (a BoolOp with many values), 20 000 levels deep for LibCST: without
        # the deep stack of xentlint.guard, LibCST's parser overflows the 8 MB main stack
        # at ~8 000 levels and the process dies with SIGSEGV
        "softmax = (" + "a\nor " * 20_000 + "a)\n",
        "import " + ".".join(["a"] * 1500) + "\nsoftmax = 1\n",
    ],
    ids=["or-chain", "dotted-import"],
)
def test_chains_flat_for_ast_but_deep_for_libcst(tmp_path: Path, source: str) -> None:
    compile(source, "valid.py", "exec")  # valid Python
    (tmp_path / "valid.py").write_text(source)
    for extra in ((), ("--fix",)):  # the fixer parses with LibCST too
        result = run_cli(*extra, "valid.py", cwd=tmp_path)
        assert result.returncode == 0, (extra, result.returncode, result.stderr[-2000:])
        assert "All checks passed (1 file)" in result.stdout
    assert (tmp_path / "valid.py").read_text() == source


def test_dotted_import_of_quadratic_cost_is_refused(tmp_path: Path) -> None:
    # CPython's parser needs ~10 GB for this 200 KB file (quadratic in the name length)
    (tmp_path / "q.py").write_text("import " + ".".join(["a"] * 100_000) + "\n")
    for extra in ((), ("--fix",)):
        result = run_cli(*extra, "q.py", cwd=tmp_path, timeout=60)
        assert result.returncode == 1, result.stderr
        assert "q.py:1:1: XEN902 unreadable file: a dotted import name of over 2000 parts" in (
            result.stdout
        )


# --------------------------------------------------------------------------- file system


def test_symlink_loops(tmp_path: Path) -> None:
    (tmp_path / "ok.py").write_text(BUGGY)
    os.symlink("b.py", tmp_path / "a.py")
    os.symlink("a.py", tmp_path / "b.py")
    os.symlink(".", tmp_path / "again")  # a folder loop: not followed
    os.symlink("missing.py", tmp_path / "dangling.py")
    report = check_paths([str(tmp_path)])
    assert report.errors == []
    found = {Path(d.path).name: d for d in report.diagnostics}
    assert set(found) == {"a.py", "b.py", "dangling.py", "ok.py"}
    prefix = "unreadable file: cannot read: "
    assert found["a.py"].message == prefix + "Too many levels of symbolic links"
    assert found["dangling.py"].message == prefix + "No such file or directory"
    assert found["ok.py"].code == "XEN103"
    # named explicitly, a looping link is reported the same way, not as a missing path
    report = check_paths([str(tmp_path / "a.py")])
    assert report.errors == []
    assert [d.code for d in report.diagnostics] == ["XEN902"]


def test_unreadable_permissions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests run as root, whom chmod 000 does not stop: the denial is simulated where the
    # file is opened.
    secret = tmp_path / "secret.py"
    secret.write_text(BUGGY)
    (tmp_path / "ok.py").write_text(BUGGY)
    real_open = Path.open

    def deny(self: Path, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        if self.name == "secret.py":
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", deny)
    found = {Path(d.path).name: d for d in lint_paths([tmp_path])}
    assert found["secret.py"].code == "XEN902"
    assert found["secret.py"].message == "unreadable file: cannot read: Permission denied"
    assert found["ok.py"].code == "XEN103"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_permissions_for_real(tmp_path: Path) -> None:  # pragma: no cover
    secret = tmp_path / "secret.py"
    secret.write_text(BUGGY)
    secret.chmod(0)
    [diagnostic] = lint_paths([tmp_path])
    assert diagnostic.message == "unreadable file: cannot read: Permission denied"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_in_a_folder_is_skipped_without_hanging(tmp_path: Path) -> None:
    (tmp_path / "ok.py").write_text(BUGGY)
    os.mkfifo(tmp_path / "pipe.py")  # opening it for reading would block forever
    result = run_cli(".", cwd=tmp_path, timeout=60)
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines()[0] == (
        f"ok.py:2:{BUG_COLUMN}: XEN103 softmax over a single unit always outputs 1.0, "
        "whatever the input"
    )
    assert "Found 1 error in 1 file." in result.stdout
    assert "pipe.py" not in result.stdout


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_and_devices_named_explicitly(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.py")
    assert stat.S_ISCHR(os.stat("/dev/zero").st_mode)  # endless if it were read
    result = run_cli("pipe.py", "/dev/zero", "/dev/null", cwd=tmp_path, timeout=60)
    assert result.returncode == 1, result.stderr
    message = "XEN902 unreadable file: not a regular file (a FIFO, socket or device)"
    for name in ("pipe.py", "/dev/zero", "/dev/null"):
        assert f"{name}:1:1: {message}" in result.stdout


# --------------------------------------------------------------------------- notebooks


def _notebook(tmp_path: Path, name: str, document: object) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document))
    return path


def test_notebook_without_cells(tmp_path: Path) -> None:
    _notebook(tmp_path, "nb.ipynb", {"nbformat": 4, "metadata": {}})
    [diagnostic] = lint_paths([tmp_path])
    assert diagnostic.message == "unreadable file: malformed notebook: no list of cells"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (42, "unreadable file: malformed notebook: cell 1 has no text source"),
        ({"text": BUGGY}, "unreadable file: malformed notebook: cell 1 has no text source"),
        (["import os\n", 7], "unreadable file: malformed notebook: cell 1 has no text source"),
        (None, "unreadable file: malformed notebook: cell 1 has no text source"),
    ],
    ids=["number", "object", "list-with-number", "null"],
)
def test_notebook_with_non_list_sources(tmp_path: Path, source: object, expected: str) -> None:
    cell = {"cell_type": "code", "metadata": {}, "source": source}
    _notebook(tmp_path, "nb.ipynb", {"nbformat": 4, "metadata": {}, "cells": [cell]})
    [diagnostic] = lint_paths([tmp_path])
    assert (diagnostic.code, diagnostic.message) == ("XEN902", expected)


def test_notebook_source_as_one_string(tmp_path: Path) -> None:
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": "# title"},
        {"cell_type": "code", "metadata": {}, "source": BUGGY},
    ]
    _notebook(tmp_path, "nb.ipynb", {"nbformat": 4, "metadata": {}, "cells": cells})
    [diagnostic] = lint_paths([tmp_path])
    assert (diagnostic.code, diagnostic.cell, diagnostic.line) == ("XEN103", 2, 2)


def test_nbformat3_notebook(tmp_path: Path) -> None:
    lines = BUGGY.splitlines(keepends=True)
    document = {
        "nbformat": 3,
        "metadata": {},
        "worksheets": [
            {"cells": [{"cell_type": "markdown", "source": ["hi"]}]},
            {"cells": [{"cell_type": "code", "input": lines, "language": "python"}]},
        ],
    }
    _notebook(tmp_path, "old.ipynb", document)
    [diagnostic] = lint_paths([tmp_path])
    assert (diagnostic.code, diagnostic.cell, diagnostic.line) == ("XEN103", 2, 2)
    assert diagnostic.column == BUG_COLUMN


@pytest.mark.parametrize(
    "text",
    ["", "[]", "null", '{"cells": 5}', '{"worksheets": [5]}', "{" * 100_000, "\x00"],
    ids=["empty", "list", "null", "cells-number", "worksheet-number", "deep-json", "nul"],
)
def test_broken_notebooks(tmp_path: Path, text: str) -> None:
    (tmp_path / "nb.ipynb").write_text(text)
    [diagnostic] = lint_paths([tmp_path])
    assert diagnostic.code == "XEN902"


# --------------------------------------------------------------------------- suffixes


def test_unknown_extension_named_explicitly_is_linted_as_python(tmp_path: Path) -> None:
    (tmp_path / "train.txt").write_text(BUGGY)
    (tmp_path / "weights.h5").write_bytes(b"\x89HDF\r\n\x1a\n\x00\x00\x00\x00\xff")
    # in a folder, only .py and .ipynb files are linted
    assert lint_paths([tmp_path]) == []
    found = lint_paths([tmp_path / "train.txt", tmp_path / "weights.h5"])
    assert codes(found) == [("train.txt", 2, BUG_COLUMN, "XEN103"), ("weights.h5", 1, 1, "XEN902")]


def test_folder_named_like_a_python_file(tmp_path: Path) -> None:
    (tmp_path / "pkg.py").mkdir()
    (tmp_path / "pkg.py" / "inner.py").write_text(BUGGY)
    assert codes(lint_paths([tmp_path])) == [("inner.py", 2, BUG_COLUMN, "XEN103")]
