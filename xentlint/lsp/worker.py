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
from xentlint.noqa import add_noqa, comment_columns, is_suppressed
from xentlint.project import Project, ProjectFile
from xentlint.sources import UnreadableSource, program_from_text

logger = logging.getLogger("xentlint.lsp")

FIX_PREFIX = "Fix: "
UNSAFE_FIX_PREFIX = "Unsafe fix: "
NOQA_TITLE = "Disable {code} for this line"
#: The code action kind of "apply every safe fix" (as ruff's ``source.fixAll.ruff``): editors
#: run it on save when asked for ``source.fixAll``.
FIX_ALL_KIND = "source.fixAll.xentlint"
FIX_ALL_TITLE = "xentlint: Apply all safe fixes"


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
    #: the other open Python documents that are files: (path, text). The project modules
    #: a document imports are read from these buffers when they are open, else from disk.
    open_files: tuple[tuple[str, str], ...] = ()

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

    def project(self, config: Config) -> ProjectFile | None:
        """The finder of the project modules the document imports (None: not a file)."""
        if self.path is None:
            return None
        base = str(self.root) if self.root is not None else None
        project = Project(config, overlay=dict(self.open_files), display_base=base)
        return project.for_file(self.path, self.display_path())


@dataclass
class Linted:
    """Diagnostics per document URI (with the version they belong to), and problems."""

    diagnostics: dict[str, list[types.Diagnostic]] = field(default_factory=dict)
    versions: dict[str, int | None] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    #: the other files the analysis read (the project modules the document imports)
    reads: frozenset[str] = frozenset()


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
        finder = snapshot.project(config)
        found = lint_source(source, snapshot.display_path(), config=config, project=finder)
        if finder is not None:
            result.reads = frozenset(finder.dependencies.reads)
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


def kind_requested(kind: str, only: Sequence[str] | None) -> bool:
    """Whether a code action of ``kind`` is asked for: kinds are hierarchical, so asking
    for ``source`` or ``source.fixAll`` includes ``source.fixAll.xentlint``; no ``only``
    asks for every kind."""
    if only is None:
        return True
    return any(
        isinstance(asked, str) and (not asked or kind == asked or kind.startswith(asked + "."))
        for asked in only
    )


def code_actions(
    snapshot: Snapshot,
    uri: str,
    wanted: types.Range,
    units: UnitCounter,
    *,
    versioned: bool = False,
    only: Sequence[str] | None = None,
) -> list[types.CodeAction]:
    """The code actions for ``wanted`` of document ``uri`` (a cell's URI for notebooks).

    Quick fixes for the findings in the range: their fixes (safe ones first; only the first
    safe fix of a finding is preferred) and a ``# noqa`` comment for each finding; then
    :data:`FIX_ALL_KIND`, every safe fix of the document at once (of the whole notebook for
    a cell). ``only`` filters by kind, as the client asks.
    """
    quick = kind_requested(types.CodeActionKind.QuickFix, only)
    fix_all = kind_requested(FIX_ALL_KIND, only)
    if not quick and not fix_all:
        return []
    config, _ = settings(snapshot)
    if config is None:
        return []
    source = notebook_json(snapshot.cells) if snapshot.is_notebook else snapshot.text or ""
    actions: list[types.CodeAction] = []
    found = _findings_in(snapshot, source, config, uri, wanted, units) if quick else []
    if found:  # (no finding in the range, as when the cursor moves: no analysis of fixes)
        actions += _fix_actions(snapshot, source, config, uri, wanted, units, versioned)
        actions += _noqa_actions(snapshot, source, config, found, units, versioned)
    if fix_all:
        action = _fix_all_action(snapshot, source, config, units, versioned)
        if action is not None:
            actions.append(action)
    return actions


def _fix_actions(
    snapshot: Snapshot,
    source: str,
    config: Config,
    uri: str,
    wanted: types.Range,
    units: UnitCounter,
    versioned: bool,
) -> list[types.CodeAction]:
    """The fixes xentlint offers for the findings in ``wanted``; [] without ``xentlint.fix``."""
    try:
        from xentlint.fix import code_actions as find_fixes
    except ImportError as exc:
        logger.info("no fixes: xentlint.fix is not available (%s)", exc)
        return []
    try:
        finder = snapshot.project(config)
        fixes = find_fixes(source, path=snapshot.display_path(), config=config, project=finder)
    except Exception:
        logger.exception("computing fixes for %s failed", snapshot.key)
        return []
    safe: list[types.CodeAction] = []
    unsafe: list[types.CodeAction] = []
    preferred: set[tuple[str, int, int, int | None]] = set()
    for fix in fixes:
        target, diagnostic = _convert(snapshot, fix.diagnostic, units)
        if target != uri or not overlaps(diagnostic.range, wanted):
            continue
        edits = _edits(snapshot, fix.new_text, units)
        if not edits:
            continue
        key = _key(fix.diagnostic)
        prefer = fix.safe and key not in preferred
        if prefer:
            preferred.add(key)
        action = types.CodeAction(
            title=(FIX_PREFIX if fix.safe else UNSAFE_FIX_PREFIX) + fix.title,
            kind=types.CodeActionKind.QuickFix,
            diagnostics=[diagnostic],
            edit=_workspace_edit(snapshot, edits, versioned),
            is_preferred=True if prefer else None,
        )
        (safe if fix.safe else unsafe).append(action)
    return safe + unsafe


def _key(diagnostic: Diagnostic) -> tuple[str, int, int, int | None]:
    return (diagnostic.code, diagnostic.line, diagnostic.column, diagnostic.cell)


def _findings_in(
    snapshot: Snapshot,
    source: str,
    config: Config,
    uri: str,
    wanted: types.Range,
    units: UnitCounter,
) -> list[tuple[Diagnostic, types.Diagnostic]]:
    """The findings of document ``uri`` whose range overlaps ``wanted``, with their LSP form."""
    try:
        finder = snapshot.project(config)
        found = lint_source(source, snapshot.display_path(), config=config, project=finder)
    except Exception:
        logger.exception("linting %s failed", snapshot.key)
        return []
    out = []
    for diagnostic in found:
        target, converted = _convert(snapshot, diagnostic, units)
        if target == uri and overlaps(converted.range, wanted):
            out.append((diagnostic, converted))
    return out


def _noqa_actions(
    snapshot: Snapshot,
    source: str,
    config: Config,
    found: list[tuple[Diagnostic, types.Diagnostic]],
    units: UnitCounter,
    versioned: bool,
) -> list[types.CodeAction]:
    """A ``# noqa: XENnnn`` quick fix for each finding whose line can take one (not a line
    inside a string or ending in a backslash, nor an IPython magic)."""
    try:
        program = program_from_text(source, snapshot.display_path(), max_bytes=config.max_file_size)
    except UnreadableSource:
        return []  # XEN902 only: a comment cannot silence it
    columns: dict[int, dict[int, int | None] | None] = {}  # per unit (id)
    actions: list[types.CodeAction] = []
    done: set[tuple[str, int, int | None]] = set()
    for diagnostic, converted in found:
        if (diagnostic.code, diagnostic.line, diagnostic.cell) in done:
            continue  # one comment per code and line
        done.add((diagnostic.code, diagnostic.line, diagnostic.cell))
        where = program.unit_of(diagnostic.cell, diagnostic.line)
        if where is None or where[1] in where[0].originals:
            continue  # no such line, or a cell left out (a syntax error): no comment
        unit, number = where
        if id(unit) not in columns:
            columns[id(unit)] = comment_columns(unit.text)
        unit_columns = columns[id(unit)]
        if unit_columns is None:
            continue  # e.g. a syntax error: nothing to add a comment to safely
        if snapshot.is_notebook:
            cell = _cell_of(snapshot.cells, diagnostic)
            if cell is None:
                continue
            target = cell.uri
            text, shift = cell.text, dedent_shift(cell.text).get(diagnostic.line, 0)
        else:
            target, text, shift = snapshot.key, snapshot.text or "", 0
        edit = _noqa_edit(text, diagnostic, unit.line_text(number), unit_columns, number, shift)
        if edit is None:
            continue
        edit_range, new_text = edit
        text_edit = types.TextEdit(range=_lsp_range(edit_range, text, units), new_text=new_text)
        actions.append(
            types.CodeAction(
                title=NOQA_TITLE.format(code=diagnostic.code),
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[converted],
                edit=_workspace_edit(snapshot, {target: text_edit}, versioned),
            )
        )
    return actions


def _noqa_edit(
    text: str,
    diagnostic: Diagnostic,
    program_line: str,
    columns: dict[int, int | None],
    number: int,
    shift: int,
) -> tuple[tuple[int, int, int], str] | None:
    """``((line, start, end), new)``: the code points of the document's 0-based ``line`` to
    replace to add the finding's code to its ``# noqa``; None when that is not safe."""
    if number not in columns:
        return None
    lines = split_lines(text)
    index = diagnostic.line - 1
    if not 0 <= index < len(lines) or lines[index][shift:] != program_line:
        return None  # a line IPython rewrites (a magic): a comment would not be seen
    old = lines[index]
    comment = columns[number]
    new = add_noqa(old, [diagnostic.code], comment + shift if comment is not None else None)
    if new == old or not is_suppressed(diagnostic.code, new):
        return None
    start = 0
    while start < min(len(old), len(new)) and old[start] == new[start]:
        start += 1
    tail = 0
    while tail < min(len(old), len(new)) - start and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    return (index, start, len(old) - tail), new[start : len(new) - tail]


def _lsp_range(where: tuple[int, int, int], text: str, units: UnitCounter) -> types.Range:
    line, start, end = where
    content = split_lines(text)[line]
    return types.Range(
        start=types.Position(line, units(content[:start])),
        end=types.Position(line, units(content[:end])),
    )


def _fix_all_action(
    snapshot: Snapshot, source: str, config: Config, units: UnitCounter, versioned: bool
) -> types.CodeAction | None:
    """Every safe fix of the document at once, as ``xentlint check --fix`` would apply them;
    None when there is nothing to fix."""
    try:
        from xentlint.fix import fix_source
    except ImportError as exc:
        logger.info("no fix-all: xentlint.fix is not available (%s)", exc)
        return None
    try:
        finder = snapshot.project(config)
        result = fix_source(source, path=snapshot.display_path(), config=config, project=finder)
    except Exception:
        logger.exception("fixing %s failed", snapshot.key)
        return None
    if not result.changed:
        return None
    edits = _edits(snapshot, result.text, units)
    if not edits:
        return None
    return types.CodeAction(
        title=FIX_ALL_TITLE,
        kind=FIX_ALL_KIND,
        edit=_workspace_edit(snapshot, edits, versioned),
    )


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
