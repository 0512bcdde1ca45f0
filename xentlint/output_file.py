"""``--output-file``: the report written all at once, never half a file."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


class OutputFileError(Exception):
    """The report could not be written; ``str(exc)`` says why."""


def write_report(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` through a temporary file renamed over it.

    Missing parent folders are created (as ruff does). An existing file keeps its
    permission bits; a new one gets the usual ``0o666`` minus the umask. A symlink is
    written through, to its target, as a shell redirection would.
    """
    target = Path(os.path.realpath(path))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            info = target.stat()
        except FileNotFoundError:
            mode = 0o666 & ~_umask()
        else:
            if stat.S_ISDIR(info.st_mode):
                raise OutputFileError(f"{path}: is a folder")
            if not stat.S_ISREG(info.st_mode):  # /dev/null, a FIFO: write to it directly
                with open(target, "w", encoding="utf-8") as handle:
                    handle.write(text)
                return
            mode = stat.S_IMODE(info.st_mode)
        fd, temporary = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".xentlint-tmp"
        )
    except OSError as exc:
        raise OutputFileError(f"{path}: cannot write: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException as exc:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise OutputFileError(f"{path}: cannot write: {exc.strerror or exc}") from None
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
