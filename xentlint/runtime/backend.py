"""Which Keras backend is active (a fact the XEN101 check words its message by)."""

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
