"""Imports of the project's own modules: evaluated once per run, bound as abstract values.

``from trainer.models import build_classifier`` in ``train.py`` binds the function that
``trainer/models.py`` defines, so a model built there and compiled here is one program.
The file system is the pipeline's business (:class:`xentlint.modules.ModuleFinder`); this
module turns what it finds into values:

* an import binds a :class:`Lazy` name: the module is parsed and its top level run when a
  name it binds is first used (``import tensorflow_addons as tfa`` then ``tfa.losses.X``
  evaluates the package's ``__init__.py`` and ``losses``, not the whole library). Each
  module is evaluated once per process (memoised by path and content, :data:`MEMO`), by
  an interpreter of its own: what it binds is its namespace. The facts it records there
  are its own (reported when that file is linted), not the importer's;
* each analysis works on a copy of the namespaces it uses (:func:`clone`): a model that
  ``train.py`` compiles is not compiled for ``eval.py``;
* an import cycle, a chain deeper than :data:`MAX_IMPORT_DEPTH`, a module that cannot be
  read, does not parse or makes the interpreter fail: its names are unknown.

A memoised module remembers every lookup its evaluation made (its own imports, and theirs):
a later importer replays them through its own finder, which records them for the cache and
tells whether the memo is still current (a module it imports changed on disk meanwhile).
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import libcst as cst

from xentlint.modules import MODULE, NAMESPACE, ModuleFile, ModuleFinder
from xentlint.prefilter import imported_names
from xentlint.static.values import (
    UNKNOWN,
    BoundMethod,
    DatasetMethod,
    Layer,
    Mapping,
    Model,
    ModelMethod,
    Object,
    Seq,
    Value,
)

#: Nested evaluations (a imports b imports c...) beyond this depth give unknown names.
MAX_IMPORT_DEPTH = 8
#: Source characters the memo keeps parsed (LibCST holds ~270 bytes per source byte).
MEMO_CHARACTERS = 1_000_000
#: How many modules were parsed and evaluated (tests check "once per run" with it).
EVALUATIONS: Counter[str] = Counter()
#: Modules explored to find the import cycles a module is part of (see Imports.cyclic).
MAX_CYCLE_SEARCH = 64

Signature = tuple[str, str, str]  # kind, path, digest of what one lookup found
Lookup = tuple[str | None, int, str]  # importer, level, name


@dataclass(eq=False)
class ModuleScope:
    """One module's top-level names, as the interpreter runs it."""

    module: cst.Module
    globals: dict[str, Value]
    path: str | None  # the module's file (None: a snippet)
    main: bool = True  # run as the program (``__name__ == "__main__"``), not imported
    foreign: ForeignModule | None = None  # the project module it belongs to (imports)
    bound: set[str] | None = None  # names bound anywhere in the module (lazily)


@dataclass(eq=False)
class ModuleValue(Value):
    """A project module (or namespace package) bound by ``import``."""

    file: ModuleFile
    scope: ModuleScope | None  # None: a namespace package (submodules only)
    importer: str | None
    level: int
    name: str


@dataclass(eq=False)
class Lazy(Value):
    """A name an import of a project module binds, evaluated when it is used: the module
    ``name`` (``level`` dots, imported by ``importer``), or its attribute ``attr``."""

    importer: str | None
    level: int
    name: str
    attr: str | None = None


@dataclass(eq=False)
class ForeignModule:
    """A project module: its tree, and its namespace once evaluated."""

    file: ModuleFile
    module: cst.Module | None = None
    scope: ModuleScope | None = None
    state: str = "new"  # new | running | done | failed
    owners: dict[Any, Any] = field(default_factory=dict)  # node -> its top-level statement
    tops: frozenset[int] = frozenset()  # ids of its top-level statements
    lookups: list[tuple[Lookup, Signature]] = field(default_factory=list)
    tainted: bool = False  # saw a cycle or the depth limit: not kept in the memo
    cyclic: frozenset[str] = frozenset()  # the modules it imports that import it back
    imported: list[ForeignModule] = field(default_factory=list)  # what its evaluation used
    #: computed by the static front end when a finding needs them (analyze.py)
    positions: Any = None
    own: dict[tuple[str, ...], Any] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return self.file.path or ""

    @property
    def display(self) -> str:
        return self.file.display or self.path

    def holds(self, statement: Any) -> bool:
        return id(statement) in self.tops


_NAMES: OrderedDict[str, list[tuple[int, str]]] = OrderedDict()  # text -> imported_names


def _names_of(text: str) -> list[tuple[int, str]]:
    found = _NAMES.get(text)
    if found is None:
        found = imported_names(text)
        _NAMES[text] = found
        if len(_NAMES) > 512:
            _NAMES.popitem(last=False)
    return found


class _Memo:
    """Evaluated project modules by (path, digest), least recently used first out."""

    def __init__(self) -> None:
        self.entries: OrderedDict[tuple[str, str], ForeignModule] = OrderedDict()
        self.characters = 0
        self.lock = threading.Lock()  # the language server lints on a thread of its own

    def get(self, key: tuple[str, str]) -> ForeignModule | None:
        found = self.entries.get(key)
        if found is not None:
            self.entries.move_to_end(key)
        return found

    def put(self, key: tuple[str, str], module: ForeignModule) -> None:
        size = len(module.file.text or "")
        old = self.entries.pop(key, None)
        if old is not None:
            self.characters -= len(old.file.text or "")
        self.entries[key] = module
        self.characters += size
        while self.characters > MEMO_CHARACTERS and len(self.entries) > 1:
            _, evicted = self.entries.popitem(last=False)
            self.characters -= len(evicted.file.text or "")

    def remove(self, key: tuple[str, str]) -> None:
        old = self.entries.pop(key, None)
        if old is not None:
            self.characters -= len(old.file.text or "")

    def clear(self) -> None:
        self.entries.clear()
        self.characters = 0


MEMO = _Memo()

Evaluator = Callable[["ForeignModule", "Imports"], None]


class Imports:
    """The project imports of one analysis (the analysed file and what it imports)."""

    def __init__(
        self,
        finder: ModuleFinder,
        evaluate: Evaluator,
        parse: Callable[[str], Any],
        root_text: str = "",
    ) -> None:
        self.finder = finder
        self.root_text = root_text  # the analysed file's source (its own import cycles)
        self.evaluate = evaluate
        self.parse = parse
        self.running: list[ForeignModule] = []  # evaluations in progress, innermost last
        self.used: list[ForeignModule] = []  # every module whose values this analysis saw
        self._root_cyclic: frozenset[str] | None = None

    # ------------------------------------------------------------------ cycles

    def cyclic(self, path: str | None, text: str) -> frozenset[str]:
        """The project modules that the module at ``path`` imports and that import it back,
        directly or not: an import cycle. Found on the import statements (not on what runs),
        so every file sees the same cycles whatever it was linted after: the names a module
        imports from its own cycle are unknown, the rule the issue sets for cycles."""
        if path is None:
            return frozenset()
        edges: dict[str, list[str]] = {}
        texts = {path: text}
        pending = [path]
        while pending and len(edges) < MAX_CYCLE_SEARCH:
            node = pending.pop(0)
            targets: list[str] = []
            for level, name in _names_of(texts[node]):
                found = self.find(node, level, name)
                if found is None or found.kind != MODULE or not found.path:
                    continue
                if found.path not in targets:
                    targets.append(found.path)
                if found.path not in texts and found.text is not None:
                    texts[found.path] = found.text
                    pending.append(found.path)
            edges[node] = targets
        back = {path}  # the explored modules that lead back to ``path``
        changed = True
        while changed:
            changed = False
            for node, targets in edges.items():
                if node not in back and any(target in back for target in targets):
                    back.add(node)
                    changed = True
        return frozenset(target for target in edges.get(path, ()) if target in back)

    def closes_cycle(self, importer: str | None, target: str | None, scope_foreign: Any) -> bool:
        """Whether an import in ``importer`` (a module of ``scope_foreign``, or the analysed
        file) of the module at ``target`` stays within an import cycle."""
        if target is None:
            return False
        if scope_foreign is not None:
            cyclic = scope_foreign.cyclic
        else:
            if self._root_cyclic is None:
                self._root_cyclic = self.cyclic(self.finder.path, self.root_text)
            cyclic = self._root_cyclic
        return target in cyclic

    # ------------------------------------------------------------------ lookups

    def find(self, importer: str | None, level: int, name: str) -> ModuleFile | None:
        found = self.finder.find(importer, level, name)
        signature = _signature(found)
        for module in self.running:
            module.lookups.append(((importer, level, name), signature))
        return found

    def in_cycle(self, found: ModuleFile) -> bool:
        """Whether importing ``found`` now closes a cycle (it is being evaluated, or it is
        the analysed file): its names are unknown then, as the issue's rule says."""
        if found.path is not None and (
            found.path == self.finder.path or any(m.path == found.path for m in self.running)
        ):
            self._taint()
            return True
        return False

    def module(self, importer: str | None, level: int, name: str) -> ModuleValue | Value | None:
        """The value ``import name`` binds: a :class:`ModuleValue`, UNKNOWN, or None when it
        is not a project module (a library)."""
        found = self.find(importer, level, name)
        if found is None:
            return None
        if found.kind == NAMESPACE:
            return ModuleValue(found, None, importer, level, name)
        if found.kind != MODULE or found.path is None or found.text is None:
            return UNKNOWN
        if found.path == self.finder.path:
            self._taint()  # what the modules on the way get depends on where we started
            return UNKNOWN  # the analysed file, imported back (a cycle through it)
        foreign = self._evaluated(found)
        if foreign is None or foreign.scope is None:
            return UNKNOWN
        return ModuleValue(found, foreign.scope, importer, level, name)

    def _evaluated(self, found: ModuleFile) -> ForeignModule | None:
        key = (found.path or "", found.digest)
        with MEMO.lock:
            cached = MEMO.get(key)
        if cached is not None:
            if cached.state == "running":
                self._taint()
                return None  # an import cycle: its names are not known yet
            if self._replay(cached):
                return self._use(cached)
        return self._fresh(found, key)

    def _taint(self) -> None:
        """The modules being evaluated saw a cycle or the depth limit: their namespaces
        depend on the module the evaluation started from, so none of them is memoised (the
        output must not depend on the order files are linted in)."""
        for module in self.running:
            module.tainted = True

    def _fresh(self, found: ModuleFile, key: tuple[str, str]) -> ForeignModule | None:
        if len(self.running) >= MAX_IMPORT_DEPTH:
            self._taint()
            return None
        foreign = ForeignModule(found)
        with MEMO.lock:
            MEMO.put(key, foreign)
        foreign.state = "running"
        self.running.append(foreign)
        try:
            EVALUATIONS[found.path or ""] += 1
            foreign.module = self.parse(found.text or "")
            foreign.tops = frozenset(id(stmt) for stmt in foreign.module.body)
            foreign.cyclic = self.cyclic(found.path, found.text or "")
            self.evaluate(foreign, self)
            foreign.state = "done" if foreign.scope is not None else "failed"
        except Exception:  # noqa: BLE001 - does not parse, or an interpreter bug: unknown
            foreign.state = "failed"
            foreign.scope = None
        finally:
            self.running.pop()
            if foreign.tainted:
                with MEMO.lock:
                    if MEMO.get(key) is foreign:
                        MEMO.remove(key)
        return self._use(foreign) if foreign.state == "done" else None

    def _replay(self, cached: ForeignModule) -> bool:
        """Look up again what the memoised module's evaluation looked up (this analysis'
        finder records it); False when a lookup finds something else now."""
        same = True
        for (importer, level, name), signature in cached.lookups:
            found = self.finder.find(importer, level, name)
            for module in self.running:
                module.lookups.append(((importer, level, name), _signature(found)))
            same = same and _signature(found) == signature
        return same and cached.state in ("done", "failed")

    def _use(self, foreign: ForeignModule) -> ForeignModule | None:
        if foreign.state != "done":
            return None
        if self.running and foreign not in self.running[-1].imported:
            self.running[-1].imported.append(foreign)
        pending = [foreign]
        while pending:  # its values may hold nodes of the modules it imported in turn
            module = pending.pop()
            if module not in self.used:
                self.used.append(module)
                pending.extend(module.imported)
        return foreign

    # ------------------------------------------------------------------ origins

    def display(self, foreign: ForeignModule) -> str:
        """How this analysis' messages name an imported module: asked of its finder, not
        kept with the memoised module (another run, in another folder, shows it otherwise)."""
        if not foreign.path:
            return foreign.display
        return self.finder.display_of(foreign.path)

    def origin(self, node: Any, owners: dict[Any, Any]) -> ForeignModule | None:
        """The project module a node of a finding belongs to; None: the analysed file."""
        statement = owners.get(node)
        for foreign in self.used:
            if statement is not None:
                if foreign.holds(statement):
                    return foreign
            elif node in foreign.owners:
                return foreign
        return None


def _signature(found: ModuleFile | None) -> Signature:
    if found is None:
        return ("", "", "")
    return (found.kind, found.path or "", found.digest)


# --------------------------------------------------------------------------- copies


class Clones:
    """One analysis' copies of the values of the project modules it imports.

    Evaluated namespaces are shared by every file that imports them during a run; an
    analysis that compiles an imported model, or sets an attribute of an imported object,
    does so on its own copy. ``on_model`` is told of each copied model (the analysis then
    reports what is compiled on it).
    """

    def __init__(self, on_model: Callable[[Model], None]) -> None:
        self.on_model = on_model
        self.values: dict[int, tuple[Any, Any]] = {}  # id(original) -> (original, copy)
        self.scopes: dict[int, tuple[ModuleScope, ModuleScope]] = {}
        self.copies: set[int] = set()  # ids of the copies (kept alive by self.scopes)

    def scope(self, original: ModuleScope) -> ModuleScope:
        if id(original) in self.copies:
            return original
        known = self.scopes.get(id(original))
        if known is not None:
            return known[1]
        copy = ModuleScope(original.module, {}, original.path, False, original.foreign)
        self.scopes[id(original)] = (original, copy)
        self.copies.add(id(copy))
        for name, value in original.globals.items():
            copy.globals[name] = self.value(value)
        return copy

    def value(self, value: Any) -> Any:
        if not isinstance(value, _MUTABLE):
            return value
        known = self.values.get(id(value))
        if known is not None:
            return known[1]
        if isinstance(value, Model):
            model = replace(
                value,
                compiles=list(value.compiles),
                fits=list(value.fits),
                used=set(value.used),
                # compiled by the module that made it: not this analysis' own compiles
                borrowed=set(range(len(value.compiles))),
            )
            self.values[id(value)] = (value, model)
            model.outputs = self.value(value.outputs)
            model.current = self.value(value.current)
            model.obj = self.value(value.obj)
            self.on_model(model)
            return model
        if isinstance(value, Object):
            obj = Object(value.cls, {})
            self.values[id(value)] = (value, obj)
            obj.attrs.update({k: self.value(v) for k, v in value.attrs.items()})
            obj.model = self.value(value.model)
            return obj
        if isinstance(value, Seq):
            seq = Seq([], value.node)
            self.values[id(value)] = (value, seq)
            seq.items.extend(self.value(item) for item in value.items)
            return seq
        if isinstance(value, Mapping):
            mapping = Mapping({}, value.node)
            self.values[id(value)] = (value, mapping)
            mapping.items.update({k: self.value(v) for k, v in value.items.items()})
            return mapping
        if isinstance(value, Layer):
            layer = replace(value)
            self.values[id(value)] = (value, layer)
            layer.model = self.value(value.model)
            return layer
        if isinstance(value, BoundMethod):
            return BoundMethod(self.value(value.obj), value.func)
        if isinstance(value, ModelMethod):
            return ModelMethod(self.value(value.model), value.name)
        if isinstance(value, DatasetMethod):
            return DatasetMethod(self.value(value.target), value.name)
        if isinstance(value, ModuleValue) and value.scope is not None:
            return replace(value, scope=self.scope(value.scope))
        return value


_MUTABLE = (
    Model,
    Object,
    Seq,
    Mapping,
    Layer,
    BoundMethod,
    ModelMethod,
    DatasetMethod,
    ModuleValue,
)


def public_names(scope: ModuleScope) -> list[str]:
    """The names ``from module import *`` binds: ``__all__`` when it is a literal list of
    strings, else every name not starting with ``_``."""
    from xentlint.static.values import Const

    listed = scope.globals.get("__all__")
    if isinstance(listed, Seq) and all(
        isinstance(item, Const) and isinstance(item.value, str) for item in listed.items
    ):
        return [item.value for item in listed.items]  # type: ignore[attr-defined]
    return [name for name in scope.globals if not name.startswith("_")]


def empty() -> None:
    """Forget every evaluated module (tests)."""
    with MEMO.lock:
        MEMO.clear()
    EVALUATIONS.clear()
