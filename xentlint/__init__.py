"""xentlint: catches cross-entropy mistakes in Keras / TensorFlow code.

Importing the package is cheap: the linting functions load their modules on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Diagnostic", "__version__", "check_model", "lint_paths", "lint_source"]

if TYPE_CHECKING:
    from xentlint.diagnostics import Diagnostic
    from xentlint.lint import lint_paths, lint_source
    from xentlint.runtime.check import check_model


def __getattr__(name: str) -> Any:
    if name in ("lint_source", "lint_paths"):
        from xentlint import lint

        return getattr(lint, name)
    if name == "check_model":  # Keras is imported by the check itself, when needed
        from xentlint.runtime.check import check_model

        return check_model
    if name == "Diagnostic":
        from xentlint.diagnostics import Diagnostic

        return Diagnostic
    raise AttributeError(f"module 'xentlint' has no attribute {name!r}")
