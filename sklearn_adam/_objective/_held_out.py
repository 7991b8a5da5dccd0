"""The loss and score of the current parameters on held-out rows."""

import numpy as np

from ._normal_equations import values_per_pass


class HeldOutEvaluation:
    """Loss and score of the current parameters on held-out rows.

    Parameters
    ----------
    objective : Objective or NamespaceObjective
        The objective over the held-out rows, with the training rows'
        standardization.
    score : callable or None, default=None
        ``score(params) -> float``, greater is better. None gives the
        datafit's own score: the fraction of the loss of predicting each
        target's mean that the model explains (weighted, averaged over the
        targets that vary), computed from the same losses as the loss. For
        squared error that is the coefficient of determination R^2.
    varying : ndarray of bool of shape (n_targets,) or None, default=None
        With R^2, the targets that vary over the held-out rows of positive
        weight (see :func:`varying_targets`), at least one: R^2 is undefined
        for the others, which it leaves out. None: all.
    equations : NormalEquations or None, default=None
        The held-out rows' normal equations, where the datafit is quadratic:
        the losses are then taken from them, without a pass over the rows,
        so that scoring costs less than a full-batch step.
    """

    def __init__(self, objective, score=None, varying=None, equations=None):
        self.objective = objective
        self.score = score
        self.equations = equations
        self._null_loss = objective.null_loss_sums()
        self._varying = slice(None) if varying is None else varying

    @property
    def cost(self):
        """float : Multiplications one evaluation takes, per target.

        The square of the number of features where the normal equations
        give the loss, else a pass over the held-out rows; a scorer other
        than the datafit's own adds a pass for its predictions.
        """
        rows = values_per_pass(self.objective)
        n_features = self.objective.standardization.x_center.shape[0]
        loss = float(n_features**2) if self.equations is not None else rows
        return loss + (rows if self.score is not None else 0.0)

    def __call__(self, params):
        """Evaluate ``params``.

        Parameters
        ----------
        params : list of ndarray
            Standardized parameters.

        Returns
        -------
        loss : float
            The datafit's weighted mean loss, on the scale of the training
            loss and averaged over targets (no penalty).
        score : float
        """
        if self.equations is not None:
            loss_sums = self.equations.data_losses(params) * self.objective.weight_sum
        else:
            loss_sums = self.objective.loss_sums(params)
        loss = float(loss_sums.mean()) / self.objective.weight_sum
        if self.score is not None:
            return loss, float(self.score(params))
        varying = self._varying
        explained = 1 - loss_sums[varying] / self._null_loss[varying]
        return loss, float(np.mean(explained))


def varying_targets(y, sample_weight, rows=None):
    """Which targets take more than one value over the rows of positive weight.

    Compared exactly: a constant target's total sum of squares, computed
    about its weighted mean, can round to a tiny positive number.

    Parameters
    ----------
    y : ndarray of shape (n_samples, n_targets)
    sample_weight : ndarray of shape (n_samples,)
    rows : ndarray of int or None, default=None
        The held-out rows; None for all.

    Returns
    -------
    varying : ndarray of bool of shape (n_targets,)
    """
    if rows is not None:
        y, sample_weight = y[rows], sample_weight[rows]
    weighted = y[sample_weight > 0]
    return weighted.min(axis=0) < weighted.max(axis=0)
