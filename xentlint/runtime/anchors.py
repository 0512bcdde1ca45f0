"""Anchors in runtime mode: small descriptions of a layer, the compiled loss, a metric...

A check hands anchors back in its findings; the runtime front end renders the finding's own
anchor as the diagnostic's ``where`` (``output 'head' (layer 'dense_2')``) and each related
anchor as a noun for the ``{0}`` placeholders of the message (``layer 'dense_2'``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Anchor:
    kind: str  # "layer" | "loss" | "metric" | "labels" | "output"
    text: str  # how a message names it: "layer 'dense_2'", "compile(loss=...)"
    output: str | None = None  # the model output it belongs to, when it belongs to one
    short: str | None = None  # how the location names it, when not ``text``: "loss"

    def where(self, outputs: dict[str, str] | None = None) -> str:
        """The location text: ``output 'head' (layer 'dense_2')`` or ``layer 'dense_2'``."""
        own = self.short or self.text
        output = self.output
        if output is None and outputs is not None and self.kind == "layer":
            output = outputs.get(self.text)
        if output is None or self.kind == "output":
            return own
        return f"output {output!r} ({own})"


def layer(path: str) -> Anchor:
    return Anchor("layer", f"layer {path!r}")


def output(name: str) -> Anchor:
    return Anchor("output", f"output {name!r}", name)


def render(anchor: object) -> str:
    """The noun a message uses for a related anchor."""
    if isinstance(anchor, Anchor):
        return anchor.text
    return "another place"
