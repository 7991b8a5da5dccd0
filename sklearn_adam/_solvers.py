"""Update rules: turn a gradient into a change of the parameters.

A solver is a plain object that holds only its configuration. Everything that
changes during training lives in a separate *state* object created by
``init`` and advanced by ``update``, so the caller owns it: it can be inspected,
copied and pickled, and handing it back to the solver resumes training exactly
where it stopped. A solver never sees the data and never touches the
parameters; the caller adds the returned updates itself.

The solver protocol
-------------------
Any object with these two methods can be passed as ``solver`` to
:class:`~sklearn_adam.AdamLinearRegressor`:

``init(params) -> state``
    ``params`` is a list of numpy arrays (for the regressor: the coefficients
    and the intercept, in that order). Returns a fresh state for arrays of
    those shapes and dtypes. Must not modify ``params``.

``update(grads, state, learning_rate) -> (updates, state)``
    ``grads`` is a list of arrays shaped like ``params``; ``learning_rate`` is
    the step size to use for this step (a float; the training loop owns any
    schedule). Returns one update array per parameter, to be *added* to it,
    and the advanced state. The state may be advanced in place; the returned
    update arrays are only read until the next call. Must not modify ``grads``.

State objects should be picklable so that fitted estimators are.
"""

from dataclasses import dataclass

import numpy as np

from ._validation import check_scalar

# Shared pieces of the Adam family. Each works in place on one parameter's
# arrays, so a step allocates only temporaries the size of that parameter.


def _check_common(learning_rate, beta_1, beta_2, epsilon):
    """Validate the hyperparameters every rule of the Adam family has."""
    return (
        check_scalar("learning_rate", learning_rate, kind="real", low=0, closed="neither"),
        check_scalar("beta_1", beta_1, kind="real", low=0, high=1, closed="left"),
        check_scalar("beta_2", beta_2, kind="real", low=0, high=1, closed="left"),
        check_scalar("epsilon", epsilon, kind="real", low=0),
    )


def _zeros_like_each(params):
    """One zero array per parameter, of its shape and dtype."""
    for index, param in enumerate(params):
        if not np.issubdtype(np.asarray(param).dtype, np.floating):
            raise ValueError(
                f"params[{index}] must be a floating-point array; got dtype "
                f"{np.asarray(param).dtype}."
            )
    return [np.zeros_like(p) for p in params]


def _bias_correction(beta, step):
    """``1 - beta**step``, the factor that unbiases a zero-started average."""
    return 1.0 - beta**step


def _accumulate_first_moment(m, grad, beta_1):
    """``m <- beta_1 m + (1 - beta_1) grad``, in place."""
    m *= beta_1
    m += (1.0 - beta_1) * grad


def _accumulate_second_moment(v, grad, beta_2):
    """``v <- beta_2 v + (1 - beta_2) grad**2``, in place."""
    v *= beta_2
    v += (1.0 - beta_2) * np.square(grad)


def _root_denominator(v, correction, epsilon):
    """``sqrt(v / correction) + epsilon``, a new array."""
    denominator = np.sqrt(v / correction)
    denominator += epsilon
    return denominator


@dataclass
class AdamState:
    """The moving parts of :class:`Adam`: step count and moment estimates.

    Parameters
    ----------
    step : int
        Number of updates taken so far (the ``t`` of the paper). Counts
        optimizer steps, that is mini-batches, not epochs.
    first_moment : list of ndarray
        Exponential moving average of the gradients, one array per parameter
        (``m`` in the paper).
    second_moment : list of ndarray
        Exponential moving average of the squared gradients, one array per
        parameter (``v`` in the paper).
    """

    step: int
    first_moment: list
    second_moment: list


class Adam:
    r"""The Adam update rule of Kingma & Ba (2014), Algorithm 1.

    For each parameter array, with gradient :math:`g_t` at step :math:`t`
    (counting from 1):

    .. math::

        m_t &= \beta_1 m_{t-1} + (1 - \beta_1) g_t \\
        v_t &= \beta_2 v_{t-1} + (1 - \beta_2) g_t^2 \\
        \hat m_t &= m_t / (1 - \beta_1^t) \\
        \hat v_t &= v_t / (1 - \beta_2^t) \\
        \theta_t &= \theta_{t-1} - \eta \, \hat m_t / (\sqrt{\hat v_t} + \epsilon)

    where :math:`\beta_1` is ``beta_1``, :math:`\beta_2` is ``beta_2``,
    :math:`\epsilon` is ``epsilon`` and :math:`\eta` is ``learning_rate``.
    :math:`m_0 = v_0 = 0`; dividing by :math:`1 - \beta^t` removes the bias
    towards zero that this start gives the averages in early steps. Epsilon is
    added to the bias-corrected root, as in Algorithm 1 (not to the raw
    :math:`\sqrt{v_t}` of the paper's "efficient" form).

    Parameters
    ----------
    learning_rate : float, default=1e-3
        Step size used when :meth:`update` is not given one. Must be > 0.
    beta_1 : float, default=0.9
        Decay rate of the first-moment average, in [0, 1).
    beta_2 : float, default=0.999
        Decay rate of the second-moment average, in [0, 1).
    epsilon : float, default=1e-8
        Added to the denominator for numerical stability; >= 0.

    Examples
    --------
    Minimize :math:`(w - 3)^2` on a plain numpy array:

    >>> import numpy as np
    >>> from sklearn_adam import Adam
    >>> solver = Adam(learning_rate=0.1)
    >>> w = np.zeros(1)
    >>> state = solver.init([w])
    >>> for _ in range(500):
    ...     grad = 2 * (w - 3)
    ...     updates, state = solver.update([grad], state)
    ...     w += updates[0]
    >>> round(float(w[0]), 3)
    3.0
    """

    def __init__(self, learning_rate=1e-3, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
        self.learning_rate, self.beta_1, self.beta_2, self.epsilon = _check_common(
            learning_rate, beta_1, beta_2, epsilon
        )

    def __repr__(self):
        return (
            f"{type(self).__name__}(learning_rate={self.learning_rate!r}, "
            f"beta_1={self.beta_1!r}, "
            f"beta_2={self.beta_2!r}, epsilon={self.epsilon!r})"
        )

    def init(self, params):
        """Create the state for a fresh start on ``params``.

        Parameters
        ----------
        params : list of ndarray
            The parameter arrays to be trained; only their shapes and dtypes
            are read.

        Returns
        -------
        state : AdamState
            Step count zero and moment estimates of zeros.
        """
        return AdamState(
            step=0,
            first_moment=_zeros_like_each(params),
            second_moment=_zeros_like_each(params),
        )

    def update(self, grads, state, learning_rate=None):
        """Take one Adam step.

        Parameters
        ----------
        grads : list of ndarray
            Gradient of the objective for each parameter array.
        state : AdamState
            The state from :meth:`init` or the previous call; advanced in place.
        learning_rate : float, default=None
            Step size for this step; None uses ``self.learning_rate``.

        Returns
        -------
        updates : list of ndarray
            The change to add to each parameter array.
        state : AdamState
            The advanced state (the same object).
        """
        if learning_rate is None:
            learning_rate = self.learning_rate
        state.step += 1
        first_correction = _bias_correction(self.beta_1, state.step)
        second_correction = _bias_correction(self.beta_2, state.step)
        updates = []
        for grad, m, v in zip(grads, state.first_moment, state.second_moment):
            _accumulate_first_moment(m, grad, self.beta_1)
            _accumulate_second_moment(v, grad, self.beta_2)
            denominator = _root_denominator(v, second_correction, self.epsilon)
            updates.append((-learning_rate / first_correction) * m / denominator)
        return updates, state
