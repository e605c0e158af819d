"""One way to compile a hot loop: numba's ``njit``, cached on disk when it can be.

``jit(f)`` is ``numba.njit(cache=True)(f)``; where numba finds no writable
place for its cache (a read-only install with no writable user cache
directory; ``NUMBA_CACHE_DIR`` chooses one), it is ``numba.njit(f)``, which
compiles again in each process instead of failing at import.

Examples
--------
>>> def add_one(x):
...     return x + 1
>>> jit(add_one)(1)
2
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["jit"]


def jit(f: Callable[..., Any]) -> Any:
    """``f`` compiled in nopython mode, with the on-disk cache when available."""
    from numba import njit

    try:
        return njit(cache=True)(f)
    except RuntimeError as exc:  # "cannot cache function ...: no locator available"
        if "cannot cache" not in str(exc):
            raise
        return njit(f)
