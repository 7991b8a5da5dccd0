"""The training rows, read in blocks: where the objective's passes over ``X`` come from.

:class:`TrainingRows` holds ``X``, the targets, the weights and which rows
of them are the training rows, and hands out blocks of those rows: the
objective never indexes ``X`` itself. Reading a memory-mapped ``X`` releases
its pages as it goes (:mod:`sklearn_adam._mapped`), here and only here.
"""

import copy

from .._mapped import ReadCount

# Rows per block when X is read in pieces; keeps the temporaries small
# whatever the number of samples.
_BLOCK_BYTES = 4 * 2**20


def rows_per_block(X):
    """How many rows of ``X`` to read at a time: about 4 MiB of them."""
    return max(1, _BLOCK_BYTES // (X.dtype.itemsize * max(1, X.shape[1])))


class TrainingRows:
    """Rows of ``X``, ``y`` and the sample weights, in blocks of about 4 MiB of ``X``.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_rows, n_features)
        Dense, CSR, CSC or memory-mapped; never modified or copied.
    y : ndarray of shape (n_rows, n_targets)
    sample_weight : ndarray of shape (n_rows,)
    rows : ndarray of int or None, default=None
        The training rows; None means all of them.

    Attributes
    ----------
    n_samples : int
        Number of training rows.
    weight_sum : float
        Sum of their weights.
    """

    def __init__(self, X, y, sample_weight, rows=None):
        self.X = X
        self.y = y
        self.sample_weight = sample_weight
        self.rows = rows
        self.n_samples = sample_weight.shape[0] if rows is None else rows.shape[0]
        train_weight = sample_weight if rows is None else sample_weight[rows]
        self.weight_sum = float(train_weight.sum())
        self._block_rows = rows_per_block(X)
        self._read = ReadCount(X)

    def blocks(self, batch=slice(None), rows_per_block=None):
        """The training rows at positions ``batch``, in blocks.

        Parameters
        ----------
        batch : slice or ndarray of int, default=slice(None)
            Positions among the training rows.
        rows_per_block : int or None, default=None
            Rows of a block read from a slice; None reads about 4 MiB of a
            dense ``X``'s rows at a time.

        Yields
        ------
        X_block, y_block, weight_block
            Rows of ``X`` (dense or sparse), ``y`` and the sample weights.
        """
        if isinstance(batch, slice):
            start, stop, _ = batch.indices(self.n_samples)
            step = rows_per_block or self._block_rows
            for first in range(start, stop, step):
                last = min(first + step, stop)
                rows = slice(first, last) if self.rows is None else self.rows[first:last]
                yield self._take(rows)
                self._read.read(rows)
        else:
            for first in range(0, len(batch), self._block_rows):
                part = batch[first : first + self._block_rows]
                yield self._take(part if self.rows is None else self.rows[part])

    def targets(self):
        """The targets and weights of the training rows.

        Returns
        -------
        y : ndarray of shape (n_samples, n_targets)
        sample_weight : ndarray of shape (n_samples,)
        """
        if self.rows is None:
            return self.y, self.sample_weight
        return self.y[self.rows], self.sample_weight[self.rows]

    def batch_length(self, batch):
        """How many training rows ``batch`` holds."""
        if isinstance(batch, slice):
            return len(range(self.n_samples)[batch])
        return len(batch)

    def part(self, X, rows, picked):
        """The same training rows read from a buffer of some of them.

        Parameters
        ----------
        X : ndarray
            The rows ``picked`` of this ``X``, copied in order.
        rows : ndarray of int
            For each training row, its row in ``X``: meaningful for the
            rows the part visits.
        picked : ndarray of int
            The rows of this ``X`` copied to ``X``.

        Returns
        -------
        part : TrainingRows
            With this one's ``n_samples`` and ``weight_sum``.
        """
        part = copy.copy(self)
        part.X, part.rows = X, rows
        part.y, part.sample_weight = self.y[picked], self.sample_weight[picked]
        part._read = ReadCount(X)
        return part

    def _take(self, rows):
        return self.X[rows], self.y[rows], self.sample_weight[rows]
