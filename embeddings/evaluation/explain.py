"""The explain view: why a passage was quoted, or why nothing was."""

from __future__ import annotations

from embeddings.retrieval.features import Ranking
from embeddings.retrieval.searcher import Explanation
from embeddings.retrieval.snapshot import Corpus

SHOWN = 5


def explain_text(corpus: Corpus, why: Explanation, shown: int = SHOWN) -> str:
    """A table of the top candidates' features, fused score and confidence, and the verdict."""
    r: Ranking = why.ranking
    lines = [f"language: {why.language}   decided by: {why.decided_by}"]
    if r.question_features:
        lines.append(
            "question: " + "  ".join(f"{n} {v:.3f}" for n, v in r.question_features.items())
        )
    names = list(r.features)
    lines.append("  rank  passage                      score  conf   " + "  ".join(names))
    for i in range(min(shown, len(r))):
        p = corpus.passages[int(r.rows[i])]
        cells = "  ".join(f"{float(r.features[n][i]):.3f}".rjust(len(n)) for n in names)
        lines.append(
            f"  {i + 1:>4}  {p.key[:27]:<27}  {float(r.score[i]):+.3f}  "
            f"{float(r.confidence[i]):.3f}  {cells}"
        )
    return "\n".join(lines)
