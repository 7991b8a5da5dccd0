"""Iterate averaging: the model that a run of stochastic steps stands for.

Steps on mini-batch gradients at a constant rate do not settle on the
optimum: they hover around it, at a distance set by the rate and the
gradients' noise, and more data do not bring them nearer. An average of the
iterates cancels most of that noise: constant-step averaged SGD on least
squares reaches the statistical rate O(p/n) (Bach and Moulines, 2013), as
``SGDRegressor(average=True)`` exposes it. A uniform average from the first
step keeps the early iterates, far from the optimum, in its mean for a long
time; polynomial-decay averaging (Shamir and Zhang, 2013) weighs the
``k``-th iterate about as ``k**power``, so that the start is forgotten while
the average still spans a fixed share of the run. After the ``k``-th
averaged step (``k`` from 1), with ``theta_k`` the parameters it reached,

.. math::

    \\bar\\theta_k = \\bar\\theta_{k-1}
        + (\\theta_k - \\bar\\theta_{k-1}) \\frac{p + 1}{k + p},

``p`` being :data:`AVERAGING_POWER`; the first step's weight is one, so the
average needs no starting value. Every stochastic step is averaged: each of
a mini-batch epoch of ``fit``, and each of ``partial_fit``, whose chunk is a
sample of the stream even when it is one batch. The full-batch steps of
``fit`` are exact and are not: when the batch grows to every row, training
continues from the average (:func:`continue_from_average`).

:class:`AveragedIterate` is plain data kept in the fit state; its update,
:func:`add_to_average`, uses only array operations of the array API, so the
numpy and the array-API epochs share it, and the compiled epoch repeats it
(:mod:`sklearn_adam._kernels._averaging`).
"""

from dataclasses import dataclass

# Shamir and Zhang's polynomial-decay averaging with power 3. Simulated on
# 200,000 x 50 (Adam, batches of 200, rate 0.01, standardized data), one
# pass ends 0.037% above the optimum's training error with it, against 19%
# for the last iterate and for a uniform average, whose first steps spoil
# it; three passes end 0.0067% above (the statistical limit p/n is 0.025%),
# and a rate of 0.003 does as well. Power 1 keeps more of the early steps.
AVERAGING_POWER = 3


def averaging_weight(n_averaged, power=AVERAGING_POWER):
    """The weight of the iterate of the ``n_averaged``-th averaged step in the new average.

    Parameters
    ----------
    n_averaged : int
        Steps averaged so far, this one included (from 1).
    power : float, default=AVERAGING_POWER

    Returns
    -------
    weight : float
        ``(power + 1) / (n_averaged + power)``: one for the first step.
    """
    return (power + 1.0) / (n_averaged + power)


def add_to_average(average, params, n_averaged):
    """Take the parameters of the ``n_averaged``-th averaged step into the average, in place.

    Parameters
    ----------
    average : list of arrays
        The averaged parameters, updated in place; arrays of any array-API
        namespace, that of ``params``.
    params : list of arrays
        The parameters after the step.
    n_averaged : int
        Steps averaged so far, this one included.
    """
    weight = averaging_weight(n_averaged)
    for mean, param in zip(average, params, strict=True):
        if n_averaged == 1:
            # Weight one: the average's starting values do not enter, not even by rounding.
            mean[...] = param
        else:
            mean += (param - mean) * weight


@dataclass
class AveragedIterate:
    """The polynomial-decay average of the iterates of stochastic steps.

    Parameters
    ----------
    params : list of arrays
        Averaged standardized coefficients (and intercept), as the fit
        state's ``params``.
    n_averaged : int, default=0
        Steps averaged so far; with none, ``params`` are not read.
    """

    params: list
    n_averaged: int = 0

    @classmethod
    def starting_at(cls, params):
        """An average of no step yet, with arrays shaped as ``params`` (a copy of them)."""
        return cls([param.copy() for param in params])

    def add(self, params):
        """Average in the parameters after one more step (in place).

        Parameters
        ----------
        params : list of arrays
        """
        self.n_averaged += 1
        add_to_average(self.params, params, self.n_averaged)

    def moved(self, convert):
        """A copy whose arrays are ``convert(array)``: e.g. on a device for an epoch."""
        return AveragedIterate([convert(param) for param in self.params], self.n_averaged)

    def take(self, other, convert):
        """Take the average ``other`` reached (e.g. on a device), its arrays through ``convert``."""
        for param, reached in zip(self.params, other.params, strict=True):
            param[...] = convert(reached)
        self.n_averaged = other.n_averaged


def averaged_steps(state, averaging, stochastic):
    """The average that an epoch's steps join, or None where they are not averaged.

    Parameters
    ----------
    state : FitState
        Gets a new average, of no step yet, where it has none.
    averaging : bool
        The estimator's ``average``.
    stochastic : bool
        Whether the epoch's steps are stochastic: mini-batches, or any epoch
        of ``partial_fit``.

    Returns
    -------
    average : AveragedIterate or None
    """
    if not (averaging and stochastic):
        return None
    if state.average is None:
        state.average = AveragedIterate.starting_at(state.params)
    return state.average


def continue_from_average(state):
    """Continue training from the averaged iterate, and stop averaging.

    Where the batch has grown to every row (or a warm ``fit`` takes full
    batches after averaged mini-batches), steps are exact: the average is
    the better start, and needs no more averaging. The solver's state
    carries on.

    Parameters
    ----------
    state : FitState
        Its ``params`` take the average's values, in place; its ``average``
        becomes None.
    """
    average = state.average
    if average is not None and average.n_averaged:
        for param, mean in zip(state.params, average.params, strict=True):
            param[...] = mean
    state.average = None
