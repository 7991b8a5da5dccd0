"""Variants of Adam that keep more state than it does: AMSGrad, NAdam and Adamax.

Each follows the solver protocol (:class:`~sklearn_adam.Solver`) and takes
Adam's hyperparameters, ``epsilon_placement`` included, and declares what the
compiled epoch needs to take its steps (its ``kernel_spec``).
"""

import copy
from dataclasses import dataclass

from ._adam import Adam
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
from ._protocol import AdamaxKernelSpec, NAdamKernelSpec


@dataclass
class AMSGradState:
    """The moving parts of :class:`AMSGrad`.

    Parameters
    ----------
    step : int
        Number of updates taken so far (``t``).
    first_moment : list of ndarray
        Exponential moving average of the gradients (``m``), one array per
        parameter.
    second_moment : list of ndarray
        Exponential moving average of the squared gradients (``v``), one array
        per parameter.
    max_second_moment : list of ndarray
        Running element-wise maximum of the raw (not bias-corrected)
        ``second_moment`` over all steps so far (``v_max``).
    """

    step: int
    first_moment: list
    second_moment: list
    max_second_moment: list


class AMSGrad(Adam):
    r"""The AMSGrad variant of Adam of Reddi, Kale & Kumar (2018).

    Adam's step can grow again when the average of squared gradients shrinks;
    AMSGrad divides by the running maximum of that average instead, so the
    effective per-coordinate step size never increases. For each parameter
    array, with gradient :math:`g_t` at step :math:`t` (counting from 1):

    .. math::

        m_t &= \beta_1 m_{t-1} + (1 - \beta_1) g_t \\
        v_t &= \beta_2 v_{t-1} + (1 - \beta_2) g_t^2 \\
        v^{\max}_t &= \max(v^{\max}_{t-1}, v_t) \\
        \theta_t &= \theta_{t-1} - \eta \, \frac{m_t / (1 - \beta_1^t)}
            {\sqrt{v^{\max}_t / (1 - \beta_2^t)} + \epsilon}

    where :math:`\beta_1` is ``beta_1``, :math:`\beta_2` is ``beta_2``,
    :math:`\epsilon` is ``epsilon``, :math:`\eta` is ``learning_rate`` and
    :math:`m_0 = v_0 = v^{\max}_0 = 0`; the maximum is taken element-wise.
    With ``epsilon_placement="raw"`` the denominator is
    :math:`(\sqrt{v^{\max}_t} + \epsilon) / \sqrt{1 - \beta_2^t}` instead, as
    for :class:`Adam`.

    Convention: the maximum is taken over the *raw* averages :math:`v_t` and
    the result is then bias-corrected with :math:`1 - \beta_2^t`, as PyTorch's
    ``Adam(amsgrad=True)`` does. Algorithm 2 of the paper has no bias
    correction at all (and allows a decaying :math:`\beta_{1t}`); following the
    common implementation instead lets users compare trajectories with it
    step by step. Taking the maximum of the bias-corrected :math:`\hat v_t`
    would give different steps whenever :math:`v_t` decreases.

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
        Where ``epsilon`` goes, as for :class:`Adam`. Keyword-only.

    Examples
    --------
    Minimize :math:`(w - 3)^2` on a plain numpy array:

    >>> import numpy as np
    >>> from sklearn_adam import AMSGrad
    >>> solver = AMSGrad(learning_rate=0.1)
    >>> w = np.zeros(1)
    >>> state = solver.init([w])
    >>> for _ in range(500):
    ...     grad = 2 * (w - 3)
    ...     updates, state = solver.update([grad], state)
    ...     w += updates[0]
    >>> round(float(w[0]), 3)
    3.0
    """

    def init(self, params):
        return AMSGradState(
            step=0,
            first_moment=zeros_like_each(params),
            second_moment=zeros_like_each(params),
            max_second_moment=zeros_like_each(params),
        )

    init.__doc__ = init_doc("AMSGradState", "Step zero; zero averages and maximum.")

    def kernel_spec(self):
        """What the compiled epoch needs to take this rule's steps.

        Returns
        -------
        spec : AdamKernelSpec
        """
        return self._spec(weight_decay=0.0, running_maximum=True)

    def update(self, grads, state, learning_rate=None, params=None):
        if learning_rate is None:
            learning_rate = self.learning_rate
        arithmetic = arithmetic_for(grads)
        state.step += 1
        first_correction = bias_correction(self.beta_1, state.step)
        second_correction = bias_correction(self.beta_2, state.step)
        updates = []
        for index, grad in enumerate(grads):
            m = state.first_moment[index] = arithmetic.accumulate_first_moment(
                state.first_moment[index], grad, self.beta_1
            )
            v = state.second_moment[index] = arithmetic.accumulate_second_moment(
                state.second_moment[index], grad, self.beta_2
            )
            v_max = state.max_second_moment[index] = arithmetic.running_maximum(
                state.max_second_moment[index], v
            )
            updates.append(self._divide_by_root(
                arithmetic, (-learning_rate / first_correction) * m, v_max, second_correction
            ))
        return updates, state

    update.__doc__ = update_doc("AMSGrad", "AMSGradState")

    def step_sizes(self, state, learning_rate):
        return self._root_steps(state, state.max_second_moment, learning_rate)

    step_sizes.__doc__ = step_sizes_doc(
        "AMSGrad, whose update divides by the root of the running maximum",
        "AMSGradState",
        r"t_j = \frac{\eta}{\sqrt{v^{\max}_{t,j} / (1 - \beta_2^t)} + \epsilon}",
        note=RAW_NOTE.format(moment="v^{\\max}_{t,j}"),
    )

    def change_coordinates(self, state, change):
        state = Adam.change_coordinates(self, state, change)
        # A bound of the maxima of the mapped averages, where not exact.
        state.max_second_moment = change.squared_gradients(state.max_second_moment)
        return state

    change_coordinates.__doc__ = Adam.change_coordinates.__doc__.replace(
        "AdamState", "AMSGradState"
    )


@dataclass
class NAdamState:
    """The moving parts of :class:`NAdam`.

    Parameters
    ----------
    step : int
        Number of updates taken so far (``t``).
    first_moment : list of ndarray
        Exponential moving average of the gradients (``m``), one array per
        parameter.
    second_moment : list of ndarray
        Exponential moving average of the squared gradients (``v``), one array
        per parameter.
    momentum_product : float
        Product of the momentum schedule over the steps taken so far,
        :math:`\\mu_1 \\mu_2 \\cdots \\mu_t`; 1.0 before the first step.
    """

    step: int
    first_moment: list
    second_moment: list
    momentum_product: float


class NAdam(Adam):
    r"""Adam with Nesterov momentum (NAdam), of Dozat (2016).

    Nesterov's idea is to step with the momentum *of the next step* rather
    than of the current one. This is Algorithm 2 of Dozat, "Incorporating
    Nesterov Momentum into Adam" (ICLR 2016 workshop), with the warming
    momentum schedule of the paper's experiments, as PyTorch's
    ``torch.optim.NAdam`` and Keras' ``Nadam`` apply it. For each parameter
    array, with gradient :math:`g_t` at step :math:`t` (counting from 1):

    .. math::

        \mu_t &= \beta_1 \left(1 - \tfrac12 \, 0.96^{t \psi}\right) \\
        m_t &= \beta_1 m_{t-1} + (1 - \beta_1) g_t \\
        v_t &= \beta_2 v_{t-1} + (1 - \beta_2) g_t^2 \\
        \bar m_t &= \frac{1 - \mu_t}{1 - \prod_{i=1}^{t} \mu_i} \, g_t
            + \frac{\mu_{t+1}}{1 - \prod_{i=1}^{t+1} \mu_i} \, m_t \\
        \theta_t &= \theta_{t-1} - \eta \, \bar m_t
            / \left( \sqrt{v_t / (1 - \beta_2^t)} + \epsilon \right)

    where :math:`\beta_1` is ``beta_1``, :math:`\beta_2` is ``beta_2``,
    :math:`\psi` is ``momentum_decay``, :math:`\epsilon` is ``epsilon``,
    :math:`\eta` is ``learning_rate`` and :math:`m_0 = v_0 = 0`. The momentum
    :math:`\mu_t` starts near :math:`\beta_1 / 2` and rises towards
    :math:`\beta_1`; the default :math:`\psi = 0.004` is the paper's
    :math:`0.96^{t/250}`. (:math:`\psi = 0` holds it at :math:`\beta_1 / 2`.)
    With ``epsilon_placement="raw"`` the denominator is
    :math:`(\sqrt{v_t} + \epsilon) / \sqrt{1 - \beta_2^t}`, as for
    :class:`Adam`.

    Convention: the first moment :math:`m_t` is the average with the
    constant :math:`\beta_1`, as in PyTorch and Keras; the paper's Algorithm 2
    averages with the scheduled :math:`\mu_t` instead. Following the common
    implementations lets users reproduce their trajectories step by step
    (the tests check agreement with PyTorch to 1e-10).

    Parameters
    ----------
    learning_rate : float, default=1e-3
        Step size used when :meth:`update` is not given one. Must be > 0.
    beta_1 : float, default=0.9
        Decay rate of the first-moment average and limit of the momentum
        schedule, in [0, 1).
    beta_2 : float, default=0.999
        Decay rate of the second-moment average, in [0, 1).
    epsilon : float, default=1e-8
        Added to the denominator for numerical stability; >= 0. With 0, a
        coordinate whose gradients have all been zero takes no step.
    momentum_decay : float, default=4e-3
        Speed at which the momentum schedule rises towards ``beta_1``; >= 0.
        Keyword-only.
    epsilon_placement : {"corrected", "raw"}, default="corrected"
        Where ``epsilon`` goes, as for :class:`Adam`. Keyword-only.

    Examples
    --------
    Minimize :math:`(w - 3)^2` on a plain numpy array:

    >>> import numpy as np
    >>> from sklearn_adam import NAdam
    >>> solver = NAdam(learning_rate=0.1)
    >>> w = np.zeros(1)
    >>> state = solver.init([w])
    >>> for _ in range(500):
    ...     grad = 2 * (w - 3)
    ...     updates, state = solver.update([grad], state)
    ...     w += updates[0]
    >>> round(float(w[0]), 3)
    3.0
    """

    # Adam's, with momentum_decay where the signature has it.
    _hyperparameters = (*Adam._hyperparameters[:4], "momentum_decay", "epsilon_placement")

    def __init__(
        self,
        learning_rate=1e-3,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        *,
        momentum_decay=4e-3,
        epsilon_placement="corrected",
    ):
        super().__init__(
            learning_rate, beta_1, beta_2, epsilon, epsilon_placement=epsilon_placement
        )
        (self.momentum_decay,) = check_hyperparameters(momentum_decay=momentum_decay)

    def _momentum(self, step):
        """The scheduled momentum ``mu_t`` of step ``t = step``."""
        return self.beta_1 * (1.0 - 0.5 * 0.96 ** (step * self.momentum_decay))

    def init(self, params):
        return NAdamState(
            step=0,
            first_moment=zeros_like_each(params),
            second_moment=zeros_like_each(params),
            momentum_product=1.0,
        )

    init.__doc__ = init_doc("NAdamState", "Step zero, zero moments, momentum product 1.")

    def kernel_spec(self):
        """What the compiled epoch needs to take this rule's steps.

        Returns
        -------
        spec : NAdamKernelSpec
        """
        return NAdamKernelSpec(
            beta_1=self.beta_1,
            beta_2=self.beta_2,
            epsilon=self.epsilon,
            raw_epsilon=self.epsilon_placement == "raw",
            momentum_decay=self.momentum_decay,
        )

    def update(self, grads, state, learning_rate=None, params=None):
        if learning_rate is None:
            learning_rate = self.learning_rate
        state.step += 1
        momentum = self._momentum(state.step)
        next_momentum = self._momentum(state.step + 1)
        state.momentum_product *= momentum
        gradient_weight = -learning_rate * (1.0 - momentum) / (1.0 - state.momentum_product)
        momentum_weight = (
            -learning_rate * next_momentum / (1.0 - state.momentum_product * next_momentum)
        )
        second_correction = bias_correction(self.beta_2, state.step)
        arithmetic = arithmetic_for(grads)
        updates = []
        for index, grad in enumerate(grads):
            m = state.first_moment[index] = arithmetic.accumulate_first_moment(
                state.first_moment[index], grad, self.beta_1
            )
            v = state.second_moment[index] = arithmetic.accumulate_second_moment(
                state.second_moment[index], grad, self.beta_2
            )
            nesterov = momentum_weight * m + gradient_weight * grad
            updates.append(self._divide_by_root(arithmetic, nesterov, v, second_correction))
        return updates, state

    update.__doc__ = update_doc("NAdam", "NAdamState")

    # The momentum schedule's product is a number, the same in any coordinates.
    change_coordinates = Adam.change_coordinates

    # The Nesterov numerator is divided by Adam's root: Adam's metric.
    step_sizes = Adam.step_sizes


@dataclass
class AdamaxState:
    """The moving parts of :class:`Adamax`.

    Parameters
    ----------
    step : int
        Number of updates taken so far (``t``).
    first_moment : list of ndarray
        Exponential moving average of the gradients (``m``), one array per
        parameter.
    infinity_norm : list of ndarray
        Exponentially weighted infinity norm of the gradients, epsilon
        included (``u``), one array per parameter.
    """

    step: int
    first_moment: list
    infinity_norm: list


class Adamax(Adam):
    r"""The Adamax update rule of Kingma & Ba (2014), Section 7.1 (Algorithm 2).

    Adam with the L2 norm of past gradients replaced by an exponentially
    weighted infinity norm, which needs no bias correction. For each parameter
    array, with gradient :math:`g_t` at step :math:`t` (counting from 1):

    .. math::

        m_t &= \beta_1 m_{t-1} + (1 - \beta_1) g_t \\
        u_t &= \max(\beta_2 u_{t-1}, |g_t| + \epsilon) \\
        \theta_t &= \theta_{t-1} - \frac{\eta}{1 - \beta_1^t} \, \frac{m_t}{u_t}

    where :math:`\beta_1` is ``beta_1``, :math:`\beta_2` is ``beta_2``,
    :math:`\epsilon` is ``epsilon``, :math:`\eta` is ``learning_rate``,
    :math:`m_0 = u_0 = 0` and the maximum is element-wise.

    Convention: the paper has no :math:`\epsilon`; it goes inside the maximum,
    as in PyTorch's ``Adamax``, so that trajectories agree with it step by
    step (adding it to :math:`u_t` in the denominator, as Keras does, differs
    by about :math:`\epsilon / u_t` relative). Where :math:`u_t = 0`, which
    with ``epsilon=0`` happens while a coordinate's gradients have all been
    zero, the step is zero rather than 0/0. Since :math:`u_t` has no bias
    correction, ``epsilon_placement`` has no effect: both placements give the
    formula above. The default learning rate, 2e-3, is the paper's.

    Parameters
    ----------
    learning_rate : float, default=2e-3
        Step size used when :meth:`update` is not given one. Must be > 0.
    beta_1 : float, default=0.9
        Decay rate of the first-moment average, in [0, 1).
    beta_2 : float, default=0.999
        Decay rate of the infinity norm, in [0, 1).
    epsilon : float, default=1e-8
        Floor added to each gradient magnitude in the infinity norm; >= 0.
    epsilon_placement : {"corrected", "raw"}, default="corrected"
        Accepted for a uniform interface with the family; both values give
        the same steps. Keyword-only.

    Examples
    --------
    Minimize :math:`(w - 3)^2` on a plain numpy array:

    >>> import numpy as np
    >>> from sklearn_adam import Adamax
    >>> solver = Adamax(learning_rate=0.1)
    >>> w = np.zeros(1)
    >>> state = solver.init([w])
    >>> for _ in range(500):
    ...     grad = 2 * (w - 3)
    ...     updates, state = solver.update([grad], state)
    ...     w += updates[0]
    >>> round(float(w[0]), 3)
    3.0
    """

    def __init__(
        self,
        learning_rate=2e-3,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        *,
        epsilon_placement="corrected",
    ):
        super().__init__(
            learning_rate, beta_1, beta_2, epsilon, epsilon_placement=epsilon_placement
        )

    def init(self, params):
        return AdamaxState(
            step=0,
            first_moment=zeros_like_each(params),
            infinity_norm=zeros_like_each(params),
        )

    init.__doc__ = init_doc("AdamaxState", "Step zero, zero moment and infinity norm.")

    def kernel_spec(self):
        """What the compiled epoch needs to take this rule's steps.

        Returns
        -------
        spec : AdamaxKernelSpec
        """
        return AdamaxKernelSpec(beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon)

    def update(self, grads, state, learning_rate=None, params=None):
        if learning_rate is None:
            learning_rate = self.learning_rate
        arithmetic = arithmetic_for(grads)
        state.step += 1
        step_size = -learning_rate / bias_correction(self.beta_1, state.step)
        updates = []
        for index, grad in enumerate(grads):
            m = state.first_moment[index] = arithmetic.accumulate_first_moment(
                state.first_moment[index], grad, self.beta_1
            )
            u = state.infinity_norm[index] = arithmetic.accumulate_infinity_norm(
                state.infinity_norm[index], grad, self.beta_2, self.epsilon
            )
            updates.append(self._divide_by_norm(arithmetic, m, u) * step_size)
        return updates, state

    update.__doc__ = update_doc("Adamax", "AdamaxState")

    def _divide_by_norm(self, arithmetic, numerator, u):
        if self.epsilon > 0:
            return numerator / u
        # u = 0 only where the gradients u remembers are all zero.
        return arithmetic.divide_where(numerator, u, u > 0)

    def step_sizes(self, state, learning_rate):
        check_stepped(self, state)
        arithmetic = arithmetic_for(state.infinity_norm)
        return [
            self._divide_by_norm(arithmetic, arithmetic.filled_like(u, learning_rate), u)
            for u in state.infinity_norm
        ]

    step_sizes.__doc__ = step_sizes_doc(
        "Adamax, whose update divides by the infinity norm", "AdamaxState",
        r"t_j = \frac{\eta}{u_{t,j}}",
    )

    def change_coordinates(self, state, change):
        state = copy.copy(state)
        state.first_moment = change.gradients(state.first_moment)
        # A weighted maximum of magnitudes maps to its bound, as a root of
        # averaged squares does.
        state.infinity_norm = change.gradient_magnitudes(state.infinity_norm)
        return state

    change_coordinates.__doc__ = Adam.change_coordinates.__doc__.replace(
        "AdamState", "AdamaxState"
    )

