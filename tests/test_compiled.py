"""The compiled epoch (numba) and the numpy epoch compute the same fit.

Every kind of input the compiled path accepts is trained a few epochs both
ways, with the compiled path switched off for the second run; coefficients,
solver state and every per-epoch record must agree to 1e-12 in float64.
numba is a dependency: the compiled path is the one a user's fit takes, and
the numpy path the reference it is held to.
"""

import dataclasses
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose
from sklearn.exceptions import ConvergenceWarning

import sklearn_adam._kernels as compiled
from sklearn_adam import Adam, AdamLinearRegressor
from sklearn_adam._rules import SOLVERS

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: pytest's own TOML reader
    import tomli as tomllib


def make_data(n_targets=None, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(700, 6) * [1, 10, 0.1, 3, 1, 2] + [0, 5, -2, 0, 1, 0]
    X[:, 5] = 1.5  # a constant column, whose coefficient stays zero
    coef = rng.randn(6) if n_targets is None else rng.randn(6, n_targets)
    y = X @ coef + 3 + 0.5 * rng.randn(*((700,) if n_targets is None else (700, n_targets)))
    weight = rng.uniform(0.2, 3, 700)
    return X, y, weight


def fit_both_ways(monkeypatch, X, y, fit_params=None, **params):
    settings = dict(max_iter=4, random_state=0, batch_size=64) | params
    fits = []
    for enabled in (True, False):
        monkeypatch.setattr(compiled, "ENABLED", enabled)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            fits.append(AdamLinearRegressor(**settings).fit(X, y, **(fit_params or {})))
    return fits


def stream_both_ways(monkeypatch, X, y, weight, chunks, **params):
    """partial_fit over ``chunks`` ((start, stop) of rows), compiled and in numpy."""
    models = []
    for enabled in (True, False):
        monkeypatch.setattr(compiled, "ENABLED", enabled)
        model = AdamLinearRegressor(random_state=0, **params)
        for start, stop in chunks:
            model.partial_fit(X[start:stop], y[start:stop], sample_weight=weight[start:stop])
        models.append(model)
    return models


def assert_same(fast, slow, rtol, whole_history=True):
    assert_allclose(fast.coef_, slow.coef_, rtol=rtol, atol=rtol * np.abs(slow.coef_).max())
    assert_allclose(fast.intercept_, slow.intercept_, rtol=rtol)
    for name in ("loss_curve_", "gradient_norm_curve_", "validation_scores_"):
        if getattr(slow, name) is not None:
            start = 0 if whole_history else -1
            expected = np.asarray(getattr(slow, name))
            # Relative to the curve's size: a converged gradient norm is noise.
            assert_allclose(getattr(fast, name)[start:], expected[start:], rtol=rtol,
                            atol=rtol * np.abs(expected).max())
    assert fast.t_ == slow.t_ and fast.solver_state_.step == slow.solver_state_.step
    for field in dataclasses.fields(slow.solver_state_):
        value = getattr(slow.solver_state_, field.name)
        if isinstance(value, float):  # NAdam's momentum product, set by the steps taken
            assert_allclose(getattr(fast.solver_state_, field.name), value, rtol=rtol)
        elif isinstance(value, list) and whole_history:
            for a, b in zip(getattr(fast.solver_state_, field.name), value):
                assert_allclose(a, b, rtol=rtol, atol=rtol * np.abs(b).max())


CONTAINERS = {
    "dense": np.asarray,
    "dense, column-major": np.asfortranarray,
    "csr": sp.csr_matrix,
    "csr_array": sp.csr_array,
}
SETTINGS = {
    "adam": {},
    "amsgrad": dict(solver="amsgrad"),
    "adamw": dict(solver="adamw", weight_decay=0.5),
    "raw epsilon": dict(epsilon_placement="raw", epsilon=1e-3),
    # The constant column's gradients are all zero: 0 / 0 without the guard.
    "zero epsilon": dict(epsilon=0.0),
    "ridge": dict(alpha=30.0),
    "no intercept": dict(fit_intercept=False),
    "no standardization": dict(standardize=False, learning_rate=0.05),
    # At full batch the centered intercept's first gradients are rounding
    # noise, which Adam divides by epsilon: the two paths' noise differs, so
    # their early intercepts do too (by about 1e-6). They meet again as the
    # fit converges; compare the converged model there.
    "full batch, to convergence": dict(batch_size=None, max_iter=1000, tol=0,
                                       n_iter_no_change=10**6),
    "no shuffle, last batch short": dict(shuffle=False, batch_size=100),
    "validation split": dict(early_stopping=True),
    "schedule and growth": dict(schedule="plateau", tol=0.5, n_iter_no_change=1),
    # No penalty gradient: a proximal step after each step, in the rule's metric.
    "lasso": dict(penalty="l1", alpha=0.05),
    "elastic net, no shuffle, last batch short": dict(
        penalty="elasticnet", alpha=0.1, l1_ratio=0.7, shuffle=False, batch_size=100),
    "lasso, amsgrad": dict(penalty="l1", alpha=0.05, solver="amsgrad"),
    "elastic net, adamw": dict(penalty="elasticnet", alpha=0.05, solver="adamw",
                               weight_decay=0.5),
    "lasso, full batch, to convergence": dict(penalty="l1", alpha=0.05, batch_size=None,
                                              max_iter=1000, tol=0, n_iter_no_change=10**6),
}


@pytest.mark.parametrize("settings", SETTINGS.values(), ids=SETTINGS)
@pytest.mark.parametrize("container", CONTAINERS.values(), ids=CONTAINERS)
def test_compiled_epoch_agrees_with_numpy(monkeypatch, container, settings):
    X, y, weight = make_data()
    fast, slow = fit_both_ways(
        monkeypatch, container(X), y, fit_params=dict(sample_weight=weight), **settings
    )
    assert_same(fast, slow, rtol=1e-12, whole_history=settings.get("batch_size", 1) is not None)


@pytest.mark.parametrize("penalty", [dict(alpha=2.0), dict(penalty="l1", alpha=0.05)],
                         ids=["ridge", "lasso"])
@pytest.mark.parametrize("container", [np.asarray, sp.csr_matrix], ids=["dense", "csr"])
def test_several_targets(monkeypatch, container, penalty):
    X, y, _ = make_data(n_targets=3)
    assert_same(*fit_both_ways(monkeypatch, container(X), y, **penalty), rtol=1e-12)


# NAdam and Adamax, on their own compiled steps: every setting that changes
# their arithmetic (the epsilon's placement or zero, NAdam's schedule of
# momenta) and what the epoch around them does.
RULE_SETTINGS = {
    "defaults": {},
    "raw epsilon": dict(epsilon_placement="raw", epsilon=1e-3),
    "zero epsilon": dict(epsilon=0.0),
    "ridge, no intercept": dict(alpha=30.0, fit_intercept=False),
    "no shuffle, last batch short": dict(shuffle=False, batch_size=100),
    "schedule and warm-up": dict(schedule="cosine", decay_epochs=3, warmup_epochs=1),
    "validation split": dict(early_stopping=True),
    "full batch": dict(batch_size=None, max_iter=30, learning_rate=0.05),
    "full batch, to convergence": dict(batch_size=None, max_iter=1000, tol=0,
                                       n_iter_no_change=10**6),
    "lasso": dict(penalty="l1", alpha=0.05),
    "elastic net, zero epsilon": dict(penalty="elasticnet", alpha=0.1, epsilon=0.0),
    "lasso, raw epsilon, no shuffle": dict(penalty="l1", alpha=0.05, epsilon_placement="raw",
                                           epsilon=1e-3, shuffle=False, batch_size=100),
}
NADAM_SETTINGS = {"momentum decay 0.1": dict(momentum_decay=0.1),
                  "momentum decay 0": dict(momentum_decay=0.0)}
RULE_CASES = {
    f"{solver}, {name}": (solver, settings)
    for solver, table in [("nadam", RULE_SETTINGS | NADAM_SETTINGS), ("adamax", RULE_SETTINGS)]
    for name, settings in table.items()
}


@pytest.mark.parametrize("solver, settings", RULE_CASES.values(), ids=RULE_CASES)
@pytest.mark.parametrize("container", [np.asarray, sp.csr_matrix], ids=["dense", "csr"])
def test_compiled_nadam_and_adamax_agree_with_numpy(monkeypatch, container, solver, settings):
    X, y, weight = make_data()
    fast, slow = fit_both_ways(
        monkeypatch, container(X), y, fit_params=dict(sample_weight=weight), solver=solver,
        **settings,
    )
    # A converged fit's moments are rounding noise: compare the model there.
    assert_same(fast, slow, rtol=1e-12, whole_history=settings.get("max_iter", 0) < 1000)


@pytest.mark.parametrize("solver", ["nadam", "adamax"])
@pytest.mark.parametrize("batch_size", [64, None], ids=["mini-batch", "full batch"])
def test_compiled_nadam_and_adamax_several_targets(monkeypatch, solver, batch_size):
    X, y, weight = make_data(n_targets=3)
    fast, slow = fit_both_ways(monkeypatch, X, y, fit_params=dict(sample_weight=weight),
                               solver=solver, batch_size=batch_size, alpha=2.0)
    assert_same(fast, slow, rtol=1e-12)


@pytest.mark.parametrize("solver", ["nadam", "adamax"])
def test_compiled_nadam_and_adamax_full_batch_epochs_over_sparse_rows(monkeypatch, solver):
    # Too few non-zeros for the normal equations to pay off: each full-batch
    # epoch is a compiled pass over X, the one judged converged undone.
    # Without an intercept, whose first gradients would be rounding noise;
    # the converged moments are, so the model is compared.
    rng = np.random.RandomState(0)
    X = sp.random(300, 60, density=0.05, random_state=rng, format="csr")
    y = X @ rng.randn(60) + 0.1 * rng.randn(300)
    fast, slow = fit_both_ways(monkeypatch, X, y, solver=solver, batch_size=None, max_iter=3000,
                               tol=1e-4, learning_rate=0.05, fit_intercept=False)
    assert slow.n_iter_ < 3000
    assert_same(fast, slow, rtol=1e-12, whole_history=False)


@pytest.mark.parametrize("solver", ["nadam", "adamax"])
def test_compiled_nadam_and_adamax_carry_their_state_across_calls(monkeypatch, solver):
    # partial_fit hands the state, NAdam's momentum product included, from
    # one compiled call to the next.
    X, y, weight = make_data()
    chunks = [(start, start + 175) for start in range(0, 700, 175)]
    models = stream_both_ways(monkeypatch, sp.csr_matrix(X), y, weight, chunks,
                              solver=solver, batch_size=50)
    assert_same(*models, rtol=1e-12)


def assert_same_average(fast, slow, rtol=1e-12):
    # The averaged iterate of the stochastic steps (sklearn_adam._averaging).
    fast_average, slow_average = fast._fit_state.average, slow._fit_state.average
    if slow_average is None:
        assert fast_average is None
        return
    assert fast_average.n_averaged == slow_average.n_averaged > 0
    for a, b in zip(fast_average.params, slow_average.params, strict=True):
        assert_allclose(a, b, rtol=rtol, atol=rtol * np.abs(b).max())
    # After proximal steps, the averages of what their thresholds clipped.
    assert (fast_average.clipped is None) == (slow_average.clipped is None)
    if slow_average.clipped is not None:
        for name in ("clipped", "thresholds"):
            a, b = getattr(fast_average, name), getattr(slow_average, name)
            assert_allclose(a, b, rtol=rtol, atol=rtol * np.abs(b).max())


AVERAGED_SETTINGS = {
    "adam": {},
    "amsgrad": dict(solver="amsgrad"),
    "adamw": dict(solver="adamw", weight_decay=0.5),
    "nadam": dict(solver="nadam"),
    "adamax": dict(solver="adamax"),
    "ridge, no intercept": dict(alpha=30.0, fit_intercept=False),
    "no shuffle, last batch short": dict(shuffle=False, batch_size=100),
    "validation split": dict(early_stopping=True),
    # The batch grows to every row: training goes on from the average.
    "growth to full batch": dict(batch_size=175, n_iter_no_change=1, max_iter=40),
    "lasso": dict(penalty="l1", alpha=0.05),
    "elastic net, adamax": dict(penalty="elasticnet", alpha=0.1, solver="adamax"),
    "lasso, growth to full batch": dict(penalty="l1", alpha=0.05, batch_size=175,
                                        n_iter_no_change=1, max_iter=40),
}


@pytest.mark.parametrize("settings", AVERAGED_SETTINGS.values(), ids=AVERAGED_SETTINGS)
@pytest.mark.parametrize("container", [np.asarray, sp.csr_matrix], ids=["dense", "csr"])
def test_compiled_averaging_agrees_with_numpy(monkeypatch, container, settings):
    X, y, weight = make_data()
    fast, slow = fit_both_ways(
        monkeypatch, container(X), y, fit_params=dict(sample_weight=weight), **settings
    )
    assert_same(fast, slow, rtol=1e-12)
    assert_same_average(fast, slow)
    if "growth" in str(settings):
        assert slow.batch_size_curve_[-1] == 700 and slow._fit_state.average is None


@pytest.mark.parametrize("penalty", [{}, dict(penalty="l1", alpha=0.05)], ids=["ridge", "lasso"])
@pytest.mark.parametrize("solver", ["adam", "nadam"])
def test_compiled_averaging_of_partial_fit_agrees_with_numpy(monkeypatch, solver, penalty):
    # Chunks of several batches and of one (150 rows), the standardization
    # changing between them. (A first chunk of one batch would take a full
    # batch from zero, whose centered intercept gradient is rounding noise.)
    # With the lasso, the averages of the clipped parts follow the new scales.
    X, y, weight = make_data()
    X = X * (1 + np.arange(700)[:, None] // 350)
    models = stream_both_ways(monkeypatch, X, y, weight, [(0, 350), (350, 500), (500, 700)],
                              solver=solver, **penalty)
    assert_same(*models, rtol=1e-12)
    # The lasso's averaged standardized intercept is 1e-4 (the centered
    # targets' intercept), whose rounding is compared to its own size.
    assert_same_average(*models, rtol=1e-11 if penalty else 1e-12)


def test_float32_stays_float32_and_agrees_to_its_precision(monkeypatch):
    X, y, _ = make_data()
    fast, slow = fit_both_ways(monkeypatch, X.astype(np.float32), y.astype(np.float32))
    assert fast.coef_.dtype == np.float32 and fast.solver_state_.first_moment[0].dtype == np.float32
    assert_same(fast, slow, rtol=2e-4)


@pytest.fixture
def compiled_calls(monkeypatch):
    """A list that gets an entry at every call of a compiled epoch or run of full-batch steps."""
    calls = []

    def spy(original):
        def counted(*args):
            calls.append(True)
            return original(*args)

        return counted

    for name in ("epoch", "full_batch_steps"):
        monkeypatch.setattr(compiled, name, spy(getattr(compiled, name)))
    return calls


@pytest.mark.parametrize("penalty", ["l2", "l1", "elasticnet"])
@pytest.mark.parametrize("solver", list(SOLVERS))
@pytest.mark.parametrize("batch_size", [100, None], ids=["mini-batch", "full batch"])
def test_every_built_in_rule_takes_the_compiled_path(compiled_calls, solver, batch_size,
                                                     penalty):
    X, y, _ = make_data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        AdamLinearRegressor(max_iter=1, solver=solver, batch_size=batch_size,
                            penalty=penalty).fit(X, y)
    assert compiled_calls


def test_csc_mini_batches_are_trained_in_numpy(compiled_calls):
    X, y, _ = make_data()
    calls = compiled_calls
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        # Mini-batches of CSC rows are gathered by numpy.
        AdamLinearRegressor(max_iter=1, batch_size=100).fit(sp.csc_matrix(X), y)
        assert not calls
        # Full-batch steps never read X: they are compiled whatever its format.
        AdamLinearRegressor(max_iter=1).fit(sp.csc_matrix(X), y)
        assert calls


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-12), (np.float32, 1e-5)])
def test_compiled_feature_scales_agree_with_numpy(monkeypatch, dtype, rtol):
    from sklearn_adam._objective import Standardization

    rng = np.random.RandomState(0)
    # Large means next to small spreads: the centered sums must stay accurate.
    # (In float32 a spread of 1e-3 around 1e3 is a few ulps, which the
    # estimator refuses as unresolvable: 0.1 is the smallest spread used there.)
    small = 1e-3 if dtype == np.float64 else 1e-1
    X = (rng.randn(5000, 8) * [1, small, 10, 1, 1, 1, 1, 1] + 1e3).astype(dtype)
    X[:, 7] = 2.0
    y = (X @ rng.randn(8)).reshape(-1, 1).astype(dtype)
    weight = rng.uniform(0.2, 3, 5000).astype(dtype)
    scales = []
    for enabled in (True, False):
        monkeypatch.setattr(compiled, "ENABLED", enabled)
        scales.append(Standardization.fit(X, y, weight, center=True, scale=True))
    assert scales[0].x_scale.dtype == dtype
    assert_allclose(scales[0].x_scale, scales[1].x_scale, rtol=rtol)
    assert np.isinf(scales[0].x_scale[7]) and np.isinf(scales[1].x_scale[7])


class CountingAdam(Adam):
    """A user's variant: Adam's arithmetic with a count of its steps, so its own update."""

    def update(self, grads, state, learning_rate=None, params=None):
        self.calls = getattr(self, "calls", 0) + 1
        return super().update(grads, state, learning_rate, params)


class DeclaredAdam(Adam):
    """A subclass that declares Adam's kernel for itself, keeping Adam's update."""

    kernel_spec = Adam.kernel_spec


def test_only_a_class_that_declares_a_kernel_is_compiled(compiled_calls):
    X, y, _ = make_data()
    calls = compiled_calls
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = AdamLinearRegressor(solver=CountingAdam(), max_iter=2).fit(X, y)
        assert not calls and model.solver_.calls == model.n_steps_
        AdamLinearRegressor(solver=DeclaredAdam(), max_iter=2).fit(X, y)
        assert calls


@pytest.mark.parametrize("container", [np.asarray, sp.csr_matrix], ids=["dense", "csr"])
@pytest.mark.parametrize("constant", [0.0, 7.0])
def test_float32_with_a_constant_column_fits_on_the_compiled_path(monkeypatch, container,
                                                                   constant):
    # A constant column has an infinite scale; vectorized float32 code
    # compiled under "no infinities" made its 1 / inf a NaN ("diverged").
    rng = np.random.RandomState(0)
    X = rng.randn(200, 4).astype(np.float32)
    X[:, 2] = constant
    y = (X @ [1.0, -2.0, 3.0, 0.5] + 5).astype(np.float32)
    fast, slow = fit_both_ways(monkeypatch, container(X), y, max_iter=20)
    assert fast.coef_[2] == 0 and np.isfinite(fast.coef_).all()
    assert_allclose(fast.coef_, slow.coef_, rtol=1e-4, atol=1e-5)


def test_numba_is_imported_by_the_first_compiled_fit_not_by_the_package():
    # numba's import and start-up cost a process a few tenths of a second,
    # which only a fit that runs compiled code should pay.
    script = (
        "import sys\n"
        "import numpy as np\n"
        "import sklearn_adam\n"
        "print('numba' in sys.modules)\n"
        "sklearn_adam.AdamLinearRegressor().fit(np.eye(3), np.arange(3.0))\n"
        "print('numba' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "True"]


def test_numba_is_a_dependency():
    # A plain "pip install" must give the compiled path: tens of times
    # faster than the numpy one on small batches (benchmarks/speed.py).
    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    project = pyproject["project"]

    def names(requirements):
        return {re.match(r"[A-Za-z0-9_.-]+", requirement).group().lower()
                for requirement in requirements}

    assert "numba" in names(project["dependencies"])
