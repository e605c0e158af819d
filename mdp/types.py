"""Type aliases shared by the packages (shapes in the docs' symbols)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["BoolArray", "FloatArray", "IntArray", "RNGLike"]

#: A float array: ``V [S]``, ``Q [S, A]``, ``r [S, A]``.
FloatArray = npt.NDArray[np.float64]
#: An integer array: a deterministic policy ``pi [S]``.
IntArray = npt.NDArray[np.intp]
#: A boolean array: ``terminal [S]``, ``action_mask [S, A]``.
BoolArray = npt.NDArray[np.bool_]
#: Anything :func:`numpy.random.default_rng` accepts.
RNGLike = np.random.Generator | np.random.SeedSequence | int | None
