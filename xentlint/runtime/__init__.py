"""The runtime front end: the same facts and checks, on saved and live Keras models.

Importing this package is cheap: Keras (and numpy / h5py) are imported only by the code
paths that need them (deserializing a model, the numeric probe, labels, HDF5 files).
Reading a ``.keras`` archive's configuration needs none of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["check_model", "CheckError", "ModelRefused", "KerasMissing"]

if TYPE_CHECKING:
    from xentlint.runtime.check import check_model
    from xentlint.runtime.errors import CheckError, KerasMissing, ModelRefused


def __getattr__(name: str) -> Any:
    if name == "check_model":
        from xentlint.runtime.check import check_model

        return check_model
    if name in ("CheckError", "ModelRefused", "KerasMissing"):
        from xentlint.runtime import errors

        return getattr(errors, name)
    raise AttributeError(f"module 'xentlint.runtime' has no attribute {name!r}")
