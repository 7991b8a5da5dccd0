"""
Robust regression: squared error, Huber and absolute error against outliers
===========================================================================

Least squares lets a few gross errors in the targets pull the whole fit toward them:
each residual counts by its square. :class:`~sklearn_adam.AdamLinearRegressor` can fit
the same linear model under losses that count large residuals linearly: ``loss="huber"``
(the objective of :class:`~sklearn.linear_model.HuberRegressor`, squared near the fit and
linear beyond ``huber_epsilon`` times a scale fitted with it) and
``loss="absolute_error"`` (the conditional median, the objective of
:class:`~sklearn.linear_model.QuantileRegressor` at ``quantile=0.5`` and ``alpha=0``).
This example fits the three losses and :class:`~sklearn.linear_model.LinearRegression`
on data with outliers, draws their lines, and checks each fit against its scikit-learn
peer. The user guide's "Losses" page writes out each objective.
"""

# %%
# Data with outliers
# ------------------
#
# 1000 rows of ``y = 1 + 2 x`` plus Gaussian noise of standard deviation 1, with
# ``x`` uniform on [0, 10]. Then the outliers: a third of the rows with ``x > 7`` (about
# 10% of all rows) have their target lowered by 30, as a faulty sensor at the high end of
# the range might record them. They sit where they have the most leverage on a line.

import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import HuberRegressor, LinearRegression, QuantileRegressor

from sklearn_adam import AdamLinearRegressor

rng = np.random.default_rng(0)
n_samples = 1000
x = rng.uniform(0, 10, size=n_samples)
y = 1.0 + 2.0 * x + rng.normal(size=n_samples)
outlier = (x > 7) & (rng.uniform(size=n_samples) < 1 / 3)
y[outlier] -= 30.0
X = x.reshape(-1, 1)
print(f"{n_samples} rows, {outlier.sum()} outliers")

# %%
# Four fits
# ---------
#
# ``AdamLinearRegressor`` at its defaults for each loss (``alpha=0``, no penalty), and
# ``LinearRegression``. Least squares by Adam and by the closed form minimize one
# objective, so their lines coincide.

models = {
    "LinearRegression": LinearRegression(),
    'loss="squared_error"': AdamLinearRegressor(loss="squared_error", random_state=0),
    'loss="huber"': AdamLinearRegressor(loss="huber", random_state=0),
    'loss="absolute_error"': AdamLinearRegressor(loss="absolute_error", random_state=0),
}
for name, model in models.items():
    start = time.perf_counter()
    model.fit(X, y)
    seconds = time.perf_counter() - start
    print(f"{name:>22}: slope {model.coef_[0]:.4f}, intercept {model.intercept_:8.4f}, "
          f"{seconds:.2f} s")

# %%
# The same answers as the peers
# -----------------------------
#
# ``HuberRegressor(alpha=0)`` minimizes the Huber objective by L-BFGS, fitting the scale
# with the coefficients, and ``QuantileRegressor(quantile=0.5, alpha=0)`` the absolute
# error by linear programming. Their ``alpha`` defaults (``0.0001`` and ``1.0``) are not
# ``AdamLinearRegressor``'s ``0.0``, so it is set to zero here. Median regression can have
# several solutions with the same objective, so the absolute error is compared by its
# value, the mean absolute residual.

huber = HuberRegressor(alpha=0.0, max_iter=1000, tol=1e-12).fit(X, y)
adam_huber = models['loss="huber"']
print(f"HuberRegressor: slope {huber.coef_[0]:.6f}, intercept {huber.intercept_:.6f}, "
      f"scale {huber.scale_:.6f}")
print(f'loss="huber":   slope {adam_huber.coef_[0]:.6f}, '
      f"intercept {adam_huber.intercept_:.6f}, scale {adam_huber.scale_:.6f}")

median = QuantileRegressor(quantile=0.5, alpha=0.0, solver="highs").fit(X, y)
adam_median = models['loss="absolute_error"']
for name, model in (("QuantileRegressor", median), ('loss="absolute_error"', adam_median)):
    mean_absolute_residual = np.mean(np.abs(y - model.predict(X)))
    print(f"{name:>21}: mean absolute residual {mean_absolute_residual:.8f}")

# %%
# The lines
# ---------
#
# The outliers drag the least-squares line down at the high end, where they are, and so
# tilt it: its slope is well below the true 2. The Huber and absolute-error lines follow
# the bulk of the data. Huber's line counts each outlier's residual linearly beyond
# ``huber_epsilon`` scales, so the outliers still pull it, a little; the median ignores how
# far they are, only on which side.

grid = np.linspace(0, 10, 2).reshape(-1, 1)
fig, ax = plt.subplots(figsize=(8, 5))
ax.scatter(x[~outlier], y[~outlier], s=6, color="0.7", label="data")
ax.scatter(x[outlier], y[outlier], s=10, color="tab:red", marker="x", label="outliers")
ax.plot(grid, 1.0 + 2.0 * grid, color="black", linestyle=":", label="true line y = 1 + 2x")
styles = {
    "LinearRegression": dict(color="tab:blue", linewidth=4, alpha=0.4),
    'loss="squared_error"': dict(color="tab:blue", linestyle="--"),
    'loss="huber"': dict(color="tab:green"),
    'loss="absolute_error"': dict(color="tab:purple", linestyle="-."),
}
for name, model in models.items():
    label = name if name == "LinearRegression" else f"AdamLinearRegressor({name})"
    ax.plot(grid, model.predict(grid), label=label, **styles[name])
ax.set_xlabel("x")
ax.set_ylabel("y")
ax.set_title("10% of the targets lowered by 30 at the high end of x")
ax.legend(loc="lower left", fontsize=9)
fig.tight_layout()
plt.show()
