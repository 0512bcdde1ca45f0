"""`xentlint check --fix / --unsafe-fixes / --diff / --show-fixes`, and writing files safely."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from xentlint.cli import cli
from xentlint.fix import files as fix_files
from xentlint.fix.files import atomic_write, codec_for

BROKEN = """\
import keras

model = keras.Sequential([keras.layers.Dense(10)])
model.compile(loss="categorical_crossentropy")  # logits into a probability loss
one = keras.Sequential([keras.layers.Dense(1, activation="softmax")])
one.compile(loss="binary_crossentropy")
"""
SAFE = BROKEN.replace(
    'loss="categorical_crossentropy"', "loss=keras.losses.CategoricalCrossentropy(from_logits=True)"
)
UNSAFE = SAFE.replace('activation="softmax"', 'activation="sigmoid"')


def run(*args: str, stdin: str | bytes | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), input=stdin)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "train.py").write_text(BROKEN)
    (tmp_path / "clean.py").write_text("x = 1\n")
    return tmp_path


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if "xentlint-tmp" in p.name)


def test_fix_applies_safe_fixes_and_reports_the_rest(project: Path) -> None:
    code, out, err = run("check", "--fix", ".")
    assert (project / "train.py").read_text() == SAFE
    assert code == 1  # XEN103 remains: its fix is unsafe
    assert out.splitlines() == [
        "train.py:5:47: XEN103 softmax over a single unit always outputs 1.0, whatever the input",
        "Found 1 error in 1 file.",
        "1 unsafe fix available with `--fix --unsafe-fixes`.",
    ]
    assert "xentlint: fixed 1 finding in 1 file" in err
    # a second run has nothing left to do
    code, _, err = run("check", "--fix", ".")
    assert code == 1 and "fixed" not in err
    assert (project / "train.py").read_text() == SAFE


def test_unsafe_fixes_alone_write_nothing_and_mark_the_findings(project: Path) -> None:
    code, out, err = run("check", "--unsafe-fixes", "train.py")
    assert code == 1
    assert (project / "train.py").read_text() == BROKEN
    lines = out.splitlines()
    assert lines[0].startswith("train.py:4:20: XEN102 [*] ")
    assert lines[1].startswith("train.py:5:47: XEN103 [*] ")
    assert lines[2:] == ["Found 2 errors in 1 file.", "[*] 2 fixable with `--fix`."]
    # without --unsafe-fixes, the unsafe fix is not marked, and the summary says why
    _, out, _ = run("check", "train.py")
    lines = out.splitlines()
    assert lines[1].startswith("train.py:5:47: XEN103 softmax")
    assert lines[3] == (
        "[*] 1 fixable with `--fix` (1 unsafe fix available with `--fix --unsafe-fixes`)."
    )
    assert (project / "train.py").read_text() == BROKEN


def test_unsafe_fixes_and_show_fixes(project: Path) -> None:
    code, out, err = run("check", "--fix", "--unsafe-fixes", "--show-fixes", "train.py")
    assert code == 0
    assert (project / "train.py").read_text() == UNSAFE
    assert out.splitlines() == [
        "Fixed 2 findings:",
        "  train.py:4:20: XEN102 Pass from_logits=True to the loss",
        '  train.py:5:47: XEN103 Use activation="sigmoid" (unsafe)',
        "All checks passed (1 file).",
    ]
    assert err == ""


def test_diff_writes_nothing(project: Path) -> None:
    code, out, err = run("check", "--diff", ".")
    assert code == 1
    assert (project / "train.py").read_text() == BROKEN
    assert out == (
        "--- train.py\n"
        "+++ train.py\n"
        "@@ -1,6 +1,6 @@\n"
        " import keras\n"
        " \n"
        " model = keras.Sequential([keras.layers.Dense(10)])\n"
        '-model.compile(loss="categorical_crossentropy")  # logits into a probability loss\n'
        "+model.compile(loss=keras.losses.CategoricalCrossentropy(from_logits=True))"
        "  # logits into a probability loss\n"
        ' one = keras.Sequential([keras.layers.Dense(1, activation="softmax")])\n'
        ' one.compile(loss="binary_crossentropy")\n'
    )
    assert err == "Would fix 1 finding.\n"
    assert run("check", "--diff", "clean.py") == (0, "", "Would fix 0 findings.\n")
    code, out, _ = run("check", "--diff", "--unsafe-fixes", "-q", "train.py")
    assert (
        code == 1
        and '+one = keras.Sequential([keras.layers.Dense(1, activation="sigmoid")])' in out
    )
    assert (project / "train.py").read_text() == BROKEN


def test_json_output_after_fix_has_the_fix_field(project: Path) -> None:
    code, out, err = run("check", "--fix", "--show-fixes", "--output-format", "json", ".")
    assert code == 1
    [item] = json.loads(out)  # stdout stays valid JSON; the list of fixes went to stderr
    assert item["code"] == "XEN103"
    assert item["fix"] == {"available": True, "safety": "unsafe"}
    assert "train.py:4:20: XEN102 Pass from_logits=True to the loss" in err


def test_json_fix_field_without_fixing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.py").write_text(
        BROKEN
        + "y = keras.utils.to_categorical([0, 1], 10)\n"
        + "five = keras.Sequential([keras.layers.Dense(5, activation='softmax')])\n"
        + "five.compile(loss='categorical_crossentropy')\n"
        + "five.fit(None, y)\n"
        + "shared = keras.losses.CategoricalCrossentropy()\n"
        + "lin = keras.Sequential([keras.layers.Dense(3)])\n"
        + "lin.compile(loss=shared)\n"
        + "soft = keras.Sequential([keras.layers.Dense(3, activation='softmax')])\n"
        + "soft.compile(loss=shared)\n"
    )
    _, out, _ = run("check", "--output-format", "json", "a.py")
    fixes = {(d["code"], d["line"]): d["fix"] for d in json.loads(out)}
    assert fixes == {
        ("XEN102", 4): {"available": True, "safety": "safe"},
        ("XEN103", 5): {"available": True, "safety": "unsafe"},
        ("XEN203", 9): None,  # no automatic fix for this rule
        ("XEN102", 11): {"available": False, "safety": "safe"},  # shared with a softmax model
    }


def test_stdin_fix_prints_the_fixed_source(project: Path) -> None:
    code, out, err = run("check", "--fix", "--stdin-filename", "t.py", stdin=BROKEN)
    assert out == SAFE
    assert code == 1
    assert "t.py:5:47: XEN103" in err


def test_notebook_is_fixed_in_place(project: Path) -> None:
    source = Path(__file__).parent.parent / "fixtures" / "fix" / "notebook_jupyter.in.ipynb"
    expected = source.with_name("notebook_jupyter.out.ipynb").read_bytes()
    (project / "nb.ipynb").write_bytes(source.read_bytes())
    code, _, _ = run("check", "--fix", "nb.ipynb")
    assert code == 0
    assert (project / "nb.ipynb").read_bytes() == expected


def test_mode_and_encoding_are_kept(project: Path) -> None:
    target = project / "train.py"
    target.chmod(0o640)
    latin = "# -*- coding: latin-1 -*-\n# modèle\n" + BROKEN.replace("\n", "\r\n")
    (project / "latin.py").write_bytes(latin.encode("latin-1"))
    (project / "bom.py").write_bytes(b"\xef\xbb\xbf" + BROKEN.encode())
    run("check", "--fix", ".")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    expected_latin = "# -*- coding: latin-1 -*-\n# modèle\n" + SAFE.replace("\n", "\r\n")
    assert (project / "latin.py").read_bytes() == expected_latin.encode("latin-1")
    assert (project / "bom.py").read_bytes() == b"\xef\xbb\xbf" + SAFE.encode()
    assert _leftovers(project) == []


def test_symlink_target_is_written(project: Path) -> None:
    (project / "real").mkdir()
    (project / "train.py").rename(project / "real" / "train.py")
    (project / "train.py").symlink_to(project / "real" / "train.py")
    run("check", "--fix", "train.py")
    assert (project / "train.py").is_symlink()
    assert (project / "real" / "train.py").read_text() == SAFE


def test_syntax_error_file_is_never_written(project: Path) -> None:
    broken = BROKEN + "def oops(:\n"
    (project / "train.py").write_text(broken)
    code, out, _ = run("check", "--fix", "--unsafe-fixes", "train.py")
    assert code == 1 and "XEN901" in out
    assert (project / "train.py").read_text() == broken


def test_read_only_file_is_reported(project: Path) -> None:
    target = project / "train.py"
    target.chmod(0o444)
    try:
        code, out, err = run("check", "--fix", "train.py", "clean.py")
    finally:
        target.chmod(0o644)
    assert code == 2
    assert "xentlint: error: train.py: read-only file, not fixed" in err
    assert target.read_text() == BROKEN
    # the findings of the file as it is are still printed
    assert "train.py:4:20: XEN102" in out and "train.py:5:47: XEN103" in out
    assert _leftovers(project) == []


def test_unwritable_folder_is_reported(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(fix_files.tempfile, "mkstemp", refuse)
    code, _, err = run("check", "--fix", "train.py")
    assert code == 2
    assert "train.py: cannot write in its folder: Permission denied" in err
    assert (project / "train.py").read_text() == BROKEN


@pytest.mark.parametrize("where", ["replace", "fsync", "write"])
def test_failed_write_leaves_the_original(
    project: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    def fail(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    if where == "replace":
        monkeypatch.setattr(fix_files.os, "replace", fail)
    elif where == "fsync":
        monkeypatch.setattr(fix_files.os, "fsync", fail)
    else:
        real_fdopen = fix_files.os.fdopen

        class Failing:
            def __init__(self, fd: int, mode: str) -> None:
                self.handle = real_fdopen(fd, mode)

            def __enter__(self) -> Failing:
                return self

            def __exit__(self, *exc: object) -> None:
                self.handle.close()

            def write(self, data: bytes) -> None:
                self.handle.write(data[: len(data) // 2])
                raise OSError(28, "No space left on device")

        monkeypatch.setattr(fix_files.os, "fdopen", Failing)
    code, _, err = run("check", "--fix", "train.py")
    assert code == 2
    assert "train.py: cannot write: No space left on device" in err
    assert (project / "train.py").read_text() == BROKEN
    assert _leftovers(project) == []


def test_interrupted_write_leaves_no_temporary_file(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupt(*_args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(fix_files.os, "replace", interrupt)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(project / "train.py", b"x = 1\n")
    assert (project / "train.py").read_text() == BROKEN
    assert _leftovers(project) == []


def test_a_dropped_fix_exits_2(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def parses(code: str, **_options: object) -> str | None:
        return "pretend it broke" if "from_logits" in code else None

    monkeypatch.setattr("xentlint.fix.engine.parses", parses)
    code, out, err = run("check", "--fix", "train.py")
    assert code == 2
    assert "train.py:4:20: XEN102 fix not applied: the result would not parse" in err
    assert (project / "train.py").read_text() == BROKEN
    assert "train.py:4:20: XEN102" in out


def test_codec_round_trip() -> None:
    assert codec_for(b"x = 1\n", "a.py") is not None
    text, encode = codec_for("\ufeffé = 1\n".encode(), "a.py")  # type: ignore[misc]
    assert text == "é = 1\n" and encode(text) == "\ufeffé = 1\n".encode()
    assert codec_for("é = 1\n".encode("utf-16"), "a.py") is None  # CPython reads no UTF-16
    assert codec_for(b"x = '\xe9'\n", "a.py") is None  # not UTF-8, no cookie: lint only


def test_readme_fix_example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's `--diff` example is what the command prints."""
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Fixes\n", 1)[1].split("\n## ", 1)[0]
    source = section.split("```python\n", 1)[1].split("```", 1)[0]
    diff = section.split("```diff\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "train.py").write_text(source)
    assert run("check", "--diff", "train.py")[:2] == (1, diff)
