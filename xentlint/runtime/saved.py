"""Reading a saved model's configuration without deserializing it.

- ``.keras`` (Keras 3): a zip archive; ``config.json`` holds the architecture and the
  ``compile_config``; only the standard library is needed. The same files unpacked in a
  folder (Keras' directory format) are read the same way.
- HDF5 (``.h5``, Keras 2 and Keras 3 legacy format): the ``model_config`` and
  ``training_config`` attributes, read with h5py.
- SavedModel folders: Keras 3 cannot load them as models; a Keras 2 SavedModel carries its
  configuration in ``keras_metadata.pb``, which is read here with a few lines of protobuf
  wire-format decoding (no TensorFlow import).

Model files may be hostile, so everything read is bounded before it is read:

- only regular files are opened (a FIFO would block, ``/dev/zero`` never end), each once,
  and everything is read from that one open file;
- the format is chosen as ``keras.saving.load_model`` (Keras 3.15) chooses it, by name: a
  ``.keras`` file is a zip archive, a ``.h5``/``.hdf5`` file is HDF5, whatever else they
  also are; a file with another name that is both (a polyglot) is refused as ambiguous;
- each part has a size limit set by its real need (``MAX_CONFIG_BYTES``...), checked
  against the size an archive declares and again while reading (never trusting the
  declared size), so a zip bomb costs at most the limit; ``--probe`` loads the model only
  after this reading succeeded;
- JSON nests at most ``MAX_NESTING`` levels, so nothing downstream walks a pathologically
  deep structure; protobuf varints are at most 10 bytes.
"""

from __future__ import annotations

import json
import os
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from xentlint.runtime.errors import CheckError, require
from xentlint.runtime.files import MIB, human_size, open_regular, read_bounded

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
#: A model's serialized configuration (``config.json``, an HDF5 ``model_config``, the root
#: object of a SavedModel's metadata). Measured with Keras 3.15 (``keras.applications``,
#: ``weights=None``, compiled): ResNet50 172 KiB, MobileNetV3Large 194 KiB, ConvNeXtXLarge
#: 261 KiB, DenseNet201 680 KiB, InceptionResNetV2 740 KiB, EfficientNetB7 771 KiB,
#: EfficientNetV2L 979 KiB, NASNetLarge 1.0 MiB (the largest); about 1 KiB per layer.
#: 16 MiB (~16 000 layers) parses in under 2 s and 400 MB at worst (``[{},{},...]``).
MAX_CONFIG_BYTES = 16 * MIB
#: ``metadata.json`` of a ``.keras`` archive: ``{"keras_version": ..., "date_saved": ...}``,
#: 64 bytes in every archive measured.
MAX_METADATA_BYTES = 1 * MIB
#: ``keras_metadata.pb`` holds the metadata of every layer and the root's configuration.
MAX_SAVEDMODEL_METADATA_BYTES = 4 * MAX_CONFIG_BYTES
#: JSON nesting. Keras configurations measured nest 11-12 levels; each nested model or
#: wrapper layer adds about four.
MAX_NESTING = 100
#: A protobuf varint encodes at most 64 bits in 10 bytes.
MAX_VARINT_BYTES = 10
#: Protobuf fields read from ``keras_metadata.pb``: a few per saved object (a node per
#: layer, variable and tracked object), so a million-layer model would not reach it; past
#: it, 64 MiB of tiny fields would take ~30 s of Python to walk.
MAX_METADATA_FIELDS = 4_000_000

_ZIP_ERRORS: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    OSError,
    EOFError,
    RuntimeError,  # an encrypted member
    NotImplementedError,  # a compression method zipfile does not know
    ValueError,
    zlib.error,
)


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
        return _folder(path)
    with open_regular(path, "the model") as handle:
        kind = _format(path, handle)
        if kind == "h5":
            return _hdf5(path, handle)
        return _keras_zip(path, handle)


def _format(path: str, handle: IO[bytes]) -> str:
    """Which reader the file gets ("keras" or "h5"): as ``keras.saving.load_model`` picks."""
    try:
        hdf5 = handle.read(len(HDF5_SIGNATURE)) == HDF5_SIGNATURE
        zipped = zipfile.is_zipfile(handle)
    except OSError as exc:
        raise CheckError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if path.endswith(".keras"):
        if zipped:
            return "keras"
        also = " (it is an HDF5 file: name it .h5)" if hdf5 else ""
        raise CheckError(
            f"{path}: not a Keras model: a .keras file must be a zip archive, and Keras "
            f"cannot load this one{also}"
        )
    if path.endswith((".h5", ".hdf5")):
        return "h5"
    if hdf5 and zipped:
        raise CheckError(
            f"{path}: both an HDF5 file and a zip archive: refusing an ambiguous file (Keras "
            f"picks the format by the file name: .keras reads the zip, .h5 the HDF5 file)"
        )
    if hdf5:
        return "h5"
    if zipped:
        return "keras"
    raise CheckError(
        f"{path}: not a Keras model (expected a .keras archive, an HDF5 file or a "
        f"SavedModel folder)"
    )


# --- size and nesting limits ----------------------------------------------------------------


def _too_large(where: str, limit: int, declared: int | None = None) -> CheckError:
    size = f"{human_size(declared)}, " if declared is not None else ""
    return CheckError(
        f"{where} is too large to be a model configuration ({size}over the limit of "
        f"{human_size(limit)}): refusing it"
    )


def _read_bounded(handle: IO[bytes], limit: int, where: str) -> bytes:
    data = read_bounded(handle, limit)
    if data is None:
        raise _too_large(where, limit)
    return data


def _json(data: bytes | str, where: str) -> Any:
    if len(data) > MAX_CONFIG_BYTES:
        raise _too_large(where, MAX_CONFIG_BYTES, len(data))
    try:
        value = json.loads(data)
    except RecursionError:
        raise _too_deep(where) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise CheckError(f"{where}: malformed JSON: {exc}") from None
    if nesting(value, MAX_NESTING) > MAX_NESTING:
        raise _too_deep(where)
    return value


def _too_deep(where: str) -> CheckError:
    return CheckError(
        f"{where}: nested more than {MAX_NESTING} levels deep: not a model configuration"
    )


def nesting(value: Any, limit: int) -> int:
    """How deeply ``value``'s lists and dicts nest (1 for a flat list), up to ``limit + 1``.

    Level by level, so any depth is measured without recursion; stops as soon as it passes
    ``limit`` (NASNetLarge's configuration: 6 ms).
    """
    level = [value] if isinstance(value, (dict, list)) else []
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            return depth
        below = []
        for item in level:
            for child in item.values() if isinstance(item, dict) else item:
                if isinstance(child, (dict, list)):
                    below.append(child)
        level = below
    return depth


# --- .keras archives and folders --------------------------------------------------------------


def _member(archive: zipfile.ZipFile, name: str, limit: int, where: str) -> bytes:
    info = archive.getinfo(name)
    if info.file_size > limit:  # refused before a byte is inflated
        raise _too_large(where, limit, info.file_size)
    with archive.open(info) as member:  # and never trusting the declared size
        return _read_bounded(member, limit, where)


def _keras_zip(path: str, handle: IO[bytes]) -> Saved:
    try:
        with zipfile.ZipFile(handle) as archive:
            names = set(archive.namelist())
            if "config.json" not in names:
                raise CheckError(f"{path}: a zip archive, but not a Keras model (no config.json)")
            where = f"{path}: config.json"
            raw = _member(archive, "config.json", MAX_CONFIG_BYTES, where)
            meta_raw = None
            if "metadata.json" in names:
                meta_where = f"{path}: metadata.json"
                meta_raw = _member(archive, "metadata.json", MAX_METADATA_BYTES, meta_where)
    except CheckError:
        raise
    except _ZIP_ERRORS as exc:
        raise CheckError(f"{path}: cannot read the archive: {exc}") from None
    meta = _json(meta_raw, f"{path}: metadata.json") if meta_raw is not None else {}
    return _keras_saved(path, _json(raw, where), meta)


def _keras_folder(path: str) -> Saved:
    where = os.path.join(path, "config.json")
    with open_regular(where, "config.json") as handle:
        config = _json(_read_bounded(handle, MAX_CONFIG_BYTES, where), where)
    meta: Any = {}
    meta_path = os.path.join(path, "metadata.json")
    if os.path.exists(meta_path):
        with open_regular(meta_path, "metadata.json") as handle:
            meta = _json(_read_bounded(handle, MAX_METADATA_BYTES, meta_path), meta_path)
    return _keras_saved(path, config, meta)


def _keras_saved(path: str, config: Any, meta: Any) -> Saved:
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


# --- HDF5 -------------------------------------------------------------------------------------

#: The attributes Keras' legacy HDF5 loader reads; no other attribute is read.
_HDF5_ATTRS = ("model_config", "training_config", "keras_version", "backend")


def _attr(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if hasattr(value, "item") and getattr(value, "shape", None) == ():
        return _attr(value.item())
    return value


def _hdf5_attr(attrs: Any, name: str, where: str) -> Any:
    """One attribute, refused when its stored size is over the configuration limit."""
    if name not in attrs:
        return None
    if attrs.get_id(name).get_storage_size() > MAX_CONFIG_BYTES:
        raise _too_large(f"{where}: {name}", MAX_CONFIG_BYTES)
    return _attr(attrs[name])


def _hdf5(path: str, handle: IO[bytes]) -> Saved:
    h5py: Any = require("h5py")
    try:
        handle.seek(0)
        with h5py.File(handle, "r") as opened:
            attrs = {name: _hdf5_attr(opened.attrs, name, path) for name in _HDF5_ATTRS}
    except CheckError:
        raise
    except (OSError, KeyError, ValueError, TypeError) as exc:
        raise CheckError(f"{path}: cannot read the HDF5 file: {exc}") from None
    raw = attrs.get("model_config")
    if not isinstance(raw, str):
        raise CheckError(f"{path}: an HDF5 file without a model configuration (weights only?)")
    config = _json(raw, f"{path}: model_config")
    training = attrs.get("training_config")
    compile_config = None
    if isinstance(training, str) and training:
        compile_config = _json(training, f"{path}: training_config")
    version, backend = attrs.get("keras_version"), attrs.get("backend")
    return Saved(
        path,
        "h5",
        config if isinstance(config, dict) else {},
        compile_config if isinstance(compile_config, dict) else None,
        version if isinstance(version, str) else None,
        backend if isinstance(backend, str) else None,
    )


# --- folders: Keras' directory format, Keras 2 SavedModel metadata ------------------------------


def _folder(path: str) -> Saved:
    if os.path.exists(os.path.join(path, "config.json")):  # what keras.saving.load_model reads
        return _keras_folder(path)
    return _savedmodel(path)


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
    with open_regular(meta, "keras_metadata.pb") as handle:
        try:
            data = _read_bounded(handle, MAX_SAVEDMODEL_METADATA_BYTES, meta)
        except OSError as exc:
            raise CheckError(f"{meta}: cannot read: {exc.strerror or exc}") from None
    found = root_metadata(data)
    if found is None:
        raise CheckError(f"{meta}: no root object in the Keras metadata")
    root = _json(found, f"{meta}: root metadata")
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


def _varint(data: memoryview, pos: int) -> tuple[int, int]:
    result = 0
    for index in range(MAX_VARINT_BYTES):
        if pos >= len(data):
            raise CheckError("truncated Keras metadata")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << (7 * index)
        if not byte & 0x80:
            return result, pos
    raise CheckError(f"malformed Keras metadata (a varint longer than {MAX_VARINT_BYTES} bytes)")


def _fields(data: memoryview, budget: list[int]) -> Iterator[tuple[int, int | memoryview]]:
    """(field number, value) of one protobuf message; a view for length-delimited fields.

    ``budget`` holds how many more fields may be read (shared by all messages of a file).
    """
    pos = 0
    while pos < len(data):
        budget[0] -= 1
        if budget[0] < 0:
            raise CheckError(
                f"malformed Keras metadata (more than {MAX_METADATA_FIELDS:,} protobuf fields)"
            )
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        value: int | memoryview
        if wire == 0:
            value, pos = _varint(data, pos)
        elif wire in (1, 2, 5):
            size = 8 if wire == 1 else 4 if wire == 5 else 0
            if wire == 2:
                size, pos = _varint(data, pos)
            if pos + size > len(data):
                raise CheckError("truncated Keras metadata")
            value, pos = data[pos : pos + size], pos + size
        else:
            raise CheckError("malformed Keras metadata")
        yield number, value


def saved_metadata_nodes(data: bytes) -> Iterator[tuple[str, memoryview]]:
    """(node_path, metadata JSON bytes) of each ``SavedObject`` in a ``SavedMetadata`` message.

    ``SavedMetadata { repeated SavedObject nodes = 1; }`` and ``SavedObject { int32 node_id
    = 2; string node_path = 3; string identifier = 4; string metadata = 5; ... }``. Linear in
    the size of ``data``; nothing is copied but the node paths.
    """
    budget = [MAX_METADATA_FIELDS]
    for number, value in _fields(memoryview(data), budget):
        if number != 1 or not isinstance(value, memoryview):
            continue
        node_path = ""
        metadata = memoryview(b"")
        for inner, item in _fields(value, budget):
            if inner == 3 and isinstance(item, memoryview) and len(item) <= 4096:
                node_path = bytes(item).decode("utf-8", errors="replace")
            elif inner == 5 and isinstance(item, memoryview):
                metadata = item
        yield node_path, metadata


def root_metadata(data: bytes) -> str | None:
    """The metadata JSON of the SavedModel's root object, or None."""
    for node_path, metadata in saved_metadata_nodes(data):
        if node_path == "root":
            if len(metadata) > MAX_CONFIG_BYTES:
                raise _too_large("the root object's metadata", MAX_CONFIG_BYTES, len(metadata))
            return bytes(metadata).decode("utf-8", errors="replace")
    return None
