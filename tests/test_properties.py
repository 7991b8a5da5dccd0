"""No quiet wrong answers, over data drawn at random (hypothesis).

For any finite data, a fit either returns finite coefficients whose training
R^2 is within 1e-6 of LinearRegression's, or raises an error that names the
cause. The data are drawn over feature and target scales from 1e-300 to 1e300
(float32: 1e-30 to 1e30), offsets, dense and CSR storage, constant and empty
columns and sample weights of any scale, and each is fitted at the default
settings on both epoch drivers. ``partial_fit`` over chunks must give finite
coefficients or such an error too.
"""

import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression
from sklearn.metrics import r2_score

import sklearn_adam._kernels as kernels
from sklearn_adam import AdamLinearRegressor

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

PATHS = ["compiled", "numpy"]

# The errors a fit may raise on data it cannot take, each naming its cause.
NAMED_CAUSES = r"vary by only|diverged|outside the range of float"

# At the default settings, which train to the optimum: whether any data give
# a wrong answer.
PRECISE = dict(random_state=0)

# Each example is a fit of up to 120 rows: some tens of milliseconds.
SETTINGS = settings(max_examples=40, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


@st.composite
def problems(draw):
    """(X, y, sample_weight, scale of y) of one random problem."""
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    largest = 300 if dtype == np.float64 else 30
    n_samples = draw(st.integers(20, 120))
    n_features = draw(st.integers(1, 5))
    rng = np.random.RandomState(draw(st.integers(0, 2**31 - 1)))
    X = rng.randn(n_samples, n_features)
    if draw(st.booleans()):
        X[rng.rand(n_samples, n_features) < 0.6] = 0.0  # sparse-like
    y = X @ rng.randn(n_features) + rng.randn() + 0.1 * rng.randn(n_samples)
    for j in range(n_features):
        kind = draw(st.sampled_from(["plain", "offset", "constant", "empty"]))
        if kind == "offset":
            X[:, j] += 10.0 ** draw(st.integers(1, 15)) * draw(st.sampled_from([-1, 1]))
        elif kind == "constant":
            X[:, j] = draw(st.floats(-1e3, 1e3, allow_nan=False))
        elif kind == "empty":
            X[:, j] = 0.0
        # A draw whose values overflow is rejected below, not warned of.
        with np.errstate(over="ignore"):
            X[:, j] *= 10.0 ** draw(st.integers(-largest, largest))
    y_scale = 10.0 ** draw(st.integers(-largest, largest))
    y = y * y_scale
    weight = None
    if draw(st.booleans()):
        weight = rng.uniform(0.1, 2, n_samples) * 10.0 ** draw(st.integers(-300, 300))
    with np.errstate(over="ignore"):
        X, y = X.astype(dtype), y.astype(dtype)
    if not (np.isfinite(X).all() and np.isfinite(y).all()):
        hypothesis.assume(False)
    if draw(st.booleans()):
        X = sp.csr_matrix(X)
    return X, y, weight, y_scale


def weighted_r2(y, prediction, weight, scale):
    # In units of the targets' scale: R^2 of y near 1e300 would overflow.
    return r2_score(y / scale, np.asarray(prediction, dtype=np.float64) / scale,
                    sample_weight=weight)


def use_path(monkeypatch, path):
    monkeypatch.setattr(kernels, "ENABLED", path == "compiled")


@pytest.mark.parametrize("path", PATHS)
@SETTINGS
@given(problem=problems())
def test_a_fit_matches_the_closed_form_or_names_the_cause(path, problem):
    X, y, weight, y_scale = problem
    with pytest.MonkeyPatch.context() as monkeypatch, warnings.catch_warnings():
        use_path(monkeypatch, path)
        warnings.simplefilter("ignore", ConvergenceWarning)
        # Overflow inside a fit is either avoided or becomes the error that
        # names it, never a warning printed on the way.
        warnings.simplefilter("error", RuntimeWarning)
        try:
            model = AdamLinearRegressor(**PRECISE).fit(X, y, sample_weight=weight)
        except (ValueError, FloatingPointError) as error:
            # A refusal must say why.
            assert re.search(NAMED_CAUSES, str(error)), str(error)
            return
    assert np.isfinite(model.coef_).all() and np.isfinite(model.intercept_)
    # The reference on dense float64 data: scipy's sparse least squares
    # (lsqr) can itself fail on such columns.
    X_64 = X.toarray() if sp.issparse(X) else X
    X_64 = X_64.astype(np.float64)
    with np.errstate(all="ignore"):
        try:
            exact = LinearRegression().fit(X_64, y.astype(np.float64) / y_scale, weight)
            reference = weighted_r2(y / y_scale, exact.predict(X_64), weight, 1.0)
        except ValueError:  # the closed form failed: nothing to compare with
            reference = np.nan
    hypothesis.assume(np.isfinite(reference))
    # In float32, predicting with the closed form's own float32 fit already
    # loses up to about 2e-5 of R^2 where a column has a large offset.
    tolerance = 1e-6 if X.dtype == np.float64 else 1e-4
    assert weighted_r2(y, model.predict(X), weight, y_scale) > reference - tolerance


@pytest.mark.parametrize("path", PATHS)
@SETTINGS
@given(problem=problems(), n_chunks=st.integers(1, 4))
def test_partial_fit_over_chunks_is_finite_or_names_the_cause(path, problem, n_chunks):
    X, y, weight, _ = problem
    rows = np.array_split(np.arange(X.shape[0]), n_chunks)
    model = AdamLinearRegressor(random_state=0)
    with pytest.MonkeyPatch.context() as monkeypatch, warnings.catch_warnings():
        use_path(monkeypatch, path)
        warnings.simplefilter("error", RuntimeWarning)
        try:
            for chunk in rows:
                model.partial_fit(X[chunk], y[chunk],
                                  sample_weight=None if weight is None else weight[chunk])
        except (ValueError, FloatingPointError) as error:
            assert re.search(NAMED_CAUSES, str(error)), str(error)
            return
    assert np.isfinite(model.coef_).all() and np.isfinite(model.intercept_)


# Weights of extreme scale with a penalty: alpha must keep Ridge's meaning
# (weighed against the weights as passed) however the weights are scaled.
_PENALTY_CAUSES = r"outweighs the data|vary by only|outside the range of float"


@st.composite
def weighted_ridge_problems(draw):
    """(X, y, sample_weight, alpha) with weights from about 1e-300 to 1e300, alpha > 0."""
    n_samples = draw(st.integers(20, 120))
    n_features = draw(st.integers(1, 5))
    rng = np.random.RandomState(draw(st.integers(0, 2**31 - 1)))
    X = rng.randn(n_samples, n_features) * 10.0 ** rng.uniform(-3, 3, n_features)
    y = X @ rng.randn(n_features) + rng.randn() + 0.1 * rng.randn(n_samples)
    # All of one size, or spread over up to 16 orders of magnitude.
    spread = draw(st.sampled_from([0, 2, 16]))
    size = draw(st.integers(-300 + spread, 300 - spread))
    weight = 10.0 ** (size + rng.uniform(-spread / 2, spread / 2, n_samples))
    if spread == 0:
        weight = np.full(n_samples, 10.0**size) * rng.uniform(0.5, 2.0)
    # Against the weights' sum (a penalty that matters, or one that does not),
    # or on its own, whatever the weights.
    if draw(st.booleans()):
        alpha = weight.sum() * 10.0 ** draw(st.integers(-12, 12))
    else:
        alpha = 10.0 ** draw(st.integers(-300, 300))
    hypothesis.assume(np.isfinite(alpha) and alpha > 0)
    if draw(st.booleans()):
        X = sp.csr_matrix(X)
    return X, y, weight, alpha


def ridge_objective(X, y, weight, alpha, coef, intercept):
    """Ridge's objective divided by the largest weight (the same minimizer)."""
    largest = weight.max()
    residual = y - X @ coef - intercept
    return (weight / largest) @ np.square(residual) + (alpha / largest) * coef @ coef


@pytest.mark.parametrize("path", PATHS)
@SETTINGS
@given(problem=weighted_ridge_problems())
def test_extreme_weights_with_a_penalty_fit_like_ridge_or_name_the_cause(path, problem):
    from sklearn.linear_model import Ridge

    X, y, weight, alpha = problem
    passed = weight.copy()
    with pytest.MonkeyPatch.context() as monkeypatch, warnings.catch_warnings():
        use_path(monkeypatch, path)
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("error", RuntimeWarning)
        try:
            model = AdamLinearRegressor(alpha=alpha, **PRECISE).fit(X, y, sample_weight=passed)
        except (ValueError, FloatingPointError) as error:
            assert re.search(_PENALTY_CAUSES, str(error)), str(error)
            return
    np.testing.assert_array_equal(passed, weight)
    assert np.isfinite(model.coef_).all() and np.isfinite(model.intercept_)
    # Ridge on dense data: its sparse solvers overflow with weights near 1e300.
    X_dense = X.toarray() if sp.issparse(X) else X
    with np.errstate(all="ignore"):
        reference = Ridge(alpha=alpha).fit(X_dense, y, sample_weight=weight)
        ridge_value = ridge_objective(X_dense, y, weight, alpha, reference.coef_,
                                      reference.intercept_)
        value = ridge_objective(X_dense, y, weight, alpha, model.coef_, model.intercept_)
    hypothesis.assume(np.isfinite(reference.coef_).all() and np.isfinite(ridge_value))
    # The objective as low as Ridge's, and the coefficients Ridge's, each to
    # a precision Ridge's own solution has.
    assert value <= ridge_value * (1 + 1e-9)
    coef_size = np.std(y) / np.std(X_dense, axis=0)  # a coefficient that matters
    error = np.abs(model.coef_ - reference.coef_)
    assert (error <= 1e-6 * np.abs(reference.coef_) + 1e-8 * coef_size).all()


def rescaled_or_shifted(X, y, y_scale, change, factor):
    """``(X, y, scale of y)`` changed by ``factor``: a scale, or a shift in column sizes."""
    def sizes(values):
        largest = np.abs(values).max(axis=0)
        largest = largest.toarray().ravel() if sp.issparse(largest) else largest
        return np.where(largest > 0, largest, 1.0)

    with np.errstate(over="ignore", under="ignore"):
        if change == "y * c":
            return X, (y * factor).astype(y.dtype), y_scale * abs(factor)
        if change == "y + c":
            return X, (y + factor * sizes(y[:, None])[0]).astype(y.dtype), y_scale
        if change == "X * c":
            return (X * factor).astype(X.dtype), y, y_scale
        dense = X.toarray() if sp.issparse(X) else X
        shifted = (dense + factor * sizes(dense)).astype(X.dtype)
        return (sp.csr_matrix(shifted) if sp.issparse(X) else shifted), y, y_scale


def closed_form_r2(X, y, weight, y_scale):
    """LinearRegression's training R^2, on dense float64 data; NaN where it fails."""
    X_64 = (X.toarray() if sp.issparse(X) else X).astype(np.float64)
    with np.errstate(all="ignore"):
        try:
            exact = LinearRegression().fit(X_64, y.astype(np.float64) / y_scale, weight)
            return weighted_r2(y / y_scale, exact.predict(X_64), weight, 1.0)
        except ValueError:
            return np.nan


@pytest.mark.parametrize("path", PATHS)
@SETTINGS
@given(problem=problems(), change=st.sampled_from(["y * c", "y + c", "X * c", "X + c"]),
       power=st.integers(-12, 12), sign=st.sampled_from([-1.0, 1.0]))
def test_a_warm_fit_on_rescaled_or_shifted_data_matches_the_closed_form_or_names_the_cause(
    path, problem, change, power, sign
):
    # warm_start only initializes: after a first fit, a warm fit on the same
    # data rescaled or shifted must solve the new data as a cold fit does.
    X, y, weight, y_scale = problem
    X_new, y_new, new_scale = rescaled_or_shifted(X, y, y_scale, change, sign * 10.0**power)
    data = X_new.data if sp.issparse(X_new) else X_new
    hypothesis.assume(np.isfinite(data).all() and np.isfinite(y_new).all())
    model = AdamLinearRegressor(warm_start=True, **PRECISE)
    with pytest.MonkeyPatch.context() as monkeypatch, warnings.catch_warnings():
        use_path(monkeypatch, path)
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("error", RuntimeWarning)
        try:
            model.fit(X, y, sample_weight=weight)
            model.fit(X_new, y_new, sample_weight=weight)
        except (ValueError, FloatingPointError) as error:
            assert re.search(NAMED_CAUSES, str(error)), str(error)
            return
    assert np.isfinite(model.coef_).all() and np.isfinite(model.intercept_)
    reference = closed_form_r2(X_new, y_new, weight, new_scale)
    hypothesis.assume(np.isfinite(reference))
    # The tolerances of the cold fits above.
    tolerance = 1e-6 if X.dtype == np.float64 else 1e-4
    assert weighted_r2(y_new, model.predict(X_new), weight, new_scale) > reference - tolerance


@st.composite
def offset_sparse_problems(draw):
    """(X dense, container, y, sample_weight) with a column far from zero among one-hots.

    The column (a price, a sensor reading) is stored in every row, or in
    most of them, at an offset from zero of up to 1e10 times its spread
    (float32: 1e8), or of 1e15 to 1e16 times, which neither storage can
    resolve, between one-hot columns of a few categories and, at times, a
    second such column. In between, the rounding of the column's center to
    float64 is a part of its spread that the fit (dense too) leaves out, at
    1e-6 of R^2.
    """
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    n_samples = draw(st.integers(50, 400))
    n_categories = draw(st.integers(2, 6))
    rng = np.random.RandomState(draw(st.integers(0, 2**31 - 1)))
    category = rng.randint(n_categories, size=n_samples)
    one_hot = np.eye(n_categories)[category][:, 1:]
    n_numeric = draw(st.integers(1, 2))
    deviations = rng.randn(n_samples, n_numeric)
    numeric = np.empty_like(deviations)
    gaps = [*range(11), 15, 16] if dtype == np.float64 else list(range(9))
    for j in range(n_numeric):
        spread = 10.0 ** draw(st.integers(-2, 2))
        offset = spread * 10.0 ** draw(st.sampled_from(gaps)) * draw(st.sampled_from([-1, 1]))
        numeric[:, j] = offset + spread * deviations[:, j]
        missing = draw(st.sampled_from([0.0, 0.05, 0.3]))
        numeric[rng.rand(n_samples) < missing, j] = 0.0
    X = np.column_stack([one_hot, numeric])
    # Noise as large as the signal: a precision lost anywhere shows in R^2.
    y = one_hot @ rng.randn(n_categories - 1) + deviations @ rng.randn(n_numeric)
    y = y + rng.randn(n_samples)
    weight = rng.uniform(0.1, 2, n_samples) if draw(st.booleans()) else None
    container = draw(st.sampled_from([sp.csr_matrix, sp.csc_matrix]))
    return X.astype(dtype), container, y.astype(dtype), weight


def _centered_r2(model, X, y, weight):
    # Predicted about the columns' means: in the data's units, x @ coef of a
    # column near 1e10 rounds by more than the differences between the fits
    # compared here.
    mean = np.average(X, axis=0, weights=weight)
    coef = np.asarray(model.coef_, dtype=np.float64)
    prediction = (X - mean) @ coef + (float(model.intercept_) + mean @ coef)
    return r2_score(y, prediction, sample_weight=weight)


def _quoted_figures(message):
    column, spread, size = re.search(
        r"column (\d+) of X vary by only (\S+) around (\S+) ", message).groups()
    return int(column), float(spread), float(size)


@pytest.mark.parametrize("path", PATHS)
@SETTINGS
@given(problem=offset_sparse_problems())
def test_a_sparse_column_far_from_zero_gives_the_dense_outcome(path, problem):
    # The sparse fit agrees with the dense fit of the same data and with
    # LinearRegression's training R^2, or both refuse alike, quoting the
    # true spread and size of the column.
    X, container, y, weight = problem
    outcomes = []
    with pytest.MonkeyPatch.context() as monkeypatch, warnings.catch_warnings():
        use_path(monkeypatch, path)
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("error", RuntimeWarning)
        for data in (X, container(X)):
            try:
                outcomes.append(AdamLinearRegressor(**PRECISE).fit(data, y, sample_weight=weight))
            except ValueError as error:
                assert re.search(NAMED_CAUSES, str(error)), str(error)
                outcomes.append(str(error))
    dense, sparse = outcomes
    assert type(dense) is type(sparse), (dense, sparse)
    if isinstance(sparse, str):
        column, spread, size = _quoted_figures(sparse)
        assert _quoted_figures(dense)[0] == column
        values = X[:, column].astype(np.float64)
        # About the mean's float64 rounding, corrected: at 1e16 it is a
        # multiple of 2, as far off as the spread.
        deviations = values - np.average(values, weights=weight)
        true_spread = np.sqrt(np.average(np.square(deviations), weights=weight)
                              - np.average(deviations, weights=weight) ** 2)
        true_size = np.sqrt(np.average(np.square(values), weights=weight))
        assert spread == pytest.approx(true_spread, rel=1e-2)
        assert size == pytest.approx(true_size, rel=1e-2)
        return
    X_64, y_64 = X.astype(np.float64), y.astype(np.float64)
    exact = LinearRegression().fit(X_64, y_64, weight)
    reference = _centered_r2(exact, X_64, y_64, weight)
    tolerance = 1e-6 if X.dtype == np.float64 else 1e-4
    sparse_r2 = _centered_r2(sparse, X_64, y_64, weight)
    dense_r2 = _centered_r2(dense, X_64, y_64, weight)
    assert sparse_r2 > reference - tolerance
    assert abs(sparse_r2 - dense_r2) < tolerance
