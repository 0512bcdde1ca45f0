"""The names a notebook cell binds at module level, and what a cell that does not compile
leaves behind.

A cell that compiles is read with :mod:`ast` (:func:`module_names`). A cell that does not
(a lab placeholder ``x = # YOUR CODE HERE``, an unfinished ``model.compile(``, Python 2) is
read token by token (:func:`left_out`), resuming after each line the tokenizer refuses, to
find what its fixed version would still do: bind the names it assigns (``x =``, ``for x
in``, ``with ... as x``, ``def x``, ``class x``, ``global x``, ``del x``) and change the
objects it calls methods on or assigns into (``model.add(``, ``model.layers[0].trainable =``).
Names bound inside its functions and classes are their own. Its imports are kept as they
are: a placeholder does not change what ``import keras`` binds.
"""

from __future__ import annotations

import ast
import functools
import keyword
import tokenize
import warnings
from dataclasses import dataclass, field

_AUGMENTED = frozenset("+= -= *= /= //= %= **= @= &= |= ^= >>= <<=".split())
_COMPOUND = frozenset("if elif else while try except finally with match case".split())
_SKIPPED = frozenset(
    {tokenize.COMMENT, tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING}
)


@dataclass(frozen=True)
class Names:
    """What one cell binds at module level: by imports, and by anything else."""

    imported: frozenset[str] = frozenset()
    assigned: frozenset[str] = frozenset()

    @property
    def all(self) -> frozenset[str]:
        return self.imported | self.assigned


@dataclass(frozen=True)
class LeftOut:
    """What a cell that does not compile leaves for the cells after it."""

    #: Complete import statements at the top level: (0-based line indices in the cell, the
    #: names the statement binds).
    imports: tuple[tuple[tuple[int, ...], frozenset[str]], ...] = ()
    #: Names its imports bind (kept imports and the others).
    imported: frozenset[str] = frozenset()
    #: Names it binds by anything but an import.
    assigned: frozenset[str] = frozenset()
    #: Names whose object it may change (method calls, attribute or item assignments).
    changed: frozenset[str] = frozenset()


# --------------------------------------------------------------------------- cells that compile


def module_names(tree: ast.Module) -> Names:
    """The names a module binds at its top level (also through ``global`` in functions)."""
    imported: set[str] = set()
    assigned: set[str] = set()
    _block_names(tree.body, imported, assigned)
    return Names(frozenset(imported), frozenset(assigned))


def _block_names(body: list[ast.stmt], imported: set[str], assigned: set[str]) -> None:
    """Statement by statement: a walk of every expression would cost more than the parse,
    so only walrus targets (rare) are looked for in expressions, when there is one."""
    for stmt in body:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            for alias in stmt.names:
                if alias.name != "*":
                    imported.add(alias.asname or alias.name.split(".", 1)[0])
            continue
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            assigned.add(stmt.name)
            for node in ast.walk(stmt):
                if isinstance(node, ast.Global):
                    assigned.update(node.names)
            continue
        targets: list[ast.expr] = []
        if isinstance(stmt, ast.Assign):
            targets = stmt.targets
        elif isinstance(stmt, (ast.AugAssign, ast.AnnAssign)):
            targets = [stmt.target]
        elif isinstance(stmt, (ast.For, ast.AsyncFor)):
            targets = [stmt.target]
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            targets = [item.optional_vars for item in stmt.items if item.optional_vars]
        elif isinstance(stmt, ast.Delete):
            targets = stmt.targets
        elif isinstance(stmt, ast.Global):
            assigned.update(stmt.names)
        for target in targets:
            for node in ast.walk(target):
                if isinstance(node, ast.Name):
                    assigned.add(node.id)
        if isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
            for handler in stmt.handlers:  # type: ignore[attr-defined]
                if handler.name:
                    assigned.add(handler.name)
                _block_names(handler.body, imported, assigned)
        if isinstance(stmt, ast.Match):
            for case in stmt.cases:
                for node in ast.walk(case.pattern):
                    name = getattr(node, "name", None) or getattr(node, "rest", None)
                    if isinstance(name, str):
                        assigned.add(name)
                _block_names(case.body, imported, assigned)
        for part in ("body", "orelse", "finalbody"):
            block = getattr(stmt, part, None)
            if isinstance(block, list):
                _block_names(block, imported, assigned)


def _walrus_names(tree: ast.Module) -> set[str]:
    """Targets of ``:=`` outside functions, lambdas and classes (which keep theirs)."""
    found: set[str] = set()
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.NamedExpr) and isinstance(node.target, ast.Name):
            found.add(node.target.id)
        stack.extend(ast.iter_child_nodes(node))
    return found


def parse(text: str) -> ast.Module | None:
    """``ast``'s tree of ``text``, or None when it does not parse."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def cell_names(text: str) -> Names:
    """The names cell ``text`` binds at module level, whether or not it compiles."""
    tree = parse(text)
    if tree is not None:
        names = module_names(tree)
        if ":=" in text:
            names = Names(names.imported, names.assigned | _walrus_names(tree))
        return names
    left = left_out(text.split("\n"))
    return Names(left.imported, left.assigned)


# --------------------------------------------------------------------------- cells that do not


@dataclass
class _Reader:
    lines: list[str]
    imports: list[tuple[tuple[int, ...], frozenset[str]]] = field(default_factory=list)
    imported: set[str] = field(default_factory=set)
    assigned: set[str] = field(default_factory=set)
    changed: set[str] = field(default_factory=set)
    scopes: list[int] = field(default_factory=list)  # columns of the defs and classes open

    def statement(self, tokens: list[tokenize.TokenInfo], whole_lines: bool) -> None:
        """One logical line (``whole_lines``: it starts and ends its physical lines)."""
        column = tokens[0].start[1]
        while self.scopes and column <= self.scopes[-1]:
            self.scopes.pop()
        at_module = not self.scopes
        words = [t.string for t in tokens]
        if words[0] == "async":
            tokens, words = tokens[1:], words[1:]
            if not tokens:
                return
        head = words[0]
        if head in ("def", "class"):
            if at_module and len(tokens) > 1 and tokens[1].type == tokenize.NAME:
                self.assigned.add(tokens[1].string)
            self.scopes.append(column)
            return
        if head in ("global", "nonlocal"):
            if head == "global":
                self.assigned.update(_plain_names(tokens[1:]))
            return
        if not at_module or head == "@":
            return
        if head in ("import", "from"):
            self._import(tokens, whole_lines and column == 0)
            return
        if head == "for" or head in _COMPOUND:
            header, body = _split_header(tokens)
            self._header(head, header)
            if body:
                self._simple(body)
            return
        self._simple(tokens)

    def _import(self, tokens: list[tokenize.TokenInfo], may_keep: bool) -> None:
        names = _import_names([t.string for t in tokens])
        self.imported.update(names)
        if not may_keep:
            return
        first, last = tokens[0].start[0], tokens[-1].end[0]
        text = "\n".join(self.lines[first - 1 : last])
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                compile(text, "<cell>", "exec", dont_inherit=True)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return
        self.imports.append((tuple(range(first - 1, last)), frozenset(names)))

    def _header(self, head: str, tokens: list[tokenize.TokenInfo]) -> None:
        words = [t.string for t in tokens]
        if head == "for":
            end = _find(words, "in", 1)
            self.assigned.update(_plain_names(tokens[1:end]))
        for index, word in enumerate(words):
            if word == "as" and index + 1 < len(tokens):
                self.assigned.update(_plain_names(tokens[index + 1 : index + 2]))
        self._calls(tokens)

    def _simple(self, tokens: list[tokenize.TokenInfo]) -> None:
        if tokens[0].string == "del":
            self._targets(tokens[1:])
            return
        depth = 0
        start = 0
        for index, token in enumerate(tokens):
            text = token.string
            if token.type == tokenize.OP:
                if text in "([{":
                    depth += 1
                elif text in ")]}":
                    depth = max(0, depth - 1)
                elif depth == 0 and (text == "=" or text in _AUGMENTED):
                    self._targets(_before_annotation(tokens[start:index]))
                    start = index + 1
                elif text == ":=" and index > 0 and tokens[index - 1].type == tokenize.NAME:
                    self.assigned.add(tokens[index - 1].string)
        self._calls(tokens)

    def _targets(self, tokens: list[tokenize.TokenInfo]) -> None:
        """Assignment targets: a name is bound, ``name.attr`` / ``name[i]`` is changed."""
        for index, token in enumerate(tokens):
            if not _is_plain_name(tokens, index):
                continue
            after = tokens[index + 1].string if index + 1 < len(tokens) else ""
            (self.changed if after in (".", "[") else self.assigned).add(token.string)

    def _calls(self, tokens: list[tokenize.TokenInfo]) -> None:
        """``name.method(...)`` (any depth of attributes): ``name``'s object may change."""
        for index, token in enumerate(tokens):
            if not _is_plain_name(tokens, index):
                continue
            j = index + 1
            while (
                j + 1 < len(tokens)
                and tokens[j].string == "."
                and tokens[j + 1].type == (tokenize.NAME)
            ):
                j += 2
            if j > index + 1 and j < len(tokens) and tokens[j].string == "(":
                self.changed.add(token.string)


def left_out(lines: list[str]) -> LeftOut:
    """What cell ``lines`` (dedented; they do not compile) leaves for the cells after it."""
    reader = _Reader(lines)
    start = 0
    while start < len(lines):
        tokens, failure, row = _tokenize(lines, start)
        pending: list[tokenize.TokenInfo] = []
        whole = True  # the pending statement starts its line
        for token in tokens:
            if token.type in _SKIPPED:
                continue
            if token.type in (tokenize.NEWLINE, tokenize.ENDMARKER) or (
                token.type == tokenize.OP and token.string == ";" and _depth(pending) == 0
            ):
                if pending:
                    ends_line = token.type != tokenize.OP
                    reader.statement(pending, whole_lines=whole and ends_line)
                pending = []
                whole = token.type != tokenize.OP
                continue
            pending.append(token)
        if failure == "done":
            break
        if failure == "string" and _depth(pending) > 0:
            failure = "bracket"  # the string opened inside the brackets left open
        if failure == "bracket" and pending:
            # an unclosed bracket swallowed the rest of the cell: the statement is its first
            # line, and reading goes on with the next one
            row = pending[0].start[0]
            pending = [t for t in pending if t.start[0] == row]
        if pending:
            reader.statement(pending, whole_lines=False)
        if failure == "string":
            break
        start = max(row, start + 1)
    return LeftOut(
        tuple(reader.imports),
        frozenset(reader.imported),
        frozenset(reader.assigned),
        frozenset(reader.changed),
    )


def _tokenize(lines: list[str], start: int) -> tuple[list[tokenize.TokenInfo], str, int]:
    """The tokens of ``lines[start:]`` (positions counted in ``lines``) up to where the
    tokenizer gives up, how it ended (``done``; ``bracket``: the input ended inside
    brackets; ``string``: inside a triple-quoted string; ``line``: it refused a line) and
    the 1-based line it ended on."""
    chunk = [line + "\n" for line in lines[start:]]
    tokens: list[tokenize.TokenInfo] = []
    try:
        for token in tokenize.generate_tokens(functools.partial(next, iter(chunk), "")):
            if start:
                (srow, scol), (erow, ecol) = token.start, token.end
                token = token._replace(start=(srow + start, scol), end=(erow + start, ecol))
            tokens.append(token)
    except (tokenize.TokenError, SyntaxError) as exc:
        message = str(exc.args[0]) if exc.args else ""
        if "multi-line statement" in message:
            return tokens, "bracket", len(lines)
        if "string" in message and ("EOF" in message or "triple" in message):
            return tokens, "string", len(lines)
        row = start + _error_row(exc)
        if isinstance(exc, IndentationError):  # the line is fine, its indentation is not
            row -= 1
        return tokens, "line", row
    return tokens, "done", len(lines)


def _error_row(exc: Exception) -> int:
    if isinstance(exc, SyntaxError):
        return exc.lineno or 1
    where = exc.args[1] if len(exc.args) > 1 else None
    return where[0] if isinstance(where, tuple) and where else 1


def _depth(tokens: list[tokenize.TokenInfo]) -> int:
    depth = 0
    for token in tokens:
        if token.type == tokenize.OP:
            if token.string in "([{":
                depth += 1
            elif token.string in ")]}":
                depth = max(0, depth - 1)
    return depth


def _is_plain_name(tokens: list[tokenize.TokenInfo], index: int) -> bool:
    """A name token that is not an attribute (``x.name``) nor a keyword."""
    token = tokens[index]
    if token.type != tokenize.NAME or keyword.iskeyword(token.string):
        return False
    return index == 0 or tokens[index - 1].string != "."


def _plain_names(tokens: list[tokenize.TokenInfo]) -> set[str]:
    return {t.string for i, t in enumerate(tokens) if _is_plain_name(tokens, i)}


def _find(words: list[str], word: str, start: int) -> int:
    try:
        return words.index(word, start)
    except ValueError:
        return len(words)


def _split_header(
    tokens: list[tokenize.TokenInfo],
) -> tuple[list[tokenize.TokenInfo], list[tokenize.TokenInfo]]:
    """A compound statement's header and what follows its ``:`` on the same line."""
    depth = 0
    for index, token in enumerate(tokens):
        if token.type != tokenize.OP:
            continue
        if token.string in "([{":
            depth += 1
        elif token.string in ")]}":
            depth = max(0, depth - 1)
        elif token.string == ":" and depth == 0:
            return tokens[:index], tokens[index + 1 :]
    return tokens, []


def _before_annotation(tokens: list[tokenize.TokenInfo]) -> list[tokenize.TokenInfo]:
    """``x: int`` of ``x: int = 1`` is the target ``x``."""
    depth = 0
    for index, token in enumerate(tokens):
        if token.type == tokenize.NAME and token.string == "lambda":
            return tokens
        if token.type != tokenize.OP:
            continue
        if token.string in "([{":
            depth += 1
        elif token.string in ")]}":
            depth = max(0, depth - 1)
        elif token.string == ":" and depth == 0:
            return tokens[:index]
    return tokens


def _import_names(words: list[str]) -> set[str]:
    """The names ``import a.b as c, d`` / ``from m import x as y, (z)`` binds."""
    if words[0] == "from":
        at = _find(words, "import", 1)
        items = words[at + 1 :]
    else:
        items = words[1:]
    names: set[str] = set()
    current: list[str] = []
    for word in [*items, ","]:
        if word in ("(", ")"):
            continue
        if word != ",":
            current.append(word)
            continue
        if "as" in current and current.index("as") + 1 < len(current):
            names.add(current[current.index("as") + 1])
        elif current and current[0] != "*" and current[0].isidentifier():
            names.add(current[0])
        current = []
    return {name for name in names if name.isidentifier() and not keyword.iskeyword(name)}


def stub(lines: list[str], left: LeftOut, unknown: set[str]) -> list[str]:
    """The program lines that stand for cell ``lines`` left out: its kept imports where they
    are, and one line binding every ``unknown`` name to ``...`` (the analyzer's unknown)
    after them (an import below that line rebinding one of them is dropped)."""
    out = [""] * len(lines)
    for indices, _names in left.imports:
        for index in indices:
            out[index] = lines[index]
    names = sorted(name for name in unknown if _bindable(name))
    if not names:
        return out
    taken = {index for indices, _ in left.imports for index in indices}
    free = [i for i in range(len(lines)) if i not in taken]
    if not free:
        return out
    at = free[-1]
    for indices, bound in left.imports:
        if indices[0] > at and bound & set(names):
            for index in indices:
                out[index] = ""
    out[at] = " = ".join(names) + " = ..."
    return out


def _bindable(name: str) -> bool:
    if not name.isidentifier() or keyword.iskeyword(name) or name == "__debug__":
        return False
    return True
