"""Which Keras backend is active, and what that means for a doubled softmax (XEN101)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def active_backend() -> str:
    """The backend Keras uses (or would use) here, without importing Keras."""
    keras = sys.modules.get("keras")
    if keras is not None:
        try:
            return str(keras.backend.backend())
        except Exception:  # noqa: BLE001 - a half-imported keras: fall back to the settings
            pass
    env = os.environ.get("KERAS_BACKEND")
    if env:
        return env
    home = os.environ.get("KERAS_HOME") or str(Path.home() / ".keras")
    try:
        settings = json.loads((Path(home) / "keras.json").read_text(encoding="utf-8"))
        backend = settings.get("backend") if isinstance(settings, dict) else None
        if isinstance(backend, str) and backend:
            return backend
    except (OSError, ValueError):
        pass
    return "tensorflow"


def xen101_note(backend: str, activation: str, observed: bool) -> str:
    """The sentence a runtime XEN101 message ends with."""
    if backend == "tensorflow":
        if observed:
            return (
                f" Backend: tensorflow. Keras repairs a doubled {activation} in fit() only "
                f"when it can see the {activation} op in front of the loss; do not rely on it."
            )
        return (
            f" Backend: tensorflow: Keras repairs this inside compile()/fit() (it takes the "
            f"logits before the {activation} and warns), but not in tf.nn ops, in losses on "
            f"predict() outputs, or on JAX/PyTorch (measured: 1.135 instead of 1.470 on JAX)."
        )
    return (
        f" Backend: {backend}. Nothing repairs it on this backend: fit() trains on the "
        f"{activation} of the {activation} (measured on JAX: a loss of 1.135 instead of 1.470)."
    )
