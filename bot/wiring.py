"""Wiring from settings to the retrieval core, shared by the CLI and the Telegram bot."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Protocol

from bot.config import Settings
from bot.service.fetch import FetchLimits
from embeddings.encoders.base import Encoder, QueryEncoder, WarmsUp
from embeddings.encoders.e5 import E5Encoder
from embeddings.encoders.onnx import OnnxEncoder, onnx_available
from embeddings.encoders.sentence_transformers import SentenceTransformerEncoder
from embeddings.library import IndexedLibrary, Progress, SearchOptions, build_library
from embeddings.models import BuildReport


class IndexBuilder(Protocol):
    """An `embeddings.library.LibraryBuilder` of the real library (benchmarks look inside it)."""

    def __call__(self, progress: Progress | None = None) -> tuple[IndexedLibrary, BuildReport]: ...


def make_multilingual(settings: Settings, encoder: Encoder) -> QueryEncoder | None:
    """The multilingual encoder (e5) when ENCODERS asks for it; the main one when it is e5."""
    if settings.encoders == "minilm":
        return None
    if isinstance(encoder, E5Encoder):
        return encoder
    return E5Encoder(threads=settings.e5_threads)


def make_encoder(settings: Settings) -> Encoder:
    """The configured encoder: the packaged model unless EMBEDDING_MODEL names a folder.

    With ENCODER_BACKEND=auto (the default) it runs through ONNX Runtime when that is installed:
    the same weights and vectors, 2-3x faster per question (see docs/BENCHMARKS.md).
    With ENCODERS=e5 the multilingual encoder ranks English questions too.
    """
    if settings.encoders == "e5":
        return E5Encoder(threads=settings.e5_threads)
    torch = SentenceTransformerEncoder(settings.embedding_model)
    backend = settings.encoder_backend
    if backend == "torch" or (backend == "auto" and not onnx_available()):
        return torch
    return OnnxEncoder(torch, settings.model_cache_dir / "onnx" / _slug(torch.name))


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9.-]+", "_", name).strip("_")[:80] or "model"


def make_builder(
    settings: Settings,
    encoder: Encoder | None = None,
    progress: Progress | None = None,
    *,
    multilingual: QueryEncoder | None = None,
) -> IndexBuilder:
    """A builder that reads SOURCES_DIR and keeps INDEX_DIR up to date, reusing its encoders.

    With no `encoder`, both come from the settings (`make_encoder`, `make_multilingual`).
    With one, only it is used, unless `multilingual` is given too (the benchmarks pass the
    pair that ENCODERS would make, to time the models the bot runs). `progress` is called as
    (what, done, total) while texts are embedded, from the build's thread; a progress callback
    given to one build takes its place for that build.
    """
    enc = encoder or make_encoder(settings)
    if encoder is None:
        multilingual = make_multilingual(settings, enc)
    options = SearchOptions(k=settings.top_k, min_score=settings.min_score)
    default_progress = progress

    def build(progress: Progress | None = None) -> tuple[IndexedLibrary, BuildReport]:
        for model in (enc, multilingual):  # load the models while the sources and index are read
            if isinstance(model, WarmsUp):
                model.warm_up()
        return build_library(
            settings.sources_dir,
            settings.index_dir,
            enc,
            metadata_file=settings.metadata_file,
            options=options,
            multilingual=multilingual,
            progress=progress or default_progress,
        )

    return build


def fetch_limits(settings: Settings) -> FetchLimits:
    """How far `/add` and `storybot add` may go when fetching a page."""
    return FetchLimits(
        max_bytes=settings.fetch_max_bytes,
        timeout=settings.fetch_timeout_seconds,
        max_redirects=settings.fetch_max_redirects,
        allowed=settings.fetch_allow_networks,
    )


def metadata_path(settings: Settings) -> Path:
    """Where uploads and added pages record their metadata."""
    return settings.sources_metadata or settings.sources_dir / "sources.toml"
