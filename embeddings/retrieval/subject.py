"""What a question is about, when the sources never name it.

"What did Nokia say about the ban?" and "When was Telegram founded?" ask about a company the
articles never mention. No passage can answer them, however close their other words come ("the
ban" is everywhere), so the search says the sources don't answer instead of quoting the nearest
passage about a ban.

The subject is read without a tagger, from where English questions put it: after the
auxiliary ("what did X say", "when was X founded", "did X comment") and after "of" in "what is
the … of X". An office there ("what did Pakistan's interior minister say", "did the PTA
chairman comment") is known when the sources use it or one of its other names ("boss" for
"chief"); the offices are the general-English table of `answer_types`. Only capitalised words
count as names there: lower-case chat gives no reliable cue
("handset" and "watchdog" are real words that the encoder's vocabulary lacks), and a word in
capitals throughout is a name only when short ("PTA", not "DEADLINE"). A name is known when the
sources use it or a form of it (`Lexicon.mentions`), when it is a misspelling of one of their
words or of a capital ("Indie", "Islamabaad"), or when the search spelt it out: an acronym
("RIM (Research in Motion)") or a capital ("Riyadh (Saudi Arabia)") is read as what is written
beside it.
"""

from __future__ import annotations

import re

from embeddings.retrieval.answer_types import (
    AnswerType,
    names_office,
    office_names,
)
from embeddings.retrieval.language import asked_type_other, asks_words_other, offices_other
from embeddings.retrieval.lexicon import (
    DETERMINERS,
    STOPWORDS,
    Lexicon,
    content_form,
    misspelt_of,
    one_edit_of,
)
from embeddings.retrieval.places import CAPITALS
from embeddings.retrieval.query import insertions
from embeddings.retrieval.speech import says, whose_words

_AUXILIARY = r"(?:did|does|do|has|have|had|was|is|were|are|will|would|can|could)"
_AFTER_AUXILIARY = re.compile(
    rf"(?:^|\b(?:what|how|why|when|where)\s+){_AUXILIARY}\s+(?:the\s+)?"
    r"((?:[\w'.&-]+\s+){0,3}?[\w'.&-]+)\s+(?=(?-i:[a-z]))",
    re.I,
)
_OF = re.compile(
    r"\b(?:what|which|who)(?:'s|\s+is|\s+was|\s+are|\s+were)\s+(?:the|a|an|its|their)\s+"
    r"(?:[\w'-]+\s+){0,2}?[\w'-]+?\s+of\s+((?:[\w'.-]+\s*){1,3})(?:[?.!,;]|$)",
    re.I,
)
_TITLES = frozenset("mr mrs ms miss dr prof sir dame lord lady sen gen col gov rep rev".split())
"""Honorifics before a name ("What did Mr. Beard say?"): the name is what follows."""
LONGEST_ACRONYM = 5
"""A word in capitals throughout is read as a name up to this long ("PTA", "NATO"); longer, it
is shouting ("DEADLINE"). Acronyms of the seeds' sources run two to four letters."""
_CITIES = {content_form(city): country for city, country in CAPITALS.items()}


def unknown_subject(question: str, lexicon: Lexicon) -> str | None:
    """The name the question is about, as typed, when the sources never use it; None otherwise
    (no subject found, a subject in lower case, or one the sources name)."""
    text, inserted = insertions(question.replace("’", "'"))
    spelt = {word: beside for name, beside in inserted.items() for word in name.split()}
    if text.isupper():  # a message in capitals throughout: every word looks like a name
        return None
    for pattern in (_AFTER_AUXILIARY, _OF):
        if (match := pattern.search(text)) is None:
            continue
        names = _leading_names(match[1].split())
        if any(not _known(name, spelt.get(name), lexicon) for name in names):
            return " ".join(names)  # the whole name as typed: "Saudi Telecom", not "Telecom"
    return _unknown_office(text, lexicon) or _unknown_in_lower_case(text, lexicon)


def _unknown_in_lower_case(text: str, lexicon: Lexicon) -> str | None:
    """In a message typed in lower case, whoever it asks the words of, when that is two words
    or more and the sources use none of them, nor anything they could be a misspelling of
    ("what did john chen say about pakistan", "what did imran khan say about bb leaving"), a
    typo being one edit away from one of their words.
    Lower case gives no cue that a word is a name, so a single word ("nokia", "critics") or a
    description using one of the sources' words ("privacy activists") is left alone."""
    if text != text.lower():
        return None
    words = whose_words(text)
    forms = [content_form(w) for w in words]
    if len(forms) < 2 or any(f in STOPWORDS or f in DETERMINERS for f in forms):
        return None
    if any(lexicon.mentions(f) or one_edit_of(f, lexicon.vocabulary) for f in forms):
        return None
    return " ".join(words)


_DOING = re.compile(
    r"(?:\b(?P<wh>what|how|when|where|why|who|which)\s+|^\s*|[,.;:!?]\s+|"
    r"\b(?:so|and|but|ok|okay|lol|wait|also|yo)\s+)(?:did|does|do|has|have|had|will)\s+",
    re.I,
)
"""Where an office holder is asked about as the one who acts: after "what/how/when… did" ("what
did the minister say", "when will the minister comment"), or opening a yes/no question ("did
the minister comment?"). Not a copula ("is the chairman of OpenMedia Laura Tribe?") nor a modal
("could the prime minister read BES emails?"): those ask about something else."""


def _unknown_office(text: str, lexicon: Lexicon) -> str | None:
    """The subject as typed ("Pakistan's interior minister") when it is an office that the
    sources never use under any of its names; None otherwise. The subject is the noun phrase
    right after the auxiliary (`_DOING`): a determiner first at most (again after "or", "and"),
    then words that are no stop words and no verb of saying ("Pakistan's", "interior", "IT"),
    up to the office, within seven words. "Does this affect managers" (a pronoun) and "what
    did Beard tell ministers" (a verb) have no office for subject. A yes/no question must ask
    for the office holder's words ("did the minister comment?", not "did the minister ban
    it?"), and every part of a subject joined by "or"/"and" must be such an office ("did Beard
    and the minister say…" asks about Beard too)."""
    for match in _DOING.finditer(text):
        parts: list[list[str]] = [[]]
        rest = [w.strip("?.!,;:") for w in text[match.end() :].split()]
        after = len(rest)  # where the subject ends
        for n, bare in enumerate(rest[:7]):
            form = content_form(bare)
            if form in ("or", "and") and parts[-1]:
                parts.append([])
                continue
            if not parts[-1] and form in DETERMINERS:
                parts[-1].append(bare)
                continue
            acronym = len(bare) > 1 and bare.isupper()  # "IT" is no "it"
            if (form in STOPWORDS and not acronym) or (says(form) and not office_names(form)):
                after = n
                break
            parts[-1].append(bare)
            following = content_form(rest[n + 1]) if n + 1 < len(rest) else ""
            if office_names(form) and following not in ("or", "and"):
                after = n + 1
                break
        verb = content_form(rest[after]) if after < len(rest) else ""
        if (match["wh"] or says(verb)) and all(_unknown_office_part(p, lexicon) for p in parts):
            return " or ".join(" ".join(p) for p in parts)
    return None


def unknown_subject_other(question: str, language: str, lexicon: Lexicon) -> str | None:
    """For a question that is not English (``language``: its `detect` code) asking what someone
    said or who someone is: the office it names, as a reply names it in English ("a prime
    minister" for "wazir-e-azam"), when the sources use none of the offices it names under
    any name; in Roman Urdu also a name the sources never use before "ne" ("Imran Khan ne kya
    kaha?"), read as `unknown_subject` reads names: an acronym the search spelt out ("PTA
    (Pakistan Telecommunications Authority) ne…") by what is written beside it. None otherwise.

    Without a parser for these languages the office need not be the one acting, so only a
    question asking for someone's words (`asks_words_other`) or asking who is judged: "Marty
    Beard est-il le président de BlackBerry ?" checks a title and is answered from the COO
    passage. An office of several words is used when all its words are ("chief operating
    officer"). English office words count in Roman Urdu and in non-Latin scripts ("PTA ke
    chairman ne…"), not in languages where they are words of their own (French "premier")."""
    if not (asks_words_other(question) or asked_type_other(question) is AnswerType.PERSON):
        return None
    named, rest = offices_other(question)
    if language == "ur-Latn" or not rest.isascii():
        for word in re.findall(r"[a-z][\w-]*", rest.casefold()):
            if names_office(word):
                named.append(office_names(word))
    if not named:
        if language == "ur-Latn" and asks_words_other(question):
            text, inserted = insertions(rest)
            spelt = {word: beside for name, beside in inserted.items() for word in name.split()}
            for match in _BEFORE_NE.finditer(text):
                run = [w for w in match[1].split() if w.lower() not in _NOT_NAMES_UR]
                # a person's name: two words or more, none of them known ("Imran Khan"); one
                # word may be a country or an office in Urdu ("Bharat", "Hukumat")
                if len(run) >= 2 and not any(_known(w, spelt.get(w), lexicon) for w in run):
                    return " ".join(run)
        return None

    def used(office: str) -> bool:
        words = office.split()
        if len(words) == 1:
            return any(_office_used(name, lexicon) for name in office_names(office) or words)
        return all(_office_used(word, lexicon) for word in words)

    if any(used(office) for names in named for office in names):
        return None
    office = named[0][0]
    return f"{'an' if office[0] in 'aeiou' else 'a'} {office}"


_BEFORE_NE = re.compile(r"((?:[A-Z][\w'.-]*\s+){1,4})ne\b")
"""Roman Urdu marks the one acting with "ne": "Imran Khan ne kaha"."""
_NOT_NAMES_UR = frozenset(
    "kya aur phir acha achha accha yaar yar bhai sir janab jnab sahab sahib saheb shri mr "
    "mrs dr to tou bhi lekin magar haan han nahi ab salam".split()
)
"""Capitalised words before a name that are none of it: openers ("Kya", "Aur", "Acha",
"Yaar") and honorifics ("Janab", "Sahab")."""


def _unknown_office_part(words: list[str], lexicon: Lexicon) -> bool:
    """Does this part of a subject hold an office the sources never use under any name?"""
    for word in words:
        if names_office(form := content_form(word)):
            return not any(_office_used(name, lexicon) for name in office_names(form))
    return False


def _office_used(word: str, lexicon: Lexicon) -> bool:
    """Do the sources use this office word, itself or its plural or singular? Not its stem:
    "police" is no form of "policies", nor "chair" of "chairs"."""
    forms = {word, word + "s", word + "es", word.removesuffix("s"), word.removesuffix("es")}
    return any(form in lexicon.idf for form in forms)


def _leading_names(words: list[str]) -> list[str]:
    """The run of names the subject opens with ("European Union" of "European Union say"),
    after any honorific ("Beard" of "Mr. Beard")."""
    run: list[str] = []
    for word in words:
        form = content_form(word).strip(".")
        if form in _TITLES and not run:
            continue
        if not _name_like(word) or form in STOPWORDS:
            break
        run.append(word)
    return run


def _name_like(word: str) -> bool:
    if not word[:1].isupper() or word.isdigit():
        return False
    letters = word.strip(".'")
    return not (letters.isupper() and len(letters) > LONGEST_ACRONYM)


def _known(name: str, spelt: str | None, lexicon: Lexicon) -> bool:
    """Do the sources name it: in some form, by what the search spelt out beside it (an
    acronym's words, a capital's country), or as a capital of a country they name? A
    misspelling of a name they use or of a capital ("Indie", "Islamabaad") counts, since the
    corrector leaves real words alone and names need not be; a name that only looks like a
    misspelt word does not ("Tim Cook" is no "time coo")."""
    form = content_form(name).strip(".")
    if not form or lexicon.mentions(form):
        return True
    if spelt is None and (city := form if form in _CITIES else misspelt_of(form, _CITIES)):
        spelt = _CITIES[city]
    if spelt is not None:
        return all(lexicon.mentions(content_form(w)) for w in spelt.split() if w[:1].isupper())
    return bool(misspelt_of(form, lexicon.names))
