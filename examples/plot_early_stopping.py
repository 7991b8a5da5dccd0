"""
Early stopping on validation data
=================================

With ``early_stopping=True``, :class:`~sklearn_adam.AdamLinearRegressor` scores the model
on held-out rows as it trains, stops once that score has not risen by ``validation_tol``
for ``n_iter_no_change`` epochs (ten times as many at full batch), and keeps the
coefficients of the epoch that scored best. This example trains on a problem where
least squares overfits, plots the training and validation curves, checks that the kept
model is the best epoch's, and shows how to pass your own validation set to ``fit``.
"""

# %%
# A problem that overfits
# -----------------------
#
# 400 rows, 250 features that all carry some signal, and noise of standard deviation 400,
# larger than the effect of any single feature (its true coefficient, as the features
# have unit variance). With 300 training rows for 250 coefficients, the least-squares
# fit follows the noise of the training rows, and its test R^2 is poor.

import math
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression, RidgeCV
from sklearn.model_selection import train_test_split

from sklearn_adam import AdamLinearRegressor

X, y, true_coef = make_regression(
    n_samples=400, n_features=250, n_informative=250, noise=400.0, coef=True, random_state=0
)
print(f"largest true coefficient: {np.abs(true_coef).max():.1f}")
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)
least_squares = LinearRegression().fit(X_train, y_train)
print(f"{X_train.shape[0]} training rows, {X_test.shape[0]} test rows, {X.shape[1]} features")
print(f"LinearRegression: training R^2 {least_squares.score(X_train, y_train):.3f}, ", end="")
print(f"test R^2 {least_squares.score(X_test, y_test):.3f}")

# %%
# Training with early stopping
# ----------------------------
#
# ``validation_fraction=0.2`` holds out a fifth of the training rows, drawn at random
# from ``random_state``; the model trains on the rest. Each epoch is one Adam step on
# all 240 training rows, the default full batch. The held-out rows are scored after the
# first epoch and then after every epoch, or every ``k``-th where one scoring costs more
# than a fifth of an epoch's work: here a scoring of the 60 held-out rows costs more than
# a fifth of a step, so they are scored every second epoch. ``validation_epochs_`` lists
# the scored epochs (counted from 1, as ``n_iter_`` counts), and ``validation_scores_``
# the R^2 of each, so the best epoch is the entry of ``validation_epochs_`` at the
# position of the largest score.

model = AdamLinearRegressor(early_stopping=True, validation_fraction=0.2, random_state=0)
model.fit(X_train, y_train)

scored_epochs = np.asarray(model.validation_epochs_)
scores = np.asarray(model.validation_scores_)
best_index = int(np.argmax(scores))
best_epoch = int(scored_epochs[best_index])
n_validation = math.ceil(0.2 * len(X_train))
print(f"{n_validation} validation rows, {len(X_train) - n_validation} training rows")
print(f"epochs run: {model.n_iter_}, scored epochs: {len(scored_epochs)}", end=" ")
print(f"({scored_epochs[:4].tolist()} ... {scored_epochs[-1]})")
print(f"best epoch: {best_epoch}")
print(f"best validation R^2: {model.best_validation_score_:.4f}")
print(f"validation R^2 of the last epoch: {scores[-1]:.4f}")

# %%
# The curves
# ----------
#
# ``loss_curve_`` is the training objective of each epoch and ``validation_loss_curve_``
# the squared-error loss on the held-out rows after each scored epoch, both on the same
# scale: half the
# mean squared error divided by the variance of the training target, so that predicting
# the mean of the target gives a loss of about 0.5. The validation loss is lowest where
# the validation R^2 is highest, since both come from the same residuals:

lowest_loss_epoch = int(scored_epochs[np.argmin(model.validation_loss_curve_)])
print(f"epoch of the lowest validation loss: {lowest_loss_epoch}")

# %%
# Training stops once the validation score has not risen by ``validation_tol`` (1e-4 of
# R^2 by default) over its best in ``n_iter_no_change`` epochs; at full batch the
# patience is ten times as many, ``10 * n_iter_no_change``, as each epoch is a single
# step and Adam's momentum can carry the coefficients for a few hundred of them. A
# scoring every second epoch counts for two. A stalled score ends training at once: it
# does not lower the learning rate or grow the batch first.

epochs = np.arange(1, model.n_iter_ + 1)
after_best = model.n_iter_ - best_epoch
patience = 10 * model.n_iter_no_change
print(f"epochs run after the best one: {after_best}, patience: {patience} epochs")
print(f"learning rates used: {sorted(set(model.learning_rate_curve_))}")

fig, (ax_loss, ax_score) = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
ax_loss.plot(epochs, model.loss_curve_, label="training loss")
ax_loss.plot(scored_epochs, model.validation_loss_curve_, label="validation loss")
ax_loss.plot(
    best_epoch,
    model.validation_loss_curve_[best_index],
    "o",
    color="C3",
    label=f"best epoch ({best_epoch})",
)
ax_loss.set_ylabel("half MSE / variance of y")
ax_loss.set_title("Losses")

ax_score.plot(scored_epochs, scores, color="C1", label="validation R^2")
ax_score.plot(best_epoch, model.best_validation_score_, "o", color="C3", label="kept model")
ax_score.set_ylabel("R^2 on the validation rows")
ax_score.set_title("Validation score")

for ax in (ax_loss, ax_score):
    ax.axvline(best_epoch, color="C3", lw=1)
    ax.axvline(model.n_iter_, color="0.5", ls=":", lw=1, label="last epoch")
    ax.set_xlabel("epoch")
    ax.legend()
fig.suptitle(f"Early stopping: {X.shape[1]} features, {len(X_train) - n_validation} training rows")
plt.show()

# %%
# The training loss falls for as long as training runs. The validation loss falls for
# the first epochs, reaches its lowest value at the best epoch, and then rises for the
# rest of the run: the model fits the noise of its training rows more and more closely.
#
# Training goes on past the best epoch for exactly the patience printed above: the
# score at epoch 26 was the last to beat the best by more than ``validation_tol``, and
# after 200 more epochs without such a rise, the scoring at epoch 226 ends training.
# The learning rate stayed at 0.01 throughout. The extra epochs cost little: each is one
# step, and every second one a prediction on the 60 validation rows.

# %%
# The kept model is the best epoch's
# ----------------------------------
#
# ``coef_`` and ``intercept_`` are those of the best epoch, not of the last one. Two
# checks. First, ``best_validation_score_`` is the largest of ``validation_scores_``,
# the score recorded at the best epoch. Second, a fit asked for exactly ``best_epoch``
# epochs: with the same ``random_state`` the run is identical up to there, so that
# fit's last epoch is the best epoch, and its coefficients must be ``coef_`` bit for bit.

print("best_validation_score_ == max(validation_scores_):", end=" ")
print(model.best_validation_score_ == scores[best_index])

with warnings.catch_warnings():
    # This fit is stopped at max_iter on purpose, and warns that it did not converge.
    warnings.simplefilter("ignore", ConvergenceWarning)
    truncated = AdamLinearRegressor(
        early_stopping=True, validation_fraction=0.2, max_iter=best_epoch, random_state=0
    ).fit(X_train, y_train)
print(f"fit of {truncated.n_iter_} epochs has the same coef_:", end=" ")
print(np.array_equal(truncated.coef_, model.coef_), end=", ")
print("same intercept_:", truncated.intercept_ == model.intercept_)

# %%
# On the test rows
# ----------------
#
# The early-stopped model against the least-squares solution, the same estimator
# trained on all training rows without early stopping, and a ridge regression whose
# penalty is chosen by cross-validation:

no_stopping = AdamLinearRegressor(random_state=0).fit(X_train, y_train)
ridge = RidgeCV(alphas=np.logspace(-2, 5, 30)).fit(X_train, y_train)
test_scores = {
    "AdamLinearRegressor, early stopping": model.score(X_test, y_test),
    "AdamLinearRegressor, no early stopping": no_stopping.score(X_test, y_test),
    "LinearRegression": least_squares.score(X_test, y_test),
    f"RidgeCV (alpha={ridge.alpha_:.3g})": ridge.score(X_test, y_test),
}
for name, score in test_scores.items():
    print(f"{name:>40}: test R^2 {score:.3f}")

# %%
# Without early stopping, ``AdamLinearRegressor`` trains to the least-squares solution
# and shares its poor test score. Stopping at the best validation epoch keeps
# the coefficients nearer their zero start, much as a penalty would, and gives a much
# better test R^2, although the model saw a fifth fewer training rows. A ridge penalty
# chosen by cross-validation does better still on this problem. Early stopping
# needs no grid of penalties to search: the validation score decides when to stop.

# %%
# Passing a validation set to ``fit``
# -----------------------------------
#
# To choose the validation rows yourself (for instance rows from a later period, or a
# set shared between several models), pass them as ``X_val`` and ``y_val``. Every row of
# ``X`` is then used for training, and ``validation_fraction`` is ignored. Here the
# validation rows are again a fifth of the training set, split off by hand.

X_fit, X_val, y_fit, y_val = train_test_split(X_train, y_train, test_size=0.2, random_state=1)
explicit = AdamLinearRegressor(early_stopping=True, random_state=0)
explicit.fit(X_fit, y_fit, X_val=X_val, y_val=y_val)

explicit_best = explicit.validation_epochs_[int(np.argmax(explicit.validation_scores_))]
print(f"{len(X_fit)} training rows, {len(X_val)} validation rows")
print(f"epochs run: {explicit.n_iter_}, best epoch: {explicit_best}")
print(f"best_validation_score_:          {explicit.best_validation_score_:.6f}")
print(f"score(X_val, y_val) of the model: {explicit.score(X_val, y_val):.6f}")
print(f"test R^2: {explicit.score(X_test, y_test):.3f}")

# %%
# With the validation rows in hand, the check is direct: the fitted model's R^2 on them
# is ``best_validation_score_``. Its best epoch and test R^2 differ a little from those
# of the first early-stopped model, which trained and validated on other rows.
