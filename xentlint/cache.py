"""A content cache of per-file findings, so that an unchanged tree re-lints in a blink.

One entry per linted file content, in ``.xentlint_cache/`` next to the config file (the
current directory without one), or ``--cache-dir``. An entry's key hashes:

* what produces the findings: the xentlint version, a fingerprint of its own source files
  (size and modification time of every module, so an edited checkout never reads stale
  entries), the Python version (``ast`` decides what is a syntax error) and LibCST's;
* the effective configuration for that file: the enabled rule codes, the per-file ignores
  that apply to its path, the size limit, and whether it is read as a notebook;
* the file's bytes (BLAKE2b).

The file's path is not part of the key: identical files share one entry, and the entry
stores the findings without their path. Findings that do not come from the content (a file
that could not be read) are never stored.

Entries are written to a temporary file and moved in place with :func:`os.replace`, so a
concurrent run reads either a whole entry or none; an entry that cannot be read or decoded
is a miss. A cache that cannot be created or written (read-only folder, full disk) is
silently skipped: the cache only ever makes a run faster, never different. The folder holds
a ``.gitignore`` (``*``) and a ``CACHEDIR.TAG``, and each version's entries live in their
own subfolder (``rm -rf .xentlint_cache`` is always safe).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from xentlint import __version__
from xentlint.catalog import RULES
from xentlint.config import Config
from xentlint.diagnostics import Diagnostic
from xentlint.sources import is_notebook_path

CACHE_DIR_NAME = ".xentlint_cache"
_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by xentlint.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)
_FIELDS = tuple(f.name for f in dataclasses.fields(Diagnostic) if f.name != "path")


def default_cache_dir(config: Config) -> Path:
    return config.base() / CACHE_DIR_NAME


def code_fingerprint() -> str:
    """A hash of xentlint's own modules (size, mtime), LibCST's version and Python's."""
    digest = hashlib.blake2b(digest_size=16)
    package = Path(__file__).resolve().parent
    digest.update(f"{__version__}|{sys.version_info[:3]}|{_libcst_version()}".encode())
    for folder, dirs, names in os.walk(package):
        dirs.sort()
        for name in sorted(names):
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                try:
                    info = os.stat(path)
                except OSError:
                    continue
                relative = os.path.relpath(path, package)
                digest.update(f"{relative}|{info.st_size}|{info.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _libcst_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("libcst")
    except PackageNotFoundError:  # pragma: no cover - a runtime dependency
        return "?"


class Cache:
    """The entries of one run: ``key`` a file's content, ``load`` / ``store`` its findings.

    Picklable (a folder and a salt), so worker processes use the same cache.
    """

    def __init__(self, folder: Path, salt: str) -> None:
        self.folder = Path(folder)
        self.salt = salt
        self.entries = self.folder / __version__
        self._usable: bool | None = None  # created on the first store, in each process

    def __getstate__(self) -> dict[str, object]:
        return {**self.__dict__, "_usable": None}  # each worker process checks for itself

    @classmethod
    def open(cls, config: Config, folder: Path | None = None) -> Cache:
        """The cache for ``config`` in ``folder`` (default: ``.xentlint_cache``).

        Nothing is created on disk until the first entry is stored.
        """
        folder = Path(folder) if folder is not None else default_cache_dir(config)
        enabled = ",".join(code for code in RULES if config.selection.enabled(code))
        salt = f"{code_fingerprint()}|{enabled}|{config.max_file_size}"
        return cls(folder, salt)

    def _prepare(self) -> bool:
        if self._usable is None:
            try:
                self.entries.mkdir(parents=True, exist_ok=True)
                if not (self.folder / ".gitignore").exists():
                    _write_atomic(self.folder / ".gitignore", b"# created by xentlint\n*\n")
                    _write_atomic(self.folder / "CACHEDIR.TAG", _TAG.encode())
                self._usable = True
            except OSError:
                self._usable = False
        return self._usable

    def key(self, data: bytes, display: str, config: Config) -> str:
        """The key of a file with bytes ``data`` shown as ``display``."""
        dropped = config.ignored_for(Path(display)) if display else ()
        digest = hashlib.blake2b(digest_size=20)
        header = f"{self.salt}|{','.join(dropped)}|{is_notebook_path(display)}\n"
        digest.update(header.encode())
        digest.update(data)
        return digest.hexdigest()

    def _entry(self, key: str) -> Path:
        return self.entries / key[:2] / key[2:]

    def load(self, key: str, display: str) -> list[Diagnostic] | None:
        """The stored findings for ``key``, with ``display`` as their path; None on a miss."""
        try:
            with open(self._entry(key), "rb") as handle:
                raw = handle.read()
        except OSError:
            return None
        if not raw:
            return []
        try:
            rows = json.loads(raw)
            return [Diagnostic(path=display, **{k: row[k] for k in _FIELDS}) for row in rows]
        except (ValueError, TypeError, KeyError):
            return None

    def store(self, key: str, diagnostics: Sequence[Diagnostic]) -> None:
        """Remember the findings for ``key`` (best effort: errors are ignored)."""
        rows = [{k: getattr(d, k) for k in _FIELDS} for d in diagnostics]
        data = json.dumps(rows, separators=(",", ":")).encode() if rows else b""
        if not self._prepare():
            return
        entry = self._entry(key)
        try:
            entry.parent.mkdir(exist_ok=True)
            _write_atomic(entry, data)
        except OSError:
            pass


def _write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then move it over ``path``."""
    temporary = path.with_name(f"{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            _write_all(fd, data)
        finally:
            os.close(fd)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]
