"""Where labels come from: numpy, python ``random``, sklearn, pandas, tfds, tf.data, TF1.

A mixin of :class:`~xentlint.static.interpreter.Interpreter`, next to
:class:`~xentlint.static.keras_semantics.KerasSemantics`: it gives the label producers
of :mod:`xentlint.knowledge.labels` their abstract values (one method per entry type),
follows ``Dataset.map`` through lambdas and named functions, records what ``feed_dict``
feeds TF1 placeholders, and decides which encoding the labels that reach a loss have.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import libcst as cst

from xentlint.facts import Act, Binding, Head, LabelEncoding, LabelEvidence, LossFamily, LossSpec
from xentlint.knowledge.datasets import OPENML_CLASSES, tfds_classes
from xentlint.knowledge.labels import (
    BundledDataset,
    EstimatorModel,
    IdentityRows,
    Ids,
    IdsColumn,
    IdsFromMapping,
    JoinedLabels,
    LabelProducer,
    MadeDataset,
    NumpyInputFunction,
    OneHotColumns,
    PlainDataset,
    RandomIds,
    ShuffledArrays,
    SplitArrays,
    Tf1Mnist,
    TfdsBuilder,
    TfdsLoad,
    ZipDataset,
)
from xentlint.knowledge.labels import Placeholder as PlaceholderEntry
from xentlint.knowledge.names import canonical
from xentlint.knowledge.spec import Arg
from xentlint.static import lists
from xentlint.static.frames import Args, Frame, const_bool, const_int
from xentlint.static.values import (
    UNKNOWN,
    Const,
    Dataset,
    Function,
    IdentityMatrix,
    InputFunction,
    Labels,
    LambdaFunction,
    LiteralArray,
    Mapping,
    Object,
    Placeholder,
    Record,
    RecordMethod,
    Ref,
    Seq,
    Tensor,
    Value,
)

_INT_DTYPES = frozenset(
    {"int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "int"}
)
_CATEGORICAL = (LossFamily.CATEGORICAL, LossFamily.FOCAL_CATEGORICAL)


class LabelSemantics:
    module: cst.Module
    source: str
    mutated_names: dict[str, bool]  # name -> the file changes its list/dict in place
    bindings: list[Binding]
    depth: int
    #: losses whose labels are a TF1 placeholder: decided once every feed is known
    pending: list[tuple[Head, LossSpec, cst.CSTNode, Placeholder]]

    def call_function(self, func: Function, args: Args, self_obj: Value | None = None) -> Value:
        raise NotImplementedError

    def eval(self, node: cst.BaseExpression, frame: Frame) -> Value:
        raise NotImplementedError

    def assign(self, target: cst.BaseExpression, value: Value, frame: Frame) -> None:
        raise NotImplementedError

    # --- producers -----------------------------------------------------------------------

    def produce_more(self, entry: LabelProducer, q: str, node: cst.Call, args: Args) -> Value:
        """The value of a label producer of issue 9's entry types (one branch per type)."""
        if isinstance(entry, RandomIds):
            return self._random_ids(entry, q, node, args)
        if isinstance(entry, IdentityRows):
            rows = const_int(_arg(args, entry.rows))
            columns = _arg(args, entry.columns) if entry.columns is not None else None
            if columns is not None and not _is_none(columns):
                depth = const_int(columns)
            else:
                depth = rows
            return IdentityMatrix(depth, node)
        if isinstance(entry, IdsColumn):
            shape = _arg(args, entry.shape)
            if _is_column_shape(shape, args.node(entry.shape.keyword, entry.shape.position)):
                return _ids(None, f"{_short(q)}(...)", node)
            return UNKNOWN
        if isinstance(entry, Ids):
            labels = _ids(None, f"{_short(q)}(...)", node)
            if entry.within is None:
                return labels
            index, count = entry.within
            return Seq([labels if i == index else UNKNOWN for i in range(count)])
        if isinstance(entry, OneHotColumns):
            for keyword in entry.unless:
                given = args.kw.get(keyword)
                if given is not None and not (isinstance(given, Const) and not given.value):
                    return UNKNOWN
            depth = None
            if q.endswith("label_binarize"):
                classes = args.get("classes", 1)
                if not isinstance(classes, (Seq, LiteralArray)):
                    return UNKNOWN
                depth = _length(classes)
                if depth is None or depth <= 2:
                    return UNKNOWN
                return Labels(LabelEvidence(LabelEncoding.ONE_HOT, depth, "label_binarize", node))
            evidence = LabelEvidence(LabelEncoding.ONE_HOT, depth, f"{_short(q)}(...)", node)
            return Labels(evidence, over_units=entry.over_units)
        if isinstance(entry, IdsFromMapping):
            return self._ids_from_mapping(entry, q, node, args)
        if isinstance(entry, MadeDataset):
            return self._made_dataset(entry, q, node, args)
        if isinstance(entry, BundledDataset):
            return self._bundled_dataset(entry, node, args)
        if isinstance(entry, SplitArrays):
            if args.starred or not args.pos:
                return UNKNOWN
            return Seq([item for value in args.pos for item in (value, value)])
        if isinstance(entry, ShuffledArrays):
            if args.starred or not args.pos:
                return UNKNOWN
            return args.pos[0] if len(args.pos) == 1 else Seq(list(args.pos))
        if isinstance(entry, TfdsLoad):
            name = _arg(args, entry.name)
            return self._tfds(entry, name, node, args)
        if isinstance(entry, TfdsBuilder):
            return self._tfds_builder(_arg(args, entry.name), node)
        if isinstance(entry, Tf1Mnist):
            return self._tf1_mnist(entry, node, args)
        if isinstance(entry, PlaceholderEntry):
            shape = _arg(args, entry.shape)
            if isinstance(shape, LiteralArray) and shape.rows is None:
                shape = Seq([Const(int(x)) for x in shape.flat])
            if isinstance(shape, Seq):
                last = const_int(shape.items[-1]) if len(shape.items) == 2 else None
                return Placeholder(node, rank=len(shape.items), columns=last)
            return Placeholder(node)
        if isinstance(entry, PlainDataset):
            return Dataset(None)
        if isinstance(entry, JoinedLabels):
            parts = _arg(args, entry.arrays)
            axis = _arg(args, entry.axis)
            if axis is not None and const_int(axis) != 0:
                return UNKNOWN
            if not isinstance(parts, Seq) or not parts.items:
                return UNKNOWN
            if not all(isinstance(p, Labels) and p.over_units is None for p in parts.items):
                return UNKNOWN
            evidence = [p.evidence for p in parts.items]  # type: ignore[union-attr]
            first = evidence[0]
            if any(e.encoding is not first.encoding for e in evidence):
                return UNKNOWN
            if any(e.num_classes != first.num_classes for e in evidence):
                first = replace(first, num_classes=None)
            return Labels(first)
        if isinstance(entry, EstimatorModel):
            return self.estimator(_arg(args, entry.model_fn))
        if isinstance(entry, NumpyInputFunction):
            return InputFunction(_arg(args, entry.labels) or UNKNOWN)
        if isinstance(entry, ZipDataset):
            data = _arg(args, entry.datasets)
            if isinstance(data, Seq) and all(isinstance(d, Dataset) for d in data.items):
                elements = [dataset_element(d) for d in data.items]  # type: ignore[arg-type]
                labels = elements[1] if len(elements) == 2 else UNKNOWN
                return Dataset(
                    labels.evidence if isinstance(labels, Labels) else None, Seq(elements)
                )
            return Dataset(None)
        return UNKNOWN

    def _random_ids(self, entry: RandomIds, q: str, node: cst.Call, args: Args) -> Value:
        if entry.int_dtype is not None and not _is_int_dtype(_arg(args, entry.int_dtype)):
            return UNKNOWN
        if entry.size is not None:
            size = _arg(args, entry.size)
            size_node = args.node(entry.size.keyword, entry.size.position)
            if size is not None and not _is_column_shape(size, size_node, scalar_ok=True):
                return UNKNOWN
        low = _arg(args, entry.low)
        high = _arg(args, entry.high) if entry.high is not None else None
        if high is not None and _is_none(high):
            high = None
        if entry.high is None:
            # np.random.choice(a, n): ids drawn from range(a), or from a list of ids
            if isinstance(low, (Seq, LiteralArray)):
                if not _non_negative_ints(low):
                    return UNKNOWN
                return _ids(None, f"{_short(q)}(...)", node)
            if const_int(low) is None:
                return UNKNOWN
            top, bottom = const_int(low), 0
        elif low is None:
            top, bottom = const_int(high), 0  # tf.random.uniform(shape, maxval=k, ...)
        elif high is None:
            top, bottom = const_int(low), 0  # np.random.randint(k, size=n)
        else:
            top, bottom = const_int(high), const_int(low)
        classes = None
        if top is not None and bottom == 0:
            classes = top + 1 if entry.inclusive else top
            if classes < 1:
                return UNKNOWN
        return _ids(classes, f"{_short(q)}(...)", node)

    def _ids_from_mapping(self, entry: IdsFromMapping, q: str, node: cst.Call, args: Args) -> Value:
        mapping = args.node(entry.mapping.keyword, entry.mapping.position)
        if isinstance(mapping, cst.Arg):
            mapping = mapping.value
        if not isinstance(mapping, cst.Dict) or not mapping.elements:
            return UNKNOWN
        values: list[int] = []
        for element in mapping.elements:
            if not isinstance(element, cst.DictElement) or not isinstance(
                element.value, cst.Integer
            ):
                return UNKNOWN
            try:
                values.append(int(element.value.value.replace("_", ""), 0))
            except ValueError:
                return UNKNOWN
        if min(values) < 0:
            return UNKNOWN
        classes = None
        if entry.total and sorted(set(values)) == list(range(len(set(values)))):
            classes = len(set(values))
        return _ids(classes, f".{q}() of a dict to integers", node)

    def _made_dataset(self, entry: MadeDataset, q: str, node: cst.Call, args: Args) -> Value:
        for keyword in entry.unless:
            given = args.kw.get(keyword)
            if given is not None and not (isinstance(given, Const) and not given.value):
                return UNKNOWN
        classes: int | None = entry.default
        if entry.classes is not None:
            given = _arg(args, entry.classes)
            if given is not None and not _is_none(given):
                classes = const_int(given)
                if classes is None and isinstance(given, (Seq, LiteralArray)):
                    classes = _length(given)  # make_blobs(centers=[[0, 0], [1, 1]])
        return Seq([UNKNOWN, _ids(classes, f"{_short(q)}()", node)])

    def _bundled_dataset(self, entry: BundledDataset, node: cst.Call, args: Args) -> Value:
        classes = entry.classes
        if entry.classes_arg is not None:
            given = _arg(args, entry.classes_arg)
            if given is not None:
                classes = const_int(given)
        if entry.name is not None:
            name = _arg(args, entry.name)
            if not (isinstance(name, Const) and isinstance(name.value, str)):
                return UNKNOWN
            if name.value not in OPENML_CLASSES:
                return UNKNOWN
            classes = OPENML_CLASSES[name.value]
        target = _ids(classes, entry.label, node)
        if const_bool(args.kw.get("return_X_y")):
            return Seq([UNKNOWN, target])
        return Record({"target": target, "data": UNKNOWN})

    # --- tensorflow_datasets -------------------------------------------------------------

    def _tfds(self, entry: TfdsLoad, name: Value | None, node: cst.Call, args: Args) -> Value:
        if not (isinstance(name, Const) and isinstance(name.value, str)):
            return UNKNOWN
        supervised = args.get(entry.supervised.keyword)
        if supervised is not None and const_bool(supervised) is None:
            return UNKNOWN
        classes = tfds_classes(name.value)
        ids = _ids(classes, f"tfds.load({name.value!r})", node)
        if const_bool(supervised):
            element: Value = Seq([UNKNOWN, ids])
            labels: LabelEvidence | None = ids.evidence
        else:
            element, labels = Mapping({"label": ids}), None

        def dataset() -> Dataset:
            return Dataset(labels, element)

        split = args.get(entry.split.keyword)
        result: Value
        if split is None or _is_none(split):
            result = Mapping({key: dataset() for key in ("train", "test", "validation")})
        elif isinstance(split, Seq):
            result = Seq([dataset() for _ in split.items])
        elif isinstance(split, Const) and isinstance(split.value, str):
            result = dataset()
        else:
            return UNKNOWN
        info_arg = args.get(entry.info.keyword) if entry.info is not None else None
        if info_arg is not None:
            wanted = const_bool(info_arg)
            if wanted is None:
                return UNKNOWN
            if wanted:
                return Seq([result, _tfds_info(classes)])
        return result

    def _tfds_builder(self, name: Value | None, node: cst.Call) -> Value:
        if not (isinstance(name, Const) and isinstance(name.value, str)):
            return UNKNOWN
        entry = TfdsLoad(Arg("name"), info=None)

        def as_dataset(call: cst.Call, args: Args) -> Value:
            return self._tfds(entry, name, call, args)

        classes = tfds_classes(name.value)
        return Record(
            {"info": _tfds_info(classes)},
            {"as_dataset": as_dataset, "download_and_prepare": Const(None)},
        )

    # --- TF1 -----------------------------------------------------------------------------

    def _tf1_mnist(self, entry: Tf1Mnist, node: cst.Call, args: Args) -> Value:
        given = _arg(args, entry.one_hot)
        one_hot = False if given is None else const_bool(given)
        if one_hot is None:
            return UNKNOWN
        encoding = LabelEncoding.ONE_HOT if one_hot else LabelEncoding.INTEGER
        shown = (
            f"read_data_sets(one_hot={one_hot})"
            if given is not None
            else "read_data_sets(), one_hot=False by default"
        )
        evidence = LabelEvidence(encoding, entry.classes, shown, node)

        def split() -> Record:
            return Record(
                {"labels": Labels(evidence), "images": UNKNOWN, "num_examples": UNKNOWN},
                {"next_batch": Seq([UNKNOWN, Labels(evidence)])},
            )

        return Record({"train": split(), "validation": split(), "test": split()})

    # --- records, lambdas, comprehensions, estimators ------------------------------------

    def record_attribute(self, record: Record, attr: str) -> Value:
        if attr in record.fields:
            return record.fields[attr]
        if attr in record.methods:
            return RecordMethod(record, attr)
        return UNKNOWN

    def record_call(self, method: RecordMethod, node: cst.Call, args: Args) -> Value:
        result = method.record.methods[method.name]
        return result(node, args) if callable(result) else result

    def call_lambda(self, func: LambdaFunction, args: Args) -> Value:
        if self.depth >= 12 or args.starred:
            return UNKNOWN
        params = func.node.params
        local: dict[str, Value] = {}
        positional = [*params.posonly_params, *params.params]
        for i, param in enumerate(positional):
            name = param.name.value
            if i < len(args.pos):
                local[name] = args.pos[i]
            elif name in args.kw:
                local[name] = args.kw[name]
            else:
                local[name] = UNKNOWN
        for param in params.kwonly_params:
            local[param.name.value] = args.kw.get(param.name.value, UNKNOWN)
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                local[star.name.value] = UNKNOWN
        self.depth += 1
        try:
            return self.eval(func.node.body, Frame(local, parent=func.closure))
        finally:
            self.depth -= 1

    def call_callable(self, func: Value, args: Args) -> Value:
        if isinstance(func, LambdaFunction):
            return self.call_lambda(func, args)
        if isinstance(func, Function):
            return self.call_function(func, args)
        return UNKNOWN

    def comprehension(self, node: cst.ListComp, frame: Frame) -> Value:
        """``[random.randint(0, 9) for _ in range(n)]``: a list of per-sample labels.

        Only an element that a library call makes (``randint(...)``, ``np.eye(k)[i]``) is
        evaluated, with the loop variables unknown: other comprehensions cost nothing.
        """
        element = node.elt
        call = element.value if isinstance(element, cst.Subscript) else element
        if not isinstance(call, cst.Call):
            return UNKNOWN
        inner = Frame({}, parent=frame)
        clause: cst.CompFor | None = node.for_in
        while clause is not None:
            self.assign(clause.target, UNKNOWN, inner)
            clause = clause.inner_for_in
        if not isinstance(self.eval(call.func, inner), Ref):
            return UNKNOWN
        value = self.eval(element, inner)
        return value if isinstance(value, Labels) else UNKNOWN

    def estimator(self, model_fn: Value | None) -> Value:
        """``tf.estimator.Estimator(model_fn=f)``: ``train``/``evaluate`` call ``f``."""
        if model_fn is None:
            return UNKNOWN

        def run(call: cst.Call, args: Args) -> Value:
            source = args.get("input_fn", 0)
            labels: Value = UNKNOWN
            if isinstance(source, InputFunction):
                labels = source.labels
            elif source is not None:
                made = self.call_callable(source, Args([], {}, [], {}))
                if isinstance(made, Dataset) and made.labels is not None:
                    labels = Labels(made.labels)
                elif isinstance(made, Seq) and len(made.items) == 2:
                    labels = made.items[1]
            self.call_callable(model_fn, Args([UNKNOWN, labels, UNKNOWN], {}, [], {}))
            return UNKNOWN

        return Record({}, {"train": run, "evaluate": run})

    def builtin_len(self, node: cst.Call, args: Args) -> Value:
        """``len(CLASS_NAMES)`` of a list, tuple, dict or string written in the file, when
        nothing in the file grows or shrinks it (``names.append(...)``, ``d[k] = v``)."""
        if len(args.pos) != 1 or args.kw or args.starred:
            return UNKNOWN
        length = lists.length(args.pos[0])
        if length is UNKNOWN:
            return UNKNOWN
        argument = node.args[0].value
        if isinstance(argument, cst.Name):
            mutated = self.mutated_names.get(argument.value)
            if mutated is None:
                mutated = self.mutated_names[argument.value] = _mutated(self.source, argument.value)
            if mutated:
                return UNKNOWN
        return length

    # --- generators and keras.utils.Sequence -------------------------------------------

    def generator_value(self, yields: list[Value]) -> Value:
        """What calling a generator function gives: batches ``(x, y)`` as a dataset, with
        labels when every yield agrees on them."""
        evidence = [_pair_labels(value) for value in yields]
        first = evidence[0]
        if first is not None and all(
            e is not None and e.encoding is first.encoding for e in evidence
        ):
            return Dataset(first, yields[0])
        return Dataset(None)

    def batch_labels(self, batches: Value | None) -> Value:
        """The labels of a ``keras.utils.Sequence``/``PyDataset`` given to ``fit``: what
        its ``__getitem__`` returns as ``(x, y)``."""
        if not isinstance(batches, Object):
            return UNKNOWN
        getitem = batches.cls.methods.get("__getitem__")
        if getitem is None:
            return UNKNOWN
        batch = self.call_function(getitem, Args([Const(0)], {}, [], {}), self_obj=batches)
        evidence = _pair_labels(batch)
        return Labels(evidence) if evidence is not None else UNKNOWN

    # --- tf.data map ---------------------------------------------------------------------

    def dataset_map(self, dataset: Dataset, args: Args) -> Value:
        """``ds.map(f)``: the elements ``f`` returns (a lambda or a function of the file)."""
        func = args.first(("map_func",), 0)
        if not isinstance(func, (LambdaFunction, Function)):
            return Dataset(None)
        element = dataset_element(dataset)
        if isinstance(element, Seq):
            call_args = Args(list(element.items), {}, [], {})
        else:
            call_args = Args([element], {}, [], {})
        result = self.call_callable(func, call_args)
        if isinstance(result, Seq) and len(result.items) >= 2:
            labels = result.items[1]
            return Dataset(labels.evidence if isinstance(labels, Labels) else None, result)
        return Dataset(None, result)

    # --- pandas on receivers of unknown type ---------------------------------------------

    def unknown_receiver_method(
        self, entry: LabelProducer, name: str, node: cst.Call, args: Args
    ) -> Value:
        return self.produce_more(entry, name, node, args)

    # --- which labels reach a loss -------------------------------------------------------

    def labels_for(
        self, value: Value | None, head: Head | None, base: Any, prediction: Value | None = None
    ) -> LabelEvidence | None:
        """The labels' evidence as the loss sees them.

        ``base`` is the plain reading (``keras_semantics.plain_labels``). A LabelBinarizer's
        one-hot rows count only for an output of more than two units; a flat literal row
        such as ``[0, 0, 1]`` passed to a loss call is one sample's one-hot row when the
        prediction is one sample of that many classes, ids when the prediction has that
        many rows, and nothing is said otherwise.
        """
        if isinstance(value, Labels) and value.over_units is not None:
            if head is None or head.units is None or head.units <= value.over_units:
                return None
            return value.evidence
        if prediction is not None and isinstance(value, LiteralArray) and value.rows is None:
            return _flat_row(value, prediction)
        return base(value)

    def defer_placeholder(
        self, head: Head | None, spec: LossSpec, node: cst.CSTNode, placeholder: Placeholder
    ) -> None:
        self.pending.append((head or Head(None, Act.UNKNOWN), spec, node, placeholder))

    def resolve_placeholders(self, base: Any) -> None:
        """Bindings of losses on placeholders, with the labels every known feed agrees on."""
        for head, spec, node, placeholder in self.pending:
            known = [e for e in (self.labels_for(v, head, base) for v in placeholder.fed) if e]
            labels = None
            if known and all(e.encoding is known[0].encoding for e in known):
                labels = known[0]
                if any(e.num_classes != labels.num_classes for e in known):
                    labels = replace(labels, num_classes=None)
            elif known:
                labels = _rejected_feed(placeholder, known)
            if labels is None and head.activation is Act.UNKNOWN and head.units is None:
                continue
            self.bindings.append(Binding(head, spec, "feed", labels, (), node))
        self.pending.clear()


def _rejected_feed(placeholder: Placeholder, known: list[LabelEvidence]) -> LabelEvidence | None:
    """Feeds of both encodings: the one the declared shape rejects is fed wrongly whatever
    the run computes (TensorFlow checks every feed against the placeholder's shape)."""
    if placeholder.rank == 1:
        wrong = LabelEncoding.ONE_HOT  # [None]: one id per sample
    elif placeholder.rank == 2 and placeholder.columns is not None and placeholder.columns > 1:
        wrong = LabelEncoding.INTEGER  # [None, k]: k columns per sample
    else:
        return None
    return next((e for e in known if e.encoding is wrong), None)


_MUTATION = re.compile(
    r"\s*(?:\.(?:append|extend|insert|pop|remove|clear|update|setdefault|popitem)\s*\("
    r"|[-+*]=|\[[^\]\n]*\]\s*=(?!=))"
)


def _mutated(source: str, name: str) -> bool:
    """Whether the file changes the list or dict bound to ``name`` in place anywhere
    (``name.append(...)``, ``name += ...``, ``name[k] = ...``, ``del name[k]``)."""
    start = 0
    while (at := source.find(name, start)) >= 0:
        start = at + len(name)
        before = source[at - 1] if at else " "
        if before.isalnum() or before in "_.":
            continue  # part of another name, or an attribute of something else
        if _MUTATION.match(source, start) or source.endswith("del ", 0, at):
            return True
    return False


def _pair_labels(value: Value) -> LabelEvidence | None:
    """The labels of an ``(x, y)`` or ``(x, y, weights)`` batch."""
    if isinstance(value, Seq) and len(value.items) in (2, 3):
        labels = value.items[1]
        if isinstance(labels, Labels) and labels.over_units is None:
            return labels.evidence
    return None


def dataset_element(dataset: Dataset) -> Value:
    if dataset.element is not UNKNOWN:
        return dataset.element
    if dataset.labels is not None:
        return Seq([UNKNOWN, Labels(dataset.labels)])
    return UNKNOWN


def _flat_row(value: LiteralArray, prediction: Value) -> LabelEvidence | None:
    ids = value.flat
    if not all(float(x).is_integer() and x >= 0 for x in ids):
        return None
    width = len(ids)
    as_ids = LabelEvidence(LabelEncoding.INTEGER, None, "integer literal", value.node)
    if width < 2 or sorted(ids) != [0] * (width - 1) + [1]:
        return as_ids  # a value other than 0/1, or more than one 1: not a one-hot row
    rows, units = _prediction_shape(prediction)
    if rows == 1 and units in (None, width):
        return LabelEvidence(LabelEncoding.ONE_HOT, width, "one-hot row literal", value.node)
    if rows == width and units != width:
        return as_ids
    return None


def _prediction_shape(prediction: Value) -> tuple[int | None, int | None]:
    """(rows, columns) of a prediction, each None when not known."""
    if isinstance(prediction, LiteralArray):
        if prediction.rows is None:
            return 1, len(prediction.flat)
        return len(prediction.rows), len(prediction.rows[0])
    if isinstance(prediction, Tensor):
        return prediction.rows, prediction.head.units
    return None, None


def _tfds_info(classes: int | None) -> Record:
    label = Record({"num_classes": Const(classes) if classes is not None else UNKNOWN})
    return Record({"features": Mapping({"label": label}), "splits": UNKNOWN})


def _ids(classes: int | None, shown: str, node: cst.CSTNode) -> Labels:
    return Labels(LabelEvidence(LabelEncoding.INTEGER, classes, shown, node))


def _arg(args: Args, arg: Arg | None) -> Value | None:
    if arg is None:
        return None
    return args.get(arg.keyword, arg.position)


def _short(q: str) -> str:
    """``numpy.random.randint`` -> ``np.random.randint``, ``pandas.x`` -> ``pd.x``."""
    for long, short in (("numpy.", "np."), ("pandas.", "pd."), ("tensorflow.", "tf.")):
        if q.startswith(long):
            return short + q[len(long) :]
    if q.startswith("sklearn."):
        return q.rsplit(".", 1)[1]
    return q


def _is_none(value: Value) -> bool:
    return isinstance(value, Const) and value.value is None


def _is_int_dtype(value: Value | None) -> bool:
    if isinstance(value, Ref):
        return canonical(value.qname).rsplit(".", 1)[1] in _INT_DTYPES
    if isinstance(value, Const) and isinstance(value.value, str):
        return value.value in _INT_DTYPES
    return False


def _length(value: Value) -> int | None:
    if isinstance(value, Seq):
        return len(value.items)
    if isinstance(value, LiteralArray):
        return len(value.rows) if value.rows is not None else len(value.flat)
    return None


def _non_negative_ints(value: Value) -> bool:
    if isinstance(value, LiteralArray):
        return value.rows is None and all(float(x).is_integer() and x >= 0 for x in value.flat)
    return False


def _is_column_shape(value: Value | None, node: Any, scalar_ok: bool = False) -> bool:
    """A shape of one id per sample: ``n``, ``(n,)``, ``(n, 1)``, ``[n]``.

    An unknown name is taken for a count only where the code says it is one (``len(x)``,
    arithmetic) or where a scalar would be fine as well (``randint(0, k, n)``).
    """
    if isinstance(node, cst.Arg):
        node = node.value
    if isinstance(value, Const):
        return isinstance(value.value, int) and not isinstance(value.value, bool)
    if isinstance(value, (Seq, LiteralArray)):
        items: list[Any]
        if isinstance(value, Seq):
            items = value.items
        elif value.rows is None:
            items = [Const(x) for x in value.flat]
        else:
            return False
        if len(items) == 1:
            return True
        return len(items) == 2 and const_int(items[1]) == 1
    if isinstance(node, (cst.Tuple, cst.List)):
        elements = node.elements
        if len(elements) == 1:
            return True
        second = elements[1].value if len(elements) == 2 else None
        return isinstance(second, cst.Integer) and second.value == "1"
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "len":
        return True
    if isinstance(node, cst.BinaryOperation):
        return True
    return scalar_ok and isinstance(node, (cst.Name, cst.Attribute))
