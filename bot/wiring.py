"""Wiring from settings to the retrieval core, shared by the CLI and the Telegram bot."""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.config import Settings
from embeddings.encoders.base import Encoder, WarmsUp
from embeddings.encoders.onnx import OnnxEncoder, onnx_available
from embeddings.encoders.sentence_transformers import SentenceTransformerEncoder
from embeddings.library import IndexedLibrary, SearchOptions, build_library
from embeddings.models import BuildReport

IndexBuilder = Callable[[], tuple[IndexedLibrary, BuildReport]]
"""An `embeddings.library.LibraryBuilder` of the real library (the benchmarks look inside it)."""


def make_encoder(settings: Settings) -> Encoder:
    """The configured encoder: the packaged model unless EMBEDDING_MODEL names a folder.

    With ENCODER_BACKEND=auto (the default) it runs through ONNX Runtime when that is installed:
    the same weights and vectors, 2-3x faster per question (see docs/BENCHMARKS.md).
    """
    torch = SentenceTransformerEncoder(settings.embedding_model)
    backend = settings.encoder_backend
    if backend == "torch" or (backend == "auto" and not onnx_available()):
        return torch
    return OnnxEncoder(torch, settings.model_cache_dir / "onnx" / _slug(torch.name))


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9.-]+", "_", name).strip("_")[:80] or "model"


def make_builder(settings: Settings, encoder: Encoder | None = None) -> IndexBuilder:
    """A builder that reads SOURCES_DIR and keeps INDEX_DIR up to date, reusing one encoder."""
    enc = encoder or make_encoder(settings)
    options = SearchOptions(k=settings.top_k, min_score=settings.min_score)

    def build() -> tuple[IndexedLibrary, BuildReport]:
        if isinstance(enc, WarmsUp):  # load the model while the sources and the index are read
            enc.warm_up()
        return build_library(
            settings.sources_dir,
            settings.index_dir,
            enc,
            metadata_file=settings.metadata_file,
            options=options,
        )

    return build
