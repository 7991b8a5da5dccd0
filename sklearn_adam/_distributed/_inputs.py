"""The data of a fit on dask arrays, checked without computing ``X``.

scikit-learn's ``validate_data`` would compute a dask array into this
process. Here the checks that need no values (dimensions, dtypes, row
counts, blocks) are made on the arrays' metadata before any work; NaN and
infinity are looked for by the pass that measures the standardization, and
reported with the message an in-memory fit gives. Weights given as a dask
array are checked by a pass of their own, which reads nothing else.
"""

from typing import NamedTuple

import dask
import dask.array as da
import numpy as np
from sklearn import get_config
from sklearn.utils import check_array, check_consistent_length
from sklearn.utils.validation import validate_data

from .._data import _check_sample_weight, weight_unit
from .._namespace import host_values
from . import is_dask_collection
from ._passes import block_weight_range, merge_weight_ranges, reduce_blocks


class DaskData(NamedTuple):
    """Training data as dask arrays with the same row blocks, checked.

    Parameters
    ----------
    X : dask.array.Array of shape (n_samples, n_features)
        float64 or float32, all columns in one chunk.
    y : dask.array.Array of shape (n_samples, n_targets)
        Of the dtype and row chunks of ``X``.
    sample_weight : dask.array.Array of shape (n_samples,) or None
        Of the dtype and row chunks of ``X``, brought near one as in memory
        (see :func:`sklearn_adam._data.check_fit_data`); None when none were
        passed.
    weight_sum : float
    unweighted : bool
        Whether every weight is one.
    y_ndim : int
        Dimensions of ``y`` as passed.
    passed : tuple
        ``(X, y, sample_weight)`` as passed, for callbacks.
    weight_unit : float, default=1.0
        The power of two the weights as passed were divided by.
    """

    X: object
    y: object
    sample_weight: object
    weight_sum: float
    unweighted: bool
    y_ndim: int
    passed: tuple
    weight_unit: float = 1.0

    @property
    def n_samples(self):
        """int : Number of rows."""
        return self.X.shape[0]

    def blocks(self, *names):
        """The row blocks of the named arrays, as delayed objects.

        Parameters
        ----------
        *names : {"X", "y", "sample_weight"}

        Returns
        -------
        blocks : list of tuple
            One tuple per row block, with one block of each named array
            (None for the weights when none were passed).
        """
        columns = []
        for name in names:
            array = getattr(self, name)
            if array is None:
                columns.append([None] * len(self.X.chunks[0]))
            else:
                columns.append(array.to_delayed().ravel().tolist())
        return list(zip(*columns))

    def persist(self):
        """The same data, held in the memory of the cluster's workers.

        Returns
        -------
        data : DaskData
        """
        arrays = [array for array in (self.X, self.y, self.sample_weight) if array is not None]
        persisted = dask.persist(*arrays)
        weight = persisted[2] if self.sample_weight is not None else None
        return self._replace(X=persisted[0], y=persisted[1], sample_weight=weight)


def check_dask_data(estimator, X, y, sample_weight, *, reset, n_targets=None):
    """Check the training data of a fit on a dask ``X``, computing only the weights' range.

    Parameters
    ----------
    estimator : AdamLinearRegressor
        Records ``n_features_in_`` (and feature names of a dask DataFrame)
        when ``reset``, otherwise ``X`` is checked against them.
    X : dask array or dask DataFrame of shape (n_samples, n_features)
    y : array-like, dask array or dask Series of shape (n_samples,) or (n_samples, n_targets)
    sample_weight : array-like, dask array or None
    reset : bool
        Whether this is the data of a new fit.
    n_targets : int or None, default=None
        Required number of targets; None accepts any.

    Returns
    -------
    data : DaskData
    """
    # In-memory targets and weights of another array namespace (with array
    # API dispatch on) are brought to NumPy, as the blocks are.
    if not is_dask_collection(y):
        y = host_values(y)
    if not is_dask_collection(sample_weight):
        sample_weight = host_values(sample_weight)
    X_array = _numeric(as_dask_array(X, "X", lengths=True), "X")
    if X_array.ndim != 2:
        raise ValueError(
            f"Expected a 2D dask array for X, got {X_array.ndim}D with shape {X_array.shape}; "
            "a single feature is X.reshape(-1, 1)."
        )
    _check_blocks(X_array, "X")
    for axis, name in ((0, "sample(s)"), (1, "feature(s)")):
        if X_array.shape[axis] < 1:
            raise ValueError(
                f"Found array with 0 {name} (shape={X_array.shape}) while a minimum of 1 is "
                f"required by {type(estimator).__name__}."
            )
    validate_data(estimator, columns_of(X), reset=reset, skip_check_array=True)
    if len(X_array.chunks[1]) > 1:
        X_array = X_array.rechunk({1: -1})
    y_array, y_ndim = _targets(y, X_array, estimator)
    if n_targets is not None and y_array.shape[1] != n_targets:
        raise ValueError(f"y has {y_array.shape[1]} targets, but the model has {n_targets}.")
    weight, weight_sum, unweighted, unit = _sample_weight(sample_weight, X_array,
                                                          type(estimator).__name__)
    return DaskData(X_array, y_array, weight, weight_sum, unweighted, y_ndim,
                    (X, y, sample_weight), unit)


def as_dask_array(values, name, *, lengths):
    """A dask array of ``values``: itself, or the array of a dask DataFrame or Series.

    Parameters
    ----------
    values : dask collection
    name : str
    lengths : bool
        Whether a DataFrame's partitions are measured (a pass over them),
        so that the array's row blocks have known lengths.

    Returns
    -------
    array : dask.array.Array
    """
    if isinstance(values, da.Array):
        return values
    if hasattr(values, "to_dask_array"):
        return values.to_dask_array(lengths=True if lengths else None)
    raise TypeError(
        f"{name} is a dask {type(values).__name__}; AdamLinearRegressor takes dask arrays "
        "and dask DataFrames (or in-memory data)."
    )


def columns_of(X):
    """What scikit-learn reads the number and names of columns from, without computing ``X``.

    A dask DataFrame's empty pandas stand-in (its ``_meta``) carries its
    column names; a dask array carries its shape.
    """
    meta = getattr(X, "_meta", None)
    return meta if hasattr(meta, "columns") else X


def _numeric(array, name):
    """``array`` as float64 or float32, converted lazily as ``check_array`` would convert it."""
    if array.dtype in (np.float64, np.float32):
        return array
    if array.dtype.kind in "biuf":
        return array.astype(np.float64)
    raise ValueError(
        f"{name} has dtype {array.dtype}; a dask {name} must hold integers or floating-point "
        f"numbers. Convert it first, e.g. {name}.astype(float)."
    )


def _check_blocks(array, name):
    """Refuse row blocks of unknown length, and blocks that are not numpy arrays."""
    if any(np.isnan(length) for length in array.chunks[0]):
        raise ValueError(
            f"{name} has row blocks of unknown length; call {name}.compute_chunk_sizes() "
            "first (or pass a dask DataFrame, whose partitions are measured)."
        )
    if not isinstance(getattr(array, "_meta", None), np.ndarray):
        raise TypeError(
            f"The blocks of {name} are {type(array._meta).__name__}, not numpy arrays; "
            "AdamLinearRegressor takes dask arrays of dense numpy blocks."
        )


def _targets(y, X, estimator):
    """``y`` as a dask array of shape (n_samples, n_targets), in ``X``'s dtype and row blocks."""
    if is_dask_collection(y):
        y_array = as_dask_array(y, "y", lengths=True)
        _check_blocks(y_array, "y")
    else:
        y_array = check_array(y, ensure_2d=False, dtype=None, input_name="y",
                              estimator=estimator)
    if y_array.ndim not in (1, 2):
        raise ValueError(f"y must have 1 or 2 dimensions; got shape {y_array.shape}.")
    check_consistent_length(X, y_array)
    y_ndim = y_array.ndim
    if y_array.dtype.kind == "O" and not is_dask_collection(y_array):
        y_array = y_array.astype(np.float64)
    if y_array.dtype.kind not in "biuf":
        raise ValueError(f"y has dtype {y_array.dtype}; targets must be numbers.")
    y_array = y_array.astype(X.dtype).reshape(X.shape[0], -1)
    chunks = (X.chunks[0], (y_array.shape[1],))
    if isinstance(y_array, np.ndarray):
        return da.from_array(y_array, chunks=chunks), y_ndim
    return y_array.rechunk(chunks), y_ndim


def _sample_weight(sample_weight, X, estimator_name):
    """The weights in ``X``'s row blocks, their sum, whether all are one, and their unit.

    In-memory weights are checked as in memory. A dask array of weights is
    checked by one pass over it alone: the same conditions, the same
    messages.
    """
    if sample_weight is None:
        return None, float(X.shape[0]), True, 1.0
    if not is_dask_collection(sample_weight):
        weight, unit = _check_sample_weight(sample_weight, X.shape[0], X.dtype, "X",
                                            "sample_weight")
        return (da.from_array(weight, chunks=(X.chunks[0],)), float(weight.sum()),
                bool(np.all(weight == 1)), unit)
    weight = _numeric(as_dask_array(sample_weight, "sample_weight", lengths=True),
                      "sample_weight")
    if weight.shape != (X.shape[0],):
        raise ValueError(
            f"sample_weight must have shape ({X.shape[0]},), one weight per row of X; got "
            f"shape {weight.shape}."
        )
    _check_blocks(weight, "sample_weight")
    weight = weight.rechunk((X.chunks[0],))
    blocks = [(block,) for block in weight.to_delayed().ravel().tolist()]
    found = reduce_blocks(blocks, block_weight_range, merge_weight_ranges,
                          not get_config()["assume_finite"])
    found.non_finite.check("sample_weight", weight.dtype, estimator_name)
    if found.low < 0:
        raise ValueError(f"sample_weight must be non-negative; got a minimum of {found.low:g}.")
    # Only the weights' ratios (and alpha's to them) matter: a power of two
    # brings them near one, exactly, as in memory.
    factor = weight_unit(float(found.high), X.dtype)
    if not found.high > 0:
        raise ValueError("sample_weight must have a positive sum; got all zeros.")
    if factor != 1.0:
        weight = weight / factor
    as_dtype = X.dtype.type
    unweighted = as_dtype(found.low / factor) == 1 and as_dtype(found.high / factor) == 1
    return weight.astype(X.dtype), found.total / factor, bool(unweighted), factor
