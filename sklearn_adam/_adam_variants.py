"""Variants of the Adam update rule, behind the same solver protocol.

See :mod:`sklearn_adam._solvers` for the protocol and :class:`Adam` itself.
"""

from dataclasses import dataclass

import numpy as np

from ._solvers import (
    Adam,
    _accumulate_first_moment,
    _accumulate_second_moment,
    _bias_correction,
    _root_denominator,
    _zeros_like_each,
)
from ._validation import check_scalar


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
        Added to the denominator for numerical stability; >= 0.

    Examples
    --------
    Minimize :math:`(w - 3)^2` on a plain numpy array:

    >>> import numpy as np
    >>> from sklearn_adam._adam_variants import AMSGrad
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
        """Create the state for a fresh start on ``params``.

        Parameters
        ----------
        params : list of ndarray
            The parameter arrays to be trained; only their shapes and dtypes
            are read.

        Returns
        -------
        state : AMSGradState
            Step count zero and zero arrays for every average and maximum.
        """
        return AMSGradState(
            step=0,
            first_moment=_zeros_like_each(params),
            second_moment=_zeros_like_each(params),
            max_second_moment=_zeros_like_each(params),
        )

    def update(self, grads, state, learning_rate=None):
        """Take one AMSGrad step.

        Parameters
        ----------
        grads : list of ndarray
            Gradient of the objective for each parameter array.
        state : AMSGradState
            The state from :meth:`init` or the previous call; advanced in place.
        learning_rate : float, default=None
            Step size for this step; None uses ``self.learning_rate``.

        Returns
        -------
        updates : list of ndarray
            The change to add to each parameter array.
        state : AMSGradState
            The advanced state (the same object).
        """
        if learning_rate is None:
            learning_rate = self.learning_rate
        state.step += 1
        first_correction = _bias_correction(self.beta_1, state.step)
        second_correction = _bias_correction(self.beta_2, state.step)
        updates = []
        for grad, m, v, v_max in zip(
            grads, state.first_moment, state.second_moment, state.max_second_moment
        ):
            _accumulate_first_moment(m, grad, self.beta_1)
            _accumulate_second_moment(v, grad, self.beta_2)
            np.maximum(v_max, v, out=v_max)
            denominator = _root_denominator(v_max, second_correction, self.epsilon)
            updates.append((-learning_rate / first_correction) * m / denominator)
        return updates, state


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
    :math:`\lambda` is ``weight_decay`` and :math:`m_0 = v_0 = 0`.

    The decay is multiplied by the learning rate, as in PyTorch's ``AdamW``:
    in the notation of the paper's Algorithm 2 (schedule multiplier
    :math:`\eta_t`, step size :math:`\alpha`, decay :math:`\lambda'`), this
    rule's :math:`\eta` is :math:`\eta_t \alpha` and :math:`\lambda' = \alpha
    \lambda`. The decay term follows any learning-rate schedule, as the paper
    intends.

    The decay needs the current parameters, so :meth:`update` takes them as
    the extra keyword ``params``. When ``params`` is None (as when a training
    loop that only knows the basic solver protocol calls it) the decay term is
    skipped and the step is exactly Adam's.

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
    weight_decay : float, default=1e-2
        Decoupled decay rate, multiplied by the learning rate; >= 0.

    Examples
    --------
    With zero gradients only the decay acts, shrinking each parameter by
    ``learning_rate * weight_decay`` times itself:

    >>> import numpy as np
    >>> from sklearn_adam._adam_variants import AdamW
    >>> solver = AdamW(learning_rate=0.5, weight_decay=0.25)
    >>> w = np.array([1.0, -2.0])
    >>> state = solver.init([w])
    >>> updates, state = solver.update([np.zeros(2)], state, params=[w])
    >>> [float(u) for u in updates[0]]
    [-0.125, 0.25]
    """

    def __init__(
        self, learning_rate=1e-3, beta_1=0.9, beta_2=0.999, epsilon=1e-8, weight_decay=1e-2
    ):
        super().__init__(learning_rate, beta_1, beta_2, epsilon)
        self.weight_decay = check_scalar("weight_decay", weight_decay, kind="real", low=0)

    def __repr__(self):
        return f"{super().__repr__()[:-1]}, weight_decay={self.weight_decay!r})"

    def update(self, grads, state, learning_rate=None, params=None):
        """Take one AdamW step.

        Parameters
        ----------
        grads : list of ndarray
            Gradient of the objective for each parameter array.
        state : AdamState
            The state from :meth:`init` or the previous call; advanced in place.
        learning_rate : float, default=None
            Step size for this step; None uses ``self.learning_rate``.
        params : list of ndarray, default=None
            The current parameters :math:`\\theta_{t-1}`, read only, for the
            decay term. None skips the decay: the step is then Adam's.

        Returns
        -------
        updates : list of ndarray
            The change to add to each parameter array.
        state : AdamState
            The advanced state (the same object).
        """
        if params is not None and len(params) != len(grads):
            raise ValueError(
                f"params must hold one array per gradient; got {len(params)} arrays "
                f"for {len(grads)} gradients."
            )
        updates, state = super().update(grads, state, learning_rate)
        decay = (self.learning_rate if learning_rate is None else learning_rate) * self.weight_decay
        if params is not None and decay != 0:
            updates = [update - decay * param for update, param in zip(updates, params)]
        return updates, state


class NAdam(Adam):
    r"""Adam with Nesterov momentum (NAdam), of Dozat (2016).

    Nesterov's idea is to step with the momentum *of the next step* rather
    than of the current one. This is Algorithm 2 of Dozat, "Incorporating
    Nesterov Momentum into Adam" (ICLR 2016 workshop), with a constant
    momentum schedule :math:`\mu_t = \beta_1`, so that
    :math:`\prod_{i=1}^t \mu_i = \beta_1^t`. For each parameter array, with
    gradient :math:`g_t` at step :math:`t` (counting from 1):

    .. math::

        m_t &= \beta_1 m_{t-1} + (1 - \beta_1) g_t \\
        v_t &= \beta_2 v_{t-1} + (1 - \beta_2) g_t^2 \\
        \bar m_t &= \beta_1 \frac{m_t}{1 - \beta_1^{t+1}}
            + (1 - \beta_1) \frac{g_t}{1 - \beta_1^t} \\
        \theta_t &= \theta_{t-1} - \eta \, \bar m_t
            / \left( \sqrt{v_t / (1 - \beta_2^t)} + \epsilon \right)

    where :math:`\beta_1` is ``beta_1``, :math:`\beta_2` is ``beta_2``,
    :math:`\epsilon` is ``epsilon``, :math:`\eta` is ``learning_rate`` and
    :math:`m_0 = v_0 = 0`. Note the first moment is corrected with
    :math:`1 - \beta_1^{t+1}` (the product of the schedule up to the *next*
    step) and the gradient with :math:`1 - \beta_1^t`.

    The warming momentum schedule
    :math:`\mu_t = \beta_1 (1 - \tfrac12 0.96^{t/250})` that the paper uses in
    its experiments, and that PyTorch's and Keras' ``NAdam`` apply by default,
    is *not* used here, so trajectories differ from theirs.

    Parameters
    ----------
    learning_rate : float, default=1e-3
        Step size used when :meth:`update` is not given one. Must be > 0.
    beta_1 : float, default=0.9
        Decay rate of the first-moment average (the constant momentum
        :math:`\mu`), in [0, 1).
    beta_2 : float, default=0.999
        Decay rate of the second-moment average, in [0, 1).
    epsilon : float, default=1e-8
        Added to the denominator for numerical stability; >= 0.

    Examples
    --------
    Minimize :math:`(w - 3)^2` on a plain numpy array:

    >>> import numpy as np
    >>> from sklearn_adam._adam_variants import NAdam
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

    def update(self, grads, state, learning_rate=None):
        """Take one NAdam step.

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
        momentum_weight = self.beta_1 / _bias_correction(self.beta_1, state.step + 1)
        gradient_weight = (1.0 - self.beta_1) / _bias_correction(self.beta_1, state.step)
        second_correction = _bias_correction(self.beta_2, state.step)
        updates = []
        for grad, m, v in zip(grads, state.first_moment, state.second_moment):
            _accumulate_first_moment(m, grad, self.beta_1)
            _accumulate_second_moment(v, grad, self.beta_2)
            denominator = _root_denominator(v, second_correction, self.epsilon)
            nesterov = momentum_weight * m
            nesterov += gradient_weight * grad
            nesterov *= -learning_rate
            nesterov /= denominator
            updates.append(nesterov)
        return updates, state


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
        Exponentially weighted infinity norm of the gradients (``u``), one
        array per parameter.
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
        u_t &= \max(\beta_2 u_{t-1}, |g_t|) \\
        \theta_t &= \theta_{t-1} - \frac{\eta}{1 - \beta_1^t} \, \frac{m_t}{u_t + \epsilon}

    where :math:`\beta_1` is ``beta_1``, :math:`\beta_2` is ``beta_2``,
    :math:`\epsilon` is ``epsilon``, :math:`\eta` is ``learning_rate``,
    :math:`m_0 = u_0 = 0` and the maximum is element-wise.

    The paper has no :math:`\epsilon`; it is added here to :math:`u_t` in the
    denominator so that a coordinate whose gradients have all been zero so far
    (:math:`m_t = u_t = 0`) gets a zero step instead of 0/0. (PyTorch's
    ``Adamax`` puts it inside the maximum instead, as
    :math:`\max(\beta_2 u_{t-1}, |g_t| + \epsilon)`; the two agree to within
    about :math:`\epsilon / u_t` relative.) The default learning rate, 2e-3,
    is the paper's.

    Parameters
    ----------
    learning_rate : float, default=2e-3
        Step size used when :meth:`update` is not given one. Must be > 0.
    beta_1 : float, default=0.9
        Decay rate of the first-moment average, in [0, 1).
    beta_2 : float, default=0.999
        Decay rate of the infinity norm, in [0, 1).
    epsilon : float, default=1e-8
        Added to the denominator to avoid 0/0; >= 0.

    Examples
    --------
    Minimize :math:`(w - 3)^2` on a plain numpy array:

    >>> import numpy as np
    >>> from sklearn_adam._adam_variants import Adamax
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

    def __init__(self, learning_rate=2e-3, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
        super().__init__(learning_rate, beta_1, beta_2, epsilon)

    def init(self, params):
        """Create the state for a fresh start on ``params``.

        Parameters
        ----------
        params : list of ndarray
            The parameter arrays to be trained; only their shapes and dtypes
            are read.

        Returns
        -------
        state : AdamaxState
            Step count zero, first moment and infinity norm of zeros.
        """
        return AdamaxState(
            step=0,
            first_moment=_zeros_like_each(params),
            infinity_norm=_zeros_like_each(params),
        )

    def update(self, grads, state, learning_rate=None):
        """Take one Adamax step.

        Parameters
        ----------
        grads : list of ndarray
            Gradient of the objective for each parameter array.
        state : AdamaxState
            The state from :meth:`init` or the previous call; advanced in place.
        learning_rate : float, default=None
            Step size for this step; None uses ``self.learning_rate``.

        Returns
        -------
        updates : list of ndarray
            The change to add to each parameter array.
        state : AdamaxState
            The advanced state (the same object).
        """
        if learning_rate is None:
            learning_rate = self.learning_rate
        state.step += 1
        first_correction = _bias_correction(self.beta_1, state.step)
        updates = []
        for grad, m, u in zip(grads, state.first_moment, state.infinity_norm):
            _accumulate_first_moment(m, grad, self.beta_1)
            u *= self.beta_2
            np.maximum(u, np.abs(grad), out=u)
            denominator = u + self.epsilon
            updates.append((-learning_rate / first_correction) * m / denominator)
        return updates, state
