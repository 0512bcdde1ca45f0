"""What xentlint knows about Keras, TensorFlow and the libraries around them.

One declarative table per subject, keyed by canonical qualified name (see
:func:`xentlint.knowledge.names.canonical`) and, for the runtime front end, by serialized
class or function name. Both front ends read these tables; neither keeps one of its own.

- :mod:`~xentlint.knowledge.names`: canonical spellings of dotted names.
- :mod:`~xentlint.knowledge.layers`: layer classes (units, activation argument, what they
  do to the activation of their input).
- :mod:`~xentlint.knowledge.losses`: crossentropy losses in all their forms.
- :mod:`~xentlint.knowledge.activations`: activation strings, functions, ops.
- :mod:`~xentlint.knowledge.metrics`: metrics that threshold predictions.
- :mod:`~xentlint.knowledge.labels`: calls that produce labels of a known encoding.
- :mod:`~xentlint.knowledge.models`: calls that produce models.
- :mod:`~xentlint.knowledge.snippets`: names a snippet may use without importing them.

Entries are instances of a few entry *types* (:mod:`~xentlint.knowledge.spec`); each
front end implements each type once, so teaching xentlint a new library call is one entry.
This package imports only :mod:`xentlint.facts` and the standard library.
"""
