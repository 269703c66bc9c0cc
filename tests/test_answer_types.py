import pytest

from embeddings.retrieval.answer_types import (
    AnswerType,
    asked_type,
    counted_words,
    gives_count,
    names_earlier,
    office_names,
    renamed,
    supplies,
)


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("When did the regulator notify carriers?", AnswerType.DATE),
        ("In what year did Snowden leak it?", AnswerType.DATE),
        ("How many people died?", AnswerType.NUMBER),
        ("How much did they pay for it?", AnswerType.AMOUNT),
        ("What happened to the share price?", AnswerType.AMOUNT),
        ("What fine would the firm have faced?", AnswerType.AMOUNT),
        ("What would staying have cost the firm?", None),  # figurative: no money named
        ("Who announced the exit?", AnswerType.PERSON),
        ("Where are the servers?", AnswerType.PLACE),
        ("Why did they leave?", AnswerType.REASON),
        ("how come they left the whole country", AnswerType.REASON),
        ("What motivated the firm to abandon that market?", AnswerType.REASON),
        ("What is Secusmart?", None),
        ("What was the company called in 2010?", AnswerType.FORMER_NAME),
        ("What was it called before it went by BlackBerry?", AnswerType.FORMER_NAME),
        ("What was the firm's former name?", AnswerType.FORMER_NAME),
        ("What is the new phone called?", None),  # its name now
        ("What was the firm formerly known as?", AnswerType.FORMER_NAME),
        ("How many days went by before it left?", AnswerType.NUMBER),  # not "went by" a name
        ("Who was the regulator that was called the PTA back then?", AnswerType.PERSON),
        ("Which group was she known as an expert for at the time?", None),
        ("What penalty did India threaten?", None),  # a ban, not money
        ("In which year did it rename itself?", AnswerType.DATE),
        ("What was the original deadline?", AnswerType.DATE),
        ("what's the new cutoff", AnswerType.DATE),
        ("Was the deadline extended?", None),  # asks whether, not when
        ("Which executive spoke for the handset maker?", AnswerType.PERSON),
        ("wait who's the guy who wrote the blog post", AnswerType.PERSON),
        ("What's the name of the official quoted?", AnswerType.PERSON),
        ("Were emails included in what officials could track?", None),  # a thing
        ("What did officials blame for the delay?", None),
    ],
)
def test_asked_type(question: str, kind: AnswerType | None) -> None:
    assert asked_type(question) is kind


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("It affects approximately 5,000 companies.", True),
        ("The attacks killed 166 people.", True),
        ("the 10 heavily armed gunmen", True),
        ("It leaves on Dec. 30 for good.", False),  # a day of a month
        ("Back in 2010 India threatened a ban.", False),  # a year
        ("It will leave soon.", False),
    ],
)
def test_gives_count(text: str, count: bool) -> None:
    assert gives_count(text) is count


def test_an_earlier_name_asked_in_so_many_words() -> None:
    assert names_earlier("What was the firm's former name?")
    assert names_earlier("what was it originally called")
    assert not names_earlier("What was BlackBerry called in 2010?")  # maybe its name then
    assert renamed("What was the German firm's old name?")[0].endswith("German firm")


def test_supplies() -> None:
    assert supplies("It leaves on Dec. 30.", AnswerType.DATE)
    assert supplies("It was announced on Monday.", AnswerType.DATE)
    assert not supplies("It leaves soon.", AnswerType.DATE)
    assert supplies("about 5,000 companies", AnswerType.NUMBER)
    assert supplies("a one-month extension", AnswerType.NUMBER)
    assert not supplies("several hundred", AnswerType.AMOUNT)
    assert supplies("for $425 million", AnswerType.AMOUNT)
    assert supplies("after BlackBerry, then Research in Motion, was able", AnswerType.FORMER_NAME)
    assert supplies("Meta (formerly Facebook) said", AnswerType.FORMER_NAME)
    assert not supplies("and then BlackBerry said", AnswerType.FORMER_NAME)


def test_counted_words() -> None:
    assert counted_words("How many employees does it have?") == "employees"
    assert counted_words("How many firms use BES in Pakistan?") == "firms"
    assert counted_words("Why did they go?") == ""
    assert counted_words("How many individual handset users are there?") == (
        "individual handset users"
    )
    assert counted_words("How many of the gunmen were caught?") == "gunmen"


def test_a_count_is_a_number_followed_closely_by_the_counted_thing() -> None:
    from embeddings.retrieval.answer_types import counts
    from embeddings.retrieval.lexicon import stem

    companies = frozenset({stem("companies")})
    assert counts("The move would affect approximately 5,000 companies.", companies, stem)
    assert counts("about 2,000 small companies use it", companies, stem)
    assert not counts("It will exit on Dec. 30, the company said.", companies, stem)
    assert not counts("Five years ago companies complained.", companies, stem)
    assert counts("the 10 heavily armed gunmen", frozenset({stem("gunmen")}), stem)
    assert counts("between 10 and 20 gunmen", frozenset({stem("gunmen")}), stem)
    assert counts("two to three million users", frozenset({stem("users")}), stem)
    pakistani = frozenset({stem("pakistani")})
    assert not counts("by Dec. 30 Pakistani officials said", pakistani, stem)  # a day
    assert not counts("in 2010 Pakistani users", pakistani, stem)  # a year


def test_a_count_of_something_close_in_meaning_counts_only_when_told_so() -> None:
    from embeddings.retrieval.answer_types import counts
    from embeddings.retrieval.lexicon import stem

    firms = frozenset({stem("firms")})
    text = "The move would affect approximately 5,000 companies."
    assert not counts(text, firms, stem)
    assert counts(text, firms, stem, close=lambda word: word == "companies")
    assert not counts(text, firms, stem, close=lambda word: word == "users")


@pytest.mark.parametrize(
    ("text", "has_name"),
    [
        ("The move was announced by Marty Beard on Monday.", True),
        ("Laura Tribe, a digital rights expert with OpenMedia, said it was encouraging.", True),
        ("It said so. Marty Beard, Chief Operating Officer, wrote the post.", True),
        ("Pakistan, the regulator said, wanted access to the servers.", False),
        ("the servers will close on Dec. 30, the company said.", False),
    ],
)
def test_a_person_is_a_name_inside_a_sentence_or_one_opening_it_before_a_comma(
    text: str, has_name: bool
) -> None:
    assert supplies(text, AnswerType.PERSON) is has_name


@pytest.mark.parametrize(
    ("question", "post", "of"),
    [
        ("Who is the CEO of Secusmart?", "CEO", "Secusmart"),
        ("Who was Pakistan's prime minister when it began?", "prime minister", "Pakistan"),
        (
            "Who heads the PTA (Pakistan Telecommunications Authority)?",
            "heads",
            "the Pakistan Telecommunications Authority",
        ),
        ("who is the PTA chairman that signed this order", "PTA chairman", ""),
        ("Who is the founder of OpenMedia?", "founder", "OpenMedia"),
        ("Who’s the CEO of Nvidia?", "CEO", "Nvidia"),
        ("Who’s the PTA chairman?", "PTA chairman", ""),
        ("Who is the COO of the Ontario company?", "COO", ""),  # a description, not a name
        (
            "Who is the chief technology officer of BlackBerry?",
            "chief technology officer",
            "BlackBerry",
        ),
        ("Who were the founders of Secusmart?", "founders", "Secusmart"),
    ],
)
def test_a_who_question_about_a_post_names_the_post_and_whose(
    question: str, post: str, of: str
) -> None:
    from embeddings.retrieval.answer_types import asked_role

    role = asked_role(question)
    assert role is not None
    assert (role.post, role.of) == (post, of)


def test_who_questions_that_name_no_post_ask_for_any_person() -> None:
    from embeddings.retrieval.answer_types import asked_role

    assert asked_role("Who announced the exit?") is None
    assert asked_role("Who is Laura Tribe?") is None
    assert asked_role("wait who's the guy who wrote the blog post?") is None
    # a description, not an office: left to the ranking
    assert asked_role("Who is the executive who announced the exit?") is None
    assert asked_role("Who is the expert from OpenMedia?") is None
    heads = asked_role("Who heads the ferry company?")
    assert heads is not None and "chief" in heads.nouns


def test_a_day_or_a_time_asked_for_needs_that_precision() -> None:
    from embeddings.retrieval.answer_types import asked_precision

    exact = asked_precision("On what exact date did the regulator write?")
    time = asked_precision("what time on 30th dec do the servers go dark?")
    assert exact is not None and exact.strict
    assert time is not None and time.strict  # the day is given: only a time adds anything
    assert asked_precision("When will BlackBerry leave?") is None
    assert asked_precision("What time frame was given?") is None
    day = exact.pattern
    assert day.search("It leaves by Dec. 30.") and day.search("announced on Monday")
    assert not day.search("In July, the regulator wrote.") and not day.search("in 2010")
    assert time.pattern.search("Nov 30 2015, 12:55pm CST") and time.pattern.search("at 5 p.m.")
    assert not time.pattern.search("It leaves by Dec. 30.")
    weekday = asked_precision("On what day of the week was it announced?")
    assert weekday is not None and not weekday.strict and weekday.exclusive
    assert not exact.exclusive and not time.exclusive
    assert weekday == asked_precision("what day was it, monday or tuesday")
    assert weekday.pattern.search("on Monday") and not weekday.pattern.search("by Dec. 30.")


def test_a_coarser_date_still_answers_unless_the_question_already_holds_it() -> None:
    from embeddings.retrieval.answer_types import asked_precision

    loose = asked_precision("What date did the regulator write to the operators?")
    assert loose is not None and not loose.strict  # "In July" is still worth quoting
    in_july = asked_precision("what date in july did the regulator write?")
    assert in_july is not None and in_july.strict  # "In July" adds nothing
    # …and the day must be one of July: another month's day elsewhere in the passage is not it
    assert in_july.pattern.search("on July 24") and in_july.pattern.search("the 24th of july")
    assert not in_july.pattern.search("In July it wrote; the deadline is Nov. 30")
    # a bare "may", or a year naming an event, states no month or year of the answer
    polite = asked_precision("What date did India threaten a ban, if I may ask?")
    assert polite is not None and not polite.strict
    event = asked_precision("What date did India cite after the 2008 attacks?")
    assert event is not None and not event.strict
    # a date asked about a named weekday's event is a date, not a weekday
    monday = asked_precision("What date was Monday's announcement?")
    assert monday is not None and monday.pattern.search("on Dec. 30")


def test_a_weekday_asked_for_prefers_the_passages_naming_one_and_a_day_never_promotes() -> None:
    import numpy as np

    from embeddings.retrieval.candidates import Precise

    score = np.array([0.9, 0.8, 0.75])
    supplied = np.array([True, True, True])
    holds = np.array([False, False, True])  # only the third names a weekday
    assert Precise(holds, strict=False, exclusive=True).gate(score, supplied).tolist() == [
        False,
        False,
        True,
    ]
    none = np.zeros(3, dtype=bool)  # no passage names one: any date answers
    assert Precise(none, strict=False, exclusive=True).gate(score, supplied).all()
    far = np.array([0.9, 0.8, 0.6])  # the one naming a weekday is about something else
    assert Precise(holds, strict=False, exclusive=True).gate(far, supplied).all()
    # a day asked for strictly: the best dated passage must hold it; none is promoted
    assert not Precise(holds, strict=True).gate(score, supplied).any()


def test_an_acronym_is_spelt_out_before_it_or_in_brackets_after_it() -> None:
    from embeddings.retrieval.candidates import _expands

    assert _expands("its BlackBerry Enterprise Service (BES) servers", "BES")
    assert _expands("every BES BBM [BlackBerry Messenger] message", "BBM")
    assert not _expands("every BBM (the chat app) message", "BBM")  # capitals spell no BBM
    assert not _expands("every BES e-mail", "BES")
    assert _expands("BES (BlackBerry Enterprise Server) users", "BES")
    assert _expands("then RIM (Research in Motion)", "RIM")
    assert not _expands("we run our servers (BES)", "BES")  # no words spell it


def test_an_office_has_its_other_names_and_a_plural_is_read_as_one() -> None:
    assert office_names("boss")[0] == "boss"
    assert "chief" in office_names("boss")
    assert office_names("ministers") == ("minister",)
    assert office_names("handset") == ()


def test_an_earlier_name_question_says_what_it_asks_about() -> None:
    assert renamed("What was BlackBerry called in 2010?") == ("BlackBerry", "")
    assert renamed("What was the company called before it went by BlackBerry?") == (
        "the company",
        "BlackBerry",
    )
    assert renamed("What was the former name of the firm?") == ("the firm", "")
    assert renamed("Why did it leave?") == ("", "")


def test_a_name_for_who_holds_a_word_the_sources_always_capitalise() -> None:
    names = frozenset({"marty", "beard", "july", "saudi", "arabia"})
    assert supplies("the post by Marty Beard, its COO", AnswerType.PERSON, names)
    assert supplies("threats by India, Saudi Arabia and others", AnswerType.PERSON, names)
    # a month, or capitalised words the sources also write in lower case, name no one
    assert not supplies("It told them, In July, to stop", AnswerType.PERSON, names)
    assert not supplies("all BlackBerry Enterprise Service traffic", AnswerType.PERSON, names)
    # without the sources' names, any two capitalised words inside a sentence will do
    assert supplies("all BlackBerry Enterprise Service traffic", AnswerType.PERSON)


def test_a_reason_is_given_by_words_that_explain() -> None:
    assert supplies("It left rather than comply with the demand.", AnswerType.REASON)
    assert supplies("Their demand left us no choice but to exit.", AnswerType.REASON)
    assert not supplies("It will exit the country on Dec. 30.", AnswerType.REASON)
