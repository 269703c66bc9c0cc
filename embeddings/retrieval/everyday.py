"""Everyday questions: what a question that is not about the sources looks like to e5.

A question in another language is ranked by the multilingual encoder alone, whose cosines sit
in a narrow band (0.73-0.90 on the seeds) whatever is asked: "what will the weather be in Lahore
tomorrow?" comes as close to a passage that names Pakistan (0.80) as many real questions do. So
besides the floor, the question is compared with a fixed set of everyday questions that no
news story answers (weather, food, sport, help with a phone, small talk). When it is clearly
nearer to one of them than to any passage of the sources, it is off-topic.

The set is general English, written once, not drawn from any story or question set (e5 reads
across languages, so an Urdu weather question finds the English one), and it stays the same
for every story. Its e5 question vectors are stored in the index beside the passages'
(`INDEX_DIR/e5-everyday`), so no question waits for them. `EVERYDAY_MARGIN` was chosen on the
non-English tuning questions (docs/RETRIEVAL.md, "Questions in other languages").
"""

from __future__ import annotations

import numpy as np

EVERYDAY = (
    "What's the weather like tomorrow?",
    "Will it rain this weekend?",
    "Where can I get good food near me?",
    "What's a good recipe for dinner tonight?",
    "Who won the football match last night?",
    "When is the next cricket match?",
    "How do I reset my phone's password?",
    "My laptop won't turn on, what should I do?",
    "Tell me a joke.",
    "How are you doing today?",
    "Good morning, have a nice day!",
    "Thank you so much for your help.",
    "What time is it now?",
    "How do I get to the airport?",
    "What is the capital of France?",
    "How much does a flight to London cost?",
    "Recommend a good movie to watch.",
    "Which song is number one this week?",
    "How can I lose weight fast?",
    "What are the symptoms of the flu?",
    "What is 25 times 4?",
    "How do I learn to code?",
    "Where can I buy cheap shoes?",
    "What's the exchange rate of the dollar today?",
    "Who is the richest person in the world?",
    "How do I apply for a passport?",
    "What's the best smartphone to buy this year?",
    "Can you help me with my homework?",
    "What should I name my cat?",
    "How long does it take to boil an egg?",
    "Is the bank open on Sunday?",
    "What's the score of the match?",
    "When does the new season of the show come out?",
    "How do I make tea?",
    "What is the meaning of life?",
)
EVERYDAY_MARGIN = 0.05
"""A question is off-topic when an everyday question is closer to it than the nearest passage
is, by more than this. On the 95 non-English tuning questions (75 answerable), by similarity
alone: no answerable question is more than 0.01 nearer to the everyday set, the off-topic ones
are 0.05-0.12 nearer (a margin of 0 would lose four answerable ones). Through the whole search,
with the floor at 0.80, margins 0.02-0.05 abstain on one more unanswerable question of 90 and
lose no answer. 0.03 until session 7, when a review found short answerable questions that name
nothing of the story 0.030-0.039 nearer to the everyday set ("Combien d'entreprises sont
touchées ?", "Deadline kis ne di thi?", "Wer hat die Frist gesetzt?"); weather and rain are
now caught by name (`retrieval/facts.py`)."""


def everyday_similarity(everyday: np.ndarray | None, vector: np.ndarray) -> float | None:
    """How close e5's ``vector`` of a question comes to the nearest everyday question; None
    when the index holds none."""
    return float((everyday @ vector).max()) if everyday is not None and len(everyday) else None


def nearer_everyday(usual: float | None, nearest: float) -> bool:
    """Is a question whose everyday similarity is ``usual`` (`everyday_similarity`) clearly
    nearer to everyday talk than to the sources, whose nearest passage is ``nearest`` close?"""
    return usual is not None and usual - nearest > EVERYDAY_MARGIN
