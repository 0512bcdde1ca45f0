"""``xentlint check --show-settings``: the configuration in force for one file, as ruff shows
it (which file the settings came from, the selection, the excludes, the run's options)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from xentlint.catalog import RULES
from xentlint.config import Config


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "none"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(str(value))


def _array(name: str, items: Iterable[str], comments: Mapping[str, str] | None = None) -> str:
    listed = list(items)
    if not listed:
        return f"{name} = []"
    lines = [f"{name} = ["]
    for item in listed:
        comment = f"  # {comments[item]}" if comments and item in comments else ""
        lines.append(f"\t{json.dumps(item)},{comment}")
    lines.append("]")
    return "\n".join(lines)


def settings_text(
    config: Config,
    path: Path,
    *,
    isolated: bool,
    run: Mapping[str, object],
) -> str:
    """The settings for ``path`` (the first file of the run) as TOML-like text."""
    if config.source is not None:
        source = _value(os.path.abspath(config.source))
    else:
        source = "none (--isolated)" if isolated else "none (the built-in defaults)"
    selection = config.selection
    names = {code: rule.name for code, rule in RULES.items()}
    lines = [
        f"Resolved settings for: {_value(os.path.abspath(path))}",
        f"Settings path: {source}",
        "",
        "# Rule selection",
        "select = "
        + ("none (the default set)" if config.select is None else json.dumps(list(config.select))),
        f"extend-select = {json.dumps(list(config.extend_select))}",
        f"ignore = {json.dumps(list(config.ignore))}",
    ]
    for number, layer in enumerate(config.overrides, start=1):
        if layer.select is None and not layer.extend_select and not layer.ignore:
            continue
        label = "command line" if number == len(config.overrides) else f"override {number}"
        parts = []
        if layer.select is not None:
            parts.append(f"select = {json.dumps(list(layer.select))}")
        if layer.extend_select:
            parts.append(f"extend-select = {json.dumps(list(layer.extend_select))}")
        if layer.ignore:
            parts.append(f"ignore = {json.dumps(list(layer.ignore))}")
        lines.append(f"# {label}: {', '.join(parts)}")
    lines.append(_array("enabled", selection.enabled_codes(), names))
    lines.append("per-file-ignores = {" + ("" if config.per_file_ignores else "}"))
    if config.per_file_ignores:
        for glob, codes in config.per_file_ignores:
            lines.append(f"\t{json.dumps(glob)} = {json.dumps(list(codes))},")
        lines.append("}")
    lines.append(f"ignored for this file = {json.dumps(list(config.ignored_for(path)))}")
    lines += [
        "",
        "# Files",
        f"root = {_value(config.base())}",
        _array("exclude", config.exclude),
        _array("extend-exclude", config.extend_exclude),
        f"force-exclude = {_value(config.force_exclude)}",
        f"this file is excluded = {_value(config.excludes_path(path))}",
        f"max-file-size = {config.max_file_size}",
        "",
        "# Run",
    ]
    lines += [f"{key} = {_value(value)}" for key, value in run.items()]
    return "\n".join(lines) + "\n"
