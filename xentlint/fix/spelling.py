"""How to write a Keras name in a given file: through the imports the file already has.

A fix that introduces ``CategoricalCrossentropy`` must spell it the way this file can reach
it: ``keras.losses.CategoricalCrossentropy`` when ``import keras`` is there,
``tf.keras.losses.CategoricalCrossentropy`` when only ``import tensorflow as tf`` is,
``losses.CategoricalCrossentropy`` after ``from tensorflow.keras import losses``. It keeps to
the Keras *flavour* the surrounding code uses (``keras``, ``tensorflow.keras`` or
``tf_keras``: mixing Keras 2 and Keras 3 objects breaks), and only when nothing fits does
it ask for a new import.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst

from xentlint.knowledge.names import canonical
from xentlint.knowledge.snippets import BARE_NAMES

#: Keras flavours, as the root of their qualified names, in order of preference.
FLAVOURS = ("keras", "tensorflow.keras", "tf_keras")
_FLAVOUR_PREFIXES = (
    ("tensorflow.compat.v1.keras", "tensorflow.keras"),
    ("tensorflow.compat.v2.keras", "tensorflow.keras"),
    ("tensorflow.python.keras", "tensorflow.keras"),
    ("tensorflow.keras", "tensorflow.keras"),
    ("tensorflow.layers", "tensorflow.keras"),
    ("tensorflow.losses", "tensorflow.keras"),
    ("tf_keras", "tf_keras"),
    ("keras", "keras"),
)
#: The import a fix may add for each flavour: (statement, bound name, its qualified name).
_NEW_IMPORTS = {
    "keras": ("import keras", "keras", "keras"),
    "tensorflow.keras": ("import tensorflow as tf", "tf", "tensorflow"),
    "tf_keras": ("import tf_keras", "tf_keras", "tf_keras"),
}


def dotted(node: cst.CSTNode) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted(node.value)
        return None if base is None else f"{base}.{node.attr.value}"
    return None


def flavour_of(qname: str | None) -> str | None:
    if qname is None:
        return None
    for prefix, flavour in _FLAVOUR_PREFIXES:
        if qname == prefix or qname.startswith(prefix + "."):
            return flavour
    return None


@dataclass
class Spelled:
    """A spelling, and the import statement it needs (None when the file has one)."""

    code: str
    new_import: str | None = None


@dataclass
class ModuleNames:
    """What a module binds: imports at module level, and every other binding anywhere."""

    imports: dict[str, str] = field(default_factory=dict)  # bound name -> qualified name
    bound: set[str] = field(default_factory=set)  # names bound by anything but an import
    used: set[str] = field(default_factory=set)  # names read anywhere
    double_quotes: int = 0
    single_quotes: int = 0
    #: Where each import binds its name: the rank of its statement in the module's text.
    import_at: dict[str, int] = field(default_factory=dict)
    #: Whether Keras is imported inside ``try: ... except ImportError:``: the file picks
    #: its Keras when it runs, so no fix may add an unconditional import of one.
    conditional_keras: bool = False
    _ranks: dict[int, int] = field(default_factory=dict, repr=False)  # statement -> rank
    _parents: dict[int, cst.CSTNode] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, module: cst.Module) -> ModuleNames:
        return scan(module)[1]

    @property
    def quote(self) -> str:
        return "'" if self.single_quotes > self.double_quotes else '"'

    def string(self, value: str) -> str:
        return f"{self.quote}{value}{self.quote}"

    def resolve(self, node: cst.CSTNode) -> str | None:
        """The qualified name an expression refers to, when it goes through an import."""
        if isinstance(node, cst.Name):
            if node.value in self.imports:
                return self.imports[node.value]
            if node.value not in self.bound:
                return BARE_NAMES.get(node.value)
            return None
        if isinstance(node, cst.Attribute):
            base = self.resolve(node.value)
            return None if base is None else f"{base}.{node.attr.value}"
        return None

    def canonical(self, node: cst.CSTNode) -> str | None:
        qname = self.resolve(node)
        return None if qname is None else canonical(qname)

    def flavour(self, node: cst.CSTNode | None) -> str | None:
        """The Keras flavour of the callee of ``node`` (a layer or loss constructor call)."""
        if isinstance(node, cst.Call):
            node = node.func
        return flavour_of(self.resolve(node)) if node is not None else None

    def spell(
        self,
        target: str,
        flavour: str | None,
        like: cst.CSTNode | None = None,
        at: cst.CSTNode | None = None,
    ) -> Spelled | None:
        """Spell canonical ``target`` (``keras.losses.BinaryCrossentropy``) in this file,
        for use at node ``at`` (anywhere when None).

        The way ``like`` (a nearby Keras call, such as the model's last layer) reaches its
        package comes first: ``tf.keras.layers.Dense`` gives ``tf.keras.losses...``. Then
        names imported at module level (the shortest spelling in the wanted flavour, then
        in any flavour), then Keras names the file uses without importing them (a Q&A
        snippet), and last a new import. A name imported only after ``at`` (further down,
        or later on the same line) is not bound there and does not count; a new import is
        not offered where Keras is imported inside ``try: ... except ImportError:``.
        """
        assert target.startswith("keras.")
        tail = target[len("keras") :]
        rank = self._rank(at)
        if flavour in FLAVOURS and like is not None:
            found = self._like(like, flavour + tail)
            if found is not None and self._bound_before(found, rank):
                return Spelled(found)
        order = [flavour] if flavour in FLAVOURS else []
        order += [f for f in FLAVOURS if f not in order]
        imported = {n: q for n, q in self.imports.items() if self.import_at.get(n, -1) < rank}
        for source in (imported, self._unimported()):
            for wanted in order:
                found = _shortest(source, wanted + tail)
                if found is not None:
                    return Spelled(found)
        wanted = flavour if flavour in FLAVOURS else "keras"
        statement, name, qname = _NEW_IMPORTS[wanted]
        if self.conditional_keras or name in self.bound or name in self.used:
            return None
        if name in self.imports and self.imports[name] != qname:
            return None  # the name means something else further down
        return Spelled(name + (wanted + tail)[len(qname) :], statement)

    def _rank(self, node: cst.CSTNode | None) -> float:
        """The rank of the statement holding ``node`` (infinity: no position given)."""
        while node is not None:
            rank = self._ranks.get(id(node))
            if rank is not None:
                return rank
            node = self._parents.get(id(node))
        return float("inf")

    def _bound_before(self, spelling: str, rank: float) -> bool:
        root = spelling.split(".", 1)[0]
        return self.import_at.get(root, -1) < rank

    def _like(self, like: cst.CSTNode, full: str) -> str | None:
        if isinstance(like, cst.Call):
            like = like.func
        written = dotted(like)
        qname = self.resolve(like)
        if written is None or qname is None:
            return None
        parts, qparts = written.split("."), qname.split(".")
        fparts = full.split(".")
        common = 0
        while common < min(len(qparts), len(fparts)) and qparts[common] == fparts[common]:
            common += 1
        drop = len(qparts) - common
        if common == 0 or drop >= len(parts):
            return None
        prefix = ".".join(parts[: len(parts) - drop])
        if self.resolve(cst.parse_expression(prefix)) != ".".join(qparts[:common]):
            return None
        return prefix + "." + ".".join(fparts[common:])

    def _unimported(self) -> dict[str, str]:
        return {
            name: BARE_NAMES[name]
            for name in self.used
            if name in BARE_NAMES and name not in self.bound and name not in self.imports
        }


def _shortest(names: dict[str, str], full: str) -> str | None:
    found: list[str] = []
    for name, qname in names.items():
        if full == qname:
            found.append(name)
        elif full.startswith(qname + "."):
            found.append(name + full[len(qname) :])
    return min(found, key=lambda s: (len(s), s)) if found else None


# --------------------------------------------------------------------------- one walk

# Fields that hold only whitespace, comments and punctuation: never walked.
_SKIPPED = frozenset(
    {
        "lpar", "rpar", "comma", "equal", "semicolon", "leading_lines", "header", "footer",
        "lines_after_decorators", "newline", "trailing_whitespace", "first_line",
        "empty_lines", "last_line", "indent", "operator", "colon", "dot", "star", "asterisk",
        "lbracket", "rbracket", "lbrace", "rbrace", "arrow",
    }
)  # fmt: skip
_FIELDS: dict[type, tuple[str, ...]] = {}
_SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)


def _fields(cls: type) -> tuple[str, ...]:
    names = _FIELDS.get(cls)
    if names is None:
        names = tuple(
            f.name
            for f in dataclasses.fields(cls)
            if not f.name.startswith("whitespace") and f.name not in _SKIPPED
        )
        _FIELDS[cls] = names
    return names


def scan(module: cst.Module) -> tuple[dict[int, cst.CSTNode], ModuleNames]:
    """The parent of every node that is not whitespace, and the module's names.

    A hand-written walk over the dataclass fields: LibCST's visitors and ``children``
    cost several times more, and this runs on the lint path (fix availability).
    """
    parents: dict[int, cst.CSTNode] = {}
    names = ModuleNames(_parents=parents)
    guarded = _rank_statements(module.body, names._ranks, False)
    not_reads: set[int] = set()
    stack: list[tuple[cst.CSTNode, int]] = [(module, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, (cst.Import, cst.ImportFrom)):
            _import(names, node, depth, id(node) in guarded)
            continue
        inner = depth + 1 if isinstance(node, _SCOPES) else depth
        _note(names, node, not_reads)
        for name in _fields(type(node)):
            value = getattr(node, name)
            if isinstance(value, cst.CSTNode):
                parents[id(value)] = node
                stack.append((value, inner))
            elif type(value) in (list, tuple):
                for child in value:
                    if isinstance(child, cst.CSTNode):
                        parents[id(child)] = node
                        stack.append((child, inner))
    for name in names.bound:
        names.imports.pop(name, None)
    return parents, names


def _rank_statements(
    statements: Sequence[cst.CSTNode], ranks: dict[int, int], guarded: bool
) -> set[int]:
    """Number the statements in the order of the text (small statements too); return the
    imports inside ``try`` blocks whose handlers catch ImportError."""
    inside: set[int] = set()
    for statement in statements:
        ranks[id(statement)] = len(ranks)
        if isinstance(statement, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            for small in statement.body:
                ranks[id(small)] = len(ranks)
                if guarded and isinstance(small, (cst.Import, cst.ImportFrom)):
                    inside.add(id(small))
        elif isinstance(statement, (cst.Import, cst.ImportFrom)):  # in a one-line suite
            if guarded:
                inside.add(id(statement))
        else:
            here = guarded or (isinstance(statement, cst.Try) and _catches_import_error(statement))
            for block in _blocks(statement):
                inside |= _rank_statements(block, ranks, here)
    return inside


def _blocks(statement: cst.CSTNode) -> list[Sequence[cst.CSTNode]]:
    """The statement lists directly inside a compound statement, in the order of the text."""
    out: list[Sequence[cst.CSTNode]] = []
    for name in ("body", "handlers", "cases", "orelse", "finalbody"):
        part = getattr(statement, name, None)
        if part is None:
            continue
        for item in part if isinstance(part, (list, tuple)) else [part]:
            if isinstance(item, cst.BaseSuite):
                out.append(item.body)
            elif isinstance(item, (cst.If, cst.BaseCompoundStatement)):
                out.append([item])  # elif
            elif hasattr(item, "body"):  # except, else, finally, case
                out.extend(_blocks(item))
    return out


_KERAS_ROOTS = frozenset({"keras", "tensorflow", "tf_keras"})


def _is_keras(module: str) -> bool:
    return module.split(".", 1)[0] in _KERAS_ROOTS


_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})


def _catches_import_error(node: cst.Try) -> bool:
    for handler in node.handlers:
        if handler.type is None:  # a bare except
            return True
        caught = handler.type.elements if isinstance(handler.type, cst.Tuple) else [handler.type]
        for item in caught:
            value = item.value if isinstance(item, cst.Element) else item
            if dotted(value) in _IMPORT_ERRORS:
                return True
    return False


def _note(names: ModuleNames, node: cst.CSTNode, not_reads: set[int]) -> None:
    """Record what ``node`` binds, reads, or says about the file's quotes."""
    if isinstance(node, cst.Name):
        if id(node) not in not_reads:
            names.used.add(node.value)
    elif isinstance(node, cst.Attribute):
        not_reads.add(id(node.attr))
    elif isinstance(node, cst.Arg):
        if node.keyword is not None:
            not_reads.add(id(node.keyword))
    elif isinstance(node, cst.SimpleString):
        if node.quote == '"':
            names.double_quotes += 1
        elif node.quote == "'":
            names.single_quotes += 1
    elif isinstance(node, (cst.FunctionDef, cst.ClassDef)):
        names.bound.add(node.name.value)
    elif isinstance(node, (cst.AssignTarget, cst.AnnAssign, cst.AugAssign, cst.NamedExpr)):
        _bind(names, node.target)
    elif isinstance(node, (cst.For, cst.CompFor)):
        _bind(names, node.target)
    elif isinstance(node, cst.WithItem):
        if node.asname is not None:
            _bind(names, node.asname.name)
    elif isinstance(node, cst.ExceptHandler):
        if node.name is not None:
            _bind(names, node.name.name)
    elif isinstance(node, cst.Param):
        _bind(names, node.name)
    elif isinstance(node, (cst.Global, cst.Nonlocal)):
        names.bound.update(item.name.value for item in node.names)
    elif isinstance(node, cst.MatchAs) and node.name is not None:
        _bind(names, node.name)


def _bind(names: ModuleNames, target: cst.CSTNode) -> None:
    if isinstance(target, cst.Name):
        names.bound.add(target.value)
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            _bind(names, element.value)
    elif isinstance(target, cst.StarredElement):
        _bind(names, target.value)


def _import(
    names: ModuleNames, node: cst.Import | cst.ImportFrom, depth: int, guarded: bool = False
) -> None:
    rank = names._ranks.get(id(node), -1)
    if isinstance(node, cst.Import):
        for alias in node.names:
            full = dotted(alias.name)
            if full is None:
                continue
            names.conditional_keras |= guarded and _is_keras(full)
            if alias.asname is not None:
                _imported(names, alias.asname.name, full, depth, rank)
            else:
                top = full.split(".", 1)[0]
                _imported(names, cst.Name(top), top, depth, rank)
        return
    module = dotted(node.module) if node.module is not None and not node.relative else None
    if module is not None:
        names.conditional_keras |= guarded and _is_keras(module)
    if isinstance(node.names, cst.ImportStar):
        return
    for alias in node.names:
        target = alias.asname.name if alias.asname else alias.name
        base = dotted(alias.name)
        if module is None or base is None:
            _bind(names, target)
        else:
            _imported(names, target, f"{module}.{base}", depth, rank)


def _imported(
    names: ModuleNames, target: cst.CSTNode, qname: str, depth: int, rank: int = -1
) -> None:
    if not isinstance(target, cst.Name):
        return
    if depth:
        names.bound.add(target.value)  # a local import: not visible everywhere
        return
    previous = names.imports.get(target.value)
    if previous is not None and previous != qname:
        names.bound.add(target.value)  # imported twice, differently: ambiguous
    names.imports[target.value] = qname
    names.import_at.setdefault(target.value, rank)  # the first binding counts
