"""Is a question English? And what kind of answer does it ask for, in any of a few languages?

The English-only steps of the search (stop words, typo correction against the sources'
vocabulary, BM25, term coverage, MiniLM) mangle a question in Urdu or Spanish, so a question that
is not English skips them and is ranked by the multilingual encoder alone. Telling the two apart
needs no model:

- A question mostly written in a non-Latin script (Urdu, Arabic, Hindi, Chinese, Russian…) is
  not English.
- In Latin script, function words decide: English questions are full of "what", "the", "did";
  Roman Urdu ones of "kya", "hai", "ne", "ka"; Spanish ones of "qué", "el", "de". Names and
  topic words ("BlackBerry", "PTA") are shared by every language and count for none.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from embeddings.retrieval.answer_types import AnswerType

ENGLISH = "en"

_ENGLISH_WORDS = frozenset(
    """a an the of to in on at by for from with about into over after before is are was were be
    been being do does did done has have had will would can could should may might must shall
    what when where who whom whose which why how and or but not no yes if then than that this
    these those there it its he she they them his her their we you i me my our your
    any some all many much more most other same such only also just very ever still yet""".split()
)
_OTHER_WORDS = {
    # Roman Urdu / Hindustani in Latin letters
    "ur-Latn": """kya kyun kyu kyon kab kahan kaun kis kisi kisne kitna kitne kitni kaise kaisa
    hai hain tha thi thay the ka ki ke ko ne se mein main par pe aur ya nahi nahin bhi raha
    rahi rahe gaya gayi gaye hoga hogi honge wala wali wale diya di liye karna karne kar
    chahta chahti chahte sakta sakti sirf abhi hua hui hue kia kyaa mai mei tak liye lekin agar
    phir sab koi kuch apna apne apni yeh woh baad""",
    "es": """qué que cuándo cuando dónde donde quién quien quiénes cuál cual cuáles cómo como
    cuánto cuántos cuántas por porqué el la los las un una unos de del al es son fue fueron era
    está están y o pero con sin para sobre se su sus lo le en hay hoy hace muy más este esta""",
    "fr": """quoi quand où qui quel quelle quels quelles comment combien pourquoi le la les un une
    des du de au aux est sont était ont a et ou mais avec sans pour sur dans ce cette ces
    son sa ses leur il elle ils elles qu que chez veut en je nous vous pas""",
    "de": """was wann wo wer wen wem wessen welche welcher welches welchen wie warum wieso weshalb
    der die das den dem des ein eine einen einem ist sind war waren hat haben wird werden
    und oder aber mit ohne für über auf im zu von nach sich nicht bis darf kann soll muss noch
    schon auch nur""",
    "pt": """quando onde quem qual quais porque quanto quantos quantas o os as um uma é são foi
    eram tem têm e ou mas com sem para sobre de no na do da dos das""",
    "id": """apa apakah siapa kapan mana dimana mengapa kenapa berapa bagaimana yang dan di ke
    dari ini itu untuk dengan tidak pernah akan sudah menurut adalah""",
    "tr": """ne neden niçin kim nerede zaman kaç nasıl hangi ve bir bu şu için ile mi mı mu mü
    da de ki""",
    "it": """cosa che quando dove chi quale quali come perché quanto quanti il lo gli le uno una
    è sono era hanno ha e o ma con senza per su di nel nella del della""",
}
_OTHER_INDEX: dict[str, set[str]] = {}
for _code, _text in _OTHER_WORDS.items():
    for _word in _text.split():
        _OTHER_INDEX.setdefault(_word, set()).add(_code)

_SCRIPTS = {
    "ARABIC": "ar",  # Urdu, Arabic and Persian share it; the multilingual encoder reads all three
    "DEVANAGARI": "hi",
    "CJK": "zh",
    "HIRAGANA": "ja",
    "KATAKANA": "ja",
    "HANGUL": "ko",
    "CYRILLIC": "ru",
    "GREEK": "el",
    "HEBREW": "he",
    "THAI": "th",
    "BENGALI": "bn",
    "GURMUKHI": "pa",
    "TAMIL": "ta",
}
_TOKEN = re.compile(r"[^\W\d_]+")
NON_LATIN_SHARE = 0.3
"""A question with at least this share of its letters outside Latin script is not English
(an Urdu question often names "BES" or "BlackBerry" in Latin letters)."""


@dataclass(frozen=True, slots=True)
class Language:
    """What `detect` found: a language (or script) code, and whether the English steps apply."""

    code: str
    english: bool


def detect(text: str) -> Language:
    """The language of a question, as far as the search needs to know it."""
    script = _main_script(text)
    if script is not None:
        return Language(script, english=False)
    tokens = _TOKEN.findall(text.casefold())
    english = sum(t in _ENGLISH_WORDS for t in tokens)
    votes: dict[str, int] = {}
    foreign = 0
    if "¿" in text or "¡" in text:  # Spanish opens a question or an exclamation with them
        foreign, votes["es"] = 1, 1
    for token in tokens:
        codes = _OTHER_INDEX.get(token, ())
        # A word with a diacritic ("cuándo", "über") is foreign evidence too: English has none.
        foreign += bool(codes) or not token.isascii()
        for code in codes:
            votes[code] = votes.get(code, 0) + 1
    if foreign > english and foreign >= 2:
        code = max(votes.items(), key=lambda kv: kv[1])[0] if votes else "other"
        return Language(code, english=False)
    return Language(ENGLISH, english=True)


def _main_script(text: str) -> str | None:
    """The code of the non-Latin script that holds at least `NON_LATIN_SHARE` of the letters."""
    if text.isascii():  # most questions: no letter of any script in `_SCRIPTS`, no name look-ups
        return None
    counts: dict[str, int] = {}
    letters = 0
    for char in text:
        if not char.isalpha():
            continue
        letters += 1
        name = unicodedata.name(char, "")
        for script, code in _SCRIPTS.items():
            if name.startswith(script):
                counts[code] = counts.get(code, 0) + 1
                break
    if not letters or not counts:
        return None
    code, count = max(counts.items(), key=lambda kv: kv[1])
    return code if count / letters >= NON_LATIN_SHARE else None


_B = r"(?<![^\s¿¡\"'(])"
_E = r"(?![^\s?؟!.,،)\"'])"
"""Word edges by white space: in Devanagari or Arabic script a vowel sign is no word character,
so regex word boundaries would find "कब" (when) inside "ब्लैकबेरी" (BlackBerry)."""


def any_of(words: str) -> re.Pattern[str]:
    """A pattern for any of ``words`` ("a|b c|…", regular expressions allowed), as whole words
    edged by white space or punctuation (`_B`, `_E`), in any case."""
    return re.compile(rf"{_B}(?:{words}){_E}", re.I)


# Question words that ask for a date, a number, a person or a place, in the languages the
# seeds' readers write most (Urdu in both scripts, Hindi, Arabic) and a few European ones.
_ASKS_OTHER: list[tuple[AnswerType, re.Pattern[str]]] = [
    (
        AnswerType.DATE,
        re.compile(
            rf"{_B}(کب|kab|कब|متى|cuándo|quand|wann|quando|kapan){_E}|"
            r"en qué (año|fecha|día|mes)|qué fecha|in welchem (jahr|monat)|an welchem tag|"
            r"welches datum|en quelle année|quelle date|quel jour|qual (data|dia)|que dia|"
            r"ne zaman|hangi (tarih|gün|yıl)|"
            r"کس تاریخ|kis tareekh|kis tarikh|kis din|کس دن|کس سال|kis saal|किस तारीख|किस दिन|"
            r"किस साल|في أي (يوم|تاريخ|عام|سنة)",
            re.I,
        ),
    ),
    (
        # how much money: "kitne paise", "¿cuánto cuesta…?", "combien coûte…"
        AnswerType.AMOUNT,
        re.compile(
            r"(کتنے|کتنی|kitne|kitni|कितने|कितनी|كم|cuánto|cuánta|combien|wie viel|quanto)"
            r"\W+(\w+\W+){0,3}?(پیسے|پیسوں|روپے|ڈالر|قیمت|paise|paisay|rupay|rupees|dollar|"
            r"qeemat|keemat|पैसे|रुपये|डॉलर|कीमत|دولار|أموال|سعر|مال|dinero|dólares|cuesta|costó|"
            r"costaba|pagó|argent|dollars|coûte|coûté|payé|geld|dollar|kostet|kostete|bezahlt)|"
            r"(قیمت|qeemat|keemat|कीमत|سعر|precio|prix|preis)\b",
            re.I,
        ),
    ),
    (
        AnswerType.NUMBER,
        re.compile(
            rf"{_B}(کتنے|کتنی|کتنا|kitne|kitni|kitna|कितने|कितनी|कितना|كم|cuántos|cuántas|"
            rf"cuánto|combien|wie viele|wie viel|quantos|quantas|quanti){_E}",
            re.I,
        ),
    ),
    (
        AnswerType.PERSON,
        re.compile(
            rf"{_B}(کون|kaun|कौन|کس نے|kis ne|किसने|किस ने|من هو|من هي|quién|quiénes|qui|wer|"
            rf"quem|chi){_E}"
            r"(?!\s*(سا|سی|سے|sa|si|se|सा|सी|से)\b)",  # "kaun si": which, not who
            re.I,
        ),
    ),
    (
        AnswerType.PLACE,
        re.compile(rf"{_B}(کہاں|kahan|कहाँ|कहां|أين|dónde|où|wo|onde|dove){_E}", re.I),
    ),
]


# Offices named in other languages, each with what English calls it (the first name is how a
# reply names it), as patterns. General vocabulary, like the question words above. The table's
# order decides: "presidente ejecutivo" is a chief executive and no president, "Innenminister"
# a minister. "رئيس" alone (head, chairman, president) names none, nor does "प्रमुख" (chief, but
# also "main"), and "صدر" / "sadr" is no president before "دفتر" / "daftar" (the head office).
_OFFICES_OTHER: list[tuple[tuple[str, ...], re.Pattern[str]]] = [
    (english, any_of(names))
    for english, names in (
        (
            ("prime minister",),
            r"وزیر اعظم|وزیرِ اعظم|وزیراعظم|wazir[- ]?e[- ]?a+zam|wazire a+zam|प्रधानमंत्री|"
            r"प्रधान मंत्री|رئيس الوزراء|primer ministro|primera ministra|premier ministre|"
            r"première ministre|premierminister(?:in)?|ministerpräsident(?:in)?|"
            r"primeiro-ministro|primo ministro|başbakan|perdana menteri",
        ),
        (
            ("vice-president", "vice president"),
            r"vicepresidente|vicepresidenta|vice-président(?:e)?|vizepräsident(?:in)?|"
            r"نائب صدر|naib sadr|उपराष्ट्रपति|نائب الرئيس",
        ),
        (
            ("chief executive", "ceo"),
            r"سی ای او|चीफ एग्जीक्यूटिव|सीईओ|मुख्य कार्यकारी|الرئيس التنفيذي|"
            r"director(?:a)? ejecutiv[oa]|director(?:a)? general|president[ea] ejecutiv[oa]|"
            r"consejero delegado|pdg|président[- ]directeur général|directeur général|"
            r"vorstandschef|vorstandsvorsitzende[r]?|geschäftsführer(?:in)?",
        ),
        (
            ("chief operating officer", "coo"),
            r"چیف آپریٹنگ آفیسر|मुख्य परिचालन अधिकारी|مدير العمليات|رئيس العمليات|"
            r"director(?:a)? de operaciones|directeur des opérations|betriebsleiter",
        ),
        (
            ("minister",),
            r"وزیر|wazir(?:[- ]e[- ]\w+)?|\S*मंत्री|وزير|الوزير|ministr[oa]|ministre|"
            r"\w*minister(?:in)?|bakan|menteri",
        ),
        (
            ("president",),
            r"صدر مملکت|صدرِ مملکت|sadr-e-mumlikat|صدر(?!\s*دفتر)|sadr(?!\s*daftar)|"
            r"sadar(?!\s*daftar)|राष्ट्रपति|الرئيس|president[ea]|président(?:e)?|"
            r"\w*präsident(?:in)?|cumhurbaşkanı|presiden",
        ),
        (("chairman",), r"چیئرمین|چیرمین|चेयरमैन|अध्यक्ष|vorsitzende[r]?"),
        (("governor",), r"گورنر|राज्यपाल|محافظ|gobernador|gouverneur"),
        (("ambassador",), r"سفیر|safeer|राजदूत|سفير|السفير|embajador|ambassadeur|botschafter"),
        (("founder",), r"بانی|संस्थापक|مؤسس|المؤسس|fundador|fondateur|gründer"),
        (("mayor",), r"میئر|महापौर|عمدة|alcalde|maire|bürgermeister"),
        (
            ("spokesperson", "spokesman"),
            r"ترجمان|tarjuman|प्रवक्ता|متحدث|المتحدث|portavoz|"
            r"porte-parole|sprecher(?:in)?",
        ),
        (("head",), r"سربراہ|sarbarah|jefe|chef|leiter"),
    )
]

# Words for saying or reacting, in the same languages: an office the sources never use is
# only judged when its holder's words are asked for ("… ne kya kaha?", "¿qué dijo…?").
_SAYS_OTHER = any_of(
    "کہا|کہنا|کہتے|بیان|تبصرہ|جواب|ردعمل|ردِعمل|بتایا|kaha|kahaa|kehna|kehte|bola|boli|"
    "bole|bayan|bayaan|tabsra|tabsira|jawab|radd-e-amal|bataya|कहा|बयान|प्रतिक्रिया|"
    "टिप्पणी|जवाब|बताया|قال|قالت|صرح|صرّح|تصريح|بيان|رد|ردّ|علق|علّق|تعليق|dijo|dijeron|"
    "declaró|declaraciones|comentó|respondió|reaccionó|opinó|afirmó|dice|dicen|opina|dit|"
    "déclaré|réagi|répondu|commenté|affirmé|réaction|déclaration|sagte|gesagt|sagen|sagt|"
    "erklärte|erklärt|äußerte|reagierte|reagiert|antwortete|kommentierte|stellungnahme|"
    "reaktion|disse|declarou|reagiu|comentou|respondeu|detto|dichiarato|reagito|"
    "commentato|söyledi|açıklama|tepki|yorum|mengatakan|berkata|tanggapan|komentar|"
    "pernyataan"
)


def offices_other(text: str) -> tuple[list[tuple[str, ...]], str]:
    """The offices a question that is not English names, each as what English calls it
    ("wazir-e-azam": ("prime minister",)), in the table's order, and the question with those
    names blanked out."""
    found: list[tuple[str, ...]] = []
    for english, pattern in _OFFICES_OTHER:
        if pattern.search(text):
            found.append(english)
            text = pattern.sub(" ", text)
    return found, text


def asks_words_other(text: str) -> bool:
    """Does a question that is not English ask what someone said, or how they reacted?"""
    return bool(_SAYS_OTHER.search(text))


_DEADLINE = re.compile(
    r"ڈیڈ لائن|deadline|fecha límite|plazo|date limite|délai|frist|prazo|समय सीमा|"
    r"الموعد النهائي|مهلة|آخری تاریخ|aakhri tareekh|akhri tareekh",
    re.I,
)
"""A deadline is a date ("Quelle était la date limite ?"), unless a question word asks for
something else ("¿Quién fijó la fecha límite?") or for a reason."""
_WHY_OTHER = any_of(
    "کیوں|kyun|kyu|kyon|क्यों|لماذا|لم|por qué|porque|pourquoi|warum|wieso|weshalb|"
    "por que|perché|neden|niçin|mengapa|kenapa"
)


def asked_type_other(text: str) -> AnswerType | None:
    """The kind of answer a question that is not English asks for, when a question word says."""
    for kind, pattern in _ASKS_OTHER:
        if pattern.search(text):
            return kind
    if _DEADLINE.search(text) and not _WHY_OTHER.search(text):
        return AnswerType.DATE
    return None
