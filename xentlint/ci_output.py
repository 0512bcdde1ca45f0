"""Output formats for CI systems: ``sarif``, ``github`` and ``gitlab``.

* ``sarif``: one SARIF 2.1.0 log (GitHub code scanning's upload format). Every catalog rule
  is listed in ``tool.driver.rules`` with its page from ``rules/`` as help; each result's
  message is the finding's sentence followed by its explanation (``text``; ``markdown``
  holds the two as paragraphs), and it has one location whose URI is relative to the
  working directory (``uriBaseId`` ``%SRCROOT%``) and a region with 1-based start/end line
  and column (end column exclusive, columns in Unicode code points, as ``run.columnKind``
  says). The other places a message names (the output layer in another module of the
  project...) are its ``relatedLocations``.
* ``github``: GitHub Actions workflow commands, one per finding:
  ``::error file=…,line=…,col=…,endLine=…,endColumn=…,title=xentlint (XEN101)::message``
  (``::warning`` for W, ``::notice`` for S); values are escaped as the Actions toolkit does.
* ``gitlab``: a GitLab Code Quality report (a JSON list; severity E→critical, W→major,
  S→info).

Paths are made relative to the working directory when they are inside it (CI runs from the
repository root), with ``/`` separators. Notebook findings are reported at the line and
column of the ``.ipynb`` file (the JSON text) where the cell's code is stored, since these
tools show the file as it is on disk; the message starts with ``cell N, line L, col C:`` and SARIF
adds the cell position under ``properties``. If the notebook cannot be read back, the
finding goes on line 1.

Fingerprints (SARIF ``partialFingerprints``, GitLab ``fingerprint``) hash the path, the code,
the message and the finding's rank among identical (path, code, message) findings, not the
line: a finding keeps its fingerprint when lines above it are added or removed, and no two
findings of one run share one. ``--statistics`` does not change these formats.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

from xentlint import __version__
from xentlint.catalog import RULES, Rule, rule_page
from xentlint.diagnostics import Diagnostic
from xentlint.formats import OutputOptions, formatter
from xentlint.nbmap import NotebookMap, map_file

SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
SARIF_LEVELS = {"E": "error", "W": "warning", "S": "note"}
GITHUB_COMMANDS = {"E": "error", "W": "warning", "S": "notice"}
GITLAB_SEVERITIES = {"E": "critical", "W": "major", "S": "info"}
FINGERPRINT_KEY = "xentlint/v1"
SRCROOT = "%SRCROOT%"


def information_uri() -> str:
    """The project's home page: the installed metadata's ``Project-URL``, else PyPI's page."""
    try:
        from importlib.metadata import PackageNotFoundError, metadata

        urls = metadata("xentlint").get_all("Project-URL") or []
    except (ImportError, PackageNotFoundError):  # pragma: no cover - running from a checkout
        urls = []
    for entry in urls:
        label, _, url = entry.partition(",")
        if label.strip().lower() in ("homepage", "home", "repository", "source"):
            return url.strip()
    return "https://pypi.org/project/xentlint/"


# --------------------------------------------------------------------------- positions


@dataclass(frozen=True)
class Place:
    """Where a finding is shown in the file on disk (1-based; end column exclusive)."""

    path: str  # relative to the working directory when inside it, "/" separators
    line: int
    column: int
    end_line: int
    end_column: int
    message: str


def display_path(path: str) -> str:
    if path == "-" or not path:
        return path or "-"
    try:
        relative = os.path.relpath(os.path.abspath(path))
    except ValueError:  # another drive on Windows
        return Path(path).as_posix()
    if relative == ".." or relative.startswith(".." + os.sep):
        return Path(os.path.abspath(path)).as_posix()
    return Path(relative).as_posix()


class Placer:
    """Turns diagnostics into file positions, reading each notebook once."""

    def __init__(self) -> None:
        self._maps: dict[str, NotebookMap | None] = {}

    def place(self, d: Diagnostic) -> Place:
        path = display_path(d.path)
        if d.where is not None:  # a finding on a model file (xentlint model): no position
            return Place(path, 1, 1, 1, 1, f"{d.where}: {d.message}")
        if d.cell is None:
            return Place(path, d.line, d.column, d.end_line, d.end_column, d.message)
        message = f"cell {d.cell}, line {d.line}, col {d.column}: {d.message}"
        if d.path not in self._maps:
            self._maps[d.path] = map_file(d.path)
        mapping = self._maps[d.path]
        start = mapping.locate(d.cell, d.line, d.column) if mapping else None
        end = mapping.locate(d.cell, d.end_line, d.end_column) if mapping else None
        if start is None:
            return Place(path, 1, 1, 1, 1, message)
        if end is None or end < start:
            end = start
        return Place(path, *start, *end, message)


def fingerprints(diagnostics: Sequence[Diagnostic]) -> list[str]:
    """One stable, run-unique fingerprint per diagnostic (see the module docs)."""
    seen: Counter[tuple[str, str, str]] = Counter()
    out = []
    for d in diagnostics:
        key = (display_path(d.path), d.code, d.message)
        rank = seen[key]
        seen[key] += 1
        data = "\0".join((*key, str(rank))).encode("utf-8")
        out.append(hashlib.sha256(data).hexdigest()[:32])
    return out


# --------------------------------------------------------------------------- SARIF


def _first_sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def sarif_rule(rule: Rule) -> dict[str, Any]:
    page = rule_page(rule.code)
    full = _first_sentence(rule.summary)
    if rule.fix:
        full += f" Fix: {rule.fix} ({rule.fix_safety})."
    if page is None:
        page = f"# {rule.code}: {rule.name}\n\n{full}\n"
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": _first_sentence(rule.summary)},
        "fullDescription": {"text": full},
        "help": {"text": page, "markdown": page},
        "defaultConfiguration": {
            "level": SARIF_LEVELS.get(rule.severity, "warning"),
            "enabled": rule.default_enabled,
        },
        "properties": {"tags": ["correctness", "keras", "cross-entropy"], "precision": "high"},
    }


def sarif_message(sentence: str, explanation: str) -> dict[str, str]:
    """A result's message: the one sentence first (SARIF viewers short of space show only
    the first sentence), then the explanation; ``markdown`` sets them apart as paragraphs."""
    if not explanation:
        return {"text": sentence}
    first = sentence if sentence.endswith((".", "?", "!")) else sentence + "."
    return {"text": f"{first} {explanation}", "markdown": f"{first}\n\n{explanation}"}


def sarif_log(diagnostics: Sequence[Diagnostic]) -> dict[str, Any]:
    """The SARIF 2.1.0 log of ``diagnostics`` as a JSON-ready dict."""
    codes = list(RULES)
    extra = sorted({d.code for d in diagnostics} - set(codes))
    rules = [sarif_rule(RULES[code]) for code in codes]
    rules += [{"id": code, "shortDescription": {"text": code}} for code in extra]
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    placer = Placer()
    results = []
    for d, fingerprint in zip(diagnostics, fingerprints(diagnostics), strict=True):
        place = placer.place(d)
        artifact = _artifact(place)
        result: dict[str, Any] = {
            "ruleId": d.code,
            "ruleIndex": index[d.code],
            "level": SARIF_LEVELS.get(d.severity, "warning"),
            "message": sarif_message(place.message, d.explanation),
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": artifact,
                        "region": {
                            "startLine": place.line,
                            "startColumn": place.column,
                            "endLine": place.end_line,
                            "endColumn": place.end_column,
                        },
                    }
                }
            ],
            "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
        }
        related = _related_locations(d, placer)
        if related:
            result["relatedLocations"] = related
        if d.cell is not None:
            result["properties"] = {
                "notebookCell": d.cell,
                "cellStartLine": d.line,
                "cellStartColumn": d.column,
                "cellEndLine": d.end_line,
                "cellEndColumn": d.end_column,
            }
        results.append(result)
    driver = {
        "name": "xentlint",
        "version": __version__,
        "semanticVersion": __version__,
        "informationUri": information_uri(),
        "rules": rules,
    }
    run = {
        "tool": {"driver": driver},
        "originalUriBaseIds": {SRCROOT: {"uri": Path.cwd().as_uri().rstrip("/") + "/"}},
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def _artifact(place: Place) -> dict[str, str]:
    if Path(place.path).is_absolute():
        return {"uri": Path(place.path).as_uri()}
    return {"uri": quote(place.path, safe="/"), "uriBaseId": SRCROOT}


def _related_locations(d: Diagnostic, placer: Placer) -> list[dict[str, Any]]:
    """SARIF locations of the places a finding's message names (ids from 1)."""
    out = []
    for number, other in enumerate(d.related, start=1):
        shown = replace(
            d,
            path=other.path if other.path is not None else d.path,
            line=other.line,
            column=other.column,
            end_line=other.end_line,
            end_column=other.end_column,
            cell=other.cell if other.path is None else None,
            related=(),
        )
        place = placer.place(shown)
        out.append(
            {
                "id": number,
                "physicalLocation": {
                    "artifactLocation": _artifact(place),
                    "region": {
                        "startLine": place.line,
                        "startColumn": place.column,
                        "endLine": place.end_line,
                        "endColumn": place.end_column,
                    },
                },
                "message": {"text": "a place this result's message names"},
            }
        )
    return out


@formatter("sarif")
def format_sarif(diagnostics: Sequence[Diagnostic], options: OutputOptions, out: TextIO) -> None:
    json.dump(sarif_log(diagnostics), out, indent=2)
    out.write("\n")


# --------------------------------------------------------------------------- GitHub


def escape_data(text: str) -> str:
    """Escape a workflow command's message (after ``::``)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow command's property value (``file=…``, ``title=…``)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


@formatter("github")
def format_github(diagnostics: Sequence[Diagnostic], options: OutputOptions, out: TextIO) -> None:
    placer = Placer()
    for d in diagnostics:
        place = placer.place(d)
        command = GITHUB_COMMANDS.get(d.severity, "warning")
        properties = {
            "file": place.path,
            "line": place.line,
            "col": place.column,
            "endLine": place.end_line,
            "endColumn": place.end_column,
            "title": f"xentlint ({d.code})",
        }
        listed = ",".join(
            f"{key}={escape_property(str(value))}" for key, value in properties.items()
        )
        out.write(f"::{command} {listed}::{escape_data(place.message)}\n")


# --------------------------------------------------------------------------- GitLab


@formatter("gitlab")
def format_gitlab(diagnostics: Sequence[Diagnostic], options: OutputOptions, out: TextIO) -> None:
    placer = Placer()
    issues = []
    for d, fingerprint in zip(diagnostics, fingerprints(diagnostics), strict=True):
        place = placer.place(d)
        issues.append(
            {
                "type": "issue",
                "check_name": d.code,
                "description": f"{d.code} {place.message}",
                "categories": ["Bug Risk"],
                "severity": GITLAB_SEVERITIES.get(d.severity, "major"),
                "fingerprint": fingerprint,
                "location": {
                    "path": place.path,
                    "lines": {"begin": place.line, "end": place.end_line},
                },
            }
        )
    json.dump(issues, out, indent=2)
    out.write("\n")
