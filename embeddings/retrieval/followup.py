"""Follow-ups: a question sent as a reply to an answer, read alone and with the one it follows.

"and the old one?" asks little on its own; read together with the question it follows it may
find a better quote. That reading wins only when it is more confident and its quote is about
something the follow-up asks, so an unrelated question sent as a reply is not answered with the
old quote.
"""

from __future__ import annotations

from embeddings.models import Answer
from embeddings.retrieval.chat import split_questions
from embeddings.retrieval.lexicon import content_terms
from embeddings.text import normalise


def joined_question(earlier: str, question: str) -> str:
    """The follow-up read together with the question it follows."""
    return f"{earlier} {question}"


def better_reading(question: str, alone: Answer, joined: Answer) -> Answer:
    """The answer to keep: ``joined`` (to `joined_question`) when it is more confident than
    ``alone`` and its first quote mentions a content word of ``question``; else ``alone``.

    When the two read together are two questions (`split_questions`), the follow-up asks one of
    its own: the joined answer would lead with the earlier question's quote, so ``alone`` wins.
    """
    if len(split_questions(joined.question)) > 1:
        return alone
    if _confidence(joined) > _confidence(alone) and _addresses(joined, question):
        return joined
    return alone


def _confidence(answer: Answer) -> float:
    return answer.excerpts[0].confidence if answer.excerpts else -1.0


def _addresses(answer: Answer, question: str) -> bool:
    """Whether the answer's first quote mentions a content word of the question, if it has any."""
    terms = content_terms(question)
    quote = normalise(answer.excerpts[0].text) if answer.excerpts else ""
    return not terms or any(term in quote for term in terms)
