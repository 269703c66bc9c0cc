"""Chat text: shorthand spelt out, numbers however written, and two questions in one message."""

from collections.abc import Sequence
from pathlib import Path

import pytest

from embeddings.library import SearchOptions, build_library
from embeddings.models import AlsoIn, Answer, Excerpt, SourceInfo
from embeddings.retrieval.chat import SHORTHAND, expand_shorthand, split_questions
from embeddings.retrieval.lexicon import Lexicon, content_terms
from embeddings.retrieval.multi import ask_split, merge
from embeddings.retrieval.query import core
from embeddings.text import canonical_numbers, words
from tests.fakes.encoder import HashEncoder
from tests.test_library import ARTICLES, HASH_MIN_SCORE

# Shorthand.


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        (
            "y did the govt want access 2 ur msgs b4 dec",
            "why did the government want access to your messages before dec",
        ),
        (
            "wen r the servers closing bc of the ban",
            "when are the servers closing because of the ban",
        ),
        ("wat did ppl say abt it tho", "what did people say about it though"),
        ("where is BB's HQ, pls", "where is BB's headquarters, please"),
        (
            "how 2 get info w/o the govt knowing",
            "how to get information without the government knowing",
        ),
        ("talk 2 the PTA w/the ceo", "talk to the PTA with the ceo"),
        ("the notice n the deadline", "the notice and the deadline"),
        (
            "cuz the gov wanted it thru the carriers",
            "because the government wanted it through the carriers",
        ),
        ("a 12k fine", "a 12,000 fine"),
    ],
)
def test_shorthand_reads_as_the_words_it_stands_for(typed: str, meant: str) -> None:
    assert expand_shorthand(typed) == meant


@pytest.mark.parametrize(
    "text",
    [
        "i have 2 questions about the ban",  # a count, not "to"
        "in 2 days",
        "2 phones n",  # "n" not between two words
        "plan n 2",
        "The Gov. said so",  # a governor's title
        "U.S. officials and the U.N.",
        "R&D at AT&T",
        "Marty R. Beard and U Thant",  # capital initials are names
        "under a bus, yearly, urgent, running",  # shorthand inside longer words
        "version 2.0 and n-grams, u-turn",
    ],
)
def test_shorthand_leaves_other_text_as_written(text: str) -> None:
    assert expand_shorthand(text) == text


def test_the_table_is_whole_lower_case_words() -> None:
    for short, long in SHORTHAND.items():
        assert short == short.lower() and " " not in short and short != long
        assert long and long == long.strip()


def test_shorthand_reaches_the_lexicon_instead_of_a_typo_correction() -> None:
    lexicon = Lexicon(["The government asked carriers to block messages before the deadline."])
    query = lexicon.query(core("y did the govt want 2 block msgs", lexicon))
    assert {"government", "messages"} <= set(query.terms)
    assert "govt" not in query.terms and "msgs" not in query.terms


# Numbers.


@pytest.mark.parametrize("typed", ["12000", "12,000", "12 000", "12k", "12K", "12 thousand"])
def test_a_number_is_one_token_however_written(typed: str) -> None:
    assert words(f"about {typed} users") == ["about", "12000", "users"]


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        (
            "It exits by Dec. 30 2015 as planned",
            ["it", "exits", "by", "dec", "30", "2015", "as", "planned"],
        ),
        ("in 2015, 300 firms", ["in", "2015", "300", "firms"]),
        ("a 2.5 percent rise", ["a", "2.5", "percent", "rise"]),
        ("1,500.75 dollars", ["1500.75", "dollars"]),
        ("1.5 million users and 3bn dollars", ["1500000", "users", "and", "3000000000", "dollars"]),
        ("items 1,2,3 and 12,0000", ["items", "1,2,3", "and", "12,0000"]),
    ],
)
def test_dates_years_and_decimals_keep_their_meaning(text: str, tokens: list[str]) -> None:
    assert words(text) == tokens


def test_canonical_numbers_is_idempotent() -> None:
    once = canonical_numbers("5,000 firms, 12 000 users, 1.5k fines, dec. 30 2015")
    assert canonical_numbers(once) == once == "5000 firms, 12000 users, 1500 fines, dec. 30 2015"


@pytest.mark.parametrize("asked", ["12000", "12,000", "12 000", "12k"])
@pytest.mark.parametrize("written", ["12,000", "12000", "12 000"])
def test_a_question_finds_the_number_however_either_side_writes_it(
    asked: str, written: str
) -> None:
    lexicon = Lexicon([f"About {written} companies use the service.", "Some 300 firms left."])
    query = lexicon.query(core(f"do {asked} companies use it", lexicon))
    assert "12000" in query.terms
    scores = lexicon.bm25(query)
    assert scores[0] > scores[1]
    assert "12000" in content_terms(f"About {written} companies")


# Two questions in one message.


@pytest.mark.parametrize(
    ("message", "parts"),
    [
        (
            "when did pta send the notice n what was the orig deadline",
            ["when did pta send the notice", "what was the orig deadline"],
        ),
        (
            "Who is Marty Beard? And what did he say about the servers?",
            ["Who is Marty Beard?", "what did he say about the servers?"],
        ),
        ("where do msgs go? also whats bb's hq city", ["where do msgs go?", "whats bb's hq city"]),
        (
            "who sent the notice, and when did it arrive",
            ["who sent the notice", "when did it arrive"],
        ),
        (
            "hey guys, what is BES and who is Marty Beard",
            ["hey guys, what is BES", "who is Marty Beard"],
        ),
        (  # chat shorthand read before the shape is judged: "where r" is "where are"
            "how many firms affected n where r the servers",
            ["how many firms affected", "where r the servers"],
        ),
        (
            "Why is BlackBerry leaving Pakistan? How many companies use BES? Is BBM affected?",
            [
                "Why is BlackBerry leaving Pakistan?",
                "How many companies use BES?",
                "Is BBM affected?",
            ],
        ),
    ],
)
def test_a_message_with_several_questions_is_split(message: str, parts: list[str]) -> None:
    assert split_questions(message) == parts


@pytest.mark.parametrize(
    "message",
    [
        "What did Saudi Arabia and the UAE demand?",
        "What did U.S. officials say?",
        "When BlackBerry leaves, what happens to users?",  # a clause, then the question
        "ngl i'm confused, where are BlackBerry's servers?",
        "what happens to users who bought phones and are still using them",
        "Which apps and which services are affected?",
        "BlackBerry is leaving. Why?",  # the second part has no content word
        "I read the news. Why did BlackBerry leave?",
        "is it true and why",
        "The deadline, when is it?",
        "Who is X? And what did she say?",  # nothing to search in either part alone
        "By Dec. 30 will BlackBerry be gone",
        # A remark or a lead-in around one question is not a second question.
        "i thought the firm had closed, what does it sell now? someone said it makes cars??",
        "didn't the company say the opposite? what was their view",
        "wasn't there a similar case in Egypt?? what did the ministry want then",
    ],
)
def test_a_message_asking_one_thing_is_not_split(message: str) -> None:
    assert split_questions(message) == [message]


def test_split_of_empty_text_is_empty() -> None:
    assert split_questions("   ") == []


# Answering the parts.

SOURCE = SourceInfo("s1", "Title")


def excerpt(source: str, paragraph: int, also: tuple[tuple[str, int], ...] = ()) -> Excerpt:
    also_in = tuple(AlsoIn(s, None, p) for s, p in also)
    return Excerpt(f"{source} {paragraph}", (), 0.5, paragraph, SourceInfo(source, "T"), also_in)


def test_merge_puts_each_parts_best_first_then_the_rest_without_duplicates() -> None:
    first = Answer("a", (excerpt("x", 1), excerpt("x", 2), excerpt("y", 3)))
    second = Answer("b", (excerpt("z", 4), excerpt("x", 2), excerpt("w", 5, (("x", 1),))))
    merged = merge("a n b", [first, second])
    assert merged.question == "a n b"
    assert [(e.source.id, e.paragraph) for e in merged.excerpts] == [
        ("x", 1),
        ("z", 4),
        ("x", 2),
        ("y", 3),
    ]


def test_merge_of_unanswered_parts_is_unanswered_and_skips_them() -> None:
    assert not merge("q", [Answer("a"), Answer("b")]).answered
    merged = merge("q", [Answer("a"), Answer("b", (excerpt("z", 4),))])
    assert [e.source.id for e in merged.excerpts] == ["z"]
    # none answered: the reason a part gave is kept, so the reply can still say why
    why = merge("q", [Answer("a"), Answer("b", unquoted="Apple"), Answer("c", unmentioned="Nokia")])
    assert not why.answered and (why.unquoted, why.unmentioned) == ("Apple", "Nokia")
    assert not merge("q", [Answer("a", unquoted="Apple"), Answer("b", (excerpt("z", 4),))]).unquoted


def test_ask_split_asks_every_part_in_one_call_and_keeps_single_answers() -> None:
    calls: list[list[str]] = []

    def ask_many(questions: Sequence[str]) -> list[Answer]:
        calls.append(list(questions))
        return [Answer(q, (excerpt(q[:4], i),)) for i, q in enumerate(questions)]

    messages = ["Who is Marty Beard? And what did he say about BES?", "What is BES?"]
    answers = ask_split(messages, ask_many)
    assert calls == [["Who is Marty Beard?", "what did he say about BES?", "What is BES?"]]
    assert [a.question for a in answers] == messages
    assert [e.paragraph for e in answers[0].excerpts] == [0, 1]
    assert answers[1] == Answer("What is BES?", (excerpt("What", 2),))


def test_the_library_answers_each_question_of_a_message(tmp_path: Path) -> None:
    folder = tmp_path / "sources"
    folder.mkdir()
    for name, text in ARTICLES.items():
        (folder / f"{name}.txt").write_text(text, "utf-8")
    options = SearchOptions(min_score=HASH_MIN_SCORE)
    library, _ = build_library(folder, tmp_path / "index", HashEncoder(dim=256), options=options)
    one = library.ask("When will the northern ferry route close?")
    other = library.ask("Who is the new lighthouse keeper on Gull Rock?")
    message = "When will the northern ferry route close? And who is the new lighthouse keeper on Gull Rock?"
    both = library.ask(message)
    assert both.question == message
    assert both.excerpts[:2] == (one.excerpts[0], other.excerpts[0])
    assert len(both.excerpts) == len(set(both.excerpts))


@pytest.mark.parametrize(
    ("follow_up", "joined_wins"),
    [("and what about the servers?", False), ("and the old one?", True)],
)
def test_a_follow_up_that_is_a_question_of_its_own_is_answered_alone(
    follow_up: str, joined_wins: bool
) -> None:
    from embeddings.retrieval.followup import better_reading, joined_question

    joined_text = joined_question("When does BlackBerry leave Pakistan?", follow_up)
    # The joined reading is the more confident, and its quote names the follow-up's words.
    joined = Answer(joined_text, (Excerpt("servers old one", (), 0.9, 2, SOURCE),))
    alone = Answer(follow_up, (Excerpt("x", (), 0.1, 1, SOURCE),))
    assert better_reading(follow_up, alone, joined) is (joined if joined_wins else alone)
