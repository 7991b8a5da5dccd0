"""The normal equations of the last fit, kept for a warm start on the same data.

A warm-started path (one fit per ``alpha``, each from the last one's
coefficients) fits the same ``X`` and ``y`` again and again; only the
penalty changes. The normal equations' moments (:mod:`._normal_equations`)
cost a pass over ``X`` with ``n_features`` products per value, while every
other part of such a fit costs a few plain passes. So a warm-starting
estimator keeps them, with a SHA-256 digest of everything they were summed
from: the bytes, shapes, dtypes and layouts of ``X`` (its CSR arrays for a
sparse one), ``y``, the sample weights and the training rows, and the
centers and scales they were standardized by. A later fit reuses them only
where all of it is the same, bit for bit: the same data whether or not it
is the same object, and never data changed in place since.

Hashing reads each byte once, at about the cost of :data:`HASH_PRODUCTS`
multiply-adds per value (SHA-256, measured on the development machine);
summing dense rows costs ``n_features / 2`` per value, so only the
equations of wider rows, and of sparse ones (whose sums end in dense
products of ``n_features**2`` per block), are worth keeping. Narrower
dense rows are summed afresh: cheaper than proving them unchanged.
"""

import hashlib

import numpy as np
import scipy.sparse as sp


class KeptEquations:
    """The normal equations of the last fit on one estimator, and what they were made of.

    Shared by the fit states a warm start resumes (not copied), and not
    pickled: a model loaded from a pickle sums them afresh.
    """

    def __init__(self):
        # (digest, equations), replaced whole and read once: copies of a
        # model share it, and may be fitted in threads.
        self._kept = (None, None)

    def __getstate__(self):
        return {}

    def __setstate__(self, state):
        self.__init__()

    def __deepcopy__(self, memo):
        return self

    def equations_for(self, objective, build):
        """The normal equations of ``objective``: those kept, where made of the same data.

        Parameters
        ----------
        objective : Objective
            In memory (its ``data`` are :class:`TrainingRows`).
        build : callable
            ``build(objective)`` sums them afresh, or returns None where they
            overflow.

        Returns
        -------
        equations : NormalEquations or None
            With ``objective``'s own penalty and weights; the moments are
            shared with the kept ones, which no one changes.
        """
        if not worth_keeping(objective.data.X):
            return build(objective)
        digest = data_digest(objective)
        kept_digest, kept = self._kept
        if digest == kept_digest and kept is not None:
            return kept.with_penalty(objective.penalty, objective.penalty_weights)
        equations = build(objective)
        self._kept = (digest, equations) if equations is not None else (None, None)
        return equations


# What hashing a value of X costs, in multiply-adds of the sums.
HASH_PRODUCTS = 32


def worth_keeping(X):
    """Whether proving ``X`` unchanged by its digest costs less than summing its moments anew.

    Parameters
    ----------
    X : ndarray or sparse matrix

    Returns
    -------
    bool
    """
    return sp.issparse(X) or X.shape[1] > 2 * HASH_PRODUCTS


def data_digest(objective):
    """A SHA-256 digest of all that an objective's normal equations are made of.

    Parameters
    ----------
    objective : Objective

    Returns
    -------
    digest : bytes
    """
    data, standardization = objective.data, objective.standardization
    digest = hashlib.sha256()
    X = data.X
    if sp.issparse(X):
        digest.update(f"{X.format} {X.shape}".encode())
        parts = [X.data, X.indices, X.indptr]
    else:
        parts = [X]
    rows = np.zeros(0, dtype=np.intp) if data.rows is None else data.rows
    parts += [data.y, data.sample_weight, rows, standardization.x_center,
              standardization.x_scale, standardization.y_center, standardization.y_scale]
    for part in parts:
        _add_array(digest, np.asarray(part))
    return digest.digest()


def _add_array(digest, array):
    """Add an array's shape, dtype and bytes to ``digest``, without a copy where contiguous."""
    digest.update(f"|{array.shape} {array.dtype.str}".encode())
    if array.flags.f_contiguous and not array.flags.c_contiguous:
        # The same values column by column: the transpose is C-contiguous.
        digest.update(b"F")
        array = array.T
    digest.update(memoryview(np.ascontiguousarray(array)).cast("B"))


class HeldEquations(KeptEquations):
    """The normal equations of data their holder keeps unchanged between fits: no digest.

    :func:`~sklearn_adam.adam_path` validates the data once and fits every
    ``alpha`` on the same arrays, which no one else sees: they are the same
    by construction, and proving it by a digest at each fit would cost as
    much as the sums on narrow rows.
    """

    def equations_for(self, objective, build):
        """The normal equations summed at the first fit, with ``objective``'s penalty.

        Parameters
        ----------
        objective : Objective
        build : callable
            ``build(objective)`` sums them, or returns None where they overflow.

        Returns
        -------
        equations : NormalEquations or None
        """
        _, kept = self._kept
        if kept is not None:
            return kept.with_penalty(objective.penalty, objective.penalty_weights)
        equations = build(objective)
        self._kept = (None, equations)
        return equations
