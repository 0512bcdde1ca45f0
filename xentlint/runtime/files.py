"""Opening model and label files that may be hostile: regular files only, bounded reads.

A FIFO blocks the reader forever and a device (``/dev/zero``, or a ``.keras`` symlink to
it) never ends, so only regular files are opened (symlinks to one are fine), as
:func:`xentlint.sources.read_file` does for sources. A FIFO is opened without blocking and
then refused; the file's type is checked again on the open descriptor, so a file swapped
after the check is refused too. Everything is then read from that one open file.
"""

from __future__ import annotations

import os
import stat
from typing import IO

from xentlint.runtime.errors import CheckError

MIB = 1024 * 1024


def open_regular(path: str, what: str) -> IO[bytes]:
    """``path`` opened for binary reading, if it is a regular file; else a CheckError."""
    try:
        mode = os.stat(path).st_mode
        if not stat.S_ISREG(mode):
            raise CheckError(_not_regular(path, what, mode))
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise CheckError(f"{path}: no such file or directory") from None
    except OSError as exc:
        raise CheckError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):  # swapped since the stat
            raise CheckError(_not_regular(path, what, mode))
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _not_regular(path: str, what: str, mode: int) -> str:
    if stat.S_ISDIR(mode):
        return f"{path}: a folder: {what} must be a file"
    return f"{path}: not a regular file (a FIFO, socket or device): {what} must be a file"


def human_size(count: int) -> str:
    """``count`` bytes for a message: bytes, KiB, MiB or GiB."""
    for unit, size in (("GiB", 1024 * MIB), ("MiB", MIB), ("KiB", 1024)):
        if count >= size:
            return f"{count / size:.1f} {unit}"
    return f"{count} bytes"


def read_bounded(handle: IO[bytes], limit: int) -> bytes | None:
    """At most ``limit`` bytes of ``handle``; None when there are more (whatever was declared)."""
    data = handle.read(limit + 1)
    return None if len(data) > limit else data
