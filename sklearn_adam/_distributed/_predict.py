"""``predict`` on a dask array: a lazy array of predictions, block by block."""

import numpy as np
from sklearn import get_config
from sklearn.utils import assert_all_finite
from sklearn.utils.validation import validate_data

from .._namespace import fitted_on_host
from ._inputs import as_dask_array, columns_of


def predict_lazily(estimator, X):
    """The predictions of a fitted ``estimator`` for a dask ``X``, not computed.

    Each block of rows is predicted where it lives, with the arithmetic of
    the in-memory ``predict``; a block holding NaN or an infinity raises,
    when computed, the error an in-memory ``predict`` raises.

    Parameters
    ----------
    estimator : AdamLinearRegressor
        Fitted.
    X : dask array or dask DataFrame of shape (n_samples, n_features)

    Returns
    -------
    y_pred : dask.array.Array of shape (n_samples,) or (n_samples, n_targets)
        In the row blocks of ``X``.
    """
    X_array = as_dask_array(X, "X", lengths=False)
    if X_array.ndim != 2:
        raise ValueError(
            f"Expected a 2D dask array for X, got {X_array.ndim}D with shape {X_array.shape}."
        )
    if X_array.dtype.kind not in "biuf":
        raise ValueError(f"X has dtype {X_array.dtype}; it must hold numbers.")
    if X_array.dtype not in (np.float64, np.float32):
        X_array = X_array.astype(np.float64)
    validate_data(estimator, columns_of(X), reset=False, skip_check_array=True)
    if len(X_array.chunks[1]) > 1:
        X_array = X_array.rechunk({1: -1})
    coef, intercept = fitted_on_host(estimator)
    # The configuration of this process, not of the workers, decides.
    checked = None if get_config()["assume_finite"] else type(estimator).__name__
    model = (coef, intercept, estimator._link())
    meta = predict_block(np.empty((0, X_array.shape[1]), X_array.dtype), *model, None)
    if meta.ndim == 1:
        return X_array.map_blocks(predict_block, *model, checked, drop_axis=1,
                                  dtype=meta.dtype, meta=meta)
    return X_array.map_blocks(predict_block, *model, checked,
                              chunks=(X_array.chunks[0], (meta.shape[1],)),
                              dtype=meta.dtype, meta=meta)


def predict_block(X_block, coef, intercept, link, checked_for):
    """The in-memory ``predict`` of one block of rows.

    Parameters
    ----------
    X_block : ndarray of shape (n_rows, n_features)
    coef : ndarray of shape (n_features,) or (n_targets, n_features)
    intercept : float or ndarray of shape (n_targets,)
    link : object
        The datafit's link, which turns the linear predictor into the
        prediction.
    checked_for : str or None
        The estimator's name, for the message about a value that is not
        finite; None checks nothing (scikit-learn's ``assume_finite``).

    Returns
    -------
    y_pred : ndarray of shape (n_rows,) or (n_rows, n_targets)
    """
    # Aligned, as in memory, for the same rounding (see _passes._aligned).
    X_block = np.require(X_block, requirements="A")
    if checked_for is not None:
        assert_all_finite(X_block, estimator_name=checked_for, input_name="X")
    return link.inverse(np, np.asarray(X_block @ coef.T) + intercept)
