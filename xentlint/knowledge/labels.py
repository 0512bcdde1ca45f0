"""Calls that produce labels of a known encoding, and what keeps an encoding.

Each entry is an instance of one of the entry types below; the static front end
(:mod:`xentlint.static.keras_semantics`) implements each type once. To teach xentlint a
new label producer, add one entry of the fitting type (and a fixture).
"""

from __future__ import annotations

from typing import NamedTuple

from xentlint.facts import LabelEncoding
from xentlint.knowledge.spec import Arg


class OneHot(NamedTuple):
    """One-hot rows of the class ids in ``ids``, ``depth`` columns wide (None: not given)."""

    depth: Arg | None
    ids: tuple[str, ...] = ("y", "indices")  # keywords of the ids (first argument)
    #: without a depth, the depth is the class count of the ids (to_categorical(y))
    depth_from_ids: bool = False


class IdsFromOneHot(NamedTuple):
    """Class ids of one-hot rows: ``argmax(one_hot, axis=-1)``."""

    source: tuple[str, ...] = ("a", "input", "x")  # keywords of the rows (first argument)


class SameLabels(NamedTuple):
    """The labels it is given, converted: ``np.array(y)``, ``tf.constant(y)``..."""

    source: tuple[str, ...] = ("a", "value", "x")


class LoadedDataset(NamedTuple):
    """``(x_train, y_train), (x_test, y_test)`` with integer ids of ``classes`` classes."""

    name: str  # "mnist": the message says "mnist.load_data()"
    classes: int
    #: an argument that selects another label set (cifar100 label_mode) and its classes
    mode: Arg | None = None
    modes: tuple[tuple[str, int], ...] = ()  # (value of ``mode``, its class count)


class LabelModeDataset(NamedTuple):
    """A dataset whose label encoding is chosen by an argument (``label_mode="int"``)."""

    mode: Arg
    default: str


class PairDataset(NamedTuple):
    """A dataset of ``(x, y)`` given as one argument: ``from_tensor_slices((x, y))``."""

    tensors: Arg


class LabelsArgDataset(NamedTuple):
    """A dataset whose labels are one argument: ``datagen.flow(x, y)``."""

    labels: Arg


# --- producers of issue 9 (numpy, python random, sklearn, pandas, tfds, tf.data, TF1) ------


class RandomIds(NamedTuple):
    """Random integer class ids: ``np.random.randint(0, k, n)``, ``random.randint(0, 9)``.

    The ids lie in ``[low, high)`` (``[low, high]`` when ``inclusive``); without a ``high``
    argument, ``low`` is the exclusive upper bound and 0 the lower one
    (``np.random.randint(k, size=n)``, ``np.random.choice(k, n)``). ``size`` is the shape:
    a 2-D shape other than a column makes a matrix, not ids. ``int_dtype``: the call makes
    integers only with an integer ``dtype`` argument (``tf.random.uniform``).
    """

    low: Arg
    high: Arg | None = None
    size: Arg | None = None
    inclusive: bool = False
    int_dtype: Arg | None = None


class IdentityRows(NamedTuple):
    """``np.eye(k)``: indexing it with class ids gives one-hot rows, ``columns`` wide."""

    rows: Arg
    columns: Arg | None = None


class IdsColumn(NamedTuple):
    """``np.zeros((n,))`` / ``np.ones((n, 1))``: one id per sample (a 2-D shape: unknown)."""

    shape: Arg


class Ids(NamedTuple):
    """Integer class ids of unknown count (``LabelEncoder().fit_transform(y)``).

    ``within``: the call returns a tuple of ``within[1]`` items whose ``within[0]``-th
    holds the ids (``pd.factorize`` returns ``(codes, uniques)``).
    """

    within: tuple[int, int] | None = None


class OneHotColumns(NamedTuple):
    """One-hot rows of unknown depth (``pd.get_dummies``, ``OneHotEncoder``).

    ``unless``: keywords that, when given (and not False/None), make the result something
    else (``get_dummies(columns=...)`` keeps other columns; ``drop_first=True`` drops one).
    ``over_units``: the rows are one-hot only when there are more classes than this
    (``LabelBinarizer`` gives a single 0/1 column for two classes): the output's units
    decide, and nothing is said when they are not known.
    """

    unless: tuple[str, ...] = ()
    over_units: int | None = None


class IdsFromMapping(NamedTuple):
    """``series.map({"cat": 0, "dog": 1})``: a literal dict to integers makes class ids.

    ``total``: every value is mapped (``map``; ``replace`` leaves other values alone, so
    the class count is not known).
    """

    mapping: Arg
    total: bool = True


class MadeDataset(NamedTuple):
    """A dataset maker returning ``(X, y)`` with integer class ids: ``make_classification``.

    ``classes``: the argument giving the class count (an int, or a list of centres), else
    ``default``. ``unless``: keywords that change what is returned (``return_centers``).
    """

    classes: Arg | None
    default: int | None
    unless: tuple[str, ...] = ()


class BundledDataset(NamedTuple):
    """``load_iris()``: a bunch whose ``target`` holds class ids (``(X, y)`` with
    ``return_X_y=True``). ``name``: the dataset-name argument whose class count a table in
    :mod:`xentlint.knowledge.datasets` gives (``fetch_openml("mnist_784")``)."""

    label: str  # "load_iris()", for messages
    classes: int | None = None
    classes_arg: Arg | None = None  # load_digits(n_class=10)
    name: Arg | None = None


class SplitArrays(NamedTuple):
    """``train_test_split(X, y)``: each array becomes two, in order (``X_tr, X_te, y_tr, y_te``)."""


class ShuffledArrays(NamedTuple):
    """``sklearn.utils.shuffle(X, y)``: the arrays, each keeping its labels."""


class TfdsLoad(NamedTuple):
    """``tfds.load(name, split=..., as_supervised=..., with_info=...)``: datasets of
    ``(input, label)`` pairs (with ``as_supervised``) or of feature dicts, whose ``label``
    holds integer ClassLabel ids."""

    name: Arg
    split: Arg = Arg("split")
    supervised: Arg = Arg("as_supervised")
    info: Arg | None = Arg("with_info")


class TfdsBuilder(NamedTuple):
    """``tfds.builder(name)``: its ``as_dataset(...)`` is :class:`TfdsLoad` of that name."""

    name: Arg


class Tf1Mnist(NamedTuple):
    """TF1 ``input_data.read_data_sets(dir, one_hot=False)``: ``.train``/``.validation``/
    ``.test`` with ``.labels`` and ``.next_batch(n)`` -> ``(images, labels)``; 10 classes."""

    one_hot: Arg
    classes: int = 10


class Placeholder(NamedTuple):
    """``tf.placeholder(dtype, shape)``: what it holds is whatever ``feed_dict`` feeds it;
    the declared shape says which feeds TensorFlow accepts at all."""

    shape: Arg = Arg("shape", 1)


class PlainDataset(NamedTuple):
    """A ``tf.data`` dataset whose elements are unknown (``TFRecordDataset(files)``):
    its ``map`` may still give it labels."""


class ZipDataset(NamedTuple):
    """``tf.data.Dataset.zip((inputs, labels))``: elements are the datasets' elements."""

    datasets: Arg


class JoinedLabels(NamedTuple):
    """``np.concatenate([y_a, y_b])``: samples of the same encoding, one after the other
    (along the first axis only: ``axis=1`` would widen one-hot rows)."""

    arrays: Arg
    axis: Arg | None = Arg("axis", 1)


class EstimatorModel(NamedTuple):
    """``tf.estimator.Estimator(model_fn=f)``: ``train(input_fn=...)`` calls ``f`` with the
    labels the input function gives."""

    model_fn: Arg


class NumpyInputFunction(NamedTuple):
    """``tf.estimator.inputs.numpy_input_fn(x, y)``: an input function whose labels are ``y``."""

    labels: Arg


LabelProducer = OneHot | IdsFromOneHot | SameLabels | LoadedDataset | LabelModeDataset
LabelProducer = LabelProducer | PairDataset | LabelsArgDataset
LabelProducer = LabelProducer | RandomIds | IdentityRows | IdsColumn | Ids | OneHotColumns
LabelProducer = LabelProducer | IdsFromMapping | MadeDataset | BundledDataset | SplitArrays
LabelProducer = LabelProducer | ShuffledArrays | TfdsLoad | TfdsBuilder | Tf1Mnist
LabelProducer = LabelProducer | Placeholder | PlainDataset | ZipDataset | EstimatorModel
LabelProducer = LabelProducer | NumpyInputFunction | JoinedLabels

#: label_mode / class_mode values -> encoding (others, such as None or "input": no labels)
LABEL_MODES = {
    "int": LabelEncoding.INTEGER,
    "categorical": LabelEncoding.ONE_HOT,
    "binary": LabelEncoding.BINARY,
    "sparse": LabelEncoding.INTEGER,
}

_DIRECTORY = LabelModeDataset(Arg("label_mode"), "int")
_SAME = SameLabels()
_ARGMAX = IdsFromOneHot()

#: Calls: canonical name -> entry
LABEL_PRODUCERS: dict[str, LabelProducer] = {
    "keras.utils.to_categorical": OneHot(Arg("num_classes", 1), depth_from_ids=True),
    "tensorflow.one_hot": OneHot(Arg("depth", 1)),
    "keras.ops.one_hot": OneHot(Arg("num_classes", 1)),
    "keras.datasets.mnist.load_data": LoadedDataset("mnist", 10),
    "keras.datasets.fashion_mnist.load_data": LoadedDataset("fashion_mnist", 10),
    "keras.datasets.cifar10.load_data": LoadedDataset("cifar10", 10),
    "keras.datasets.cifar100.load_data": LoadedDataset(
        "cifar100", 100, Arg("label_mode", 0), (("fine", 100), ("coarse", 20))
    ),
    "keras.datasets.reuters.load_data": LoadedDataset("reuters", 46),
    "keras.datasets.imdb.load_data": LoadedDataset("imdb", 2),
    "keras.utils.image_dataset_from_directory": _DIRECTORY,
    "keras.utils.text_dataset_from_directory": _DIRECTORY,
    "keras.utils.audio_dataset_from_directory": _DIRECTORY,
    "tensorflow.data.Dataset.from_tensor_slices": PairDataset(Arg("tensors", 0)),
    "tensorflow.data.Dataset.from_tensors": PairDataset(Arg("tensors", 0)),
    "numpy.argmax": _ARGMAX,
    "tensorflow.argmax": _ARGMAX,
    "tensorflow.math.argmax": _ARGMAX,
    "keras.ops.argmax": _ARGMAX,
    "numpy.array": _SAME,
    "numpy.asarray": _SAME,
    "numpy.squeeze": _SAME,
    "tensorflow.convert_to_tensor": _SAME,
    "tensorflow.constant": _SAME,
    "tensorflow.squeeze": _SAME,
    "tensorflow.cast": _SAME,
    "keras.ops.convert_to_tensor": _SAME,
    "tensorflow.to_int32": _SAME,
    "tensorflow.to_int64": _SAME,
    # numpy and python random ids (issue 9)
    "numpy.random.randint": RandomIds(Arg("low", 0), Arg("high", 1), Arg("size", 2)),
    "numpy.random.random_integers": RandomIds(
        Arg("low", 0), Arg("high", 1), Arg("size", 2), inclusive=True
    ),
    "numpy.random.choice": RandomIds(Arg("a", 0), None, Arg("size", 1)),
    "random.randint": RandomIds(Arg("a", 0), Arg("b", 1), inclusive=True),
    "random.randrange": RandomIds(Arg("start", 0), Arg("stop", 1)),
    "tensorflow.random.uniform": RandomIds(
        Arg("minval", 1), Arg("maxval", 2), Arg("shape", 0), int_dtype=Arg("dtype", 3)
    ),
    "keras.random.randint": RandomIds(Arg("minval", 1), Arg("maxval", 2), Arg("shape", 0)),
    "numpy.concatenate": JoinedLabels(Arg("arrays", 0)),
    "tensorflow.concat": JoinedLabels(Arg("values", 0)),
    "numpy.eye": IdentityRows(Arg("N", 0), Arg("M", 1)),
    "numpy.identity": IdentityRows(Arg("n", 0)),
    "numpy.zeros": IdsColumn(Arg("shape", 0)),
    "numpy.ones": IdsColumn(Arg("shape", 0)),
    # sklearn
    "sklearn.datasets.make_classification": MadeDataset(Arg("n_classes"), 2),
    "sklearn.datasets.make_blobs": MadeDataset(Arg("centers", 2), 3, ("return_centers",)),
    "sklearn.datasets.make_moons": MadeDataset(None, 2),
    "sklearn.datasets.make_circles": MadeDataset(None, 2),
    "sklearn.datasets.make_gaussian_quantiles": MadeDataset(Arg("n_classes"), 3),
    "sklearn.datasets.load_iris": BundledDataset("load_iris()", 3),
    "sklearn.datasets.load_wine": BundledDataset("load_wine()", 3),
    "sklearn.datasets.load_breast_cancer": BundledDataset("load_breast_cancer()", 2),
    "sklearn.datasets.load_digits": BundledDataset("load_digits()", 10, Arg("n_class", 0)),
    "sklearn.datasets.fetch_20newsgroups": BundledDataset("fetch_20newsgroups()", 20),
    "sklearn.datasets.fetch_olivetti_faces": BundledDataset("fetch_olivetti_faces()", 40),
    "sklearn.datasets.fetch_openml": BundledDataset("fetch_openml()", name=Arg("name", 0)),
    "sklearn.preprocessing.label_binarize": OneHotColumns(over_units=2),
    "sklearn.model_selection.train_test_split": SplitArrays(),
    "sklearn.cross_validation.train_test_split": SplitArrays(),
    "sklearn.utils.shuffle": ShuffledArrays(),
    # pandas
    "pandas.get_dummies": OneHotColumns(("columns", "drop_first", "dummy_na")),
    "pandas.factorize": Ids((0, 2)),
    # tensorflow_datasets
    "tensorflow_datasets.load": TfdsLoad(Arg("name", 0)),
    "tensorflow_datasets.builder": TfdsBuilder(Arg("name", 0)),
    # tf.data sources whose elements are unknown, and zip
    "tensorflow.data.TFRecordDataset": PlainDataset(),
    "tensorflow.data.TextLineDataset": PlainDataset(),
    "tensorflow.data.Dataset.list_files": PlainDataset(),
    "tensorflow.data.Dataset.from_generator": PlainDataset(),
    "tensorflow.data.Dataset.range": PlainDataset(),
    "tensorflow.data.Dataset.zip": ZipDataset(Arg("datasets", 0)),
    # TF1
    "tensorflow.placeholder": Placeholder(),
    "tensorflow.examples.tutorials.mnist.input_data.read_data_sets": Tf1Mnist(Arg("one_hot", 2)),
    "tensorflow.contrib.learn.python.learn.datasets.mnist.read_data_sets": Tf1Mnist(
        Arg("one_hot", 2)
    ),
    "tensorflow.contrib.learn.datasets.mnist.read_data_sets": Tf1Mnist(Arg("one_hot", 2)),
    # a copy of TensorFlow's tutorial module kept next to the script (``import input_data``)
    "input_data.read_data_sets": Tf1Mnist(Arg("one_hot", 2)),
    "tensorflow.estimator.Estimator": EstimatorModel(Arg("model_fn", 0)),
    "tensorflow.estimator.inputs.numpy_input_fn": NumpyInputFunction(Arg("y", 1)),
}

#: Classes whose instances produce labels through methods: canonical class name ->
#: {method name -> entry}. ``ImageDataGenerator().flow_from_directory(...)``.
INSTANCE_METHODS: dict[str, dict[str, LabelProducer]] = {
    "keras.preprocessing.image.ImageDataGenerator": {
        "flow_from_directory": LabelModeDataset(Arg("class_mode"), "categorical"),
        "flow_from_dataframe": LabelModeDataset(Arg("class_mode"), "categorical"),
        "flow": LabelsArgDataset(Arg("y", 1)),
    },
    "sklearn.preprocessing.LabelEncoder": {"fit_transform": Ids(), "transform": Ids()},
    "sklearn.preprocessing.OrdinalEncoder": {"fit_transform": Ids(), "transform": Ids()},
    "sklearn.preprocessing.LabelBinarizer": {
        "fit_transform": OneHotColumns(over_units=2),
        "transform": OneHotColumns(over_units=2),
    },
    "sklearn.preprocessing.OneHotEncoder": {
        "fit_transform": OneHotColumns(),
        "transform": OneHotColumns(),
    },
    "numpy.random.default_rng": {
        "integers": RandomIds(Arg("low", 0), Arg("high", 1), Arg("size", 2)),
        "choice": RandomIds(Arg("a", 0), None, Arg("size", 1)),
    },
    "numpy.random.RandomState": {
        "randint": RandomIds(Arg("low", 0), Arg("high", 1), Arg("size", 2)),
        "choice": RandomIds(Arg("a", 0), None, Arg("size", 1)),
    },
}
#: Methods of instances that return the instance itself (``LabelEncoder().fit(y)``).
INSTANCE_SELF_METHODS = frozenset({"fit"})

#: Methods recognised on a receiver of unknown type, by name alone: pandas' own names
#: (``df["species"].map({"setosa": 0, ...})``, ``series.factorize()``).
UNKNOWN_RECEIVER_METHODS: dict[str, LabelProducer] = {
    "factorize": Ids((0, 2)),
    "map": IdsFromMapping(Arg("arg", 0)),
    "replace": IdsFromMapping(Arg("to_replace", 0), total=False),
}

#: tf.data.Dataset methods that keep the labels' encoding.
DATASET_METHODS_KEEP = frozenset(
    {"batch", "shuffle", "prefetch", "cache", "repeat", "take", "skip", "unbatch",
     "with_options", "padded_batch", "rebatch", "apply_options"}
)  # fmt: skip
#: Array methods that keep the labels' encoding.
ARRAY_METHODS_KEEP = frozenset(
    {"astype", "reshape", "squeeze", "flatten", "ravel", "copy", "numpy", "to_numpy",
     "toarray", "todense"}
)  # fmt: skip
#: Array attributes that are the same labels (``pd.get_dummies(y).values``).
ARRAY_ATTRIBUTES_KEEP = frozenset({"values"})
#: Array methods: method name -> entry (``y_hot.argmax(axis=-1)``)
ARRAY_METHODS: dict[str, LabelProducer] = {"argmax": _ARGMAX}
