"""Questions about who wrote the sources: answered with their bylines, quoted and cited."""

from pathlib import Path

import pytest

from embeddings.ingest.sources import load_sources, parse_article
from embeddings.models import Article, SourceInfo
from embeddings.retrieval.about import asks_who_wrote, who_wrote


@pytest.mark.parametrize(
    "question",
    [
        "Who wrote the Canadian Press article?",
        "who wrote that story lol",
        "Which journalist wrote the piece for SecurityWeek?",
        "who is the author of the Intel-News article",
        "Was the Mashable report written by a staff writer?",
        "what's the byline on the ITBusinessEDGE one",
        "who wrote the intel news one, the first article?",
        "¿Quién escribió la nota de The Canadian Press?",
        "Canadian Press wala article kis ne likha tha?",
        "Qui a écrit l'article d'Intel-News ?",
    ],
)
def test_authorship_questions_are_recognised(question: str) -> None:
    assert asks_who_wrote(question)


@pytest.mark.parametrize(
    "question",
    [
        "wait who's the guy who wrote the blog post, the coo?",
        "Who announced that BlackBerry would leave Pakistan?",
        "Who reported the demand to the carriers?",
        "What did the article say about India?",
        "Who said the demand was not about public safety?",
        "Who wrote the blog post, according to the Canadian Press report?",
        "Who wrote the blog post on the exit in the Canadian Press story?",
        "Who is the writer of the blog post in the article?",
        "What did the authors of the report say about BlackBerry?",
    ],
)
def test_questions_about_the_story_are_not_authorship_questions(question: str) -> None:
    assert not asks_who_wrote(question)


def article(source_id: str, publisher: str, byline: str | None) -> Article:
    info = SourceInfo(source_id, f"{publisher} story", publisher=publisher)
    return Article(info, Path(source_id), ("Some text.",), "", byline=byline)


ARTICLES = [
    article("a", "The Canadian Press", "by Peter Henderson, The Canadian Press"),
    article("b", "Intel-News", "Charles I. Omedo"),
    article("c", "SecurityWeek", None),
]
KNOWN = {"blackberry", "pakistan", "exit", "leaving", "times", "paper"}


def test_a_named_source_gets_its_own_byline_verbatim() -> None:
    answer = who_wrote("Who wrote the Canadian Press article?", ARTICLES, KNOWN, 3)
    assert answer is not None
    assert [(e.source.id, e.text, e.highlight, e.paragraph) for e in answer.excerpts] == [
        (
            "a",
            "by Peter Henderson, The Canadian Press",
            ("by Peter Henderson, The Canadian Press",),
            0,
        )
    ]
    hyphen = who_wrote("who wrote the intel news story", ARTICLES, KNOWN, 3)
    assert hyphen is not None and [e.source.id for e in hyphen.excerpts] == ["b"]


def test_no_source_named_lists_every_byline_the_sources_have() -> None:
    answer = who_wrote(
        "who wrote the article about blackberry leaving pakistan?", ARTICLES, KNOWN, 3
    )
    assert answer is not None and [e.source.id for e in answer.excerpts] == ["a", "b"]


def test_a_source_without_a_byline_is_not_found_and_an_unknown_outlet_goes_to_the_search() -> None:
    answer = who_wrote("Who wrote the SecurityWeek piece?", ARTICLES, KNOWN, 3)
    assert answer is not None and not answer.excerpts
    assert who_wrote("Who wrote the Reuters article?", ARTICLES, KNOWN, 3) is None
    assert who_wrote("When will BlackBerry exit?", ARTICLES, KNOWN, 3) is None


def test_the_byline_is_read_from_the_text_as_it_stands() -> None:
    text = "Ferry Route To Close\n\nby Ann Lee, Harbour Times\n\nThe ferry will stop on March 3."
    assert parse_article("x", text).byline == "by Ann Lee, Harbour Times"
    linked = 'Title Of It All\n\n<a href="/a" rel="author">Ruth Moss</a>\n\nThe ferry will stop.'
    assert parse_article("y", linked).byline == "Ruth Moss"
    assert parse_article("z", "Title Of It All\n\nThe ferry will stop on March 3.").byline is None


def test_a_publisher_is_named_by_whole_words_and_k_caps_the_bylines() -> None:
    short = [*ARTICLES, article("d", "AP", "by Jo Roe, AP")]
    spaced = who_wrote("who wrote canadian press article", short, KNOWN, 3)
    assert spaced is not None and [e.source.id for e in spaced.excerpts] == ["a"]
    joined = who_wrote("who wrote the security week piece", short, KNOWN, 3)
    assert joined is not None and not joined.excerpts  # named, but it has no byline
    inside = who_wrote("who wrote the paper article", short, KNOWN, 3)  # "ap" inside "paper"
    assert inside is not None and [e.source.id for e in inside.excerpts] == ["a", "b", "d"]
    capped = who_wrote("who wrote the article", short, KNOWN, 2)
    assert capped is not None and [e.source.id for e in capped.excerpts] == ["a", "b"]


def test_sources_toml_author_replaces_or_clears_the_byline(tmp_path: Path) -> None:
    text = "Ferry Route To Close\n\nby Ann Lee, Harbour Times\n\nThe ferry will stop on March 3."
    for name in ("kept", "fixed", "cleared"):
        (tmp_path / f"{name}.txt").write_text(text, "utf-8")
    metadata = tmp_path / "sources.toml"
    metadata.write_text('[fixed]\nauthor = "Ann B. Lee"\n\n[cleared]\nauthor = ""\n', "utf-8")
    bylines = {a.info.id: a.byline for a in load_sources(tmp_path, metadata).articles}
    assert bylines == {"kept": "by Ann Lee, Harbour Times", "fixed": "Ann B. Lee", "cleared": None}


def test_a_question_in_another_language_gets_the_bylines_too() -> None:
    named = who_wrote("¿Quién escribió la nota de The Canadian Press?", ARTICLES, KNOWN, 3)
    assert named is not None and [e.source.id for e in named.excerpts] == ["a"]
    unnamed = who_wrote("¿Quién escribió el artículo?", ARTICLES, KNOWN, 3)
    assert unnamed is not None and [e.source.id for e in unnamed.excerpts] == ["a", "b"]
