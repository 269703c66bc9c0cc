"""Questions about the sources themselves: who wrote an article.

"Who wrote the Canadian Press article?" is not answered by any paragraph: the answer is the
article's byline, which the cleaner sets aside as furniture. Such a question is answered with
the byline as the source gives it, quoted and cited like any excerpt (paragraph 0), for the
sources the question names by publisher, or for every source with a byline when it names none.
A question that names an outlet the sources don't include ("Who wrote the Reuters piece?") is
left to the search, which says the sources don't answer it.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from embeddings.models import Answer, Article, Excerpt
from embeddings.retrieval.language import detect
from embeddings.retrieval.lexicon import content_terms

_WORK = r"(?:article|articles|story|stories|piece|report|reports|coverage|write-?up|one)"
"""What was written; "one" as in "who wrote the Intel News one?"."""
_OBJECT = rf"(?:(?:the|this|that|these|those|an?|their)\s+)?(?:[\w.'’-]+\s+){{0,3}}?{_WORK}\b"
"""What was written: the work noun right after the verb, at most three words in between (the
outlet's name): "wrote the Canadian Press article", never "wrote the blog post … in the story"."""
_ASKS_AUTHOR = re.compile(
    rf"\b(?:who|which (?:journalist|reporter|writer|author)s?)\b[^?.!,;]*?"
    rf"\b(?:wrote|writes|write|written|authored|penned)\s+{_OBJECT}"
    rf"|\b(?:who|what)(?:'s|’s|\s+is|\s+was|\s+are|\s+were)\s+(?:the\s+)?"
    rf"(?:authors?|writers?|reporters?|journalists?)\s+(?:of|for|behind|on)\s+{_OBJECT}"
    rf"|\b{_WORK}\s+(?:was\s+|were\s+)?(?:written|authored|penned)\s+by\b"
    rf"|\bbylines?\b",
    re.I,
)
_ASKS_AUTHOR_OTHER = re.compile(
    r"quién (escribió|firmó)|qui a écrit|qui a rédigé|wer hat .{0,60}geschrieben|wer schrieb|"
    r"quem escreveu|chi ha scritto|kim yazdı|kim yazmış|من كتب|کس نے لکھا|kis ne likha|"
    r"किसने लिखा|किस ने लिखा|autor(a)? de (la|el) (nota|artículo|reportaje)|auteur de l'article",
    re.I,
)
"""The same question in the languages the multilingual path reads: "¿Quién escribió la nota de
The Canadian Press?", "Canadian Press ka article kis ne likha?"."""
_INTENT_WORDS = frozenset(
    "who which wrote writes write written authored penned author authors writer writers reporter "
    "reporters journalist journalists byline bylines article articles story stories piece report "
    "reports coverage writeup write-up behind".split()
)


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[\W_]+", text.casefold()) if w]


def _names(publisher: str, question_words: Sequence[str]) -> bool:
    """Does the question name the publisher, as whole words ("canadian press", "intel-news",
    "Intel News", "securityweek"), a leading "the" optional? Never inside another word."""
    name = _words(publisher)
    if name[:1] == ["the"] and len(name) > 1:
        name = name[1:]
    joined = "".join(name)
    return any(
        "".join(question_words[i : i + n]) == joined
        for n in range(1, len(name) + 2)
        for i in range(len(question_words) - n + 1)
    )


def asks_who_wrote(question: str) -> bool:
    """Does the question ask who wrote an article (not who said or did something in it)?"""
    return bool(_ASKS_AUTHOR.search(question) or _ASKS_AUTHOR_OTHER.search(question))


def who_wrote(
    question: str, articles: Sequence[Article], known: Collection[str], k: int
) -> Answer | None:
    """Up to ``k`` bylines that answer an authorship question, or None when the question is not
    one, or names something the sources never mention (``known``: the words they use), such as
    an outlet they don't include; the search then answers it like any other question."""
    if not asks_who_wrote(question):
        return None
    asked = _words(question)
    named = [a for a in articles if a.info.publisher and _names(a.info.publisher, asked)]
    if not named:
        # An English question with a word the sources never use names something they lack
        # ("the Reuters piece"); another language's words are all unknown, so only its names
        # (in Latin script) could say that, and they are what `named` looked for.
        unknown = [t for t in content_terms(question) if t not in known and t not in _INTENT_WORDS]
        if unknown and detect(question).english:
            return None
        named = list(articles)
    excerpts = tuple(
        Excerpt(
            text=a.byline,
            highlight=(a.byline,),
            confidence=1.0,
            paragraph=0,
            source=a.info,
        )
        for a in named
        if a.byline
    )
    return Answer(question, excerpts[:k])


__all__ = ["asks_who_wrote", "who_wrote"]
