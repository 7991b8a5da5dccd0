r"""The weighted, L2-penalized least-squares objective and its gradient.

The solver works on *standardized* coefficients (see
:class:`~sklearn_adam._objective.Standardization`). The data are never copied
to do this: the standardization is folded into the coefficients used for the
products with ``X``, so dense and sparse inputs take the same path and sparse
inputs stay sparse.

With :math:`s_i` the sample weights, :math:`S = \sum_i s_i`, :math:`\mu` and
:math:`\sigma` the feature centers and scales, and :math:`\mu_y, \sigma_y` the
target's, the standardized residual of sample :math:`i` is

.. math::

    \tilde r_i = \frac{x_i w + b - y_i}{\sigma_y}, \qquad
    w = \tilde w \, \sigma_y / \sigma, \quad
    b = \mu_y + \sigma_y \tilde b - \mu \cdot w

and the objective, per output, is

.. math::

    \tilde L(\tilde w, \tilde b) = \frac{1}{2S} \Big( \sum_i s_i \tilde r_i^2
        + \alpha \sum_j \tilde w_j^2 / \sigma_j^2 \Big)

which is :math:`1 / (2 S \sigma_y^2)` times Ridge's objective
:math:`\sum_i s_i (y_i - x_i w - b)^2 + \alpha \lVert w \rVert^2`: the same
minimizer, hence the same meaning of ``alpha``. Without standardization
:math:`\mu = \mu_y = 0` and :math:`\sigma = \sigma_y = 1`.
"""

import math

import numpy as np

from .._mapped import ReadCount
from ._penalty import penalty_weights
from ._standardization import rows_per_block


class LeastSquares:
    """Objective and mini-batch gradients of weighted ridge least squares.

    Parameters are ``[coef]`` or ``[coef, intercept]`` in standardized
    coordinates, with shapes (n_targets, n_features) and (n_targets,).

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        Never modified or copied.
    y : ndarray of shape (n_samples, n_targets)
    sample_weight : ndarray of shape (n_samples,)
    alpha : float
        L2 penalty, with Ridge's meaning.
    standardization : Standardization
    rows : ndarray of int or None
        The training rows of ``X``; None means all of them.
    weight_unit : float, default=1.0
        The power of two the weights as passed were divided by (see
        :func:`~sklearn_adam._data.check_fit_data`); ``alpha`` is weighed
        against the weights as passed.
    """

    def __init__(self, X, y, sample_weight, *, alpha, standardization, rows, weight_unit=1.0):
        self.X = X
        self.y = y
        self.sample_weight = sample_weight
        self.standardization = standardization
        self.rows = rows
        train_weight = sample_weight if rows is None else sample_weight[rows]
        self.n_samples = train_weight.shape[0]
        self.weight_sum = float(train_weight.sum())
        self.penalty_weights = penalty_weights(
            alpha, standardization.x_scale, self.weight_sum, weight_unit
        )
        self.penalized_any = alpha > 0
        self._block_rows = rows_per_block(X)
        self._read = ReadCount(X)

    def batch_gradient(self, params, batch, batch_size, grads):
        """Gradient estimate on one batch, written into ``grads``.

        Parameters
        ----------
        params : list of ndarray
            Standardized coefficients (and intercept).
        batch : slice or ndarray of int
            Positions in the training rows.
        batch_size : int
            The nominal number of rows per batch. Every batch's gradient is
            scaled as if it had this many rows, so that the gradients of one
            epoch add up to ``n_samples / batch_size`` times the full gradient
            even when the last batch is short.
        grads : list of ndarray
            Output arrays shaped like ``params``; overwritten.

        Returns
        -------
        weighted_squares : float
            Half the weighted sum of squared standardized residuals over the
            batch, before the step; summed over an epoch and divided by the
            weight sum it gives the data part of the objective.
        """
        coef, intercept = _split(params)
        raw_coef, raw_intercept = self.standardization.to_original(coef, intercept)
        coef_grad = grads[0]
        coef_grad[...] = 0
        residual_sum = np.zeros_like(self.standardization.y_scale)
        weighted_squares = 0.0
        for X_block, y_block, w_block in self._blocks(batch):
            residual = self._residual(X_block, y_block, raw_coef, raw_intercept)
            weighted_squares += 0.5 * float(w_block @ np.square(residual).sum(axis=1))
            residual *= w_block[:, None]
            coef_grad += np.asarray(X_block.T @ residual).T
            residual_sum += residual.sum(axis=0)
        scaling = self.n_samples / (batch_size * self.weight_sum)
        center, scale = self.standardization.x_center, self.standardization.x_scale
        coef_grad -= residual_sum[:, None] * center
        coef_grad *= scaling / scale
        if self.penalized_any:
            n_batch = _batch_length(batch, self.n_samples)
            coef_grad += (n_batch / batch_size) * self.penalty_weights * coef
        if intercept is not None:
            np.multiply(residual_sum, scaling, out=grads[1])
        return weighted_squares

    def gradient_norm(self, params):
        """Norm of the exact gradient at ``params``: one pass over the training rows.

        Parameters
        ----------
        params : list of ndarray

        Returns
        -------
        norm : float
        """
        grads = [np.empty_like(p) for p in params]
        self.batch_gradient(params, slice(None), self.n_samples, grads)
        return joint_norm(grads)

    def residual_squares(self, params):
        """Weighted sums of squared standardized residuals over all rows.

        Parameters
        ----------
        params : list of ndarray

        Returns
        -------
        sums : ndarray of shape (n_targets,)
        """
        coef, intercept = _split(params)
        raw_coef, raw_intercept = self.standardization.to_original(coef, intercept)
        sums = np.zeros_like(self.standardization.y_scale)
        for X_block, y_block, w_block in self._blocks(slice(None)):
            residual = self._residual(X_block, y_block, raw_coef, raw_intercept)
            sums += w_block @ np.square(residual)
        return sums

    def target_spread(self):
        """Weighted sums of squared deviations of the standardized targets from their mean.

        Returns
        -------
        sums : ndarray of shape (n_targets,)
            The total sums of squares of R^2, per target.
        """
        rows = slice(None) if self.rows is None else self.rows
        y, weight = self.y[rows], self.sample_weight[rows]
        mean = (weight @ y) / weight.sum()
        return weight @ np.square((y - mean) / self.standardization.y_scale)

    def epoch_summary(self, weighted_squares, penalty, gradient_sums, batch_size):
        """The objective and gradient norm of an epoch, from its batches' sums.

        Parameters
        ----------
        weighted_squares : float
            The epoch's sum of what :meth:`batch_gradient` returned.
        penalty : float
            The penalty, each batch's taken before its step and weighted by
            its share of the rows.
        gradient_sums : list of ndarray
            Each parameter's batch gradients summed over the epoch.
        batch_size : int
            The nominal rows per batch.

        Returns
        -------
        loss : float
            The objective averaged over the epoch.
        gradient_norm : float
            Norm of the batch gradients averaged over the epoch.
        """
        n_targets = gradient_sums[0].shape[0]
        loss = weighted_squares / (self.weight_sum * n_targets) + penalty
        # Each batch gradient is scaled so that an epoch's sum is
        # n_samples / batch_size times the full gradient.
        return loss, joint_norm(gradient_sums) * batch_size / self.n_samples

    def reference_losses(self):
        """The objective with every standardized parameter at zero, and the targets' size.

        That is the model that predicts the targets' centers (zero without
        centering); any fit should end below it.

        Returns
        -------
        loss : float
        size : float
            Half the weighted mean square of the targets themselves, in the
            same units: the objective of predicting zero. Next to it a
            ``loss`` near zero says that the centers alone predict the
            targets (a constant target).
        """
        y = self.y if self.rows is None else self.y[self.rows]
        weight = self.sample_weight if self.rows is None else self.sample_weight[self.rows]
        scale = self.standardization.y_scale
        residual = (y - self.standardization.y_center) / scale
        total = self.weight_sum * y.shape[1]
        with np.errstate(over="ignore"):
            magnitude = float(weight @ np.square(y / scale).sum(axis=1))
        loss = 0.5 * float(weight @ np.square(residual).sum(axis=1)) / total
        return loss, 0.5 * magnitude / total

    def penalized(self, params):
        """The parameters a weight decay may shrink: the coefficients, not the intercept.

        Parameters
        ----------
        params : list of ndarray

        Returns
        -------
        decayed : list of ndarray or None
            ``params`` with None in place of the intercept.
        """
        return [params[0]] + [None] * (len(params) - 1)

    def penalty_value(self, params):
        """The penalty part of the objective, ``sum(alpha_j w_j**2) / (2 S)``.

        Parameters
        ----------
        params : list of ndarray

        Returns
        -------
        penalty : float
            Averaged over targets.
        """
        coef = params[0]
        if not self.penalized_any:
            return 0.0
        return 0.5 * float((self.penalty_weights * np.square(coef)).sum()) / coef.shape[0]

    def _residual(self, X_block, y_block, raw_coef, raw_intercept):
        # Standardized residuals (prediction - target) / y_scale of one block.
        residual = np.asarray(X_block @ raw_coef.T)
        residual += raw_intercept
        residual -= y_block
        residual /= self.standardization.y_scale
        return residual

    def blocks(self):
        """The training rows in blocks of about 4 MiB of ``X``.

        Yields
        ------
        X_block, y_block, weight_block
            Rows of ``X`` (dense or sparse), ``y`` and the sample weights.
        """
        return self._blocks(slice(None))

    def _blocks(self, batch):
        if isinstance(batch, slice):
            start, stop, _ = batch.indices(self.n_samples)
            for first in range(start, stop, self._block_rows):
                last = min(first + self._block_rows, stop)
                rows = slice(first, last) if self.rows is None else self.rows[first:last]
                yield self._take(rows)
                self._read.read(rows)
        else:
            for first in range(0, len(batch), self._block_rows):
                part = batch[first : first + self._block_rows]
                yield self._take(part if self.rows is None else self.rows[part])

    def _take(self, rows):
        return self.X[rows], self.y[rows], self.sample_weight[rows]


def joint_norm(arrays):
    """The Euclidean norm of several arrays taken together (a gradient's parts).

    Parameters
    ----------
    arrays : list of ndarray

    Returns
    -------
    norm : float
    """
    return math.sqrt(sum(float(np.vdot(a, a)) for a in arrays))


def _split(params):
    return params[0], (params[1] if len(params) > 1 else None)


def _batch_length(batch, n_samples):
    if isinstance(batch, slice):
        return len(range(n_samples)[batch])
    return len(batch)
