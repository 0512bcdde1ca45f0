"""What every file pays before the analysis: CPython's syntax check and the text prefilter.

Light on purpose (no LibCST, no rule module): a file that does not compile, or that
mentions no loss nor activation, is answered here, and the static front end
(:mod:`xentlint.static`) is imported only for the files that need it. :func:`screen` is
the decision; the static front end asks it too, so both paths give the same answer.
"""

from __future__ import annotations

import ast
import re
import warnings

from xentlint.diagnostics import RawFinding
from xentlint.guard import pathological, too_complex_to_compile
from xentlint.modules import MODULE, ModuleFinder

# A file that mentions none of these cannot produce a finding of any rule.
_RELEVANT_WORDS = ("crossentropy", "cross_entropy", "softmax", "sigmoid", "log_loss")
_BCE = r"\bbce\b"  # compiled when a text says "bce" (re caches it)
# A hand-written crossentropy (-sum(y * tf.log(p))) matters on a linear output: a Dense
# layer (or tf.layers.dense) without activation, or a matmul. Measured on 13,396 files of
# public Keras code: 2,621 pass the words above, 58 more pass this.
_HANDWRITTEN_LOG = ".log("
_LINEAR_WORDS = ("dense", "matmul")


def is_relevant(source: str) -> bool:
    # casefold + substring search: 10x faster than one case-insensitive regex over the text
    # (1.0 s -> 0.1 s on the 11 MB keras source), and it runs on every file.
    folded = source.casefold()
    if any(word in folded for word in _RELEVANT_WORDS):
        return True
    if _HANDWRITTEN_LOG in folded and any(word in folded for word in _LINEAR_WORDS):
        return True
    return "bce" in folded and re.search(_BCE, folded) is not None


#: Top-level ``await`` is valid in a notebook cell (IPython runs it).
_NOTEBOOK_FLAGS = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
#: What CPython says of a ``from __future__`` import below other statements. A notebook is
#: linted as one program but IPython compiles each cell alone, where such an import may
#: open the cell: in notebooks the line is blanked and the program compiled again.
_LATE_FUTURE = "from __future__ imports must occur at the beginning of the file"


def syntax_error(source: str, *, notebook: bool = False) -> RawFinding | None:
    """XEN901 for what CPython refuses to compile, XEN902 for what it cannot even read.

    ``compile()`` reports what the parser reports and what only the compiler finds
    (``return`` outside a function, a repeated keyword argument, ``nonlocal`` at module
    level, a misplaced ``__future__`` import...), at the position CPython gives. It is
    also cheaper than ``ast.parse``: no Python objects are built for the tree (measured on
    the 166 keras-io examples, bench/README.md "Syntax check").
    """
    problem = pathological(source) or too_complex_to_compile(source)  # costly for CPython
    if problem is not None:
        return RawFinding("XEN902", f"unreadable file: {problem}", 1, 1, 1, 1)
    try:
        _compile(source, notebook)
    except SyntaxError as exc:
        line = exc.lineno or 1
        col = exc.offset or 1
        end_line = getattr(exc, "end_lineno", None) or line
        end_col = getattr(exc, "end_offset", None) or col
        if end_line < line or (end_line == line and end_col < col):
            end_line, end_col = line, col
        message = f"syntax error: {one_sentence(exc.msg)}"
        return RawFinding("XEN901", message, line, col, end_line, end_col)
    except (RecursionError, MemoryError):
        message = "syntax error: the code is nested too deeply to parse"
        return RawFinding("XEN901", message, 1, 1, 1, 1)
    except ValueError as exc:  # e.g. source code string cannot contain null bytes
        return RawFinding("XEN902", f"unreadable file: {exc}", 1, 1, 1, 1)
    return None


def one_sentence(text: str) -> str:
    """CPython's message as one sentence: its hint in parentheses.

    ``Missing parentheses in call to 'print'. Did you mean print(...)?`` becomes
    ``Missing parentheses in call to 'print' (did you mean print(...)?)``.
    """
    head, dot, hint = text.partition(". ")
    if not dot or not hint.strip():
        return text
    hint = hint.strip().removesuffix(".")
    return f"{head} ({hint[:1].lower()}{hint[1:]})"


def _compile(source: str, notebook: bool) -> None:
    """``compile(source)``; in a notebook, a ``from __future__`` line that may open its cell
    is blanked and the program compiled again (a few times at most)."""
    flags = _NOTEBOOK_FLAGS if notebook else 0
    for attempt in range(8 if notebook else 1, 0, -1):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                compile(source, "<xentlint>", "exec", flags=flags, dont_inherit=True)
            return
        except SyntaxError as exc:
            if attempt == 1 or exc.msg != _LATE_FUTURE or not exc.lineno:
                raise
            lines = source.split("\n")
            late = lines[exc.lineno - 1]
            if not late.startswith("from __future__") or "(" in late or late.endswith("\\"):
                raise
            lines[exc.lineno - 1] = ""
            source = "\n".join(lines)


# Import statements, found without parsing (the prefilter, the search for cycles); the
# patterns are compiled on first use (re caches them): most files never need them.
_IMPORT_LINE = (
    r"(?m)^[ \t]*(?:from[ \t]+(?P<dots>\.*)[ \t]*(?P<module>[\w.]*)[ \t]+import[ \t]+"
    r"(?P<names>\([^)]*\)|[^\n#;]*)|import[ \t]+(?P<plain>[^\n#;]+))"
)
_AS = r"\s+as\s+\w+\s*$"


def imported_names(source: str) -> list[tuple[int, str]]:
    """``(level, dotted name)`` of every module an import statement of ``source`` may
    name (``from a import b`` gives ``a`` and ``a.b``, which may be a submodule)."""
    out: list[tuple[int, str]] = []
    alias = re.compile(_AS)
    for match in re.finditer(_IMPORT_LINE, source):
        if match.group("plain") is not None:
            for item in match.group("plain").split(","):
                name = alias.sub("", item.strip()).strip()
                if name:
                    out.append((0, name))
            continue
        level, module = len(match.group("dots")), match.group("module")
        if not level and not module:
            continue
        out.append((level, module))
        for item in match.group("names").strip("()").split(","):
            name = alias.sub("", item.strip()).strip()
            if name and name != "*" and name.isidentifier():
                out.append((level, f"{module}.{name}" if module else name))
    return out


#: The project modules the prefilter reads at most, following imports of imports.
MAX_PREFILTER_MODULES = 200


#: A file that names no loss nor activation can still bind one built elsewhere: when it
#: says one of these (``model.compile(loss=LOSS)``, ``model.fit``, ``loss_fn(y, p)``).
_BINDING_WORDS = ("compile", "fit", "loss")


def imports_relevant(source: str, project: ModuleFinder) -> bool:
    """Whether a file whose own text fails the prefilter must still be analysed: it binds
    a loss (compile, fit, a loss call) and a project module it imports, or one they import,
    passes the prefilter (``model.compile(loss=LOSS)`` with ``LOSS`` from ``config.py``)."""
    folded = source.casefold()
    if not any(word in folded for word in _BINDING_WORDS):
        return False
    pending = [(project.path, source)]
    seen: set[str] = set()
    while pending and len(seen) < MAX_PREFILTER_MODULES:
        importer, text = pending.pop()
        for level, name in imported_names(text):
            found = project.find(importer, level, name)
            if found is None or found.kind != MODULE or found.path in seen:
                continue
            seen.add(found.path or "")
            if found.text is None:
                continue
            if is_relevant(found.text):
                return True
            pending.append((found.path, found.text))
    return False


def screen(
    source: str,
    *,
    notebook: bool = False,
    compiled: bool = False,
    project: ModuleFinder | None = None,
) -> list[RawFinding] | None:
    """The findings of ``source`` when they are known without the analysis: XEN901/XEN902
    for what CPython refuses (unless ``compiled``: the caller checked), none for a file the
    prefilter drops; None when the static front end must analyse it."""
    error = None if compiled else syntax_error(source, notebook=notebook)
    if error is not None:
        return [error]
    if not is_relevant(source) and not (project is not None and imports_relevant(source, project)):
        return []
    return None
