"""The output of library models built by one call: keras.applications, keras_hub tasks.

:data:`~xentlint.knowledge.applications.LIBRARY_HEADS` says where each constructor takes
its class count and classifier activation; :func:`library_output` reads them from a call's
arguments. Anything it cannot read makes the output unknown (never a guess).
"""

from __future__ import annotations

import libcst as cst

from xentlint.facts import Act, Head
from xentlint.knowledge import activations as A
from xentlint.knowledge.applications import IMAGENET, LibraryHead
from xentlint.knowledge.names import canonical, last_part
from xentlint.static.frames import Args, const_bool, const_int
from xentlint.static.values import UNKNOWN, Const, Ref, Tensor, Value


def activation_value(value: Value) -> Act:
    """The activation an ``activation=`` argument names (None and "linear": LINEAR)."""
    if isinstance(value, Const):
        if value.value is None:
            return Act.LINEAR
        return A.from_string(value.value) if isinstance(value.value, str) else Act.UNKNOWN
    if isinstance(value, Ref):
        return A.ACTIVATION_FUNCTIONS.get(canonical(value.qname), Act.UNKNOWN)
    return Act.UNKNOWN


def library_output(entry: LibraryHead, q: str, node: cst.Call, args: Args) -> Value:
    """The output tensor of the model a library constructor builds (UNKNOWN if unreadable)."""
    if args.starred or len(args.pos) > entry.positional_limit:
        return UNKNOWN
    kind = last_part(q if not q.endswith(".from_preset") else q.rsplit(".", 1)[0])
    if entry.include_top is not None:
        top = args.get(entry.include_top.keyword, entry.include_top.position)
        include = True if top is None else const_bool(top)
        if include is None:
            return UNKNOWN
        if not include:  # no head: features, whatever the user's layers make of them
            return Tensor(Head(None, Act.UNKNOWN, kind, None, node))
    units: int | None = entry.default_units
    units_node: cst.CSTNode = node
    given = args.get(entry.units.keyword, entry.units.position)
    if given is not None:
        units = const_int(given)
        units_node = args.node(entry.units.keyword, entry.units.position) or node
    if entry.weights is not None and units is not None and units != entry.default_units:
        weights = args.get(entry.weights.keyword, entry.weights.position)
        if weights is None or (isinstance(weights, Const) and weights.value == IMAGENET):
            return UNKNOWN  # Keras raises: ImageNet weights come with their 1000 classes
    act = entry.default_activation
    act_node: cst.CSTNode = node
    if entry.activation is not None:
        chosen = args.get(entry.activation.keyword, entry.activation.position)
        if chosen is not None:
            act = activation_value(chosen)
            act_node = args.node(entry.activation.keyword, entry.activation.position) or node
    return Tensor(Head(units, act, kind, None, node, act_node, units_node))
