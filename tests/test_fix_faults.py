"""Fix safety under faults: a full disk, a refused rename or an interrupted run while
``check --fix`` writes leaves the original file byte for byte, and no temporary file."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from xentlint.cli import cli

# XEN102 with a safe fix (from_logits=True): `check --fix` rewrites this file.
FIXABLE = (
    "from tensorflow import keras\n"
    "model = keras.Sequential([keras.layers.Dense(10)])\n"
    'model.compile(loss="sparse_categorical_crossentropy")\n'
)


@pytest.fixture
def target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "train.py"
    path.write_bytes(FIXABLE.encode())
    return path


def fix(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["check", "--fix", "--no-cache", *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout + result.stderr


def test_the_fix_applies_without_faults(target: Path) -> None:
    code, _ = fix("train.py")
    assert code == 0
    assert "from_logits=True" in target.read_text()
    assert sorted(os.listdir(target.parent)) == ["train.py"]


def test_disk_full_while_writing(target: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import xentlint.fix.files as files

    real_fdopen = os.fdopen

    class HalfWritten:
        """Writes half of the data to the temporary file, then the disk is full."""

        def __init__(self, handle: Any) -> None:
            self.handle = handle

        def __enter__(self) -> HalfWritten:
            return self

        def __exit__(self, *exc: object) -> None:
            self.handle.close()

        def write(self, data: bytes) -> int:
            self.handle.write(data[: len(data) // 2])
            self.handle.flush()
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        def flush(self) -> None:
            self.handle.flush()

        def fileno(self) -> int:
            return self.handle.fileno()

    def fdopen(fd: int, *args: Any, **kwargs: Any) -> HalfWritten:
        return HalfWritten(real_fdopen(fd, *args, **kwargs))

    monkeypatch.setattr(files.os, "fdopen", fdopen)
    code, output = fix("train.py")
    assert code == 2
    assert "train.py: cannot write: No space left on device" in output
    assert target.read_bytes() == FIXABLE.encode()
    assert sorted(os.listdir(target.parent)) == ["train.py"]
    assert "XEN102" in output  # the finding is still reported


def test_permission_error_when_replacing(target: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import xentlint.fix.files as files

    def refuse(source: object, destination: object) -> None:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(files.os, "replace", refuse)
    code, output = fix("train.py")
    assert code == 2
    assert "train.py: cannot write: Permission denied" in output
    assert target.read_bytes() == FIXABLE.encode()
    assert sorted(os.listdir(target.parent)) == ["train.py"]


def test_read_only_file_is_left_alone(target: Path) -> None:
    target.chmod(0o444)
    code, output = fix("train.py")
    assert code == 2
    assert "read-only file, not fixed" in output
    assert target.read_bytes() == FIXABLE.encode()


def test_interrupted_run_leaves_no_temporary_file(tmp_path: Path) -> None:
    # Ctrl-C arrives while the temporary file is being flushed to disk.
    (tmp_path / "train.py").write_bytes(FIXABLE.encode())
    script = textwrap.dedent(
        """
        import os, signal
        real_fsync = os.fsync

        def fsync(fd):
            os.kill(os.getpid(), signal.SIGINT)
            real_fsync(fd)

        os.fsync = fsync
        from xentlint.cli import main
        main(["check", "--fix", "--no-cache", "train.py"])
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 130
    assert result.stderr == "xentlint: interrupted\n"
    assert (tmp_path / "train.py").read_bytes() == FIXABLE.encode()
    assert sorted(os.listdir(tmp_path)) == ["train.py"]
