"""Fixing files on disk: decode the way they were encoded, fix, write back atomically.

A file is rewritten only when it changed, when the bytes can be produced again exactly in
its own encoding (a UTF-8 BOM, a UTF-16 BOM, a PEP 263 cookie all survive), and through a
temporary file in the same folder that replaces the original with :func:`os.replace`, so a
crash or a full disk leaves the original intact. The file's permission bits are kept. A
file that is not writable is reported and left alone.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from xentlint.config import Config
from xentlint.fix.engine import FixResult, fix_source
from xentlint.sources import UnreadableSource, decode_source_as, is_notebook_path

Encoder = Callable[[str], bytes]


class WriteError(Exception):
    """The fixed text could not be written; ``str(exc)`` says why."""


def codec_for(data: bytes, path: str) -> tuple[str, Encoder] | None:
    """The text of ``data`` and a function giving back bytes in the same encoding.

    The text is exactly what the checker reads (:func:`xentlint.sources.decode_source_as`).
    None when the bytes cannot be decoded, or would not come back identical.
    """
    try:
        text, encoding = decode_source_as(data, cookie=not is_notebook_path(path))
        if encoding.encode(text) != data:
            return None
    except (UnreadableSource, UnicodeError, LookupError):
        return None
    return text, encoding.encode


def atomic_write(path: Path, data: bytes) -> None:
    """Replace the file at ``path`` (a symlink: its target) with ``data``, all or nothing."""
    target = Path(os.path.realpath(path))
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except OSError as exc:
        raise WriteError(f"cannot write: {exc.strerror or exc}") from None
    writable_bits = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH
    if not mode & writable_bits or not os.access(target, os.W_OK):
        # the write bits count even for root, who could write anyway: the user said no
        raise WriteError("read-only file, not fixed")
    try:
        fd, temporary = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".xentlint-tmp"
        )
    except OSError as exc:
        raise WriteError(f"cannot write in its folder: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
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
            raise WriteError(f"cannot write: {exc.strerror or exc}") from None
        raise


@dataclass
class FileFix:
    """What fixing one file (or stdin) gave."""

    display: str
    before: str
    result: FixResult
    data: bytes | None  # the new bytes, when the text changed and could be encoded
    error: str | None = None

    @property
    def changed(self) -> bool:
        return self.result.changed


def fix_bytes(data: bytes, display: str, *, config: Config, unsafe: bool) -> FileFix | None:
    """Fix a file's bytes; None when they cannot be decoded and re-encoded losslessly."""
    decoded = codec_for(data, display)
    if decoded is None:
        return None
    text, encoder = decoded
    result = fix_source(text, path=display, unsafe=unsafe, config=config)
    if not result.changed:
        return FileFix(display, text, result, None)
    try:
        return FileFix(display, text, result, encoder(result.text))
    except UnicodeError as exc:
        return FileFix(display, text, result, None, f"cannot encode the fixed text: {exc}")
