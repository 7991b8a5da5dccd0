"""The estimator's ``loss`` names and the datafits they select."""

from ._counts import GammaDeviance, PoissonDeviance
from ._datafits import SquaredError
from ._huber import HuberLoss
from ._robust import AbsoluteError, Pinball

LOSSES = ("squared_error", "huber", "absolute_error", "quantile", "poisson", "gamma")
"""The values of the estimator's ``loss``, in the order the user guide lists them."""


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
