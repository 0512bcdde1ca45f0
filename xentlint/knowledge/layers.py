"""Keras layer classes: what each does to the class scores that flow through it.

One :class:`LayerKind` per class, in :data:`LAYERS` (keyed by canonical name,
``keras.layers.Dense``) and :data:`LAYERS_BY_CLASS` (keyed by the class name a saved
configuration or a live layer carries, aliases included). The static front end
(:mod:`xentlint.static.keras_semantics`) reads a call's arguments through the ``Arg`` of an
entry, the runtime front end (:mod:`xentlint.runtime.config_reader`) reads the same keyword
from the layer's configuration.

A class that is not listed is *unknown*: its output's activation is unknown, and no check
says anything about what follows it. Each entry below says why Keras' ``call`` justifies it.
"""

from __future__ import annotations

from enum import Enum
from typing import NamedTuple

from xentlint.facts import Act
from xentlint.knowledge.spec import Arg


class Role(str, Enum):
    #: units (the class scores' axis) and an ``activation=`` argument: Dense, Conv2D...
    UNITS = "units"
    #: a recurrent layer: its output went through tanh/sigmoid gates, never class scores
    RECURRENT = "recurrent"
    #: leaves each row over the last axis as it is (at inference): Dropout, Identity...
    PASSTHROUGH = "passthrough"
    #: applies an activation itself: Activation, Softmax, ReLU...
    APPLIES = "applies"
    #: wraps another layer (``inner``): TimeDistributed, Bidirectional
    WRAPPER = "wrapper"
    #: reshapes in row-major order (Reshape, Flatten): when the output's last axis has the
    #: size of the input's, every output row is one input row, unchanged; else unknown
    RESHAPE = "reshape"


class LayerKind(NamedTuple):
    name: str  # the class name: "Dense"
    role: Role
    #: UNITS / RECURRENT: where the unit count is given
    units: Arg | None = None
    #: UNITS: the ``activation=`` argument; APPLIES: the activation it applies, when given
    #: as an argument (``Activation("softmax")``)
    activation: Arg | None = None
    #: APPLIES: the activation it always applies (``Softmax``: softmax, ``ReLU``: other)
    applies: Act | None = None
    #: APPLIES: the axis argument (default -1, the units axis)
    axis: Arg | None = None
    #: UNITS: whether ``data_format="channels_first"`` moves the units axis off the last one
    data_format: bool = False
    #: PASSTHROUGH: how many axes the output has more than the input (RepeatVector: 1)
    rank_delta: int = 0
    #: WRAPPER: the wrapped layer, and whether the output is what the inner layer gives
    inner: Arg | None = None
    see_through: bool = False
    #: other class names Keras accepts for the same class (``Convolution2D``)
    aliases: tuple[str, ...] = ()
    #: RESHAPE: the target shape (without the batch axis); None: all axes flattened
    target: Arg | None = None

    @property
    def qname(self) -> str:
        return f"keras.layers.{self.name}"


_UNITS = Arg("units", 0)
_FILTERS = Arg("filters", 0)


def _conv(name: str, *aliases: str) -> LayerKind:
    # Conv*(filters, kernel_size, ..., activation=...): activation is read by keyword only
    return LayerKind(
        name, Role.UNITS, _FILTERS, Arg("activation"), data_format=True, aliases=aliases
    )


def _passthrough(name: str, rank_delta: int = 0) -> LayerKind:
    return LayerKind(name, Role.PASSTHROUGH, rank_delta=rank_delta)


_ENTRIES = (
    # Dense(units, activation=None, ...): ``activation(inputs @ kernel + bias)``
    LayerKind("Dense", Role.UNITS, _UNITS, Arg("activation", 1)),
    _conv("Conv1D", "Convolution1D"),
    _conv("Conv2D", "Convolution2D"),
    _conv("Conv3D", "Convolution3D"),
    _conv("Conv1DTranspose", "Convolution1DTranspose"),
    _conv("Conv2DTranspose", "Convolution2DTranspose"),
    _conv("Conv3DTranspose", "Convolution3DTranspose"),
    _conv("SeparableConv1D", "SeparableConvolution1D"),
    _conv("SeparableConv2D", "SeparableConvolution2D"),
    LayerKind("LSTM", Role.RECURRENT, _UNITS),
    LayerKind("GRU", Role.RECURRENT, _UNITS),
    LayerKind("SimpleRNN", Role.RECURRENT, _UNITS),
    LayerKind("CuDNNLSTM", Role.RECURRENT, _UNITS),  # Keras 2
    LayerKind("CuDNNGRU", Role.RECURRENT, _UNITS),  # Keras 2
    LayerKind("ConvLSTM1D", Role.RECURRENT, _FILTERS),
    LayerKind("ConvLSTM2D", Role.RECURRENT, _FILTERS),
    LayerKind("ConvLSTM3D", Role.RECURRENT, _FILTERS),
    # Identity at inference (call returns its input unless training=True):
    _passthrough("Dropout"),
    _passthrough("SpatialDropout1D"),
    _passthrough("SpatialDropout2D"),
    _passthrough("SpatialDropout3D"),
    _passthrough("GaussianNoise"),
    _passthrough("GaussianDropout"),
    _passthrough("AlphaDropout"),
    # call returns its input; the regularization is a side loss
    _passthrough("ActivityRegularization"),
    # call returns its input
    _passthrough("Identity"),
    _passthrough("InputLayer"),
    # call: inputs * any(inputs != mask_value, axis=-1): a row is kept whole or zeroed,
    # and a softmax/sigmoid row is never all mask_value (0.0), so rows pass unchanged
    _passthrough("Masking"),
    # (batch, k) -> (batch, n, k): every row over the last axis is a copy of the input row
    _passthrough("RepeatVector", rank_delta=1),
    # Reshape(target_shape) / Flatten(): a row-major reshape cuts the flat values into
    # consecutive blocks of the output's last size; when that is the input's last size,
    # each block is exactly one input row (MobileNet: Conv2D(classes, 1) on a 1x1 map,
    # Reshape((classes,)), Activation(softmax)). Whether it is needs the input's shape.
    LayerKind("Reshape", Role.RESHAPE, target=Arg("target_shape", 0)),
    LayerKind("Flatten", Role.RESHAPE),
    # Not listed, so unknown: Permute (the last axis may trade places with others), the
    # normalization layers (they change the values: a normalized softmax row is no longer
    # a distribution), pooling, Lambda, merges.
    LayerKind("Activation", Role.APPLIES, activation=Arg("activation", 0)),
    LayerKind("Softmax", Role.APPLIES, applies=Act.SOFTMAX, axis=Arg("axis", 0)),
    LayerKind("ReLU", Role.APPLIES, applies=Act.OTHER),
    LayerKind("LeakyReLU", Role.APPLIES, applies=Act.OTHER),
    LayerKind("PReLU", Role.APPLIES, applies=Act.OTHER),
    LayerKind("ELU", Role.APPLIES, applies=Act.OTHER),
    LayerKind("ThresholdedReLU", Role.APPLIES, applies=Act.OTHER),  # Keras 2
    # TimeDistributed(layer): the inner layer applied to every time step
    LayerKind("TimeDistributed", Role.WRAPPER, inner=Arg("layer", 0), see_through=True),
    # Bidirectional(layer): two recurrent passes concatenated: unknown
    LayerKind("Bidirectional", Role.WRAPPER, inner=Arg("layer", 0)),
)

LAYERS: dict[str, LayerKind] = {kind.qname: kind for kind in _ENTRIES}
LAYERS_BY_CLASS: dict[str, LayerKind] = {}
for _kind in _ENTRIES:
    LAYERS_BY_CLASS[_kind.name] = _kind
    for _alias in _kind.aliases:
        LAYERS_BY_CLASS[_alias] = _kind

#: Canonical-name aliases (``keras.layers.Convolution2D`` -> ``keras.layers.Conv2D``), for
#: :func:`xentlint.knowledge.names.canonical`.
CANONICAL_ALIASES: dict[str, str] = {
    f"keras.layers.{a}": kind.qname for kind in _ENTRIES for a in kind.aliases
}

#: Bases a user's layer class derives from (its call() is the user's code: unknown).
LAYER_BASES = frozenset({"keras.layers.Layer", "keras.Layer"})

#: The classes of keras.layers in Keras 3.15, plus Keras 2 names found in older files. A
#: configuration without ``module`` keys (Keras 2 HDF5) is trusted only for these names.
KERAS_CLASS_NAMES = frozenset(
    """
    Activation ActivityRegularization AdaptiveAveragePooling1D AdaptiveAveragePooling2D
    AdaptiveAveragePooling3D AdaptiveMaxPooling1D AdaptiveMaxPooling2D AdaptiveMaxPooling3D Add
    AdditiveAttention AlphaDropout Attention AugMix AutoContrast Average AveragePooling1D
    AveragePooling2D AveragePooling3D AvgPool1D AvgPool2D AvgPool3D BatchNormalization
    Bidirectional CategoryEncoding CenterCrop Concatenate
    ContrastLimitedAdaptiveHistogramEqualization Conv1D Conv1DTranspose Conv2D Conv2DTranspose
    Conv3D Conv3DTranspose ConvLSTM1D ConvLSTM2D ConvLSTM3D Convolution1D
    Convolution1DTranspose Convolution2D Convolution2DTranspose Convolution3D
    Convolution3DTranspose Cropping1D Cropping2D Cropping3D CutMix Dense DepthwiseConv1D
    DepthwiseConv2D Discretization Dot Dropout ELU EinsumDense Embedding Equalization Flatten
    GRU GRUCell GaussianDropout GaussianNoise GlobalAveragePooling1D GlobalAveragePooling2D
    GlobalAveragePooling3D GlobalAvgPool1D GlobalAvgPool2D GlobalAvgPool3D GlobalMaxPool1D
    GlobalMaxPool2D GlobalMaxPool3D GlobalMaxPooling1D GlobalMaxPooling2D GlobalMaxPooling3D
    GroupNormalization GroupQueryAttention HashedCrossing Hashing Identity InputLayer
    IntegerLookup LSTM LSTMCell Lambda LayerNormalization LeakyReLU Masking
    MaxNumBoundingBoxes MaxPool1D MaxPool2D MaxPool3D MaxPooling1D MaxPooling2D MaxPooling3D
    Maximum MelSpectrogram Minimum MixUp MultiHeadAttention Multiply Normalization PReLU
    Permute Pipeline RMSNormalization RNN RandAugment RandomBrightness
    RandomColorDegeneration RandomColorJitter RandomContrast RandomCrop
    RandomElasticTransform RandomErasing RandomFlip RandomGaussianBlur RandomGrayscale
    RandomHue RandomInvert RandomPerspective RandomPosterization RandomRotation
    RandomSaturation RandomSharpness RandomShear RandomTranslation RandomZoom ReLU
    RepeatVector Rescaling Reshape Resizing ReversibleEmbedding STFTSpectrogram
    SeparableConv1D SeparableConv2D SeparableConvolution1D SeparableConvolution2D SimpleRNN
    SimpleRNNCell Softmax Solarization SpatialDropout1D SpatialDropout2D SpatialDropout3D
    SpectralNormalization StackedRNNCells StringLookup Subtract TextVectorization
    TimeDistributed UnitNormalization UpSampling1D UpSampling2D UpSampling3D ZeroPadding1D
    ZeroPadding2D ZeroPadding3D
    Functional Model Sequential TFOpLambda SlicingOpLambda ThresholdedReLU
    LocallyConnected1D LocallyConnected2D CuDNNLSTM CuDNNGRU RandomHeight RandomWidth
    """.split()
)

#: TF1 functional layers: canonical name -> (the layer class they build, their input).
#: ``tf.layers.dense(inputs, units, activation=None)`` is ``Dense(units, activation)(inputs)``.
LAYER_FUNCTIONS: dict[str, tuple[str, Arg]] = {
    "tensorflow.layers.dense": ("keras.layers.Dense", Arg("inputs", 0)),
}

#: keras.layers names deliberately left out of :data:`KERAS_CLASS_NAMES`: bases a custom
#: class derives from, and layers that run foreign code (JAX, Flax, torch, a SavedModel).
UNTRUSTED_CLASS_NAMES = frozenset(
    {"Layer", "Wrapper", "InputSpec", "JaxLayer", "FlaxLayer", "TorchModuleWrapper", "TFSMLayer"}
)
