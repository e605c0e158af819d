"""Why a solver stopped (canned messages) and its progress line."""

from __future__ import annotations

import sys
import time


class Progress:
    """Prints a status line to stderr about once a second when enabled."""

    def __init__(self, name: str, enabled: bool, every: float = 1.0) -> None:
        self.name, self.enabled, self.every = name, enabled, every
        self.t0 = self.last = time.perf_counter()

    def __call__(self, text: str, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        if force or now - self.last >= self.every:
            self.last = now
            print(
                f"{self.name}: {text}  [{now - self.t0:.1f} s]",
                file=sys.stderr,
                flush=True,
            )
