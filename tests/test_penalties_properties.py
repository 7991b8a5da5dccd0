"""Every penalty with every loss, path and chunking over problems drawn at random (hypothesis).

For a drawn problem, penalty (``"l2"``, ``"l1"``, ``"elasticnet"`` with a
drawn ``l1_ratio``), loss and path (full batch, mini-batches, a stream of
drawn chunks by ``partial_fit``, CSR storage), a fit returns finite
coefficients or an error naming its cause, and modifies nothing it was
given. A full-batch fit that converged (no ConvergenceWarning) is certified
by the penalty's own stationarity measure, the distance of the negative
gradient to the subdifferential, at most the fit's target; with the
squared error it is certified independently, by the lasso's optimality
conditions on the coefficients as given (exact zeros where the gradient
stays inside the penalty's interval, the stationary equation elsewhere),
and its zeros are those of :class:`~sklearn.linear_model.ElasticNet` at
``tol=1e-12`` wherever that optimum's zero is strict. CSR storage takes
the dense fit's steps.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import ElasticNet, QuantileRegressor

from sklearn_adam import AdamLinearRegressor
from sklearn_adam._objective._losses import LOSSES
from sklearn_adam._progress import gradient_target

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

NAMED_CAUSES = r"vary by only|diverged|outside the range of float"

SETTINGS = settings(max_examples=12, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


@st.composite
def penalties(draw):
    """Keywords of one penalty, its strength drawn on a log scale."""
    penalty = draw(st.sampled_from(["l2", "l1", "elasticnet"]))
    l1_ratio = draw(st.floats(0.0, 1.0)) if penalty == "elasticnet" else None
    return {"penalty": penalty, "l1_ratio": l1_ratio,
            "alpha": 10.0 ** draw(st.integers(-3, 0))}


@st.composite
def problems(draw, losses=LOSSES):
    """(loss, X, y, sample_weight): a few informative features, the rest null."""
    loss = draw(st.sampled_from(losses))
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    n_samples, n_features = draw(st.integers(30, 100)), draw(st.integers(1, 6))
    rng = np.random.RandomState(draw(st.integers(0, 2**31 - 1)))
    X = rng.randn(n_samples, n_features) * 10.0 ** rng.uniform(-2, 2, n_features)
    X += rng.uniform(-5, 5, n_features) * draw(st.sampled_from([0, 1]))
    coef = rng.randn(n_features) * (rng.rand(n_features) < 0.5)
    linear = ((X - X.mean(0)) / X.std(0)) @ coef * 0.4 + 0.5
    if loss == "poisson":
        y = rng.poisson(np.exp(linear)).astype(float)
    elif loss == "gamma":
        y = rng.gamma(2.0, np.exp(linear) / 2.0)
    else:
        y = (3 * linear + rng.standard_t(3, n_samples)) * 10.0 ** draw(st.integers(-3, 3))
    weight = rng.uniform(0.1, 2, n_samples) if draw(st.booleans()) else None
    return loss, X.astype(dtype), y.astype(dtype), weight


def _fit(model, X, y, weight, chunks=None):
    """Fit (or stream in ``chunks`` rows at a time); the warnings it gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if chunks is None:
            model.fit(X, y, sample_weight=weight)
        else:
            for start in range(0, X.shape[0], chunks):
                rows = slice(start, start + chunks)
                model.partial_fit(X[rows], y[rows],
                                  sample_weight=None if weight is None else weight[rows])
    return [w for w in caught if issubclass(w.category, ConvergenceWarning)]


@SETTINGS
@given(problem=problems(), penalty=penalties(),
       path=st.sampled_from(["full", "mini-batches", "stream", "csr"]),
       chunks=st.integers(7, 40))
def test_every_penalty_loss_and_path_gives_finite_certified_coefficients(
        problem, penalty, path, chunks):
    loss, X, y, weight = problem
    given = [a.copy() for a in (X, y) + (() if weight is None else (weight,))]
    params = {"loss": loss, "random_state": 0, **penalty}
    params.update({"mini-batches": {"batch_size": 16, "max_iter": 30},
                   "stream": {}}.get(path, {"batch_size": "full", "max_iter": 20_000}))
    model = AdamLinearRegressor(**params)
    data = sp.csr_matrix(X) if path == "csr" else X
    try:
        not_converged = _fit(model, data, y, weight, chunks if path == "stream" else None)
    except ValueError as error:
        assert any(cause in str(error) for cause in NAMED_CAUSES.split("|")), error
        return
    for before, after in zip(given, (X, y) + (() if weight is None else (weight,))):
        assert_array_equal(before, after)
    assert np.all(np.isfinite(model.coef_)) and np.all(np.isfinite(model.intercept_))
    if path == "csr":
        dense = AdamLinearRegressor(**params)
        _fit(dense, X, y, weight)
        assert_allclose(model.coef_, dense.coef_, rtol=1e-5 if X.dtype == np.float32 else 1e-9,
                        atol=1e-12 * np.abs(dense.coef_).max())
    if path in ("full", "csr") and not not_converged and penalty["penalty"] != "l2":
        if loss in ("absolute_error", "quantile"):
            # Their curve records the smoothed rounds, not the exact finish's
            # certificate: the answer is held to the linear program's optimum.
            _check_lasso_of_a_kinked_loss(model, loss, X, y, weight, penalty)
        else:
            n_params = model.coef_.size + 2
            assert model.gradient_norm_curve_[-1] <= gradient_target(model.tol, X.dtype, n_params)


def _check_lasso_of_a_kinked_loss(model, loss, X, y, weight, penalty):
    """A converged lasso of the absolute error or the median: QuantileRegressor's objective."""
    if penalty["penalty"] != "l1" or y.ndim != 1:
        return
    # The absolute error is twice the median's pinball loss: half the alpha.
    alpha = penalty["alpha"] / (2 if loss == "absolute_error" else 1)
    X64, y64 = X.astype(np.float64), y.astype(np.float64)
    peer = QuantileRegressor(quantile=0.5, alpha=alpha, solver="highs").fit(
        X64, y64, sample_weight=weight)
    weight = np.ones_like(y64) if weight is None else weight

    def objective(coef, intercept):
        residual = y64 - X64 @ np.ravel(coef).astype(np.float64) - float(intercept)
        return weight @ (0.5 * np.abs(residual)) / weight.sum() + alpha * np.abs(coef).sum()

    ours, optimum = objective(model.coef_, model.intercept_), objective(peer.coef_, peer.intercept_)
    rtol = 1e-5 if X.dtype == np.float32 else 1e-8
    assert ours <= optimum * (1 + rtol) + 1e-12


def _lasso_conditions(X, y, weight, coef, intercept, alpha, l1_ratio):
    """The largest violation of the elastic net's optimality conditions, in units of y."""
    weight = np.ones(len(y)) if weight is None else weight
    gradient = X.T @ (weight * (X @ coef + intercept - y)) / weight.sum()
    smooth = gradient + alpha * (1 - l1_ratio) * coef
    at_zero = np.maximum(np.abs(smooth) - alpha * l1_ratio, 0)
    away = np.abs(smooth + alpha * l1_ratio * np.sign(coef))
    return np.where(coef == 0, at_zero, away) * X.std(0) / y.std()


@SETTINGS
@given(problem=problems(losses=["squared_error"]), penalty=penalties())
def test_a_converged_sparse_fit_meets_the_lasso_conditions_and_has_its_zeros(problem, penalty):
    _, X, y, weight = problem
    X, y = X.astype(np.float64), y.astype(np.float64)
    if penalty["penalty"] == "l2":
        penalty = {**penalty, "penalty": "l1"}
    l1_ratio = 1.0 if penalty["l1_ratio"] is None else penalty["l1_ratio"]
    model = AdamLinearRegressor(random_state=0, batch_size="full", **penalty)
    if _fit(model, X, y, weight):
        return
    alpha = penalty["alpha"]
    violation = _lasso_conditions(X, y, weight, model.coef_, model.intercept_, alpha, l1_ratio)
    assert violation.max() <= 1e-6
    peer = ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-12, max_iter=100_000)
    with warnings.catch_warnings():
        # At l1_ratio=0 coordinate descent may stop short: it has no strict zeros then.
        warnings.simplefilter("ignore", ConvergenceWarning)
        peer.fit(X, y, sample_weight=weight)
    weight_ = np.ones(len(y)) if weight is None else weight
    peer_gradient = X.T @ (weight_ * (peer.predict(X) - y)) / weight_.sum()
    strict_zero = (peer.coef_ == 0) & (np.abs(peer_gradient) < 0.9 * alpha * l1_ratio)
    assert np.all(model.coef_[strict_zero] == 0)


@SETTINGS
@given(problem=problems(), penalty=penalties(), batch_size=st.sampled_from(["auto", 16]),
       sparse=st.booleans(), data=st.data())
def test_a_path_is_its_warm_started_refits(problem, penalty, batch_size, sparse, data):
    from sklearn_adam import adam_path

    loss, X, y, weight = problem
    X = sp.csr_matrix(X) if sparse else X
    alphas = sorted(data.draw(st.lists(st.floats(1e-3, 1.0), min_size=1, max_size=3)),
                    reverse=True)
    params = {key: value for key, value in penalty.items() if key != "alpha"}
    template = AdamLinearRegressor(loss=loss, batch_size=batch_size, max_iter=40,
                                   random_state=0, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            _, coefs, intercepts = adam_path(X, y, estimator=template, alphas=alphas,
                                             sample_weight=weight)
        except (ValueError, FloatingPointError) as error:
            assert any(cause in str(error) for cause in NAMED_CAUSES.split("|")), error
            return
        model = AdamLinearRegressor(**template.get_params()).set_params(warm_start=True)
        for k, alpha in enumerate(alphas):
            model.set_params(alpha=alpha).fit(X, y, sample_weight=weight)
            assert_array_equal(coefs[..., k], model.coef_)
            assert_array_equal(intercepts[..., k], model.intercept_)
