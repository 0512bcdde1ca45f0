"""Rendering intents (:mod:`xentlint.intents`) into :class:`Edits` of a LibCST module.

The intents themselves, and their merging, live in the vocabulary layer so that the rule
modules' planners can build them without LibCST; they are re-exported here.
"""

from __future__ import annotations

from typing import Any

import libcst as cst

from xentlint.facts import Act, LossFamily
from xentlint.fix import layout
from xentlint.fix.edits import Context, Edits
from xentlint.intents import (
    ActivationIntent,
    ArgumentIntent,
    Intent,
    LossIntent,
    MetricIntent,
    Unfixable,
    merge,
)
from xentlint.knowledge import activations as A
from xentlint.knowledge.applications import LIBRARY_HEADS
from xentlint.knowledge.layers import LAYERS, Role
from xentlint.knowledge.losses import BY_FAMILY, LOSS_FUNCTIONS, NN_OP_KEYWORDS

__all__ = ["ActivationIntent", "Intent", "LossIntent", "MetricIntent", "merge", "render"]


def render(intents: list[Intent], ctx: Context) -> Edits:
    """Edits for intents on distinct anchors (raises :class:`Unfixable`)."""
    edits = Edits()
    for intent in intents:
        if isinstance(intent, LossIntent):
            _loss(intent, ctx, edits)
        elif isinstance(intent, ActivationIntent):
            _activation(intent, ctx, edits)
        elif isinstance(intent, ArgumentIntent):
            _argument(intent, edits)
        else:
            _metric(intent, ctx, edits)
    return edits


# --------------------------------------------------------------------------- losses

_TRUE = cst.Name("True")


def _string_style(spelling: str) -> str:
    return "class" if spelling[:1].isupper() and spelling != "BCE" else "function"


def _loss(intent: LossIntent, ctx: Context, edits: Edits) -> None:
    spec, node = intent.spec, intent.anchor
    family = intent.family or spec.family
    if family not in BY_FAMILY:
        raise Unfixable("no such loss")
    if spec.form not in ("string", "class", "function", "op"):
        # a hand-written loss, tf.losses.log_loss: no from_logits, no family to switch to
        raise Unfixable("this loss cannot be changed into another by an argument")
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
    kind = BY_FAMILY[family]
    name = kind.class_name if style == "class" else kind.function_name
    text = f"{node.prefix}{node.quote}{name}{node.quote}"
    edits.replace(node, lambda n: n.with_changes(value=text))


def _spell_class(family: LossFamily, intent: LossIntent, ctx: Context) -> Any:
    names = ctx.names
    flavour = names.flavour(intent.like)
    spelled = names.spell(
        f"keras.losses.{BY_FAMILY[family].class_name}", flavour, intent.like, intent.anchor
    )
    if spelled is None:
        raise Unfixable("no import reaches keras.losses and none can be added")
    return spelled


def _check_arguments(call: cst.Call, allowed: frozenset[str], positional: int) -> None:
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
        new, old = BY_FAMILY[family], BY_FAMILY.get(spec.family)
        switchable = old is not None and not new.focal and not old.focal
        if spec.form == "class":
            if not switchable:
                raise Unfixable("no equivalent loss class")
            _check_arguments(call, new.class_keywords, 1)
            _rename_callee(call.func, new.class_name, "keras.losses", ctx, edits)
        else:
            if not switchable:
                raise Unfixable("no equivalent loss function")
            namespace = qname.rsplit(".", 1)[0] if "." in qname else "keras.losses"
            allowed = new.ops_keywords if namespace == "keras.ops" else new.function_keywords
            _check_arguments(call, allowed or frozenset(), 3)
            _rename_callee(call.func, new.function_name, namespace, ctx, edits)
    if intent.from_logits:
        _set_from_logits(call, intent, edits)


def _loss_reference(intent: LossIntent, family: LossFamily, ctx: Context, edits: Edits) -> None:
    """``loss=keras.losses.categorical_crossentropy`` (a function, not called)."""
    node = intent.anchor
    if not isinstance(node, (cst.Name, cst.Attribute)):
        raise Unfixable("the loss is not a plain name")
    if intent.from_logits:
        if isinstance(node, cst.Attribute) and ctx.names.canonical(node.value) == "keras.losses":
            code = f"{ctx.code(node.value)}.{BY_FAMILY[family].class_name}(from_logits=True)"
        else:
            spelled = _spell_class(family, intent, ctx)
            edits.add_import(spelled.new_import)
            code = f"{spelled.code}(from_logits=True)"
        edits.replace(node, lambda _n: cst.parse_expression(code))
        return
    qname = ctx.names.canonical(node) or ""
    if qname not in LOSS_FUNCTIONS:
        raise Unfixable("cannot tell where the loss comes from")
    _rename_callee(node, BY_FAMILY[family].function_name, qname.rsplit(".", 1)[0], ctx, edits)


def _op_loss(intent: LossIntent, family: LossFamily, ctx: Context, edits: Edits) -> None:
    call = intent.anchor
    spec = intent.spec
    if intent.from_logits or family is spec.family:
        return  # the tf.nn ops always take logits
    if not isinstance(call, cst.Call) or not isinstance(call.func, cst.Attribute):
        raise Unfixable("not a tf.nn call")
    qname = ctx.names.canonical(call.func) or ""
    nn_op = BY_FAMILY[family].nn_op
    if not qname.startswith("tensorflow.nn.") or nn_op is None:
        raise Unfixable("no equivalent tf.nn op")
    if spec.family is LossFamily.SPARSE_CATEGORICAL and family is LossFamily.BINARY:
        raise Unfixable("sparse labels do not fit a sigmoid op")
    _check_arguments(call, NN_OP_KEYWORDS, 2)
    edits.replace(call.func, lambda a: a.with_changes(attr=cst.Name(nn_op)))


# --------------------------------------------------------------------------- activations

# Layers that apply a softmax or the activation they are given (Activation, Softmax).
_ACTIVATION_LAYERS = frozenset(
    kind.qname
    for kind in LAYERS.values()
    if kind.role is Role.APPLIES and kind.applies in (None, Act.SOFTMAX)
)


def _activation(intent: ActivationIntent, ctx: Context, edits: Edits) -> None:
    node = intent.anchor
    parent = ctx.parent(node)
    if isinstance(node, cst.Call) and _is_activation_layer(node, ctx):
        _activation_layer(intent, node, ctx, edits)
        return
    if isinstance(node, cst.Call) and ctx.names.canonical(node.func) in A.ACTIVATION_OPS:
        _activation_op(intent, node, ctx, edits)
        return
    if isinstance(node, cst.Call):
        _library_activation(intent, node, ctx, edits)
        return
    if isinstance(node, cst.Arg):
        call = parent
        assert isinstance(call, cst.Call)
        library = LIBRARY_HEADS.get(ctx.names.canonical(call.func) or "")
        keyword = (
            "activation"
            if library is None or library.activation is None
            else (library.activation.keyword)
        )
        if node.keyword is None or node.keyword.value != keyword:
            raise Unfixable("not an activation argument")
        if library is not None:  # its default may be softmax: say None
            new = (
                cst.Name("None")
                if intent.action == "remove"
                else (_activation_value(node.value, intent.action, ctx))
            )
            edits.replace(node, lambda arg: arg.with_changes(value=new))
        elif intent.action == "remove":
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


def _library_activation(
    intent: ActivationIntent, call: cst.Call, ctx: Context, edits: Edits
) -> None:
    """``ResNet50(weights=None, classes=10)`` -> ``..., classifier_activation=None)``."""
    library = LIBRARY_HEADS.get(ctx.names.canonical(call.func) or "")
    if library is None or library.activation is None or any(arg.star for arg in call.args):
        raise Unfixable("the activation is not written in a form the fixer knows")
    if intent.action == "remove":
        value: cst.BaseExpression = cst.Name("None")
    else:
        value = cst.parse_expression(ctx.names.string(intent.action))
    arg = layout.keyword_arg(library.activation.keyword, value)
    edits.replace(call, lambda c: layout.append_arg(c, arg))


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
        functions = A.ACTIVATION_FUNCTIONS
        if qname in functions and f"{namespace}.{action}" in functions:
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
    value = cst.parse_expression(intent.value)
    if isinstance(node, cst.SimpleString):
        names = ctx.names
        qname = f"keras.metrics.{intent.class_name}"
        spelled = names.spell(qname, names.flavour(intent.like), intent.like, node)
        if spelled is None:
            raise Unfixable("no import reaches keras.metrics")
        edits.add_import(spelled.new_import)
        text = node.evaluated_value
        quote = node.quote if node.quote in ('"', "'") else names.quote
        same_name = text in (intent.default_name, intent.class_name)
        keep_name = "" if same_name else f", name={quote}{text}{quote}"
        code = f"{spelled.code}({intent.keyword}={intent.value}{keep_name})"
        edits.replace(node, lambda _n: cst.parse_expression(code))
        return
    if not isinstance(node, cst.Call):
        raise Unfixable("the metric is not a literal or a metric call")
    if any(arg.star for arg in node.args):
        raise Unfixable("the call passes *args or **kwargs")
    positional = [arg for arg in node.args if arg.keyword is None]
    for arg in node.args:
        if arg.keyword is not None and arg.keyword.value == intent.keyword:
            edits.replace(arg, lambda a: a.with_changes(value=value))
            return
    position = intent.position
    if position is not None and len(positional) > position:
        edits.replace(positional[position], lambda a: a.with_changes(value=value))
        return
    edits.replace(node, lambda c: layout.append_arg(c, layout.keyword_arg(intent.keyword, value)))


# --------------------------------------------------------------------------- arguments


def _argument(intent: ArgumentIntent, edits: Edits) -> None:
    """``loss(y, probs, from_logits=True)`` -> ``loss(y, logits, from_logits=True)``."""
    if not isinstance(intent.name, cst.Name) or not isinstance(intent.anchor, cst.Name):
        raise Unfixable("the argument is not a plain name")
    name = intent.name.value
    edits.replace(intent.anchor, lambda n: n.with_changes(value=name))
