"""The core's front door: build a searchable snapshot of the sources, and ask it questions.

    library, report = build_library(Path("seeds"), Path(".index"), SentenceTransformerEncoder())
    answer = library.ask("What is the new exit date?")

A `Library` is immutable: a reload builds a new one (reusing every stored vector whose text did
not change) and the caller swaps the reference.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from embeddings.encoder import Encoder
from embeddings.models import Answer, BuildReport, SourceSummary


@dataclass(frozen=True, slots=True)
class SearchOptions:
    """Knobs of the search; the defaults are the calibrated ones (see docs/RETRIEVAL.md)."""

    k: int = 3
    min_score: float | None = None
    """Abstain below this confidence (0..1); None uses the calibrated default."""


class Library:
    """An immutable, searchable snapshot of the sources. Safe to share between threads."""

    @property
    def sources(self) -> tuple[SourceSummary, ...]:
        raise NotImplementedError

    @property
    def passage_count(self) -> int:
        raise NotImplementedError

    @property
    def encoder_name(self) -> str:
        raise NotImplementedError

    def ask(self, question: str, k: int | None = None) -> Answer:
        """Answers one question: best excerpts first, none when the sources do not answer."""
        return self.ask_many([question], k)[0]

    def ask_many(self, questions: Sequence[str], k: int | None = None) -> list[Answer]:
        """Answers several questions with one batched encode (the bot's micro-batching uses it)."""
        raise NotImplementedError


def build_library(
    sources_dir: Path,
    index_dir: Path,
    encoder: Encoder,
    *,
    metadata_file: Path | None = None,
    options: SearchOptions | None = None,
) -> tuple[Library, BuildReport]:
    """Reads the sources, updates the stored index incrementally and returns a snapshot.

    Unreadable files are skipped and listed in `BuildReport.problems`. A missing, corrupt or
    mismatched index is rebuilt (the reason is in `BuildReport.rebuilt`), never served.
    Not safe to call concurrently on the same `index_dir`: callers serialise reloads.
    """
    raise NotImplementedError
