"""Activations: strings, functions, ops, and the names they are serialized under."""

from __future__ import annotations

from xentlint.facts import Act

#: ``activation="softmax"``: the strings whose activation matters to the checks
#: (``keras.activations.get``; matched lower-cased, as both front ends always did).
ACTIVATION_STRINGS = {
    "softmax": Act.SOFTMAX,
    "sigmoid": Act.SIGMOID,
    "log_softmax": Act.LOG_SOFTMAX,
    "linear": Act.LINEAR,
}
#: Every other activation string Keras accepts: the output is not class scores.
OTHER_ACTIVATION_STRINGS = frozenset(
    {
        "relu", "relu6", "elu", "selu", "gelu", "tanh", "softplus", "softsign", "swish",
        "silu", "mish", "exponential", "hard_sigmoid", "hard_silu", "hard_swish", "leaky_relu",
        "log_sigmoid", "celu", "glu", "hard_tanh", "sparsemax", "squareplus", "tanh_shrink",
        "hard_shrink", "soft_shrink", "sparse_plus", "sparse_sigmoid", "threshold",
    }
)  # fmt: skip

#: Function names an activation may be serialized under besides the strings above
#: (``tf.nn.softmax`` is saved as ``softmax_v2``).
SERIALIZED_NAMES = {"softmax_v2": Act.SOFTMAX, "log_softmax_v2": Act.LOG_SOFTMAX}


def from_string(name: str) -> Act:
    """The activation an ``activation=`` string names (UNKNOWN when not a known one)."""
    lowered = name.lower()
    known = ACTIVATION_STRINGS.get(lowered)
    if known is not None:
        return known
    return Act.OTHER if lowered in OTHER_ACTIVATION_STRINGS else Act.UNKNOWN


def from_serialized(name: str) -> Act:
    """The activation a saved configuration names (strings and function names)."""
    act = SERIALIZED_NAMES.get(name.lower())
    return act if act is not None else from_string(name)


#: Functions that are activations when passed as ``activation=`` (canonical name -> Act).
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
    "tensorflow.tanh": Act.OTHER,
}
for _n in ("relu", "tanh", "elu", "selu", "gelu", "swish", "softplus", "leaky_relu", "silu"):
    ACTIVATION_FUNCTIONS.setdefault(f"tensorflow.nn.{_n}", Act.OTHER)
    ACTIVATION_FUNCTIONS.setdefault(f"keras.activations.{_n}", Act.OTHER)

#: Ops applied to a tensor: ``tf.nn.softmax(x, axis=...)`` (canonical name -> Act). Their
#: input is the first argument (``logits``, ``x`` or ``features``), the axis ``axis``/``dim``.
ACTIVATION_OPS = {q: act for q, act in ACTIVATION_FUNCTIONS.items() if act in (
    Act.SOFTMAX, Act.SIGMOID, Act.LOG_SOFTMAX
)}  # fmt: skip
OP_INPUT_KEYWORDS = ("logits", "x", "features")
OP_AXIS_KEYWORDS = ("axis", "dim")

#: ``keras.ops.softmax(x)`` in a functional graph is saved as an operation of this class
#: (module ``keras.src.ops.nn``).
OP_CLASSES = {"Softmax": Act.SOFTMAX, "Sigmoid": Act.SIGMOID, "LogSoftmax": Act.LOG_SOFTMAX}
OP_MODULES = ("keras.src.ops", "keras.ops")

#: Keras 2 ``TFOpLambda`` layers name the TensorFlow function they wrap.
TF_OP_LAMBDA_FUNCTIONS = {
    "nn.softmax": Act.SOFTMAX,
    "math.softmax": Act.SOFTMAX,
    "nn.sigmoid": Act.SIGMOID,
    "math.sigmoid": Act.SIGMOID,
    "sigmoid": Act.SIGMOID,
    "nn.log_softmax": Act.LOG_SOFTMAX,
    "math.log_softmax": Act.LOG_SOFTMAX,
}


def contradicts(configured: Act, observed: Act) -> bool:
    """Whether an observed activation contradicts a configured (known) one."""
    if configured is Act.LINEAR:
        return observed in (Act.SOFTMAX, Act.SIGMOID, Act.LOG_SOFTMAX)
    if configured is Act.SOFTMAX:
        return observed is not Act.SOFTMAX
    if configured is Act.SIGMOID:
        return observed in (Act.LINEAR, Act.LOG_SOFTMAX)
    if configured is Act.LOG_SOFTMAX:
        return observed is not Act.LOG_SOFTMAX
    return False
