r"""Datafits of positive targets with a log link: Poisson and Gamma deviances.

Both take the linear predictor :math:`\eta = x w + b` to the mean
:math:`\mu = e^\eta` that ``predict`` returns, and their loss is half the
unit deviance of :class:`~sklearn.linear_model.PoissonRegressor` and
:class:`~sklearn.linear_model.GammaRegressor`: zero where the mean is the
target, so that one minus its ratio to the deviance of the best constant is
the D^2 those estimators score with. The targets are not scaled
(``scales_y`` is False: a log link is unit-free already), and their center
is the log of their weighted mean (the link's ``forward`` of it), so that
every fit starts from the best constant.

With the ridge penalty, the objective is the peers':

.. math::

    \frac1S \sum_i s_i \tfrac12 d(y_i, \mu_i) + \tfrac\alpha2 \lVert w \rVert^2

the same ``alpha`` as theirs.
"""

import numpy as np

from ._datafits import LogLink, check_rows

# exp overflows float64 above about 709.8: linear predictors are capped a
# little below, where the loss is already far above any fit's.
_LARGEST_EXPONENT = 700.0


class _LogLinkDatafit:
    """What the log-link datafits share: link, penalty and null model."""

    link = LogLink()

    def penalty_factor(self, y_scale):
        """The peers' ``alpha / 2 * ||w||^2`` next to the weighted mean deviance.

        Parameters
        ----------
        y_scale : ndarray of shape (n_targets,)

        Returns
        -------
        factor : ndarray of shape (n_targets,)
        per_weight : bool
            False: the data term is a mean already.
        """
        return np.ones_like(y_scale), False

    def null_prediction(self, y, weight):
        """The best constant linear predictor: the log of each target's weighted mean.

        Parameters
        ----------
        y : ndarray of shape (n_samples, n_targets)
        weight : ndarray of shape (n_samples,)

        Returns
        -------
        prediction : ndarray of shape (n_targets,)
        """
        with np.errstate(divide="ignore"):
            return np.log((weight @ y) / weight.sum())

    def __repr__(self):
        return f"{type(self).__name__}()"


def _mean(xp, linear_predictor):
    return xp.exp(xp.clip(linear_predictor, -_LARGEST_EXPONENT, _LARGEST_EXPONENT))


class PoissonDeviance(_LogLinkDatafit):
    r"""Half the Poisson deviance of the mean :math:`\mu = e^\eta`.

    .. math::

        f(\eta, y) = y \log(y / \mu) - y + \mu, \qquad
        \partial f / \partial \eta = \mu - y, \qquad
        \partial^2 f / \partial \eta^2 = \mu

    (with :math:`0 \log 0 = 0`), for non-negative targets.
    """

    name = "poisson"
    # Declared by each class itself (see _datafits.declares): centered at
    # the log of the targets' mean, not scaled.
    quadratic = False
    centers_y = True
    scales_y = False
    smooth = True
    default_scoring = "d2"
    kernel_loss = "poisson"

    def pointwise(self, xp, prediction, y, y_scale):
        """Loss and its derivative for each linear predictor.

        Parameters
        ----------
        xp : array namespace
        prediction : array of shape (n_rows, n_targets)
            The linear predictor.
        y : array of shape (n_rows, n_targets)
        y_scale : array of shape (n_targets,)
            Ones: the targets are not scaled.

        Returns
        -------
        loss, derivative : arrays of shape (n_rows, n_targets)
        """
        mean = _mean(xp, prediction)
        positive = y > 0
        safe_y = xp.where(positive, y, xp.ones_like(y))
        y_log_y = xp.where(positive, y * xp.log(safe_y), xp.zeros_like(y))
        loss = y_log_y - y * prediction - y + mean
        return loss, mean - y

    def curvature(self, xp, prediction, y, y_scale):
        """The loss's second derivative by each linear predictor: the mean.

        Parameters
        ----------
        xp : array namespace
        prediction, y : array of shape (n_rows, n_targets)
        y_scale : array of shape (n_targets,)

        Returns
        -------
        second : array of shape (n_rows, n_targets)
        """
        return _mean(xp, prediction)

    def check_targets(self, y, name="y"):
        """Refuse negative targets, naming their rows.

        Parameters
        ----------
        y : ndarray of shape (n_samples, n_targets)
        name : str, default="y"
        """
        check_rows(y < 0, y, f"{name} of loss='poisson'", "non-negative")


class GammaDeviance(_LogLinkDatafit):
    r"""Half the Gamma deviance of the mean :math:`\mu = e^\eta`.

    .. math::

        f(\eta, y) = \log(\mu / y) + y / \mu - 1, \qquad
        \partial f / \partial \eta = 1 - y / \mu, \qquad
        \partial^2 f / \partial \eta^2 = y / \mu

    for positive targets.
    """

    name = "gamma"
    # Declared by each class itself (see _datafits.declares): centered at
    # the log of the targets' mean, not scaled.
    quadratic = False
    centers_y = True
    scales_y = False
    smooth = True
    default_scoring = "d2"
    kernel_loss = "gamma"

    def pointwise(self, xp, prediction, y, y_scale):
        """Loss and its derivative for each linear predictor.

        Parameters
        ----------
        xp : array namespace
        prediction : array of shape (n_rows, n_targets)
            The linear predictor.
        y : array of shape (n_rows, n_targets)
        y_scale : array of shape (n_targets,)
            Ones: the targets are not scaled.

        Returns
        -------
        loss, derivative : arrays of shape (n_rows, n_targets)
        """
        ratio = y * _mean(xp, -prediction)
        loss = ratio - xp.log(ratio) - 1
        return loss, 1 - ratio

    def curvature(self, xp, prediction, y, y_scale):
        """The loss's second derivative by each linear predictor: ``y / mu``.

        Parameters
        ----------
        xp : array namespace
        prediction, y : array of shape (n_rows, n_targets)
        y_scale : array of shape (n_targets,)

        Returns
        -------
        second : array of shape (n_rows, n_targets)
        """
        return y * _mean(xp, -prediction)

    def check_targets(self, y, name="y"):
        """Refuse targets that are not positive, naming their rows.

        Parameters
        ----------
        y : ndarray of shape (n_samples, n_targets)
        name : str, default="y"
        """
        check_rows(y <= 0, y, f"{name} of loss='gamma'", "positive")
