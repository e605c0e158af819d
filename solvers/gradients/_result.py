"""A short repr for the family's frozen results (shapes, not arrays)."""

from __future__ import annotations

from dataclasses import fields
from typing import Any, cast

import numpy as np


def _short(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"<{value.dtype} array {value.shape}>"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_short(v)}" for k, v in value.items()) + "}"
    return repr(value)


class ShortRepr:
    """Mixin: ``Name(field=<float64 array (S, A)>, ...)``."""

    def __repr__(self) -> str:
        parts = [
            f"{f.name}={_short(getattr(self, f.name))}"
            for f in fields(cast(Any, self))
            if f.repr
        ]
        return f"{type(self).__name__}(" + ", ".join(parts) + ")"
