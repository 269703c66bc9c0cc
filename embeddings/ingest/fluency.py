"""How much a source reads like ordinary English: spots machine-garbled ("spun") copies.

Article spinners swap words for near-synonyms and mangle function words ("a supervision asked
a smartphone builder" for "the government asked the smartphone maker"). Content words vary from
story to story, but the share of "the", "of", "a"… in English prose is stable, so the cosine
between a text's function-word profile and a reference English profile measures fluency: about
0.9 or more for edited news, far lower for spun text. Quoting prefers the fluent copy.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import numpy as np

from embeddings.text import words

# Approximate frequencies (per thousand words) of function words in English news prose.
_REFERENCE = {
    "the": 55, "of": 24, "and": 22, "to": 24, "a": 21, "in": 19, "that": 10, "is": 9,
    "was": 8, "for": 9, "on": 7, "with": 6, "as": 5.5, "by": 4.5, "it": 8, "its": 2,
    "at": 4.5, "from": 4, "be": 5, "has": 4, "have": 5, "had": 3.5, "this": 4.5,
    "which": 2.5, "but": 4, "not": 3.5, "are": 4, "were": 3, "will": 3, "would": 2.5, "or": 3,
}  # fmt: skip
_WORDS = tuple(_REFERENCE)
_VECTOR = np.array([_REFERENCE[w] for w in _WORDS], dtype=np.float64)
FLUENT = 0.8
"""Sources whose profile cosine is below this read as garbled."""
MIN_WORDS = 150
"""Shorter texts are too small to judge: they count as fluent."""


def fluency(paragraphs: Iterable[str]) -> float:
    """Cosine between the text's function-word profile and English's, in [0, 1]."""
    counts = Counter(w for p in paragraphs for w in words(p))
    total = sum(counts.values())
    if total < MIN_WORDS:
        return 1.0
    profile = np.array([counts[w] for w in _WORDS], dtype=np.float64)
    norm = float(np.linalg.norm(profile))
    if norm == 0.0:
        return 0.0
    return float(profile @ _VECTOR / (norm * float(np.linalg.norm(_VECTOR))))
