"""The same sentence-transformers model through ONNX Runtime: 2-3x faster per query on a CPU.

The ONNX graph is exported once from the packaged torch weights (torch stays the reference) and
kept in a cache folder. After the export the encoder checks its vectors against torch's on probe
texts and refuses the graph unless every cosine is at least `MIN_COSINE`. Its `name` is the torch
encoder's, because the vectors are the same ones (measured: cosine >= 0.99999 on the seeds), so
an index built with either serves the other. Tokenizing uses the model's own `tokenizer.json`
through the `tokenizers` library, so answering from a built index never imports torch.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import warnings
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from embeddings.encoders.sentence_transformers import SentenceTransformerEncoder, unit_rows

logger = logging.getLogger(__name__)

FORMAT = 1
MIN_COSINE = 0.999
WORDS = "words.npy"
PROBES = (
    "BlackBerry will leave Pakistan at the end of December.",
    "what did the regulator ask for",
    "Secusmart",
)


def onnx_available() -> bool:
    """True when ONNX Runtime (to run) and onnx (to export) are installed."""
    import importlib.util

    return all(importlib.util.find_spec(m) is not None for m in ("onnxruntime", "onnx"))


class OnnxEncoder:
    """Encodes with ONNX Runtime; exports the graph from ``reference`` on first use.

    Args:
        reference: the torch encoder whose weights are exported and whose vectors are matched.
        cache_dir: where the exported graph lives (shared by every index of this model).
        threads: ONNX Runtime's intra-op threads; None uses the CPUs this process may run on.
        batch_size: texts per forward pass (texts are sorted by length to limit padding).
    """

    def __init__(
        self,
        reference: SentenceTransformerEncoder,
        cache_dir: Path,
        *,
        threads: int | None = None,
        batch_size: int = 32,
    ) -> None:
        self.reference = reference
        self._cache_dir = cache_dir
        self._threads = threads or len(os.sched_getaffinity(0))
        self._batch_size = batch_size
        self._loading = threading.RLock()
        self._word_row: dict[str, int] | None = None
        self._word_vectors = np.zeros((0, 0), dtype=np.float32)

    @property
    def name(self) -> str:
        return self.reference.name

    @cached_property
    def _config(self) -> dict[str, Any]:
        path = self.reference.path
        config = json.loads((path / "config.json").read_text("utf-8"))
        sbert = path / "sentence_bert_config.json"
        limit = json.loads(sbert.read_text("utf-8")) if sbert.is_file() else {}
        return {
            "dim": int(config["hidden_size"]),
            "max_tokens": int(limit.get("max_seq_length") or 256),
        }

    @property
    def dim(self) -> int:
        return int(self._config["dim"])

    @property
    def max_tokens(self) -> int:
        return int(self._config["max_tokens"])

    @cached_property
    def tokenizer(self) -> Any:
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(self.reference.path / "tokenizer.json"))
        tokenizer.enable_truncation(max_length=self.max_tokens)
        pad = tokenizer.token_to_id("[PAD]") or 0
        tokenizer.enable_padding(pad_id=pad, pad_token="[PAD]")  # to the longest in the batch
        return tokenizer

    def warm_up(self) -> threading.Thread:
        """Loads the graph, then the word table, in a background thread (while the caller
        reads its index)."""
        # Not a daemon: interpreter exit waits for it, instead of tearing ONNX Runtime down
        # under a running export (which aborts the process: "terminate called without…").
        thread = threading.Thread(target=self._warm, name="onnx-warm-up", daemon=False)
        thread.start()
        return thread

    def _warm(self) -> None:
        if self.session is not None:
            self._load_words()

    def _load_words(self) -> None:
        """Vectors of the vocabulary's whole words, so that a question word the corpus lacks
        is looked up instead of encoded: read from the cache folder, or made once (20,000-odd
        words, a few seconds) and saved there."""
        if self._word_row is not None:
            return
        words = sorted(self.dictionary)
        path = self._cache_dir / WORDS
        try:
            vectors = np.load(path, allow_pickle=False)
            if vectors.shape != (len(words), self.dim) or vectors.dtype != np.float32:
                raise ValueError("stale word table")
        except (OSError, ValueError):
            vectors = np.zeros((len(words), self.dim), dtype=np.float32)
            for start in range(0, len(words), 256):
                vectors[start : start + 256] = self._forward(words[start : start + 256])
            temporary = path.with_name(f"words.{os.getpid()}.tmp")
            with temporary.open("wb") as handle:
                np.save(handle, vectors, allow_pickle=False)
            temporary.replace(path)
        self._word_vectors = vectors
        self._word_row = {w: i for i, w in enumerate(words)}  # last: readers check this one

    @property
    def session(self) -> Any:
        """The ONNX Runtime session, or None when the graph could not be made (then torch
        encodes: the same vectors, only slower)."""
        with self._loading:  # one load, however many threads ask first
            if "_session" not in self.__dict__:
                try:
                    self.__dict__["_session"] = self._load()
                except Exception:
                    logger.warning("ONNX Runtime unusable; encoding with torch", exc_info=True)
                    self.__dict__["_session"] = None
            return self.__dict__["_session"]

    def _load(self) -> Any:
        import onnxruntime as ort

        path = self._export()
        options = ort.SessionOptions()
        options.intra_op_num_threads = self._threads
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # Idle threads sleep instead of spinning: the search right after an encode, and the
        # event loop waiting for it, need those cores (measured: answers about twice as fast).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if self.session is None:
            return self.reference.encode(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        todo = list(range(len(texts)))
        if (table := self._word_row) is not None:
            known = [i for i in todo if texts[i] in table]
            if known:
                out[known] = self._word_vectors[[table[texts[i]] for i in known]]
                todo = [i for i in todo if texts[i] not in table]
        order = sorted(todo, key=lambda i: len(texts[i]))
        for start in range(0, len(order), self._batch_size):
            rows = order[start : start + self._batch_size]
            out[rows] = self._forward([texts[i] for i in rows])
        return out

    def encode_with_tokens(self, texts: Sequence[str]) -> tuple[np.ndarray, list[np.ndarray]]:
        """`encode`, and each text's unit token vectors, from the same forward passes."""
        if self.session is None:
            return self.reference.encode_with_tokens(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        tokens: list[np.ndarray] = [out[:0]] * len(texts)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self._batch_size):
            rows = order[start : start + self._batch_size]
            hidden, mask = self._run([texts[i] for i in rows])
            out[rows] = _pool(hidden, mask)
            for j, i in enumerate(rows):
                tokens[i] = unit_rows(hidden[j, : int(mask[j].sum())])
        return out, tokens

    def _forward(self, texts: Sequence[str]) -> np.ndarray:
        return _pool(*self._run(texts))

    def _run(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """The graph's token states and the attention mask, for one batch."""
        encodings = self.tokenizer.encode_batch([t.strip() for t in texts])
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        return self.session.run(None, feeds)[0], mask

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer.encode(text, add_special_tokens=False).ids)

    @cached_property
    def dictionary(self) -> frozenset[str]:
        """Whole words of the tokenizer's vocabulary (as `SentenceTransformerEncoder` gives)."""
        vocab = self.tokenizer.get_vocab()
        return frozenset(w for w in vocab if w.isalpha() and w.islower() and len(w) > 1)

    def _export(self) -> Path:
        """The cached graph for this model, exported (and checked against torch) if missing."""
        weights = next(iter(sorted(self.reference.path.glob("*.safetensors"))), None)
        stat = weights.stat() if weights else None
        key = {
            "format": FORMAT,
            "model": str(self.reference.path.resolve()),
            "name": self.name,
            "weights": [stat.st_size, stat.st_mtime_ns] if stat else None,
        }
        folder = self._cache_dir
        path, stamp = folder / "model.onnx", folder / "model.json"
        try:
            if path.is_file() and json.loads(stamp.read_text("utf-8")) == key:
                return path
        except (OSError, ValueError):
            pass
        folder.mkdir(parents=True, exist_ok=True)
        (folder / WORDS).unlink(missing_ok=True)  # made by the graph being replaced
        temporary = folder / f"model.{os.getpid()}.onnx.tmp"
        _export_graph(self.reference, temporary)
        self._check(temporary)
        temporary.replace(path)
        stamp.write_text(json.dumps(key), "utf-8")
        logger.info("exported %s to ONNX in %s", self.name, path)
        return path

    def _check(self, graph: Path) -> None:
        import onnxruntime as ort

        session = ort.InferenceSession(str(graph), providers=["CPUExecutionProvider"])
        self.__dict__["_session"] = session  # the caller holds the load lock
        try:
            cosines = (self.encode(PROBES) * self.reference.encode(PROBES)).sum(axis=1)
        finally:
            del self.__dict__["_session"]
        if float(cosines.min()) < MIN_COSINE:
            graph.unlink(missing_ok=True)
            raise RuntimeError(f"ONNX export disagrees with torch (cosine {cosines.min():.5f})")


def _export_graph(reference: SentenceTransformerEncoder, path: Path) -> None:
    """Exports the transformer (token states; pooling is done in NumPy) with dynamic shapes."""
    import torch

    transformer: Any = reference.model[0]
    bert: Any = getattr(transformer, "auto_model", None) or transformer.model

    class States(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, ids: Any, mask: Any, types: Any) -> Any:
            return self.inner(input_ids=ids, attention_mask=mask, token_type_ids=types)[0]

    sample = reference.model.tokenizer(["a sample text"], return_tensors="pt")
    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {n: {0: "batch", 1: "tokens"} for n in [*names, "last_hidden_state"]}
    # The TorchScript exporter (torch is pinned) handles the dynamic batch and length axes; its
    # deprecation and tracer warnings are noise here, as the check against torch guards the graph.
    with torch.inference_mode(False), torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            States(bert.eval()),
            tuple(sample[n] for n in names),
            str(path),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )


def _pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean of the token states under the mask, scaled to length 1 (sentence-transformers'
    pooling for this model)."""
    weights = mask[..., None].astype(np.float32)
    pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return pooled / np.maximum(norms, 1e-12)
