"""The Diagnostic record every front end and reporter shares."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Place:
    """Another place a finding's message names (1-based; ``cell`` in a notebook).

    ``path`` None: the finding's own file.
    """

    path: str | None
    line: int
    column: int
    end_line: int
    end_column: int
    cell: int | None = None

    def to_json(self, own_path: str) -> dict[str, Any]:
        data = asdict(self)
        data["path"] = self.path if self.path is not None else own_path
        if self.cell is None:
            data.pop("cell")
        return data


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One finding. ``line``/``column`` are 1-based; ``cell`` is the 1-based notebook cell.

    Findings on a model (``xentlint model``) have no source position: ``line``/``column``
    are 0 and ``where`` names the output and layer (``output 'head' (layer 'dense_2')``).
    """

    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    code: str
    name: str
    severity: str
    message: str
    fix_title: str | None = None
    cell: int | None = field(default=None, compare=False)
    where: str | None = field(default=None, compare=False)
    #: "safe" / "unsafe" when xentlint can fix this finding (``check --fix``), else None
    fix_safety: str | None = field(default=None, compare=False)
    #: the other places the message names (another module of the project among them)
    related: tuple[Place, ...] = field(default=(), compare=False)
    #: why the rule's fix cannot be applied to this finding, when xentlint knows
    fix_reason: str | None = field(default=None, compare=False)
    #: Why it is wrong and what to do (``message`` says what is wrong, in one sentence)
    explanation: str = field(default="", compare=False)

    def location(self) -> str:
        if self.where is not None:
            return f"{self.path}: {self.where}"
        if self.cell is not None:
            return f"{self.path}:cell_{self.cell}:{self.line}:{self.column}"
        return f"{self.path}:{self.line}:{self.column}"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        if self.cell is None:
            data.pop("cell")
        if self.where is None:
            data.pop("where")
        data.pop("fix_safety")  # the JSON output shows it as "fix" (output.fix_json)
        data.pop("fix_reason")  # ... with the reason
        if self.related:
            data["related"] = [place.to_json(self.path) for place in self.related]
        else:
            data.pop("related")
        return data


@dataclass(frozen=True)
class RawFinding:
    """A finding of the static front end before it is tied to a path or notebook cell.

    Positions are 1-based lines and 1-based columns in the analysed source text.
    """

    code: str
    message: str
    line: int
    column: int
    end_line: int
    end_column: int
    fix_title: str | None = None
    fix_safety: str | None = None  # "safe" / "unsafe" when a fix is available
    related: tuple[RawPlace, ...] = ()  # the other places the message names
    fix_reason: str | None = None  # why the fix is not available, when known
    explanation: str = ""  # the finding's own; "" for the rule's (the pipeline fills it in)


@dataclass(frozen=True)
class RawPlace:
    """A place a raw finding names: ``path`` None for the analysed source (its program
    line, mapped to a notebook cell by the pipeline), else another file's display path."""

    path: str | None
    line: int
    column: int
    end_line: int
    end_column: int
