"""``xentlint model --import MODULE``: import the user's modules before reading models.

A module that defines custom layers, activations or losses with
``@keras.saving.register_keras_serializable`` registers them when it is imported; the
configuration reader then knows them (they are no longer "unregistered code") and
``keras.saving.load_model`` can load them with ``safe_mode=True``. Modules are found as
``python -m MODULE`` finds them: the current folder first, then ``sys.path``. Importing a
module runs its code: it is the user's own choice, made by naming it.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterable


class ImportFailed(Exception):
    """A module named with ``--import`` could not be imported (exit status 2)."""


def import_modules(names: Iterable[str]) -> None:
    """Import each module of ``names``, in order; raise :class:`ImportFailed` on the first
    that cannot be imported, saying why."""
    names = list(names)
    if not names:
        return
    folder = os.getcwd()
    if folder not in sys.path and "" not in sys.path:
        sys.path.insert(0, folder)  # as `python -m` does
    importlib.invalidate_caches()
    for name in names:
        _import(name.strip())


def _not_a_name(name: str) -> ImportFailed:
    hint = ""
    if name.endswith(".py") or os.sep in name or "/" in name:
        module = name.removesuffix(".py").replace(os.sep, ".").replace("/", ".")
        hint = f" (a module name, as for python -m: {module.strip('.')!r})"
    return ImportFailed(f"--import {name!r}: not a module name{hint}")


def _import(name: str) -> None:
    if not name or not all(part.isidentifier() for part in name.split(".")):
        raise _not_a_name(name)
    try:
        importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if name.endswith(".py"):  # a file name, as `python -m` is often given
            raise _not_a_name(name) from None
        missing = exc.name or name
        where = "in the current folder or on the Python path"
        if missing == name or name.startswith(missing + "."):
            raise ImportFailed(f"--import {name}: no module named {missing!r} {where}") from None
        raise ImportFailed(
            f"--import {name}: the module imports {missing!r}, which is not installed"
        ) from None
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - the user's module: report it
        detail = str(exc).strip().splitlines()
        text = f"{type(exc).__name__}: {detail[0]}" if detail else type(exc).__name__
        raise ImportFailed(f"--import {name}: importing it failed: {text}"[:500]) from None
