"""The staged ranker: language routing, the feature table, the gates and the explain view."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from embeddings.evaluation.calibrate import OPEN_GATE
from embeddings.evaluation.explain import explain_text
from embeddings.library import IndexedLibrary, build_library
from embeddings.retrieval import searcher as searcher_module
from embeddings.retrieval.answer_types import AnswerType
from embeddings.retrieval.candidates import asked_acronyms
from embeddings.retrieval.everyday import EVERYDAY
from embeddings.retrieval.features import Ranking, minmax
from embeddings.retrieval.gate import GATE_FEATURES, GateModel, fit
from embeddings.retrieval.language import asked_type_other, detect
from embeddings.retrieval.query import quoted_phrases
from tests.fakes.encoder import HashEncoder
from tests.fakes.multilingual import HashQueryEncoder

STORY = """BlackBerry will leave Pakistan on Dec. 30 after the regulator asked for access to its servers.

The Pakistan Telecommunications Authority told operators in July that the servers must close.

Marty Beard, the chief operating officer, wrote the blog post announcing the exit.

About 5,000 companies in the country use the enterprise servers, the company said.
"""


@pytest.mark.parametrize(
    ("text", "english"),
    [
        ("When will BlackBerry leave Pakistan?", True),
        ("blackberry pakistan BES servers", True),  # keywords only: nothing says otherwise
        ("what did the PTA say abt the servers", True),
        ("بلیک بیری پاکستان سے کب نکلے گا؟", False),
        ("BlackBerry پاکستان سے کب جائے گا؟", False),  # a Latin name in an Urdu question
        ("blackberry pakistan se kab ja raha hai?", False),
        ("¿Cuándo saldrá BlackBerry de Pakistán?", False),
        ("Quand BlackBerry quitte-t-il le Pakistan ?", False),
        ("Wann verlässt BlackBerry Pakistan und warum?", False),
        ("ब्लैकबेरी पाकिस्तान कब छोड़ेगा?", False),
        ("¿Qué tiempo hace hoy en Lahore?", False),  # "¿" and "en" are Spanish
        ("Is BlackBerry leaving en masse?", True),
        ("Bis wann darf BlackBerry in Pakistan bleiben?", False),
        ("Kitne customers affected hue?", False),  # English loanwords, Urdu grammar
    ],
)
def test_language_is_told_by_script_and_function_words(text: str, english: bool) -> None:
    assert detect(text).english is english


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("بلیک بیری پاکستان سے کب نکلے گا؟", AnswerType.DATE),
        ("kitni companies affected hongi?", AnswerType.NUMBER),
        ("Secusmart kitne paise mein bika?", AnswerType.AMOUNT),  # how much money
        ("¿Cuánto cuesta el teléfono?", AnswerType.AMOUNT),
        ("کتنے روپے کا نقصان ہوا؟", AnswerType.AMOUNT),
        ("¿Cuántos usuarios tenía?", AnswerType.NUMBER),
        ("بلیک بیری کا اعلان کس نے کیا؟", AnswerType.PERSON),
        ("kaun si company ne kaha?", None),  # "kaun si" is which, not who
        ("kaun si deadline di gayi thi?", AnswerType.DATE),  # a deadline is a date
        ("Quelle était la date limite initiale ?", AnswerType.DATE),
        ("Was war die Frist?", AnswerType.DATE),
        ("¿Quién fijó la fecha límite?", AnswerType.PERSON),  # who, not when
        ("¿Por qué se extendió el plazo?", None),  # a reason
        ("BlackBerry Pakistan'dan ne zaman çıkacak?", AnswerType.DATE),
        ("ब्लैकबेरी के सीईओ कौन है?", AnswerType.PERSON),
        ("ब्लैकबेरी का सर्वर कहां है?", AnswerType.PLACE),
        ("¿Qué quería el gobierno?", None),
    ],
)
def test_question_words_of_other_languages_give_the_answer_type(
    text: str, kind: AnswerType | None
) -> None:
    assert asked_type_other(text) is kind


def test_minmax_scales_over_the_candidates() -> None:
    assert minmax(np.array([0.8, 0.9, 0.85])).tolist() == pytest.approx([0.0, 1.0, 0.5])
    assert minmax(np.array([0.7, 0.7])).tolist() == [1.0, 1.0]


def test_a_ranking_sorts_every_feature_with_its_candidate() -> None:
    ranking = Ranking(
        rows=np.array([4, 7, 9]),
        score=np.array([0.1, 0.9, 0.5]),
        confidence=np.array([0.2, 0.6, 0.4]),
        features={"coverage": np.array([0.0, 1.0, 0.5])},
        question_features={"focus_known": 0.25},
    ).sorted()
    assert ranking.rows.tolist() == [7, 9, 4]
    assert ranking.features["coverage"].tolist() == [1.0, 0.5, 0.0]
    assert ranking.candidate(0) == {"coverage": 1.0, "confidence": 0.6, "focus_known": 0.25}


def test_the_gate_fit_learns_which_feature_separates() -> None:
    rng = np.random.default_rng(0)
    rows, labels = [], []
    for _ in range(200):
        answerable = bool(rng.random() < 0.5)
        row = {n: float(rng.random()) for n in GATE_FEATURES}
        row["focus_known"] = float(rng.uniform(0.6, 1.0) if answerable else rng.uniform(0, 0.4))
        rows.append(row)
        labels.append(answerable)
    model = fit(rows, labels)
    assert model.coefficients["focus_known"] > 3 * max(
        abs(c) for n, c in model.coefficients.items() if n != "focus_known"
    )
    right = sum(model.passes(r) == y for r, y in zip(rows, labels, strict=True))
    assert right / len(rows) > 0.95


@pytest.fixture
def libraries(tmp_path: Path) -> tuple[IndexedLibrary, IndexedLibrary, HashQueryEncoder]:
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "story.txt").write_text(STORY, "utf-8")
    multilingual = HashQueryEncoder()
    with_e5, _ = build_library(
        tmp_path / "s", tmp_path / "i", HashEncoder(dim=256), multilingual=multilingual
    )
    english_only, _ = build_library(tmp_path / "s", tmp_path / "j", HashEncoder(dim=256))
    return with_e5, english_only, multilingual


def test_a_question_that_is_not_english_is_ranked_by_the_multilingual_encoder(
    libraries: tuple[IndexedLibrary, IndexedLibrary, HashQueryEncoder],
) -> None:
    with_e5, _, multilingual = libraries
    with_e5.searcher.e5_min_score = 0.1  # hashed vectors are not e5's cosines
    question = "Marty Beard ne blog post mein kya likha tha?"
    assert set(multilingual.queries) == set(EVERYDAY)  # embedded with the index, as questions
    answer, why = with_e5.searcher.explain_many([question])[0]
    assert why.language == "ur-Latn"
    assert multilingual.queries[len(EVERYDAY) :] == [question]
    assert set(why.ranking.features) >= {"e5", "shared", "type_ok"}
    assert "coverage" not in why.ranking.features  # the English-only steps are skipped
    assert answer.excerpts and answer.excerpts[0].paragraph == 3


def test_a_question_in_another_language_nearer_to_everyday_talk_is_off_topic(
    libraries: tuple[IndexedLibrary, IndexedLibrary, HashQueryEncoder],
) -> None:
    with_e5, _, multilingual = libraries
    with_e5.searcher.e5_min_score = -1.0  # no floor: only the everyday questions decide
    question = "¿Va a llover este fin de semana? rain weekend"
    answer, why = with_e5.searcher.explain_many([question])[0]
    assert why.language != "en"
    assert not answer.answered and why.decided_by == "everyday"
    assert why.ranking.question_features["everyday"] > 0.15  # shares "rain weekend"
    story = with_e5.searcher.explain_many(["Marty Beard ne blog post mein kya likha tha?"])[0]
    assert story[0].answered
    assert multilingual.queries.count(EVERYDAY[0]) == 1  # stored with the index, not re-asked


def test_english_questions_over_the_floor_never_pay_for_the_multilingual_encoder(
    libraries: tuple[IndexedLibrary, IndexedLibrary, HashQueryEncoder],
) -> None:
    with_e5, _, multilingual = libraries
    built = list(multilingual.queries)  # the everyday questions, stored with the index
    with_e5.ask_many(["When will BlackBerry leave Pakistan?", "Who wrote the blog post?"])
    assert multilingual.queries == built


def test_without_a_multilingual_encoder_other_languages_take_the_english_path(
    libraries: tuple[IndexedLibrary, IndexedLibrary, HashQueryEncoder],
) -> None:
    _, english_only, _ = libraries
    _, why = english_only.searcher.explain_many(["blackberry pakistan se kab ja raha hai?"])[0]
    assert why.language == "en"


def test_the_explain_view_names_the_features_and_the_gate_that_decided(
    libraries: tuple[IndexedLibrary, IndexedLibrary, HashQueryEncoder],
) -> None:
    lib = libraries[1]
    answer, why = lib.searcher.explain_many(["Who wrote the blog post announcing the exit?"])[0]
    assert answer.answered and why.decided_by == "answered"
    text = explain_text(lib.searcher.corpus, why)
    for name in ("coverage", "bm25", "sentence", "focus_known", "story#3"):
        assert name in text


def test_the_answerability_gate_can_abstain_where_the_floor_would_answer(
    libraries: tuple[IndexedLibrary, IndexedLibrary, HashQueryEncoder],
) -> None:
    lib = libraries[1]
    question = "Who wrote the blog post announcing the exit?"
    lib.searcher.gate = OPEN_GATE
    assert lib.ask(question).answered
    lib.searcher.gate = GateModel(coefficients={}, intercept=0.0, threshold=0.9)
    answer, why = lib.searcher.explain_many([question])[0]
    assert not answer.answered and why.decided_by == "answerability"


def test_focus_known_drops_when_no_passage_covers_a_real_word(
    libraries: tuple[IndexedLibrary, IndexedLibrary, HashQueryEncoder],
) -> None:
    lib = libraries[1]
    (_, covered), (_, uncovered) = lib.searcher.explain_many(
        ["Who wrote the blog post?", "Who wrote the blog post's population?"]
    )
    assert covered.ranking.question_features["focus_known"] == 1.0
    assert uncovered.ranking.question_features["focus_known"] < 1.0


@pytest.mark.parametrize(
    ("question", "phrases"),
    [
        ("bb keeps saying its the 'most secure' something, whats the line", [("most", "secure")]),
        ("ppl keep saying 'unfettered' access, who used that word", [("unfettered",)]),
        (
            "'remaining in pakistan would have meant...' what was the rest",
            [("remaining", "in", "pakistan", "would", "have", "meant")],
        ),
        ("Who said “draw a line in the sand”?", [("draw", "a", "line", "in", "the", "sand")]),
        ("what's bb's hq? isn't it the users' data", []),  # apostrophes quote nothing
        ("who said \u2018won\u2019t compromise\u2019?", [("won't", "compromise")]),  # curly
        ("did he say 'no'?", []),  # one short word: too little to find
    ],
)
def test_what_a_question_quotes_is_read_word_for_word(
    question: str, phrases: list[tuple[str, ...]]
) -> None:
    assert list(quoted_phrases(question)) == phrases


@pytest.mark.parametrize(
    ("question", "acronym"),
    [
        ("What does BES stand for?", "BES"),
        ("what's bes stand for lol", "bes"),
        ("whats bbm short for", "bbm"),
        ("what does pta mean", "pta"),
    ],
)
def test_the_acronym_a_question_asks_about(question: str, acronym: str) -> None:
    assert acronym in asked_acronyms(question)


def test_an_english_question_under_the_floor_gets_a_second_look_by_e5(
    libraries: tuple[IndexedLibrary, IndexedLibrary, HashQueryEncoder],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with_e5, english_only, multilingual = libraries
    question = "Who wrote the blog post announcing the exit?"
    for lib in (with_e5, english_only):
        lib.searcher.min_score = 0.99  # every English question falls under the floor
    monkeypatch.setattr(searcher_module, "RESCUE_FLOOR", -1.0)
    with_e5.searcher.e5_min_score = 2.0  # e5 finds nothing close: the floor stands
    answer, why = with_e5.searcher.explain_many([question])[0]
    assert not answer.answered and why.decided_by == "off-topic floor"
    assert multilingual.queries[-1] == question  # looked at again, once
    with_e5.searcher.e5_min_score = -1.0  # e5 finds the passage: on topic after all
    answer, why = with_e5.searcher.explain_many([question])[0]
    assert answer.answered and len(answer.excerpts) == 1  # its best passage alone
    assert answer.excerpts[0].paragraph == 3 and why.encodes == 2
    assert "rescued_e5" in why.ranking.question_features
    assert "e5" in why.ranking.features  # re-ranked with e5 beside MiniLM
    _, plain = english_only.searcher.explain_many([question])[0]
    assert plain.decided_by == "off-topic floor"  # no second encoder, no second look
