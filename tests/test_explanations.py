"""One sentence per message, the explanation apart (issue 11 §2).

A finding's ``message`` says what is wrong here in one sentence (which loss, which output,
where the other place is); its ``explanation`` says why, with the measured number of the
rule's page, and what to do. Every finding of every fixture is held to that, and each
number an explanation quotes must be one its rule's page (or the article) gives.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from xentlint import lint_paths, lint_source
from xentlint.catalog import RULES
from xentlint.ci_output import sarif_log
from xentlint.cli import cli
from xentlint.config import Config

ROOT = Path(__file__).resolve().parent.parent
#: A sentence ends inside the text: a period, ! or ? followed by a space, or a semicolon
#: outside parentheses (in an aside, it separates list items: ``(unused: X; unknown: Y)``).
STOP = re.compile(r"[.!?]\s")
SEMICOLON = re.compile(r";\s")
ASIDE = re.compile(r"\([^()]*\)")
NUMBER = re.compile(r"(?<![\w.])\d+\.\d+(?:e-\d+)?")


def one_sentence(message: str) -> bool:
    outside = message
    while ASIDE.search(outside):
        outside = ASIDE.sub("", outside)
    return STOP.search(message) is None and SEMICOLON.search(outside) is None


TRAIN = """\
import keras
(x, y), _ = keras.datasets.mnist.load_data()
y = keras.utils.to_categorical(y, 10)
model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
model.fit(x, y)
"""


@pytest.fixture(scope="module")
def fixture_findings() -> list:  # type: ignore[type-arg]
    return lint_paths([ROOT / "fixtures"], config=Config(select=("ALL",)))


def test_every_fixture_message_is_one_sentence(fixture_findings: list) -> None:  # type: ignore[type-arg]
    assert len(fixture_findings) > 300
    for d in fixture_findings:
        where = f"{d.location()} {d.code}"
        assert one_sentence(d.message), f"{where}: {d.message}"
        assert not d.message.endswith("."), f"{where}: {d.message}"
        # the paths of other modules of a project are as long as the checkout's folder
        assert len(d.message.replace(f"{ROOT}/", "")) <= 240, f"{where}: {d.message}"


def test_every_fixture_finding_is_explained(fixture_findings: list) -> None:  # type: ignore[type-arg]
    for d in fixture_findings:
        where = f"{d.location()} {d.code}"
        assert d.explanation, where
        assert d.explanation[0].isupper() or d.explanation[0] == "`", where
        assert d.explanation.endswith("."), where
        assert "{" not in d.explanation and "line " not in d.explanation, where
        assert d.message not in d.explanation, where


def _page_numbers(code: str) -> set[Decimal]:
    text = (ROOT / "rules" / f"{code}.md").read_text(encoding="utf-8")
    text += (ROOT / "docs" / "article.md").read_text(encoding="utf-8")
    return {Decimal(n) for n in NUMBER.findall(text)}


def _quoted_numbers(explanation: str) -> list[str]:
    """The decimals an explanation quotes, less the bounds of a clipped range."""
    return [n for n in NUMBER.findall(explanation) if n not in ("0.5", "1.0", "0.0")]


def test_explanations_quote_the_numbers_of_the_rule_pages(fixture_findings: list) -> None:  # type: ignore[type-arg]
    checked = 0
    for d in {(d.code, d.explanation): d for d in fixture_findings}.values():
        numbers = _page_numbers(d.code)
        for quoted in _quoted_numbers(d.explanation):
            exponent = Decimal(quoted).as_tuple().exponent
            rounded = {n.quantize(Decimal(1).scaleb(exponent)) for n in numbers if n.is_finite()}
            assert Decimal(quoted) in rounded, f"{d.code}: {quoted} is not on its page"
            checked += 1
    assert checked > 20


def test_a_made_up_number_is_caught() -> None:
    # the check above can fail: 1.24 appears on no page of XEN102
    numbers = _page_numbers("XEN102")
    assert Decimal("0.539") in {n.quantize(Decimal("0.001")) for n in numbers}
    assert Decimal("1.24") not in {n.quantize(Decimal("0.01")) for n in numbers}


def test_the_sentence_and_the_explanation_of_a_real_finding() -> None:
    [xen101, xen201] = lint_source(TRAIN, "train.py")
    assert xen101.message == (
        "softmax is applied twice: this output already ends in softmax and the loss at "
        "line 5 applies it again (SparseCategoricalCrossentropy() has from_logits=True)"
    )
    assert xen101.explanation.startswith("The loss is computed on softmax(softmax(scores))")
    assert "1.49 instead of 3.39" in xen101.explanation
    assert xen101.explanation.endswith(
        "`predict` then returns logits: wrap with keras.Sequential([model, "
        "keras.layers.Softmax()]) for probabilities), or drop from_logits."
    )
    assert "Backend" not in xen101.explanation  # static mode: the backend is not known
    assert xen201.message == (
        "SparseCategoricalCrossentropy() expects integer class ids, but the labels are "
        "one-hot (to_categorical at line 3)"
    )
    assert xen201.explanation.endswith(
        "Use CategoricalCrossentropy with the same from_logits, or keep integer labels."
    )


def test_json_and_sarif_carry_the_explanation(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "train.py").write_text(TRAIN)
    result = CliRunner().invoke(cli, ["check", "--no-cache", "--output-format", "json", "."])
    records = json.loads(result.stdout)
    assert [r["code"] for r in records] == ["XEN101", "XEN201"]
    [mine] = [d for d in lint_source(TRAIN, "train.py") if d.code == "XEN201"]
    assert records[1]["message"] == mine.message
    assert records[1]["explanation"] == mine.explanation
    log = sarif_log(lint_source(TRAIN, "train.py"))
    message = log["runs"][0]["results"][1]["message"]
    # the sentence first: SARIF viewers short of space show the first sentence only
    assert message["text"] == f"{mine.message}. {mine.explanation}"
    assert message["markdown"] == f"{mine.message}.\n\n{mine.explanation}"


def test_concise_and_grouped_print_the_sentence_alone(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "train.py").write_text(TRAIN)
    for output in ("concise", "grouped", "pylint", "github"):
        result = CliRunner().invoke(cli, ["check", "--no-cache", "--output-format", output])
        assert "to_categorical at line 3" in result.stdout, output
        assert "keep integer labels" not in result.stdout, output
    full = CliRunner().invoke(cli, ["check", "--no-cache", "--output-format", "full"])
    lines = full.stdout.splitlines()
    why = [i for i, line in enumerate(lines) if line.startswith("why: ")]
    helps = [i for i, line in enumerate(lines) if line.startswith("help: ")]
    assert len(why) == 2 and [i + 1 for i in why] == helps  # under the excerpt, before help
    assert lines[why[1]].endswith("or keep integer labels.")


def test_the_sentence_check_can_fail() -> None:
    assert one_sentence("unused `# noqa` directive (unused: `XEN101`; unknown: `XEN1O1`)")
    assert one_sentence("syntax error: invalid syntax (perhaps you forgot a comma?)")
    assert not one_sentence("the loss is wrong; pass from_logits=True")
    assert not one_sentence("the loss is wrong. Pass from_logits=True")
    assert not one_sentence("the loss is wrong (see below). Pass from_logits=True")


def test_syntax_errors_are_one_sentence_too() -> None:
    [d] = lint_source("print 'hello'\n", "old.py")
    # CPython: "Missing parentheses in call to 'print'. Did you mean print(...)?"
    assert d.message == (
        "syntax error: Missing parentheses in call to 'print' (did you mean print(...)?)"
    )
    assert d.explanation == RULES["XEN901"].explanation != ""
