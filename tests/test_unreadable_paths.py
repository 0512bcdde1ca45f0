"""Files and folders that cannot be read are reported (XEN902), and the rest is linted.

The permissions are real: as root (the tests run as root here) the CLI runs under
``setpriv`` without the capabilities that let root read anything (CAP_DAC_OVERRIDE,
CAP_DAC_READ_SEARCH), so a mode-000 file or folder is as closed to it as to any user.
Exit codes follow ruff, which reports such paths as E902 findings: 1, not a usage error.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BROKEN = """\
import keras

model = keras.Sequential([keras.layers.Dense(10)])
model.compile(loss="categorical_crossentropy")
"""
FIXED = BROKEN.replace(
    'loss="categorical_crossentropy"', "loss=keras.losses.CategoricalCrossentropy(from_logits=True)"
)
FINDING = "XEN102"
DENY = [
    "--bounding-set=-dac_override,-dac_read_search",
    "--inh-caps=-dac_override,-dac_read_search",
]


def _without_privileges() -> list[str]:
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("root without setpriv: file permissions cannot be made to apply")
    return [setpriv, *DENY]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    argv = [*_without_privileges(), sys.executable, "-m", "xentlint", "check", *args]
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.fixture
def tree(tmp_path: Path):  # type: ignore[no-untyped-def]
    """``ok.py``, ``closed/inner.py`` in a folder that cannot be listed, ``secret.py`` (000)."""
    (tmp_path / "ok.py").write_text(BROKEN)
    closed = tmp_path / "closed"
    closed.mkdir()
    (closed / "inner.py").write_text(BROKEN)
    (tmp_path / "secret.py").write_text(BROKEN)
    (tmp_path / "secret.py").chmod(0)
    closed.chmod(0)
    yield tmp_path
    closed.chmod(0o755)  # let pytest clean up


def test_the_permissions_really_apply(tree: Path) -> None:
    done = subprocess.run(
        [*_without_privileges(), sys.executable, "-c", "open('secret.py').read()"],
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1 and "PermissionError" in done.stderr


def test_a_folder_that_cannot_be_listed_is_reported(tree: Path) -> None:
    done = run("--no-cache", ".", cwd=tree)
    assert done.returncode == 1, done.stderr
    assert done.stderr == ""
    lines = done.stdout.splitlines()
    assert lines[0] == "closed:1:1: XEN902 unreadable folder: cannot list: Permission denied"
    assert lines[1].startswith(f"ok.py:4:20: {FINDING} ")
    assert lines[2] == "secret.py:1:1: XEN902 unreadable file: cannot read: Permission denied"
    assert lines[3] == (
        "Found 1 error in 1 file; 1 file and 1 folder could not be analysed (unreadable: 2)."
    )


def test_the_folder_named_itself(tree: Path) -> None:
    done = run("--no-cache", "closed", cwd=tree)
    assert done.returncode == 1, done.stderr
    assert done.stdout.splitlines() == [
        "closed:1:1: XEN902 unreadable folder: cannot list: Permission denied",
        "1 folder could not be analysed (unreadable: 1).",
    ]
    assert "no Python files found" not in done.stderr


def test_unreadable_files_named_on_the_command_line_do_not_stop_the_run(tree: Path) -> None:
    # the cache is on: it reads files too
    done = run("secret.py", "closed/inner.py", "ok.py", cwd=tree)
    assert done.returncode == 1, done.stderr
    assert done.stderr == ""
    assert done.stdout.splitlines()[:3] == [
        "closed/inner.py:1:1: XEN902 unreadable file: cannot read: Permission denied",
        done.stdout.splitlines()[1],
        "secret.py:1:1: XEN902 unreadable file: cannot read: Permission denied",
    ]
    assert done.stdout.splitlines()[1].startswith(f"ok.py:4:20: {FINDING} ")


def test_fix_reports_them_too_and_fixes_the_rest(tree: Path) -> None:
    done = run("--fix", ".", "secret.py", cwd=tree)
    assert done.returncode == 1, done.stderr
    assert (tree / "ok.py").read_text() == FIXED
    assert done.stdout.splitlines() == [
        "closed:1:1: XEN902 unreadable folder: cannot list: Permission denied",
        "secret.py:1:1: XEN902 unreadable file: cannot read: Permission denied",
        "No findings in 1 file; 1 file and 1 folder could not be analysed (unreadable: 2).",
    ]
    assert "fixed 1 finding in 1 file" in done.stderr


def test_an_ignored_xen902_hides_the_folder_as_any_finding(tree: Path) -> None:
    done = run("--no-cache", "--ignore", "XEN902", ".", cwd=tree)
    assert done.returncode == 1, done.stderr
    findings = [line for line in done.stdout.splitlines() if ": XEN" in line]
    assert [line.split(":")[0] for line in findings] == ["ok.py"]
