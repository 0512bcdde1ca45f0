"""What Keras and TensorFlow calls mean: layers, models, losses, activations, labels.

A mixin of :class:`~xentlint.static.interpreter.Interpreter`: the interpreter walks the
Python; these methods give library calls (``keras.layers.Dense(...)``,
``model.compile(...)``, ``to_categorical(...)``...) their abstract values and record facts.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import libcst as cst

from xentlint.facts import (
    PROBABILITY_ACTS,
    Act,
    ActivationSite,
    Binding,
    Head,
    LabelEncoding,
    LabelEvidence,
    LossFamily,
    LossSpec,
    MetricSpec,
)
from xentlint.knowledge import activations as A
from xentlint.knowledge.applications import LIBRARY_HEADS
from xentlint.knowledge.labels import (
    ARRAY_METHODS,
    ARRAY_METHODS_KEEP,
    DATASET_METHODS_KEEP,
    INSTANCE_METHODS,
    INSTANCE_SELF_METHODS,
    LABEL_MODES,
    LABEL_PRODUCERS,
    IdsFromOneHot,
    LabelModeDataset,
    LabelProducer,
    LabelsArgDataset,
    LoadedDataset,
    OneHot,
    PairDataset,
    SameLabels,
)
from xentlint.knowledge.layers import LAYER_FUNCTIONS, LAYERS, Role
from xentlint.knowledge.losses import (
    LOGITS_OPS,
    LOSS_CLASSES,
    LOSS_FUNCTIONS,
    LOSS_STRINGS,
    PROBABILITY_OP_FORM,
    PROBABILITY_OPS,
)
from xentlint.knowledge.math_ops import MATH_OPS
from xentlint.knowledge.metrics import (
    ACCURACY_STRINGS,
    DEFAULT_THRESHOLD,
    THRESHOLD_FUNCTIONS,
    THRESHOLD_METRICS,
    THRESHOLD_STRINGS,
    ThresholdMetric,
)
from xentlint.knowledge.models import MODEL_PRODUCERS, ModelKind
from xentlint.knowledge.names import canonical, last_part
from xentlint.static.frames import Args, Enumerated, Frame, const_bool, const_int
from xentlint.static.handwritten import Algebra
from xentlint.static.library_models import library_output
from xentlint.static.values import (
    UNKNOWN,
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
    Placeholder,
    Ref,
    Seq,
    Tensor,
    Value,
)


class KerasSemantics:
    module: cst.Module
    bindings: list[Binding]
    sites: list[ActivationSite]
    models: list[Model]
    cond: int
    guessing: bool  # running functions nobody called: what they do may never happen
    root: Any  # the analysed module (imports.ModuleScope) ...
    scope: Any  # ... and the one whose code runs now
    algebra: Algebra
    #: > 0 inside ``with pytest.raises(...)`` and the like: misuse there is deliberate
    expecting: int

    def call_function(self, func: Function, args: Args, self_obj: Value | None = None) -> Value:
        raise NotImplementedError

    def lookup(self, name: str, frame: Frame) -> Value:
        raise NotImplementedError

    # implemented by LabelSemantics (static/label_semantics.py)
    def produce_more(self, entry: LabelProducer, q: str, node: cst.Call, args: Args) -> Value:
        raise NotImplementedError

    def dataset_map(self, dataset: Dataset, args: Args) -> Value:
        raise NotImplementedError

    def labels_for(
        self, value: Value | None, head: Head | None, base: Any, prediction: Value | None = None
    ) -> LabelEvidence | None:
        raise NotImplementedError

    def defer_placeholder(
        self, head: Head | None, spec: LossSpec, node: cst.CSTNode, placeholder: Placeholder
    ) -> None:
        raise NotImplementedError

    def current_branch(self) -> tuple[str, cst.CSTNode] | None:
        raise NotImplementedError

    def builtin_len(self, node: cst.Call, args: Args) -> Value:
        raise NotImplementedError

    def batch_labels(self, batches: Value | None) -> Value:
        raise NotImplementedError

    # --- library semantics -------------------------------------------------------------

    def library_call(self, q: str, node: cst.Call, args: Args) -> Value:
        model_kind = MODEL_PRODUCERS.get(q)
        if model_kind is not None:
            return self.make_model(model_kind, node, args)
        if q.startswith("keras.layers."):
            return self.make_layer(q, node, args)
        library = LIBRARY_HEADS.get(q)
        if library is not None:
            return self.library_model(library_output(library, q, node, args), node)
        function_layer = LAYER_FUNCTIONS.get(q)
        if function_layer is not None:
            layer_q, inputs = function_layer
            layer = self.make_layer(layer_q, node, _shift(args))
            return self.apply_layer(layer, args.get(inputs.keyword, inputs.position) or UNKNOWN)
        if q in A.ACTIVATION_OPS:
            return self.activation_op(q, node, args)
        loss = LOSS_CLASSES.get(q)
        if loss is not None:
            return Loss(
                self._loss_spec(loss.family, "class", q, node, args, loss.class_from_logits)
            )
        loss = LOSS_FUNCTIONS.get(q)
        if loss is not None:
            spec = self._loss_spec(
                loss.family, "function", q, node, args, loss.function_from_logits
            )
            self.loss_call(spec, args, node, y_true_index=0, y_pred_index=1)
            return UNKNOWN
        op = LOGITS_OPS.get(q)
        if op is not None:
            spec = LossSpec(op.family, True, "op", last_part(q), node)
            self.loss_call(spec, args, node, 0, 1, labels_kw=op.labels, logits_kw=op.logits)
            return UNKNOWN
        prob_op = PROBABILITY_OPS.get(q)
        if prob_op is not None:
            spelling = f"tf.losses.{last_part(q)}"
            spec = LossSpec(prob_op.family, False, PROBABILITY_OP_FORM, spelling, node)
            labels_kw, predictions_kw = prob_op.labels, prob_op.predictions
            self.loss_call(spec, args, node, 0, 1, labels_kw=labels_kw, logits_kw=predictions_kw)
            return UNKNOWN
        producer = LABEL_PRODUCERS.get(q)
        if producer is not None:
            return self.produce_labels(producer, q, node, args)
        math = MATH_OPS.get(q)
        if math is not None:
            return self.algebra.call(math, node, args)
        if q in INSTANCE_METHODS:
            return Instance(q)
        metric = THRESHOLD_METRICS.get(q)
        if metric is not None:
            if args.starred or any(args.get(name) is not None for name in metric.overrides):
                return UNKNOWN  # Precision(top_k=1): not the default threshold
            threshold, from_logits = _threshold(metric, args)
            return Metric(metric.class_name, threshold, node, from_logits)
        if q == "builtins.len":
            return self.builtin_len(node, args)
        if q == "builtins.enumerate":
            return Enumerated(args.pos[0] if args.pos else UNKNOWN)
        return UNKNOWN

    def make_model(self, kind: ModelKind, node: cst.Call, args: Args) -> Value:
        if kind is ModelKind.SEQUENTIAL:
            return self.make_sequential(node, args)
        if kind is ModelKind.FUNCTIONAL:
            outputs = args.get("outputs", 1)
            if outputs is None:
                return UNKNOWN
            model = Model(node=node, outputs=outputs, ctx_depth=self.cond)
            self.models.append(model)
            return model
        return Tensor(Head(None, Act.UNKNOWN))  # keras.Input(...)

    def library_model(self, output: Value, node: cst.Call) -> Model:
        """A model built whole by a library call (keras.applications, keras_hub tasks)."""
        model = Model(node=node, outputs=output, ctx_depth=self.cond)
        self.models.append(model)
        if isinstance(output, Tensor) and output.head.activation in (Act.SOFTMAX, Act.SIGMOID):
            head = output.head
            site = ActivationSite(head.activation, Act.LINEAR, head.units, True,
                                  head.activation_anchor)  # fmt: skip
            self.sites.append(site)
        return model

    def produce_labels(self, entry: LabelProducer, q: str, node: cst.Call, args: Args) -> Value:
        """The value a label producer of the knowledge base returns (one branch per type)."""
        if isinstance(entry, OneHot):
            depth = None
            if entry.depth is not None:
                depth = const_int(args.get(entry.depth.keyword, entry.depth.position))
            source = args.first(entry.ids, 0)
            if depth is None and isinstance(source, Labels) and entry.depth_from_ids:
                depth = source.evidence.num_classes
            return Labels(LabelEvidence(LabelEncoding.ONE_HOT, depth, last_part(q), node))
        if isinstance(entry, IdsFromOneHot):
            # whatever it is taken of, argmax gives integer indices: class ids
            source = args.first(entry.source, 0)
            classes = None
            if isinstance(source, Labels) and source.evidence.encoding is LabelEncoding.ONE_HOT:
                classes = source.evidence.num_classes
            return Labels(LabelEvidence(LabelEncoding.INTEGER, classes, "argmax", node))
        if isinstance(entry, SameLabels):
            source = args.first(entry.source, 0)
            if isinstance(source, (Labels, LiteralArray, Placeholder)):
                return source
            return UNKNOWN
        if isinstance(entry, LoadedDataset):
            return self.load_dataset(entry, node, args)
        if isinstance(entry, LabelModeDataset):
            return self.directory_dataset(node, args, entry.mode.keyword, entry.default)
        if isinstance(entry, PairDataset):
            data = args.get(entry.tensors.keyword, entry.tensors.position)
            if isinstance(data, Seq) and len(data.items) == 2 and not data.open_start:
                labels = data.items[1]
                return Dataset(labels.evidence if isinstance(labels, Labels) else None, data)
            if isinstance(data, (Labels, Mapping)):
                return Dataset(None, data)  # slices of labels alone, or of a feature dict
            return Dataset(None) if data is not None else UNKNOWN
        if isinstance(entry, LabelsArgDataset):
            labels = args.get(entry.labels.keyword, entry.labels.position)
            return Dataset(labels.evidence if isinstance(labels, Labels) else None)
        return self.produce_more(entry, q, node, args)

    def load_dataset(self, entry: LoadedDataset, node: cst.Call, args: Args) -> Value:
        classes: int | None = entry.classes
        if entry.mode is not None:
            mode = args.get(entry.mode.keyword, entry.mode.position)
            modes = dict(entry.modes)
            if isinstance(mode, Const) and isinstance(mode.value, str) and mode.value in modes:
                classes = modes[mode.value]
            elif mode is not None:
                return UNKNOWN
        encoding = LabelEncoding.INTEGER
        source = f"{entry.name}.load_data()"

        def labels() -> Labels:
            return Labels(LabelEvidence(encoding, classes, source, node))

        return Seq([Seq([UNKNOWN, labels()]), Seq([UNKNOWN, labels()])])

    def directory_dataset(self, node: cst.Call, args: Args, keyword: str, default: str) -> Value:
        mode = args.get(keyword)
        mode_name = (
            default if mode is None else (mode.value if isinstance(mode, Const) else UNKNOWN)
        )
        if mode_name is UNKNOWN:
            return UNKNOWN
        encoding = LABEL_MODES.get(mode_name) if isinstance(mode_name, str) else None
        if encoding is None:
            return Dataset(None)
        shown = f"{keyword}={mode_name!r}" + ("" if mode is not None else " (the default)")
        return Dataset(LabelEvidence(encoding, None, shown, node))

    def value_method(self, method: DatasetMethod, node: cst.Call, args: Args) -> Value:
        target, name = method.target, method.name
        if isinstance(target, Instance) and target.qname in INSTANCE_METHODS:
            entry = INSTANCE_METHODS[target.qname].get(name)
            if entry is not None:
                return self.produce_labels(entry, f"{last_part(target.qname)}.{name}", node, args)
            return target if name in INSTANCE_SELF_METHODS else UNKNOWN
        if isinstance(target, Dataset) and name in DATASET_METHODS_KEEP:
            return target
        if isinstance(target, Dataset) and name == "map":
            return self.dataset_map(target, args)
        if isinstance(target, Labels) and name in ARRAY_METHODS_KEEP:
            return target
        if isinstance(target, Labels) and name in ARRAY_METHODS:
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
            from_logits = const_bool(value)
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
        if self.expecting:
            return
        y_true = args.first((labels_kw, "y_true", "target"), y_true_index)
        y_pred = args.first((logits_kw, "y_pred", "output"), y_pred_index)
        positional = not any(k in args.kw for k in (labels_kw, logits_kw))
        if spec.form == "op" and spec.spelling.endswith("_with_logits") and positional:
            if _labels_like(y_pred) and not _labels_like(y_true):
                # tf.nn.*_with_logits(logits, labels): TF1 rejects positional arguments
                # here (TF2 reads labels first), so what the call means is read from the
                # values: the labels are what holds labels. TF1's tf.losses.* do take
                # (labels, logits) positionally: their order is what it says.
                y_true, y_pred = y_pred, y_true
        head = _head_of(y_pred)
        if isinstance(y_true, Placeholder):
            self.defer_placeholder(head, spec, node, y_true)
            return
        labels = self.labels_for(y_true, head, plain_labels, y_pred)
        if head is None:
            if labels is None:
                return
            head = Head(None, Act.UNKNOWN)  # what the labels say holds whatever the scores
        pred_node = _argument_node(args, (logits_kw, "y_pred", "output"), y_pred_index)
        logits_node = self._logits_name(y_pred, pred_node)
        binding = Binding(head, spec, "call", labels, (), node)
        if pred_node is not None:
            binding = replace(binding, pred_anchor=pred_node, logits_anchor=logits_node)
        self.bindings.append(binding)

    def _logits_name(self, y_pred: Value | None, pred_node: cst.CSTNode | None) -> cst.Name | None:
        """``probs = ops.softmax(logits)`` passed as ``probs``: the name ``logits``, when it
        still holds the tensor the softmax was applied to (the loss can take it instead)."""
        if not isinstance(y_pred, Tensor) or y_pred.source is None:
            return None
        op = y_pred.head.activation_anchor
        if not isinstance(pred_node, cst.Name) or not isinstance(op, cst.Call) or not op.args:
            return None
        first = op.args[0].value
        frame = getattr(self, "frame", None)
        if not isinstance(first, cst.Name) or frame is None:
            return None
        return first if self.lookup(first.value, frame) is y_pred.source else None

    def make_sequential(self, node: cst.Call, args: Args) -> Value:
        model = Model(node=node, sequential=True, ctx_depth=self.cond)
        model.current = Tensor(Head(None, Act.UNKNOWN))
        self.models.append(model)
        layers = args.get("layers", 0)
        if isinstance(layers, Seq):
            if layers.open_start:  # only the last layers are known
                model.current = UNKNOWN
            for layer in layers.items:
                self._sequential_add(model, layer)
            if _unfinished(layers.node) and model.current is not UNKNOWN:
                # a lab's "# TODO: write the last layer": its units and activation are unknown
                model.current = Tensor(Head(None, Act.UNKNOWN))
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
        name_value = args.get("name")
        name = (
            name_value.value
            if isinstance(name_value, Const) and isinstance(name_value.value, str)
            else None
        )
        kind = LAYERS.get(q)
        if kind is None:
            return Layer(q, node, name=name)
        role = kind.role
        if role is Role.UNITS:
            units_arg = kind.units
            assert units_arg is not None and kind.activation is not None
            units = const_int(args.get(units_arg.keyword, units_arg.position))
            act_kw, act_index = kind.activation.keyword, kind.activation.position
            act_node = args.node(act_kw, act_index)
            act = _activation(args.get(act_kw, act_index))
            layer = Layer(
                q, node, units, act, act_node if act_node is not None else node,
                args.node(units_arg.keyword, units_arg.position), name,
            )  # fmt: skip
            over_last: bool | None = True
            if kind.data_format:
                fmt = args.get("data_format")
                over_last = not (isinstance(fmt, Const) and fmt.value == "channels_first")
                if fmt is not None and not isinstance(fmt, Const):
                    over_last = None
            if act in (Act.SOFTMAX, Act.SIGMOID):
                self.sites.append(
                    ActivationSite(act, Act.LINEAR, units, over_last, layer.activation_anchor)
                )
            return layer
        if role is Role.RECURRENT:
            assert kind.units is not None
            units = const_int(args.get(kind.units.keyword, kind.units.position))
            return Layer(q, node, units, Act.OTHER, node, None, name)
        if role is Role.APPLIES:
            if kind.activation is not None:
                act = _activation(args.get(kind.activation.keyword, kind.activation.position))
                return Layer(q, node, name=name, applies=act, over_last_axis=True)
            over: bool | None = True
            if kind.axis is not None:
                axis = args.get(kind.axis.keyword, kind.axis.position)
                if axis is not None:
                    i = const_int(axis)
                    over = None if i is None else i == -1
            return Layer(q, node, name=name, applies=kind.applies, over_last_axis=over)
        if role is Role.WRAPPER:
            if kind.see_through and kind.inner is not None:
                inner = args.get(kind.inner.keyword, kind.inner.position)
                if isinstance(inner, Layer):
                    return inner
            return Layer(q, node, name=name)
        if role is Role.RESHAPE:
            target = args.get(kind.target.keyword, kind.target.position) if kind.target else None
            last, rank = _last_dimension(target)
            return Layer(q, node, name=name, reshapes=True, reshape_to=last, reshape_rank=rank)
        return Layer(q, node, name=name, passthrough=True)  # Role.PASSTHROUGH

    def apply_layer(self, layer: Layer | Value, inp: Value) -> Value:
        if isinstance(layer, Model):
            return self.model_output(layer)
        if not isinstance(layer, Layer):
            return UNKNOWN
        if layer.model is not None:
            return self.model_output(layer.model)
        if layer.passthrough:
            return inp if isinstance(inp, Tensor) else UNKNOWN
        if layer.reshapes and isinstance(inp, Tensor) and inp.head.units is not None:
            # Input shapes are not tracked: Reshape((units,)) keeps the row (each sample is
            # then exactly its class scores); Reshape((..., units)) does after a Dense (its
            # units are the last axis, and a row-major reshape keeps blocks of that size)
            same = layer.reshape_to == inp.head.units
            if same and (layer.reshape_rank == 1 or inp.head.layer_kind == "Dense"):
                return inp
        if layer.reshapes:
            return Tensor(Head(None, Act.UNKNOWN, last_part(layer.kind), layer.name, layer.node))
        short = last_part(layer.kind)
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
            branch = self.current_branch() if act in PROBABILITY_ACTS else None
            return Tensor(
                Head(head.units, act, short, layer.name or head.name, layer.node, layer.node,
                     head.units_anchor, branch=branch[0] if branch else None,
                     branch_anchor=branch[1] if branch else None),
                rows=inp.rows if isinstance(inp, Tensor) else None,
            )  # fmt: skip
        kind = LAYERS.get(layer.kind)
        if kind is not None and kind.role in (Role.UNITS, Role.RECURRENT):
            branch = self.current_branch() if layer.activation in PROBABILITY_ACTS else None
            return Tensor(
                Head(layer.units, layer.activation, short, layer.name, layer.node,
                     layer.activation_anchor, layer.units_anchor,
                     branch=branch[0] if branch else None,
                     branch_anchor=branch[1] if branch else None)
            )  # fmt: skip
        return Tensor(Head(None, Act.UNKNOWN, short, layer.name, layer.node))

    def activation_op(self, q: str, node: cst.Call, args: Args) -> Value:
        applied = A.ACTIVATION_OPS[q]
        inp = args.first(A.OP_INPUT_KEYWORDS, 0)
        axis = args.first(A.OP_AXIS_KEYWORDS)
        if axis is None and len(args.pos) > 1:
            axis = args.pos[1]
        over: bool | None = (
            True
            if axis is None
            else (const_int(axis) == -1 if const_int(axis) is not None else None)
        )
        head = _head_of(inp) or Head(None, Act.UNKNOWN)
        if applied in (Act.SOFTMAX, Act.SIGMOID):
            self.sites.append(
                ActivationSite(applied, head.activation, head.units if over else None, over, node,
                               head.activation_anchor)
            )  # fmt: skip
        act = applied if over else (Act.OTHER if over is False else Act.UNKNOWN)
        branch = self.current_branch() if act in PROBABILITY_ACTS else None
        return Tensor(
            Head(head.units, act, q, head.name, node, node, head.units_anchor,
                 branch=branch[0] if branch else None, branch_anchor=branch[1] if branch else None),
            rows=_rows(inp),
            source=inp if isinstance(inp, Tensor) else None,
        )  # fmt: skip

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
            if loss is not None and not self.expecting:
                if self.cond <= model.ctx_depth and not self.guessing:
                    model.settled = len(model.compiles)  # runs after the compiles before it
                if self.scope is not self.root:
                    model.borrowed.add(len(model.compiles))
                loss_node = args.node("loss", 1)
                model.compiles.append((loss, metrics or UNKNOWN, loss_node or node))
            return Const(None)
        if name in ("fit", "fit_generator", "train_on_batch", "evaluate", "test_on_batch"):
            if self.expecting:
                return UNKNOWN
            y = args.get("y", 1)
            if y is None or (isinstance(y, Const) and y.value is None):
                x = args.first(("x", "generator"), 0)
                y = x if isinstance(x, Dataset) else self.batch_labels(x)
            if model.compiles:
                model.fits.append((len(model.compiles) - 1, y))
                model.used.update(range(model.settled, len(model.compiles)))
                validation = args.get("validation_data")
                if isinstance(validation, Seq) and len(validation.items) in (2, 3):
                    model.fits.append((len(model.compiles) - 1, validation.items[1]))
                elif isinstance(validation, Dataset):
                    model.fits.append((len(model.compiles) - 1, validation))
            return UNKNOWN
        if name in ("__call__", "call"):
            return self.model_output(model)
        if name == "pop" and model.sequential:
            model.current = UNKNOWN  # the layer before the last one: not tracked
        return UNKNOWN

    def _element(self, iterable: Value) -> Value:
        if isinstance(iterable, Dataset):
            if iterable.element is not UNKNOWN:
                return iterable.element
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
            if number in model.borrowed and number not in model.used:
                continue  # another module's compile that nothing trains or evaluates with
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
                    labels = self.labels_for(_pick(y, key, index, len(heads)), head, plain_labels)
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
            family = LOSS_STRINGS.get(value.value)
            anchor = value.node or (node.value if isinstance(node, cst.Arg) else node)
            if family is not None:
                return LossSpec(family, False, "string", value.value, anchor)
            return None
        if isinstance(value, Ref):
            q = canonical(value.qname)
            loss = LOSS_FUNCTIONS.get(q)
            if loss is not None:
                anchor = node.value if isinstance(node, cst.Arg) else node
                return LossSpec(loss.family, False, "function", last_part(q), anchor)
            return None
        if isinstance(value, Function) and head is not None:
            # a custom loss: follow it with the head as y_pred, to see what it applies
            self.call_function(value, Args([UNKNOWN, Tensor(head)], {}, [], {}))
            return None
        return None


def _threshold(metric: ThresholdMetric, args: Args) -> tuple[float | None, bool | None]:
    """The threshold a metric call sets (its default when not given, None when unknown or
    a list) and, for AUC, its from_logits."""
    if metric.from_logits is not None:
        value = args.get(metric.from_logits.keyword, metric.from_logits.position)
        return None, (False if value is None else const_bool(value))
    assert metric.threshold is not None
    value = args.get(metric.threshold.keyword, metric.threshold.position)
    if value is None or (isinstance(value, Const) and value.value is None):
        return metric.default, None
    if isinstance(value, Const) and isinstance(value.value, (int, float)):
        return value.value, None
    return None, None


def _last_dimension(shape: Value | None) -> tuple[int | None, int | None]:
    """The last size and the rank of a literal shape, ``(7,)`` or ``(1, 1, 7)``."""
    if isinstance(shape, LiteralArray) and shape.rows is None:
        last = shape.flat[-1]
        known = float(last).is_integer() and last > 0
        return (int(last) if known else None), len(shape.flat)
    if isinstance(shape, Seq) and shape.items:
        last_item = const_int(shape.items[-1])
        known = last_item is not None and last_item > 0
        return (last_item if known else None), len(shape.items)
    return None, None


def _argument_node(args: Args, names: tuple[str, ...], index: int) -> cst.CSTNode | None:
    """The expression passed as an argument (by one of ``names``, else at ``index``)."""
    for name in names:
        if name in args.kw_nodes:
            return args.kw_nodes[name].value
    if index < len(args.pos_nodes) and not args.starred:
        return args.pos_nodes[index]
    return None


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
            return A.from_string(value.value)
        return Act.UNKNOWN
    if isinstance(value, Ref):
        return A.ACTIVATION_FUNCTIONS.get(canonical(value.qname), Act.UNKNOWN)
    return Act.UNKNOWN


def literal_array(node: cst.List | cst.Tuple) -> LiteralArray | None:
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


def _labels_like(value: Value | None) -> bool:
    return isinstance(value, (Labels, Placeholder))


def _rows(value: Value | None) -> int | None:
    """The batch size of a tensor when the source says it (a literal's rows)."""
    if isinstance(value, Tensor):
        return value.rows
    if isinstance(value, LiteralArray):
        return len(value.rows) if value.rows is not None else 1
    return None


def _head_of(value: Value | None) -> Head | None:
    if isinstance(value, Tensor):
        return value.head
    if isinstance(value, LiteralArray):
        units = len(value.rows[0]) if value.rows else None
        raw = any(x < 0 or x > 1 for x in value.flat)
        return Head(units, Act.LINEAR if raw else Act.UNKNOWN, "literal", None, value.node)
    return None


def plain_labels(value: Value | None) -> LabelEvidence | None:
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
    if isinstance(outputs, Seq) and not outputs.open_start:
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
        if len(value.items) == count and not value.open_start:
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
            if item.value in ACCURACY_STRINGS:
                specs.append(MetricSpec(item.value, DEFAULT_THRESHOLD, item.node))
            elif item.value in THRESHOLD_STRINGS:  # "precision", "auc"...
                entry = THRESHOLD_STRINGS[item.value]
                logits = False if entry.from_logits is not None else None
                specs.append(MetricSpec(item.value, entry.default, item.node, logits))
        elif isinstance(item, Metric):
            specs.append(MetricSpec(item.spelling, item.threshold, item.node, item.from_logits))
        elif isinstance(item, Ref):
            function = THRESHOLD_FUNCTIONS.get(canonical(item.qname))
            if function is not None:
                specs.append(MetricSpec(function, DEFAULT_THRESHOLD, None))
    return tuple(specs)


#: a comment saying that a layer is still to be written (course and lab skeletons)
_PLACEHOLDER = re.compile(
    r"\b(?:TODO|FIXME)\b|your code|\b(?:add|write|put|insert)\b.*\blayers?\b", re.IGNORECASE
)


class _Comments(cst.CSTVisitor):
    def __init__(self) -> None:
        self.found: list[str] = []

    def visit_Comment(self, node: cst.Comment) -> None:
        self.found.append(node.value)


def _unfinished(node: cst.CSTNode | None) -> bool:
    """Whether a layer list literal ends in a placeholder comment after its last element
    (``Dense(128, activation="relu"),  # TODO: write the last layer``): its last layer is
    the one the reader is asked to write, so what the model outputs is unknown."""
    if not isinstance(node, (cst.List, cst.Tuple)) or not node.elements:
        return False
    comments = _Comments()
    last = node.elements[-1]
    if isinstance(last.comma, cst.Comma):
        last.comma.visit(comments)
    if isinstance(node, cst.List):
        node.rbracket.visit(comments)
    elif node.rpar:
        node.rpar[-1].visit(comments)
    return any(_PLACEHOLDER.search(text) for text in comments.found)
