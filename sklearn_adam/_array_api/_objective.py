"""The least-squares objective of arrays of any namespace, every pass over the rows on their device.

:class:`NamespaceLeastSquares` is :class:`~sklearn_adam._objective.LeastSquares`
for a dense ``X`` of any array-API namespace: the same batch gradients,
written with the namespace's operations, taking parameters that are on the
device; the same exact gradient norm, loss on held-out rows and reference
losses, taking and giving NumPy values; and the same normal equations, their
sums gathered by one product per block on the device and added up there, so
that only their ``(n_features + n_targets + 1)``-square matrix comes to the
host, where :class:`~sklearn_adam._objective.NormalEquations` is made of it.
"""

import numpy as np

from .._engine import NormalEquationSteps
from .._namespace import to_numpy
from .._objective import NormalEquations, normal_equations_pay_off
from .._objective._normal_equations import Centering
from .._objective._penalties import joint_norm
from .._objective._penalty import penalty_weights
from ._epochs import NamespaceEpochs
from ._moments import rows_per_block


class NamespaceLeastSquares:
    """Objective and batch gradients of weighted ridge least squares, on the data's device.

    Parameters are ``[coef]`` or ``[coef, intercept]`` in standardized
    coordinates, with shapes (n_targets, n_features) and (n_targets,).

    Parameters
    ----------
    X : array of shape (n_samples, n_features)
        Of ``namespace``, on its device; never modified or copied.
    y : array of shape (n_samples, n_targets)
    sample_weight : array of shape (n_samples,)
    alpha : float
        L2 penalty, with Ridge's meaning.
    standardization : Standardization
        Of NumPy arrays, on the host.
    rows : ndarray of int or None
        The training rows of ``X``; None means all of them.
    namespace : ArrayNamespace
    weight_unit : float, default=1.0
        The power of two the weights as passed were divided by.
    """

    def __init__(self, X, y, sample_weight, *, alpha, standardization, rows, namespace,
                 weight_unit=1.0):
        xp = namespace.xp
        self.X = X
        self.y = y
        self.sample_weight = sample_weight
        self.standardization = standardization
        self.rows = rows
        self.namespace = namespace
        self._rows = None if rows is None else namespace.from_numpy(rows)
        train_weight = sample_weight if rows is None else xp.take(sample_weight, self._rows)
        self.n_samples = int(train_weight.shape[0])
        self.weight_sum = float(xp.sum(train_weight))
        self.penalty_weights = penalty_weights(
            alpha, standardization.x_scale, self.weight_sum, weight_unit
        )
        self.penalized_any = alpha > 0
        self._center = namespace.from_numpy(standardization.x_center)
        self._scale = namespace.from_numpy(standardization.x_scale)
        self._y_center = namespace.from_numpy(standardization.y_center)
        self._y_scale = namespace.from_numpy(standardization.y_scale)
        self._penalty_weights = namespace.from_numpy(self.penalty_weights)
        self._block_rows = rows_per_block(X)

    def epoch_driver(self, solver, *, full_batch, single_epoch):
        """The driver of this objective's epochs (see :func:`sklearn_adam._engine.epoch_driver`).

        Full-batch epochs of ``fit`` go through the normal equations where
        they pay off, with every step on the host; other epochs take their
        steps on the device.

        Parameters
        ----------
        solver : object following the solver protocol
        full_batch : bool
        single_epoch : bool

        Returns
        -------
        driver : NormalEquationSteps or NamespaceEpochs
        """
        if full_batch and not single_epoch and normal_equations_pay_off(self.X, self.n_samples):
            equations = self.normal_equations()
            if equations is not None:
                return NormalEquationSteps(equations, solver)
        return NamespaceEpochs(self, solver)

    def batch_gradient(self, params, batch, batch_size):
        """Gradient estimate on one batch, on the device.

        Parameters
        ----------
        params : list of array
            Standardized coefficients (and intercept), on the device.
        batch : slice or array of int
            Positions in the training rows; an array is on the device.
        batch_size : int
            The nominal rows per batch, as for
            :meth:`~sklearn_adam._objective.LeastSquares.batch_gradient`.

        Returns
        -------
        weighted_squares : array of shape ()
            Half the weighted sum of squared standardized residuals over the
            batch, before the step, in the namespace's widest float.
        grads : list of array
            Shaped like ``params``.
        """
        xp = self.namespace.xp
        coef = params[0]
        intercept = params[1] if len(params) > 1 else None
        raw_coef, raw_intercept = self._to_original(coef, intercept)
        coef_grad = xp.zeros_like(coef)
        residual_sum = xp.zeros_like(self._y_scale)
        weighted_squares = self.namespace.zeros()
        n_batch = 0
        for X_block, y_block, w_block in self._blocks(batch):
            residual = self._residual(X_block, y_block, raw_coef, raw_intercept)
            squares = 0.5 * (w_block @ xp.sum(residual * residual, axis=1))
            weighted_squares = weighted_squares + xp.astype(squares, self.namespace.sum_dtype)
            residual = residual * w_block[:, None]
            coef_grad = coef_grad + xp.matrix_transpose(residual) @ X_block
            residual_sum = residual_sum + xp.sum(residual, axis=0)
            n_batch += X_block.shape[0]
        scaling = self.n_samples / (batch_size * self.weight_sum)
        coef_grad = coef_grad - residual_sum[:, None] * self._center
        coef_grad = coef_grad * (scaling / self._scale)
        if self.penalized_any:
            coef_grad = coef_grad + (n_batch / batch_size) * self._penalty_weights * coef
        grads = [coef_grad]
        if intercept is not None:
            grads.append(residual_sum * scaling)
        return weighted_squares, grads

    def penalty(self, coef):
        """The penalty part of the objective at ``coef`` (on the device), averaged over targets.

        Returns
        -------
        penalty : array of shape ()
            In the namespace's widest float.
        """
        xp = self.namespace.xp
        if not self.penalized_any:
            return self.namespace.zeros()
        total = xp.astype(xp.sum(self._penalty_weights * (coef * coef)), self.namespace.sum_dtype)
        return 0.5 * total / coef.shape[0]

    def epoch_summary(self, weighted_squares, penalty, gradient_sums, batch_size):
        """The objective and gradient norm of an epoch, from its batches' sums.

        As :meth:`~sklearn_adam._objective.LeastSquares.epoch_summary`: NumPy
        values in, floats out.
        """
        n_targets = gradient_sums[0].shape[0]
        loss = weighted_squares / (self.weight_sum * n_targets) + penalty
        return loss, joint_norm(gradient_sums) * batch_size / self.n_samples

    def gradient_norm(self, params):
        """Norm of the exact gradient at ``params``: one pass over the training rows.

        Parameters
        ----------
        params : list of ndarray
            On the host.

        Returns
        -------
        norm : float
        """
        device_params = [self.namespace.from_numpy(p) for p in params]
        _, grads = self.batch_gradient(device_params, slice(None), self.n_samples)
        return joint_norm([to_numpy(g) for g in grads])

    def residual_squares(self, params):
        """Weighted sums of squared standardized residuals over all rows.

        Parameters
        ----------
        params : list of ndarray
            On the host.

        Returns
        -------
        sums : ndarray of shape (n_targets,)
        """
        xp = self.namespace.xp
        coef = self.namespace.from_numpy(params[0])
        intercept = self.namespace.from_numpy(params[1]) if len(params) > 1 else None
        raw_coef, raw_intercept = self._to_original(coef, intercept)
        sums = xp.zeros_like(self._y_scale)
        for X_block, y_block, w_block in self._blocks(slice(None)):
            residual = self._residual(X_block, y_block, raw_coef, raw_intercept)
            sums = sums + w_block @ (residual * residual)
        return to_numpy(sums)

    def target_spread(self):
        """Weighted sums of squared deviations of the standardized targets from their mean.

        Returns
        -------
        sums : ndarray of shape (n_targets,)
            The total sums of squares of R^2, per target.
        """
        y, weight = self._training_targets()
        mean = (weight @ y) / self.namespace.xp.sum(weight)
        deviation = (y - mean) / self._y_scale
        return to_numpy(weight @ (deviation * deviation))

    def reference_losses(self):
        """The objective with every standardized parameter at zero, and the targets' size.

        As :meth:`~sklearn_adam._objective.LeastSquares.reference_losses`.

        Returns
        -------
        loss, size : float
        """
        xp = self.namespace.xp
        y, weight = self._training_targets()
        residual = (y - self._y_center) / self._y_scale
        total = self.weight_sum * y.shape[1]
        with np.errstate(over="ignore"):
            scaled = y / self._y_scale
            magnitude = float(weight @ xp.sum(scaled * scaled, axis=1))
        loss = 0.5 * float(weight @ xp.sum(residual * residual, axis=1)) / total
        return loss, 0.5 * magnitude / total

    def penalized(self, params):
        """The parameters a weight decay may shrink: the coefficients, not the intercept."""
        return [params[0]] + [None] * (len(params) - 1)

    def normal_equations(self):
        """The normal equations of this objective, or None where they overflow.

        Each block's sums of products of ``[X - center, standardized y, 1]``
        (see :func:`~sklearn_adam._objective._normal_equations.block_sums`)
        are one product on the device, in the namespace's widest float, and
        are added up there.

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
        unweighted = bool(xp.all(self.sample_weight == 1))
        sums = namespace.zeros((centering.n_sums, centering.n_sums))
        block_rows = rows_per_block(self.X, centering.n_sums)
        with np.errstate(over="ignore", invalid="ignore"):
            for X_block, y_block, w_block in self._blocks(slice(None), block_rows):
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
            self.penalty_weights, self.penalized_any, namespace.numpy_dtype(self.X.dtype),
        )

    def _to_original(self, coef, intercept):
        # Standardization.to_original, on the device.
        raw_coef = coef * (self._y_scale[:, None] / self._scale)
        raw_intercept = self._y_center - raw_coef @ self._center
        if intercept is not None:
            raw_intercept = raw_intercept + self._y_scale * intercept
        return raw_coef, raw_intercept

    def _residual(self, X_block, y_block, raw_coef, raw_intercept):
        # Standardized residuals (prediction - target) / y_scale of one block.
        product = X_block @ self.namespace.xp.matrix_transpose(raw_coef)
        return (product + raw_intercept - y_block) / self._y_scale

    def _training_targets(self):
        xp = self.namespace.xp
        if self._rows is None:
            return self.y, self.sample_weight
        return xp.take(self.y, self._rows, axis=0), xp.take(self.sample_weight, self._rows)

    def _blocks(self, batch, block_rows=None):
        """Rows of ``X``, ``y`` and the weights at positions ``batch`` of the training rows."""
        xp = self.namespace.xp
        block_rows = block_rows or self._block_rows
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

    def _take(self, index):
        xp = self.namespace.xp
        return (xp.take(self.X, index, axis=0), xp.take(self.y, index, axis=0),
                xp.take(self.sample_weight, index))
