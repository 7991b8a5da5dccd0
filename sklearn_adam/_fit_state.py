"""What a fit resumes from, in one object: :class:`FitState`.

A fit leaves on the estimator, as ``_fit_state``, everything the next warm
start or ``partial_fit`` continues from; :meth:`FitState.resumed` is the one
place that takes a copy of it to train on, and :meth:`FitState.save` the one
place that puts the trained copy back, with the public attributes that show
it (``solver_state_``, ``n_iter_``).
"""

import copy
import dataclasses

import numpy as np

from ._averaging import AveragedIterate
from ._namespace import to_numpy
from ._objective import Standardization
from ._objective._layout import ParameterLayout
from ._progress import Progress
from ._rules import moved_state, runs_in_any_namespace, state_in_new_coordinates

# Fields that are replaced, never changed in place, by a run: a resumed copy
# shares them instead of copying (a split holds a row index per sample).
_SHARED_FIELDS = frozenset({"structure", "standardization", "moments", "split",
                            "kept_equations"})


@dataclasses.dataclass
class FitState:
    """What a fit resumes from: resuming from it continues exactly as one longer run would.

    To add a field (an averaged iterate, say): declare it here with a
    default. Models pickled before it existed then read the class default;
    :meth:`resumed` copies it (deeply, unless it is listed among the fields
    a run replaces rather than changes); :meth:`save` keeps it. Only a field
    in the standardized coordinates must also be mapped in :meth:`add_rows`,
    as ``params`` is, where ``partial_fit`` changes the standardization.

    Parameters
    ----------
    structure : tuple of bool
        ``(fit_intercept, standardize)`` of the fit that started it: what the
        parameters are.
    standardization : Standardization
    params : list of ndarray
        Standardized coefficients (and intercept) after the last epoch.
    rng : numpy.random.RandomState
        The random stream, continued by a warm start.
    y_ndim : int
        Dimensions of the last call's ``y``: the shape of ``coef_``.
    solver_state : object or None, default=None
        The solver's state after the last epoch, the estimator's
        ``solver_state_`` (in the data's namespace where the rule runs in
        any); on the host while training.
    progress : Progress or None, default=None
        The monitor, the position in the schedule, the batch size's growths
        and, with a validation set, the best epoch's parameters; None before
        the first epoch.
    split : tuple or None, default=None
        ``((n_samples, validation_fraction), (train_rows, validation_rows))``
        of the last validation split, kept by warm starts on as many rows.
    moments : tuple of ColumnMoments or None, default=None
        ``(x_moments, y_moments)`` of the training rows of the last ``fit``
        (warm or not) and of every ``partial_fit`` since, from which
        ``partial_fit`` updates the standardization; None in models pickled
        before they were kept, whose standardization stays fixed until the
        next ``fit``.
    average : AveragedIterate or None, default=None
        The average of the iterates of the stochastic steps since the last
        fresh start (see :mod:`sklearn_adam._averaging`), in the
        standardized coordinates of ``params``; None where steps are not
        averaged, and in models pickled before it was kept, which start
        averaging afresh.
    extra : tuple of str, default=()
        The names of the datafit's own parameters, last in ``params`` (see
        :class:`~sklearn_adam._objective._layout.ParameterLayout`).
    kept_equations : KeptEquations or None, default=None
        The normal equations of the last fit of a warm-starting estimator,
        for the next fit on the same data; shared by resumed copies, and
        not pickled.
    """

    structure: tuple
    standardization: Standardization
    params: list
    rng: np.random.RandomState
    y_ndim: int
    solver_state: object = None
    progress: Progress | None = None
    split: tuple | None = None
    moments: tuple | None = None
    average: AveragedIterate | None = None
    extra: tuple = ()
    kept_equations: object = None

    @property
    def layout(self):
        """ParameterLayout : What each of ``params`` is."""
        return ParameterLayout(self.structure[0], self.extra)

    @classmethod
    def start(cls, structure, moments, standardizing, shape, dtype, rng, y_ndim, solver,
              datafit=None, targets=None):
        """A fresh start: the standardization of ``moments``, zero parameters, a new solver state.

        The datafit's own parameters start where its ``best_extras`` puts
        them for the predictions of zero standardized coefficients and
        intercept (the Huber loss's scale: that of the targets about their
        center).

        Parameters
        ----------
        structure : tuple of bool
            ``(fit_intercept, standardize)``.
        moments : tuple of ColumnMoments
            ``(x_moments, y_moments)`` of the training rows.
        standardizing : dict
            Keywords of :meth:`~sklearn_adam._objective.Standardization.from_moments`.
        shape : tuple of int
            ``(n_targets, n_features)``.
        dtype : numpy dtype
            The data's.
        rng : numpy.random.RandomState
        y_ndim : int
        solver : object following the solver protocol
        datafit : object or None, default=None
            None for a datafit without parameters of its own.
        targets : tuple or None, default=None
            ``(y, sample_weight)`` of the call's rows, on the host (held-out
            rows included: it is only where training starts); read only for
            a datafit with parameters of its own.

        Returns
        -------
        state : FitState
        """
        standardization = Standardization.from_moments(*moments, **standardizing, dtype=dtype)
        layout = ParameterLayout.of(datafit, structure[0])
        params = [np.zeros(shape, dtype=dtype)]
        if structure[0]:
            params.append(np.zeros(shape[0], dtype=dtype))
        if layout.extra:
            _, start = standardization.to_original(params[0], None)
            extras = datafit.best_extras(*targets, start, standardization.y_scale)
            params.extend(extras[name].astype(dtype) for name in layout.extra)
        state = cls(structure, standardization, params, rng, y_ndim, moments=moments,
                    extra=layout.extra)
        state.solver_state = _state_to_continue(solver, None, params)
        return state

    def resumed(self, solver, y_ndim):
        """A copy to train on, with the solver's state on the host.

        Parameters
        ----------
        solver : object following the solver protocol
            A state of another kind than this solver's starts afresh.
        y_ndim : int
            Dimensions of this call's ``y``.

        Returns
        -------
        state : FitState
            Shares nothing that training changes with this one.
        """
        copied = {
            field.name: copy.deepcopy(getattr(self, field.name))
            for field in dataclasses.fields(self)
            if field.name not in _SHARED_FIELDS and field.name != "solver_state"
        }
        state = dataclasses.replace(self, **(copied | {"y_ndim": y_ndim}))
        state.solver_state = _state_to_continue(solver, self.solver_state, state.params)
        return state

    def save(self, estimator, solver, namespace=None):
        """Keep this state on ``estimator`` for the next call, and show it in public attributes.

        Parameters
        ----------
        estimator : AdamLinearRegressor
            Gets ``_fit_state``, ``solver_``, ``solver_state_`` and ``n_iter_``.
        solver : object following the solver protocol
        namespace : ArrayNamespace or None, default=None
            Where the call's data live, when not in NumPy: the state of a
            rule that runs in any namespace is put there.
        """
        if namespace is not None and runs_in_any_namespace(solver):
            self.solver_state = moved_state(self.solver_state, namespace.from_numpy)
        estimator._fit_state = self
        estimator.solver_ = solver
        estimator.solver_state_ = self.solver_state
        estimator.n_iter_ = self.progress.epoch

    def restandardize(self, moments, standardizing):
        """Standardize on a warm start's training rows; the standardized parameters carry over.

        A warm start solves the problem of its own data, in the centers and
        scales a fit from scratch would use. The standardized coefficients
        and intercept, like the solver's moments (averages of standardized
        gradients), stay as they were: in the new coordinates they are the
        model that stands to the new data as the last one stood to its
        data. On data that are the last data shifted or rescaled (``y * c``,
        ``y + c``, ``X + c``, ``X * c``) the standardized problem is the
        same, so training continues from its optimum, and ``tol`` is judged
        in the new data's units. On the same rows the standardization is
        the same, bit for bit, and nothing changes.

        Parameters
        ----------
        moments : tuple of ColumnMoments
            ``(x_moments, y_moments)`` of the training rows; kept, for a
            later ``partial_fit`` to merge its rows into.
        standardizing : dict
            Keywords of :meth:`~sklearn_adam._objective.Standardization.from_moments`.

        Raises
        ------
        ValueError
            If the new data cannot be standardized.
        """
        self.standardization = Standardization.from_moments(
            # The dtype the model was trained in, whatever the new data's.
            *moments, **standardizing, dtype=self.standardization.x_scale.dtype
        )
        self.moments = moments

    def add_rows(self, moments, standardizing, solver):
        """Standardize on the rows seen so far and new ones; parameters and solver state follow.

        Only for a state that kept its ``moments``. The moments of the new
        rows join those of the rows trained on before, and when the centers
        or scales change, the parameters are mapped (the coefficients keep
        their values in the data's units, the intercept follows the
        centers), and the averaged iterate and the solver's state with them
        (see :class:`~sklearn_adam._objective._standardization.CoordinateChange`).

        Parameters
        ----------
        moments : tuple of ColumnMoments
            ``(x_moments, y_moments)`` of the new rows.
        standardizing : dict
            Keywords of :meth:`~sklearn_adam._objective.Standardization.from_moments`.
        solver : object following the solver protocol
        """
        moments = (self.moments[0].merge(moments[0]), self.moments[1].merge(moments[1]))
        standardization = Standardization.from_moments(
            # The dtype the model was trained in, whatever this chunk's.
            *moments, **standardizing, dtype=self.standardization.x_scale.dtype
        )
        self.moments = moments
        if _same_standardization(standardization, self.standardization):
            return
        change = self.standardization.change_to(standardization, self.layout)
        self.standardization = standardization
        self.params = change.parameters(self.params)
        if self.average is not None:
            self.average.in_new_coordinates(change)
        self.solver_state = state_in_new_coordinates(solver, self.solver_state, change,
                                                     self.params)

    def model_params(self):
        """The standardized parameters this model stands for.

        Returns
        -------
        params : list of ndarray
            The averaged iterate's model while stochastic steps are
            averaged (after proximal steps, thresholded: see
            :meth:`~sklearn_adam._averaging.AveragedIterate.model`), else
            the parameters of the last step.
        """
        average = self.average
        return self.params if average is None or not average.n_averaged else average.model()

    def fitted_attributes(self, params):
        """``coef_`` and ``intercept_`` in the units of the data, from standardized ``params``.

        With the Huber loss, ``scale_`` too: its scale in the targets' units.

        Parameters
        ----------
        params : list of ndarray

        Returns
        -------
        attributes : dict
        """
        standardized, intercept, extras = self.layout.split(params)
        coef, intercept = self.standardization.to_original(standardized, intercept)
        # A coefficient the penalty set to zero is an exact zero in the data's
        # units too, and never -0.0 (which x + 0.0 maps to 0.0, and nothing else).
        coef[standardized == 0] = 0
        coef += 0.0
        attributes = {"coef_": coef, "intercept_": intercept}
        if "scale" in extras:
            attributes["scale_"] = self.standardization.y_scale * np.abs(extras["scale"])
        if self.y_ndim == 1:
            return {name: float(value[0]) if value.ndim == 1 else value[0]
                    for name, value in attributes.items()}
        return attributes


def _same_standardization(first, second):
    """Whether two standardizations hold the same centers and scales, bit for bit."""
    return all(
        np.array_equal(getattr(first, field.name), getattr(second, field.name))
        for field in dataclasses.fields(first)
    )


def _state_to_continue(solver, previous_state, params):
    """A copy of the solver state to continue from, or a fresh one."""
    fresh = solver.init([p.copy() for p in params])
    if previous_state is None or type(previous_state) is not type(fresh):
        # First fit, or a warm start with a solver of another kind.
        return fresh
    # Training starts on the host, whatever namespace the last call's data had.
    return copy.deepcopy(moved_state(previous_state, to_numpy))
