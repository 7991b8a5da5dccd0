"""Epoch drivers: one pass over the training rows, one solver step per batch.

Three drivers do this, behind one small interface (:class:`EpochDriver`),
chosen once per fit by :func:`epoch_driver`:

- ``_numpy``: any solver, any data; the objective computes each batch's
  gradient and the solver's ``update`` turns it into a step;
- ``_compiled``: a whole epoch as one compiled call, for the rules that
  declare what it needs (:class:`~sklearn_adam._rules.AdamKernelSpec`) on
  dense or CSR data, when numba is installed; many full-batch epochs per
  call where the normal equations do not pay off (wide data);
- ``_normal_equations``: full-batch epochs as exact steps on the normal
  equations, without reading ``X`` again, where a step costs less than a
  pass over the rows; many steps per compiled call for those same rules.
"""

from typing import Any, Protocol

import numpy as np

from .._objective import NormalEquations, normal_equations_pay_off
from ._compiled import CompiledEpochs
from ._normal_equations import NormalEquationSteps
from ._numpy import NumpyEpochs
from ._result import EpochResult


class EpochDriver(Protocol):
    """Runs epochs of one fit: a fixed objective and solver."""

    def run(
        self,
        params: list[np.ndarray],
        state: Any,
        learning_rate: float,
        batch_size: int,
        order: np.ndarray | None,
        target: float = -1.0,
        average: Any = None,
    ) -> EpochResult:
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
        target : float, default=-1.0
            A full-batch epoch whose gradient norm is at most ``target``
            takes no step: ``params`` and the state stay as they were.
        average : AveragedIterate or None, default=None
            Where the epoch's steps are averaged, the average, which takes
            in the parameters after each step (in place). Full-batch
            epochs of ``fit`` are exact and not averaged: the drivers that
            only take those (the normal equations, the dask epochs) are
            never given one.

        Returns
        -------
        result : EpochResult
            The epoch's loss and gradient norm, the advanced solver state,
            and the spread of its batch gradients.
        """


def epoch_driver(objective, solver, full_batch=False, single_epoch=False):
    """The fastest driver that can run ``solver`` on ``objective``.

    Parameters
    ----------
    objective : Objective
        Or an objective whose rows live elsewhere (on a dask cluster, or on
        the device of an array-API namespace), which then chooses its own
        driver by its method ``epoch_driver(solver, full_batch=...,
        single_epoch=...)``.
    solver : object following the solver protocol
    full_batch : bool, default=False
        Whether every epoch is one batch of all training rows.
    single_epoch : bool, default=False
        Whether only one epoch will run on ``objective`` (``partial_fit``):
        gathering the normal equations would then cost more passes over
        ``X`` than the one step it saves.

    Returns
    -------
    driver : EpochDriver
        The normal equations and the compiled epochs each serve only the
        objectives they declare (see their ``serves``); any other objective
        gets the numpy epochs, which serve all.
    """
    if hasattr(objective, "epoch_driver"):
        return objective.epoch_driver(solver, full_batch=full_batch, single_epoch=single_epoch)
    X, n_samples = objective.data.X, objective.n_samples
    # A penalty taken by proximal steps (not smooth, and active) is finished
    # exactly on the equations, which then pay off at a higher cost per step.
    if objective.penalty.smooth or not objective.penalty.active:
        pays_off = normal_equations_pay_off(X, n_samples)
    else:
        pays_off = normal_equations_pay_off(X, n_samples, proximal=True)
    if full_batch and not single_epoch and NormalEquationSteps.serves(objective) and pays_off:
        equations = NormalEquations.build(objective)
        if equations is not None:
            return NormalEquationSteps(equations, solver)
    compiled = CompiledEpochs.for_fit(objective, solver, full_batch and not single_epoch)
    return compiled if compiled is not None else NumpyEpochs(objective, solver)


__all__ = [
    "CompiledEpochs", "EpochDriver", "EpochResult", "NormalEquationSteps", "NumpyEpochs",
    "epoch_driver",
]
