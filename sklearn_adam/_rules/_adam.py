"""Adam, and AdamW, which keeps exactly Adam's state.

Both follow the solver protocol (:class:`~sklearn_adam.Solver`) and declare
what the compiled epoch needs to run them (:class:`AdamKernelSpec`).
"""

import copy
from dataclasses import dataclass

from ._arithmetic import arithmetic_for
from ._family import (
    RAW_NOTE,
    bias_correction,
    check_hyperparameters,
    check_stepped,
    init_doc,
    step_sizes_doc,
    update_doc,
    zeros_like_each,
)
from ._protocol import AdamKernelSpec


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
    towards zero that this start gives the averages in early steps.

    Where epsilon goes differs between implementations, and
    ``epsilon_placement`` chooses. ``"corrected"`` (the default) is the formula
    above, Algorithm 1 of the paper, as in PyTorch's ``torch.optim.Adam`` and
    optax's ``adam``. ``"raw"`` is the paper's "efficient" form (end of its
    Section 2), used by scikit-learn's ``MLPRegressor`` and by Keras, which
    adds epsilon to the root of the *raw* :math:`v_t`:

    .. math::

        \theta_t = \theta_{t-1} - \eta \, \frac{\sqrt{1 - \beta_2^t}}{1 - \beta_1^t}
            \, \frac{m_t}{\sqrt{v_t} + \epsilon}

    It equals the corrected form with :math:`\epsilon` replaced by
    :math:`\epsilon / \sqrt{1 - \beta_2^t}`, a larger effective epsilon in
    early steps (about :math:`32 \epsilon` at the first step with the default
    ``beta_2``); the two agree when :math:`\epsilon = 0`.

    Parameters
    ----------
    learning_rate : float, default=1e-3
        Step size used when :meth:`update` is not given one. Must be > 0.
    beta_1 : float, default=0.9
        Decay rate of the first-moment average, in [0, 1).
    beta_2 : float, default=0.999
        Decay rate of the second-moment average, in [0, 1).
    epsilon : float, default=1e-8
        Added to the denominator for numerical stability; >= 0. With 0, a
        coordinate whose gradients have all been zero takes no step.
    epsilon_placement : {"corrected", "raw"}, default="corrected"
        Add ``epsilon`` to the root of the bias-corrected second moment
        (Algorithm 1, PyTorch) or to the root of the raw one (scikit-learn's
        ``MLPRegressor``, Keras). Keyword-only.

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

    # The constructor's arguments, in the order repr lists them.
    _hyperparameters = ("learning_rate", "beta_1", "beta_2", "epsilon", "epsilon_placement")

    def __init__(
        self,
        learning_rate=1e-3,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        *,
        epsilon_placement="corrected",
    ):
        (
            self.learning_rate,
            self.beta_1,
            self.beta_2,
            self.epsilon,
            self.epsilon_placement,
        ) = check_hyperparameters(
            learning_rate=learning_rate,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            epsilon_placement=epsilon_placement,
        )

    def __repr__(self):
        arguments = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._hyperparameters)
        return f"{type(self).__name__}({arguments})"

    def init(self, params):
        return AdamState(
            step=0,
            first_moment=zeros_like_each(params),
            second_moment=zeros_like_each(params),
        )

    init.__doc__ = init_doc("AdamState", "Step zero, zero moments.")

    def change_coordinates(self, state, change):
        """The state read in new coordinates of the parameters.

        Parameters
        ----------
        state : AdamState
            Left as it was.
        change : CoordinateChange
            Maps averages of gradients, and of their squares, to the new
            coordinates.

        Returns
        -------
        state : AdamState
            A new state, its moments mapped and its step count kept.
        """
        state = copy.copy(state)
        state.first_moment = change.gradients(state.first_moment)
        state.second_moment = change.squared_gradients(state.second_moment)
        return state

    def kernel_spec(self):
        """What the compiled epoch needs to take this rule's steps.

        Returns
        -------
        spec : AdamKernelSpec
        """
        return self._spec(weight_decay=0.0, running_maximum=False)

    def _spec(self, *, weight_decay, running_maximum):
        return AdamKernelSpec(
            beta_1=self.beta_1,
            beta_2=self.beta_2,
            epsilon=self.epsilon,
            raw_epsilon=self.epsilon_placement == "raw",
            weight_decay=weight_decay,
            running_maximum=running_maximum,
        )

    def _divide_by_root(self, arithmetic, numerator, v, second_correction):
        # numerator / (root of the second moment, epsilon placed as set). The
        # root is zero only with epsilon=0 on a coordinate whose gradients
        # have all been zero (a constant feature): no step there, not 0 / 0.
        denominator = arithmetic.root_denominator(
            v, second_correction, self.epsilon, self.epsilon_placement
        )
        if self.epsilon > 0:
            return numerator / denominator
        return arithmetic.divide_where(numerator, denominator, denominator != 0)

    def update(self, grads, state, learning_rate=None, params=None):
        if learning_rate is None:
            learning_rate = self.learning_rate
        arithmetic = arithmetic_for(grads)
        state.step += 1
        first_correction = bias_correction(self.beta_1, state.step)
        second_correction = bias_correction(self.beta_2, state.step)
        updates = []
        for index, grad in enumerate(grads):
            # In place for NumPy (the same arrays come back), new arrays otherwise.
            m = state.first_moment[index] = arithmetic.accumulate_first_moment(
                state.first_moment[index], grad, self.beta_1
            )
            v = state.second_moment[index] = arithmetic.accumulate_second_moment(
                state.second_moment[index], grad, self.beta_2
            )
            updates.append(self._divide_by_root(
                arithmetic, (-learning_rate / first_correction) * m, v, second_correction
            ))
        return updates, state

    update.__doc__ = update_doc("Adam", "AdamState")

    def step_sizes(self, state, learning_rate):
        return self._root_steps(state, state.second_moment, learning_rate)

    step_sizes.__doc__ = step_sizes_doc(
        "Adam, AdamW and NAdam, whose updates divide by the same root",
        "AdamState or NAdamState",
        r"t_j = \frac{\eta}{\sqrt{\hat v_{t,j}} + \epsilon}, \qquad"
        r" \hat v_t = \frac{v_t}{1 - \beta_2^t}",
        note=RAW_NOTE.format(moment="v_{t,j}"),
    )

    def _root_steps(self, state, second_moments, learning_rate):
        # The learning rate over the denominator update divides by, divided
        # as update divides: one definition of where epsilon goes.
        check_stepped(self, state)
        arithmetic = arithmetic_for(second_moments)
        second_correction = bias_correction(self.beta_2, state.step)
        return [
            self._divide_by_root(
                arithmetic, arithmetic.filled_like(v, learning_rate), v, second_correction
            )
            for v in second_moments
        ]


class AdamW(Adam):
    r"""Adam with decoupled weight decay, of Loshchilov & Hutter (2019).

    Plain Adam implements L2 regularization by adding it to the gradient,
    where it gets rescaled by the adaptive denominator; AdamW instead shrinks
    the parameters directly, outside the adaptive part. For each parameter
    array, with gradient :math:`g_t` at step :math:`t` (counting from 1):

    .. math::

        m_t &= \beta_1 m_{t-1} + (1 - \beta_1) g_t \\
        v_t &= \beta_2 v_{t-1} + (1 - \beta_2) g_t^2 \\
        \hat m_t &= m_t / (1 - \beta_1^t) \\
        \hat v_t &= v_t / (1 - \beta_2^t) \\
        \theta_t &= \theta_{t-1} - \eta \left( \hat m_t / (\sqrt{\hat v_t} + \epsilon)
            + \lambda \theta_{t-1} \right)

    where :math:`\beta_1` is ``beta_1``, :math:`\beta_2` is ``beta_2``,
    :math:`\epsilon` is ``epsilon``, :math:`\eta` is ``learning_rate``,
    :math:`\lambda` is ``weight_decay`` and :math:`m_0 = v_0 = 0`. The adaptive
    part is exactly :class:`Adam`'s, ``epsilon_placement`` included.

    The decay is multiplied by the learning rate, as in PyTorch's ``AdamW``:
    in the notation of the paper's Algorithm 2 (schedule multiplier
    :math:`\eta_t`, step size :math:`\alpha`, decay :math:`\lambda'`), this
    rule's :math:`\eta` is :math:`\eta_t \alpha` and :math:`\lambda' = \alpha
    \lambda`. The decay term follows any learning-rate schedule, as the paper
    intends.

    The decay needs the current parameters, so :meth:`update` takes them as
    the extra keyword ``params``. An entry of ``params`` that is None leaves
    that array undecayed (the regressor passes ``[coef, None]`` so that the
    intercept is not decayed). When ``params`` itself is None, as in a
    call without it, the decay term is skipped and the step is exactly
    Adam's.

    The decay is not Ridge's penalty. Run to a fixed point on a full batch,
    the adaptive part of the step is at most about one in size per
    coordinate, so the decay keeps every parameter within about
    :math:`1 / \lambda` of zero and leaves smaller ones nearly alone: AdamW
    behaves like a bound on the largest parameter (Xie & Li, 2024, "Implicit
    Bias of AdamW: l-infinity norm constrained optimization").

    Parameters
    ----------
    learning_rate : float, default=1e-3
        Step size used when :meth:`update` is not given one. Must be > 0.
    beta_1 : float, default=0.9
        Decay rate of the first-moment average, in [0, 1).
    beta_2 : float, default=0.999
        Decay rate of the second-moment average, in [0, 1).
    epsilon : float, default=1e-8
        Added to the denominator for numerical stability; >= 0. With 0, a
        coordinate whose gradients have all been zero takes no step.
    weight_decay : float, default=1e-2
        Decoupled decay rate, multiplied by the learning rate; >= 0.
    epsilon_placement : {"corrected", "raw"}, default="corrected"
        Where ``epsilon`` goes, as for :class:`Adam`. Keyword-only.

    Examples
    --------
    With zero gradients only the decay acts, shrinking each parameter by
    ``learning_rate * weight_decay`` times itself; the second array, passed
    as None, is not decayed:

    >>> import numpy as np
    >>> from sklearn_adam import AdamW
    >>> solver = AdamW(learning_rate=0.5, weight_decay=0.25)
    >>> w, b = np.array([1.0, -2.0]), np.array(4.0)
    >>> state = solver.init([w, b])
    >>> grads = [np.zeros(2), np.array(0.0)]
    >>> updates, state = solver.update(grads, state, params=[w, None])
    >>> updates[0].tolist(), bool(updates[1] == 0)
    ([-0.125, 0.25], True)
    """

    # Adam's, with weight_decay where the signature has it.
    _hyperparameters = (*Adam._hyperparameters[:4], "weight_decay", "epsilon_placement")

    def __init__(
        self,
        learning_rate=1e-3,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        weight_decay=1e-2,
        *,
        epsilon_placement="corrected",
    ):
        super().__init__(
            learning_rate, beta_1, beta_2, epsilon, epsilon_placement=epsilon_placement
        )
        (self.weight_decay,) = check_hyperparameters(weight_decay=weight_decay)

    def update(self, grads, state, learning_rate=None, params=None):
        """Take one AdamW step.

        Parameters
        ----------
        grads : list of ndarray
            Gradient of the objective for each parameter array.
        state : AdamState
            The state from :meth:`Adam.init` or the previous call; advanced in place.
        learning_rate : float, default=None
            Step size for this step; None uses ``self.learning_rate``.
        params : list of (ndarray or None), default=None
            The current parameters :math:`\\theta_{t-1}`, read only, for the
            decay term; one entry per gradient, None for an array not to
            decay. None skips the decay: the step is then Adam's.

        Returns
        -------
        updates : list of ndarray
            The change to add to each parameter array.
        state : AdamState
            The advanced state (the same object).
        """
        if params is not None and len(params) != len(grads):
            raise ValueError(
                f"params must hold one array (or None) per gradient; got {len(params)} "
                f"entries for {len(grads)} gradients."
            )
        updates, state = super().update(grads, state, learning_rate)
        decay = (self.learning_rate if learning_rate is None else learning_rate) * self.weight_decay
        if params is not None and decay != 0:
            updates = [
                update if param is None else update - decay * param
                for update, param in zip(updates, params)
            ]
        return updates, state

    def kernel_spec(self):
        """What the compiled epoch needs to take this rule's steps.

        Returns
        -------
        spec : AdamKernelSpec
        """
        return self._spec(weight_decay=self.weight_decay, running_maximum=False)

    # Adam's state, mapped as Adam's: the decay acts on the parameters, not
    # on the moments.
    change_coordinates = Adam.change_coordinates

    # The adaptive part divides as Adam's; the decay, outside it, has no metric.
    step_sizes = Adam.step_sizes
