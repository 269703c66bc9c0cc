"""A process-wide limit of NumPy's BLAS to one thread, for the search's small products."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_lock = threading.Lock()
_users = 0
_limiter: Any = None
_controller: Any = None


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Runs NumPy's BLAS on one thread while inside (process-wide; nests across threads).

    The BLAS libraries limited are those loaded when this first runs (NumPy's, SciPy's, FAISS's).

    The search's products are small (a few thousand rows at most): waking BLAS's thread pool
    costs more than it saves, and while the encoder's threads still spin it costs milliseconds
    (measured: 3 ms instead of 0.02 ms per question word). One thread gives the same sums.
    """
    global _users, _limiter, _controller
    with _lock:
        if _users == 0:
            if _controller is None:
                from threadpoolctl import ThreadpoolController

                _controller = ThreadpoolController()
            _limiter = _controller.limit(limits=1, user_api="blas")
        _users += 1
    try:
        yield
    finally:
        with _lock:
            _users -= 1
            if _users == 0 and _limiter is not None:
                _limiter.restore_original_limits()
                _limiter = None
