"""A small abstract interpreter over a LibCST module that collects facts.

It walks statements in order (no generic visitor: that costs as much as the parse), keeps
an environment of abstract values per frame, follows user functions and classes, and
records facts (:mod:`xentlint.facts`) as losses meet model outputs. Branches are
interpreted one after the other and their environments joined: a name bound to different
values on two paths becomes UNKNOWN, so nothing is reported from a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from xentlint.facts import (
    Act,
    ActivationSite,
    Binding,
    Facts,
    Head,
    LabelEncoding,
    LabelEvidence,
    LossFamily,
    LossSpec,
    MetricSpec,
)
from xentlint.static import names as N
from xentlint.static.values import (
    UNKNOWN,
    BoundMethod,
    Class,
    Const,
    Dataset,
    DatasetMethod,
    Function,
    Instance,
    Labels,
    Layer,
    LiteralArray,
    Loss,
    Mapping,
    Metric,
    Model,
    ModelMethod,
    Object,
    Ref,
    Seq,
    Tensor,
    Value,
)

_MAX_CALL_DEPTH = 12
_MAX_RUNS_PER_FUNCTION = 8
_MISSING = object()


@dataclass(eq=False)
class Frame:
    locals: dict[str, Value]
    parent: Frame | None = None  # enclosing function frame (closures)
    returns: list[Value] = field(default_factory=list)


@dataclass(eq=False)
class Enumerated(Value):
    inner: Value


@dataclass
class Args:
    pos: list[Value]
    kw: dict[str, Value]
    pos_nodes: list[cst.CSTNode]
    kw_nodes: dict[str, cst.Arg]
    starred: bool = False

    def get(self, name: str, index: int | None = None) -> Value | None:
        if name in self.kw:
            return self.kw[name]
        if index is not None and index < len(self.pos) and not self.starred:
            return self.pos[index]
        return None

    def node(self, name: str, index: int | None = None) -> cst.CSTNode | None:
        if name in self.kw_nodes:
            return self.kw_nodes[name]
        if index is not None and index < len(self.pos_nodes) and not self.starred:
            return self.pos_nodes[index]
        return None


def _const_int(v: Value | None) -> int | None:
    if isinstance(v, Const) and isinstance(v.value, int) and not isinstance(v.value, bool):
        return v.value
    return None


def _const_bool(v: Value | None) -> bool | None:
    if isinstance(v, Const) and isinstance(v.value, bool):
        return v.value
    return None


def _dotted(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr.value}"
    return None


class Interpreter:
    def __init__(self, module: cst.Module, source: str) -> None:
        self.module = module
        self.source = source
        self.globals: dict[str, Value] = {}
        self.bindings: list[Binding] = []
        self.sites: list[ActivationSite] = []
        self.models: list[Model] = []
        self.functions: list[Function] = []
        self.runs: dict[int, int] = {}
        self.classes: list[Class] = []
        self.instances: dict[int, Value] = {}
        self.depth = 0
        self.cond = 0
        self._bound: set[str] | None = None

    # --- driver ------------------------------------------------------------------------

    def run(self) -> Facts:
        frame = Frame(self.globals)
        self.exec_block(self.module.body, frame)
        self._run_uncalled()
        for model in self.models:
            self._finalize_model(model)
        return Facts(tuple(self.bindings), tuple(self.sites))

    def _run_uncalled(self) -> None:
        # Functions and methods nobody called still build and compile models: run them
        # once with unknown arguments.
        seen = 0
        while seen < len(self.functions) or any(id(c) not in self.instances for c in self.classes):
            for cls in list(self.classes):
                if id(cls) not in self.instances:
                    self.instances[id(cls)] = UNKNOWN
                    self.instances[id(cls)] = self.instantiate(cls, Args([], {}, [], {}))
            pending = self.functions[seen:]
            seen = len(self.functions)
            for func in pending:
                if self.runs.get(id(func.node), 0) == 0:
                    self_obj = None
                    if func.owner is not None:
                        inst = self.instances.get(id(func.owner))
                        self_obj = inst if isinstance(inst, (Object, Model)) else None
                        if self_obj is None:
                            continue
                    self.call_function(func, Args([], {}, [], {}), self_obj=self_obj)

    # --- statements --------------------------------------------------------------------

    def exec_block(self, body: Any, frame: Frame) -> None:
        for stmt in body:
            try:
                self.exec_stmt(stmt, frame)
            except RecursionError:
                continue

    def exec_stmt(self, stmt: cst.CSTNode, frame: Frame) -> None:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                self.exec_small(small, frame)
        elif isinstance(stmt, cst.FunctionDef):
            func = self._make_function(stmt, frame, None)
            frame.locals[stmt.name.value] = func
        elif isinstance(stmt, cst.ClassDef):
            frame.locals[stmt.name.value] = self._make_class(stmt, frame)
        elif isinstance(stmt, cst.If):
            self.exec_if(stmt, frame)
        elif isinstance(stmt, (cst.For, cst.While)):
            self.exec_loop(stmt, frame)
        elif isinstance(stmt, cst.Try):
            self.exec_try(stmt, frame)
        elif isinstance(stmt, cst.With):
            for item in stmt.items:
                value = self.eval(item.item, frame)
                if item.asname is not None:
                    self.assign(item.asname.name, UNKNOWN if value is None else UNKNOWN, frame)
            self.exec_block(stmt.body.body, frame)
        elif isinstance(stmt, cst.Match):
            self.eval(stmt.subject, frame)
            self._branches([case.body.body for case in stmt.cases], frame, exhaustive=False)
        elif hasattr(stmt, "body") and hasattr(stmt.body, "body"):
            self.exec_block(stmt.body.body, frame)

    def exec_small(self, small: cst.BaseSmallStatement, frame: Frame) -> None:
        if isinstance(small, cst.Expr):
            self.eval(small.value, frame)
        elif isinstance(small, cst.Assign):
            value = self.eval(small.value, frame)
            for target in small.targets:
                self.assign(target.target, value, frame)
        elif isinstance(small, cst.AnnAssign):
            if small.value is not None:
                self.assign(small.target, self.eval(small.value, frame), frame)
        elif isinstance(small, cst.AugAssign):
            self.eval(small.value, frame)
            self.assign(small.target, UNKNOWN, frame)
        elif isinstance(small, cst.Return):
            frame.returns.append(
                Const(None) if small.value is None else self.eval(small.value, frame)
            )
        elif isinstance(small, cst.Import):
            for alias in small.names:
                full = _dotted(alias.name)
                if full is None:
                    continue
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    frame.locals[alias.asname.name.value] = Ref(full)
                else:
                    top = full.split(".", 1)[0]
                    frame.locals[top] = Ref(top)
        elif isinstance(small, cst.ImportFrom):
            self._import_from(small, frame)
        elif isinstance(small, cst.Del):
            pass

    def _import_from(self, node: cst.ImportFrom, frame: Frame) -> None:
        if node.relative or node.module is None:
            if isinstance(node.names, cst.ImportStar):
                return
            for alias in node.names:
                name = alias.asname.name if alias.asname else alias.name
                if isinstance(name, cst.Name):
                    frame.locals[name.value] = UNKNOWN
            return
        module = _dotted(node.module)
        if module is None or isinstance(node.names, cst.ImportStar):
            return
        for alias in node.names:
            base = _dotted(alias.name)
            if base is None:
                continue
            target = alias.asname.name if alias.asname else alias.name
            if isinstance(target, cst.Name):
                frame.locals[target.value] = Ref(f"{module}.{base}")

    def exec_if(self, stmt: cst.If, frame: Frame) -> None:
        test = self._truth(stmt.test, frame)
        orelse = stmt.orelse
        if test is True:
            self.exec_block(stmt.body.body, frame)
            return
        if test is False:
            if isinstance(orelse, cst.If):
                self.exec_if(orelse, frame)
            elif isinstance(orelse, cst.Else):
                self.exec_block(orelse.body.body, frame)
            return
        bodies: list[Any] = [stmt.body.body]
        if isinstance(orelse, cst.If):
            bodies.append([orelse])
        elif isinstance(orelse, cst.Else):
            bodies.append(orelse.body.body)
        self._branches(bodies, frame, exhaustive=isinstance(orelse, cst.Else))

    def _branches(self, bodies: list[Any], frame: Frame, exhaustive: bool) -> None:
        before = dict(frame.locals)
        results: list[dict[str, Value]] = []
        self.cond += 1
        try:
            for body in bodies:
                frame.locals.clear()
                frame.locals.update(before)
                self.exec_block(body, frame)
                results.append(dict(frame.locals))
        finally:
            self.cond -= 1
        if not exhaustive:
            results.append(before)
        merged: dict[str, Value] = {}
        for key in set().union(*results):
            values = [r.get(key, _MISSING) for r in results]
            present = [v for v in values if v is not _MISSING]
            first = present[0]
            merged[key] = first if all(_same(first, v) for v in present) else UNKNOWN
        frame.locals.clear()
        frame.locals.update(merged)

    def exec_loop(self, stmt: cst.For | cst.While, frame: Frame) -> None:
        if isinstance(stmt, cst.For):
            iterable = self.eval(stmt.iter, frame)
            before = dict(frame.locals)
            self.assign(stmt.target, self._element(iterable), frame)
        else:
            self.eval(stmt.test, frame)
            before = dict(frame.locals)
        self.cond += 1
        try:
            self.exec_block(stmt.body.body, frame)
        finally:
            self.cond -= 1
        for key, value in list(frame.locals.items()):
            if key in before and not _same(before[key], value):
                frame.locals[key] = UNKNOWN
            elif key not in before:
                frame.locals[key] = value
        if stmt.orelse is not None:
            self.exec_block(stmt.orelse.body.body, frame)

    def exec_try(self, stmt: cst.Try, frame: Frame) -> None:
        self.exec_block(stmt.body.body, frame)
        after_body = dict(frame.locals)
        for handler in stmt.handlers:
            self.cond += 1
            try:
                self.exec_block(handler.body.body, frame)
            finally:
                self.cond -= 1
        # the normal path wins for names the body bound; handlers only add new names
        for key, value in after_body.items():
            frame.locals[key] = value
        if stmt.orelse is not None:
            self.exec_block(stmt.orelse.body.body, frame)
        if stmt.finalbody is not None:
            self.exec_block(stmt.finalbody.body.body, frame)

    def assign(self, target: cst.BaseExpression, value: Value, frame: Frame) -> None:
        if isinstance(target, cst.Name):
            frame.locals[target.value] = value
        elif isinstance(target, (cst.Tuple, cst.List)):
            elements = target.elements
            starred = any(isinstance(e, cst.StarredElement) for e in elements)
            if isinstance(value, Seq) and len(value.items) == len(elements) and not starred:
                for element, item in zip(elements, value.items, strict=True):
                    self.assign(element.value, item, frame)
            else:
                for element in elements:
                    self.assign(element.value, UNKNOWN, frame)
        elif isinstance(target, (cst.Attribute, cst.Subscript)) and self._mutates_layers(target):
            root = target
            while isinstance(root, (cst.Attribute, cst.Subscript)):
                root = root.value
            model = self.eval(root, frame)
            if isinstance(model, Model):
                # e.g. model.layers[-1].activation = None: the head is no longer known
                model.tail_uncertain = True
                model.outputs = UNKNOWN
        elif isinstance(target, cst.Attribute):
            base = self.eval(target.value, frame)
            obj = base.obj if isinstance(base, Model) and base.obj is not None else base
            if isinstance(obj, Object):
                obj.attrs[target.attr.value] = value
        elif isinstance(target, cst.StarredElement):
            self.assign(target.value, UNKNOWN, frame)

    @staticmethod
    def _mutates_layers(target: cst.BaseExpression) -> bool:
        node: cst.BaseExpression = target
        while isinstance(node, (cst.Attribute, cst.Subscript)):
            if isinstance(node, cst.Attribute) and node.attr.value in ("layers", "activation"):
                return True
            node = node.value
        return False

    def _truth(self, test: cst.BaseExpression, frame: Frame) -> bool | None:
        if isinstance(test, cst.Comparison) and _dotted(test.left) == "__name__":
            return True
        value = self.eval(test, frame)
        if isinstance(value, Const):
            return bool(value.value)
        return None

    # --- definitions -------------------------------------------------------------------

    def _make_function(self, node: cst.FunctionDef, frame: Frame, owner: Class | None) -> Function:
        defaults: dict[str, Value] = {}
        params = node.params
        for param in [*params.posonly_params, *params.params, *params.kwonly_params]:
            if param.default is not None:
                defaults[param.name.value] = self.eval(param.default, frame)
        closure = frame if frame.locals is not self.globals else None
        func = Function(node, defaults, owner, closure)
        self.functions.append(func)
        return func

    def _make_class(self, node: cst.ClassDef, frame: Frame) -> Class:
        kind = "plain"
        for base in node.bases:
            value = self.eval(base.value, frame)
            if isinstance(value, Ref):
                qname = N.canonical(value.qname)
                if qname in N.MODEL_CLASSES:
                    kind = "model"
                elif qname in N.LAYER_BASES or qname.startswith("keras.layers."):
                    kind = "layer" if kind == "plain" else kind
            elif isinstance(value, Class) and value.kind != "plain":
                kind = value.kind
        cls = Class(node, {}, kind)
        for base in node.bases:
            value = self.eval(base.value, frame)
            if isinstance(value, Class):
                cls.methods.update(value.methods)
        body_frame = Frame({}, parent=frame if frame.locals is not self.globals else None)
        for stmt in node.body.body:
            if isinstance(stmt, cst.FunctionDef):
                cls.methods[stmt.name.value] = self._make_function(stmt, frame, cls)
            elif isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, (cst.Assign, cst.AnnAssign)):
                        self.exec_small(small, body_frame)
        cls.attrs.update(body_frame.locals)
        self.classes.append(cls)
        return cls

    # --- calls into user code ----------------------------------------------------------

    def call_function(self, func: Function, args: Args, self_obj: Value | None = None) -> Value:
        key = id(func.node)
        if self.depth >= _MAX_CALL_DEPTH or self.runs.get(key, 0) >= _MAX_RUNS_PER_FUNCTION:
            return UNKNOWN
        self.runs[key] = self.runs.get(key, 0) + 1
        params = func.node.params
        local: dict[str, Value] = {}
        positional = [*params.posonly_params, *params.params]
        pos = list(args.pos)
        if self_obj is not None and positional:
            local[positional[0].name.value] = self_obj
            positional = positional[1:]
        for i, param in enumerate(positional):
            name = param.name.value
            if args.starred:
                local[name] = UNKNOWN
            elif i < len(pos):
                local[name] = pos[i]
            elif name in args.kw:
                local[name] = args.kw[name]
            else:
                local[name] = func.defaults.get(name, UNKNOWN)
        for param in params.kwonly_params:
            name = param.name.value
            local[name] = args.kw.get(name, func.defaults.get(name, UNKNOWN))
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                local[star.name.value] = UNKNOWN
        frame = Frame(local, parent=func.closure)
        self.depth += 1
        saved_cond = self.cond
        self.cond = 0 if self.depth == 1 and saved_cond == 0 else self.cond
        try:
            self.exec_block(func.node.body.body if hasattr(func.node.body, "body") else [], frame)
        finally:
            self.depth -= 1
            self.cond = saved_cond
        if not frame.returns:
            return Const(None)
        first = frame.returns[0]
        return first if all(_same(first, r) for r in frame.returns) else UNKNOWN

    def instantiate(self, cls: Class, args: Args) -> Value:
        obj = Object(cls, dict(cls.attrs))
        if cls.kind == "layer":
            init = cls.methods.get("__init__")
            if init is not None:
                self.call_function(init, args, self_obj=obj)
            return Layer(kind="custom", node=cls.node)
        init = cls.methods.get("__init__")
        if cls.kind == "model":
            model = Model(node=cls.node, ctx_depth=self.cond, obj=obj)
            self.models.append(model)
            if init is not None:
                self.call_function(init, args, self_obj=model)
            call = cls.methods.get("call")
            if call is not None:
                inp = Tensor(Head(None, Act.UNKNOWN))
                model.outputs = self.call_function(call, Args([inp], {}, [cls.node], {}), model)
            self.instances.setdefault(id(cls), model)
            return model
        if init is not None:
            self.call_function(init, args, self_obj=obj)
        self.instances.setdefault(id(cls), obj)
        return obj

    # --- expressions -------------------------------------------------------------------

    def lookup(self, name: str, frame: Frame) -> Value:
        f: Frame | None = frame
        while f is not None:
            if name in f.locals:
                return f.locals[name]
            f = f.parent
        if name in self.globals:
            return self.globals[name]
        if name in ("True", "False", "None"):
            return Const({"True": True, "False": False, "None": None}[name])
        if name == "enumerate":
            return Ref("builtins.enumerate")
        qname = N.BARE_NAMES.get(name)
        if qname is not None and not self._bound_anywhere(name):
            return Ref(qname)
        return UNKNOWN

    def _bound_anywhere(self, name: str) -> bool:
        if self._bound is None:
            self._bound = set()
            _collect_bound(self.module.body, self._bound)
        return name in self._bound

    def eval(self, node: cst.BaseExpression, frame: Frame) -> Value:
        if isinstance(node, cst.Name):
            return self.lookup(node.value, frame)
        if isinstance(node, cst.Attribute):
            return self.attribute(self.eval(node.value, frame), node.attr.value)
        if isinstance(node, cst.Call):
            return self.call(node, frame)
        if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
            value = node.evaluated_value
            return Const(value, node) if isinstance(value, str) else UNKNOWN
        if isinstance(node, cst.Integer):
            try:
                return Const(int(node.value.replace("_", ""), 0))
            except ValueError:
                return UNKNOWN
        if isinstance(node, cst.Float):
            try:
                return Const(float(node.value.replace("_", "")))
            except ValueError:
                return UNKNOWN
        if isinstance(node, (cst.List, cst.Tuple)):
            literal = _literal_array(node)
            if literal is not None:
                return literal
            items = []
            for element in node.elements:
                value = self.eval(element.value, frame)
                if isinstance(element, cst.StarredElement):
                    return UNKNOWN
                items.append(value)
            return Seq(items, node)
        if isinstance(node, cst.Dict):
            mapping: dict[str, Value] = {}
            known = True
            for element in node.elements:
                if isinstance(element, cst.DictElement):
                    key = self.eval(element.key, frame)
                    value = self.eval(element.value, frame)
                    if isinstance(key, Const) and isinstance(key.value, str):
                        mapping[key.value] = value
                        continue
                known = False
            return Mapping(mapping, node) if known else UNKNOWN
        if isinstance(node, cst.Subscript):
            return self.subscript(node, frame)
        if isinstance(node, cst.UnaryOperation):
            value = self.eval(node.expression, frame)
            if isinstance(node.operator, cst.Minus) and isinstance(value, Const):
                if isinstance(value.value, (int, float)) and not isinstance(value.value, bool):
                    return Const(-value.value)
            if isinstance(node.operator, cst.Not) and isinstance(value, Const):
                return Const(not value.value)
            return UNKNOWN
        if isinstance(node, cst.BinaryOperation):
            return _arith(node, self.eval(node.left, frame), self.eval(node.right, frame))
        if isinstance(node, cst.Comparison):
            self.eval(node.left, frame)
            for target in node.comparisons:
                self.eval(target.comparator, frame)
            return UNKNOWN
        if isinstance(node, cst.BooleanOperation):
            self.eval(node.left, frame)
            self.eval(node.right, frame)
            return UNKNOWN
        if isinstance(node, cst.IfExp):
            self.eval(node.test, frame)
            body = self.eval(node.body, frame)
            orelse = self.eval(node.orelse, frame)
            return body if _same(body, orelse) else UNKNOWN
        if isinstance(node, cst.Await):
            return self.eval(node.expression, frame)
        if isinstance(node, cst.NamedExpr):
            value = self.eval(node.value, frame)
            self.assign(node.target, value, frame)
            return value
        return UNKNOWN

    def subscript(self, node: cst.Subscript, frame: Frame) -> Value:
        base = self.eval(node.value, frame)
        index: Value = UNKNOWN
        if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
            index = self.eval(node.slice[0].slice.value, frame)
        if isinstance(base, Seq):
            i = _const_int(index)
            if i is not None and -len(base.items) <= i < len(base.items):
                return base.items[i]
            return UNKNOWN
        if isinstance(base, Mapping):
            if isinstance(index, Const) and isinstance(index.value, str):
                return base.items.get(index.value, UNKNOWN)
            return UNKNOWN
        if isinstance(base, Labels):
            # slicing samples keeps the encoding; selecting one column would not
            if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Slice):
                return base
        return UNKNOWN

    def attribute(self, base: Value, attr: str) -> Value:
        if isinstance(base, Ref):
            return Ref(f"{base.qname}.{attr}")
        if isinstance(base, Model):
            obj = base.obj
            if obj is not None:
                if attr in obj.attrs:
                    return obj.attrs[attr]
                method = obj.cls.methods.get(attr)
                if method is not None and attr not in ("call",):
                    return BoundMethod(base, method)  # type: ignore[arg-type]
            if attr in ("output", "outputs"):
                return self.model_output(base)
            return ModelMethod(base, attr)
        if isinstance(base, Object):
            if attr in base.attrs:
                return base.attrs[attr]
            method = base.cls.methods.get(attr)
            if method is not None:
                return BoundMethod(base, method)
            return UNKNOWN
        if isinstance(base, Class):
            if attr in base.attrs:
                return base.attrs[attr]
            return base.methods.get(attr, UNKNOWN)
        if isinstance(base, (Labels, Dataset, Instance)):
            return DatasetMethod(base, attr)
        if isinstance(base, Layer) and attr == "output" and base.model is not None:
            return self.model_output(base.model)
        return UNKNOWN

    def _args(self, node: cst.Call, frame: Frame) -> Args:
        args = Args([], {}, [], {})
        for arg in node.args:
            value = self.eval(arg.value, frame)
            if arg.keyword is not None:
                args.kw[arg.keyword.value] = value
                args.kw_nodes[arg.keyword.value] = arg
            elif arg.star:
                args.starred = True
            else:
                args.pos.append(value)
                args.pos_nodes.append(arg.value)
        return args

    def call(self, node: cst.Call, frame: Frame) -> Value:
        func = self.eval(node.func, frame)
        args = self._args(node, frame)
        if isinstance(func, Ref):
            return self.library_call(N.canonical(func.qname), node, args)
        if isinstance(func, Layer):
            return self.apply_layer(func, args.pos[0] if args.pos else UNKNOWN)
        if isinstance(func, Model):
            return self.model_output(func)
        if isinstance(func, ModelMethod):
            return self.model_method(func, node, args)
        if isinstance(func, Loss):
            self.loss_call(func.spec, args, node, y_true_index=0, y_pred_index=1)
            return UNKNOWN
        if isinstance(func, Function):
            return self.call_function(func, args)
        if isinstance(func, BoundMethod):
            return self.call_function(func.func, args, self_obj=func.obj)
        if isinstance(func, Class):
            return self.instantiate(func, args)
        if isinstance(func, DatasetMethod):
            return self.value_method(func, node, args)
        return UNKNOWN

    # --- library semantics -------------------------------------------------------------

    def library_call(self, q: str, node: cst.Call, args: Args) -> Value:
        if q == "keras.Sequential":
            return self.make_sequential(node, args)
        if q == "keras.Model":
            outputs = args.get("outputs", 1)
            if outputs is None:
                return UNKNOWN
            model = Model(node=node, outputs=outputs, ctx_depth=self.cond)
            self.models.append(model)
            return model
        if q == "keras.Input":
            return Tensor(Head(None, Act.UNKNOWN))
        if q.startswith("keras.layers."):
            return self.make_layer(q, node, args)
        if q == "tensorflow.layers.dense":
            layer = self.make_layer("keras.layers.Dense", node, _shift(args))
            return self.apply_layer(layer, args.get("inputs", 0) or UNKNOWN)
        if q in N.ACTIVATION_OPS:
            return self.activation_op(q, node, args)
        if q in N.LOSS_CLASSES:
            family, index = N.LOSS_CLASSES[q]
            return Loss(self._loss_spec(family, "class", q, node, args, index))
        if q in N.LOSS_FUNCTIONS:
            family, index = N.LOSS_FUNCTIONS[q]
            spec = self._loss_spec(family, "function", q, node, args, index)
            self.loss_call(spec, args, node, y_true_index=0, y_pred_index=1)
            return UNKNOWN
        if q in N.LOGITS_OPS:
            family, labels_kw, logits_kw = N.LOGITS_OPS[q]
            spec = LossSpec(family, True, "op", q.rsplit(".", 1)[1], node)
            self.loss_call(spec, args, node, 0, 1, labels_kw=labels_kw, logits_kw=logits_kw)
            return UNKNOWN
        if q in N.ONE_HOT_FUNCTIONS:
            keyword, index = N.ONE_HOT_FUNCTIONS[q]
            depth = _const_int(args.get(keyword, index))
            source = args.get("y", 0) or args.get("indices", 0)
            if depth is None and isinstance(source, Labels) and q.endswith("to_categorical"):
                depth = source.evidence.num_classes
            if depth is None and args.get(keyword, index) is not None:
                depth = None
            return Labels(LabelEvidence(LabelEncoding.ONE_HOT, depth, q.rsplit(".", 1)[1], node))
        if q.startswith("keras.datasets.") and q.endswith(".load_data"):
            return self.load_dataset(q, node, args)
        if q in N.DIRECTORY_DATASETS:
            return self.directory_dataset(q, node, args, "label_mode", "int")
        if q == "keras.preprocessing.image.ImageDataGenerator":
            return Instance(q)
        if q in (
            "tensorflow.data.Dataset.from_tensor_slices",
            "tensorflow.data.Dataset.from_tensors",
        ):
            data = args.get("tensors", 0)
            if isinstance(data, Seq) and len(data.items) == 2:
                labels = data.items[1]
                return Dataset(labels.evidence if isinstance(labels, Labels) else None)
            return UNKNOWN
        if q in ("numpy.argmax", "tensorflow.argmax", "keras.ops.argmax", "tensorflow.math.argmax"):
            source = args.get("a", 0) or args.get("input", 0) or args.get("x", 0)
            if isinstance(source, Labels) and source.evidence.encoding is LabelEncoding.ONE_HOT:
                ev = source.evidence
                return Labels(LabelEvidence(LabelEncoding.INTEGER, ev.num_classes, "argmax", node))
            return UNKNOWN
        if q in (
            "numpy.array",
            "numpy.asarray",
            "numpy.squeeze",
            "tensorflow.convert_to_tensor",
            "tensorflow.constant",
            "tensorflow.squeeze",
            "tensorflow.cast",
            "keras.ops.convert_to_tensor",
        ):
            source = args.get("a", 0) or args.get("value", 0) or args.get("x", 0)
            if isinstance(source, (Labels, LiteralArray)):
                return source
            return UNKNOWN
        if q == "keras.metrics.BinaryAccuracy":
            threshold = args.get("threshold", 2)
            value = (
                threshold.value
                if isinstance(threshold, Const)
                else (None if threshold is None else -1.0)
            )
            return Metric(
                "BinaryAccuracy", value if isinstance(value, (int, float)) else None, node
            )
        if q == "builtins.enumerate":
            return Enumerated(args.pos[0] if args.pos else UNKNOWN)
        return UNKNOWN

    def load_dataset(self, q: str, node: cst.Call, args: Args) -> Value:
        name = q.split(".")[2]
        classes = N.DATASET_CLASSES.get(name)
        if classes is None:
            return UNKNOWN
        if name == "cifar100":
            mode = args.get("label_mode", 0)
            if isinstance(mode, Const) and mode.value == "coarse":
                classes = 20
            elif mode is not None and not (isinstance(mode, Const) and mode.value == "fine"):
                return UNKNOWN
        encoding = LabelEncoding.INTEGER
        source = f"{name}.load_data()"

        def labels() -> Labels:
            return Labels(LabelEvidence(encoding, classes, source, node))

        return Seq([Seq([UNKNOWN, labels()]), Seq([UNKNOWN, labels()])])

    def directory_dataset(
        self, q: str, node: cst.Call, args: Args, keyword: str, default: str
    ) -> Value:
        mode = args.get(keyword)
        mode_name = (
            default if mode is None else (mode.value if isinstance(mode, Const) else UNKNOWN)
        )
        if mode_name is UNKNOWN:
            return UNKNOWN
        encoding = N.LABEL_MODES.get(mode_name) if isinstance(mode_name, str) else None
        if encoding is None:
            return Dataset(None)
        shown = f"{keyword}={mode_name!r}" + ("" if mode is not None else " (the default)")
        return Dataset(LabelEvidence(encoding, None, shown, node))

    def value_method(self, method: DatasetMethod, node: cst.Call, args: Args) -> Value:
        target, name = method.target, method.name
        if isinstance(target, Instance) and name in ("flow_from_directory", "flow_from_dataframe"):
            return self.directory_dataset(name, node, args, "class_mode", "categorical")
        if isinstance(target, Instance) and name == "flow":
            labels = args.get("y", 1)
            return Dataset(labels.evidence if isinstance(labels, Labels) else None)
        if isinstance(target, Dataset) and name in N.DATASET_METHODS_KEEP:
            return target
        if isinstance(target, Labels) and name in N.ARRAY_METHODS_KEEP:
            return target
        if isinstance(target, Labels) and name == "argmax":
            ev = target.evidence
            if ev.encoding is LabelEncoding.ONE_HOT:
                return Labels(LabelEvidence(LabelEncoding.INTEGER, ev.num_classes, "argmax", node))
        return UNKNOWN

    def _loss_spec(
        self, family: LossFamily, form: str, q: str, node: cst.CSTNode, args: Args, index: int
    ) -> LossSpec:
        value = args.get("from_logits", index)
        from_logits: bool | None
        if value is None:
            from_logits = False
        else:
            from_logits = _const_bool(value)
        return LossSpec(
            family, from_logits, form, q.rsplit(".", 1)[1], node, args.node("from_logits", index)
        )

    def loss_call(
        self,
        spec: LossSpec,
        args: Args,
        node: cst.Call,
        y_true_index: int,
        y_pred_index: int,
        labels_kw: str = "y_true",
        logits_kw: str = "y_pred",
    ) -> None:
        y_true = args.get(labels_kw) or args.get("target") or args.get("y_true")
        if y_true is None:
            y_true = args.get("__none__", y_true_index)
        y_pred = args.get(logits_kw) or args.get("output") or args.get("y_pred")
        if y_pred is None:
            y_pred = args.get("__none__", y_pred_index)
        head = _head_of(y_pred)
        if head is None:
            return
        labels = _labels_of(y_true)
        self.bindings.append(Binding(head, spec, "call", labels, (), node))

    def make_sequential(self, node: cst.Call, args: Args) -> Value:
        model = Model(node=node, sequential=True, ctx_depth=self.cond)
        model.current = Tensor(Head(None, Act.UNKNOWN))
        self.models.append(model)
        layers = args.get("layers", 0)
        if isinstance(layers, Seq):
            for layer in layers.items:
                self._sequential_add(model, layer)
        elif layers is not None and not (isinstance(layers, Const) and layers.value is None):
            model.current = UNKNOWN
            model.tail_uncertain = True
        return model

    def _sequential_add(self, model: Model, layer: Value) -> None:
        if isinstance(layer, Tensor) and layer.head.activation is Act.UNKNOWN:
            return  # keras.Input(...) as first element
        if isinstance(layer, Model):
            model.current = self.model_output(layer)
            return
        if isinstance(layer, Layer):
            model.current = self.apply_layer(layer, model.current)
        else:
            model.current = UNKNOWN

    def make_layer(self, q: str, node: cst.Call, args: Args) -> Value:
        kind = q
        name_value = args.get("name")
        name = (
            name_value.value
            if isinstance(name_value, Const) and isinstance(name_value.value, str)
            else None
        )
        if q in N.UNITS_LAYERS:
            units_kw, act_index = N.UNITS_LAYERS[q]
            units_value = args.get(units_kw, 0)
            units = _const_int(units_value)
            act_value = args.get("activation", act_index)
            act_node = args.node("activation", act_index)
            act = _activation(act_value)
            layer = Layer(
                kind, node, units, act, act_node if act_node is not None else node,
                args.node(units_kw, 0), name,
            )  # fmt: skip
            fmt = args.get("data_format")
            over_last = not (isinstance(fmt, Const) and fmt.value == "channels_first")
            if fmt is not None and not isinstance(fmt, Const):
                over_last = None
            if act in (Act.SOFTMAX, Act.SIGMOID):
                self.sites.append(
                    ActivationSite(act, Act.LINEAR, units, over_last, layer.activation_anchor)
                )
            return layer
        if q in N.RECURRENT_LAYERS:
            return Layer(kind, node, _const_int(args.get("units", 0)), Act.OTHER, node, None, name)
        if q == "keras.layers.Activation":
            act = _activation(args.get("activation", 0))
            return Layer(kind, node, name=name, applies=act, over_last_axis=True)
        if q == "keras.layers.Softmax":
            axis = args.get("axis", 0)
            if axis is None:
                over: bool | None = True
            else:
                i = _const_int(axis)
                over = None if i is None else i == -1
            return Layer(kind, node, name=name, applies=Act.SOFTMAX, over_last_axis=over)
        if q == "keras.layers.TimeDistributed":
            inner = args.get("layer", 0)
            return inner if isinstance(inner, Layer) else Layer(kind, node, name=name)
        if q in N.OTHER_ACTIVATION_LAYERS:
            return Layer(kind, node, name=name, applies=Act.OTHER, over_last_axis=True)
        if q in N.PASSTHROUGH_LAYERS:
            return Layer(kind, node, name=name, passthrough=True)
        return Layer(kind, node, name=name)

    def apply_layer(self, layer: Layer | Value, inp: Value) -> Value:
        if isinstance(layer, Model):
            return self.model_output(layer)
        if not isinstance(layer, Layer):
            return UNKNOWN
        if layer.model is not None:
            return self.model_output(layer.model)
        if layer.passthrough:
            return inp if isinstance(inp, Tensor) else UNKNOWN
        short = layer.kind.rsplit(".", 1)[-1]
        if layer.applies is Act.LINEAR:
            return inp  # Activation("linear") / Activation(None) is the identity
        if layer.applies is not None:
            head = inp.head if isinstance(inp, Tensor) else Head(None, Act.UNKNOWN)
            over = layer.over_last_axis
            if layer.applies in (Act.SOFTMAX, Act.SIGMOID):
                self.sites.append(
                    ActivationSite(
                        layer.applies,
                        head.activation,
                        head.units if over else None,
                        over,
                        layer.node,
                        head.activation_anchor,
                    )
                )
            act = layer.applies if over else (Act.OTHER if over is False else Act.UNKNOWN)
            return Tensor(
                Head(head.units, act, short, layer.name or head.name, layer.node, layer.node,
                     head.units_anchor)
            )  # fmt: skip
        if layer.kind in N.UNITS_LAYERS or layer.kind in N.RECURRENT_LAYERS:
            return Tensor(
                Head(layer.units, layer.activation, short, layer.name, layer.node,
                     layer.activation_anchor, layer.units_anchor)
            )  # fmt: skip
        return Tensor(Head(None, Act.UNKNOWN, short, layer.name, layer.node))

    def activation_op(self, q: str, node: cst.Call, args: Args) -> Value:
        applied = N.ACTIVATION_OPS[q]
        inp = args.get("logits", 0) or args.get("x", 0) or args.get("features", 0)
        axis = args.get("axis") or args.get("dim")
        if axis is None and len(args.pos) > 1:
            axis = args.pos[1]
        over: bool | None = (
            True
            if axis is None
            else (_const_int(axis) == -1 if _const_int(axis) is not None else None)
        )
        head = _head_of(inp) or Head(None, Act.UNKNOWN)
        if applied in (Act.SOFTMAX, Act.SIGMOID):
            self.sites.append(
                ActivationSite(applied, head.activation, head.units if over else None, over, node,
                               head.activation_anchor)
            )  # fmt: skip
        act = applied if over else (Act.OTHER if over is False else Act.UNKNOWN)
        return Tensor(Head(head.units, act, q, head.name, node, node, head.units_anchor))

    def model_output(self, model: Model) -> Value:
        if model.sequential:
            return UNKNOWN if model.tail_uncertain else model.current
        return model.outputs

    def model_method(self, method: ModelMethod, node: cst.Call, args: Args) -> Value:
        model, name = method.model, method.name
        if name == "add" and model.sequential:
            layer = args.get("layer", 0)
            self._sequential_add(model, layer if layer is not None else UNKNOWN)
            model.tail_uncertain = self.cond > model.ctx_depth
            return Const(None)
        if name == "compile":
            loss = args.get("loss", 1)
            metrics = args.get("metrics")
            if metrics is None and len(args.pos) > 2 and isinstance(args.pos[2], Seq):
                metrics = args.pos[2]
            if loss is not None:
                loss_node = args.node("loss", 1)
                model.compiles.append((loss, metrics or UNKNOWN, loss_node or node))
            return Const(None)
        if name in ("fit", "fit_generator", "train_on_batch"):
            y = args.get("y", 1)
            if y is None or (isinstance(y, Const) and y.value is None):
                x = args.get("x", 0) or args.get("generator", 0)
                y = x if isinstance(x, Dataset) else UNKNOWN
            if model.compiles:
                model.fits.append((len(model.compiles) - 1, y))
            return UNKNOWN
        if name in ("__call__", "call"):
            return self.model_output(model)
        return UNKNOWN

    def _element(self, iterable: Value) -> Value:
        if isinstance(iterable, Dataset):
            if iterable.labels is None:
                return UNKNOWN
            return Seq([UNKNOWN, Labels(iterable.labels)])
        if isinstance(iterable, Enumerated):
            return Seq([UNKNOWN, self._element(iterable.inner)])
        return UNKNOWN

    # --- compile bindings --------------------------------------------------------------

    def _finalize_model(self, model: Model) -> None:
        if not model.compiles or self._compiled_loss_unused(model):
            return
        outputs = self.model_output(model)
        heads = _heads(outputs)
        if not heads:
            return
        for number, (loss_value, metrics_value, loss_node) in enumerate(model.compiles):
            label_sets = [y for i, y in model.fits if i == number and not isinstance(y, Const)]
            label_sets = label_sets or [UNKNOWN]
            for index, (key, head) in enumerate(heads):
                loss = _pick(loss_value, key, index, len(heads))
                spec = self.as_loss(loss, loss_node, head)
                if spec is None or head is None:
                    continue
                metrics = _metrics(_pick(metrics_value, key, index, len(heads)))
                seen: set[int] = set()
                for y in label_sets:
                    labels = _labels_of(_pick(y, key, index, len(heads)))
                    marker = id(labels.anchor) if labels else 0
                    if marker in seen:
                        continue
                    seen.add(marker)
                    self.bindings.append(Binding(head, spec, "compile", labels, metrics, loss_node))

    def _compiled_loss_unused(self, model: Model) -> bool:
        """A subclassed model whose own train_step never uses the compiled loss."""
        if model.obj is None:
            return False
        step = model.obj.cls.methods.get("train_step")
        if step is None:
            return False
        code = self.module.code_for_node(step.node)
        return re.search(r"compiled_loss|compute_loss|self\.loss\b(?!_)", code) is None

    def as_loss(self, value: Value | None, node: cst.CSTNode, head: Head | None) -> LossSpec | None:
        if isinstance(value, Loss):
            return value.spec
        if isinstance(value, Const) and isinstance(value.value, str):
            family = N.LOSS_STRINGS.get(value.value)
            anchor = value.node or (node.value if isinstance(node, cst.Arg) else node)
            if family is not None:
                return LossSpec(family, False, "string", value.value, anchor)
            return None
        if isinstance(value, Ref):
            q = N.canonical(value.qname)
            if q in N.LOSS_FUNCTIONS:
                anchor = node.value if isinstance(node, cst.Arg) else node
                return LossSpec(
                    N.LOSS_FUNCTIONS[q][0], False, "function", q.rsplit(".", 1)[1], anchor
                )
            return None
        if isinstance(value, Function) and head is not None:
            # a custom loss: follow it with the head as y_pred, to see what it applies
            self.call_function(value, Args([UNKNOWN, Tensor(head)], {}, [], {}))
            return None
        return None


# --- helpers -----------------------------------------------------------------------------


def _collect_bound(body: Any, out: set[str]) -> None:
    """Names that statements anywhere in the module bind (assignments, defs, imports...)."""
    for stmt in body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Assign):
                    for target in small.targets:
                        _target_names(target.target, out)
                elif isinstance(small, (cst.AnnAssign, cst.AugAssign)):
                    _target_names(small.target, out)
                elif isinstance(small, (cst.Import, cst.ImportFrom)):
                    names = small.names
                    if isinstance(names, cst.ImportStar):
                        continue
                    for alias in names:
                        bound = alias.asname.name if alias.asname else alias.name
                        dotted = _dotted(bound) if isinstance(bound, cst.BaseExpression) else None
                        if dotted:
                            out.add(dotted.split(".", 1)[0])
                elif isinstance(small, (cst.Global, cst.Nonlocal)):
                    out.update(n.name.value for n in small.names)
            continue
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            out.add(stmt.name.value)
        if isinstance(stmt, cst.FunctionDef):
            params = stmt.params
            for param in [*params.posonly_params, *params.params, *params.kwonly_params]:
                out.add(param.name.value)
        if isinstance(stmt, cst.For):
            _target_names(stmt.target, out)
        if isinstance(stmt, cst.With):
            for item in stmt.items:
                if item.asname is not None:
                    _target_names(item.asname.name, out)
        if isinstance(stmt, cst.Try):
            for handler in stmt.handlers:
                if handler.name is not None:
                    _target_names(handler.name.name, out)
                _collect_bound(handler.body.body, out)
        for part in ("body", "orelse", "finalbody"):
            block = getattr(stmt, part, None)
            if isinstance(block, cst.If):
                _collect_bound([block], out)
            elif block is not None and hasattr(block, "body"):
                inner = block.body
                if hasattr(inner, "body"):  # Else/Finally wrap an IndentedBlock
                    inner = inner.body
                if isinstance(inner, (list, tuple)):
                    _collect_bound(inner, out)


def _target_names(target: cst.BaseExpression, out: set[str]) -> None:
    if isinstance(target, cst.Name):
        out.add(target.value)
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            _target_names(element.value, out)
    elif isinstance(target, cst.StarredElement):
        _target_names(target.value, out)


def _same(a: Any, b: Any) -> bool:
    if a is b:
        return True
    if isinstance(a, Ref) and isinstance(b, Ref):
        return N.canonical(a.qname) == N.canonical(b.qname)
    if isinstance(a, Const) and isinstance(b, Const):
        return type(a.value) is type(b.value) and a.value == b.value
    return False


def _shift(args: Args) -> Args:
    """tf.layers.dense(inputs, units, ...) -> the Dense(units, ...) argument layout."""
    return Args(args.pos[1:], args.kw, args.pos_nodes[1:], args.kw_nodes, args.starred)


def _activation(value: Value | None) -> Act:
    if value is None:
        return Act.LINEAR
    if isinstance(value, Const):
        if value.value is None:
            return Act.LINEAR
        if isinstance(value.value, str):
            name = value.value.lower()
            if name in N.ACTIVATION_STRINGS:
                return N.ACTIVATION_STRINGS[name]
            if name in N.OTHER_ACTIVATION_STRINGS:
                return Act.OTHER
        return Act.UNKNOWN
    if isinstance(value, Ref):
        return N.ACTIVATION_FUNCTIONS.get(N.canonical(value.qname), Act.UNKNOWN)
    return Act.UNKNOWN


def _literal_array(node: cst.List | cst.Tuple) -> LiteralArray | None:
    rows: list[list[float]] = []
    flat: list[float] = []
    is_2d: bool | None = None
    for element in node.elements:
        value = element.value
        if isinstance(value, (cst.List, cst.Tuple)):
            if is_2d is False:
                return None
            is_2d = True
            row = [_number(e.value) for e in value.elements]
            if not row or any(x is None for x in row):
                return None
            rows.append(row)  # type: ignore[arg-type]
            flat.extend(row)  # type: ignore[arg-type]
        else:
            number = _number(value)
            if number is None or is_2d:
                return None
            is_2d = False
            flat.append(number)
    if not flat:
        return None
    return LiteralArray(rows if is_2d else None, flat, node)


def _number(node: cst.BaseExpression) -> float | None:
    sign = 1.0
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        sign, node = -1.0, node.expression
    if isinstance(node, cst.Integer):
        try:
            return sign * int(node.value.replace("_", ""), 0)
        except ValueError:
            return None
    if isinstance(node, cst.Float):
        try:
            return sign * float(node.value.replace("_", ""))
        except ValueError:
            return None
    return None


def _arith(node: cst.BinaryOperation, left: Value, right: Value) -> Value:
    if not (isinstance(left, Const) and isinstance(right, Const)):
        return UNKNOWN
    a, b = left.value, right.value
    if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (a, b)):
        return UNKNOWN
    op = node.operator
    try:
        if isinstance(op, cst.Add):
            return Const(a + b)
        if isinstance(op, cst.Subtract):
            return Const(a - b)
        if isinstance(op, cst.Multiply):
            return Const(a * b)
        if isinstance(op, cst.FloorDivide):
            return Const(a // b)
    except (ZeroDivisionError, OverflowError):
        return UNKNOWN
    return UNKNOWN


def _head_of(value: Value | None) -> Head | None:
    if isinstance(value, Tensor):
        return value.head
    if isinstance(value, LiteralArray):
        units = len(value.rows[0]) if value.rows else None
        raw = any(x < 0 or x > 1 for x in value.flat)
        return Head(units, Act.LINEAR if raw else Act.UNKNOWN, "literal", None, value.node)
    return None


def _labels_of(value: Value | None) -> LabelEvidence | None:
    if isinstance(value, Labels):
        return value.evidence
    if isinstance(value, Dataset):
        return value.labels
    if isinstance(value, LiteralArray):
        if value.rows is None:
            if all(float(x).is_integer() and x >= 0 for x in value.flat):
                return LabelEvidence(LabelEncoding.INTEGER, None, "integer literal", value.node)
            return None
        width = len(value.rows[0])
        if width > 1 and all(
            len(r) == width and sorted(r) == [0] * (width - 1) + [1] for r in value.rows
        ):
            return LabelEvidence(LabelEncoding.ONE_HOT, width, "one-hot literal", value.node)
    return None


def _heads(outputs: Value) -> list[tuple[str | None, Head | None]]:
    if isinstance(outputs, Tensor):
        return [(outputs.head.name, outputs.head)]
    if isinstance(outputs, Seq):
        return [
            (item.head.name, item.head) if isinstance(item, Tensor) else (None, None)
            for item in outputs.items
        ]
    if isinstance(outputs, Mapping):
        return [
            (key, item.head if isinstance(item, Tensor) else None)
            for key, item in outputs.items.items()
        ]
    return []


def _pick(value: Value | None, key: str | None, index: int, count: int) -> Value | None:
    """The part of a per-output argument (loss, metrics, labels) meant for one output."""
    if isinstance(value, Mapping):
        if key is None:
            return None
        return value.items.get(key)
    if isinstance(value, Seq) and count > 1:
        if len(value.items) == count:
            return value.items[index]
        return None
    return value


def _metrics(value: Value | None) -> tuple[MetricSpec, ...]:
    items: list[Value]
    if isinstance(value, Seq):
        items = value.items
    elif value is None:
        return ()
    else:
        items = [value]
    specs: list[MetricSpec] = []
    for item in items:
        if isinstance(item, Const) and isinstance(item.value, str):
            if item.value in N.ACCURACY_STRINGS:
                specs.append(MetricSpec(item.value, None, item.node))
        elif isinstance(item, Metric):
            specs.append(MetricSpec(item.spelling, item.threshold, item.node))
        elif isinstance(item, Ref) and N.canonical(item.qname) == "keras.metrics.binary_accuracy":
            specs.append(MetricSpec("binary_accuracy", None, None))
    return tuple(specs)
