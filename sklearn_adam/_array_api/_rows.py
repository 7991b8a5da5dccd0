"""The training rows of arrays of any array-API namespace, read in blocks on their device.

:class:`NamespaceRows` is the row-block source that
:class:`~sklearn_adam._array_api._objective.NamespaceObjective` consumes:
it knows which rows train and how to read them in blocks, and nothing of
the objective's arithmetic, which sees only the blocks it yields.
"""

from ._moments import rows_per_block


class NamespaceRows:
    """Rows of ``X``, ``y`` and the weights of one namespace, in blocks.

    Parameters
    ----------
    X : array of shape (n_samples, n_features)
        Of ``namespace``, on its device; never modified or copied.
    y : array of shape (n_samples, n_targets)
    sample_weight : array of shape (n_samples,)
    rows : ndarray of int or None
        The training rows (NumPy, on the host); None means all of them.
    namespace : ArrayNamespace

    Attributes
    ----------
    n_samples : int
        The number of training rows.
    weight_sum : float
        The sum of their weights.
    """

    def __init__(self, X, y, sample_weight, rows, namespace):
        xp = namespace.xp
        self.X = X
        self.y = y
        self.sample_weight = sample_weight
        self.rows = rows
        self.namespace = namespace
        self._rows = None if rows is None else namespace.from_numpy(rows)
        train_weight = sample_weight if rows is None else xp.take(sample_weight, self._rows)
        self.n_samples = int(train_weight.shape[0])
        self.weight_sum = float(xp.sum(train_weight))
        self.block_rows = rows_per_block(X)

    def blocks(self, batch=slice(None), block_rows=None):
        """The rows at positions ``batch`` of the training rows, in blocks.

        Parameters
        ----------
        batch : slice or array of int, default=slice(None)
            Positions in the training rows; an array is on the device.
        block_rows : int or None, default=None
            Rows per block; by default about 128 MiB of float64 temporaries
            of ``X``'s width (see :func:`~._moments.rows_per_block`).

        Yields
        ------
        X_block, y_block, weight_block : array
            On the device, in the namespace.
        """
        xp = self.namespace.xp
        block_rows = block_rows or self.block_rows
        if isinstance(batch, slice):
            start, stop, _ = batch.indices(self.n_samples)
            for first in range(start, stop, block_rows):
                last = min(first + block_rows, stop)
                if self._rows is None:
                    yield (self.X[first:last, :], self.y[first:last, :],
                           self.sample_weight[first:last])
                else:
                    yield self._take(self._rows[first:last])
        else:
            n_rows = batch.shape[0]
            for first in range(0, n_rows, block_rows):
                # Slices end within the array: the array API leaves the rest unspecified.
                part = batch[first : min(first + block_rows, n_rows)]
                yield self._take(part if self._rows is None else xp.take(self._rows, part))

    def targets(self):
        """The targets and weights of the training rows, whole.

        Returns
        -------
        y : array of shape (n_samples, n_targets)
        sample_weight : array of shape (n_samples,)
        """
        xp = self.namespace.xp
        if self._rows is None:
            return self.y, self.sample_weight
        return xp.take(self.y, self._rows, axis=0), xp.take(self.sample_weight, self._rows)

    def _take(self, index):
        xp = self.namespace.xp
        return (xp.take(self.X, index, axis=0), xp.take(self.y, index, axis=0),
                xp.take(self.sample_weight, index))
