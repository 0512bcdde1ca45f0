"""A project's own modules as the static front end sees them: what an import statement names.

The static front end evaluates the modules a file imports from its own project (never an
installed package). It does not look at the file system itself: it asks a
:class:`ModuleFinder` (the pipeline's :class:`xentlint.project.ProjectFile`) what an import
names, and gets a :class:`ModuleFile` back, or None for a module that is not the project's
(a library: its meaning comes from :mod:`xentlint.knowledge`).
"""

from __future__ import annotations

from typing import NamedTuple, Protocol

#: ``ModuleFile.kind``: a source file (a module, or a package's ``__init__.py``) ...
MODULE = "module"
#: ... a namespace package (folders without ``__init__.py``: submodules only) ...
NAMESPACE = "namespace"
#: ... or a project module whose meaning cannot be known: it does not exist (``from
#: project import missing``), it is compiled (``.so``, ``.pyc``), or it has the name of a
#: library that it may or may not shadow (see :mod:`xentlint.project`).
UNKNOWN = "unknown"


class ModuleFile(NamedTuple):
    """One project module an import names."""

    kind: str  # MODULE | NAMESPACE | UNKNOWN
    name: str  # the dotted name that was resolved ("trainer.models", ".models")
    path: str | None = None  # absolute path of the source file (MODULE)
    locations: tuple[str, ...] = ()  # folders its submodules are looked up in (packages)
    text: str | None = None  # the decoded source (MODULE); None when it cannot be read
    digest: str = ""  # of the bytes read (the cache key of the importing file includes it)
    display: str = ""  # the path as messages show it ("src/trainer/models.py")


class ModuleFinder(Protocol):
    """Resolves imports for one analysed file (and the modules it imports in turn)."""

    #: the analysed file (absolute path), or None (a snippet: only relative lookups fail)
    path: str | None

    def find(self, importer: str | None, level: int, name: str) -> ModuleFile | None:
        """What ``import name`` (``level`` leading dots) in the file ``importer`` names.

        None: not a project module (a library, the standard library, or not found in the
        project where a library of that name may be installed).
        """
        ...

    def display_of(self, path: str) -> str:
        """How messages name the project file ``path`` in this run (relative to the current
        folder when the analysed file is shown so)."""
        ...

    def can_edit(self, path: str) -> bool:
        """Whether a fix may edit the project file ``path`` (it is among the files fixed)."""
        ...
