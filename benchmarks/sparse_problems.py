"""Problems, objectives and budgeted fits for ``benchmarks/sparse.py``.

The problems are sparse in their truth: standardized Gaussian features
(:func:`benchmarks.loss_problems.features`, every column of mean 0 and
standard deviation 1 exactly) of which only the first ``informative`` carry
signal, ``y = X w + 1 + e`` with ``w_j`` of size 1 to 3 and either sign on
those features and 0 elsewhere, and standard normal noise ``e``. The CSR
problem has Gaussian non-zeros at a given density and the same kind of truth.

The objective is ElasticNet's, for ours and every peer alike::

    1 / (2 n) ||y - X w - b||^2 + alpha (rho ||w||_1 + (1 - rho) / 2 ||w||^2)

(``rho = 1`` for the lasso), and the penalties' ``alpha`` are given as
fractions of ``alpha_max``, the smallest ``alpha`` whose solution is all
zeros.
"""

import time
import warnings
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from benchmarks.loss_problems import (
    EpochRecorder,
    Problem,
    converged,
    features,
    once,
    warned,
)
from benchmarks.regimes import WARMUP_ROWS, median_seconds, timed_fit
from sklearn_adam import AdamLinearRegressor

L1_RATIOS = {"l1": 1.0, "elasticnet": 0.5}
INTERCEPT = 1.0


def sparse_truth(n_features, informative, rng):
    """Coefficients of size 1 to 3 and random sign on the first ``informative`` features."""
    coef = np.zeros(n_features)
    coef[:informative] = rng.uniform(1, 3, informative) * rng.choice([-1, 1], informative)
    return coef


def dense_problem(n_samples, n_features, informative=10, seed=1):
    """Standardized Gaussian features, ``informative`` of them in the truth."""
    X = features(n_samples, n_features)
    rng = np.random.default_rng(seed)
    coef = sparse_truth(n_features, informative, rng)
    y = X @ coef + INTERCEPT + rng.standard_normal(n_samples)
    return Problem(X, y, (coef, INTERCEPT))


def csr_problem(n_samples, n_features, density, informative, seed=2):
    """CSR features with Gaussian non-zeros at ``density``, ``informative`` of them in the truth."""
    rng = np.random.default_rng(seed)
    X = sp.random(n_samples, n_features, density=density, format="csr", random_state=rng,
                  data_rvs=rng.standard_normal)
    coef = sparse_truth(n_features, informative, rng)
    y = X @ coef + INTERCEPT + rng.standard_normal(n_samples)
    return Problem(X, y, (coef, INTERCEPT))


def alpha_max(X, y, penalty):
    """The smallest ``alpha`` of ``penalty`` whose solution (with an intercept) is all zeros.

    ``max_j |x_j' (y - mean(y))| / (n rho)``: the data gradient at zero
    coefficients and the mean as intercept, for dense or sparse ``X`` alike
    (the centered targets sum to zero, so ``X`` needs no centering).
    """
    gradient = X.T @ (y - y.mean())
    return float(np.max(np.abs(gradient)) / (X.shape[0] * L1_RATIOS[penalty]))


def elastic_net_objective(X, y, params, alpha, penalty):
    """ElasticNet's objective of ``penalty`` at ``params = (coef, intercept)``."""
    coef, intercept = params
    rho = L1_RATIOS[penalty]
    residual = y - X @ coef - intercept
    return float(0.5 * np.mean(residual**2)
                 + alpha * (rho * np.sum(np.abs(coef)) + 0.5 * (1 - rho) * np.sum(coef**2)))


def zero_mismatches(coef, reference):
    """How many coefficients are exactly zero in one of the two and not in the other."""
    return int(np.count_nonzero((np.ravel(coef) == 0) != (np.ravel(reference) == 0)))


def zeros(coef):
    """How many coefficients are exactly zero (``-0.0`` included)."""
    return int(np.count_nonzero(np.ravel(coef) == 0))


def ours(penalty, alpha, **params):
    """A maker of our estimator with ``penalty`` and ``alpha`` at its other defaults."""
    return lambda: AdamLinearRegressor(penalty=penalty, alpha=alpha, random_state=0, **params)


@dataclass
class Fit:
    """One estimator's fit as the tables report it.

    ``model`` is None where the fit raised; ``state`` says in words whether
    it converged ("yes"), warned, ran to the budget or failed (with the
    error); ``seconds`` is None where it failed; ``warnings`` counts every
    warning our fit emitted, of any category (None for a peer, whose
    ``state`` says whether it warned that it did not converge).
    """

    model: object
    state: str
    seconds: float
    warnings: int

    @property
    def coef(self):
        """The fitted coefficients, flattened."""
        return np.ravel(self.model.coef_)

    @property
    def params(self):
        """``(coef, intercept)`` of the fit."""
        return self.coef, float(np.ravel(self.model.intercept_)[0])


def failed(error):
    """A :class:`Fit` for a fit that raised ``error``."""
    return Fit(None, f"failed ({type(error).__name__}: {error})", None, 0)


def timed(run, repeat=True):
    """(seconds, result) of ``run()``: the median of three runs where the first is short
    (``median_seconds``), or one run where ``repeat`` is False."""
    if repeat:
        return median_seconds(run)
    start = time.perf_counter()
    result = run()
    return time.perf_counter() - start, result


def recorded(make, X, y, budget):
    """(model, state in words, seconds, warnings caught) of one fit, stopped past ``budget`` s.

    The budget needs scikit-learn's callbacks (``set_callbacks``, 1.9 and
    later); without them the fit runs to its end.
    """
    model = make()
    recorder = EpochRecorder(budget) if hasattr(model, "set_callbacks") else None
    if recorder is not None:
        model.set_callbacks(recorder)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        seconds, model = timed(lambda: model.fit(X, y), repeat=False)
    if recorder is None:
        return model, "no (warned)" if warned(caught) else "yes", seconds, caught
    return model, converged(recorder, warned(caught)), seconds, caught


def our_fit(make, X, y, budget, repeat=True):
    """Our fit of ``make()``, stopped past ``budget`` seconds; a :class:`Fit`.

    An untimed fit on the first rows comes first (compilation, caches). A fit
    with an :class:`EpochRecorder` then counts the warnings and stops past the
    budget; where it converged without warning and ``repeat`` is True, the
    seconds are the median of plain fits (``timed_fit``: three where the first
    took under 2 s), else those of the recorded fit. A fit that raises is
    reported, not raised.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            make().fit(X[:WARMUP_ROWS], y[:WARMUP_ROWS])
        model, state, seconds, caught = recorded(make, X, y, budget)
        if state == "yes" and repeat:
            seconds, model, _ = timed_fit(make, X, y)
    except Exception as error:  # noqa: BLE001 - a failed fit is a row of the table
        return failed(error)
    return Fit(model, state, seconds, len(caught))


def peer_fit(make, X, y, repeat=True):
    """A scikit-learn peer's fit (median seconds, as ``timed_fit``, or one fit); a :class:`Fit`."""
    try:
        seconds, model, has_warned = timed_fit(make, X, y) if repeat else once(make, X, y)
    except Exception as error:  # noqa: BLE001
        return failed(error)
    return Fit(model, "no (warned)" if has_warned else "yes", seconds, None)


def difference(fit, reference):
    """Largest absolute difference of a coefficient between two fits; None if one failed."""
    if fit.model is None or reference.model is None:
        return None
    return float(np.max(np.abs(fit.coef - reference.coef)))


def compare(fit, reference):
    """(zero mismatches, largest coefficient difference) of ``fit`` against ``reference``.

    Both None where either fit failed.
    """
    if fit.model is None or reference.model is None:
        return None, None
    return zero_mismatches(fit.coef, reference.coef), difference(fit, reference)
