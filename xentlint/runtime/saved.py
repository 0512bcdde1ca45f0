"""Reading a saved model's configuration without deserializing it.

- ``.keras`` (Keras 3): a zip archive; ``config.json`` holds the architecture and the
  ``compile_config``; only the standard library is needed.
- HDF5 (``.h5``, Keras 2 and Keras 3 legacy format): the ``model_config`` and
  ``training_config`` attributes, read with h5py.
- SavedModel folders: Keras 3 cannot load them as models; a Keras 2 SavedModel carries its
  configuration in ``keras_metadata.pb``, which is read here with a few lines of protobuf
  wire-format decoding (no TensorFlow import).
"""

from __future__ import annotations

import json
import os
import zipfile
from dataclasses import dataclass
from typing import Any

from xentlint.runtime.errors import CheckError, require

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
MAX_CONFIG_BYTES = 256 * 1024 * 1024


@dataclass
class Saved:
    path: str
    format: str  # "keras" | "h5" | "savedmodel"
    config: dict[str, Any]  # the model's serialized architecture
    compile_config: dict[str, Any] | None
    keras_version: str | None = None
    saved_backend: str | None = None


def read(path: str) -> Saved:
    if not os.path.exists(path):
        raise CheckError(f"{path}: no such file or directory")
    if os.path.isdir(path):
        return _savedmodel(path)
    try:
        with open(path, "rb") as handle:
            head = handle.read(8)
    except OSError as exc:
        raise CheckError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if head == HDF5_SIGNATURE:
        return _hdf5(path)
    if zipfile.is_zipfile(path):
        return _keras_zip(path)
    raise CheckError(
        f"{path}: not a Keras model (expected a .keras archive, an HDF5 file or a "
        f"SavedModel folder)"
    )


def _json(data: bytes | str, where: str) -> Any:
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise CheckError(f"{where}: malformed JSON: {exc}") from None


def _keras_zip(path: str) -> Saved:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "config.json" not in names:
                raise CheckError(f"{path}: a zip archive, but not a Keras model (no config.json)")
            info = archive.getinfo("config.json")
            if info.file_size > MAX_CONFIG_BYTES:
                raise CheckError(f"{path}: config.json is implausibly large")
            config = _json(archive.read("config.json"), f"{path}: config.json")
            meta: Any = {}
            if "metadata.json" in names:
                meta = _json(archive.read("metadata.json"), f"{path}: metadata.json")
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise CheckError(f"{path}: cannot read the archive: {exc}") from None
    if not isinstance(config, dict):
        raise CheckError(f"{path}: config.json is not a model configuration")
    compile_config = config.get("compile_config")
    version = meta.get("keras_version") if isinstance(meta, dict) else None
    return Saved(
        path,
        "keras",
        config,
        compile_config if isinstance(compile_config, dict) and compile_config else None,
        version if isinstance(version, str) else None,
    )


def _attr(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if hasattr(value, "item") and getattr(value, "shape", None) == ():
        return _attr(value.item())
    return value


def _hdf5(path: str) -> Saved:
    h5py: Any = require("h5py")
    try:
        with h5py.File(path, "r") as handle:
            attrs = {key: _attr(handle.attrs[key]) for key in handle.attrs}
    except (OSError, KeyError, ValueError) as exc:
        raise CheckError(f"{path}: cannot read the HDF5 file: {exc}") from None
    raw = attrs.get("model_config")
    if not isinstance(raw, str):
        raise CheckError(f"{path}: an HDF5 file without a model configuration (weights only?)")
    config = _json(raw, f"{path}: model_config")
    training = attrs.get("training_config")
    compile_config = _json(training, f"{path}: training_config") if training else None
    version, backend = attrs.get("keras_version"), attrs.get("backend")
    return Saved(
        path,
        "h5",
        config if isinstance(config, dict) else {},
        compile_config if isinstance(compile_config, dict) else None,
        version if isinstance(version, str) else None,
        backend if isinstance(backend, str) else None,
    )


# --- Keras 2 SavedModel metadata --------------------------------------------------------------


def _savedmodel(path: str) -> Saved:
    meta = os.path.join(path, "keras_metadata.pb")
    if not os.path.exists(meta):
        if os.path.exists(os.path.join(path, "saved_model.pb")):
            raise CheckError(
                f"{path}: a TensorFlow SavedModel without Keras metadata: Keras 3 cannot load "
                f"it as a model (keras.layers.TFSMLayer only wraps its inference function); "
                f"check the model before export, or save it with model.save('model.keras')"
            )
        raise CheckError(f"{path}: a folder, not a model file")
    with open(meta, "rb") as handle:
        data = handle.read()
    for node_path, metadata in saved_metadata_nodes(data):
        if node_path == "root":
            root = _json(metadata, f"{meta}: root metadata")
            break
    else:
        raise CheckError(f"{meta}: no root object in the Keras metadata")
    if not isinstance(root, dict):
        raise CheckError(f"{meta}: the root object has no model configuration")
    config = root.get("model_config")
    if not isinstance(config, dict):
        if "config" not in root:
            raise CheckError(f"{meta}: the root object has no model configuration")
        config = {"class_name": root.get("class_name"), "config": root.get("config")}
    training = root.get("training_config")
    return Saved(
        path,
        "savedmodel",
        config,
        training if isinstance(training, dict) else None,
        root.get("keras_version") if isinstance(root.get("keras_version"), str) else None,
    )


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data):
            raise CheckError("truncated Keras metadata")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _fields(data: bytes) -> list[tuple[int, Any]]:
    """(field number, value) of one protobuf message; bytes for length-delimited fields."""
    out: list[tuple[int, Any]] = []
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(data, pos)
        elif wire == 2:
            size, pos = _varint(data, pos)
            value, pos = data[pos : pos + size], pos + size
        elif wire == 1:
            value, pos = data[pos : pos + 8], pos + 8
        elif wire == 5:
            value, pos = data[pos : pos + 4], pos + 4
        else:
            raise CheckError("malformed Keras metadata")
        out.append((number, value))
    return out


def saved_metadata_nodes(data: bytes) -> list[tuple[str, str]]:
    """(node_path, metadata JSON) of each ``SavedObject`` in a ``SavedMetadata`` message.

    ``SavedMetadata { repeated SavedObject nodes = 1; }`` and ``SavedObject { int32 node_id
    = 2; string node_path = 3; string identifier = 4; string metadata = 5; ... }``.
    """
    nodes = []
    for number, value in _fields(data):
        if number != 1 or not isinstance(value, bytes):
            continue
        node_path = metadata = ""
        for inner, item in _fields(value):
            if inner == 3 and isinstance(item, bytes):
                node_path = item.decode("utf-8", errors="replace")
            elif inner == 5 and isinstance(item, bytes):
                metadata = item.decode("utf-8", errors="replace")
        nodes.append((node_path, metadata))
    return nodes
