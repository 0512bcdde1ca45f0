"""Which source file of the project an import names, found the way Python would find it.

Real projects keep the model, the data and the training loop in different modules; the
static front end follows their imports (:mod:`xentlint.static.imports`). This module is
the file-system side: it turns ``import a.b``, ``from a.b import c``, ``from . import x``
and ``from .models import f`` into the project's source files, and never into an installed
package (a library's meaning comes from :mod:`xentlint.knowledge`).

Where modules are looked for (the "roots"), in this order, for a file ``F``:

1. ``F``'s own folder: ``python F`` puts it first on ``sys.path``, and notebooks run there;
2. the package root: the folder above the last of ``F``'s folders, going up, that holds an
   ``__init__.py`` (``python -m package.module`` runs from there);
3. the ``src`` setting of ``[tool.xentlint]``: folders relative to the config file (globs,
   ``~`` and environment variables expanded, as ruff's ``src``); by default ``["." ,
   "src"]``, the project root and its ``src/`` layout (ruff's default);
4. for ``import a.b``: the folder above the nearest folder of ``F`` named ``a`` (the
   importing file sits inside a package ``a`` that has no ``__init__.py``).

Within these, a name is found as Python's path finder finds it: a folder with an
``__init__.py`` (a package) first, then a module ``a.py``, and folders without
``__init__.py`` are namespace packages when nothing else has the name. A compiled module
(``.so``, ``.pyc``) has the name but no source: unknown.

A project module that has the name of a standard-library module is never read (Python
imports the standard library's when it is already loaded, as ``os`` is at start-up: too
subtle to guess). One that has the name of a library xentlint knows (``keras.py``,
``tensorflow/``) is what Python imports when it sits in the folder of a script or notebook
(the folder is not a package): it is read, and the library's meaning does not apply. In a
package folder it depends on how the program is started, so it is unknown. Anywhere else
(a ``src`` root, a package root) the installed library comes first: the library's meaning
applies.

Every lookup and every file read is recorded per analysed file (:class:`ProjectFile`), so
the cache can tell when the result of a file depends on another one (:mod:`xentlint.cache`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib.machinery import BYTECODE_SUFFIXES, EXTENSION_SUFFIXES
from pathlib import Path
from typing import Any

from xentlint.config import Config
from xentlint.modules import MODULE, NAMESPACE, UNKNOWN, ModuleFile
from xentlint.sources import UnreadableSource, decode_source, read_file

#: ``src`` when the configuration does not set it (ruff's default).
DEFAULT_SRC = (".", "src")
#: Libraries an import may name besides those of the knowledge base: a project module with
#: one of these names is not the library (see the module docs).
KNOWN_LIBRARIES = frozenset(
    {
        "keras",
        "tensorflow",
        "tf_keras",
        "keras_hub",
        "keras_cv",
        "keras_nlp",
        "tensorflow_datasets",
        "tensorflow_hub",
        "numpy",
        "pandas",
        "sklearn",
        "scipy",
        "torch",
        "jax",
    }
)
STANDARD_LIBRARY = frozenset(getattr(sys, "stdlib_module_names", ())) | frozenset(
    sys.builtin_module_names
)
#: Compiled forms of a module: Python can import them, xentlint cannot read them.
_COMPILED = tuple(EXTENSION_SUFFIXES) + tuple(BYTECODE_SUFFIXES)
#: A file whose analysis would follow more than this many distinct imports stops there.
MAX_LOOKUPS_PER_FILE = 2000


def library_names() -> frozenset[str]:
    """Top-level names of the libraries whose meaning xentlint knows."""
    from xentlint.knowledge import activations, labels, layers, losses, metrics, models

    tables: Iterable[Iterable[str]] = (
        layers.LAYERS,
        layers.LAYER_FUNCTIONS,
        losses.LOSS_CLASSES,
        losses.LOSS_FUNCTIONS,
        losses.LOGITS_OPS,
        labels.LABEL_PRODUCERS,
        labels.INSTANCE_METHODS,
        models.MODEL_PRODUCERS,
        activations.ACTIVATION_FUNCTIONS,
        metrics.THRESHOLD_METRICS,
    )
    return KNOWN_LIBRARIES | {name.split(".", 1)[0] for table in tables for name in table}


def digest_of(data: bytes) -> str:
    import hashlib  # only for files another one imports

    return hashlib.blake2b(data, digest_size=16).hexdigest()


@dataclass
class _Entry:
    """One folder's entries: name -> is a folder (scandir, once per run)."""

    names: dict[str, bool]


class Project:
    """The file system as the static front end sees it during one run.

    ``run_files``: the files of the run (absolute paths): a fix may edit another file only
    when it is one of them. ``overlay``: texts that replace the files on disk (the editor's
    open buffers, a fix not yet written). ``display_base``: the folder that the paths in
    messages are relative to (default: the current directory, as the findings' paths are).

    Folder listings and file contents are read once per run (per process with ``-j``).
    """

    def __init__(
        self,
        config: Config,
        *,
        run_files: Iterable[str | os.PathLike[str]] = (),
        overlay: Mapping[str, str] | None = None,
        display_base: str | None = None,
    ) -> None:
        self.config = config
        self.run_files = frozenset(_normal(p) for p in run_files)
        self.overlay = {_normal(path): text for path, text in (overlay or {}).items()}
        self.display_base = display_base
        self._folders: dict[str, _Entry | None] = {}
        self._files: dict[str, tuple[str, str | None]] = {}
        self._resolved: dict[tuple[str | None, int, str], tuple[str, str, tuple]] = {}
        self._displays: dict[tuple[str, bool], str] = {}
        self._src: tuple[str, ...] | None = None
        self._libraries: frozenset[str] | None = None

    def __getstate__(self) -> dict[str, Any]:  # workers start with empty memos
        state = dict(self.__dict__)
        state.update(_folders={}, _files={}, _resolved={}, _displays={}, _src=None, _libraries=None)
        return state

    # ------------------------------------------------------------------ per analysed file

    def for_file(self, path: str | os.PathLike[str] | None, display: str) -> ProjectFile:
        """The finder for the file at ``path`` (None: stdin without a name, a snippet)."""
        return ProjectFile(self, None if path is None else _normal(path), display)

    # ------------------------------------------------------------------ the file system

    @property
    def libraries(self) -> frozenset[str]:
        if self._libraries is None:
            self._libraries = library_names()
        return self._libraries

    def src_roots(self) -> tuple[str, ...]:
        """The ``src`` folders (existing ones, absolute), from the setting or the default."""
        if self._src is None:
            import glob

            base = os.path.abspath(self.config.base())
            patterns = self.config.src if self.config.src is not None else DEFAULT_SRC
            roots: list[str] = []
            for pattern in patterns:
                expanded = os.path.expandvars(os.path.expanduser(pattern))
                joined = os.path.normpath(os.path.join(base, expanded))
                matches = sorted(glob.glob(joined)) if glob.has_magic(joined) else [joined]
                roots.extend(m for m in matches if os.path.isdir(m) and m not in roots)
            self._src = tuple(roots)
        return self._src

    def set_text(self, path: str, text: str) -> None:
        """From now on the file at ``path`` reads as ``text`` (a fix not yet written)."""
        path = _normal(path)
        self.overlay[path] = text
        self._files.pop(path, None)

    def listing(self, folder: str) -> dict[str, bool] | None:
        entry = self._folders.get(folder, _MISSING)
        if entry is _MISSING:
            try:
                with os.scandir(folder) as scan:
                    names = {item.name: _is_dir(item) for item in scan}
                entry = _Entry(names)
            except OSError:
                entry = None
            self._folders[folder] = entry
        return entry.names if isinstance(entry, _Entry) else None

    def has_file(self, folder: str, name: str) -> bool:
        names = self.listing(folder)
        return names is not None and names.get(name) is False

    def read(self, path: str) -> tuple[str, str | None]:
        """``(digest, text)`` of a project source file; text None when it cannot be read
        (missing, too large, not decodable as CPython would)."""
        found = self._files.get(path)
        if found is None:
            found = self._read(path)
            self._files[path] = found
        return found

    def _read(self, path: str) -> tuple[str, str | None]:
        if path in self.overlay:
            text = self.overlay[path]
            digest = digest_of(text.encode("utf-8", "surrogatepass"))
            return digest, text if len(text) <= self.config.max_file_size else None
        try:
            data = read_file(Path(path), max_bytes=self.config.max_file_size)
        except (UnreadableSource, OSError) as exc:
            return f"unreadable:{type(exc).__name__}", None
        try:
            return digest_of(data), decode_source(data)
        except UnreadableSource:
            return digest_of(data), None

    def display(self, path: str, importer_display: str) -> str:
        """How a message names the project file ``path``: relative to the display base
        (the current directory) when the analysed file is shown relative, else absolute."""
        key = (path, os.path.isabs(importer_display))
        shown = self._displays.get(key)
        if shown is None:
            shown = self._displays[key] = self._display(path, importer_display)
        return shown

    def _display(self, path: str, importer_display: str) -> str:
        if self.display_base is None and os.path.isabs(importer_display):
            return path
        base = self.display_base or os.getcwd()
        try:
            relative = os.path.relpath(path, base)
        except ValueError:  # another drive on Windows
            return path
        return Path(relative).as_posix()

    # ------------------------------------------------------------------ resolution

    def resolve(self, importer: str | None, level: int, name: str) -> tuple[str, str, tuple]:
        """``(kind, path, locations)`` of what the import names; kind "" when it is not a
        project module. Pure function of the file system and the settings (and of the
        importing file's folder only): memoised for the run."""
        key = (os.path.dirname(importer) if importer is not None else None, level, name)
        found = self._resolved.get(key)
        if found is None:
            found = self._resolve(importer, level, name)
            self._resolved[key] = found
        return found

    def _resolve(self, importer: str | None, level: int, name: str) -> tuple[str, str, tuple]:
        parts = [part for part in name.split(".") if part] if name else []
        if level > 0:
            if importer is None:
                return UNKNOWN, "", ()
            base = os.path.dirname(importer)
            for _ in range(level - 1):
                base = os.path.dirname(base)
            if not parts:
                init = os.path.join(base, "__init__.py")
                if self.has_file(base, "__init__.py"):
                    return MODULE, init, (base,)
                return NAMESPACE, "", (base,)
            found = self._find(parts[0], (base,))
        else:
            if not parts:
                return "", "", ()
            top = parts[0]
            if top in STANDARD_LIBRARY:
                return "", "", ()
            own = os.path.dirname(importer) if importer is not None else os.getcwd()
            roots = self._roots(own, top, importer is not None)
            found = self._find(top, roots)
            if found is None:
                return "", "", ()
            if top in self.libraries:
                where = found[3]
                if where != own:
                    return "", "", ()  # the installed library comes first
                if self.has_file(own, "__init__.py"):
                    return UNKNOWN, "", ()  # depends on how the program is started
        if found is None:
            return UNKNOWN, "", ()
        kind, path, locations, _ = found
        for part in parts[1:]:
            if kind == UNKNOWN:
                break
            inner = self._find(part, locations)
            if inner is None:
                return UNKNOWN, "", ()
            kind, path, locations, _ = inner
        return kind, path, locations

    def _roots(self, own: str, top: str, from_file: bool) -> list[str]:
        roots = [own]
        if from_file:
            folder = own
            while self.has_file(folder, "__init__.py"):
                parent = os.path.dirname(folder)
                if parent == folder:
                    break
                folder = parent
            roots.append(folder)
        roots.extend(self.src_roots())
        if from_file:
            folder = own
            while True:
                parent = os.path.dirname(folder)
                if parent == folder:
                    break
                if os.path.basename(folder) == top:
                    roots.append(parent)
                    break
                folder = parent
        unique: list[str] = []
        for root in roots:
            if root not in unique:
                unique.append(root)
        return unique

    def _find(
        self, part: str, locations: Iterable[str]
    ) -> tuple[str, str, tuple[str, ...], str] | None:
        """``(kind, path, submodule locations, root)`` of ``part`` in ``locations``, as
        Python's path finder looks: per location a package, then a module, and namespace
        portions only when no location has either."""
        portions: list[str] = []
        first_portion = ""
        for folder in locations:
            names = self.listing(folder)
            if not names:
                continue
            package = os.path.join(folder, part)
            if names.get(part) is True:
                inside = self.listing(package) or {}
                if inside.get("__init__.py") is False:
                    return MODULE, os.path.join(package, "__init__.py"), (package,), folder
                if any(inside.get(f"__init__{suffix}") is False for suffix in _COMPILED):
                    return UNKNOWN, "", (package,), folder
            if any(names.get(part + suffix) is False for suffix in EXTENSION_SUFFIXES):
                return UNKNOWN, "", (), folder
            if names.get(part + ".py") is False:
                return MODULE, os.path.join(folder, part + ".py"), (), folder
            if any(names.get(part + suffix) is False for suffix in BYTECODE_SUFFIXES):
                return UNKNOWN, "", (), folder
            if names.get(part) is True:
                portions.append(package)
                first_portion = first_portion or folder
        if portions:
            return NAMESPACE, "", tuple(portions), first_portion
        return None


_MISSING: Any = object()


def _is_dir(entry: os.DirEntry[str]) -> bool | None:
    """True for a folder, False for a regular file, None for anything else."""
    try:
        if entry.is_dir():
            return True
        if entry.is_file():
            return False
    except OSError:
        pass
    return None


def _normal(path: str | os.PathLike[str]) -> str:
    return os.path.normpath(os.path.abspath(os.fspath(path)))


@dataclass
class Dependencies:
    """What the analysis of one file read besides the file: for the cache.

    ``lookups``: ``(importer, level, name) -> "kind:path"``; ``reads``: path -> digest;
    ``edits``: path -> whether a fix may edit it.
    """

    lookups: dict[tuple[str, int, str], str] = field(default_factory=dict)
    reads: dict[str, str] = field(default_factory=dict)
    edits: dict[str, bool] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.lookups or self.reads or self.edits)

    def to_json(self) -> dict[str, list[list[Any]]]:
        return {
            "lookups": [[i, lv, n, r] for (i, lv, n), r in sorted(self.lookups.items())],
            "reads": [[p, d] for p, d in sorted(self.reads.items())],
            "edits": [[p, e] for p, e in sorted(self.edits.items())],
        }

    @classmethod
    def from_json(cls, data: Any) -> Dependencies | None:
        """The dependencies stored in a cache entry; None when they are malformed."""
        try:
            lookups = {(str(i), int(lv), str(n)): str(r) for i, lv, n, r in data["lookups"]}
            reads = {str(p): str(d) for p, d in data["reads"]}
            edits = {str(p): bool(e) for p, e in data["edits"]}
        except (KeyError, TypeError, ValueError):
            return None
        return cls(lookups, reads, edits)


class ProjectFile:
    """The :class:`~xentlint.modules.ModuleFinder` of one analysed file; records what it
    looked up and read (:attr:`dependencies`)."""

    def __init__(self, project: Project, path: str | None, display: str) -> None:
        self.project = project
        self.path = path
        self.display = display
        self.dependencies = Dependencies()

    def find(self, importer: str | None, level: int, name: str) -> ModuleFile | None:
        key = (importer or "", level, name)
        if key not in self.dependencies.lookups and (
            len(self.dependencies.lookups) >= MAX_LOOKUPS_PER_FILE
        ):
            return ModuleFile(UNKNOWN, name)
        kind, path, locations = self.project.resolve(importer, level, name)
        self.dependencies.lookups[key] = f"{kind}:{path}"
        if not kind:
            return None
        if kind != MODULE:
            return ModuleFile(kind, name, None, locations)
        digest, text = self.project.read(path)
        self.dependencies.reads[path] = digest
        display = self.project.display(path, self.display)
        return ModuleFile(MODULE, name, path, locations, text, digest, display)

    def written(self, path: str) -> ProjectFile:
        """The finder of a file this notebook writes (a ``%%writefile`` cell's ``path``,
        relative to the notebook's folder): its imports are looked up from that file's
        folder, as the file runs, and recorded with this file's dependencies."""
        base = os.path.dirname(self.path) if self.path is not None else os.getcwd()
        target = _normal(os.path.join(base, os.path.expanduser(path)))
        finder = ProjectFile(self.project, target, self.display)
        finder.dependencies = self.dependencies
        return finder

    def can_edit(self, path: str) -> bool:
        allowed = _normal(path) in self.project.run_files
        self.dependencies.edits[path] = allowed
        return allowed

    def display_of(self, path: str) -> str:
        return self.project.display(path, self.display)


def still_valid(project: Project, dependencies: Dependencies) -> bool:
    """Whether every lookup, read and edit permission recorded for a file gives the same
    answer now (the cache uses it before trusting an entry)."""
    for (importer, level, name), result in dependencies.lookups.items():
        kind, path, _ = project.resolve(importer or None, level, name)
        if f"{kind}:{path}" != result:
            return False
    for path, digest in dependencies.reads.items():
        if project.read(path)[0] != digest:
            return False
    return all(
        (_normal(path) in project.run_files) == allowed
        for path, allowed in dependencies.edits.items()
    )
