"""Full-batch steps through the normal equations are the steps of passes over X."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose
from sklearn.exceptions import ConvergenceWarning

import sklearn_adam._engine as engine_module
from sklearn_adam import AdamLinearRegressor
from sklearn_adam._objective import NormalEquations, Standardization, least_squares
from sklearn_adam._objective._normal_equations import pays_off


def make_problem(container=np.asarray, dtype=np.float64, n_targets=1, alpha=0.0, rows=None,
                 fit_intercept=True, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(300, 6) * [1, 10, 0.1, 3, 1, 2] + [0, 50, -2, 0, 1, 0]
    X[:, 4] = 1.5  # a constant column: infinite scale, zero coefficient
    X[rng.rand(*X.shape) < 0.3] = 0.0
    y = X @ rng.randn(6, n_targets) + 3 + 0.5 * rng.randn(300, n_targets)
    weight = rng.uniform(0.2, 3, 300)
    X, y = container(X.astype(dtype)), y.astype(dtype)
    fitted_rows = weight if rows is None else np.where(np.isin(np.arange(300), rows), weight, 0)
    standardization = Standardization.fit(X, y, fitted_rows.astype(dtype), center=fit_intercept,
                                          scale=True)
    objective = least_squares(X, y, weight.astype(dtype), alpha=alpha,
                             standardization=standardization, rows=rows)
    params = [rng.randn(n_targets, 6).astype(dtype)]
    params[0][:, 4] = 0.0
    if fit_intercept:
        params.append(rng.randn(n_targets).astype(dtype))
    return objective, params


def full_batch(objective, params):
    grads = [np.empty_like(p) for p in params]
    squares = objective.batch_gradient(params, slice(None), objective.n_samples, grads)
    loss = squares / (objective.weight_sum * params[0].shape[0]) + objective.penalty_value(params)
    return loss, grads


@pytest.mark.parametrize("container", [np.asarray, sp.csr_matrix, sp.csc_matrix],
                         ids=["dense", "csr", "csc"])
@pytest.mark.parametrize("case", [
    {}, {"n_targets": 3}, {"alpha": 5.0}, {"rows": np.arange(0, 300, 3)},
    {"fit_intercept": False},
], ids=["plain", "targets", "penalty", "rows", "no intercept"])
def test_gradient_and_objective_are_those_of_a_pass_over_x(container, case):
    objective, params = make_problem(container, **case)
    equations = NormalEquations.build(objective)
    loss, expected = full_batch(objective, params)
    grads = [np.empty_like(p) for p in params]
    assert equations.gradient(params, grads) == pytest.approx(loss, rel=1e-12)
    for grad, want in zip(grads, expected):
        assert_allclose(grad, want, rtol=1e-10, atol=1e-12)


def test_float32_data_are_summed_in_float64():
    objective, params = make_problem(dtype=np.float32)
    equations = NormalEquations.build(objective)
    assert equations.gram.dtype == np.float64
    double, _ = make_problem(dtype=np.float64)
    reference = NormalEquations.build(double)
    # The float32 data are the float64 data rounded: the sums differ by that
    # rounding, not by float32 accumulation over 300 rows.
    assert_allclose(equations.gram, reference.gram, atol=1e-5)


def test_centers_of_the_training_rows_leave_exactly_zero_means():
    # Adam scales any gradient to a full step: the intercept's gradient must
    # be exactly zero where the centering makes it so, not rounding.
    objective, _ = make_problem()
    equations = NormalEquations.build(objective)
    assert np.all(equations.feature_means == 0) and np.all(equations.target_means == 0)
    # Centers of other rows leave means that are no rounding.
    rows = np.arange(0, 300, 3)
    data = objective.data
    other = least_squares(data.X, data.y, data.sample_weight, alpha=0.0,
                          standardization=objective.standardization, rows=rows)
    assert np.abs(NormalEquations.build(other).feature_means).max() > 1e-3


def test_sums_that_overflow_fall_back_to_passes_over_x():
    objective, _ = make_problem()
    # Differences from the center beyond float64's range: no sum is finite.
    objective.data.X[:, 1] = 1.7e308
    objective.standardization.x_center[1] = -1.7e308
    objective.standardization.x_scale[1] = 1e308
    assert NormalEquations.build(objective) is None


def test_normal_equations_pay_off_where_a_step_is_cheaper_than_a_pass():
    assert pays_off(np.zeros((1000, 50)), 1000)
    assert not pays_off(np.zeros((10, 50)), 10)  # wide: a pass is cheaper
    assert not pays_off(np.zeros((100_000, 3000)), 100_000)  # too many features
    sparse = sp.random(10_000, 400, density=0.001, format="csr", random_state=0)
    assert not pays_off(sparse, 10_000)  # 4,000 non-zeros, 160,000 products per step
    assert pays_off(sp.random(10_000, 40, density=0.1, format="csr", random_state=0), 10_000)


@pytest.mark.parametrize("solver", ["adam", "amsgrad", "adamw", "nadam", "adamax"])
@pytest.mark.parametrize("container", [np.asarray, sp.csr_matrix], ids=["dense", "csr"])
def test_fits_through_them_follow_fits_through_passes(monkeypatch, solver, container):
    rng = np.random.RandomState(0)
    X = rng.randn(300, 6) * [1, 10, 0.1, 3, 1, 2]
    X[rng.rand(*X.shape) < 0.3] = 0.0
    y = X @ rng.randn(6) + 0.5 * rng.randn(300)
    weight = rng.uniform(0.2, 3, 300)
    # Without an intercept: a pass over X leaves rounding in the gradient of
    # a centered intercept, which Adam scales up to full steps, and the
    # normal equations none (see the test above).
    settings = dict(solver=solver, batch_size=None, max_iter=300, random_state=0,
                    fit_intercept=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        through = AdamLinearRegressor(**settings).fit(container(X), y, sample_weight=weight)
        monkeypatch.setattr(engine_module, "normal_equations_pay_off", lambda X, n: False)
        passes = AdamLinearRegressor(**settings).fit(container(X), y, sample_weight=weight)
    assert through.n_iter_ == passes.n_iter_
    assert_allclose(through.coef_, passes.coef_, rtol=1e-9)
    assert_allclose(through.loss_curve_, passes.loss_curve_, rtol=1e-10)


@pytest.mark.parametrize("container", [np.asarray, sp.csr_matrix], ids=["dense", "csr"])
@pytest.mark.parametrize("size", [1e-160, 1e160])
def test_columns_of_extreme_scale_are_summed_in_range(container, size):
    # Squares of 1e160 overflow float64 and squares of 1e-160 are subnormal:
    # such columns are divided by their scale before their products are taken.
    objective, params = make_problem(container)
    X = objective.data.X.copy()
    X[:, 1] = X[:, 1] * size
    standardization = Standardization.fit(X, objective.data.y, objective.data.sample_weight,
                                          center=True, scale=True)
    scaled = least_squares(X, objective.data.y, objective.data.sample_weight, alpha=0.0,
                          standardization=standardization, rows=None)
    equations = NormalEquations.build(scaled)
    reference = NormalEquations.build(objective)
    assert equations is not None
    assert_allclose(equations.gram, reference.gram, rtol=1e-12, atol=1e-14)
    loss, expected = full_batch(scaled, params)
    grads = [np.empty_like(p) for p in params]
    assert equations.gradient(params, grads) == pytest.approx(loss, rel=1e-12)
    for grad, want in zip(grads, expected):
        assert_allclose(grad, want, rtol=1e-10, atol=1e-12)


def test_partial_fit_takes_its_one_full_batch_step_by_a_pass_over_x(monkeypatch):
    # Gathering the moments costs several passes; partial_fit takes one step.
    objective, _ = make_problem()
    X, y = objective.data.X, objective.data.y[:, 0]
    built = []
    original = NormalEquations.build.__func__

    def counted(cls, objective):
        built.append(True)
        return original(cls, objective)

    monkeypatch.setattr(NormalEquations, "build", classmethod(counted))
    model = AdamLinearRegressor(batch_size=None)
    for _ in range(3):
        model.partial_fit(X, y)
    assert not built and model.n_iter_ == 3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        AdamLinearRegressor(batch_size=None, max_iter=3).fit(X, y)
    assert built


def test_the_centers_rounding_is_dropped_however_many_rows_were_summed():
    # On 100,000 rows with offsets, the sums leave standardized means of up
    # to 54 units of rounding, more than a bound that ignored the number of
    # rows allowed; Adam then took full intercept steps on them.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100_000, 20)) * np.exp(rng.uniform(-2, 2, 20)) + rng.uniform(-10, 10, 20)
    y = X @ rng.normal(size=20) + 3 + rng.normal(size=100_000)
    standardization = Standardization.fit(X, y[:, None], np.ones(100_000), center=True,
                                          scale=True)
    objective = least_squares(X, y[:, None], np.ones(100_000), alpha=0.0, rows=None,
                             standardization=standardization)
    equations = NormalEquations.build(objective)
    assert np.all(equations.feature_means == 0)
    assert np.all(equations.target_means == 0)


def test_a_float32_centers_own_error_is_not_dropped_as_rounding():
    # Over 1,000,000 float32 rows the centers themselves are off by more
    # than rounding; a bound grown with the rows summed zeroed those real
    # means, and the intercept missed by 0.3% of the noise (mean residual
    # -8.8e-3 against -2.9e-5).
    rng = np.random.RandomState(0)
    X = rng.normal(0, 1, (1_000_000, 3))
    X[:, 0] += 100
    y = X @ [2.0, 1.0, -1.0] + 0.1 * rng.normal(size=1_000_000)
    X, y = X.astype(np.float32), y.astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = AdamLinearRegressor(random_state=0, max_iter=2000).fit(X, y)
    residual = y.astype(np.float64) - (X.astype(np.float64) @ model.coef_.astype(np.float64)
                                       + float(model.intercept_))
    assert abs(residual.mean()) < 1e-4
