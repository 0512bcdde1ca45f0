"""Checking one model: facts from its configuration, the probe and the labels -> diagnostics.

A saved model is read from its configuration first (no code runs), whatever it contains:
a Lambda or an unregistered custom layer only makes what comes after it unknown. The model
is deserialized, always with ``safe_mode=True`` unless the caller trusts it, only when the
numeric probe is wanted, and never when loading it would need code the caller did not
trust (a Lambda, an unregistered custom object).

Whatever could not be judged (an output whose activation is unknown, a custom loss, labels
whose encoding cannot be told, a probe that did not run) is said in
:attr:`Report.not_judged`, so that no run claims more than was checked.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from xentlint.catalog import RULES
from xentlint.checks.registry import run_checks
from xentlint.diagnostics import Diagnostic
from xentlint.facts import (
    BINARY_FAMILIES,
    Act,
    ActivationSite,
    Binding,
    Facts,
    Finding,
    Head,
    LossFamily,
    LossSpec,
    ProbeObservation,
)
from xentlint.knowledge.activations import contradicts
from xentlint.runtime import anchors, compiled, probe
from xentlint.runtime import labels as L
from xentlint.runtime.anchors import Anchor
from xentlint.runtime.backend import active_backend
from xentlint.runtime.config_reader import ConfigReader, ReadResult, keras_registered
from xentlint.runtime.errors import CheckError, KerasMissing, ModelRefused, require
from xentlint.runtime.graph import Graph, Resolved, Resolver


class Unjudged(NamedTuple):
    """Something the checks could not judge, and why, in one sentence."""

    kind: str  # "output" | "labels" | "losses" | "probe"
    text: str  # "output 'head' not judged: its activation is unknown without --probe (...)"
    probe: bool = False  # the sentence says what the probe needs or why it did not run


@dataclass
class Report:
    """What checking one model produced; ``notes`` are shown with ``-v``.

    ``not_judged``: what the checks could not judge (always shown).
    """

    path: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    label_notes: list[str] = field(default_factory=list)
    not_judged: list[Unjudged] = field(default_factory=list)

    def unjudged(self, kind: str, text: str, probe: bool = False) -> None:
        self.not_judged.append(Unjudged(kind, text, probe))


class ModelDiagnostics(list[Diagnostic]):
    """What :func:`check_model` returns: the findings (a list of ``Diagnostic``), plus

    - ``not_judged``: what could not be judged, one sentence each (an output whose
      activation is unknown without the probe, a custom loss, labels whose encoding cannot
      be told, a probe that did not run); empty when everything was checked;
    - ``notes``: how the model was read and probed (``xentlint model -v``).

    An empty list with a non-empty ``not_judged`` means "no findings in what was checked",
    not "the model is right".
    """

    def __init__(
        self,
        diagnostics: Iterable[Diagnostic] = (),
        not_judged: Iterable[str] = (),
        notes: Iterable[str] = (),
    ) -> None:
        super().__init__(diagnostics)
        self.not_judged: list[str] = list(not_judged)
        self.notes: list[str] = list(notes)

    @property
    def complete(self) -> bool:
        """Whether everything was judged (``not_judged`` is empty)."""
        return not self.not_judged

    def __repr__(self) -> str:
        if not self.not_judged:
            return f"ModelDiagnostics({list.__repr__(self)})"
        return f"ModelDiagnostics({list.__repr__(self)}, not_judged={self.not_judged!r})"


@dataclass(frozen=True)
class _Words:
    """How messages name the options: the command line's or ``check_model``'s."""

    probe: str = "--probe"
    trust: str = "--trust-model"


_CLI_WORDS = _Words()
_API_WORDS = _Words("probe=True", "trust_model=True")


@dataclass
class _Model:
    """A model as the checks see it, whichever way it was obtained."""

    graph: Graph
    compile_config: dict[str, Any] | None
    live: Any = None  # the keras.Model, when there is one
    backend: str = "tensorflow"
    #: when loading the model needs what the caller did not give (--trust-model for a
    #: Lambda, --import for an unregistered class): what to pass, and why. The model is
    #: then never loaded.
    unlock: tuple[str, str] | None = None
    #: why the probe cannot run or did not run ("Keras 3 cannot load a SavedModel folder")
    no_probe: str | None = None
    saved: bool = False  # read from a file (not a live model the caller can build)


def check_model(
    model_or_path: Any,
    labels: Any = None,
    probe: bool = True,
    *,
    trust_model: bool = False,
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
    custom_objects: dict[str, Any] | None = None,
    input_shape: Any = None,
) -> ModelDiagnostics:
    """Check a Keras model (a live ``keras.Model`` or a ``.keras``/``.h5`` path).

    ``labels``: arrays, tensors, a dict/list of them per output, a ``tf.data.Dataset`` (its
    ``element_spec``), or a ``.npy``/``.npz`` path. ``probe`` runs the model on a random
    batch (a saved model is then loaded with ``safe_mode=True``, or ``safe_mode=False``
    with ``trust_model=True``; a saved model whose loading would run untrusted code, a
    Lambda or an unregistered custom object, is checked from its configuration alone).
    ``input_shape`` (as ``model.build`` takes it, batch dimension first: ``(None, 20)``)
    lets the probe run a model that was never built. ``select``/``ignore`` take rule codes
    or prefixes.

    Returns the findings as a list of ``Diagnostic`` (a :class:`ModelDiagnostics`, whose
    ``not_judged`` says what could not be checked). Raises
    :class:`~xentlint.runtime.errors.CheckError` (or its subclass ``ModelRefused``) when
    nothing can be checked.
    """
    from xentlint.selection import Selection, SelectionLayer, parse_selectors

    layer = SelectionLayer(
        select=parse_selectors(select) if select is not None else None,
        ignore=parse_selectors(ignore or ()),
    )
    codes = Selection([layer]).enabled_codes()
    report = inspect(
        model_or_path,
        labels=labels,
        probe=probe,
        trust_model=trust_model,
        codes=codes,
        custom_objects=custom_objects,
        input_shape=input_shape,
        api=True,
    )
    not_judged = [item.text for item in report.not_judged]
    return ModelDiagnostics(report.diagnostics, not_judged, report.notes)


def inspect(
    source: Any,
    *,
    labels: Any = None,
    probe: bool | None = None,
    trust_model: bool = False,
    codes: Iterable[str] | None = None,
    custom_objects: dict[str, Any] | None = None,
    input_shape: Any = None,
    display: str | None = None,
    api: bool = False,
) -> Report:
    """Check one model and say how it went. ``probe=None``: probe when it is loaded anyway."""
    if codes is None:
        from xentlint.selection import Selection

        codes = Selection().enabled_codes()
    wanted = set(codes)
    words = _API_WORDS if api else _CLI_WORDS
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        report = Report(display or path)
        model = _from_path(path, report, probe, trust_model, custom_objects, words)
    else:
        report = Report(display or "<model>")
        model = _from_live(source, report)
    do_probe = model.live is not None and probe is not False
    _run(model, report, wanted, labels, do_probe, words, input_shape)
    if probe is True and model.no_probe is not None:
        if not any(item.probe for item in report.not_judged):  # else said per output
            report.unjudged("probe", f"the probe did not run: {model.no_probe}", probe=True)
    return report


# --- obtaining the model ------------------------------------------------------------------


_CONFIG_ONLY = "read the {} configuration only: nothing was deserialized, no code ran"


def _from_path(
    path: str,
    report: Report,
    probe_wanted: bool | None,
    trust: bool,
    custom_objects: dict[str, Any] | None,
    words: _Words,
) -> _Model:
    from xentlint.runtime import saved as saved_files

    saved = saved_files.read(path)
    names = set(custom_objects or ())
    reader = ConfigReader(known=lambda name: name in names or keras_registered(name))
    result = reader.read(saved.config)
    model = _Model(result.graph, saved.compile_config, backend=active_backend(), saved=True)
    if saved.keras_version and saved.keras_version.split(".", 1)[0] not in ("2", "3"):
        report.notes.append(f"saved by Keras {saved.keras_version}: unknown fields were ignored")
    for unsafe in result.unsafe:
        if trust:
            report.notes.append(f"trusted ({words.trust}): {unsafe}")
        else:
            report.notes.append(f"not loaded: loading {unsafe} would run code")
    subclassed = result.graph.subclassed
    load = probe_wanted is True or (probe_wanted is None and (trust or subclassed))
    if saved.format == "savedmodel":  # whatever it holds, and whatever the caller allows
        model.no_probe = "Keras 3 cannot load a SavedModel folder"
        report.notes.append(
            f"probe skipped: {model.no_probe}" if load else _CONFIG_ONLY.format(saved.format)
        )
        return model
    if result.unsafe and not trust:
        model.unlock = flags, reason = _unlock(result, words)
        model.no_probe = f"{reason}: pass {flags}"
        if subclassed:
            raise ModelRefused(
                f"{report.path}: {result.unsafe[0]}: a subclassed model, whose configuration "
                f"does not show its outputs (only running it would)",
                api=words is _API_WORDS,
                how=f"{reason}: pass {flags}",
            )
        load = False
    if not load:
        report.notes.append(_CONFIG_ONLY.format(saved.format))
        return model
    try:
        keras: Any = require("keras", _why_load(probe_wanted, subclassed, words))
    except KerasMissing as exc:
        if probe_wanted is True or subclassed:
            raise
        model.no_probe = str(exc)  # --trust-model alone: the probe was only a bonus
        report.notes.append(f"probe skipped: {exc}")
        return model
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.live = keras.saving.load_model(
                path, compile=False, safe_mode=not trust, custom_objects=custom_objects
            )
    except Exception as exc:  # noqa: BLE001 - a file Keras cannot load: keep the config facts
        model.no_probe = f"Keras could not load the model: {_short(exc)}"
        if result.unregistered:
            flags, reason = _unlock(result, words)
            model.no_probe += f" ({reason}: pass {flags})"
        report.notes.append(f"probe skipped: {model.no_probe}")
        model.live = None
    else:
        mode = "safe_mode=False (trusted)" if trust else "safe_mode=True"
        report.notes.append(f"loaded with keras.saving.load_model({mode}) for the probe")
        from xentlint.runtime.live_reader import LiveReader

        # The loaded layers know their Keras base classes (a Dense subclass reads as Dense).
        model.graph = LiveReader().read(model.live)
    model.backend = active_backend()
    return model


def _unlock(result: ReadResult, words: _Words) -> tuple[str, str]:
    """What the caller must pass for the probe to load the model, and why."""
    flags: list[str] = []
    reasons: list[str] = []
    if result.unregistered:
        what = result.unregistered[0][0]  # "CustomDense", "the custom function 'my_act'"
        named = what if what.startswith("the ") else f"class {what}"
        if words is _API_WORDS:
            key = what.split("'")[1] if "'" in what else what
            flags.append(f"custom_objects={{{key!r}: ...}}")
        else:
            modules = list(dict.fromkeys(m for _, m in result.unregistered if m))
            if any(m is None for _, m in result.unregistered):  # the configuration names none
                modules.append("MODULE")
            flags.extend(f"--import {m}" for m in modules)
        reasons.append(f"Keras loads {named} only once the module that registers it is imported")
    flags.append(words.probe)
    if result.lambdas:
        flags.append(words.trust)
        reasons.append("loading the model runs its Python lambdas (only for a file you trust)")
    return (", " if words is _API_WORDS else " ").join(flags), "; ".join(reasons)


def _why_load(probe_wanted: bool | None, subclassed: bool, words: _Words) -> str:
    if probe_wanted is not True and subclassed:
        return "to run a subclassed model (its configuration does not show its outputs)"
    return f"to load the model for the probe ({words.probe})"


def _from_live(model: Any, report: Report) -> _Model:
    if not hasattr(model, "layers") or not callable(model):
        raise CheckError(f"not a Keras model or a path: {type(model).__name__}")
    from xentlint.runtime.live_reader import LiveReader

    reader = LiveReader()
    graph = reader.read(model)
    for name in reader.custom:
        report.notes.append(f"layer {name!r} is custom code: only the probe can see what it does")
    compile_config = None
    if getattr(model, "compiled", False):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                compile_config = model.get_compile_config()
        except Exception as exc:  # noqa: BLE001 - an unserializable loss: treat as unknown
            report.notes.append(f"cannot read the compile configuration: {_short(exc)}")
    return _Model(graph, compile_config, live=model, backend=active_backend())


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:300]


# --- facts, checks, diagnostics -------------------------------------------------------------


def _run(
    model: _Model,
    report: Report,
    wanted: set[str],
    labels: Any,
    do_probe: bool,
    words: _Words,
    input_shape: Any = None,
) -> None:
    resolver = Resolver(model.graph)
    heads: list[tuple[str, Resolved]] = resolver.output_heads()
    struct = model.graph.output_struct
    observations: list[ProbeObservation] = []
    observed: set[str] = set()
    if do_probe:
        heads, struct = _probe(model, report, heads, struct, observations, observed, input_shape)
    if not heads:
        if not model.graph.subclassed:
            raise CheckError(f"{report.path}: the model has no outputs: nothing to check")
        raise CheckError(_no_outputs(model, report.path, do_probe, words, input_shape))
    names = [name for name, _ in heads]
    per_output = compiled.per_output(model.compile_config, names, struct)
    if model.compile_config is None:
        report.notes.append("not compiled: only the architecture checks ran")
        report.unjudged(
            "losses",
            "losses not judged: the model was saved without compile(), so only its "
            "architecture was checked",
        )
    _unjudged_outputs(model, report, heads, per_output, observed, do_probe, words)
    label_sets = _label_sets(labels, names) if labels is not None else {}
    bindings: list[Binding] = []
    for (name, resolved), setup in zip(heads, per_output, strict=True):
        if setup is None or setup.loss is None:
            continue
        evidence = None
        label_range = None
        if name in label_sets:
            labelled = label_sets[name]
            described = L.describe(labelled, name, resolved.head.units, resolved.rank, setup.loss)
            evidence = described.evidence
            label_range = described.label_range
            if evidence is None:
                report.unjudged(
                    "labels",
                    f"labels {labelled.name} not judged against output {name!r}: their "
                    f"encoding cannot be told ({described.summary}; {setup.loss.spelling} "
                    f"expects {_expects(setup.loss)})",
                )
            else:
                report.label_notes.append(
                    f"labels {labelled.name} ({described.summary}) checked against output {name!r}"
                )
        bindings.append(
            Binding(
                resolved.head,
                setup.loss,
                "compile",
                evidence,
                setup.metrics,
                setup.loss.anchor,
                label_range,
            )
        )
    for name in label_sets:
        if not any(b.head.name == name for b in bindings):
            report.label_notes.append(
                f"labels {label_sets[name].name} not checked: output {name!r} has no known "
                f"cross-entropy loss"
            )
    sites: list[ActivationSite] = resolver.sites()
    facts = Facts(tuple(bindings), tuple(sites), tuple(observations), model.backend)
    findings = run_checks(facts, [c for c in wanted if c in RULES])
    report.diagnostics = _diagnostics(findings, report.path, heads)


def _expects(loss: LossSpec) -> str:
    """What labels ``loss`` takes, for the sentence about labels that cannot be told."""
    if loss.family is LossFamily.SPARSE_CATEGORICAL:
        return "integer class ids"
    if loss.family in BINARY_FAMILIES:
        return "labels in [0, 1]"
    return "one-hot rows (or rows of class probabilities)"


def _no_outputs(model: _Model, path: str, probed: bool, words: _Words, shape: Any) -> str:
    """The error for a subclassed model whose outputs nothing showed: what to do."""
    head = f"{path}: a subclassed model: only running it shows its outputs"
    live = model.live
    if not model.saved and shape is None and not getattr(live, "built", True):
        return (
            f"{head}, and it is not built, so its input shape is unknown. Build it first "
            f"(call it on a batch: model(x[:1]); or model.build((None, 20)) with your "
            f"input shape), or pass probe=True with input_shape=(None, 20)"
        )
    if model.no_probe is not None:
        return f"{head}, and the probe did not run: {model.no_probe}"
    if not probed:
        return f"{head}: pass {words.probe}"
    return f"{head}, but the probe saw none"


def _unjudged_outputs(
    model: _Model,
    report: Report,
    heads: list[tuple[str, Resolved]],
    per_output: list[compiled.OutputCompile | None],
    observed: set[str],
    probed: bool,
    words: _Words,
) -> None:
    """One sentence in ``report.not_judged`` per output the checks cannot judge."""
    for (name, resolved), setup in zip(heads, per_output, strict=True):
        if setup is not None and setup.custom_loss is not None:
            report.unjudged(
                "output",
                f"output {name!r} not judged: its loss is {setup.custom_loss}, which xentlint "
                f"does not read (it checks Keras' cross-entropy losses)",
            )
            continue
        if resolved.head.activation is not Act.UNKNOWN or name in observed:
            continue
        if setup is None or setup.other_keras_loss:  # no loss, or mse...: nothing to judge
            report.notes.append(
                f"output {name!r}: its activation is unknown ({resolved.why or 'not shown'}); "
                f"it has no cross-entropy loss to check"
            )
            continue
        why = resolved.why or "the configuration does not show what produces it"
        report.unjudged(
            "output",
            f"output {name!r} not judged: its activation is unknown "
            + _without_probe(model, why, probed, words),
            probe=True,
        )


def _without_probe(model: _Model, why: str, probed: bool, words: _Words) -> str:
    """The end of "its activation is unknown ...": why, and what would show it."""
    if probed:
        reason = model.no_probe or "its values on the random batch were empty or not finite"
        return f"({why}), and the probe did not show it: {reason}"
    if model.unlock is not None:
        flags, reason = model.unlock
        return f"without {flags} ({why}; {reason})"
    if model.no_probe is not None:
        return f"({why}), and the probe cannot run: {model.no_probe}"
    return f"without {words.probe} ({why})"


def _label_sets(labels: Any, names: list[str]) -> dict[str, L.LabelSet]:
    if isinstance(labels, (str, os.PathLike)):
        sets = L.from_file(os.fspath(labels))
    else:
        sets = L.from_python(labels, names)
    assigned = L.assign(sets, names)
    L.check_lengths(assigned)
    return assigned


def _probe(
    model: _Model,
    report: Report,
    heads: list[tuple[str, Resolved]],
    struct: str,
    observations: list[ProbeObservation],
    observed: set[str],
    input_shape: Any = None,
) -> tuple[list[tuple[str, Resolved]], str]:
    keras: Any = require("keras", "for the probe")
    np: Any = require("numpy", "for the probe")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            outputs = probe.run(model.live, keras, np, input_shape)
    except probe.ProbeSkipped as exc:
        model.no_probe = str(exc)
        report.notes.append(f"probe skipped: {exc}")
        return heads, struct
    values, names, new_struct = _flatten_outputs(outputs)
    if not heads:  # a subclassed model: the probe alone knows its outputs
        heads = [(name, Resolved(Head(None, Act.UNKNOWN, None, name))) for name in names]
        struct = new_struct
    by_name = dict(zip(names, values, strict=True))
    out: list[tuple[str, Resolved]] = []
    for index, (name, resolved) in enumerate(heads):
        array = by_name.get(name)
        if array is None and index < len(values) and len(values) == len(heads):
            array = values[index]
        seen = probe.observe(array, np) if array is not None else None
        if seen is None:
            out.append((name, resolved))
            continue
        report.notes.append(f"probe: output {name!r}: {seen.activation.value} ({seen.evidence})")
        head = resolved.head
        configured = head.activation
        if configured is not Act.UNKNOWN:
            observations.append(
                ProbeObservation(
                    name,
                    configured,
                    seen.activation,
                    seen.evidence,
                    probe.BATCH,
                    head.anchor or anchors.output(name),
                )
            )
        if configured is not Act.UNKNOWN and not contradicts(configured, seen.activation):
            out.append((name, Resolved(head, resolved.rank or seen.rank)))
            continue
        # unknown, or contradicted (XEN401): the loss sees what the probe observed
        anchor = head.anchor or anchors.output(name)
        fed = Head(
            head.units or seen.units,
            seen.activation,
            head.layer_kind,
            name,
            anchor,
            anchor,
            head.units_anchor or anchor,
            observed=True,
        )
        observed.add(name)
        out.append((name, Resolved(fed, resolved.rank or seen.rank)))
    return out, struct


def _flatten_outputs(outputs: Any) -> tuple[list[Any], list[str], str]:
    if isinstance(outputs, dict):
        keys = list(outputs)
        return [outputs[k] for k in keys], [str(k) for k in keys], "dict"
    if isinstance(outputs, list):
        if len(outputs) == 1:
            return outputs, ["output"], "single"
        return outputs, [f"output_{i}" for i in range(len(outputs))], "list"
    return [outputs], ["output"], "single"


def _diagnostics(
    findings: list[Finding], path: str, heads: list[tuple[str, Resolved]]
) -> list[Diagnostic]:
    outputs: dict[str, str] = {}
    for name, resolved in heads:
        head = resolved.head
        for anchor in (head.anchor, head.activation_anchor, head.units_anchor):
            if isinstance(anchor, Anchor) and anchor.kind == "layer":
                outputs.setdefault(anchor.text, name)
    seen: set[tuple[str, str, str]] = set()
    out: list[Diagnostic] = []
    for finding in findings:
        anchor = finding.anchor
        where = anchor.where(outputs) if isinstance(anchor, Anchor) else "model"
        related = [anchors.render(a) for a in finding.related]
        message = finding.message.format(*related) if related else finding.message
        key = (finding.code, where, message)
        if key in seen:
            continue
        seen.add(key)
        rule = RULES.get(finding.code)
        fix_title = finding.fix_title or (rule.fix if rule is not None and rule.fix else None)
        out.append(
            Diagnostic(
                path=path,
                line=0,
                column=0,
                end_line=0,
                end_column=0,
                code=finding.code,
                name=rule.name if rule is not None else "unknown-rule",
                severity=rule.severity if rule is not None else "E",
                message=message,
                fix_title=fix_title,
                where=where,
            )
        )
    out.sort(key=lambda d: (d.path, d.where or "", d.code, d.message))
    return out
