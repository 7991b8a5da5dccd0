"""Learning-rate schedules: the step size of each epoch.

A schedule is independent of the update rule: the training loop asks it for
the rate of the coming epoch and hands that rate to whichever solver it runs.
"""

import math
from dataclasses import dataclass

import numpy as np

from ._validation import LARGEST_COUNT, POSITIVE_REAL, Interval, Options, check_parameters

SCHEDULES = ("constant", "inverse_time", "step", "cosine", "plateau")

# The values each argument accepts, under the estimator's names (the
# estimator's table of constraints takes them from here).
CONSTRAINTS = {
    "schedule": [Options(*SCHEDULES)],
    "learning_rate": [POSITIVE_REAL],
    "decay_factor": [Interval("real", 0, 1, closed="right")],
    "decay_epochs": [Interval("int", 1, LARGEST_COUNT)],
    "warmup_epochs": [Interval("int", 0, LARGEST_COUNT)],
}


@dataclass(frozen=True)
class LearningRateSchedule:
    r"""The learning rate as a function of the epoch.

    With :math:`\eta` the ``learning_rate``, :math:`f` the ``decay_factor``,
    :math:`D` the ``decay_epochs``, :math:`W` the ``warmup_epochs`` and
    :math:`e = 0, 1, \dots` the epoch (counted over warm starts and
    :meth:`~sklearn_adam.AdamLinearRegressor.partial_fit` calls), the rate is
    :math:`\eta \, (e + 1) / (W + 1)` during the first :math:`W` epochs
    (linear warm-up) and then, with :math:`k = e - W` the epochs since
    warm-up:

    .. math::

        \text{constant:}\quad & \eta \\
        \text{inverse_time:}\quad & \eta \,/\, \bigl(1 + (1/f - 1)\, k / D\bigr) \\
        \text{step:}\quad & \eta \, f^{\lfloor k / D \rfloor} \\
        \text{cosine:}\quad & \eta \, \Bigl(f + (1 - f)\,
            \tfrac12 \bigl(1 + \cos(\pi \min(k, D) / D)\bigr)\Bigr) \\
        \text{plateau:}\quad & \eta \, f^{r}

    where :math:`r` is the number of reductions so far: the training loop
    makes one at each stall once the batch cannot grow any more, at most
    three times. So ``decay_factor`` is the fraction
    of the rate left after ``decay_epochs`` epochs under "inverse_time",
    "step" and "cosine" (which then stays there), and after each stall under
    "plateau".

    Parameters
    ----------
    name : {"constant", "inverse_time", "step", "cosine", "plateau"}
        The shape of the schedule.
    learning_rate : float
        The base rate :math:`\eta`, > 0.
    decay_factor : float, default=0.1
        :math:`f`, in (0, 1].
    decay_epochs : int, default=100
        :math:`D`, >= 1.
    warmup_epochs : int, default=0
        :math:`W`, >= 0.

    Examples
    --------
    >>> from sklearn_adam import LearningRateSchedule
    >>> schedule = LearningRateSchedule("step", 0.1, decay_factor=0.5, decay_epochs=10)
    >>> [schedule.rate(epoch) for epoch in (0, 9, 10, 25)]
    [0.1, 0.1, 0.05, 0.025]
    """

    name: str
    learning_rate: float
    decay_factor: float = 0.1
    decay_epochs: int = 100
    warmup_epochs: int = 0

    def __post_init__(self):
        values = {
            "schedule": self.name,
            "learning_rate": self.learning_rate,
            "decay_factor": self.decay_factor,
            "decay_epochs": self.decay_epochs,
            "warmup_epochs": self.warmup_epochs,
        }
        check_parameters(values, CONSTRAINTS)

    @property
    def reduces_on_plateau(self):
        """bool : Whether a stall lowers the rate ("plateau")."""
        return self.name == "plateau"

    def rate(self, epoch, n_reductions=0):
        """The learning rate of one epoch.

        Parameters
        ----------
        epoch : int
            The epoch, counting from 0.
        n_reductions : int, default=0
            Number of reductions so far; only "plateau" uses it.

        Returns
        -------
        rate : float
        """
        if epoch < self.warmup_epochs:
            return self.learning_rate * (epoch + 1) / (self.warmup_epochs + 1)
        return self.learning_rate * self._decay(epoch - self.warmup_epochs, n_reductions)

    def rates(self, first_epoch, count, n_reductions=0):
        """The rates of ``count`` epochs from ``first_epoch``, as :meth:`rate` gives them.

        Parameters
        ----------
        first_epoch, count : int
        n_reductions : int, default=0

        Returns
        -------
        rates : ndarray of shape (count,)
        """
        if self.name in ("constant", "plateau") and first_epoch >= self.warmup_epochs:
            return np.full(count, self.rate(first_epoch, n_reductions))
        epochs = range(first_epoch, first_epoch + count)
        return np.array([self.rate(epoch, n_reductions) for epoch in epochs], dtype=float)

    def _decay(self, k, n_reductions):
        f, horizon = self.decay_factor, self.decay_epochs
        if self.name == "inverse_time":
            if k == 0:
                # 1 / f - 1 may overflow to inf, and inf * 0 is not 0.
                return 1.0
            return 1.0 / (1.0 + (1.0 / f - 1.0) * k / horizon)
        if self.name == "step":
            return f ** (k // horizon)
        if self.name == "cosine":
            return f + (1.0 - f) * 0.5 * (1.0 + math.cos(math.pi * min(k, horizon) / horizon))
        if self.name == "plateau":
            return f**n_reductions
        return 1.0
