"""
Adam variants and learning-rate schedules
=========================================

:class:`~sklearn_adam.AdamLinearRegressor` offers five update rules
(``solver``) and five ways to change the learning rate over epochs
(``schedule``). This example runs them side by side on one least-squares
problem, measures how close each gets to the closed-form solution, and
explains the differences. It also shows a user-defined update rule, and what
AdamW's ``weight_decay`` does to the coefficients, which is not what Ridge's
``alpha`` does.
"""

# %%
# The problem
# -----------
#
# 2,000 rows and 10 features drawn from a Gaussian whose correlation between
# features ``i`` and ``j`` is ``0.8 ** |i - j|``, a linear target, and
# Gaussian noise. The correlation makes the problem moderately
# ill-conditioned: the estimator works on standardized features, where the
# objective's curvature is their correlation matrix, and the ratio of its
# largest to smallest eigenvalue is printed below.
#
# :class:`~sklearn.linear_model.LinearRegression` gives the exact solution.
# The estimator's objective (``loss_curve_``) is half the mean squared error
# divided by the variance of ``y``; its minimum ``loss_star`` is computed from
# the exact residuals, so that ``loss_curve_ - loss_star`` is the excess over
# the optimum.

import warnings

import matplotlib.pyplot as plt
import numpy as np
from scipy.optimize import brentq, lsq_linear
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression, Ridge

from sklearn_adam import AdamLinearRegressor

n_samples, n_features = 2_000, 10
rng = np.random.RandomState(0)
lags = np.abs(np.subtract.outer(np.arange(n_features), np.arange(n_features)))
correlation = 0.8**lags
X = rng.normal(size=(n_samples, n_features)) @ np.linalg.cholesky(correlation).T
y = X @ rng.normal(size=n_features) + rng.normal(size=n_samples)

exact = LinearRegression().fit(X, y)
loss_star = 0.5 * np.mean((y - exact.predict(X)) ** 2) / np.var(y)
eigenvalues = np.linalg.eigvalsh(np.corrcoef(X, rowvar=False))


def relative_error(coef):
    return np.linalg.norm(coef - exact.coef_) / np.linalg.norm(exact.coef_)


print(f"condition number of the standardized problem: "
      f"{eigenvalues.max() / eigenvalues.min():.1f}")
print(f"training R^2 of the exact solution: {exact.score(X, y):.4f}")

# %%
# A user-defined update rule
# --------------------------
#
# ``solver`` also accepts any object with two methods: ``init(params)``
# returns a fresh state, and ``update(grads, state, learning_rate)`` returns
# one array per parameter, to be *added* to that parameter, and the new state (see
# :mod:`sklearn_adam`). The estimator provides the gradients of the
# standardized objective and the learning rate of the epoch. Plain gradient
# descent needs no state:


class GradientDescent:
    def init(self, params):
        return None

    def update(self, grads, state, learning_rate):
        return [-learning_rate * grad for grad in grads], state


# %%
# Gradient descent, unlike Adam, needs a step size matched to the data: on
# this objective it converges for steps below ``2 / lambda_max``, with
# ``lambda_max`` the largest eigenvalue of the correlation matrix. We give it
# the classical ``1 / lambda_max``.

gd_rate = 1 / eigenvalues.max()
print(f"lambda_max = {eigenvalues.max():.3f}, gradient-descent rate = {gd_rate:.3f}")

# %%
# The update rules at full batch
# ------------------------------
#
# To see the rules themselves, without the noise of mini-batch gradients or
# a changing rate, each is run for 3,000 epochs on the full batch
# (``batch_size=None``, one step per epoch) at a constant rate of 0.01, with
# the stopping rule switched off (``tol=0`` and a patience as long as the
# run). At full batch, ``loss_curve_`` holds the exact objective before each
# step, so the excess over ``loss_star`` measures convergence exactly, down
# to rounding errors near 1e-16.
#
# The table also gives, for each rule, a run with the default ``"plateau"``
# schedule and the settings that ask for the exact solution (``tol=0``,
# ``n_iter_no_change=100``, ``max_iter=10000``): how many epochs it took and
# how close its coefficients got.

solvers = {
    "adam": "adam",
    "amsgrad": "amsgrad",
    "adamw": "adamw",
    "nadam": "nadam",
    "adamax": "adamax",
    "gradient descent (user-defined)": GradientDescent(),
}
n_epochs = 3_000
excess, table = {}, []
for name, solver in solvers.items():
    rate = gd_rate if name.startswith("gradient") else 0.01
    constant = AdamLinearRegressor(
        solver=solver, learning_rate=rate, batch_size=None, schedule="constant",
        tol=0.0, n_iter_no_change=n_epochs, max_iter=n_epochs, random_state=0,
    )
    plateau = AdamLinearRegressor(
        solver=solver, learning_rate=rate, batch_size=None,
        tol=0.0, n_iter_no_change=100, max_iter=10_000, random_state=0,
    )
    with warnings.catch_warnings():
        # The fixed-budget runs reach max_iter on purpose (AdamW's
        # plateau run too, as explained below).
        warnings.simplefilter("ignore", ConvergenceWarning)
        constant.fit(X, y)
        plateau.fit(X, y)
    excess[name] = np.array(constant.loss_curve_) - loss_star
    below = np.flatnonzero(excess[name] < 1e-10)
    table.append((
        name,
        "never" if below.size == 0 else str(below[0] + 1),
        excess[name][-1],
        relative_error(constant.coef_),
        plateau.n_iter_,
        relative_error(plateau.coef_),
    ))

print(f"{'':32s} {'constant rate, 3000 epochs':^34s} {'plateau, tol=0':^18s}")
print(f"{'solver':32s} {'<1e-10 at':>10s} {'excess':>10s} {'error':>10s}   "
      f"{'epochs':>7s} {'error':>9s}")
for name, first, final_excess, error, epochs, plateau_error in table:
    print(f"{name:32s} {first:>10s} {final_excess:>10.1e} {error:>10.1e}   "
          f"{epochs:>7d} {plateau_error:>9.1e}")

fig, ax = plt.subplots(figsize=(10, 4.5))
for name, values in excess.items():
    ax.plot(np.arange(1, n_epochs + 1), values, label=name)
ax.set(yscale="log", xlabel="epoch", ylabel="loss_curve_ - loss_star",
       title="Full batch, constant rate: excess objective per epoch")
ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1))
fig.tight_layout()

# %%
# What the curves show:
#
# * **Adam** moves each standardized coefficient by about the learning rate
#   per step at first (the bias correction makes the first step about that
#   size in every coordinate), so with a rate of 0.01 it needs a few hundred
#   steps to cover coefficients of order one. Near the optimum the gradients
#   shrink faster than their running average of squares, and the step
#   becomes a gradient step with the rate ``learning_rate / sqrt(v)``, ``v``
#   that average: the objective falls steadily to rounding level. But ``v``
#   keeps shrinking once the gradients are at rounding level, so that rate
#   keeps growing until the iteration becomes unstable: the objective jumps
#   up by many orders of magnitude, the larger gradients restore ``v``, and
#   the descent starts again. These bursts recur every few hundred epochs.
# * **AMSGrad** divides by the running *maximum* of ``v``, which never
#   shrinks. Its final descent is slightly slower, and it has no bursts.
# * **AdamW** adds a decay of the coefficients, ``learning_rate *
#   weight_decay * coef`` per step. With the default ``weight_decay=0.01`` its
#   fixed point is practically the least-squares solution, but it approaches
#   it slowly: the decay is balanced only once the gradient is a small
#   fraction of ``sqrt(v)``, and ``v`` forgets past gradients on the time
#   scale of ``1 / (1 - beta_2)`` steps, 1,000 with the default ``beta_2``.
#   Its gradient never vanishes, and its bursts stay small. With ``tol=0``
#   it never stalls and runs to ``max_iter``.
# * **NAdam** applies the momentum of the next step (Nesterov), with a
#   momentum that warms up slowly towards ``beta_1``. Here it is no faster
#   than Adam, and at a constant rate it never settles: it bursts before it
#   gets near rounding level, again and again. With the default ``"plateau"``
#   schedule, which lowers the rate at stalls, it does converge (last two
#   columns).
# * **Adamax** divides by an exponentially weighted maximum of the
#   gradient's absolute value instead of a root mean square. It is clearly
#   slower in the middle of the run (the ``<1e-10 at`` column), reaches
#   rounding level too, and later has a burst like Adam's.
# * **Gradient descent** with the step ``1 / lambda_max`` gets below 1e-10
#   first. On a full-batch, moderately conditioned least-squares problem the
#   adaptive rules buy no speed; what they buy is one default rate that suits
#   any data (gradient descent needed ``lambda_max``, and diverges with a
#   step above ``2 / lambda_max``) and steps that stay sensible with noisy
#   mini-batch gradients.
#
# The bursts are one reason why the stopping rule matters: with
# ``n_iter_no_change=100`` the plateau runs stop long before the first burst.

# %%
# Learning-rate schedules
# -----------------------
#
# Schedules matter with mini-batches, where a constant rate leaves the
# coefficients wandering around the optimum. Each schedule below trains
# Adam with the default batches of 200 rows and no batch growth
# (``batch_growth=1``), so that only the rate changes, for at most 300
# epochs:
#
# * ``"constant"``: 0.01 throughout.
# * ``"inverse_time"``, ``"step"`` and ``"cosine"`` follow the epoch count,
#   with the defaults ``decay_epochs=100`` and ``decay_factor=0.1``: the rate
#   falls to a tenth over the first 100 epochs, by a smooth hyperbola, at
#   once, or along a half cosine, after which ``"cosine"`` stays at a tenth
#   while the other two keep falling. For these the stopping rule is
#   switched off, so that they run all 300 epochs.
# * ``warmup_epochs=20`` adds a linear ramp from a twentieth of the rate up to
#   the full rate before the cosine decay starts.
# * ``"plateau"`` does not follow the epoch count: it divides the rate by ten
#   when the training loss has not improved by ``tol`` (relative) for
#   ``n_iter_no_change`` epochs, that is, when the fit has reached the noise
#   floor of the current rate. It therefore runs with the default ``tol=1e-5``
#   and ``n_iter_no_change=20``; after three reductions the next stall ends
#   training.
#
# The estimator records the rate of each epoch in ``learning_rate_curve_``.
# The distance to the exact coefficients after every epoch comes from
# replaying each fit one epoch at a time with ``warm_start=True`` and
# ``max_iter=1``, which continues a fit exactly where it stopped (schedule
# position and stall count included); the code checks that the replay ends
# with the same coefficients as the uninterrupted fit.

budget = 300
no_stop = dict(tol=0.0, n_iter_no_change=budget)
schedules = {
    "constant": dict(schedule="constant", **no_stop),
    "inverse_time": dict(schedule="inverse_time", **no_stop),
    "step": dict(schedule="step", **no_stop),
    "cosine": dict(schedule="cosine", **no_stop),
    "cosine, warmup_epochs=20": dict(schedule="cosine", warmup_epochs=20, **no_stop),
    "plateau (default)": dict(schedule="plateau"),
}


def fit_and_replay(model):
    """Fit ``model``; return it and the relative error after each epoch."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reference = clone(model).fit(X, y)
        stepwise = clone(model).set_params(warm_start=True, max_iter=1)
        errors = []
        for _ in range(reference.n_iter_):
            stepwise.fit(X, y)
            errors.append(relative_error(stepwise.coef_))
    assert np.array_equal(stepwise.coef_, reference.coef_)
    return reference, np.array(errors)


runs = {}
print(f"{'schedule':26s} {'epochs':>6s} {'final rate':>10s} {'final error':>11s} "
      f"{'smallest':>9s}")
for name, params in schedules.items():
    model = AdamLinearRegressor(batch_growth=1.0, max_iter=budget, random_state=0, **params)
    fitted, errors = fit_and_replay(model)
    runs[name] = (np.array(fitted.learning_rate_curve_), errors)
    print(f"{name:26s} {fitted.n_iter_:>6d} {fitted.learning_rate_curve_[-1]:>10.1e} "
          f"{errors[-1]:>11.1e} {errors.min():>9.1e}")

fig, (ax_rate, ax_error) = plt.subplots(1, 2, figsize=(12, 4.5))
for name, (rates, errors) in runs.items():
    epochs = np.arange(1, len(rates) + 1)
    ax_rate.plot(epochs, rates, label=name)
    ax_error.plot(epochs, errors, label=name)
ax_rate.set(yscale="log", xlabel="epoch", ylabel="learning rate",
            title="learning_rate_curve_")
ax_error.set(yscale="log", xlabel="epoch",
             ylabel="relative distance to the exact coefficients",
             title="Batches of 200 rows, no batch growth")
ax_rate.legend(fontsize="small")
fig.tight_layout()

# %%
# At a constant rate the distance stops falling within the first few dozen
# epochs: the noise of 200-row batches keeps Adam's steps at about the size
# of the rate, and the coefficients wander at a distance set by the rate.
# Lowering the rate lowers that floor, but a smaller rate also moves the
# coefficients more slowly, so the new floor is reached only after many
# epochs. The schedules differ in when they pay that price:
#
# * ``"inverse_time"`` lowers the rate from the first epoch, which slows the
#   initial descent; after 300 epochs it is still approaching the optimum.
# * ``"cosine"`` keeps a large rate for the first epochs, then ends at a
#   tenth of it and stays on that rate's floor.
# * ``"step"`` cuts the rate to a tenth at epoch 100 and to a hundredth at
#   epoch 200, and spends most of the remaining epochs descending to the new
#   floor; it ends closest here.
# * ``"plateau"`` cuts the rate when the loss stops improving, that is, late
#   by construction, once the current rate has done what it can (the epochs
#   of its cuts are printed below). Its first cut has the effect of the
#   cosine decay, but with the default patience of 20 epochs the two smaller
#   rates had too few epochs to bring the coefficients any closer before the
#   next stall ended training. With the estimator's default
#   ``batch_growth=2``, the first stalls would instead enlarge the batch,
#   which removes the noise itself rather than averaging it out with small
#   steps (see the batch-size example).
#
# The time-based schedules thus need ``decay_epochs`` and ``decay_factor``
# suited to the data and the budget; ``"plateau"`` adapts to the run and
# stops on its own. The warm-up only delays the start here: Adam's bias
# correction already makes the first steps about the size of the rate, and
# on standardized data a rate of 0.01 is safe from the first step. A warm-up
# is useful when the rate is large enough that full steps from the starting
# point would overshoot.

plateau_rates = runs["plateau (default)"][0]
cuts = np.flatnonzero(np.diff(plateau_rates)) + 2
print("plateau: rate lowered at epochs", cuts.tolist(),
      f"to {', '.join(f'{rate:g}' for rate in plateau_rates[cuts - 1])}")

# %%
# AdamW's weight decay is not Ridge's alpha
# -----------------------------------------
#
# For a penalty with Ridge's meaning, use ``alpha``: it adds
# ``alpha * ||coef||^2`` to the objective, and every coefficient shrinks
# smoothly towards zero. AdamW's ``weight_decay`` acts on the update
# instead. At a full-batch fixed point the decay ``weight_decay * coef`` has to
# balance Adam's normalized step, whose size per coordinate is at most about
# one; so every standardized coefficient ends within ``1 / weight_decay`` of
# zero. The fit behaves like least squares under that bound (Xie & Li, 2024,
# "Implicit Bias of AdamW: l-infinity norm constrained optimization"):
# coefficients that would exceed it are held at it and, because the features
# are correlated, the others shift to make up for them.
#
# Below, AdamW with ``weight_decay=3`` (bound 1/3) is trained on the full
# batch with the default schedule until ``max_iter=20000``, and compared in
# standardized units (``coef_ * X.std(axis=0) / y.std()``) with:
#
# * the least-squares solution under the bound ``|coef| <= 1/3``, computed by
#   :func:`scipy.optimize.lsq_linear`;
# * Ridge on standardized data, with ``alpha`` chosen to give the same
#   training R^2 as the AdamW fit.

weight_decay = 3.0
adamw = AdamLinearRegressor(
    solver="adamw", weight_decay=weight_decay, batch_size=None,
    tol=0.0, n_iter_no_change=100, max_iter=20_000, random_state=0,
)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    adamw.fit(X, y)

X_std = (X - X.mean(axis=0)) / X.std(axis=0)
y_std = (y - y.mean()) / y.std()
adamw_coef = adamw.coef_ * X.std(axis=0) / y.std()
bounded = lsq_linear(X_std, y_std, bounds=(-1 / weight_decay, 1 / weight_decay)).x
r2_adamw = adamw.score(X, y)
log_alpha = brentq(
    lambda a: Ridge(alpha=np.exp(a)).fit(X_std, y_std).score(X_std, y_std) - r2_adamw,
    np.log(1e-3), np.log(1e6),
)
ridge = Ridge(alpha=np.exp(log_alpha)).fit(X_std, y_std)
ols_coef = exact.coef_ * X.std(axis=0) / y.std()

print(f"AdamW: {adamw.n_iter_} epochs, training R^2 {r2_adamw:.4f}, "
      f"largest |coef| {np.abs(adamw_coef).max():.4f} (bound {1 / weight_decay:.4f})")
print(f"largest difference from the bounded least-squares solution: "
      f"{np.abs(adamw_coef - bounded).max():.4f}")
changed = np.sign(adamw_coef) != np.sign(ols_coef)
print(f"coefficients whose sign differs from least squares: {changed.sum()} "
      f"(features {np.flatnonzero(changed).tolist()})")
print(f"Ridge with the same training R^2: alpha = {ridge.alpha:.0f} "
      f"(R^2 {ridge.score(X_std, y_std):.4f})")

positions = np.arange(n_features)
width = 0.27
fig, ax = plt.subplots(figsize=(9, 4.5))
ax.bar(positions - width, ols_coef, width, label="least squares")
ax.bar(positions, ridge.coef_, width, label=f"Ridge, alpha={ridge.alpha:.0f}")
ax.bar(positions + width, adamw_coef, width, label=f"AdamW, weight_decay={weight_decay:g}")
ax.plot(positions + width, bounded, "k_", markersize=12,
        label="least squares with |coef| <= 1/3")
for sign in (-1, 1):
    ax.axhline(sign / weight_decay, color="grey", linestyle=":", linewidth=1)
ax.set(xlabel="feature", ylabel="standardized coefficient", xticks=positions,
       title="Same training R^2: Ridge shrinks every coefficient, AdamW bounds them")
ax.legend(fontsize="small")
fig.tight_layout()

# %%
# Ridge shrinks all coefficients, the large one included, towards zero.
# AdamW holds the largest coefficients at the bound (dotted lines) and
# refits the others, some of which even change sign to make up for the
# correlated features that are held back. Its coefficients match the bounded
# least-squares solution (black marks) to the printed difference: the
# approach to that fixed point is slow, for the reason given for AdamW above.
# With the default ``weight_decay=0.01`` the bound is 100, far above any
# standardized coefficient of this problem, and AdamW's fixed point is the
# least-squares solution.

plt.show()
