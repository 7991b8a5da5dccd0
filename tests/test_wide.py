"""Many features: full-batch steps without Python per epoch, and one Gram matrix in memory.

Where the normal equations cost more than a pass over ``X`` (more features
than twice the rows, or more than 2,048), full-batch epochs are passes over
``X``, many of them in one compiled call; where they pay off, the matrix of
sums is built and scaled in its own memory.
"""

import tracemalloc
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression, Ridge

import sklearn_adam._engine._compiled as compiled_module
from sklearn_adam import AdamLinearRegressor
from sklearn_adam._objective import NormalEquations, Standardization, least_squares
from sklearn_adam._objective._normal_equations import pays_off

pytest.importorskip("numba")


def wide_problem(n_samples=40, n_features=150, n_targets=None, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n_samples, n_features) * rng.uniform(0.5, 5, n_features)
    X += rng.uniform(-3, 3, n_features)
    shape = (n_features,) if n_targets is None else (n_features, n_targets)
    noise = rng.randn(*((n_samples,) if n_targets is None else (n_samples, n_targets)))
    y = X @ rng.randn(*shape) + 2 + 0.3 * noise
    weight = rng.uniform(0.2, 3, n_samples)
    return X, y, weight


def relative_error(actual, expected):
    return np.linalg.norm(actual - expected) / np.linalg.norm(expected)


@pytest.fixture
def epoch_calls(monkeypatch):
    """How many single epochs the compiled driver runs (each a Python round trip)."""
    calls = []
    run = compiled_module.CompiledEpochs.run

    def counted(self, *args, **kwargs):
        calls.append(1)
        return run(self, *args, **kwargs)

    monkeypatch.setattr(compiled_module.CompiledEpochs, "run", counted)
    return calls


def test_wide_penalized_full_batch_fit_takes_no_python_round_trip_per_epoch(epoch_calls):
    X, y, _ = wide_problem()
    assert not pays_off(X, X.shape[0])
    model = AdamLinearRegressor(alpha=1.0, tol=1e-12, random_state=0).fit(X, y)
    assert model.n_iter_ > 100
    assert epoch_calls == []


@pytest.mark.parametrize("case", [
    dict(),
    dict(alpha=0.1),
    dict(weighted=True),
    dict(n_targets=3),
    dict(container=sp.csr_matrix),
    dict(fit_intercept=False),
], ids=["alpha=1", "alpha=0.1", "weights", "3 targets", "csr", "no intercept"])
def test_wide_fits_agree_with_ridge(case):
    X, y, weight = wide_problem(n_targets=case.get("n_targets"))
    alpha = case.get("alpha", 1.0)
    weight = weight if case.get("weighted") else None
    fit_intercept = case.get("fit_intercept", True)
    data = case.get("container", np.asarray)(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = AdamLinearRegressor(alpha=alpha, tol=1e-12, fit_intercept=fit_intercept,
                                    random_state=0).fit(data, y, sample_weight=weight)
    exact = Ridge(alpha=alpha, fit_intercept=fit_intercept).fit(X, y, sample_weight=weight)
    assert relative_error(model.coef_, exact.coef_) < 1e-7
    assert_allclose(model.intercept_, exact.intercept_, rtol=1e-7, atol=1e-7)


@pytest.mark.parametrize("solver", ["adam", "amsgrad", "adamw"])
@pytest.mark.parametrize("case", [
    dict(), dict(n_targets=2, weighted=True), dict(dtype=np.float32),
    dict(container=sp.csr_matrix),
], ids=["dense", "targets and weights", "float32", "csr"])
def test_steps_in_one_call_are_the_steps_of_single_epochs(monkeypatch, solver, case):
    X, y, weight = wide_problem(n_targets=case.get("n_targets"))
    weight = weight if case.get("weighted") else None
    data = case.get("container", np.asarray)(X.astype(case.get("dtype", np.float64)))
    settings = dict(solver=solver, alpha=1.0, max_iter=600, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        many = AdamLinearRegressor(**settings).fit(data, y, sample_weight=weight)
        monkeypatch.setattr(compiled_module.CompiledEpochs, "runs_many", False)
        single = AdamLinearRegressor(**settings).fit(data, y, sample_weight=weight)
    assert many.n_iter_ == single.n_iter_
    # The same arithmetic: only the gradient norm is summed in another order
    # (and for float32 data, single epochs round the gradient to float32
    # before taking its norm).
    assert_array_equal(many.coef_, single.coef_)
    assert_array_equal(many.loss_curve_, single.loss_curve_)
    rtol = 1e-12 if case.get("dtype") is None else 1e-6
    assert_allclose(many.gradient_norm_curve_, single.gradient_norm_curve_, rtol=rtol)


def wide_objective(n_samples, n_features, alpha=2.0, n_targets=2, seed=0):
    X, y, weight = wide_problem(n_samples, n_features, n_targets, seed)
    standardization = Standardization.fit(X, y, weight, center=True, scale=True)
    objective = least_squares(X, y, weight, alpha=alpha, standardization=standardization,
                             rows=None)
    rng = np.random.RandomState(seed)
    return objective, [rng.randn(n_targets, n_features), rng.randn(n_targets)]


@pytest.mark.parametrize("n_samples", [300, 1500], ids=["one block", "three blocks"])
def test_a_gram_matrix_summed_in_place_gives_the_gradient_of_a_pass(n_samples):
    # 800 features: each block's product is larger than the block, and is
    # added into the sums in place.
    objective, params = wide_objective(n_samples, 800)
    equations = NormalEquations.build(objective)
    assert equations.gram.flags.c_contiguous
    assert_array_equal(equations.gram, equations.gram.T)
    grads = [np.empty_like(p) for p in params]
    expected = [np.empty_like(p) for p in params]
    squares = objective.batch_gradient(params, slice(None), objective.n_samples, expected)
    loss = squares / (objective.weight_sum * 2) + objective.penalty_value(params)
    assert equations.gradient(params, grads) == pytest.approx(loss, rel=1e-10)
    for grad, want in zip(grads, expected):
        assert_allclose(grad, want, rtol=1e-9, atol=1e-11)


def peak_bytes(model, X, y):
    tracemalloc.start()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, y)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_the_normal_equations_hold_one_gram_matrix_at_peak():
    # 1,024 features of 600 rows: the normal equations pay off, and their
    # 8 MB matrix is the largest thing the fit holds; LinearRegression
    # holds about two and a half copies of X (5 MB).
    X, y, _ = wide_problem(600, 1024)
    assert pays_off(X, X.shape[0])
    # Compiling the kernels allocates too: not within the fit's own peak.
    peak_bytes(AdamLinearRegressor(max_iter=3), X[:100, :60], y[:100])
    reference = peak_bytes(LinearRegression(), X, y)
    peak = peak_bytes(AdamLinearRegressor(max_iter=3), X, y)
    assert peak < 1.5 * reference


def ragged_csr(n_samples=300, n_features=120, n_targets=2, seed=0):
    """CSR rows of every length from 0 to 13, the last rows the longest; targets, weights.

    The lengths cover the full-batch pass's chunks of values (none, part of
    one, several), and the last rows, with fewer values after them than a
    chunk, take its one-at-a-time loop.
    """
    rng = np.random.RandomState(seed)
    lengths = rng.randint(0, 14, n_samples)
    lengths[-3:] = 13
    indices = np.concatenate([np.sort(rng.choice(n_features, n, replace=False))
                              for n in lengths]).astype(np.int32)
    values = rng.randn(indices.size) * 3 + 1
    indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
    X = sp.csr_matrix((values, indices, indptr), shape=(n_samples, n_features))
    y = X @ rng.randn(n_features, n_targets) + 2 + 0.3 * rng.randn(n_samples, n_targets)
    return X, y, rng.uniform(0.2, 3, n_samples)


@pytest.mark.parametrize("rows", ["all", "some, shuffled"])
@pytest.mark.parametrize("container", [sp.csr_matrix, np.asarray], ids=["csr", "dense"])
def test_the_full_batch_pass_adds_what_the_epochs_pass_adds(container, rows):
    # The pass of full batches (its own for CSR rows, and blocks of dense
    # rows) against that of mini-batch epochs, whole and cut into parts
    # that end inside a block of rows.
    from sklearn_adam._engine._compiled import kernel_data, kernel_loss
    from sklearn_adam._fast import compiled_kernels

    kernels = compiled_kernels()
    X, y, weight = ragged_csr()
    X = container(X.toarray()) if container is np.asarray else X
    rng = np.random.RandomState(1)
    training = None if rows == "all" else rng.permutation(X.shape[0])[:250]
    standardization = Standardization.fit(X, y, weight, center=True, scale=True)
    objective = least_squares(X, y, weight, alpha=1.0, standardization=standardization,
                              rows=training)
    data = kernel_data(kernels, objective)
    loss = kernel_loss(kernels, objective.datafit)
    scaling = kernels.Scaling(standardization.x_center, standardization.x_scale,
                              standardization.y_center, standardization.y_scale)
    raw_coef, raw_intercept = rng.randn(2, X.shape[1]), rng.randn(2)
    n_samples = objective.n_samples
    sums = {}
    for name in ("epochs", "full batch", "full batch in parts"):
        gradient, residual_sum = np.zeros_like(raw_coef), np.zeros(2)
        if name == "epochs":
            squares = kernels.add_residual_products(
                data, scaling, loss, raw_coef, raw_intercept, data.rows[:0], 0, n_samples, gradient,
                residual_sum, 0.0,
            )
        else:
            cuts = [0, n_samples] if name == "full batch" else [0, 97, 203, n_samples]
            squares = 0.0
            for first, stop in zip(cuts[:-1], cuts[1:]):
                squares = kernels.add_full_batch_products(
                    data, scaling, loss, raw_coef, raw_intercept, first, stop, gradient,
                    residual_sum, squares,
                )
        sums[name] = gradient, residual_sum, squares
    expected = sums.pop("epochs")
    for name, actual in sums.items():
        for value, want in zip(actual, expected):
            assert_allclose(value, want, rtol=1e-13, atol=1e-13 * np.abs(want).max(), err_msg=name)
    if container is np.asarray:
        # Dense rows are added in their order, however the pass is cut (as
        # a memory-mapped X's is).
        for value, whole in zip(sums["full batch in parts"], sums["full batch"]):
            assert_array_equal(value, whole)


@pytest.mark.parametrize("settings", [
    dict(fit_intercept=False, max_iter=40),
    dict(alpha=2.0, tol=1e-12, max_iter=3000),
    dict(early_stopping=True, max_iter=40, fit_intercept=False),
], ids=["no intercept, whole history", "ridge, to convergence", "validation split"])
def test_full_batch_passes_over_csr_rows_agree_with_numpy(monkeypatch, epoch_calls, settings):
    import sklearn_adam._kernels as kernels

    X, y, weight = ragged_csr()
    assert not pays_off(X, X.shape[0])
    fits = []
    for enabled in (True, False):
        monkeypatch.setattr(kernels, "ENABLED", enabled)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            fits.append(AdamLinearRegressor(random_state=0, **settings).fit(
                X, y, sample_weight=weight))
        if enabled and not settings.get("early_stopping"):
            # The compiled fit ran its epochs many to a call, none one by one
            # (with a validation split, the scored epochs are single calls,
            # the same pass).
            assert epoch_calls == []
    fast, slow = fits
    assert fast.n_iter_ == slow.n_iter_
    assert slow.n_iter_ < settings["max_iter"] or settings["max_iter"] == 40
    assert_allclose(fast.coef_, slow.coef_, rtol=1e-12, atol=1e-12 * np.abs(slow.coef_).max())
    assert_allclose(fast.intercept_, slow.intercept_, rtol=1e-12)
    if settings["max_iter"] < 100:
        # The intercept's first gradients are rounding noise, which Adam
        # divides by epsilon; without one the whole history agrees.
        assert_allclose(fast.loss_curve_, slow.loss_curve_, rtol=1e-12)
