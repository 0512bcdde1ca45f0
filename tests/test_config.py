"""Rule selection, ``[tool.xentlint]`` loading, excludes and per-file ignores."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from xentlint import selection as selection_module
from xentlint.catalog import RULES
from xentlint.config import (
    DEFAULT_EXCLUDE,
    Config,
    ConfigError,
    PathMatcher,
    config_from_table,
    discover_config,
    find_config_file,
    load_config,
)
from xentlint.diagnostics import RawFinding
from xentlint.lint import check_paths, discover
from xentlint.selection import (
    Selection,
    SelectionLayer,
    SelectorError,
    parse_selectors,
)

DEFAULT_ON = [code for code, rule in RULES.items() if rule.default_enabled]


def codes(*prefixes: str, but: tuple[str, ...] = ()) -> list[str]:
    """The catalog's codes under ``prefixes``, in catalog order, without those in ``but``."""
    return [c for c in RULES if c.startswith(prefixes) and not (but and c.startswith(but))]


# XEN9xx stay on whatever is selected (the file was not analysed) unless ignored by name;
# XEN903 (unused noqa), off by default, is selected like the other rules.
FRONT_END = tuple(c for c in codes("XEN9") if RULES[c].default_enabled)


def enabled(*layers: SelectionLayer) -> list[str]:
    return Selection(layers).enabled_codes()


# --------------------------------------------------------------------------- selection


def test_default_selection_is_default_enabled_rules() -> None:
    assert enabled() == DEFAULT_ON
    assert "XEN301" not in DEFAULT_ON
    assert "XEN101" in DEFAULT_ON


def test_parse_selectors_splits_normalises_and_validates() -> None:
    assert parse_selectors(["xen1, XEN201", "all", ""]) == ("XEN1", "XEN201", "ALL")
    for bad in ("XEN999", "E501", "XEN1000", "foo"):
        with pytest.raises(SelectorError, match="unknown rule code or prefix"):
            parse_selectors([bad])


def test_select_replaces_the_default_set() -> None:
    chosen = enabled(SelectionLayer(select=("XEN1",)))
    assert chosen == codes("XEN1", *FRONT_END)
    assert "XEN101" in chosen and "XEN201" not in chosen and "XEN901" in chosen


def test_select_all_enables_the_suggestion() -> None:
    assert enabled(SelectionLayer(select=("ALL",))) == list(RULES)


def test_extend_select_adds() -> None:
    # everything but XEN903, the other rule that is off by default
    assert enabled(SelectionLayer(extend_select=("XEN3",))) == [c for c in RULES if c != "XEN903"]
    assert enabled(SelectionLayer(extend_select=("XEN3", "XEN903"))) == list(RULES)


def test_more_specific_selector_wins() -> None:
    layer = SelectionLayer(select=("ALL",), ignore=("XEN1",), extend_select=("XEN101",))
    chosen = enabled(layer)
    assert chosen == ["XEN101", *codes("XEN", but=("XEN1",))]
    assert "XEN102" not in chosen and "XEN301" in chosen
    # and the other way round: a specific ignore inside a selected prefix
    layer = SelectionLayer(select=("XEN2",), ignore=("XEN202",))
    assert enabled(layer) == codes("XEN2", *FRONT_END, but=("XEN202",))
    assert "XEN201" in enabled(layer) and "XEN202" not in enabled(layer)


def test_ignore_wins_at_equal_specificity() -> None:
    assert "XEN105" not in enabled(SelectionLayer(select=("XEN105",), ignore=("XEN105",)))
    assert "XEN105" not in enabled(SelectionLayer(extend_select=("XEN1",), ignore=("XEN1",)))


def test_command_line_layer_over_config_layer() -> None:
    config = SelectionLayer(ignore=("XEN105",))
    # --select replaces the configured set, its ignores included
    assert "XEN105" in enabled(config, SelectionLayer(select=("XEN1",)))
    # without --select, the configured state stands unless a CLI selector matches
    assert "XEN105" not in enabled(config, SelectionLayer(ignore=("XEN106",)))
    assert "XEN105" in enabled(config, SelectionLayer(extend_select=("XEN105",)))
    # a configured select is kept when the command line only ignores
    both = enabled(SelectionLayer(select=("XEN2",)), SelectionLayer(ignore=("XEN201",)))
    assert both == codes("XEN2", *FRONT_END, but=("XEN201",))
    assert "XEN202" in both and "XEN201" not in both


def test_xen9_only_off_when_ignored_specifically() -> None:
    assert "XEN901" in enabled(SelectionLayer(ignore=("ALL",)))
    assert "XEN901" in enabled(SelectionLayer(select=("XEN101",)))
    assert "XEN901" not in enabled(SelectionLayer(ignore=("XEN9",)))
    assert "XEN902" in enabled(SelectionLayer(ignore=("XEN901",)))


def test_xen903_is_off_by_default_and_selected_like_any_rule() -> None:
    assert "XEN903" not in enabled()
    assert "XEN903" not in enabled(SelectionLayer(select=("XEN1",)))
    assert "XEN903" in enabled(SelectionLayer(extend_select=("XEN903",)))
    assert "XEN903" in enabled(SelectionLayer(select=("XEN9",)))
    assert "XEN903" in enabled(SelectionLayer(select=("ALL",)))
    on = SelectionLayer(select=("ALL",))
    assert "XEN903" not in enabled(on, SelectionLayer(ignore=("XEN903",)))


# --------------------------------------------------------------------------- config files


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_config_from_table_reads_every_key(tmp_path: Path) -> None:
    table = {
        "select": ["XEN1"],
        "extend-select": ["xen301"],
        "ignore": ["XEN105"],
        "per-file-ignores": {"tests/*": ["XEN1"]},
        "exclude": ["legacy"],
        "extend_exclude": ["gen/*.py"],  # underscores accepted too
    }
    config = config_from_table(table, source=tmp_path / "pyproject.toml")
    assert config.select == ("XEN1",)
    assert config.extend_select == ("XEN301",)
    assert config.ignore == ("XEN105",)
    assert config.per_file_ignores == (("tests/*", ("XEN1",)),)
    assert config.exclude == ("legacy",)
    assert config.extend_exclude == ("gen/*.py",)
    assert config.root == tmp_path.resolve()
    assert config.selection.enabled_codes() == codes("XEN1", "XEN301", *FRONT_END, but=("XEN105",))


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"selct": ["XEN1"]}, "unknown option 'selct'"),
        ({"select": "XEN1"}, "select must be a list of strings"),
        ({"ignore": ["XEN999"]}, "ignore: unknown rule code or prefix 'XEN999'"),
        ({"per-file-ignores": ["x"]}, "per-file-ignores must be a table"),
        ({"per-file-ignores": {"a.py": ["NOPE1"]}}, "unknown rule code or prefix 'NOPE1'"),
        ({"exclude": [1]}, "exclude must be a list of strings"),
    ],
)
def test_bad_settings_are_clear_errors(table: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        config_from_table(table, source=Path("pyproject.toml"))


def test_nearest_pyproject_with_a_xentlint_table(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.xentlint]\nignore = ["XEN105"]\n')
    write(tmp_path / "a" / "pyproject.toml", '[project]\nname = "a"\n')  # no table: skipped
    deep = tmp_path / "a" / "b"
    deep.mkdir()
    assert find_config_file(deep) == (tmp_path / "pyproject.toml").resolve()
    assert discover_config(deep).ignore == ("XEN105",)
    write(tmp_path / "a" / "b" / "pyproject.toml", "[tool.xentlint]\n")
    assert find_config_file(deep) == (deep / "pyproject.toml").resolve()
    assert discover_config(deep).ignore == ()


def test_no_config_gives_defaults(tmp_path: Path) -> None:
    assert find_config_file(tmp_path) is None
    config = Config()
    assert config.exclude == DEFAULT_EXCLUDE
    assert config.selection.enabled_codes() == DEFAULT_ON


def test_invalid_toml_is_an_error(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.xentlint\nselect = [")
    with pytest.raises(ConfigError, match="invalid TOML"):
        discover_config(tmp_path)


def test_explicit_config_file(tmp_path: Path) -> None:
    standalone = write(tmp_path / "xentlint.toml", 'select = ["XEN2"]\n')
    assert load_config(standalone).select == ("XEN2",)
    nested = write(tmp_path / "other.toml", '[tool.xentlint]\nignore = ["XEN2"]\n')
    assert load_config(nested).ignore == ("XEN2",)
    plain = write(tmp_path / "sub" / "pyproject.toml", '[project]\nname = "x"\n')
    assert load_config(plain) == Config(root=plain.parent.resolve(), source=plain)
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "missing.toml")


# --------------------------------------------------------------------------- globs


@pytest.mark.parametrize(
    ("patterns", "path", "expected"),
    [
        (("build",), "build/x.py", True),
        (("build",), "src/build/x.py", True),
        (("build",), "src/builder/x.py", False),
        (("*.egg-info",), "pkg.egg-info/x.py", True),
        (("tests/*",), "tests/a.py", True),
        (("tests/*",), "tests/sub/a.py", True),  # the folder tests/sub matches
        (("tests/*",), "src/tests/a.py", False),  # anchored at the root
        (("src/**/gen_*.py",), "src/gen_a.py", True),
        (("src/**/gen_*.py",), "src/x/y/gen_a.py", True),
        (("src/**/gen_*.py",), "src/x/y/a.py", False),
        (("./legacy/",), "legacy/old.py", True),
        (("legacy/",), "a/legacy/old.py", True),
        (("a?.py",), "ab.py", True),
        (("[ab].py",), "c.py", False),
        ((), "x.py", False),
    ],
)
def test_path_matcher(patterns: tuple[str, ...], path: str, expected: bool) -> None:
    assert PathMatcher(patterns).matches(path) is expected


# --------------------------------------------------------------------------- discovery


def make_tree(root: Path) -> None:
    for name in (
        "a.py",
        "b.ipynb",
        "notes.txt",
        "pkg/__init__.py",
        "pkg/z.py",
        "pkg/m.py",
        ".venv/lib/x.py",
        "venv/y.py",
        "build/gen.py",
        "node_modules/k.py",
        "pkg/__pycache__/c.py",
        "thing.egg-info/d.py",
        "legacy/old.py",
        "site-packages/s.py",
    ):
        write(root / name, "x = 1\n")


def test_discovery_sorted_with_default_excludes(tmp_path: Path, monkeypatch) -> None:
    make_tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    files, missing = discover(["."], Config())
    assert [display for _, display in files] == [
        "a.py",
        "b.ipynb",
        "legacy/old.py",
        "pkg/__init__.py",
        "pkg/m.py",
        "pkg/z.py",
    ]
    assert missing == []


def test_discovery_extend_exclude_and_explicit_files(tmp_path: Path, monkeypatch) -> None:
    make_tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    config = Config(extend_exclude=("legacy", "pkg/m.py"))
    files, missing = discover([".", "build/gen.py", "nope.py", "legacy"], config)
    assert [display for _, display in files] == [
        "a.py",
        "b.ipynb",
        "pkg/__init__.py",
        "pkg/z.py",
        "build/gen.py",  # named explicitly: linted although excluded
        "legacy/old.py",  # a folder named explicitly is walked
    ]
    assert missing == ["nope.py"]


def test_exclude_replaces_defaults(tmp_path: Path, monkeypatch) -> None:
    make_tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    files, _ = discover(["pkg"], Config(exclude=("z.py",)))
    assert [display for _, display in files] == [
        "pkg/__init__.py",
        "pkg/__pycache__/c.py",
        "pkg/m.py",
    ]


def test_anchored_exclude_uses_config_root(tmp_path: Path, monkeypatch) -> None:
    make_tree(tmp_path)
    write(tmp_path / "pyproject.toml", '[tool.xentlint]\nextend-exclude = ["pkg/z.py"]\n')
    monkeypatch.chdir(tmp_path / "pkg")
    config = discover_config()
    files, _ = discover(["."], config)
    assert [display for _, display in files] == ["__init__.py", "m.py"]


_MARK = re.compile(r"FIND\((XEN\d+)\)")


def fake_analyze(source: str, *_args: object) -> list[RawFinding]:
    out = []
    for number, line in enumerate(source.split("\n"), start=1):
        for match in _MARK.finditer(line):
            out.append(RawFinding(match.group(1), "fake", number, match.start() + 1, number, 1))
    return out


def test_per_file_ignores(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("xentlint.static.analyze_source", fake_analyze)
    monkeypatch.setattr("xentlint.pipeline.screen", lambda *_a, **_k: None)  # every text analysed
    source = "x = 'FIND(XEN101) FIND(XEN202)'\n"
    write(tmp_path / "src" / "m.py", source)
    write(tmp_path / "tests" / "unit" / "t.py", source)
    write(tmp_path / "scripts" / "s.py", source)
    write(
        tmp_path / "pyproject.toml",
        '[tool.xentlint.per-file-ignores]\n"tests/" = ["XEN1"]\n"s.py" = ["XEN202", "XEN101"]\n',
    )
    monkeypatch.chdir(tmp_path)
    report = check_paths(["."], config=discover_config())
    assert [(d.path, d.code) for d in report.diagnostics] == [
        ("src/m.py", "XEN101"),
        ("src/m.py", "XEN202"),
        ("tests/unit/t.py", "XEN202"),
    ]
    assert report.files == 3


# --------------------------------------------------------------------------- hostile configs


def test_a_huge_select_list_is_resolved_once_per_distinct_selector(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A 200 000-entry select list (issue 12 had 2 million, over 30 s): the selection must
    # not compare every code with every entry. Count the comparisons, not the seconds.
    entries = ", ".join('"XEN1"' if i % 2 else '"xen101"' for i in range(200_000))
    write(tmp_path / "pyproject.toml", f"[tool.xentlint]\nselect = [{entries}]\n")
    config = discover_config(tmp_path)
    assert config.select == ("XEN101", "XEN1")  # repeated selectors are kept once
    calls = []
    real = selection_module.matches

    def counting(selector: str, code: str) -> bool:
        calls.append(selector)
        return real(selector, code)

    monkeypatch.setattr(selection_module, "matches", counting)
    assert config.selection.enabled_codes() == [
        "XEN101", "XEN102", "XEN103", "XEN104", "XEN105", "XEN106", "XEN107",
        "XEN901", "XEN902",
    ]  # fmt: skip
    assert len(calls) <= 4 * len(RULES)


def test_parse_selectors_is_linear_and_deduplicates() -> None:
    assert parse_selectors(["XEN1,xen1", "XEN1"] * 50_000) == ("XEN1",)
    assert SelectionLayer(select=("XEN1",) * 1000, ignore=("XEN105",) * 1000).select == ("XEN1",)
    assert SelectionLayer(ignore=("XEN105",) * 1000).ignore == ("XEN105",)


@pytest.mark.parametrize(
    "value",
    ["[" * 5000 + "]" * 5000, "{a = " * 5000 + "1" + "}" * 5000],
    ids=["arrays", "inline-tables"],
)
def test_deeply_nested_toml_is_a_config_error(tmp_path: Path, value: str) -> None:
    path = write(tmp_path / "deep.toml", f"select = {value}\n")
    with pytest.raises(ConfigError, match="nested too deeply"):
        load_config(path)
    write(tmp_path / "pyproject.toml", f"[tool.xentlint]\nselect = {value}\n")
    with pytest.raises(ConfigError, match="nested too deeply"):
        discover_config(tmp_path)


def test_a_pyproject_like_file_without_a_xentlint_table(tmp_path: Path) -> None:
    # --config on a file with only [project] / [tool.ruff]: say what is missing ...
    for text in ('[project]\nname = "x"\n', "[tool.ruff]\nline-length = 80\n"):
        path = write(tmp_path / "ci.toml", text)
        with pytest.raises(ConfigError, match=r"no \[tool\.xentlint\] table") as caught:
            load_config(path)
        assert "unknown option" not in str(caught.value)
    # ... but a pyproject.toml without one is the project's file: the defaults, as in ruff
    plain = write(tmp_path / "pyproject.toml", "[tool.ruff]\nline-length = 80\n")
    assert load_config(plain).selection.enabled_codes() == DEFAULT_ON
    # and a file of xentlint's own still holds the settings at its top level
    assert load_config(write(tmp_path / "x.toml", 'ignore = ["XEN105"]\n')).ignore == ("XEN105",)


def test_force_exclude_key_and_excludes_path(tmp_path: Path, monkeypatch) -> None:
    write(
        tmp_path / "pyproject.toml",
        '[tool.xentlint]\nforce-exclude = true\nextend-exclude = ["gen/"]\n',
    )
    monkeypatch.chdir(tmp_path)
    config = discover_config()
    assert config.force_exclude is True
    assert config.excludes_path(Path("gen/a.py"))
    assert config.excludes_path(Path("src/build/b.py"))  # a default exclude, at any depth
    assert not config.excludes_path(Path("src/a.py"))
    with pytest.raises(ConfigError, match="force-exclude must be true or false"):
        config_from_table({"force-exclude": "yes"})


def test_command_line_file_overrides_are_relative_to_the_current_folder(
    tmp_path: Path, monkeypatch
) -> None:
    write(tmp_path / "pyproject.toml", '[tool.xentlint]\nper-file-ignores = { "t/*" = ["XEN1"] }\n')
    (tmp_path / "pkg").mkdir()
    monkeypatch.chdir(tmp_path / "pkg")
    config = discover_config().with_file_overrides(
        exclude=("gen/*.py", "old"),
        extend_per_file_ignores=(("tests/*", ("XEN2",)),),
    )
    assert config.exclude == ("pkg/gen/*.py", "old")  # re-anchored at the config's folder
    assert config.excludes_path(Path("gen/a.py")) and not config.excludes_path(Path("a.py"))
    assert config.per_file_ignores == (("t/*", ("XEN1",)), ("pkg/tests/*", ("XEN2",)))
    replaced = discover_config().with_file_overrides(per_file_ignores=(("x.py", ("XEN2",)),))
    assert replaced.per_file_ignores == (("x.py", ("XEN2",)),)
