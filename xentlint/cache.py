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

The analysis of a file may read other files: the project modules it imports
(:mod:`xentlint.project`). Then its findings depend on where it is and on those files: the
entry under the content key only says so ("located"), and the findings are stored under a
second key that adds the file's absolute path, its display name and the working folder,
with every lookup, read and fix permission the analysis used (path and BLAKE2b digest of
each file read). Such an entry is used only when each lookup finds the same file again and
each file read still has the same digest: editing ``models.py`` re-lints ``train.py``.
A file whose imports all name libraries (nothing of the project) keeps one shared entry,
with the names it looked up: they are looked up again from the file's own folder, and a
project module that appeared meanwhile (a ``models.py`` next to it) is a miss.

Entries are written to a temporary file and moved in place with :func:`os.replace`, so a
concurrent run reads either a whole entry or none. An entry is trusted only when it proves
itself whole: it starts with a magic line carrying a BLAKE2b checksum of the rest, the rest
is a JSON object naming the entry's own key, and every finding in it has exactly the fields
of a :class:`~xentlint.diagnostics.Diagnostic`, each of its type. Anything else (a file left
empty or half-written by a crash, bytes garbled on disk, an entry of another key or another
format) is a miss, so a cached run always says what ``--no-cache`` says. Entries are not
fsynced: the checksum is what makes a torn write harmless.

A cache that cannot be created or written (read-only folder, full disk) is silently
skipped: the cache only ever makes a run faster, never different. A cache folder that is a
symbolic link (or holds one where its own folders should be) is refused with a warning
(:class:`UnsafeCacheFolder`): a link planted in a repository would otherwise make xentlint
write into the link's target. Entries are opened without following links and only when
they are regular files. The folder holds a ``.gitignore`` (``*``) and a ``CACHEDIR.TAG``,
and each version's entries live in their own subfolder (``rm -rf .xentlint_cache`` is
always safe).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import stat
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from xentlint import __version__
from xentlint.catalog import RULES
from xentlint.config import Config
from xentlint.diagnostics import Diagnostic, Place
from xentlint.project import Dependencies, Project, still_valid
from xentlint.rule_memo import package_signature
from xentlint.sources import is_notebook_path

CACHE_DIR_NAME = ".xentlint_cache"
_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by xentlint.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)
_FIELDS = tuple(f.name for f in dataclasses.fields(Diagnostic) if f.name != "path")
#: The first bytes of every entry, then the checksum of what follows it, then a newline.
ENTRY_MAGIC = b"xentlint-cache-entry 1 "
ENTRY_CHECKSUM_BYTES = 16
#: An entry larger than this is not one of ours (a 1 MiB file with a finding on every line
#: stores about 20 MB).
MAX_ENTRY_BYTES = 64 * 1024 * 1024
_INT_FIELDS = ("line", "column", "end_line", "end_column")
_STR_FIELDS = ("code", "name", "severity", "message", "explanation")
_OPTIONAL_STR_FIELDS = ("fix_title", "where", "fix_reason")
_PLACE_FIELDS = tuple(f.name for f in dataclasses.fields(Place))
_FIX_SAFETY = (None, "safe", "unsafe")
_BINARY = getattr(os, "O_BINARY", 0)  # Windows: no newline translation (the checksum)


class UnsafeCacheFolder(Exception):
    """The cache folder (or a folder inside it) is a symbolic link."""


def default_cache_dir(config: Config) -> Path:
    return config.base() / CACHE_DIR_NAME


def code_fingerprint() -> str:
    """A hash of xentlint's own modules (size, mtime), LibCST's installed files and Python's
    version."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{__version__}|{sys.version_info[:3]}|{_libcst_version()}".encode())
    digest.update(package_signature().encode())
    return digest.hexdigest()


def _libcst_version() -> str:
    """Which LibCST is installed, without importing it (nor ``importlib.metadata``, ~25 ms):
    where its package is, and the size and modification time of its version file."""
    from importlib.util import find_spec

    try:
        spec = find_spec("libcst")
    except (ImportError, ValueError):  # pragma: no cover - a runtime dependency
        spec = None
    if spec is None or not spec.origin:
        return "?"
    folder = os.path.dirname(spec.origin)
    parts = [folder]
    for name in ("_version.py", "__init__.py"):
        try:
            info = os.stat(os.path.join(folder, name))
        except OSError:
            continue
        parts.append(f"{name}:{info.st_size}:{info.st_mtime_ns}")
    return ";".join(parts)


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

        Nothing is created on disk until the first entry is stored. Raises
        :class:`UnsafeCacheFolder` when the folder, its version subfolder or one of their
        shard folders is a symbolic link.
        """
        folder = Path(folder) if folder is not None else default_cache_dir(config)
        enabled = ",".join(code for code in RULES if config.selection.enabled(code))
        salt = f"{code_fingerprint()}|{enabled}|{config.max_file_size}"
        cache = cls(folder, salt)
        cache.verify()
        return cache

    def verify(self) -> None:
        """Raise :class:`UnsafeCacheFolder` if one of the cache's folders is a symbolic link."""
        for folder in (self.folder, self.entries):
            _check_folder(folder)
        try:
            shards = list(os.scandir(self.entries))
        except OSError:  # not there yet (or unreadable: then every entry is a miss)
            return
        for shard in shards:
            if shard.is_symlink():
                raise UnsafeCacheFolder(f"{shard.path} is a symbolic link")

    def _prepare(self) -> bool:
        if self._usable is None:
            try:
                self.verify()  # again in each worker process: it was checked in the parent
                self.entries.mkdir(parents=True, exist_ok=True)
                self.verify()  # and after creating it: a link may have been put in between
                if not (self.folder / ".gitignore").exists():
                    _write_atomic(self.folder / ".gitignore", b"# created by xentlint\n*\n")
                    _write_atomic(self.folder / "CACHEDIR.TAG", _TAG.encode())
                self._usable = True
            except (OSError, UnsafeCacheFolder):
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

    def located_key(self, key: str, path: str | os.PathLike[str], display: str) -> str:
        """The key of the findings of a file whose analysis read other files."""
        digest = hashlib.blake2b(digest_size=20)
        where = os.path.normpath(os.path.abspath(path))
        digest.update(f"{key}|{where}|{display}|{os.getcwd()}".encode())
        return digest.hexdigest()

    def load(
        self,
        key: str,
        display: str,
        *,
        path: str | os.PathLike[str] | None = None,
        project: Project | None = None,
    ) -> list[Diagnostic] | None:
        """The stored findings for ``key``, with ``display`` as their path; None on a miss.

        ``path`` and ``project``: where the file is and the run's view of the project,
        to check an entry whose findings depend on other files (see the module docs).
        """
        document = _document(_read_entry(self._entry(key)), key)
        if document is None:
            return None
        if document.get("located") is True and "findings" not in document:
            if path is None or project is None:
                return None
            second = self.located_key(key, path, display)
            document = _document(_read_entry(self._entry(second)), second)
            if document is None:
                return None
            dependencies = Dependencies.from_json(document.get("dependencies"))
            if dependencies is None or not still_valid(project, dependencies):
                return None
        elif "portable" in document:
            if path is None or project is None or not _still_libraries(document, path, project):
                return None
        rows = _rows(document)
        if rows is None:
            return None
        return [_diagnostic(display, row) for row in rows]

    def store(
        self,
        key: str,
        diagnostics: Sequence[Diagnostic],
        dependencies: Dependencies | None = None,
        *,
        path: str | os.PathLike[str] | None = None,
        display: str | None = None,
    ) -> None:
        """Remember the findings for ``key`` (best effort: errors are ignored), with the
        ``dependencies`` of their analysis (the file at ``path`` shown as ``display``)."""
        if not self._prepare():
            return
        if not dependencies:
            self._write(key, _encode(key, diagnostics))
            return
        if path is None or display is None:
            return
        own = os.path.normpath(os.path.abspath(path))
        portable = _library_lookups(dependencies, own)
        if portable is not None:
            self._write(key, _encode(key, diagnostics, portable=portable))
            return
        second = self.located_key(key, path, display)
        extra = {"dependencies": dependencies.to_json()}
        if self._write(second, _encode(second, diagnostics, **extra)):
            self._write(key, _encode(key, None))

    def _write(self, key: str, data: bytes) -> bool:
        entry = self._entry(key)
        try:
            try:
                entry.parent.mkdir()
            except FileExistsError:
                pass
            if not stat.S_ISDIR(os.lstat(entry.parent).st_mode):  # a link or a file
                return False
            _write_atomic(entry, data)
        except OSError:
            return False
        return True


def _check_folder(folder: Path) -> None:
    try:
        mode = os.lstat(folder).st_mode
    except OSError:  # not there yet, or cannot be looked at (then storing fails: skipped)
        return
    if stat.S_ISLNK(mode):
        raise UnsafeCacheFolder(f"{folder} is a symbolic link")


def _library_lookups(dependencies: Dependencies, own: str) -> list[list[Any]] | None:
    """``[[level, name], ...]`` when the analysis only looked up names of the analysed file
    that are no module of the project (its result then does not depend on where it is)."""
    if dependencies.reads or dependencies.edits:
        return None
    out: list[list[Any]] = []
    for (importer, level, name), result in sorted(dependencies.lookups.items()):
        if importer != own or result != ":":
            return None
        out.append([level, name])
    return out


def _still_libraries(document: dict[str, Any], path: Any, project: Project) -> bool:
    lookups = document.get("portable")
    if not isinstance(lookups, list):
        return False
    own = os.path.normpath(os.path.abspath(path))
    for item in lookups:
        if not (isinstance(item, list) and len(item) == 2):
            return False
        level, name = item
        if type(level) is not int or not isinstance(name, str):
            return False
        if project.resolve(own, level, name)[0]:
            return False
    return True


def _encode(key: str, diagnostics: Sequence[Diagnostic] | None, **extra: Any) -> bytes:
    document: dict[str, Any] = {"key": key}
    if diagnostics is None:
        document["located"] = True
    else:
        document["findings"] = [_row(d) for d in diagnostics]
    document.update(extra)
    body = json.dumps(document, separators=(",", ":")).encode()
    checksum = hashlib.blake2b(body, digest_size=ENTRY_CHECKSUM_BYTES).hexdigest().encode()
    return ENTRY_MAGIC + checksum + b"\n" + body


def _row(d: Diagnostic) -> dict[str, Any]:
    row = {k: getattr(d, k) for k in _FIELDS}
    row["related"] = [dataclasses.asdict(place) for place in d.related]
    return row


def _diagnostic(display: str, row: dict[str, Any]) -> Diagnostic:
    places = tuple(Place(**place) for place in row["related"])
    return Diagnostic(path=display, **{**row, "related": places})


def _read_entry(path: Path) -> bytes | None:
    """An entry's bytes: a regular file, opened without following links; None otherwise."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | _BINARY
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_ENTRY_BYTES:
            return None
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read(MAX_ENTRY_BYTES + 1)
    except OSError:
        return None
    finally:
        os.close(fd)


def _document(raw: bytes | None, key: str) -> dict[str, Any] | None:
    """The document of a whole, valid entry for ``key``; None for anything else."""
    if raw is None:
        return None
    header, newline, body = raw.partition(b"\n")
    if not newline or not header.startswith(ENTRY_MAGIC):
        return None
    expected = hashlib.blake2b(body, digest_size=ENTRY_CHECKSUM_BYTES).hexdigest().encode()
    if header[len(ENTRY_MAGIC) :] != expected:
        return None
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if not isinstance(document, dict) or document.get("key") != key:
        return None
    return document


def _rows(document: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The findings of an entry's document, when each has exactly a Diagnostic's fields."""
    rows = document.get("findings")
    if not isinstance(rows, list) or not all(_valid_row(row) for row in rows):
        return None
    return rows


def _valid_row(row: object) -> bool:
    """Whether ``row`` has exactly a Diagnostic's fields (less the path), each of its type."""
    if not isinstance(row, dict) or set(row) != set(_FIELDS):
        return False
    for name in _INT_FIELDS:
        value = row[name]
        if type(value) is not int or value < 0:  # bool is not a line number
            return False
    if any(type(row[name]) is not str for name in _STR_FIELDS):
        return False
    if any(row[name] is not None and type(row[name]) is not str for name in _OPTIONAL_STR_FIELDS):
        return False
    cell = row["cell"]
    if cell is not None and (type(cell) is not int or cell < 1):
        return False
    related = row["related"]
    if not isinstance(related, list) or not all(_valid_place(place) for place in related):
        return False
    return row["fix_safety"] in _FIX_SAFETY


def _valid_place(place: object) -> bool:
    if not isinstance(place, dict) or set(place) != set(_PLACE_FIELDS):
        return False
    if place["path"] is not None and type(place["path"]) is not str:
        return False
    for name in _INT_FIELDS:
        if type(place[name]) is not int or place[name] < 0:
            return False
    cell = place["cell"]
    return cell is None or (type(cell) is int and cell >= 1)


def _write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then move it over ``path``."""
    temporary = path.with_name(f"{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _BINARY, 0o644)
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
