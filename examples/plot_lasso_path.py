"""
A lasso path with adam_path, next to lasso_path
===============================================

With ``penalty="l1"``, :class:`~sklearn_adam.AdamLinearRegressor` minimizes the
objective of :class:`~sklearn.linear_model.Lasso`, with the same ``alpha``:

.. math::

    \\frac{1}{2n} \\lVert y - X w - b \\rVert^2 + \\alpha \\lVert w \\rVert_1 .

Its proximal steps set coefficients exactly to zero, so each fit has the lasso's
support, not coefficients of 1e-17. A *path* is the solution at a decreasing
sequence of ``alpha``: at the largest every coefficient is zero, and features
enter one by one as ``alpha`` falls. scikit-learn computes it with
:func:`~sklearn.linear_model.lasso_path`, coordinate descent started at each
``alpha`` from the previous solution. :func:`~sklearn_adam.adam_path` does the
same with Adam: each fit starts from the previous coefficients and solver state,
as refitting ``AdamLinearRegressor(warm_start=True)`` would, and the data are
checked and summed once for the whole path. This example draws both paths on the
diabetes data.
"""

# %%
# The alpha grid
# --------------
#
# ``alpha_max``, the smallest ``alpha`` at which every coefficient is zero, is the
# largest correlation of a feature with the centered target,
# :math:`\max_j |x_j^\top (y - \bar y)| / n`; the grid runs from it down to a
# hundredth of it, evenly on a log scale, as ``lasso_path`` builds its own
# (``eps=1e-2``); ``adam_path(X, y, alphas=15, eps=1e-2)`` would build the same
# grid itself. It is built here once, to give both paths the same values. The
# diabetes features are centered, so ``lasso_path``, which fits no intercept,
# solves the same problem on the centered target.

import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.linear_model import lasso_path

from sklearn_adam import AdamLinearRegressor, adam_path

diabetes = load_diabetes()
X, y = diabetes.data, diabetes.target
n_samples = X.shape[0]
alpha_max = np.max(np.abs(X.T @ (y - y.mean()))) / n_samples
alphas = alpha_max * np.logspace(0, -2, 15)
print(f"{n_samples} rows, {X.shape[1]} features; alpha from {alphas[0]:.3g} to {alphas[-1]:.3g}")

# %%
# Both paths
# ----------
#
# ``lasso_path`` at a tight tolerance gives the reference; ``adam_path`` fits
# ``AdamLinearRegressor(penalty="l1")`` at each ``alpha`` of the same grid, with
# the intercept fitted (``lasso_path`` fits none: it is given the centered target).

start = time.perf_counter()
_, reference, _ = lasso_path(X, y - y.mean(), alphas=alphas, tol=1e-12, max_iter=100_000)
reference_seconds = time.perf_counter() - start

start = time.perf_counter()
_, coefs, intercepts = adam_path(X, y, estimator=AdamLinearRegressor(penalty="l1"),
                                 alphas=alphas)
ours_seconds = time.perf_counter() - start

same_zeros = np.all((coefs == 0) == (reference == 0), axis=0)
print(f"lasso_path: {reference_seconds:.3f} s; adam_path: {ours_seconds:.3f} s")
print(f"largest coefficient difference along the path: {np.max(np.abs(coefs - reference)):.1e}")
print(f"alphas where the exact zeros are the same: {same_zeros.sum()} of {len(alphas)}")

# %%
# The coefficients against alpha
# ------------------------------
#
# Lines are ``lasso_path``'s coefficients, dots ours; the right panel counts the
# coefficients that are not exactly zero. Where the two agree, the dots sit on
# the lines and the counts coincide.

fig, (ax_path, ax_count) = plt.subplots(1, 2, figsize=(11, 4.5),
                                        gridspec_kw={"width_ratios": [2, 1]})
colors = plt.cm.tab10(np.arange(X.shape[1]))
for j, name in enumerate(diabetes.feature_names):
    ax_path.plot(alphas, reference[j], color=colors[j], linewidth=1.5, label=name)
    ax_path.plot(alphas, coefs[j], "o", color=colors[j], markersize=4)
ax_path.set_xscale("log")
ax_path.invert_xaxis()
ax_path.set_xlabel("alpha (decreasing)")
ax_path.set_ylabel("coefficient")
ax_path.set_title("lasso_path (lines) and adam_path (dots)")
ax_path.legend(ncol=2, fontsize=8, loc="lower left")

ax_count.step(alphas, np.count_nonzero(reference, axis=0), where="mid", color="black",
              linewidth=3, alpha=0.3, label="lasso_path")
ax_count.step(alphas, np.count_nonzero(coefs, axis=0), where="mid", color="tab:red",
              linestyle="--", label="adam_path")
ax_count.set_xscale("log")
ax_count.invert_xaxis()
ax_count.set_xlabel("alpha (decreasing)")
ax_count.set_ylabel("non-zero coefficients")
ax_count.legend(loc="upper left", fontsize=9)
fig.tight_layout()
plt.show()
