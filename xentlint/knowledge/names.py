"""Canonical names: every spelling of a Keras / TensorFlow API reduced to one.

Static side: every dotted name an import makes reachable (``tf.keras.layers.Dense``,
``tensorflow.keras.layers.core.Dense``, ``tf_keras.layers.Dense``...) is reduced to one
canonical spelling (``keras.layers.Dense``) by :func:`canonical`. Runtime side: a
serialized object names its class (``class_name``) and module (``module``);
:func:`is_library_module` tells whether that module is Keras' own (or a companion's).
"""

from __future__ import annotations

from functools import lru_cache

from xentlint.knowledge.layers import CANONICAL_ALIASES as _ALIASES
from xentlint.knowledge.losses import LOGITS_OPS, PROBABILITY_OPS

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
    # applications and classifier tasks (knowledge.applications)
    ("keras_applications.", "keras.applications."),
    ("keras_nlp.", "keras_hub."),
)

# Namespaces whose deeper module paths (keras.layers.core.Dense) collapse to the last part.
_COLLAPSE = (
    "keras.layers.",
    "keras.losses.",
    "keras.activations.",
    "keras.metrics.",
    "keras.utils.",
    "keras.applications.",  # keras.applications.resnet50.ResNet50
)

# TF1 ``tf.losses.*`` ops have a canonical namespace of their own (``tf1.losses.``, see
# knowledge.losses); any other ``tf.losses.X`` is ``keras.losses.X``.
TF1_LOSS_NAMES = frozenset(
    q.rsplit(".", 1)[1] for q in [*LOGITS_OPS, *PROBABILITY_OPS] if q.startswith("tf1.losses.")
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
}


@lru_cache(maxsize=4096)
def canonical(qname: str) -> str:
    name = qname
    for old, new in _PREFIX_REWRITES:
        if name.startswith(old):
            name = new + name[len(old) :]
    if name.startswith("tensorflow.losses."):
        last = name.rsplit(".", 1)[1]
        if last in TF1_LOSS_NAMES:
            return "tf1.losses." + last
        name = "keras.losses." + last
    elif name.startswith("tensorflow.metrics."):
        name = "keras.metrics." + name.rsplit(".", 1)[1]
    for ns in _COLLAPSE:
        if name.startswith(ns) and name.count(".") > ns.count("."):
            name = ns + name.rsplit(".", 1)[1]
            break
    if name.endswith(".ImageDataGenerator") and name.startswith("keras."):
        name = "keras.preprocessing.image.ImageDataGenerator"
    name = _EXACT.get(name, name)
    return _ALIASES.get(name, name)


def last_part(qname: str) -> str:
    """``keras.layers.Dense`` -> ``Dense``."""
    return qname.rsplit(".", 1)[-1]


# --- the runtime side ----------------------------------------------------------------------

#: Packages whose classes Keras itself can deserialize safely (its own and its companions').
LIBRARY_PACKAGES = ("keras", "keras_hub", "keras_cv", "keras_nlp", "tf_keras")


def is_library_module(module: object) -> bool:
    """Whether a serialized ``module`` (``keras.src.layers.core.dense``) is Keras' own."""
    if not isinstance(module, str):
        return False
    return module.split(".", 1)[0] in LIBRARY_PACKAGES
