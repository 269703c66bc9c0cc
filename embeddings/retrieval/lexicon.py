"""The lexical side of search: tokens, typo correction against the corpus, BM25 and term weights."""

from __future__ import annotations

import difflib
import math
import re
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np

from embeddings.text import words

# Function words, question words and chat filler: they carry no evidence about which passage
# answers ("lol ngl, what did they say" asks the same thing as the bare question). Words that
# were here only for the eval's own chat wrappers ("uncle", "mom", "friend", "group"…) went in
# issue 10: no set they were never tuned on moved without them (docs/RETRIEVAL.md).
STOPWORDS = frozenset(
    """a about above after again against all am an and any are aren't as at be because been
    before being below between both but by can can't cannot could couldn't did didn't do does
    doesn't doing don't down during each few for from further had hadn't has hasn't have
    haven't having he he'd he'll he's her here here's hers herself him himself his how how's i
    i'd i'll i'm i've if in into is isn't it it's its itself let's me more most mustn't my
    myself no nor not of off on once only or other ought our ours ourselves out over own same
    shan't she she'd she'll she's should shouldn't so some such than that that's the their
    theirs them themselves then there there's these they they'd they'll they're they've this
    those through to too under until up very was wasn't we we'd we'll we're we've were weren't
    what what's when when's where where's which while who who's whom why why's will with won't
    would wouldn't you you'd you'll you're you've your yours yourself yourselves also just
    really actually even ever still yet now anyway anything something someone somebody
    everyone everything thing things stuff kind sort lot lots tell told say said says saying
    know knows think thinks thought reckon reckons guess mean means wonder wondering please
    thanks thank ok okay hey hi hello yeah yes yep nope lol lmao ngl tbh omg btw imo idk pls
    plz guys guy folks quick q question random wait right sure basically like literally
    whats wat wen dont didnt doesnt isnt wasnt cant wont im ive theyre thats""".split()
)


NAME_PREFIX = 4
"""A name is softly matched only by words sharing this many first letters ("pakistan(i)")."""

# Word forms. Each rule below answers its own question and they are kept apart on purpose
# (merging them would change which passages match): `stem` folds forms for matching a question
# word to a passage's; `_PLURALS` are the spellings a typo corrector must not "correct";
# `_ENDINGS` tell a dictionary word plus an ending from a typo.
_SUFFIX = re.compile(r"(ations?|ments?|ings?|ies|ied|ers?|ed|es|e|s|ly)$")
_ENDINGS = ("s", "es", "ed", "ing", "er", "ers", "ly", "ness", "ment", "ments")


def stem(word: str) -> str:
    """A crude suffix strip, enough to match "acquire" with "acquired" and "ban" with "bans"."""
    cut = _SUFFIX.sub("", word)
    return cut if len(cut) >= 3 else word


def _plurals(term: str) -> tuple[str, ...]:
    """The term without a plural "s" and with one: variants a typo corrector leaves alone."""
    return (term.rstrip("s"), term + "s", term + "es")


_IDIOM = {"stand": "for", "stands": "for", "stood": "for"}
"""A word that is filler when the next word is the given one."""


def content_terms(text: str) -> list[str]:
    """Lower-case word tokens minus stop words, with possessives folded ("blackberry's").

    "Stand for" is an idiom, not a topic: in "what does BES stand for" only "bes" is asked about
    (otherwise "stand" would match every passage "standing firm").
    """
    out = []
    tokens = words(text)
    for i, word in enumerate(tokens):
        if word in _IDIOM and tokens[i + 1 : i + 2] == [_IDIOM[word]]:
            continue
        word = content_form(word)
        if word and word not in STOPWORDS and not (len(word) == 1 and not word.isdigit()):
            out.append(word)
    return out


@dataclass(frozen=True, slots=True)
class Query:
    """A question's terms after typo correction against the corpus vocabulary."""

    terms: tuple[str, ...]
    corrected: tuple[tuple[str, str], ...]
    """(typed, corrected) pairs, for the corrections that were made."""

    @property
    def text(self) -> str:
        return " ".join(self.terms)


class Lexicon:
    """BM25 over passages plus the corpus vocabulary, its IDF and a typo corrector.

    Built once per library snapshot; read-only afterwards, so safe to share between threads.
    """

    def __init__(self, documents: Sequence[str], dictionary: Collection[str] | None = None) -> None:
        """Indexes ``documents``; ``dictionary`` lists real words, which are never "corrected"."""
        self._dictionary = dictionary or frozenset()
        self._docs = [content_terms(d) for d in documents]
        self.doc_terms: tuple[frozenset[str], ...] = tuple(frozenset(d) for d in self._docs)
        df = Counter(t for terms in self.doc_terms for t in terms)
        n = max(1, len(self._docs))
        self.idf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}
        self.max_idf = math.log(1 + (n + 0.5) / 0.5)
        self._df = df
        self._vocab = sorted(df)
        self._postings = _postings(self._docs, self.idf)
        self._correct = lru_cache(maxsize=4096)(self._correct_uncached)
        self.names = proper_names(documents)
        """Terms the sources write as names ("india", "secusmart"): see `proper_names`."""
        self.abbreviations = frozenset(
            m.lower() for d in documents for m in _ABBREVIATION.findall(d)
        )
        """Capitalised words of three to five letters the sources write with a period inside a
        sentence ("Waterloo, Ont.-based"): a name written short."""
        self._stems = frozenset(stem(t) for t in self._vocab)

    def is_word(self, term: str) -> bool:
        """Is ``term`` a real word (in the encoder's vocabulary) or one the sources use? A
        misspelling the corrector could not mend is neither; with no dictionary, all are."""
        return not self._dictionary or term in self._dictionary or term in self.idf

    def doc_stems(self, row: int) -> frozenset[str]:
        """The stems of the content words of document ``row``."""
        return frozenset(stem(t) for t in self.doc_terms[row])

    def specific(self, term: str) -> bool:
        """Does ``term`` pick out this story rather than any text: a name the sources write, a
        number, or a word outside the encoder's general vocabulary ("secusmart", "bes")?
        "today" or "needed" is in every kind of text, so a passage using it says nothing about
        whether the passage is on topic. With no dictionary, every word is."""
        return (
            not self._dictionary
            or term in self.names
            or term not in self._dictionary
            or any(ch.isdigit() for ch in term)
        )

    def mentions(self, name: str) -> bool:
        """Do the sources use this word, a form of it ("pakistani" for "pakistan", "canadian"
        for "canada": `name_forms`), or write it short with a period ("Ont." for "ontario")?
        ``name`` is a content form (`content_form`)."""
        if name in self.idf or stem(name) in self._stems:
            return True
        if any(form in self.idf for form in name_forms(name)):
            return True
        return any(name.startswith(a) and len(name) > len(a) for a in self.abbreviations)

    @property
    def vocabulary(self) -> Sequence[str]:
        """Every content word the sources use, sorted."""
        return self._vocab

    def weight(self, term: str) -> float:
        """IDF of a term; a word the corpus never uses weighs as much as the rarest one."""
        return self.idf.get(term, self.max_idf)

    def query(self, question: str) -> Query:
        """The question's content terms, with misspellings mapped onto corpus words."""
        terms: list[str] = []
        corrected: list[tuple[str, str]] = []
        spoken = f" {' '.join(words(question))} "
        for term in content_terms(question):
            fixed = self._correct(term)
            if fixed != term:
                corrected.append((term, fixed))
                if fixed in _IDIOM and f" {term} {_IDIOM[fixed]} " in spoken:
                    continue  # "what does BES stnd for": the idiom, once the typo is mended
            terms.append(fixed)
        return Query(tuple(terms), tuple(corrected))

    def _correct_uncached(self, term: str) -> str:
        if term in self._df or len(term) < 4 or term.isdigit():
            return term
        # Plural/possessive variants are not typos.
        for variant in _plurals(term):
            if variant in self._df:
                return variant
        if term in self._dictionary:
            return term  # a real word the sources just don't use ("stand", "employees")
        matches = difflib.get_close_matches(term, self._vocab, n=3, cutoff=0.8)
        if matches:
            return max(
                matches,
                key=lambda m: (difflib.SequenceMatcher(None, term, m).ratio(), self._df[m]),
            )
        # A misspelt word the sources do not use ("reguletor"): its real spelling embeds as
        # itself, where the typo breaks into meaningless word pieces. Only one edit away, and
        # only to a word of the model's vocabulary: that vocabulary lacks many real words
        # ("handset"), and anything looser turns them into others ("hands").
        if self._inflected(term):
            return term  # "swears", "outlawing": a real word the vocabulary only has the stem of
        shapes = self._by_shape
        near = [
            w
            for n in (len(term) - 1, len(term), len(term) + 1)
            for w in shapes.get((term[0], n), ())
            if _one_edit(term, w)
        ]
        return max(near, key=lambda w: difflib.SequenceMatcher(None, term, w).ratio(), default=term)

    def _inflected(self, term: str) -> bool:
        """Is the term a dictionary word plus an ending ("swear" + "s", "outlaw" + "ing")?"""
        for ending in _ENDINGS:
            root = term.removesuffix(ending)
            known = root in self._dictionary or root + "e" in self._dictionary
            if root != term and len(root) >= 3 and known:
                return True
        return False

    @cached_property
    def _by_shape(self) -> dict[tuple[str, int], list[str]]:
        """The dictionary's words by first letter (typos rarely hit it) and length."""
        groups: dict[tuple[str, int], list[str]] = {}
        for word in sorted(self._dictionary):
            groups.setdefault((word[0], len(word)), []).append(word)
        return groups

    def rows_using(self, term: str) -> np.ndarray:
        """The rows of the documents that use ``term`` (a content term) as it stands."""
        found = self._postings.get(term)
        return found[0] if found is not None else np.zeros(0, dtype=np.int64)

    def bm25(self, query: Query) -> np.ndarray:
        """BM25 score of every passage for the query terms (zeros when nothing matches)."""
        known = [t for t in query.terms if t in self._df]
        if not known or not self._docs:
            return np.zeros(len(self._docs), dtype=np.float32)
        scores = np.zeros(len(self._docs), dtype=np.float32)
        for term in known:  # a repeated word counts again, as in any BM25 over the query tokens
            rows, values = self._postings[term]
            scores[rows] += values
        return scores


def _postings(
    docs: Sequence[Sequence[str]], idf: dict[str, float], k1: float = 1.2, b: float = 0.75
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per term, the passages that use it and its BM25 score in each (Lucene's variant).

    score = idf * tf / (tf + k1 * (1 - b + b * length / average length)). An empty passage
    counts as one token long (as the bm25s package, used before, indexed it).
    """
    lengths = np.array([len(d) or 1 for d in docs], dtype=np.float64)
    norm = k1 * (1 - b + b * lengths / lengths.mean()) if len(docs) else lengths
    found: dict[str, tuple[list[int], list[int]]] = {}
    for row, doc in enumerate(docs):
        for term, count in Counter(doc).items():
            rows, counts = found.setdefault(term, ([], []))
            rows.append(row)
            counts.append(count)
    out = {}
    for term, (rows, counts) in found.items():
        at = np.array(rows, dtype=np.int64)
        tf = np.array(counts, dtype=np.float64)
        out[term] = (at, (idf[term] * tf / (tf + norm[at])).astype(np.float32))
    return out


_ABBREVIATION = re.compile(r"\b([A-Z][a-z]{2,4})\.(?=[-,—–]|\s+[a-z])")
_ENDINGS_OF_NAMES = ("i", "n", "an", "ian", "ese", "ish")
"""How English makes a people or an adjective of a place: Pakistan-i, India-n, Canad(a)-ian,
Chin(a)-ese, Engl(and)-ish is beyond it."""


def name_forms(name: str) -> set[str]:
    """Other forms of a place's name the sources may use: "pakistani" for "pakistan",
    "canadian" for "canada", "india" for "indian"."""
    roots = {name, name[:-1]} if name[-1:] in ("a", "e", "o", "y") else {name}
    forms = {root + ending for root in roots for ending in _ENDINGS_OF_NAMES}
    forms |= {
        name[: -len(e)] for e in _ENDINGS_OF_NAMES if name.endswith(e) and len(name) > len(e) + 2
    }
    forms |= {f + "a" for f in list(forms) if len(f) > 3}  # "canadian" → "canad" → "canada"
    forms.discard(name)
    return forms


_MID_CAPITAL = re.compile(r"(?<=[a-z0-9,)] )[A-Z][A-Za-z'’-]*")
"""A capitalised word inside a sentence (after a lower-case word, a number or a comma)."""
_LOWER = re.compile(r"(?<![A-Za-z'’-])[a-z][a-z'’-]*")


def proper_names(documents: Sequence[str]) -> frozenset[str]:
    """The words the documents capitalise inside sentences and never write in lower case:
    names of countries, people, companies. All-capital acronyms ("BES", "COO") are left out,
    since their spelt-out forms are other words."""
    upper: set[str] = set()
    lower: set[str] = set()
    for text in documents:
        upper.update(w for w in _MID_CAPITAL.findall(text) if not w.isupper())
        lower.update(_LOWER.findall(text))
    written_lower = {content_form(w) for w in lower}
    return frozenset(f for w in upper if (f := content_form(w)) and f not in written_lower)


def content_form(word: str) -> str:
    """A word as `content_terms` spells it (lower case, possessive folded)."""
    word = word.lower().replace("’", "'")
    return (word[:-2] if word.endswith("'s") else word).strip("'")


def _one_edit(a: str, b: str) -> bool:
    """Is ``b`` one letter dropped, added, changed or two neighbours swapped away from ``a``?"""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diff) == 1:
            return True
        i = diff[0]
        return len(diff) == 2 and diff[1] == i + 1 and a[i] == b[i + 1] and a[i + 1] == b[i]
    short, long = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long[i]:
        i += 1
    return short[i:] == long[i + 1 :]


MISSPELT = 0.8
"""difflib's ratio from which a name counts as a misspelling of a known one ("indie"/"india"
0.8, "islamabaad"/"islamabad" 0.95; "telegram"/"telecom" is 0.67), as the corrector's cut-off."""


def misspelt_of(form: str, words: Iterable[str]) -> str:
    """The word of ``words`` that ``form`` misspells: within `MISSPELT`, sharing its first letter
    and about as long (a typo rarely hits the first letter); "" when there is none."""
    near = [w for w in words if w[:1] == form[:1] and abs(len(w) - len(form)) <= 2]
    found = difflib.get_close_matches(form, near, n=1, cutoff=MISSPELT)
    return found[0] if found else ""


def one_edit_of(form: str, words: Iterable[str]) -> str:
    """The word of ``words`` one letter dropped, added, changed or swapped away from ``form``
    ("pakistn" for "pakistan"), "" when there is none: stricter than `misspelt_of`, for words
    that may as well be names the sources never use ("chen" is no "chosen")."""
    return next((w for w in words if _one_edit(form, w)), "")


DETERMINERS = frozenset("the a an any some its their his her our your my".split())
"""Words that open a description rather than a name ("the agency", "any pak minister")."""
