"""What the exact finish of a loss with a kink reads of rows that live in dask blocks.

The finish (:mod:`sklearn_adam._objective._finish`) needs, a few times per
finish, the predictions of every row, one product ``X.T @ v`` and a few
hundred rows near the kink. Each is computed where the blocks live; only
vectors of one value per row, and the few rows asked for, come back.
"""

import dask.array as da
import numpy as np


class DaskRows:
    """The finish's reads of dask blocks.

    Parameters
    ----------
    data : DaskData
        Persisted for the length of the finish.
    """

    def __init__(self, data):
        self.data = data.persist()

    def targets(self):
        """The targets and weights, brought to the client (one value per row each)."""
        y = np.asarray(self.data.y.compute())
        weight = self.data.sample_weight
        weight = np.ones(y.shape[0], dtype=y.dtype) if weight is None else weight.compute()
        return y, np.asarray(weight)

    def predictions(self, raw_coef, raw_intercept):
        """``X @ raw_coef.T + raw_intercept`` of every row."""
        # In float64 whatever X's dtype, as the finish measures residuals.
        return np.asarray((self.data.X @ raw_coef.T).compute(), dtype=np.float64) + (
            raw_intercept)

    def column_products(self, vector):
        """``X.T @ vector``, summed over the blocks where they live."""
        X = self.data.X
        column = da.from_array(vector.astype(np.float64), chunks=(X.chunks[0],))
        return np.asarray((X.T @ column).compute(), dtype=np.float64)

    def rows_at(self, positions):
        """The rows at ``positions`` (sorted), dense."""
        return np.asarray(self.data.X[positions].compute())
