"""Static and runtime agree: building a fixture's model and checking it gives the same codes.

Every zero-argument function of the fixture scripts that builds (and usually compiles) a
model is executed; ``xentlint.check_model`` on the model it returns must report the codes
that ``xentlint check`` reports on that function's source lines. Only the codes a model
itself can show are compared: XEN2xx needs the real labels (the static side sees them in
the code, the runtime side only with ``labels=``), and losses called in custom training
loops are not part of a model. Functions that cannot run here (they download a dataset,
read files, need ``tf_keras`` or Keras 2, or return no model) are skipped with the reason.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import sys
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from xentlint.catalog import RULES

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

pytestmark = pytest.mark.tensorflow

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
FILES = sorted((FIXTURES / "rules").glob("xen*.py")) + [
    FIXTURES / "shapes" / name for name in ("aliases.py", "combinations.py", "multi_output.py")
]
# What a model itself shows: the activation/loss rules (XEN1xx) and suggestions (XEN3xx).
MODEL_CODES = tuple(code for code in RULES if code[3] in "13")

# Source text that means a function needs the network or files that are not here.
NEEDS_OUTSIDE = {
    "load_data(": "downloads a Keras dataset",
    "_from_directory(": "reads an image folder",
    "flow_from_directory(": "reads an image folder",
    "load_model(": "loads a model file",
}


def _functions(path: Path) -> list[tuple[str, int, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and not (
            node.args.args or node.args.posonlyargs or node.args.kwonlyargs or node.args.vararg
        ):
            out.append((node.name, node.lineno, node.end_lineno or node.lineno))
    return out


def _select(path: Path) -> list[str] | None:
    first = path.read_text(encoding="utf-8").split("\n", 1)[0]
    return ["ALL"] if "select=ALL" in first else None


CASES = [
    pytest.param(path, name, start, end, id=f"{path.stem}::{name}")
    for path in FILES
    for name, start, end in _functions(path)
]

_MODULES: dict[Path, Any] = {}


def _module(path: Path) -> Any:
    if path not in _MODULES:
        spec = importlib.util.spec_from_file_location(f"_fixture_{path.stem}", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
        except ImportError as exc:  # e.g. tf_keras is not installed
            module = exc
        _MODULES[path] = module
    return _MODULES[path]


def _static_codes(path: Path, start: int, end: int, select: list[str] | None) -> Counter[str]:
    from xentlint.config import Config

    config = Config().with_overrides(select=tuple(select) if select else None)
    import xentlint

    found = xentlint.lint_source(path.read_text(encoding="utf-8"), str(path), config=config)
    return Counter(d.code for d in found if start <= d.line <= end and d.code in MODEL_CODES)


@pytest.mark.parametrize(("path", "name", "start", "end"), CASES)
def test_static_and_runtime_agree(path: Path, name: str, start: int, end: int) -> None:
    import keras

    import xentlint

    body = "\n".join(path.read_text(encoding="utf-8").splitlines()[start - 1 : end])
    for marker, reason in NEEDS_OUTSIDE.items():
        if marker in body:
            pytest.skip(f"{name}() {reason}")
    module = _module(path)
    if isinstance(module, ImportError):
        pytest.skip(f"the fixture cannot be imported here: {module}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            built = getattr(module, name)()
        except Exception as exc:  # noqa: BLE001 - a snippet that needs data or files
            pytest.skip(f"{name}() cannot run here: {type(exc).__name__}: {exc}"[:200])
    if not isinstance(built, keras.Model):
        pytest.skip(f"{name}() does not return a model")
    from xentlint.runtime.errors import CheckError

    select = _select(path)
    try:
        found = xentlint.check_model(built, probe=False, select=select)
    except CheckError as exc:
        pytest.skip(f"{name}(): nothing to check without running it: {exc}")
    runtime = Counter(d.code for d in found if d.code in MODEL_CODES)
    static = _static_codes(path, start, end, select)
    assert runtime == static, f"runtime {dict(runtime)} != static {dict(static)}"


def test_cases_were_collected() -> None:
    assert len(CASES) > 60
    assert sys.modules.get("xentlint") is not None
