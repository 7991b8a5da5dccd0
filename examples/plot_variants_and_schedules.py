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
# The update rules at their defaults
# ----------------------------------
#
# Each rule is trained with the estimator's defaults: one full batch per epoch,
# so that every epoch is one step along the exact gradient, a rate of 0.01
# (``1 / lambda_max`` for gradient descent) lowered by the ``"plateau"``
# schedule at stalls, and training until the norm of the gradient is at most
# ``tol=1e-10``. The estimator records that norm for every epoch in
# ``gradient_norm_curve_``; the table gives the number of epochs, how many
# times the rate was lowered (and at which epochs), the last gradient norm and
# the relative distance to the exact coefficients. A fit that ends short of ``tol`` warns; the
# warnings are recorded and printed after the table.

solvers = {
    "adam": "adam",
    "amsgrad": "amsgrad",
    "adamw": "adamw",
    "nadam": "nadam",
    "adamax": "adamax",
    "gradient descent (user-defined)": GradientDescent(),
}


def rate_cuts(rates):
    """The (1-based) epochs at which a ``learning_rate_curve_`` changes."""
    return (np.flatnonzero(np.diff(rates)) + 2).tolist()


rules, caught = {}, {}
for name, solver in solvers.items():
    rate = gd_rate if name.startswith("gradient") else 0.01
    model = AdamLinearRegressor(solver=solver, learning_rate=rate, random_state=0)
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always", ConvergenceWarning)
        model.fit(X, y)
    rules[name] = model
    caught[name] = [str(record.message) for record in records]

print(f"{'solver':32s} {'epochs':>6s} {'rate cuts':>9s} {'gradient':>9s} {'error':>8s}")
for name, model in rules.items():
    cuts = rate_cuts(model.learning_rate_curve_)
    print(f"{name:32s} {model.n_iter_:>6d} {len(cuts) or '-':>9} "
          f"{model.gradient_norm_curve_[-1]:>9.1e} {relative_error(model.coef_):>8.1e}")
    if cuts:
        print(f"{'':32s} cuts at epochs {cuts}")
for name, messages in caught.items():
    for message in messages:
        print(f"{name} warned: {message}")
floor = rules["adamw"].epsilon * rules["adamw"].weight_decay * np.linalg.norm(
    exact.coef_ * X.std(axis=0) / y.std()
)
print(f"AdamW's floor, epsilon * weight_decay * ||standardized coef||: {floor:.1e}")

fig, ax = plt.subplots(figsize=(10, 4.5))
for name, model in rules.items():
    ax.plot(np.arange(1, model.n_iter_ + 1), model.gradient_norm_curve_, label=name)
ax.axhline(1e-10, color="grey", linestyle=":", label="tol=1e-10")
ax.set(xscale="log", yscale="log", xlabel="epoch", ylabel="gradient_norm_curve_",
       title="Full batch, default settings: exact gradient norm per epoch")
ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1))
fig.tight_layout()

# %%
# What the curves show:
#
# * **Adam** moves each standardized coefficient by about the learning rate
#   per step at first (the bias correction makes the first step about that
#   size in every coordinate), so with a rate of 0.01 it needs a few hundred
#   steps to cover coefficients of order one. Near the optimum the gradients
#   shrink faster than their running average of squares ``v``, and the step
#   becomes a gradient step with the rate ``learning_rate / sqrt(v)``, which
#   grows as ``v`` shrinks: the gradient norm then falls steeply, and Adam
#   reaches ``tol`` first, without a rate cut.
# * **AMSGrad** divides by the running *maximum* of ``v``, which never
#   shrinks, so its effective rate does not grow: its final descent is
#   slightly slower.
# * **NAdam** applies the momentum of the next step (Nesterov), with a
#   momentum that warms up slowly towards ``beta_1``. Its gradient falls
#   about as fast as Adam's, but twice it bursts: the growing effective rate
#   becomes unstable, the gradient jumps up by many orders of magnitude, and
#   the larger gradients restore ``v``. After the second burst the steps make
#   no new low for ``10 * n_iter_no_change`` epochs, a stall, and the
#   ``"plateau"`` schedule lowers the rate (the epoch in the table); NAdam
#   then converges.
# * **Adamax** divides by an exponentially weighted maximum of the
#   gradient's absolute value instead of a root mean square. It is the
#   slowest of the rules that reach ``tol``.
# * **AdamW** adds a decay of the coefficients, ``learning_rate *
#   weight_decay * coef`` per step, so its fixed point is not quite the
#   least-squares solution: there the decay balances the normalized step,
#   ``m / (sqrt(v) + epsilon)`` equals ``-weight_decay * coef`` in each
#   coordinate, which leaves a gradient of about ``epsilon * weight_decay *
#   |coef|`` (the estimate printed above). On this problem that floor lies
#   above ``tol``, so AdamW cannot converge in the estimator's sense. It also
#   approaches the floor slowly: the decay is balanced only once the gradient
#   is a small fraction of ``sqrt(v)``, and ``v`` forgets past gradients on
#   the time scale of ``1 / (1 - beta_2)`` steps, 1,000 with the default
#   ``beta_2``. The fit runs tens of thousands of epochs, with bursts and rate
#   cuts, and ends at a stall with the warning printed above, its
#   coefficients still within 1e-9 of the exact ones. With AdamW, choose a
#   ``tol`` above its floor; at the default ``weight_decay=0.01`` the
#   coefficients are then practically the least-squares solution.
# * **Gradient descent** with the step ``1 / lambda_max`` falls fastest at
#   first, but slows down along the directions of small curvature, where
#   each step removes only ``lambda_min / lambda_max`` of the error, and
#   reaches ``tol`` after Adam. On a full-batch, moderately conditioned
#   least-squares problem the adaptive rules buy little speed; what they buy
#   is one default rate that suits any data (gradient descent needed
#   ``lambda_max``, and diverges with a step above ``2 / lambda_max``) and
#   steps that stay sensible with noisy mini-batch gradients.
#
# The bursts are why the default ``"plateau"`` schedule matters at full
# batch. A burst shows as a stall: ``10 * n_iter_no_change`` steps in which
# neither the loss nor the gradient norm reached a new low. Lowering the
# rate divides the growing effective rate ``learning_rate / sqrt(v)`` by
# ten, which ends the burst. A cut after which the gradient reached a new
# low does not count against the limit of three cuts, so a rule that keeps
# bursting, as AdamW does here, can be cut more often before a stall ends
# training.

# %%
# Learning-rate schedules
# -----------------------
#
# At the default full batch, ``"plateau"`` lowers the rate only when the
# steps stall, and the time-based schedules count steps, one per epoch, so
# their ``decay_epochs`` belong in the thousands there. Schedules matter most
# with mini-batches, where a constant rate leaves the coefficients wandering
# around the optimum. Each schedule below trains Adam with batches of 200
# rows (``batch_size=200``, the size ``partial_fit`` uses by default) and no
# batch growth (``batch_growth=1``), so that only the rate changes, for at
# most 300 epochs, with the last iterate as the model (``average=False``; the
# default's average of the iterates removes most of the wandering by itself):
#
# * ``"constant"``: 0.01 throughout.
# * ``"inverse_time"``, ``"step"`` and ``"cosine"`` follow the epoch count,
#   with the defaults ``decay_epochs=100`` and ``decay_factor=0.1``: the rate
#   falls to a tenth over the first 100 epochs, by a smooth hyperbola, at
#   once, or along a half cosine, after which ``"cosine"`` stays at a tenth
#   while the other two keep falling. For these the patience is as long as
#   the run (``n_iter_no_change=300``), so that no stall ends them early.
# * ``warmup_epochs=20`` adds a linear ramp: the rate starts at
#   ``1 / (warmup_epochs + 1)`` of its full value and rises in equal steps to
#   the full rate, reached at epoch ``warmup_epochs + 1`` (both printed
#   below), where the cosine decay starts.
# * ``"plateau"`` does not follow the epoch count: with mini-batches that
#   cannot grow, it divides the rate by ten when the training loss has not
#   improved on its best by a relative 1e-4 for ``n_iter_no_change`` epochs,
#   that is, when the fit has reached the noise floor of the current rate. It
#   runs with the default ``n_iter_no_change=20``; after three reductions the
#   next stall ends training.
#
# The estimator records the rate of each epoch in ``learning_rate_curve_``.
# The distance to the exact coefficients after every epoch comes from
# replaying each fit one epoch at a time with ``warm_start=True`` and
# ``max_iter=1``, which continues a fit exactly where it stopped (schedule
# position and stall count included); the code checks that the replay ends
# with the same coefficients as the uninterrupted fit.

budget = 300
no_stop = dict(n_iter_no_change=budget)
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
    model = AdamLinearRegressor(
        batch_size=200, batch_growth=1.0, average=False, max_iter=budget, random_state=0,
        **params
    )
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
#   (20 epochs of patience), then bring the coefficients a little closer (the
#   factor is printed above), near where cosine ends after 300 epochs, before
#   the stall after the third cut ends training. With the default
#   ``batch_growth=2``, the stalls would instead enlarge the batch until it
#   holds every row, which removes the noise itself rather than averaging it
#   out with small steps, and the exact steps then converge to ``tol`` (see
#   the batch-size example).
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
# (its value and the bound are printed) is trained with the other settings at
# their defaults, and compared in standardized units
# (``coef_ * X.std(axis=0) / y.std()``) with:
#
# * the least-squares solution under the same bound on each coefficient,
#   ``|coef| <= 1 / weight_decay``, computed by
#   :func:`scipy.optimize.lsq_linear`;
# * Ridge on standardized data, with ``alpha`` chosen to give the same
#   training R^2 as the AdamW fit.

weight_decay = 3.0
adamw = AdamLinearRegressor(solver="adamw", weight_decay=weight_decay, random_state=0)
with warnings.catch_warnings():
    # The bound holds the coefficients away from the least-squares optimum, so
    # the gradient of the objective never falls to tol: the fit ends at a stall
    # and warns, as intended here.
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
      f"epochs {rate_cuts(adamw.learning_rate_curve_)}, last gradient norm "
      f"{adamw.gradient_norm_curve_[-1]:.3f}, training R^2 {r2_adamw:.4f}")
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
# slow, for the reason given for AdamW above. The fit runs tens of thousands
# of epochs, lowers its rate at the epochs printed, and ends at a stall: the
# gradient of the least-squares objective (printed) stays far above ``tol``,
# since the bound holds the coefficients away from the least-squares
# optimum. With the default ``weight_decay=0.01`` the bound is 100, far
# above any standardized coefficient of this problem, and AdamW's fixed
# point is the least-squares solution, up to the small floor of its
# gradient described above.

plt.show()
