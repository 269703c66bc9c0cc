"""A question about something the sources never name is not answered from its other words."""

import pytest

from embeddings.retrieval.lexicon import Lexicon
from embeddings.retrieval.subject import unknown_subject, unknown_subject_other

DOCUMENTS = [
    "The Waterloo, Ont.-based company said it will leave India and Pakistan over the ban.",
    "Marty Beard, a Canadian, wrote on Nov. 30 that the company will close on Dec. 30.",
    "Pakistani officials and the Pakistan Telecommunications Authority gave no comment.",
    "Saudi Arabia threatened a ban too, the company said in a blog post.",
    "The company's chief operating officer said the ban covers handset users too.",
]


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon(DOCUMENTS)


@pytest.mark.parametrize(
    ("question", "name"),
    [
        ("What did Nokia say about the ban?", "Nokia"),
        ("When was Telegram founded?", "Telegram"),
        ("Did the European Union comment on the ban?", "European Union"),
        ("What did Saudi Telecom say about the ban?", "Saudi Telecom"),
        ("What did Novartis say about the ban?", "Novartis"),  # not "Nov." nor "nov…"
        ("What is the population of Tokyo (Japan)?", "Tokyo"),  # as typed, not its country
        ("What is the population of Karachi?", "Karachi"),
        ("Is WhatsApp also leaving Pakistan?", "WhatsApp"),
        # an office the sources never use under any name, as typed
        (
            "What did Pakistan's interior minister say about the ban?",
            "Pakistan's interior minister",
        ),
        ("Did the prime minister comment?", "the prime minister"),
        ("What did Pakistan's IT minister say?", "Pakistan's IT minister"),
        ("so did any ministers react to the ban", "any ministers"),
        (
            "did the prime minister or any pak minister reply?",
            "the prime minister or any pak minister",
        ),
        ("Why did the president of Pakistan order it?", "the president"),
        # a body that speaks through its office holders, or a spokesperson
        ("What did Pakistan's interior ministry say?", "Pakistan's interior ministry"),
        ("What did the company spokesperson say?", "the company spokesperson"),
        ("What did the Pakistani army say about the ban?", "the Pakistani army"),
    ],
)
def test_a_subject_the_sources_never_name_is_found(
    lexicon: Lexicon, question: str, name: str
) -> None:
    assert unknown_subject(question, lexicon) == name


@pytest.mark.parametrize(
    "question",
    [
        "What did Pakistan say about the ban?",  # "Pakistani": a form of it
        "What did the Ontario company say?",  # "Ont.": the sources' abbreviation
        "What did Riyadh (Saudi Arabia) demand?",  # a capital the search spelt out
        "What did the PTA (Pakistan Telecommunications Authority) say?",
        "What did Indie demand?",  # a misspelt name the sources use
        "did whatsapp comment on the ban?",  # lower case: no cue that it is a name
        "What did they say about the ban?",  # no name at all
        "WHAT DID THE OFFICIALS SAY ABOUT THE BAN?",  # capitals throughout are not names
        "Why did my friend in Karachi lose access?",  # not the subject
        "What did Mr. Beard say about the ban?",  # an honorific, then a name they use
        "What did Ottawa say about the ban?",  # a capital of a country they name
        "What did Riyadh (Saudi Arabia) say?",
        "What did the company boss say about the ban?",  # "chief": another name of the office
        "What did the officer say?",
        "Did the ban cover handset owners?",  # owners of phones, not of a company
        "What did the general public think of the ban?",
        "What did the users say to the minister?",  # the office is not the subject
        "Can IT managers still use the servers?",  # managers of the companies using it
        "Is Marty Beard the president of the company?",  # the office is what is asked
        "Does this affect ministers who use it?",
        "What did Beard tell ministers?",
        "what did beard and the minister say",  # Beard is known: the question is answered
        "Is the chairman of OpenMedia Laura Tribe?",  # a copula asks who someone is
        "Would a government minister be able to read the messages?",  # a modal: a what-if
        "Did the minister ban the servers?",  # yes or no, about a deed, not words
        "Does the company cooperate with the police?",  # the police are not the subject
        "Will the company still help police?",
    ],
)
def test_a_subject_the_sources_name_or_no_name_passes(lexicon: Lexicon, question: str) -> None:
    assert unknown_subject(question, lexicon) is None


def test_only_what_the_search_wrote_beside_a_name_is_read_as_inserted() -> None:
    from embeddings.retrieval.query import insertions

    asked = "Who heads the PTA (Pakistan Telecommunications Authority)?"
    assert insertions(asked) == (
        "Who heads the PTA?",
        {"PTA": "Pakistan Telecommunications Authority"},
    )
    assert insertions("What did Riyadh (Saudi Arabia) say?")[1] == {"Riyadh": "Saudi Arabia"}
    typed = "What did Nokia (a phone maker) say?"
    assert insertions(typed) == (typed, {})


@pytest.mark.parametrize(
    ("question", "language", "reason"),
    [
        ("Pakistan ke wazir-e-azam ne is faisle par kya kaha?", "ur-Latn", "a prime minister"),
        ("پی ٹی اے کے چیئرمین نے اس معاملے پر کیا بیان دیا؟", "ar", "a chairman"),
        ("Comment le ministre pakistanais a-t-il réagi ?", "fr", "a minister"),
        ("¿Qué dijo el primer ministro de Pakistán?", "es", "a prime minister"),  # not "a minister"
        ("PTA ke chairman ne kya kaha?", "ur-Latn", "a chairman"),  # an English word in Roman Urdu
        ("क्या राष्ट्रपति ने कुछ कहा?", "hi", "a president"),
        ("¿Quién es el director general de la empresa?", "es", "a chief executive"),  # who is…
        ("ماذا قال الوزير الباكستاني؟", "ar", "a minister"),  # with the Arabic article
        ("Was sagte der Innenminister?", "de", "a minister"),  # a German compound
        ("¿Qué dijo el vicepresidente?", "es", "a vice-president"),
        ("Wazir-e-dakhla ne kya kaha?", "ur-Latn", "a minister"),  # the interior minister
        ("بلیک بیری کے صدر نے کیا کہا؟", "ar", "a president"),
        ("Imran Khan ne BlackBerry par kya kaha?", "ur-Latn", "Imran Khan"),  # a name, before "ne"
        ("Kya Nawaz Sharif ne kuch kaha?", "ur-Latn", "Nawaz Sharif"),
    ],
)
def test_an_office_or_name_in_another_language_that_the_sources_never_use(
    lexicon: Lexicon, question: str, language: str, reason: str
) -> None:
    assert unknown_subject_other(question, language, lexicon) == reason


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("ब्लैकबेरी का मुख्य परिचालन अधिकारी कौन है?", "hi"),  # a chief operating officer: used
        ("¿Qué dijo el ministro y el director de operaciones?", "es"),  # one of them is used
        ("Was sagte der Leiter der Firma?", "de"),  # "head": the sources use "chief"
        ("BlackBerry Pakistan se kyun ja raha hai?", "ur-Latn"),  # no office at all
        ("ما هو السبب الرئيسي لانسحاب بلاك بيري؟", "ar"),  # "main", not "the president"
        ("इसका प्रमुख कारण क्या है?", "hi"),  # "main reason", not a chief
        ("Quel pays a été le premier à menacer BlackBerry ?", "fr"),  # "first", not a premier
        ("Marty Beard est-il le président de BlackBerry ?", "fr"),  # checks a title: no one's words
        ("¿El gobierno del primer ministro pidió acceso?", "es"),  # in passing: no one's words
        ("بلیک بیری کا صدر دفتر کہاں ہے؟", "ar"),  # the head office
        ("Marty Beard ne kya kaha?", "ur-Latn"),  # a name the sources use
        ("Kya Beard ne kaha ke wo chale jayenge?", "ur-Latn"),  # "Kya" opens, it is no name
        ("Janab Beard Sahab ne kya kaha?", "ur-Latn"),  # honorifics
        ("Bharat ne kya kaha?", "ur-Latn"),  # one word: a country or an office in Urdu
        ("Telecom Authority ne kya kaha?", "ur-Latn"),  # one of its words is used
    ],
)
def test_an_office_or_name_in_another_language_that_the_sources_use_or_no_words_asked(
    lexicon: Lexicon, question: str, language: str
) -> None:
    assert unknown_subject_other(question, language, lexicon) is None


def test_an_office_is_used_by_its_own_forms_not_its_stem() -> None:
    lexicon = Lexicon([*DOCUMENTS, "The company keeps its lawful access policies."])
    # "policies" shares a stem with "police" but is no word for it
    assert unknown_subject("What did the police say about the ban?", lexicon) == "the police"


def test_a_name_is_no_misspelling_of_an_ordinary_word() -> None:
    lexicon = Lexicon([*DOCUMENTS, "It is time, the coo of the company said."])
    # "Tim" is one letter from "time" and "Cook" from "coo", but a name is misspelt only from a
    # name ("Indie" for "India")
    assert unknown_subject("What did Tim Cook say about the ban?", lexicon) == "Tim Cook"
    assert unknown_subject("What did Indie demand?", lexicon) is None


@pytest.mark.parametrize(
    ("question", "name"),
    [
        ("what did john chen say about the ban", "john chen"),  # "chen" is no "chosen"
        ("what did imran khan say about it lol", "imran khan"),
        ("what did nokia say about the ban", None),  # one word: lower case gives no cue
        ("what did company insiders say", None),  # a description with a word the sources use
        ("what did marty beard say", None),  # a name they use
        ("what did laura tribbe say", None),  # a misspelling of one
        ("what did they say", None),
    ],
)
def test_a_name_in_lower_case_the_sources_never_use(question: str, name: str | None) -> None:
    assert unknown_subject(question, Lexicon([*DOCUMENTS, "Laura Tribe said it."])) == name
