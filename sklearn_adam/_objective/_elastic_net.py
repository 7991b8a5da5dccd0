r"""The lasso and elastic-net penalties: not smooth, served by proximal steps.

With these penalties every loss is weighed in one form, the mean of the
datafit's loss plus ``alpha`` times the penalty,

.. math::

    \frac1S \sum_i s_i \ell(y_i, p_i)
    + \alpha \Bigl(\rho \lVert w \rVert_1
    + \frac{1 - \rho}{2} \lVert w \rVert_2^2\Bigr),

:math:`\rho` = ``l1_ratio``, where :math:`\ell` is half the squared error
(exactly :class:`~sklearn.linear_model.ElasticNet`'s objective, and
:class:`~sklearn.linear_model.Lasso`'s at :math:`\rho = 1`), the pinball loss
(:class:`~sklearn.linear_model.QuantileRegressor`'s at :math:`\rho = 1`), half
the unit deviance of the count losses, or half of
:class:`~sklearn.linear_model.HuberRegressor`'s term per row. Each datafit
says in which units of the targets its loss is (its ``penalty_factor``, see
:mod:`._datafits`), and the weights here map both parts exactly to the
standardized coefficients :math:`\tilde w_j = w_j \sigma_j / \sigma_y`.

The weights are one array stacked along a first axis of two: the quadratic
part's weight on each squared coefficient, then the absolute part's weight
on each coefficient's size. Only the penalty reads them.
"""

import numpy as np

from ._penalties import penalty_weights


class ElasticNet:
    r"""The elastic-net penalty, with ElasticNet's meaning of ``alpha`` and ``l1_ratio``.

    .. math::

        \Omega(\tilde w) = \sum_j \lambda_j \lvert \tilde w_j \rvert
            + \tfrac12 \sum_j \kappa_j \tilde w_j^2

    with :math:`\lambda_j = \alpha \rho f / (\sigma_y \sigma_j)` and
    :math:`\kappa_j = \alpha (1 - \rho) f / \sigma_j^2`, :math:`f` the
    datafit's factor (one for the squared error).

    Parameters
    ----------
    alpha : float
        Strength, >= 0.
    l1_ratio : float, default=0.5
        The share of the absolute part, in [0, 1].
    """

    name = "elasticnet"
    smooth = False
    quadratic = False
    mean_form = True

    def __init__(self, alpha, l1_ratio=0.5):
        self.alpha = alpha
        self.l1_ratio = l1_ratio

    @property
    def active(self):
        """bool : Whether the penalty has any weight at all."""
        return self.alpha > 0

    def weights(self, standardization, factor):
        """The weights of both parts on the standardized coefficients (NumPy, on the host).

        Parameters
        ----------
        standardization : Standardization
            The features' and targets' scales.
        factor : ndarray of shape (n_targets,)
            The datafit's penalty factor: the units of its loss.

        Returns
        -------
        weights : ndarray of shape (2, n_features) or (2, n_targets, n_features)
            The quadratic part's weights, then the absolute part's.
        """
        x_scale = standardization.x_scale
        # In the data's dtype (a Huber factor comes in float64).
        factor = factor.astype(x_scale.dtype, copy=False)
        quadratic = penalty_weights(self.alpha * (1 - self.l1_ratio), x_scale, 1.0)
        inverse_scale = np.where(np.isinf(x_scale), 0.0, 1.0 / x_scale)
        per_target = (factor / standardization.y_scale).astype(x_scale.dtype)
        absolute = x_scale.dtype.type(self.alpha * self.l1_ratio) * inverse_scale
        if np.all(factor == factor[0]) and np.all(per_target == per_target[0]):
            return np.stack([quadratic * factor[0], absolute * per_target[0]])
        quadratic = quadratic * factor[:, None].astype(x_scale.dtype)
        return np.stack([quadratic, absolute * per_target[:, None]])

    def value(self, xp, coef, weights):
        """The penalty at ``coef``, summed over targets.

        Parameters
        ----------
        xp : array namespace
        coef : array of shape (n_targets, n_features)
        weights : array
            As :meth:`weights` gives them.

        Returns
        -------
        value : array of shape ()
        """
        return (0.5 * xp.sum(weights[0, ...] * (coef * coef))
                + xp.sum(weights[1, ...] * xp.abs(coef)))

    def prox(self, xp, coef, steps, weights):
        r"""The proximal operator in the diagonal metric of ``steps``.

        :math:`\operatorname{sign}(c_j) \max(\lvert c_j \rvert - t_j \lambda_j, 0)
        / (1 + t_j \kappa_j)`: the lasso's soft thresholding, which sets
        coefficients exactly to zero, then the ridge part's shrinking.

        Parameters
        ----------
        xp : array namespace
        coef : array of shape (n_targets, n_features)
        steps : array of shape (n_targets, n_features)
            Positive step sizes, one per coordinate.
        weights : array

        Returns
        -------
        coef : array of shape (n_targets, n_features)
        """
        size = xp.abs(coef) - steps * weights[1, ...]
        shrunk = xp.where(size > 0, size, xp.zeros_like(size))
        return xp.sign(coef) * shrunk / (1 + steps * weights[0, ...])

    def thresholds(self, xp, steps, weights):
        """The size below which :meth:`prox` sets a coefficient to zero: ``steps`` times lambda.

        Parameters
        ----------
        xp : array namespace
        steps : array of shape (n_targets, n_features)
            The step sizes :meth:`prox` is given.
        weights : array

        Returns
        -------
        thresholds : array of shape (n_targets, n_features)
        """
        return steps * weights[1, ...]

    def kernel_weights(self, weights):
        """The weights as the compiled kernels read them: the quadratic part's, the absolute part's.

        Declared by each class the kernels serve (its own declaration, as
        for datafits).

        Parameters
        ----------
        weights : ndarray
            As :meth:`weights` gives them.

        Returns
        -------
        quadratic, absolute : ndarray
        """
        return weights[0], weights[1]

    def subdiff_distance(self, xp, coef, gradient, weights):
        """Distance of ``-gradient`` to the penalty's subdifferential at ``coef``.

        The absolute part's subdifferential at a zero coefficient is the
        interval ``[-lambda, lambda]``: there, the distance is how far the
        data gradient's size exceeds the weight.

        Parameters
        ----------
        xp : array namespace
        coef : array of shape (n_targets, n_features)
        gradient : array of shape (n_targets, n_features)
            The data part of the gradient.
        weights : array

        Returns
        -------
        distance : array of shape (n_targets, n_features)
        """
        smooth = gradient + weights[0, ...] * coef
        at_zero = xp.abs(smooth) - weights[1, ...]
        at_zero = xp.where(at_zero > 0, at_zero, xp.zeros_like(at_zero))
        away = xp.abs(smooth + weights[1, ...] * xp.sign(coef))
        return xp.where(coef == 0, at_zero, away)

    def __repr__(self):
        return f"{type(self).__name__}(alpha={self.alpha!r}, l1_ratio={self.l1_ratio!r})"


class L1(ElasticNet):
    r"""The lasso penalty, with Lasso's meaning of ``alpha``: the elastic net at ``l1_ratio=1``.

    Parameters
    ----------
    alpha : float
        Strength, >= 0.
    """

    name = "l1"
    kernel_weights = ElasticNet.kernel_weights

    def __init__(self, alpha):
        super().__init__(alpha, 1.0)

    def __repr__(self):
        return f"{type(self).__name__}(alpha={self.alpha!r})"

