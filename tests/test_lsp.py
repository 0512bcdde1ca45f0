"""The language server (``xentlint server``), end to end over stdio and piece by piece.

The end-to-end tests start ``python -m xentlint server`` and speak JSON-RPC with
Content-Length framing through a small client below; every read has a deadline, so a hung
server fails the test instead of hanging the run. Expected positions were counted by hand
(0-based LSP lines/characters, UTF-16 code units) and are cross-checked with ``str.index``.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
import types as pytypes
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pygls")

from lsprotocol import types  # noqa: E402

from xentlint import lint_source  # noqa: E402
from xentlint.diagnostics import Diagnostic  # noqa: E402
from xentlint.lsp import convert, worker  # noqa: E402
from xentlint.lsp.notebook import Cell, cell_sources, dedent_shift, notebook_json  # noqa: E402

TIMEOUT = 20.0  # seconds for any single expected message (first lint imports LibCST)

DOUBLE_SOFTMAX = """\
import tensorflow as tf

model = tf.keras.Sequential([
    tf.keras.layers.Dense(64, activation="relu"),
    tf.keras.layers.Dense(10, activation="softmax"),
])
model.compile(
    optimizer="adam",
    loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    metrics=["accuracy"],
)
"""
# XEN102: a linear last layer into a probability loss.
LOGITS_INTO_PROBABILITIES = """\
import tensorflow as tf

model = tf.keras.Sequential([tf.keras.layers.Dense(10)])
model.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy())
"""
CLEAN = DOUBLE_SOFTMAX.replace("from_logits=True", "from_logits=False")
BROKEN = "import tensorflow as tf\nx = (\n"


def _has_fixes() -> bool:
    try:
        from xentlint.fix import code_actions  # noqa: F401
    except ImportError:
        return False
    return True


HAS_FIXES = _has_fixes()


def line_of(text: str, needle: str) -> tuple[int, int]:
    """0-based (line, character) of ``needle`` in ``text`` (ASCII lines)."""
    for number, line in enumerate(text.split("\n")):
        if needle in line:
            return number, line.index(needle)
    raise AssertionError(f"{needle!r} not in text")


# --------------------------------------------------------------------------- a tiny client


class LspClient:
    """Just enough of an LSP client: framing, requests, notifications, waiting with timeouts."""

    def __init__(self, cwd: Path, stderr_path: Path) -> None:
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        env.pop("XENTLINT_DEBUG", None)
        self._stderr = stderr_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "xentlint", "server"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            cwd=cwd,
            env=env,
        )
        self.stderr_path = stderr_path
        self._inbox: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._backlog: list[dict[str, Any]] = []
        self._next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        try:
            while True:
                length = None
                while True:
                    header = stream.readline()
                    if not header:
                        self._inbox.put(None)
                        return
                    header = header.strip()
                    if not header:
                        break
                    name, _, value = header.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                assert length is not None, "a message without Content-Length"
                self._inbox.put(json.loads(stream.read(length)))
        except Exception:  # the test sees the end of the stream
            self._inbox.put(None)

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}, ensure_ascii=False).encode("utf-8")
        stdin = self.process.stdin
        assert stdin is not None
        stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        stdin.flush()

    def notify(self, method: str, params: Any) -> None:
        self.send({"method": method, "params": params})

    def request(self, method: str, params: Any) -> Any:
        self._next_id += 1
        ident = self._next_id
        self.send({"id": ident, "method": method, "params": params})
        reply = self.wait(lambda m: m.get("id") == ident and "method" not in m)
        assert "error" not in reply, reply
        return reply.get("result")

    def wait(
        self, match: Callable[[dict[str, Any]], bool], timeout: float = TIMEOUT
    ) -> dict[str, Any]:
        for index, message in enumerate(self._backlog):
            if match(message):
                return self._backlog.pop(index)
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no matching message within {timeout}s; {self.log()}")
            try:
                message = self._inbox.get(timeout=left)
            except queue.Empty:
                continue
            if message is None:
                raise AssertionError(f"the server closed its output; {self.log()}")
            if "method" in message and "id" in message:  # a request to the client
                self.send({"id": message["id"], "result": None})
                continue
            if match(message):
                return message
            self._backlog.append(message)

    def diagnostics(self, uri: str, timeout: float = TIMEOUT) -> dict[str, Any]:
        """The next publishDiagnostics for ``uri`` (its params)."""
        message = self.wait(
            lambda m: (
                m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri
            ),
            timeout,
        )
        return message["params"]

    def drain(self, seconds: float) -> list[dict[str, Any]]:
        """Everything that arrives within ``seconds`` (plus what is waiting)."""
        out, self._backlog = self._backlog, []
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                message = self._inbox.get(timeout=left)
            except queue.Empty:
                break
            if message is None:
                break
            out.append(message)
        return out

    def log(self) -> str:
        self._stderr.flush()
        return "server stderr:\n" + self.stderr_path.read_text(errors="replace")[-4000:]

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=TIMEOUT)
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()
        self._stderr.close()


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("workspace")
    quiet = root / "quiet"
    quiet.mkdir()
    (quiet / "pyproject.toml").write_text('[tool.xentlint]\nignore = ["XEN101"]\n')
    broken = root / "badconfig"
    broken.mkdir()
    (broken / "pyproject.toml").write_text('[tool.xentlint]\nselect = ["NOPE"]\n')
    excluded = root / "excluded"
    excluded.mkdir()
    (excluded / "pyproject.toml").write_text('[tool.xentlint]\nextend-exclude = ["gen_*.py"]\n')
    return root


@pytest.fixture(scope="module")
def client(workspace: Path) -> Iterator[LspClient]:
    lsp = LspClient(workspace, workspace / "server.log")
    try:
        result = lsp.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": workspace.as_uri(),
                "capabilities": {
                    "notebookDocument": {"synchronization": {}},
                    "workspace": {"workspaceEdit": {"documentChanges": False}},
                },
            },
        )
        lsp.capabilities = result["capabilities"]  # type: ignore[attr-defined]
        lsp.server_info = result.get("serverInfo")  # type: ignore[attr-defined]
        lsp.notify("initialized", {})
        yield lsp
    finally:
        lsp.close()


def open_document(client: LspClient, path: Path, text: str, version: int = 1) -> str:
    uri = path.as_uri()
    client.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "python", "version": version, "text": text}},
    )
    return uri


def change_document(client: LspClient, uri: str, text: str, version: int) -> None:
    client.notify(
        "textDocument/didChange",
        {"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]},
    )


def apply_edits(text: str, edits: list[dict[str, Any]]) -> str:
    """Apply LSP text edits (positions in UTF-16 units; the texts here are ASCII)."""
    lines = text.splitlines(keepends=True)

    def offset(position: dict[str, int]) -> int:
        return sum(len(line) for line in lines[: position["line"]]) + position["character"]

    for edit in sorted(edits, key=lambda e: offset(e["range"]["start"]), reverse=True):
        start, end = offset(edit["range"]["start"]), offset(edit["range"]["end"])
        text = text[:start] + edit["newText"] + text[end:]
    return text


def codes(published: dict[str, Any]) -> list[str]:
    return [d["code"] for d in published["diagnostics"]]


# --------------------------------------------------------------------------- end to end


def test_initialize_advertises_the_features(client: LspClient) -> None:
    capabilities = client.capabilities  # type: ignore[attr-defined]
    assert client.server_info["name"] == "xentlint"  # type: ignore[attr-defined]
    sync = capabilities["textDocumentSync"]
    assert sync["openClose"] is True
    assert sync["change"] == 1  # whole texts
    assert sync["save"] == {"includeText": False}
    assert capabilities["codeActionProvider"] == {"codeActionKinds": ["quickfix"]}
    selector = capabilities["notebookDocumentSync"]["notebookSelector"]
    assert selector == [{"cells": [{"language": "python"}]}]


def test_diagnostics_on_open_change_broken_save_and_close(
    client: LspClient, workspace: Path
) -> None:
    uri = open_document(client, workspace / "model.py", DOUBLE_SOFTMAX)
    published = client.diagnostics(uri)
    assert published["version"] == 1
    [diagnostic] = published["diagnostics"]
    # Line 5 of the file (LSP line 4): '    tf.keras.layers.Dense(10, activation="softmax"),'
    # 4 spaces + 'tf.keras.layers.Dense(' (22) + '10, ' (4) = 30; the keyword is 20 long.
    assert line_of(DOUBLE_SOFTMAX, 'activation="softmax"') == (4, 30)
    assert diagnostic["range"] == {
        "start": {"line": 4, "character": 30},
        "end": {"line": 4, "character": 50},
    }
    assert diagnostic["code"] == "XEN101"
    assert diagnostic["severity"] == 1  # Error
    assert diagnostic["source"] == "xentlint"
    href = diagnostic["codeDescription"]["href"]
    assert href.startswith("file://") and href.endswith("/XEN101.md")
    assert Path(href[len("file://") :]).is_file()
    assert "softmax is applied twice" in diagnostic["message"]

    # A broken document: a syntax error, and the server keeps serving.
    change_document(client, uri, BROKEN, 2)
    published = client.diagnostics(uri)
    assert published["version"] == 2
    [error] = published["diagnostics"]
    assert error["code"] == "XEN901"
    assert error["severity"] == 1
    # 'x = (' on LSP line 1: the unclosed '(' is character 4, underlined one character wide.
    assert error["range"] == {
        "start": {"line": 1, "character": 4},
        "end": {"line": 1, "character": 5},
    }
    assert client.process.poll() is None

    change_document(client, uri, CLEAN, 3)
    assert client.diagnostics(uri) == {"uri": uri, "version": 3, "diagnostics": []}
    change_document(client, uri, DOUBLE_SOFTMAX, 4)
    assert codes(client.diagnostics(uri)) == ["XEN101"]

    client.notify("textDocument/didSave", {"textDocument": {"uri": uri}})
    assert codes(client.diagnostics(uri)) == ["XEN101"]

    client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    assert client.diagnostics(uri)["diagnostics"] == []


def test_changes_are_debounced_and_the_latest_version_wins(
    client: LspClient, workspace: Path
) -> None:
    uri = open_document(client, workspace / "typing.py", CLEAN)
    assert client.diagnostics(uri)["diagnostics"] == []
    # A burst of edits: the last one has the finding. Only the state after the last edit
    # may be published last, with its version.
    for version in range(2, 7):
        text = DOUBLE_SOFTMAX if version == 6 else CLEAN + f"# edit {version}\n"
        change_document(client, uri, text, version)
    published = client.diagnostics(uri)
    while published["version"] != 6:  # a slow machine may have linted an earlier state
        assert published["diagnostics"] == []
        published = client.diagnostics(uri)
    assert codes(published) == ["XEN101"]
    later = [
        m
        for m in client.drain(1.0)
        if m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri
    ]
    assert all(m["params"]["version"] == 6 for m in later)
    client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    assert client.diagnostics(uri)["diagnostics"] == []


def test_positions_are_utf16_code_units(client: LspClient, workspace: Path) -> None:
    text = DOUBLE_SOFTMAX.replace(
        'Dense(10, activation="softmax")', 'Dense(10, name="😀", activation="softmax")'
    )
    uri = open_document(client, workspace / "emoji.py", text)
    [diagnostic] = client.diagnostics(uri)["diagnostics"]
    line = text.split("\n")[4]
    # '    tf.keras.layers.Dense(10, name="😀", ' is 40 code points; the emoji counts twice.
    assert line.index("activation") == 40
    assert diagnostic["range"]["start"] == {"line": 4, "character": 41}
    assert diagnostic["range"]["end"] == {"line": 4, "character": 61}
    client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    client.diagnostics(uri)


def test_project_settings_are_respected(client: LspClient, workspace: Path) -> None:
    uri = open_document(client, workspace / "quiet" / "model.py", DOUBLE_SOFTMAX)
    assert client.diagnostics(uri)["diagnostics"] == []  # ignore = ["XEN101"]
    client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    client.diagnostics(uri)

    # A file the settings exclude gets no diagnostics; its neighbours do.
    uri = open_document(client, workspace / "excluded" / "gen_model.py", DOUBLE_SOFTMAX)
    assert client.diagnostics(uri)["diagnostics"] == []
    other = open_document(client, workspace / "excluded" / "model.py", DOUBLE_SOFTMAX)
    assert codes(client.diagnostics(other)) == ["XEN101"]
    for closing in (uri, other):
        client.notify("textDocument/didClose", {"textDocument": {"uri": closing}})
        client.diagnostics(closing)

    # An invalid config is shown once; the defaults are used meanwhile.
    uri = open_document(client, workspace / "badconfig" / "model.py", DOUBLE_SOFTMAX)
    assert codes(client.diagnostics(uri)) == ["XEN101"]
    shown = client.wait(lambda m: m.get("method") == "window/showMessage")
    assert "NOPE" in shown["params"]["message"]
    client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    client.diagnostics(uri)


def test_non_python_documents_are_left_alone(client: LspClient, workspace: Path) -> None:
    uri = (workspace / "notes.md").as_uri()
    client.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "markdown", "version": 1, "text": "# hi\n"}},
    )
    # A Python document opened afterwards is answered; the markdown one never is.
    other = open_document(client, workspace / "after.py", CLEAN)
    client.diagnostics(other)
    assert not [m for m in client.drain(0.5) if m.get("params", {}).get("uri") == uri]


def notebook_params(uri: str, cells: list[tuple[str, str, str]], version: int = 1) -> dict:
    """didOpen params for cells given as (kind 'code'/'markdown', cell URI, text)."""
    return {
        "notebookDocument": {
            "uri": uri,
            "notebookType": "jupyter-notebook",
            "version": version,
            "cells": [
                {"kind": 2 if kind == "code" else 1, "document": cell_uri}
                for kind, cell_uri, _ in cells
            ],
        },
        "cellTextDocuments": [
            {
                "uri": cell_uri,
                "languageId": "python" if kind == "code" else "markdown",
                "version": 1,
                "text": text,
            }
            for kind, cell_uri, text in cells
        ],
    }


NOTEBOOK_MODEL = (
    "%matplotlib inline\n"
    "import tensorflow as tf\n"
    'model = tf.keras.Sequential([tf.keras.layers.Dense(10, activation="softmax")])\n'
)
NOTEBOOK_COMPILE = (
    "model.compile(loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))\n"
)


def test_notebook_cells_are_one_program(client: LspClient, workspace: Path) -> None:
    notebook = (workspace / "analysis.ipynb").as_uri()
    intro = notebook + "#intro"
    model_cell = notebook + "#model"
    compile_cell = notebook + "#compile"
    cells = [
        ("markdown", intro, "# A model\n"),
        ("code", model_cell, NOTEBOOK_MODEL),
        ("code", compile_cell, NOTEBOOK_COMPILE),
    ]
    client.notify("notebookDocument/didOpen", notebook_params(notebook, cells))
    published = client.diagnostics(model_cell)
    [diagnostic] = published["diagnostics"]
    assert diagnostic["code"] == "XEN101"
    # The activation of the model cell (its third line), found through the loss in the
    # next cell: 'model = tf.keras.Sequential([tf.keras.layers.Dense(10, ' is 55 characters.
    assert line_of(NOTEBOOK_MODEL, 'activation="softmax"') == (2, 55)
    assert diagnostic["range"] == {
        "start": {"line": 2, "character": 55},
        "end": {"line": 2, "character": 75},
    }

    if HAS_FIXES:  # the fix is an edit of the model cell, made in the cell's own lines
        actions = client.request(
            "textDocument/codeAction", code_action_params(model_cell, diagnostic)
        )
        assert [a["title"].split(":")[0] for a in actions] == ["Unsafe fix"]
        [edits] = actions[0]["edit"]["changes"].values()
        assert list(actions[0]["edit"]["changes"]) == [model_cell]
        fixed = apply_edits(NOTEBOOK_MODEL, edits)
        assert fixed == NOTEBOOK_MODEL.replace(', activation="softmax"', "")

    # Editing the compile cell to a probability loss makes the notebook clean: the model
    # cell's diagnostics are cleared.
    fixed = NOTEBOOK_COMPILE.replace("from_logits=True", "from_logits=False")
    client.notify(
        "notebookDocument/didChange",
        {
            "notebookDocument": {"uri": notebook, "version": 2},
            "change": {
                "cells": {
                    "textContent": [
                        {
                            "document": {"uri": compile_cell, "version": 2},
                            "changes": [{"text": fixed}],
                        }
                    ]
                }
            },
        },
    )
    assert client.diagnostics(model_cell)["diagnostics"] == []

    # Back to the mistake, then close: the diagnostics are cleared again.
    client.notify(
        "notebookDocument/didChange",
        {
            "notebookDocument": {"uri": notebook, "version": 3},
            "change": {
                "cells": {
                    "textContent": [
                        {
                            "document": {"uri": compile_cell, "version": 3},
                            "changes": [{"text": NOTEBOOK_COMPILE}],
                        }
                    ]
                }
            },
        },
    )
    assert codes(client.diagnostics(model_cell)) == ["XEN101"]
    client.notify(
        "notebookDocument/didClose",
        {
            "notebookDocument": {"uri": notebook},
            "cellTextDocuments": [{"uri": uri} for _, uri, _ in cells],
        },
    )
    assert client.diagnostics(model_cell)["diagnostics"] == []


def code_action_params(uri: str, diagnostic: dict[str, Any]) -> dict[str, Any]:
    return {
        "textDocument": {"uri": uri},
        "range": diagnostic["range"],
        "context": {"diagnostics": [diagnostic]},
    }


@pytest.mark.skipif(not HAS_FIXES, reason="xentlint.fix is not available")
def test_code_actions_apply_the_fixes(client: LspClient, workspace: Path) -> None:
    # XEN101: removing the activation changes what predict returns: an unsafe fix.
    uri = open_document(client, workspace / "fix_unsafe.py", DOUBLE_SOFTMAX)
    [diagnostic] = client.diagnostics(uri)["diagnostics"]
    actions = client.request("textDocument/codeAction", code_action_params(uri, diagnostic))
    assert actions, "no code action for XEN101"
    titles = [action["title"] for action in actions]
    assert all(title.startswith("Unsafe fix: ") for title in titles), titles
    action = actions[0]
    assert action["kind"] == "quickfix"
    assert action["diagnostics"][0]["code"] == "XEN101"
    fixed = apply_edits(DOUBLE_SOFTMAX, action["edit"]["changes"][uri])
    assert 'activation="softmax"' not in fixed.split("\n")[4]
    assert "XEN101" not in [d.code for d in lint_source(fixed, "fixed.py")]
    client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    client.diagnostics(uri)

    # XEN102: adding from_logits=True is safe.
    uri = open_document(client, workspace / "fix_safe.py", LOGITS_INTO_PROBABILITIES)
    [diagnostic] = client.diagnostics(uri)["diagnostics"]
    assert diagnostic["code"] == "XEN102"
    actions = client.request("textDocument/codeAction", code_action_params(uri, diagnostic))
    assert actions, "no code action for XEN102"
    assert actions[0]["title"].startswith("Fix: ")
    assert actions[0]["isPreferred"] is True
    fixed = apply_edits(LOGITS_INTO_PROBABILITIES, actions[0]["edit"]["changes"][uri])
    assert "from_logits=True" in fixed
    assert lint_source(fixed, "fixed.py") == []
    client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    client.diagnostics(uri)


def test_code_actions_elsewhere_or_of_other_kinds_are_empty(
    client: LspClient, workspace: Path
) -> None:
    uri = open_document(client, workspace / "no_actions.py", DOUBLE_SOFTMAX)
    [diagnostic] = client.diagnostics(uri)["diagnostics"]
    elsewhere = {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}
    params = {"textDocument": {"uri": uri}, "range": elsewhere, "context": {"diagnostics": []}}
    assert not client.request("textDocument/codeAction", params)
    params = code_action_params(uri, diagnostic)
    params["context"]["only"] = ["source.organizeImports"]
    assert not client.request("textDocument/codeAction", params)
    if not HAS_FIXES:  # without the fix module the server degrades to no actions
        assert not client.request("textDocument/codeAction", code_action_params(uri, diagnostic))
    client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    client.diagnostics(uri)


def test_shutdown_and_exit(workspace: Path, tmp_path: Path) -> None:
    lsp = LspClient(workspace, tmp_path / "server.log")
    try:
        lsp.request("initialize", {"processId": None, "rootUri": None, "capabilities": {}})
        lsp.notify("initialized", {})
        assert lsp.request("shutdown", None) is None
        lsp.notify("exit", None)
        assert lsp.process.wait(timeout=TIMEOUT) == 0, lsp.log()
    finally:
        lsp.close()


# --------------------------------------------------------------------------- the command


def test_server_without_pygls_says_how_to_install(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "sys.modules['pygls'] = None\n"  # makes `import pygls` fail like a missing package
        "from xentlint.cli import main\n"
        "main(['server'])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert result.returncode == 2
    assert result.stderr == (
        "xentlint: error: xentlint server needs pygls: pip install 'xentlint[lsp]'\n"
    )
    assert result.stdout == ""


def test_importing_the_cli_does_not_import_pygls() -> None:
    code = (
        "import sys, xentlint.cli\n"
        "print([m for m in sys.modules if m.split('.')[0] in ('pygls', 'lsprotocol')])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"


# --------------------------------------------------------------------------- the pieces


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def make_diagnostic(line: int, column: int, end_line: int, end_column: int, **kw: Any):
    fields = {"path": "a.py", "code": "XEN101", "name": "double-activation", "severity": "E"}
    fields.update(kw)
    return Diagnostic(
        line=line,
        column=column,
        end_line=end_line,
        end_column=end_column,
        message="m",
        **fields,
    )


def test_severities_map_to_lsp() -> None:
    lines = ["abc"]
    for severity, expected in (("E", 1), ("W", 2), ("S", 3)):
        converted = convert.lsp_diagnostic(
            make_diagnostic(1, 1, 1, 2, severity=severity), lines, utf16
        )
        assert converted.severity == expected


def test_positions_past_the_end_are_clamped() -> None:
    lines = ["x = (", ""]
    converted = convert.lsp_diagnostic(make_diagnostic(9, 1, 9, 1), lines, utf16)
    assert (converted.range.start.line, converted.range.start.character) == (1, 0)
    converted = convert.lsp_diagnostic(make_diagnostic(1, 40, 1, 50), lines, utf16)
    assert (converted.range.start.character, converted.range.end.character) == (5, 5)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("a\nb\nc\n", "a\nB\nc\n"),
        ("a\nb", "a\nb\nc"),
        ("a\r\nb\r\n", "a\r\nx\r\ny\r\n"),
        ("", "new\n"),
        ("a\na\n", "a\n"),
        ("keep\nlast", "keep\nLAST"),
        ("one\n", ""),
    ],
)
def test_replacement_edit_rebuilds_the_new_text(old: str, new: str) -> None:
    edit = convert.replacement_edit(old, new, utf16)
    assert edit is not None
    as_dict = {
        "range": {
            "start": {"line": edit.range.start.line, "character": edit.range.start.character},
            "end": {"line": edit.range.end.line, "character": edit.range.end.character},
        },
        "newText": edit.new_text,
    }
    assert apply_edits(old, [as_dict]) == new
    assert convert.replacement_edit(new, new, utf16) is None


def test_replacement_edit_touches_only_changed_lines() -> None:
    edit = convert.replacement_edit("a\nb\nc\n", "a\nB\nc\n", utf16)
    assert edit is not None
    assert (edit.range.start.line, edit.range.end.line, edit.new_text) == (1, 2, "B\n")


def test_notebook_json_round_trips_cells() -> None:
    cells = (
        Cell("c1", "# title\n", False),
        Cell("c2", "x = 1\n", True),
        Cell("c3", "", True),
    )
    text = notebook_json(cells)
    assert cell_sources(text) == ["# title\n", "x = 1\n", ""]
    assert cell_sources("not json") is None
    assert dedent_shift("    a = 1\n    b = 2\nc = 3\n") == {1: 4, 2: 4}
    assert dedent_shift("a = 1\n") == {}


def notebook_snapshot(cells: tuple[Cell, ...], tmp_path: Path) -> worker.Snapshot:
    return worker.Snapshot(
        key="nb", path=tmp_path / "nb.ipynb", root=tmp_path, generation=1, cells=cells
    )


def test_indented_notebook_cells_keep_their_columns(tmp_path: Path) -> None:
    model = (
        "    import tensorflow as tf\n"
        '    model = tf.keras.Sequential([tf.keras.layers.Dense(10, activation="softmax")])\n'
    )
    cells = (Cell("m", model, True, 1), Cell("c", NOTEBOOK_COMPILE, True, 1))
    linted = worker.lint(notebook_snapshot(cells, tmp_path), utf16)
    [diagnostic] = linted.diagnostics["m"]
    assert linted.diagnostics["c"] == []
    assert linted.versions == {"m": 1, "c": 1}
    # 4 spaces + 'model = tf.keras.Sequential([tf.keras.layers.Dense(10, ' (55) = 59.
    assert line_of(model, 'activation="softmax"') == (1, 59)
    assert (diagnostic.range.start.line, diagnostic.range.start.character) == (1, 59)
    assert diagnostic.range.end.character == 79


def test_a_failing_analyzer_is_reported_not_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*_args: object, **_kwargs: object) -> list[Diagnostic]:
        raise RuntimeError("boom")

    monkeypatch.setattr(worker, "lint_source", explode)
    snapshot = worker.Snapshot(
        key="file:///a.py", path=tmp_path / "a.py", root=tmp_path, generation=1, text="x\n"
    )
    linted = worker.lint(snapshot, utf16)
    assert linted.diagnostics == {"file:///a.py": []}
    assert "RuntimeError: boom" in linted.problems[0]


@dataclass
class FakeFix:
    diagnostic: Diagnostic
    title: str
    safe: bool
    new_text: str


def install_fake_fixes(
    monkeypatch: pytest.MonkeyPatch, fixes: Callable[[str, str], list[FakeFix]]
) -> None:
    """Stand in for ``xentlint.fix`` with the contract: code_actions(text, *, path, config)."""
    module = pytypes.ModuleType("xentlint.fix")

    def code_actions(text: str, *, path: str = "<string>", config: Any = None) -> list[FakeFix]:
        return fixes(text, path)

    module.code_actions = code_actions  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "xentlint.fix", module)


def test_code_actions_from_the_fix_contract(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fixes(text: str, path: str) -> list[FakeFix]:
        [found] = lint_source(text, path)
        return [
            FakeFix(
                found,
                "Remove the final activation",
                False,
                text.replace(', activation="softmax"', ""),
            ),
            FakeFix(found, "Drop from_logits", True, text.replace("from_logits=True", "")),
        ]

    install_fake_fixes(monkeypatch, fixes)
    snapshot = worker.Snapshot(
        key="file:///m.py",
        path=tmp_path / "m.py",
        root=tmp_path,
        generation=1,
        text=DOUBLE_SOFTMAX,
        version=7,
    )
    at = types.Range(types.Position(4, 35), types.Position(4, 35))
    actions = worker.code_actions(snapshot, "file:///m.py", at, utf16)
    assert [a.title for a in actions] == [
        "Fix: Drop from_logits",
        "Unsafe fix: Remove the final activation",
    ]
    assert [a.is_preferred for a in actions] == [True, None]
    assert all(a.kind == types.CodeActionKind.QuickFix for a in actions)
    [edit] = actions[1].edit.changes["file:///m.py"]
    assert (edit.range.start.line, edit.range.end.line) == (4, 5)
    assert edit.new_text == "    tf.keras.layers.Dense(10),\n"

    # Versioned edits when the client supports document changes.
    actions = worker.code_actions(snapshot, "file:///m.py", at, utf16, versioned=True)
    [change] = actions[0].edit.document_changes
    assert change.text_document.version == 7

    # A range away from the finding gets nothing.
    away = types.Range(types.Position(0, 0), types.Position(0, 3))
    assert worker.code_actions(snapshot, "file:///m.py", away, utf16) == []


def test_notebook_code_actions_edit_the_right_cell(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fixes(text: str, path: str) -> list[FakeFix]:
        assert path.endswith(".ipynb")
        [found] = lint_source(text, path)
        document = json.loads(text)
        document["cells"][1]["source"] = document["cells"][1]["source"].replace(
            ', activation="softmax"', ""
        )
        return [FakeFix(found, "Remove the final activation", False, json.dumps(document))]

    install_fake_fixes(monkeypatch, fixes)
    cells = (
        Cell("intro", "# A model\n", False, 1),
        Cell("model", NOTEBOOK_MODEL, True, 3),
        Cell("compile", NOTEBOOK_COMPILE, True, 1),
    )
    snapshot = notebook_snapshot(cells, tmp_path)
    at = types.Range(types.Position(2, 60), types.Position(2, 60))
    [action] = worker.code_actions(snapshot, "model", at, utf16)
    assert action.title == "Unsafe fix: Remove the final activation"
    assert list(action.edit.changes) == ["model"]
    # Asking in the compile cell, where there is no finding, gets nothing.
    assert worker.code_actions(snapshot, "compile", at, utf16) == []


def test_without_the_fix_module_there_are_no_actions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "xentlint.fix", None)
    snapshot = worker.Snapshot(
        key="u", path=tmp_path / "m.py", root=tmp_path, generation=1, text=DOUBLE_SOFTMAX
    )
    at = types.Range(types.Position(4, 35), types.Position(4, 35))
    assert worker.code_actions(snapshot, "u", at, utf16) == []


def test_rule_links_point_at_shipped_pages() -> None:
    href = convert.rule_href("XEN203")
    assert href.startswith("file://") and Path(href[7:]).read_text().startswith("#")
    assert convert.rule_href("XEN999") == (
        "https://github.com/xentlint/xentlint/blob/main/rules/XEN999.md"
    )
