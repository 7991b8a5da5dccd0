"""adam_path: one estimator's fits along a grid of alpha, the data read once.

The path is held to three references: the warm-started refits it stands
for (the same fits, bit for bit, where it reads the data once), the
scikit-learn estimator of each alpha (Lasso, ElasticNet, Ridge at a tight
tolerance), and its own grid's promise (every coefficient zero at
``alpha_max``, one non-zero just below it) for every loss that has one.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import ElasticNet, Ridge

from sklearn_adam import Adam, AdamLinearRegressor, adam_path
from sklearn_adam._data import check_fit_data
from sklearn_adam._namespace import to_numpy
from sklearn_adam._path import alpha_max


@pytest.fixture(scope="module")
def problem():
    """Eight features of various scales and offsets, three informative, weighted rows."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 8)) * rng.uniform(0.5, 5, 8) + 3.0
    coef = np.zeros(8)
    coef[:3] = [2.0, -1.5, 0.5]
    y = X @ coef + 2.0 + rng.normal(size=400)
    weight = rng.uniform(0.3, 3.0, 400)
    return X, y, weight


def _refits(estimator, X, y, alphas, sample_weight=None):
    """The warm-started refits the path stands for: coef_ and intercept_ at each alpha."""
    model = sklearn.base.clone(estimator).set_params(warm_start=True)
    coefs, intercepts = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for alpha in alphas:
            model.set_params(alpha=alpha).fit(X, y, sample_weight)
            coefs.append(np.array(to_numpy(model.coef_)))
            intercepts.append(np.array(to_numpy(model.intercept_)))
    return np.stack(coefs, axis=-1), np.stack(intercepts, axis=-1)


ESTIMATORS = [
    pytest.param(dict(penalty="l1"), id="lasso"),
    pytest.param(dict(penalty="elasticnet", l1_ratio=0.3), id="elasticnet"),
    pytest.param(dict(penalty="l1", batch_size=64, random_state=0, max_iter=30),
                 id="lasso-minibatch"),
    pytest.param(dict(penalty="l1", loss="poisson"), id="poisson-lasso"),
    pytest.param(dict(penalty="l2", loss="huber"), id="huber-ridge"),
    pytest.param(dict(penalty="l1", loss="quantile", quantile=0.7), id="quantile-lasso"),
]


@pytest.mark.parametrize("params", ESTIMATORS)
def test_the_path_is_the_warm_started_refits_bit_for_bit(problem, params):
    X, y, weight = problem
    y = np.abs(y) + 0.1 if params.get("loss") == "poisson" else y
    estimator = AdamLinearRegressor(**params)
    alphas = [2.0, 0.5, 0.1, 0.02]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        got_alphas, coefs, intercepts, n_iters = adam_path(
            X, y, estimator=estimator, alphas=alphas, sample_weight=weight, return_n_iter=True)
    assert_array_equal(got_alphas, alphas)
    expected_coefs, expected_intercepts = _refits(estimator, X, y, alphas, weight)
    assert_array_equal(coefs, expected_coefs)
    assert_array_equal(intercepts, expected_intercepts)
    assert coefs.shape == (X.shape[1], len(alphas)) and intercepts.shape == (len(alphas),)
    assert n_iters.shape == (len(alphas),) and np.all(n_iters >= 1)
    # The estimator passed is a template: never fitted, never changed.
    assert not hasattr(estimator, "coef_") and estimator.get_params()["warm_start"] is False


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
@pytest.mark.parametrize("sparse", [False, True])
def test_the_default_grid_is_the_elastic_net_path(problem, l1_ratio, sparse):
    X, y, weight = problem
    X_fit = sp.csr_matrix(np.where(np.abs(X) > 4, X, 0.0)) if sparse else X
    estimator = AdamLinearRegressor(penalty="elasticnet", l1_ratio=l1_ratio)
    alphas, coefs, intercepts = adam_path(X_fit, y, estimator=estimator, alphas=6, eps=1e-2,
                                          sample_weight=weight)
    # lasso_path's grid: from alpha_max down to eps * alpha_max, geometrically.
    assert_allclose(alphas[1:] / alphas[:-1], 1e-2 ** (1 / 5), rtol=1e-12)
    assert_array_equal(coefs[:, 0], 0.0)
    for k, alpha in enumerate(alphas):
        peer = ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-12, max_iter=100_000)
        peer.fit(X_fit, y, sample_weight=weight)
        assert_array_equal(coefs[:, k] == 0, peer.coef_ == 0)
        assert_allclose(coefs[:, k], peer.coef_, atol=1e-6 * np.abs(peer.coef_).max(initial=1))
        assert intercepts[k] == pytest.approx(peer.intercept_, rel=1e-6)


@pytest.mark.parametrize("params", [
    pytest.param(dict(), id="squared"),
    pytest.param(dict(fit_intercept=False), id="squared-no-intercept"),
    pytest.param(dict(penalty="elasticnet", l1_ratio=0.2), id="elasticnet"),
    pytest.param(dict(loss="poisson"), id="poisson"),
    pytest.param(dict(loss="gamma"), id="gamma"),
])
def test_alpha_max_is_where_the_first_coefficient_leaves_zero(problem, params):
    X, y, weight = problem
    y = np.abs(y) + 0.1 if params.get("loss") in ("poisson", "gamma") else y
    two_targets = np.c_[y, 0.5 * y + 1.0]
    for targets in (y, two_targets):
        model = AdamLinearRegressor(**{"penalty": "l1", **params}, tol=1e-10, max_iter=20_000)
        largest = alpha_max(model, check_fit_data(model, X, targets, weight, reset=True))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            above = model.set_params(alpha=largest * (1 + 1e-6)).fit(X, targets, weight)
            assert np.all(above.coef_ == 0)
            below = model.set_params(alpha=largest * 0.98).fit(X, targets, weight)
        assert np.count_nonzero(below.coef_) >= 1


def test_a_ridge_path_is_ridge_at_each_alpha(problem):
    X, y, weight = problem
    alphas, coefs, intercepts = adam_path(
        X, y, estimator=AdamLinearRegressor(penalty="l2", tol=1e-10), alphas=[10.0, 1e3, 1.0],
        sample_weight=weight)
    assert_array_equal(alphas, [1e3, 10.0, 1.0])  # decreasing, as lasso_path orders them
    for k, alpha in enumerate(alphas):
        peer = Ridge(alpha=alpha, solver="cholesky").fit(X, y, sample_weight=weight)
        assert_allclose(coefs[:, k], peer.coef_, rtol=1e-7)
        assert intercepts[k] == pytest.approx(peer.intercept_, rel=1e-7)


def test_several_targets_stack_as_lasso_path_does(problem):
    X, y, _ = problem
    Y = np.c_[y, -y + 0.3 * X[:, 5]]
    alphas, coefs, intercepts = adam_path(X, Y, alphas=5, eps=0.05)
    assert coefs.shape == (2, X.shape[1], 5) and intercepts.shape == (2, 5)
    expected, _ = _refits(AdamLinearRegressor(penalty="l1"), X, Y, alphas)
    assert_array_equal(coefs, expected)


def test_the_inputs_are_left_as_they_were(problem):
    X, y, weight = problem
    copies = [X.copy(), y.copy(), weight.copy()]
    adam_path(X, y, alphas=4, sample_weight=weight)
    for given, copy in zip((X, y, weight), copies):
        assert_array_equal(given, copy)


def test_an_unconverged_path_warns_once_naming_its_alphas(problem):
    X, y, _ = problem
    with pytest.warns(ConvergenceWarning, match=r"did not converge within max_iter=2") as caught:
        adam_path(X, y, estimator=AdamLinearRegressor(penalty="l1", max_iter=2), alphas=4)
    assert len([w for w in caught if issubclass(w.category, ConvergenceWarning)]) == 1


def test_an_early_stopping_path_is_its_refits(problem):
    X, y, _ = problem
    estimator = AdamLinearRegressor(penalty="l1", early_stopping=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        alphas, coefs, _ = adam_path(X, y, estimator=estimator, alphas=[1.0, 0.3, 0.1])
    expected, _ = _refits(estimator, X, y, alphas)
    assert_array_equal(coefs, expected)
    # Its fits train on rows each fit draws: alpha_max, theirs, is not known before.
    with pytest.raises(ValueError, match="early_stopping=True.*pass the alphas"):
        adam_path(X, y, estimator=estimator, alphas=3)


def test_callbacks_are_told_of_every_fit_as_refits_tell_them(problem):
    from sklearn_adam._callbacks import CALLBACKS_AVAILABLE

    if not CALLBACKS_AVAILABLE:
        pytest.skip("scikit-learn's callbacks (1.9+) are not installed")

    class StopEveryThirdEpoch:
        def setup(self, estimator, context):
            pass

        def teardown(self, estimator, context):
            pass

        def on_fit_task_begin(self, estimator, context):
            pass

        def on_fit_task_end(self, estimator, context, **kwargs):
            return context.task_name == "epoch" and context.task_id == 2

    X, y, _ = problem
    estimator = AdamLinearRegressor(penalty="l1").set_callbacks(StopEveryThirdEpoch())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        alphas, coefs, _, n_iters = adam_path(X, y, estimator=estimator, alphas=[1.0, 0.1],
                                              return_n_iter=True)
    assert_array_equal(n_iters, [3, 3])
    expected, _ = _refits(estimator, X, y, alphas)
    assert_array_equal(coefs, expected)


class CountingAdam(Adam):
    """Adam whose rate grows with the fits it has been copied into: state on the solver."""

    def init(self, params):
        self.fits = getattr(self, "fits", 0) + 1
        return super().init(params)

    def update(self, grads, state, learning_rate, params):
        return super().update(grads, state, learning_rate * self.fits, params)

    def step_sizes(self, state, learning_rate):
        return super().step_sizes(state, learning_rate * self.fits)


def test_a_user_solver_is_copied_afresh_for_each_alpha(problem):
    X, y, _ = problem
    estimator = AdamLinearRegressor(penalty="l1", solver=CountingAdam(), batch_size=32,
                                    max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        alphas, coefs, _ = adam_path(X, y, estimator=estimator, alphas=[1.0, 0.3, 0.1])
    expected, _ = _refits(estimator, X, y, alphas)
    assert_array_equal(coefs, expected)


def test_an_array_api_path_is_the_numpy_path(problem):
    strict = pytest.importorskip("array_api_strict")
    X, y, _ = problem
    with sklearn.config_context(array_api_dispatch=True):
        alphas, coefs, _ = adam_path(strict.asarray(X), strict.asarray(y), alphas=4)
    numpy_alphas, numpy_coefs, _ = adam_path(X, y, alphas=4)
    assert_allclose(alphas, numpy_alphas, rtol=1e-12)
    assert_array_equal(coefs == 0, numpy_coefs == 0)
    assert_allclose(coefs, numpy_coefs, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("estimator, alphas, eps, match", [
    (AdamLinearRegressor(penalty="l2"), 10, 1e-3, "no L1 part"),
    (AdamLinearRegressor(penalty="elasticnet", l1_ratio=0.0), 10, 1e-3, "no L1 part"),
    (AdamLinearRegressor(penalty="l1", loss="quantile"), 10, 1e-3, "not known in closed form"),
    (AdamLinearRegressor(penalty="l1", loss="huber"), 10, 1e-3, "not known in closed form"),
    (AdamLinearRegressor(penalty="l1"), 0, 1e-3, "at least 1"),
    (AdamLinearRegressor(penalty="l1"), 10, 0.0, "eps must be"),
    (AdamLinearRegressor(penalty="l1"), 10, 2.0, "eps must be"),
    (AdamLinearRegressor(penalty="l1"), [1.0, -1.0], 1e-3, "negative"),
    (AdamLinearRegressor(penalty="l1"), [[1.0, 2.0]], 1e-3, "1-D"),
    (AdamLinearRegressor(penalty="l1"), 3.0, 1e-3, "alphas must be a number of alphas"),
    (AdamLinearRegressor(penalty="l1"), [1.0, np.nan], 1e-3, "NaN"),
    (AdamLinearRegressor(penalty="l1", beta_1=2.0), 10, 1e-3, "beta_1"),
])
def test_bad_settings_are_refused_before_any_work(problem, estimator, alphas, eps, match):
    X, y, _ = problem
    # An X that validation would refuse: the settings are refused first.
    with pytest.raises(ValueError, match=match):
        adam_path(X[:, :0], y, estimator=estimator, alphas=alphas, eps=eps)


def test_the_estimator_must_be_ours(problem):
    X, y, _ = problem
    with pytest.raises(TypeError, match="must be an AdamLinearRegressor"):
        adam_path(X, y, estimator=Ridge(), alphas=[1.0])


@pytest.mark.parametrize("dtype, offset, loss, standardize", [
    (np.float64, 0.0, "squared_error", True),
    (np.float64, 1e6, "squared_error", True),
    (np.float64, 1e6, "poisson", True),
    (np.float64, 0.0, "gamma", False),
    (np.float64, 0.0, "poisson", False),
    (np.float32, 0.0, "squared_error", True),
    (np.float32, 100.0, "squared_error", True),
    (np.float32, 0.0, "poisson", True),
    (np.float32, 0.0, "gamma", False),
])
def test_the_grid_starts_where_every_coefficient_is_zero(dtype, offset, loss, standardize):
    for seed in range(4):
        rng = np.random.default_rng(seed)
        X = rng.normal(size=(500, 8)) * rng.uniform(0.5, 5, 8) + offset
        signal = X[:, :3] @ [0.2, -0.15, 0.05] - offset * 0.1
        y = (2 + signal + rng.normal(size=500) if loss == "squared_error"
             else 3 * np.exp(0.1 * signal) * rng.uniform(0.5, 1.5, 500))
        # Columns far from zero: alpha_max's sums must not carry their means' rounding.
        estimator = AdamLinearRegressor(penalty="l1", loss=loss, standardize=standardize)
        alphas, coefs, _ = adam_path(X.astype(dtype), y.astype(dtype), estimator=estimator,
                                     alphas=3, eps=0.5)
        assert_array_equal(coefs[:, 0], 0.0)
        assert np.count_nonzero(coefs[:, -1]) >= 1
