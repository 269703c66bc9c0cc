"""The candidate passages of a question, and the per-candidate numbers the searcher fuses.

Each function reads one frozen `Corpus` (or plain arrays) and returns an array with one entry
per candidate row: where the candidates come from (`candidates_in`), their best sentence
(`best_sentences`), whether they spell out an acronym asked about (`defines`), whether they can
supply the kind of answer asked for (`supplies`: a count of what is counted; `fills_role`: the
office asked about; `precise`: the day or time asked for; `strict_type_gate`), their
late-interaction score (`late_interaction`), and one number for the question itself
(`focus_known`). The
features they become are listed in `retrieval/features.py`; `retrieval/searcher.py` weighs them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from embeddings.retrieval.acronyms import abbreviates
from embeddings.retrieval.answer_types import (
    AnswerType,
    Role,
    asked_precision,
    counted_words,
    counts,
    names_earlier,
    renamed,
)
from embeddings.retrieval.features import Weights, minmax
from embeddings.retrieval.late import RERANK, maxsim
from embeddings.retrieval.lexicon import STOPWORDS, Lexicon, content_terms, stem
from embeddings.retrieval.snapshot import Corpus
from embeddings.store.vectors import VectorIndex
from embeddings.text import words

_ACRONYM = re.compile(r"\b[A-Z]{2,6}\b")
_STANDS_FOR = re.compile(
    r"\b(?:what|wat|wht)(?:'s|’s|s|\s+does|\s+do|\s+is)\s+(?:the\s+)?([a-z]{2,6})\s+"
    r"(?:stands? for|short for|mean|means)\b",
    re.I,
)
"""An acronym asked about in chat's lower case too: "what's bes stand for lol"."""
ROLE_MATCH = 0.6
"""How well a passage must cover each word of a post asked about and of whose post it is:
`TermMatcher.matches` gives 0.6 at a cosine of 0.70, the same closeness as `COUNTED_CLOSE`."""
COUNTED_CLOSE = 0.7
"""How close (MiniLM cosine of single words) a counted word in a passage must be to the one a
"how many …" question asks about. Tuning sets: the counts that answer sit at 0.77 ("businesses"
for "companies") and up, the nearest counts of something else at 0.65 ("users" for
"customers") and below (docs/RETRIEVAL.md, "Answer types")."""


def candidates_in(
    corpus: Corpus, passages: VectorIndex, sentences: VectorIndex, vectors: np.ndarray, n: int
) -> np.ndarray:
    """Passage rows near the question, from a passage index and its sentence index: the ``n``
    nearest passages and the owners of the ``2 n`` nearest sentences, for each vector."""
    found = [_nearest(passages, v, n) for v in vectors]
    found += [corpus.sentence_owner[_nearest(sentences, v, n * 2)] for v in vectors]
    return np.unique(np.concatenate(found)).astype(np.int64)


def _nearest(index: VectorIndex, vector: np.ndarray, n: int) -> np.ndarray:
    """Rows of the ``n`` items nearest to ``vector``, in no particular order: every row, without
    a search, when there are no more than ``n`` (a small library's sentences)."""
    if n >= len(index):
        return np.arange(len(index))
    # One query per search: a single query runs on one thread, which beats waking FAISS's
    # OpenMP team for a few hundred rows (and does not fight the encoder's threads).
    return index.search(vector[None, :], n)[1].ravel()


def best_sentences(
    rows: np.ndarray, vectors: np.ndarray, owned: Sequence[np.ndarray], table: np.ndarray
) -> np.ndarray:
    """For each passage row, its best sentence's similarity to any of the question vectors
    (float64, 0 when it has no sentence); ``owned`` holds each passage's sentence rows
    (`Corpus.passage_sentences`), ``table`` the sentence vectors of one encoder."""
    own = [owned[int(r)] for r in rows]
    lengths = np.fromiter((len(o) for o in own), dtype=np.int64, count=len(own))
    best = np.zeros(len(rows), dtype=np.float64)
    has = np.flatnonzero(lengths)
    if not has.size:
        return best
    flat = np.concatenate([own[i] for i in has])
    sims = (table[flat] @ vectors.T).max(axis=1)
    best[has] = np.maximum.reduceat(sims, np.concatenate(([0], np.cumsum(lengths[has])[:-1])))
    return best


def quotes(corpus: Corpus, phrases: Sequence[tuple[str, ...]], rows: np.ndarray) -> np.ndarray:
    """For each passage, the share of the question's quoted phrases (`query.quoted_phrases`)
    that it holds word for word."""
    if not phrases:
        return np.zeros(len(rows))
    wanted = [f" {' '.join(p)} " for p in phrases]
    held = []
    for r in rows:
        text = f" {' '.join(words(corpus.passages[int(r)].text))} "
        held.append(sum(w in text for w in wanted) / len(wanted))
    return np.array(held)


def literally_on_topic(
    lexicon: Lexicon,
    terms: Sequence[str],
    matched: np.ndarray,
    phrases: Sequence[tuple[str, ...]] = (),
    quoted: np.ndarray | None = None,
) -> np.ndarray:
    """Which passages are on topic by the question's own words, however it embeds: those that
    use every one of its terms (``matched``, terms × passages' coverage), when one term is
    specific to the story or there are two or more ("OpenMedia" alone sits below the dense
    floor; "how are you today?" shares only a word any text has), and those holding all it
    quotes (``quoted``: `quotes`) when each phrase has a word that is no stop word ("who said
    'paramount'", "'no choice'"; not "'the'"). Quoting the sources' words is how a chat checks
    them, so a quotation found is on topic even when its words are everyday ones; an
    off-topic request that quotes an everyday phrase the sources happen to use ("how do you say
    "the world" in French?") is the price."""
    literal = (
        np.all(matched >= 1.0, axis=1)
        if len(terms) > 1 or any(lexicon.specific(t) for t in terms)
        else np.zeros(len(matched), dtype=bool)
    )
    if quoted is not None and all(content_terms(" ".join(p)) for p in phrases):
        literal |= quoted >= 1.0
    return literal


def defines(corpus: Corpus, question: str, rows: np.ndarray) -> np.ndarray:
    """1 for passages that expand an acronym the question names ("What is BES?"): the phrase
    with the acronym after it ("… Enterprise Server (BES)"), or the acronym with the phrase
    after it in brackets, its capitals spelling the acronym ("BBM [BlackBerry Messenger]")."""
    acronyms = asked_acronyms(question)
    if not acronyms:
        return np.zeros(len(rows), dtype=np.float32)
    texts = [corpus.passages[int(r)].text for r in rows]
    return np.array(
        [any(_expands(t, a) for a in acronyms) for t in texts],
        dtype=np.float32,
    )


def asked_acronyms(question: str) -> set[str]:
    """The acronyms a question names: in capitals ("BES"), or in any case before "stand for",
    "short for" or "mean" ("what's bes stand for lol")."""
    acronyms = set(_ACRONYM.findall(question))
    if asked := _STANDS_FOR.search(question):
        acronyms.add(asked[1])
    return acronyms


def _expands(text: str, acronym: str) -> bool:
    """Does ``text`` spell ``acronym`` out: its words, then the acronym in parentheses
    ("BlackBerry Enterprise Service (BES)"), or the acronym, then its words in brackets
    ("BBM [BlackBerry Messenger]")? Read without a regular expression over runs of words, so a
    long passage costs no more than a scan."""
    short = acronym.upper()
    for match in re.finditer(rf"\({re.escape(short)}\)", text):
        before = text[max(0, match.start() - 100) : match.start()].split()
        if any(abbreviates(before[-k:], short) for k in range(1, min(len(before), 8) + 1)):
            return True
    for match in re.finditer(rf"\b{re.escape(short)}\s*[\[(]([^\])]{{1,100}})[\])]", text):
        if abbreviates(match[1].split(), short):
            return True
    return False


def supplies(
    corpus: Corpus,
    kind: AnswerType | None,
    question: str,
    rows: np.ndarray,
    terms: list[str],
    term_vectors: Mapping[str, np.ndarray],
) -> np.ndarray:
    """Which passages can give the kind of answer asked for (all of them for no kind).

    "How many employees…" asks for a number *of employees*: only a passage that counts them
    (or something that means the same, "5,000 companies" for firms) can answer it; any other
    number ("Dec. 30", "5,000 companies" for users) answers a different question.
    """
    if kind is None:
        return np.ones(len(rows), dtype=bool)
    ok = corpus.supplied[kind][rows]  # a copy: indexing with an array
    if kind is AnswerType.FORMER_NAME:
        # An earlier name of the thing asked about: the passage must name that thing too, by
        # its head word or by the name it goes by now ("What was Secusmart called before…",
        # "What was the BlackBerry Android phone called…" are not answered by "BlackBerry,
        # then RIM"), counting only words the sources use (chat's "bb" tells nothing).
        lexicon = corpus.lexicon
        thing, now = renamed(question)
        known = [t for t in lexicon.query(thing).terms if t in lexicon.idf]
        names = [t for t in lexicon.query(now).terms if t in lexicon.idf]
        if len(known) == 1 and known[0] in GENERIC_HEADS:
            known = []  # "the company's old name": whichever company the sources rename
        asked = {stem(t) for t in known[-1:] + names}
        if asked:
            ok &= np.fromiter(
                (bool(asked & lexicon.doc_stems(int(r))) for r in rows), bool, len(rows)
            )
        if not ok.any() and not names_earlier(question):
            return np.ones(len(rows), dtype=bool)  # no earlier name of it: what it was called
    if kind is AnswerType.NUMBER:
        # Read as the question's own terms are: "routes" is "route", "peple" is "people".
        counted = [t for t in corpus.lexicon.query(counted_words(question)).terms if t in terms]
        counted = [t for t in counted if corpus.lexicon.weight(t) > 0.5]
        if counted:
            stems = frozenset(stem(t) for t in counted)
            close = _same_thing(corpus, counted, term_vectors)
            texts = (corpus.passages[int(r)].text for r in rows)
            ok &= np.fromiter((counts(t, stems, stem, close) for t in texts), bool, len(rows))
    return ok


GENERIC_HEADS = frozenset("company firm business maker manufacturer brand corporation".split())
"""Words for whatever company a story is about: "what was the company's old name?" asks for
the earlier name the sources give, whichever name the passage uses for it ("BlackBerry, then
Research in Motion"); "the regulator's former name" still needs a passage about a regulator,
and "the German firm's old name" one about a firm."""


def _same_thing(
    corpus: Corpus, counted: Sequence[str], term_vectors: Mapping[str, np.ndarray]
) -> Callable[[str], bool]:
    """Whether a passage's word names what the question counts: its embedding is within
    `COUNTED_CLOSE` of a counted word's."""
    asked = [v for t in counted if (v := corpus.terms.vector(t, term_vectors)) is not None]
    if not asked:
        return lambda word: False
    table = np.stack(asked)
    seen: dict[str, bool] = {}

    def close(word: str) -> bool:
        if word not in seen:
            v = corpus.terms.vector(word, {})
            seen[word] = v is not None and float((table @ v).max()) >= COUNTED_CLOSE
        return seen[word]

    return close


WEEKDAY_MARGIN = 0.2
"""A passage naming a day of the week answers "which weekday…" only when it scores within this
of the best: "announced on Monday" stood 0.15 behind for "On what day of the week did
BlackBerry announce the exit?", and more than 0.3 behind for "Which weekday did the PTA notify
operators?", whose answer ("In July") it is not."""


@dataclass(frozen=True, slots=True)
class Precise:
    """Which candidates hold the day, weekday or time of day a "when" question asks for
    (`asked_precision`), and whether nothing coarser will do. Only the strict case changes
    the answer (`gate`): a bonus for holding a day, even one only for passages already near the
    best, let a passage with some day about another event overtake the one about the
    question's ("What date did the company reiterate its commitment?" quoted the November 30
    deadline), so the day is shown (`--explain`: precise) but not weighed."""

    holds: np.ndarray
    strict: bool
    exclusive: bool = False

    def gate(self, score: np.ndarray, supplied: np.ndarray) -> np.ndarray:
        """Exclusive (a day of the week, `Precision.exclusive`): the passages that name one
        and score within `WEEKDAY_MARGIN` of the best, when any does. Strict (nothing coarser
        will do): all pass when the best passage that supplies a date holds the day asked
        for, none when it does not. Another passage with some other day is about another
        event, so it is never promoted in its place. Neither: all pass."""
        if self.exclusive and supplied.any():
            near = score >= float(score[supplied].max()) - WEEKDAY_MARGIN
            if (named := self.holds & supplied & near).any():
                return named
        if not self.strict or not supplied.any():
            return np.ones(len(score), dtype=bool)
        lead = int(np.argmax(np.where(supplied, score, -np.inf)))
        return np.full(len(score), bool(self.holds[lead]))


def precise(
    corpus: Corpus, kind: AnswerType | None, question: str, rows: np.ndarray
) -> Precise | None:
    """For a "when" question that asks for a day, a weekday or a time of day: which passages
    hold one (`Precise`). None for any other question."""
    if kind is not AnswerType.DATE or (asked := asked_precision(question)) is None:
        return None
    texts = (corpus.passages[int(r)].text for r in rows)
    holds = np.fromiter((bool(asked.pattern.search(t)) for t in texts), bool, len(rows))
    return Precise(holds, asked.strict, asked.exclusive)


def fills_role(
    corpus: Corpus, role: Role, rows: np.ndarray, terms: list[str], matched: np.ndarray
) -> np.ndarray:
    """Which passages name the post a "who" question asks about and whose post it is, each
    word used or one within `ROLE_MATCH` of it ("Marty Beard, Chief Operating Officer at
    BlackBerry" for "Who is BlackBerry's chief operating officer?"). A verb post ("Who heads
    the PTA?") is also named by the nouns for it ("chief", "head", …)."""
    lexicon = corpus.lexicon
    column = {t: j for j, t in enumerate(terms)}

    def covered(text: str) -> np.ndarray:
        asked = [column[t] for t in lexicon.query(text).terms if t in column]
        return np.asarray((matched[:, asked] >= ROLE_MATCH).all(axis=1), dtype=bool)

    ok = covered(role.of)
    post = covered(role.post) | _initialled(corpus, role.post, rows)
    if role.nouns:
        nouns = frozenset(stem(n) for n in role.nouns)
        post |= np.fromiter(
            (bool(nouns & lexicon.doc_stems(int(r))) for r in rows), bool, len(rows)
        )
    return ok & post


def _initialled(corpus: Corpus, post: str, rows: np.ndarray) -> np.ndarray:
    """Passages that write the post by its initials or in full: "COO" for "chief operating
    officer", "Chief Operating Officer" for "coo"."""
    parts = post.split()
    if len(parts) > 1:
        short = "".join(w[0] for w in parts).lower()
        return np.fromiter(
            (short in corpus.lexicon.doc_terms[int(r)] for r in rows), bool, len(rows)
        )
    if not 2 <= len(post) <= 5 or not post.isalpha():
        return np.zeros(len(rows), dtype=bool)
    letters = post.lower()
    return np.fromiter(
        (_spells(letters, words(corpus.passages[int(r)].text)) for r in rows), bool, len(rows)
    )


def _spells(letters: str, tokens: Sequence[str]) -> bool:
    """Do consecutive words, none of them a stop word, start with these letters?"""
    n = len(letters)
    for i in range(len(tokens) - n + 1):
        run = tokens[i : i + n]
        if all(w[0] == a and w not in STOPWORDS for w, a in zip(run, letters, strict=True)):
            return True
    return False


def strict_type_gate(
    strict: bool,
    supplied: np.ndarray,
    score: np.ndarray,
    confidence: np.ndarray,
    weights: Weights,
    exclusive: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """The answer-type gate, for a question that insists on its kind (`STRICT`, or a post
    asked about; anything else passes unchanged): a passage that supplies it gains
    ``type_match``; one that cannot loses ``type_miss`` and all its confidence, so no floor
    lets it answer. An ``exclusive`` kind (`EXCLUSIVE`) puts every passage that supplies it
    ahead of every one that cannot. Returns the new score and confidence."""
    if not strict:
        return score, confidence
    miss = 1.0 + float(np.ptp(score)) if exclusive and len(score) else weights.type_miss
    return (
        score + np.where(supplied, weights.type_match, -miss),
        np.where(supplied, confidence, 0.0),
    )


def late_interaction(
    corpus: Corpus, rows: np.ndarray, score: np.ndarray, tokens: np.ndarray
) -> np.ndarray:
    """Late interaction (MaxSim) of the best `RERANK` candidates by ``score``, scaled to
    [0, 1] among them; 0 for the others, which it does not re-rank."""
    assert corpus.passage_tokens is not None
    top = np.argsort(-score, kind="stable")[:RERANK]
    late = np.zeros(len(rows))
    late[top] = minmax(maxsim(tokens, [corpus.passage_tokens[int(r)] for r in rows[top]]))
    return late


def focus_known(
    matched: np.ndarray, weights: np.ndarray, real: Sequence[bool], max_idf: float
) -> float:
    """1 minus the weight (IDF / max IDF) of the rarest real question word that no candidate
    covers: "Who heads the PTA?" asks about heading, which no passage mentions. A misspelling
    nobody could mend ("quoetd") says nothing about what the sources hold, so it is left out."""
    if not matched.size:
        return 1.0
    best = matched.max(axis=0)
    missing = weights[(best < 0.5) & np.asarray(real, dtype=bool)]
    return 1.0 - float(missing.max()) / max_idf if missing.size else 1.0
