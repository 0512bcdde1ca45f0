"""Problems that stop a model from being checked (exit status 2 on the command line)."""

from __future__ import annotations

INSTALL_HINT = "xentlint model needs keras and a backend: pip install 'xentlint[tensorflow]'"
#: The smallest install that provides each optional module, and what it is needed for.
_NEEDED_FOR = {
    "h5py": "xentlint model needs h5py to read an HDF5 (.h5) model: pip install h5py",
    "numpy": "xentlint model needs numpy for this (labels, arrays): pip install numpy",
}


class CheckError(Exception):
    """Nothing could be checked: a missing or unreadable file, bad labels, no outputs..."""


class KerasMissing(CheckError):
    """Keras (or numpy / h5py) is needed for this and is not installed.

    The message names the smallest install that provides ``module`` (``pip install h5py``
    for an HDF5 file, not all of TensorFlow).
    """

    def __init__(self, detail: str = "", module: str = "keras") -> None:
        hint = _NEEDED_FOR.get(module.split(".", 1)[0], INSTALL_HINT)
        super().__init__(hint + (f" ({detail})" if detail else ""))


class ModelRefused(CheckError):
    """Loading the model would run arbitrary Python code (a Lambda, a custom object)."""

    def __init__(self, what: str, *, api: bool = False) -> None:
        flag = "trust_model=True" if api else "--trust-model"
        super().__init__(
            f"{what}: loading it would run arbitrary Python code, so xentlint refuses to "
            f"(safe_mode=True). Pass {flag} to load it anyway, only for a file you trust."
        )
        self.what = what


def require(module: str) -> object:
    """Import ``module`` or raise :class:`KerasMissing`."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise KerasMissing(f"cannot import {module}: {exc}", module) from None
