"""Draw docs/policy-gradient.png (the README figure): run from the repository root.

python docs/make_policy_gradient_figure.py
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from solvers.gradients import estimator_study, policy_gradient_ascent  # noqa: E402
from worlds import make  # noqa: E402
from worlds.plot import (  # noqa: E402
    corridor_curve,
    estimator_error_plot,
    estimator_variance_bars,
    suboptimality_plot,
)


def main() -> None:
    m = make("garnet", n_states=20).mdp
    runs = {
        "PG, exact (lr 1)": policy_gradient_ascent(m, lr=1.0, steps=1000),
        "NPG, exact (lr 0.5)": policy_gradient_ascent(
            m, lr=0.5, steps=1000, natural=True
        ),
        "NPG + entropy 0.01": policy_gradient_ascent(
            m, lr=0.5, steps=1000, natural=True, entropy=0.01
        ),
        "REINFORCE + baseline, 200 ep. (lr 1)": policy_gradient_ascent(
            m, lr=1.0, steps=300, gradient="baseline", episodes=200, seed=0
        ),
    }
    corridor = make("short-corridor").mdp
    st = estimator_study(
        corridor,
        [[0.0, 0.0]],
        episodes=(10, 30, 100, 300),
        runs=200,
        observations=[0, 0, 0, 0],
        seed=0,
    )
    fig, axes = plt.subplots(2, 2, figsize=(12, 9), constrained_layout=True)
    suboptimality_plot(runs, ax=axes[0, 0], title="Garnet(20, 4, 5): sub-optimality")
    corridor_curve(ax=axes[0, 1])
    estimator_variance_bars(st, ax=axes[1, 0], title="Short corridor, p = 1/2")
    estimator_error_plot(st, ax=axes[1, 1])
    out = os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "policy-gradient.png"
    )
    fig.savefig(out, dpi=80)
    print(out)


if __name__ == "__main__":
    main()
