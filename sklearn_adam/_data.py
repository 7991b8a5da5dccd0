"""Checks of the data passed to ``fit``, and the split of a validation set."""

import math
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from sklearn import get_config
from sklearn.utils import assert_all_finite, check_array
from sklearn.utils.validation import validate_data

from ._mapped import MappedPages, row_parts
from ._namespace import ArrayNamespace, host_values, to_numpy
from ._objective._datafits import check_targets


class FitData(NamedTuple):
    """Training (or validation) data, validated and converted once per fit.

    Parameters
    ----------
    X : ndarray or sparse matrix, float64 or float32
    y : ndarray of shape (n_samples, n_targets), of the dtype of ``X``
    sample_weight : ndarray of shape (n_samples,), of the dtype of ``X``
        Ones when None was passed.
    y_ndim : int
        Dimensions of ``y`` as passed, which decide the shape of ``coef_``.
    passed : tuple
        ``(X, y, sample_weight)`` as the caller passed them, with the
        weights as validated (None when none were passed): what a scorer or
        a callback is given, so that a DataFrame keeps its column names.
    namespace : ArrayNamespace or None, default=None
        Where the arrays live when they are of an array-API namespace other
        than NumPy's (with scikit-learn's array API dispatch on); ``X``,
        ``y`` and the weights are then arrays of it, on its device, and so
        are the targets of ``passed``. None for NumPy and sparse data.
    weight_unit : float, default=1.0
        The power of two the weights as passed were divided by to bring
        weights of extreme size near one: ``sample_weight`` holds them
        divided, and ``alpha`` is divided by it too (see
        :func:`~sklearn_adam._objective._penalties.penalty_weights`).
    """

    X: object
    y: np.ndarray
    sample_weight: np.ndarray
    y_ndim: int
    passed: tuple
    namespace: ArrayNamespace | None = None
    weight_unit: float = 1.0

    @property
    def dtype(self):
        """numpy.dtype : The dtype of ``X``, as NumPy names it."""
        if self.namespace is None:
            return self.X.dtype
        return self.namespace.numpy_dtype(self.X.dtype)


def check_fit_data(estimator, X, y, sample_weight, *, reset, n_targets=None):
    """Validate and convert the training data of ``estimator``.

    With scikit-learn's array API dispatch on and ``X`` an array of another
    namespace than NumPy's, the data stay in that namespace and on ``X``'s
    device: ``y`` and ``sample_weight`` are moved there if they are not
    (the weights are checked on the host, as for NumPy data).

    Parameters
    ----------
    estimator : AdamLinearRegressor
        Records ``n_features_in_`` (and feature names) when ``reset``,
        otherwise ``X`` is checked against them.
    X : {array-like, sparse matrix, array of any namespace} of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, n_targets)
    sample_weight : array-like of shape (n_samples,), float or None
    reset : bool
        Whether this is the data of a new fit.
    n_targets : int or None, default=None
        Required number of targets; None accepts any.

    Returns
    -------
    data : FitData

    Raises
    ------
    TypeError
        If ``y`` is a sparse matrix, which scikit-learn's check of several
        targets would let through.
    """
    if sp.issparse(y):
        raise TypeError(
            "y is a sparse matrix, but targets must be dense; pass y.toarray() "
            "(one column per target)."
        )
    namespace = ArrayNamespace.of(X)
    y = host_values(y) if namespace is None else namespace.move(y)
    sample_weight = host_values(sample_weight)
    # A memory-mapped X is checked for NaN and infinity in parts, whose pages
    # are released, rather than in one pass that would keep all of them.
    mapped = MappedPages.of(X) is not None
    X_checked, y_checked = validate_data(
        estimator,
        X,
        y,
        accept_sparse=("csr", "csc"),
        dtype=(np.float64, np.float32) if namespace is None else namespace.float_dtypes,
        multi_output=True,
        y_numeric=True,
        reset=reset,
        ensure_all_finite=not mapped,
    )
    if mapped:
        _check_finite_in_parts(X_checked, estimator)
    data = _fit_data(X_checked, y_checked, sample_weight, (X, y), n_targets,
                     ("X", "y", "sample_weight"), namespace)
    _check_targets(estimator, data.y, "y")
    return data


def check_held_out_data(estimator, X_val, y_val, sample_weight_val, *, n_targets,
                        namespace=None):
    """Validate and convert the held-out data passed to ``fit``, naming them as passed.

    Parameters
    ----------
    estimator : AdamLinearRegressor
        Holding this fit's ``n_features_in_`` (and feature names), which
        ``X_val`` must match.
    X_val : {array-like, sparse matrix} of shape (n_val, n_features)
    y_val : array-like of shape (n_val,) or (n_val, n_targets)
    sample_weight_val : array-like of shape (n_val,), float or None
    n_targets : int
        The number of targets of the training data.
    namespace : ArrayNamespace or None, default=None
        Where the training data live, if not in NumPy: the held-out data are
        moved there.

    Returns
    -------
    data : FitData
    """
    if namespace is None:
        X_val, y_val = host_values(X_val), host_values(y_val)
        dtypes = (np.float64, np.float32)
    else:
        if sp.issparse(X_val):
            raise TypeError(
                f"X_val is a sparse matrix, but X is an array of {namespace.name}; pass "
                "X_val as a dense array (sparse data are fitted in NumPy only)."
            )
        X_val, y_val = namespace.move(X_val), namespace.move(y_val)
        dtypes = namespace.float_dtypes
    sample_weight_val = host_values(sample_weight_val)
    X_checked = check_array(
        X_val, accept_sparse=("csr", "csc"), dtype=dtypes, input_name="X_val"
    )
    if X_checked.shape[1] != estimator.n_features_in_:
        raise ValueError(
            f"X_val has {X_checked.shape[1]} features, but X has "
            f"{estimator.n_features_in_}; they must have the same columns."
        )
    # Feature names are compared on the data as passed; nothing is converted again.
    validate_data(estimator, X_val, reset=False, skip_check_array=True)
    y_checked = check_array(y_val, ensure_2d=False, dtype=None, input_name="y_val")
    if namespace is None and y_checked.dtype.kind == "O":
        y_checked = y_checked.astype(np.float64)
    if y_checked.shape[0] != X_checked.shape[0]:
        raise ValueError(
            f"y_val has {y_checked.shape[0]} rows but X_val has {X_checked.shape[0]}; they "
            "must have one target per row."
        )
    data = _fit_data(X_checked, y_checked, sample_weight_val, (X_val, y_val), n_targets,
                     ("X_val", "y_val", "sample_weight_val"), namespace)
    _check_targets(estimator, data.y, "y_val")
    n_weighted = int(np.count_nonzero(to_numpy(data.sample_weight) > 0))
    where = (f"X_val has {X_checked.shape[0]} row" if sample_weight_val is None
             else f"sample_weight_val has {n_weighted} positive weight")
    _require_two_weighted(n_weighted, where, "Pass more validation rows of positive weight.")
    return data


def _check_targets(estimator, y, name):
    """Refuse targets the estimator's loss cannot take, naming their rows."""
    datafit, _ = estimator._objective_parts()
    check_targets(datafit, to_numpy(y), name)


def _require_two_weighted(n_weighted, where, remedy):
    """Refuse validation rows of which fewer than two have a positive weight."""
    if n_weighted < 2:
        raise ValueError(
            f"{where}, but early stopping needs at least 2 validation rows of positive "
            f"weight: a validation score such as R^2 is undefined on fewer. {remedy}"
        )


def _check_finite_in_parts(X, estimator):
    """scikit-learn's check that ``X`` holds no NaN or infinity, part by part.

    The same outcome and message as the check of ``validate_data``: NaN
    anywhere is named before infinity.
    """
    if get_config()["assume_finite"]:
        return
    flaw = None
    for rows in row_parts(X):
        part = X[rows]
        with np.errstate(over="ignore"):
            if np.isfinite(part.sum()):
                continue
        if np.isnan(part).any():
            flaw = np.nan
            break
        if np.isinf(part).any():
            flaw = np.inf
    if flaw is not None:
        assert_all_finite(
            np.array([flaw], dtype=X.dtype), estimator_name=type(estimator).__name__,
            input_name="X",
        )


def _fit_data(X, y, sample_weight, passed, n_targets, names, namespace=None):
    X_name, y_name, weight_name = names
    y_ndim = y.ndim
    if namespace is None:
        dtype = X.dtype
        y = y.astype(dtype, copy=False).reshape(X.shape[0], -1)
    else:
        xp, dtype = namespace.xp, namespace.numpy_dtype(X.dtype)
        y = xp.reshape(xp.astype(y, X.dtype, copy=False), (X.shape[0], -1))
    if n_targets is not None and y.shape[1] != n_targets:
        raise ValueError(
            f"{y_name} has {y.shape[1]} targets, but the model has {n_targets}."
        )
    # Weights are checked on the host, as NumPy arrays: one value per row.
    weight, unit = _check_sample_weight(sample_weight, X.shape[0], dtype, X_name, weight_name)
    if namespace is not None:
        weight = namespace.from_numpy(weight)
    return FitData(X, y, weight, y_ndim, (*passed, None if sample_weight is None else weight),
                   namespace, unit)


def _check_sample_weight(sample_weight, n_rows, dtype, X_name, weight_name):
    """The weights checked, in ``dtype``, and the power of two they were divided by."""
    if sample_weight is None:
        return np.ones(n_rows, dtype=dtype), 1.0
    if np.isscalar(sample_weight):
        sample_weight = np.full(n_rows, sample_weight)
    # Checked in their own precision: weights beyond float32's range are
    # brought into it below, as only their ratios matter.
    sample_weight = check_array(
        sample_weight, ensure_2d=False, dtype=(np.float64, np.float32), input_name=weight_name
    )
    if sample_weight.shape != (n_rows,):
        raise ValueError(
            f"{weight_name} must have shape ({n_rows},), one weight per "
            f"row of {X_name}; got shape {sample_weight.shape}."
        )
    if sample_weight.min() < 0:
        raise ValueError(
            f"{weight_name} must be non-negative; got a minimum of {sample_weight.min():g}."
        )
    unit = weight_unit(float(sample_weight.max()), dtype)
    if unit != 1.0:
        # A new array, so the caller's is left alone.
        sample_weight = sample_weight.astype(np.float64) / unit
    sample_weight = sample_weight.astype(dtype, copy=False)
    if not sample_weight.sum() > 0:
        raise ValueError(f"{weight_name} must have a positive sum; got all zeros.")
    return sample_weight, unit


def weight_unit(largest, dtype):
    """The power of two to divide weights by, whose largest is ``largest``: 1 unless extreme.

    Weights brought near one by a power of two (exactly) keep their sums
    from overflowing or underflowing in ``dtype``. Only weights this
    extreme are divided: a stream's chunks are measured against each
    other's weights, and ``alpha`` is divided by the same power of two.

    Parameters
    ----------
    largest : float
        The largest weight, >= 0.
    dtype : numpy dtype
        The data's.

    Returns
    -------
    unit : float
    """
    info = np.finfo(dtype)
    if largest > 2.0 ** (info.maxexp // 2 - 32) or 0 < largest < 2.0 ** (info.minexp // 2 + 32):
        return float(np.exp2(np.round(np.log2(largest))))
    return 1.0


def split_validation(sample_weight, validation_fraction, rng):
    """Draw the rows held out for early stopping.

    Parameters
    ----------
    sample_weight : ndarray of shape (n_samples,)
    validation_fraction : float
        Fraction of the rows to hold out, rounded up.
    rng : numpy.random.RandomState

    Returns
    -------
    train_rows, validation_rows : ndarray of int
        Sorted row indices.
    """
    n_samples = sample_weight.shape[0]
    n_validation = math.ceil(validation_fraction * n_samples)
    if n_validation < 2 or n_validation >= n_samples:
        raise ValueError(
            f"validation_fraction={validation_fraction} leaves "
            f"{n_validation} validation and {n_samples - n_validation} training "
            f"rows out of n_samples = {n_samples}; early_stopping needs at "
            "least 2 validation rows and 1 training row."
        )
    order = rng.permutation(n_samples)
    validation_rows = np.sort(order[:n_validation])
    train_rows = np.sort(order[n_validation:])
    check_split_weights(sample_weight, train_rows, validation_rows, validation_fraction)
    return train_rows, validation_rows


def check_split_weights(sample_weight, train_rows, validation_rows, validation_fraction):
    """Refuse a split whose held-out rows cannot score, or whose training rows weigh nothing.

    Parameters
    ----------
    sample_weight : ndarray of shape (n_samples,)
    train_rows, validation_rows : ndarray of int
        The rows actually held out, as drawn (or kept by a warm start).
    validation_fraction : float
        The estimator's parameter, named in the message.

    Raises
    ------
    ValueError
        If fewer than 2 validation rows have a positive weight, or no
        training row has.
    """
    n_weighted = int(np.count_nonzero(sample_weight[validation_rows] > 0))
    _require_two_weighted(
        n_weighted,
        f"The {validation_rows.shape[0]} rows held out by validation_fraction="
        f"{validation_fraction} have {n_weighted} positive sample_weight",
        "Use a larger validation_fraction, or pass X_val and y_val.",
    )
    if not sample_weight[train_rows].sum() > 0:
        raise ValueError("The training rows all have sample_weight 0.")


def check_validation_arguments(X_val, y_val, sample_weight_val, early_stopping):
    """Whether a validation set is passed to ``fit``.

    Parameters
    ----------
    X_val, y_val, sample_weight_val : object or None
        The arguments as passed.
    early_stopping : bool
        The estimator's parameter.

    Returns
    -------
    given : bool

    Raises
    ------
    ValueError
        If the set is passed only in part, or without ``early_stopping``.
    """
    given = [name for name, value in
             (("X_val", X_val), ("y_val", y_val), ("sample_weight_val", sample_weight_val))
             if value is not None]
    if not given:
        return False
    if X_val is None or y_val is None:
        raise ValueError(
            f"Got {' and '.join(given)} without "
            f"{'X_val' if X_val is None else 'y_val'}; pass X_val and y_val together."
        )
    if not early_stopping:
        raise ValueError(
            "X_val and y_val are only used with early_stopping=True; got "
            "early_stopping=False."
        )
    return True
