"""A process-wide limit of NumPy's BLAS to one thread, for the search's small products."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_lock = threading.Lock()
_users = 0
_blas: list[Any] | None = None
"""threadpoolctl's controllers of the BLAS libraries, found on first use."""
_saved: list[int] = []


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Runs NumPy's BLAS on one thread while inside (process-wide; nests across threads).

    The BLAS libraries limited are those loaded when this first runs (NumPy's, SciPy's, FAISS's).

    The search's products are small (a few thousand rows at most): waking BLAS's thread pool
    costs more than it saves, and while the encoder's threads still spin it costs milliseconds
    (measured: 3 ms instead of 0.02 ms per question word). One thread gives the same sums.
    The libraries' controllers are kept and set directly: `ThreadpoolController.limit` reads
    every library's full description first, 10 µs a question (more right after an encode).
    """
    global _users, _blas, _saved
    with _lock:
        if _users == 0:
            if _blas is None:
                from threadpoolctl import ThreadpoolController

                _blas = ThreadpoolController().select(user_api="blas").lib_controllers
            _saved = [lib.get_num_threads() for lib in _blas]
            for lib in _blas:
                lib.set_num_threads(1)
        _users += 1
    try:
        yield
    finally:
        with _lock:
            _users -= 1
            if _users == 0 and _blas is not None:
                for lib, threads in zip(_blas, _saved, strict=True):
                    lib.set_num_threads(threads)
