"""General knowledge about a place, asked of sources that never state it."""

import re

import numpy as np
import pytest

from embeddings.retrieval.facts import unstated_fact, unstated_fact_other
from embeddings.retrieval.lexicon import Lexicon

PASSAGES = [
    "Like Pakistan is doing now, India cited public safety after the attacks in Mumbai, its "
    "financial capital. The attacks killed 166 people.",
    "The company will leave Pakistan on Dec. 30. Islamabad, the capital of Pakistan, said nothing.",
    "Karachi is a big market for the company's phones.",
]
SENTENCES = [s for p in PASSAGES for s in re.split(r"(?<=\.)\s+", p)]
OWNERS = [i for i, p in enumerate(PASSAGES) for _ in re.split(r"(?<=\.)\s+", p)]
PASSAGE_SENTENCES = [np.flatnonzero(np.array(OWNERS) == i) for i in range(len(PASSAGES))]


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon(PASSAGES)


def fact(question: str, lexicon: Lexicon) -> str:
    return unstated_fact(question, lexicon, SENTENCES, PASSAGE_SENTENCES)


@pytest.mark.parametrize(
    ("question", "reason"),
    [
        ("What is the population of Pakistan?", "the population of Pakistan"),
        ("what's the weather like in karachi today", "the weather in karachi"),
        ("What currency does Pakistan use?", "the currency of Pakistan"),
        ("What is Pakistan's time zone?", "the time zone of Pakistan"),  # not "What is Pakistan"
        # "Mumbai, its financial capital" is far from "India" in its sentence
        ("What's the capital of India?", "the capital of India"),
        ("Which city is Karachi's capital?", "the capital of Karachi"),  # not "city is Karachi"
        ("capital of india?", "the capital of india"),  # chat
        ("How many people live in Karachi?", "the population of Karachi"),
        ("Is it raining in Karachi?", "the weather in Karachi"),
        ("What money do they use in Pakistan?", "the currency in Pakistan"),
        ("What time zone is Pakistan in?", "the time zone of Pakistan"),
        ("what time is it in karachi right now", "the local time in karachi"),
    ],
)
def test_a_fact_about_a_place_the_sources_never_state(
    lexicon: Lexicon, question: str, reason: str
) -> None:
    assert fact(question, lexicon) == reason


@pytest.mark.parametrize(
    "question",
    [
        "What is the capital of Pakistan?",  # "Islamabad, the capital of Pakistan"
        "What is the capital of the company?",  # a company's capital is money, not a place's
        "When will the company leave Pakistan?",  # no fact of a place asked for
        "How many people did the attacks kill?",
        "What was Beard's language on back doors?",  # a figure of speech
        "What's Pakistan's population of BES customers?",  # a population of something else
        "At what time will the company leave Pakistan?",  # a time of the story, not a clock
    ],
)
def test_a_stated_fact_or_none_asked_passes(lexicon: Lexicon, question: str) -> None:
    assert fact(question, lexicon) == ""


@pytest.mark.parametrize(
    ("question", "reason"),
    [
        ("Pakistan mein aaj mausam kaisa hai?", "the weather"),
        ("Aaj Lahore mein barish hogi?", "the weather"),  # rain
        ("پاکستان کی آبادی کتنی ہے؟", "the population"),
        ("پاکستان کا دارالحکومت کیا ہے؟", ""),  # the sources use "capital": the place is not read
        ("¿Cuánto tiempo le dieron a BlackBerry?", ""),  # "tiempo" alone is time
        ("BlackBerry kab band hoga?", ""),
        ("کس موسم میں بلیک بیری پاکستان چھوڑ رہا ہے؟", ""),  # "in which season"
        ("Pakistan ki currency kya hai?", "the currency"),  # an English word, code-mixed
    ],
)
def test_a_fact_asked_in_another_language_that_the_sources_never_state(
    lexicon: Lexicon, question: str, reason: str
) -> None:
    assert unstated_fact_other(question, lexicon) == reason
