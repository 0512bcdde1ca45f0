"""Notebooks synced cell by cell (LSP ``notebookDocument/*``) as one xentlint program.

An editor sends a notebook as a list of cells, each its own text document. xentlint's notebook
support reads notebook JSON and numbers the cells from 1 in notebook order, so the cells are
written into a minimal nbformat 4 document; a finding's ``cell`` is then an index into the
cell list, which gives the URI of the cell document to publish it to.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

_NEWLINE = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Cell:
    """One notebook cell as the editor has it: its document URI, text, and whether it is
    Python code (markdown and other languages are kept in place but not linted)."""

    uri: str
    text: str
    is_code: bool
    version: int | None = None


def notebook_json(cells: Sequence[Cell]) -> str:
    """A minimal nbformat 4 document holding ``cells`` in order."""
    out: list[dict[str, Any]] = []
    for cell in cells:
        if cell.is_code:
            out.append(
                {
                    "cell_type": "code",
                    "execution_count": None,
                    "metadata": {},
                    "outputs": [],
                    "source": cell.text,
                }
            )
        else:
            out.append({"cell_type": "markdown", "metadata": {}, "source": cell.text})
    document = {
        "cells": out,
        "metadata": {"language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(document, indent=1) + "\n"


def cell_sources(text: str) -> list[str] | None:
    """The cell sources of notebook JSON ``text`` in order (None when it is not a notebook)."""
    try:
        document = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return None
    cells = document.get("cells") if isinstance(document, dict) else None
    if not isinstance(cells, list):
        return None
    sources: list[str] = []
    for cell in cells:
        source = cell.get("source", "") if isinstance(cell, dict) else ""
        if isinstance(source, list):
            source = "".join(part for part in source if isinstance(part, str))
        sources.append(source if isinstance(source, str) else "")
    return sources


def dedent_shift(text: str) -> dict[int, int]:
    """Columns to add on each 1-based line of a cell that IPython would dedent.

    IPython runs a cell whose first non-blank line is indented after removing that indent
    from every line starting with it, and xentlint analyses the dedented text (see
    ``xentlint.sources``); columns it reports on those lines are shifted back here.
    """
    lines = _NEWLINE.split(text)
    first = next((line for line in lines if line.strip()), "")
    indent = first[: len(first) - len(first.lstrip(" \t"))]
    if not indent:
        return {}
    return {number: len(indent) for number, line in enumerate(lines, 1) if line.startswith(indent)}
