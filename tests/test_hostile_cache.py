"""A cache that cannot lie: damaged entries are misses, a planted symlink is never written through.

Whatever happens to ``.xentlint_cache`` (a crash leaving empty or half-written entries, bytes
garbled on disk, entries rewritten by hand with the wrong types, a symlink planted in a
repository), a run must print exactly what ``--no-cache`` prints.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from xentlint import __version__
from xentlint.cache import CACHE_DIR_NAME, ENTRY_CHECKSUM_BYTES, ENTRY_MAGIC, Cache
from xentlint.config import Config

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"

ONE_UNIT = (
    "import keras\n"
    "model = keras.Sequential([keras.layers.Dense(1, activation='softmax')])\n"
    "model.compile(loss='binary_crossentropy')\n"
)


def xentlint(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "XENTLINT_DEBUG"}
    return subprocess.run(
        [sys.executable, "-m", "xentlint", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=timeout,
    )


def entries(folder: Path) -> list[Path]:
    return sorted(p for p in (folder / __version__).rglob("*") if p.is_file())


# --- entries that are damaged ----------------------------------------------------------------


def with_checksum(body: bytes) -> bytes:
    """An entry with a valid checksum around ``body`` (the format the cache documents)."""
    digest = hashlib.blake2b(body, digest_size=ENTRY_CHECKSUM_BYTES).hexdigest().encode()
    return ENTRY_MAGIC + digest + b"\n" + body


def body_of(entry: bytes) -> dict:
    header, _, body = entry.partition(b"\n")
    assert header.startswith(ENTRY_MAGIC)
    return json.loads(body)


def retyped(field: str, value: object) -> Callable[[dict], object]:
    def change(document: dict) -> object:
        for row in document.get("findings", []):  # a "located" entry has none
            row[field] = value
        return document

    return change


def extra_key(document: dict) -> object:
    for row in document.get("findings", []):  # a "located" entry has none
        row["path"] = "elsewhere.py"
    return document


def missing_key(document: dict) -> object:
    for row in document.get("findings", []):  # a "located" entry has none
        del row["message"]
    return document


def no_findings_for_another_key(document: dict) -> object:
    return {"key": "0" * 40, "findings": []}


#: Well-formed JSON with a valid checksum, but not what a Diagnostic can be.
TYPE_CONFUSIONS: list[Callable[[dict], object]] = [
    retyped("line", "abc"),  # printed `train.py:abc:1` before
    retyped("line", True),
    retyped("line", -3),
    retyped("column", 1.5),
    retyped("end_line", None),
    retyped("code", 7),
    retyped("message", None),
    retyped("message", ["a", "list"]),
    retyped("fix_title", 3),
    retyped("where", {"a": 1}),
    retyped("cell", 0),
    retyped("cell", "1"),
    retyped("fix_safety", "maybe"),
    extra_key,
    missing_key,
    no_findings_for_another_key,
    lambda document: {**document, "findings": {}},
    lambda document: {**document, "findings": [[]]},
    lambda document: {**document, "findings": [None]},
    lambda document: {**document, "key": None},
    lambda document: document.get("findings", []),
    lambda document: None,
]


def _zero(data: bytes) -> bytes:
    return b""


def _half(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _last_byte_dropped(data: bytes) -> bytes:
    return data[:-1]


def _garbled(data: bytes) -> bytes:
    middle = len(data) * 2 // 3
    return data[:middle] + bytes([data[middle] ^ 0x20]) + data[middle + 1 :]


def _magic_only(data: bytes) -> bytes:
    return ENTRY_MAGIC


def _old_format(data: bytes) -> bytes:  # the previous format: a bare JSON list, unchecked
    rows = body_of(data).get("findings", [])
    for row in rows:
        row["line"] = "abc"
    return json.dumps(rows).encode()


DAMAGE: list[Callable[[bytes], bytes]] = [
    _zero,  # read as "no findings" before: "All checks passed" where --no-cache finds many
    _half,
    _last_byte_dropped,
    _garbled,
    _magic_only,
    _old_format,
]


def _confuse(index: int) -> Callable[[bytes], bytes]:
    def damage(data: bytes) -> bytes:
        changed = TYPE_CONFUSIONS[index % len(TYPE_CONFUSIONS)](body_of(data))
        return with_checksum(json.dumps(changed).encode())

    return damage


def test_every_damaged_entry_is_a_miss(tmp_path: Path) -> None:
    path = tmp_path / "a.py"
    path.write_text(ONE_UNIT)
    cache = Cache.open(Config(), tmp_path / "cache")
    data = path.read_bytes()
    key = cache.key(data, "a.py", Config())
    from xentlint.lint import lint_bytes

    found = lint_bytes(data, "a.py", config=Config())
    assert [d.code for d in found] == ["XEN103"]
    cache.store(key, found)
    [entry] = entries(tmp_path / "cache")
    good = entry.read_bytes()
    assert cache.load(key, "a.py") == found
    damages = DAMAGE + [_confuse(i) for i in range(len(TYPE_CONFUSIONS))]
    for damage in damages:
        entry.write_bytes(damage(good))
        assert cache.load(key, "a.py") is None, damage(good)[:200]
    # the same valid entry under another key is a miss too (the key is inside the entry)
    entry.write_bytes(good)
    other = cache.key(data + b"\n", "a.py", Config())
    os.makedirs(cache.entries / other[:2], exist_ok=True)
    (cache.entries / other[:2] / other[2:]).write_bytes(good)
    assert cache.load(other, "a.py") is None
    # and an entry with no findings is not an empty file
    cache.store(other, [])
    assert (cache.entries / other[:2] / other[2:]).stat().st_size > 0
    assert cache.load(other, "a.py") == []


def test_damaged_cache_on_a_real_tree_equals_no_cache(tmp_path: Path) -> None:
    """Truncated, garbled and type-confused entries of a run over fixtures/: as --no-cache."""
    folder = tmp_path / "cache"
    target = os.path.relpath(FIXTURES, REPO)
    expected = xentlint("check", "--no-cache", target, cwd=REPO)
    # many findings (the count grows with the fixtures; any cache damage changes the text)
    found = re.search(r"Found (\d+) errors", expected.stdout)
    assert expected.returncode == 1 and found and int(found[1]) > 100, expected.stderr
    cold = xentlint("check", "--cache-dir", str(folder), target, cwd=REPO)
    assert (cold.returncode, cold.stdout) == (1, expected.stdout)
    count = len(entries(folder))
    assert count >= 30  # one per distinct file content
    rounds = [(damage, "-j1") for damage in DAMAGE] + [(None, "-j1"), (None, "-j2")]
    for damage, jobs in rounds:
        for index, entry in enumerate(entries(folder)):
            change = damage or _confuse(index + (len(TYPE_CONFUSIONS) // 2 if jobs == "-j2" else 0))
            entry.write_bytes(change(entry.read_bytes()))
        damaged = xentlint("check", jobs, "--cache-dir", str(folder), target, cwd=REPO)
        assert damaged.stderr == expected.stderr
        assert (damaged.returncode, damaged.stdout) == (1, expected.stdout), damage
        # every damaged entry was a miss, so it was written again, whole
        assert len(entries(folder)) == count
        assert all(e.read_bytes().startswith(ENTRY_MAGIC) for e in entries(folder))
    warm = xentlint("check", "--cache-dir", str(folder), target, cwd=REPO)
    assert (warm.returncode, warm.stdout) == (1, expected.stdout)


# --- a symlink planted where the cache goes --------------------------------------------------


def _repo(tmp_path: Path) -> tuple[Path, Path]:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "train.py").write_text(ONE_UNIT)
    outside = tmp_path / "outside"
    outside.mkdir()
    return repo, outside


def _assert_refused(repo: Path, outside: Path, link: Path) -> None:
    expected = xentlint("check", "--no-cache", ".", cwd=repo)
    assert expected.returncode == 1 and "XEN103" in expected.stdout
    for _ in range(2):
        result = xentlint("check", ".", cwd=repo)
        assert (result.returncode, result.stdout) == (1, expected.stdout)
        [warning] = result.stderr.splitlines()
        assert warning.startswith("xentlint: warning: not using the cache: ")
        assert warning.endswith(f"{link} is a symbolic link")
        assert sorted(p.name for p in outside.rglob("*")) == []  # nothing written there


def test_cache_folder_that_is_a_symlink_is_refused(tmp_path: Path) -> None:
    repo, outside = _repo(tmp_path)
    link = repo / CACHE_DIR_NAME
    link.symlink_to(outside, target_is_directory=True)
    _assert_refused(repo, outside, link)


def test_dangling_cache_symlink_is_refused(tmp_path: Path) -> None:
    repo, outside = _repo(tmp_path)
    link = repo / CACHE_DIR_NAME
    link.symlink_to(outside / "made-by-xentlint")
    _assert_refused(repo, outside, link)
    assert not (outside / "made-by-xentlint").exists()


def test_symlinked_folder_inside_the_cache_is_refused(tmp_path: Path) -> None:
    repo, outside = _repo(tmp_path)
    (repo / CACHE_DIR_NAME).mkdir()
    link = repo / CACHE_DIR_NAME / __version__
    link.symlink_to(outside, target_is_directory=True)
    _assert_refused(repo, outside, link)


def test_symlinked_shard_folder_is_refused(tmp_path: Path) -> None:
    repo, outside = _repo(tmp_path)
    assert xentlint("check", ".", cwd=repo).returncode == 1
    [entry] = entries(repo / CACHE_DIR_NAME)
    shard = entry.parent
    for child in shard.iterdir():
        child.unlink()
    shard.rmdir()
    shard.symlink_to(outside, target_is_directory=True)
    _assert_refused(repo, outside, shard)


def test_explicit_cache_dir_that_is_a_symlink_is_refused(tmp_path: Path) -> None:
    repo, outside = _repo(tmp_path)
    link = tmp_path / "link"
    link.symlink_to(outside, target_is_directory=True)
    result = xentlint("check", "--cache-dir", str(link), ".", cwd=repo)
    assert result.returncode == 1 and "XEN103" in result.stdout
    assert result.stderr == f"xentlint: warning: not using the cache: {link} is a symbolic link\n"
    assert list(outside.iterdir()) == []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_entry_replaced_by_a_link_to_a_fifo_is_a_miss(tmp_path: Path) -> None:
    repo, outside = _repo(tmp_path)
    expected = xentlint("check", "--no-cache", ".", cwd=repo)
    assert xentlint("check", ".", cwd=repo).stdout == expected.stdout
    [entry] = entries(repo / CACHE_DIR_NAME)
    entry.unlink()
    os.mkfifo(outside / "fifo")
    entry.symlink_to(outside / "fifo")
    result = xentlint("check", ".", cwd=repo, timeout=60)  # opening the FIFO would block
    assert (result.returncode, result.stdout, result.stderr) == (1, expected.stdout, "")
    assert entry.is_file() and not entry.is_symlink()  # replaced by a real entry
