"""Class counts of well-known datasets, by the name a loader is given.

XEN203 compares a dataset's class count with the output's units; these tables give the
count where only the dataset's name is visible (``tfds.load("cifar10")``,
``fetch_openml("mnist_784")``). A name missing here is not an error: its labels are
still integer class ids when the loader says so, only their count is unknown.
"""

from __future__ import annotations

#: TensorFlow Datasets image/text classification datasets whose supervised keys are
#: ``(input, "label")`` with ``label`` a ``ClassLabel``: name -> number of classes (from
#: each dataset's catalog page, ``info.features["label"].num_classes``).
TFDS_CLASSES: dict[str, int] = {
    "mnist": 10,
    "fashion_mnist": 10,
    "kmnist": 10,
    "emnist": 62,  # the default config, "byclass"
    "binary_alpha_digits": 36,
    "cifar10": 10,
    "cifar100": 100,  # "label" is the fine label
    "cifar10_corrupted": 10,
    "svhn_cropped": 10,
    "stl10": 10,
    "imagenette": 10,
    "imagenet2012": 1000,
    "imagenet_v2": 1000,
    "imagenet_a": 200,
    "imagenet_r": 200,
    "imagenet_resized": 1000,
    "tf_flowers": 5,
    "oxford_flowers102": 102,
    "oxford_iiit_pet": 37,
    "stanford_dogs": 120,
    "caltech101": 102,
    "caltech_birds2011": 200,
    "cars196": 196,
    "food101": 101,
    "dtd": 47,
    "eurosat": 10,
    "resisc45": 45,
    "cats_vs_dogs": 2,
    "horses_or_humans": 2,
    "rock_paper_scissors": 3,
    "beans": 3,
    "cassava": 5,
    "citrus_leaves": 4,
    "plant_village": 38,
    "plant_leaves": 22,
    "deep_weeds": 9,
    "malaria": 2,
    "patch_camelyon": 2,
    "colorectal_histology": 8,
    "imdb_reviews": 2,
    "yelp_polarity_reviews": 2,
    "ag_news_subset": 4,
    "speech_commands": 12,
    "spoken_digit": 10,
}

#: ``sklearn.datasets.fetch_openml(name)``: name -> number of classes (targets are the
#: class names as strings; ``.astype(int)`` keeps them ids).
OPENML_CLASSES: dict[str, int] = {
    "mnist_784": 10,
    "Fashion-MNIST": 10,
    "CIFAR_10": 10,
    "iris": 3,
    "letter": 26,
}


def tfds_classes(name: str) -> int | None:
    """The class count of ``tfds.load(name)``: ``"mnist:3.*.*"`` and ``"emnist/letters"``
    name a version or a config; a config other than the default one is unknown."""
    base = name.split(":", 1)[0]
    if "/" in base:
        base, config = base.split("/", 1)
        if base == "imagenette":
            return TFDS_CLASSES.get(base)  # the configs are image sizes
        return None if config else TFDS_CLASSES.get(base)
    return TFDS_CLASSES.get(base)
