"""Library models whose classifier head is known from their arguments.

``keras.applications.ResNet50(...)`` (every architecture, tf.keras and Keras 3) and the
classifier tasks of keras_hub / keras_nlp / keras_cv (``BertTextClassifier(...)``,
``ImageClassifier.from_preset(...)``) build a whole model whose output layer is a
``Dense(units, activation)`` set by two arguments. One :class:`LibraryHead` entry per
constructor, keyed by canonical name (:data:`LIBRARY_HEADS`), says where those arguments
are and what they default to; the static front end reads it in
``KerasSemantics.library_model``. A saved model needs no entry: its configuration holds
the real layers (the runtime front end reads them as any other graph).

What the entries rest on (read in the sources of Keras 3.15, tf_keras 2.21,
keras_applications 1.0.8, keras_hub 0.32, keras_cv 0.9):

- applications: ``include_top=True`` (default) ends in ``classes`` units (default 1000;
  with ``weights="imagenet"``, the default, any other count raises), activated by
  ``classifier_activation`` (default ``"softmax"``; Keras 2.2's applications have no such
  argument and always end in softmax). ``include_top=False`` has no head: the user's own
  layers decide. Positions agree across the three sources except ConvNeXt (tf_keras has
  a ``model_name`` first) and the tf_keras-only RegNet/ResNetRS layouts listed below.
- keras_hub / keras_nlp text and image classifiers: ``Dense(num_classes,
  activation=activation)`` with ``activation=None`` by default (logits; ``compile()``
  without a loss picks ``from_logits`` to match). ``MobileNet*ImageClassifier`` has no
  ``activation`` argument: always logits. ``from_preset(...)`` takes the task's
  configuration from the preset when it has one, with the keyword arguments on top: for
  image classifiers (whose presets are ImageNet classifiers) the activation is then
  unknown unless given; text classifier presets are built with the default (logits).
- keras_cv ``ImageClassifier``/``VideoClassifier``: ``activation="softmax"`` by default;
  ``from_preset`` loads a full configuration (unknown unless given).
"""

from __future__ import annotations

from typing import NamedTuple

from xentlint.facts import Act
from xentlint.knowledge.spec import Arg


class LibraryHead(NamedTuple):
    """A call that builds a whole model ending in ``Dense(units, activation)``."""

    units: Arg  # classes / num_classes
    default_units: int | None  # when ``units`` is not given (None: unknown)
    activation: Arg | None  # classifier_activation / activation (None: no such argument)
    default_activation: Act  # when ``activation`` is not given (UNKNOWN: a preset decides)
    include_top: Arg | None = None  # applications: False means no head
    weights: Arg | None = None  # applications: "imagenet" (default) requires 1000 classes
    #: a call with more positional arguments than this is not read (versions disagree)
    positional_limit: int = 99


def _app(top: int | None, weights: int | None, classes: int | None, act: int | None,
         limit: int = 99) -> LibraryHead:  # fmt: skip
    return LibraryHead(
        Arg("classes", classes),
        1000,
        Arg("classifier_activation", act),
        Act.SOFTMAX,
        Arg("include_top", top),
        Arg("weights", weights),
        limit,
    )


# (include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation)
_STANDARD = _app(0, 1, 5, 6)
_APPLICATIONS: dict[str, LibraryHead] = {
    name: _STANDARD
    for name in (
        "DenseNet121 DenseNet169 DenseNet201 InceptionResNetV2 InceptionV3 ResNet50 ResNet101 "
        "ResNet152 ResNet50V2 ResNet101V2 ResNet152V2 VGG16 VGG19 Xception"
    ).split()
    + [f"EfficientNetB{i}" for i in range(8)]
    + [f"EfficientNetV2{v}" for v in ("B0", "B1", "B2", "B3", "S", "M", "L")]
}
_APPLICATIONS.update(
    {
        # MobileNet(input_shape, alpha, depth_multiplier, dropout, include_top, weights,
        #           input_tensor, pooling, classes, classifier_activation)
        "MobileNet": _app(4, 5, 8, 9),
        # MobileNetV2(input_shape, alpha, include_top, weights, input_tensor, pooling,
        #             classes, classifier_activation)
        "MobileNetV2": _app(2, 3, 6, 7),
        # MobileNetV3*(input_shape, alpha, minimalistic, include_top, weights, input_tensor,
        #              classes, pooling, dropout_rate, classifier_activation)
        "MobileNetV3Small": _app(3, 4, 6, 9),
        "MobileNetV3Large": _app(3, 4, 6, 9),
        # NASNet*(input_shape, include_top, weights, input_tensor, pooling, classes,
        #         classifier_activation)
        "NASNetLarge": _app(1, 2, 5, 6),
        "NASNetMobile": _app(1, 2, 5, 6),
    }
)
# ConvNeXt: Keras 3 (include_top, include_preprocessing, weights, ...), tf_keras
# (model_name, include_top, ...): keyword arguments only.
for _size in ("Tiny", "Small", "Base", "Large", "XLarge"):
    _APPLICATIONS[f"ConvNeXt{_size}"] = _app(None, None, None, None, limit=0)
# tf_keras only. RegNet*(model_name, include_top, include_preprocessing, weights, ...,
# classes, classifier_activation); ResNetRS*(include_top, weights, classes, ...,
# classifier_activation, ...).
for _width in ("002", "004", "006", "008", "016", "032", "040", "064", "080", "120", "160", "320"):
    _APPLICATIONS[f"RegNetX{_width}"] = _app(1, 3, 7, 8)
    _APPLICATIONS[f"RegNetY{_width}"] = _app(1, 3, 7, 8)
for _depth in ("50", "101", "152", "200", "270", "350", "420"):
    _APPLICATIONS[f"ResNetRS{_depth}"] = _app(0, 1, 2, 6)

_NUM_CLASSES = Arg("num_classes", 1)  # (backbone, num_classes, ...)
_ACTIVATION = Arg("activation")  # its position differs between classes: keyword only
#: constructor of a classifier task that defaults to logits
_LOGITS = LibraryHead(_NUM_CLASSES, None, _ACTIVATION, Act.LINEAR, positional_limit=2)
#: from_preset(preset, num_classes=..., activation=...): text classifier presets are logits
_TEXT_PRESET = LibraryHead(Arg("num_classes"), None, _ACTIVATION, Act.LINEAR, positional_limit=1)
#: from_preset of an image classifier: the preset's own activation unless one is given
_IMAGE_PRESET = LibraryHead(Arg("num_classes"), None, _ACTIVATION, Act.UNKNOWN, positional_limit=1)
#: MobileNet(V5)ImageClassifier: Dense(num_classes) without an activation argument
_ALWAYS_LOGITS = LibraryHead(_NUM_CLASSES, None, None, Act.LINEAR, positional_limit=2)
_ALWAYS_LOGITS_PRESET = LibraryHead(Arg("num_classes"), None, None, Act.LINEAR, positional_limit=1)
_SOFTMAX = LibraryHead(_NUM_CLASSES, None, _ACTIVATION, Act.SOFTMAX, positional_limit=2)

_TEXT = (
    "TextClassifier Classifier AlbertTextClassifier BertTextClassifier "
    "DebertaV3TextClassifier DistilBertTextClassifier FNetTextClassifier "
    "RobertaTextClassifier RoformerV2TextClassifier XLMRobertaTextClassifier "
    "ESMProteinClassifier "
    # keras_nlp's names, kept as aliases by keras_hub
    "AlbertClassifier BertClassifier DebertaV3Classifier DistilBertClassifier FNetClassifier "
    "RobertaClassifier XLMRobertaClassifier"
).split()
_IMAGE = (
    "ImageClassifier CSPNetImageClassifier DeiTImageClassifier DenseNetImageClassifier "
    "EfficientNetImageClassifier HGNetV2ImageClassifier MiTImageClassifier "
    "ResNetImageClassifier SwinTransformerImageClassifier VGGImageClassifier "
    "ViTImageClassifier XceptionImageClassifier"
).split()

#: canonical name -> entry
LIBRARY_HEADS: dict[str, LibraryHead] = {
    f"keras.applications.{name}": entry for name, entry in _APPLICATIONS.items()
}
for _name in _TEXT:
    LIBRARY_HEADS[f"keras_hub.models.{_name}"] = _LOGITS
    LIBRARY_HEADS[f"keras_hub.models.{_name}.from_preset"] = _TEXT_PRESET
for _name in _IMAGE:
    LIBRARY_HEADS[f"keras_hub.models.{_name}"] = _LOGITS
    LIBRARY_HEADS[f"keras_hub.models.{_name}.from_preset"] = _IMAGE_PRESET
for _name in ("MobileNetImageClassifier", "MobileNetV5ImageClassifier"):
    LIBRARY_HEADS[f"keras_hub.models.{_name}"] = _ALWAYS_LOGITS
    LIBRARY_HEADS[f"keras_hub.models.{_name}.from_preset"] = _ALWAYS_LOGITS_PRESET
for _name in ("ImageClassifier", "VideoClassifier"):
    LIBRARY_HEADS[f"keras_cv.models.{_name}"] = _SOFTMAX
    LIBRARY_HEADS[f"keras_cv.models.{_name}.from_preset"] = _IMAGE_PRESET

#: The ``weights`` value with which only the default class count loads.
IMAGENET = "imagenet"
