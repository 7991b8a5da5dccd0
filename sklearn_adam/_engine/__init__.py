"""Epoch drivers: one pass over the training rows, one solver step per batch.

Two drivers do this, behind one small interface (:class:`EpochDriver`),
chosen once per fit by :func:`epoch_driver`:

- ``_numpy``: any solver, any data; the objective computes each batch's
  gradient and the solver's ``update`` turns it into a step;
- ``_compiled``: a whole epoch as one compiled call, for the rules that
  declare what it needs (:class:`~sklearn_adam._rules.AdamKernelSpec`) on
  dense or CSR data, when numba is installed.
"""

from typing import Any, Protocol

import numpy as np

from ._compiled import CompiledEpochs
from ._numpy import NumpyEpochs


class EpochDriver(Protocol):
    """Runs epochs of one fit: a fixed objective and solver."""

    def run(
        self,
        params: list[np.ndarray],
        state: Any,
        learning_rate: float,
        batch_size: int,
        order: np.ndarray | None,
    ) -> tuple[float, float, Any]:
        """One epoch from ``params`` and ``state``; updates ``params`` in place.

        Parameters
        ----------
        params : list of ndarray
            Standardized coefficients (and intercept); updated in place.
        state : object
            The solver's state.
        learning_rate : float
        batch_size : int
            Rows per step; the last batch may be shorter.
        order : ndarray of int or None
            Order in which to visit the rows; None visits them in turn.

        Returns
        -------
        loss : float
            The objective averaged over the epoch, each batch's share taken
            before its step.
        gradient_norm : float
            Norm of the batch gradients averaged over the epoch.
        state : object
            The advanced solver state.
        """


def epoch_driver(objective, solver):
    """The fastest driver that can run ``solver`` on ``objective``.

    Parameters
    ----------
    objective : LeastSquares
    solver : object following the solver protocol

    Returns
    -------
    driver : EpochDriver
    """
    compiled = CompiledEpochs.for_fit(objective, solver)
    return compiled if compiled is not None else NumpyEpochs(objective, solver)


__all__ = ["CompiledEpochs", "EpochDriver", "NumpyEpochs", "epoch_driver"]
