"""The flake8 plugin, run through real flake8 subprocesses and compared with `xentlint check`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from click.testing import CliRunner

from xentlint.cli import cli

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

REPO = Path(__file__).resolve().parent.parent
ENTRY_POINT = "xentlint.flake8_plugin:XentlintChecker"
_LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<code>[A-Z]+\d+) (?P<text>.*)$")

Finding = tuple[str, int, int, str]


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """flake8's environment. Where the project was installed before the entry point existed,
    a throwaway dist-info on PYTHONPATH declares the same entry point (CI installs afresh)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLAKE8")}
    registered = {ep.name: ep.value for ep in entry_points(group="flake8.extension")}
    if registered.get("XEN") != ENTRY_POINT:
        shim = tmp_path_factory.mktemp("flake8-shim")
        info = shim / "xentlint_flake8_shim-0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            "Metadata-Version: 2.1\nName: xentlint-flake8-shim\nVersion: 0\n"
        )
        (info / "entry_points.txt").write_text(f"[flake8.extension]\nXEN = {ENTRY_POINT}\n")
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(shim), env.get("PYTHONPATH")]))
    return env


def flake8(
    env: dict[str, str], *args: str, cwd: Path = REPO, stdin: str | None = None
) -> tuple[int, list[re.Match[str]]]:
    process = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", *args],
        cwd=cwd,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert process.stderr == "", process.stderr
    matches = [_LINE.match(line) for line in process.stdout.splitlines()]
    assert all(matches), process.stdout
    return process.returncode, [m for m in matches if m is not None]


def xen(matches: list[re.Match[str]]) -> set[Finding]:
    return {
        (m["path"], int(m["line"]), int(m["col"]), m["code"])
        for m in matches
        if m["code"].startswith("XEN")
    }


def xentlint(*args: str) -> set[Finding]:
    """`xentlint check --output-format json ARGS` on the fixtures' Python files (less their
    syntax errors: flake8 reports a file that does not parse itself, E999, and runs no plugin
    on it)."""
    result = CliRunner().invoke(cli, ["check", "--output-format", "json", *args, "fixtures"])
    assert result.exit_code in (0, 1), result.output
    return {
        (d["path"], d["line"], d["column"], d["code"])
        for d in json.loads(result.stdout)
        if d["path"].endswith(".py") and d["code"] != "XEN901"
    }


@pytest.fixture(autouse=True)
def _keep_cwd(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


def test_the_entry_point_is_declared() -> None:
    data = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert data["project"]["entry-points"]["flake8.extension"] == {"XEN": ENTRY_POINT}


def test_flake8_lists_the_plugin(env: dict[str, str]) -> None:
    version = subprocess.run(
        [sys.executable, "-m", "flake8", "--version"], env=env, capture_output=True, text=True
    )
    assert "xentlint" in version.stdout


def test_select_xen_reports_what_xentlint_reports(env: dict[str, str]) -> None:
    code, matches = flake8(env, "--select", "XEN", "fixtures")
    assert code == 1
    assert {m["code"][:3] for m in matches} == {"XEN"}
    # XEN903 (unused noqa) is xentlint's alone: flake8 applies noqa after the plugins ran
    expected = {f for f in xentlint("--select", "XEN") if f[3] != "XEN903"}
    assert xen(matches) == expected
    assert {f[3] for f in expected} >= {"XEN101", "XEN102", "XEN103", "XEN201", "XEN301"}
    # A hand-checked column: fixtures/article.py line 36 is
    # `print(tf.keras.losses.CategoricalCrossentropy()(...` and the loss starts at column 7.
    assert ("fixtures/article.py", 36, 7, "XEN102") in xen(matches)
    texts = {m["text"] for m in matches if m["path"] == "fixtures/article.py" and m["line"] == "36"}
    assert any(t.startswith("CategoricalCrossentropy() expects probabilities") for t in texts)


def test_default_run_keeps_xen301_off(env: dict[str, str]) -> None:
    _, matches = flake8(env, "fixtures")
    found = xen(matches)
    assert found == xentlint()
    assert not any(f[3] == "XEN301" for f in found)
    assert any(m["code"][0] in "EWF" for m in matches)  # flake8's own checks still run


def test_ignore_and_extend_select(env: dict[str, str]) -> None:
    # --ignore replaces flake8's default ignore list; XEN301 must stay off all the same.
    _, matches = flake8(env, "--ignore", "XEN102", "fixtures")
    assert xen(matches) == xentlint("--ignore", "XEN102")
    assert not any(f[3] in ("XEN102", "XEN301") for f in xen(matches))
    _, matches = flake8(env, "--extend-select", "XEN301", "fixtures")
    found = xen(matches)
    assert found == xentlint("--extend-select", "XEN301")
    assert any(f[3] == "XEN301" for f in found) and any(f[3] == "XEN101" for f in found)


def test_noqa_is_flake8s(env: dict[str, str], tmp_path: Path) -> None:
    source = (REPO / "fixtures" / "rules" / "xen103.py").read_text(encoding="utf-8")
    lines = source.splitlines()
    # Line 20 carries an XEN103 finding (column 38); silence it three ways in three copies.
    assert "activation=" in lines[19]
    variants = {
        "code.py": "  # noqa: XEN103",
        "prefix.py": "  # noqa:XEN1",
        "bare.py": "  # noqa",
        "other.py": "  # noqa: E501",
    }
    for name, comment in variants.items():
        edited = lines.copy()
        edited[19] = edited[19].split("  #")[0] + comment
        (tmp_path / name).write_text("\n".join(edited) + "\n", encoding="utf-8")
    before = {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()}

    _, matches = flake8(env, "--select", "XEN", ".", cwd=tmp_path)
    on_20 = {m["path"] for m in matches if m["line"] == "20"}
    assert on_20 == {"./other.py"}
    assert {m["path"] for m in matches} == {f"./{name}" for name in variants}

    _, matches = flake8(env, "--select", "XEN", "--disable-noqa", ".", cwd=tmp_path)
    on_20 = {(m["path"], m["col"], m["code"]) for m in matches if m["line"] == "20"}
    assert on_20 == {(f"./{name}", "38", "XEN103") for name in variants}
    # flake8 never fixes: the files are untouched.
    assert {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()} == before


def test_stdin(env: dict[str, str]) -> None:
    source = (REPO / "fixtures" / "rules" / "xen103.py").read_text(encoding="utf-8")
    _, matches = flake8(
        env, "--select", "XEN", "--stdin-display-name", "train.py", "-", stdin=source
    )
    expected = {
        ("train.py", line, col, code)
        for path, line, col, code in xentlint("--select", "XEN")
        if path == "fixtures/rules/xen103.py"
    }
    assert xen(matches) == expected and expected


def test_a_notebook_named_explicitly(env: dict[str, str]) -> None:
    _, matches = flake8(env, "--select", "XEN", "fixtures/notebooks/double_softmax.ipynb")
    # Hand-checked in tests/test_nbmap.py and test_ci_output.py: cell 3 line 4 column 28
    # is line 36 column 33 of the file; cell 7 line 4 column 27 is line 86 column 32.
    assert [(m["line"], m["col"], m["code"]) for m in matches] == [
        ("36", "33", "XEN101"),
        ("86", "32", "XEN103"),
    ]
    assert matches[0]["text"].startswith("cell 3, line 4, col 28: softmax is applied twice")


def test_plugin_class_directly() -> None:
    """In-process: 0-based columns, the XEN301 gate, unreadable text."""
    import argparse

    from xentlint.flake8_plugin import XentlintChecker

    source = (REPO / "fixtures" / "rules" / "xen301.py").read_text(encoding="utf-8")
    lines = source.splitlines(keepends=True)
    try:
        XentlintChecker.parse_options(argparse.Namespace(select=None, extend_select=None))
        quiet = list(XentlintChecker(None, lines, "xen301.py").run())  # type: ignore[arg-type]
        XentlintChecker.parse_options(argparse.Namespace(select=["E", "XEN3"], extend_select=[]))
        loud = list(XentlintChecker(None, lines, "xen301.py").run())  # type: ignore[arg-type]
    finally:
        XentlintChecker.parse_options(argparse.Namespace(select=None, extend_select=None))
    assert not any(text.startswith("XEN301") for _, _, text, _ in quiet)
    from xentlint import lint_source
    from xentlint.config import Config

    expected = {
        (d.line, d.column - 1, d.code)
        for d in lint_source(source, "xen301.py", config=Config(select=("ALL",)))
    }
    assert {(line, col, text.split()[0]) for line, col, text, _ in loud} == expected
    assert any(code == "XEN301" for _, _, code in expected)
    assert all(kind is XentlintChecker for *_, kind in loud)

    binary = list(XentlintChecker(None, ["x = 1\x00\n"], "nul.py").run())  # type: ignore[arg-type]
    assert [(line, col, text.split(":")[0]) for line, col, text, _ in binary] == [
        (1, 0, "XEN902 unreadable file")
    ]
