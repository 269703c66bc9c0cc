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
    chahta chahti chahte sakta sakti sirf abhi""",
    "es": """qué que cuándo cuando dónde donde quién quien quiénes cuál cual cuáles cómo como
    cuánto cuántos cuántas por porqué el la los las un una unos de del al es son fue fueron era
    está están y o pero con sin para sobre se su sus lo le en hay hoy hace muy más este esta""",
    "fr": """quoi quand où qui quel quelle quels quelles comment combien pourquoi le la les un une
    des du de au aux est sont était ont a et ou mais avec sans pour sur dans ce cette ces
    son sa ses leur il elle ils elles qu que chez veut en je nous vous pas""",
    "de": """was wann wo wer wen wem wessen welche welcher welches welchen wie warum wieso weshalb
    der die das den dem des ein eine einen einem ist sind war waren hat haben wird werden
    und oder aber mit ohne für über auf im zu von nach sich nicht""",
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
            r"किस साल|في أي (يوم|تاريخ|عام|سنة)|"
            # a deadline is a date
            r"ڈیڈ لائن|deadline|fecha límite|plazo|date limite|délai|frist|prazo|समय सीमा|"
            r"الموعد النهائي|مهلة",
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
# reply names it). General vocabulary, like the question words above: the longer names come
# first, so "director ejecutivo" is a chief executive and no director, and "رئيس" alone (head,
# chairman, president) names none; nor does "प्रमुख" (chief, but also "main").
_OFFICES_OTHER: list[tuple[tuple[str, ...], str]] = [
    (english, name)
    for english, names in (
        (
            ("prime minister",),
            "وزیر اعظم|وزیرِ اعظم|وزیراعظم|wazir-e-azam|wazir e azam|wazire azam|wazir-e-aazam|"
            "प्रधानमंत्री|प्रधान मंत्री|رئيس الوزراء|primer ministro|primera ministra|"
            "premier ministre|premierminister|ministerpräsident|primeiro-ministro|primo ministro|"
            "başbakan|perdana menteri",
        ),
        (
            ("chief executive", "ceo"),
            "سی ای او|चीफ एग्जीक्यूटिव|सीईओ|मुख्य कार्यकारी|الرئيس التنفيذي|director ejecutivo|"
            "directora ejecutiva|director general|directora general|consejero delegado|pdg|"
            "directeur général|vorstandschef|geschäftsführer",
        ),
        (
            ("chief operating officer", "coo"),
            "چیف آپریٹنگ آفیسر|मुख्य परिचालन अधिकारी|مدير العمليات|رئيس العمليات|"
            "director de operaciones|directora de operaciones|directeur des opérations|"
            "betriebsleiter",
        ),
        (
            ("minister",),
            "وزیر|wazir|मंत्री|وزير|الوزير|ministro|ministra|ministre|minister|ministerin|bakan|menteri",
        ),
        (
            ("president",),
            "صدر مملکت|صدرِ مملکت|sadr-e-mumlikat|राष्ट्रपति|الرئيس|presidente|président|présidente|"
            "präsident|präsidentin|cumhurbaşkanı|presiden",
        ),
        (("chairman",), "چیئرمین|چیرمین|चेयरमैन|अध्यक्ष|vorsitzende|vorsitzender"),
        (("governor",), "گورنر|राज्यपाल|محافظ|gobernador|gouverneur"),
        (("ambassador",), "سفیر|safeer|राजदूत|سفير|السفير|embajador|ambassadeur|botschafter"),
        (("founder",), "بانی|संस्थापक|مؤسس|المؤسس|fundador|fondateur|gründer"),
        (("mayor",), "میئر|महापौर|عمدة|alcalde|maire|bürgermeister"),
        (("head",), "سربراہ|sarbarah|jefe|chef|leiter"),
    )
    for name in names.split("|")
]
_OFFICE_OTHER = re.compile(
    "|".join(
        rf"{_B}{re.escape(name)}{_E}"
        for name in sorted({n for _, n in _OFFICES_OTHER}, key=len, reverse=True)
    ),
    re.I,
)
_OFFICE_OF = {name: english for english, name in _OFFICES_OTHER}


def offices_other(text: str) -> tuple[list[tuple[str, ...]], str]:
    """The offices a question that is not English names, each as what English calls it
    ("wazir-e-azam": ("prime minister",)), longest name first, and the question with those
    names blanked out."""
    found = [_OFFICE_OF[m[0].casefold()] for m in _OFFICE_OTHER.finditer(text)]
    return found, _OFFICE_OTHER.sub(" ", text)


def asked_type_other(text: str) -> AnswerType | None:
    """The kind of answer a question that is not English asks for, when a question word says."""
    for kind, pattern in _ASKS_OTHER:
        if pattern.search(text):
            return kind
    return None
