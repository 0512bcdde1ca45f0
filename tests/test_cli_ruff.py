"""What a ruff user expects of ``xentlint check``: fix flags and marks, output formats,
``--output-file``, ``--color``, file selection, ``--show-files``/``--show-settings``,
``--isolated``, per-file ignores on the command line, grouped ``--help``.

The expected texts were written by hand from ruff's own output for the same situations
(ruff 0.17), in xentlint's words where xentlint counts differently.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from xentlint.catalog import RULES
from xentlint.cli import cli
from xentlint.diagnostics import RawFinding

_MARK = re.compile(r"FIND\((XEN\d+)\)")

BROKEN = """\
import keras

model = keras.Sequential([keras.layers.Dense(10)])
model.compile(loss="categorical_crossentropy")
one = keras.Sequential([keras.layers.Dense(1, activation="softmax")])
one.compile(loss="binary_crossentropy")
"""
SAFE = BROKEN.replace(
    'loss="categorical_crossentropy"', "loss=keras.losses.CategoricalCrossentropy(from_logits=True)"
)
UNSAFE = SAFE.replace('activation="softmax"', 'activation="sigmoid"')


def fake_analyze(source: str, *_args: object) -> list[RawFinding]:
    out = []
    for number, line in enumerate(source.split("\n"), start=1):
        for match in _MARK.finditer(line):
            code = match.group(1)
            title = "fake fix" if code == "XEN102" else None
            # XEN102's comes with its own explanation, XEN105's is the rule's
            why = "fake XEN102 explanation" if code == "XEN102" else ""
            start, end = match.start() + 1, match.end() + 1
            out.append(
                RawFinding(
                    code, f"fake {code} message", number, start, number, end, title,
                    explanation=why,
                )
            )  # fmt: skip
    return out


def run(*args: str, stdin: str | None = None, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(cli, list(args), input=stdin, env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr("xentlint.static.analyze_source", fake_analyze)
    monkeypatch.setattr("xentlint.pipeline.screen", lambda *_a, **_k: None)  # every text analysed
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    (tmp_path / "a.py").write_text("x = 1\nloss = 'FIND(XEN102)'  # FIND(XEN105)\n")
    (tmp_path / "b.py").write_text("y = 2\n")
    return tmp_path


@pytest.fixture
def real(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    (tmp_path / "train.py").write_text(BROKEN)
    return tmp_path


# --------------------------------------------------------------------------- formats


def test_full_format_underlines_the_range_and_gives_the_fix(fake: Path) -> None:
    code, out, _ = run("--output-format", "full", "a.py")
    assert code == 1
    source = "2 | loss = 'FIND(XEN102)'  # FIND(XEN105)"
    assert RULES["XEN105"].explanation  # a finding without its own shows the rule's
    assert out == "\n".join(
        [
            "a.py:2:9: XEN102 fake XEN102 message",
            "  |",
            source,
            "  | " + " " * 8 + "^" * 12,
            "  |",
            "why: fake XEN102 explanation",
            "help: fake fix",
            "",
            "a.py:2:26: XEN105 fake XEN105 message",
            "  |",
            source,
            "  | " + " " * 25 + "^" * 12,
            "  |",
            f"why: {RULES['XEN105'].explanation}",
            f"help: {RULES['XEN105'].fix}",
            "",
            "Found 1 error, 1 warning in 1 file.",
            "",
        ]
    )


def test_full_format_multi_line_ranges_tabs_and_notebook_cells(fake: Path) -> None:
    (fake / "m.py").write_text("call(\n\t'FIND(XEN101)'\n)\n")
    _, out, _ = run("--output-format", "full", "m.py")
    # a tab is shown as spaces, and the carets stay under the marked text
    assert out.splitlines()[1:4] == ["  |", "2 |     'FIND(XEN101)'", "  |      " + "^" * 12]
    cells = [
        {"cell_type": "markdown", "source": ["# t"]},
        {"cell_type": "code", "source": ["%time x = 1\n", "y = 'FIND(XEN103)'\n"]},
    ]
    (fake / "nb.ipynb").write_text(json.dumps({"cells": cells}))
    _, out, _ = run("--output-format", "full", "nb.ipynb")
    assert out.splitlines()[:4] == [
        "nb.ipynb:cell_2:2:6: XEN103 fake XEN103 message",
        "  |",
        "2 | y = 'FIND(XEN103)'",  # the cell's line, numbered in the cell
        "  |      " + "^" * 12,
    ]


def test_full_format_on_stdin_shows_the_stdin_lines(fake: Path) -> None:
    code, out, _ = run(
        "--output-format", "full", "--stdin-filename", "a.py", stdin="\n\nv = 'FIND(XEN203)'\n"
    )
    assert code == 1
    # the file a.py on disk is not what was linted: the excerpt comes from stdin
    assert out.splitlines()[:4] == [
        "a.py:3:6: XEN203 fake XEN203 message",
        "  |",
        "3 | v = 'FIND(XEN203)'",
        "  |      " + "^" * 12,
    ]


def test_grouped_and_pylint_formats(fake: Path) -> None:
    (fake / "c.py").write_text("'FIND(XEN201)'\n" * 10 + "'FIND(XEN202)'\n")
    code, out, _ = run("--output-format", "grouped", ".")
    assert code == 1
    assert out == (
        "a.py:\n"
        "  2:9  XEN102 fake XEN102 message\n"
        "  2:26 XEN105 fake XEN105 message\n"
        "\n"
        "c.py:\n"
        + "".join(
            f"  {n}:2{' ' if n < 10 else ''} XEN201 fake XEN201 message\n" for n in range(1, 11)
        )
        + "  11:2 XEN202 fake XEN202 message\n"
        "\n"
        "Found 12 errors, 1 warning in 2 files.\n"
    )
    code, out, _ = run("--output-format", "pylint", "a.py")
    assert code == 1
    assert out == "a.py:2: [XEN102] fake XEN102 message\na.py:2: [XEN105] fake XEN105 message\n"


def test_concise_is_the_default_and_text_its_old_name(fake: Path) -> None:
    default = run("a.py")
    assert default == run("--output-format", "concise", "a.py")
    assert default == run("--output-format", "text", "a.py")
    assert "text" not in run("check", "--help")[1].split("--output-format", 1)[1].split("\n")[0]


# --------------------------------------------------------------------------- fixes


def test_fixable_findings_are_marked_and_counted(real: Path) -> None:
    code, out, _ = run("train.py")
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("train.py:4:20: XEN102 [*] ")
    assert lines[1].startswith("train.py:5:47: XEN103 softmax")  # unsafe: not marked
    assert lines[2:] == [
        "Found 2 errors in 1 file.",
        "[*] 1 fixable with `--fix` (1 unsafe fix available with `--fix --unsafe-fixes`).",
    ]
    _, out, _ = run("--ignore", "XEN102", "train.py")
    assert out.splitlines()[-1] == "1 unsafe fix available with `--fix --unsafe-fixes`."
    _, out, _ = run("--ignore", "XEN103", "train.py")
    assert out.splitlines()[-1] == "[*] 1 fixable with `--fix`."
    assert (real / "train.py").read_text() == BROKEN


def test_no_fix_cancels_fix(real: Path) -> None:
    assert run("--fix", "--no-fix", "train.py") == run("train.py")
    assert (real / "train.py").read_text() == BROKEN
    run("--no-fix", "--fix", "train.py")  # the last one wins, as in ruff
    assert (real / "train.py").read_text() == SAFE


def test_fix_only_reports_the_fixes_not_the_findings(real: Path) -> None:
    code, out, err = run("--fix-only", "train.py")
    assert (code, err) == (0, "")
    assert out == "Fixed 1 finding (1 additional fix available with `--unsafe-fixes`).\n"
    assert (real / "train.py").read_text() == SAFE
    code, out, _ = run("--fix-only", "--exit-non-zero-on-fix", "train.py")
    assert (code, out) == (
        0,
        "No findings fixed (1 additional fix available with `--unsafe-fixes`).\n",
    )
    code, out, _ = run("--fix-only", "--unsafe-fixes", "--exit-non-zero-on-fix", "train.py")
    assert (code, out) == (1, "Fixed 1 finding.\n")
    assert (real / "train.py").read_text() == UNSAFE


def test_exit_non_zero_on_fix(real: Path) -> None:
    code, out, _ = run("--fix", "--unsafe-fixes", "train.py")
    assert (code, out) == (0, "All checks passed (1 file).\n")  # everything fixed: 0
    (real / "train.py").write_text(BROKEN)
    code, out, _ = run("--fix", "--unsafe-fixes", "--exit-non-zero-on-fix", "train.py")
    assert (code, out) == (1, "All checks passed (1 file).\n")
    assert run("--fix", "--exit-non-zero-on-fix", "train.py")[0] == 0  # nothing to fix


# --------------------------------------------------------------------------- output file, color


def test_output_file_gets_the_whole_report(fake: Path) -> None:
    code, out, err = run("-o", "reports/lint.txt", "a.py")
    assert (code, out, err) == (1, "", "")
    assert (fake / "reports" / "lint.txt").read_text() == (
        "a.py:2:9: XEN102 fake XEN102 message\n"
        "a.py:2:26: XEN105 fake XEN105 message\n"
        "Found 1 error, 1 warning in 1 file.\n"
    )
    run("--output-file", "reports/lint.txt", "--output-format", "json", "b.py")
    assert json.loads((fake / "reports" / "lint.txt").read_text()) == []
    assert sorted(os.listdir(fake / "reports")) == ["lint.txt"]  # no temporary left


def test_output_file_that_cannot_be_written(fake: Path) -> None:
    code, out, err = run("--output-file", "b.py/report.txt", "a.py")  # b.py is a file
    assert (code, out) == (2, "")
    assert "xentlint: error: b.py/report.txt: cannot write: " in err
    assert (fake / "b.py").read_text() == "y = 2\n"
    (fake / "folder").mkdir()
    assert run("--output-file", "folder", "a.py")[0] == 2  # a usage error


def test_color_always_never_and_the_environment(fake: Path) -> None:
    colored = run("--color", "always", "a.py")[1]
    assert "\x1b[" in colored
    assert "\x1b[" not in run("--color", "never", "a.py", env={"FORCE_COLOR": "1"})[1]
    assert "\x1b[" in run("a.py", env={"FORCE_COLOR": "1"})[1]  # auto, not a terminal
    assert "\x1b[" not in run("a.py", env={"FORCE_COLOR": "1", "NO_COLOR": "1"})[1]
    assert "\x1b[" in run("--color", "always", "a.py", env={"NO_COLOR": "1"})[1]
    assert "\x1b[" not in run("a.py", env={"FORCE_COLOR": ""})[1]
    assert re.sub(r"\x1b\[[0-9;]*m", "", colored) == run("a.py")[1]


# --------------------------------------------------------------------------- files


def _tree(root: Path) -> None:
    for name in ("src/m.py", "src/gen/g.py", "build/b.py", "tests/t.py"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("v = 'FIND(XEN202)'\n")


def test_show_files(fake: Path) -> None:
    _tree(fake)
    code, out, _ = run("--show-files", ".")
    assert code == 0
    assert out.splitlines() == ["a.py", "b.py", "src/gen/g.py", "src/m.py", "tests/t.py"]
    _, out, _ = run("--show-files", "--extend-exclude", "gen,tests/*", ".")
    assert out.splitlines() == ["a.py", "b.py", "src/m.py"]
    _, out, _ = run("--show-files", "--exclude", "a.py", ".")  # replaces the defaults
    assert out.splitlines() == ["b.py", "build/b.py", "src/gen/g.py", "src/m.py", "tests/t.py"]
    code, _, err = run("--show-files", "missing.py")
    assert code == 2 and "missing.py: no such file or directory" in err


def test_exclude_patterns_from_a_subfolder_are_relative_to_it(fake: Path, monkeypatch) -> None:
    _tree(fake)
    (fake / "pyproject.toml").write_text("[tool.xentlint]\n")
    monkeypatch.chdir(fake / "src")
    _, out, _ = run("--show-files", "--extend-exclude", "gen/*.py", ".")
    assert out.splitlines() == ["m.py"]


def test_force_exclude_applies_excludes_to_named_files(fake: Path) -> None:
    _tree(fake)
    (fake / "pyproject.toml").write_text('[tool.xentlint]\nextend-exclude = ["src/gen"]\n')
    named = ("src/gen/g.py", "build/b.py", "src/m.py")
    assert run("--show-files", *named)[1].splitlines() == list(named)
    code, out, _ = run("--force-exclude", *named)
    assert code == 1
    assert [line.split(":")[0] for line in out.splitlines()[:-1]] == ["src/m.py"]
    code, out, err = run("--force-exclude", "build/b.py")
    assert (code, out) == (0, "") and "no Python files found" in err
    # the configuration can ask for it, and --no-force-exclude undoes it
    (fake / "pyproject.toml").write_text("[tool.xentlint]\nforce-exclude = true\n")
    assert run("build/b.py")[0] == 0
    assert run("--no-force-exclude", "build/b.py")[0] == 1
    # stdin named like an excluded file: nothing linted; with --fix the source comes back
    assert run("--stdin-filename", "build/x.py", stdin="'FIND(XEN101)'\n")[0] == 0
    code, out, _ = run("--fix", "--stdin-filename", "build/x.py", stdin="'FIND(XEN101)'\n")
    assert (code, out) == (0, "'FIND(XEN101)'\n")


def test_per_file_ignores_on_the_command_line(fake: Path) -> None:
    _tree(fake)
    (fake / "pyproject.toml").write_text('[tool.xentlint.per-file-ignores]\n"tests/*" = ["XEN2"]\n')

    def found(*args: str) -> list[str]:
        out = run(*args, "src", "tests")[1]
        return sorted(line.split(":")[0] for line in out.splitlines() if ": XEN" in line)

    assert found() == ["src/gen/g.py", "src/m.py"]
    assert found("--extend-per-file-ignores", "src/gen/*:XEN202") == ["src/m.py"]
    # --per-file-ignores replaces the configured table
    assert found("--per-file-ignores", "src/gen/*:XEN202") == ["src/m.py", "tests/t.py"]
    assert found("--per-file-ignores", "m.py:XEN1,m.py:XEN202,g.py:XEN101") == [
        "src/gen/g.py",
        "tests/t.py",
    ]
    assert found("--per-file-ignores", "*.py:XEN101,XEN202") == []  # a bare code adds to a pair
    code, _, err = run("--per-file-ignores", "tests/*", ".")
    assert code == 2 and "is not PATTERN:CODE" in err
    code, _, err = run("--per-file-ignores", "tests/*:E501", ".")
    assert code == 2 and "unknown rule code or prefix 'E501'" in err


def test_isolated_ignores_the_config_file(fake: Path) -> None:
    (fake / "pyproject.toml").write_text('[tool.xentlint]\nignore = ["XEN1"]\n')
    assert "XEN102" not in run("a.py")[1]
    assert "XEN102" in run("--isolated", "a.py")[1]
    (fake / "pyproject.toml").write_text("[tool.xentlint]\nselect = [\n")  # broken: unread
    assert run("--isolated", "a.py")[0] == 1
    code, _, err = run("--isolated", "--config", "pyproject.toml", "a.py")
    assert code == 2 and "--isolated cannot be used with --config" in err


def test_show_settings(fake: Path) -> None:
    (fake / "pyproject.toml").write_text(
        '[tool.xentlint]\nignore = ["XEN105"]\n'
        '[tool.xentlint.per-file-ignores]\n"a.py" = ["XEN2"]\n'
    )
    code, out, _ = run("--show-settings", "--select", "XEN1", ".")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == f'Resolved settings for: "{fake / "a.py"}"'
    assert lines[1] == f'Settings path: "{fake / "pyproject.toml"}"'
    assert 'ignore = ["XEN105"]' in lines
    assert '# command line: select = ["XEN1"]' in lines
    enabled = out.split("enabled = [\n", 1)[1].split("]", 1)[0]
    assert '\t"XEN105",  # binary-loss-on-softmax' in enabled.splitlines()  # --select wins
    assert '\t"XEN201",' not in enabled
    assert 'ignored for this file = ["XEN2"]' in lines
    assert "force-exclude = false" in lines
    _, out, _ = run("--show-settings", "--isolated", "b.py")
    assert out.splitlines()[1] == "Settings path: none (--isolated)"
    code, _, err = run("--show-settings", "--show-files", ".")
    assert code == 2 and "cannot be used with" in err


# --------------------------------------------------------------------------- help


def test_help_groups_the_options_and_explains_config_and_exit_codes() -> None:
    code, out, _ = run("check", "--help")
    assert code == 0
    headings = [line for line in out.splitlines() if re.fullmatch(r"[A-Z][a-z ]+:", line)]
    assert headings == [
        "Rule selection:",
        "Fixes:",
        "Output:",
        "Files:",
        "Configuration:",
        "Performance:",
        "Other options:",
    ]
    fixes = out.split("Fixes:", 1)[1].split("Output:", 1)[0]
    for option in ("--fix / --no-fix", "--unsafe-fixes", "--fix-only", "--diff", "--add-noqa"):
        assert option in fixes
    flat = " ".join(out.split())
    assert "the nearest pyproject.toml with a [tool.xentlint] table" in flat
    assert "Exit status: 0 no findings" in flat and "130 interrupted" in flat
    top = " ".join(run("--help")[1].split())
    assert "Exit status: 0 no findings" in top
