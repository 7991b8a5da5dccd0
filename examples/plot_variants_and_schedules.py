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
# returns a fresh state, and ``update(grads, state, learning_rate, params)``
# returns one array per parameter, to be *added* to that parameter, and the
# new state (the protocol :class:`~sklearn_adam.Solver`; ``params`` are the
# current coefficients, for a rule that acts on them). The estimator provides the gradients of the
# standardized objective and the learning rate of the epoch. Plain gradient
# descent needs no state:


class GradientDescent:
    def init(self, params):
        return None

    def update(self, grads, state, learning_rate, params):
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
# In the first table, ``burst at`` is the first epoch at which the excess
# climbs back above 1e-10 after having fallen below it, and ``largest rise``
# the largest increase of the excess over its lowest value so far: the size
# of the worst burst.
#
# The second table gives, for each rule, a run with the default ``"plateau"``
# schedule and the settings that ask for the exact solution (``tol=0``,
# ``n_iter_no_change=100``, ``max_iter=10000``): how many epochs it took, how
# close its coefficients got, the epochs at which it lowered the rate, and
# the largest rise of the excess after the first of those cuts (``rise after
# 1st cut``).

solvers = {
    "adam": "adam",
    "amsgrad": "amsgrad",
    "adamw": "adamw",
    "nadam": "nadam",
    "adamax": "adamax",
    "gradient descent (user-defined)": GradientDescent(),
}
n_epochs = 3_000


def burst_epoch(values, level=1e-10):
    """First epoch at which ``values`` climbs back above ``level`` after falling below."""
    below = np.flatnonzero(values < level)
    if below.size == 0:
        return None
    above = np.flatnonzero(values[below[0]:] > level)
    return None if above.size == 0 else below[0] + above[0] + 1


def largest_rise(values):
    """Largest increase of ``values`` over their running minimum."""
    return np.max(values - np.minimum.accumulate(values))


def rate_cuts(rates):
    """The (1-based) epochs at which a ``learning_rate_curve_`` changes."""
    return (np.flatnonzero(np.diff(rates)) + 2).tolist()


excess, constant_errors, plateau_runs = {}, {}, {}
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
    constant_errors[name] = relative_error(constant.coef_)
    plateau_runs[name] = plateau

print(f"constant rate, {n_epochs} epochs")
print(f"{'solver':32s} {'<1e-10 at':>10s} {'burst at':>9s} {'largest rise':>13s} "
      f"{'final excess':>13s} {'error':>8s}")
for name, values in excess.items():
    below = np.flatnonzero(values < 1e-10)
    burst = burst_epoch(values)
    print(f"{name:32s} {'never' if below.size == 0 else below[0] + 1:>10} "
          f"{'-' if burst is None else burst:>9} {largest_rise(values):>13.1e} "
          f"{values[-1]:>13.1e} {constant_errors[name]:>8.1e}")

print("\nplateau schedule, tol=0")
print(f"{'solver':32s} {'epochs':>7s} {'error':>8s} {'rate cuts at':>19s} "
      f"{'rise after 1st cut':>19s}")
for name, model in plateau_runs.items():
    cuts = rate_cuts(model.learning_rate_curve_)
    after = np.array(model.loss_curve_[cuts[0] - 1:]) - loss_star
    print(f"{name:32s} {model.n_iter_:>7d} {relative_error(model.coef_):>8.1e} "
          f"{', '.join(map(str, cuts)):>19s} {largest_rise(after):>19.1e}")

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
#   it stalls rarely (its plateau run lowers the rate only at the epochs in
#   the second table), so it runs to ``max_iter``.
# * **NAdam** applies the momentum of the next step (Nesterov), with a
#   momentum that warms up slowly towards ``beta_1``. Here it is no faster
#   than Adam, and at a constant rate it never settles: it bursts before it
#   gets near rounding level, again and again. With the default ``"plateau"``
#   schedule, which lowers the rate at stalls, it does converge (second
#   table).
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
# The bursts are one reason why the stopping rule matters. A plateau run
# that reaches rounding level stalls there, since the objective can no
# longer improve, and the schedule cuts the rate at that stall and at the
# next two (the ``rate cuts at`` column; Adam's, for instance, come well
# before the epoch at which its constant-rate run first bursts). Each cut
# divides the growing effective rate ``learning_rate / sqrt(v)`` by ten, and
# the run ends at the stall after the third. A burst that does occur shows
# as a stall too, and is cut short the same way: NAdam's and AdamW's first
# cuts followed one. After its first cut, no plateau run climbs back: the
# ``rise after 1st cut`` column stays at rounding level for the runs that
# had reached it, and for NAdam and AdamW far below their bursts at a
# constant rate (``largest rise`` in the first table).

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
# * ``warmup_epochs=20`` adds a linear ramp: the rate starts at
#   ``1 / (warmup_epochs + 1)`` of its full value and rises in equal steps to
#   the full rate, reached at epoch ``warmup_epochs + 1`` (both printed
#   below), where the cosine decay starts.
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

warmup_rates = runs["cosine, warmup_epochs=20"][0]
print(f"warm-up: first rate {warmup_rates[0]:.3g} (learning rate / "
      f"{warmup_rates.max() / warmup_rates[0]:.0f}), full rate from epoch "
      f"{np.argmax(warmup_rates == warmup_rates.max()) + 1}")
for name in ("step", "plateau (default)"):
    rates, errors = runs[name]
    cuts = rate_cuts(rates)
    print(f"{name}: rate lowered at epochs {cuts} "
          f"to {', '.join(f'{rates[cut - 1]:g}' for cut in cuts)}")
# The plateau run's error when its second cut comes (after the first reduced
# rate), and at the end (after the two smaller rates).
rates, errors = runs["plateau (default)"]
cuts = rate_cuts(rates)
before_second = errors[cuts[1] - 2]
print(f"plateau: error {before_second:.1e} at epoch {cuts[1] - 1}, {errors[-1]:.1e} at "
      f"epoch {len(errors)}: {before_second / errors[-1]:.1f} times closer")

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
# * ``"step"`` cuts the rate to a tenth after ``decay_epochs`` epochs and
#   to a hundredth after twice as many (at the epochs printed above), and
#   spends most of the remaining epochs descending to the new floor; it ends
#   closest here.
# * ``"plateau"`` cuts the rate when the loss stops improving, that is, late
#   by construction, once the current rate has done what it can (the epochs
#   of its cuts are printed above). Its first cut has the effect of the
#   cosine decay. The two smaller rates, each kept only until the next stall
#   (20 epochs of patience), then bring the coefficients about twice as close
#   (the factor is printed above), slightly closer than cosine ends, before
#   the stall after the third cut ends training. With the estimator's default
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

# %%
# AdamW's weight decay is not Ridge's alpha
# -----------------------------------------
#
# For a penalty with Ridge's meaning, use ``alpha``: it adds
# ``alpha * ||coef||^2`` to the objective, which pulls the coefficients
# towards zero as a whole. Equivalently, Ridge minimizes the squared error
# under a bound on the L2 norm of the coefficients, not on each of them.
# AdamW's ``weight_decay`` acts on the update instead. At a full-batch fixed
# point the decay ``weight_decay * coef`` has to balance Adam's normalized
# step, whose size per coordinate is at most about one; so every
# standardized coefficient ends within about ``1 / weight_decay`` of zero.
# The fit behaves like least squares under that bound (Xie & Li, 2024,
# "Implicit Bias of AdamW: l-infinity norm constrained optimization"):
# coefficients that would exceed it are held at it and, because the features
# are correlated, the others shift to make up for them.
#
# Below, AdamW with a ``weight_decay`` large enough for the bound to matter
# (its value and the bound are printed) is trained on the full batch with the
# default schedule until ``max_iter=20000``, and compared in standardized
# units (``coef_ * X.std(axis=0) / y.std()``) with:
#
# * the least-squares solution under the same bound on each coefficient,
#   ``|coef| <= 1 / weight_decay``, computed by
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

print(f"AdamW, weight_decay={weight_decay:g}: {adamw.n_iter_} epochs, rate lowered at "
      f"epochs {rate_cuts(adamw.learning_rate_curve_)}, training R^2 {r2_adamw:.4f}")
print(f"Ridge with the same training R^2: alpha = {ridge.alpha:.0f} "
      f"(R^2 {ridge.score(X_std, y_std):.4f})")
print(f"AdamW's largest difference from the bounded least-squares solution: "
      f"{np.abs(adamw_coef - bounded).max():.4f}")

fits = {"least squares": ols_coef, "Ridge": ridge.coef_, "AdamW": adamw_coef,
        "bounded": bounded}
print(f"\nstandardized coefficients (bound {1 / weight_decay:.4f})")
print(f"{'feature':>7s} " + " ".join(f"{name:>13s}" for name in fits))
for feature in range(n_features):
    print(f"{feature:>7d} " + " ".join(f"{coef[feature]:>13.3f}" for coef in fits.values()))
print(f"{'L2 norm':>7s} " + " ".join(f"{np.linalg.norm(c):>13.3f}" for c in fits.values()))
print(f"{'max':>7s} " + " ".join(f"{np.abs(c).max():>13.4f}" for c in fits.values()))
for name in ("Ridge", "AdamW"):
    coef = fits[name]
    flipped = np.flatnonzero(np.sign(coef) != np.sign(ols_coef)).tolist()
    larger = np.flatnonzero(np.abs(coef) > np.abs(ols_coef)).tolist()
    print(f"{name}: sign differs from least squares for features {flipped}, "
          f"larger in absolute value for features {larger}")

positions = np.arange(n_features)
width = 0.27
fig, ax = plt.subplots(figsize=(9, 4.5))
ax.bar(positions - width, ols_coef, width, label="least squares")
ax.bar(positions, ridge.coef_, width, label=f"Ridge, alpha={ridge.alpha:.0f}")
ax.bar(positions + width, adamw_coef, width, label=f"AdamW, weight_decay={weight_decay:g}")
ax.plot(positions + width, bounded, "k_", markersize=12,
        label=f"least squares with |coef| <= 1/{weight_decay:g}")
for sign in (-1, 1):
    ax.axhline(sign / weight_decay, color="grey", linestyle=":", linewidth=1)
ax.set(xlabel="feature", ylabel="standardized coefficient", xticks=positions,
       title="Same training R^2: Ridge bounds the L2 norm, AdamW each coefficient")
ax.legend(fontsize="small")
fig.tight_layout()

# %%
# At the same training R^2, Ridge's coefficients have the smaller L2 norm
# and AdamW's the smaller largest absolute value, the L-infinity norm (the
# last two rows of the table): each method bounds its own norm. Ridge pulls
# the coefficients towards zero as a whole, but not each of them: on
# correlated features, shrinking the large coefficients shifts weight onto
# their neighbours, and some coefficients grow or even change sign (the
# features are listed after the table). AdamW holds the largest coefficients
# at the bound (dotted lines) and refits the others, some of which grow or
# change sign too, to make up for the correlated features that are held
# back. Its coefficients match the bounded least-squares solution (black
# marks) to the printed difference: the approach to that fixed point is
# slow, for the reason given for AdamW above, and this fit too stalls rarely
# (the epochs of its rate cuts are printed), so it runs to ``max_iter``.
# With the default ``weight_decay=0.01`` the bound is 100, far above any
# standardized coefficient of this problem, and AdamW's fixed point is the
# least-squares solution.

plt.show()
