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

Both parsers also take time quadratic in some shapes, which the size limit does not bound:
:func:`too_complex` and :func:`too_complex_to_compile` refuse those files first (see "CPU
time" below).
"""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")


class _Lazy:
    """A regular expression compiled on first use: most runs never estimate a file's
    complexity, and compiling these costs more than the rest of the module's import."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern, self.flags = pattern, flags
        self.compiled: re.Pattern[str] | None = None

    def __getattr__(self, name: str) -> Any:
        if self.compiled is None:
            self.compiled = re.compile(self.pattern, self.flags)
        return getattr(self.compiled, name)


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
_BOOLEAN_WORDS = _Lazy(r"\b(?:and|or|not|if|else|for|lambda|await)\b")

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

_IMPORT_WORD = _Lazy(r"\b(?:import|from)\b")
# The names after ``import`` / ``from``: identifiers, dots, commas, blanks, continuations.
_IMPORTED = _Lazy(r"[\w.,\s\\]*")


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


# --------------------------------------------------------------------------- CPU time
#
# The size limit bounds memory and the parse time of ordinary code (LibCST: ~2.6 s per MB),
# not the time of every shape: both parsers are quadratic somewhere. Measured with
# bench/bench_complexity.py (CPU seconds, Python 3.11.7, LibCST 1.9):
#
# * one f-string literal of n replacement fields: CPython 3.11 and LibCST both quadratic
#   (60 000 fields, 420 KB: compile 9.6 s, LibCST 5 s);
# * bracket nesting: LibCST re-reads each level (100 lines of ``f(f(...(a)))`` 100 deep,
#   30 KB: 7.7 s; 190 deep, 57 KB: 58 s);
# * one chain of operators or trailers, ``a + a + ...``, ``a.b().c()...``, ``a[0][0]...``,
#   ``a if a else a if ...``: LibCST quadratic (``a[0]`` x 2 000, 6 KB: 3.8 s).
#
# :func:`complexity` estimates that extra work from the text in one linear pass (0.03 s per
# MB, about 1 % of LibCST's parse) in units a little above a microsecond of LibCST time
# here (measured ratios 0.05-0.6 across the shapes: an upper bound). Past
# ``COMPLEXITY_BUDGET`` the file is XEN902 "too complex to analyse": at most a few seconds
# are spent on any file. Of 21 279 real files (the CPython 3.11 standard library and
# site-packages with TensorFlow, Keras, NumPy, SciPy; the keras-io, TensorFlow docs, DLwP
# and handson-ml3 sources and notebooks), the largest estimate outside SymPy is 366 000
# (LibCST's own matchers module), the keras-io examples stay under 1 600, and only three
# SymPy files of generated polynomials go over (they take LibCST 1.3-4.6 s on 39-436 KB).

#: Extra work a file may need, in the units of :func:`complexity`.
COMPLEXITY_BUDGET = 5_000_000
#: Units per replacement field squared, summed over the f-string literals.
FSTRING_FIELD_COST = 0.005
#: Units per bracket opening and level of nesting above ``FREE_DEPTH``.
NESTING_COST = 32
FREE_DEPTH = 4
#: Units per operator squared, summed over the chains longer than ``FREE_CHAIN``.
CHAIN_COST = 2
FREE_CHAIN = 8

# A comment or a whole string literal (without its prefix, which stays as a name: `fS`).
# The code has compiled already, so every literal is terminated; f-string nesting in 3.12
# may end one early, which only blurs the estimate.
_STRING_OR_COMMENT = _Lazy(
    r"""\#[^\r\n]*
    |'''(?:[^'\\]++|\\.|'(?!''))*+(?:'''|\Z)
    |\"\"\"(?:[^"\\]++|\\.|"(?!""))*+(?:\"\"\"|\Z)
    |'(?:[^'\\\r\n]++|\\.)*+'?
    |"(?:[^"\\\r\n]++|\\.)*+"?""",
    re.S | re.X,
)
# An f-string literal, its prefix included, for counting replacement fields.
_FSTRING = _Lazy(
    r"""(?<![\w'"])(?:[rR]?[fF]|[fF][rR])
    (?P<body>'''(?:[^'\\]++|\\.|'(?!''))*+(?:'''|\Z)
    |\"\"\"(?:[^"\\]++|\\.|"(?!""))*+(?:\"\"\"|\Z)
    |'(?:[^'\\\r\n]++|\\.)*+'?
    |"(?:[^"\\\r\n]++|\\.)*+"?)""",
    re.S | re.X,
)
_FIELD = _Lazy(r"\{\{|\}\}|\{")
# A line break that follows or precedes an operator (``"a" +`` or ``.method()`` on the
# next line) goes on with the chain; other line breaks end it (``@`` opening a line is a
# decorator).
_CONTINUED = _Lazy(
    r"[\r\n](?:(?<=[-+*/%@&|^~.(\[\\][\r\n])[\r\n]*|[\r\n]*(?=[ \t]*[-+*/%&|^.)\]]))"
)
# Words that chain like operators (``a if a else a if ...``, ``not not ...``).
_CHAIN_WORDS = _Lazy(r"\b(?:if|else|not)\b")
# A call or subscript of what precedes it (the lookbehind only runs at brackets).
_TRAILER = _Lazy(r"[(\[](?<=[\w)\]][(\[])")
_BRACKETS = _Lazy(r"[()\[\]{}]+")
_OPENING = frozenset("([{")
# Operators of one precedence group become one byte (\x10-\x14: ``+ -``, ``* / % @``,
# ``.`` and trailers, bitwise, chaining words), separators \x02; all else is dropped.
_GROUPS = (b"+-", b"*/%@", b".\x12", b"&|^~", b"\x14")
_SEPARATORS = b",;:=\r\n"
_MARK = bytes.maketrans(
    b"".join(_GROUPS) + _SEPARATORS,
    b"".join(bytes([0x10 + i]) * len(group) for i, group in enumerate(_GROUPS))
    + b"\x02" * len(_SEPARATORS),
)
_UNMARKED = bytes(set(range(256)) - set(b"".join(_GROUPS) + _SEPARATORS))
_GROUP_MARKS = tuple(bytes([0x10 + i]) for i in range(len(_GROUPS)))


@dataclass(frozen=True)
class Complexity:
    """What makes a source expensive for the parsers beyond its size."""

    largest_fstring: int = 0  # replacement fields in the f-string literal with the most
    fstring_work: float = 0.0
    deepest: int = 0  # bracket nesting
    nesting_work: float = 0.0
    longest_chain: int = 0  # operators and trailers in one expression chain
    chain_work: float = 0.0

    @property
    def work(self) -> float:
        return self.fstring_work + self.nesting_work + self.chain_work


def _fstring_fields(source: str) -> list[int]:
    """The number of replacement fields of each f-string literal (after a cheap test)."""
    if source.count("{") ** 2 * FSTRING_FIELD_COST <= COMPLEXITY_BUDGET / 4:
        return []  # even all braces in one literal would not matter
    fields = []
    for match in _FSTRING.finditer(source):
        found = _FIELD.findall(match.group("body"))
        fields.append(len(found) - found.count("{{") - found.count("}}"))
    return fields


def complexity(source: str) -> Complexity:
    """Estimate the work CPython's and LibCST's parsers need beyond the file's size.

    Both are quadratic somewhere (bench/bench_complexity.py measures each shape): CPython
    3.11 and LibCST in the replacement fields of one f-string literal; LibCST in bracket
    nesting (each level re-reads what it holds) and in the length of one chain of operators
    or trailers (``a + a + ...``, ``a.b().c()...``, ``a[0][0]...``). Counted on the text
    without its strings and comments, in time linear in the file's length.
    """
    code = _STRING_OR_COMMENT.sub("S", source)  # a comment as S too: an atom, no operator
    fields = _fstring_fields(source)
    steps = "".join(_BRACKETS.findall(code))
    deepest = nesting = 0
    if steps:
        depths = list(itertools.accumulate(1 if c in _OPENING else -1 for c in steps))
        deepest = max(depths)
        if deepest > FREE_DEPTH:
            nesting = sum(
                d - FREE_DEPTH
                for d, c in zip(depths, steps, strict=True)
                if d > FREE_DEPTH and c in _OPENING
            )
    marked = _CONTINUED.sub(" ", _CHAIN_WORDS.sub("\x14", _TRAILER.sub("\x12", code)))
    marks = marked.encode("ascii", "ignore").translate(_MARK, _UNMARKED)
    chains = []
    for segment in marks.split(b"\x02"):
        if len(segment) > FREE_CHAIN:  # a chain is as long as its largest group
            longest = max(map(segment.count, _GROUP_MARKS))
            if longest > FREE_CHAIN:
                chains.append(longest)
    return Complexity(
        largest_fstring=max(fields, default=0),
        fstring_work=FSTRING_FIELD_COST * sum(n * n for n in fields),
        deepest=deepest,
        nesting_work=NESTING_COST * nesting,
        longest_chain=max(chains, default=0),
        chain_work=CHAIN_COST * sum(n * n for n in chains),
    )


def too_complex(source: str) -> str | None:
    """Why parsing ``source`` with LibCST would take too long, or None (the usual case)."""
    found = complexity(source)
    if found.work <= COMPLEXITY_BUDGET:
        return None
    _work, reason = max(
        (found.fstring_work, f"an f-string of {found.largest_fstring} replacement fields"),
        (found.nesting_work, f"brackets nested {found.deepest} deep"),
        (found.chain_work, f"an expression chain of {found.longest_chain} operators"),
    )
    return f"too complex to analyse ({reason}: the parser's time grows with its square)"


def too_complex_to_compile(source: str) -> str | None:
    """Why ``compile(source)`` would take too long (CPython 3.11 is quadratic in the fields
    of one f-string literal), or None. Cheap: most files have too few braces to matter."""
    fields = _fstring_fields(source)
    if FSTRING_FIELD_COST * sum(n * n for n in fields) <= COMPLEXITY_BUDGET:
        return None
    reason = f"an f-string of {max(fields)} replacement fields"
    return f"too complex to analyse ({reason}: the parser's time grows with its square)"
