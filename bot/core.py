"""Wiring from settings to the retrieval core, shared by the CLI and the Telegram bot."""

from __future__ import annotations

from collections.abc import Callable

from bot.config import Settings
from embeddings.encoder import Encoder, SentenceTransformerEncoder
from embeddings.library import Library, SearchOptions, build_library
from embeddings.models import BuildReport

LibraryBuilder = Callable[[], tuple[Library, BuildReport]]
"""Builds (or incrementally rebuilds) a library snapshot; blocking, run it off the event loop."""


def make_encoder(settings: Settings) -> Encoder:
    """The configured encoder: the packaged model unless EMBEDDING_MODEL names a folder."""
    return SentenceTransformerEncoder(settings.embedding_model)


def make_builder(settings: Settings, encoder: Encoder | None = None) -> LibraryBuilder:
    """A builder that reads SOURCES_DIR and keeps INDEX_DIR up to date, reusing one encoder."""
    enc = encoder or make_encoder(settings)
    options = SearchOptions(k=settings.top_k, min_score=settings.min_score)

    def build() -> tuple[Library, BuildReport]:
        return build_library(
            settings.sources_dir,
            settings.index_dir,
            enc,
            metadata_file=settings.metadata_file,
            options=options,
        )

    return build
