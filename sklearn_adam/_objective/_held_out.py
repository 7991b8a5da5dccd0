"""The loss and score of the current parameters on held-out rows."""

import numpy as np


class HeldOutEvaluation:
    """Loss and score of the current parameters on held-out rows.

    Parameters
    ----------
    objective : LeastSquares or NamespaceLeastSquares
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
        self._total_squares = objective.target_spread()

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
