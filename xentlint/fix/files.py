"""Fixing files on disk: decode the way they were encoded, fix, write back safely.

A file is rewritten only when it changed and when the bytes can be produced again exactly
in its own encoding (a UTF-8 BOM, a PEP 263 cookie survive). It keeps its owner, group,
permission bits and hard links; a file that is not writable is reported and left alone.
How a crash mid-write is survived: :func:`atomic_write`.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xentlint.config import Config
from xentlint.fix.engine import FixResult, fix_source
from xentlint.sources import UnreadableSource, decode_source_as, is_notebook_path

Encoder = Callable[[str], bytes]
_OWN: Any = object()


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
    """Replace the content of the file at ``path`` (a symlink: its target) with ``data``,
    keeping its owner, group, permission bits and hard links.

    A file with one link is replaced through a temporary file in its folder that gets the
    file's owner, group and mode before :func:`os.replace` puts it in place: a crash or a
    full disk leaves the old file or the new one, never a mix. A file with more than one
    link (or whose owner or group this process cannot give away) is rewritten in place,
    so that every name still sees one file: its old content goes to a backup next to it
    first, which is removed once the new content is on disk; should the write fail, the
    old content is put back, and after a crash the backup is there to restore it from.
    """
    target = Path(os.path.realpath(path))
    try:
        info = target.stat()
    except OSError as exc:
        raise WriteError(f"cannot write: {exc.strerror or exc}") from None
    mode = stat.S_IMODE(info.st_mode)
    writable_bits = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH
    if not mode & writable_bits or not os.access(target, os.W_OK):
        # the write bits count even for root, who could write anyway: the user said no
        raise WriteError("read-only file, not fixed")
    if info.st_nlink > 1 or not _replace(target, data, info):
        _rewrite_in_place(target, data)


def _temporary(target: Path, kind: str) -> tuple[int, str]:
    try:
        return tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=kind)
    except OSError as exc:
        raise WriteError(f"cannot write in its folder: {exc.strerror or exc}") from None


def _replace(target: Path, data: bytes, info: os.stat_result) -> bool:
    """Put ``data`` in place of ``target`` by a rename; False when the copy could not be
    given the file's owner and group (nothing is changed then)."""
    fd, temporary = _temporary(target, ".xentlint-tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
            own = os.fstat(handle.fileno())
            if (own.st_uid, own.st_gid) != (info.st_uid, info.st_gid):
                try:
                    os.fchown(handle.fileno(), info.st_uid, info.st_gid)
                except PermissionError:  # not ours to give away: write in place instead
                    os.unlink(temporary)
                    return False
            os.fchmod(handle.fileno(), stat.S_IMODE(info.st_mode))  # after chown: setgid
        os.replace(temporary, target)
    except BaseException as exc:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise WriteError(f"cannot write: {exc.strerror or exc}") from None
        raise
    return True


def _rewrite_in_place(target: Path, data: bytes) -> None:
    """Write ``data`` into ``target``'s own inode, its old content backed up meanwhile."""
    try:
        old = target.read_bytes()
    except OSError as exc:
        raise WriteError(f"cannot write: {exc.strerror or exc}") from None
    fd, backup = _temporary(target, ".xentlint-backup")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(old)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException as exc:
        _unlink(backup)
        if isinstance(exc, OSError):
            raise WriteError(f"cannot write in its folder: {exc.strerror or exc}") from None
        raise
    try:
        _write_into(target, data)
    except BaseException as exc:
        try:
            _write_into(target, old)
        except OSError:
            raise WriteError(
                f"cannot write: {getattr(exc, 'strerror', None) or exc}; the old content "
                f"is in {backup}"
            ) from None
        _unlink(backup)
        if isinstance(exc, OSError):
            raise WriteError(f"cannot write: {exc.strerror or exc}") from None
        raise
    _unlink(backup)


def _write_into(target: Path, data: bytes) -> None:
    with open(target, "r+b") as handle:
        handle.write(data)
        handle.truncate()
        handle.flush()
        os.fsync(handle.fileno())


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def write_other(path: Path, before: str, after: str) -> None:
    """Write a fix into another project file: ``before`` is the text the fix was made on
    (the file must still read so), ``after`` goes in, in the file's own encoding."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise WriteError(f"cannot read: {exc.strerror or exc}") from None
    decoded = codec_for(data, str(path))
    if decoded is None or decoded[0] != before:
        raise WriteError("changed since it was read, not fixed")
    try:
        new = decoded[1](after)
    except UnicodeError as exc:
        raise WriteError(f"cannot encode the fixed text: {exc}") from None
    atomic_write(path, new)


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


def fix_bytes(
    data: bytes, display: str, *, config: Config, unsafe: bool, project: Any = _OWN
) -> FileFix | None:
    """Fix a file's bytes; None when they cannot be decoded and re-encoded losslessly.

    ``project``: the finder of the project modules the file imports (default: next to
    ``display``); the fixes of other files are in ``result.others``, not written here.
    """
    decoded = codec_for(data, display)
    if decoded is None:
        return None
    text, encoder = decoded
    if project is _OWN:
        result = fix_source(text, path=display, unsafe=unsafe, config=config)
    else:
        result = fix_source(text, path=display, unsafe=unsafe, config=config, project=project)
    if not result.changed:
        return FileFix(display, text, result, None)
    try:
        return FileFix(display, text, result, encoder(result.text))
    except UnicodeError as exc:
        return FileFix(display, text, result, None, f"cannot encode the fixed text: {exc}")
