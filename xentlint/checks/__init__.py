"""The rules: one module per rule, ``xenNNN.py``, discovered by :mod:`.registry`.

A rule module holds ``RULE`` (its :class:`~xentlint.rule.Rule` metadata), and when it has
them ``check(facts)`` (a pure function from :class:`~xentlint.facts.Facts` to
:class:`~xentlint.facts.Finding` objects) and ``fix(finding, scope)`` (its fix planner,
returning intents: :mod:`xentlint.intents`). A check never looks at CST nodes or Keras
objects; it reads facts and returns findings whose anchors the front end resolves. A
message may reference ``related`` anchors as ``{0}``, ``{1}``...: the front end fills in
their locations (``line 12``, ``layer 'dense_2'``).
"""
