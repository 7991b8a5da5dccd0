"""What an epoch driver reports of one epoch: :class:`EpochResult`."""

from typing import Any, NamedTuple


class EpochResult(NamedTuple):
    """One epoch, as its driver reports it.

    Parameters
    ----------
    loss : float
        The objective averaged over the epoch, each batch's share taken
        before its step.
    gradient_norm : float
        Norm of the batch gradients averaged over the epoch.
    state : object
        The advanced solver state.
    spread : float, default=0.0
        How far the batch gradients spread about their mean (see
        :func:`~sklearn_adam._objective._problem.batch_spread`); 0 for one
        full batch.
    """

    loss: float
    gradient_norm: float
    state: Any
    spread: float = 0.0
