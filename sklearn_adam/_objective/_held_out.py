"""The loss and score of the current parameters on held-out rows."""

import numpy as np


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
    """

    def __init__(self, objective, score=None, varying=None):
        self.objective = objective
        self.score = score
        self._null_loss = objective.null_loss_sums()
        self._varying = slice(None) if varying is None else varying

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
