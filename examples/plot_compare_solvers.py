"""
Adam against the closed form and scikit-learn's iterative solvers
=================================================================

:class:`~sklearn_adam.AdamLinearRegressor` minimizes the least-squares objective of
:class:`~sklearn.linear_model.LinearRegression` (or of :class:`~sklearn.linear_model.Ridge`
with ``alpha > 0``), which scikit-learn also solves in closed form. This example fits the
same three problems with the closed form, with ``AdamLinearRegressor`` at its defaults and
with settings that train until the objective stops improving, and with two iterative
solvers of scikit-learn that can fit a linear model: :class:`~sklearn.linear_model.SGDRegressor`
and :class:`~sklearn.neural_network.MLPRegressor` without hidden layers, which is a linear
model trained by Adam. For each fit it reports the test R^2, how far the coefficients are
from the closed-form ones, and the fit time.
"""

# %%
# Three problems
# --------------
#
# * **diabetes**: scikit-learn's diabetes data, 10 correlated features, ordinary least
#   squares.
# * **mixed units**: a generated problem with 6 features whose units differ by factors of
#   ten, from 0.01 to 1000, ordinary least squares.
# * **ridge**: the mixed-units data with an L2 penalty. Ridge's penalty depends on the
#   units of the features, so in this problem every method, the closed form included,
#   is fitted on standardized features (a :class:`~sklearn.preprocessing.StandardScaler`
#   in a pipeline), and they all minimize one objective.
#
# The train/test split keeps 800 of the 1000 generated rows for training; the reason is
# given with the solvers below.

import time
import warnings
from statistics import median

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import load_diabetes, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression, Ridge, SGDRegressor
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_adam import AdamLinearRegressor

X_diabetes, y_diabetes = load_diabetes(return_X_y=True)
X_mixed, y_mixed = make_regression(
    n_samples=1000, n_features=6, n_informative=6, noise=10.0, random_state=0
)
units = 10.0 ** np.arange(-2, 4)
X_mixed = X_mixed * units
feature_stds = ", ".join(f"{std:.3g}" for std in X_mixed.std(axis=0))
print(f"standard deviations of the mixed-units features: {feature_stds}")
print(f"standard deviation of the diabetes target: {y_diabetes.std():.1f}")

ridge_alpha = 200.0
problems = {
    "diabetes": (*train_test_split(X_diabetes, y_diabetes, random_state=0), 0.0),
    "mixed units": (*train_test_split(X_mixed, y_mixed, train_size=800, random_state=0), 0.0),
    "ridge": (
        *train_test_split(X_mixed, y_mixed, train_size=800, random_state=0),
        ridge_alpha,
    ),
}
for name, (X_train, X_test, *_, alpha) in problems.items():
    print(f"{name}: {len(X_train)} training rows, {len(X_test)} test rows, alpha={alpha}")

# %%
# The solvers
# -----------
#
# Each problem's penalty is translated into each estimator's own convention, so that
# all of them minimize the same objective, Ridge's
# ``sum_i (y_i - x_i w - b)**2 + alpha * ||w||**2`` (``alpha = 0`` for ordinary least
# squares):
#
# * ``AdamLinearRegressor(alpha=alpha)`` and ``Ridge(alpha=alpha)`` use this objective
#   directly. ``AdamLinearRegressor`` standardizes features and target internally, so it
#   is fitted on the raw features in the two least-squares problems.
# * ``SGDRegressor`` minimizes the mean of half squared errors plus ``alpha / 2 * ||w||**2``:
#   Ridge's objective divided by ``2 n``, with its ``alpha`` set to ``alpha / n``
#   (``n`` training rows). Its default is ``alpha=1e-4``, so we pass 0 for least squares.
# * ``MLPRegressor`` minimizes half the mean squared error plus
#   ``alpha / (2 m) * ||w||**2``, where ``m`` is the number of rows in the mini-batch,
#   not in the training set. With 800 training rows its default batches of 200 are four
#   equal batches, and ``alpha / 4`` gives Ridge's penalty. Its default is
#   ``alpha=1e-4``; we pass 0 for least squares.
#
# Neither scales the data itself, so both are fitted behind a ``StandardScaler``, for
# different reasons. SGD's step is its learning rate times the gradient, one rate for
# every coefficient: on features whose scales differ by factors of ten the problem is
# badly conditioned, and any single rate is too large for some coordinates and too small
# for others. MLP's Adam, in contrast, moves each coefficient by about
# ``learning_rate_init`` per step, whatever the gradient's size, so the coefficients must
# be of order one to be reached in a few epochs. For the same reason MLP also gets a
# standardized target: coefficients of the size of the diabetes target (its standard
# deviation is printed above) would take thousands of epochs to reach. The target is
# scaled through :class:`~sklearn.compose.TransformedTargetRegressor`, which scales the
# objective but does not move its minimum. Its ``learning_rate_init`` is set to 0.01, the
# default rate of ``AdamLinearRegressor``; everything else is left at the defaults (200
# epochs at most, and the stopping rule described with the results).
#
# "Adam, exact" is ``tol=0, n_iter_no_change=100, max_iter=5000``: train until the
# objective stops improving at all.


def make_models(alpha, n_train, standardized_problem):
    """The estimators to compare, for one problem."""

    def scaled(estimator):
        return make_pipeline(StandardScaler(), estimator) if standardized_problem else estimator

    adam_exact = {"tol": 0.0, "n_iter_no_change": 100, "max_iter": 5000}
    closed_form = Ridge(alpha=alpha) if alpha > 0 else LinearRegression()
    mlp = MLPRegressor(
        hidden_layer_sizes=(), alpha=alpha * 200 / n_train, learning_rate_init=0.01, random_state=0
    )
    return {
        "closed form": scaled(closed_form),
        "Adam, defaults": scaled(AdamLinearRegressor(alpha=alpha, random_state=0)),
        "Adam, exact": scaled(AdamLinearRegressor(alpha=alpha, **adam_exact, random_state=0)),
        "SGDRegressor": make_pipeline(
            StandardScaler(), SGDRegressor(alpha=alpha / n_train, random_state=0)
        ),
        "MLPRegressor": make_pipeline(
            StandardScaler(), TransformedTargetRegressor(mlp, transformer=StandardScaler())
        ),
    }


def coefficients_and_epochs(model):
    """Coefficients in the units of the original features, and the number of epochs."""
    scale = 1.0
    if isinstance(model, Pipeline):
        scale = model[0].scale_
        model = model[-1]
    if isinstance(model, TransformedTargetRegressor):
        mlp = model.regressor_
        coef = mlp.coefs_[0].ravel() * model.transformer_.scale_[0]
        return coef / scale, mlp.n_iter_
    return model.coef_ / scale, getattr(model, "n_iter_", np.nan)


def timed_fit(model, X, y, repeats=3):
    """Fit clones of ``model`` ``repeats`` times; return the last one and the median time."""
    times = []
    for _ in range(repeats):
        fitted = clone(model)
        start = time.perf_counter()
        fitted.fit(X, y)
        times.append(time.perf_counter() - start)
    return fitted, median(times)


# %%
# Fitting
# -------
#
# Every model is fitted three times and the median time is kept. The convergence
# warnings of ``SGDRegressor`` and ``MLPRegressor`` are silenced here; the number of
# epochs each method ran is in the table instead.

# One fit first so that the compiled training loop is loaded before anything is timed.
AdamLinearRegressor(random_state=0).fit(X_diabetes, y_diabetes)

rows, coefficients = [], {}
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    for problem, (X_train, X_test, y_train, y_test, alpha) in problems.items():
        models = make_models(alpha, len(X_train), standardized_problem=alpha > 0)
        for method, model in models.items():
            fitted, seconds = timed_fit(model, X_train, y_train)
            coef, epochs = coefficients_and_epochs(fitted)
            coefficients[problem, method] = coef
            rows.append(
                {
                    "problem": problem,
                    "method": method,
                    "test R^2": fitted.score(X_test, y_test),
                    "coef": coef,
                    "epochs": epochs,
                    "fit time (ms)": 1000 * seconds,
                }
            )

results = pd.DataFrame(rows)
# Each coefficient times the standard deviation of its feature in the training rows.
train_std = {problem: X_train.std(axis=0) for problem, (X_train, *_) in problems.items()}
reference = [coefficients[p, "closed form"] * train_std[p] for p in results["problem"]]
scaled_coef = [c * train_std[p] for c, p in zip(results["coef"], results["problem"])]
results["relative coef error"] = [
    np.linalg.norm(c - w) / np.linalg.norm(w) for c, w in zip(scaled_coef, reference)
]
table = results.drop(columns="coef").set_index(["problem", "method"])
table = table[["test R^2", "relative coef error", "epochs", "fit time (ms)"]]
formats = {
    "test R^2": "{:.4f}",
    "relative coef error": "{:.1e}",
    "epochs": "{:.0f}",
    "fit time (ms)": "{:.2f}",
}
shown = table.apply(lambda column: column.map(formats[column.name].format))
shown["epochs"] = shown["epochs"].replace("nan", "")
shown  # noqa: B018 (sphinx-gallery shows the last expression of a cell as a table)

# %%
# What the table shows
# --------------------
#
# The relative coefficient error is ``||w - w*|| / ||w*||``, with ``w*`` the closed-form
# coefficients. Before the norms are taken, each coefficient is multiplied by the
# standard deviation of its feature in the training rows: the change of the prediction
# for one standard deviation of the feature. This measures every feature's contribution
# to the prediction on one scale; in the units of the original features, the error on
# the mixed-units problems would be that of the few features with the largest
# coefficients alone.


errors = table["relative coef error"].unstack()
r2_gap = (table["test R^2"] - table["test R^2"].xs("closed form", level="method")).abs().unstack()
times = table["fit time (ms)"].unstack()
print("epochs:")
print(table["epochs"].unstack().drop(columns="closed form").to_string(float_format="{:.0f}".format))
print("\nrelative coefficient error:")
print(errors.drop(columns="closed form").to_string(float_format="{:.1e}".format))
print("\n|test R^2 - closed form's test R^2|:")
print(r2_gap.drop(columns="closed form").to_string(float_format="{:.1e}".format))
slowdown = times.drop(columns="closed form").div(times["closed form"], axis=0)
print("\nrelative coefficient error / that of Adam at its defaults:")
versus_adam = errors[["SGDRegressor", "MLPRegressor"]].div(errors["Adam, defaults"], axis=0)
print(versus_adam.to_string(float_format="{:.1f}".format))
print("\nfit time / closed form's fit time:")
print(slowdown.to_string(float_format="{:.1f}".format))
print("\nmethods from fastest to slowest in this run:")
for problem, row in times.iterrows():
    print(f"{problem}: {' < '.join(row.sort_values().index)}")
for problem, (X_train, *_) in problems.items():
    condition = np.linalg.cond(StandardScaler().fit_transform(X_train))
    print(f"{problem}: condition number of the standardized training features {condition:.1f}")

# %%
# With ``tol=0`` and a patience of 100 epochs, ``AdamLinearRegressor`` reproduces the
# closed-form coefficients on all three problems (the "Adam, exact" column of the
# relative errors). The diabetes fit is the least exact and needs the most epochs: its
# standardized features are correlated (the largest condition number printed), so the
# objective is nearly flat along some directions, where Adam moves slowly.
#
# At its defaults ``AdamLinearRegressor`` stops earlier. On the generated data its
# coefficients still agree with the closed form to a fraction of a percent. On diabetes
# they are far off, yet its test R^2 is within a few thousandths of the closed form's:
# very different coefficients give almost the same predictions there.
#
# ``SGDRegressor`` and ``MLPRegressor`` stop, by their own default rules, after a few tens
# of epochs, where ``AdamLinearRegressor`` goes on for hundreds, growing its batch and
# then lowering its rate each time the objective stalls. ``SGDRegressor`` stops once its
# objective (the loss plus the penalty, averaged over the epoch) has failed to improve on
# its best by at least ``tol=1e-3`` for ``n_iter_no_change=5`` epochs in a row.
# ``MLPRegressor`` stops once its training loss (penalty included) has failed to improve
# on its best by at least ``tol=1e-4`` more than ``n_iter_no_change=10`` times in a row,
# that is, for 11 epochs. On the generated problems their coefficients are much further
# from the closed form than those of Adam at its defaults (the ratios of the relative
# errors are printed above), though their test R^2 is as good. On diabetes every fit
# that stops early, Adam's at its defaults included, is far from the closed form, and
# the ratios there are of order one.
#
# Every fit takes milliseconds to tens of milliseconds on problems this small (the
# table's last column); times vary from run to run, and so may the order of methods whose
# times are close. The closed form and ``SGDRegressor``, which runs few and cheap epochs,
# are the fastest, within a small factor of each other. ``AdamLinearRegressor`` at its
# defaults and ``MLPRegressor`` take several to tens of times as long as the closed form,
# and the exact Adam settings, which run by far the most epochs, take the longest. An
# iterative solver earns its cost when a factorization of ``X`` is too expensive (many
# rows, sparse data) or when the data arrive in chunks, for ``partial_fit``.

# %%
# Coefficient agreement
# ---------------------
#
# Each panel plots every method's coefficients against the closed-form ones; points on
# the diagonal agree. As in the table, each coefficient is multiplied by the standard
# deviation of its feature in the training rows, which puts features of different units
# on one axis.

markers = {
    "Adam, defaults": ("o", 9),
    "Adam, exact": ("+", 11),
    "SGDRegressor": ("s", 6),
    "MLPRegressor": ("^", 6),
}
fig, axes = plt.subplots(1, len(problems), figsize=(13, 4.8), layout="constrained")
for ax, problem in zip(axes, problems):
    feature_std = train_std[problem]
    reference_std = coefficients[problem, "closed form"] * feature_std
    low, high = reference_std.min(), reference_std.max()
    margin = 0.08 * (high - low)
    diagonal = [low - margin, high + margin]
    ax.plot(diagonal, diagonal, color="0.6", lw=1, label="closed form (diagonal)")
    for method, (marker, size) in markers.items():
        ax.plot(
            reference_std,
            coefficients[problem, method] * feature_std,
            marker,
            markersize=size,
            mfc="none" if marker == "o" else None,
            label=method,
        )
    ax.set_title(problem)
    ax.set_xlabel("closed-form coefficient x feature std")
axes[0].set_ylabel("method's coefficient x feature std")
fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=5)
fig.suptitle("Coefficients of each method against the closed form")
plt.show()

# %%
# The crosses of the exact Adam fits sit on the diagonal in every panel. On diabetes
# the other iterative fits, Adam at its defaults included, scatter around it: the data
# determine the coefficients only weakly there, and stopping early leaves them away from
# the least-squares solution even though the predictions are about as good. On the two
# generated problems every method lies on the diagonal at the scale of the plot; the
# differences there are too small to see, and the table's relative errors, computed on
# the same scaled coefficients, give their size.
