"""The catalog, the checks, and the rule pages agree; each page's example really fires."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from xentlint import lint_source
from xentlint.catalog import RULES
from xentlint.checks.registry import CHECKS
from xentlint.config import Config

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "rules"
HEADINGS = [
    "## What it does",
    "## Why it is wrong",
    "## Example",
    "## Use instead",
    "## Fix safety",
    "## Backends",
]
SEVERITY_WORDS = {"E": "error", "W": "warning", "S": "suggestion"}
STATIC_CODES = sorted(code for code in RULES if code[3] in "123")


def page(code: str) -> str:
    return (PAGES / f"{code}.md").read_text(encoding="utf-8")


def code_blocks(text: str, heading: str) -> list[str]:
    section = text.split(heading + "\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.DOTALL)


def test_every_catalog_code_has_a_page_and_every_page_a_code() -> None:
    pages = {p.stem for p in PAGES.glob("*.md")}
    assert pages == set(RULES)


def test_every_rule_but_the_front_end_ones_is_a_check_over_facts() -> None:
    # XEN9xx are reported by the front ends (the file could not be read or parsed);
    # everything else, XEN401 of the runtime probe included, is a check over facts.
    assert set(CHECKS) == {code for code in RULES if not code.startswith("XEN9")}
    assert set(STATIC_CODES) <= set(CHECKS)


def test_codes_used_in_the_package_are_in_the_catalog() -> None:
    used: set[str] = set()
    for source in (ROOT / "xentlint").rglob("*.py"):
        used.update(re.findall(r"\bXEN\d{3}\b", source.read_text(encoding="utf-8")))
    assert used <= set(RULES), used - set(RULES)


@pytest.mark.parametrize("code", sorted(RULES))
def test_page_layout(code: str) -> None:
    rule = RULES[code]
    text = page(code)
    lines = text.splitlines()
    assert lines[0] == f"# {code}: {rule.name}"
    default = "on" if rule.default_enabled else "off"
    expected = (
        f"Severity: {SEVERITY_WORDS[rule.severity]} · Default: {default} · Fix: {rule.fix_safety}"
    )
    assert lines[2] == expected
    positions = [text.index("\n" + h + "\n") for h in HEADINGS]
    assert positions == sorted(positions), "headings out of order"


@pytest.mark.parametrize("code", [c for c in STATIC_CODES])
def test_page_example_fires_and_the_alternative_does_not(code: str) -> None:
    config = Config(select=("ALL",))
    text = page(code)
    examples = code_blocks(text, "## Example")
    assert examples, "the page has no python example"
    reported = {
        d.code for block in examples for d in lint_source(block, "example.py", config=config)
    }
    assert code in reported
    for block in code_blocks(text, "## Use instead"):
        codes = {d.code for d in lint_source(block, "fixed.py", config=config)}
        assert code not in codes
        assert not {c for c in codes if RULES[c].severity == "E"}, codes


def test_xen901_page_example_is_a_syntax_error() -> None:
    [block] = code_blocks(page("XEN901"), "## Example")
    assert [d.code for d in lint_source(block, "broken.py")] == ["XEN901"]


def test_readme_rule_table_matches_the_catalog() -> None:
    """Each row of the README's rule table names a catalog rule with its name and severity.

    A rule missing from the table is fine (a new rule is its module, page and fixture).
    """
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## What it catches\n", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (XEN\d{3}) \| ([^|]+?) \| ([EWS]) \|", section, re.MULTILINE)
    assert len(rows) >= 10
    for code, name, severity in rows:
        assert code in RULES, f"README lists {code}, which is not in the catalog"
        assert (name, severity) == (RULES[code].name, RULES[code].severity), code
