"""Property tests: whatever program it reads, the linter does not crash, reports positions
inside the file, and (where fixes exist) writes fixed code that parses and is a fixed point.

Programs come from hypothesmith (any Python the grammar allows), from a generator of
Keras-flavoured scripts (so that the interpreter, not just the prefilter, does the work),
and from the fixtures, mutated: lines dropped, call arguments swapped, identifiers renamed.
``XENTLINT_DEBUG=1`` is set, so an exception inside the interpreter is raised instead of
being swallowed. Example counts stay modest to keep the suite fast (see ``examples``).
"""

from __future__ import annotations

import io
import keyword
import os
import re
import tokenize
import warnings
from pathlib import Path

import hypothesmith
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from xentlint.config import Config
from xentlint.lint import lint_source

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
FIXTURE_FILES = sorted(p for p in FIXTURES.rglob("*.py") if p.is_file())
EVERYTHING = Config(select=("ALL",))
# hypothesmith's programs may call literals, `1()`: CPython warns when it compiles them
pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning")

# Derandomized (the same examples on every run, no example database in the working tree),
# so CI stays deterministic. To hunt for bugs, XENTLINT_HYPOTHESIS_EXAMPLES=2000 runs that
# many random examples per test.
_HUNT = int(os.environ.get("XENTLINT_HYPOTHESIS_EXAMPLES", "0"))


def examples(count: int) -> int:
    return _HUNT or count


fast = settings(
    max_examples=examples(60),
    deadline=None,
    derandomize=not _HUNT,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)


@pytest.fixture(autouse=True)
def debug(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XENTLINT_DEBUG", "1")


def parses(source: str) -> bool:
    """Whether CPython compiles ``source`` (what XEN901 reports is what it refuses)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(source, "<test>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def check_positions(source: str, path: str = "x.py") -> list:  # type: ignore[type-arg]
    """Lint ``source``; every finding must lie inside it. Returns the findings."""
    diagnostics = lint_source(source, path, config=EVERYTHING)
    lines = re.split(r"\r\n|\r|\n", source)
    if lines and lines[-1] == "":
        lines.pop()
    for d in diagnostics:
        assert d.path == path
        assert d.code.startswith("XEN")
        # a syntax error may point just past the last line (unexpected end of input)
        last = max(len(lines), 1) + (1 if d.code == "XEN901" else 0)
        assert 1 <= d.line <= last, (d, len(lines))
        text = lines[d.line - 1] if d.line <= len(lines) else ""
        assert 1 <= d.column <= len(text) + 1 or d.code == "XEN901", (d, text)
        assert (d.end_line, d.end_column) >= (d.line, d.column), d
        assert d.end_line <= last, d
    return diagnostics


# --------------------------------------------------------------------------- generated programs


@fast
@given(hypothesmith.from_grammar())
def test_grammar_programs_never_crash(source: str) -> None:
    check_positions(source)
    # the same program where the prefilter lets it through to LibCST and the interpreter
    check_positions(source + "\n# softmax crossentropy sigmoid\n")


@settings(fast, max_examples=examples(25))
@given(hypothesmith.from_node())
def test_cst_programs_never_crash(source: str) -> None:
    check_positions("# softmax sigmoid crossentropy\n" + source)


IMPORTS = [
    "from tensorflow import keras",
    "import tensorflow as tf",
    "import keras",
    "from keras import layers",
    "from tensorflow.keras import layers as L",
    "from tensorflow.keras.layers import Dense, Softmax, Activation",
    "from tensorflow.keras.losses import CategoricalCrossentropy as CCE",
    "import numpy as np",
]
LAYER_NAMES = [
    "keras.layers.Dense",
    "layers.Dense",
    "tf.keras.layers.Dense",
    "L.Dense",
    "Dense",
    "keras.layers.Conv2D",
    "keras.layers.LSTM",
    "unknown.Dense",
]
ACTIVATIONS = [
    '"softmax"',
    '"sigmoid"',
    "None",
    '"linear"',
    '"relu"',
    '"log_softmax"',
    "tf.nn.softmax",
    "keras.activations.sigmoid",
    "act",
    "'Softmax'",
]
UNITS = ["1", "2", "3", "10", "0", "-1", "n", "num_classes", "None", "'10'", "2.5", "N * 2"]
LOSSES = [
    '"categorical_crossentropy"',
    '"sparse_categorical_crossentropy"',
    '"binary_crossentropy"',
    '"CategoricalCrossentropy"',
    '"bce"',
    '"mse"',
    "keras.losses.CategoricalCrossentropy()",
    "keras.losses.SparseCategoricalCrossentropy(from_logits=True)",
    "tf.keras.losses.BinaryCrossentropy(from_logits=False)",
    "keras.losses.BinaryFocalCrossentropy(from_logits=flag)",
    "CCE(from_logits=True)",
    "keras.losses.categorical_crossentropy",
    "loss_fn",
    '{"out": "binary_crossentropy"}',
    '["categorical_crossentropy", "mse"]',
    "None",
]
METRICS = ['["accuracy"]', '["acc"]', "[keras.metrics.BinaryAccuracy()]", "[]", "metrics"]
LABELS = [
    "y = keras.utils.to_categorical(y, {k})",
    "y = tf.one_hot(y, depth={k})",
    "(x, y), _ = keras.datasets.mnist.load_data()",
    "(x, y), _ = keras.datasets.cifar100.load_data()",
    'ds = keras.utils.image_dataset_from_directory("d", label_mode="categorical")',
    "y = np.argmax(y, axis=-1)",
    "y = keras.ops.one_hot(y, {k})",
]


@st.composite
def keras_programs(draw: st.DrawFn) -> str:
    lines = draw(st.lists(st.sampled_from(IMPORTS), min_size=1, max_size=4, unique=True))
    lines += ["n = 3", "num_classes = 10", "N = 5", "flag = True", "act = 'softmax'"]

    def layer() -> str:
        name = draw(st.sampled_from(LAYER_NAMES))
        units = draw(st.sampled_from(UNITS))
        if draw(st.booleans()):
            return f"{name}({units}, activation={draw(st.sampled_from(ACTIVATIONS))})"
        return f"{name}({units})"

    head = [layer() for _ in range(draw(st.integers(1, 3)))]
    if draw(st.booleans()):
        head.append(
            draw(
                st.sampled_from(
                    [
                        "keras.layers.Softmax()",
                        "keras.layers.Softmax(axis=1)",
                        'keras.layers.Activation("softmax")',
                        'layers.Activation("sigmoid")',
                    ]
                )
            )
        )
    style = draw(st.sampled_from(["sequential", "add", "functional", "wrapped"]))
    if style == "sequential":
        lines.append(f"model = keras.Sequential([{', '.join(head)}])")
    elif style == "add":
        lines.append("model = keras.Sequential()")
        lines += [f"model.add({item})" for item in head]
    elif style == "functional":
        lines.append("inputs = keras.Input(shape=(8,))")
        lines.append("x = inputs")
        lines += [f"x = {item}(x)" for item in head]
        lines.append("model = keras.Model(inputs, x)")
    else:
        lines.append(f"base = keras.Sequential([{', '.join(head)}])")
        lines.append("model = keras.Sequential([base, keras.layers.Softmax()])")
    for template in draw(st.lists(st.sampled_from(LABELS), max_size=2)):
        lines.append(template.format(k=draw(st.sampled_from(["10", "n", "2", "100"]))))
    loss = draw(st.sampled_from(LOSSES))
    if draw(st.booleans()):
        lines.append(f"loss_fn = {loss}")
        loss = "loss_fn"
    metrics = draw(st.sampled_from(METRICS))
    lines.append(f'model.compile(optimizer="adam", loss={loss}, metrics={metrics})')
    if draw(st.booleans()):
        lines.append("model.fit(x, y, epochs=1)")
    if draw(st.booleans()):
        lines += [
            "with tf.GradientTape() as tape:",
            f"    value = {draw(st.sampled_from(['loss_fn', 'keras.losses.categorical_crossentropy', 'tf.nn.softmax_cross_entropy_with_logits']))}(y, model(x))",  # noqa: E501
        ]
    if draw(st.booleans()):  # the whole thing inside a builder function
        body = "\n".join("    " + line for line in lines[5:])
        lines = [*lines[:5], "def build(n=3):", body, "    return model", "model = build()"]
    return "\n".join(lines) + "\n"


@fast
@given(keras_programs())
def test_keras_programs_never_crash(source: str) -> None:
    assert parses(source), source
    diagnostics = check_positions(source)
    assert not any(d.code in ("XEN901", "XEN902") for d in diagnostics)
    assert check_positions(source) == diagnostics  # deterministic


# --------------------------------------------------------------------------- mutated fixtures


def _fixture_text(index: int) -> str:
    return FIXTURE_FILES[index % len(FIXTURE_FILES)].read_text(encoding="utf-8")


def _names(source: str) -> list[str]:
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return []
    return sorted(
        {t.string for t in tokens if t.type == tokenize.NAME and not keyword.iskeyword(t.string)}
    )


@st.composite
def mutated_fixtures(draw: st.DrawFn) -> str:
    source = _fixture_text(draw(st.integers(0, len(FIXTURE_FILES) - 1)))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["drop", "swap", "rename", "duplicate"]))
        lines = source.split("\n")
        if kind == "drop" and len(lines) > 1:
            start = draw(st.integers(0, len(lines) - 1))
            stop = draw(st.integers(start, min(len(lines), start + 5)))
            source = "\n".join(lines[:start] + lines[stop:])
        elif kind == "duplicate" and lines:
            index = draw(st.integers(0, len(lines) - 1))
            source = "\n".join(lines[: index + 1] + lines[index:])
        elif kind == "swap":
            calls = [m for m in re.finditer(r"\(([^()]*,[^()]*)\)", source)]
            if calls:
                call = draw(st.sampled_from(calls))
                parts = call.group(1).split(",")
                i = draw(st.integers(0, len(parts) - 1))
                j = draw(st.integers(0, len(parts) - 1))
                parts[i], parts[j] = parts[j], parts[i]
                source = source[: call.start(1)] + ",".join(parts) + source[call.end(1) :]
        elif kind == "rename":
            names = _names(source)
            if names:
                old = draw(st.sampled_from(names))
                new = draw(
                    st.one_of(
                        st.sampled_from([*names, "softmax", "keras", "tf", "Dense", "loss"]),
                        st.from_regex(r"[a-z_][a-z0-9_]{0,6}", fullmatch=True),
                    )
                )
                assume(not keyword.iskeyword(new))
                source = re.sub(rf"\b{re.escape(old)}\b", new, source)
    return source


@fast
@given(mutated_fixtures())
def test_mutated_fixtures_never_crash(source: str) -> None:
    diagnostics = check_positions(source)
    if parses(source):
        assert not any(d.code == "XEN901" for d in diagnostics)
    else:
        assert [d.code for d in diagnostics] == ["XEN901"]


@settings(fast, max_examples=examples(40))
@given(st.binary(max_size=2000), st.sampled_from(["x.py", "x.ipynb"]))
def test_any_bytes_never_crash(data: bytes, path: str) -> None:
    from xentlint.lint import lint_bytes

    for d in lint_bytes(data, path, config=EVERYTHING):
        assert d.line >= 1 and d.column >= 1


# --------------------------------------------------------------------------- fixes


def _fix_source():  # type: ignore[no-untyped-def]
    try:
        from xentlint.fix import fix_source
    except ImportError:  # pragma: no cover - the fixes landed with this test
        pytest.skip("xentlint.fix is not available")
    return fix_source


def _check_fix(source: str) -> None:
    fix_source = _fix_source()
    for unsafe in (False, True):
        result = fix_source(source, path="x.py", unsafe=unsafe, config=EVERYTHING)
        if not result.changed:
            assert result.text == source
            continue
        assert parses(source)  # fixes are only applied to code that parses
        assert parses(result.text), result.text
        again = fix_source(result.text, path="x.py", unsafe=unsafe, config=EVERYTHING)
        assert again.text == result.text, "the fixed output is not a fixed point"
        check_positions(result.text)


@settings(fast, max_examples=examples(40))
@given(keras_programs())
def test_fixes_of_keras_programs_reparse_and_are_fixed_points(source: str) -> None:
    _check_fix(source)


@settings(fast, max_examples=examples(25))
@given(mutated_fixtures())
def test_fixes_of_mutated_fixtures_reparse_and_are_fixed_points(source: str) -> None:
    _check_fix(source)
