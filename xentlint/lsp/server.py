"""The pygls language server: document events, debounced linting, publishing, code actions.

Linting runs on one worker thread so that the event loop keeps reading messages. Every event
on a document (open, change, save, close) bumps that document's generation; a lint publishes
only if no event came after the snapshot it linted, so the latest version always wins and a
closed document is never re-populated. Handlers catch and log their errors: a broken
document or a bug in a rule must not stop the server. Messages are read by
:mod:`xentlint.lsp.transport` instead of pygls' own loop (framing that recovers, an answer to
every request, the LSP lifecycle and exit status).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO

from lsprotocol import types
from pygls.io_ import StdoutWriter
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from xentlint import __version__
from xentlint.lsp import transport, worker
from xentlint.lsp.notebook import Cell

logger = logging.getLogger("xentlint.lsp")

#: Wait this long after the last change before linting (typing does not lint every key).
DEBOUNCE_SECONDS = 0.3
PYTHON_SUFFIXES = (".py", ".pyi")


class XentlintServer(LanguageServer):
    """A language server that keeps xentlint's findings in sync with open documents."""

    def __init__(self, debounce: float = DEBOUNCE_SECONDS) -> None:
        super().__init__(
            "xentlint",
            __version__,
            # Whole texts: pygls applies ranged edits with str.splitlines, which also breaks
            # at form feeds and U+2028 where editors do not; a whole text cannot drift.
            text_document_sync_kind=types.TextDocumentSyncKind.Full,
            notebook_document_sync=types.NotebookDocumentSyncOptions(
                notebook_selector=[
                    types.NotebookDocumentFilterWithCells(
                        cells=[types.NotebookCellLanguage(language="python")]
                    )
                ],
                save=True,
            ),
        )
        self.debounce = debounce
        self._documents: set[str] = set()  # open Python documents we lint
        self._notebooks: set[str] = set()  # open notebooks we lint
        self._generation: dict[str, int] = {}
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._tasks: set[asyncio.Future[None]] = set()
        self._published: dict[str, set[str]] = {}  # key -> URIs holding diagnostics
        self._reads: dict[str, frozenset[str]] = {}  # key -> other files its lint read
        self._shown_problems: set[str] = set()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xentlint-lint")
        #: How the process should end, set when :meth:`start_io` returns (LSP: 0 when
        #: ``exit`` came after ``shutdown``, else 1).
        self.exit_status = transport.EXIT_WITHOUT_SHUTDOWN

    # ------------------------------------------------------------------ transport

    def start_io(self, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> None:
        """Serve on stdin/stdout until ``exit`` or the end of the input.

        pygls' own loop is replaced by :func:`xentlint.lsp.transport.serve` (robust framing,
        every request answered, the LSP lifecycle and exit status); the rest is pygls'.
        """
        writer = StdoutWriter(stdout or sys.stdout.buffer)
        self.protocol.set_writer(writer)
        dispatcher = transport.Dispatcher(self.protocol, writer.write)
        try:
            self.exit_status = asyncio.run(transport.serve(stdin or sys.stdin.buffer, dispatcher))
        except BrokenPipeError:
            logger.warning("the client closed the connection")
            self.exit_status = transport.EXIT_WITHOUT_SHUTDOWN
        finally:
            self.shutdown()

    # ------------------------------------------------------------------ scheduling

    def schedule(self, key: str, delay: float) -> None:
        """Lint ``key`` (a document or notebook URI) after ``delay`` seconds."""
        self._generation[key] = self._generation.get(key, 0) + 1
        timer = self._timers.pop(key, None)
        if timer is not None:
            timer.cancel()
        loop = asyncio.get_running_loop()
        self._timers[key] = loop.call_later(delay, self._start, key)

    def forget(self, key: str) -> set[str]:
        """Stop tracking a closed document; returns the URIs that hold its diagnostics."""
        self._generation[key] = self._generation.get(key, 0) + 1
        timer = self._timers.pop(key, None)
        if timer is not None:
            timer.cancel()
        self._documents.discard(key)
        self._notebooks.discard(key)
        self._reads.pop(key, None)
        return self._published.pop(key, set())

    def dependents(self, key: str) -> list[str]:
        """The open documents whose last lint read the file of document ``key``."""
        path = _path(key)
        if path is None:
            return []
        where = os.path.normpath(os.path.abspath(path))
        return [other for other, read in self._reads.items() if other != key and where in read]

    def open_files(self, key: str) -> tuple[tuple[str, str], ...]:
        """``(path, text)`` of the open Python documents other than ``key`` that are files."""
        out = []
        for uri in sorted(self._documents):
            path = _path(uri)
            if uri == key or path is None or path.suffix not in PYTHON_SUFFIXES:
                continue
            out.append((str(path), self.workspace.get_text_document(uri).source))
        return tuple(out)

    def _start(self, key: str) -> None:
        self._timers.pop(key, None)
        try:
            snapshot = self.snapshot(key)
        except Exception:
            logger.exception("reading %s failed", key)
            return
        if snapshot is None:
            return
        task = asyncio.ensure_future(self._lint(snapshot))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _lint(self, snapshot: worker.Snapshot) -> None:
        units = self.workspace.position_codec.client_num_units
        loop = asyncio.get_running_loop()
        try:
            linted = await loop.run_in_executor(self._executor, worker.lint, snapshot, units)
        except Exception:  # includes a shut-down executor
            logger.exception("linting %s failed", snapshot.key)
            return
        if self._generation.get(snapshot.key) != snapshot.generation:
            return  # the document changed or closed meanwhile: a newer lint is coming
        self._reads[snapshot.key] = linted.reads
        for problem in linted.problems:
            self.report_problem(problem)
        self.publish(snapshot.key, linted, every=not snapshot.is_notebook)

    def publish(self, key: str, linted: worker.Linted, *, every: bool = True) -> None:
        """Send the findings; with ``every`` False (notebook cells) only to the documents
        that have findings now or had them before."""
        before = self._published.get(key, set())
        now = {uri for uri, found in linted.diagnostics.items() if found}
        for uri, found in linted.diagnostics.items():
            if found or uri in before or every:
                self.send_diagnostics(uri, found, linted.versions.get(uri))
        for uri in before - set(linted.diagnostics):
            self.send_diagnostics(uri, [], None)  # a cell that went away
        self._published[key] = now

    def send_diagnostics(
        self, uri: str, diagnostics: list[types.Diagnostic], version: int | None
    ) -> None:
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=version)
        )

    def report_problem(self, message: str) -> None:
        """Log and show a problem (a broken config, an analyzer failure) the first time."""
        if message in self._shown_problems:
            logger.debug("%s", message)
            return
        logger.warning("%s", message)
        self._shown_problems.add(message)
        self.window_show_message(
            types.ShowMessageParams(type=types.MessageType.Warning, message=f"xentlint: {message}")
        )

    # ------------------------------------------------------------------ snapshots

    def root(self) -> Path | None:
        root = self.workspace.root_path
        return Path(root) if root else None

    def snapshot(self, key: str) -> worker.Snapshot | None:
        """The document or notebook ``key`` as it is now (None when it is not open)."""
        generation = self._generation.get(key, 0)
        if key in self._documents:
            document = self.workspace.get_text_document(key)
            return worker.Snapshot(
                key=key,
                path=_path(key),
                root=self.root(),
                generation=generation,
                text=document.source,
                version=document.version,
                open_files=self.open_files(key),
            )
        if key in self._notebooks:
            notebook = self.workspace.get_notebook_document(notebook_uri=key)
            if notebook is None:
                return None
            cells = tuple(self._cell(cell) for cell in notebook.cells)
            return worker.Snapshot(
                key=key,
                path=_path(key),
                root=self.root(),
                generation=generation,
                cells=cells,
                open_files=self.open_files(key),
            )
        return None

    def _cell(self, cell: types.NotebookCell) -> Cell:
        document = self.workspace.get_text_document(cell.document)
        language = (document.language_id or "python").lower()
        is_code = cell.kind == types.NotebookCellKind.Code and language == "python"
        return Cell(cell.document, document.source, is_code, document.version)

    def notebook_of(self, cell_uri: str) -> str | None:
        notebook = self.workspace.get_notebook_document(cell_uri=cell_uri)
        if notebook is not None and notebook.uri in self._notebooks:
            return notebook.uri
        return None

    def stop_linting(self) -> None:
        """Lint nothing more: pending lints are cancelled, running ones publish nothing."""
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        for key in self._generation:
            self._generation[key] += 1
        self._documents.clear()
        self._notebooks.clear()

    def shutdown(self) -> None:
        self.stop_linting()
        self._executor.shutdown(wait=False, cancel_futures=True)
        super().shutdown()


def _path(uri: str) -> Path | None:
    path = to_fs_path(uri) if uri.startswith("file:") else None
    return Path(path) if path else None


def is_python_document(document: types.TextDocumentItem) -> bool:
    if (document.language_id or "").lower() == "python":
        return True
    path = _path(document.uri)
    return path is not None and path.suffix.lower() in PYTHON_SUFFIXES


def create_server(debounce: float = DEBOUNCE_SECONDS) -> XentlintServer:
    """A server with every feature registered (not started)."""
    server = XentlintServer(debounce)

    @server.feature(types.SHUTDOWN)
    def on_shutdown(ls: XentlintServer, _params: None) -> None:
        ls.stop_linting()  # the client is about to exit: send no more diagnostics

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: XentlintServer, params: types.DidOpenTextDocumentParams) -> None:
        document = params.text_document
        if is_python_document(document):
            ls._documents.add(document.uri)
            ls.schedule(document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: XentlintServer, params: types.DidChangeTextDocumentParams) -> None:
        if params.text_document.uri in ls._documents:
            ls.schedule(params.text_document.uri, ls.debounce)
            for other in ls.dependents(params.text_document.uri):  # they import it
                ls.schedule(other, ls.debounce)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))
    def did_save(ls: XentlintServer, params: types.DidSaveTextDocumentParams) -> None:
        if params.text_document.uri in ls._documents:
            ls.schedule(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: XentlintServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        if uri in ls._documents:
            dependents = ls.dependents(uri)
            ls.forget(uri)
            ls.send_diagnostics(uri, [], None)
            for other in dependents:  # they read the buffer: now the file on disk
                ls.schedule(other, 0)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_OPEN)
    def notebook_open(ls: XentlintServer, params: types.DidOpenNotebookDocumentParams) -> None:
        ls._notebooks.add(params.notebook_document.uri)
        ls.schedule(params.notebook_document.uri, 0)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
    def notebook_change(ls: XentlintServer, params: types.DidChangeNotebookDocumentParams) -> None:
        if params.notebook_document.uri in ls._notebooks:
            ls.schedule(params.notebook_document.uri, ls.debounce)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_SAVE)
    def notebook_save(ls: XentlintServer, params: types.DidSaveNotebookDocumentParams) -> None:
        if params.notebook_document.uri in ls._notebooks:
            ls.schedule(params.notebook_document.uri, 0)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
    def notebook_close(ls: XentlintServer, params: types.DidCloseNotebookDocumentParams) -> None:
        uris = ls.forget(params.notebook_document.uri)
        for uri in sorted(uris):
            ls.send_diagnostics(uri, [], None)

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=[types.CodeActionKind.QuickFix, worker.FIX_ALL_KIND]
        ),
    )
    async def code_action(
        ls: XentlintServer, params: types.CodeActionParams
    ) -> list[types.CodeAction] | None:
        only = params.context.only
        if only is None and params.context.trigger_kind == types.CodeActionTriggerKind.Automatic:
            # The editor asks on its own (the cursor moved, for a light bulb), and editors
            # show no source actions there: do not compute the fix-all for it.
            only = [types.CodeActionKind.QuickFix]
        if not any(
            worker.kind_requested(kind, only)
            for kind in (types.CodeActionKind.QuickFix, worker.FIX_ALL_KIND)
        ):
            return None
        uri = params.text_document.uri
        key = uri if uri in ls._documents else ls.notebook_of(uri)
        snapshot = ls.snapshot(key) if key is not None else None
        if snapshot is None:
            return None
        units = ls.workspace.position_codec.client_num_units
        versioned = _supports_document_changes(ls.client_capabilities)
        loop = asyncio.get_running_loop()

        def compute() -> list[types.CodeAction]:
            return worker.code_actions(
                snapshot, uri, params.range, units, versioned=versioned, only=only
            )

        try:
            return await loop.run_in_executor(ls._executor, compute)
        except Exception:
            logger.exception("code actions for %s failed", uri)
            return None

    return server


def _supports_document_changes(capabilities: types.ClientCapabilities) -> bool:
    workspace = capabilities.workspace
    edit = workspace.workspace_edit if workspace is not None else None
    return bool(edit is not None and edit.document_changes)


def run_stdio() -> int:
    """Serve on stdin/stdout (logs go to stderr, which editors show in their output panel);
    returns the exit status."""
    debug = bool(os.environ.get("XENTLINT_DEBUG"))
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.DEBUG if debug else logging.WARNING,
        format="%(name)s: %(message)s",
    )
    if not debug:
        # pygls logs a full traceback for each message its types reject (a negative
        # position...); the transport answers those and logs one line instead.
        logging.getLogger("pygls.protocol.json_rpc").addFilter(_not_a_rejected_message)
    server = create_server()
    server.start_io()
    return server.exit_status


def _not_a_rejected_message(record: logging.LogRecord) -> bool:
    return not str(record.msg).startswith("Unable to deserialize message")
