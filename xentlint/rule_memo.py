"""The rules' metadata without importing the rule modules: a memo of the discovered catalog.

Discovering the rules (:mod:`xentlint.checks.registry`) imports every rule module and what
they need (facts, knowledge tables: ~25 ms), while most runs only need the codes, names,
severities and defaults (to validate ``--select``, to decide what is enabled, for the cache
key and the report): a file that fails the prefilter, or whose findings are cached, needs
no check. So the catalog the registry discovers is written down once, next to the package's
byte code (``xentlint/checks/__pycache__/rules.<python tag>.memo``, following
``PYTHONPYCACHEPREFIX`` and ``PYTHONDONTWRITEBYTECODE`` as Python's own byte code does),
with the signature of the package's files (path, size and modification time of every
``.py`` file, the same facts the cache's key holds). The memo is used only while that
signature is the same; anything else (no memo, another signature, a garbled or truncated
file, a field of the wrong type) is a miss: the rule modules are imported and the memo is
written again. Nothing is kept by hand: the memo is what the registry found.

The memo is in :mod:`marshal`'s format, as byte code is (no import to read it: ``json``
costs more than reading the memo); it is trusted as far as the byte code beside it, which
Python runs, and checked field by field all the same.
"""

from __future__ import annotations

import marshal
import os
import sys
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from xentlint.rule import Rule

PACKAGE = Path(__file__).resolve().parent
#: A memo larger than this is not ours (the real one is a few kilobytes).
MAX_MEMO_BYTES = 1024 * 1024
_SEVERITIES = ("E", "W", "S")
_SAFETIES = ("safe", "unsafe", "none")


@lru_cache(maxsize=1)
def package_signature() -> str:
    """One line per ``.py`` file of the package: relative path, size, modification time."""
    lines: list[str] = []
    for folder, dirs, names in os.walk(PACKAGE):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(names):
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                try:
                    info = os.stat(path)
                except OSError:
                    continue
                relative = os.path.relpath(path, PACKAGE)
                lines.append(f"{relative}|{info.st_size}|{info.st_mtime_ns}\n")
    return "".join(lines)


def memo_path() -> Path | None:
    """Where the memo lives (beside the registry's byte code); None where Python keeps none."""
    from importlib.util import cache_from_source

    try:
        compiled = cache_from_source(str(PACKAGE / "checks" / "registry.py"))
    except NotImplementedError:  # sys.implementation.cache_tag is None
        return None
    return Path(compiled).with_name(f"rules.{sys.implementation.cache_tag}.memo")


def load_rules() -> dict[str, Rule]:
    """code -> rule, in code order: the registry's when it is imported, else the memo's
    when it is valid, else the registry's (imported now) and the memo written again."""
    registry = sys.modules.get("xentlint.checks.registry")
    if registry is not None:
        return dict(registry.RULES)
    path = memo_path()
    signature = package_signature()
    rules = read_memo(path, signature) if path is not None else None
    if rules is not None:
        return rules
    from xentlint.checks.registry import RULES

    rules = dict(RULES)
    if path is not None and not sys.dont_write_bytecode:
        write_memo(path, signature, rules)
    return rules


def read_memo(path: Path, signature: str) -> dict[str, Rule] | None:
    """The rules of the memo at ``path`` when it is whole and made for ``signature``."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_MEMO_BYTES + 1)
        document = marshal.loads(raw)
    except (OSError, ValueError, EOFError, TypeError, RecursionError):
        return None
    if len(raw) > MAX_MEMO_BYTES or not isinstance(document, dict):
        return None
    if document.get("signature") != signature or not isinstance(document.get("rules"), list):
        return None
    rules: dict[str, Rule] = {}
    fields = _fields()
    for row in document["rules"]:
        rule = _rule(row, fields)
        if rule is None or rule.code in rules:
            return None
        rules[rule.code] = rule
    if not rules or list(rules) != sorted(rules):
        return None
    return rules


def _fields() -> list[tuple[str, type]]:
    """``Rule``'s fields, each with its type (``bool`` or ``str``: every other annotation
    of a rule's metadata is a string literal type)."""
    import dataclasses

    from xentlint.rule import Rule

    return [(f.name, bool if f.type in ("bool", bool) else str) for f in dataclasses.fields(Rule)]


def _rule(row: Any, fields: list[tuple[str, type]]) -> Rule | None:
    if not isinstance(row, list) or len(row) != len(fields):
        return None
    values = dict(zip((name for name, _ in fields), row, strict=True))
    if any(type(values[name]) is not kind for name, kind in fields):
        return None
    if not _is_code(values["code"]) or values["severity"] not in _SEVERITIES:
        return None
    if values["fix_safety"] not in _SAFETIES:
        return None
    from xentlint.rule import Rule

    return Rule(**values)


def _is_code(code: str) -> bool:
    return len(code) == 6 and code.startswith("XEN") and code[3:].isdecimal() and code.isascii()


def write_memo(path: Path, signature: str, rules: dict[str, Rule]) -> None:
    """Write the memo (best effort: a folder that cannot be written is no error)."""
    rows = [[getattr(rule, name) for name, _ in _fields()] for rule in rules.values()]
    data = marshal.dumps({"signature": signature, "rules": rows})
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(temporary, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)  # readers see the old memo or the new one, whole
    except OSError:
        try:
            os.unlink(temporary)
        except OSError:
            pass
