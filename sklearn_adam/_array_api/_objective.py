"""The objective of arrays of any namespace, every pass over the rows on their device.

:class:`NamespaceObjective` combines a datafit and a penalty (see
:mod:`sklearn_adam._objective._datafits` and
:mod:`~sklearn_adam._objective._penalties`) with a dense ``X`` of any
array-API namespace, read in blocks by a
:class:`~sklearn_adam._array_api._rows.NamespaceRows`: batch gradients
taking parameters that are on the device; the exact gradient norm, loss on
held-out rows and reference losses, taking and giving NumPy values; and,
for a datafit and a penalty that are both quadratic, the normal equations,
their sums gathered by one product per block on the device and added up
there, so that only their ``(n_features + n_targets + 1)``-square matrix
comes to the host, where :class:`~sklearn_adam._objective.NormalEquations`
is made of it.
"""

import numpy as np

from .._engine import NormalEquationSteps
from .._namespace import to_numpy
from .._objective import NormalEquations, normal_equations_pay_off, normal_equations_serve
from .._objective._datafits import null_prediction
from .._objective._finish import BlockRows
from .._objective._layout import extra_parameters, pointwise_with_extras, split_parameters
from .._objective._normal_equations import Centering
from .._objective._penalties import stationarity, weights_for
from .._objective._problem import Frame, epoch_summary, null_losses, standardized_gradient
from ._epochs import NamespaceEpochs
from ._moments import rows_per_block
from ._rows import NamespaceRows


class NamespaceObjective:
    """A datafit and a penalty on data of one namespace, with their batch gradients on its device.

    Parameters are ``[coef]`` or ``[coef, intercept]`` in standardized
    coordinates, with shapes (n_targets, n_features) and (n_targets,), then
    the datafit's own (see
    :class:`~sklearn_adam._objective._layout.ParameterLayout`). The
    datafit is given predictions in the units of the data; the penalty acts
    on the standardized coefficients through the weights of its
    ``weights(x_scale, weight_sum, weight_unit)``.

    Parameters
    ----------
    X : array of shape (n_samples, n_features)
        Of ``namespace``, on its device; never modified or copied.
    y : array of shape (n_samples, n_targets)
    sample_weight : array of shape (n_samples,)
    datafit : object
        Such as :class:`~sklearn_adam._objective._datafits.SquaredError`.
    penalty : object
        Such as :class:`~sklearn_adam._objective._penalties.L2`.
    standardization : Standardization
        Of NumPy arrays, on the host.
    rows : ndarray of int or None
        The training rows of ``X``; None means all of them.
    namespace : ArrayNamespace
    weight_unit : float, default=1.0
        The power of two the weights as passed were divided by.
    """

    def __init__(self, X, y, sample_weight, *, datafit, penalty, standardization, rows,
                 namespace, weight_unit=1.0):
        self.X = X
        self.datafit = datafit
        self.penalty = penalty
        self.standardization = standardization
        self.namespace = namespace
        self.source = NamespaceRows(X, y, sample_weight, rows, namespace)
        self.n_samples = self.source.n_samples
        self.weight_sum = self.source.weight_sum
        self.penalty_weights = weights_for(
            penalty, datafit, standardization, self.weight_sum, weight_unit
        )
        self._center = namespace.from_numpy(standardization.x_center)
        self._scale = namespace.from_numpy(standardization.x_scale)
        self._y_center = namespace.from_numpy(standardization.y_center)
        self._y_scale = namespace.from_numpy(standardization.y_scale)
        self.device_weights = namespace.from_numpy(self.penalty_weights)
        self._frame = Frame(self._center, self._scale, penalty, self.device_weights,
                            self.n_samples, self.weight_sum)

    def epoch_driver(self, solver, *, full_batch, single_epoch):
        """The driver of this objective's epochs (see :func:`sklearn_adam._engine.epoch_driver`).

        Full-batch epochs of ``fit`` go through the normal equations where
        the datafit and the penalty both declare themselves quadratic and
        the equations pay off, with every step on the host; other epochs
        take their steps on the device.

        Parameters
        ----------
        solver : object following the solver protocol
        full_batch : bool
        single_epoch : bool

        Returns
        -------
        driver : NormalEquationSteps or NamespaceEpochs
        """
        if (full_batch and not single_epoch and normal_equations_serve(self)
                and normal_equations_pay_off(self.X, self.n_samples)):
            equations = self.normal_equations()
            if equations is not None:
                return NormalEquationSteps(equations, solver)
        return NamespaceEpochs(self, solver)

    def batch_gradient(self, params, batch, batch_size):
        """Gradient estimate on one batch, on the device.

        A penalty that is not smooth adds nothing: its proximal step is the
        driver's.

        Parameters
        ----------
        params : list of array
            Standardized coefficients (and intercept), on the device.
        batch : slice or array of int
            Positions in the training rows; an array is on the device.
        batch_size : int
            The nominal rows per batch: every batch's gradient is scaled as
            if it had this many rows, so that an epoch's add up to
            ``n_samples / batch_size`` times the full gradient.

        Returns
        -------
        weighted_losses : array of shape ()
            The weighted sum of the datafit's losses over the batch, before
            the step, in the namespace's widest float.
        grads : list of array
            Shaped like ``params``.
        """
        xp = self.namespace.xp
        coef, intercept, extras = split_parameters(params, self.datafit)
        raw_coef, raw_intercept = self._to_original(coef, intercept)
        coef_grad = xp.zeros_like(coef)
        derivative_sum = xp.zeros_like(self._y_scale)
        extra_sums = [xp.zeros_like(self._y_scale) for _ in extras]
        weighted_losses = self.namespace.zeros()
        n_batch = 0
        for X_block, y_block, w_block in self.source.blocks(batch):
            loss, derivative, extra_derivatives = self._pointwise(
                X_block, y_block, raw_coef, raw_intercept, extras)
            block_loss = w_block @ xp.sum(loss, axis=1)
            weighted_losses = weighted_losses + xp.astype(block_loss, self.namespace.sum_dtype)
            derivative = derivative * w_block[:, None]
            coef_grad = coef_grad + xp.matrix_transpose(derivative) @ X_block
            derivative_sum = derivative_sum + xp.sum(derivative, axis=0)
            extra_sums = [total + w_block @ extra_derivative
                          for total, extra_derivative in zip(extra_sums, extra_derivatives)]
            n_batch += X_block.shape[0]
        grads = standardized_gradient(xp, self._frame, coef, coef_grad, derivative_sum,
                                      batch_size, n_batch / batch_size, intercept is not None,
                                      extra_sums)
        return weighted_losses, grads

    def penalty_value(self, coef):
        """The penalty at ``coef`` (on the device), averaged over targets.

        Returns
        -------
        penalty : array of shape ()
            In the namespace's widest float.
        """
        xp = self.namespace.xp
        if not self.penalty.active:
            return self.namespace.zeros()
        value = self.penalty.value(xp, coef, self.device_weights)
        return xp.astype(value, self.namespace.sum_dtype) / coef.shape[0]

    def epoch_summary(self, weighted_losses, penalty, gradient_sums, batch_size, coef):
        """The objective and gradient norm of an epoch, from host values (see
        :func:`~sklearn_adam._objective._problem.epoch_summary`)."""
        return epoch_summary(self, weighted_losses, penalty, gradient_sums, batch_size, coef)

    def gradient_norm(self, params):
        """How far ``params`` are from a stationary point: one pass over the training rows.

        Parameters
        ----------
        params : list of ndarray
            On the host.

        Returns
        -------
        norm : float
            See :func:`~sklearn_adam._objective._penalties.stationarity`.
        """
        device_params = [self.namespace.from_numpy(p) for p in params]
        _, grads = self.batch_gradient(device_params, slice(None), self.n_samples)
        return stationarity(self.penalty, params[0], [to_numpy(g) for g in grads],
                            self.penalty_weights)

    def loss_sums(self, params):
        """The weighted sums of the datafit's losses over all rows, per target.

        Parameters
        ----------
        params : list of ndarray
            On the host.

        Returns
        -------
        sums : ndarray of shape (n_targets,)
        """
        xp = self.namespace.xp
        device_params = [self.namespace.from_numpy(p) for p in params]
        coef, intercept, extras = split_parameters(device_params, self.datafit)
        raw_coef, raw_intercept = self._to_original(coef, intercept)
        sums = xp.zeros_like(self._y_scale)
        for X_block, y_block, w_block in self.source.blocks():
            loss, _, _ = self._pointwise(X_block, y_block, raw_coef, raw_intercept, extras)
            sums = sums + w_block @ loss
        return to_numpy(sums)

    def finish_rows(self):
        """What the exact finish of a loss with a kink reads of the rows, brought to the host.

        Returns
        -------
        rows : BlockRows
        """
        return BlockRows(self.source, to_numpy, self.namespace.from_numpy)

    def null_loss_sums(self):
        """Weighted sums of the loss of the datafit's best constant, per target.

        As :meth:`~sklearn_adam._objective.Objective.null_loss_sums`.

        Returns
        -------
        sums : ndarray of shape (n_targets,)
        """
        y, weight = self.source.targets()
        if extra_parameters(self.datafit):
            # The best constant's own parameters are found on the host.
            return null_losses(self.datafit, to_numpy(y), to_numpy(weight),
                               self.standardization.y_scale)
        constant = null_prediction(self.datafit, to_numpy(y), to_numpy(weight))
        constant = self.namespace.from_numpy(np.asarray(constant, dtype=to_numpy(y).dtype))
        loss, _ = self.datafit.pointwise(self.namespace.xp, constant, y, self._y_scale)
        return to_numpy(weight @ loss)

    def reference_losses(self):
        """The objective with every standardized parameter at zero, and the targets' size.

        Returns
        -------
        loss : float
            The datafit's mean loss of predicting the targets' centers
            (zero without centering); any fit should end below it.
        size : float
            Its mean loss of predicting zero. Next to it a ``loss`` near
            zero says that the centers alone predict the targets.
        """
        xp = self.namespace.xp
        y, weight = self.source.targets()
        total = self.weight_sum * y.shape[1]
        at_center, _ = self.datafit.pointwise(
            xp, xp.zeros_like(y) + self._y_center, y, self._y_scale
        )
        with np.errstate(over="ignore"):
            at_zero, _ = self.datafit.pointwise(xp, xp.zeros_like(y), y, self._y_scale)
            magnitude = float(weight @ xp.sum(at_zero, axis=1))
        loss = float(weight @ xp.sum(at_center, axis=1)) / total
        return loss, magnitude / total

    def penalized(self, params):
        """The parameters a weight decay may shrink: the coefficients, not the intercept."""
        return [params[0]] + [None] * (len(params) - 1)

    def normal_equations(self):
        """The normal equations of this objective, or None where they overflow.

        Each block's sums of products of ``[X - center, standardized y, 1]``
        (see :func:`~sklearn_adam._objective._normal_equations.block_sums`)
        are one product on the device, in the namespace's widest float, and
        are added up there. Only for a quadratic datafit and penalty.

        Returns
        -------
        equations : NormalEquations or None
        """
        xp, namespace = self.namespace.xp, self.namespace
        centering = Centering.of(self.standardization)
        wide = namespace.sum_dtype

        def on_device(values):
            return None if values is None else xp.asarray(values, dtype=wide,
                                                          device=namespace.device)

        center, block_scale = on_device(centering.center), on_device(centering.block_scale)
        y_center, y_scale = on_device(centering.y_center), on_device(centering.y_scale)
        unweighted = bool(xp.all(self.source.sample_weight == 1))
        sums = namespace.zeros((centering.n_sums, centering.n_sums))
        block_rows = rows_per_block(self.X, centering.n_sums)
        with np.errstate(over="ignore", invalid="ignore"):
            for X_block, y_block, w_block in self.source.blocks(block_rows=block_rows):
                x_part = xp.astype(X_block, wide) - center
                if block_scale is not None:
                    x_part = x_part / block_scale
                y_part = (xp.astype(y_block, wide) - y_center) / y_scale
                if unweighted:
                    last = xp.ones((X_block.shape[0], 1), dtype=wide, device=namespace.device)
                else:
                    last = xp.sqrt(xp.astype(w_block, wide))[:, None]
                    x_part, y_part = x_part * last, y_part * last
                columns = xp.concat([x_part, y_part, last], axis=1)
                sums = sums + xp.matrix_transpose(columns) @ columns
        return NormalEquations.from_sums(
            to_numpy(sums).astype(np.float64), centering, self.weight_sum, self.n_samples,
            self.penalty_weights, self.penalty, namespace.numpy_dtype(self.X.dtype),
        )

    def _to_original(self, coef, intercept):
        # Standardization.to_original, on the device.
        raw_coef = coef * (self._y_scale[:, None] / self._scale)
        raw_intercept = self._y_center - raw_coef @ self._center
        if intercept is not None:
            raw_intercept = raw_intercept + self._y_scale * intercept
        return raw_coef, raw_intercept

    def _pointwise(self, X_block, y_block, raw_coef, raw_intercept, extras):
        # The datafit's losses and derivatives of one block's predictions.
        xp = self.namespace.xp
        prediction = X_block @ xp.matrix_transpose(raw_coef) + raw_intercept
        return pointwise_with_extras(self.datafit, xp, prediction, y_block, self._y_scale,
                                     extras)
