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
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pygls")

from lsprotocol import types  # noqa: E402

from xentlint import lint_source  # noqa: E402
from xentlint.diagnostics import Diagnostic  # noqa: E402
from xentlint.lsp import convert, framing, worker  # noqa: E402
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

    def __init__(self, cwd: Path, stderr_path: Path, memory_limit_kb: int | None = None) -> None:
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        env.pop("XENTLINT_DEBUG", None)
        self._stderr = stderr_path.open("wb")
        command = [sys.executable, "-m", "xentlint", "server"]
        if memory_limit_kb is not None:  # the shell's ulimit: no preexec_fn in a threaded test
            command = ["sh", "-c", f'ulimit -v {memory_limit_kb} && exec "$@"', "sh", *command]
        self.process = subprocess.Popen(
            command,
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

    def send_raw(self, data: bytes) -> None:
        """Write bytes as they are (hostile framing)."""
        stdin = self.process.stdin
        assert stdin is not None
        stdin.write(data)
        stdin.flush()

    def notify(self, method: str, params: Any) -> None:
        self.send({"method": method, "params": params})

    def reply(self, ident: Any, timeout: float = TIMEOUT) -> dict[str, Any]:
        """The response to request ``ident``: a result or an error."""
        return self.wait(
            lambda m: (
                "id" in m
                and type(m["id"]) is type(ident)
                and m["id"] == ident
                and "method" not in m
                and ("result" in m or "error" in m)
            ),
            timeout,
        )

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
    assert capabilities["codeActionProvider"] == {
        "codeActionKinds": ["quickfix", "source.fixAll.xentlint"]
    }
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
        titles = [a["title"] for a in actions]
        assert [t.split(":")[0] for t in titles] == ["Unsafe fix", "Disable XEN101 for this line"]
        [edits] = actions[0]["edit"]["changes"].values()
        assert list(actions[0]["edit"]["changes"]) == [model_cell]
        fixed = apply_edits(NOTEBOOK_MODEL, edits)
        assert fixed == NOTEBOOK_MODEL.replace(', activation="softmax"', "")
        # The noqa comment goes on the finding's line in the model cell, not in the
        # compile cell whose loss revealed it.
        noqa = actions[1]
        assert list(noqa["edit"]["changes"]) == [model_cell]
        silenced = apply_edits(NOTEBOOK_MODEL, noqa["edit"]["changes"][model_cell])
        assert silenced.split("\n")[2] == NOTEBOOK_MODEL.split("\n")[2] + "  # noqa: XEN101"
        document = notebook_json(
            (
                Cell("i", "# A model\n", False),
                Cell("m", silenced, True),
                Cell("c", NOTEBOOK_COMPILE, True),
            )
        )
        assert lint_source(document, "analysis.ipynb") == []

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


NOTEBOOK_FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "notebooks"


@pytest.mark.parametrize(
    "name", ["lab_placeholders", "ipython_syntax", "writefile"], ids=lambda name: name
)
def test_notebook_cells_agree_with_check(client: LspClient, workspace: Path, name: str) -> None:
    """Cells synced over LSP give what ``xentlint check nb.ipynb`` gives: the cells left out
    (XEN901), the IPython cells (no finding) and the ``%%writefile`` files, cell by cell."""
    path = NOTEBOOK_FIXTURES / f"{name}.ipynb"
    text = path.read_text(encoding="utf-8")
    expected = sorted(
        (d.cell or 0, d.line - 1, d.column - 1, d.code) for d in lint_source(text, path.name)
    )
    assert {code for *_, code in expected} >= {"XEN901"}
    notebook = (workspace / f"{name}.ipynb").as_uri()
    cells = [
        (
            cell["cell_type"],
            f"{notebook}#cell{number}",
            "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"],
        )
        for number, cell in enumerate(json.loads(text)["cells"], start=1)
    ]
    client.notify("notebookDocument/didOpen", notebook_params(notebook, cells))
    published = []
    for number in sorted({cell for cell, *_ in expected}):
        for diagnostic in client.diagnostics(f"{notebook}#cell{number}")["diagnostics"]:
            start = diagnostic["range"]["start"]
            published.append((number, start["line"], start["character"], diagnostic["code"]))
    assert sorted(published) == expected
    others = [
        m
        for m in client.drain(0.5)
        if m.get("method") == "textDocument/publishDiagnostics"
        and m["params"]["uri"].startswith(notebook)
        and m["params"]["diagnostics"]
    ]
    assert others == []
    client.notify(
        "notebookDocument/didClose",
        {
            "notebookDocument": {"uri": notebook},
            "cellTextDocuments": [{"uri": uri} for _, uri, _ in cells],
        },
    )


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
    assert titles[-1] == "Disable XEN101 for this line"
    assert all(title.startswith("Unsafe fix: ") for title in titles[:-1]), titles
    assert not any(action.get("isPreferred") for action in actions)  # nothing safe to prefer
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
    assert [a.get("isPreferred") for a in actions].count(True) == 1
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
    if not HAS_FIXES:  # without the fix module the server degrades to # noqa actions
        actions = client.request("textDocument/codeAction", code_action_params(uri, diagnostic))
        assert [a["title"] for a in actions] == ["Disable XEN101 for this line"]
    client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    client.diagnostics(uri)


def code_actions_of_kinds(
    client: LspClient,
    uri: str,
    only: list[str] | None,
    at: tuple[int, int] = (0, 0),
    trigger: int | None = None,
) -> list[dict[str, Any]]:
    here = {"line": at[0], "character": at[1]}
    context: dict[str, Any] = {"diagnostics": []}
    if only is not None:
        context["only"] = only
    if trigger is not None:
        context["triggerKind"] = trigger
    params = {
        "textDocument": {"uri": uri},
        "range": {"start": here, "end": here},
        "context": context,
    }
    return client.request("textDocument/codeAction", params) or []


@pytest.mark.skipif(not HAS_FIXES, reason="xentlint.fix is not available")
def test_fix_all_applies_every_safe_fix(client: LspClient, workspace: Path) -> None:
    # Two safe XEN102 fixes (two models) and an unsafe XEN101 one.
    text = (
        LOGITS_INTO_PROBABILITIES
        + LOGITS_INTO_PROBABILITIES.replace("model", "other").replace(
            "import tensorflow as tf\n\n", ""
        )
        + DOUBLE_SOFTMAX.replace("import tensorflow as tf\n\n", "").replace("model", "third")
    )
    uri = open_document(client, workspace / "fix_all.py", text)
    assert sorted(codes(client.diagnostics(uri))) == ["XEN101", "XEN102", "XEN102"]
    for only in (["source.fixAll"], ["source"], ["source.fixAll.xentlint"], None):
        actions = [
            a for a in code_actions_of_kinds(client, uri, only) if a["kind"].startswith("source")
        ]
        assert len(actions) == 1, (only, actions)
        [action] = actions
        assert action["kind"] == "source.fixAll.xentlint"
        assert action["title"] == "xentlint: Apply all safe fixes"
        fixed = apply_edits(text, action["edit"]["changes"][uri])
        assert fixed.count("from_logits=True") == text.count("from_logits=True") + 2
        assert [d.code for d in lint_source(fixed, "fixed.py")] == ["XEN101"]  # unsafe: left
    # Asked for quick fixes or other source actions only: no fix-all.
    assert code_actions_of_kinds(client, uri, ["quickfix"]) == []  # nothing at line 0
    assert code_actions_of_kinds(client, uri, ["source.organizeImports"]) == []
    # Asked by the editor on its own (triggerKind 2, for a light bulb, which shows no
    # source actions): not computed; asked by the user (1): offered.
    assert code_actions_of_kinds(client, uri, None, trigger=2) == []
    [action] = code_actions_of_kinds(client, uri, None, trigger=1)
    assert action["kind"] == "source.fixAll.xentlint"
    client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    client.diagnostics(uri)

    # Only unsafe fixes: "fix all" would change nothing, so it is not offered.
    uri = open_document(client, workspace / "fix_all_unsafe.py", DOUBLE_SOFTMAX)
    client.diagnostics(uri)
    assert code_actions_of_kinds(client, uri, ["source.fixAll"]) == []
    client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    client.diagnostics(uri)


def test_noqa_quick_fix_silences_the_finding(client: LspClient, workspace: Path) -> None:
    text = DOUBLE_SOFTMAX.replace(
        'activation="softmax"),', 'activation="softmax"),  # noqa: E501 long line'
    )
    uri = open_document(client, workspace / "noqa.py", text)
    [diagnostic] = client.diagnostics(uri)["diagnostics"]
    actions = client.request("textDocument/codeAction", code_action_params(uri, diagnostic))
    [noqa] = [a for a in actions if a["title"] == "Disable XEN101 for this line"]
    assert noqa["kind"] == "quickfix"
    assert noqa.get("isPreferred") is None
    assert noqa["diagnostics"][0]["code"] == "XEN101"
    # The code joins the codes already there; the reason after them stays.
    [edit] = noqa["edit"]["changes"][uri]
    fixed = apply_edits(text, [edit])
    assert fixed.split("\n")[4].endswith('"softmax"),  # noqa: E501, XEN101 long line')
    assert edit["range"]["start"]["line"] == edit["range"]["end"]["line"] == 4
    assert lint_source(fixed, "fixed.py") == []
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


# --------------------------------------------------------------------------- hostile clients


def body_of(message: dict[str, Any]) -> bytes:
    return json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")


def framed(body: bytes, length: int | None = None) -> bytes:
    """``body`` with a Content-Length header (the true length unless ``length`` lies)."""
    return b"Content-Length: %d\r\n\r\n" % (len(body) if length is None else length) + body


@contextmanager
def fresh_server(
    workspace: Path, log: Path, *, initialize: bool = True, **kwargs: Any
) -> Iterator[LspClient]:
    """A server of its own (for tests that may break it), initialized unless told not to."""
    lsp = LspClient(workspace, log, **kwargs)
    try:
        if initialize:
            lsp.request("initialize", {"processId": None, "rootUri": None, "capabilities": {}})
            lsp.notify("initialized", {})
        yield lsp
    finally:
        lsp.close()


def assert_still_serving(lsp: LspClient, ident: int = 991, *, quiet: bool = True) -> None:
    """A valid request after the hostile input is answered, and the server ends cleanly
    (with ``quiet``, without a traceback in its log either)."""
    lsp.send({"id": ident, "method": "shutdown", "params": None})
    reply = lsp.reply(ident)
    assert reply == {"jsonrpc": "2.0", "id": ident, "result": None}, lsp.log()
    lsp.notify("exit", None)
    assert lsp.process.wait(timeout=TIMEOUT) == 0, lsp.log()
    assert not quiet or "Traceback" not in lsp.log()


# A request the server would answer with MethodNotFound, used as the broken message.
PROBE = body_of({"id": 90, "method": "xentlint/probe", "params": {}})
DEEP = b"[" * 100_000 + b"]" * 100_000

BAD_FRAMES: dict[str, bytes] = {
    "content-length longer than the body by 1": framed(PROBE, len(PROBE) + 1),
    "content-length longer than the body by 20": framed(PROBE, len(PROBE) + 20),
    "content-length longer than the body by 1 MiB": framed(PROBE, len(PROBE) + 2**20),
    "content-length shorter than the body": framed(PROBE, len(PROBE) - 10),
    "content-length zero": framed(PROBE, 0),
    "content-length not a number": b"Content-Length: ten\r\n\r\n" + PROBE,
    "content-length negative": b"Content-Length: -12\r\n\r\n" + PROBE,
    "content-length with a sign": b"Content-Length: +12\r\n\r\n" + PROBE,
    "content-length huge": b"Content-Length: 99999999999999999999\r\n\r\n" + PROBE,
    "no content-length": b"Content-Type: application/vscode-jsonrpc\r\n\r\n" + PROBE,
    "two content-lengths": b"Content-Length: 3\r\nContent-Length: 4\r\n\r\n" + PROBE,
    "a header line that never ends": b"Content-Length: 12\r\n" + b"x" * 10_000,
    "a body that is not JSON": framed(b"{this is not json"),
    "a body that is not UTF-8": framed(b'{"jsonrpc": "2.0", "id": 90, "method": "\xff\xfe"}'),
    "a body nested too deeply": framed(DEEP),
    "a JSON array": framed(b"[1, 2, 3]"),
    "a JSON string": framed(b'"initialize"'),
    "a JSON number": framed(b"42"),
    "JSON null": framed(b"null"),
    "an empty object": framed(b"{}"),
    "garbage between messages": b"\r\nhello\r\n\r\n\x00\xff garbage Content-Lengt",
}


@pytest.mark.parametrize("name", list(BAD_FRAMES))
def test_bad_framing_leaves_the_server_serving(name: str, workspace: Path, tmp_path: Path) -> None:
    with fresh_server(workspace, tmp_path / "server.log") as lsp:
        lsp.send_raw(BAD_FRAMES[name])
        assert_still_serving(lsp)
        assert lsp.process.poll() == 0


def test_a_message_cut_short_by_the_next_is_answered_with_its_id(
    workspace: Path, tmp_path: Path
) -> None:
    # The body was complete JSON although the header promised more: the next header shows
    # where it ended, so the client learns which request failed instead of waiting for it.
    with fresh_server(workspace, tmp_path / "server.log") as lsp:
        lsp.send_raw(framed(PROBE, len(PROBE) + 20))
        lsp.send({"id": 91, "method": "xentlint/probe", "params": {}})
        error = lsp.reply(90)["error"]
        assert error["code"] == -32700
        assert "shorter than its Content-Length" in error["message"]
        assert lsp.reply(91)["error"]["code"] == -32601  # the next one is read normally
        assert_still_serving(lsp)


def test_a_huge_content_length_is_not_allocated(workspace: Path, tmp_path: Path) -> None:
    # Under a 1 GiB address-space limit, reading a body of the announced 3 GB would fail
    # (pygls' reader calls read(3_000_000_000) and dies of MemoryError).
    with fresh_server(workspace, tmp_path / "server.log", memory_limit_kb=2**20) as lsp:
        lsp.send_raw(b"Content-Length: 3000000000\r\n\r\n" + PROBE)
        assert_still_serving(lsp)


def test_stdin_closed_in_the_middle_of_a_message(workspace: Path, tmp_path: Path) -> None:
    with fresh_server(workspace, tmp_path / "server.log") as lsp:
        lsp.send({"id": 5, "method": "xentlint/probe", "params": {}})
        assert lsp.reply(5)["error"]["code"] == -32601
        message = framed(PROBE)
        lsp.send_raw(message[: len(message) // 2])
        assert lsp.process.stdin is not None
        lsp.process.stdin.close()
        # The input ended without shutdown: exit status 1, as after exit without shutdown.
        assert lsp.process.wait(timeout=TIMEOUT) == 1, lsp.log()
        assert "Traceback" not in lsp.log()


def test_requests_before_initialize_are_refused_without_a_traceback(
    workspace: Path, tmp_path: Path
) -> None:
    with fresh_server(workspace, tmp_path / "server.log", initialize=False) as lsp:
        lsp.notify(  # a notification before initialize is dropped
            "textDocument/didOpen",
            {
                "textDocument": {
                    "uri": (workspace / "early.py").as_uri(),
                    "languageId": "python",
                    "version": 1,
                    "text": DOUBLE_SOFTMAX,
                }
            },
        )
        lsp.send(
            {
                "id": 1,
                "method": "textDocument/codeAction",
                "params": code_action_params(
                    (workspace / "early.py").as_uri(),
                    {
                        "range": {
                            "start": {"line": 0, "character": 0},
                            "end": {"line": 0, "character": 0},
                        }
                    },
                ),
            }
        )
        reply = lsp.reply(1)
        assert reply["error"]["code"] == -32002  # ServerNotInitialized
        assert "data" not in reply["error"]
        assert "Traceback" not in json.dumps(reply)
        lsp.send({"id": 2, "method": "shutdown", "params": None})
        assert lsp.reply(2)["error"]["code"] == -32002
        # Then initialize works, and the early document was never linted.
        lsp.request("initialize", {"processId": None, "rootUri": None, "capabilities": {}})
        assert not [
            m for m in lsp.drain(0.5) if m.get("method") == "textDocument/publishDiagnostics"
        ]
        assert_still_serving(lsp)


def test_a_second_initialize_and_requests_after_shutdown_are_invalid(
    workspace: Path, tmp_path: Path
) -> None:
    with fresh_server(workspace, tmp_path / "server.log") as lsp:
        lsp.send(
            {"id": 7, "method": "initialize", "params": {"processId": None, "capabilities": {}}}
        )
        assert lsp.reply(7)["error"]["code"] == -32600
        assert lsp.request("shutdown", None) is None
        lsp.send({"id": 8, "method": "xentlint/probe", "params": {}})
        assert lsp.reply(8)["error"]["code"] == -32600  # InvalidRequest after shutdown
        lsp.notify("exit", None)
        assert lsp.process.wait(timeout=TIMEOUT) == 0, lsp.log()


@pytest.mark.parametrize("initialize", [True, False])
def test_exit_without_shutdown_ends_with_status_1(
    initialize: bool, workspace: Path, tmp_path: Path
) -> None:
    with fresh_server(workspace, tmp_path / "server.log", initialize=initialize) as lsp:
        lsp.notify("exit", None)
        assert lsp.process.wait(timeout=TIMEOUT) == 1, lsp.log()
        assert "Traceback" not in lsp.log()


def position(line: int, character: int) -> dict[str, int]:
    return {"line": line, "character": character}


def test_requests_with_impossible_positions_are_answered(
    client: LspClient, workspace: Path
) -> None:
    uri = open_document(client, workspace / "positions.py", DOUBLE_SOFTMAX)
    client.diagnostics(uri)

    def ask(start: dict[str, int], end: dict[str, int]) -> dict[str, Any]:
        client._next_id += 1
        ident = client._next_id
        params = {
            "textDocument": {"uri": uri},
            "range": {"start": start, "end": end},
            "context": {"diagnostics": []},
        }
        client.send({"id": ident, "method": "textDocument/codeAction", "params": params})
        return client.reply(ident)

    for start, end in [
        (position(-1, 0), position(0, 0)),
        (position(0, -5), position(0, 0)),
        (position(0, 0), position(-3, -3)),
        (position(2**31, 0), position(2**31, 0)),  # beyond LSP's uinteger
    ]:
        reply = ask(start, end)
        assert reply["error"]["code"] == -32602, reply  # InvalidParams, with the request's id
        assert "range" in reply["error"]["message"]
    # Valid numbers past the end of the document: an answer without actions.
    assert ask(position(10**6, 0), position(10**6, 10**6))["result"] in (None, [])
    # A fraction: cattrs reads 1.5 as 1; what matters is that there is an answer.
    assert "result" in ask(position(0, 1.5), position(0, 2))  # type: ignore[dict-item]
    assert "result" in ask(position(2**31 - 1, 2**31 - 1), position(0, 0))  # start after end
    client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    client.diagnostics(uri)


def test_a_burst_of_hostile_and_valid_requests_is_answered_in_full(
    workspace: Path, tmp_path: Path
) -> None:
    uri = (workspace / "burst.py").as_uri()
    here = {"start": position(4, 30), "end": position(4, 30)}
    action = {"textDocument": {"uri": uri}, "range": here, "context": {"diagnostics": []}}

    def with_(**changes: Any) -> dict[str, Any]:
        return {**action, **changes}

    # (id, method, params, the outcome: None for a result, else the error code; or several)
    requests: list[tuple[int | str, str, Any, int | None | tuple[int | None, ...]]] = [
        (100, "textDocument/codeAction", action, (None, -32800)),  # cancelled, maybe in time
        (
            101,
            "textDocument/codeAction",
            with_(range={"start": position(-1, -1), "end": here["end"]}),
            -32602,
        ),
        (102, "textDocument/codeAction", None, -32602),
        (103, "textDocument/codeAction", {"textDocument": {"uri": 5}}, -32602),
        (104, "textDocument/codeAction", with_(textDocument={"uri": "file:///nowhere.py"}), None),
        (105, "textDocument/codeAction", with_(context={"diagnostics": [], "only": [7]}), None),
        (
            106,
            "textDocument/codeAction",
            with_(context={"diagnostics": [], "only": ["", "x"]}),
            None,
        ),
        (
            107,
            "textDocument/codeAction",
            with_(range={"start": position(2**40, 0), "end": here["end"]}),
            -32602,
        ),
        (
            108,
            "textDocument/hover",
            {"textDocument": {"uri": uri}, "position": position(0, 0)},
            -32601,
        ),
        (109, "workspace/executeCommand", {"command": "xentlint.nothing", "arguments": []}, -32602),
        (110, "xentlint/probe", {"deep": json.loads("[" * 500 + "]" * 500)}, -32601),
        ("s-111", "textDocument/codeAction", action, None),
        (112, "codeAction/resolve", {"title": "x"}, -32601),
        (113, "initialize", {"processId": None, "capabilities": {}}, -32600),
    ]
    # Requests that break JSON-RPC but whose id can be read: InvalidRequest with that id.
    wrong = [
        {"jsonrpc": "1.0", "id": 200, "method": "shutdown"},
        {"jsonrpc": "2.0", "id": 201, "method": ["shutdown"]},
        {"jsonrpc": "2.0", "id": 202, "method": None},
        {"id": 203, "method": "shutdown"},
    ]
    # Requests whose id is not one LSP allows: InvalidRequest with id null.
    unanswerable = [
        {"jsonrpc": "2.0", "id": {"no": 1}, "method": "shutdown"},
        {"jsonrpc": "2.0", "id": 1.5, "method": "shutdown"},
        {"jsonrpc": "2.0", "id": None, "method": "shutdown"},
        {"jsonrpc": "2.0", "id": True, "method": "shutdown"},
    ]
    # Notifications, hostile or not: never answered, never fatal.
    notifications = [
        {"method": "$/cancelRequest", "params": {"id": 100}},
        {"method": "$/cancelRequest", "params": None},
        {
            "method": "textDocument/didChange",
            "params": {
                "textDocument": {"uri": uri, "version": -1},
                "contentChanges": [
                    {"range": {"start": position(-1, 0), "end": position(0, 0)}, "text": "x"}
                ],
            },
        },
        {"method": "textDocument/didClose", "params": {"textDocument": {"uri": "file:///x.py"}}},
        {"method": "xentlint/unknown", "params": [1, 2]},
    ]
    open_it = {
        "method": "textDocument/didOpen",
        "params": {
            "textDocument": {
                "uri": uri,
                "languageId": "python",
                "version": 1,
                "text": DOUBLE_SOFTMAX,
            }
        },
    }
    burst = [framed(body_of(open_it)), framed(PROBE, len(PROBE) + 7)]  # the probe: cut short
    for ident, method, params, _ in requests:
        burst.append(framed(body_of({"id": ident, "method": method, "params": params})))
        burst.append(BAD_FRAMES["garbage between messages"])
    for message in [*wrong, *unanswerable]:
        burst.append(framed(json.dumps(message).encode()))
    for message in notifications:
        burst.append(framed(body_of(message)))

    with fresh_server(workspace, tmp_path / "server.log") as lsp:
        lsp.send_raw(b"".join(burst))
        for ident, method, _, expected in requests:
            reply = lsp.reply(ident)
            assert "traceback" not in json.dumps(reply).lower(), reply
            outcome = reply["error"]["code"] if "error" in reply else None
            allowed = expected if isinstance(expected, tuple) else (expected,)
            assert outcome in allowed and ("result" in reply) != ("error" in reply), (method, reply)
        assert lsp.reply(90)["error"]["code"] == -32700  # the probe cut short by the next
        for message in wrong:
            assert lsp.reply(message["id"])["error"]["code"] == -32600
        for _ in unanswerable:
            assert lsp.reply(None)["error"]["code"] == -32600
        # (pygls logs a traceback for the unknown command: a log line, not an answer)
        assert_still_serving(lsp, quiet=False)
        later = lsp.drain(0.2)
        assert not [m for m in later if "id" in m and "method" not in m], later


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
        "xentlint: error: xentlint server needs pygls: pip install 'pygls>=2,<3'\n"
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
    """Stand in for ``xentlint.fix`` with the contract: code_actions(text, *, path, config,
    project) (``project``: the finder of the modules the document imports)."""
    module = pytypes.ModuleType("xentlint.fix")

    def code_actions(
        text: str, *, path: str = "<string>", config: Any = None, project: Any = None
    ) -> list[FakeFix]:
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
        "Disable XEN101 for this line",
    ]
    assert [a.is_preferred for a in actions] == [True, None, None]
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
    action, noqa = worker.code_actions(snapshot, "model", at, utf16)
    assert action.title == "Unsafe fix: Remove the final activation"
    assert list(action.edit.changes) == ["model"]
    assert noqa.title == "Disable XEN101 for this line"
    assert list(noqa.edit.changes) == ["model"]
    # Asking in the compile cell, where there is no finding, gets nothing.
    assert worker.code_actions(snapshot, "compile", at, utf16) == []


def test_without_the_fix_module_only_noqa_actions_are_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "xentlint.fix", None)
    snapshot = worker.Snapshot(
        key="u", path=tmp_path / "m.py", root=tmp_path, generation=1, text=DOUBLE_SOFTMAX
    )
    at = types.Range(types.Position(4, 35), types.Position(4, 35))
    actions = worker.code_actions(snapshot, "u", at, utf16)
    assert [a.title for a in actions] == ["Disable XEN101 for this line"]


def test_rule_links_point_at_shipped_pages() -> None:
    href = convert.rule_href("XEN203")
    assert href.startswith("file://") and Path(href[7:]).read_text().startswith("#")
    assert convert.rule_href("XEN999") == (
        "https://github.com/xentlint/xentlint/blob/main/rules/XEN999.md"
    )


def py_snapshot(text: str, tmp_path: Path) -> worker.Snapshot:
    return worker.Snapshot(
        key="file:///m.py", path=tmp_path / "m.py", root=tmp_path, generation=1, text=text
    )


def noqa_actions(snapshot: worker.Snapshot, uri: str, line: int) -> list[types.CodeAction]:
    whole_line = types.Range(types.Position(line, 0), types.Position(line, 10**4))
    actions = worker.code_actions(snapshot, uri, whole_line, utf16, only=["quickfix"])
    return [a for a in actions if a.title.startswith("Disable ")]


def lsp_edits(edits: list[types.TextEdit]) -> list[dict[str, Any]]:
    return [
        {
            "range": {
                "start": {"line": e.range.start.line, "character": e.range.start.character},
                "end": {"line": e.range.end.line, "character": e.range.end.character},
            },
            "newText": e.new_text,
        }
        for e in edits
    ]


@pytest.mark.parametrize(
    ("name", "line"),
    [
        # A backslash continuation: nothing may follow it on its line.
        ("backslash", '    tf.keras.layers.Dense(10, activation="softmax"), \\'),
        # The line ends inside a string: a comment there would be text of the string.
        ("open string", '    tf.keras.layers.Dense(10, activation="softmax", name="""a\nb"""),'),
    ],
)
def test_no_noqa_fix_where_a_comment_cannot_work(name: str, line: str, tmp_path: Path) -> None:
    text = DOUBLE_SOFTMAX.replace('    tf.keras.layers.Dense(10, activation="softmax"),', line)
    assert [d.code for d in lint_source(text, "m.py")] == ["XEN101"], name
    assert noqa_actions(py_snapshot(text, tmp_path), "file:///m.py", 4) == []


def test_noqa_fix_after_a_noqa_text_in_a_string(tmp_path: Path) -> None:
    # every # noqa of a line counts (xentlint.noqa.is_suppressed): a real comment after a
    # string that holds noqa text works, so the quick fix adds one
    line = '    tf.keras.layers.Dense(10, activation="softmax", name="# noqa: E1"),'
    text = DOUBLE_SOFTMAX.replace('    tf.keras.layers.Dense(10, activation="softmax"),', line)
    [action] = noqa_actions(py_snapshot(text, tmp_path), "file:///m.py", 4)
    assert action.edit is not None and action.edit.changes is not None
    [edit] = action.edit.changes["file:///m.py"]
    fixed = text.splitlines()[4] + edit.new_text
    assert edit.range.start.character == len(line)
    assert [d.code for d in lint_source(text.replace(line, fixed), "m.py")] == []


def test_noqa_fix_counts_utf16_units_and_keeps_the_rest_of_the_line(tmp_path: Path) -> None:
    line = '    tf.keras.layers.Dense(10, name="😀", activation="softmax"),  # 😀 note'
    text = DOUBLE_SOFTMAX.replace('    tf.keras.layers.Dense(10, activation="softmax"),', line)
    [action] = noqa_actions(py_snapshot(text, tmp_path), "file:///m.py", 4)
    [edit] = action.edit.changes["file:///m.py"]
    # Inserted at the end of the line: its length in UTF-16 units (two emoji count twice).
    assert (edit.range.start.line, edit.range.start.character) == (4, utf16(line))
    assert edit.range.end == edit.range.start
    assert edit.new_text == "  # noqa: XEN101"
    fixed = text.replace(line, line + "  # noqa: XEN101")
    assert lint_source(fixed, "m.py") == []


def test_noqa_fix_in_an_indented_notebook_cell(tmp_path: Path) -> None:
    model = (
        "    import tensorflow as tf\n"
        "    %time x = 1\n"
        '    model = tf.keras.Sequential([tf.keras.layers.Dense(10, activation="softmax")])\n'
    )
    cells = (
        Cell("intro", "# A model\n", False, 1),
        Cell("m", model, True, 1),
        Cell("c", NOTEBOOK_COMPILE, True, 1),
    )
    snapshot = notebook_snapshot(cells, tmp_path)
    assert noqa_actions(snapshot, "c", 0) == []  # the finding is not in the compile cell
    [action] = noqa_actions(snapshot, "m", 2)
    [edit] = action.edit.changes["m"]
    fixed = apply_edits(model, lsp_edits([edit]))
    assert fixed.split("\n")[2] == model.split("\n")[2] + "  # noqa: XEN101"
    document = notebook_json((cells[0], Cell("m", fixed, True), cells[2]))
    assert lint_source(document, "nb.ipynb") == []


def test_only_the_first_safe_fix_of_a_finding_is_preferred(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fixes(text: str, path: str) -> list[FakeFix]:
        [found] = lint_source(text, path)
        return [
            FakeFix(found, "One way", True, text.replace("from_logits=True", "")),
            FakeFix(found, "Another way", True, text.replace("(from_logits=True)", "()")),
            FakeFix(found, "Risky", False, text.replace(', activation="softmax"', "")),
        ]

    install_fake_fixes(monkeypatch, fixes)
    at = types.Range(types.Position(4, 35), types.Position(4, 35))
    actions = worker.code_actions(py_snapshot(DOUBLE_SOFTMAX, tmp_path), "file:///m.py", at, utf16)
    assert [(a.title, a.is_preferred) for a in actions] == [
        ("Fix: One way", True),
        ("Fix: Another way", None),
        ("Unsafe fix: Risky", None),
        ("Disable XEN101 for this line", None),
    ]


@pytest.mark.parametrize(
    ("kind", "only", "expected"),
    [
        ("quickfix", None, True),
        ("quickfix", ["quickfix"], True),
        ("quickfix", [""], True),  # the empty kind holds every kind
        ("quickfix", ["source"], False),
        ("source.fixAll.xentlint", ["source"], True),
        ("source.fixAll.xentlint", ["source.fixAll"], True),
        ("source.fixAll.xentlint", ["source.fixAll.xentlint"], True),
        ("source.fixAll.xentlint", ["source.fix"], False),  # a prefix of a word is not a kind
        ("source.fixAll.xentlint", ["source.fixAll.ruff"], False),
        ("source.fixAll.xentlint", [7, None], False),  # type: ignore[list-item]
    ],
)
def test_code_action_kinds_are_hierarchical(
    kind: str, only: list[str] | None, expected: bool
) -> None:
    assert worker.kind_requested(kind, only) is expected


# --------------------------------------------------------------------------- framing


def messages(events: list[framing.Event]) -> list[Any]:
    return [event.value for event in events if isinstance(event, framing.Message)]


VALID = {"jsonrpc": "2.0", "id": 991, "method": "shutdown"}


@pytest.mark.parametrize("chunk", [1, 7, 100, 10**6])
def test_reader_frames_messages_however_they_are_split(chunk: int) -> None:
    stream = framed(PROBE) + framed(body_of({"method": "initialized", "params": {}}))
    stream += b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n" + framed(
        body_of(VALID)
    )
    stream += b"content-length:%d\r\n\r\n" % len(body_of(VALID)) + body_of(VALID)  # any case
    reader = framing.MessageReader()
    events: list[framing.Event] = []
    for start in range(0, len(stream), chunk):
        events += reader.feed(stream[start : start + chunk])
    assert messages(events) == [
        json.loads(PROBE),
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
        VALID,
        VALID,
    ]
    assert events == [framing.Message(value) for value in messages(events)]
    assert reader.pending == 0 and reader.close() == []


@pytest.mark.parametrize("name", list(BAD_FRAMES))
@pytest.mark.parametrize("split", ["together", "apart", "bytewise"])
def test_reader_recovers_after_each_bad_frame(name: str, split: str) -> None:
    bad, good = BAD_FRAMES[name], framed(body_of(VALID))
    reader = framing.MessageReader()
    if split == "together":
        events = reader.feed(bad + good)
    elif split == "apart":
        events = reader.feed(bad) + reader.feed(good)
    else:
        events = [event for byte in (bad + good) for event in reader.feed(bytes([byte]))]
    assert messages(events)[-1:] == [VALID], events
    assert all(m == VALID or not isinstance(m, dict) or m == {} for m in messages(events)), events
    assert reader.pending == 0


def test_reader_answers_what_it_could_not_read() -> None:
    reader = framing.MessageReader()
    [problem] = reader.feed(framed(b"{not json"))
    assert isinstance(problem, framing.Problem) and problem.answer
    # Garbage skipped between messages is reported (to the log), not answered.
    events = reader.feed(b"noise" + framed(body_of(VALID)))
    assert [type(e) for e in events] == [framing.Problem, framing.Message]
    assert not events[0].answer and events[0].reason == "skipped 5 bytes"
    # A broken header is answered; the body after it is part of that problem.
    [problem, message] = reader.feed(b"Content-Length: x\r\n\r\n{}" + framed(body_of(VALID)))
    assert problem.answer and "not a number" in problem.reason
    assert message == framing.Message(VALID)
    # Cut short by the next header: the body that came is handed over, for its id.
    events = reader.feed(framed(PROBE, len(PROBE) + 3) + framed(body_of(VALID)))
    assert events[0] == framing.Problem(events[0].reason, value=json.loads(PROBE))
    assert messages(events) == [VALID]


def test_reader_memory_is_bounded_by_what_arrives() -> None:
    reader = framing.MessageReader()
    # A huge announced length is refused at once; nothing of that size is allocated.
    [problem] = reader.feed(b"Content-Length: 3000000000\r\n\r\n")
    assert "3000000000 bytes" in problem.reason and reader.pending == 0
    # Megabytes of garbage (no header in sight) are dropped as they come.
    for _ in range(200):
        reader.feed(b"\x00garbage" * 8192)
        assert reader.pending <= 64
    # A header block that never ends is cut off at the limit.
    reader.feed(b"Content-Length: 5\r\n" + b"x" * (framing.MAX_HEADER_BYTES + 10))
    assert reader.pending < framing.MAX_HEADER_BYTES
    assert messages(reader.feed(framed(body_of(VALID)))) == [VALID]


def test_reader_reports_a_message_cut_by_the_end_of_the_input() -> None:
    reader = framing.MessageReader()
    assert reader.feed(framed(PROBE)[:-5]) == []
    [problem] = reader.close()
    assert not problem.answer and f"{len(PROBE) - 5} of the {len(PROBE)} bytes" in problem.reason


@pytest.mark.skipif(not HAS_FIXES, reason="xentlint.fix is not available")
def test_fix_all_in_a_notebook_edits_every_cell_it_fixes(tmp_path: Path) -> None:
    model = "import tensorflow as tf\nmodel = tf.keras.Sequential([tf.keras.layers.Dense(10)])\n"
    loss = "model.compile(loss=tf.keras.losses.SparseCategoricalCrossentropy())\n"
    cells = (
        Cell("intro", "# A model\n", False, 1),
        Cell("m", model, True, 2),
        Cell("c", loss, True, 3),
    )
    at = types.Range(types.Position(0, 0), types.Position(0, 0))
    # Asked in the model cell, the fix lands in the compile cell (with that cell's version).
    [action] = worker.code_actions(
        notebook_snapshot(cells, tmp_path), "m", at, utf16, only=["source.fixAll"], versioned=True
    )
    assert action.kind == "source.fixAll.xentlint"
    [change] = action.edit.document_changes
    assert (change.text_document.uri, change.text_document.version) == ("c", 3)
    fixed = apply_edits(loss, lsp_edits(change.edits))
    assert fixed == loss.replace("Crossentropy()", "Crossentropy(from_logits=True)")
    assert (
        lint_source(notebook_json((cells[0], cells[1], Cell("c", fixed, True))), "nb.ipynb") == []
    )
