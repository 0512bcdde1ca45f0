"""Hostile model and label files: bounded memory and time, a clear error, exit 2.

Every hostile file is generated here, in ``tmp_path``. Each ``xentlint model`` run goes
through :func:`run_capped`: a subprocess with an address-space limit (``RLIMIT_AS``) and a
timeout, so that a regression (a FIFO that blocks, a zip bomb that inflates, a quadratic
reader) is a failed test, not a frozen or swapping machine. The configuration-only paths
never import TensorFlow, so their limit is small: measured with Python 3.11 on Linux, a
``.keras`` check needs ~30 MB of address space, with ``--labels`` (numpy, OpenBLAS on one
thread) ~150 MB, while ``--probe`` (TensorFlow) needs ~1.4 GB.
"""

from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from xentlint.runtime import saved
from xentlint.runtime.labels import MAX_LABEL_VALUES

resource = pytest.importorskip("resource")  # RLIMIT_AS: POSIX only

#: The address space a configuration-only run may use. Above the ~150 MB measured for a
#: run with labels, far below what any of the hostile files below would take.
CAP = 512 * 1024 * 1024

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from test_runtime_offline import (  # noqa: E402 - the hand-written configurations
    SOFTMAX_FROM_LOGITS,
    dense,
    lambda_layer,
    layer,
    sequential,
    write_keras,
)

_BLOCK_KERAS = """
import importlib.abc, sys
class _Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("keras", "tensorflow", "jax", "torch"):
            raise ImportError(f"No module named {name!r} (blocked by the test)")
        return None
sys.meta_path.insert(0, _Block())
"""


def run_capped(
    *args: str, cwd: Path, cap: int = CAP, timeout: float = 60, block_keras: bool = False
) -> subprocess.CompletedProcess[str]:
    """``xentlint ARGS`` in a subprocess limited to ``cap`` bytes of address space."""
    env = {k: v for k, v in os.environ.items() if k != "XENTLINT_DEBUG"}
    env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    if block_keras:  # proves nothing was loaded: loading would need keras
        site = cwd / "blocked-site"
        site.mkdir(exist_ok=True)
        (site / "sitecustomize.py").write_text(_BLOCK_KERAS)
        env["PYTHONPATH"] = os.pathsep.join([str(site), *sys.path])

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    return subprocess.run(
        [sys.executable, "-m", "xentlint", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=timeout,
        preexec_fn=limit,
    )


def assert_error(result: subprocess.CompletedProcess[str], *parts: str) -> None:
    """Exit 2, one error line naming ``parts``, nothing on stdout, no internal error."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith("xentlint: error: ")
    assert "internal error" not in line and "Traceback" not in line
    for part in parts:
        assert part in line, line


def test_the_cap_leaves_room_for_a_normal_run(tmp_path: Path) -> None:
    """The limit is not what makes the hostile runs fail: ordinary runs pass under it."""
    np = pytest.importorskip("numpy")
    path = write_keras(tmp_path / "clf.keras", SOFTMAX_FROM_LOGITS)
    np.save(tmp_path / "y.npy", np.arange(1000) % 10)
    result = run_capped("model", "--labels", str(tmp_path / "y.npy"), str(path), cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "XEN101" in result.stdout and "integer class ids 0..9" in result.stderr
    # and the limit does bite: a run that needs more than 16 MiB cannot even start
    # (CPython then dies with a MemoryError, or a SystemError from the import machinery)
    tiny = run_capped("model", str(path), cwd=tmp_path, cap=16 * 1024 * 1024)
    assert "XEN101" not in tiny.stdout
    assert "MemoryError" in tiny.stderr or "SystemError" in tiny.stderr, tiny.stderr


# --- regular files only --------------------------------------------------------------------

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
needs_dev_zero = pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")


@needs_fifo
def test_model_that_is_a_fifo(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "model.keras")
    result = run_capped("model", "model.keras", cwd=tmp_path)  # blocked forever before
    assert_error(result, "model.keras: not a regular file (a FIFO, socket or device)")


@needs_dev_zero
def test_model_that_links_to_dev_zero(tmp_path: Path) -> None:
    (tmp_path / "model.keras").symlink_to("/dev/zero")  # grew to 5 GB in 15 s before
    result = run_capped("model", "model.keras", cwd=tmp_path)
    assert_error(result, "model.keras: not a regular file")
    (tmp_path / "old.h5").symlink_to("/dev/zero")
    assert_error(run_capped("model", "old.h5", cwd=tmp_path), "old.h5: not a regular file")


@needs_dev_zero
@needs_fifo
def test_savedmodel_whose_metadata_is_a_device_or_fifo(tmp_path: Path) -> None:
    folder = tmp_path / "exported"
    folder.mkdir()
    (folder / "saved_model.pb").write_bytes(b"")
    (folder / "keras_metadata.pb").symlink_to("/dev/zero")
    result = run_capped("model", "exported", cwd=tmp_path)
    assert_error(result, "keras_metadata.pb: not a regular file")
    (folder / "keras_metadata.pb").unlink()
    os.mkfifo(folder / "keras_metadata.pb")
    assert_error(run_capped("model", "exported", cwd=tmp_path), "not a regular file")


@needs_fifo
def test_labels_that_are_a_fifo(tmp_path: Path) -> None:
    pytest.importorskip("numpy")
    write_keras(tmp_path / "clf.keras", SOFTMAX_FROM_LOGITS)
    os.mkfifo(tmp_path / "y.npy")
    result = run_capped("model", "--labels", "y.npy", "clf.keras", cwd=tmp_path)
    assert_error(result, "y.npy: not a regular file")


def test_a_symlink_to_a_real_model_is_fine(tmp_path: Path) -> None:
    write_keras(tmp_path / "clf.keras", SOFTMAX_FROM_LOGITS)
    (tmp_path / "link.keras").symlink_to(tmp_path / "clf.keras")
    result = run_capped("model", "link.keras", cwd=tmp_path)
    assert result.returncode == 1 and "XEN101" in result.stdout


# --- zip bombs --------------------------------------------------------------------------------


def zeros_member(archive: zipfile.ZipFile, name: str, size: int, prefix: bytes = b"") -> None:
    """A deflated member of ``size`` bytes: ``prefix``, then blanks (~1000:1 on disk)."""
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_DEFLATED
    chunk = b" " * (1024 * 1024)
    with archive.open(info, "w", force_zip64=True) as member:
        member.write(prefix)
        left = size - len(prefix)
        while left > 0:
            member.write(chunk[: min(left, len(chunk))])
            left -= len(chunk)


def json_bomb_member(archive: zipfile.ZipFile, name: str, size: int) -> None:
    """A deflated member holding valid JSON of ``size`` bytes that parses into ~25x as much."""
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_DEFLATED
    chunk = b"{}," * (1024 * 1024 // 3)
    with archive.open(info, "w", force_zip64=True) as member:
        member.write(b'{"class_name": "Sequential", "bomb": [')
        for _ in range(size // len(chunk)):
            member.write(chunk)
        member.write(b"{}]}")


def test_metadata_json_bomb(tmp_path: Path) -> None:
    path = tmp_path / "bomb.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", json.dumps(SOFTMAX_FROM_LOGITS))
        zeros_member(archive, "metadata.json", 1024 * 1024 * 1024, b'{"keras_version": "3"}')
    assert path.stat().st_size < 2 * 1024 * 1024  # 1 GiB declared, ~1 MB on disk
    result = run_capped("model", "bomb.keras", cwd=tmp_path)  # MemoryError before
    assert_error(result, "bomb.keras: metadata.json is too large", "1.0 GiB", "limit of 1.0 MiB")


def test_config_json_bomb(tmp_path: Path) -> None:
    """A ~100 KB archive whose config.json is 64 MiB of valid JSON (1.6 GB parsed)."""
    path = tmp_path / "bomb.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("metadata.json", "{}")
        json_bomb_member(archive, "config.json", 64 * 1024 * 1024)
    assert path.stat().st_size < 1024 * 1024
    result = run_capped("model", "bomb.keras", cwd=tmp_path)  # 5 GB and 25 s before
    assert_error(result, "config.json is too large", "limit of 16.0 MiB")
    # with --probe the bound holds before anything is loaded: loading would need keras,
    # blocked here, and the error is the bound's, not "needs keras"
    probed = run_capped("model", "--probe", "bomb.keras", cwd=tmp_path, block_keras=True)
    assert_error(probed, "config.json is too large")


def test_config_json_that_lies_about_its_size(tmp_path: Path) -> None:
    """A central directory declaring 100 bytes for a member that inflates to 64 MiB."""
    path = tmp_path / "liar.keras"
    with zipfile.ZipFile(path, "w") as archive:
        json_bomb_member(archive, "config.json", 64 * 1024 * 1024)
    data = bytearray(path.read_bytes())
    central = data.rfind(b"PK\x01\x02")
    assert struct.unpack_from("<I", data, central + 24)[0] > 64_000_000  # uncompressed size
    struct.pack_into("<I", data, central + 24, 100)
    path.write_bytes(bytes(data))
    result = run_capped("model", "liar.keras", cwd=tmp_path)  # inflating stops at 100 bytes
    assert_error(result, "liar.keras: cannot read the archive: Bad CRC-32")


def test_real_sized_configs_are_read(tmp_path: Path) -> None:
    """A 4 MiB configuration (four times NASNetLarge's, 4 000 layers) is read, not refused."""
    layers = [dense(f"hidden_{i}", 8, "relu", padding="x" * 900) for i in range(4000)]
    config = sequential(*layers, dense("head", 10, "softmax"))
    config["compile_config"] = SOFTMAX_FROM_LOGITS["compile_config"]
    path = write_keras(tmp_path / "big.keras", config)
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo("config.json").file_size > 4 * 1024 * 1024
    result = run_capped("model", "big.keras", cwd=tmp_path)
    assert result.returncode == 1 and "XEN101" in result.stdout, result.stderr


# --- the SavedModel metadata reader ----------------------------------------------------------


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def savedmodel(tmp_path: Path, metadata: bytes) -> Path:
    folder = tmp_path / "exported"
    folder.mkdir(exist_ok=True)
    (folder / "saved_model.pb").write_bytes(b"")
    (folder / "keras_metadata.pb").write_bytes(metadata)
    return folder


def root_node(root: object) -> bytes:
    node = _field(3, b"root") + _field(5, json.dumps(root).encode())
    return _field(1, node)


def test_long_varint_is_malformed_not_quadratic(tmp_path: Path) -> None:
    savedmodel(tmp_path, b"\x80" * 800_000 + b"\x00")  # 114 s before
    result = run_capped("model", "exported", cwd=tmp_path, timeout=30)
    assert_error(result, "malformed Keras metadata (a varint longer than 10 bytes)")


def test_oversized_savedmodel_metadata(tmp_path: Path) -> None:
    folder = savedmodel(tmp_path, b"")
    with open(folder / "keras_metadata.pb", "wb") as handle:  # sparse: nothing on disk
        handle.truncate(saved.MAX_SAVEDMODEL_METADATA_BYTES + 1)
    result = run_capped("model", "exported", cwd=tmp_path)
    assert_error(result, "keras_metadata.pb is too large", "limit of 64.0 MiB")


def test_many_tiny_fields_are_bounded(tmp_path: Path) -> None:
    """64 MiB of two-byte fields (32 million): refused after MAX_METADATA_FIELDS, not walked."""
    savedmodel(tmp_path, b"\x10\x00" * (saved.MAX_SAVEDMODEL_METADATA_BYTES // 2))
    result = run_capped("model", "exported", cwd=tmp_path, timeout=60)
    assert_error(result, "malformed Keras metadata (more than 4,000,000 protobuf fields)")
    # under the bound, the walk is linear and finds what is there (or says it is not)
    savedmodel(tmp_path, b"\x10\x00" * 1_000_000 + root_node({"class_name": "Sequential"}))
    result = run_capped("model", "exported", cwd=tmp_path, timeout=60)
    assert_error(result, "the root object has no model configuration")


# --- one file, two formats ---------------------------------------------------------------------


def _polyglot(tmp_path: Path, name: str, harmless: Path | None = None) -> Path:
    """An HDF5 model (harmless) with a .keras zip (a Lambda) appended."""
    h5py = pytest.importorskip("h5py")
    if harmless is None:
        harmless = tmp_path / "harmless.h5"
        with h5py.File(harmless, "w") as handle:
            handle.attrs["model_config"] = json.dumps(
                sequential(layer("Dense", "out", units=10, activation="softmax"))
            )
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("config.json", json.dumps(sequential(lambda_layer("spy"), dense("d", 3))))
        archive.writestr("model.weights.h5", b"")
    path = tmp_path / name
    path.write_bytes(harmless.read_bytes() + zipped.getvalue())
    assert zipfile.is_zipfile(path) and path.read_bytes().startswith(saved.HDF5_SIGNATURE)
    return path


def test_polyglot_named_keras_is_read_as_the_zip_keras_would_load(tmp_path: Path) -> None:
    _polyglot(tmp_path, "model.keras")  # read as HDF5 ("All checks passed") before
    result = run_capped("model", "-v", "model.keras", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "layer 'spy' (a Python lambda)" in result.stderr  # the zip's Lambda was read


def test_polyglot_named_h5_is_read_as_hdf5_as_keras_would(tmp_path: Path) -> None:
    _polyglot(tmp_path, "model.h5")
    result = run_capped("model", "model.h5", cwd=tmp_path)
    assert result.returncode == 0, result.stderr  # the HDF5 model: no compile, no finding


def test_polyglot_with_another_name_is_refused(tmp_path: Path) -> None:
    _polyglot(tmp_path, "model.bin")
    result = run_capped("model", "model.bin", cwd=tmp_path)
    assert_error(result, "both an HDF5 file and a zip archive: refusing an ambiguous file")


def test_keras_name_on_a_plain_hdf5_file(tmp_path: Path) -> None:
    h5py = pytest.importorskip("h5py")
    with h5py.File(tmp_path / "model.keras", "w") as handle:
        handle.attrs["model_config"] = json.dumps(sequential(dense("d", 3)))
    result = run_capped("model", "model.keras", cwd=tmp_path)
    assert_error(result, "a .keras file must be a zip archive", "(it is an HDF5 file: name it .h5)")


@pytest.mark.tensorflow
def test_keras_itself_chooses_as_xentlint_does(tmp_path: Path) -> None:
    """keras.saving.load_model reads the zip of a .keras polyglot and the HDF5 of a .h5 one."""
    keras = pytest.importorskip("keras")
    with pytest.raises(ValueError, match="(?i)lambda|safe_mode"):  # the zip's Lambda
        keras.saving.load_model(_polyglot(tmp_path, "model.keras"), compile=False)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(10, activation="softmax")])
    model.save(tmp_path / "real.h5")  # Keras' legacy HDF5 format, weights included
    path = _polyglot(tmp_path, "model.h5", tmp_path / "real.h5")
    loaded = keras.saving.load_model(path, compile=False)
    assert [type(x).__name__ for x in loaded.layers] == ["Dense"]  # the HDF5 model


# --- deep nesting -------------------------------------------------------------------------------


def deep(levels: int) -> Any:
    value: Any = 0
    for _ in range(levels):
        value = [value]
    return value


def nested_text(levels: int) -> str:
    return "[" * levels + "0" + "]" * levels


def config_with(extra: str) -> str:
    """The SOFTMAX_FROM_LOGITS configuration with ``extra`` as a layer option's value."""
    text = json.dumps(SOFTMAX_FROM_LOGITS)
    return text.replace('"units": 16', f'"units": 16, "deep": {extra}', 1)


#: How deep the layer option of ``config_with`` sits: root, config, layers, layer, config.
OPTION_DEPTH = 5


def test_deeply_nested_config_json(tmp_path: Path) -> None:
    just_over = saved.MAX_NESTING - OPTION_DEPTH + 1
    assert saved.nesting(json.loads(config_with(nested_text(just_over))), 10**6) == 101
    for levels in (100_000, just_over):  # RecursionError before; one level over the limit
        path = tmp_path / f"deep{levels}.keras"
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("config.json", config_with(nested_text(levels)))
        result = run_capped("model", path.name, cwd=tmp_path)
        assert_error(result, "config.json: nested more than 100 levels deep")
    # a configuration nesting exactly MAX_NESTING levels is read
    path = tmp_path / "ok.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", config_with(nested_text(just_over - 1)))
    result = run_capped("model", path.name, cwd=tmp_path)
    assert result.returncode == 1 and "XEN101" in result.stdout, result.stderr


def test_long_chain_of_layers_is_unknown_not_a_crash(tmp_path: Path) -> None:
    """5 000 Dropout layers after a softmax: flat JSON, but a deep walk back from the output."""
    from test_runtime_offline import compiled, loss_object

    loss = loss_object("SparseCategoricalCrossentropy", from_logits=True)
    for count, expected in ((50, 1), (5000, 0)):
        drops = [layer("Dropout", f"drop{i}", rate=0.1) for i in range(count)]
        config = compiled(sequential(dense("d", 10, "softmax"), *drops), loss)
        write_keras(tmp_path / f"chain{count}.keras", config)
        result = run_capped("model", "-v", f"chain{count}.keras", cwd=tmp_path)
        assert result.returncode == expected, result.stderr  # RecursionError (2) before
        assert "internal error" not in result.stderr
        if expected:
            assert "XEN101" in result.stdout  # a real chain is still followed
        else:
            assert (
                f"output 'drop{count - 1}' not judged: its activation is unknown without --probe "
                f"(it is more than 100 layers away from one xentlint knows)"
            ) in result.stdout


def test_deeply_nested_hdf5_model_config(tmp_path: Path) -> None:
    h5py = pytest.importorskip("h5py")
    with h5py.File(tmp_path / "deep.h5", "w") as handle:
        handle.attrs["model_config"] = config_with(nested_text(100_000))
    result = run_capped("model", "deep.h5", cwd=tmp_path)
    assert_error(result, "deep.h5: model_config: nested more than 100 levels deep")


def test_deeply_nested_savedmodel_metadata(tmp_path: Path) -> None:
    node = _field(3, b"root") + _field(5, config_with(nested_text(100_000)).encode())
    savedmodel(tmp_path, _field(1, node))
    result = run_capped("model", "exported", cwd=tmp_path)
    assert_error(result, "root metadata: nested more than 100 levels deep")


def test_nesting_is_measured_without_recursion() -> None:
    assert saved.nesting(0, 10) == 0
    assert saved.nesting([], 10) == 1
    assert saved.nesting({"a": [1, {"b": []}]}, 10) == 4
    assert saved.nesting(deep(50_000), 10) == 11  # stops just past the limit
    assert saved.nesting(deep(50_000), 100_000) == 50_000


# --- label files --------------------------------------------------------------------------------


def npy_header(shape: tuple[int, ...], descr: str = "<i8") -> bytes:
    header = repr({"descr": descr, "fortran_order": False, "shape": shape}).encode()
    header += b" " * (63 - (len(header) + 10) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header


def labels_run(tmp_path: Path, name: str) -> subprocess.CompletedProcess[str]:
    pytest.importorskip("numpy")
    write_keras(tmp_path / "clf.keras", SOFTMAX_FROM_LOGITS)
    return run_capped("model", "--labels", name, "clf.keras", cwd=tmp_path)


def test_npy_header_claiming_a_huge_shape(tmp_path: Path) -> None:
    (tmp_path / "y.npy").write_bytes(npy_header((10**12,)) + b"\0" * 64)  # MemoryError before
    result = labels_run(tmp_path, "y.npy")
    assert_error(result, "declares shape (1000000000000,)", "check a sample of them")


def test_npy_truncated_data(tmp_path: Path) -> None:
    (tmp_path / "y.npy").write_bytes(npy_header((1000,)) + b"\0" * 64)
    assert_error(labels_run(tmp_path, "y.npy"), "y.npy: the array is truncated")


def test_npz_member_declaring_a_huge_array(tmp_path: Path) -> None:
    """A tiny .npz whose member's header declares 4 GiB (np.load allocated it before)."""
    with zipfile.ZipFile(tmp_path / "y.npz", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("head.npy", npy_header((2**29,)) + b"\0" * 1024)
    result = labels_run(tmp_path, "y.npz")
    assert_error(result, "array 'head' declares shape (536870912,)", "4.0 GiB")


def test_npz_member_inflating_past_the_limit(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "y.npz", "w") as archive:
        zeros_member(archive, "head.npy", 1024 * 1024 * 1024, npy_header((2**27,)))
    assert (tmp_path / "y.npz").stat().st_size < 2 * 1024 * 1024
    result = labels_run(tmp_path, "y.npz")
    assert_error(result, "member 'head.npy' declares 1.0 GiB")


def test_npz_arrays_share_one_budget(tmp_path: Path) -> None:
    np = pytest.importorskip("numpy")
    half = np.zeros(MAX_LABEL_VALUES // 2 + 1, dtype=np.int8)
    np.savez_compressed(tmp_path / "y.npz", a=half, b=half)
    result = labels_run(tmp_path, "y.npz")
    assert_error(result, "array 'b' declares shape", "more labels than xentlint reads")


def test_labels_that_are_not_arrays(tmp_path: Path) -> None:
    np = pytest.importorskip("numpy")
    np.save(tmp_path / "objects.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    result = labels_run(tmp_path, "objects.npy")
    assert_error(result, "holds Python objects, which are not read")
    (tmp_path / "pickle.npy").write_bytes(b"\x80\x04K\x01.")  # a pickle: never loaded
    assert_error(labels_run(tmp_path, "pickle.npy"), "not a .npy or .npz file")
    with zipfile.ZipFile(tmp_path / "raw.npz", "w") as archive:
        archive.writestr("head", b"not an array")
    assert_error(labels_run(tmp_path, "raw.npz"), "member 'head' is not a .npy array")


def test_good_npz_is_read_as_before(tmp_path: Path) -> None:
    np = pytest.importorskip("numpy")
    np.savez_compressed(tmp_path / "y.npz", head=np.arange(100) % 12)
    result = labels_run(tmp_path, "y.npz")
    assert result.returncode == 1, result.stderr
    assert "XEN203" in result.stdout  # ids up to 11 for 10 units
    assert "labels y.npz['head'] (integer class ids 0..11, 100 ids)" in result.stderr


# --- folders: what keras.saving.load_model reads -------------------------------------------------


def test_keras_directory_format_is_read_like_keras_reads_it(tmp_path: Path) -> None:
    """A folder with config.json is Keras' unpacked format: its config wins over .pb metadata."""
    folder = tmp_path / "unpacked"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(SOFTMAX_FROM_LOGITS))
    (folder / "metadata.json").write_text('{"keras_version": "3.15.1"}')
    (folder / "keras_metadata.pb").write_bytes(root_node({"class_name": "Sequential"}))
    result = run_capped("model", "unpacked", cwd=tmp_path)
    assert result.returncode == 1 and "XEN101" in result.stdout, result.stderr


@needs_fifo
def test_keras_directory_with_a_fifo_config(tmp_path: Path) -> None:
    folder = tmp_path / "unpacked"
    folder.mkdir()
    os.mkfifo(folder / "config.json")
    result = run_capped("model", "unpacked", cwd=tmp_path)
    assert_error(result, "config.json: not a regular file")
