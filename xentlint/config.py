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
    force-exclude = true               # excludes apply to files named on the command line
    max-file-size = "1MB"              # larger files are not analysed (XEN902)
    src = [".", "src"]                 # where the project's own modules are (ruff's src)

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
from collections.abc import Callable
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
    "force-exclude",
    "max-file-size",
    "src",
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
    #: Apply the excludes to the files and folders named on the command line too.
    force_exclude: bool = False
    #: Folders holding the project's own modules, relative to the config file (globs);
    #: None: ruff's default, the project root and its ``src`` folder (xentlint.project).
    src: tuple[str, ...] | None = None

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

    def with_file_overrides(
        self,
        *,
        exclude: tuple[str, ...] | None = None,
        extend_exclude: tuple[str, ...] = (),
        force_exclude: bool | None = None,
        per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] | None = None,
        extend_per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = (),
        cwd: Path | None = None,
    ) -> Config:
        """A copy with the command line's file settings (``--exclude``...) on top.

        ``exclude`` and ``per_file_ignores`` replace the configured ones, the ``extend_``
        ones add to them. Their patterns are relative to ``cwd`` (default: the current
        directory), as on ruff's command line: they are re-anchored to :attr:`root`.
        """
        rebase = self._rebaser(cwd or Path.cwd())
        changes: dict[str, Any] = {}
        if exclude is not None:
            changes["exclude"] = tuple(rebase(p) for p in exclude)
        if extend_exclude:
            changes["extend_exclude"] = (
                *self.extend_exclude,
                *(rebase(p) for p in extend_exclude),
            )
        if force_exclude is not None:
            changes["force_exclude"] = force_exclude
        pairs = self.per_file_ignores if per_file_ignores is None else ()
        added = (*(per_file_ignores or ()), *extend_per_file_ignores)
        if per_file_ignores is not None or added:
            changes["per_file_ignores"] = (*pairs, *((rebase(g), c) for g, c in added))
        return replace(self, **changes) if changes else self

    def _rebaser(self, cwd: Path) -> Callable[[str], str]:
        """Turns a pattern relative to ``cwd`` into one relative to the root."""
        prefix = self.relative(cwd)

        def rebase(pattern: str) -> str:
            cleaned = pattern.strip().replace("\\", "/")
            while cleaned.startswith("./"):
                cleaned = cleaned[2:]
            if "/" not in cleaned.rstrip("/") or prefix in (None, ".", ""):
                return pattern
            return f"{prefix}/{cleaned.lstrip('/')}"

        return rebase

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

    def excludes_path(self, path: Path) -> bool:
        """Whether a path named on the command line is excluded (``--force-exclude``): the
        path or one of its folders up to the root matches. Outside the root only names
        are matched."""
        relative = self.relative(path)
        if relative is not None:
            return self.is_excluded(relative)
        return any(self._excluded.matches_name(part) for part in Path(path).parts)

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
    except RecursionError:  # tomllib recurses once per nested array or inline table
        raise ConfigError(f"{path}: invalid TOML: nested too deeply") from None


def _tool_table(data: dict[str, Any]) -> dict[str, Any] | None:
    tool = data.get("tool")
    if isinstance(tool, dict) and "xentlint" in tool:
        return tool["xentlint"]
    return None


def load_config(path: Path) -> Config:
    """Read settings from ``path`` (``--config``).

    The settings are the file's ``[tool.xentlint]`` table. A ``pyproject.toml`` without one
    gives the defaults, as ruff does for a ``pyproject.toml`` without ``[tool.ruff]``: it is
    the project's file, and the project simply has no settings yet. Any other file holds the
    settings at its top level (like ``ruff.toml``); one that looks like a ``pyproject.toml``
    (top-level ``project`` or ``tool`` tables) but has no ``[tool.xentlint]`` is an error
    saying so, not a list of unknown options.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file not found: {path}")
    return _config_from_data(_load_toml(path), path)


def _config_from_data(data: dict[str, Any], path: Path) -> Config:
    table = _tool_table(data)
    if table is None:
        if path.name == "pyproject.toml":
            table = {}
        elif any(key in data for key in ("project", "tool", "build-system")):
            found = ", ".join(f"[{key}]" for key in data if isinstance(data[key], dict))
            raise ConfigError(
                f"{path}: no [tool.xentlint] table (the file has {found or 'no tables'}); "
                "put the settings under [tool.xentlint], or at the top level of a file of "
                "their own"
            )
        else:
            table = data
    return config_from_table(table, source=path)


def find_config_file(start: Path | None = None) -> Path | None:
    """The nearest ``pyproject.toml`` holding ``[tool.xentlint]``, from ``start`` upwards."""
    found = _find_config(start)
    return found[0] if found is not None else None


def _find_config(start: Path | None) -> tuple[Path, dict[str, Any]] | None:
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if not candidate.is_file():
            continue
        try:
            text = candidate.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if "xentlint" not in text:
            continue
        data = _load_toml(candidate)
        if _tool_table(data) is not None:
            return candidate, data
    return None


def discover_config(start: Path | None = None) -> Config:
    """The settings in force for the current directory (defaults when there are none)."""
    found = _find_config(start)
    return _config_from_data(found[1], found[0]) if found is not None else Config()


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
            force_exclude=_flag(settings.get("force-exclude", False), "force-exclude", where),
            src=None if settings.get("src") is None else _strings(settings["src"], "src", where),
            root=source.parent.resolve() if source is not None else None,
            source=source,
        )
    except SelectorError as exc:  # pragma: no cover - _selectors re-raises as ConfigError
        raise ConfigError(f"{where}{exc}") from None


def _strings(value: Any, key: str, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{where}{key} must be a list of strings")
    return tuple(value)


def _flag(value: Any, key: str, where: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{where}{key} must be true or false")
    return value


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
