"""``xentlint server``: a Language Server Protocol server for editors (needs ``xentlint[lsp]``).

The server speaks LSP over stdin/stdout. It publishes xentlint's findings as diagnostics for
Python files and for Jupyter notebooks (when the editor syncs notebooks), and offers the
fixes as code actions. Importing this package is cheap: pygls is imported by :func:`serve`.
"""

from __future__ import annotations

PYGLS_MISSING = "xentlint server needs pygls: pip install 'pygls>=2,<3'"
_LSP_PACKAGES = frozenset({"pygls", "lsprotocol", "cattrs"})


class LspUnavailable(Exception):
    """pygls (or one of its dependencies) is not installed."""


def serve() -> None:
    """Run the language server on stdin/stdout until the client says ``exit`` (or closes
    stdin); then end the process with 1 unless ``shutdown`` came first, as LSP says."""
    try:
        from xentlint.lsp.server import run_stdio
    except ImportError as exc:
        if (exc.name or "").split(".")[0] in _LSP_PACKAGES:
            raise LspUnavailable(PYGLS_MISSING) from exc
        raise
    status = run_stdio()
    if status:
        raise SystemExit(status)
