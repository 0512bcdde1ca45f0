"""Settings every test process shares.

The TensorFlow tests measure what Keras does on the TensorFlow backend: a developer's own
``KERAS_BACKEND`` or ``~/.keras/keras.json`` must not switch them to another backend (the
JAX test sets its own, in a subprocess). TensorFlow's C++ start-up chatter is silenced.
"""

from __future__ import annotations

import os

os.environ["KERAS_BACKEND"] = "tensorflow"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
