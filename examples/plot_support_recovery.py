"""
Support recovery on a stream: penalty="l1" against SGDRegressor
================================================================

A sparse model is judged by its *support*, the features whose coefficient is not
zero, as much as by its fit. On data that arrive in chunks, scikit-learn's one
lasso-type learner is :class:`~sklearn.linear_model.SGDRegressor` with
``penalty="l1"``, trained by ``partial_fit``: stochastic steps with a cumulative
L1 penalty that clips a coefficient at zero when the penalty would carry it
across. :class:`~sklearn_adam.AdamLinearRegressor` with ``penalty="l1"`` takes a
proximal step (soft thresholding) after each Adam update, which sets
coefficients exactly to zero.

Both minimize the same objective, with the same ``alpha``:

.. math::

    \\frac{1}{2n} \\lVert y - X w - b \\rVert^2 + \\alpha \\lVert w \\rVert_1 ,

:class:`~sklearn.linear_model.Lasso`'s, which gives the reference on all rows at
once. This example streams one pass over 100,000 rows in chunks of 5,000 to
both, and marks which coefficients each leaves *exactly* zero.
"""

# %%
# A stream with a known support
# -----------------------------
#
# 30 standardized Gaussian features, of which only the first 6 enter the target,
# with coefficients of size 1 to 3; the other 24 are truly zero. The noise has
# standard deviation 2.

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import Lasso, SGDRegressor

from sklearn_adam import AdamLinearRegressor

n_samples, n_features, n_informative, chunk_size = 100_000, 30, 6, 5_000
rng = np.random.default_rng(0)
true_coef = np.zeros(n_features)
true_coef[:n_informative] = rng.uniform(1, 3, n_informative) * rng.choice([-1, 1], n_informative)
X = rng.standard_normal((n_samples, n_features))
y = X @ true_coef + 1.0 + 2.0 * rng.standard_normal(n_samples)
alpha = 0.05
truly_zero = true_coef == 0
print(f"{n_samples:,} rows in chunks of {chunk_size:,}; {truly_zero.sum()} of {n_features} "
      f"features truly zero; alpha={alpha}")

# %%
# One pass of partial_fit each
# ----------------------------
#
# Each learner sees every chunk once, in the same order, at its defaults but
# for the penalty. ``SGDRegressor``'s ``alpha`` multiplies the same L1 norm next
# to the mean of half the squared residuals, so the two ``alpha`` are the same
# number.

ours = AdamLinearRegressor(penalty="l1", alpha=alpha, random_state=0)
sgd = SGDRegressor(penalty="l1", alpha=alpha, random_state=0)
for start in range(0, n_samples, chunk_size):
    chunk = slice(start, start + chunk_size)
    ours.partial_fit(X[chunk], y[chunk])
    sgd.partial_fit(X[chunk], y[chunk])
lasso = Lasso(alpha=alpha, tol=1e-12).fit(X, y)


def objective(model):
    residual = y - model.predict(X)
    return 0.5 * np.mean(residual**2) + alpha * np.sum(np.abs(model.coef_))


optimum = objective(lasso)
for name, model in (("Lasso (all rows)", lasso), ("AdamLinearRegressor", ours),
                    ("SGDRegressor", sgd)):
    exact_zeros = np.count_nonzero(model.coef_[truly_zero] == 0)
    print(f"{name:>20}: objective {100 * (objective(model) / optimum - 1):7.3f}% above the "
          f"optimum; exactly zero on {exact_zeros} of {truly_zero.sum()} truly-zero features; "
          f"largest of those {np.max(np.abs(model.coef_[truly_zero])):.1e}")

# %%
# Which coefficients are exactly zero
# -----------------------------------
#
# Each panel shows the size of every coefficient on a log scale; a coefficient
# that is exactly zero cannot be drawn there, and is marked by a cross on the
# bottom edge instead. The shaded features are the true support.

floor = 1e-12
fig, axes = plt.subplots(3, 1, figsize=(9, 7), sharex=True, sharey=True)
features = np.arange(n_features)
for ax, (name, model) in zip(axes, (("Lasso, all rows at once", lasso),
                                    ('AdamLinearRegressor(penalty="l1"), one pass', ours),
                                    ('SGDRegressor(penalty="l1"), one pass', sgd))):
    size = np.abs(model.coef_)
    zero = size == 0
    ax.axvspan(-0.5, n_informative - 0.5, color="tab:green", alpha=0.15, label="true support")
    ax.bar(features[~zero], size[~zero], color="tab:blue", width=0.7, label="non-zero")
    ax.plot(features[zero], np.full(zero.sum(), floor * 3), "x", color="tab:red",
            markersize=7, label="exactly zero")
    ax.set_yscale("log")
    ax.set_ylim(floor, 10)
    ax.set_ylabel("|coefficient|")
    ax.set_title(f"{name}: {zero.sum()} exact zeros", fontsize=10)
axes[0].legend(loc="upper right", fontsize=8, ncol=3)
axes[-1].set_xlabel("feature")
fig.tight_layout()
plt.show()
