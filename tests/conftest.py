"""Shared pytest configuration for the mdpkit test suite.

* A deterministic Hypothesis profile (``derandomize=True``), so property
  tests give the same examples on every run and in CI.
* ``np`` and ``MDP`` in every doctest's namespace.
* The ``random_mdps`` fixture, which hands out the Hypothesis strategies of
  :mod:`tests.strategies` (use them directly with ``@given`` as well).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

from mdp import MDP

from . import strategies

settings.register_profile(
    "mdpkit",
    derandomize=True,
    deadline=None,
    max_examples=40,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("mdpkit")

# When a property test fails, Hypothesis imports libcst to suggest an
# ``@example`` patch; libcst's import raises a DeprecationWarning (from
# mypy_extensions) which ``filterwarnings = error`` turns into a pytest
# INTERNALERROR that hides the real failure.  Import it once here, quietly.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    try:
        import libcst  # noqa: F401
    except ImportError:  # pragma: no cover - optional
        pass


@pytest.fixture(autouse=True)
def _doctest_names(doctest_namespace: dict) -> None:
    """Doctests may use ``np`` and ``MDP`` without importing them."""
    doctest_namespace["np"] = np
    doctest_namespace["MDP"] = MDP


@pytest.fixture
def random_mdps():
    """The random-MDP strategies module (``random_mdps.mdps()`` etc.)."""
    return strategies
