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


LabelProducer = OneHot | IdsFromOneHot | SameLabels | LoadedDataset | LabelModeDataset
LabelProducer = LabelProducer | PairDataset | LabelsArgDataset

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
}

#: Classes whose instances produce labels through methods: canonical class name ->
#: {method name -> entry}. ``ImageDataGenerator().flow_from_directory(...)``.
INSTANCE_METHODS: dict[str, dict[str, LabelProducer]] = {
    "keras.preprocessing.image.ImageDataGenerator": {
        "flow_from_directory": LabelModeDataset(Arg("class_mode"), "categorical"),
        "flow_from_dataframe": LabelModeDataset(Arg("class_mode"), "categorical"),
        "flow": LabelsArgDataset(Arg("y", 1)),
    },
}

#: tf.data.Dataset methods that keep the labels' encoding.
DATASET_METHODS_KEEP = frozenset(
    {"batch", "shuffle", "prefetch", "cache", "repeat", "take", "skip", "unbatch",
     "with_options", "padded_batch", "rebatch", "apply_options"}
)  # fmt: skip
#: Array methods that keep the labels' encoding.
ARRAY_METHODS_KEEP = frozenset(
    {"astype", "reshape", "squeeze", "flatten", "ravel", "copy", "numpy", "to_numpy"}
)  # fmt: skip
#: Array methods: method name -> entry (``y_hot.argmax(axis=-1)``)
ARRAY_METHODS: dict[str, LabelProducer] = {"argmax": _ARGMAX}
