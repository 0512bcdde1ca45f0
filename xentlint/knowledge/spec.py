"""Argument descriptions shared by the knowledge tables."""

from __future__ import annotations

from typing import NamedTuple


class Arg(NamedTuple):
    """Where a call receives one argument: by ``keyword``, or at ``position`` (0-based).

    ``position`` None: keyword only (as far as xentlint reads it). The static front end
    reads ``Arg`` from a call's arguments, the runtime front end from a configuration dict
    (by keyword).
    """

    keyword: str
    position: int | None = None
