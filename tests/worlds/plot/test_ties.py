"""The gambler's stake picture is chosen by the tie rule, not by float noise.

Q* of the gambler's problem ties between several stakes at most capitals;
``mdp.policy.greedy`` treats actions within its tolerance of the maximum as
ties (smallest index, the smallest stake), so value iteration and linear
programming draw the same stakes, and the picture has Sutton & Barto's
Figure 4.3 landmarks (stake 25 at 25 and 75, all-in at 50, stake 1 just
after each).
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import worlds  # noqa: E402
from mdp import policy as pol  # noqa: E402
from solvers import linear_programming, value_iteration  # noqa: E402
from worlds import plot  # noqa: E402


def stakes_drawn(world, res) -> np.ndarray:
    fig = plot.world_figure(world, res.V, res.policy)
    bars = [p for p in fig.axes[1].patches if p.get_gid() == plot.GID_POLICY]
    # one bar per capital 1..99, its height the stake
    return np.array([p.get_height() for p in bars])


@pytest.fixture(scope="module")
def gambler():
    return worlds.make("gamblers-problem")


def test_vi_and_lp_draw_the_same_stakes(gambler):
    vi = value_iteration(gambler.mdp, tol=1e-10)
    lp = linear_programming(gambler.mdp)
    drawn = stakes_drawn(gambler, vi)
    np.testing.assert_array_equal(drawn, stakes_drawn(gambler, lp))
    # the bars are the greedy policy of Q* under the documented tie rule
    np.testing.assert_array_equal(vi.policy, pol.greedy(vi.Q))
    stake = dict(zip(range(1, 100), drawn, strict=True))
    assert (stake[25], stake[50], stake[75]) == (25, 50, 25)
    assert (stake[1], stake[26], stake[51], stake[76]) == (1, 1, 1, 1)
    assert stake[12] == stake[13] == 12  # the first hump
