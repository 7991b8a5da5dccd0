"""Problems, objectives and an epoch recorder for ``benchmarks/losses.py``.

Every loss's data share standardized Gaussian features
(:func:`benchmarks.datasets.large_dense`'s ``X``) and differ in the
targets:

- ``"huber"``: a linear model plus Gaussian noise, one row in ten an outlier
  whose noise is 20 times larger (heavy tails);
- ``"quantile"`` and ``"absolute_error"``: a linear model plus noise whose
  spread grows with the first feature, ``(1 + |x_0|) e`` (heteroscedastic);
- ``"poisson"`` and ``"gamma"``: log-linear means ``exp(0.8 + x w)`` with
  ``||w|| = 0.5`` (means from about 0.1 to 50 over a million rows), Poisson
  counts or Gamma draws of shape 2.

Each objective is the loss's mean over the rows, with no penalty (the
benchmark fits at ``alpha=0``), in the data's units, written once here and
used for every fit alike, ours and the peers'.
"""

import time
import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy.special import xlogy
from sklearn.exceptions import ConvergenceWarning

from benchmarks.datasets import large_dense
from benchmarks.regimes import WARMUP_ROWS, timed_fit
from sklearn_adam import AdamLinearRegressor

HUBER_EPSILON = 1.35
OUTLIER_SHARE = 0.1
LOG_MEAN_CENTER = 0.8
LOG_MEAN_SPREAD = 0.5


@dataclass
class Problem:
    """Features, targets and the coefficients that generated them.

    ``truth`` is ``(coef, intercept)`` of the linear predictor; for
    ``"huber"``, ``"absolute_error"``, ``"poisson"``, ``"gamma"`` and the
    median it is the population's minimizer of the loss, so its objective is
    within about ``n_features / n_samples`` (relative) of the sample's optimum.
    """

    X: np.ndarray
    y: np.ndarray
    truth: tuple


def features(n_samples, n_features, seed=0):
    """Standardized Gaussian features, shared by every loss's problem."""
    return large_dense(n_samples, n_features, seed=seed)[0]


def problem(loss, X, seed=1):
    """Targets for ``loss`` on features ``X`` (see the module's docstring)."""
    rng = np.random.default_rng(seed)
    n_samples, n_features = X.shape
    if loss in ("poisson", "gamma"):
        coef = rng.standard_normal(n_features)
        coef *= LOG_MEAN_SPREAD / np.linalg.norm(coef)
        mean = np.exp(LOG_MEAN_CENTER + X @ coef)
        y = (rng.poisson(mean).astype(float) if loss == "poisson"
             else rng.gamma(2.0, mean / 2.0))
        return Problem(X, y, (coef, LOG_MEAN_CENTER))
    coef = rng.uniform(-2, 2, n_features)
    noise = rng.standard_normal(n_samples)
    if loss == "huber":
        noise[rng.random(n_samples) < OUTLIER_SHARE] *= 20
    else:
        noise *= 1 + np.abs(X[:, 0])
    return Problem(X, X @ coef + 1.0 + noise, (coef, 1.0))


def huber_objective(y, linear_predictor, epsilon=HUBER_EPSILON):
    r"""HuberRegressor's objective per row at ``alpha=0``, its scale profiled out.

    .. math::

        \min_{\sigma > 0} \frac1n \sum_i \sigma + \sigma H_\epsilon(r_i / \sigma),
        \quad H_\epsilon(z) = z^2 \text{ if } |z| < \epsilon
        \text{ else } 2 \epsilon |z| - \epsilon^2,

    a function of the coefficients alone, so that fits that estimate the scale
    differently are judged alike. The sum is convex in :math:`\sigma`; where
    the :math:`k` smallest :math:`|r_i|` lie inside :math:`\epsilon \sigma`,
    its derivative vanishes at :math:`\sigma^2 = \sum_{i \le k} r_{(i)}^2 /
    (n - (n - k) \epsilon^2)`, and the minimizer is the one such
    :math:`\sigma` that is consistent with its :math:`k`.
    """
    ordered = np.sort(np.abs(y - linear_predictor))
    n_samples = len(ordered)
    inside = np.arange(n_samples + 1)
    squares = np.concatenate([[0.0], np.cumsum(ordered**2)])
    denominator = n_samples - (n_samples - inside) * epsilon**2
    feasible = (denominator > 0) & (squares > 0)
    inside, scale = inside[feasible], np.sqrt(squares[feasible] / denominator[feasible])
    below = ordered[np.maximum(inside - 1, 0)]
    above = np.append(ordered, np.inf)[inside]
    consistent = (below < epsilon * scale) & (epsilon * scale <= above)
    if not consistent.any():
        return 0.0 if not feasible.any() else min(
            _huber_at(ordered, candidate, epsilon) for candidate in scale)
    return _huber_at(ordered, scale[np.argmax(consistent)], epsilon)


def _huber_at(absolute_residual, scale, epsilon):
    loss = np.where(absolute_residual < epsilon * scale, absolute_residual**2 / scale,
                    2 * epsilon * absolute_residual - epsilon**2 * scale)
    return float(scale + np.mean(loss))


def pinball(y, linear_predictor, quantile=0.5):
    """Mean pinball loss of ``quantile``: QuantileRegressor's objective at ``alpha=0``."""
    residual = y - linear_predictor
    return float(np.mean(np.maximum(quantile * residual, (quantile - 1) * residual)))


def absolute_error(y, linear_predictor):
    """Mean absolute error: twice the pinball loss of the median."""
    return 2 * pinball(y, linear_predictor, 0.5)


def poisson_deviance(y, linear_predictor):
    """Mean half Poisson deviance of the means ``exp(linear_predictor)``, 0 at a perfect fit."""
    return float(np.mean(xlogy(y, y) - y * linear_predictor - y + np.exp(linear_predictor)))


def gamma_deviance(y, linear_predictor):
    """Mean half Gamma deviance of the means ``exp(linear_predictor)``, 0 at a perfect fit."""
    return float(np.mean(linear_predictor - np.log(y) + y * np.exp(-linear_predictor) - 1))


OBJECTIVES = {"huber": huber_objective, "quantile": pinball, "absolute_error": absolute_error,
              "poisson": poisson_deviance, "gamma": gamma_deviance}


def objective(loss, X, y, params, quantile=0.5):
    """The objective of ``loss`` at ``params = (coef, intercept)`` of the linear predictor."""
    coef, intercept = params
    linear_predictor = X @ np.ravel(coef) + float(np.ravel(intercept)[0])
    if loss == "quantile":
        return pinball(y, linear_predictor, quantile)
    return OBJECTIVES[loss](y, linear_predictor)


def params_of(model):
    """``(coef, intercept)`` of a fitted scikit-learn estimator or a statsmodels result."""
    if hasattr(model, "coef_"):
        return np.ravel(np.asarray(model.coef_, dtype=float)), float(np.ravel(model.intercept_)[0])
    return np.asarray(model.params[1:], dtype=float), float(model.params[0])


def coefficient_difference(params, reference):
    """Largest difference of a coefficient or the intercept, relative to the reference's largest."""
    ours = np.append(params[0], params[1])
    theirs = np.append(reference[0], reference[1])
    return float(np.max(np.abs(ours - theirs)) / np.max(np.abs(theirs)))


@dataclass
class EpochRecorder:
    """A scikit-learn callback that records each epoch's end and stops a fit past a budget.

    At the end of each epoch it stores the seconds since ``fit`` began (the
    recorder's own time taken out) and the epoch's coefficients, so that the
    objective of every epoch can be computed after the fit, untimed. It asks
    the fit to stop once ``budget`` seconds have passed.

    Parameters
    ----------
    budget : float
        Seconds after which the fit is asked to stop.
    """

    budget: float
    seconds: list = field(default_factory=list)
    params: list = field(default_factory=list)
    stopped: bool = False
    _start: float = 0.0
    _own: float = 0.0

    def setup(self, estimator, context):
        """Start the clock: ``fit`` begins."""
        self.seconds, self.params, self.stopped = [], [], False
        self._own = 0.0
        self._start = time.perf_counter()

    def teardown(self, estimator, context):
        """Nothing to release."""

    def on_fit_task_begin(self, estimator, context):
        """Nothing to do when a task begins."""

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        """Record an epoch's end; True (stop) past the budget."""
        now = time.perf_counter()
        if context.task_name != "epoch" or fitted_estimator is None:
            return False
        elapsed = now - self._start - self._own
        self.seconds.append(elapsed)
        self.params.append(params_of(fitted_estimator))
        self._own += time.perf_counter() - now
        self.stopped = elapsed > self.budget
        return self.stopped


def first_epoch_within(recorder, value_of, target):
    """The first recorded epoch whose ``value_of(params)`` is at most ``target``, or None.

    Evaluates about 20 epochs on a geometric grid, then bisects between the
    last grid epoch above the target and the first below, which assumes the
    objective decreases between them (Adam's full-batch path nearly does).
    """
    count = len(recorder.params)
    if count == 0:
        return None
    grid = sorted({int(index) for index in np.geomspace(1, count, 20)} | {count})
    below, above = None, 0
    for epoch in grid:
        if value_of(recorder.params[epoch - 1]) <= target:
            below = epoch
            break
        above = epoch
    if below is None:
        return None
    while below - above > 1:
        middle = (below + above) // 2
        if value_of(recorder.params[middle - 1]) <= target:
            below = middle
        else:
            above = middle
    return below - 1


def ours(loss, quantile=0.5):
    """A maker of our estimator for ``loss`` at its defaults (``alpha=0``)."""
    return lambda: AdamLinearRegressor(loss=loss, quantile=quantile, random_state=0)


def not_yet(error):
    """Whether ``error`` says the estimator has no such loss yet (huber before it lands)."""
    return "loss must be one of" in str(error)


def warned(caught):
    """Whether a ConvergenceWarning is among the ``caught`` warnings."""
    return any(issubclass(w.category, ConvergenceWarning) for w in caught)


def recorded_fit(make, X, y, budget):
    """One fit of ``make()`` with an :class:`EpochRecorder`; (model, recorder, seconds, warned).

    An untimed fit on the first rows comes first, as in ``timed_fit``.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        make().set_callbacks(EpochRecorder(budget)).fit(X[:WARMUP_ROWS], y[:WARMUP_ROWS])
    recorder = EpochRecorder(budget)
    model = make().set_callbacks(recorder)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        start = time.perf_counter()
        model.fit(X, y)
        seconds = time.perf_counter() - start
    return model, recorder, seconds, warned(caught)


def converged(recorder, has_warned):
    """Our fit's state in words: converged, warned, or stopped by the budget."""
    if recorder.stopped:
        return f"no (stopped at {recorder.budget:.0f} s)"
    return "no (warned)" if has_warned else "yes"


def budgeted_fit(make, X, y, budget):
    """(model, converged in words, seconds) of our fit, stopped past ``budget`` seconds.

    A fit with an :class:`EpochRecorder` first; where it converged, the
    seconds are those of plain fits (no callback, ``timed_fit``), else those
    of the recorded fit, up to the budget.
    """
    model, recorder, seconds, has_warned = recorded_fit(make, X, y, budget)
    state = converged(recorder, has_warned)
    if state == "yes":
        seconds, model, _ = timed_fit(make, X, y)
    return model, state, seconds


def once(make, X, y):
    """(seconds, fitted model, warned) of one fit, for the peers that take long."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.perf_counter()
        model = make().fit(X, y)
        seconds = time.perf_counter() - start
    return seconds, model, any("onverg" in str(w.message) or "terat" in str(w.message)
                               for w in caught)
