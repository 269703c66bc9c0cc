"""Greetings and thanks: a message that is only social talk gets a how-to-ask line, not a search.

A small general detector, no per-message rules: a message is small talk when it is short, has at
least one greeting or thanks word, and every other word is a social filler ("there", "so much",
"how are you"; in Roman Urdu, Urdu, Hindi and Arabic too: "Assalam o alaikum, kaise ho?",
"السلام علیکم", "शुक्रिया"; a farewell, "Khuda Hafiz", is answered as thanks are). Any content
word ("hi, when does it close?") makes it a question.
"""

from __future__ import annotations

import re
import unicodedata
from enum import Enum


class SmallTalk(Enum):
    GREETING = "greeting"
    THANKS = "thanks"


MAX_WORDS = 8
"""Longer messages are questions even if made of social words: a greeting plus "how are you
doing today my friend" is eight words, and nothing longer was social in the dev questions."""

_GREETINGS = """
hi hii hey heya hiya hello hallo hullo howdy yo sup greetings morning evening afternoon
salam salaam salaamu salamu salam alaikum alaykum aleikum assalam assalamu asalam asalamu
assalamualaikum salamalaikum wa walaikum marhaba marhaban ahlan hola bonjour salut ciao namaste
namaskar shalom privet zdravstvuyte merhaba selam hej moin servus
привет здравствуйте салам سلام السلام اسلام مرحبا اهلا नमस्ते नमस्कार
"""
_THANKS = """
thanks thank thanx thnx thx ty tysm tyvm cheers merci gracias danke shukran shukriya
grazie obrigado obrigada arigato dhanyavad teşekkürler tesekkurler rahmat
спасибо شكرا شکریہ धन्यवाद शुक्रिया jazakallah jazak جزاک
bye goodbye cya hafiz حافظ
"""
_FILLER = """
a again all and appreciated are as bot buddy day dear doing everyone everybody folks friend
friends good great guys how i is it lot man many mate much nice oh ok okay r sir so there to
today u very well you your
o ho hain hai aap ap kaise kaisay kese kesy kaisy kya haal hal theek thik bhai yaar ji jee
khair khairiyat bohat bahut allah khuda خدا اللہ جزيلا
علیکم عليكم وعلیکم وعليكم آپ کیسے کیسی ہیں ہو کیا حال ہے بہت كيف حالك الحال
आप कैसे कैसी हैं हो क्या हाल है बहुत
"""


def _squeeze(word: str) -> str:
    """ "hiii", "helloooo", "thankss" -> the same key as "hi", "hello", "thanks"."""
    return re.sub(r"(.)\1+", r"\1", word)


def _keys(words: str) -> frozenset[str]:
    return frozenset(_squeeze(w) for w in words.split())


GREETING_WORDS, THANKS_WORDS, FILLER_WORDS = _keys(_GREETINGS), _keys(_THANKS), _keys(_FILLER)
_TOKEN = re.compile(r"[^\s.,!?;:،؟¿¡\"'()-]+")


def _words(text: str) -> list[str]:
    """The words of ``text``, letters and the marks that go with them (a Devanagari vowel sign
    is no word character to `re`), without emoji or punctuation."""
    words = (
        "".join(c for c in token if c.isalpha() or unicodedata.category(c).startswith("M"))
        for token in _TOKEN.findall(text)
    )
    return [w for w in words if w]


_MENTION = re.compile(r"@\w+")


def small_talk(text: str) -> SmallTalk | None:
    """THANKS or GREETING if `text` is only social talk, else None (a question, or nothing)."""
    folded = unicodedata.normalize("NFKC", _MENTION.sub(" ", text)).casefold()
    if any(char.isdigit() for char in folded):
        return None
    words = [_squeeze(w) for w in _words(folded)]
    if not words or len(words) > MAX_WORDS:
        return None
    social = GREETING_WORDS | THANKS_WORDS
    if not all(w in social or w in FILLER_WORDS for w in words):
        return None
    if any(w in THANKS_WORDS for w in words):
        return SmallTalk.THANKS
    if any(w in GREETING_WORDS for w in words):
        return SmallTalk.GREETING
    return None
