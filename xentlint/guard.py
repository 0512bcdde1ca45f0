"""Running LibCST's native parser on a stack deep enough for anything it may be fed.

LibCST's parser (Rust) recurses once per nesting level and has no depth limit of its own: a
long enough chain overflows the thread's stack, and a stack overflow in native code kills
the whole process (SIGSEGV), which no ``except`` can catch. ``ast.parse`` runs first and
rejects most deep shapes (nested expressions deeper than ~3000, more than 200 nested
brackets, 100 indentation levels), but some shapes are flat for ``ast`` and deep for
LibCST. Measured with LibCST 1.9 (stack used per source byte of the worst case):

* dotted names in imports, ``import a.a.a...`` (2 bytes a level): ~713 B, segfault on the
  default 8 MB stack at ~6 000 levels (12 KB of source);
* ``and`` / ``or`` chains (5-6 bytes a level): ~240 B, segfault at ~8 000 levels;
* implicit string concatenation and comprehension ``for`` chains: LibCST gives up with a
  ParserSyntaxError before the stack runs out.

So the parse runs in a helper thread whose stack grows with the source:
``BYTES_PER_SOURCE_BYTE`` (1 KiB, 1.4 times the worst measured) per source byte, between
``MIN_STACK`` and ``MAX_STACK``. Only the pages actually touched count as memory; the rest
is address space. With the default ``max-file-size`` (1 MiB) every accepted file is
covered; a file over ``MAX_STACK / BYTES_PER_SOURCE_BYTE`` (about 4 MB, only with a raised
limit) gets the largest stack, which covers all but deliberately pathological nesting.
Small sources (under ``INLINE_BYTES``, fewer levels than the smallest stack can hold) are
parsed on the calling thread.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

BYTES_PER_SOURCE_BYTE = 1024
MIN_STACK = 16 * 1024 * 1024
MAX_STACK = 4 * 1024 * 1024 * 1024
#: Under this many characters even the worst shape stays far below a 1 MiB stack.
INLINE_BYTES = 1024

#: Stack one nesting level may take in LibCST's parser (1.4 times the worst measured, 713 B).
BYTES_PER_LEVEL = 1024
#: Stack a parse may use on the calling thread: a quarter of the usual 8 MiB, leaving room
#: for the Python frames below it and for threads started with a smaller stack.
INLINE_STACK = 2 * 1024 * 1024
#: Characters and words that can each add a nesting level to LibCST's recursion.
_NESTING_CHARS = ".([{+-*/%@&|^<>,:=~"
_BOOLEAN_WORDS = re.compile(r"\b(?:and|or|not|if|else|for|lambda|await)\b")

_lock = threading.Lock()


def _levels_bound(source: str) -> int:
    """An upper bound on how deeply LibCST can recurse on ``source``.

    Every level of a deep shape needs a token of its own (a dot, a bracket, an operator, a
    keyword), so counting them all over the file bounds the depth from above. Threads cost
    milliseconds each (their stacks are mapped and faulted in), so ordinary files, whose
    bound is a few thousand, are parsed on the calling thread.
    """
    count = sum(source.count(char) for char in _NESTING_CHARS)
    if count * BYTES_PER_LEVEL > INLINE_STACK:
        return count
    return count + len(_BOOLEAN_WORDS.findall(source))


class StackUnavailable(RuntimeError):
    """No thread with a large enough stack could be started (address space exhausted)."""


def stack_size_for(source: str) -> int:
    """The stack size the parse of ``source`` gets (a multiple of 64 KiB)."""
    wanted = MIN_STACK + BYTES_PER_SOURCE_BYTE * len(source)
    size = min(max(wanted, MIN_STACK), MAX_STACK)
    return (size + 0xFFFF) & ~0xFFFF


def call_with_deep_stack(function: Callable[[str], T], source: str) -> T:
    """``function(source)`` on a thread whose stack is sized for ``source``.

    Exceptions raised by ``function`` propagate. Raises :class:`StackUnavailable` when the
    thread cannot be started.
    """
    if len(source) < INLINE_BYTES or _levels_bound(source) * BYTES_PER_LEVEL <= INLINE_STACK:
        return function(source)
    result: list[Any] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            result.append(function(source))
        except BaseException as exc:  # noqa: BLE001 - handed to the calling thread
            failure.append(exc)

    worker = threading.Thread(target=run, name="xentlint-parse", daemon=True)
    with _lock:  # stack_size() is process-wide: set it only around our own start()
        previous = threading.stack_size()
        try:
            threading.stack_size(stack_size_for(source))
            worker.start()
        except (RuntimeError, ValueError, MemoryError) as exc:
            raise StackUnavailable(str(exc)) from exc
        finally:
            threading.stack_size(previous)
    worker.join()
    if failure:
        raise failure[0]
    return result[0]


def parse_module(source: str) -> Any:
    """``libcst.parse_module(source)``, safe from native stack overflows."""
    import libcst

    return call_with_deep_stack(libcst.parse_module, source)


# --------------------------------------------------------------------------- CPython's parser

#: More parts than this in one dotted import name and the file is not parsed at all.
MAX_DOTTED_PARTS = 2000

_IMPORT_WORD = re.compile(r"\b(?:import|from)\b")
# The names after ``import`` / ``from``: identifiers, dots, commas, blanks, continuations.
_IMPORTED = re.compile(r"[\w.,\s\\]*")


def pathological(source: str) -> str | None:
    """Why ``ast.parse`` must not see ``source``, or None (the usual case).

    CPython's parser builds each prefix of a dotted import name as a new string in its
    arena, so ``import a.a.a...`` costs memory quadratic in the name's length: measured on
    CPython 3.11, 20 000 parts (40 KB of source) take 456 MB and 100 000 parts (200 KB)
    take 10.7 GB and 16 s. Real code has a handful of parts; past ``MAX_DOTTED_PARTS``
    (~20 MB for ``ast``) the file is refused. The scan only looks at the text after the
    words ``import`` and ``from``, and overcounts rather than undercounts.
    """
    if source.count(".") <= MAX_DOTTED_PARTS:
        return None
    for word in _IMPORT_WORD.finditer(source):
        names = _IMPORTED.match(source, word.end())
        if names is None:  # pragma: no cover - the pattern matches the empty string
            continue
        for name in names.group().split(","):
            if name.count(".") >= MAX_DOTTED_PARTS:
                return f"a dotted import name of over {MAX_DOTTED_PARTS} parts"
    return None
