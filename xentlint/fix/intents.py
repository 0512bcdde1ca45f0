"""What a fix wants done to one anchor, and how that becomes edits of the module.

A rule's fix is expressed as *intents* on the anchors of its finding: "this loss becomes
binary crossentropy", "this loss gets from_logits=True", "this activation goes", "this
metric thresholds at 0.0". Intents on the same anchor from different fixes merge (XEN201's
"categorical" and XEN102's "from_logits=True" on one string become one class call), or
conflict (two different families), before they are rendered into :class:`Edits`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import libcst as cst

from xentlint.facts import LossFamily, LossSpec
from xentlint.fix import layout
from xentlint.fix.edits import Context, Edits, Unfixable
from xentlint.static import names as N

# --------------------------------------------------------------------------- intents


@dataclass(frozen=True)
class LossIntent:
    anchor: Any
    spec: LossSpec
    family: LossFamily | None = None  # the loss to switch to
    from_logits: bool = False  # set from_logits=True
    like: Any = None  # a nearby Keras call (the output layer), for spelling new names


@dataclass(frozen=True)
class ActivationIntent:
    anchor: Any
    action: str  # "remove" | "sigmoid" | "softmax"


@dataclass(frozen=True)
class MetricIntent:
    anchor: Any
    spelling: str  # "accuracy", "acc", "binary_accuracy", "BinaryAccuracy"
    like: Any = None


Intent = LossIntent | ActivationIntent | MetricIntent


def merge(a: Intent, b: Intent) -> Intent | None:
    """One intent doing both, or None when they contradict each other."""
    if isinstance(a, LossIntent) and isinstance(b, LossIntent):
        if a.family is not None and b.family is not None and a.family is not b.family:
            return None
        return replace(
            a,
            family=a.family or b.family,
            from_logits=a.from_logits or b.from_logits,
            like=a.like or b.like,
        )
    if type(a) is type(b) and a == b:
        return a
    return None


def render(intents: list[Intent], ctx: Context) -> Edits:
    """Edits for intents on distinct anchors (raises :class:`Unfixable`)."""
    edits = Edits()
    for intent in intents:
        if isinstance(intent, LossIntent):
            _loss(intent, ctx, edits)
        elif isinstance(intent, ActivationIntent):
            _activation(intent, ctx, edits)
        else:
            _metric(intent, ctx, edits)
    return edits


# --------------------------------------------------------------------------- losses

_CLASSES = {
    LossFamily.CATEGORICAL: "CategoricalCrossentropy",
    LossFamily.SPARSE_CATEGORICAL: "SparseCategoricalCrossentropy",
    LossFamily.BINARY: "BinaryCrossentropy",
    LossFamily.FOCAL_BINARY: "BinaryFocalCrossentropy",
    LossFamily.FOCAL_CATEGORICAL: "CategoricalFocalCrossentropy",
}
_FUNCTIONS = {
    LossFamily.CATEGORICAL: "categorical_crossentropy",
    LossFamily.SPARSE_CATEGORICAL: "sparse_categorical_crossentropy",
    LossFamily.BINARY: "binary_crossentropy",
    LossFamily.FOCAL_BINARY: "binary_focal_crossentropy",
    LossFamily.FOCAL_CATEGORICAL: "categorical_focal_crossentropy",
}
_OPS = {
    LossFamily.CATEGORICAL: "softmax_cross_entropy_with_logits",
    LossFamily.SPARSE_CATEGORICAL: "sparse_softmax_cross_entropy_with_logits",
    LossFamily.BINARY: "sigmoid_cross_entropy_with_logits",
}
# Keyword arguments each loss class / function accepts (Keras 2 and 3 agree on these).
_COMMON = {"from_logits", "reduction", "name", "dtype"}
_CLASS_KEYWORDS = {
    LossFamily.CATEGORICAL: _COMMON | {"label_smoothing", "axis"},
    LossFamily.SPARSE_CATEGORICAL: _COMMON | {"ignore_class"},
    LossFamily.BINARY: _COMMON | {"label_smoothing", "axis"},
}
_FUNCTION_KEYWORDS = {
    LossFamily.CATEGORICAL: {"y_true", "y_pred", "from_logits", "label_smoothing", "axis"},
    LossFamily.SPARSE_CATEGORICAL: {"y_true", "y_pred", "from_logits", "ignore_class", "axis"},
    LossFamily.BINARY: {"y_true", "y_pred", "from_logits", "label_smoothing", "axis"},
}
_OPS_KEYWORDS = {
    LossFamily.CATEGORICAL: {"target", "output", "from_logits", "axis"},
    LossFamily.SPARSE_CATEGORICAL: {"target", "output", "from_logits", "axis"},
    LossFamily.BINARY: {"target", "output", "from_logits"},
}
_NN_OP_KEYWORDS = {"labels", "logits", "name"}
_TRUE = cst.Name("True")


def _string_style(spelling: str) -> str:
    return "class" if spelling[:1].isupper() and spelling != "BCE" else "function"


def _loss(intent: LossIntent, ctx: Context, edits: Edits) -> None:
    spec, node = intent.spec, intent.anchor
    family = intent.family or spec.family
    if family not in _CLASSES:
        raise Unfixable("no such loss")
    if spec.form == "string":
        _string_loss(intent, family, ctx, edits)
    elif spec.form == "op":
        _op_loss(intent, family, ctx, edits)
    elif isinstance(node, cst.Call):
        _called_loss(intent, family, ctx, edits)
    else:
        _loss_reference(intent, family, ctx, edits)


def _string_loss(intent: LossIntent, family: LossFamily, ctx: Context, edits: Edits) -> None:
    node = intent.anchor
    if not isinstance(node, cst.SimpleString) or node.evaluated_value != intent.spec.spelling:
        raise Unfixable("the loss string is not a plain literal")
    if intent.from_logits:
        spelled = _spell_class(family, intent, ctx)
        edits.add_import(spelled.new_import)
        code = f"{spelled.code}(from_logits=True)"
        edits.replace(node, lambda _n: cst.parse_expression(code))
        return
    style = _string_style(intent.spec.spelling)
    name = _CLASSES[family] if style == "class" else _FUNCTIONS[family]
    text = f"{node.prefix}{node.quote}{name}{node.quote}"
    edits.replace(node, lambda n: n.with_changes(value=text))


def _spell_class(family: LossFamily, intent: LossIntent, ctx: Context) -> Any:
    names = ctx.names
    flavour = names.flavour(intent.like)
    spelled = names.spell(f"keras.losses.{_CLASSES[family]}", flavour, intent.like, intent.anchor)
    if spelled is None:
        raise Unfixable("no import reaches keras.losses and none can be added")
    return spelled


def _check_arguments(call: cst.Call, allowed: set[str], positional: int) -> None:
    count = 0
    for arg in call.args:
        if arg.star:
            raise Unfixable("the call passes *args or **kwargs")
        if arg.keyword is None:
            count += 1
        elif arg.keyword.value not in allowed:
            raise Unfixable(f"the new loss does not take {arg.keyword.value}=")
    if count > positional:
        raise Unfixable("too many positional arguments to switch the loss")


def _set_from_logits(call: cst.Call, intent: LossIntent, edits: Edits) -> None:
    if any(arg.star for arg in call.args):
        raise Unfixable("the call passes *args or **kwargs")
    anchor = intent.spec.from_logits_anchor
    if isinstance(anchor, cst.Arg):
        edits.replace(anchor, lambda arg: arg.with_changes(value=_TRUE))
    elif anchor is not None:
        edits.replace(anchor, lambda _n: _TRUE)
    else:
        edits.replace(
            call, lambda c: layout.append_arg(c, layout.keyword_arg("from_logits", _TRUE))
        )


def _rename_callee(
    callee: cst.BaseExpression, new_name: str, namespace: str, ctx: Context, edits: Edits
) -> None:
    """Point ``callee`` (``x.SparseCategoricalCrossentropy``) to ``new_name`` next to it."""
    if isinstance(callee, cst.Attribute):
        edits.replace(callee, lambda a: a.with_changes(attr=cst.Name(new_name)))
        return
    qname = ctx.names.canonical(callee)
    if qname is None or not qname.startswith(namespace + "."):
        raise Unfixable("cannot tell where the loss comes from")
    spelled = ctx.names.spell(f"{namespace}.{new_name}", ctx.names.flavour(callee), at=callee)
    if spelled is None:
        raise Unfixable(f"no import reaches {namespace}")
    edits.add_import(spelled.new_import)
    edits.replace(callee, lambda _n: cst.parse_expression(spelled.code))


def _called_loss(intent: LossIntent, family: LossFamily, ctx: Context, edits: Edits) -> None:
    call: cst.Call = intent.anchor
    spec = intent.spec
    if family is not spec.family:
        qname = ctx.names.canonical(call.func) or ""
        if spec.form == "class":
            if family not in _CLASS_KEYWORDS or spec.family not in _CLASS_KEYWORDS:
                raise Unfixable("no equivalent loss class")
            _check_arguments(call, _CLASS_KEYWORDS[family], 1)
            _rename_callee(call.func, _CLASSES[family], "keras.losses", ctx, edits)
        else:
            if family not in _FUNCTION_KEYWORDS or spec.family not in _FUNCTION_KEYWORDS:
                raise Unfixable("no equivalent loss function")
            namespace = qname.rsplit(".", 1)[0] if "." in qname else "keras.losses"
            table = _OPS_KEYWORDS if namespace == "keras.ops" else _FUNCTION_KEYWORDS
            _check_arguments(call, table[family], 3)
            _rename_callee(call.func, _FUNCTIONS[family], namespace, ctx, edits)
    if intent.from_logits:
        _set_from_logits(call, intent, edits)


def _loss_reference(intent: LossIntent, family: LossFamily, ctx: Context, edits: Edits) -> None:
    """``loss=keras.losses.categorical_crossentropy`` (a function, not called)."""
    node = intent.anchor
    if not isinstance(node, (cst.Name, cst.Attribute)):
        raise Unfixable("the loss is not a plain name")
    if intent.from_logits:
        if isinstance(node, cst.Attribute) and ctx.names.canonical(node.value) == "keras.losses":
            code = f"{ctx.code(node.value)}.{_CLASSES[family]}(from_logits=True)"
        else:
            spelled = _spell_class(family, intent, ctx)
            edits.add_import(spelled.new_import)
            code = f"{spelled.code}(from_logits=True)"
        edits.replace(node, lambda _n: cst.parse_expression(code))
        return
    qname = ctx.names.canonical(node) or ""
    if qname not in N.LOSS_FUNCTIONS:
        raise Unfixable("cannot tell where the loss comes from")
    _rename_callee(node, _FUNCTIONS[family], qname.rsplit(".", 1)[0], ctx, edits)


def _op_loss(intent: LossIntent, family: LossFamily, ctx: Context, edits: Edits) -> None:
    call = intent.anchor
    spec = intent.spec
    if intent.from_logits or family is spec.family:
        return  # the tf.nn ops always take logits
    if not isinstance(call, cst.Call) or not isinstance(call.func, cst.Attribute):
        raise Unfixable("not a tf.nn call")
    qname = ctx.names.canonical(call.func) or ""
    if not qname.startswith("tensorflow.nn.") or family not in _OPS:
        raise Unfixable("no equivalent tf.nn op")
    if spec.family is LossFamily.SPARSE_CATEGORICAL and family is LossFamily.BINARY:
        raise Unfixable("sparse labels do not fit a sigmoid op")
    _check_arguments(call, _NN_OP_KEYWORDS, 2)
    edits.replace(call.func, lambda a: a.with_changes(attr=cst.Name(_OPS[family])))


# --------------------------------------------------------------------------- activations

_ACTIVATION_LAYERS = ("keras.layers.Activation", "keras.layers.Softmax")


def _activation(intent: ActivationIntent, ctx: Context, edits: Edits) -> None:
    node = intent.anchor
    parent = ctx.parent(node)
    if isinstance(node, cst.Call) and _is_activation_layer(node, ctx):
        _activation_layer(intent, node, ctx, edits)
        return
    if isinstance(node, cst.Call) and ctx.names.canonical(node.func) in N.ACTIVATION_OPS:
        _activation_op(intent, node, ctx, edits)
        return
    if isinstance(node, cst.Arg):
        if node.keyword is None or node.keyword.value != "activation":
            raise Unfixable("not an activation argument")
        call = parent
        assert isinstance(call, cst.Call)
        if intent.action == "remove":
            edits.remove(call, _index(call.args, node))
        else:
            new = _activation_value(node.value, intent.action, ctx)
            edits.replace(node, lambda arg: arg.with_changes(value=new))
        return
    if isinstance(parent, cst.Arg) and parent.keyword is None and parent.value is node:
        call = ctx.parent(parent)
        if not isinstance(call, cst.Call) or _is_activation_layer(call, ctx):
            raise Unfixable("not a layer's activation argument")
        if intent.action == "remove":
            if call.args[-1] is parent:
                edits.remove(call, len(call.args) - 1)
            else:
                edits.replace(node, lambda _n: cst.Name("None"))
        else:
            new = _activation_value(node, intent.action, ctx)
            edits.replace(node, lambda _n: new)
        return
    raise Unfixable("the activation is not written in a form the fixer knows")


def _index(items: Any, node: cst.CSTNode) -> int:
    for index, item in enumerate(items):
        if item is node:
            return index
    raise Unfixable("node not found in its parent")


def _is_activation_layer(call: cst.Call, ctx: Context) -> bool:
    return ctx.names.canonical(call.func) in _ACTIVATION_LAYERS


def _activation_value(value: cst.BaseExpression, action: str, ctx: Context) -> Any:
    """``"sigmoid"`` for ``"softmax"``, ``tf.nn.sigmoid`` for ``tf.nn.softmax``..."""
    if isinstance(value, cst.SimpleString):
        return value.with_changes(value=f"{value.prefix}{value.quote}{action}{value.quote}")
    if isinstance(value, cst.Attribute):
        qname = ctx.names.canonical(value) or ""
        namespace = qname.rsplit(".", 1)[0]
        if qname in N.ACTIVATION_FUNCTIONS and f"{namespace}.{action}" in N.ACTIVATION_FUNCTIONS:
            return value.with_changes(attr=cst.Name(action))
    raise Unfixable("the activation is not a string or a module attribute")


def _needs_parentheses(node: cst.BaseExpression) -> bool:
    atoms = (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.SimpleString)
    return not isinstance(node, atoms) and not node.lpar


def _unwrap(value: cst.BaseExpression) -> cst.BaseExpression:
    if _needs_parentheses(value):
        return value.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return value


def _single_input(call: cst.Call, keywords: tuple[str, ...]) -> cst.BaseExpression:
    if len(call.args) != 1 or call.args[0].star:
        raise Unfixable("the call has more than its input")
    arg = call.args[0]
    if arg.keyword is not None and arg.keyword.value not in keywords:
        raise Unfixable("the call has more than its input")
    return arg.value


def _activation_layer(intent: ActivationIntent, call: cst.Call, ctx: Context, edits: Edits) -> None:
    qname = ctx.names.canonical(call.func)
    if intent.action == "remove":
        if any(arg.keyword is not None and arg.keyword.value == "name" for arg in call.args):
            raise Unfixable("the layer has a name others may refer to")
        _remove_layer(call, ctx, edits)
        return
    if qname == "keras.layers.Activation":
        for index, arg in enumerate(call.args):
            if (arg.keyword is None and index == 0) or (
                arg.keyword is not None and arg.keyword.value == "activation"
            ):
                new = _activation_value(arg.value, intent.action, ctx)
                edits.replace(arg, lambda a, new=new: a.with_changes(value=new))
                return
        raise Unfixable("Activation() without an activation")
    if intent.action != "sigmoid":
        raise Unfixable("Softmax() can only become a sigmoid")
    for arg in call.args:
        axis = arg.keyword is not None and arg.keyword.value == "axis"
        if not (axis or arg.keyword is None) or ctx.code(arg.value).strip() != "-1":
            raise Unfixable("Softmax() has arguments an Activation layer does not take")
    if isinstance(call.func, cst.Attribute):
        code = f"{ctx.code(call.func.value)}.Activation({ctx.names.string('sigmoid')})"
    else:
        spelled = ctx.names.spell("keras.layers.Activation", ctx.names.flavour(call), at=call)
        if spelled is None:
            raise Unfixable("no import reaches keras.layers")
        edits.add_import(spelled.new_import)
        code = f"{spelled.code}({ctx.names.string('sigmoid')})"
    edits.replace(call, lambda c: cst.parse_expression(code).with_changes(lpar=c.lpar, rpar=c.rpar))


def _remove_layer(call: cst.Call, ctx: Context, edits: Edits) -> None:
    """Remove an Activation/Softmax layer from a Sequential list, an .add() or a call."""
    parent = ctx.parent(call)
    if isinstance(parent, cst.Element):
        lst = ctx.parent(parent)
        arg = ctx.parent(lst) if isinstance(lst, cst.List) else None
        model = ctx.parent(arg) if isinstance(arg, cst.Arg) else None
        if (
            not isinstance(lst, cst.List)
            or not isinstance(model, cst.Call)
            or ctx.names.canonical(model.func) != "keras.Sequential"
            or len(lst.elements) < 2
        ):
            raise Unfixable("the layer is not in a Sequential([...]) list")
        edits.remove(lst, _index(lst.elements, parent))
        return
    if isinstance(parent, cst.Arg) and parent.keyword is None:
        add = ctx.parent(parent)
        expr = ctx.parent(add) if isinstance(add, cst.Call) else None
        line = ctx.parent(expr) if isinstance(expr, cst.Expr) else None
        block = ctx.parent(line) if isinstance(line, cst.SimpleStatementLine) else None
        if (
            isinstance(add, cst.Call)
            and isinstance(add.func, cst.Attribute)
            and add.func.attr.value == "add"
            and len(add.args) == 1
            and isinstance(line, cst.SimpleStatementLine)
            and len(line.body) == 1
            and isinstance(block, (cst.IndentedBlock, cst.Module))
            and len(block.body) > 1
        ):
            edits.remove(block, _index(block.body, line))
            return
        raise Unfixable("the layer is not added by a model.add(...) statement of its own")
    if isinstance(parent, cst.Call) and parent.func is call:
        # functional API: Softmax()(x) -> x
        value = _single_input(parent, ("inputs",))
        edits.replace(parent, lambda _n: _unwrap(value))
        return
    raise Unfixable("the layer is used where it cannot simply be removed")


def _activation_op(intent: ActivationIntent, call: cst.Call, ctx: Context, edits: Edits) -> None:
    value = _single_input(call, ("x", "logits", "features"))
    if intent.action == "remove":
        edits.replace(call, lambda _n: _unwrap(value))
        return
    new = _activation_value(call.func, intent.action, ctx)
    edits.replace(call.func, lambda _n: new)


# --------------------------------------------------------------------------- metrics


def _metric(intent: MetricIntent, ctx: Context, edits: Edits) -> None:
    node = intent.anchor
    zero = cst.Float("0.0")
    if isinstance(node, cst.SimpleString):
        names = ctx.names
        spelled = names.spell(
            "keras.metrics.BinaryAccuracy", names.flavour(intent.like), intent.like, node
        )
        if spelled is None:
            raise Unfixable("no import reaches keras.metrics")
        edits.add_import(spelled.new_import)
        value = node.evaluated_value
        quote = node.quote if node.quote in ('"', "'") else names.quote
        keep_name = "" if value == "binary_accuracy" else f", name={quote}{value}{quote}"
        code = f"{spelled.code}(threshold=0.0{keep_name})"
        edits.replace(node, lambda _n: cst.parse_expression(code))
        return
    if not isinstance(node, cst.Call):
        raise Unfixable("the metric is not a literal or a BinaryAccuracy() call")
    if any(arg.star for arg in node.args):
        raise Unfixable("the call passes *args or **kwargs")
    positional = [arg for arg in node.args if arg.keyword is None]
    for arg in node.args:
        if arg.keyword is not None and arg.keyword.value == "threshold":
            edits.replace(arg, lambda a: a.with_changes(value=zero))
            return
    if len(positional) > 2:
        edits.replace(positional[2], lambda a: a.with_changes(value=zero))
        return
    edits.replace(node, lambda c: layout.append_arg(c, layout.keyword_arg("threshold", zero)))
