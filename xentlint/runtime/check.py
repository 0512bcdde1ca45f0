"""Checking one model: facts from its configuration, the probe and the labels -> diagnostics.

A saved model is read from its configuration first (no code runs). It is deserialized,
always with ``safe_mode=True`` unless the caller trusts it, only when the numeric probe is
wanted. A model whose loading would need arbitrary code (a Lambda, an unregistered custom
object) is refused before anything is loaded.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from xentlint.catalog import RULES
from xentlint.checks.registry import run_checks
from xentlint.diagnostics import Diagnostic
from xentlint.facts import (
    Act,
    ActivationSite,
    Binding,
    Facts,
    Finding,
    Head,
    ProbeObservation,
)
from xentlint.knowledge.activations import contradicts
from xentlint.runtime import anchors, compiled, probe
from xentlint.runtime import labels as L
from xentlint.runtime.anchors import Anchor
from xentlint.runtime.backend import active_backend
from xentlint.runtime.config_reader import ConfigReader, keras_registered
from xentlint.runtime.errors import CheckError, ModelRefused, require
from xentlint.runtime.graph import Graph, Resolved, Resolver


@dataclass
class Report:
    """What checking one model produced; ``notes`` are shown with ``-v``."""

    path: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    label_notes: list[str] = field(default_factory=list)


@dataclass
class _Model:
    """A model as the checks see it, whichever way it was obtained."""

    graph: Graph
    compile_config: dict[str, Any] | None
    live: Any = None  # the keras.Model, when there is one
    backend: str = "tensorflow"


def check_model(
    model_or_path: Any,
    labels: Any = None,
    probe: bool = True,
    *,
    trust_model: bool = False,
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
    custom_objects: dict[str, Any] | None = None,
) -> list[Diagnostic]:
    """Check a Keras model (a live ``keras.Model`` or a ``.keras``/``.h5`` path).

    ``labels``: arrays, tensors, a dict/list of them per output, a ``tf.data.Dataset`` (its
    ``element_spec``), or a ``.npy``/``.npz`` path. ``probe`` runs the model on a random
    batch (a saved model is then loaded with ``safe_mode=True``, or ``safe_mode=False``
    with ``trust_model=True``). ``select``/``ignore`` take rule codes or prefixes.
    Raises :class:`~xentlint.runtime.errors.CheckError` (or its subclass ``ModelRefused``)
    when nothing can be checked.
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
        api=True,
    )
    return report.diagnostics


def inspect(
    source: Any,
    *,
    labels: Any = None,
    probe: bool | None = None,
    trust_model: bool = False,
    codes: Iterable[str] | None = None,
    custom_objects: dict[str, Any] | None = None,
    display: str | None = None,
    api: bool = False,
) -> Report:
    """Check one model and say how it went. ``probe=None``: probe when it is loaded anyway."""
    if codes is None:
        from xentlint.selection import Selection

        codes = Selection().enabled_codes()
    wanted = set(codes)
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        report = Report(display or path)
        model = _from_path(path, report, probe, trust_model, custom_objects, api)
    else:
        report = Report(display or "<model>")
        model = _from_live(source, report)
    do_probe = model.live is not None and probe is not False
    _run(model, report, wanted, labels, do_probe)
    return report


# --- obtaining the model ------------------------------------------------------------------


def _from_path(
    path: str,
    report: Report,
    probe_wanted: bool | None,
    trust: bool,
    custom_objects: dict[str, Any] | None,
    api: bool,
) -> _Model:
    from xentlint.runtime import saved as saved_files

    saved = saved_files.read(path)
    names = set(custom_objects or ())
    reader = ConfigReader(known=lambda name: name in names or keras_registered(name))
    result = reader.read(saved.config)
    if result.unsafe and not trust:
        raise ModelRefused(f"{report.path}: {result.unsafe[0]}", api=api)
    model = _Model(result.graph, saved.compile_config, backend=active_backend())
    if saved.keras_version and saved.keras_version.split(".", 1)[0] not in ("2", "3"):
        report.notes.append(f"saved by Keras {saved.keras_version}: unknown fields were ignored")
    for unsafe in result.unsafe:
        report.notes.append(f"trusted (--trust-model): {unsafe}")
    subclassed = result.graph.subclassed
    load = probe_wanted is True or (probe_wanted is None and (trust or subclassed))
    if not load:
        report.notes.append(
            f"read the {saved.format} configuration only: nothing was deserialized, no code ran"
        )
        return model
    if saved.format == "savedmodel":
        report.notes.append("probe skipped: Keras 3 cannot load a SavedModel folder")
        return model
    keras: Any = require("keras")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.live = keras.saving.load_model(
                path, compile=False, safe_mode=not trust, custom_objects=custom_objects
            )
    except Exception as exc:  # noqa: BLE001 - a file Keras cannot load: keep the config facts
        report.notes.append(f"probe skipped: Keras could not load the model: {_short(exc)}")
        model.live = None
    else:
        mode = "safe_mode=False (trusted)" if trust else "safe_mode=True"
        report.notes.append(f"loaded with keras.saving.load_model({mode}) for the probe")
        from xentlint.runtime.live_reader import LiveReader

        # The loaded layers know their Keras base classes (a Dense subclass reads as Dense).
        model.graph = LiveReader().read(model.live)
    model.backend = active_backend()
    return model


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


def _run(model: _Model, report: Report, wanted: set[str], labels: Any, do_probe: bool) -> None:
    resolver = Resolver(model.graph)
    heads: list[tuple[str, Resolved]] = resolver.output_heads()
    struct = model.graph.output_struct
    observations: list[ProbeObservation] = []
    observed: set[str] = set()
    if do_probe:
        heads, struct = _probe(model, report, heads, struct, observations, observed)
    if not heads:
        if not model.graph.subclassed:
            raise CheckError(f"{report.path}: the model has no outputs: nothing to check")
        how = "" if do_probe else " (--probe / probe=True)"
        built = ""
        if model.live is not None and not getattr(model.live, "built", False):
            built = ", and it is not built yet"
        raise CheckError(
            f"{report.path}: a subclassed model: only running it{how} shows its outputs{built}"
        )
    names = [name for name, _ in heads]
    for name, resolved in heads:
        if resolved.head.activation is Act.UNKNOWN and name not in observed and not do_probe:
            kind = resolved.head.layer_kind or "an unknown layer"
            report.notes.append(
                f"output {name!r} comes from {kind}: its activation is unknown without --probe"
            )
    per_output = compiled.per_output(model.compile_config, names, struct)
    if model.compile_config is None:
        report.notes.append("not compiled: only the architecture checks ran")
    label_sets = _label_sets(labels, names) if labels is not None else {}
    bindings: list[Binding] = []
    for (name, resolved), setup in zip(heads, per_output, strict=True):
        if setup is None or setup.loss is None:
            continue
        evidence = None
        label_range = None
        if name in label_sets:
            described = L.describe(
                label_sets[name], name, resolved.head.units, resolved.rank, setup.loss
            )
            evidence = described.evidence
            label_range = described.label_range
            report.label_notes.append(
                f"labels {label_sets[name].name} ({described.summary}) checked against "
                f"output {name!r}"
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
) -> tuple[list[tuple[str, Resolved]], str]:
    np: Any = require("numpy")
    keras: Any = require("keras")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            outputs = probe.run(model.live, keras, np)
    except probe.ProbeSkipped as exc:
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
