"""A small abstract interpreter over a LibCST module that collects facts.

It walks statements in order (no generic visitor: that costs as much as the parse), keeps
an environment of abstract values per frame, follows user functions and classes, and
records facts (:mod:`xentlint.facts`) as losses meet model outputs. Branches are
interpreted one after the other and their environments joined: a name bound to different
values on two paths becomes UNKNOWN, so nothing is reported from a guess.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
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
)
from xentlint.knowledge.labels import ARRAY_ATTRIBUTES_KEEP, UNKNOWN_RECEIVER_METHODS
from xentlint.knowledge.layers import LAYER_BASES
from xentlint.knowledge.models import MODEL_BASES
from xentlint.knowledge.names import canonical
from xentlint.knowledge.snippets import BARE_NAMES
from xentlint.modules import UNKNOWN as UNKNOWN_MODULE
from xentlint.static import lists
from xentlint.static.bound_names import collect_bound
from xentlint.static.expectations import expects_misuse
from xentlint.static.frames import Args, Frame, const_int, dotted
from xentlint.static.handwritten import Algebra
from xentlint.static.imports import (
    MAX_IMPORT_DEPTH,
    Clones,
    ForeignModule,
    Imports,
    Lazy,
    ModuleScope,
    ModuleValue,
    public_names,
)
from xentlint.static.keras_semantics import KerasSemantics, literal_array, plain_labels
from xentlint.static.label_semantics import LabelSemantics
from xentlint.static.values import (
    UNKNOWN,
    BoundMethod,
    Class,
    Const,
    Dataset,
    DatasetMethod,
    Function,
    IdentityMatrix,
    Instance,
    Labels,
    LambdaFunction,
    Layer,
    LiteralArray,
    Loss,
    Mapping,
    Model,
    ModelMethod,
    Object,
    Placeholder,
    Record,
    RecordMethod,
    Ref,
    Seq,
    SeqMethod,
    Tensor,
    Value,
)

_MAX_CALL_DEPTH = 12
_MAX_RUNS_PER_FUNCTION = 8
_MISSING = object()
#: Constants ``==`` compares as the program would (see Interpreter._compared).
_COMPARABLE = (str, int, float, type(None))
#: ``model.<part> = ...`` (or ``model.layers[-1].activation = ...``) changes the outputs
_MODEL_PARTS = frozenset({"layers", "activation", "outputs", "output"})
#: ``model.layers.pop()``: methods of the layer list that change it
_LIST_MUTATIONS = frozenset({"pop", "append", "extend", "insert", "remove", "clear"})


class Interpreter(LabelSemantics, KerasSemantics):
    def __init__(
        self,
        module: cst.Module,
        source: str,
        *,
        imports: Imports | None = None,
        path: str | None = None,
        main: bool = True,
    ) -> None:
        self.module = module
        self.source = source
        # the module being run, and the one whose code runs now (a function of an imported
        # module runs with that module's globals)
        self.root = ModuleScope(module, {}, path, main)
        self.scope = self.root
        self.imports = imports
        self.clones = Clones(self.models_append) if imports is not None else None
        #: id(fact or model) -> the call of this module that made it in an imported one
        self.entries: dict[int, cst.CSTNode] = {}
        self.forced: dict[int, tuple[Lazy, Value]] = {}  # id(lazy name) -> its value here
        self.forcing = 0
        self.bindings: list[Binding] = []
        self.sites: list[ActivationSite] = []
        self.models: list[Model] = []
        self.functions: list[Function] = []
        self.runs: dict[int, int] = {}
        self.classes: list[Class] = []
        self.instances: dict[int, Value] = {}
        self.depth = 0
        self.cond = 0
        self.guessing = False
        # the top-level statement each evaluated node sits in: positions are then computed
        # for those statements only (see analyze._anchor_positions)
        self.top: cst.CSTNode | None = None
        self.owners: dict[cst.CSTNode, cst.CSTNode | None] = {}
        self.frame: Frame | None = None  # the frame of the library call being evaluated
        self.calls: list[tuple[cst.CSTNode, Args]] = []  # calls into user functions
        self.algebra = Algebra(self.calls)  # hand-written losses and linear outputs
        self.pending: list[Any] = []
        self.mutated_names: dict[str, bool] = {}
        self.expecting = 0
        # branches taken because their condition was decided: (condition, its value)
        self.decided: list[tuple[cst.BaseExpression, bool]] = []

    @property
    def globals(self) -> dict[str, Value]:
        return self.scope.globals

    def models_append(self, model: Model) -> None:
        self.models.append(model)

    # --- driver ------------------------------------------------------------------------

    def run(self) -> Facts:
        self.evaluate()
        self._run_uncalled()
        self.resolve_placeholders(plain_labels)
        for model in self.models:
            made = len(self.bindings)
            self._finalize_model(model)
            entry = self.entries.get(id(model))
            compiled_by = {  # loss node -> the call into another module that compiled it
                id(c[2]): self.entries[id(c)] for c in model.compiles if id(c) in self.entries
            }
            for binding in self.bindings[made:]:
                where = compiled_by.get(id(binding.anchor), entry)
                if where is not None:
                    self.entries.setdefault(id(binding), where)
        self.bindings.extend(self.algebra.bindings())
        checked = self.algebra.with_thresholds(self.bindings)
        for before, after in zip(self.bindings, checked, strict=True):
            if after is not before and id(before) in self.entries:
                self.entries[id(after)] = self.entries[id(before)]
        self.bindings = checked
        return Facts(tuple(self.bindings), tuple(self.sites))

    def evaluate(self) -> ModuleScope:
        """Run the module's top level only (an imported module: its namespace)."""
        frame = Frame(self.globals)
        for stmt in self.module.body:
            self.top = stmt
            self.exec_block((stmt,), frame)
        return self.root

    def _run_uncalled(self) -> None:
        # Functions and methods nobody called still build and compile models: run them
        # once with unknown arguments.
        seen = 0
        self.guessing = True
        while seen < len(self.functions) or any(id(c) not in self.instances for c in self.classes):
            for cls in list(self.classes):
                if id(cls) not in self.instances:
                    self.instances[id(cls)] = UNKNOWN
                    self.instances[id(cls)] = self.instantiate(cls, Args([], {}, [], {}))
            pending = self.functions[seen:]
            seen = len(self.functions)
            for func in pending:
                if func.scope is not self.root:
                    continue  # defined while running an imported module's function
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
        for i, stmt in enumerate(body):
            try:
                # type() is: isinstance on a LibCST class goes through ABCMeta (hot loop)
                if type(stmt) is cst.With and expects_misuse(stmt, body[i + 1 :], self, frame):
                    self._exec_expecting(stmt, frame)
                else:
                    self.exec_stmt(stmt, frame)
            except RecursionError:
                continue

    def _exec_expecting(self, stmt: cst.With, frame: Frame) -> None:
        """A block that misuses a loss on purpose (to test a warning or an error): run it
        for its bindings of names, keep none of the facts it produces."""
        marks = len(self.bindings), len(self.sites), len(self.pending)
        self.expecting += 1
        try:
            self.exec_stmt(stmt, frame)
        finally:
            self.expecting -= 1
            del self.bindings[marks[0] :]
            del self.sites[marks[1] :]
            del self.pending[marks[2] :]

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
                self.eval(item.item, frame)
                if item.asname is not None:  # `with tf.GradientTape() as tape`: not modelled
                    self.assign(item.asname.name, UNKNOWN, frame)
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
            value = self.eval(small.value, frame)
            target = self.eval(small.target, frame) if isinstance(small.target, cst.Name) else None
            if isinstance(small.operator, cst.AddAssign) and isinstance(target, Seq):
                if isinstance(target.node, cst.Tuple):  # a new tuple
                    self.assign(small.target, lists.concatenate(target, value, self.cond), frame)
                else:  # list += iterable: extends the list in place
                    lists.call_method(target, "extend", Args([value], {}, [], {}), self.cond)
                return
            self.assign(small.target, UNKNOWN, frame)
        elif isinstance(small, cst.Return):
            frame.returns.append(
                Const(None) if small.value is None else self.eval(small.value, frame)
            )
        elif isinstance(small, cst.Import):
            for alias in small.names:
                full = dotted(alias.name)
                if full is None:
                    continue
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    found = self._project_module(0, full)
                    frame.locals[alias.asname.name.value] = Ref(full) if found is None else found
                else:
                    top = full.split(".", 1)[0]
                    found = self._project_module(0, top)
                    frame.locals[top] = Ref(top) if found is None else found
        elif isinstance(small, cst.ImportFrom):
            self._import_from(small, frame)
        elif isinstance(small, cst.Del):
            pass

    def _project_module(self, level: int, name: str) -> Value | None:
        """What an import of a project module binds (a name evaluated when used); None:
        not a project module."""
        if self.imports is None:
            return None
        found = self.imports.find(self.scope.path, level, name)
        if found is None:
            return None
        if found.kind == UNKNOWN_MODULE or self.imports.in_cycle(found):
            return UNKNOWN
        if self.imports.closes_cycle(self.scope.path, found.path, self.scope.foreign):
            return UNKNOWN
        return Lazy(self.scope.path, level, name)

    def force(self, value: Value) -> Value:
        """The value of a lazily imported name (the module is evaluated now, once)."""
        if not isinstance(value, Lazy):
            return value
        known = self.forced.get(id(value))
        if known is not None:
            return known[1]
        result: Value = UNKNOWN
        self.forcing += 1  # a name re-exported through a chain of modules: bounded
        try:
            if self.imports is not None and self.forcing <= MAX_IMPORT_DEPTH:
                result = self._forced(value)
        finally:
            self.forcing -= 1
        self.forced[id(value)] = (value, result)
        return result

    def _forced(self, value: Lazy) -> Value:
        result: Value = UNKNOWN
        if self.imports is not None:
            found = self.imports.module(value.importer, value.level, value.name)
            if found is not None:
                module = self._local(found)
                if value.attr is None:
                    result = module
                elif isinstance(module, ModuleValue):
                    result = self.module_attribute(module, value.attr)
        return result

    def _local(self, value: Value) -> Value:
        """This analysis' copy of a value of an imported module."""
        if self.clones is None:
            return value
        return self.clones.value(value)

    def module_attribute(self, module: ModuleValue, attr: str) -> Value:
        """``module.attr``: a name the module binds, else its submodule ``attr``."""
        if module.scope is not None and attr in module.scope.globals:
            return self.force(module.scope.globals[attr])
        if self.imports is None:
            return UNKNOWN
        name = f"{module.name}.{attr}" if module.name else attr
        found = self.imports.module(module.importer, module.level, name)
        return UNKNOWN if found is None else self._local(found)

    def _import_from(self, node: cst.ImportFrom, frame: Frame) -> None:
        level = len(node.relative)
        module_name = dotted(node.module) if node.module is not None else ""
        if self.imports is not None and (level or module_name) and module_name is not None:
            found = self._project_module(level, module_name)
            if found is not None:
                self._bind_from(node, found, frame)
                return
        if node.relative or node.module is None:
            if isinstance(node.names, cst.ImportStar):
                return
            for alias in node.names:
                name = alias.asname.name if alias.asname else alias.name
                if isinstance(name, cst.Name):
                    frame.locals[name.value] = UNKNOWN
            return
        module = dotted(node.module)
        if module is None or isinstance(node.names, cst.ImportStar):
            return
        for alias in node.names:
            base = dotted(alias.name)
            if base is None:
                continue
            target = alias.asname.name if alias.asname else alias.name
            if isinstance(target, cst.Name):
                frame.locals[target.value] = Ref(f"{module}.{base}")

    def _bind_from(self, node: cst.ImportFrom, module: Value, frame: Frame) -> None:
        if isinstance(node.names, cst.ImportStar):
            module = self.force(module)  # the names are those the module binds: evaluate it
            if isinstance(module, ModuleValue) and module.scope is not None:
                for name in public_names(module.scope):
                    frame.locals[name] = module.scope.globals.get(name, UNKNOWN)
            return
        for alias in node.names:
            target = alias.asname.name if alias.asname else alias.name
            if not isinstance(target, cst.Name) or not isinstance(alias.name, cst.Name):
                continue
            if isinstance(module, Lazy):
                lazy = Lazy(module.importer, module.level, module.name, alias.name.value)
                frame.locals[target.value] = lazy
            else:
                frame.locals[target.value] = UNKNOWN

    def exec_if(self, stmt: cst.If, frame: Frame) -> None:
        test = self._truth(stmt.test, frame)
        orelse = stmt.orelse
        if test is True:
            with self._decided(stmt.test, True):
                self.exec_block(stmt.body.body, frame)
            return
        if test is False:
            with self._decided(stmt.test, False):
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

    @contextmanager
    def _decided(self, test: cst.BaseExpression, taken: bool) -> Iterator[None]:
        """Inside a branch whose condition was decided (by an argument, a constant)."""
        if isinstance(test, cst.Comparison) and dotted(test.left) == "__name__":
            yield
            return
        self.decided.append((test, taken))
        try:
            yield
        finally:
            self.decided.pop()

    def current_branch(self) -> tuple[str, cst.CSTNode] | None:
        """The innermost decided condition in force: ``(its text, its node)``."""
        if not self.decided:
            return None
        test, taken = self.decided[-1]
        code = self.module.code_for_node(test)
        if len(code) > 60 or "\n" in code:
            code = code[:57].split("\n", 1)[0] + "..."
        code = code.replace("{", "(").replace("}", ")").replace("`", "'")  # message-safe
        return (code if taken else f"not ({code})"), test

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
            same_length = isinstance(value, Seq) and len(value.items) == len(elements)
            if same_length and not value.open_start and not starred:  # type: ignore[union-attr]
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
            if isinstance(node, cst.Attribute) and node.attr.value in _MODEL_PARTS:
                return True
            node = node.value
        return False

    def _truth(self, test: cst.BaseExpression, frame: Frame) -> bool | None:
        if isinstance(test, cst.Comparison) and dotted(test.left) == "__name__":
            return True if self.scope.main else _imported_name_test(test)
        if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
            return self._compared(test, frame)
        value = self.eval(test, frame)
        if isinstance(value, Const):
            return bool(value.value)
        return None

    def _compared(self, test: cst.Comparison, frame: Frame) -> bool | None:
        """``a == b`` / ``a != b`` of two known constants (``if loss_func ==
        "cross_entropy"`` where the value is a constructor's default): decided, so the branch
        that does not run records nothing. Anything else: undecided."""
        self.owners[test] = self.top
        target = test.comparisons[0]
        left = self.eval(test.left, frame)
        right = self.eval(target.comparator, frame)
        equal = isinstance(target.operator, cst.Equal)
        if not (equal or isinstance(target.operator, cst.NotEqual)):
            return None
        if not (isinstance(left, Const) and isinstance(right, Const)):
            return None
        if not all(isinstance(v, _COMPARABLE) for v in (left.value, right.value)):
            return None
        return (left.value == right.value) is equal

    # --- definitions -------------------------------------------------------------------

    def _make_function(self, node: cst.FunctionDef, frame: Frame, owner: Class | None) -> Function:
        defaults: dict[str, Value] = {}
        params = node.params
        for param in [*params.posonly_params, *params.params, *params.kwonly_params]:
            if param.default is not None:
                defaults[param.name.value] = self.eval(param.default, frame)
        closure = frame if frame.locals is not self.globals else None
        func = Function(node, defaults, owner, closure, self.top, self.scope)
        if self.scope is self.root:
            self.functions.append(func)
        return func

    def _make_class(self, node: cst.ClassDef, frame: Frame) -> Class:
        kind = "plain"
        for base in node.bases:
            value = self.eval(base.value, frame)
            if isinstance(value, Ref):
                qname = canonical(value.qname)
                if qname in MODEL_BASES:
                    kind = "model"
                elif qname in LAYER_BASES or qname.startswith("keras.layers."):
                    kind = "layer" if kind == "plain" else kind
            elif isinstance(value, Class) and value.kind != "plain":
                kind = value.kind
        cls = Class(node, {}, kind, scope=self.scope)
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
        if self.scope is self.root:
            self.classes.append(cls)
        return cls

    # --- calls into user code ----------------------------------------------------------

    def call_function(self, func: Function, args: Args, self_obj: Value | None = None) -> Value:
        key = id(func.node)
        if self.depth >= _MAX_CALL_DEPTH or self.runs.get(key, 0) >= _MAX_RUNS_PER_FUNCTION:
            lists.forget_all(args)  # not followed: it may change the lists it receives
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
        saved_cond, saved_top, saved_scope = self.cond, self.top, self.scope
        self.top = func.top
        self.scope = self._scope_of(func.scope)
        try:
            self.exec_block(func.node.body.body if hasattr(func.node.body, "body") else [], frame)
        finally:
            self.depth -= 1
            self.cond, self.top, self.scope = saved_cond, saved_top, saved_scope
        if frame.yields:
            return self.generator_value(frame.yields)
        if not frame.returns:
            return Const(None)
        first = frame.returns[0]
        return first if all(_same(first, r) for r in frame.returns) else UNKNOWN

    def call_model(self, model: Model, args: Args, node: cst.Call) -> Value:
        """``model(x, training=True)``: a subclassed model's call() run with the arguments
        it is given (a branch on ``training`` then goes the way this call goes)."""
        call = model.obj.cls.methods.get("call") if model.obj is not None else None
        if call is None or model.sequential:
            return self.model_output(model)
        extra = len(args.pos) > 1 or any(k != "inputs" for k in args.kw)
        if not extra and not _takes_flags(call.node):
            return self.model_output(model)  # the outputs instantiate() computed
        # with flags left out, Keras uses call()'s defaults (not fit()'s training=True)
        return self.call_function(call, args, self_obj=model)

    def _scope_of(self, scope: ModuleScope | None) -> ModuleScope:
        """The globals a function runs with: its own module's (this analysis' copy)."""
        if scope is None:
            return self.scope
        if scope is self.root or self.clones is None:
            return scope
        return self.clones.scope(scope)

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
                # what compile()/fit() train: Keras passes training=True to a call that
                # takes a ``training`` argument
                kw: dict[str, Value] = {}
                if any(p.name.value == "training" for p in _parameters(call.node)):
                    kw["training"] = Const(True)
                model.outputs = self.call_function(call, Args([inp], kw, [cls.node], {}), model)
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
                value = f.locals[name]
                return self.force(value) if type(value) is Lazy else value
            f = f.parent
        scope_globals = self.scope.globals
        if name in scope_globals:
            value = scope_globals[name]
            return self.force(value) if type(value) is Lazy else value
        if name in ("True", "False", "None"):
            return Const({"True": True, "False": False, "None": None}[name])
        if name == "enumerate":
            return Ref("builtins.enumerate")
        if name == "len":
            return Ref("builtins.len")
        qname = BARE_NAMES.get(name)
        if qname is not None and not self._bound_anywhere(name):
            return Ref(qname)
        return UNKNOWN

    def _bound_anywhere(self, name: str) -> bool:
        scope = self.scope
        if scope.bound is None:
            scope.bound = set()
            collect_bound(scope.module.body, scope.bound)
        return name in scope.bound

    def eval(self, node: cst.BaseExpression, frame: Frame) -> Value:
        self.owners[node] = self.top
        if isinstance(node, cst.Name):
            return self.lookup(node.value, frame)
        if isinstance(node, cst.Attribute):
            if node.attr.value == "codes" and _is_cat_accessor(node.value):
                self.eval(node.value, frame)  # pandas: series.cat.codes are class ids
                return Labels(LabelEvidence(LabelEncoding.INTEGER, None, ".cat.codes", node))
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
            literal = literal_array(node)
            if literal is not None:
                return literal
            items = []
            for element in node.elements:
                value = self.eval(element.value, frame)
                if isinstance(element, cst.StarredElement):
                    return UNKNOWN
                items.append(value)
            return Seq(items, node, self.cond)
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
                    if isinstance(key, Placeholder):
                        key.fed.append(value)  # a feed_dict: what the placeholder holds
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
            if isinstance(node.operator, cst.Minus) and not isinstance(value, Const):
                return self.algebra.negate(value, node)
            return UNKNOWN
        if isinstance(node, cst.BinaryOperation):
            left, right = self.eval(node.left, frame), self.eval(node.right, frame)
            if isinstance(node.operator, cst.Add) and isinstance(left, Seq):
                return lists.concatenate(left, right, self.cond)
            if not (isinstance(left, Const) and isinstance(right, Const)):
                made = self.algebra.operator(node.operator, left, right, node)
                if made is not None:
                    return made
            return _arith(node, left, right)
        if isinstance(node, cst.Comparison):
            left = self.eval(node.left, frame)
            right = UNKNOWN
            for target in node.comparisons:
                right = self.eval(target.comparator, frame)
            self.algebra.comparison(node, left, right)
            return UNKNOWN
        if isinstance(node, cst.BooleanOperation):
            self.eval(node.left, frame)
            self.eval(node.right, frame)
            return UNKNOWN
        if isinstance(node, cst.IfExp):
            test = self._truth(node.test, frame)
            if test is not None:
                with self._decided(node.test, test):
                    return self.eval(node.body if test else node.orelse, frame)
            body = self.eval(node.body, frame)
            orelse = self.eval(node.orelse, frame)
            return body if _same(body, orelse) else UNKNOWN
        kind = type(node)
        if kind is cst.Lambda:
            return LambdaFunction(node, frame)  # type: ignore[arg-type]
        if kind is cst.Yield:
            value = node.value
            if isinstance(value, cst.From):
                self.eval(value.item, frame)
                frame.yields.append(UNKNOWN)
            else:
                frame.yields.append(Const(None) if value is None else self.eval(value, frame))
            return UNKNOWN
        if kind is cst.ListComp:
            return self.comprehension(node, frame)  # type: ignore[arg-type]
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
            i = const_int(index)
            low = -len(base.items)
            if i is not None and low <= i < (0 if base.open_start else len(base.items)):
                return base.items[i]
            return UNKNOWN
        if isinstance(base, LiteralArray) and base.rows is None:  # sizes = [64, 32, 2]
            i = const_int(index)
            elements = getattr(base.node, "elements", ())
            if i is not None and -len(elements) <= i < len(elements):
                return self.eval(elements[i].value, frame)
            return UNKNOWN
        if isinstance(base, Mapping):
            if isinstance(index, Const) and isinstance(index.value, str):
                return base.items.get(index.value, UNKNOWN)
            return UNKNOWN
        if isinstance(base, Labels):
            # slicing samples keeps the encoding; selecting one column would not
            if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Slice):
                return base
        if isinstance(base, Record):
            if isinstance(index, Const) and isinstance(index.value, str):
                return base.fields.get(index.value, UNKNOWN)
            return UNKNOWN
        if isinstance(base, IdentityMatrix):
            # np.eye(k)[ids]: the rows of the ids, one-hot; one row or a slice is not labels
            if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
                if not isinstance(index, Const):
                    depth = base.depth
                    return Labels(
                        LabelEvidence(LabelEncoding.ONE_HOT, depth, _eye_text(depth), node)
                    )
        return UNKNOWN

    def attribute(self, base: Value, attr: str) -> Value:
        if isinstance(base, Ref):
            return Ref(f"{base.qname}.{attr}")
        if isinstance(base, ModuleValue):
            return self.module_attribute(base, attr)
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
        if isinstance(base, ModelMethod) and base.name == "layers" and attr in _LIST_MUTATIONS:
            # model.layers.pop(): a head being replaced (Keras 2 idiom): no longer known
            base.model.tail_uncertain = True
            base.model.outputs = UNKNOWN
            return UNKNOWN
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
        if isinstance(base, Record):
            return self.record_attribute(base, attr)
        if isinstance(base, Labels) and attr in ARRAY_ATTRIBUTES_KEEP:
            return base
        if isinstance(base, (Labels, Dataset, Instance)):
            return DatasetMethod(base, attr)
        if isinstance(base, Seq) and attr in lists.METHODS:
            return SeqMethod(base, attr)
        if isinstance(base, Layer) and attr == "output" and base.model is not None:
            return self.model_output(base.model)
        return UNKNOWN

    def _args(self, node: cst.Call, frame: Frame) -> Args:
        args = Args([], {}, [], {})
        for arg in node.args:
            self.owners[arg] = self.top
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
        imports = self.imports
        if (
            imports is not None
            and imports.used  # no project module evaluated yet: no code of one to call
            and self.scope is self.root
            and _imported(func, self.root)
        ):
            marks = (len(self.sites), len(self.bindings), len(self.models))
            passed = [v for v in (*args.pos, *args.kw.values()) if isinstance(v, Model)]
            compiled = [len(model.compiles) for model in passed]
            try:
                return self._call(func, node, args, frame)
            finally:
                made = (
                    *self.sites[marks[0] :],
                    *self.bindings[marks[1] :],
                    *self.models[marks[2] :],
                    # a model of this module compiled by the imported code (a helper)
                    *(c for m, k in zip(passed, compiled, strict=True) for c in m.compiles[k:]),
                )
                for fact in made:
                    self.entries.setdefault(id(fact), node)
        return self._call(func, node, args, frame)

    def _call(self, func: Value, node: cst.Call, args: Args, frame: Frame) -> Value:
        if isinstance(func, Ref):
            self.frame = frame  # for library semantics that read names (loss arguments)
            return self.library_call(canonical(func.qname), node, args)
        if isinstance(func, Layer):
            return self.apply_layer(func, args.pos[0] if args.pos else UNKNOWN)
        if isinstance(func, Model):
            return self.call_model(func, args, node)
        if isinstance(func, LambdaFunction):
            return self.call_lambda(func, args)
        if isinstance(func, RecordMethod):
            return self.record_call(func, node, args)
        if func is UNKNOWN and type(node.func) is cst.Attribute:
            entry = UNKNOWN_RECEIVER_METHODS.get(node.func.attr.value)
            if entry is not None:
                return self.unknown_receiver_method(entry, node.func.attr.value, node, args)
        if isinstance(func, ModelMethod):
            return self.model_method(func, node, args)
        if isinstance(func, Loss):
            self.frame = frame
            self.loss_call(func.spec, args, node, y_true_index=0, y_pred_index=1)
            return UNKNOWN
        if isinstance(func, (Function, BoundMethod)):
            self.calls.append((node, args))
            try:
                if isinstance(func, Function):
                    return self.call_function(func, args)
                return self.call_function(func.func, args, self_obj=func.obj)
            finally:
                self.calls.pop()
        if isinstance(func, Class):
            return self.instantiate(func, args)
        if isinstance(func, DatasetMethod):
            return self.value_method(func, node, args)
        if isinstance(func, SeqMethod):
            return lists.call_method(func.seq, func.name, args, self.cond)
        return UNKNOWN


# --- helpers -----------------------------------------------------------------------------


def _imported(func: Value, root: ModuleScope) -> bool:
    """Whether calling ``func`` runs code of another module (an imported function or class)."""
    kind = type(func)
    if kind is BoundMethod:
        func = func.func  # type: ignore[attr-defined]
        kind = type(func)
    if kind is Function or kind is Class:
        scope = func.scope  # type: ignore[attr-defined]
        return scope is not None and scope is not root
    return False


def _imported_name_test(test: cst.Comparison) -> bool | None:
    """``__name__ == "__main__"`` in an imported module: False (``!=``: True)."""
    if len(test.comparisons) != 1:
        return None
    target = test.comparisons[0]
    value = target.comparator
    if not isinstance(value, cst.SimpleString) or value.evaluated_value != "__main__":
        return None
    if isinstance(target.operator, cst.Equal):
        return False
    if isinstance(target.operator, cst.NotEqual):
        return True
    return None


def evaluate_module(foreign: ForeignModule, imports: Imports) -> None:
    """Run an imported project module's top level with an interpreter of its own."""
    assert foreign.module is not None
    interpreter = Interpreter(
        foreign.module, foreign.file.text or "", imports=imports, path=foreign.path, main=False
    )
    interpreter.root.foreign = foreign
    interpreter.evaluate()
    foreign.owners = interpreter.owners
    foreign.scope = interpreter.root


def _parameters(func: cst.FunctionDef) -> list[cst.Param]:
    params = func.params
    return [*params.posonly_params, *params.params, *params.kwonly_params]


def _takes_flags(func: cst.FunctionDef) -> bool:
    """Whether a call() has parameters besides ``self`` and the inputs (``training``...)."""
    return len(_parameters(func)) > 2


def _is_cat_accessor(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Attribute) and node.attr.value == "cat"


def _eye_text(depth: int | None) -> str:
    return f"np.eye({depth})[...]" if depth is not None else "np.eye(k)[...]"


def _same(a: Any, b: Any) -> bool:
    if a is b:
        return True
    if isinstance(a, Ref) and isinstance(b, Ref):
        return canonical(a.qname) == canonical(b.qname)
    if isinstance(a, Const) and isinstance(b, Const):
        return type(a.value) is type(b.value) and a.value == b.value
    return False


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
