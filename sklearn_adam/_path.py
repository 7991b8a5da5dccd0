"""A regularization path: one estimator's fits along a grid of ``alpha``, the data read once.

A path fits the same data at each ``alpha`` of a decreasing grid, each fit
starting from the last one's coefficients and solver state, as refitting
an estimator with ``warm_start=True`` does. Refitting validates ``X``,
measures its columns and, for the squared error, sums its normal equations
again at every ``alpha``, though only the penalty has changed: on tall
data those passes cost many times the steps. :func:`adam_path` does them
once, and runs every ``alpha`` on what they gave (the moments, the normal
equations with each ``alpha``'s penalty swapped in). Data it cannot hold
that way (a dask collection, an array of another namespace), fits that
hold rows out (``early_stopping``) and estimators whose callbacks are told
of each fit are refitted with ``warm_start=True`` instead: the same fits,
at the cost of a full ``fit`` each.
"""

import numbers
import warnings

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array

from ._data import check_fit_data
from ._distributed import is_dask_collection
from ._fit import TrainingRun, _measure, _objective, fresh_state
from ._linear_model import AdamLinearRegressor
from ._namespace import to_numpy
from ._objective._datafits import null_prediction
from ._objective._kept_equations import HeldEquations
from ._objective._layout import extra_parameters
from ._objective._rows import TrainingRows
from ._parameters import checked_components


def adam_path(X, y, *, estimator=None, alphas=100, eps=1e-3, sample_weight=None,
              return_n_iter=False):
    """Fit an :class:`AdamLinearRegressor` along a decreasing grid of ``alpha``, warm-started.

    The counterpart of :func:`~sklearn.linear_model.lasso_path` and
    :func:`~sklearn.linear_model.enet_path` for the estimator: the same
    solutions for the squared error with ``penalty="l1"`` or
    ``"elasticnet"``, with the intercept fitted where the estimator fits
    one, and for any loss and penalty the estimator takes. Each fit starts
    from the previous one's coefficients and solver state, as refitting
    with ``warm_start=True`` would; the data are validated, measured and
    (for the squared error) summed into the normal equations once for the
    whole path.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Training data, as ``fit`` takes it (a dask array or an array of
        another array-API namespace too: refitted at each ``alpha``).
    y : array-like of shape (n_samples,) or (n_samples, n_targets)
        Target values.
    estimator : AdamLinearRegressor, default=None
        Whose parameters every fit takes, ``alpha`` aside; it is cloned,
        never fitted. None takes ``AdamLinearRegressor(penalty="l1")``.
    alphas : int or array-like of float, default=100
        The penalties' strengths, fitted from the largest to the smallest;
        an int asks for that many, spaced evenly on a log scale from
        ``alpha_max``, the smallest ``alpha`` at which every coefficient is
        zero, down to ``eps * alpha_max``. ``alpha_max`` is known for a
        penalty with an L1 part and a smooth loss without parameters of its
        own (``"squared_error"``, ``"poisson"``, ``"gamma"``); otherwise
        pass the values.
    eps : float, default=1e-3
        ``alpha_min / alpha_max`` of a grid asked for by its size.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative weights of the samples.
    return_n_iter : bool, default=False
        Whether to return the epochs each fit ran.

    Returns
    -------
    alphas : ndarray of shape (n_alphas,)
        The ``alpha`` of each fit, decreasing.
    coefs : ndarray of shape (n_features, n_alphas) or (n_targets, n_features, n_alphas)
        ``coef_`` of each fit (a single target's shape as ``y`` was 1-D).
    intercepts : ndarray of shape (n_alphas,) or (n_targets, n_alphas)
        ``intercept_`` of each fit. Unlike ``lasso_path``, whose third value
        is the duality gaps (it fits no intercept), the third value here is
        the intercepts.
    n_iters : ndarray of shape (n_alphas,)
        The epochs of each fit; only where ``return_n_iter``.

    Warns
    -----
    ConvergenceWarning
        Once, naming the ``alpha`` whose fits did not converge.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_adam import adam_path
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 5))
    >>> y = X @ np.array([2.0, 0.0, 0.0, -1.0, 0.0]) + 0.1 * rng.standard_normal(200)
    >>> alphas, coefs, intercepts = adam_path(X, y, alphas=5)
    >>> coefs.shape
    (5, 5)
    >>> bool(np.all(coefs[:, 0] == 0))
    True
    """
    model = AdamLinearRegressor(penalty="l1") if estimator is None else clone(estimator)
    if not isinstance(model, AdamLinearRegressor):
        raise TypeError(
            f"estimator must be an AdamLinearRegressor; got {type(estimator).__name__}."
        )
    model.set_params(warm_start=True)
    checked_components(model)
    grid_size = _check_grid(model, alphas, eps)
    if grid_size is not None and model.early_stopping:
        raise ValueError(
            "With early_stopping=True the fits train on rows that each fit draws, so "
            "alpha_max, which is theirs, is not known before them; pass the alphas."
        )
    if is_dask_collection(X):
        if grid_size is not None:
            raise ValueError(
                "adam_path makes its grid of alphas from data in memory; with a dask "
                "collection, pass the alphas."
            )
        return _refitted_path(model, X, y, sample_weight, _given_alphas(alphas), return_n_iter)
    data = check_fit_data(model, X, y, sample_weight, reset=True)
    if grid_size is None:
        grid = _given_alphas(alphas)
    else:
        grid = alpha_max(model, data) * np.geomspace(1.0, eps, grid_size)
    # Callbacks are told of each fit, as fit tells them.
    if data.namespace is not None or model.early_stopping or _has_callbacks(model):
        return _refitted_path(model, X, y, sample_weight, grid, return_n_iter)
    return _collect(model, grid, _held_fits(model, data, grid), return_n_iter)


def _check_grid(model, alphas, eps):
    """The size of the grid asked for, None where the values are given; errors before any work."""
    if isinstance(alphas, numbers.Integral) and not isinstance(alphas, bool):
        if alphas < 1:
            raise ValueError(f"alphas, as a number of alphas, must be at least 1; got {alphas}.")
        if not (isinstance(eps, numbers.Real) and 0 < eps <= 1):
            raise ValueError(f"eps must be a float in (0, 1]; got {eps!r}.")
        _check_alpha_max_known(model)
        return int(alphas)
    if isinstance(alphas, (numbers.Real, bool)):
        raise ValueError(
            f"alphas must be a number of alphas (an int) or a 1-D array of them; got {alphas!r}."
        )
    _given_alphas(alphas)
    return None


def _given_alphas(alphas):
    """The given alphas, checked, in decreasing order."""
    values = check_array(alphas, ensure_2d=False, dtype=np.float64, input_name="alphas")
    if values.ndim != 1 or np.any(values < 0):
        raise ValueError(
            "alphas must be a number of alphas or a 1-D array of non-negative floats; got "
            f"shape {values.shape}" + (" with negative values." if values.ndim == 1 else ".")
        )
    return np.sort(values)[::-1]


def _check_alpha_max_known(model):
    """Raise where ``alpha_max`` is not known for ``model``'s loss and penalty."""
    datafit, _ = model._objective_parts()
    if _l1_share(model) == 0:
        raise ValueError(
            f"penalty={model.penalty!r}" + (f" with l1_ratio={model.l1_ratio}"
                                             if model.penalty == "elasticnet" else "")
            + " has no L1 part: no alpha sets every coefficient to zero, so there is no "
            "alpha_max to start a grid from; pass the alphas."
        )
    if not datafit.smooth or extra_parameters(datafit):
        raise ValueError(
            f"The alpha_max of loss={model.loss!r} is not known in closed form (a loss "
            "that is not smooth, or that has parameters of its own); pass the alphas."
        )


def _l1_share(model):
    """The share of ``alpha`` on the L1 norm, by ``model``'s penalty: 0 for one without."""
    _, penalty = model._objective_parts()
    return float(getattr(penalty, "l1_ratio", 0.0))


def alpha_max(model, data):
    """The smallest ``alpha`` of ``model``'s penalty at which every coefficient is zero.

    At zero coefficients, the model is the best constant (the intercept of
    :func:`~sklearn_adam._objective._datafits.null_prediction`, where one is
    fitted; else the link's zero). The coefficients stay zero as long as
    the gradient of the mean loss there is within the L1 part's weight,
    ``alpha * l1_ratio``, in every coordinate:

    .. math::

        \\alpha_{\\max} = \\max_{j, t} \\frac{\\lvert \\sum_i s_i x_{ij}
        \\, \\partial_\\eta \\ell(\\eta_t, y_{it}) \\rvert}{\\rho \\sum_i s_i}.

    Parameters
    ----------
    model : AdamLinearRegressor
        Of a penalty with an L1 part and a smooth loss without parameters of
        its own.
    data : FitData
        Validated (arrays of another namespace are copied to the host).

    Returns
    -------
    alpha_max : float
        Raised by a relative margin of the square root of the data's
        dtype's epsilon, beyond the rounding of the fit's own gradient.
    """
    datafit, _ = model._objective_parts()
    y = to_numpy(data.y).astype(np.float64)
    weight = to_numpy(data.sample_weight).astype(np.float64)
    if model.fit_intercept:
        linear = null_prediction(datafit, y, weight)
    else:
        linear = np.zeros(y.shape[1])
    ones = np.ones(y.shape[1])
    derivative = datafit.pointwise(np, np.broadcast_to(linear, y.shape).copy(), y, ones)[1]
    X = data.X if data.namespace is None else to_numpy(data.X)
    weighted = np.column_stack([derivative * weight[:, None], weight])
    # One pass over X, in blocks of rows (a memory-mapped X releases each):
    # its products with the weighted derivatives and with the weights.
    products = np.zeros((X.shape[1], weighted.shape[1]))
    rows = TrainingRows(X, weighted, weight)
    for X_block, weighted_block, _ in rows.blocks():
        products += np.asarray(X_block.T @ weighted_block)
    gradient, weighted = products[:, :-1], weighted[:, :-1]
    if model.fit_intercept:
        # The weighted derivatives sum to zero at the best constant, up to
        # rounding, which a column's mean would multiply: centering the
        # columns removes it, for columns far from zero too.
        means = products[:, -1] / weight.sum()
        gradient -= np.outer(means, weighted.sum(axis=0))
    largest = np.max(np.abs(gradient), initial=0.0) / (_l1_share(model) * weight.sum())
    # Raised by a margin: the fit sums its gradient at zero otherwise
    # (standardized, in the data's dtype), and where it rounds the largest
    # entry above the L1 weight, or stops within its tolerance before an
    # unfinished coefficient is back at zero (a loss without an exact
    # finish), a coefficient of 1e-16 to 1e-8 is left where every one is
    # zero. The square root of the dtype's epsilon (1.5e-8 for float64,
    # 3.5e-4 for float32) cleared every case measured; 1e-10 did not.
    return float(largest * (1 + np.sqrt(np.finfo(data.dtype).eps)))


def _held_fits(model, data, grid):
    """Each alpha's fit on data validated, measured and summed once.

    Yields ``(coef_, intercept_, epochs, converged)`` of each fit, as ``_collect`` takes them.
    """
    moments = _measure(model, data, data.sample_weight)
    held = HeldEquations()
    state = None
    for alpha in grid:
        # Built afresh for each alpha, as fit builds them: a user's solver is
        # copied anew each time.
        components = checked_components(model.set_params(alpha=float(alpha)))
        if state is None:
            state = fresh_state(model, components, moments, data,
                                check_random_state(model.random_state), dtype=data.dtype)
        else:
            state = state.resumed(components.solver, data.y_ndim)
        objective = _objective(components, state, data, None)
        objective.kept_equations = state.kept_equations = held
        history = TrainingRun(model, components, state, objective).train(max_iter=model.max_iter)
        state = model._fit_state
        yield model.coef_, model.intercept_, len(history.losses), history.converged


def _refitted_path(model, X, y, sample_weight, grid, return_n_iter):
    """The path by a warm-started ``fit`` at each alpha (data a path cannot hold)."""
    def fits():
        epochs_before = 0
        for alpha in grid:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", ConvergenceWarning)
                model.set_params(alpha=float(alpha)).fit(X, y, sample_weight)
            converged = True
            for caught_warning in caught:
                if issubclass(caught_warning.category, ConvergenceWarning):
                    converged = False  # said once for the whole path, by _collect
                else:
                    warnings.warn(caught_warning.message, caught_warning.category,
                                  stacklevel=4)
            n_iter, epochs_before = len(model.loss_curve_) - epochs_before, len(model.loss_curve_)
            yield model.coef_, model.intercept_, n_iter, converged

    return _collect(model, grid, fits(), return_n_iter)


def _has_callbacks(model):
    """Whether callbacks were set on ``model`` (``set_callbacks``, scikit-learn 1.9+)."""
    return bool(getattr(model, "_skl_callbacks", None))


def _collect(model, grid, fits, return_n_iter):
    """Stack the fits' coefficients as ``lasso_path`` does, and warn once for those unconverged."""
    coefs, intercepts, n_iters, unconverged = [], [], [], []
    for alpha, (coef, intercept, n_iter, converged) in zip(grid, fits):
        coefs.append(np.array(to_numpy(coef), copy=True))
        intercepts.append(np.array(to_numpy(intercept), dtype=coefs[-1].dtype))
        n_iters.append(n_iter)
        if not converged:
            unconverged.append(float(alpha))
    if unconverged:
        warnings.warn(
            f"adam_path: the fits at {len(unconverged)} of {len(grid)} alphas did not converge "
            f"within max_iter={model.max_iter} (alpha = "
            + ", ".join(f"{a:.3g}" for a in unconverged[:5])
            + (", ..." if len(unconverged) > 5 else "") + "); increase max_iter.",
            ConvergenceWarning, stacklevel=3,
        )
    coefs = np.stack(coefs, axis=-1)
    intercepts = np.stack(intercepts, axis=-1)
    result = (np.asarray(grid, dtype=np.float64), coefs, intercepts)
    return result + (np.array(n_iters),) if return_n_iter else result

