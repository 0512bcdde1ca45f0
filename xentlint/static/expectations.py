"""Blocks that misuse a loss on purpose: tests of Keras' own warnings and errors.

``with pytest.raises(ValueError): model.compile(loss=...)`` and
``with warnings.catch_warnings(record=True) as w: ...; self.assertIn("from_logits", ...)``
misuse a loss deliberately, to check that Keras complains. What such a block does is not
a finding (see :meth:`Interpreter.exec_block`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import libcst as cst

from xentlint.knowledge.names import canonical
from xentlint.static.frames import dotted

#: ``with <call>:`` contexts that expect the block to raise or warn (canonical names)
EXPECTING_CALLS = frozenset(
    {"pytest.raises", "pytest.warns", "pytest.deprecated_call", "numpy.testing.assert_raises",
     "numpy.testing.assert_warns"}
)  # fmt: skip
#: methods of a unittest.TestCase (any receiver: ``self.assertRaises(...)``)
EXPECTING_METHODS = frozenset(
    {"assertRaises", "assertRaisesRegex", "assertRaisesRegexp", "assertWarns",
     "assertWarnsRegex"}
)  # fmt: skip
_CATCH_WARNINGS = "warnings.catch_warnings"


def expects_misuse(stmt: cst.With, following: Sequence[Any], interp: Any, frame: Any) -> bool:
    """Whether a ``with`` statement tests that its block raises or warns.

    ``warnings.catch_warnings(record=True) as w`` counts only when an assertion about
    ``w`` follows, in the block or after it in the same body.
    """
    for item in stmt.items:
        call = item.item
        if not isinstance(call, cst.Call):
            continue
        name = dotted(call.func)
        if name is None:
            continue
        if name.rsplit(".", 1)[-1] in EXPECTING_METHODS:
            return True
        head = name.split(".", 1)[0]
        value = interp.lookup(head, frame)
        qname = getattr(value, "qname", None)
        if not isinstance(qname, str):
            continue
        full = canonical(qname + name[len(head) :])
        if full in EXPECTING_CALLS:
            return True
        if full == _CATCH_WARNINGS and _records(call) and item.asname is not None:
            target = item.asname.name
            if isinstance(target, cst.Name) and _asserts_on(
                target.value, [*stmt.body.body, *following]
            ):
                return True
    return False


def _records(call: cst.Call) -> bool:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == "record":
            return isinstance(arg.value, cst.Name) and arg.value.value == "True"
    return False


def _asserts_on(name: str, statements: Sequence[Any]) -> bool:
    """An ``assert`` or ``self.assert...(...)`` that mentions ``name``."""
    for node in _walk(statements):
        if isinstance(node, cst.Assert) and _mentions(node.test, name):
            return True
        if isinstance(node, cst.Call):
            called = dotted(node.func)
            if called is not None and called.rsplit(".", 1)[-1].startswith("assert"):
                if any(_mentions(arg.value, name) for arg in node.args):
                    return True
    return False


def _mentions(node: cst.CSTNode, name: str) -> bool:
    return any(isinstance(n, cst.Name) and n.value == name for n in _walk([node]))


def _walk(nodes: Sequence[Any]) -> Iterator[cst.CSTNode]:
    stack = list(nodes)
    while stack:
        node = stack.pop()
        yield node
        stack.extend(node.children)
