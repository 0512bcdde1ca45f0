"""Problems that stop a model from being checked (exit status 2 on the command line)."""

from __future__ import annotations

#: The smallest install that provides each optional module: (what, what for by default,
#: how to install it).
_NEEDED_FOR = {
    "keras": ("keras and a backend", "", "pip install tensorflow"),
    "h5py": ("h5py", "to read an HDF5 (.h5) model", "pip install h5py"),
    "numpy": ("numpy", "for this (labels, arrays)", "pip install numpy"),
}


class CheckError(Exception):
    """Nothing could be checked: a missing or unreadable file, bad labels, no outputs..."""


class KerasMissing(CheckError):
    """Keras (or numpy / h5py) is needed for this and is not installed.

    The message names the smallest install that provides ``module`` (``pip install h5py``
    for an HDF5 file, not all of TensorFlow).
    """

    def __init__(self, detail: str = "", module: str = "keras", purpose: str = "") -> None:
        top = module.split(".", 1)[0]
        what, default, install = _NEEDED_FOR.get(top, _NEEDED_FOR["keras"])
        why = f" {purpose or default}" if purpose or default else ""
        message = f"xentlint model needs {what}{why}: {install}"
        super().__init__(message + (f" ({detail})" if detail else ""))
        self.module = top


class ModelRefused(CheckError):
    """Loading the model would run arbitrary Python code (a Lambda, a custom object)."""

    def __init__(self, what: str, *, api: bool = False, how: str | None = None) -> None:
        """``how``: what loading needs and what to pass ("Keras loads class X only once the
        module that registers it is imported: pass --import mymodels --probe")."""
        if how is None:
            flag = "trust_model=True" if api else "--trust-model"
            how = (
                f"loading it would run arbitrary Python code, so xentlint refuses to "
                f"(safe_mode=True). Pass {flag} to load it anyway, only for a file you trust."
            )
        else:
            how = f"xentlint does not load it: {how}"
        super().__init__(f"{what}: {how}")
        self.what = what


def require(module: str, purpose: str = "") -> object:
    """Import ``module`` or raise :class:`KerasMissing`; ``purpose`` says what it is needed
    for ("to read labels")."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise KerasMissing(f"cannot import {module}: {exc}", module, purpose) from None
