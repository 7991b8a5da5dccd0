"""Passes over row blocks: a function run where each block lives, its results combined.

Each function named ``block_...`` takes the blocks of one range of rows
(of ``X``, ``y``, the weights: numpy arrays, ``None`` for weights that are
all one) and returns a result the size of the parameters, or of their
square for the normal equations; ``merge_...`` and :func:`add_up` combine
results. :func:`reduce_blocks` runs a pass with the results combined in a
tree on the cluster, so that the caller receives a single result;
:func:`compute_each` brings back every block's result, for a caller that
sums a few of them itself (cheaper than one more hop through a task).
"""

import functools
import operator
from typing import NamedTuple

import dask
import numpy as np
from sklearn.utils import assert_all_finite

from .._objective._datafits import check_targets
from .._objective._layout import pointwise_with_extras
from .._objective._normal_equations import block_sums
from .._objective._standardization import measure

# Results combined by one task of a reduction tree: a tree of 1000 blocks
# is then four levels deep.
FAN_IN = 8


def reduce_blocks(blocks, per_block, combine, *arguments):
    """``per_block(*block, *arguments)`` on every block, combined in a tree; computed.

    Parameters
    ----------
    blocks : list of tuple of dask.delayed.Delayed or None
        One tuple of blocks per range of rows.
    per_block : callable
    combine : callable
        ``combine(*results)`` of up to :data:`FAN_IN` results, in the
        blocks' order.
    *arguments
        Passed to every call of ``per_block`` (small: they travel with each
        task).

    Returns
    -------
    result : object
        The combined result, the only one that reaches this process.
    """
    parts = [dask.delayed(per_block)(*block, *arguments) for block in blocks]
    while len(parts) > 1:
        parts = [dask.delayed(combine)(*parts[start : start + FAN_IN])
                 for start in range(0, len(parts), FAN_IN)]
    return dask.compute(parts[0], optimize_graph=False)[0]


def compute_each(blocks, per_block, *arguments):
    """``per_block(*block, *arguments)`` on every block; every result, in the blocks' order.

    Parameters
    ----------
    blocks, per_block, *arguments
        As for :func:`reduce_blocks`.

    Returns
    -------
    results : tuple
    """
    return dask.compute(
        *[dask.delayed(per_block)(*block, *arguments) for block in blocks], optimize_graph=False
    )


def add_up(*results):
    """The sum of arrays, or of tuples of arrays and numbers, item by item."""
    if isinstance(results[0], tuple):
        return tuple(add_up(*items) for items in zip(*results))
    return functools.reduce(operator.add, results)


class NonFinite(NamedTuple):
    """Whether some values hold NaN, and whether they hold an infinity."""

    nan: bool = False
    inf: bool = False

    @classmethod
    def of(cls, values):
        """What ``values`` hold; one sum in the common case that it is nothing.

        Parameters
        ----------
        values : ndarray

        Returns
        -------
        non_finite : NonFinite
        """
        with np.errstate(over="ignore", invalid="ignore"):
            if np.isfinite(values.sum()):
                return cls()
        return cls(bool(np.isnan(values).any()), bool(np.isinf(values).any()))

    def __or__(self, other):
        return NonFinite(self.nan or other.nan, self.inf or other.inf)

    def check(self, name, dtype, estimator_name):
        """Raise scikit-learn's own error for values of this kind, as an in-memory fit would.

        NaN anywhere is named before an infinity, as scikit-learn names it.

        Parameters
        ----------
        name : str
            "X", "y" or "sample_weight".
        dtype : numpy dtype
            The values', which the message for an infinity quotes.
        estimator_name : str

        Raises
        ------
        ValueError
            If NaN or an infinity was found.
        """
        if self.nan or self.inf:
            found = np.array([np.nan if self.nan else np.inf], dtype=dtype)
            assert_all_finite(found, estimator_name=estimator_name, input_name=name)


class Statistics(NamedTuple):
    """Column moments of some blocks, and what non-finite values they hold.

    Parameters
    ----------
    x_moments, y_moments : ColumnMoments or None
        None when no row has a positive weight, or where a value is not
        finite (there is nothing to standardize on then).
    x_non_finite, y_non_finite : NonFinite
    targets_refused : bool, default=False
        Whether the datafit refuses some target of these rows (a negative
        count for the Poisson deviance): the rows are then named by a check
        of the targets alone.
    """

    x_moments: object
    y_moments: object
    x_non_finite: NonFinite
    y_non_finite: NonFinite
    targets_refused: bool = False


def block_statistics(X_block, y_block, w_block, center, scale, check_finite, datafit):
    """One block's :class:`Statistics`, measured as :meth:`Standardization.fit` measures.

    Parameters
    ----------
    X_block : ndarray of shape (n_rows, n_features)
    y_block : ndarray of shape (n_rows, n_targets)
    w_block : ndarray of shape (n_rows,) or None
    center, scale : bool
    check_finite : bool
        False under scikit-learn's ``assume_finite``, read where ``fit``
        was called.
    datafit : object
        Whose ``check_targets`` says whether it takes the block's targets.

    Returns
    -------
    statistics : Statistics
    """
    X_block, y_block, weight = _aligned(X_block, y_block, w_block)
    x_non_finite = NonFinite.of(X_block) if check_finite else NonFinite()
    y_non_finite = NonFinite.of(y_block) if check_finite else NonFinite()
    refused = _refuses(datafit, y_block)
    if (x_non_finite != NonFinite() or y_non_finite != NonFinite() or refused
            or not weight.sum() > 0):
        return Statistics(None, None, x_non_finite, y_non_finite, refused)
    x_moments, y_moments = measure(X_block, y_block, weight, center=center, scale=scale)
    return Statistics(x_moments, y_moments, x_non_finite, y_non_finite)


def _refuses(datafit, y_block):
    """Whether ``datafit`` refuses a target of the block.

    Its check names rows by their place in the block: the caller, told only
    that some block failed, names them by their place in ``y``.
    """
    try:
        check_targets(datafit, y_block, "y")
    except ValueError:
        return True
    return False


def merge_statistics(*parts):
    """The :class:`Statistics` of the rows of all ``parts`` together."""
    measured = [part for part in parts if part.x_moments is not None]
    x_non_finite = functools.reduce(operator.or_, [part.x_non_finite for part in parts])
    y_non_finite = functools.reduce(operator.or_, [part.y_non_finite for part in parts])
    refused = any(part.targets_refused for part in parts)
    if not measured or refused:
        return Statistics(None, None, x_non_finite, y_non_finite, refused)
    return Statistics(
        functools.reduce(lambda a, b: a.merge(b), [part.x_moments for part in measured]),
        functools.reduce(lambda a, b: a.merge(b), [part.y_moments for part in measured]),
        x_non_finite,
        y_non_finite,
    )


class WeightRange(NamedTuple):
    """The smallest and largest weight, their sum in float64, and any non-finite weight."""

    low: float
    high: float
    total: float
    non_finite: NonFinite


def block_weight_range(w_block, check_finite):
    """One block's :class:`WeightRange`.

    Parameters
    ----------
    w_block : ndarray of shape (n_rows,)
    check_finite : bool

    Returns
    -------
    weight_range : WeightRange
    """
    (w_block,) = _aligned(w_block)
    non_finite = NonFinite.of(w_block) if check_finite else NonFinite()
    if not w_block.shape[0]:
        return WeightRange(np.inf, -np.inf, 0.0, non_finite)
    return WeightRange(float(w_block.min()), float(w_block.max()),
                       float(w_block.sum(dtype=np.float64)), non_finite)


def merge_weight_ranges(*parts):
    """The :class:`WeightRange` of all ``parts`` together."""
    return WeightRange(
        min(part.low for part in parts),
        max(part.high for part in parts),
        sum(part.total for part in parts),
        functools.reduce(operator.or_, [part.non_finite for part in parts]),
    )


def block_normal_sums(X_block, y_block, w_block, centering, unweighted):
    """One block's share of the normal equations (see :func:`block_sums`).

    Returns
    -------
    sums : ndarray of shape (n_features + n_targets + 1,) * 2
    """
    return block_sums(*_aligned(X_block, y_block, w_block), centering, unweighted)


def block_gradient_sums(X_block, y_block, w_block, datafit, raw_coef, raw_intercept, y_scale,
                        extras=None):
    """One block's share of the full-batch gradient of ``datafit`` at the given coefficients.

    The same arithmetic as the in-memory objective applies to each of its
    blocks, up to its final centering and scaling, which the caller applies
    once to the sums of all blocks.

    Parameters
    ----------
    X_block : ndarray of shape (n_rows, n_features)
    y_block : ndarray of shape (n_rows, n_targets)
    w_block : ndarray of shape (n_rows,) or None
    datafit : object
        Its ``pointwise(np, prediction, y, y_scale)`` gives the losses and
        their derivatives; it travels with the task, so it pickles.
    raw_coef : ndarray of shape (n_targets, n_features)
        The coefficients in the units of the data.
    raw_intercept : ndarray of shape (n_targets,)
    y_scale : ndarray of shape (n_targets,)
    extras : dict or None, default=None
        The datafit's own parameters by name, where it has some.

    Returns
    -------
    weighted_losses : float
        The weighted sum of the datafit's losses.
    products : ndarray of shape (n_targets, n_features)
        ``X_block.T`` times the weighted derivatives, transposed.
    derivative_sums : ndarray of shape (n_targets,)
        Sums of the weighted derivatives.
    extra_sums : ndarray of shape (n_extras, n_targets)
        The weighted sums of the derivatives by each of the datafit's own
        parameters (no rows without them).
    """
    X_block, y_block, weight = _aligned(X_block, y_block, w_block)
    prediction = np.asarray(X_block @ raw_coef.T)
    prediction += raw_intercept
    loss, derivative, extra_derivatives = pointwise_with_extras(
        datafit, np, prediction, y_block, y_scale, extras or {})
    weighted_losses = float(weight @ loss.sum(axis=1))
    # Not in place: a datafit's derivative may share memory with its inputs.
    derivative = derivative * weight[:, None]
    extra_sums = np.array([weight @ extra for extra in extra_derivatives]).reshape(
        len(extra_derivatives), y_block.shape[1])
    return (weighted_losses, np.asarray(X_block.T @ derivative).T, derivative.sum(axis=0),
            extra_sums)


def block_reference_sums(y_block, w_block, datafit, y_center, y_scale):
    """One block's share of the reference losses (see ``DistributedObjective.reference_losses``).

    Returns
    -------
    sums : ndarray of shape (2,)
        Weighted sums of the datafit's losses of predicting the targets'
        centers, and of predicting zero.
    """
    y_block, weight = _aligned(y_block, w_block)
    at_center, _ = datafit.pointwise(np, np.zeros_like(y_block) + y_center, y_block, y_scale)
    with np.errstate(over="ignore"):
        at_zero, _ = datafit.pointwise(np, np.zeros_like(y_block), y_block, y_scale)
        magnitude = float(weight @ at_zero.sum(axis=1))
    return np.array([float(weight @ at_center.sum(axis=1)), magnitude])


def _aligned(*blocks):
    """The blocks as C-ordered, aligned arrays; the last, weights, as ones where None.

    A block that arrives over the network may lie at an address that is not
    a multiple of its items' size, and numpy then sums it by other loops,
    whose rounding differs: copied where needed, every block gives the
    results it gives in memory, whichever worker holds it.
    """
    arrays = [np.require(block, requirements=("C", "A")) for block in blocks[:-1]]
    weight = blocks[-1]
    if weight is None:
        weight = np.ones(arrays[0].shape[0], dtype=arrays[0].dtype)
    return (*arrays, np.require(weight, requirements=("C", "A")))
