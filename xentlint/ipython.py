"""IPython's input syntax: what in a notebook cell is not Python, decided as IPython decides.

IPython (7 and later; ``IPython.core.inputtransformer2`` and ``prefilter``) turns a cell into
Python in two steps, and xentlint follows both:

* static transformations, on every cell: a ``%%magic`` first line makes the whole cell an
  argument of that cell magic; a logical line that starts (after its indentation) with
  ``%``, ``!``, ``!!``, ``?``, ``??``, ``,``, ``;`` or ``/``, or ends with ``?``/``??``
  (help), is a command; ``x = %magic ...`` and ``x = !cmd`` assign a command's result;
* dynamic ones, only when the transformed cell is a single line: automagic, where a line
  whose first word is the name of a line magic (``ls``, ``cd``, ``pip install ...``) runs
  that magic unless the name is bound as a Python variable, a builtin or a keyword, or the
  line assigns to it (``ls = 3``, ``ls, x = ...``). In a cell of several lines the same
  line is Python, and most often a syntax error: :func:`automagic_hint` says so.

:func:`neutralize_magics` replaces such lines of one cell, keeping the number of lines, so
that every program line is the line of the same number in its cell. The magic names are
IPython's own (``IPython/core/magics/_table.py``), the POSIX shell aliases it defines, the
magics the Jupyter kernel adds (``ipykernel.zmqshell.KernelMagics``) and ``%store``, loaded
by default. Datalab (Google's notebooks before Vertex) also ran a cell whose first line was
``%bash``, ``%bq`` or ``%writefile`` with a single ``%`` as that cell magic:
:func:`cell_magic` reads both forms.
"""

from __future__ import annotations

import builtins
import keyword
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass

#: IPython's line magics (including the ones that are also cell magics).
LINE_MAGICS = frozenset(
    """alias alias_magic autoawait autocall automagic bookmark cd code_wrap colors conda config
    debug dhist dirs doctest_mode ed edit env gui hist history killbgscripts load load_ext
    loadpy logoff logon logstart logstate logstop lsmagic macro magic mamba matplotlib
    micromamba notebook page pastebin pdb pdef pdoc pfile pinfo pinfo2 pip popd pprint
    precision prun psearch psource pushd pwd pycat pylab quickref recall rehashx reload_ext
    rep rerun reset reset_selective run save sc set_env store sx system tb time timeit
    unalias unload_ext uv who who_ls whos xdel xmode""".split()
)
#: Shell commands IPython defines as line magics (aliases) on Linux.
SHELL_ALIASES = frozenset("cat cp ldir lf lk ll ls lx mkdir mv rm rmdir".split())
#: Line magics of the Jupyter kernel (``ipykernel``).
KERNEL_MAGICS = frozenset("autosave clear connect_info edit less man more qtconsole".split())
#: Every name automagic may run without its ``%``.
AUTOMAGIC_NAMES = LINE_MAGICS | SHELL_ALIASES | KERNEL_MAGICS

#: Cell magics whose body is Python, run in the notebook: the body is a cell of its own.
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug"})
#: Cell magics that write their body to a file (``%%file`` is IPython's alias).
WRITEFILE_MAGICS = frozenset({"writefile", "file"})
#: Cell magics that have no line form, so that ``%name`` opening a cell of several lines is
#: Datalab's spelling of ``%%name``: IPython's own, its script magics, and the SQL and
#: BigQuery extensions (``%%sql``, ``%%bigquery``, Datalab's ``%%bq``).
CELL_ONLY_MAGICS = WRITEFILE_MAGICS | frozenset(
    """bash sh script perl ruby python python2 python3 pypy html HTML javascript js latex
    markdown svg SVG sql bigquery bq""".split()
)

_ESCAPES = ("%", "!", "?", "/", ",", ";")  # no Python statement starts with these
_ASSIGNED_COMMAND = re.compile(r"\s*(?:!|%\s*[^\W\d])")
_MAYBE_ASSIGNED_COMMAND = re.compile(r"=\s*[!%]")
#: IPython's ``splitinput.line_split`` without the escapes (handled before automagic):
#: the leading word (``ifun``) and the rest of the line.
_FIRST_WORD = re.compile(r"\s*(%{0,2}[\w.*]*)(.*)$")
_SPECIAL = re.compile(r"[\\'\"#()\[\]{}]")


@dataclass(frozen=True)
class CellMagic:
    """The cell magic of a cell: its name, the rest of its line, and that line's index."""

    name: str
    args: str
    line: int

    @property
    def runs_python(self) -> bool:
        return self.name in PYTHON_CELL_MAGICS

    @property
    def writes_file(self) -> bool:
        return self.name in WRITEFILE_MAGICS


def cell_magic(lines: list[str]) -> CellMagic | None:
    """The cell magic that opens ``lines`` (one cell, dedented), if any.

    As IPython: the first line that is not blank starts with ``%%`` (the name runs to the
    first space). As Datalab: it starts with a single ``%`` and a name from
    :data:`CELL_ONLY_MAGICS`, and a line that is not blank follows.
    """
    index = next((i for i, line in enumerate(lines) if line.strip()), None)
    if index is None:
        return None
    first = lines[index].rstrip()
    if first.startswith("%%"):
        name, _, args = first[2:].partition(" ")
        return CellMagic(name, args, index)
    if first.startswith("%") and not first.startswith("%%"):
        name, _, args = first[1:].partition(" ")
        body = any(line.strip() for line in lines[index + 1 :])
        if name in CELL_ONLY_MAGICS and body:
            return CellMagic(name, args, index)
    return None


def writefile_target(args: str) -> tuple[str, bool] | None:
    """``(path, append)`` of ``%%writefile [-a] PATH``; None when IPython would refuse it
    (an unknown option, no path or several)."""
    try:
        words = shlex.split(args)
    except ValueError:
        words = args.split()
    append = False
    paths: list[str] = []
    for word in words:
        if word in ("-a", "--append"):
            append = True
        elif word.startswith("-") and word != "-":
            return None
        else:
            paths.append(word)
    if len(paths) != 1:
        return None
    return paths[0], append


def automagic_name(line: str) -> str | None:
    """The magic automagic would run for ``line`` alone in its cell (before IPython looks
    at the namespace), else None."""
    match = _FIRST_WORD.match(line)
    if match is None:
        return None
    name, rest = match.group(1).strip(), match.group(2).lstrip()
    if name not in AUTOMAGIC_NAMES or rest[:1] in ("=", ","):
        return None
    return name


def shadowed(name: str, is_bound: Callable[[str], bool]) -> bool:
    """IPython's ``is_shadowed``: a variable, builtin or keyword of that name hides the magic."""
    return keyword.iskeyword(name) or hasattr(builtins, name) or is_bound(name)


def automagic_hint(line: str) -> str | None:
    """For a syntax error on ``line`` in a cell of several lines: why IPython does not run
    it as a magic (None when its first word is no magic name)."""
    name = automagic_name(line.strip())
    if name is None:
        return None
    return f"IPython runs `{name}` as a magic only alone in its cell: write `%{name}`"


def _never_bound(_name: str) -> bool:
    return False


def neutralize_magics(
    lines: list[str], is_bound: Callable[[str], bool] = _never_bound
) -> list[str]:
    """Replace the IPython-only lines of one cell (dedented), keeping the number of lines.

    Cells of a cell magic are blanked, except the body of the magics that run Python
    (``%%time``...), which is read as a cell of its own; ``%magic``, ``!shell``,
    ``?help``, ``help?``, autocall escapes and automagic become ``pass`` at the same
    indentation; ``x = !cmd`` and ``x = %magic`` become ``x = ...`` so the name is still
    bound (to something unknown, which keeps the analyzer silent about it). Only lines that
    start a statement are considered: text inside strings and brackets is left alone.
    ``is_bound(name)`` says whether the notebook binds ``name`` before this cell (which
    turns automagic off for it).
    """
    magic = cell_magic(lines)
    if magic is not None:
        if not magic.runs_python:
            return [""] * len(lines)
        start = magic.line + 1
        return [""] * start + neutralize_magics(lines[start:], is_bound)
    first = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    single = len(lines) - first == 1
    out: list[str] = []
    scanner = _Scanner()
    continued_magic = False
    for line in lines:
        if continued_magic:  # a magic line ending in a backslash goes on here
            out.append("")
            continued_magic = line.endswith("\\")
            continue
        if scanner.at_statement_start:
            replacement = _replace_magic(line, scanner)
            if replacement is None and single and line.strip():
                name = automagic_name(line)
                if name is not None and not shadowed(name, is_bound):
                    replacement = "pass"
            if replacement is not None:
                out.append(replacement)
                continued_magic = line.endswith("\\")
                continue
        scanner.feed(line)
        out.append(line)
    return out


def _replace_magic(line: str, scanner: _Scanner) -> str | None:
    stripped = line.lstrip()
    indent = line[: len(line) - len(stripped)]
    if not stripped:
        return None
    if stripped.startswith(_ESCAPES):
        return indent + "pass"
    assigned = _assigned_command(line, scanner)
    if assigned is not None:
        return assigned
    if "?" not in line:
        return None
    # ``obj?`` / ``obj??``: the code part (without a comment) ends with a question mark.
    probe = scanner.copy()
    comment_at = probe.feed(line)
    code = line[:comment_at].rstrip() if comment_at is not None else line.rstrip()
    if code.endswith("?") and probe.at_statement_start:
        return indent + "pass"
    return None


def _assigned_command(line: str, scanner: _Scanner) -> str | None:
    """``target = ...`` for ``target = !cmd`` or ``target = %magic args`` (IPython: the
    first ``=`` outside brackets and strings, followed by ``!`` or ``%`` and a name)."""
    if _MAYBE_ASSIGNED_COMMAND.search(line) is None:
        return None
    at = scanner.copy().first_assignment(line)
    if at is None or _ASSIGNED_COMMAND.match(line, at + 1) is None:
        return None
    return f"{line[:at].rstrip()} = ..."


class _Scanner:
    """Tracks brackets, strings and continuations just well enough to find statement starts."""

    def __init__(self) -> None:
        self.depth = 0
        self.string: str | None = None  # the open string's delimiter
        self.continued = False

    def copy(self) -> _Scanner:
        other = _Scanner()
        other.depth, other.string, other.continued = self.depth, self.string, self.continued
        return other

    @property
    def at_statement_start(self) -> bool:
        return self.depth == 0 and self.string is None and not self.continued

    def first_assignment(self, line: str) -> int | None:
        """The column of the first ``=`` of ``line`` that is an assignment (outside brackets
        and strings, not part of ``==``, ``<=``, ``+=``...)."""
        found: list[int] = []
        self.feed(line, found)
        return found[0] if found else None

    def feed(self, line: str, assignments: list[int] | None = None) -> int | None:
        """Consume one line; return the column where a comment starts, if any."""
        if self.string is None and assignments is None and not _SPECIAL.search(line):
            self.continued = False
            return None
        i, n = 0, len(line)
        comment_at: int | None = None
        while i < n:
            char = line[i]
            if self.string is not None:
                if char == "\\":
                    i += 2
                    continue
                if line.startswith(self.string, i):
                    i += len(self.string)
                    self.string = None
                    continue
                i += 1
                continue
            if char == "#":
                comment_at = i
                break
            if char in "'\"":
                triple = char * 3
                self.string = triple if line.startswith(triple, i) else char
                i += len(self.string)
                continue
            if char in "([{":
                self.depth += 1
            elif char in ")]}":
                self.depth = max(0, self.depth - 1)
            elif (
                char == "="
                and assignments is not None
                and self.depth == 0
                and line[i + 1 : i + 2] != "="
                and (i == 0 or line[i - 1] not in "=<>!+-*/%&|^@:~")
            ):
                assignments.append(i)
            i += 1
        escaped_newline = i > n  # a backslash inside a string escaped the line end
        if self.string is not None and len(self.string) == 1 and not escaped_newline:
            self.string = None  # an unterminated one-quote string ends with its line
        self.continued = self.string is None and comment_at is None and line.endswith("\\")
        return comment_at
