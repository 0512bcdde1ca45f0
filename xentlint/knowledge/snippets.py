"""Names a Q&A snippet may use without importing them: bare name -> qualified name."""

from __future__ import annotations

from xentlint.knowledge.layers import LAYERS
from xentlint.knowledge.losses import LOSS_CLASSES

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
    "Flatten": "keras.layers.Flatten",
}
for _q in [*LAYERS, *LOSS_CLASSES]:
    BARE_NAMES[_q.rsplit(".", 1)[1]] = _q
