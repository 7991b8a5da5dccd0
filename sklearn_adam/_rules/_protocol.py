"""What an update rule is: the solver protocol, and what a compiled epoch needs of one."""

import inspect
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class Solver(Protocol):
    r"""The solver protocol: what any update rule given as ``solver`` provides.

    A solver holds only its configuration. Everything that changes during
    training lives in a separate *state* that :meth:`init` creates and
    :meth:`update` advances, so the caller owns it: the estimator keeps it in
    ``solver_state_`` and hands it back to resume training exactly. A solver
    never sees the data and never touches the parameters; the caller adds
    the returned updates itself. The state should be picklable, so that a
    fitted estimator is.

    Written as a :class:`typing.Protocol`: a class follows it by having
    these two methods, without inheriting from it, and
    ``isinstance(obj, Solver)`` checks that both are there.

    Notes
    -----
    A solver may also have a method ``step_sizes(state, learning_rate)``,
    optional and not part of ``isinstance(obj, Solver)``, which a penalty
    that is not smooth needs. Such a penalty adds no gradient; after each
    update :math:`\Delta` the parameters :math:`\theta` go through its
    proximal operator in the rule's own diagonal metric:

    .. math::

        \theta \leftarrow \arg\min_x \sum_j \frac{(x_j - \theta_j - \Delta_j)^2}{2 s t_j}
            + \Omega(x),

    where :math:`\Omega` is the penalty, :math:`s` the share of it that
    one batch carries, and :math:`t` what ``step_sizes`` returns: one array
    per parameter, of its shape, in the namespace of the state's arrays,
    the state only read. :math:`t_j` is the diagonal of the metric the last
    update used; for :class:`~sklearn_adam.Adam`, whose update is
    :math:`\Delta_j = -t_j \hat m_j`,
    :math:`t_j = \eta / (\sqrt{\hat v_j} + \epsilon)`. With it, the
    fixed points of update-then-proximal-step are the penalized optimum. A
    solver whose own class does not define ``step_sizes`` is refused such a
    penalty before any work (``sklearn_adam._rules.check_proximal``).

    Examples
    --------
    Plain gradient descent, with no state, following the protocol:

    >>> from sklearn_adam import Solver
    >>> class GradientDescent:
    ...     def init(self, params):
    ...         return None
    ...
    ...     def update(self, grads, state, learning_rate, params):
    ...         return [-learning_rate * g for g in grads], state
    >>> isinstance(GradientDescent(), Solver)
    True
    """

    def init(self, params: list[np.ndarray]) -> Any:
        """Create the state for a fresh start on ``params``.

        Parameters
        ----------
        params : list of ndarray
            The arrays to be trained. For the estimator: the coefficients,
            shape (n_targets, n_features), then the intercept, shape
            (n_targets,), when one is fitted. Only their shapes and dtypes
            may be read; they must not be modified.

        Returns
        -------
        state : object
            A fresh state for arrays of those shapes and dtypes.
        """

    def update(
        self,
        grads: list[np.ndarray],
        state: Any,
        learning_rate: float,
        params: list[np.ndarray | None],
    ) -> tuple[list[np.ndarray], Any]:
        """Turn one gradient into one change of the parameters.

        Parameters
        ----------
        grads : list of ndarray
            One gradient array per parameter; must not be modified.
        state : object
            The state from :meth:`init` or the previous call; may be
            advanced in place.
        learning_rate : float
            The step size of this step, chosen by the training loop (which
            owns any schedule).
        params : list of (ndarray or None)
            The current parameters, read only, for a rule that acts on them
            directly (as :class:`~sklearn_adam.AdamW`'s decay does). The
            estimator passes them by this name, with None in place of the
            intercept, which is never decayed. A rule that does not need
            them ignores them.

        Returns
        -------
        updates : list of ndarray
            One array per parameter, of its shape and dtype, which the
            caller *adds* to it; only read before the next call.
        state : object
            The advanced state; None only for a rule whose :meth:`init`
            returned None.

        Notes
        -----
        The estimator reads this method's signature before training, and
        checks what its first call returns before keeping the step: a rule
        that breaks the protocol is named in a TypeError, with what it
        returned, and the estimator is left as it was.
        """


@dataclass(frozen=True)
class AdamKernelSpec:
    """What the compiled epoch needs to take an Adam, AMSGrad or AdamW step itself.

    A rule whose arithmetic is Adam's, with or without AMSGrad's running
    maximum and AdamW's decoupled decay, returns one of these from its
    ``kernel_spec()`` (NAdam and Adamax return a :class:`NAdamKernelSpec`
    and an :class:`AdamaxKernelSpec`); the compiled epoch then runs whole
    epochs of its steps in one call. A spec names the compiled rule that
    takes its steps (:meth:`kernel_rule`) and knows where the rule's state
    keeps the arrays and the step count, so that the compiled code only
    ever sees arrays and numbers. A rule whose class does not define
    ``kernel_spec`` itself (a subclass inherits none, see
    :func:`kernel_spec`) is trained by the numpy epoch, one
    :meth:`Solver.update` per batch.

    Parameters
    ----------
    beta_1, beta_2, epsilon : float
        The rule's hyperparameters.
    raw_epsilon : bool
        Whether epsilon is added to the root of the raw second moment
        (``epsilon_placement="raw"``) rather than the bias-corrected one.
    weight_decay : float
        Decoupled decay of the coefficients per unit of learning rate; 0 for
        none.
    running_maximum : bool
        Whether the step divides by the running maximum of the second moment
        (AMSGrad), kept in the state's ``max_second_moment``.
    """

    beta_1: float
    beta_2: float
    epsilon: float
    raw_epsilon: bool
    weight_decay: float
    running_maximum: bool

    def kernel_rule(self, kernels):
        """The compiled rule's constants, whose type picks the compiled step.

        Parameters
        ----------
        kernels : module
            :mod:`sklearn_adam._kernels`, passed in: the rules never import
            numba themselves.

        Returns
        -------
        rule : sklearn_adam._kernels.AdamRule
        """
        return kernels.AdamRule(
            self.beta_1, self.beta_2, self.epsilon, self.raw_epsilon, self.running_maximum,
            self.weight_decay,
        )

    def unpack(self, state):
        """The state's step count and arrays, as the compiled epoch reads them.

        Parameters
        ----------
        state : AdamState or AMSGradState

        Returns
        -------
        step : int
            Steps taken so far.
        first, second : list of ndarray
            First and second moments, one array per parameter, advanced in
            place by the compiled epoch.
        maximum : list of ndarray or None
            The running maxima of the second moments, with
            ``running_maximum``.
        momentum_product : float
            1.0: the rule has no momentum schedule.
        """
        maximum = state.max_second_moment if self.running_maximum else None
        return state.step, state.first_moment, state.second_moment, maximum, 1.0

    def advance(self, state, n_steps, arrays):
        """Count ``n_steps`` steps taken on ``state`` by compiled code; returns it.

        ``arrays`` is the compiled code's ``State``, whose arrays are the
        state's own.
        """
        state.step += n_steps
        return state


@dataclass(frozen=True)
class NAdamKernelSpec:
    """What the compiled epoch needs to take a NAdam step itself.

    As :class:`AdamKernelSpec`, for :class:`~sklearn_adam.NAdam`: the
    compiled step advances the product of the momentum schedule too, which
    :meth:`advance` writes back into the state.

    Parameters
    ----------
    beta_1, beta_2, epsilon, momentum_decay : float
        The rule's hyperparameters.
    raw_epsilon : bool
        Whether epsilon is added to the root of the raw second moment
        (``epsilon_placement="raw"``).
    """

    beta_1: float
    beta_2: float
    epsilon: float
    raw_epsilon: bool
    momentum_decay: float

    def kernel_rule(self, kernels):
        """The compiled rule's constants; see :meth:`AdamKernelSpec.kernel_rule`."""
        return kernels.NAdamRule(
            self.beta_1, self.beta_2, self.epsilon, self.raw_epsilon, self.momentum_decay
        )

    def unpack(self, state):
        """The state's step count, moments and momentum product; see :meth:`AdamKernelSpec.unpack`.

        There is no running maximum (None).
        """
        return (state.step, state.first_moment, state.second_moment, None,
                state.momentum_product)

    def advance(self, state, n_steps, arrays):
        """Count ``n_steps`` compiled steps and keep the momentum product they reached."""
        state.step += n_steps
        state.momentum_product = float(arrays.momentum_product[0])
        return state


@dataclass(frozen=True)
class AdamaxKernelSpec:
    """What the compiled epoch needs to take an Adamax step itself.

    As :class:`AdamKernelSpec`, for :class:`~sklearn_adam.Adamax`, whose
    infinity norm takes the place of the second moment.

    Parameters
    ----------
    beta_1, beta_2, epsilon : float
        The rule's hyperparameters.
    """

    beta_1: float
    beta_2: float
    epsilon: float

    def kernel_rule(self, kernels):
        """The compiled rule's constants; see :meth:`AdamKernelSpec.kernel_rule`."""
        return kernels.AdamaxRule(self.beta_1, self.beta_2, self.epsilon)

    def unpack(self, state):
        """The state's step count, first moments and infinity norms, as ``first`` and ``second``.

        See :meth:`AdamKernelSpec.unpack`; there is no running maximum
        (None) and no momentum schedule (1.0).
        """
        return state.step, state.first_moment, state.infinity_norm, None, 1.0

    advance = AdamKernelSpec.advance


def kernel_spec(solver):
    """The solver's kernel spec (:class:`AdamKernelSpec` or another), or None where it has none.

    A spec describes the arithmetic of the class that declares it, so only
    that class's instances are trained by the compiled epoch: a subclass
    (which may change ``update`` or any helper of it) is trained by its
    ``update`` unless it declares a ``kernel_spec`` of its own.

    Parameters
    ----------
    solver : object following the solver protocol

    Returns
    -------
    spec : AdamKernelSpec or None
    """
    if "kernel_spec" not in vars(type(solver)):
        return None
    return solver.kernel_spec()


def check_proximal(solver):
    """Raise unless ``solver`` gives the step sizes a proximal step takes.

    A penalty that is not smooth adds no gradient: after each update, its
    proximal operator is applied in the rule's own diagonal metric, which
    the solver's ``step_sizes(state, learning_rate)`` gives. As
    :func:`kernel_spec` does, only the solver's own class is trusted to
    declare it: a subclass may change ``update``, and with it the metric
    (so a subclass of a built-in rule declares ``step_sizes`` again, e.g.
    ``step_sizes = Adam.step_sizes``, when its steps divide as its parent's).
    Checked before any work.

    Parameters
    ----------
    solver : object following the solver protocol

    Raises
    ------
    TypeError
        Naming the solver's class and the method it lacks.
    """
    name = type(solver).__name__
    if "step_sizes" in vars(type(solver)):
        return
    inherited = ""
    if callable(getattr(solver, "step_sizes", None)):
        inherited = (
            f" {name} inherits one, but declares none on its own class, and its update "
            "may use another metric: if its steps divide as its parent's, set "
            f"step_sizes = <parent>.step_sizes in the body of {name}."
        )
    raise TypeError(
        f"{name} needs a step_sizes(state, learning_rate) method for a penalty that is not "
        "smooth: its proximal step takes the rule's step size for each coordinate, which "
        f"{name} does not give.{inherited}"
    )


def proximal_steps(solver, state, learning_rate):
    """The solver's step size for each coordinate after its last update.

    Parameters
    ----------
    solver : object following the solver protocol, with ``step_sizes``
    state : object
        The state the last update advanced; only read.
    learning_rate : float
        The learning rate of that update.

    Returns
    -------
    steps : list of array
        One array per parameter, of its shape, in the namespace of the
        state's arrays.

    Raises
    ------
    TypeError
        For a solver without a ``step_sizes`` of its own class (see
        :func:`check_proximal`).
    """
    check_proximal(solver)
    return solver.step_sizes(state, learning_rate)


def state_in_new_coordinates(solver, state, change, params):
    """The solver's state for parameters whose coordinates changed.

    A rule whose own class defines ``change_coordinates(state, change)``
    maps its state (the rule knows what its arrays average); any other
    solver, whose state may hold anything, starts afresh from ``init``, as
    :func:`kernel_spec` trusts only the class that declares a spec.

    Parameters
    ----------
    solver : object following the solver protocol
    state : object
        The solver's state in the old coordinates; left as it was.
    change : CoordinateChange
    params : list of ndarray
        The parameters in the new coordinates.

    Returns
    -------
    state : object
    """
    if "change_coordinates" in vars(type(solver)):
        return solver.change_coordinates(state, change)
    return solver.init([p.copy() for p in params])


def takes_params(solver):
    """Whether ``solver.update`` has a ``params`` argument, which it is then passed.

    The estimator hands every rule ``params``, by that name. A rule written
    for version 0.1 of the protocol, whose ``update`` has no ``params``, is
    called without it. The signature is read once per fit.

    Parameters
    ----------
    solver : object following the solver protocol

    Returns
    -------
    takes_params : bool
    """
    try:
        return "params" in inspect.signature(solver.update).parameters
    except (TypeError, ValueError):  # no signature to read: the 0.1 protocol
        return False


def check_update_signature(solver):
    """Raise unless ``solver.update`` can be called as the estimator calls it.

    The estimator passes ``params`` by that name; a rule of version 0.1 of
    the protocol, whose ``update`` has no ``params``, is called with three
    arguments. An ``update`` whose fourth argument has another name can be
    called neither way. Checked before any work; a signature that cannot be
    read is left to the call.

    Parameters
    ----------
    solver : object following the solver protocol

    Raises
    ------
    TypeError
        Naming the rule, the solver's class and the signature found.
    """
    try:
        signature = inspect.signature(solver.update)
    except (TypeError, ValueError):  # no signature to read: the call decides
        return
    params = signature.parameters.get("params")
    if params is not None:
        callable_so = params.kind is not inspect.Parameter.POSITIONAL_ONLY
    else:
        try:
            signature.bind(None, None, None)
            callable_so = True
        except TypeError:
            callable_so = False
    if not callable_so:
        raise TypeError(
            f"{type(solver).__name__} does not follow the solver protocol, which passes "
            "params by name: update(grads, state, learning_rate, params=...) (or, for a "
            "rule without params, update(grads, state, learning_rate)); "
            f"{type(solver).__name__}.update{signature} can be called neither way."
        )


class UpdateCalls:
    """Calls ``solver.update`` as the protocol says, and checks what the first call returns.

    Parameters
    ----------
    solver : object following the solver protocol
    """

    def __init__(self, solver):
        self.solver = solver
        self.passes_params = takes_params(solver)
        self._checked = False

    def __call__(self, grads, state, learning_rate, params):
        """``solver.update(grads, state, learning_rate, params=params)``: (updates, state).

        ``params`` is left out for a rule of version 0.1 of the protocol.

        Raises
        ------
        TypeError
            At the first call, if the answer breaks the protocol (see
            :func:`check_update_answer`).
        """
        if self.passes_params:
            answer = self.solver.update(grads, state, learning_rate, params=params)
        else:
            answer = self.solver.update(grads, state, learning_rate)
        if not self._checked:
            check_update_answer(self.solver, answer, grads, state)
            self._checked = True
        return answer


def check_update_answer(solver, answer, grads, state):
    """Raise unless ``answer`` is what the protocol's ``update`` returns.

    That is a pair ``(updates, state)``: one update per parameter, of the
    shape and dtype of its gradient (which are the parameter's), and a
    state wherever the rule was given one (a rule whose ``init`` returned
    None keeps no state and may return None).

    Parameters
    ----------
    solver : object following the solver protocol
    answer : object
        What ``solver.update`` returned.
    grads : list of array
        The gradients it was given.
    state : object
        The state it was given.

    Raises
    ------
    TypeError
        Naming the rule broken, the solver's class and what was received.
    """
    name = type(solver).__name__

    def broken(rule, received):
        return TypeError(
            f"{name} does not follow the solver protocol: update must return {rule}; "
            f"{name}.update returned {received}."
        )

    pair = f"a pair (updates, state), updates a list of {len(grads)} arrays, one per parameter"
    if (not isinstance(answer, (tuple, list)) or len(answer) != 2
            or not isinstance(answer[0], (tuple, list))):
        raise broken(pair, _describe(answer))
    updates, new_state = answer
    if len(updates) != len(grads):
        raise broken(pair, f"as updates {_describe(updates)}")
    for index, (update, grad) in enumerate(zip(updates, grads)):
        shape, dtype = getattr(update, "shape", None), getattr(update, "dtype", None)
        if shape is None or tuple(shape) != tuple(grad.shape) or dtype != grad.dtype:
            raise broken(
                f"updates of the parameters' shapes and dtypes (parameter {index}: "
                f"{_describe(grad)})", f"{_describe(update)} for parameter {index}"
            )
    if new_state is None and state is not None:
        raise broken(
            "the advanced state with the updates (None only for a rule whose init "
            "returned None)", f"None as the state, given a {type(state).__name__}"
        )


def _describe(value):
    """A short description of ``value`` for an error message: its type, length or shape."""
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return f"an array of shape {tuple(value.shape)} and dtype {value.dtype}"
    if isinstance(value, (tuple, list)):
        items = ", ".join(_describe(item) for item in value[:3])
        more = ", ..." if len(value) > 3 else ""
        return f"a {type(value).__name__} of {len(value)} ({items}{more})"
    return "None" if value is None else f"a {type(value).__name__}"
