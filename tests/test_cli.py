"""The command line: routing, exit codes, formats, config, stdin, rule pages, robustness."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import xentlint
from xentlint.catalog import RULES
from xentlint.cli import cli
from xentlint.diagnostics import RawFinding
from xentlint.output import use_color

REPO = Path(__file__).resolve().parent.parent
_MARK = re.compile(r"FIND\((XEN\d+)\)")


def fake_analyze(source: str, *_args: object) -> list[RawFinding]:
    """Report ``FIND(XEN...)`` markers where they stand (1-based line and column)."""
    if "CRASH" in source:
        raise RuntimeError("analyzer exploded")
    out = []
    for number, line in enumerate(source.split("\n"), start=1):
        for match in _MARK.finditer(line):
            code = match.group(1)
            out.append(
                RawFinding(
                    code,
                    f"fake {code} message",
                    number,
                    match.start() + 1,
                    number,
                    match.end() + 1,
                    "fake fix" if code == "XEN102" else None,
                )
            )
    return out


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with two findings in a.py, a clean b.py, and the fake analyzer."""
    monkeypatch.setattr("xentlint.static.analyze_source", fake_analyze)
    monkeypatch.setattr("xentlint.pipeline.screen", lambda *_a, **_k: None)  # every text analysed
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    (tmp_path / "a.py").write_text("x = 1\nloss = 'FIND(XEN102)'  # FIND(XEN105)\n")
    (tmp_path / "b.py").write_text("y = 2\n")
    return tmp_path


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), input=stdin)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


# --------------------------------------------------------------------------- check


def test_text_output_and_exit_1(project: Path) -> None:
    code, out, err = run("check", ".")
    assert code == 1
    assert out == (
        "a.py:2:9: XEN102 fake XEN102 message\n"
        "a.py:2:26: XEN105 fake XEN105 message\n"
        "Found 1 error, 1 warning in 1 file.\n"
    )
    assert err == ""


def test_check_is_the_default_command(project: Path) -> None:
    assert run("a.py") == run("check", "a.py")
    assert run("--select", "XEN105", "a.py")[1].startswith("a.py:2:26: XEN105")
    assert run()[0] == 1  # no argument: the current folder


def test_clean_exit_0_and_summary(project: Path) -> None:
    code, out, _ = run("b.py")
    assert (code, out) == (0, "All checks passed (1 file).\n")
    assert run("-q", "b.py")[:2] == (0, "")


def test_exit_zero_and_quiet(project: Path) -> None:
    code, out, _ = run("--exit-zero", "-q", "a.py")
    assert code == 0
    assert out.count("\n") == 2 and "Found" not in out


def test_select_ignore_extend_select(project: Path) -> None:
    assert "XEN105" not in run("--ignore", "XEN105", "a.py")[1]
    assert "XEN102" not in run("--ignore", "xen1", "--extend-select", "XEN105", "a.py")[1]
    code, out, _ = run("--ignore", "XEN1", "a.py")
    assert (code, out) == (0, "All checks passed (1 file).\n")
    code, out, _ = run("--select", "XEN2,XEN3", "--select", "XEN101", "a.py")
    assert code == 0


def test_unknown_selector_is_a_usage_error(project: Path) -> None:
    code, _, err = run("--select", "XEN999", "a.py")
    assert code == 2
    assert "unknown rule code or prefix 'XEN999'" in err
    assert run("check", "--ignore", "E501", ".")[0] == 2


def test_statistics(project: Path) -> None:
    (project / "c.py").write_text("a = 'FIND(XEN105)'\nb = 'FIND(XEN105)'\n")
    code, out, _ = run("--statistics", ".")
    assert code == 1
    assert out == (
        "3  XEN105  binary-loss-on-softmax\n"
        "1  XEN102  logits-into-probability-loss\n"
        "Found 1 error, 3 warnings in 2 files.\n"
    )
    _, out, _ = run("--statistics", "--output-format", "json", ".")
    assert json.loads(out) == [
        {"code": "XEN105", "name": "binary-loss-on-softmax", "severity": "W", "count": 3},
        {"code": "XEN102", "name": "logits-into-probability-loss", "severity": "E", "count": 1},
    ]


def test_json_output(project: Path) -> None:
    code, out, _ = run("--output-format", "json", "a.py")
    assert code == 1
    data = json.loads(out)
    assert data[0] == {
        "path": "a.py",
        "line": 2,
        "column": 9,
        "end_line": 2,
        "end_column": 21,
        "code": "XEN102",
        "name": "logits-into-probability-loss",
        "severity": "E",
        "message": "fake XEN102 message",
        "fix_title": "fake fix",
        "explanation": "",  # the fake gives none, and XEN102's are written per finding
        # the fake analyzer plans no fixes: the rule has a safe fix, not for this finding
        "fix": {"available": False, "safety": "safe"},
    }
    # No fix title (no explanation) from the analyzer: the catalog's is used.
    assert data[1]["fix_title"] == RULES["XEN105"].fix
    assert data[1]["explanation"] == RULES["XEN105"].explanation != ""
    assert [sorted(item) for item in data] == [sorted(data[0])] * 2


def test_json_notebook_has_cell(project: Path) -> None:
    document = {
        "cells": [
            {"cell_type": "markdown", "source": ["# intro"]},
            {"cell_type": "code", "source": ["%pip install keras\n", "l = 'FIND(XEN104)'\n"]},
        ]
    }
    (project / "nb.ipynb").write_text(json.dumps(document))
    code, out, _ = run("--output-format", "json", "nb.ipynb")
    assert code == 1
    [item] = json.loads(out)
    assert (item["cell"], item["line"], item["column"], item["code"]) == (2, 2, 6, "XEN104")
    _, text, _ = run("nb.ipynb")
    assert text.splitlines()[0] == "nb.ipynb:cell_2:2:6: XEN104 fake XEN104 message"


def test_paths_of_nested_files(project: Path) -> None:
    (project / "sub").mkdir()
    (project / "sub" / "c.py").write_text("'FIND(XEN201)'\n")
    _, out, _ = run("sub")
    assert out.splitlines()[0] == "sub/c.py:1:2: XEN201 fake XEN201 message"
    _, out, _ = run("./sub/")
    assert out.splitlines()[0] == "sub/c.py:1:2: XEN201 fake XEN201 message"


def test_stdin(project: Path) -> None:
    code, out, _ = run("--stdin-filename", "pkg/m.py", stdin="v = 'FIND(XEN203)'\n")
    assert code == 1
    assert out.splitlines() == [
        "pkg/m.py:1:6: XEN203 fake XEN203 message",
        "Found 1 error in 1 file.",
    ]
    code, out, _ = run("-", stdin="\n  'FIND(XEN101)'\n")
    assert code == 1
    assert out.splitlines()[0] == "-:2:4: XEN101 fake XEN101 message"
    # per-file-ignores apply to the stdin name
    (project / "pyproject.toml").write_text(
        '[tool.xentlint.per-file-ignores]\n"pkg/*" = ["XEN2"]\n'
    )
    assert run("--stdin-filename", "pkg/m.py", stdin="v = 'FIND(XEN203)'\n")[0] == 0


def test_missing_path_is_exit_2_but_others_are_linted(project: Path) -> None:
    code, out, err = run("nope.py", "a.py")
    assert code == 2
    assert "xentlint: error: nope.py: no such file or directory" in err
    assert "a.py:2:9: XEN102" in out
    assert run("nope.py")[:2] == (2, "")  # nothing checked: no summary either


def test_folder_without_python_files(project: Path) -> None:
    (project / "docs").mkdir()
    (project / "docs" / "x.md").write_text("hi")
    code, out, err = run("docs")
    assert (code, out) == (0, "")
    assert "no Python files found" in err
    assert run("-q", "docs")[2] == ""
    assert run("--output-format", "json", "docs")[:2] == (0, "[]\n")


def test_help_and_unknown_options() -> None:
    code, out, _ = run("--help")
    assert code == 0
    assert "check" in out and "rules" in out
    assert run("-h")[1] == out
    code, out, _ = run("check", "-h")
    assert code == 0 and "--stdin-filename" in out
    code, _, err = run("--no-such-option")
    assert code == 2
    assert "No such option '--no-such-option'" in err


def test_analyzer_crash_is_reported_per_file(project: Path) -> None:
    (project / "boom.py").write_text("CRASH\n")
    code, out, err = run(".")
    assert code == 2
    assert "xentlint: error: boom.py: internal error: RuntimeError: analyzer exploded" in err
    assert "a.py:2:9: XEN102" in out  # the other files are still reported
    assert "Traceback" not in out + err


def test_config_file_in_cwd(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.xentlint]\nignore = ["XEN105"]\n')
    _, out, _ = run("a.py")
    assert "XEN105" not in out and "XEN102" in out
    # the command line's --select replaces the configured set and its ignores
    assert "XEN105" in run("--select", "XEN1", "a.py")[1]


def test_explicit_config_option(project: Path) -> None:
    (project / "ci.toml").write_text('select = ["XEN105"]\n')
    _, out, _ = run("--config", "ci.toml", "a.py")
    assert "XEN105" in out and "XEN102" not in out
    code, _, err = run("--config", "missing.toml", "a.py")
    assert code == 2
    assert "config file not found" in err


def test_bad_config_is_exit_2(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.xentlint]\nselect = ["XEN1", "BAD"]\n')
    code, out, err = run("a.py")
    assert (code, out) == (2, "")
    assert err.startswith("xentlint: error: ")
    assert "select: unknown rule code or prefix 'BAD'" in err


def test_excluded_folders_are_skipped_unless_named(project: Path) -> None:
    (project / "build").mkdir()
    (project / "build" / "gen.py").write_text("'FIND(XEN201)'\n")
    assert "build/gen.py" not in run(".")[1]
    assert "build/gen.py:1:2: XEN201" in run("build/gen.py")[1]


def test_syntax_error_and_unreadable_files_do_not_stop_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a_bad.py").write_text("def f(:\n")
    (tmp_path / "b_bin.py").write_bytes(b"\x7fELF\x00\x00\x01")
    (tmp_path / "c_nb.ipynb").write_text("{oops")
    (tmp_path / "d_deep.py").write_text("x = " + "(" * 500 + ")" * 500 + "\n")
    (tmp_path / "e_ok.py").write_text("import keras\n")
    code, out, err = run(".")
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("a_bad.py:1:7: XEN901 syntax error")
    assert lines[1] == "b_bin.py:1:1: XEN902 unreadable file: binary content (NUL bytes)"
    assert lines[2].startswith("c_nb.ipynb:1:2: XEN902 unreadable file: malformed notebook")
    assert lines[3].startswith("d_deep.py:1:")  # too deeply nested for the parser: XEN901
    assert " XEN901 " in lines[3]
    assert lines[4] == (
        "No findings in 1 file; 4 files could not be analysed (syntax errors: 2, unreadable: 2)."
    )
    assert err == ""


# --------------------------------------------------------------------------- rule / rules


def test_rule_prints_the_page() -> None:
    page = (REPO / "rules" / "XEN101.md").read_text(encoding="utf-8")
    code, out, _ = run("rule", "XEN101")
    assert code == 0
    assert out == page
    assert run("rule", "xen101")[1] == page


def test_rule_prefers_the_packaged_pages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "site" / "xentlint"
    (package / "_rules").mkdir(parents=True)
    (tmp_path / "site" / "rules").mkdir()
    (package / "_rules" / "XEN103.md").write_text("packaged page\n")
    (tmp_path / "site" / "rules" / "XEN103.md").write_text("repository page\n")
    monkeypatch.setattr(xentlint, "__file__", str(package / "__init__.py"))
    assert run("rule", "XEN103")[1] == "packaged page\n"
    (package / "_rules" / "XEN103.md").unlink()
    assert run("rule", "XEN103")[1] == "repository page\n"
    (tmp_path / "site" / "rules" / "XEN103.md").unlink()
    code, out, err = run("rule", "XEN103")
    assert code == 0
    assert out.startswith("# XEN103 softmax-over-one-unit")
    assert "no page found" in err


def test_rule_unknown_code() -> None:
    code, out, err = run("rule", "XEN999")
    assert (code, out) == (2, "")
    assert "xentlint: error: unknown rule 'XEN999'" in err


def test_rules_table() -> None:
    code, out, _ = run("rules")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["CODE", "NAME", "SEVERITY", "DEFAULT", "FIX"]
    assert len(lines) == 1 + len(RULES)
    assert lines[1].split() == ["XEN101", "double-activation", "error", "on", "unsafe"]
    assert "XEN301  prefer-logits-output" in out
    row_301 = next(line for line in lines if line.startswith("XEN301"))
    assert row_301.split() == ["XEN301", "prefer-logits-output", "suggestion", "off", "unsafe"]
    # aligned: every row's NAME column starts where the header's does
    column = lines[0].index("NAME")
    assert all(line[column - 2 : column] == "  " and line[column] != " " for line in lines)


def test_rules_json() -> None:
    _, out, _ = run("rules", "--output-format", "json")
    data = json.loads(out)
    assert [item["code"] for item in data] == list(RULES)
    xen102 = data[1]
    assert (xen102["name"], xen102["severity"], xen102["default_enabled"]) == (
        "logits-into-probability-loss",
        "E",
        True,
    )
    assert xen102["fix_safety"] == "safe"


def test_version() -> None:
    code, out, _ = run("--version")
    assert (code, out) == (0, f"xentlint {xentlint.__version__}\n")
    text = (REPO / "pyproject.toml").read_text()
    assert f'version = "{xentlint.__version__}"' in text


# --------------------------------------------------------------------------- colors


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_color_only_on_a_tty_without_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert use_color(_Tty()) is True
    assert use_color(io.StringIO()) is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert use_color(_Tty()) is False


def test_colored_text_format() -> None:
    from xentlint.diagnostics import Diagnostic
    from xentlint.output import OutputOptions, format_text

    diagnostic = Diagnostic("m.py", 1, 2, 1, 3, "XEN101", "double-activation", "E", "msg")
    plain, colored = io.StringIO(), io.StringIO()
    format_text([diagnostic], OutputOptions(files=1), plain)
    format_text([diagnostic], OutputOptions(files=1, color=True), colored)
    assert plain.getvalue() == "m.py:1:2: XEN101 msg\nFound 1 error in 1 file.\n"
    assert "\x1b[" in colored.getvalue()
    assert re.sub(r"\x1b\[[0-9;]*m", "", colored.getvalue()) == plain.getvalue()


# --------------------------------------------------------------------------- real processes


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("NO_COLOR", None)
    env.pop("XENTLINT_DEBUG", None)
    return env


def _run_process(args: list[str], cwd: Path, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        args, cwd=cwd, env=_env(), input=stdin, capture_output=True, text=True, timeout=120
    )


def test_python_m_exit_codes(tmp_path: Path) -> None:
    (tmp_path / "ok.py").write_text("import keras\n")
    (tmp_path / "bad.py").write_text("x = (\n")
    python = [sys.executable, "-m", "xentlint"]
    clean = _run_process([*python, "ok.py"], tmp_path)
    assert (clean.returncode, clean.stdout) == (0, "All checks passed (1 file).\n")
    found = _run_process([*python, "check", "bad.py"], tmp_path)
    assert found.returncode == 1
    assert found.stdout.startswith("bad.py:1:5: XEN901 syntax error")
    assert "\x1b[" not in found.stdout  # piped: no color
    missing = _run_process([*python, "missing.py"], tmp_path)
    assert missing.returncode == 2
    assert "xentlint: error: missing.py: no such file or directory" in missing.stderr
    usage = _run_process([*python, "--select", "NOPE"], tmp_path)
    assert usage.returncode == 2
    assert "Traceback" not in usage.stderr
    piped = _run_process([*python, "--stdin-filename", "x.py"], tmp_path, stdin="x = (\n")
    assert (piped.returncode, piped.stdout.split(":")[:2]) == (1, ["x.py", "1"])


def test_installed_executable(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "xentlint"
    if not script.exists():
        found = shutil.which("xentlint")
        if found is None:
            pytest.skip("xentlint is not installed in this environment")
        script = Path(found)
    (tmp_path / "bad.py").write_text("x = (\n")
    (tmp_path / "ok.py").write_text("x = 1\n")
    assert _run_process([str(script), "ok.py"], tmp_path).returncode == 0
    assert _run_process([str(script), "bad.py"], tmp_path).returncode == 1
    assert _run_process([str(script), "--exit-zero", "bad.py"], tmp_path).returncode == 0
    assert _run_process([str(script), "nope"], tmp_path).returncode == 2


_HEAVY = ("tensorflow", "keras", "numpy", "libcst")


def test_import_cli_stays_light(tmp_path: Path) -> None:
    code = (
        "import sys, xentlint.cli\n"
        f"heavy = sorted(m for m in sys.modules if m.split('.')[0] in {_HEAVY!r})\n"
        "print(','.join(heavy))\n"
    )
    result = _run_process([sys.executable, "-c", code], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def test_import_xentlint_is_lazy(tmp_path: Path) -> None:
    code = (
        "import sys, xentlint\n"
        "assert 'xentlint.lint' not in sys.modules\n"
        "from xentlint import lint_source, lint_paths, Diagnostic\n"
        "assert 'xentlint.lint' in sys.modules\n"
        "print([d.code for d in lint_source('x = (')], callable(lint_paths), Diagnostic.__name__)\n"
    )
    result = _run_process([sys.executable, "-c", code], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['XEN901'] True Diagnostic"


def test_lint_paths_api(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text("x = (\n")
    [diagnostic] = xentlint.lint_paths([tmp_path])
    assert diagnostic.path == str(tmp_path / "bad.py")
    assert (diagnostic.code, diagnostic.line, diagnostic.column) == ("XEN901", 1, 5)
    from xentlint.lint import XentlintError

    with pytest.raises(XentlintError, match="no such file"):
        xentlint.lint_paths([tmp_path / "missing.py"])
