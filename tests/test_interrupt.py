"""Ctrl-C: exit status 130 and one line, never 1 (findings) and never a traceback.

Each test starts a real ``xentlint`` process in a session of its own and sends SIGINT to
the whole process group, as a terminal does on Ctrl-C, once the run is known to be busy:
worker processes exist (``-j2``), or a first file has been fixed (``--fix``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads /proc to see the worker processes"
)

FIXABLE = """\
import keras

model = keras.Sequential([keras.layers.Dense(64, activation="relu"), keras.layers.Dense(10)])
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
"""
FIXED = FIXABLE.replace(
    'loss="categorical_crossentropy"',
    "loss=keras.losses.CategoricalCrossentropy(from_logits=True)",
)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("XENTLINT_DEBUG", None)
    return env


def _start(args: list[str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "xentlint", *args],
        cwd=cwd,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, like a job in a terminal
    )


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[1]) == pid:  # the parent pid
            found.append(int(entry.name))
    return found


def _wait_until(condition, process: subprocess.Popen[str], what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 120
    while not condition():
        if process.poll() is not None:
            out, err = process.communicate()
            pytest.fail(f"xentlint ended before {what} (rc {process.returncode}): {err}{out}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.005)


def _interrupt(process: subprocess.Popen[str], twice: bool = False) -> tuple[str, str]:
    os.killpg(process.pid, signal.SIGINT)
    if twice:  # an impatient second Ctrl-C while the run winds down
        time.sleep(0.05)
        try:
            os.killpg(process.pid, signal.SIGINT)
        except ProcessLookupError:
            pass
    try:
        return process.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        raise


def test_ctrl_c_while_worker_processes_lint(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    for index in range(400):  # seconds of work for two workers, in small chunks
        (tree / f"m{index:03}.py").write_text(FIXABLE * 4)
    process = _start(["check", "-j2", "--no-cache", "tree"], tmp_path)
    _wait_until(lambda: len(_children(process.pid)) >= 2, process, "the workers started")
    workers = _children(process.pid)
    out, err = _interrupt(process, twice=True)
    assert process.returncode == 130, err
    assert err == "xentlint: interrupted\n"
    assert out == ""  # no partial report
    for pid in workers:  # the workers are gone too
        deadline = time.monotonic() + 30
        while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            state = (Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split() or ["?"])[0]
            if state == "Z":
                break
            time.sleep(0.05)
        else:
            assert not Path(f"/proc/{pid}").exists(), f"worker {pid} still runs"


def test_ctrl_c_during_fix_leaves_every_file_whole(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    names = [f"m{index:03}.py" for index in range(200)]
    for name in names:
        (tree / name).write_text(FIXABLE)
    process = _start(["check", "--fix", "--no-cache", "tree"], tmp_path)
    first = tree / names[0]
    _wait_until(lambda: first.read_text() != FIXABLE, process, "a first file was fixed")
    out, err = _interrupt(process)
    assert process.returncode == 130, err
    assert err == "xentlint: interrupted\n"
    contents = [(tree / name).read_text() for name in names]
    assert all(text in (FIXABLE, FIXED) for text in contents)  # never half a file
    assert contents.count(FIXED) >= 1
    assert contents.count(FIXABLE) >= 1, "the run ended before the interrupt: use more files"
    assert sorted(os.listdir(tree)) == names  # no temporary file left behind
