"""The fixture harness: inline ``# expect:`` comments vs what xentlint reports.

Every ``*.py`` and ``*.ipynb`` under ``fixtures/`` (except ``fixtures/fix/`` and
``fixtures/bad/``, which other tests own, and ``fixtures/projects/``, see below) is a
specification:

- ``# expect: XEN102`` (or ``# expect: XEN101, XEN105``) at the end of a line means that
  finding must be reported on that line; every other line must stay silent. A code listed
  twice means two findings on that line.
- In notebooks the comment sits in a code cell; the location is (cell, line in the cell),
  cells numbered from 1 over all cells (markdown included), as the CLI prints them.
- A first-line header ``# xentlint-test: select=ALL`` lints the file with that selection;
  without it, the default selection applies (XEN3xx off).
- ``# positive: ...`` / ``# negative: ...`` comments mark cases. A negative case (from its
  marker to the next marker) must carry no expectation; each per-rule file has at least two.

The comparison goes through the CLI (``xentlint check --output-format json``) and is made in
both directions: nothing missing, nothing extra.

``fixtures/projects/<name>/`` holds projects of several modules. Each is linted from its own
folder (where its ``pyproject.toml`` is), once as a tree (``xentlint check .``) and once per
file named alone (as pre-commit passes only the changed files): both must meet the files'
expectations, and agree. In projects an expectation may name the other places the finding
must point to: ``# expect: XEN101 -> src/trainer/models.py:8`` (paths relative to the
project folder; each finding on the line lists each place among its ``related`` ones).
"""

from __future__ import annotations

import ast
import importlib
import io
import json
import re
import tokenize
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from xentlint.catalog import RULES

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
RULES_DIR = FIXTURES / "rules"
SKIPPED_DIRS = frozenset({"fix", "bad", "projects"})
PROJECTS_DIR = FIXTURES / "projects"

EXPECT_RE = re.compile(r"#\s*expect\s*:\s*(?P<codes>[^#]*)")
PLACE_RE = re.compile(r"[^\s,:]+:\d+")
LOOSE_EXPECT_RE = re.compile(r"#\s*expect\b", re.IGNORECASE)
CODE_RE = re.compile(r"XEN\d{3}")
HEADER_RE = re.compile(r"#\s*xentlint-test:\s*select=(?P<select>\S+)")
MARKER_RE = re.compile(r"^\s*#\s*(?P<kind>positive|negative)\b")

# Every rule of the catalog has one fixture in fixtures/rules/: ``xennnn.py`` (inline
# ``# expect:`` comments, for rules over source code) or ``xennnn.json`` (cases, for rules a
# source file cannot show inline: front-end XEN9xx and runtime-only rules; see
# test_rule_cases below).
CHECKED_CODES = tuple(c for c in RULES if (RULES_DIR / f"{c.lower()}.py").is_file())
CASE_CODES = tuple(c for c in RULES if (RULES_DIR / f"{c.lower()}.json").is_file())
SUGGESTION_CODES = tuple(c for c, rule in RULES.items() if not rule.default_enabled)
MIN_NEGATIVES = 2

# A location: (line,) for Python files, (cell, line) for notebooks.
Location = tuple[int, ...]
Key = tuple[str, Location]


def fixture_files() -> list[Path]:
    files = []
    for path in sorted(FIXTURES.rglob("*")):
        if not path.is_file() or path.suffix not in {".py", ".ipynb"}:
            continue
        parts = path.relative_to(FIXTURES).parts
        if parts[0] in SKIPPED_DIRS or any(p.startswith(".") or p == "__pycache__" for p in parts):
            continue
        files.append(path)
    return files


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _ids(paths: list[Path]) -> list[str]:
    return [p.relative_to(FIXTURES).as_posix() for p in paths]


FILES = fixture_files()
PY_FILES = [p for p in FILES if p.suffix == ".py"]
NB_FILES = [p for p in FILES if p.suffix == ".ipynb"]
RULE_FILES = sorted(RULES_DIR.glob("xen*.py"))


# --- reading expectations ---------------------------------------------------------------


def parse_codes(comment: str, where: str) -> list[str]:
    """Codes of one ``# expect:`` comment; malformed comments are an error, not a no-op."""
    match = EXPECT_RE.search(comment)
    if match is None:
        raise ValueError(f"{where}: malformed expect comment {comment!r}")
    codes = match.group("codes").split("->", 1)[0]
    items = [item.strip() for item in codes.split(",")]
    if not items or any(CODE_RE.fullmatch(item) is None for item in items):
        raise ValueError(f"{where}: malformed expect comment {comment!r}")
    return items


def python_comments(text: str) -> list[tuple[int, str]]:
    """(line, comment text) of every comment token of a Python source."""
    out = []
    try:  # a fixture that does not parse (XEN901) has its comments up to the error
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT:
                out.append((tok.start[0], tok.string))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return out


def notebook_cells(path: Path) -> list[dict[str, Any]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return data["cells"]


def cell_source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def comment_sites(path: Path) -> list[tuple[Location, str]]:
    """Every comment in a fixture with its location (notebooks: code cells only)."""
    if path.suffix == ".py":
        text = path.read_text(encoding="utf-8")
        return [((line,), comment) for line, comment in python_comments(text)]
    sites: list[tuple[Location, str]] = []
    for cell_no, cell in enumerate(notebook_cells(path), start=1):
        if cell.get("cell_type") != "code":
            continue
        for line_no, line in enumerate(cell_source(cell).splitlines(), start=1):
            hash_at = line.find("#")
            if hash_at >= 0:
                sites.append(((cell_no, line_no), line[hash_at:]))
    return sites


def parse_places(comment: str, where: str) -> list[str]:
    """The places after ``->`` in an expect comment (``path:line``), if any."""
    match = EXPECT_RE.search(comment)
    if match is None or "->" not in match.group("codes"):
        return []
    listed = [item.strip() for item in match.group("codes").split("->", 1)[1].split(",")]
    if not listed or any(PLACE_RE.fullmatch(item) is None for item in listed):
        raise ValueError(f"{where}: malformed places in {comment!r}")
    return listed


def expected_places(path: Path) -> dict[Location, list[str]]:
    out: dict[Location, list[str]] = {}
    for loc, comment in comment_sites(path):
        if LOOSE_EXPECT_RE.search(comment) is not None:
            places = parse_places(comment, f"{_rel(path)}:{':'.join(map(str, loc))}")
            if places:
                out[loc] = places
    return out


def expectations(path: Path) -> Counter[Key]:
    expected: Counter[Key] = Counter()
    for loc, comment in comment_sites(path):
        if LOOSE_EXPECT_RE.search(comment) is None:
            continue
        where = f"{_rel(path)}:{':'.join(map(str, loc))}"
        for code in parse_codes(comment, where):
            expected[(code, loc)] += 1
    return expected


def selection(path: Path) -> str | None:
    """The ``select=`` of a ``# xentlint-test:`` header on the file's first line."""
    if path.suffix != ".py":
        return None
    first = path.read_text(encoding="utf-8").split("\n", 1)[0]
    match = HEADER_RE.match(first)
    return match.group("select") if match else None


# --- running xentlint -------------------------------------------------------------------


@dataclass(frozen=True)
class Reported:
    code: str
    loc: Location
    message: str


def cli_command() -> Any:
    """The click command of ``xentlint.cli`` (the group; ``main`` wraps it for the console)."""
    import click

    module = importlib.import_module("xentlint.cli")
    for name in ("cli", "main"):
        command = getattr(module, name, None)
        if isinstance(command, click.Command):
            return command
    raise AssertionError("xentlint.cli has no click command named cli or main")


def run_cli(path: Path, select: str | None) -> list[dict[str, Any]]:
    from click.testing import CliRunner

    args = ["check", "--output-format", "json"]
    if select is not None:
        args += ["--select", select]
    args.append(str(path))
    result = CliRunner().invoke(cli_command(), args)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code in (0, 1), (
        f"xentlint {' '.join(args)} exited {result.exit_code}:\n{result.output}"
    )
    try:
        records = json.loads(result.stdout)
    except json.JSONDecodeError as exc:
        raise AssertionError(f"not JSON on stdout: {exc}\n{result.stdout}") from exc
    assert isinstance(records, list), records
    return records


def reported(path: Path, select: str | None) -> list[Reported]:
    out = []
    for rec in run_cli(path, select):
        if path.suffix == ".ipynb":
            assert rec.get("cell") is not None, f"notebook finding without a cell: {rec}"
            loc: Location = (int(rec["cell"]), int(rec["line"]))
        else:
            loc = (int(rec["line"]),)
        out.append(Reported(rec["code"], loc, rec.get("message", "")))
    return out


# --- the comparison -----------------------------------------------------------------------


def source_line(path: Path, loc: Location) -> str:
    if path.suffix == ".py":
        lines = path.read_text(encoding="utf-8").splitlines()
        line = loc[0]
    else:
        cells = notebook_cells(path)
        if not 1 <= loc[0] <= len(cells):
            return "<no such cell>"
        lines = cell_source(cells[loc[0] - 1]).splitlines()
        line = loc[1]
    return lines[line - 1].strip() if 1 <= line <= len(lines) else "<no such line>"


def describe(loc: Location) -> str:
    return f"line {loc[0]}" if len(loc) == 1 else f"cell {loc[0]} line {loc[1]}"


def compare(path: Path, expected: Counter[Key], found: list[Reported]) -> str | None:
    """A readable report of the differences, or None when they agree."""
    actual: Counter[Key] = Counter((f.code, f.loc) for f in found)
    messages = {(f.code, f.loc): f.message for f in found}
    missing = sorted((expected - actual).elements(), key=lambda k: (k[1], k[0]))
    extra = sorted((actual - expected).elements(), key=lambda k: (k[1], k[0]))
    if not missing and not extra:
        return None
    out = [f"{_rel(path)}: {len(missing)} missing, {len(extra)} extra"]
    if missing:
        out.append("  missing (expected, not reported):")
        for code, loc in missing:
            out.append(f"    {describe(loc)}: {code}    | {source_line(path, loc)}")
    if extra:
        out.append("  extra (reported, not expected):")
        for code, loc in extra:
            out.append(f"    {describe(loc)}: {code} {messages[(code, loc)]}")
            out.append(f"        | {source_line(path, loc)}")
    return "\n".join(out)


# --- projects of several modules ---------------------------------------------------------


PROJECTS = sorted(p for p in PROJECTS_DIR.iterdir() if p.is_dir()) if PROJECTS_DIR.is_dir() else []


def project_files(project: Path) -> list[Path]:
    return sorted(
        p
        for p in project.rglob("*")
        if p.is_file() and p.suffix in {".py", ".ipynb"} and "__pycache__" not in p.parts
    )


def cli_records(args: list[str]) -> list[dict[str, Any]]:
    from click.testing import CliRunner

    result = CliRunner().invoke(
        cli_command(), ["check", "--no-cache", "--output-format", "json", *args]
    )
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code in (0, 1), (
        f"xentlint {args} exited {result.exit_code}:\n{result.output}"
    )
    return json.loads(result.stdout)


def _location(rec: dict[str, Any]) -> Location:
    if rec.get("cell") is not None:
        return (int(rec["cell"]), int(rec["line"]))
    return (int(rec["line"]),)


def _places(rec: dict[str, Any]) -> set[str]:
    return {f"{place['path']}:{place['line']}" for place in rec.get("related", [])}


def check_project_file(path: Path, project: Path, records: list[dict[str, Any]]) -> list[str]:
    """The differences between one project file's expectations and what was reported."""
    relative = path.relative_to(project).as_posix()
    own = [r for r in records if Path(r["path"]).as_posix() == relative]
    found = [Reported(r["code"], _location(r), r["message"]) for r in own]
    problems = []
    report = compare(path, expectations(path), found)
    if report is not None:
        problems.append(report)
    for loc, places in expected_places(path).items():
        for rec in own:
            if _location(rec) == loc and not set(places) <= _places(rec):
                problems.append(
                    f"{relative}:{describe(loc)}: {rec['code']} names {sorted(_places(rec))}, "
                    f"not {places}"
                )
    return problems


def _signature(records: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return sorted(
        (r["path"], r["code"], r["line"], r["column"], tuple(sorted(_places(r)))) for r in records
    )


@pytest.mark.parametrize("project", PROJECTS, ids=[p.name for p in PROJECTS])
def test_project_as_a_tree_and_file_by_file(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    files = project_files(project)
    tree = cli_records(["."])
    problems = [p for path in files for p in check_project_file(path, project, tree)]
    alone: list[dict[str, Any]] = []
    for path in files:
        relative = path.relative_to(project).as_posix()
        records = cli_records([relative])
        others = {r["path"] for r in records} - {relative}
        if others:  # the modules it imports are read, not reported
            problems.append(f"{relative} named alone reports other files: {sorted(others)}")
        problems += [f"(named alone) {p}" for p in check_project_file(path, project, records)]
        alone += records
    if not problems and _signature(tree) != _signature(alone):
        problems.append(
            f"tree and files named alone differ:\n{_signature(tree)}\n{_signature(alone)}"
        )
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


def test_projects_are_found() -> None:
    names = {p.name for p in PROJECTS}
    wanted = {"src_layout", "flat_scripts", "relative", "cycle", "broken", "reexport"}
    assert wanted <= names, sorted(wanted - names)
    for project in PROJECTS:
        files = project_files(project)
        assert any(expectations(p) for p in files), f"{project.name}: no positive"
        assert any(not expectations(p) for p in files), f"{project.name}: no clean file"


def test_expect_places_are_well_formed() -> None:
    for project in PROJECTS:
        for path in project_files(project):
            for places in expected_places(path).values():
                for place in places:
                    target, line = place.rsplit(":", 1)
                    assert (project / target).is_file(), f"{_rel(path)}: no {target}"
                    assert int(line) >= 1


@pytest.mark.parametrize("path", FILES, ids=_ids(FILES))
def test_fixture(path: Path) -> None:
    expected = expectations(path)
    found = reported(path, selection(path))
    problems = compare(path, expected, found)
    if problems is not None:
        pytest.fail(problems, pytrace=False)


DEFAULT_PY_FILES = [p for p in PY_FILES if selection(p) is None]


@pytest.mark.parametrize("path", DEFAULT_PY_FILES, ids=_ids(DEFAULT_PY_FILES))
def test_api_agrees_with_cli(path: Path) -> None:
    """``xentlint.lint_source`` reports what the CLI reports (default selection)."""
    import xentlint

    text = path.read_text(encoding="utf-8")
    api = Counter((d.code, (d.line,)) for d in xentlint.lint_source(text, path=str(path)))
    cli = Counter((f.code, f.loc) for f in reported(path, None))
    assert api == cli


# --- the corpus itself --------------------------------------------------------------------


def test_corpus_is_found() -> None:
    names = {p.relative_to(FIXTURES).as_posix() for p in FILES}
    assert "article.py" in names
    assert {"notebooks/double_softmax.ipynb", "notebooks/clean.ipynb"} <= names
    notebooks = {"lab_placeholders", "ipython_syntax", "writefile", "clean_ipython"}
    assert {f"notebooks/{name}.ipynb" for name in notebooks} <= names
    assert CHECKED_CODES and CASE_CODES
    assert not any(p.relative_to(FIXTURES).parts[0] in SKIPPED_DIRS for p in FILES)


@pytest.mark.parametrize("path", PY_FILES, ids=_ids(PY_FILES))
def test_fixture_is_valid_python(path: Path) -> None:
    ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


# The fixture check's own plain reading of IPython (not xentlint's): lines that are escapes
# (``!cmd``, ``%magic``, ``?x``), help (``x?``) or command assignments (``x = !ls``), cell
# magics (bodies of the Python ones are Python; ``%%writefile x.py`` writes Python), and a
# cell of one line starting with a magic name (automagic).
_IPYTHON_LINE = re.compile(r"\s*[!%?]|.*\?\s*$|\s*[\w.]+(\s*,\s*[\w.]+)*\s*=\s*[!%]")
_PYTHON_BODIES = {"time", "timeit", "capture", "prun", "debug"}
_AUTOMAGIC = {"cat", "cd", "env", "ls", "mkdir", "pip", "pwd"}
_DATALAB = {"bash", "bq"}


def _cell_python(source: str, *, broken: bool) -> str | None:
    """A fixture cell's Python as the plain reading gives it; None: the cell is not Python.
    A cell expected to be broken (``# expect: XEN901``) is read without automagic."""
    lines = source.splitlines()
    first = next((line for line in lines if line.strip()), "")
    rest = lines[lines.index(first) + 1 :] if first else []
    if first.startswith("%%"):
        name, _, args = first[2:].partition(" ")
        if name == "writefile":
            return "\n".join(rest) if args.split()[-1].endswith(".py") else None
        if name not in _PYTHON_BODIES:
            return None
        lines = rest
    elif first.startswith("%") and first[1:].split()[0] in _DATALAB and any(rest):
        return None
    if not broken and len(lines) == 1 and lines[0].split()[0] in _AUTOMAGIC:
        return ""
    return "\n".join(line for line in lines if not _IPYTHON_LINE.match(line))


@pytest.mark.parametrize("path", NB_FILES, ids=_ids(NB_FILES))
def test_fixture_notebook_is_valid(path: Path) -> None:
    """Every code cell is IPython, and a cell that expects XEN901 (a lab placeholder, Python
    2...) is not: it does not parse."""
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["nbformat"] == 4
    code_cells = [c for c in data["cells"] if c["cell_type"] == "code"]
    assert code_cells and any(c["cell_type"] == "markdown" for c in data["cells"])
    for cell in code_cells:
        source = cell_source(cell)
        broken = re.search(r"#\s*expect:.*XEN901", source) is not None
        python = _cell_python(source, broken=broken)
        if broken:
            assert python is not None, source
            with pytest.raises(SyntaxError):
                ast.parse(python)
        elif python is not None:
            ast.parse(python)


def test_expect_comments_are_well_formed() -> None:
    """Every comment that mentions ``expect`` parses, and names a catalog code."""
    for path in FILES:
        for loc, comment in comment_sites(path):
            if LOOSE_EXPECT_RE.search(comment) is None:
                continue
            where = f"{_rel(path)}:{':'.join(map(str, loc))}"
            for code in parse_codes(comment, where):
                assert code in RULES, f"{where}: unknown code {code}"


def test_selection_header() -> None:
    headed = {p.relative_to(FIXTURES).as_posix(): selection(p) for p in PY_FILES if selection(p)}
    assert headed.get("rules/xen301.py") == "ALL"
    for path in FILES:
        for code, _loc in expectations(path):
            if code in SUGGESTION_CODES:
                assert selection(path) == "ALL", f"{_rel(path)} expects {code}, off by default"


def test_every_rule_has_a_positive() -> None:
    seen = {code for path in FILES for code, _loc in expectations(path)}
    assert set(CHECKED_CODES) <= seen, sorted(set(CHECKED_CODES) - seen)
    for path in RULE_FILES:
        own = path.stem.upper()
        assert any(code == own for code, _loc in expectations(path)), f"{path.name}: no {own}"


def cases(path: Path) -> list[tuple[str, int, Counter[Key]]]:
    """(kind, marker line, expectations inside) for each positive/negative marked case."""
    text = path.read_text(encoding="utf-8")
    markers = [
        (i, m.group("kind"))
        for i, ln in enumerate(text.splitlines(), start=1)
        if (m := MARKER_RE.match(ln))
    ]
    expected = expectations(path)
    out = []
    for n, (start, kind) in enumerate(markers):
        end = markers[n + 1][0] if n + 1 < len(markers) else 10**9
        inside = Counter({k: v for k, v in expected.items() if start <= k[1][0] < end})
        out.append((kind, start, inside))
    return out


@pytest.mark.parametrize("path", RULE_FILES, ids=[p.name for p in RULE_FILES])
def test_rule_file_has_negatives(path: Path) -> None:
    negatives = [c for c in cases(path) if c[0] == "negative"]
    assert len(negatives) >= MIN_NEGATIVES, f"{path.name}: {len(negatives)} negative cases"


@pytest.mark.parametrize("path", PY_FILES, ids=_ids(PY_FILES))
def test_markers_are_honest(path: Path) -> None:
    """A negative case carries no expectation; a positive case carries at least one."""
    for kind, line, inside in cases(path):
        if kind == "negative":
            assert not inside, f"{_rel(path)}:{line}: negative case expects {dict(inside)}"
        else:
            assert inside, f"{_rel(path)}:{line}: positive case expects nothing"


def test_parser_on_examples() -> None:
    text = (
        "x = 1  # expect: XEN101\n"
        "y = 2  # expect: XEN101, XEN105\n"
        "s = '# expect: XEN102'\n"
        "z = 3  # a comment\n"
    )
    comments = python_comments(text)
    codes = [(line, parse_codes(c, "t")) for line, c in comments if LOOSE_EXPECT_RE.search(c)]
    assert codes == [(1, ["XEN101"]), (2, ["XEN101", "XEN105"])]
    with pytest.raises(ValueError):
        parse_codes("# expect XEN101", "t")
    with pytest.raises(ValueError):
        parse_codes("# expect: XEN1O1", "t")
    found = [Reported("XEN101", (1,), "m"), Reported("XEN102", (3,), "m")]
    wanted: Counter[Key] = Counter({("XEN101", (1,)): 1, ("XEN103", (2,)): 1})
    report = compare(FIXTURES / "article.py", wanted, found)
    assert report is not None
    assert "1 missing, 1 extra" in report
    assert "line 2: XEN103" in report and "line 3: XEN102" in report


# --- rules with case files (fixtures/rules/xennnn.json) -------------------------------------


def test_every_rule_has_exactly_one_fixture_and_every_fixture_a_rule() -> None:
    for code in RULES:
        forms = [p.name for p in RULES_DIR.glob(f"{code.lower()}.*")]
        assert len(forms) == 1, f"{code}: fixtures/rules/ needs one .py or .json fixture: {forms}"
    for path in RULES_DIR.iterdir():
        assert path.stem.upper() in RULES, f"{path.name} is not a catalog rule"


def case_file(code: str) -> dict[str, Any]:
    data = json.loads((RULES_DIR / f"{code.lower()}.json").read_text(encoding="utf-8"))
    assert data["rule"] == code
    return data


@pytest.mark.parametrize("code", CASE_CODES)
def test_case_file_has_positives_and_negatives(code: str) -> None:
    cases = case_file(code)["cases"]
    positives = [c for c in cases if c["kind"] == "positive"]
    negatives = [c for c in cases if c["kind"] == "negative"]
    assert len(positives) + len(negatives) == len(cases)
    assert positives and all(_expected_codes(c).get(code) for c in positives)
    assert len(negatives) >= MIN_NEGATIVES and not any(c["expect"] for c in negatives)


def _expected_codes(case: dict[str, Any]) -> Counter[str]:
    return Counter(item if isinstance(item, str) else item[1] for item in case["expect"])


SOURCE_CASES = [
    pytest.param(case, id=f"{code}:{case['name']}")
    for code in CASE_CODES
    for case in case_file(code)["cases"]
    if "python" not in case
]
MODEL_CASES = [
    pytest.param(case, id=f"{code}:{case['name']}")
    for code in CASE_CODES
    for case in case_file(code)["cases"]
    if "python" in case
]


@pytest.mark.parametrize("case", SOURCE_CASES)
def test_rule_case_on_a_file(case: dict[str, Any], tmp_path: Path) -> None:
    """A file case: its text (or bytes, as hex) written to a file and linted (select=ALL)."""
    from xentlint.config import Config
    from xentlint.lint import check_paths

    path = tmp_path / case["file"]
    if "hex" in case:
        path.write_bytes(bytes.fromhex(case["hex"]))
    else:
        path.write_text(case["text"], encoding="utf-8")
    config = Config().with_overrides(select=("ALL",), extend_select=(), ignore=())
    report = check_paths([str(path)], config=config)
    assert report.errors == []
    found = Counter((d.line, d.code) for d in report.diagnostics)
    assert found == Counter((line, code) for line, code in case["expect"])


@pytest.mark.tensorflow
@pytest.mark.parametrize("case", MODEL_CASES)
def test_rule_case_on_a_model(case: dict[str, Any]) -> None:
    """A model case: Python that builds ``model``, checked live with the probe."""
    import keras

    import xentlint

    namespace: dict[str, Any] = {"keras": keras}
    exec(compile(case["python"], f"<{case['name']}>", "exec"), namespace)  # noqa: S102
    found = Counter(d.code for d in xentlint.check_model(namespace["model"], probe=True))
    assert found == _expected_codes(case)
