"""The core end to end with the deterministic hashing encoder: build, ask, rebuild."""

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from embeddings.evaluation.calibrate import OPEN_GATE
from embeddings.library import IndexedLibrary, SearchOptions, build_library
from embeddings.models import BuildReport
from embeddings.text import normalise
from tests.fakes.encoder import HashEncoder

ARTICLES = {
    "alpha": (
        "Ferry Service Ends On The Northern Route\n\nby Ann Lee, Harbour Times\n\n"
        "The harbour ferry company said the northern route will close on March 3 after years of losses.\n\n"
        "Officials blamed rising fuel prices and a shrinking number of passengers for the decision.\n\n"
        "The mayor said the town would look for another operator to keep the islands connected."
    ),
    "beta": (
        "Islands Lose Their Ferry\n\n"
        "Officials blamed rising fuel prices and a shrinking number of passengers for the decision.\n\n"
        "Fishermen on the outer islands said they would have to sell their catch on the mainland by boat."
    ),
    "gamma": (
        "A Lighthouse Gets A New Keeper\n\n"
        "The old lighthouse on Gull Rock has a new keeper, a retired teacher named Ruth Moss.\n\n"
        "She will live in the cottage beside the tower and log passing ships every night."
    ),
}


class RecordingEncoder(HashEncoder):
    def __init__(self) -> None:
        super().__init__(dim=256)
        self.texts: list[str] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.texts.extend(texts)
        return super().encode(texts)


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    folder = tmp_path / "sources"
    folder.mkdir()
    for name, text in ARTICLES.items():
        (folder / f"{name}.txt").write_text(text, "utf-8")
    return folder


# The hashing encoder's cosines run lower than a real model's: its own cut-off.
HASH_MIN_SCORE = 0.15


def build(
    sources: Path,
    index: Path,
    encoder: HashEncoder | None = None,
    min_score: float = HASH_MIN_SCORE,
) -> tuple[IndexedLibrary, BuildReport]:
    options = SearchOptions(min_score=min_score)
    return build_library(sources, index, encoder or RecordingEncoder(), options=options)


def build_with(sources: Path, index: Path, article: str) -> IndexedLibrary:
    """The library of ``sources`` with one more article (``article``: its text, title first)."""
    (sources / "delta.txt").write_text(article, "utf-8")
    return build(sources, index)[0]


def test_answer_quotes_the_right_source_verbatim(sources: Path, tmp_path: Path) -> None:
    library, report = build(sources, tmp_path / "index")
    assert (report.sources, report.passages) == (3, 7)
    answer = library.ask("Who is the new lighthouse keeper on Gull Rock?")
    assert answer.answered
    best = answer.excerpts[0]
    assert best.source.id == "gamma" and best.paragraph == 1
    assert "Ruth Moss" in best.text
    source_text = normalise(ARTICLES["gamma"])
    assert normalise(best.text) in source_text
    assert best.highlight and all(h in best.text for h in best.highlight)


def test_duplicates_across_outlets_become_one_excerpt(sources: Path, tmp_path: Path) -> None:
    library, _ = build(sources, tmp_path / "index")
    answer = library.ask("What did officials blame on rising fuel prices and fewer passengers?")
    first = answer.excerpts[0]
    assert "fuel prices" in first.text
    others = {a.id for a in first.also_in}
    assert others and first.source.id not in others
    assert sum("rising fuel prices" in e.text for e in answer.excerpts) == 1


def test_no_answer_for_chatter_or_unrelated_questions(sources: Path, tmp_path: Path) -> None:
    library, _ = build(sources, tmp_path / "index")
    for question in (
        "thanks!",
        "hello",
        "",
        "   ",
        "What is the boiling point of mercury in kelvin?",
    ):
        answer = library.ask(question)
        assert not answer.answered, question
        assert answer.excerpts == ()


def test_strict_answer_type_abstains_when_no_passage_supplies_it(
    sources: Path, tmp_path: Path
) -> None:
    library, _ = build(sources, tmp_path / "index")
    assert library.ask("When will the northern ferry route close?").answered
    assert not library.ask("How much did the lighthouse keeper pay for the cottage?").answered


def test_how_many_needs_a_number_of_the_counted_thing(sources: Path, tmp_path: Path) -> None:
    library = build_with(
        sources,
        tmp_path / "index",
        "Ferry Numbers\n\nThe ferry carried about 400 passengers a day last summer.",
    )
    assert library.ask("How many passengers did the ferry carry?").answered
    # "March 3" is a number in a passage about the route, but no count of routes.
    [(answer, why)] = library.searcher.explain_many(["How many ferry routes will close?"])
    assert not answer.answered
    assert why.decided_by == "answer type"


def test_a_post_asked_about_must_be_named_beside_a_name(sources: Path, tmp_path: Path) -> None:
    library, _ = build(sources, tmp_path / "index")
    answer = library.ask("Who is the new keeper of the lighthouse?")
    assert answer.answered and "Ruth Moss" in answer.excerpts[0].text
    # The passages speak of the mayor and of the ferry company, but name no one who holds
    # either post.
    assert not library.ask("Who is the mayor of the town?").answered
    assert not library.ask("Who heads the harbour ferry company?").answered


@pytest.mark.parametrize(
    ("question", "gate", "reason", "still_answered"),
    [
        # a name the sources never use; the office they do use is answered
        (
            "What did Nokia say about the ferry route?",
            "unknown subject",
            "Nokia",
            "What did the mayor say about the ferry route?",
        ),
        # a place's fact that no sentence states
        (
            "What is the population of Gull Rock?",
            "unstated fact",
            "the population of Gull Rock",
            "Who is the new keeper on Gull Rock?",
        ),
        # named, but never beside a verb of saying
        (
            "What did Ruth Moss say about the tower?",
            "never quoted",
            "Ruth Moss",
            "Who is the new keeper on Gull Rock?",
        ),
    ],
)
def test_the_search_abstains_and_says_why(
    sources: Path, tmp_path: Path, question: str, gate: str, reason: str, still_answered: str
) -> None:
    library, _ = build(sources, tmp_path / "index")
    [(answer, why)] = library.searcher.explain_many([question])
    assert not answer.answered and reason in (answer.unmentioned, answer.unquoted)
    assert why.decided_by == gate
    assert library.ask(still_answered).answered


def test_the_search_abstains_on_an_event_the_sources_never_report(
    sources: Path, tmp_path: Path
) -> None:
    dated = "Keeper's Life\n\nRuth Moss moved to the rock on March 3, 2015, from the mainland."
    library = build_with(sources, tmp_path / "index", dated)
    [(answer, why)] = library.searcher.explain_many(["When was Ruth Moss born?"])
    assert not answer.answered
    assert why.decided_by == "unknown event"
    article = "Keeper's Life\n\nRuth Moss was born in 1961 in a village on the mainland."
    library = build_with(sources, tmp_path / "index2", article)
    answer = library.ask("When was Ruth Moss born?")
    assert answer.answered and "1961" in answer.excerpts[0].text


RENAMED = (
    "Fuel grew dear in the nineties, and {}, then Island Boats Ltd, sold two of its four old "
    "boats to a buyer from the south coast."
)
"""A paragraph giving the ferry company's earlier name, under the name given."""


def test_an_earlier_name_is_quoted_from_the_one_passage_that_gives_it(
    sources: Path, tmp_path: Path
) -> None:
    library = build_with(
        sources,
        tmp_path / "index",
        "Ferry History\n\n"
        "The harbour ferry company was called the best harbour ferry company in 1990 by the "
        "town's paper, and the harbour ferry company was proud of it.\n\n"
        + RENAMED.format("the harbour ferry company"),
    )
    answer = library.ask("What was the harbour ferry company called in 1990?")
    assert answer.answered and "then Island Boats Ltd" in answer.excerpts[0].text
    # No passage gives an earlier name: the question is read as what it was called then.
    assert library.ask("What was the lighthouse keeper called in 1990?").answered
    # The passage giving an earlier name of the ferry company does not name the lighthouse.
    other = library.ask("What was the lighthouse on Gull Rock called in 1990?")
    assert not other.answered or "Island Boats" not in other.excerpts[0].text


def test_the_company_s_earlier_name_is_whichever_company_the_sources_rename(
    sources: Path, tmp_path: Path
) -> None:
    library = build_with(
        sources,
        tmp_path / "index",
        "Ferry History\n\n"
        "The company that runs the harbour ferry has cut its timetable twice this year.\n\n"
        + RENAMED.format("Harbour Ferries"),
    )
    # The passage giving the earlier name never says "company": "the company" is whichever
    # company the sources rename.
    answer = library.ask("What was the company's former name?")
    assert answer.answered and "then Island Boats Ltd" in answer.excerpts[0].text
    # A former name asked for in so many words, of something no passage renames: not answered
    # with whatever passage is closest, nor with another company's earlier name.
    assert not library.ask("What was the lighthouse's former name?").answered
    assert not library.ask("What was the harbour keeper's old name?").answered


def test_the_passage_holding_what_the_question_quotes_comes_first(
    sources: Path, tmp_path: Path
) -> None:
    library, _ = build(sources, tmp_path / "index")
    question = "the new keeper on Gull Rock, is it true she'll 'log passing ships'?"
    [(answer, why)] = library.searcher.explain_many([question])
    assert answer.answered and "log passing ships" in answer.excerpts[0].text
    assert why.ranking.features["quoted"][0] == 1.0
    plain = library.searcher.explain_many(["the new keeper on Gull Rock, who is she?"])[0][1]
    assert "quoted" not in plain.ranking.features  # nothing quoted: no such feature


def test_the_passage_naming_the_weekday_asked_for_answers_though_it_shares_few_words(
    sources: Path, tmp_path: Path
) -> None:
    library = build_with(
        sources,
        tmp_path / "index",
        "Museum Works\n\nThe town museum will reopen to visitors after the long repairs, the "
        "town council said in a statement.\n\nIts big oak doors swung open again on Monday "
        "morning, with a queue waiting outside.",
    )
    answer = library.ask("On what day of the week did the town museum reopen?")
    assert answer.answered and "on Monday morning" in answer.excerpts[0].text


def test_a_day_asked_for_is_not_answered_by_a_month(sources: Path, tmp_path: Path) -> None:
    library = build_with(
        sources,
        tmp_path / "index",
        "Museum Works\n\nThe town museum will reopen to visitors in June, the council said.",
    )
    assert library.ask("When will the town museum reopen?").answered
    assert library.ask("On what date will the town museum reopen?").answered  # June, at least
    assert not library.ask("On what exact date will the town museum reopen?").answered


def test_k_limits_excerpts(sources: Path, tmp_path: Path) -> None:
    library, _ = build(sources, tmp_path / "index", min_score=0.0)
    assert len(library.ask("ferry islands fuel keeper", k=1).excerpts) == 1
    assert len(library.ask("ferry islands fuel keeper", k=3).excerpts) <= 3


def test_unchanged_sources_embed_nothing(sources: Path, tmp_path: Path) -> None:
    build(sources, tmp_path / "index")
    encoder = RecordingEncoder()
    library, report = build(sources, tmp_path / "index", encoder)
    assert report.embedded == 0 and report.added == report.changed == report.removed == ()
    assert not encoder.texts
    assert library.ask("Who is the new lighthouse keeper?").answered


def test_changed_source_reembeds_only_its_new_text(sources: Path, tmp_path: Path) -> None:
    first = RecordingEncoder()
    build(sources, tmp_path / "index", first)
    edited = ARTICLES["gamma"].replace(
        "log passing ships every night", "log passing ships each dawn"
    )
    (sources / "gamma.txt").write_text(edited, "utf-8")
    encoder = RecordingEncoder()
    library, report = build(sources, tmp_path / "index", encoder)
    assert report.changed == ("gamma",) and report.added == report.removed == ()
    new_passage = "She will live in the cottage beside the tower and log passing ships each dawn."
    assert new_passage in encoder.texts
    untouched = [p.text for p in library.passages if p.source_id != "gamma"]
    assert not set(untouched) & set(encoder.texts)
    assert 0 < report.embedded == len(encoder.texts) < len(first.texts)


def test_added_and_removed_sources_are_reported(sources: Path, tmp_path: Path) -> None:
    build(sources, tmp_path / "index")
    (sources / "beta.txt").unlink()
    (sources / "delta.md").write_text(
        "# Harbour Dredging Starts\n\nDredging of the harbour starts in May.", "utf-8"
    )
    library, report = build(sources, tmp_path / "index")
    assert report.added == ("delta",) and report.removed == ("beta",)
    assert {s.info.id for s in library.sources} == {"alpha", "gamma", "delta"}


def test_corrupt_index_is_rebuilt_not_served(sources: Path, tmp_path: Path) -> None:
    build(sources, tmp_path / "index")
    for path in (tmp_path / "index").rglob("*"):
        if path.is_file() and path.suffix in (".npy", ".faiss"):
            path.write_bytes(b"garbage")
    library, report = build(sources, tmp_path / "index")
    assert report.embedded > 0
    assert library.ask("Who is the new lighthouse keeper?").excerpts[0].source.id == "gamma"


def test_unreadable_source_is_skipped_and_reported(sources: Path, tmp_path: Path) -> None:
    (sources / "broken.txt").write_bytes(b"\xff\xfe\x00bad")
    library, report = build(sources, tmp_path / "index")
    assert report.sources == 3
    assert any("broken.txt" in p for p in report.problems)
    assert library.ask("Who is the new lighthouse keeper?").answered


def test_empty_sources_folder_gives_an_empty_library(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    library, report = build(tmp_path / "empty", tmp_path / "index")
    assert (report.sources, report.passages, library.passage_count) == (0, 0, 0)
    assert not library.ask("anything at all?").answered


def test_real_words_are_not_corrected_into_corpus_words() -> None:
    from embeddings.retrieval.lexicon import Lexicon

    lexicon = Lexicon(["The sand was warm and the blackberry bush grew."], {"stand", "grew"})
    assert lexicon.query("where does it stand").terms == ("stand",)
    assert lexicon.query("blackbery bush").terms == ("blackberry", "bush")
    assert lexicon.query("blackbery").corrected == (("blackbery", "blackberry"),)


CLEAN_PROSE = (
    "The council said that the decision was made after a review of the service, and that it "
    "would look for another operator to run the boats to the islands in the spring. It was not "
    "the first time the route had been cut, and many of the people who live on the islands have "
    "said that they will have to travel to the mainland by private boat for their shopping. "
) * 3


SPUN = (
    "A supervision asked a smartphone builder to give it entrance to a servers of a association. "
    "A pierce comes after a gauge was directed usually during a BES servers, a association said. "
)
"""Machine-rewritten prose: the fluency check flags a source made of it."""


def test_a_group_quotes_its_fluent_copy(tmp_path: Path) -> None:
    folder = tmp_path / "s"
    folder.mkdir()
    quote = "The ferry company said the northern route will close on March 3 after years of losses."
    # The clean copy carries the quote inside a longer paragraph, so the spun one ranks first.
    longer = f"{quote} Islanders said they had expected it for a long while, and were sad."
    (folder / "clean.txt").write_text(
        f"Clean Copy Of The Ferry Story\n\n{longer}\n\n{CLEAN_PROSE}", "utf-8"
    )
    (folder / "spun.txt").write_text(
        f"Spun Copy Of The Ferry Story\n\n{SPUN * 8}\n\n{quote}", "utf-8"
    )
    library, _ = build(folder, tmp_path / "index")
    first = library.ask("When will the ferry company close the northern route?").excerpts[0]
    assert first.source.id == "clean"
    assert [a.id for a in first.also_in] == ["spun"]


def test_a_spun_restatement_gives_way_to_the_fluent_one_outside_any_group(tmp_path: Path) -> None:
    folder = tmp_path / "s"
    folder.mkdir()
    fact = "The northern ferry route will close on March 3."  # under 12 words: no shared run
    (folder / "clean.txt").write_text(
        f"Clean Copy Of The Ferry Story\n\n{CLEAN_PROSE} {fact}\n\n{CLEAN_PROSE}", "utf-8"
    )
    (folder / "spun.txt").write_text(
        f"Spun Copy Of The Ferry Story\n\n{SPUN * 8}\n\n{fact} {SPUN}", "utf-8"
    )
    library, _ = build(folder, tmp_path / "index")
    searcher = library.searcher
    corpus = searcher.corpus
    spun_row = next(
        i for i, p in enumerate(corpus.passages) if p.source_id == "spun" and fact in p.text
    )
    assert spun_row not in {r for d in corpus.duplicates for r in d}  # no near-duplicate
    answer = library.ask("When will the northern ferry route close?")
    first = answer.excerpts[0]
    assert first.source.id == "clean" and fact in first.highlight
    assert not first.machine_rewritten
    assert "spun" in [a.id for a in first.also_in]
    assert all(e.source.id == "clean" or fact not in e.text for e in answer.excerpts)


def test_fluent_twins_pairs_only_close_fluent_sentences() -> None:
    from embeddings.excerpts.grouping import fluent_twins
    from embeddings.store.vectors import VectorIndex, build_faiss

    def unit(*v: float) -> np.ndarray:
        a = np.array(v, dtype=np.float32)
        return a / np.linalg.norm(a)

    # sentences 0-1 belong to a spun passage (row 0), 2-3 to a fluent one (row 1)
    vectors = np.stack([unit(1, 0, 0), unit(0, 1, 0), unit(1, 0.1, 0), unit(0, 0.5, 1)])
    index = VectorIndex(vectors, build_faiss(vectors, "exact"), exact=True)
    owners = np.array([0, 0, 1, 1])
    twins = fluent_twins(index, owners, np.array([False, True]), 0.9)
    assert twins == {0: 2}  # sentence 1's nearest fluent sentence is too far
    assert fluent_twins(index, owners, np.array([True, True]), 0.9) == {}
    assert fluent_twins(index, owners, np.array([False, False]), 0.9) == {}


def test_who_wrote_an_article_is_answered_with_its_byline(sources: Path, tmp_path: Path) -> None:
    library, _ = build(sources, tmp_path / "index")
    answer = library.ask("Who wrote the Harbour Times story?")
    assert [(e.source.id, e.text, e.paragraph) for e in answer.excerpts] == [
        ("alpha", "by Ann Lee, Harbour Times", 0)
    ]
    # the story itself is still searched as before
    assert library.ask("Who is the new lighthouse keeper on Gull Rock?").excerpts[0].paragraph > 0


def test_a_spun_restatement_of_a_quoted_passage_is_folded_into_also_reported_by(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "s"
    folder.mkdir()
    fact = "The northern ferry route will close on March 3."
    (folder / "clean.txt").write_text(
        f"Clean Copy Of The Ferry Story\n\n{fact} The northern ferry route closes for good.\n\n"
        f"{CLEAN_PROSE}",
        "utf-8",
    )
    (folder / "spun.txt").write_text(
        f"Spun Copy Of The Ferry Story\n\n{SPUN * 8}\n\n{fact} {SPUN}", "utf-8"
    )
    library, _ = build(folder, tmp_path / "index", min_score=0.0)
    searcher = library.searcher
    searcher.gate = OPEN_GATE
    searcher.weights = replace(searcher.weights, related_margin=9.0, related_confidence=9.0)
    answer = library.ask("When will the northern ferry route close?")
    assert answer.excerpts[0].source.id == "clean"
    assert "spun" in [a.id for a in answer.excerpts[0].also_in]
    assert all(e.source.id != "spun" or fact not in e.text for e in answer.excerpts)


def test_who_said_a_quote_given_to_a_pronoun_leads_with_the_paragraph_naming_the_speaker(
    sources: Path, tmp_path: Path
) -> None:
    library = build_with(
        sources,
        tmp_path / "index",
        "Harbour news\n\n"
        "Mara Quill, a harbour historian with the Tidewater society, said the ferry closure "
        "would change the island for good and for everyone living there.\n\n"
        "“They are ready to draw a line in the sand about the old pier,” she said, "
        "looking across the grey water towards the lighthouse.\n",
    )
    answer = library.ask("Who said they are ready to draw a line in the sand?")
    first, second = answer.excerpts[:2]
    assert "Mara Quill" in first.text and first.paragraph == 1  # who "she" is
    assert "line in the sand" in second.text and second.paragraph == 2
    # a question that does not ask who gets the quote alone, first
    said = library.ask("What are they ready to draw a line in the sand about?")
    assert "line in the sand" in said.excerpts[0].text
