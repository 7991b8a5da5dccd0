"""The estimator's ``loss`` and ``penalty`` names and the objective's parts they select."""

from ._counts import GammaDeviance, PoissonDeviance
from ._datafits import SquaredError
from ._elastic_net import L1, ElasticNet
from ._huber import HuberLoss
from ._penalties import L2
from ._robust import AbsoluteError, Pinball

LOSSES = ("squared_error", "huber", "absolute_error", "quantile", "poisson", "gamma")
"""The values of the estimator's ``loss``, in the order the user guide lists them."""

PENALTIES = ("l2", "l1", "elasticnet")
"""The values of the estimator's ``penalty``."""


def datafit_for(loss, quantile=0.5, huber_epsilon=1.35):
    """The datafit of the estimator's ``loss`` and its parameters.

    Parameters
    ----------
    loss : str
        One of :data:`LOSSES`.
    quantile : float, default=0.5
        The quantile of ``loss="quantile"``.
    huber_epsilon : float, default=1.35
        The ``epsilon`` of ``loss="huber"``.

    Returns
    -------
    datafit : object
        Of the exact loss; the solver smooths a loss that is not smooth
        itself.
    """
    if loss == "quantile":
        return Pinball(quantile)
    if loss == "huber":
        return HuberLoss(huber_epsilon)
    makers = {"squared_error": SquaredError, "absolute_error": AbsoluteError,
              "poisson": PoissonDeviance, "gamma": GammaDeviance}
    return makers[loss]()


def penalty_for(penalty, alpha, l1_ratio=None):
    """The penalty of the estimator's ``penalty``, ``alpha`` and ``l1_ratio``.

    Parameters
    ----------
    penalty : str
        One of :data:`PENALTIES`.
    alpha : float
    l1_ratio : float or None, default=None
        The elastic net's share of the L1 part; None means 0.5.

    Returns
    -------
    penalty : L2, L1 or ElasticNet
    """
    if penalty == "l1":
        return L1(alpha)
    if penalty == "elasticnet":
        return ElasticNet(alpha, 0.5 if l1_ratio is None else l1_ratio)
    return L2(alpha)
