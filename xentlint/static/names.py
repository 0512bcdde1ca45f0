"""Canonical names of the Keras / TensorFlow APIs the static front end understands.

Every dotted name that an import makes reachable (``tf.keras.layers.Dense``,
``tensorflow.keras.layers.core.Dense``, ``tf_keras.layers.Dense``...) is reduced to one
canonical spelling (``keras.layers.Dense``) by :func:`canonical`, and the tables below are
keyed by canonical names.
"""

from __future__ import annotations

from functools import lru_cache

from xentlint.facts import Act, LabelEncoding, LossFamily

_PREFIX_REWRITES = (
    ("tensorflow.compat.v1.keras.", "keras."),
    ("tensorflow.compat.v2.keras.", "keras."),
    ("tensorflow.python.keras.", "keras."),
    ("tensorflow.keras.", "keras."),
    ("tf_keras.", "keras."),
    ("keras.api._v2.keras.", "keras."),
    ("keras.api.", "keras."),
    ("keras.src.", "keras."),
    ("keras._tf_keras.keras.", "keras."),
    ("tensorflow.compat.v1.", "tensorflow."),
    ("tensorflow.compat.v2.", "tensorflow."),
)

# Namespaces whose deeper module paths (keras.layers.core.Dense) collapse to the last part.
_COLLAPSE = (
    "keras.layers.",
    "keras.losses.",
    "keras.activations.",
    "keras.metrics.",
    "keras.utils.",
)

_EXACT = {
    "keras.models.Sequential": "keras.Sequential",
    "keras.engine.sequential.Sequential": "keras.Sequential",
    "keras.models.Model": "keras.Model",
    "keras.engine.training.Model": "keras.Model",
    "keras.engine.functional.Functional": "keras.Model",
    "keras.layers.Input": "keras.Input",
    "keras.engine.input_layer.Input": "keras.Input",
    "keras.preprocessing.image_dataset_from_directory": "keras.utils.image_dataset_from_directory",
    "keras.preprocessing.text_dataset_from_directory": "keras.utils.text_dataset_from_directory",
    "keras.utils.np_utils.to_categorical": "keras.utils.to_categorical",
    "tensorflow.math.softmax": "tensorflow.nn.softmax",
    "tensorflow.math.sigmoid": "tensorflow.nn.sigmoid",
    "tensorflow.sigmoid": "tensorflow.nn.sigmoid",
    "tensorflow.math.log_softmax": "tensorflow.nn.log_softmax",
    "tensorflow.nn.softmax_cross_entropy_with_logits_v2": (
        "tensorflow.nn.softmax_cross_entropy_with_logits"
    ),
    "keras.ops.nn.softmax": "keras.ops.softmax",
    "keras.ops.nn.sigmoid": "keras.ops.sigmoid",
    "keras.ops.nn.log_softmax": "keras.ops.log_softmax",
    "keras.ops.nn.one_hot": "keras.ops.one_hot",
    "keras.backend.softmax": "keras.ops.softmax",
    "keras.backend.sigmoid": "keras.ops.sigmoid",
    "keras.backend.one_hot": "keras.ops.one_hot",
    "keras.ops.nn.categorical_crossentropy": "keras.ops.categorical_crossentropy",
    "keras.ops.nn.sparse_categorical_crossentropy": "keras.ops.sparse_categorical_crossentropy",
    "keras.ops.nn.binary_crossentropy": "keras.ops.binary_crossentropy",
    "keras.backend.categorical_crossentropy": "keras.ops.categorical_crossentropy",
    "keras.backend.sparse_categorical_crossentropy": "keras.ops.sparse_categorical_crossentropy",
    "keras.backend.binary_crossentropy": "keras.ops.binary_crossentropy",
    "keras.layers.Convolution1D": "keras.layers.Conv1D",
    "keras.layers.Convolution2D": "keras.layers.Conv2D",
    "keras.layers.Convolution3D": "keras.layers.Conv3D",
    "keras.layers.Convolution2DTranspose": "keras.layers.Conv2DTranspose",
}

TF1_LOSS_OPS = {
    # name: (family, labels keyword, logits keyword)
    "softmax_cross_entropy": (LossFamily.CATEGORICAL, "onehot_labels", "logits"),
    "sparse_softmax_cross_entropy": (LossFamily.SPARSE_CATEGORICAL, "labels", "logits"),
    "sigmoid_cross_entropy": (LossFamily.BINARY, "multi_class_labels", "logits"),
}


@lru_cache(maxsize=4096)
def canonical(qname: str) -> str:
    name = qname
    for old, new in _PREFIX_REWRITES:
        if name.startswith(old):
            name = new + name[len(old) :]
    if name.startswith("tensorflow.losses."):
        last = name.rsplit(".", 1)[1]
        if last in TF1_LOSS_OPS:
            return "tf1.losses." + last
        name = "keras.losses." + last
    elif name.startswith("tensorflow.metrics."):
        name = "keras.metrics." + name.rsplit(".", 1)[1]
    elif name.startswith(("tensorflow.layers.", "tensorflow.nn.", "tensorflow.math.")):
        pass
    for ns in _COLLAPSE:
        if name.startswith(ns) and name.count(".") > ns.count("."):
            name = ns + name.rsplit(".", 1)[1]
            break
    if name.endswith(".ImageDataGenerator") and name.startswith("keras."):
        name = "keras.preprocessing.image.ImageDataGenerator"
    return _EXACT.get(name, name)


# --- activations -------------------------------------------------------------------------

ACTIVATION_STRINGS = {
    "softmax": Act.SOFTMAX,
    "sigmoid": Act.SIGMOID,
    "log_softmax": Act.LOG_SOFTMAX,
    "linear": Act.LINEAR,
}
OTHER_ACTIVATION_STRINGS = frozenset(
    {
        "relu", "relu6", "elu", "selu", "gelu", "tanh", "softplus", "softsign", "swish",
        "silu", "mish", "exponential", "hard_sigmoid", "hard_silu", "hard_swish", "leaky_relu",
        "log_sigmoid", "celu", "glu", "hard_tanh", "sparsemax", "squareplus", "tanh_shrink",
        "hard_shrink", "soft_shrink", "sparse_plus", "sparse_sigmoid", "threshold",
    }
)  # fmt: skip

# Functions that are activations when passed as ``activation=`` (canonical name -> Act).
ACTIVATION_FUNCTIONS = {
    "tensorflow.nn.softmax": Act.SOFTMAX,
    "keras.activations.softmax": Act.SOFTMAX,
    "keras.ops.softmax": Act.SOFTMAX,
    "tensorflow.nn.sigmoid": Act.SIGMOID,
    "keras.activations.sigmoid": Act.SIGMOID,
    "keras.ops.sigmoid": Act.SIGMOID,
    "tensorflow.nn.log_softmax": Act.LOG_SOFTMAX,
    "keras.activations.log_softmax": Act.LOG_SOFTMAX,
    "keras.ops.log_softmax": Act.LOG_SOFTMAX,
    "keras.activations.linear": Act.LINEAR,
}
for _n in ("relu", "tanh", "elu", "selu", "gelu", "swish", "softplus", "leaky_relu", "silu"):
    ACTIVATION_FUNCTIONS.setdefault(f"tensorflow.nn.{_n}", Act.OTHER)
    ACTIVATION_FUNCTIONS.setdefault(f"keras.activations.{_n}", Act.OTHER)
ACTIVATION_FUNCTIONS["tensorflow.nn.tanh"] = Act.OTHER
ACTIVATION_FUNCTIONS["tensorflow.tanh"] = Act.OTHER

# Ops applied to tensors: canonical name -> (Act, name of the axis keyword(s)).
ACTIVATION_OPS = {
    "tensorflow.nn.softmax": Act.SOFTMAX,
    "keras.activations.softmax": Act.SOFTMAX,
    "keras.ops.softmax": Act.SOFTMAX,
    "tensorflow.nn.sigmoid": Act.SIGMOID,
    "keras.activations.sigmoid": Act.SIGMOID,
    "keras.ops.sigmoid": Act.SIGMOID,
    "tensorflow.nn.log_softmax": Act.LOG_SOFTMAX,
    "keras.activations.log_softmax": Act.LOG_SOFTMAX,
    "keras.ops.log_softmax": Act.LOG_SOFTMAX,
}

# --- layers --------------------------------------------------------------------------------

# Layers with a units/filters count as first argument and an ``activation`` keyword.
UNITS_LAYERS = {
    "keras.layers.Dense": ("units", 1),  # (keyword for units, positional index of activation)
    "keras.layers.Conv1D": ("filters", None),
    "keras.layers.Conv2D": ("filters", None),
    "keras.layers.Conv3D": ("filters", None),
    "keras.layers.Conv1DTranspose": ("filters", None),
    "keras.layers.Conv2DTranspose": ("filters", None),
    "keras.layers.Conv3DTranspose": ("filters", None),
    "keras.layers.SeparableConv1D": ("filters", None),
    "keras.layers.SeparableConv2D": ("filters", None),
}
# Recurrent layers: their output is never class scores of a known activation.
RECURRENT_LAYERS = frozenset(
    {"keras.layers.LSTM", "keras.layers.GRU", "keras.layers.SimpleRNN", "keras.layers.ConvLSTM2D"}
)
# Layers that leave class scores as they are (identity at inference).
PASSTHROUGH_LAYERS = frozenset(
    {
        "keras.layers.Dropout", "keras.layers.GaussianNoise", "keras.layers.GaussianDropout",
        "keras.layers.AlphaDropout", "keras.layers.ActivityRegularization",
        "keras.layers.SpatialDropout1D", "keras.layers.SpatialDropout2D",
        "keras.layers.SpatialDropout3D", "keras.layers.InputLayer",
    }
)  # fmt: skip
OTHER_ACTIVATION_LAYERS = frozenset(
    {"keras.layers.ReLU", "keras.layers.LeakyReLU", "keras.layers.PReLU", "keras.layers.ELU",
     "keras.layers.ThresholdedReLU"}
)  # fmt: skip
MODEL_CLASSES = frozenset({"keras.Model", "keras.Sequential"})
LAYER_BASES = frozenset({"keras.layers.Layer", "keras.Layer"})

# --- losses --------------------------------------------------------------------------------

_LOSS_NAMES = {
    LossFamily.CATEGORICAL: ("categorical_crossentropy", "CategoricalCrossentropy"),
    LossFamily.SPARSE_CATEGORICAL: (
        "sparse_categorical_crossentropy",
        "SparseCategoricalCrossentropy",
    ),
    LossFamily.BINARY: ("binary_crossentropy", "BinaryCrossentropy", "bce", "BCE"),
    LossFamily.FOCAL_BINARY: ("binary_focal_crossentropy", "BinaryFocalCrossentropy"),
    LossFamily.FOCAL_CATEGORICAL: (
        "categorical_focal_crossentropy",
        "CategoricalFocalCrossentropy",
    ),
}
LOSS_STRINGS: dict[str, LossFamily] = {s: fam for fam, names in _LOSS_NAMES.items() for s in names}
OTHER_LOSS_STRINGS = frozenset(
    {
        "mse", "MSE", "mae", "MAE", "mape", "MAPE", "msle", "MSLE", "kld", "KLD",
        "mean_squared_error", "MeanSquaredError", "mean_absolute_error", "MeanAbsoluteError",
        "mean_absolute_percentage_error", "MeanAbsolutePercentageError",
        "mean_squared_logarithmic_error", "MeanSquaredLogarithmicError",
        "hinge", "Hinge", "squared_hinge", "SquaredHinge", "categorical_hinge",
        "CategoricalHinge", "huber", "Huber", "log_cosh", "LogCosh", "logcosh", "poisson",
        "Poisson", "kl_divergence", "KLDivergence", "kullback_leibler_divergence",
        "cosine_similarity", "CosineSimilarity", "ctc", "CTC", "dice", "Dice", "tversky",
        "Tversky", "circle", "Circle",
    }
)  # fmt: skip

# Loss classes: canonical name -> (family, positional index of from_logits in __init__).
LOSS_CLASSES = {
    "keras.losses.CategoricalCrossentropy": (LossFamily.CATEGORICAL, 0),
    "keras.losses.SparseCategoricalCrossentropy": (LossFamily.SPARSE_CATEGORICAL, 0),
    "keras.losses.BinaryCrossentropy": (LossFamily.BINARY, 0),
    "keras.losses.BinaryFocalCrossentropy": (LossFamily.FOCAL_BINARY, 3),
    "keras.losses.CategoricalFocalCrossentropy": (LossFamily.FOCAL_CATEGORICAL, 2),
}
# Loss functions: canonical name -> (family, positional index of from_logits).
LOSS_FUNCTIONS: dict[str, tuple[LossFamily, int]] = {}
for _ns in ("keras.losses.", "keras.metrics."):
    LOSS_FUNCTIONS[_ns + "categorical_crossentropy"] = (LossFamily.CATEGORICAL, 2)
    LOSS_FUNCTIONS[_ns + "sparse_categorical_crossentropy"] = (LossFamily.SPARSE_CATEGORICAL, 2)
    LOSS_FUNCTIONS[_ns + "binary_crossentropy"] = (LossFamily.BINARY, 2)
    LOSS_FUNCTIONS[_ns + "binary_focal_crossentropy"] = (LossFamily.FOCAL_BINARY, 5)
    LOSS_FUNCTIONS[_ns + "categorical_focal_crossentropy"] = (LossFamily.FOCAL_CATEGORICAL, 4)
LOSS_FUNCTIONS["keras.ops.categorical_crossentropy"] = (LossFamily.CATEGORICAL, 2)
LOSS_FUNCTIONS["keras.ops.sparse_categorical_crossentropy"] = (LossFamily.SPARSE_CATEGORICAL, 2)
LOSS_FUNCTIONS["keras.ops.binary_crossentropy"] = (LossFamily.BINARY, 2)

# Ops that always take logits: canonical name -> (family, labels keyword, logits keyword).
LOGITS_OPS = {
    "tensorflow.nn.softmax_cross_entropy_with_logits": (
        LossFamily.CATEGORICAL,
        "labels",
        "logits",
    ),
    "tensorflow.nn.sparse_softmax_cross_entropy_with_logits": (
        LossFamily.SPARSE_CATEGORICAL,
        "labels",
        "logits",
    ),
    "tensorflow.nn.sigmoid_cross_entropy_with_logits": (LossFamily.BINARY, "labels", "logits"),
    "tensorflow.nn.weighted_cross_entropy_with_logits": (LossFamily.BINARY, "labels", "logits"),
}
for _name, _spec in TF1_LOSS_OPS.items():
    LOGITS_OPS["tf1.losses." + _name] = _spec

ACCURACY_STRINGS = frozenset({"accuracy", "acc", "binary_accuracy"})
BINARY_ACCURACY_CLASS = "keras.metrics.BinaryAccuracy"

# --- labels --------------------------------------------------------------------------------

ONE_HOT_FUNCTIONS = {
    # canonical name -> (keyword for the class count, its positional index)
    "keras.utils.to_categorical": ("num_classes", 1),
    "tensorflow.one_hot": ("depth", 1),
    "keras.ops.one_hot": ("num_classes", 1),
}
DIRECTORY_DATASETS = frozenset(
    {
        "keras.utils.image_dataset_from_directory",
        "keras.utils.text_dataset_from_directory",
        "keras.utils.audio_dataset_from_directory",
    }
)
LABEL_MODES = {
    "int": LabelEncoding.INTEGER,
    "categorical": LabelEncoding.ONE_HOT,
    "binary": LabelEncoding.BINARY,
    "sparse": LabelEncoding.INTEGER,
}
# keras.datasets.<name>.load_data(): integer labels and their class count.
DATASET_CLASSES = {
    "mnist": 10,
    "fashion_mnist": 10,
    "cifar10": 10,
    "cifar100": 100,
    "reuters": 46,
    "imdb": 2,
}
DATASET_METHODS_KEEP = frozenset(
    {"batch", "shuffle", "prefetch", "cache", "repeat", "take", "skip", "unbatch",
     "with_options", "padded_batch", "rebatch", "apply_options"}
)  # fmt: skip
ARRAY_METHODS_KEEP = frozenset(
    {"astype", "reshape", "squeeze", "flatten", "ravel", "copy", "numpy", "to_numpy"}
)  # fmt: skip

# Names a Q&A snippet may use without importing them: bare name -> qualified name.
BARE_NAMES = {
    "tf": "tensorflow",
    "keras": "keras",
    "layers": "keras.layers",
    "losses": "keras.losses",
    "activations": "keras.activations",
    "Sequential": "keras.Sequential",
    "Model": "keras.Model",
    "Input": "keras.Input",
    "to_categorical": "keras.utils.to_categorical",
    "image_dataset_from_directory": "keras.utils.image_dataset_from_directory",
    "ImageDataGenerator": "keras.preprocessing.image.ImageDataGenerator",
    "BinaryAccuracy": "keras.metrics.BinaryAccuracy",
}
for _q in [*UNITS_LAYERS, *RECURRENT_LAYERS, *PASSTHROUGH_LAYERS, *OTHER_ACTIVATION_LAYERS]:
    BARE_NAMES[_q.rsplit(".", 1)[1]] = _q
for _q in ("keras.layers.Activation", "keras.layers.Softmax", "keras.layers.Flatten"):
    BARE_NAMES[_q.rsplit(".", 1)[1]] = _q
for _q in LOSS_CLASSES:
    BARE_NAMES[_q.rsplit(".", 1)[1]] = _q
