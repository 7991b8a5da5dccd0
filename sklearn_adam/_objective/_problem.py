r"""The objective: a datafit and a penalty, on the training rows, in standardized coordinates.

The solver works on *standardized* coefficients (see
:class:`~sklearn_adam._objective.Standardization`). The data are never copied
to do this: the standardization is folded into the coefficients used for the
products with ``X``, so dense and sparse inputs take the same path and sparse
inputs stay sparse.

With :math:`s_i` the sample weights, :math:`S = \sum_i s_i`, :math:`\mu` and
:math:`\sigma` the feature centers and scales, and :math:`\mu_y, \sigma_y` the
target's, the prediction of sample :math:`i` in the units of the data is

.. math::

    p_i = x_i w + b, \qquad
    w = \tilde w \, \sigma_y / \sigma, \quad
    b = \mu_y + \sigma_y \tilde b - \mu \cdot w

and the objective, per output, is

.. math::

    \tilde L(\tilde w, \tilde b) = \frac1S \sum_i s_i f(p_i, y_i)
        + \Omega(\tilde w)

with :math:`f` the datafit (:mod:`._datafits`) and :math:`\Omega` the penalty
(:mod:`._penalties`), whose weights hold :math:`S` and the scales. For the
squared error and the ridge penalty this is :math:`1 / (2 S \sigma_y^2)` times
Ridge's objective :math:`\sum_i s_i (y_i - x_i w - b)^2 + \alpha \lVert w
\rVert^2`: the same minimizer, hence the same meaning of ``alpha``. Without
standardization :math:`\mu = \mu_y = 0` and :math:`\sigma = \sigma_y = 1`.

The gradient with respect to the standardized coefficients is the datafit's
derivative at each prediction, weighted, times the standardized rows: that
product, and nothing of the loss, is written here.
"""

import copy
import math
from typing import NamedTuple

import numpy as np

from ._datafits import null_prediction
from ._finish import BlockRows
from ._layout import extra_parameters, pointwise_with_extras, split_parameters
from ._normal_equations import NormalEquations
from ._penalties import joint_norm, stationarity, weights_for


class Objective:
    """Objective and mini-batch gradients of a datafit and a penalty on weighted rows.

    Parameters are ``[coef]`` or ``[coef, intercept]`` in standardized
    coordinates, with shapes (n_targets, n_features) and (n_targets,),
    followed by the datafit's own parameters where it has some (see
    :class:`~sklearn_adam._objective._layout.ParameterLayout`).

    Parameters
    ----------
    datafit : object
        The loss of each prediction, such as
        :class:`~sklearn_adam._objective._datafits.SquaredError`.
    penalty : object
        The penalty on the coefficients, such as
        :class:`~sklearn_adam._objective._penalties.L2`.
    data : TrainingRows
        The training rows, read in blocks.
    standardization : Standardization
    weight_unit : float, default=1.0
        The power of two the weights as passed were divided by (see
        :func:`~sklearn_adam._data.check_fit_data`); the penalty is weighed
        against the weights as passed.
    """

    # The normal equations a warm-starting estimator keeps between fits
    # (KeptEquations), where the fit hands them over; None sums them afresh.
    kept_equations = None

    def __init__(self, datafit, penalty, data, standardization, weight_unit=1.0):
        self.datafit = datafit
        self.penalty = penalty
        self.data = data
        self.standardization = standardization
        self.n_samples = data.n_samples
        self.weight_sum = data.weight_sum
        self.penalty_weights = weights_for(
            penalty, datafit, standardization, self.weight_sum, weight_unit
        )
        # Whether a penalty's gradient joins the data's: a penalty that is
        # not smooth takes its proximal step instead.
        self.adds_penalty_gradient = bool(penalty.smooth and penalty.active)
        self.frame = Frame(standardization.x_center, standardization.x_scale, penalty,
                           self.penalty_weights, self.n_samples, self.weight_sum)

    def reading(self, data):
        """This objective, its rows read from ``data`` (a part of the same rows).

        Parameters
        ----------
        data : TrainingRows

        Returns
        -------
        objective : Objective
            Its sums are scaled as this one's: by all training rows.
        """
        reader = copy.copy(self)
        reader.data = data
        return reader

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
        weighted_loss : float
            The weighted sum of the datafit's loss over the batch, before the
            step; summed over an epoch and divided by the weight sum it gives
            the data part of the objective.
        """
        coef, intercept, extras = split_parameters(params, self.datafit)
        raw_coef, raw_intercept = self.standardization.to_original(coef, intercept)
        coef_grad = grads[0]
        coef_grad[...] = 0
        derivative_sum = np.zeros_like(self.standardization.y_scale)
        extra_sums = [np.zeros_like(derivative_sum) for _ in extras]
        weighted_loss = 0.0
        for X_block, y_block, w_block in self.data.blocks(batch):
            loss, derivative, extra_derivatives = self._pointwise(
                X_block, y_block, raw_coef, raw_intercept, extras)
            weighted_loss += float(w_block @ loss.sum(axis=1))
            derivative *= w_block[:, None]
            coef_grad += np.asarray(X_block.T @ derivative).T
            derivative_sum += derivative.sum(axis=0)
            for extra_sum, extra_derivative in zip(extra_sums, extra_derivatives):
                extra_sum += w_block @ extra_derivative
        # The batch's share of a nominal batch weighs a smooth penalty's gradient.
        share = self.data.batch_length(batch) / batch_size if self.adds_penalty_gradient else 1.0
        assembled = standardized_gradient(np, self.frame, coef, coef_grad, derivative_sum,
                                          batch_size, share, intercept is not None, extra_sums)
        for grad, value in zip(grads, assembled):
            grad[...] = value
        return weighted_loss

    def stationarity(self, params, grads):
        """How far ``params`` are from the optimum, by the full-batch gradient ``grads`` there.

        The norm of the gradient, or for a penalty that is not smooth the
        distance of the coefficients' data gradient to its subdifferential
        (see :func:`~sklearn_adam._objective._penalties.stationarity`).

        Parameters
        ----------
        params, grads : list of ndarray

        Returns
        -------
        norm : float
        """
        return stationarity(self.penalty, params[0], grads, self.penalty_weights)

    def gradient_norm(self, params):
        """:meth:`stationarity` at ``params``: one pass over the training rows.

        Parameters
        ----------
        params : list of ndarray

        Returns
        -------
        norm : float
        """
        grads = [np.empty_like(p) for p in params]
        self.batch_gradient(params, slice(None), self.n_samples, grads)
        return self.stationarity(params, grads)

    def proximal_step(self, coef, steps, share):
        """The penalty's proximal step on ``coef``, in place (see :func:`proximal_step`)."""
        proximal_step(self.penalty, coef, steps, self.penalty_weights, share)

    def loss_sums(self, params):
        """Weighted sums of the datafit's loss over all rows, per target.

        Parameters
        ----------
        params : list of ndarray

        Returns
        -------
        sums : ndarray of shape (n_targets,)
        """
        coef, intercept, extras = split_parameters(params, self.datafit)
        raw_coef, raw_intercept = self.standardization.to_original(coef, intercept)
        sums = np.zeros_like(self.standardization.y_scale)
        for X_block, y_block, w_block in self.data.blocks():
            loss, _, _ = self._pointwise(X_block, y_block, raw_coef, raw_intercept, extras)
            sums += w_block @ loss
        return sums

    def normal_equations(self):
        """The normal equations of this objective, or None where they overflow.

        Only for a quadratic datafit and penalty; see
        :meth:`~sklearn_adam._objective.NormalEquations.build`.

        Returns
        -------
        equations : NormalEquations or None
        """
        return NormalEquations.build(self)

    def null_loss_sums(self):
        """Weighted sums of the loss of the datafit's best constant, per target.

        The denominators of R^2 (half the total sums of squares, for
        squared error, whose best constant is the weighted mean) and of D^2
        for other datafits (see their ``null_prediction``, and
        :func:`null_losses`).

        Returns
        -------
        sums : ndarray of shape (n_targets,)
        """
        y, weight = self.data.targets()
        return null_losses(self.datafit, y, weight, self.standardization.y_scale)

    def epoch_summary(self, weighted_loss, penalty, gradient_sums, batch_size, coef=None):
        """The objective and gradient norm of an epoch (see :func:`epoch_summary`)."""
        return epoch_summary(self, weighted_loss, penalty, gradient_sums, batch_size, coef)

    def reference_losses(self):
        """The objective with every standardized parameter at zero, and the targets' size.

        That is the model that predicts the targets' centers (zero without
        centering); any fit should end below it.

        Returns
        -------
        loss : float
        size : float
            The objective of predicting zero, in the same units. Next to it a
            ``loss`` near zero says that the centers alone predict the
            targets (a constant target).
        """
        y, weight = self.data.targets()
        scale = self.standardization.y_scale
        total = self.weight_sum * y.shape[1]
        with np.errstate(over="ignore"):
            at_zero, _ = self.datafit.pointwise(np, np.zeros_like(scale), y, scale)
            magnitude = float(weight @ at_zero.sum(axis=1))
        at_center, _ = self.datafit.pointwise(np, self.standardization.y_center, y, scale)
        loss = float(weight @ at_center.sum(axis=1)) / total
        return loss, magnitude / total

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
        """The penalty part of the objective, averaged over targets.

        Parameters
        ----------
        params : list of ndarray

        Returns
        -------
        penalty : float
        """
        return average_penalty(self.penalty, params[0], self.penalty_weights)

    def finish_rows(self):
        """What the exact finish of a loss with a kink reads of the rows (see :mod:`._finish`).

        Returns
        -------
        rows : BlockRows
        """
        return BlockRows(self.data, np.asarray, np.asarray)

    def blocks(self):
        """The training rows in blocks (see :meth:`TrainingRows.blocks`)."""
        return self.data.blocks()

    def _pointwise(self, X_block, y_block, raw_coef, raw_intercept, extras):
        # The datafit's loss and derivatives at one block's predictions.
        prediction = np.asarray(X_block @ raw_coef.T)
        prediction += raw_intercept
        return pointwise_with_extras(self.datafit, np, prediction, y_block,
                                     self.standardization.y_scale, extras)


def null_losses(datafit, y, weight, y_scale):
    """Weighted sums of the loss of the datafit's best constant, per target, on the host.

    A datafit with parameters of its own (the Huber loss's scale) takes
    them at their best for that constant (its ``best_extras``).

    Parameters
    ----------
    datafit : object
    y : ndarray of shape (n_samples, n_targets)
    weight : ndarray of shape (n_samples,)
    y_scale : ndarray of shape (n_targets,)

    Returns
    -------
    sums : ndarray of shape (n_targets,)
    """
    constant = null_prediction(datafit, y, weight)
    if not extra_parameters(datafit):
        loss, _ = datafit.pointwise(np, constant, y, y_scale)
        return weight @ loss
    extras = datafit.best_extras(y, weight, constant, y_scale)
    loss, _ = datafit.pointwise(np, constant, y, y_scale, **extras)
    return weight @ loss


def average_penalty(penalty, coef, weights):
    """The penalty at ``coef`` averaged over targets, on the host; zero when it is inactive.

    Parameters
    ----------
    penalty : object
    coef : ndarray of shape (n_targets, n_features)
    weights : ndarray
        The penalty's weights.

    Returns
    -------
    value : float
    """
    if not penalty.active:
        return 0.0
    return float(penalty.value(np, coef, weights)) / coef.shape[0]


def proximal_step(penalty, coef, steps, weights, share):
    """Apply the penalty's proximal operator to host coefficients, in place, after a step.

    Parameters
    ----------
    penalty : object
        Not smooth: a smooth one's gradient is in the step already.
    coef : ndarray of shape (n_targets, n_features)
        Updated in place.
    steps : ndarray of shape (n_targets, n_features)
        The rule's step size for each coefficient.
    weights : ndarray
        The penalty's weights.
    share : float
        The batch's share of a nominal batch: its penalty's weight.
    """
    coef[...] = penalty.prox(np, coef, share * steps, weights)


class Frame(NamedTuple):
    """What turns a batch's sums over its rows into the standardized parameters' gradient.

    Arrays in the namespace of the sums: on the host, or on the data's device.

    Parameters
    ----------
    center, scale : array of shape (n_features,)
        The features' centers and scales.
    penalty : object
        The penalty; a smooth one's gradient joins the data's.
    weights : array of shape (n_features,)
        The penalty's weights.
    n_samples : int
        Training rows.
    weight_sum : float
        Their weights' sum.
    """

    center: object
    scale: object
    penalty: object
    weights: object
    n_samples: int
    weight_sum: float


def standardized_gradient(xp, frame, coef, products, derivative_sums, batch_size, share,
                          intercept, extra_sums=()):
    r"""The gradient of the standardized parameters from a batch's sums over its rows.

    With :math:`d_i` the datafit's derivative at each row's prediction,
    weighted, the sums are :math:`P = \sum_i d_i x_i` (``products``, per
    target) and :math:`D = \sum_i d_i` (``derivative_sums``); the
    coefficients' gradient is :math:`(P - D \mu) \, c / \sigma` and the
    intercept's :math:`D c`, with :math:`c = n / (B S)` for ``n`` training
    rows, a nominal batch of ``B`` rows and the weight sum ``S``, plus a
    smooth penalty's gradient weighted by the batch's ``share`` of ``B``.
    Every backend (in memory, on a device, summed over dask blocks) takes
    its gradient here.

    Parameters
    ----------
    xp : array namespace
    frame : Frame
    coef : array of shape (n_targets, n_features)
    products : array of shape (n_targets, n_features)
    derivative_sums : array of shape (n_targets,)
    batch_size : int
    share : float
        The batch's rows over ``batch_size``.
    intercept : bool
        Whether an intercept is fitted.
    extra_sums : sequence of array of shape (n_targets,), default=()
        For each of the datafit's own parameters, the weighted sum of its
        rows' derivatives by it: its gradient is that sum times :math:`c`.

    Returns
    -------
    grads : list of array
        The coefficients' gradient, the intercept's where fitted, then
        those of the datafit's own parameters.
    """
    scaling = frame.n_samples / (batch_size * frame.weight_sum)
    coef_grad = (products - derivative_sums[:, None] * frame.center) * (scaling / frame.scale)
    if frame.penalty.smooth and frame.penalty.active:
        coef_grad = coef_grad + frame.penalty.gradient(xp, coef, share * frame.weights)
    grads = [coef_grad]
    if intercept:
        grads.append(derivative_sums * scaling)
    return grads + [extra_sum * scaling for extra_sum in extra_sums]


def epoch_summary(objective, weighted_loss, penalty, gradient_sums, batch_size, coef=None):
    """The objective and gradient norm of an epoch, from its batches' sums.

    Parameters
    ----------
    objective : Objective or NamespaceObjective
    weighted_loss : float
        The epoch's sum of what the batch gradients returned.
    penalty : float
        The penalty, each batch's taken before its step and weighted by its
        share of the rows.
    gradient_sums : list of ndarray
        Each parameter's batch gradients summed over the epoch, on the host.
    batch_size : int
        The nominal rows per batch.
    coef : ndarray of shape (n_targets, n_features) or None, default=None
        The coefficients at the start of the epoch: where a full batch's
        gradient was taken. Read for a penalty that is not smooth only.

    Returns
    -------
    loss : float
        The objective averaged over the epoch.
    gradient_norm : float
        Norm of the batch gradients averaged over the epoch; for a penalty
        that is not smooth, the distance of their negative to its
        subdifferential at ``coef`` (see
        :func:`~sklearn_adam._objective._penalties.stationarity`).
    """
    n_targets = gradient_sums[0].shape[0]
    loss = weighted_loss / (objective.weight_sum * n_targets) + penalty
    if objective.penalty.smooth:
        # Each batch gradient is scaled so that an epoch's sum is
        # n_samples / batch_size times the full gradient.
        return loss, joint_norm(gradient_sums) * batch_size / objective.n_samples
    average = [total * (batch_size / objective.n_samples) for total in gradient_sums]
    return loss, stationarity(objective.penalty, coef, average, objective.penalty_weights)


def batch_spread(gradient_sums, gradient_squares, batch_size, n_samples):
    """How far an epoch's batch gradients spread about their mean: the root of their variance.

    Next to the norm of their mean, it says whether a batch of this size
    still points the way down: once the spread is the larger, the batch
    gradients are mostly noise, and more steps on batches of this size
    only jitter about the optimum (the norm test of Byrd, Chin, Nocedal and
    Wu, 2012, taken over an epoch).

    Parameters
    ----------
    gradient_sums : list of ndarray
        Each parameter's batch gradients summed over the epoch.
    gradient_squares : float
        The squared joint norms of the batch gradients, summed over the epoch.
    batch_size : int
        The nominal rows per batch.
    n_samples : int
        Rows in the epoch.

    Returns
    -------
    spread : float
        The root of the mean squared distance of the batch gradients from
        their mean (each batch gradient counted, as in the epoch's mean,
        with weight ``batch_size / n_samples``: with a short last batch,
        whose weight is then too large, a little less than that distance,
        so that the batch grows later, never sooner).
    """
    share = batch_size / n_samples
    mean_norm = joint_norm(gradient_sums) * share
    return math.sqrt(max(gradient_squares * share - mean_norm * mean_norm, 0.0))

