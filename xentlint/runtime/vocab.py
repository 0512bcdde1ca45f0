"""What the runtime front end knows about Keras classes and names (no Keras import).

The activation and loss names are shared with the static front end
(:mod:`xentlint.static.names`, a plain table module) so that both read them alike.
"""

from __future__ import annotations

from xentlint.facts import Act
from xentlint.static import names as N

# Packages whose classes Keras itself can deserialize safely (its own and its companions).
LIBRARY_PACKAGES = ("keras", "keras_hub", "keras_cv", "keras_nlp", "tf_keras")

# keras.layers of Keras 3.15, plus Keras 2 names found in older files; a configuration
# without ``module`` keys (Keras 2 HDF5) is trusted only for these class names.
KERAS_LAYER_NAMES = frozenset(
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

MODEL_CLASSES = frozenset({"Functional", "Model", "Sequential"})

# Layers with a units/filters count (the class scores' axis) and an ``activation`` argument.
UNITS_KEY = {q.rsplit(".", 1)[1]: spec[0] for q, spec in N.UNITS_LAYERS.items()}
UNITS_KEY.update(
    {
        "Convolution1D": "filters",
        "Convolution2D": "filters",
        "Convolution3D": "filters",
        "Convolution1DTranspose": "filters",
        "Convolution2DTranspose": "filters",
        "Convolution3DTranspose": "filters",
        "SeparableConvolution1D": "filters",
        "SeparableConvolution2D": "filters",
    }
)
RECURRENT = frozenset(q.rsplit(".", 1)[1] for q in N.RECURRENT_LAYERS) | {
    "ConvLSTM1D",
    "ConvLSTM3D",
    "CuDNNLSTM",
    "CuDNNGRU",
}
PASSTHROUGH = frozenset(q.rsplit(".", 1)[1] for q in N.PASSTHROUGH_LAYERS) - {"InputLayer"}
PASSTHROUGH |= {"Identity", "Masking"}
OTHER_ACTIVATION_LAYERS = frozenset(q.rsplit(".", 1)[1] for q in N.OTHER_ACTIVATION_LAYERS)

# keras.ops applied in a functional graph are serialized as operations of these classes.
OP_ACTIVATIONS = {"Softmax": Act.SOFTMAX, "Sigmoid": Act.SIGMOID, "LogSoftmax": Act.LOG_SOFTMAX}
# Keras 2 ``TFOpLambda`` layers name the TensorFlow function they wrap.
TF_OP_ACTIVATIONS = {
    "nn.softmax": Act.SOFTMAX,
    "math.softmax": Act.SOFTMAX,
    "nn.sigmoid": Act.SIGMOID,
    "math.sigmoid": Act.SIGMOID,
    "sigmoid": Act.SIGMOID,
    "nn.log_softmax": Act.LOG_SOFTMAX,
    "math.log_softmax": Act.LOG_SOFTMAX,
}

# Function names an activation may be serialized under (tf.nn.softmax is "softmax_v2").
ACTIVATION_FUNCTION_NAMES = {
    **N.ACTIVATION_STRINGS,
    "softmax_v2": Act.SOFTMAX,
    "log_softmax_v2": Act.LOG_SOFTMAX,
}


def activation_from_name(name: str) -> Act:
    lowered = name.lower()
    if lowered in ACTIVATION_FUNCTION_NAMES:
        return ACTIVATION_FUNCTION_NAMES[lowered]
    if lowered in N.OTHER_ACTIVATION_STRINGS or lowered in ("relu6", "leaky_relu"):
        return Act.OTHER
    return Act.UNKNOWN


def is_library_module(module: object) -> bool:
    if not isinstance(module, str):
        return False
    return module.split(".", 1)[0] in LIBRARY_PACKAGES


# --- losses and metrics ----------------------------------------------------------------

LOSS_STRINGS = N.LOSS_STRINGS
LOSS_CLASSES = {q.rsplit(".", 1)[1]: spec[0] for q, spec in N.LOSS_CLASSES.items()}
LOSS_FUNCTIONS = {q.rsplit(".", 1)[1]: spec[0] for q, spec in N.LOSS_FUNCTIONS.items()}
ACCURACY_STRINGS = N.ACCURACY_STRINGS
