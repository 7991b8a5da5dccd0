"""Every loss over problems drawn at random (hypothesis): no quiet wrong answers.

For any finite data a loss can take, a fit at the default settings returns
finite coefficients that do at least as well as the peer on the loss's own
objective (``PoissonRegressor``, ``GammaRegressor`` to 1e-6; the pinball
loss and the absolute error to ``QuantileRegressor(solver="highs")``, at what
holds before the exact finish of the non-smooth losses lands), or raises an
error that names the cause; nothing passed is modified; dense and CSR
storage, and integer weights and repeated rows, take the same steps; a
stream of chunks gives finite coefficients; early stopping stops, and keeps
the epoch of the best D^2, scikit-learn's metric of the loss. Problems are drawn over every
loss, float64 and float32, feature offsets and scales from 1e-12 to 1e12,
targets of any positive scale for the log link (counts for Poisson), constant
and empty columns and sample weights.
"""

import copy
import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from scipy.optimize import minimize_scalar
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import GammaRegressor, HuberRegressor, PoissonRegressor, QuantileRegressor
from sklearn.metrics import (
    d2_pinball_score,
    d2_tweedie_score,
    mean_gamma_deviance,
    mean_pinball_loss,
    mean_poisson_deviance,
    r2_score,
)

from sklearn_adam import AdamLinearRegressor
from sklearn_adam._objective._losses import LOSSES
from sklearn_adam._objective._robust import weighted_quantile

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

# The errors a fit may raise on data it cannot take, each naming its cause.
NAMED_CAUSES = r"vary by only|diverged|outside the range of float"

# Each example is a fit of up to 120 rows; a log-link or pinball fit takes
# some hundred milliseconds uncompiled.
SETTINGS = settings(max_examples=20, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


@st.composite
def problems(draw):
    """(loss, quantile, X, y, sample_weight) of one random problem."""
    loss = draw(st.sampled_from(LOSSES))
    quantile = draw(st.sampled_from([0.1, 0.5, 0.9]))
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    n_samples = draw(st.integers(20, 120))
    n_features = draw(st.integers(1, 4))
    rng = np.random.RandomState(draw(st.integers(0, 2**31 - 1)))
    X = rng.randn(n_samples, n_features)
    if draw(st.booleans()):
        X[rng.rand(n_samples, n_features) < 0.6] = 0.0  # sparse-like
    linear = X @ (rng.randn(n_features) * 0.5 / np.sqrt(n_features)) + rng.randn()
    for j in range(n_features):
        kind = draw(st.sampled_from(["plain", "offset", "constant", "empty"]))
        if kind == "offset":
            X[:, j] += 10.0 ** draw(st.integers(1, 8)) * draw(st.sampled_from([-1, 1]))
        elif kind == "constant":
            X[:, j] = draw(st.floats(-1e3, 1e3, allow_nan=False))
        elif kind == "empty":
            X[:, j] = 0.0
        X[:, j] *= 10.0 ** draw(st.integers(-12, 12))
    y_scale = 10.0 ** draw(st.integers(-12, 12))
    if loss == "poisson":
        y = rng.poisson(np.exp(linear)).astype(float)
    elif loss == "gamma":
        y = rng.gamma(2.0, np.exp(linear) / 2.0) * y_scale
    else:
        y = (linear + rng.standard_t(3, n_samples)) * y_scale
    weight = rng.uniform(0.1, 2, n_samples) if draw(st.booleans()) else None
    X, y = X.astype(dtype), y.astype(dtype)
    if draw(st.booleans()):
        X = sp.csr_matrix(X)
    return loss, quantile, X, y, weight


def mean_loss(loss, quantile, y, prediction, weight):
    """The loss's weighted mean over the rows, as the peers' metrics compute it."""
    if loss == "poisson":
        return mean_poisson_deviance(y, prediction, sample_weight=weight)
    if loss == "gamma":
        return mean_gamma_deviance(y, prediction, sample_weight=weight)
    if loss == "squared_error":
        return np.average((y - prediction) ** 2, weights=weight)
    alpha = quantile if loss == "quantile" else 0.5
    return mean_pinball_loss(y, prediction, alpha=alpha, sample_weight=weight)


def peer_loss(loss, quantile, X, y, weight):
    """The peer's optimum of the loss, on float64 data; NaN where the peer fails."""
    if loss == "poisson":
        peer = PoissonRegressor(alpha=0, tol=1e-12, max_iter=1000, solver="newton-cholesky")
    elif loss == "gamma":
        peer = GammaRegressor(alpha=0, tol=1e-12, max_iter=1000, solver="newton-cholesky")
    elif loss == "squared_error":
        return np.nan  # held to LinearRegression in tests/test_properties.py
    elif loss == "huber":
        peer = HuberRegressor(alpha=0, tol=1e-12, max_iter=10_000)
    else:
        peer = QuantileRegressor(quantile=quantile if loss == "quantile" else 0.5, alpha=0,
                                 solver="highs")
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            peer.fit(X, y, sample_weight=weight)
        except (ValueError, TypeError):  # highs finds no solution on some extreme data
            return np.nan
        if getattr(peer, "n_iter_", 0) >= 1000 and loss != "huber":
            return np.nan
        if loss == "huber":
            return huber_objective(y, peer.predict(X), peer.scale_, weight)
        return mean_loss(loss, quantile, y, peer.predict(X), weight)


def huber_objective(y, prediction, scale, weight, epsilon=1.35):
    """HuberRegressor's objective at ``alpha=0``, per unit weight (at a zero scale, its limit)."""
    weight = np.ones_like(y) if weight is None else weight
    residual = np.abs(y - prediction)
    if scale == 0:
        return np.average(2 * epsilon * residual, weights=weight)
    z = residual / scale
    huber = np.where(z < epsilon, z * z, 2 * epsilon * z - epsilon * epsilon)
    return np.average(scale * (1 + huber), weights=weight)


def fit_or_named_cause(model, *args, **kwargs):
    """``model`` fitted, or None after an error that names its cause; no other warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("error", RuntimeWarning)
        try:
            return model.fit(*args, **kwargs)
        except (ValueError, FloatingPointError) as error:
            assert re.search(NAMED_CAUSES, str(error)), str(error)
            return None


@SETTINGS
@given(problem=problems())
def test_every_loss_does_as_well_as_its_peer_or_names_the_cause(problem):
    loss, quantile, X, y, weight = problem
    passed = copy.deepcopy((X, y, weight))
    model = fit_or_named_cause(AdamLinearRegressor(loss=loss, quantile=quantile,
                                                   random_state=0), X, y, sample_weight=weight)
    for before, after in zip(passed, (X, y, weight)):
        if sp.issparse(before):
            before, after = before.toarray(), after.toarray()
        assert_array_equal(after, before)
    if model is None:
        return
    assert np.isfinite(model.coef_).all() and np.isfinite(model.intercept_)
    prediction = model.predict(X).astype(np.float64)
    assert np.isfinite(prediction).all()
    X_64 = (X.toarray() if sp.issparse(X) else X).astype(np.float64)
    y_64 = y.astype(np.float64)
    best = peer_loss(loss, quantile, X_64, y_64, weight)
    hypothesis.assume(np.isfinite(best) and X.dtype == np.float64)
    if loss == "huber":
        reached = huber_objective(y_64, prediction, float(model.scale_), weight)
    else:
        reached = mean_loss(loss, quantile, y_64, prediction, weight)
    tolerance = 1e-6 if loss in ("poisson", "gamma") else 1e-4
    size = mean_loss(loss, quantile, y_64, np.full_like(y_64, np.average(y_64)), weight)
    assert reached <= best + tolerance * max(best, 1e-3 * size)


@SETTINGS
@given(problem=problems(), n_chunks=st.integers(1, 4))
def test_every_loss_streams_to_finite_coefficients_or_names_the_cause(problem, n_chunks):
    loss, quantile, X, y, weight = problem
    model = AdamLinearRegressor(loss=loss, quantile=quantile, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        try:
            for chunk in np.array_split(np.arange(X.shape[0]), n_chunks):
                model.partial_fit(X[chunk], y[chunk],
                                  sample_weight=None if weight is None else weight[chunk])
        except (ValueError, FloatingPointError) as error:
            assert re.search(NAMED_CAUSES, str(error)), str(error)
            return
    assert np.isfinite(model.coef_).all() and np.isfinite(model.intercept_)


@SETTINGS
@given(problem=problems(), repeats_seed=st.integers(0, 100))
def test_every_loss_takes_the_same_steps_on_dense_sparse_and_repeated_rows(
        problem, repeats_seed):
    loss, quantile, X, y, _ = problem
    hypothesis.assume(X.dtype == np.float64)
    dense = X.toarray() if sp.issparse(X) else X
    repeats = np.random.RandomState(repeats_seed).randint(0, 3, X.shape[0])
    # Counts all zero have no finite optimum (the intercept runs to minus
    # infinity): the coefficients' gradients are then rounding errors, whose
    # signs Adam's steps follow, and which differ between the two storages.
    hypothesis.assume(np.any(y[repeats > 0] > 0) or loss != "poisson")

    def fit(*args, **kwargs):
        return fit_or_named_cause(AdamLinearRegressor(loss=loss, quantile=quantile,
                                                      max_iter=15, random_state=0),
                                  *args, **kwargs)

    fits = [fit(dense, y), fit(sp.csr_matrix(dense), y),
            fit(dense, y, sample_weight=repeats.astype(float)),
            fit(np.repeat(dense, repeats, axis=0), np.repeat(y, repeats))]
    # Compared in the units the solver moves, the coefficients of standardized
    # features: the first steps of Adam are of the learning rate whatever the
    # size of the gradient, so the rounding of a gradient near zero shows there,
    # and so does the rounding of sums over a column of large offset (1e8 times
    # its spread): held to 1e-4 of the distance the steps could go.
    spread = np.std(dense, axis=0)
    for first, second in (fits[:2], fits[2:]):
        # A cause named for one storage is named for the other.
        assert (first is None) == (second is None)
        if first is not None:
            assert_allclose(second.coef_ * spread, first.coef_ * spread, rtol=1e-4,
                            atol=1e-4 * first.learning_rate * first.n_iter_)


def d2(loss, quantile, y, prediction, weight, scale=None):
    """scikit-learn's D^2 of the loss (R^2 for the squared error)."""
    if loss == "squared_error":
        return r2_score(y, prediction, sample_weight=weight)
    if loss in ("poisson", "gamma"):
        power = 1 if loss == "poisson" else 2
        return d2_tweedie_score(y, prediction, power=power, sample_weight=weight)
    if loss == "huber":
        return huber_d2(y, prediction, scale, weight)
    alpha = quantile if loss == "quantile" else 0.5
    return d2_pinball_score(y, prediction, alpha=alpha, sample_weight=weight)


def huber_d2(y, prediction, scale, weight, epsilon=1.35):
    """One minus HuberRegressor's objective of the predictions at the model's scale over that
    of the weighted median at its best scale (found here by a bounded search)."""
    weight = np.ones_like(y) if weight is None else weight

    def objective(residual, sigma):
        z = np.abs(residual) / sigma
        huber = np.where(z < epsilon, z * z, 2 * epsilon * z - epsilon * epsilon)
        return weight @ (sigma * (1 + huber))

    median = weighted_quantile(y, weight, 0.5)
    spread = max(np.abs(y - median).max(), 1e-300)
    best = minimize_scalar(lambda t: objective(y - median, spread * np.exp(t)),
                           bounds=(-40, 0), method="bounded", options={"xatol": 1e-12})
    return 1 - objective(y - prediction, scale) / best.fun


@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(problem=problems(), n_iter_no_change=st.sampled_from([3, 20]))
def test_every_loss_stops_early_on_its_d2_and_keeps_the_best_epoch(problem, n_iter_no_change):
    loss, quantile, X, y, weight = problem
    hypothesis.assume(X.dtype == np.float64 and X.shape[0] >= 40)
    hypothesis.assume(np.ptp(y[-10:]) > 0)  # D^2 of constant targets is undefined
    train, held_out = slice(0, -10), slice(-10, None)
    weight_val = None if weight is None else weight[held_out]
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        stopped = AdamLinearRegressor(
            loss=loss, quantile=quantile, early_stopping=True,
            n_iter_no_change=n_iter_no_change, random_state=0,
        ).fit(X[train], y[train], None if weight is None else weight[train],
              X_val=X[held_out], y_val=y[held_out], sample_weight_val=weight_val)
    assert stopped.n_iter_ < stopped.max_iter
    assert np.isfinite(stopped.coef_).all()
    assert stopped.best_validation_score_ == max(stopped.validation_scores_)
    kept = d2(loss, quantile, y[held_out], stopped.predict(X[held_out]), weight_val,
              getattr(stopped, "scale_", None))
    assert_allclose(kept, stopped.best_validation_score_, rtol=0, atol=1e-9)
