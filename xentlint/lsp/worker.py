"""The work the server hands to its lint thread: settings, findings and fixes of a snapshot.

A :class:`Snapshot` is taken on the server's event loop (the documents as they are at that
moment); everything here runs on a worker thread and only reads the snapshot, so edits that
arrive meanwhile cannot tear it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from lsprotocol import types

from xentlint.config import Config, ConfigError, discover_config
from xentlint.diagnostics import Diagnostic
from xentlint.lint import lint_source
from xentlint.lsp.convert import (
    UnitCounter,
    lsp_diagnostic,
    overlaps,
    replacement_edit,
    split_lines,
)
from xentlint.lsp.notebook import Cell, cell_sources, dedent_shift, notebook_json

logger = logging.getLogger("xentlint.lsp")

FIX_PREFIX = "Fix: "
UNSAFE_FIX_PREFIX = "Unsafe fix: "


@dataclass(frozen=True)
class Snapshot:
    """A Python document (``text``) or a notebook (``cells``) at one moment."""

    key: str  # the document's or the notebook's URI
    path: Path | None  # None when the document is not a file (unsaved, remote)
    root: Path | None  # the workspace folder, for documents without a config file
    generation: int
    text: str | None = None
    version: int | None = None
    cells: tuple[Cell, ...] = ()

    @property
    def is_notebook(self) -> bool:
        return self.text is None

    def display_path(self) -> str:
        """The path handed to xentlint (its suffix tells a notebook from a Python file)."""
        if self.is_notebook:
            if self.path is not None and self.path.suffix.lower() == ".ipynb":
                return str(self.path)
            return f"{self.path or 'untitled'}.ipynb"
        return str(self.path) if self.path is not None else "untitled.py"


@dataclass
class Linted:
    """Diagnostics per document URI (with the version they belong to), and problems."""

    diagnostics: dict[str, list[types.Diagnostic]] = field(default_factory=dict)
    versions: dict[str, int | None] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def settings(snapshot: Snapshot) -> tuple[Config | None, str | None]:
    """The settings in force for the document (None when they exclude it), and a config
    error to show (the defaults are used then)."""
    start = snapshot.path.parent if snapshot.path is not None else snapshot.root
    problem = None
    try:
        config = discover_config(start)
    except ConfigError as exc:
        config, problem = Config(), str(exc)
    if config.root is None:
        # Without a config file, relative patterns start at the workspace folder (else the
        # document's folder), not at wherever the editor started the server.
        base = snapshot.root
        if snapshot.path is not None and (base is None or not _inside(snapshot.path, base)):
            base = snapshot.path.parent
        config = replace(config, root=base)
    if snapshot.path is not None:
        relative = config.relative(snapshot.path)
        if relative is not None and config.is_excluded(relative):
            return None, problem
    return config, problem


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except (ValueError, OSError):
        return False
    return True


def lint(snapshot: Snapshot, units: UnitCounter) -> Linted:
    """Lint a snapshot; never raises (an analyzer failure becomes a problem to log)."""
    result = Linted()
    targets = [c for c in snapshot.cells if c.is_code] if snapshot.is_notebook else []
    if snapshot.is_notebook:
        for cell in targets:
            result.diagnostics[cell.uri] = []
            result.versions[cell.uri] = cell.version
    else:
        result.diagnostics[snapshot.key] = []
        result.versions[snapshot.key] = snapshot.version
    config, problem = settings(snapshot)
    if problem:
        result.problems.append(problem)
    if config is None:
        return result
    try:
        source = notebook_json(snapshot.cells) if snapshot.is_notebook else snapshot.text or ""
        found = lint_source(source, snapshot.display_path(), config=config)
    except Exception as exc:  # an analyzer bug: keep serving, tell the log
        logger.exception("linting %s failed", snapshot.key)
        result.problems.append(f"xentlint failed on {snapshot.key}: {type(exc).__name__}: {exc}")
        return result
    for diagnostic in found:
        uri, converted = _convert(snapshot, diagnostic, units)
        if uri is not None:
            result.diagnostics.setdefault(uri, []).append(converted)
    return result


def _convert(
    snapshot: Snapshot, diagnostic: Diagnostic, units: UnitCounter
) -> tuple[str | None, types.Diagnostic]:
    if not snapshot.is_notebook:
        lines = split_lines(snapshot.text or "")
        return snapshot.key, lsp_diagnostic(diagnostic, lines, units)
    cell = _cell_of(snapshot.cells, diagnostic)
    if cell is None:
        return None, lsp_diagnostic(diagnostic, [""], units)
    shifts = dedent_shift(cell.text)
    lines = split_lines(cell.text)
    converted = lsp_diagnostic(diagnostic, lines, units, shift=lambda n: shifts.get(n, 0))
    return cell.uri, converted


def _cell_of(cells: Sequence[Cell], diagnostic: Diagnostic) -> Cell | None:
    """The cell a notebook finding belongs to (the first code cell for whole-file ones)."""
    if diagnostic.cell is not None and 1 <= diagnostic.cell <= len(cells):
        return cells[diagnostic.cell - 1]
    return next((cell for cell in cells if cell.is_code), None)


# --------------------------------------------------------------------------- fixes


def code_actions(
    snapshot: Snapshot,
    uri: str,
    wanted: types.Range,
    units: UnitCounter,
    *,
    versioned: bool = False,
) -> list[types.CodeAction]:
    """The fixes xentlint offers for findings in ``wanted`` of document ``uri`` (a cell's
    URI for notebooks), safe ones first; [] when ``xentlint.fix`` is unavailable."""
    try:
        from xentlint.fix import code_actions as find_fixes
    except ImportError as exc:
        logger.info("no code actions: xentlint.fix is not available (%s)", exc)
        return []
    config, _ = settings(snapshot)
    if config is None:
        return []
    source = notebook_json(snapshot.cells) if snapshot.is_notebook else snapshot.text or ""
    try:
        fixes = find_fixes(source, path=snapshot.display_path(), config=config)
    except Exception:
        logger.exception("computing fixes for %s failed", snapshot.key)
        return []
    safe: list[types.CodeAction] = []
    unsafe: list[types.CodeAction] = []
    for fix in fixes:
        target, diagnostic = _convert(snapshot, fix.diagnostic, units)
        if target != uri or not overlaps(diagnostic.range, wanted):
            continue
        edits = _edits(snapshot, fix.new_text, units)
        if not edits:
            continue
        action = types.CodeAction(
            title=(FIX_PREFIX if fix.safe else UNSAFE_FIX_PREFIX) + fix.title,
            kind=types.CodeActionKind.QuickFix,
            diagnostics=[diagnostic],
            edit=_workspace_edit(snapshot, edits, versioned),
            is_preferred=True if fix.safe else None,
        )
        (safe if fix.safe else unsafe).append(action)
    return safe + unsafe


def _edits(snapshot: Snapshot, new_text: str, units: UnitCounter) -> dict[str, types.TextEdit]:
    """One edit per document that the fixed text changes."""
    if not snapshot.is_notebook:
        edit = replacement_edit(snapshot.text or "", new_text, units)
        return {snapshot.key: edit} if edit is not None else {}
    sources = cell_sources(new_text)
    if sources is None or len(sources) != len(snapshot.cells):
        logger.warning("a notebook fix changed the cell structure; not offered")
        return {}
    edits: dict[str, types.TextEdit] = {}
    for cell, source in zip(snapshot.cells, sources, strict=True):
        if not cell.is_code:
            continue
        edit = replacement_edit(cell.text, source, units)
        if edit is not None:
            edits[cell.uri] = edit
    return edits


def _workspace_edit(
    snapshot: Snapshot, edits: dict[str, types.TextEdit], versioned: bool
) -> types.WorkspaceEdit:
    if not versioned:
        return types.WorkspaceEdit(changes={uri: [edit] for uri, edit in edits.items()})
    versions = {cell.uri: cell.version for cell in snapshot.cells}
    versions.setdefault(snapshot.key, snapshot.version)
    return types.WorkspaceEdit(
        document_changes=[
            types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(
                    uri=uri, version=versions.get(uri)
                ),
                edits=[edit],
            )
            for uri, edit in edits.items()
        ]
    )
