"""Real labels -> :class:`~xentlint.facts.LabelEvidence` per model output.

Labels come from a ``.npy``/``.npz`` file or, from Python, as arrays, tensors, a
``tf.data.Dataset`` (its ``element_spec``: nothing is iterated) or an ``element_spec``.
Each label set is assigned to one output (by name, by position, or the only output) and
described: one-hot rows, integer class ids (with their range), binary labels, and the
range of their values (a :class:`~xentlint.facts.LabelRange`, which XEN203 checks).
"""

from __future__ import annotations

import math
import os
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any

from xentlint.facts import BINARY_FAMILIES, LabelEncoding, LabelEvidence, LabelRange, LossSpec
from xentlint.runtime.anchors import Anchor
from xentlint.runtime.errors import CheckError, require
from xentlint.runtime.files import MIB, human_size, open_regular


@dataclass(frozen=True)
class LabelSet:
    name: str  # "y.npz['cls']", "labels", "labels[1]"
    array: Any = None  # a numpy array, or None for a spec
    shape: tuple[int | None, ...] = ()
    dtype: str = ""

    @property
    def rank(self) -> int:
        return len(self.shape)

    @property
    def anchor(self) -> Anchor:
        return Anchor("labels", self.name)


# --- reading ------------------------------------------------------------------------------


#: Label values read from a file (all arrays together): 16 Mi values, 128 MiB once
#: converted to float64 for the checks. MNIST's 60 000 one-hot rows are 600 000 values,
#: ImageNet's 1.28 million class ids 1.28 million; for more, check a sample (``y[:100000]``).
MAX_LABEL_VALUES = 16 * 1024 * 1024
#: Bytes of label data (all arrays together), whatever their dtype.
MAX_LABEL_BYTES = 256 * MIB
#: Arrays in one ``.npz`` file: one per model output.
MAX_LABEL_ARRAYS = 1000
_NPY_MAGIC = b"\x93NUMPY"
_ZIP_MAGIC = b"PK"


@dataclass
class _Budget:
    """What the arrays of one labels file may still declare."""

    path: str
    values: int = MAX_LABEL_VALUES
    nbytes: int = MAX_LABEL_BYTES

    def take(self, name: str, shape: tuple[int, ...], itemsize: int) -> None:
        count = math.prod(shape)
        size = count * itemsize
        if count > self.values or size > self.nbytes:
            raise CheckError(
                f"{self.path}: {name} declares shape {shape} ({count:,} values, "
                f"{human_size(size)}): more labels than xentlint reads (at most "
                f"{MAX_LABEL_VALUES:,} values, {human_size(MAX_LABEL_BYTES)} in all); check a "
                f"sample of them (for example y[:100000])"
            )
        self.values -= count
        self.nbytes -= size


def from_file(path: str) -> dict[Any, LabelSet]:
    """Label sets of a ``.npy`` (key None) or ``.npz`` file (keyed by array name).

    Only a regular file is opened; what each array declares (shape x itemsize) and what
    each ``.npz`` member declares is bounded before anything is loaded, and every read is
    bounded too. Object arrays are refused (``allow_pickle=False``).
    """
    np = require("numpy", "to read labels")
    display = os.path.basename(path)
    if not os.path.exists(path):
        raise CheckError(f"{path}: no such file or directory")
    with open_regular(path, "the labels") as handle:
        budget = _Budget(path)
        try:
            head = handle.read(len(_NPY_MAGIC))
            handle.seek(0)
            if head == _NPY_MAGIC:
                size = os.fstat(handle.fileno()).st_size
                return {None: _array_set(display, _read_npy(np, handle, size, "the array", budget))}
            if head.startswith(_ZIP_MAGIC) and zipfile.is_zipfile(handle):
                return _read_npz(np, handle, display, budget)
        except CheckError:
            raise
        except _READ_ERRORS as exc:
            raise CheckError(f"{path}: cannot read labels: {exc}") from None
    raise CheckError(f"{path}: cannot read labels: not a .npy or .npz file")


_READ_ERRORS: tuple[type[BaseException], ...] = (
    ValueError,
    OSError,
    EOFError,
    RuntimeError,
    NotImplementedError,
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
)


def _read_npy(np: Any, handle: IO[bytes], size: int, name: str, budget: _Budget) -> Any:
    """One ``.npy`` array from ``handle`` (``size`` bytes), once its header passed the budget."""
    fmt = np.lib.format
    version = fmt.read_magic(handle)
    if version == (1, 0):
        shape, _, dtype = fmt.read_array_header_1_0(handle)
    elif version in ((2, 0), (3, 0)):
        shape, _, dtype = fmt.read_array_header_2_0(handle)
    else:  # pragma: no cover - read_magic accepts no other version numbers
        raise CheckError(f"{budget.path}: {name}: unknown .npy version {version}")
    if dtype.hasobject:
        raise CheckError(
            f"{budget.path}: {name} holds Python objects, which are not read (they would be "
            f"unpickled): labels must be numeric arrays"
        )
    budget.take(name, tuple(shape), dtype.itemsize)
    declared = math.prod(shape) * dtype.itemsize
    if declared > size - handle.tell():
        raise CheckError(
            f"{budget.path}: {name} is truncated: its header declares {human_size(declared)}, "
            f"the file holds less"
        )
    handle.seek(0)
    return fmt.read_array(handle, allow_pickle=False)


def _read_npz(np: Any, handle: IO[bytes], display: str, budget: _Budget) -> dict[Any, LabelSet]:
    path = budget.path
    with zipfile.ZipFile(handle) as archive:
        members = archive.infolist()
        if not members:
            raise CheckError(f"{path}: the .npz file holds no arrays")
        if len(members) > MAX_LABEL_ARRAYS:
            raise CheckError(
                f"{path}: {len(members):,} arrays: more than the {MAX_LABEL_ARRAYS} a labels "
                f"file may hold (one per model output)"
            )
        for info in members:
            if not info.filename.endswith(".npy"):
                raise CheckError(f"{path}: member {info.filename!r} is not a .npy array")
            if info.file_size > MAX_LABEL_BYTES + _HEADER_ROOM:  # before inflating a byte
                raise CheckError(
                    f"{path}: member {info.filename!r} declares {human_size(info.file_size)}: "
                    f"more labels than xentlint reads ({human_size(MAX_LABEL_BYTES)} in all)"
                )
        sets: dict[Any, LabelSet] = {}
        for info in members:
            key = info.filename[: -len(".npy")]
            with archive.open(info) as member:
                # a member's data ends at its declared size at the latest (zipfile stops
                # there), and the header's shape is checked against the budget first
                array = _read_npy(np, member, info.file_size, f"array {key!r}", budget)
            sets[key] = _array_set(f"{display}[{key!r}]", array)
        return sets


#: Room for a ``.npy`` header on top of its data (numpy reads at most 10 000 header bytes).
_HEADER_ROOM = 64 * 1024


def _array_set(name: str, array: Any) -> LabelSet:
    return LabelSet(name, array, tuple(int(d) for d in array.shape), str(array.dtype))


def from_python(labels: Any, outputs: Sequence[str]) -> dict[Any, LabelSet]:
    """Label sets from Python objects: arrays, tensors, dicts/lists of them, datasets, specs."""
    spec = getattr(labels, "element_spec", None)
    if spec is not None and not hasattr(labels, "__array__"):
        labels = _label_part(spec)
    elif isinstance(labels, tuple) and labels and _is_spec(labels[0]):
        labels = _label_part(labels)  # a dataset's element_spec, (x_spec, y_spec)
    if isinstance(labels, dict):
        return {str(k): _one(f"labels[{k!r}]", v) for k, v in labels.items()}
    if (
        isinstance(labels, (list, tuple))
        and len(outputs) > 1
        and len(labels) == len(outputs)
        and all(_is_array_like(v) for v in labels)
    ):
        return {i: _one(f"labels[{i}]", v) for i, v in enumerate(labels)}
    return {None: _one("the labels argument", labels)}


def _label_part(spec: Any) -> Any:
    """The labels of a dataset's element_spec: ``y`` of ``(x, y)`` or ``(x, y, w)``."""
    if isinstance(spec, tuple) and len(spec) in (2, 3):
        return spec[1]
    raise CheckError("the dataset's elements are not (inputs, labels) pairs")


def _is_array_like(value: Any) -> bool:
    return hasattr(value, "shape") and hasattr(value, "dtype")


def _one(name: str, value: Any) -> LabelSet:
    shape = getattr(value, "shape", None)
    dtype = getattr(value, "dtype", None)
    if shape is not None and dtype is not None and _is_spec(value):
        dims = tuple(None if d is None else int(d) for d in _dims(shape))
        return LabelSet(name, None, dims, _dtype_name(dtype))
    np = require("numpy", "to read labels")
    if hasattr(value, "numpy") and not isinstance(value, np.ndarray):
        value = value.numpy()
    try:
        array = np.asarray(value)
    except Exception as exc:  # noqa: BLE001 - whatever the object is, it is not labels
        raise CheckError(f"{name}: cannot read labels: {exc}") from None
    if array.dtype == object:
        raise CheckError(f"{name}: labels must be numeric arrays, not {type(value).__name__}")
    return _array_set(name, array)


def _is_spec(value: Any) -> bool:
    return type(value).__name__ in ("TensorSpec", "KerasTensor", "RaggedTensorSpec")


def _dims(shape: Any) -> list[Any]:
    try:
        return list(shape.as_list()) if hasattr(shape, "as_list") else list(shape)
    except ValueError:  # unknown rank
        raise CheckError("the labels' rank is unknown") from None


def _dtype_name(dtype: Any) -> str:
    return str(getattr(dtype, "name", dtype))


# --- assigning label sets to outputs -------------------------------------------------------


def assign(sets: dict[Any, LabelSet], outputs: Sequence[str]) -> dict[str, LabelSet]:
    """Which output each label set is checked against; raises when that is ambiguous."""
    if not outputs:
        raise CheckError("labels were given, but the model has no outputs to check them against")
    keys = list(sets)
    if keys == [None]:
        if len(outputs) > 1:
            raise CheckError(
                f"the model has {len(outputs)} outputs ({', '.join(map(repr, outputs))}): "
                f"give one label array per output (an .npz file keyed by output name)"
            )
        return {outputs[0]: sets[None]}
    if all(isinstance(k, int) for k in keys):
        if len(keys) != len(outputs):
            raise CheckError(f"{len(keys)} label arrays for {len(outputs)} outputs")
        return {outputs[k]: sets[k] for k in keys}
    names = [str(k) for k in keys]
    if all(n in outputs for n in names):
        return {str(k): sets[k] for k in keys}
    positional = [f"arr_{i}" for i in range(len(keys))]
    if names == positional and len(keys) == len(outputs):
        return {outputs[i]: sets[k] for i, k in enumerate(keys)}
    if len(keys) == 1 and len(outputs) == 1:
        return {outputs[0]: sets[keys[0]]}
    unknown = [n for n in names if n not in outputs]
    raise CheckError(
        f"no model output named {', '.join(map(repr, unknown))}; the outputs are "
        f"{', '.join(map(repr, outputs))}"
    )


def check_lengths(sets: dict[str, LabelSet]) -> None:
    lengths = {s.shape[0] for s in sets.values() if s.array is not None and s.shape}
    if len(lengths) > 1:
        described = ", ".join(f"{s.name}: {s.shape[0]}" for s in sets.values() if s.shape)
        raise CheckError(f"the label arrays differ in length ({described})")


# --- describing labels -------------------------------------------------------------------


@dataclass(frozen=True)
class Described:
    evidence: LabelEvidence | None
    summary: str  # for the note: "one-hot rows of width 10, 100 rows"
    label_range: LabelRange | None = None  # the values' range (arrays only)


def describe(
    labels: LabelSet, output: str, units: int | None, rank: int | None, loss: LossSpec | None
) -> Described:
    """The evidence ``labels`` give for the loss of ``output`` (units/rank when known)."""
    if labels.rank == 0:
        raise CheckError(f"{labels.name}: labels are a scalar, not one label per sample")
    if rank is not None and labels.rank not in (rank - 1, rank):
        raise CheckError(
            f"{labels.name} has shape {labels.shape}, which does not fit output {output!r} "
            f"of rank {rank} (expected class ids of rank {rank - 1} or rows of rank {rank})"
        )
    last = labels.shape[-1]
    vector = (labels.rank == rank if rank is not None else labels.rank >= 2) and (
        last is None or last > 1
    )
    binary_loss = loss is not None and loss.family in BINARY_FAMILIES
    if labels.array is None:
        return _describe_spec(labels, vector, binary_loss)
    np = require("numpy", "to read labels")
    values = np.asarray(labels.array)
    if not np.issubdtype(values.dtype, np.number) and values.dtype != bool:
        raise CheckError(f"{labels.name}: labels of dtype {values.dtype} are not numeric")
    values = values.astype("float64")
    if values.size == 0:
        return Described(None, "no labels")
    low, high = float(values.min()), float(values.max())
    span = LabelRange(low, high, labels.anchor)
    if vector:
        return _describe_rows(labels, values, span)
    integral = bool(np.all(values == np.round(values)))
    if binary_loss:
        kind = "binary labels" if integral else "soft binary labels"
        ev = LabelEvidence(LabelEncoding.BINARY, None, kind, labels.anchor)
        return Described(ev, f"{kind} {low:g}..{high:g}", span)
    if not integral:
        return Described(None, f"non-integer values {low:g}..{high:g}", span)
    source = f"integer class ids {int(low)}..{int(high)}"
    classes = int(high) + 1
    num = classes if units is not None and classes > units else None
    ev = LabelEvidence(LabelEncoding.INTEGER, num, source, labels.anchor)
    return Described(ev, f"{source}, {values.size} ids", span)


def _describe_rows(labels: LabelSet, values: Any, span: LabelRange) -> Described:
    np = require("numpy", "to read labels")
    width = int(values.shape[-1])
    rows = values.reshape(-1, width)
    zero_one = bool(np.all((rows == 0) | (rows == 1)))
    sums = rows.sum(axis=-1)
    count = rows.shape[0]
    if zero_one and bool(np.all(sums == 1)):
        source = f"one-hot rows of width {width}"
        ev = LabelEvidence(LabelEncoding.ONE_HOT, width, source, labels.anchor)
    elif bool(np.all(rows >= 0)) and float(np.abs(sums - 1).max()) < 1e-3:
        source = f"label rows of width {width} summing to 1"
        ev = LabelEvidence(LabelEncoding.ONE_HOT, width, source, labels.anchor)
    elif bool(np.all((rows >= 0) & (rows <= 1))):
        source = f"multi-label rows of width {width}"
        ev = LabelEvidence(LabelEncoding.BINARY, None, source, labels.anchor)
    else:
        return Described(None, f"rows of width {width}", span)
    return Described(ev, f"{source}, {count} rows", span)


def _describe_spec(labels: LabelSet, vector: bool, binary_loss: bool) -> Described:
    integer = labels.dtype.startswith(("int", "uint"))
    shape = labels.shape
    if vector and shape[-1] is not None:
        width = int(shape[-1])
        if binary_loss:
            return Described(None, f"rows of width {width} ({labels.dtype})")
        source = f"label rows of width {width} ({labels.dtype}, shape {_shape(shape)})"
        return Described(LabelEvidence(LabelEncoding.ONE_HOT, width, source, labels.anchor), source)
    if integer and not vector and not binary_loss:
        source = f"integer labels ({labels.dtype}, shape {_shape(shape)})"
        return Described(LabelEvidence(LabelEncoding.INTEGER, None, source, labels.anchor), source)
    return Described(None, f"{labels.dtype} labels of shape {_shape(shape)}")


def _shape(shape: tuple[int | None, ...]) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"
