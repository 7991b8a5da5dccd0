"""Tracking of a monitored value (training loss or validation score) over epochs."""

import numpy as np


class PlateauMonitor:
    """Track the best value seen and count epochs without enough progress.

    An epoch makes progress when its value beats the best one so far by more
    than ``tol`` (times the best value's size if ``relative``). After
    ``patience`` epochs in a row without progress the value has *stalled*;
    the training loop then grows the batch, lowers the learning rate or stops.

    Parameters
    ----------
    tol : float
        Smallest change that counts as progress.
    patience : int
        Number of epochs in a row without progress after which the value has
        stalled.
    greater_is_better : bool
        True for scores, False for losses.
    relative : bool, default=False
        Whether ``tol`` is relative to the best value. A relative tolerance
        suits losses, which may approach zero on data that can be fitted
        exactly.

    Attributes
    ----------
    best : float or None
        Best value seen so far (None before the first update).
    n_stalled : int
        Number of epochs in a row without progress.
    """

    def __init__(self, tol, patience, greater_is_better, relative=False):
        self.tol = tol
        self.patience = patience
        self.greater_is_better = greater_is_better
        self.relative = relative
        self.best = None
        self.n_stalled = 0

    def update(self, value):
        """Record the value of one epoch.

        Parameters
        ----------
        value : float

        Returns
        -------
        is_best : bool
            Whether ``value`` is the best seen so far.
        stalled : bool
            Whether the last ``patience`` epochs made no progress.
        """
        sign = 1.0 if self.greater_is_better else -1.0
        if self.best is None:
            self.best = value
            return True, False
        margin = self.tol * abs(self.best) if self.relative else self.tol
        if sign * (value - self.best) > margin:
            self.n_stalled = 0
        else:
            self.n_stalled += 1
        is_best = sign * (value - self.best) > 0
        if is_best:
            self.best = value
        return is_best, self.n_stalled >= self.patience

    def restart_patience(self):
        """Forget the epochs without progress, e.g. after lowering the rate."""
        self.n_stalled = 0


class HeldOutEvaluation:
    """Loss and score of the current parameters on held-out rows.

    Parameters
    ----------
    objective : LeastSquares
        The objective over the held-out rows, with the training rows'
        standardization.
    score : callable or None, default=None
        ``score(params) -> float``, greater is better. None gives the
        coefficient of determination R^2 (weighted, averaged over targets),
        computed from the same residuals as the loss.
    """

    def __init__(self, objective, score=None):
        self.objective = objective
        self.score = score
        rows = slice(None) if objective.rows is None else objective.rows
        held_out_y, weight = objective.y[rows], objective.sample_weight[rows]
        mean = (weight @ held_out_y) / weight.sum()
        scale = objective.standardization.y_scale
        self._total_squares = weight @ np.square((held_out_y - mean) / scale)

    def __call__(self, params):
        """Evaluate ``params``.

        Parameters
        ----------
        params : list of ndarray
            Standardized parameters.

        Returns
        -------
        loss : float
            Half the weighted mean squared residual, on the scale of the
            training loss and averaged over targets (no penalty).
        score : float
        """
        residual_squares = self.objective.residual_squares(params)
        loss = 0.5 * float(residual_squares.mean()) / self.objective.weight_sum
        if self.score is not None:
            return loss, float(self.score(params))
        with np.errstate(divide="ignore", invalid="ignore"):
            r2 = 1 - residual_squares / self._total_squares
        # A constant target is predicted perfectly or not at all.
        r2 = np.where(
            self._total_squares > 0, r2, np.where(residual_squares == 0, 1.0, 0.0)
        )
        return loss, float(np.mean(r2))
