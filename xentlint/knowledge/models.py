"""Calls and classes that produce models."""

from __future__ import annotations

from enum import Enum


class ModelKind(str, Enum):
    SEQUENTIAL = "sequential"  # Sequential(layers): the last layer is the output
    FUNCTIONAL = "functional"  # Model(inputs, outputs)
    INPUT = "input"  # Input(shape): a symbolic tensor of unknown activation


#: canonical name -> what the call produces
MODEL_PRODUCERS = {
    "keras.Sequential": ModelKind.SEQUENTIAL,
    "keras.Model": ModelKind.FUNCTIONAL,
    "keras.Input": ModelKind.INPUT,
}
#: ``class Net(keras.Model)``: a subclassed model (its outputs come from its call()).
MODEL_BASES = frozenset({"keras.Model", "keras.Sequential"})
#: Class names of models in a saved configuration.
SERIALIZED_MODEL_CLASSES = frozenset({"Functional", "Model", "Sequential"})
