"""``[tool.xentlint]`` settings: discovery, validation, excludes and per-file ignores.

The settings come from the nearest ``pyproject.toml`` with a ``[tool.xentlint]`` table,
looking in the current directory and then its parents, or from ``--config FILE`` (a
``pyproject.toml``, or any TOML file whose top level holds the settings). Keys::

    select = ["XEN1", "XEN2"]          # replaces the default set
    extend-select = ["XEN301"]         # adds to it
    ignore = ["XEN105"]
    per-file-ignores = { "tests/*" = ["XEN1"] }
    exclude = [...]                    # replaces the default excludes
    extend-exclude = ["legacy/"]       # adds to them
    max-file-size = "1MB"              # larger files are not analysed (XEN902)

Glob patterns are matched like ``.gitignore`` lines: a pattern without ``/`` matches a file
or folder name at any depth (``build``, ``*.egg-info``); a pattern with ``/`` matches the
path relative to the folder of the config file (the current directory without one), where
``*`` stays inside one folder and ``**`` crosses folders. A folder that matches covers
everything below it.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from xentlint.selection import Selection, SelectionLayer, SelectorError, parse_selectors
from xentlint.sources import MAX_FILE_BYTES

DEFAULT_EXCLUDE: tuple[str, ...] = (
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    "env",
    ".env",
    ".tox",
    ".nox",
    "build",
    "dist",
    "site-packages",
    "__pycache__",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    "node_modules",
    ".eggs",
    "*.egg-info",
    ".xentlint_cache",
    ".ipynb_checkpoints",
)

_KEYS = (
    "select",
    "extend-select",
    "ignore",
    "per-file-ignores",
    "exclude",
    "extend-exclude",
    "max-file-size",
)


class ConfigError(Exception):
    """The settings cannot be used; the message says where and why."""


class PathMatcher:
    """A set of ``.gitignore``-like glob patterns (see the module docs)."""

    def __init__(self, patterns: tuple[str, ...]) -> None:
        names: list[str] = []
        paths: list[str] = []
        for pattern in patterns:
            cleaned = pattern.strip().replace("\\", "/")
            while cleaned.startswith("./"):
                cleaned = cleaned[2:]
            cleaned = cleaned.strip("/")
            if not cleaned:
                continue
            target = paths if "/" in pattern.strip().rstrip("/") else names
            target.append(_glob_regex(cleaned))
        self._names = re.compile("|".join(names)) if names else None
        self._paths = re.compile("|".join(paths)) if paths else None

    def __bool__(self) -> bool:
        return self._names is not None or self._paths is not None

    @property
    def has_path_patterns(self) -> bool:
        return self._paths is not None

    def matches_name(self, name: str) -> bool:
        return self._names is not None and self._names.fullmatch(name) is not None

    def matches_path(self, relative: str) -> bool:
        return self._paths is not None and self._paths.fullmatch(relative) is not None

    def matches(self, relative: str) -> bool:
        """Whether a '/'-separated relative path, or one of its folders, matches."""
        if not self:
            return False
        parts = [part for part in relative.split("/") if part not in ("", ".")]
        for depth, name in enumerate(parts, start=1):
            if self._names is not None and self._names.fullmatch(name):
                return True
            if self._paths is not None and self._paths.fullmatch("/".join(parts[:depth])):
                return True
        return False


def _glob_regex(pattern: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape(char))
            else:
                body = pattern[i + 1 : end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body.replace(chr(92), chr(92) * 2)}]")
                i = end
        else:
            out.append(re.escape(char))
        i += 1
    return "(?:" + "".join(out) + ")"


@dataclass(frozen=True)
class Config:
    """Resolved settings. ``root`` anchors relative patterns (None: the current directory)."""

    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    root: Path | None = None
    source: Path | None = None
    #: Files larger than this many bytes are not analysed (XEN902 "file too large").
    max_file_size: int = MAX_FILE_BYTES
    overrides: tuple[SelectionLayer, ...] = field(default=())

    def with_overrides(
        self,
        *,
        select: tuple[str, ...] | None = None,
        extend_select: tuple[str, ...] = (),
        ignore: tuple[str, ...] = (),
    ) -> Config:
        """A copy with one more selection layer on top (the command line's)."""
        layer = SelectionLayer(select, extend_select, ignore)
        return replace(self, overrides=(*self.overrides, layer))

    @cached_property
    def selection(self) -> Selection:
        file_layer = SelectionLayer(self.select, self.extend_select, self.ignore)
        return Selection((file_layer, *self.overrides))

    @cached_property
    def _excluded(self) -> PathMatcher:
        return PathMatcher((*self.exclude, *self.extend_exclude))

    @cached_property
    def _per_file(self) -> tuple[tuple[PathMatcher, tuple[str, ...]], ...]:
        return tuple((PathMatcher((glob,)), codes) for glob, codes in self.per_file_ignores)

    def base(self) -> Path:
        return self.root if self.root is not None else Path.cwd()

    def relative(self, path: Path) -> str | None:
        """``path`` relative to the root, '/'-separated; None when it lies outside."""
        try:
            rel = os.path.relpath(os.path.abspath(path), os.path.abspath(self.base()))
        except ValueError:  # another drive on Windows
            return None
        if rel == ".." or rel.startswith(".." + os.sep):
            return None
        return rel.replace(os.sep, "/")

    def is_excluded(self, relative: str) -> bool:
        """Whether a root-relative path, or a folder above it, is excluded."""
        return self._excluded.matches(relative)

    def excludes_entry(self, path: Path) -> bool:
        """Whether a file or folder met while walking is excluded (its own name or path)."""
        matcher = self._excluded
        if matcher.matches_name(path.name):
            return True
        if not matcher.has_path_patterns:
            return False
        relative = self.relative(path)
        return relative is not None and matcher.matches_path(relative)

    def ignored_for(self, path: Path) -> tuple[str, ...]:
        """The selectors that per-file-ignores drop for ``path``."""
        if not self.per_file_ignores:
            return ()
        relative = self.relative(path)
        if relative is None:
            relative = path.name
        codes: list[str] = []
        for matcher, selectors in self._per_file:
            if matcher.matches(relative):
                codes.extend(selectors)
        return tuple(codes)


# --------------------------------------------------------------------------- loading


def _load_toml(path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


def _tool_table(data: dict[str, Any]) -> dict[str, Any] | None:
    tool = data.get("tool")
    if isinstance(tool, dict) and "xentlint" in tool:
        return tool["xentlint"]
    return None


def load_config(path: Path) -> Config:
    """Read settings from ``path`` (``--config``)."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file not found: {path}")
    data = _load_toml(path)
    table = _tool_table(data)
    if table is None:
        table = {} if path.name == "pyproject.toml" else data
    return config_from_table(table, source=path)


def find_config_file(start: Path | None = None) -> Path | None:
    """The nearest ``pyproject.toml`` holding ``[tool.xentlint]``, from ``start`` upwards."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if not candidate.is_file():
            continue
        try:
            text = candidate.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if "xentlint" in text and _tool_table(_load_toml(candidate)) is not None:
            return candidate
    return None


def discover_config(start: Path | None = None) -> Config:
    """The settings in force for the current directory (defaults when there are none)."""
    found = find_config_file(start)
    return load_config(found) if found is not None else Config()


def config_from_table(table: Any, *, source: Path | None = None) -> Config:
    """Validate a ``[tool.xentlint]`` table and build a :class:`Config` from it."""
    where = f"{source}: " if source is not None else ""
    if not isinstance(table, dict):
        raise ConfigError(f"{where}[tool.xentlint] must be a table")
    settings: dict[str, Any] = {}
    for raw_key, value in table.items():
        key = raw_key.replace("_", "-")
        if key not in _KEYS:
            known = ", ".join(_KEYS)
            raise ConfigError(f"{where}unknown option {raw_key!r} (known: {known})")
        settings[key] = value
    try:
        select = settings.get("select")
        per_file: list[tuple[str, tuple[str, ...]]] = []
        raw_per_file = settings.get("per-file-ignores", {})
        if not isinstance(raw_per_file, dict):
            raise ConfigError(f"{where}per-file-ignores must be a table of glob = [codes]")
        for glob, codes in raw_per_file.items():
            per_file.append((glob, _selectors(codes, f"per-file-ignores.{glob!r}", where)))
        exclude = settings.get("exclude")
        return Config(
            select=None if select is None else _selectors(select, "select", where),
            extend_select=_selectors(settings.get("extend-select", []), "extend-select", where),
            ignore=_selectors(settings.get("ignore", []), "ignore", where),
            per_file_ignores=tuple(per_file),
            exclude=DEFAULT_EXCLUDE if exclude is None else _strings(exclude, "exclude", where),
            extend_exclude=_strings(settings.get("extend-exclude", []), "extend-exclude", where),
            max_file_size=_size(settings.get("max-file-size", MAX_FILE_BYTES), where),
            root=source.parent.resolve() if source is not None else None,
            source=source,
        )
    except SelectorError as exc:  # pragma: no cover - _selectors re-raises as ConfigError
        raise ConfigError(f"{where}{exc}") from None


def _strings(value: Any, key: str, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{where}{key} must be a list of strings")
    return tuple(value)


def _selectors(value: Any, key: str, where: str) -> tuple[str, ...]:
    try:
        return parse_selectors(_strings(value, key, where))
    except SelectorError as exc:
        raise ConfigError(f"{where}{key}: {exc}") from None


def _size(value: Any, where: str) -> int:
    """``max-file-size``: a number of bytes, or a string such as ``"512KB"`` / ``"2MB"``."""
    if isinstance(value, bool):
        value = None
    if isinstance(value, str):
        match = re.fullmatch(r"\s*(\d+)\s*([kKmMgG]i?[bB]?|[bB])?\s*", value)
        if match:
            unit = (match.group(2) or "b")[0].lower()
            value = int(match.group(1)) * {"b": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit]
    if not isinstance(value, int) or value <= 0:
        raise ConfigError(
            f'{where}max-file-size must be a positive number of bytes or a size like "2MB"'
        )
    return value
