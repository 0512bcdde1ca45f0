"""The documentation's references resolve: links between the README, the rule pages and
``docs/article.md`` (the source article's numbers), and the tests the article page names."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "docs" / "article.md"
PAGES = sorted((ROOT / "rules").glob("*.md"))
DOCUMENTS = [ROOT / "README.md", *PAGES, ARTICLE]

_LINK = re.compile(r"\]\(([^)\s]+)\)")
_ANCHOR = re.compile(r'<a id="([^"]+)"></a>')
_HEADING = re.compile(r"^#+\s+(.*)$", re.MULTILINE)


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes."""
    text = re.sub(r"<[^>]+>", "", heading).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8")
    return set(_ANCHOR.findall(text)) | {_slug(h) for h in _HEADING.findall(text)}


def _links(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"```.*?```", "", text, flags=re.DOTALL)  # code blocks are not links
    return [t for t in _LINK.findall(text) if not re.match(r"[a-z]+:", t)]


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_local_links_and_anchors_resolve(document: Path) -> None:
    for target in _links(document):
        file_part, _, anchor = target.partition("#")
        resolved = (document.parent / file_part).resolve() if file_part else document
        assert resolved.exists(), f"{document.name}: {target} does not exist"
        if anchor and resolved.suffix == ".md":
            assert anchor in _anchors(resolved), f"{document.name}: no #{anchor} in {file_part}"


def test_the_article_is_cited_through_docs_article_md() -> None:
    cited = 0
    for path in [ROOT / "README.md", *PAGES]:
        text = path.read_text(encoding="utf-8")
        assert "ARTICLE.md" not in text, f"{path.name} cites a file the repository lacks"
        cited += text.count("docs/article.md#")
    assert cited >= 15  # every rule page's article number points at its row


def test_every_row_and_named_test_of_the_article_exists() -> None:
    text = ARTICLE.read_text(encoding="utf-8")
    assert {f"row-{n}" for n in range(1, 11)} <= _anchors(ARTICLE)
    harm = (ROOT / "tests" / "test_harm_tensorflow.py").read_text(encoding="utf-8")
    defined = set(re.findall(r"^def (test_\w+)", harm, re.MULTILINE))
    named = set(re.findall(r"`(test_\w+)`", text))
    assert named, "the article page names the tests that pin its numbers"
    assert named <= defined, f"named but not defined: {sorted(named - defined)}"
    # every row of the table names a test
    rows = [line for line in text.splitlines() if line.startswith('| <a id="row-')]
    assert len(rows) == 10
    assert all(re.search(r"`test_\w+`", row) for row in rows)
