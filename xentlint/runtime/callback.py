"""``XentlintCallback``: the runtime checks at the start of ``model.fit``.

Works on every Keras 3 backend: it reads the live model's layers and compile
configuration, and runs the probe through the model's own ``__call__``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any, TextIO

import keras

from xentlint.diagnostics import Diagnostic
from xentlint.runtime.check import check_model
from xentlint.runtime.errors import CheckError


class XentlintModelError(Exception):
    """Raised by the callback (``raise_on_error=True``) when the model has error findings."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        lines = [f"{d.location()}: {d.code} {d.message}" for d in diagnostics]
        super().__init__("xentlint found errors in the model:\n" + "\n".join(lines))
        self.diagnostics = diagnostics


class XentlintCallback(keras.callbacks.Callback):
    """Check the model being trained in ``on_train_begin``; print what is found.

    ``labels``: the training labels (arrays, a dict per output, a ``tf.data.Dataset``...),
    so that the label rules (XEN2xx) run too. ``raise_on_error=True`` stops training when
    an error-severity finding is reported. The findings stay on ``self.diagnostics``, and
    what could not be judged (an output the probe could not show, labels whose encoding
    cannot be told) on ``self.not_judged``, one sentence each; both are printed unless
    ``verbose=False``.
    """

    def __init__(
        self,
        labels: Any = None,
        *,
        probe: bool = True,
        raise_on_error: bool = False,
        select: Iterable[str] | None = None,
        ignore: Iterable[str] | None = None,
        verbose: bool = True,
        stream: TextIO | None = None,
    ) -> None:
        super().__init__()
        self.labels = labels
        self.probe = probe
        self.raise_on_error = raise_on_error
        self.select = select
        self.ignore = ignore
        self.verbose = verbose
        self.stream = stream
        self.diagnostics: list[Diagnostic] = []
        self.not_judged: list[str] = []
        self._pending = False

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._pending = not self._check(final=False)

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if self._pending:  # a subclassed model is built by its first training step
            self._pending = False
            self._check(final=True)

    def _check(self, final: bool) -> bool:
        """Run the checks; False when the model cannot be checked yet (not built)."""
        stream = self.stream or sys.stderr
        try:
            result = check_model(
                self.model, self.labels, self.probe, select=self.select, ignore=self.ignore
            )
        except CheckError as exc:
            if not final and not getattr(self.model, "built", True):
                return False
            self.not_judged = [f"the model was not checked: {exc}"]
            if self.verbose:
                stream.write(f"xentlint: cannot check the model: {exc}\n")
            return True
        self.diagnostics = result
        self.not_judged = list(result.not_judged)
        if self.verbose:
            for d in self.diagnostics:
                stream.write(f"xentlint: {d.location()}: {d.code} {d.message}\n")
            for sentence in self.not_judged:
                stream.write(f"xentlint: <model>: {sentence}\n")
            stream.flush()
        errors = [d for d in self.diagnostics if d.severity == "E"]
        if self.raise_on_error and errors:
            raise XentlintModelError(errors)
        return True
