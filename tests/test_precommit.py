"""The pre-commit hooks: the manifest validates, and the hooks run (`pre-commit try-repo`)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
MANIFEST = REPO / ".pre-commit-hooks.yaml"
GIT = ("git", "-c", "user.name=xentlint tests", "-c", "user.email=tests@example.invalid")


def pre_commit(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_manifest_is_valid() -> None:
    result = pre_commit("validate-manifest", str(MANIFEST), cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    hooks = {hook["id"]: hook for hook in yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))}
    assert set(hooks) == {"xentlint", "xentlint-fix"}
    assert hooks["xentlint"]["entry"] == "xentlint check --force-exclude"
    assert hooks["xentlint-fix"]["entry"] == "xentlint check --fix --force-exclude"
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert hook["types_or"] == ["python", "jupyter"]
        assert hook["require_serial"] is True


def test_validate_manifest_is_not_a_rubber_stamp(tmp_path: Path) -> None:
    broken = tmp_path / ".pre-commit-hooks.yaml"
    broken.write_text("- id: xentlint\n  name: xentlint\n  language: python\n")  # no entry
    assert pre_commit("validate-manifest", str(broken), cwd=tmp_path).returncode != 0


def _source_repo(root: Path) -> Path:
    """A committed copy of what installing the hooks needs (the lead commits /work/main)."""
    source = root / "xentlint-src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy(REPO / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("xentlint", "rules"):
        shutil.copytree(REPO / name, source / name, ignore=ignore)
    subprocess.run([*GIT, "init", "-q"], cwd=source, check=True)
    subprocess.run([*GIT, "add", "-A"], cwd=source, check=True)
    subprocess.run([*GIT, "commit", "-q", "-m", "snapshot"], cwd=source, check=True)
    return source


def _fix_is_available() -> bool:
    from click.testing import CliRunner

    from xentlint.cli import cli

    return "--fix" in CliRunner().invoke(cli, ["check", "--help"]).output


@pytest.mark.slow
def test_hooks_run_in_a_git_repository(tmp_path: Path) -> None:
    source = _source_repo(tmp_path)
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(REPO / "fixtures" / "rules" / "xen103.py", project / "bad.py")
    shutil.copy(REPO / "fixtures" / "notebooks" / "double_softmax.ipynb", project / "nb.ipynb")
    (project / "clean.py").write_text("import keras\nx = 1\n")
    (project / "notes.txt").write_text("Dense(1, activation='softmax')\n")
    # `exclude` in pyproject.toml applies to the files pre-commit names (--force-exclude)
    (project / "pyproject.toml").write_text('[tool.xentlint]\nextend-exclude = ["generated/"]\n')
    (project / "generated").mkdir()
    shutil.copy(REPO / "fixtures" / "rules" / "xen103.py", project / "generated" / "gen.py")
    for index in range(6):  # enough files for pre-commit to split them without require_serial
        (project / f"more{index}.py").write_text("import keras\nx = 1\n")
    subprocess.run([*GIT, "init", "-q"], cwd=project, check=True)
    subprocess.run([*GIT, "add", "-A"], cwd=project, check=True)
    env = dict(os.environ, PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"))

    result = pre_commit("try-repo", str(source), "xentlint", "--all-files", cwd=project, env=env)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "bad.py:20:38: XEN103 softmax over a single unit" in output
    assert "nb.ipynb:cell_3:4:28: XEN101 softmax is applied twice" in output
    assert "nb.ipynb:cell_7:4:27: XEN103" in output
    assert "clean.py" not in output and "notes.txt" not in output
    assert "generated/gen.py" not in output
    # one xentlint process for all the files: one summary (bad.py and nb.ipynb)
    assert output.count("Found ") == 1, output
    assert "in 2 files." in output

    if not _fix_is_available():
        pytest.skip("`xentlint check --fix` does not exist yet; only its manifest entry is checked")
    fixable = (
        "import keras\n"
        "model = keras.Sequential([keras.layers.Dense(10)])\n"
        'model.compile(loss="categorical_crossentropy")\n'
    )
    (project / "fixable.py").write_text(fixable)
    subprocess.run([*GIT, "add", "-A"], cwd=project, check=True)
    result = pre_commit(
        "try-repo", str(source), "xentlint-fix", "--files", "fixable.py", cwd=project, env=env
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output  # the hook changed a file
    fixed = (project / "fixable.py").read_text()
    assert fixed != fixable
    assert "from_logits=True" in fixed
