"""Generate varied, realistic Keras training scripts for benchmarks and precision checks.

    python bench/gen_keras_scripts.py --out /tmp/scripts --count 200 --seed 0

Every script is 80-400 lines of valid Python in the spirit of the keras-io examples: several
import styles, Sequential lists, ``.add`` chains, functional models, subclassed models, model
builder functions, ``compile``/``fit`` and GradientTape training loops, array, directory and
``tf.data`` input pipelines, helper functions, plotting, argparse/main blocks and comments.
Most loss setups are correct; a minority carries one realistic bug (missing ``from_logits``,
double softmax/sigmoid, ``Dense(1)`` + softmax, sparse loss with one-hot labels, ...).

The output is a pure function of ``--seed`` and ``--count``: script ``i`` only depends on
``(seed, i)``. A ``_manifest.json`` (skip it with ``--no-manifest``) lists, per script, the
scenario and the findings the rule semantics call for under the default rule selection, with
the line and column of the anchor the rules report at. Those expectations follow the rule
descriptions in the project notes; they are intentions of this generator, not linter output.
"""

from __future__ import annotations

import argparse
import ast
import json
import random
import re
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

MARK_OPEN, MARK_CLOSE = "\x01", "\x02"

STYLES = ("tf", "tf_keras", "keras3", "keras_only", "names", "alias")
STYLE_WEIGHTS = (3, 3, 3, 2, 2, 1)

SCENARIOS = (
    "image_arrays",
    "image_directory",
    "text_binary",
    "text_multiclass",
    "tabular",
    "gan",
    "autoencoder",
    "regression",
)
SCENARIO_WEIGHTS = (9, 5, 4, 2, 3, 2, 2, 1)

# A script carries a bug with this probability (when its scenario admits one).
BUG_RATE = 0.3

# Bug kind -> (rule code, where the rules report it).
BUG_CODES = {
    "missing_from_logits": ("XEN102", "loss"),
    "double_softmax": ("XEN101", "act"),
    "double_sigmoid": ("XEN101", "act"),
    "dense1_softmax": ("XEN103", "act"),
    "accuracy_threshold": ("XEN107", "metric"),
    "sparse_onehot": ("XEN201", "loss"),
    "categorical_int": ("XEN202", "loss"),
    "class_mismatch": ("XEN203", "loss"),
}
MULTI_BUGS = {
    "missing_from_logits": 4,
    "double_softmax": 4,
    "sparse_onehot": 3,
    "categorical_int": 2,
    "class_mismatch": 1,
}
BINARY_BUGS = {
    "missing_from_logits": 3,
    "double_sigmoid": 3,
    "dense1_softmax": 3,
    "accuracy_threshold": 2,
}

LOSS_CLASS = {
    "sparse": "SparseCategoricalCrossentropy",
    "categorical": "CategoricalCrossentropy",
    "binary": "BinaryCrossentropy",
}
LOSS_FUNC = {
    "sparse": "sparse_categorical_crossentropy",
    "categorical": "categorical_crossentropy",
    "binary": "binary_crossentropy",
}
ACC_CLASS = {
    "sparse": "SparseCategoricalAccuracy",
    "categorical": "CategoricalAccuracy",
    "binary": "BinaryAccuracy",
}

AUTHORS = (
    "Mara Lindqvist",
    "Tobias Okafor",
    "Priya Raman",
    "Jonas Weber",
    "Aiko Tanaka",
    "Lucas Moreau",
    "Nadia Haddad",
    "Samuel Ortiz",
    "Hana Kowalski",
    "Diego Alvarez",
    "Ingrid Berg",
    "Kwame Mensah",
    "Elena Petrova",
    "Ravi Shankar",
    "Chloe Martin",
)
IMAGE_DATASETS = {
    # name: (image size, channels, classes, pretty name)
    "mnist": ((28, 28), 1, 10, "MNIST digits"),
    "fashion_mnist": ((28, 28), 1, 10, "Fashion-MNIST"),
    "cifar10": ((32, 32), 3, 10, "CIFAR-10"),
    "cifar100": ((32, 32), 3, 100, "CIFAR-100"),
}
DIRECTORY_DATASETS = (
    ("flower_photos", 5, "flowers"),
    ("PetImages", 2, "cats vs dogs"),
    ("food_subset", 8, "food photos"),
    ("leaf_disease", 4, "plant leaves"),
    ("xray_pneumonia", 2, "chest X-rays"),
    ("satellite_tiles", 6, "satellite tiles"),
)


# Extra paragraphs for keras-io style sections, keyed by the first word of the title.
SECTION_TEXT = {
    "Prepare": (
        "Pixel values are converted to floats in [0, 1]; integer labels are kept as they are "
        "unless the loss below needs one-hot vectors.",
        "The test split is left untouched until the very end of the example.",
    ),
    "Load": (
        "Loading is the slowest part the first time the script runs: the archive is cached "
        "under ~/.keras/datasets afterwards.",
        "We print a few shapes to make sure the data looks as expected before building anything.",
    ),
    "Build": (
        "The network is kept small on purpose so that the example runs quickly on a CPU.",
        "Each convolution block learns increasingly abstract features; the dense layers at the "
        "end turn them into one score per class.",
        "Call summary() to check the output shape of every layer and the number of parameters.",
    ),
    "Train": (
        "We hold out part of the training data for validation to monitor overfitting.",
        "The optimizer, the loss and the metrics are configured once in compile(); fit() then "
        "runs the epochs and returns a History object with the per-epoch values.",
    ),
    "Evaluate": (
        "The accuracy on the test set is the number to report: it was never used to make a "
        "decision during training.",
    ),
    "Run": ("New images go through exactly the same preprocessing as the training data.",),
}


def mark(code: str) -> str:
    """An invisible marker: the anchor of an expected finding, removed after assembly."""
    return f"{MARK_OPEN}{code}{MARK_CLOSE}"


def strip_marks(text: str) -> tuple[str, list[dict[str, object]]]:
    """Remove the markers and return the clean text plus (code, line, col) of each one."""
    found: list[dict[str, object]] = []
    lines = []
    for lineno, line in enumerate(text.split("\n"), start=1):
        while MARK_OPEN in line:
            start = line.index(MARK_OPEN)
            end = line.index(MARK_CLOSE, start)
            found.append({"code": line[start + 1 : end], "line": lineno, "col": start + 1})
            line = line[:start] + line[end + 1 :]
        lines.append(line)
    return "\n".join(lines), found


def block(text: str) -> list[str]:
    """Dedent a template and split it into lines."""
    return textwrap.dedent(text).strip("\n").split("\n")


def wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width, break_on_hyphens=False)


def indent(lines: list[str], level: int = 1) -> list[str]:
    pad = "    " * level
    return [pad + line if line else line for line in lines]


def weighted(rng: random.Random, options: dict[str, int]) -> str:
    keys = list(options)
    return rng.choices(keys, weights=[options[k] for k in keys])[0]


class Api:
    """Spells Keras names in one import style and records what that style must import."""

    def __init__(self, style: str, rng: random.Random) -> None:
        self.style = style
        keras3 = style in ("keras3", "keras_only") or (style == "names" and rng.random() < 0.35)
        self.base = "keras" if keras3 else "tensorflow.keras"
        self.layers_name = {"alias": "L", "tf_keras": "layers", "keras3": "layers"}.get(style)
        self.from_names: dict[str, set[str]] = {}
        self.backend_env = style == "keras3" and rng.random() < 0.5

    @property
    def keras3(self) -> bool:
        return self.base == "keras"

    def __call__(self, path: str) -> str:
        """Spell a Keras API path such as ``layers.Dense`` or ``losses.BinaryCrossentropy``."""
        head, _, name = path.rpartition(".")
        if self.style == "tf":
            return f"tf.keras.{path}"
        if self.style == "names":
            if not head:
                head = "models" if name in ("Model", "Sequential") else "layers"
            self.from_names.setdefault(f"{self.base}.{head}", set()).add(name)
            return name
        if head == "layers" and self.layers_name:
            return f"{self.layers_name}.{name}"
        return f"keras.{path}"

    def imports(self, body: str) -> list[str]:
        def uses(name: str) -> bool:
            """Whether the code uses ``name.attr`` (or calls ``Path``)."""
            tail = r"\(" if name == "Path" else r"\."
            return re.search(rf"(?<![\w.]){re.escape(name)}{tail}", body) is not None

        std = []
        for module in ("argparse", "json", "math", "os", "sys", "time"):
            if uses(module) or (module == "os" and self.backend_env):
                std.append(f"import {module}")
        if uses("Path"):
            std.append("from pathlib import Path")
        third = []
        if uses("np"):
            third.append("import numpy as np")
        if uses("pd"):
            third.append("import pandas as pd")
        if uses("plt"):
            third.append("import matplotlib.pyplot as plt")
        keras_lines = []
        if self.style == "tf" or uses("tf"):
            keras_lines.append("import tensorflow as tf")
        if self.style == "names":
            for module in sorted(self.from_names):
                names = ", ".join(sorted(self.from_names[module], key=str.lower))
                keras_lines.append(f"from {module} import {names}")
        elif self.style != "tf":
            if uses("keras"):
                keras_lines.append(
                    "import keras" if self.keras3 else "from tensorflow import keras"
                )
            if self.layers_name and uses(self.layers_name):
                alias = " as L" if self.layers_name == "L" else ""
                keras_lines.append(f"from {self.base} import layers{alias}")
        out = std[:]
        if self.backend_env:
            out += ["", 'os.environ["KERAS_BACKEND"] = "tensorflow"']
        if third:
            out += ["", *third] if out else third
        if keras_lines:
            out += ["", *keras_lines] if out else keras_lines
        return out


@dataclass
class LayerSpec:
    path: str
    args: str = ""
    prefix: str = ""  # a marker placed before the layer expression
    attr: str = ""  # attribute name in a subclassed model
    training: bool = False  # takes training= in call()
    obj: bool = False  # an existing layer object (used as is, not instantiated)


@dataclass
class Setup:
    """The loss configuration of a classifier, correct or with one bug."""

    binary: bool
    labels: str  # "int" | "onehot" | "binary"
    head_act: str | None  # "softmax" | "sigmoid" | None (linear)
    family: str  # "sparse" | "categorical" | "binary"
    from_logits: bool | None  # None: not passed
    bug: str | None
    separate_act: bool = False
    units_one_softmax: bool = False

    def mark_for(self, where: str) -> str:
        if self.bug and BUG_CODES[self.bug][1] == where:
            return mark(BUG_CODES[self.bug][0])
        return ""


@dataclass
class Ctx:
    rng: random.Random
    api: Api
    scenario: str
    setup: Setup | None = None
    main_mode: bool = False
    consts: dict[str, str] = field(default_factory=dict)
    defs: list[list[str]] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)
    info: dict[str, object] = field(default_factory=dict)
    comments: bool = True
    keras_io_sections: bool = False
    helpers: dict[str, str] = field(default_factory=dict)
    prologue: list[str] = field(default_factory=list)  # statements run before the steps
    inserts: dict[int, list[str]] = field(default_factory=dict)  # step index -> extra lines

    def pick(self, *options):  # options: values, or callables producing one
        choice = self.rng.choice(options)
        return choice() if callable(choice) else choice

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def const(self, name: str, value: str) -> str:
        self.consts.setdefault(name, value)
        return name

    def section(self, title: str, text: str = "") -> None:
        """Add a keras-io style section header (a bare string) or a comment."""
        if self.steps and self.steps[-1] != "":
            self.steps.append("")
        if self.keras_io_sections:
            body = [f"## {title}"]
            pool = SECTION_TEXT.get(title.split()[0], ())
            extra = [t for t in pool if self.chance(0.6)]
            for paragraph in ([text] if text else []) + extra:
                body += ["", *wrap(paragraph, 88)]
            self.steps += ['"""', *body, '"""', ""]
        elif self.comments:
            self.steps.append(f"# {title}")
            if text and self.chance(0.5):
                self.steps += [f"# {line}" for line in wrap(text, 90)]

    def add(self, lines: list[str] | str) -> None:
        if isinstance(lines, str):
            lines = block(lines)
        self.steps += lines

    @property
    def epochs(self) -> str:
        return (
            "args.epochs"
            if self.main_mode
            else self.const("EPOCHS", str(self.rng.choice((5, 10, 12, 15, 20, 30))))
        )

    @property
    def batch(self) -> str:
        value = str(self.rng.choice((32, 64, 128, 256)))
        return "args.batch_size" if self.main_mode else self.const("BATCH_SIZE", value)

    @property
    def lr(self) -> str:
        value = self.rng.choice(("1e-3", "3e-4", "1e-4", "0.001", "5e-4"))
        return "args.learning_rate" if self.main_mode else self.const("LEARNING_RATE", value)


# --------------------------------------------------------------------------- loss setups


def choose_setup(ctx: Ctx, binary: bool, allowed: set[str], labels: str | None = None) -> Setup:
    """Pick a loss configuration: mostly correct, sometimes with one allowed bug."""
    rng = ctx.rng
    table = BINARY_BUGS if binary else MULTI_BUGS
    table = {k: v for k, v in table.items() if k in allowed}
    bug = weighted(rng, table) if table and rng.random() < BUG_RATE else None
    if binary:
        logits = rng.random() < 0.4
        setup = Setup(
            True,
            "binary",
            None if logits else "sigmoid",
            "binary",
            True if logits else rng.choice((None, None, None, False)),
            bug,
        )
        if bug == "missing_from_logits":
            setup.head_act, setup.from_logits = None, rng.choice((None, None, False))
        elif bug == "double_sigmoid":
            setup.head_act, setup.from_logits = "sigmoid", True
        elif bug == "dense1_softmax":
            setup.head_act, setup.from_logits, setup.units_one_softmax = "softmax", None, True
        elif bug == "accuracy_threshold":
            setup.head_act, setup.from_logits = None, True
        return setup
    if labels is None:
        labels = rng.choice(("int", "onehot"))
    if bug == "sparse_onehot":
        labels = "onehot"
    elif bug == "categorical_int":
        labels = "int"
    elif bug == "class_mismatch":
        labels = "int"
    family = "sparse" if labels == "int" else "categorical"
    if bug == "sparse_onehot":
        family = "sparse"
    elif bug == "categorical_int":
        family = "categorical"
    logits = rng.random() < 0.5
    setup = Setup(
        False,
        labels,
        None if logits else "softmax",
        family,
        True if logits else rng.choice((None, None, None, False)),
        bug,
    )
    if bug == "missing_from_logits":
        setup.head_act, setup.from_logits = None, rng.choice((None, None, False))
    elif bug == "double_softmax":
        setup.head_act, setup.from_logits = "softmax", True
    setup.separate_act = setup.head_act == "softmax" and rng.random() < 0.2
    return setup


def act_expr(ctx: Ctx, act: str) -> str:
    roll = ctx.rng.random()
    if roll < 0.8:
        return f'"{act}"'
    if roll < 0.9 and not ctx.api.keras3:
        return f"tf.nn.{act}"
    return ctx.api(f"activations.{act}")


def head_specs(ctx: Ctx, units: str) -> list[LayerSpec]:
    """The output layer(s) of a classifier, with markers for the expected findings."""
    setup = ctx.setup
    assert setup is not None
    api = ctx.api
    act_mark = setup.mark_for("act")
    if setup.units_one_softmax:
        act = act_expr(ctx, "softmax")
        return [LayerSpec(api("layers.Dense"), f"1, {act_mark}activation={act}", attr="classifier")]
    if setup.head_act is None:
        extra = ctx.pick(
            "", "", "", ", activation=None", ', activation="linear"', ', name="logits"'
        )
        return [LayerSpec(api("layers.Dense"), units + extra, attr=ctx.pick("classifier", "head"))]
    if setup.separate_act:
        layer = ctx.pick(
            lambda: LayerSpec(api("layers.Softmax"), "", prefix=act_mark, attr="softmax"),
            lambda: LayerSpec(
                api("layers.Activation"), '"softmax"', prefix=act_mark, attr="softmax"
            ),
        )
        return [LayerSpec(api("layers.Dense"), units, attr="classifier"), layer]
    name = ctx.pick("", "", ', name="predictions"', ', name="probs"')
    act = act_expr(ctx, setup.head_act)
    return [
        LayerSpec(
            api("layers.Dense"),
            f"{units}, {act_mark}activation={act}{name}",
            attr=ctx.pick("classifier", "head", "out"),
        )
    ]


def loss_expr(ctx: Ctx, force_object: bool = False) -> str:
    setup = ctx.setup
    assert setup is not None
    name = LOSS_CLASS[setup.family]
    if setup.from_logits is True:
        return f"{ctx.api('losses.' + name)}(from_logits=True)"
    if setup.from_logits is False:
        return f"{ctx.api('losses.' + name)}(from_logits=False)"
    if force_object or ctx.chance(0.3):
        return f"{ctx.api('losses.' + name)}()"
    if ctx.chance(0.1):
        return f'"{name}"'
    return f'"{LOSS_FUNC[setup.family]}"'


def metrics_expr(ctx: Ctx) -> str | None:
    setup = ctx.setup
    assert setup is not None
    api = ctx.api
    metric_mark = setup.mark_for("metric")
    if setup.binary and setup.from_logits and setup.head_act is None:
        if metric_mark:
            return ctx.pick(
                f'[{metric_mark}"accuracy"]',
                lambda: f"[{metric_mark}{api('metrics.BinaryAccuracy')}()]",
                lambda: f'[{metric_mark}"accuracy", {api("metrics.AUC")}(from_logits=True)]',
            )
        return ctx.pick(
            lambda: f"[{api('metrics.BinaryAccuracy')}(threshold=0.0)]",
            lambda: f'[{api("metrics.AUC")}(from_logits=True, name="auc")]',
            "",
        )
    if setup.binary:
        return ctx.pick(
            '["accuracy"]',
            '["accuracy"]',
            lambda: f'["accuracy", {api("metrics.AUC")}(name="auc")]',
            lambda: f"[{api('metrics.BinaryAccuracy')}()]",
        )
    return ctx.pick(
        '["accuracy"]',
        '["accuracy"]',
        '["acc"]',
        lambda: f'[{api("metrics." + ACC_CLASS[setup.family])}(name="acc")]',
        "",
    )


def optimizer_expr(ctx: Ctx) -> str:
    api = ctx.api
    return ctx.pick(
        '"adam"',
        lambda: f"{api('optimizers.Adam')}(learning_rate={ctx.lr})",
        lambda: f"{api('optimizers.Adam')}({ctx.lr})",
        lambda: f"{api('optimizers.RMSprop')}(learning_rate={ctx.lr})",
        lambda: f"{api('optimizers.SGD')}(learning_rate={ctx.lr}, momentum=0.9)",
        '"rmsprop"',
    )


def compile_lines(ctx: Ctx, model: str, optimizer: str | None = None) -> list[str]:
    """``model.compile(...)`` with the setup's loss (inline, in a variable or positional)."""
    setup = ctx.setup
    assert setup is not None
    loss_mark = setup.mark_for("loss")
    loss = loss_mark + loss_expr(ctx)
    metrics = metrics_expr(ctx)
    lines: list[str] = []
    if ctx.chance(0.25) and "(" in loss:
        var = ctx.pick("loss_fn", "loss", "criterion", "loss_object")
        if ctx.comments:
            lines.append("# The loss is created once and shared with the evaluation code.")
        lines.append(f"{var} = {loss}")
        loss = var
    opt = optimizer
    if optimizer is None and ctx.chance(0.15):
        decay = ctx.api("optimizers.schedules.ExponentialDecay")
        lines += [
            f"lr_schedule = {decay}(",
            f"    initial_learning_rate={ctx.lr},",
            f"    decay_steps={ctx.rng.choice((1000, 5000, 10000))},",
            f"    decay_rate={ctx.rng.choice(('0.9', '0.96', '0.5'))},",
            ")",
        ]
        opt = f"{ctx.api('optimizers.Adam')}(learning_rate=lr_schedule)"
    opt = opt or optimizer_expr(ctx)
    if ctx.chance(0.08):
        tail = f", metrics={metrics}" if metrics else ""
        return [*lines, f"{model}.compile({opt}, {loss}{tail})"]
    lines += [f"{model}.compile(", f"    optimizer={opt},", f"    loss={loss},"]
    if metrics:
        lines.append(f"    metrics={metrics},")
    lines.append(")")
    return lines


# --------------------------------------------------------------------------- model rendering


def call_args(spec: LayerSpec) -> str:
    if spec.obj:
        return f"{spec.prefix}{spec.path}"
    return f"{spec.prefix}{spec.path}({spec.args})"


def with_input_shape(spec: LayerSpec, shape: str) -> LayerSpec:
    args = f"{spec.args}, input_shape={shape}" if spec.args else f"input_shape={shape}"
    return LayerSpec(spec.path, args, spec.prefix, spec.attr, spec.training, spec.obj)


def render_sequential(
    ctx: Ctx, var: str, shape: str, layers: list[LayerSpec], name: str
) -> list[str]:
    api = ctx.api
    seq = api("Sequential")
    if ctx.chance(0.5):
        items = []
        if ctx.chance(0.7) or layers[0].obj:
            items.append(f"{api('Input')}(shape={shape})")
            items += [call_args(s) for s in layers]
        else:
            items += [call_args(with_input_shape(layers[0], shape))]
            items += [call_args(s) for s in layers[1:]]
        named = f', name="{name}"' if ctx.chance(0.5) else ""
        return [
            f"{var} = {seq}(",
            "    [",
            *[f"        {i}," for i in items],
            f"    ]{named},",
            ")",
        ]
    lines = [f"{var} = {seq}()"]
    if ctx.chance(0.5) or layers[0].obj:
        lines.append(f"{var}.add({api('Input')}(shape={shape}))")
        rest = layers
    else:
        lines.append(f"{var}.add({call_args(with_input_shape(layers[0], shape))})")
        rest = layers[1:]
    for spec in rest:
        lines.append(f"{var}.add({call_args(spec)})")
    return lines


def render_functional(
    ctx: Ctx, var: str, shape: str, layers: list[LayerSpec], name: str, pre: list[str] | None = None
) -> list[str]:
    api = ctx.api
    h = ctx.pick("x", "x", "h", "net")
    lines = [f"inputs = {api('Input')}(shape={shape})"]
    current = "inputs"
    for line in pre or []:
        lines.append(line.format(h=h, inp=current))
        current = h
    for i, spec in enumerate(layers):
        target = "outputs" if i == len(layers) - 1 else h
        lines.append(f"{target} = {call_args(spec)}({current})")
        current = target
    named = f', name="{name}"' if ctx.chance(0.6) else ""
    lines.append(
        f"{var} = {api('Model')}(inputs=inputs, outputs=outputs{named})"
        if ctx.chance(0.6)
        else f"{var} = {api('Model')}(inputs, outputs{named})"
    )
    return lines


ATTR_NAMES = {
    "Conv2D": "conv",
    "Conv1D": "conv",
    "MaxPooling2D": "pool",
    "BatchNormalization": "bn",
    "Dense": "dense",
    "Flatten": "flatten",
    "Dropout": "dropout",
    "Embedding": "embedding",
    "GlobalAveragePooling2D": "global_pool",
    "GlobalMaxPooling1D": "global_pool",
    "GlobalAveragePooling1D": "global_pool",
    "LSTM": "lstm",
    "Bidirectional": "bilstm",
    "Rescaling": "rescale",
}
NUMBERED = {"conv", "pool", "bn", "dense", "bilstm", "dropout"}


def render_subclass(
    ctx: Ctx, cls: str, layers: list[LayerSpec], units_param: str, doc: str
) -> list[str]:
    api = ctx.api
    lines = [f"class {cls}({api('Model')}):", f'    """{doc}"""', ""]
    default = f"={ctx.info.get('classes', 10)}" if units_param else ""
    params = f", {units_param}{default}" if units_param else ""
    lines += [f"    def __init__(self{params}, **kwargs):", "        super().__init__(**kwargs)"]
    used: dict[str, int] = {}
    attrs = []
    for spec in layers:
        kind = spec.path.rsplit(".", 1)[-1]
        base = spec.attr or ATTR_NAMES.get(kind, kind.lower())
        used[base] = used.get(base, 0) + 1
        attr = f"{base}{used[base]}" if base in NUMBERED else base
        if used[base] > 1 and base not in NUMBERED:
            attr = f"{base}_{used[base]}"
        attrs.append((attr, spec))
        lines.append(f"        self.{attr} = {call_args(spec)}")
    lines += ["", "    def call(self, inputs, training=False):"]
    current = "inputs"
    for attr, spec in attrs:
        extra = ", training=training" if spec.training else ""
        lines.append(f"        x = self.{attr}({current}{extra})")
        current = "x"
    lines.append("        return x")
    return lines


def model_lines(
    ctx: Ctx,
    body: list[LayerSpec],
    shape: str,
    units: str,
    name: str,
    title: str,
    pre_functional: list[str] | None = None,
    allow_subclass: bool = True,
) -> tuple[list[str], str]:
    """Build the model in one of several styles; returns (lines at module level, model var)."""
    rng = ctx.rng
    var = ctx.pick("model", "model", "model", "net", "classifier", "clf")
    styles = {
        "sequential": 4,
        "functional": 4,
        "builder": 3,
        "subclass": 2 if allow_subclass else 0,
    }
    if ctx.setup and ctx.setup.bug == "class_mismatch":
        # Units passed through a function or constructor argument are unknown to the rules.
        styles = {"sequential": 1, "functional": 1}
    if pre_functional:
        styles = {"functional": 1}
    style = weighted(rng, styles)
    ctx.info["model_style"] = style
    ctx.info["model"] = var
    setup = ctx.setup
    binary = setup is not None and setup.binary

    def head(units_expr: str) -> list[LayerSpec]:
        # No setup: the caller passed the output layer as part of the body (regression).
        return head_specs(ctx, "1" if binary else units_expr) if setup else []

    if style == "subclass":
        cls = ctx.pick("ConvNet", "Classifier", "SimpleNet", "TinyModel", "MyModel")
        param = "" if binary or not units.isidentifier() else "num_classes"
        ctx.defs.append(render_subclass(ctx, cls, body + head(param or units), param, title))
        lines = [f"{var} = {cls}({f'num_classes={units}' if param else ''})"]
        if ctx.chance(0.6):
            lines.append(f"{var}.build((None, *{shape}))")
        return lines, var
    if style == "builder":
        fname = ctx.pick("build_model", "make_model", "create_model", "get_model")
        takes_units = setup is not None and not binary
        layers = body + head("num_classes")
        if rng.random() < 0.5:
            built = render_sequential(ctx, "model", "input_shape", layers, name)
        else:
            built = render_functional(ctx, "model", "input_shape", layers, name)
        params = "input_shape, num_classes" if takes_units else "input_shape"
        doc = f"Return an uncompiled {title[0].lower()}{title[1:]} model."
        fn = [f"def {fname}({params}):", f'    """{doc}"""', *indent(built), "    return model"]
        ctx.defs.append(fn)
        call = f"{fname}({shape}, {units})" if takes_units else f"{fname}({shape})"
        return [f"{var} = {call}"], var
    layers = body + head(units)
    if style == "sequential":
        return render_sequential(ctx, var, shape, layers, name), var
    return render_functional(ctx, var, shape, layers, name, pre_functional), var


def conv_body(ctx: Ctx, rescale: bool) -> list[LayerSpec]:
    api = ctx.api
    rng = ctx.rng
    specs = []
    if rescale:
        specs.append(LayerSpec(api("layers.Rescaling"), "1.0 / 255"))
    filters = rng.choice(((32, 64), (16, 32, 64), (32, 64, 128), (64, 128)))
    kernel = rng.choice(("3", "(3, 3)", "kernel_size=(3, 3)", "kernel_size=3"))
    batchnorm = rng.random() < 0.3
    for f in filters:
        pad = ', padding="same"' if rng.random() < 0.4 else ""
        specs.append(LayerSpec(api("layers.Conv2D"), f'{f}, {kernel}{pad}, activation="relu"'))
        if batchnorm:
            specs.append(LayerSpec(api("layers.BatchNormalization")))
        specs.append(
            LayerSpec(api("layers.MaxPooling2D"), rng.choice(("", "(2, 2)", "pool_size=(2, 2)")))
        )
    specs.append(LayerSpec(api(rng.choice(("layers.Flatten", "layers.GlobalAveragePooling2D")))))
    if rng.random() < 0.5:
        specs.append(
            LayerSpec(api("layers.Dense"), f'{rng.choice((64, 128, 256))}, activation="relu"')
        )
    specs.append(
        LayerSpec(api("layers.Dropout"), rng.choice(("0.5", "0.3", "0.25")), training=True)
    )
    return specs


def mlp_body(ctx: Ctx, flatten: bool) -> list[LayerSpec]:
    api = ctx.api
    rng = ctx.rng
    specs = [LayerSpec(api("layers.Flatten"))] if flatten else []
    for units in rng.choice(((128,), (256, 128), (512, 256, 64), (64, 32))):
        act = rng.choice(('"relu"', '"relu"', '"gelu"', '"elu"'))
        specs.append(LayerSpec(api("layers.Dense"), f"{units}, activation={act}"))
        if rng.random() < 0.5:
            specs.append(
                LayerSpec(api("layers.Dropout"), rng.choice(("0.2", "0.3", "0.5")), training=True)
            )
    return specs


# --------------------------------------------------------------------------- shared blocks


def helper(kind: str):
    """Define a helper function at most once per script; later calls return its name."""

    def wrap(make):
        def define(ctx: Ctx, *args: object) -> str:
            if kind not in ctx.helpers:
                ctx.helpers[kind] = make(ctx, *args)
            return ctx.helpers[kind]

        return define

    return wrap


def header(ctx: Ctx, title: str, description: str) -> list[str]:
    rng = ctx.rng
    if ctx.chance(0.6):
        year = rng.randint(2019, 2025)
        created = f"{year}/{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}"
        lines = [
            '"""',
            f"Title: {title}",
            f"Author: {rng.choice(AUTHORS)}",
            f"Date created: {created}",
            f"Last modified: {created}",
            f"Description: {description}",
        ]
        if ctx.chance(0.4):
            lines.append(f"Accelerator: {ctx.pick('GPU', 'None', 'TPU')}")
        return [*lines, '"""']
    lines = ['"""' + title + ".", "", *wrap(description, 90)]
    if ctx.chance(0.5):
        lines += ["", "Usage:", f"    python {ctx.info['file']}"]
    return [*lines, '"""']


def setup_seed(ctx: Ctx) -> None:
    seed = ctx.const("SEED", str(ctx.rng.choice((42, 1337, 0, 7, 123))))
    if ctx.api.keras3 or ctx.chance(0.4):
        ctx.add([f"{ctx.api('utils.set_random_seed')}({seed})"])
    else:
        ctx.add([f"tf.random.set_seed({seed})", f"np.random.seed({seed})"])


@helper("plot_history")
def plot_history_def(ctx: Ctx, metric: str) -> str:
    fname = ctx.pick("plot_history", "plot_curves", "show_training_curves")
    ctx.defs.append(
        block(f'''
        def {fname}(history, metric="{metric}", path=None):
            """Plot the training and validation curves of one metric."""
            values = history.history[metric]
            val_key = "val_" + metric
            epochs_range = range(1, len(values) + 1)
            plt.figure(figsize=(8, 4))
            plt.plot(epochs_range, values, "o-", label="train")
            if val_key in history.history:
                plt.plot(epochs_range, history.history[val_key], "s-", label="validation")
            plt.title(metric.replace("_", " ").capitalize())
            plt.xlabel("Epoch")
            plt.ylabel(metric)
            plt.grid(True, alpha=0.3)
            plt.legend()
            plt.tight_layout()
            if path:
                plt.savefig(path)
            plt.show()
    ''')
    )
    return fname


@helper("show_images")
def show_images_def(ctx: Ctx, cmap: bool) -> str:
    fname = ctx.pick("show_samples", "plot_examples", "visualize_batch")
    cm = ', cmap="gray"' if cmap else ""
    ctx.defs.append(
        block(f'''
        def {fname}(images, labels, class_names=None, rows=3, cols=3):
            """Display a grid of images with their labels."""
            plt.figure(figsize=(2 * cols, 2 * rows))
            for i in range(rows * cols):
                plt.subplot(rows, cols, i + 1)
                plt.imshow(np.squeeze(images[i]){cm})
                label = int(labels[i])
                plt.title(class_names[label] if class_names else str(label))
                plt.axis("off")
            plt.tight_layout()
            plt.show()
    ''')
    )
    return fname


@helper("confusion")
def confusion_def(ctx: Ctx) -> str:
    fname = ctx.pick("confusion_matrix", "compute_confusion")
    ctx.defs.append(
        block(f'''
        def {fname}(y_true, y_pred, num_classes):
            """Count (true, predicted) pairs; rows are true classes."""
            matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
            for t, p in zip(y_true, y_pred):
                matrix[int(t), int(p)] += 1
            return matrix
    ''')
    )
    return fname


@helper("timer")
def timer_def(ctx: Ctx) -> str:
    fname = ctx.pick("format_seconds", "human_time")
    ctx.defs.append(
        block(f'''
        def {fname}(seconds):
            """Format a duration as minutes and seconds."""
            minutes, seconds = divmod(int(seconds), 60)
            return f"{{minutes}}m {{seconds:02d}}s"
    ''')
    )
    return fname


@helper("summary")
def summary_def(ctx: Ctx) -> str:
    fname = ctx.pick("describe_arrays", "print_shapes", "summarize_data")
    ctx.defs.append(
        block(f'''
        def {fname}(**arrays):
            """Print the shape, dtype and value range of named arrays."""
            for name, array in arrays.items():
                array = np.asarray(array)
                print(
                    f"{{name:>10}}: shape={{array.shape}} dtype={{array.dtype}} "
                    f"min={{array.min():.3f}} max={{array.max():.3f}}"
                )
    ''')
    )
    return fname


@helper("save_json")
def save_json_def(ctx: Ctx) -> str:
    fname = ctx.pick("save_metrics", "write_report")
    ctx.defs.append(
        block(f'''
        def {fname}(metrics, path="metrics.json"):
            """Write the final metrics to a JSON file next to the checkpoints."""
            os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
            with open(path, "w") as handle:
                json.dump({{k: float(v) for k, v in metrics.items()}}, handle, indent=2)
            print("Saved metrics to", path)
    ''')
    )
    return fname


@helper("lr_schedule")
def lr_schedule_def(ctx: Ctx) -> str:
    fname = ctx.pick("cosine_decay", "schedule", "lr_for_epoch")
    ctx.defs.append(
        block(f'''
        def {fname}(epoch, lr, total_epochs=30, warmup=2):
            """Linear warm-up followed by a cosine decay of the learning rate."""
            base = 1e-3
            if epoch < warmup:
                return base * (epoch + 1) / warmup
            progress = (epoch - warmup) / max(1, total_epochs - warmup)
            return 0.5 * base * (1 + math.cos(math.pi * progress))
    ''')
    )
    return fname


def callbacks_lines(ctx: Ctx, monitor: str) -> list[str]:
    api = ctx.api
    ckpt = "best_model.keras" if ctx.api.keras3 else ctx.pick("best_model.h5", "checkpoints/model")
    items = [
        f'{api("callbacks.ModelCheckpoint")}("{ckpt}", save_best_only=True, monitor="{monitor}")',
        f'{api("callbacks.EarlyStopping")}(monitor="{monitor}", patience='
        f"{ctx.rng.choice((3, 5, 10))}, restore_best_weights=True)",
    ]
    if ctx.chance(0.4):
        items.append(
            f'{api("callbacks.ReduceLROnPlateau")}(monitor="{monitor}", factor=0.5, patience=2)'
        )
    if ctx.chance(0.25):
        items.append(f'{api("callbacks.TensorBoard")}(log_dir="logs")')
    if ctx.chance(0.2):
        fn = lr_schedule_def(ctx)
        items.append(f"{api('callbacks.LearningRateScheduler')}({fn})")
    if ctx.chance(0.25):
        items.append(f"{epoch_logger_def(ctx)}()")
    return ["callbacks = [", *[f"    {i}," for i in items], "]"]


@helper("epoch_logger")
def epoch_logger_def(ctx: Ctx) -> str:
    cls = ctx.pick("EpochLogger", "PrintMetrics", "CompactProgress")
    ctx.defs.append(
        block(f'''
        class {cls}({ctx.api("callbacks.Callback")}):
            """Print a one-line summary at the end of every epoch."""

            def __init__(self, every=1):
                super().__init__()
                self.every = every

            def on_epoch_end(self, epoch, logs=None):
                if (epoch + 1) % self.every:
                    return
                logs = logs or {{}}
                parts = [f"{{key}}={{value:.4f}}" for key, value in sorted(logs.items())]
                print(f"[epoch {{epoch + 1}}] " + " ".join(parts))
    ''')
    )
    return cls


def argparse_def(ctx: Ctx, description: str) -> None:
    epochs = ctx.const("EPOCHS", str(ctx.rng.choice((5, 10, 20))))
    batch = ctx.const("BATCH_SIZE", str(ctx.rng.choice((32, 64, 128))))
    lr = ctx.const("LEARNING_RATE", ctx.rng.choice(("1e-3", "3e-4")))
    ctx.defs.append(
        block(f'''
        def parse_args():
            parser = argparse.ArgumentParser(description="{description}")
            parser.add_argument("--epochs", type=int, default={epochs})
            parser.add_argument("--batch-size", type=int, default={batch})
            parser.add_argument("--learning-rate", type=float, default={lr})
            parser.add_argument("--output-dir", default="artifacts")
            return parser.parse_args()
    ''')
    )


def predict_lines(ctx: Ctx, model: str, x: str) -> list[str]:
    """Show a few predictions; applies softmax/sigmoid only to logits outputs."""
    setup = ctx.setup
    assert setup is not None
    lines = [f"predictions = {model}.predict({x}[:8])"]
    if setup.head_act is None and not setup.binary:
        roll = ctx.rng.random()
        if roll < 0.35:
            fn = (
                "keras.ops.softmax"
                if ctx.api.keras3 and ctx.api.style != "names"
                else ("tf.nn.softmax")
            )
            lines.append(f"probabilities = np.asarray({fn}(predictions))")
        elif roll < 0.6:
            seq, soft = ctx.api("Sequential"), ctx.api("layers.Softmax")
            lines += [
                "# The model outputs logits: wrap it to get probabilities.",
                f"probability_model = {seq}([{model}, {soft}()])",
                f"probabilities = probability_model.predict({x}[:8])",
            ]
        else:
            lines.append("probabilities = predictions")
        lines.append("predicted = np.argmax(probabilities, axis=-1)")
    elif setup.binary:
        if setup.head_act is None:
            lines.append(
                "probabilities = 1 / (1 + np.exp(-predictions))  # logits -> probabilities"
            )
        else:
            lines.append("probabilities = predictions")
        lines.append("predicted = (probabilities[:, 0] > 0.5).astype(int)")
    else:
        lines.append("predicted = np.argmax(predictions, axis=-1)")
    lines.append('print("Predicted classes:", predicted)')
    return lines


# --------------------------------------------------------------------------- training


def fit_lines(
    ctx: Ctx, model: str, train: str, val: str | None, arrays: bool, monitor: str = "val_loss"
) -> list[str]:
    lines: list[str] = []
    cbs = ctx.chance(0.5)
    if cbs:
        lines += callbacks_lines(ctx, monitor)
    args = [train] if not arrays else train.split(", ")
    kw = [f"epochs={ctx.epochs}"]
    if arrays:
        kw.insert(0, f"batch_size={ctx.batch}")
        kw.append(f"validation_data=({val})" if val else "validation_split=0.1")
    elif val:
        kw.append(f"validation_data={val}")
    if cbs:
        kw.append("callbacks=callbacks")
    if ctx.chance(0.3):
        kw.append("verbose=2")
    hist = ctx.pick("history", "history", "hist")
    ctx.info["history"] = hist
    items = args + kw
    if ctx.chance(0.3) and sum(len(i) for i in items) < 60:
        lines.append(f"{hist} = {model}.fit({', '.join(items)})")
    else:
        lines += [f"{hist} = {model}.fit(", *[f"    {i}," for i in items], ")"]
    return lines


def custom_loop_lines(ctx: Ctx, model: str, train_ds: str, val_ds: str) -> list[str]:
    """A GradientTape training loop (one of three loss spellings)."""
    setup = ctx.setup
    assert setup is not None
    api = ctx.api
    loss_mark = setup.mark_for("loss")
    pred = ctx.pick("logits", "y_pred", "outputs", "preds")
    spelling = "object"
    if setup.from_logits is True and not setup.binary and ctx.chance(0.4):
        spelling = ctx.pick("function", "tfnn")
    lines = [f"optimizer = {api('optimizers.Adam')}(learning_rate={ctx.lr})"]
    acc_cls = api(f"metrics.{ACC_CLASS[setup.family]}")
    lines += [f"train_acc = {acc_cls}()", f"val_acc = {acc_cls}()"]
    if spelling == "object":
        lines.insert(0, f"loss_fn = {loss_mark}{loss_expr(ctx, force_object=True)}")
        loss_call = f"loss_fn(y, {pred})"
    elif spelling == "function":
        fn = api(f"losses.{LOSS_FUNC[setup.family]}")
        loss_call = f"tf.reduce_mean({loss_mark}{fn}(y, {pred}, from_logits=True))"
    else:
        op = (
            "tf.nn.sparse_softmax_cross_entropy_with_logits"
            if setup.family == "sparse"
            else "tf.nn.softmax_cross_entropy_with_logits"
        )
        loss_call = f"tf.reduce_mean({loss_mark}{op}(labels=y, logits={pred}))"
    decorate = ctx.chance(0.7)
    step = [
        "",
        *(["@tf.function"] if decorate else []),
        "def train_step(x, y):",
        "    with tf.GradientTape() as tape:",
        f"        {pred} = {model}(x, training=True)",
        f"        loss_value = {loss_call}",
        f"    grads = tape.gradient(loss_value, {model}.trainable_weights)",
        f"    optimizer.apply_gradients(zip(grads, {model}.trainable_weights))",
        f"    train_acc.update_state(y, {pred})",
        "    return loss_value",
        "",
        *(["@tf.function"] if decorate else []),
        "def test_step(x, y):",
        f"    val_acc.update_state(y, {model}(x, training=False))",
        "",
    ]
    lines += step
    lines += block(f"""
        for epoch in range({ctx.epochs}):
            start_time = time.time()
            for step, (x_batch, y_batch) in enumerate({train_ds}):
                loss_value = train_step(x_batch, y_batch)
                if step % 200 == 0:
                    print(f"epoch {{epoch}} step {{step}}: loss={{float(loss_value):.4f}}")
            train_result = float(train_acc.result())
            train_acc.reset_state()
            for x_batch, y_batch in {val_ds}:
                test_step(x_batch, y_batch)
            val_result = float(val_acc.result())
            val_acc.reset_state()
            elapsed = time.time() - start_time
            print(f"epoch {{epoch}}: acc={{train_result:.4f}} val_acc={{val_result:.4f}} "
                  f"({{elapsed:.1f}}s)")
    """)
    ctx.info["training"] = f"custom_loop/{spelling}"
    return lines


# --------------------------------------------------------------------------- scenarios


def scenario_image_arrays(ctx: Ctx) -> str:
    rng, api = ctx.rng, ctx.api
    name = rng.choice(list(IMAGE_DATASETS))
    allowed = set(MULTI_BUGS)
    loop = rng.random() < 0.25
    if name != "cifar100":
        allowed.discard("class_mismatch")
    if loop:
        allowed &= {"missing_from_logits", "double_softmax"}
    ctx.setup = setup = choose_setup(ctx, False, allowed)
    (h, w), channels, classes, pretty = IMAGE_DATASETS[name]
    if setup.bug == "class_mismatch":
        classes_const = "10"
    else:
        classes_const = str(classes)
    ctx.info["classes"] = classes
    nc = ctx.const(ctx.pick("NUM_CLASSES", "NUM_CLASSES", "N_CLASSES"), classes_const)
    shape = ctx.const("INPUT_SHAPE", f"({h}, {w}, {channels})")
    conv = rng.random() < 0.75
    kind = "convnet" if conv else "MLP"
    title = f"{pretty} classification with a simple {kind}"
    ctx.info["title"] = title
    xs = rng.choice(
        (
            ("x_train", "y_train", "x_test", "y_test"),
            ("train_images", "train_labels", "test_images", "test_labels"),
        )
    )
    xtr, ytr, xte, yte = xs
    ctx.section(
        "Prepare the data",
        f"The {pretty} images are loaded as uint8 arrays and scaled to the [0, 1] range.",
    )
    ds = api(f"datasets.{name}")
    ctx.add([f"({xtr}, {ytr}), ({xte}, {yte}) = {ds}.load_data()"])
    if ctx.chance(0.4):
        show = show_images_def(ctx, channels == 1)
        ctx.add([f"{show}({xtr}, {ytr}.reshape(-1))"])
    ctx.add(
        [f'{xtr} = {xtr}.astype("float32") / 255.0', f'{xte} = {xte}.astype("float32") / 255.0']
    )
    if channels == 1:
        if ctx.chance(0.5):
            ctx.add([f"{xtr} = np.expand_dims({xtr}, -1)", f"{xte} = np.expand_dims({xte}, -1)"])
        else:
            ctx.add(
                [
                    f"{xtr} = {xtr}.reshape(-1, {h}, {w}, 1)",
                    f"{xte} = {xte}.reshape(-1, {h}, {w}, 1)",
                ]
            )
    if ctx.chance(0.4):
        fn = summary_def(ctx)
        ctx.add([f"{fn}({xtr}={xtr}, {ytr}={ytr})"])
    else:
        ctx.add(
            [
                f'print("{xtr} shape:", {xtr}.shape)',
                f'print({xtr}.shape[0], "train samples")',
                f'print({xte}.shape[0], "test samples")',
            ]
        )
    use_map = loop and setup.labels == "onehot" and channels == 1 and ctx.chance(0.5)
    if setup.labels == "onehot" and not use_map:
        onehot = ctx.pick("to_categorical", "to_categorical", "one_hot")
        if ctx.comments:
            ctx.add(["", "# Convert class vectors to binary class matrices (one-hot encoding)."])
        if onehot == "one_hot" and channels == 1:
            fn = "keras.ops.one_hot" if api.keras3 and api.style != "names" else "tf.one_hot"
            ctx.add([f"{ytr} = {fn}({ytr}, {nc})", f"{yte} = {fn}({yte}, {nc})"])
        else:
            tc = api("utils.to_categorical")
            ctx.add([f"{ytr} = {tc}({ytr}, {nc})", f"{yte} = {tc}({yte}, {nc})"])
    ctx.info["arrays"], ctx.info["data_end"] = [xtr, ytr], len(ctx.steps)
    if setup.labels == "int":
        ctx.info["int_labels"] = ytr
    if not loop and setup.bug != "class_mismatch":
        ctx.info["baseline"] = (shape, nc, xtr, ytr)
    ctx.section("Build the model")
    body = conv_body(ctx, False) if conv else mlp_body(ctx, True)
    lines, model = model_lines(ctx, body, shape, nc, f"{name}_{kind.lower()}", title)
    ctx.add(lines)
    if ctx.chance(0.7):
        ctx.add([f"{model}.summary()"])
    if loop:
        ctx.section(
            "Custom training loop",
            "A GradientTape loop gives full control over each optimisation step.",
        )
        mapping = [f"    .map(lambda x, y: (x, tf.one_hot(y, {nc})))"] if use_map else []
        ctx.add(
            [
                "train_dataset = (",
                f"    tf.data.Dataset.from_tensor_slices(({xtr}, {ytr}))",
                "    .shuffle(10000)",
                *mapping,
                f"    .batch({ctx.batch})",
                "    .prefetch(tf.data.AUTOTUNE)",
                ")",
                "val_dataset = (",
                f"    tf.data.Dataset.from_tensor_slices(({xte}, {yte}))",
                *mapping,
                f"    .batch({ctx.batch})",
                ")",
            ]
        )
        ctx.add([""] + custom_loop_lines(ctx, model, "train_dataset", "val_dataset"))
        return title
    ctx.section("Train the model")
    ctx.add(compile_lines(ctx, model))
    ctx.add([""])
    if ctx.chance(0.3):
        ctx.add(
            block(f"""
            train_ds = (
                tf.data.Dataset.from_tensor_slices(({xtr}, {ytr}))
                .shuffle(5000)
                .batch({ctx.batch})
                .prefetch(tf.data.AUTOTUNE)
            )
            test_ds = tf.data.Dataset.from_tensor_slices(({xte}, {yte})).batch({ctx.batch})
        """)
        )
        ctx.add(fit_lines(ctx, model, "train_ds", "test_ds", arrays=False))
    else:
        ctx.add(
            fit_lines(
                ctx,
                model,
                f"{xtr}, {ytr}",
                f"{xte}, {yte}" if ctx.chance(0.3) else None,
                arrays=True,
            )
        )
    evaluate_block(ctx, model, xte, yte)
    return title


def evaluate_block(ctx: Ctx, model: str, xte: str, yte: str) -> None:
    ctx.section("Evaluate the model")
    ctx.add(
        [
            f"score = {model}.evaluate({xte}, {yte}, verbose=0)",
            'print("Test loss:", score[0])',
            'print("Test accuracy:", score[1])',
        ]
    )
    if ctx.chance(0.5):
        ctx.add([""] + predict_lines(ctx, model, xte))
        setup = ctx.setup
        if setup and not setup.binary and ctx.chance(0.5):
            fn = confusion_def(ctx)
            truth = (
                f"np.argmax({yte}[:8], axis=-1)"
                if setup.labels == "onehot"
                else f"np.asarray({yte}[:8]).reshape(-1)"
            )
            ctx.add(
                [
                    f"matrix = {fn}({truth}, predicted, num_classes=int(predictions.shape[-1]))",
                    "print(matrix)",
                ]
            )
    hist = ctx.info.get("history")
    if hist and ctx.chance(0.6):
        plot = plot_history_def(ctx, "accuracy" if ctx.chance(0.5) else "loss")
        ctx.add([f'{plot}({hist}, "loss")'])
    if ctx.chance(0.4):
        path = "final_model.keras" if ctx.api.keras3 else ctx.pick("saved_model", "model.h5")
        ctx.add([f'{model}.save("{path}")'])


def scenario_image_directory(ctx: Ctx) -> str:
    rng, api = ctx.rng, ctx.api
    folder, classes, pretty = rng.choice(DIRECTORY_DATASETS)
    binary = classes == 2 and rng.random() < 0.8
    legacy = not api.keras3 and rng.random() < 0.35
    allowed = set(BINARY_BUGS if binary else MULTI_BUGS) - {"class_mismatch"}
    ctx.setup = setup = choose_setup(ctx, binary, allowed)
    title = f"Image classification of {pretty} from a directory of JPEGs"
    ctx.info["title"] = title
    size = rng.choice((128, 150, 160, 180, 224))
    img = ctx.const("IMAGE_SIZE", f"({size}, {size})")
    data_dir = ctx.const("DATA_DIR", f'"data/{folder}"')
    ctx.section("Load the data", f"The images live in one sub-folder per class under {folder}/.")
    if ctx.chance(0.4):
        ctx.add(
            block(f"""
            if not os.path.isdir({data_dir}):
                archive = {api("utils.get_file")}(
                    "{folder}.tgz",
                    origin="https://example.com/datasets/{folder}.tgz",
                    extract=True,
                )
                print("Downloaded to", archive)
        """)
        )
    if legacy:
        mode = {"int": "sparse", "onehot": "categorical", "binary": "binary"}[setup.labels]
        explicit = mode != "categorical" or ctx.chance(0.4)
        cm = [f'    class_mode="{mode}",'] if explicit else []
        gen = api("preprocessing.image.ImageDataGenerator")
        ctx.add(
            block(f"""
            datagen = {gen}(
                rescale=1.0 / 255,
                validation_split=0.2,
                horizontal_flip=True,
                rotation_range=15,
            )
        """)
        )
        for var, subset in (("train_gen", "training"), ("val_gen", "validation")):
            ctx.add(
                [
                    f"{var} = datagen.flow_from_directory(",
                    f"    {data_dir},",
                    f"    target_size={img},",
                    f"    batch_size={ctx.batch},",
                    f'    subset="{subset}",',
                    *cm,
                    ")",
                ]
            )
        train, val = "train_gen", "val_gen"
        units = ctx.const("NUM_CLASSES", str(classes))
    else:
        mode = {"int": "int", "onehot": "categorical", "binary": "binary"}[setup.labels]
        lm = [] if mode == "int" and ctx.chance(0.7) else [f'    label_mode="{mode}",']
        loader = api("utils.image_dataset_from_directory")
        seed = ctx.const("SEED", "1337")
        for var, subset in (("train_ds", "training"), ("val_ds", "validation")):
            ctx.add(
                [
                    f"{var} = {loader}(",
                    f"    {data_dir},",
                    "    validation_split=0.2,",
                    f'    subset="{subset}",',
                    f"    seed={seed},",
                    f"    image_size={img},",
                    f"    batch_size={ctx.batch},",
                    *lm,
                    ")",
                ]
            )
        ctx.add(["class_names = train_ds.class_names", 'print("Classes:", class_names)'])
        if ctx.chance(0.5):
            units = ctx.const("NUM_CLASSES", str(classes))
        else:
            ctx.add(["num_classes = len(class_names)"])
            units = "num_classes"
        ctx.add(
            [
                "train_ds = train_ds.prefetch(tf.data.AUTOTUNE)",
                "val_ds = val_ds.prefetch(tf.data.AUTOTUNE)",
            ]
        )
        train, val = "train_ds", "val_ds"
    ctx.section("Build the model")
    shape = f"{img} + (3,)"
    transfer = rng.random() < 0.35
    pre = None
    if transfer:
        app = rng.choice(("MobileNetV2", "EfficientNetB0", "ResNet50", "Xception"))
        ctx.add(
            block(f"""
            base_model = {api(f"applications.{app}")}(
                input_shape={shape},
                include_top=False,
                weights="imagenet",
            )
            base_model.trainable = False
        """)
        )
        pre = ["{h} = base_model({inp}, training=False)"]
        body = [
            LayerSpec(api("layers.GlobalAveragePooling2D")),
            LayerSpec(api("layers.Dropout"), "0.2"),
        ]
        if not legacy:
            body.insert(0, LayerSpec(api("layers.Rescaling"), "1.0 / 127.5, offset=-1"))
    else:
        body = conv_body(ctx, not legacy)
    if ctx.chance(0.4) and not legacy:
        aug = ctx.pick("data_augmentation", "augment")
        seq = api("Sequential")
        ctx.add(
            block(f"""
            {aug} = {seq}(
                [
                    {api("layers.RandomFlip")}("horizontal"),
                    {api("layers.RandomRotation")}(0.1),
                    {api("layers.RandomZoom")}(0.1),
                ]
            )
        """)
        )
        # The augmentation pipeline is an object: it goes into the model as is.
        body.insert(0, LayerSpec(aug, attr="augment", obj=True))
    lines, model = model_lines(
        ctx, body, shape, units, folder.lower(), title, pre_functional=pre, allow_subclass=False
    )
    ctx.add(lines)
    ctx.section("Train the model")
    ctx.add(compile_lines(ctx, model))
    ctx.add(fit_lines(ctx, model, train, val, arrays=False))
    hist = ctx.info["history"]
    if ctx.chance(0.6):
        plot = plot_history_def(ctx, "accuracy")
        ctx.add([f"{plot}({hist})", f'{plot}({hist}, "loss")'])
    if transfer and ctx.chance(0.6):
        ctx.section(
            "Fine-tuning",
            "Unfreeze the top of the backbone and train again with a "
            "much smaller learning rate, so that the pretrained features are only "
            "nudged.",
        )
        adam = api("optimizers.Adam")
        ctx.add(
            [
                "base_model.trainable = True",
                f"for layer in base_model.layers[:-{rng.choice((20, 30, 50))}]:",
                "    layer.trainable = False",
            ]
        )
        ctx.add(compile_lines(ctx, model, optimizer=f"{adam}(1e-5)"))
        ctx.add([f"fine_history = {model}.fit({train}, epochs=5, validation_data={val})"])
    if ctx.chance(0.5):
        ctx.add([f'print("Validation:", {model}.evaluate({val}, verbose=0))'])
    if ctx.chance(0.6):
        inference_block(ctx, model, img, legacy)
    return title


def inference_block(ctx: Ctx, model: str, img: str, legacy: bool) -> None:
    setup = ctx.setup
    assert setup is not None
    api = ctx.api
    ctx.section("Run inference on new data")
    ctx.add(
        [
            f'image = {api("utils.load_img")}("data/example.jpg", target_size={img})',
            f"image_array = {api('utils.img_to_array')}(image)",
            "image_array = np.expand_dims(image_array, 0)  # add the batch axis",
        ]
    )
    if legacy:
        ctx.add(["image_array = image_array / 255.0"])
    ctx.add([f"predictions = {model}.predict(image_array)"])
    ops = "keras.ops" if api.keras3 and api.style != "names" else "tf.nn"
    names = "list(train_gen.class_indices)" if legacy else "class_names"
    if setup.binary:
        score = "predictions[0][0]"
        if setup.head_act is None:
            score = f"{ops}.sigmoid({score})"
        ctx.add(
            [
                f"score = float({score})",
                'print(f"This image is {100 * (1 - score):.2f}% class 0 and '
                '{100 * score:.2f}% class 1.")',
            ]
        )
        return
    score = "predictions[0]"
    if setup.head_act is None:
        score = f"{ops}.softmax({score})"
    ctx.add(
        [
            f"score = np.asarray({score})",
            f'print("Most likely class:", {names}[int(np.argmax(score))], '
            '"with probability", float(np.max(score)))',
        ]
    )


def scenario_text_binary(ctx: Ctx) -> str:
    rng, api = ctx.rng, ctx.api
    ctx.setup = setup = choose_setup(ctx, True, set(BINARY_BUGS))
    title = "Sentiment classification of IMDB movie reviews"
    ctx.info["title"] = title
    vocab = ctx.const("MAX_FEATURES", str(rng.choice((10000, 20000, 5000))))
    maxlen = ctx.const("MAXLEN", str(rng.choice((100, 200, 250, 400))))
    embed = ctx.const("EMBED_DIM", str(rng.choice((32, 64, 128))))
    ctx.section(
        "Load the IMDB data",
        "Reviews come pre-tokenised as lists of word ids; labels are 0 (negative) or 1 (positive).",
    )
    ctx.add(
        [
            f"(x_train, y_train), (x_val, y_val) = {api('datasets.imdb')}.load_data("
            f"num_words={vocab})",
            'print(len(x_train), "training sequences")',
            'print(len(x_val), "validation sequences")',
        ]
    )
    pad = api(
        "utils.pad_sequences"
        if api.keras3 or ctx.chance(0.5)
        else "preprocessing.sequence.pad_sequences"
    )
    ctx.add(
        [f"x_train = {pad}(x_train, maxlen={maxlen})", f"x_val = {pad}(x_val, maxlen={maxlen})"]
    )
    ctx.info["arrays"], ctx.info["data_end"] = ["x_train", "y_train"], len(ctx.steps)
    ctx.info["int_labels"] = "y_train"
    ctx.section("Build the model")
    body = [LayerSpec(api("layers.Embedding"), f"{vocab}, {embed}")]
    variant = rng.choice(("lstm", "bilstm", "conv", "pool", "attention"))
    pre = None
    if variant == "lstm":
        body.append(LayerSpec(api("layers.LSTM"), rng.choice(("64", "32", "128"))))
    elif variant == "bilstm":
        bi, lstm = api("layers.Bidirectional"), api("layers.LSTM")
        body += [LayerSpec(bi, f"{lstm}(64, return_sequences=True)"), LayerSpec(bi, f"{lstm}(64)")]
    elif variant == "conv":
        body += [
            LayerSpec(api("layers.Conv1D"), '128, 7, padding="valid", activation="relu"'),
            LayerSpec(api("layers.GlobalMaxPooling1D")),
        ]
    elif variant == "pool":
        body += [LayerSpec(api("layers.GlobalAveragePooling1D"))]
    else:
        # Attention pooling over time: a softmax over the time axis of a 1-unit score.
        bi, lstm = api("layers.Bidirectional"), api("layers.LSTM")
        soft_axis = ctx.pick("axis=1", "axis=-2")
        pre = [
            f"{{h}} = {api('layers.Embedding')}({vocab}, {embed})({{inp}})",
            f"{{h}} = {bi}({lstm}(64, return_sequences=True))({{h}})",
            f'scores = {api("layers.Dense")}(1, activation="tanh")({{h}})',
            f"weights = {api('layers.Softmax')}({soft_axis})(scores)",
            f"{{h}} = {api('layers.Dot')}(axes=1)([weights, {{h}}])",
            f"{{h}} = {api('layers.Flatten')}()({{h}})",
        ]
        body = []
    body.append(LayerSpec(api("layers.Dense"), '64, activation="relu"'))
    body.append(LayerSpec(api("layers.Dropout"), "0.5", training=True))
    lines, model = model_lines(
        ctx, body, f"({maxlen},)", "1", "imdb_classifier", title, pre_functional=pre
    )
    ctx.info["text_variant"] = variant
    ctx.add(lines)
    ctx.section("Train the model")
    ctx.add(compile_lines(ctx, model))
    ctx.add(fit_lines(ctx, model, "x_train, y_train", "x_val, y_val", arrays=True))
    evaluate_block(ctx, model, "x_val", "y_val")
    if setup.binary and ctx.chance(0.3):
        ctx.add(
            block(f"""
            sample = {pad}([[1, 14, 22, 16, 43, 530]], maxlen={maxlen})
            score = float({model}.predict(sample)[0][0])
            print(f"positive score: {{score:.3f}}")
        """)
        )
    return title


def scenario_text_multiclass(ctx: Ctx) -> str:
    rng, api = ctx.rng, ctx.api
    ctx.setup = setup = choose_setup(ctx, False, set(MULTI_BUGS) - {"class_mismatch"})
    title = "Topic classification of Reuters newswires"
    ctx.info["title"] = title
    ctx.info["classes"] = 46
    words = ctx.const("MAX_WORDS", str(rng.choice((1000, 5000, 10000))))
    ctx.defs.append(
        block(f'''
        def vectorize_sequences(sequences, dimension={words}):
            """Multi-hot encode lists of word ids into a dense matrix."""
            results = np.zeros((len(sequences), dimension), dtype="float32")
            for i, sequence in enumerate(sequences):
                results[i, sequence] = 1.0
            return results
    ''')
    )
    ctx.section("Load and vectorise the newswires")
    ctx.add(
        [
            f"(x_train, y_train), (x_test, y_test) = {api('datasets.reuters')}.load_data(",
            f"    num_words={words}, test_split=0.2",
            ")",
            "x_train = vectorize_sequences(x_train)",
            "x_test = vectorize_sequences(x_test)",
        ]
    )
    nc = ctx.const("NUM_CLASSES", "46")
    if setup.labels == "onehot":
        tc = api("utils.to_categorical")
        ctx.add([f"y_train = {tc}(y_train, {nc})", f"y_test = {tc}(y_test, {nc})"])
    ctx.info["arrays"], ctx.info["data_end"] = ["x_train", "y_train"], len(ctx.steps)
    if setup.labels == "int":
        ctx.info["int_labels"] = "y_train"
    ctx.info["baseline"] = (f"({words},)", nc, "x_train", "y_train")
    ctx.section("Build the model")
    body = mlp_body(ctx, False)
    lines, model = model_lines(ctx, body, f"({words},)", nc, "reuters_mlp", title)
    ctx.add(lines)
    ctx.section("Train the model")
    ctx.add(compile_lines(ctx, model))
    ctx.add(fit_lines(ctx, model, "x_train, y_train", None, arrays=True))
    evaluate_block(ctx, model, "x_test", "y_test")
    return title


def scenario_tabular(ctx: Ctx) -> str:
    rng, api = ctx.rng, ctx.api
    multilabel = rng.random() < 0.3
    csv = rng.random() < 0.4 and not multilabel
    if multilabel:
        # Several independent yes/no targets: sigmoid + binary crossentropy is right here.
        setup = Setup(False, "binary", "sigmoid", "binary", None, None)
        if rng.random() < 0.4:
            setup.head_act, setup.from_logits = None, True
        ctx.setup = setup
    else:
        ctx.setup = setup = choose_setup(ctx, True, set(BINARY_BUGS))
    title = (
        "Multi-label tagging of tabular records"
        if multilabel
        else "Binary classification of tabular records"
    )
    ctx.info["title"] = title
    feats = ctx.const("NUM_FEATURES", str(rng.choice((8, 12, 20, 30))))
    n_labels = ctx.const("NUM_LABELS", str(rng.choice((3, 5, 8)))) if multilabel else "1"
    if csv:
        path = ctx.const("CSV_PATH", f'"data/{rng.choice(("churn", "credit", "heart"))}.csv"')
        target = ctx.pick("target", "label", "churned")
        ctx.defs.append(
            block(f'''
            def load_table(path):
                """Read the CSV, split off the target column and standardise the features."""
                frame = pd.read_csv(path).dropna()
                labels = frame.pop("{target}").to_numpy().astype("float32")
                features = frame.select_dtypes("number").to_numpy().astype("float32")
                mean, std = features.mean(axis=0), features.std(axis=0) + 1e-7
                return (features - mean) / std, labels
        ''')
        )
        ctx.section("Load the table")
        ctx.add(
            [
                f"features, labels = load_table({path})",
                "split = int(0.8 * len(features))",
                "x_train, y_train = features[:split], labels[:split]",
                "x_val, y_val = features[split:], labels[split:]",
            ]
        )
        shape = "(x_train.shape[1],)"
    else:
        ctx.defs.append(
            block(f'''
            def make_dataset(num_samples, seed=0):
                """Synthetic records whose labels depend linearly on the features."""
                generator = np.random.default_rng(seed)
                features = generator.normal(size=(num_samples, {feats})).astype("float32")
                weights = generator.normal(size=({feats}, {n_labels}))
                noise = 0.3 * generator.normal(size=(num_samples, {n_labels}))
                labels = (features @ weights + noise > 0).astype("float32")
                return features, labels
        ''')
        )
        ctx.section("Create the data")
        ctx.add(
            [
                "x_train, y_train = make_dataset(8000, seed=1)",
                "x_val, y_val = make_dataset(2000, seed=2)",
            ]
        )
        shape = f"({feats},)"
    ctx.info["arrays"], ctx.info["data_end"] = ["x_train", "y_train"], len(ctx.steps)
    if not multilabel:
        ctx.info["int_labels"] = "y_train"
        ctx.info["baseline"] = (shape, "1", "x_train", "y_train")
    ctx.section("Build the model")
    body = mlp_body(ctx, False)
    lines, model = model_lines(ctx, body, shape, n_labels, "tabular_model", title)
    ctx.add(lines)
    ctx.section("Train the model")
    if multilabel:
        if setup.from_logits:
            loss = f"{api('losses.BinaryCrossentropy')}(from_logits=True)"
            metric = f"[{api('metrics.AUC')}(multi_label=True, from_logits=True)]"
        else:
            loss = ctx.pick(
                '"binary_crossentropy"', lambda: f"{api('losses.BinaryCrossentropy')}()"
            )
            metric = f"[{api('metrics.BinaryAccuracy')}(), {api('metrics.AUC')}(multi_label=True)]"
        ctx.add(
            [
                f"{model}.compile(",
                f"    optimizer={optimizer_expr(ctx)},",
                f"    loss={loss},",
                f"    metrics={metric},",
                ")",
            ]
        )
    else:
        ctx.add(compile_lines(ctx, model))
    ctx.add(fit_lines(ctx, model, "x_train, y_train", "x_val, y_val", arrays=True))
    if ctx.chance(0.5):
        ctx.add(
            [
                f"results = {model}.evaluate(x_val, y_val, return_dict=True)",
                "for name, value in results.items():",
                '    print(f"{name}: {value:.4f}")',
            ]
        )
        if ctx.chance(0.5):
            fn = save_json_def(ctx)
            ctx.add([f'{fn}(results, path=os.path.join("artifacts", "metrics.json"))'])
    return title


def scenario_gan(ctx: Ctx) -> str:
    rng, api = ctx.rng, ctx.api
    bug = "double_sigmoid" if rng.random() < BUG_RATE else None
    setup = Setup(True, "binary", "sigmoid" if bug else None, "binary", True, bug)
    ctx.setup = setup
    title = "DCGAN on MNIST digits"
    ctx.info["title"] = title
    latent = ctx.const("LATENT_DIM", str(rng.choice((64, 100, 128))))
    dense, conv, convt = api("layers.Dense"), api("layers.Conv2D"), api("layers.Conv2DTranspose")
    leaky, seq, inp = api("layers.LeakyReLU"), api("Sequential"), api("Input")
    act_mark = setup.mark_for("act")
    d_act = f', {act_mark}activation="sigmoid"' if bug else ""
    ctx.defs.append(
        block(f'''
        def make_generator():
            """Map a latent vector to a 28x28 grayscale image."""
            return {seq}(
                [
                    {inp}(shape=({latent},)),
                    {dense}(7 * 7 * 128),
                    {leaky}(0.2),
                    {api("layers.Reshape")}((7, 7, 128)),
                    {convt}(128, 4, strides=2, padding="same"),
                    {leaky}(0.2),
                    {convt}(64, 4, strides=2, padding="same"),
                    {leaky}(0.2),
                    {conv}(1, 7, padding="same", activation="tanh"),
                ],
                name="generator",
            )


        def make_discriminator():
            """Score an image: the output is a single real/fake logit."""
            return {seq}(
                [
                    {inp}(shape=(28, 28, 1)),
                    {conv}(64, 3, strides=2, padding="same"),
                    {leaky}(0.2),
                    {conv}(128, 3, strides=2, padding="same"),
                    {leaky}(0.2),
                    {api("layers.GlobalMaxPooling2D")}(),
                    {dense}(1{d_act}),
                ],
                name="discriminator",
            )
    ''')
    )
    ctx.section(
        "Prepare the data",
        "Only the training images are needed; pixels are scaled "
        "to [-1, 1] to match the tanh output of the generator.",
    )
    ctx.add(
        block(f"""
        (x_train, _), (_, _) = {api("datasets.mnist")}.load_data()
        x_train = (x_train.astype("float32") - 127.5) / 127.5
        x_train = np.expand_dims(x_train, -1)
        dataset = tf.data.Dataset.from_tensor_slices(x_train).shuffle(60000).batch({ctx.batch})
    """)
    )
    ctx.section("Losses and optimizers")
    bce = api("losses.BinaryCrossentropy")
    adam = api("optimizers.Adam")
    ctx.add(
        block(f"""
        generator = make_generator()
        discriminator = make_discriminator()
        cross_entropy = {bce}(from_logits=True)
        g_optimizer = {adam}(learning_rate=2e-4, beta_1=0.5)
        d_optimizer = {adam}(learning_rate=2e-4, beta_1=0.5)


        def discriminator_loss(real_output, fake_output):
            real_loss = cross_entropy(tf.ones_like(real_output), real_output)
            fake_loss = cross_entropy(tf.zeros_like(fake_output), fake_output)
            return real_loss + fake_loss


        def generator_loss(fake_output):
            return cross_entropy(tf.ones_like(fake_output), fake_output)


        @tf.function
        def train_step(images):
            noise = tf.random.normal([tf.shape(images)[0], {latent}])
            with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
                generated = generator(noise, training=True)
                real_output = discriminator(images, training=True)
                fake_output = discriminator(generated, training=True)
                g_loss = generator_loss(fake_output)
                d_loss = discriminator_loss(real_output, fake_output)
            g_grads = g_tape.gradient(g_loss, generator.trainable_variables)
            d_grads = d_tape.gradient(d_loss, discriminator.trainable_variables)
            g_optimizer.apply_gradients(zip(g_grads, generator.trainable_variables))
            d_optimizer.apply_gradients(zip(d_grads, discriminator.trainable_variables))
            return g_loss, d_loss
    """)
    )
    ctx.section("Training loop")
    ctx.add(
        block(f"""
        seed_noise = tf.random.normal([16, {latent}])
        for epoch in range({ctx.epochs}):
            start = time.time()
            for image_batch in dataset:
                g_loss, d_loss = train_step(image_batch)
            print(
                f"epoch {{epoch + 1}}: g_loss={{float(g_loss):.4f}} d_loss={{float(d_loss):.4f}} "
                f"({{time.time() - start:.1f}}s)"
            )
    """)
    )
    if ctx.chance(0.6):
        ctx.add(
            block("""
            images = generator(seed_noise, training=False)
            plt.figure(figsize=(4, 4))
            for i in range(16):
                plt.subplot(4, 4, i + 1)
                plt.imshow(images[i, :, :, 0] * 127.5 + 127.5, cmap="gray")
                plt.axis("off")
            plt.savefig("generated.png")
        """)
        )
    ctx.info["training"] = "custom_loop/gan"
    ctx.info["model_style"] = "sequential_builder"
    return title


def scenario_autoencoder(ctx: Ctx) -> str:
    rng, api = ctx.rng, ctx.api
    title = "Denoising autoencoder for MNIST digits"
    ctx.info["title"] = title
    noise = ctx.const("NOISE_FACTOR", rng.choice(("0.3", "0.4", "0.5")))
    ctx.section("Prepare the data")
    ctx.add(
        block(f"""
        (x_train, _), (x_test, _) = {api("datasets.mnist")}.load_data()
        x_train = np.expand_dims(x_train.astype("float32") / 255.0, -1)
        x_test = np.expand_dims(x_test.astype("float32") / 255.0, -1)
        noisy_train = np.clip(x_train + {noise} * np.random.normal(size=x_train.shape), 0.0, 1.0)
        noisy_test = np.clip(x_test + {noise} * np.random.normal(size=x_test.shape), 0.0, 1.0)
    """)
    )
    ctx.info["arrays"], ctx.info["data_end"] = ["x_train", "noisy_train"], len(ctx.steps)
    ctx.section("Build the autoencoder")
    conv, convt = api("layers.Conv2D"), api("layers.Conv2DTranspose")
    ctx.add(
        block(f"""
        inputs = {api("Input")}(shape=(28, 28, 1))
        x = {conv}(32, (3, 3), activation="relu", padding="same")(inputs)
        x = {api("layers.MaxPooling2D")}((2, 2), padding="same")(x)
        x = {conv}(32, (3, 3), activation="relu", padding="same")(x)
        x = {api("layers.MaxPooling2D")}((2, 2), padding="same")(x)
        x = {convt}(32, (3, 3), strides=2, activation="relu", padding="same")(x)
        x = {convt}(32, (3, 3), strides=2, activation="relu", padding="same")(x)
        outputs = {conv}(1, (3, 3), activation="sigmoid", padding="same")(x)
        autoencoder = {api("Model")}(inputs, outputs)
    """)
    )
    loss = ctx.pick(
        '"binary_crossentropy"', '"mse"', lambda: f"{api('losses.BinaryCrossentropy')}()"
    )
    ctx.add([f'autoencoder.compile(optimizer="adam", loss={loss})', "autoencoder.summary()"])
    ctx.section("Train to remove the noise")
    ctx.add(
        block(f"""
        history = autoencoder.fit(
            noisy_train,
            x_train,
            epochs={ctx.epochs},
            batch_size={ctx.batch},
            shuffle=True,
            validation_data=(noisy_test, x_test),
        )
        denoised = autoencoder.predict(noisy_test[:10])
        plt.figure(figsize=(20, 4))
        for i in range(10):
            plt.subplot(2, 10, i + 1)
            plt.imshow(noisy_test[i].reshape(28, 28), cmap="gray")
            plt.axis("off")
            plt.subplot(2, 10, i + 11)
            plt.imshow(denoised[i].reshape(28, 28), cmap="gray")
            plt.axis("off")
        plt.show()
    """)
    )
    ctx.info["history"] = "history"
    ctx.info["model_style"] = "functional"
    return title


def scenario_regression(ctx: Ctx) -> str:
    api = ctx.api
    title = "Predicting house prices with a small MLP"
    ctx.info["title"] = title
    ctx.section("Load the Boston housing data")
    ctx.add(
        block(f"""
        (x_train, y_train), (x_test, y_test) = {api("datasets.boston_housing")}.load_data()
        mean = x_train.mean(axis=0)
        std = x_train.std(axis=0)
        x_train = (x_train - mean) / std
        x_test = (x_test - mean) / std
    """)
    )
    ctx.info["arrays"], ctx.info["data_end"] = ["x_train", "y_train"], len(ctx.steps)
    ctx.section("Build the model")
    body = mlp_body(ctx, False)
    lines, model = model_lines(
        ctx,
        body + [LayerSpec(api("layers.Dense"), "1")],
        "(x_train.shape[1],)",
        "1",
        "regressor",
        title,
        allow_subclass=False,
    )
    # Regression has no classifier head: model_lines was given the output layer directly.
    ctx.add(lines)
    loss = ctx.pick('"mse"', '"mae"', lambda: f"{api('losses.Huber')}()", '"mean_squared_error"')
    ctx.add([f'{model}.compile(optimizer={optimizer_expr(ctx)}, loss={loss}, metrics=["mae"])'])
    ctx.add(fit_lines(ctx, model, "x_train, y_train", None, arrays=True))
    ctx.add(
        [
            f"test_mse, test_mae = {model}.evaluate(x_test, y_test, verbose=0)",
            'print(f"Mean absolute error on the test set: {test_mae:.2f}")',
        ]
    )
    return title


SCENARIO_FUNCS = {
    "image_arrays": scenario_image_arrays,
    "image_directory": scenario_image_directory,
    "text_binary": scenario_text_binary,
    "text_multiclass": scenario_text_multiclass,
    "tabular": scenario_tabular,
    "gan": scenario_gan,
    "autoencoder": scenario_autoencoder,
    "regression": scenario_regression,
}

EXTRA_TEXT = (
    "## Conclusion\n\nThe model reaches a reasonable accuracy after a handful of epochs. "
    "Longer training, stronger augmentation and a learning-rate schedule usually help.",
    "## Next steps\n\nTry a wider network, or tune the learning rate and batch size with "
    "KerasTuner.",
    "## Notes\n\nOn a CPU one epoch takes a few minutes; a GPU brings it down to seconds.",
)


# --------------------------------------------------------------------------- assembly


def assemble(ctx: Ctx, title: str, description: str) -> str:
    steps = list(ctx.prologue)
    for i, line in enumerate(ctx.steps):
        steps += ctx.inserts.get(i, [])
        steps.append(line)
    steps += ctx.inserts.get(len(ctx.steps), [])
    defs = ctx.defs
    out: list[str] = []
    consts = [f"{k} = {v}" for k, v in ctx.consts.items()]
    body: list[str] = []
    if consts:
        if ctx.comments:
            body.append("# Hyperparameters")
        body += consts + [""]
    for d in defs:
        body += ["", *d, ""]
    if ctx.main_mode:
        body += ["", "def main():", "    args = parse_args()"]
        body += indent(steps)
        body += ["", "", 'if __name__ == "__main__":', "    main()"]
    else:
        body += ["", *steps]
    text_without_imports = "\n".join(body)
    out += header(ctx, title, description)
    out += [""]
    out += ctx.api.imports(text_without_imports)
    out += ["", *body]
    if not ctx.main_mode and ctx.keras_io_sections and ctx.chance(0.4):
        out += ["", '"""', *ctx.rng.choice(EXTRA_TEXT).split("\n"), '"""']
    text = "\n".join(out)
    text = re.sub(r"\n{4,}", "\n\n\n", text)
    text = re.sub(r"(\n\n\n)(\s+)", lambda m: "\n\n" + m.group(2), text)
    return text.strip("\n") + "\n"


@helper("environment")
def environment_def(ctx: Ctx) -> str:
    fname = ctx.pick("print_environment", "report_versions")
    lib = "keras" if ctx.api.keras3 and ctx.api.style != "names" else "tf"
    ctx.defs.append(
        block(f'''
        def {fname}():
            """Print library versions and the accelerators that are visible."""
            print("Python", sys.version.split()[0])
            print("Library version:", {lib}.__version__)
            print("NumPy", np.__version__)
            devices = tf.config.list_physical_devices()
            print("Devices:", ", ".join(d.device_type for d in devices) or "none")
    ''')
    )
    return fname


@helper("params")
def params_def(ctx: Ctx) -> str:
    fname = ctx.pick("count_parameters", "parameter_report")
    ctx.defs.append(
        block(f'''
        def {fname}(model):
            """Return the trainable and frozen parameter counts of a built model."""
            trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
            frozen = sum(int(np.prod(w.shape)) for w in model.non_trainable_weights)
            print(f"{{model.name}}: {{trainable:,}} trainable, {{frozen:,}} frozen parameters")
            return trainable, frozen
    ''')
    )
    return fname


PROSE = (
    "Cross-entropy compares the predicted distribution with the true one. Keras losses accept "
    "either probabilities or raw scores (logits); the from_logits argument tells the loss "
    "which of the two it receives, and getting it wrong fails silently.",
    "Normalising the inputs matters more than it seems: features on very different scales "
    "make the loss surface badly conditioned and slow down gradient descent considerably.",
    "Early stopping watches the validation loss and restores the best weights, so the number "
    "of epochs above is an upper bound rather than a schedule that must be followed.",
    "If the dataset does not fit in memory, TensorFlow's data API can stream it from disk. The "
    "prefetch call overlaps data loading with training, which keeps the accelerator busy.",
    "A confusion matrix shows which classes are mixed up. Classes that look alike are "
    "usually confused in both directions, while a class that is rarely predicted may simply "
    "be under-represented in the training data.",
    "Why this architecture? A small stack of layers trains in minutes on a laptop and is a "
    "good baseline before reaching for a pretrained backbone. Each block halves the spatial "
    "resolution while the number of channels grows, so the cost per layer stays balanced.",
    "We keep a held-out split for validation and only look at the test data once, at the "
    "very end. Tuning hyperparameters on the test set would make the final number look "
    "better than what the model will achieve on new data.",
    "Training curves are the first thing to look at: if the validation loss goes up while "
    "the training loss keeps going down, the model is overfitting. Dropout, data "
    "augmentation or simply fewer epochs are the usual remedies.",
    "The batch size trades memory for gradient noise. Larger batches make each epoch faster "
    "on accelerators but often need a larger learning rate to converge to the same quality.",
    "Feel free to replace the optimizer: Adam is forgiving with its default settings, while "
    "SGD with momentum can generalise slightly better when its learning rate is tuned.",
)


def add_prose(ctx: Ctx, title: str) -> None:
    """Explanatory text, at the end or (when known) right after the data section."""
    paragraphs = ctx.rng.sample(PROSE, ctx.rng.choice((1, 1, 2, 3)))
    wrapped: list[str] = []
    for text in paragraphs:
        wrapped += [*wrap(text, 88), ""]
    if ctx.keras_io_sections:
        lines = ["", '"""', f"## {title}", "", *wrapped[:-1], '"""', ""]
    else:
        lines = ["", *[f"# {line}".rstrip() for line in wrapped[:-1]]]
    if "data_end" in ctx.info and not ctx.info.get("mid_prose") and ctx.chance(0.5):
        ctx.info["mid_prose"] = True
        ctx.inserts.setdefault(int(ctx.info["data_end"]), []).extend(lines)
    else:
        ctx.add(lines)


@helper("class_balance")
def class_balance_def(ctx: Ctx) -> str:
    fname = ctx.pick("plot_class_balance", "show_label_distribution")
    ctx.defs.append(
        block(f'''
        def {fname}(labels, title="Label distribution"):
            """Bar plot of how many examples each class has; returns the counts."""
            labels = np.asarray(labels).reshape(-1).astype(int)
            counts = np.bincount(labels)
            plt.figure(figsize=(8, 3))
            plt.bar(np.arange(len(counts)), counts, color="steelblue")
            plt.xlabel("class id")
            plt.ylabel("examples")
            plt.title(title)
            plt.tight_layout()
            plt.show()
            smallest, largest = counts.min(), counts.max()
            print(f"{{len(counts)}} classes, {{smallest}} to {{largest}} examples per class")
            return counts
    ''')
    )
    return fname


def baseline_block(ctx: Ctx, shape: str, units: str, xtr: str, ytr: str) -> None:
    """A second, deliberately simple model with a correct loss setup, for comparison."""
    setup = ctx.setup
    assert setup is not None
    api = ctx.api
    ctx.section(
        "A linear baseline",
        "Before trusting the deep model, compare it with the "
        "simplest model that could possibly work.",
    )
    if setup.binary:
        head, loss = '1, activation="sigmoid"', '"binary_crossentropy"'
    else:
        family = "sparse" if setup.labels == "int" else "categorical"
        logits = ctx.chance(0.5)
        head = f"{units}" if logits else f'{units}, activation="softmax"'
        loss = (
            f"{api('losses.' + LOSS_CLASS[family])}(from_logits=True)"
            if logits
            else f'"{LOSS_FUNC[family]}"'
        )
    flatten = [f"        {api('layers.Flatten')}(),"] if len(shape.split(",")) > 2 else []
    ctx.add(
        [
            f"baseline = {api('Sequential')}(",
            "    [",
            f"        {api('Input')}(shape={shape}),",
            *flatten,
            f"        {api('layers.Dense')}({head}),",
            "    ]",
            ")",
            f'baseline.compile(optimizer="adam", loss={loss}, metrics=["accuracy"])',
            f"baseline_history = baseline.fit({xtr}, {ytr}, epochs=3, validation_split=0.1, "
            "verbose=0)",
            'print("Baseline validation accuracy:", max(baseline_history.history["val_accuracy"]))',
        ]
    )


def count_lines(ctx: Ctx) -> int:
    inserted = sum(len(v) for v in ctx.inserts.values())
    return sum(len(d) + 2 for d in ctx.defs) + len(ctx.steps) + len(ctx.prologue) + inserted


@helper("config")
def config_def(ctx: Ctx) -> str:
    fname = ctx.pick("save_config", "dump_hyperparameters")
    ctx.defs.append(
        block(f'''
        def {fname}(config, directory="artifacts"):
            """Store the hyperparameters of this run so that it can be reproduced."""
            os.makedirs(directory, exist_ok=True)
            path = os.path.join(directory, "config.json")
            with open(path, "w") as handle:
                json.dump(config, handle, indent=2, sort_keys=True)
            return path
    ''')
    )
    return fname


def pad_to_length(ctx: Ctx, lines_now: int, target: int) -> None:
    """Add helper functions (and their calls) until the script reaches about ``target`` lines."""

    def timer() -> None:
        fn = timer_def(ctx)
        ctx.prologue.append("script_start = time.time()")
        ctx.add(["", f'print("Total time:", {fn}(time.time() - script_start))'])

    def summary() -> None:
        arrays = ctx.info.get("arrays")
        if arrays:
            fn = summary_def(ctx)
            call = ", ".join(f"{a}={a}" for a in arrays)
            at = int(ctx.info.get("data_end", len(ctx.steps)))
            ctx.inserts.setdefault(at, []).append(f"{fn}({call})")

    def plot() -> None:
        hist = ctx.info.get("history")
        if hist:
            fn = plot_history_def(ctx, "loss")
            ctx.add([f'{fn}({hist}, "loss", path="loss.png")'])

    def environment() -> None:
        ctx.prologue.append(f"{environment_def(ctx)}()")

    def params() -> None:
        model = ctx.info.get("model")
        if model:
            ctx.add([f"{params_def(ctx)}({model})"])

    def report() -> None:
        hist = ctx.info.get("history")
        if hist:
            fn = save_json_def(ctx)
            ctx.add([f"{fn}({{k: v[-1] for k, v in {hist}.history.items()}})"])

    def prose() -> None:
        add_prose(ctx, ctx.pick("Discussion", "Going further", "A note on training"))

    def config() -> None:
        fn = config_def(ctx)
        if ctx.main_mode:
            ctx.add([f"{fn}(vars(args))"])
        else:
            names = [k for k in ctx.consts if k.isupper()][:6]
            items = [f'    "{k.lower()}": {k},' for k in names]
            ctx.add(["config = {", *items, "}", f'print("Config written to", {fn}(config))'])

    def baseline() -> None:
        if ctx.info.get("baseline"):
            baseline_block(ctx, *ctx.info["baseline"])
            ctx.info["baseline"] = None

    def explore() -> None:
        labels = ctx.info.get("int_labels")
        if labels:
            fn = class_balance_def(ctx)
            at = int(ctx.info.get("data_end", len(ctx.steps)))
            ctx.inserts.setdefault(at, []).append(f"{fn}({labels})")

    extras = [
        timer,
        summary,
        plot,
        environment,
        params,
        report,
        config,
        baseline,
        explore,
        prose,
        prose,
        prose,
    ]
    ctx.rng.shuffle(extras)
    for make in extras:
        if lines_now >= target:
            break
        before = count_lines(ctx)
        make()
        lines_now += count_lines(ctx) - before


def generate_one(seed: int, index: int) -> tuple[str, str, dict[str, object]]:
    """Return (file name, source, manifest record) for script ``index``."""
    rng = random.Random(f"{seed}:{index}")
    style = rng.choices(STYLES, weights=STYLE_WEIGHTS)[0]
    scenario = rng.choices(SCENARIOS, weights=SCENARIO_WEIGHTS)[0]
    api = Api(style, rng)
    ctx = Ctx(rng, api, scenario)
    ctx.comments = rng.random() < 0.85
    ctx.keras_io_sections = rng.random() < 0.45
    ctx.main_mode = rng.random() < 0.25
    if ctx.main_mode:
        ctx.keras_io_sections = False  # bare strings inside main() would look odd
    slug = {
        "image_arrays": "convnet",
        "image_directory": "folder_images",
        "text_binary": "imdb",
        "text_multiclass": "reuters",
        "tabular": "tabular",
        "gan": "dcgan",
        "autoencoder": "autoencoder",
        "regression": "regression",
    }[scenario]
    fname = f"{index:03d}_{slug}_{style}.py"
    ctx.info["file"] = fname
    if ctx.main_mode:
        argparse_def(ctx, f"Train a {slug} model.")
    if rng.random() < 0.5 and scenario not in ("gan",):
        ctx.section("Setup")
        setup_seed(ctx)
    title = SCENARIO_FUNCS[scenario](ctx)
    if ctx.chance(0.3):
        fn = timer_def(ctx)
        ctx.add(["", f'print("Done in", {fn}(time.process_time()))'])
    description = ctx.pick(
        f"{title}, trained from scratch with Keras.",
        f"A compact, end-to-end example: {title.lower()}.",
        f"Train and evaluate a model for {title.lower()}, with plots of the learning curves.",
    )
    draft = assemble(ctx, title, description)
    target = rng.choice((rng.randint(80, 200), rng.randint(120, 380)))
    n = draft.count("\n")
    if n < target:
        pad_to_length(ctx, n, target)
        draft = assemble(ctx, title, description)
    text, marks = strip_marks(draft)
    setup = ctx.setup
    record: dict[str, object] = {
        "file": fname,
        "style": style,
        "scenario": scenario,
        "model_style": ctx.info.get("model_style"),
        "training": ctx.info.get("training", "compile_fit"),
        "main_block": ctx.main_mode,
        "bug": setup.bug if setup else None,
        "expected": marks,
        "lines": text.count("\n"),
    }
    if setup:
        record["setup"] = {
            "labels": setup.labels,
            "head_activation": setup.head_act or "linear",
            "loss": setup.family,
            "from_logits": setup.from_logits,
        }
    return fname, text, record


def generate(out: Path, count: int = 200, seed: int = 0, manifest: bool = True) -> list[Path]:
    """Write ``count`` scripts into ``out``; every one is checked with ``ast.parse``."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    records = []
    for index in range(count):
        fname, text, record = generate_one(seed, index)
        try:
            ast.parse(text, filename=fname)
        except SyntaxError as exc:  # a generator bug, never expected
            raise RuntimeError(f"generated invalid Python in {fname}: {exc}") from exc
        path = out / fname
        path.write_text(text, encoding="utf-8")
        paths.append(path)
        records.append(record)
    if manifest:
        data = {"seed": seed, "count": count, "scripts": records}
        (out / "_manifest.json").write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, type=Path, help="output folder")
    parser.add_argument("--count", type=int, default=200, help="number of scripts (200)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (0)")
    parser.add_argument("--no-manifest", action="store_true", help="skip _manifest.json")
    args = parser.parse_args(argv)
    paths = generate(args.out, args.count, args.seed, manifest=not args.no_manifest)
    sizes = [p.stat().st_size for p in paths]
    lines = [p.read_text(encoding="utf-8").count("\n") for p in paths]
    print(
        f"wrote {len(paths)} scripts to {args.out} ({sum(sizes)} bytes, "
        f"{min(lines)}-{max(lines)} lines, all parse with ast)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
