"""The CI formats: SARIF 2.1.0 (checked against the OASIS schema), GitHub and GitLab."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from xentlint.catalog import RULES
from xentlint.ci_output import (
    GITLAB_SEVERITIES,
    SARIF_LEVELS,
    escape_data,
    escape_property,
    fingerprints,
)
from xentlint.cli import cli
from xentlint.diagnostics import Diagnostic

REPO = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((REPO / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())
NOTEBOOK = REPO / "fixtures" / "notebooks" / "double_softmax.ipynb"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout


def diagnostic(
    path: str = "src/train.py",
    line: int = 3,
    column: int = 5,
    code: str = "XEN102",
    message: str = "a message",
    cell: int | None = None,
) -> Diagnostic:
    rule = RULES[code]
    return Diagnostic(
        path=path,
        line=line,
        column=column,
        end_line=line,
        end_column=column + 4,
        code=code,
        name=rule.name,
        severity=rule.severity,
        message=message,
        cell=cell,
    )


def validate_sarif(log: dict[str, Any]) -> None:
    validator = jsonschema.Draft4Validator(SCHEMA)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(log)]
    assert errors == []


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(REPO)
    return REPO


# --------------------------------------------------------------------------- SARIF


def test_the_schema_is_the_official_one() -> None:
    assert SCHEMA["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    assert SCHEMA["id"].startswith("https://docs.oasis-open.org/sarif/sarif/v2.1.0/")
    jsonschema.Draft4Validator.check_schema(SCHEMA)
    # The validator is not a rubber stamp: a wrong version and a bad level are rejected.
    validator = jsonschema.Draft4Validator(SCHEMA)
    assert not validator.is_valid({"version": "2.0.0", "runs": []})
    assert not validator.is_valid(
        {
            "version": "2.1.0",
            "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"level": "fatal"}]}],
        }
    )


def test_sarif_of_every_fixture_is_valid_and_matches_json(in_repo: Path) -> None:
    code, out = run("check", "--select", "ALL", "--output-format", "sarif", "fixtures")
    assert code == 1
    log = json.loads(out)
    validate_sarif(log)
    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-schema-2.1.0.json")
    [sarif_run] = log["runs"]
    driver = sarif_run["tool"]["driver"]
    assert driver["name"] == "xentlint"
    assert driver["version"] == __import__("xentlint").__version__
    assert driver["informationUri"].startswith("https://")
    assert [rule["id"] for rule in driver["rules"]] == list(RULES)

    _, out = run("check", "--select", "ALL", "--output-format", "json", "fixtures")
    expected = {
        (d["path"], d["line"], d["column"], d["end_line"], d["end_column"], d["code"])
        for d in json.loads(out)
        if "cell" not in d
    }
    got = set()
    for result in sarif_run["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] == SARIF_LEVELS[RULES[result["ruleId"]].severity]
        [location] = result["locations"]
        artifact = location["physicalLocation"]["artifactLocation"]
        assert artifact["uriBaseId"] == "%SRCROOT%"
        region = location["physicalLocation"]["region"]
        if not artifact["uri"].endswith(".ipynb"):
            got.add(
                (
                    artifact["uri"],
                    region["startLine"],
                    region["startColumn"],
                    region["endLine"],
                    region["endColumn"],
                    result["ruleId"],
                )
            )
    assert got == expected
    assert len(expected) > 50
    prints = [r["partialFingerprints"]["xentlint/v1"] for r in sarif_run["results"]]
    assert len(set(prints)) == len(prints)
    root = sarif_run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert root == REPO.as_uri() + "/"


def test_sarif_rules_carry_the_rule_pages(in_repo: Path) -> None:
    _, out = run("check", "--output-format", "sarif", "fixtures/rules/xen101.py")
    rules = {rule["id"]: rule for rule in json.loads(out)["runs"][0]["tool"]["driver"]["rules"]}
    page = (REPO / "rules" / "XEN101.md").read_text(encoding="utf-8")
    assert rules["XEN101"]["help"] == {"text": page, "markdown": page}
    assert rules["XEN101"]["name"] == "double-activation"
    assert rules["XEN101"]["shortDescription"]["text"].startswith("Softmax/sigmoid is applied")
    assert "from_logits" in rules["XEN101"]["fullDescription"]["text"]
    assert rules["XEN101"]["defaultConfiguration"] == {"level": "error", "enabled": True}
    assert rules["XEN105"]["defaultConfiguration"] == {"level": "warning", "enabled": True}
    assert rules["XEN301"]["defaultConfiguration"] == {"level": "note", "enabled": False}


def test_sarif_paths_are_relative_uris(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "my models"
    folder.mkdir()
    shutil.copy(REPO / "fixtures" / "rules" / "xen103.py", folder / "net #1.py")
    outside = tmp_path.parent / f"{tmp_path.name}-outside.py"
    shutil.copy(REPO / "fixtures" / "rules" / "xen103.py", outside)
    try:
        code, out = run("check", "--output-format", "sarif", ".", str(outside))
    finally:
        outside.unlink()
    assert code == 1
    log = json.loads(out)
    validate_sarif(log)
    artifacts = {
        json.dumps(r["locations"][0]["physicalLocation"]["artifactLocation"], sort_keys=True)
        for r in log["runs"][0]["results"]
    }
    assert artifacts == {
        json.dumps({"uri": "my%20models/net%20%231.py", "uriBaseId": "%SRCROOT%"}),
        json.dumps({"uri": outside.as_uri()}),
    }


def test_sarif_of_a_notebook_points_into_the_ipynb_file(in_repo: Path) -> None:
    code, out = run("check", "--output-format", "sarif", "fixtures/notebooks/double_softmax.ipynb")
    assert code == 1
    log = json.loads(out)
    validate_sarif(log)
    first = log["runs"][0]["results"][0]
    assert first["ruleId"] == "XEN101"
    location = first["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "fixtures/notebooks/double_softmax.ipynb"
    # Line 36 of the file holds cell 3's fourth source line as a JSON string:
    #     "    keras.layers.Dense(10, activation=\"softmax\"),  # expect: XEN101\n",
    # The finding (cell column 28, `activation="softmax"`) starts after 4 spaces, the quote
    # and 27 characters: file column 33; it ends 20 characters later plus the two
    # backslashes of the escaped quotes: column 55 (exclusive).
    assert location["region"] == {"startLine": 36, "startColumn": 33, "endLine": 36,
                                  "endColumn": 55}  # fmt: skip
    line = NOTEBOOK.read_text(encoding="utf-8").splitlines()[35]
    assert line[32:54] == 'activation=\\"softmax\\"'
    assert first["properties"] == {
        "notebookCell": 3,
        "cellStartLine": 4,
        "cellStartColumn": 28,
        "cellEndLine": 4,
        "cellEndColumn": 48,
    }
    assert first["message"]["text"].startswith("cell 3, line 4, col 28: softmax is applied twice")


def test_sarif_with_no_findings_is_valid(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ok.py").write_text("x = 1\n")
    code, out = run("check", "--output-format", "sarif", ".")
    assert code == 0
    log = json.loads(out)
    validate_sarif(log)
    assert log["runs"][0]["results"] == []


# --------------------------------------------------------------------------- GitHub


def test_github_escaping_follows_the_actions_toolkit() -> None:
    assert escape_data("100% a:b, c\r\nd") == "100%25 a:b, c%0D%0Ad"
    assert escape_property("100% a:b, c\r\nd") == "100%25 a%3Ab%2C c%0D%0Ad"


def test_github_commands_one_per_finding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from xentlint.ci_output import format_github
    from xentlint.output import OutputOptions

    monkeypatch.chdir(tmp_path)
    findings = [
        diagnostic("a,b.py", 3, 5, "XEN102", "50% off:\nnext"),
        diagnostic("a,b.py", 7, 1, "XEN105", "w"),
        diagnostic("a,b.py", 9, 2, "XEN301", "s"),
    ]
    import io

    out = io.StringIO()
    format_github(findings, OutputOptions(), out)
    assert out.getvalue() == (
        "::error file=a%2Cb.py,line=3,col=5,endLine=3,endColumn=9,"
        "title=xentlint (XEN102)::50%25 off:%0Anext\n"
        "::warning file=a%2Cb.py,line=7,col=1,endLine=7,endColumn=5,"
        "title=xentlint (XEN105)::w\n"
        "::notice file=a%2Cb.py,line=9,col=2,endLine=9,endColumn=6,"
        "title=xentlint (XEN301)::s\n"
    )


def test_github_format_from_the_cli(in_repo: Path) -> None:
    code, out = run("check", "--output-format", "github", "fixtures/article.py", str(NOTEBOOK))
    assert code == 1
    lines = out.splitlines()
    assert any(
        line.startswith(
            "::error file=fixtures/article.py,line=36,col=7,endLine=36,endColumn=48,"
            "title=xentlint (XEN102)::CategoricalCrossentropy() expects probabilities"
        )
        for line in lines
    )
    assert (
        "::error file=fixtures/notebooks/double_softmax.ipynb,line=36,col=33,endLine=36,"
        "endColumn=55,title=xentlint (XEN101)::cell 3, line 4, col 28: softmax is applied twice"
    ) in "\n".join(lines)
    assert all(line.startswith(("::error ", "::warning ", "::notice ")) for line in lines)
    assert not any("Found" in line for line in lines)


# --------------------------------------------------------------------------- GitLab


def test_gitlab_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from xentlint.ci_output import format_gitlab
    from xentlint.output import OutputOptions

    monkeypatch.chdir(tmp_path)
    findings = [
        diagnostic(str(tmp_path / "pkg" / "a.py"), 3, 5, "XEN102", "m"),
        diagnostic("pkg/a.py", 8, 5, "XEN102", "m"),
        diagnostic("pkg/a.py", 9, 1, "XEN105", "w"),
        diagnostic("pkg/a.py", 10, 1, "XEN301", "s"),
    ]
    out = io.StringIO()
    format_gitlab(findings, OutputOptions(), out)
    report = json.loads(out.getvalue())
    assert [issue["location"] for issue in report] == [
        {"path": "pkg/a.py", "lines": {"begin": 3, "end": 3}},
        {"path": "pkg/a.py", "lines": {"begin": 8, "end": 8}},
        {"path": "pkg/a.py", "lines": {"begin": 9, "end": 9}},
        {"path": "pkg/a.py", "lines": {"begin": 10, "end": 10}},
    ]
    assert [issue["severity"] for issue in report] == ["critical", "critical", "major", "info"]
    assert report[0]["check_name"] == "XEN102"
    assert report[0]["description"] == "XEN102 m"
    assert report[0]["type"] == "issue"
    prints = [issue["fingerprint"] for issue in report]
    assert len(set(prints)) == 4
    assert set(GITLAB_SEVERITIES.values()) <= {"info", "minor", "major", "critical", "blocker"}


def test_fingerprints_survive_line_shifts_and_stay_unique() -> None:
    before = [diagnostic(line=3), diagnostic(line=9), diagnostic(code="XEN105", line=9)]
    after = [diagnostic(line=13), diagnostic(line=19), diagnostic(code="XEN105", line=19)]
    assert fingerprints(before) == fingerprints(after)
    assert len(set(fingerprints(before))) == 3
    other_file = [diagnostic(path="src/other.py", line=3)]
    assert fingerprints(other_file)[0] != fingerprints(before)[0]
    same = fingerprints([diagnostic(path=os.path.abspath("src/train.py"))])
    assert same[0] == fingerprints(before)[0]  # absolute and relative spellings agree


def test_gitlab_format_from_the_cli(in_repo: Path) -> None:
    notebook = "fixtures/notebooks/double_softmax.ipynb"
    code, out = run("check", "--output-format", "gitlab", "fixtures/rules", notebook)
    assert code == 1
    report = json.loads(out)
    _, text = run("check", "--output-format", "json", "fixtures/rules", notebook)
    findings = json.loads(text)
    assert len(report) == len(findings) > 20
    for issue, finding in zip(report, findings, strict=True):
        assert issue["check_name"] == finding["code"]
        assert issue["location"]["path"] == finding["path"]
        if "cell" not in finding:
            assert issue["location"]["lines"]["begin"] == finding["line"]
    cells = [issue for issue in report if issue["location"]["path"] == notebook]
    assert [issue["location"]["lines"]["begin"] for issue in cells] == [36, 86]


def test_output_format_choice_lists_the_ci_formats() -> None:
    code, out = run("check", "--help")
    assert code == 0
    for name in ("sarif", "github", "gitlab"):
        assert name in out


def test_readme_ci_snippets() -> None:
    import yaml

    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## CI integration\n", 1)[1].split("\n## ", 1)[0]
    blocks = [block.split("```")[0] for block in section.split("```yaml\n")[1:]]
    workflow, gitlab, pre_commit = (yaml.safe_load(block) for block in blocks)
    steps = workflow["jobs"]["xentlint"]["steps"]
    lint = next(step for step in steps if step.get("name") == "Lint")
    assert "--output-format sarif" in lint["run"] and "> xentlint.sarif" in lint["run"]
    upload = next(step for step in steps if "upload-sarif" in step.get("uses", ""))
    assert upload["with"]["sarif_file"] == "xentlint.sarif"
    assert workflow["permissions"]["security-events"] == "write"
    assert "--output-format gitlab" in gitlab["xentlint"]["script"][-1]
    assert (
        gitlab["xentlint"]["artifacts"]["reports"]["codequality"]
        in gitlab["xentlint"]["script"][-1]
    )
    manifest = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    ids = {hook["id"] for hook in manifest}
    assert {hook["id"] for hook in pre_commit["repos"][0]["hooks"]} <= ids
