from pathlib import Path

from embeddings.ingest.fluency import FLUENT, fluency
from embeddings.ingest.sources import load_sources

CLEAN = (
    "The government asked the smartphone maker to give it access to the servers of the company. "
    "It said that the demand was not a question of public safety, and that it would leave the "
    "country by the end of the month rather than comply with an order of that kind. "
) * 6
SPUN = (
    "A supervision asked a smartphone builder to give it entrance to a servers of a association. "
    "A pierce comes after a gauge was directed usually during a BES servers, a association said, "
    "and a deadline was extended by a month after a initial gauge in a country in July. "
) * 6


def test_spun_text_reads_as_garbled_and_edited_prose_as_fluent() -> None:
    assert fluency([CLEAN]) >= FLUENT
    assert fluency([SPUN]) < FLUENT


def test_short_texts_are_not_judged() -> None:
    assert fluency(["A a a a a."]) == 1.0


def test_only_the_garbled_seed_is_flagged() -> None:
    flagged = [
        a.info.id for a in load_sources(Path("seeds")).articles if fluency(a.paragraphs) < FLUENT
    ]
    assert flagged == ["002_efe37bac97fefec2"]
