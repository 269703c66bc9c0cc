from pathlib import Path

from embeddings.ingest.passages import MIN_WORDS, passage_sentences, split_article
from embeddings.models import Article, SourceInfo


def article(*paragraphs: str) -> Article:
    return Article(SourceInfo("src", "T"), Path("src.txt"), tuple(paragraphs), "h")


def word_count(text: str) -> int:
    return len(text.split())


LONG = " ".join(
    f"Sentence number {i} says something fairly specific about the story." for i in range(40)
)


def test_one_passage_per_paragraph_with_stable_keys_and_hashes() -> None:
    a = article(
        "First paragraph is long enough to stand on its own two feet here.",
        "Second paragraph is also long enough to stand on its own two feet.",
    )
    passages = split_article(a, word_count)
    assert [p.key for p in passages] == ["src#1", "src#2"]
    assert passages[0].sha256 != passages[1].sha256
    assert [p.key for p in split_article(a, word_count)] == ["src#1", "src#2"]


def test_long_paragraph_splits_at_sentences_within_budget() -> None:
    passages = split_article(article(LONG), word_count, max_tokens=64)
    assert len(passages) > 1
    assert all(p.paragraph == 1 for p in passages)
    assert [p.part for p in passages] == list(range(len(passages)))
    assert all(word_count(p.text) <= 64 for p in passages)
    assert " ".join(p.text for p in passages) == LONG
    assert all(p.text.endswith(".") for p in passages)


def test_short_fragment_joins_the_next_paragraph() -> None:
    short = "This isn't the first time."
    assert word_count(short) < MIN_WORDS
    nxt = "India and several other countries threatened to ban the company in 2010 over data."
    passages = split_article(article(short, nxt), word_count)
    assert len(passages) == 1
    assert passages[0].paragraph == 1
    assert passages[0].text == f"{short}\n{nxt}"
    assert passage_sentences(passages[0]) == [short, nxt]


def test_short_last_paragraph_joins_the_previous_one() -> None:
    body = "A paragraph that is comfortably long enough to be quoted on its own here."
    passages = split_article(article(body, "The end."), word_count)
    assert [(p.paragraph, p.text) for p in passages] == [(1, f"{body}\nThe end.")]
