"""The rules: one module per rule, ``xenNNN.py``, discovered by :mod:`.registry`.

A rule module holds ``RULE`` (its :class:`~xentlint.rule.Rule` metadata), and when it has
them ``check(facts)`` (a pure function from :class:`~xentlint.facts.Facts` to
:class:`~xentlint.facts.Finding` objects) and ``fix(finding, scope)`` (its fix planner,
returning intents: :mod:`xentlint.intents`). A check never looks at CST nodes or Keras
objects; it reads facts and returns findings whose anchors the front end resolves. A
message may reference ``related`` anchors as ``{0}``, ``{1}``...: the front end fills in
their locations (``line 12``, ``layer 'dense_2'``).
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    """``xentlint.checks.CHECKS`` / ``run_checks`` as before the registry had a module."""
    if name in ("CHECKS", "Check", "run_checks"):
        from xentlint.checks import registry

        return getattr(registry, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
