"""The working state of one fit: from checked parameters and data to fitted attributes.

From the checked parameters (:mod:`sklearn_adam._parameters`) and the
validated data (:mod:`sklearn_adam._data`), one call of ``fit`` or
``partial_fit`` builds, here only: the validation split, the standardization
and the starting point (:class:`Carried`, which the estimator keeps for the
next warm start or ``partial_fit``), the objective, the held-out evaluation
and the progress to continue from (:class:`TrainingRun`). The run then
trains and records the outcome on the estimator.
"""

import copy
import dataclasses
import inspect

import numpy as np
from sklearn.utils import _safe_indexing, check_random_state

from ._array_api import NamespaceObjective
from ._array_api import measure as measure_in_namespace
from ._data import check_split_weights, split_validation
from ._namespace import to_numpy
from ._objective import HeldOutEvaluation, LeastSquares, Standardization
from ._objective._held_out import varying_targets
from ._objective._standardization import measure
from ._progress import GradientMonitor, Progress, gradient_target
from ._rules import moved_state, runs_in_any_namespace, state_in_new_coordinates
from ._training import Batching, train

# batch_size="auto" in partial_fit: mini-batches of this many rows, or one
# full batch when there are fewer samples.
AUTO_BATCH_SIZE = 200


@dataclasses.dataclass
class Carried:
    """What a fit leaves on the estimator for the next warm start or ``partial_fit``.

    Together with the public ``solver_state_`` this decides the next epoch,
    so that resuming continues exactly as one longer run would.

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
    progress : Progress or None, default=None
    split : tuple or None, default=None
        ``((n_samples, validation_fraction), (train_rows, validation_rows))``
        of the last validation split, kept by warm starts on as many rows.
    moments : tuple of ColumnMoments or None, default=None
        ``(x_moments, y_moments)`` of the training rows of the last ``fit``
        (warm or not) and of every ``partial_fit`` since, from which
        ``partial_fit`` updates the standardization; None in models pickled
        before they were kept, whose standardization stays fixed until the
        next ``fit``.
    """

    structure: tuple
    standardization: Standardization
    params: list
    rng: np.random.RandomState
    y_ndim: int
    progress: Progress | None = None
    split: tuple | None = None
    moments: tuple | None = None

    @classmethod
    def start(cls, estimator, data, rng, train_rows=None):
        """Fresh standardization (of the training rows) and zero parameters.

        Parameters
        ----------
        estimator : AdamLinearRegressor
        data : FitData
            The validated training data.
        rng : numpy.random.RandomState
        train_rows : ndarray of int or None, default=None
            The rows to standardize on; None for all.

        Returns
        -------
        carried : Carried
        """
        moments = _measure(estimator, data, _training_weights(data, train_rows))
        return cls.from_moments(estimator, moments, data.dtype, data.y.shape[1],
                                data.X.shape[1], rng, data.y_ndim)

    @classmethod
    def from_moments(cls, estimator, moments, dtype, n_targets, n_features, rng, y_ndim):
        """A fresh start: the standardization of ``moments`` and zero parameters.

        Parameters
        ----------
        estimator : AdamLinearRegressor
        moments : tuple of ColumnMoments
            ``(x_moments, y_moments)`` of the training rows.
        dtype : numpy dtype
            The data's.
        n_targets, n_features : int
        rng : numpy.random.RandomState
        y_ndim : int

        Returns
        -------
        carried : Carried
        """
        standardization = Standardization.from_moments(
            *moments, **_standardizing(estimator), dtype=dtype
        )
        params = [np.zeros((n_targets, n_features), dtype=dtype)]
        if estimator.fit_intercept:
            params.append(np.zeros(n_targets, dtype=dtype))
        structure = (estimator.fit_intercept, estimator.standardize)
        return cls(structure, standardization, params, rng, y_ndim, moments=moments)

    def restandardize(self, estimator, moments):
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
        estimator : AdamLinearRegressor
        moments : tuple of ColumnMoments
            ``(x_moments, y_moments)`` of the training rows; kept, for a
            later ``partial_fit`` to merge its rows into.

        Raises
        ------
        ValueError
            If the new data cannot be standardized (see
            :meth:`~sklearn_adam._objective.Standardization.from_moments`).
        """
        self.standardization = Standardization.from_moments(
            # The dtype the model was trained in, whatever the new data's.
            *moments, **_standardizing(estimator), dtype=self.standardization.x_scale.dtype
        )
        self.moments = moments

    def add_rows(self, estimator, data, solver, solver_state):
        """Standardize on the rows seen so far and these; parameters follow.

        The moments of ``data`` join those of the rows trained on before,
        and when the centers or scales change, the parameters are mapped
        (the coefficients keep their values in the data's units, the
        intercept follows the centers), and the solver's state with them
        (see :class:`~sklearn_adam._objective._standardization.CoordinateChange`).

        Parameters
        ----------
        estimator : AdamLinearRegressor
        data : FitData
            The new rows.
        solver : object following the solver protocol
        solver_state : object or None
            The state to continue from; not modified.

        Returns
        -------
        solver_state : object or None
            That state in the new coordinates.
        """
        if self.moments is None:
            return solver_state
        x_moments, y_moments = _measure(estimator, data, data.sample_weight)
        moments = (self.moments[0].merge(x_moments), self.moments[1].merge(y_moments))
        standardization = Standardization.from_moments(
            # The dtype the model was trained in, whatever this chunk's.
            *moments, **_standardizing(estimator), dtype=self.standardization.x_scale.dtype
        )
        self.moments = moments
        if _same_standardization(standardization, self.standardization):
            return solver_state
        change = self.standardization.change_to(standardization)
        self.standardization = standardization
        self.params = change.parameters(self.params)
        if solver_state is None:
            return None
        return state_in_new_coordinates(solver, solver_state, change, self.params)

    def fitted_attributes(self, params):
        """``coef_`` and ``intercept_`` in the units of the data, from standardized ``params``.

        Parameters
        ----------
        params : list of ndarray

        Returns
        -------
        attributes : dict
        """
        coef, intercept = self.standardization.to_original(
            params[0], params[1] if len(params) > 1 else None
        )
        if self.y_ndim == 1:
            return {"coef_": coef[0], "intercept_": float(intercept[0])}
        return {"coef_": coef, "intercept_": intercept}


# The public attributes a fresh start resets before training (as they were
# before any fit); the others are set by every recorded run.
_FRESH_ATTRIBUTES = {
    "solver_state_": None,
    "t_": 0,
    "n_steps_": 0,
    "loss_curve_": [],
    "gradient_norm_curve_": [],
    "learning_rate_curve_": [],
    "batch_size_curve_": [],
    "validation_loss_curve_": None,
    "validation_scores_": None,
    "best_validation_score_": None,
}


class TrainingRun:
    """One call's training: objective, evaluation and progress, then the record.

    Built by :meth:`for_fit` or :meth:`for_partial_fit`; nothing of the
    estimator changes before :meth:`train` has finished.

    Parameters
    ----------
    estimator : AdamLinearRegressor
    components : Components
    carried : Carried
        Where training starts from, fresh (without progress) or carried
        over; replaced on the estimator by the outcome.
    objective : LeastSquares
    rng : numpy.random.RandomState
        Drives this call's shuffles.
    evaluation : HeldOutEvaluation or None, default=None
    streaming : bool, default=False
        Whether this is a call of ``partial_fit``: one epoch over new rows.
    solver_state : object or None, default=None
        The solver state to continue from, where it is not the estimator's
        ``solver_state_`` (``partial_fit`` maps it to new coordinates).
    namespace : ArrayNamespace or None, default=None
        Where this call's data live, when not in NumPy: the fitted
        attributes and the state of a built-in rule are put there.
    """

    def __init__(self, estimator, components, carried, objective, rng, evaluation=None,
                 streaming=False, solver_state=None, namespace=None):
        self.estimator = estimator
        self.solver_state = solver_state
        self.namespace = namespace
        self.components = components
        self.carried = carried
        self.objective = objective
        self.rng = rng
        self.evaluation = evaluation
        self.streaming = streaming
        self.batching = _batching(estimator, objective, streaming)
        self.progress = _progress_for(
            estimator, carried, evaluation, self.batching.is_full
        )
        # A fresh start has no solver state, step count or curves to extend.
        self.fresh = carried.progress is None

    @classmethod
    def for_fit(cls, estimator, components, data, held_out, resume):
        """The run of ``fit``.

        Parameters
        ----------
        estimator : AdamLinearRegressor
        components : Components
        data : FitData
            The validated training data.
        held_out : FitData or None
            The validated ``X_val``, ``y_val``, ``sample_weight_val``.
        resume : bool
            Whether to continue the previous fit (``warm_start``).

        Returns
        -------
        run : TrainingRun
        """
        previous = estimator._carried if resume else None
        # A warm start continues the random stream of the fit it resumes.
        rng = copy.deepcopy(previous.rng) if resume else check_random_state(
            estimator.random_state
        )
        train_rows = validation_rows = split = None
        if estimator.early_stopping and held_out is None:
            split = _validation_split(estimator, to_numpy(data.sample_weight), rng, previous)
            train_rows, validation_rows = split[1]
        if resume:
            carried = copy.copy(previous)
            carried.y_ndim = data.y_ndim
            carried.split = split or previous.split
            carried.restandardize(
                estimator, _measure(estimator, data, _training_weights(data, train_rows))
            )
        else:
            carried = Carried.start(estimator, data, rng, train_rows)
            # A fit without a split keeps the last one, for a later warm start.
            if split is None and hasattr(estimator, "_carried"):
                split = estimator._carried.split
            carried.split = split
        objective = _objective(estimator, components, carried, data, train_rows)
        evaluation = None
        if held_out is not None:
            evaluation = _held_out_evaluation(estimator, components, carried, held_out, None)
        elif estimator.early_stopping:
            evaluation = _held_out_evaluation(
                estimator, components, carried, data, validation_rows
            )
        return cls(estimator, components, carried, objective, rng, evaluation,
                   namespace=data.namespace)

    @classmethod
    def for_partial_fit(cls, estimator, components, data):
        """The run of ``partial_fit``: one epoch over ``data``.

        Parameters
        ----------
        estimator : AdamLinearRegressor
        components : Components
        data : FitData

        Returns
        -------
        run : TrainingRun
        """
        solver_state = None
        if hasattr(estimator, "_carried"):
            carried = copy.copy(estimator._carried)
            carried.y_ndim = data.y_ndim
            solver = components.solver
            solver_state = carried.add_rows(
                estimator, data, solver,
                _state_to_continue(solver, estimator.solver_state_, carried.params),
            )
        else:
            carried = Carried.start(estimator, data, check_random_state(estimator.random_state))
        rng = copy.deepcopy(carried.rng)
        objective = _objective(estimator, components, carried, data, None)
        return cls(estimator, components, carried, objective, rng, streaming=True,
                   solver_state=solver_state, namespace=data.namespace)

    def train(self, **options):
        """Train from the carried parameters and state, then record the outcome.

        Parameters
        ----------
        **options
            ``max_iter``, ``act_on_stalls``, ``callbacks``: passed to
            :func:`~sklearn_adam._training.train`.

        Returns
        -------
        history : History
        """
        estimator, solver = self.estimator, self.components.solver
        if self.fresh:
            for name, value in _FRESH_ATTRIBUTES.items():
                setattr(estimator, name, copy.copy(value))
        params = [p.copy() for p in self.carried.params]
        # A state given to this run is already a copy (partial_fit's, mapped).
        state = self.solver_state
        if state is None:
            state = _state_to_continue(solver, estimator.solver_state_, params)
        state, history = train(
            self.objective,
            solver,
            state,
            params,
            self.progress,
            schedule=self.components.schedule,
            batching=self.batching,
            rng=self.rng,
            shuffle=estimator.shuffle,
            validation=self.evaluation,
            verbose=estimator.verbose,
            streaming=self.streaming,
            **options,
        )
        self._record(params, state, history)
        return history

    def fitted_attributes(self, params):
        """``coef_`` and ``intercept_`` of standardized ``params``, where this call's data live.

        Parameters
        ----------
        params : list of ndarray

        Returns
        -------
        attributes : dict
        """
        return _fitted_attributes(self.carried, params, self.namespace)

    def _record(self, params, state, history):
        """Keep the trained parameters and set the public attributes."""
        estimator, progress = self.estimator, self.progress
        self.carried.rng = self.rng
        self.carried.params = params
        self.carried.progress = progress
        estimator._carried = self.carried
        estimator.solver_ = self.components.solver
        if self.namespace is not None and runs_in_any_namespace(self.components.solver):
            state = moved_state(state, self.namespace.from_numpy)
        estimator.solver_state_ = state
        estimator.n_iter_ = progress.epoch
        estimator.n_steps_ += sum(history.n_steps)
        # Samples seen, as scikit-learn counts them: every row of an epoch
        # that took steps, none of an epoch that converged without one.
        estimator.t_ += self.objective.n_samples * sum(1 for n in history.n_steps if n)
        estimator.loss_curve_ = estimator.loss_curve_ + history.losses
        estimator.gradient_norm_curve_ = estimator.gradient_norm_curve_ + history.gradient_norms
        estimator.learning_rate_curve_ = estimator.learning_rate_curve_ + history.learning_rates
        estimator.batch_size_curve_ = estimator.batch_size_curve_ + history.batch_sizes
        estimator.best_loss_ = min(estimator.loss_curve_)
        if progress.monitors_validation:
            estimator.validation_loss_curve_ = (
                (estimator.validation_loss_curve_ or []) + history.validation_losses
            )
            estimator.validation_scores_ = (
                (estimator.validation_scores_ or []) + history.validation_scores
            )
        # The best score describes the kept coefficients only while a
        # validation score picks them.
        estimator.best_validation_score_ = (
            progress.monitor.best if progress.monitors_validation else None
        )
        kept = params if progress.best_params is None else progress.best_params
        for name, value in self.fitted_attributes(kept).items():
            setattr(estimator, name, value)


def _validation_split(estimator, sample_weight, rng, previous):
    """Training and validation rows; a warm start keeps its split while n_samples stays."""
    key = (sample_weight.shape[0], estimator.validation_fraction)
    if previous is not None and previous.split is not None and previous.split[0] == key:
        # The same rows, perhaps weighted otherwise this time.
        check_split_weights(sample_weight, *previous.split[1], estimator.validation_fraction)
        return previous.split
    return key, split_validation(sample_weight, estimator.validation_fraction, rng)


def _objective(estimator, components, carried, data, rows):
    if data.namespace is not None:
        return NamespaceObjective(
            data.X, data.y, data.sample_weight, datafit=components.datafit,
            penalty=components.penalty, standardization=carried.standardization, rows=rows,
            namespace=data.namespace, weight_unit=data.weight_unit,
        )
    return LeastSquares(
        data.X,
        data.y,
        data.sample_weight,
        alpha=estimator.alpha,
        standardization=carried.standardization,
        rows=rows,
        weight_unit=data.weight_unit,
    )


def _held_out_evaluation(estimator, components, carried, data, rows):
    """Validation loss and score on ``rows`` of ``data`` (all of it when None).

    A scorer is given the data as the caller passed them (a DataFrame keeps
    its column names), with the weights as validated.
    """
    objective = _objective(estimator, components, carried, data, rows)
    scorer = components.scorer
    if scorer is None:
        varying = varying_targets(to_numpy(data.y), to_numpy(data.sample_weight), rows)
        if not varying.any():
            where = ("y_val is" if rows is None else
                     f"y is, over the rows held out by validation_fraction="
                     f"{estimator.validation_fraction},")
            raise ValueError(
                f"{where} constant on the validation rows of positive weight, so R^2, "
                "the validation score of scoring=None, is undefined. Pass validation "
                "rows whose targets vary, or a scoring such as "
                "'neg_mean_squared_error'."
            )
        return HeldOutEvaluation(objective, varying=varying)
    X, y, sample_weight = data.passed
    if sample_weight is not None and not _takes_sample_weight(scorer):
        raise ValueError(
            f"scoring={estimator.scoring!r} does not take a sample_weight argument, "
            "but the validation rows have weights; use a scorer that does "
            "(e.g. one made by sklearn.metrics.make_scorer)."
        )
    if rows is not None:
        X, y = _rows_of(data, X, rows), _rows_of(data, y, rows)
        if sample_weight is not None:
            sample_weight = _rows_of(data, sample_weight, rows)
    extra = {} if sample_weight is None else {"sample_weight": sample_weight}

    def score(params):
        model = copy.copy(estimator)
        for name, value in _fitted_attributes(carried, params, data.namespace).items():
            setattr(model, name, value)
        value = scorer(model, X, y, **extra)
        if not np.isfinite(value):
            # Every comparison with NaN is False: the first epoch would be
            # kept as the best, whatever came after.
            raise ValueError(
                f"scoring={estimator.scoring!r} returned {value} on the validation rows; "
                "early stopping needs a finite score (greater is better)."
            )
        return value

    return HeldOutEvaluation(objective, score)


def _progress_for(estimator, carried, evaluation, full_after):
    """A copy of the progress so far (fresh on a new fit), monitoring the right value.

    ``evaluation`` is the held-out evaluation of this call, or None when the
    training loss is monitored; ``full_after(n_growths)`` says whether the
    batch then holds every training row.
    """
    validating = evaluation is not None
    coef = carried.params[0]
    n_params = sum(p.size for p in carried.params)
    target = gradient_target(estimator.tol, coef.dtype, n_params)
    progress = copy.deepcopy(carried.progress)
    if progress is None:
        progress = Progress(estimator.tol, target, estimator.n_iter_no_change)
        progress.watch(validation=validating, full_batch=full_after(0))
        return progress
    full_batch = full_after(progress.n_growths)
    progress.configure(estimator.tol, target, estimator.n_iter_no_change, full_batch)
    if progress.monitors_validation != validating or (
        not validating and isinstance(progress.monitor, GradientMonitor) != full_batch
    ):
        # Early stopping switched on or off, or the batch is no longer what
        # it was: what is monitored changes, so the monitor starts afresh.
        progress.watch(validation=validating, full_batch=full_batch)
        progress.best_params = None
    elif validating and progress.best_params is not None:
        # The validation data may have changed since the best epoch was
        # scored: score it again, so that later epochs compete with it on
        # the same data (on unchanged data the score is the same).
        progress.monitor.best = evaluation(progress.best_params)[1]
    return progress


def _standardizing(estimator):
    """Whether ``estimator`` centers and scales: keywords of the standardization."""
    return {"center": estimator.fit_intercept and estimator.standardize,
            "scale": estimator.standardize}


def _measure(estimator, data, sample_weight):
    """The column moments of ``data`` weighted by ``sample_weight``, measured where they live."""
    if data.namespace is None:
        return measure(data.X, data.y, sample_weight, **_standardizing(estimator))
    return measure_in_namespace(
        data.namespace, data.X, data.y, sample_weight, **_standardizing(estimator)
    )


def _training_weights(data, train_rows):
    """The sample weights of the training rows (all rows when ``train_rows`` is None)."""
    if train_rows is None:
        return data.sample_weight
    return _weights_of_rows(data, train_rows)


def _weights_of_rows(data, rows):
    """The sample weights of ``rows``, and zero for the other rows."""
    weight = to_numpy(data.sample_weight)
    kept = np.zeros_like(weight)
    kept[rows] = weight[rows]
    return kept if data.namespace is None else data.namespace.from_numpy(kept)


def _rows_of(data, values, rows):
    """``rows`` of ``values`` (data as passed, or weights), in the data's namespace."""
    if data.namespace is None:
        return _safe_indexing(values, rows)
    return data.namespace.xp.take(values, data.namespace.from_numpy(rows), axis=0)


def _fitted_attributes(carried, params, namespace):
    """``coef_`` and ``intercept_`` of ``params``, in ``namespace`` when there is one.

    There, as scikit-learn's ``Ridge`` gives it, a single target's fitted
    intercept is a 0-d array in the coefficients' dtype, on their device;
    without an intercept fitted, it stays the number 0.0.
    """
    attributes = carried.fitted_attributes(params)
    if namespace is None:
        return attributes
    fit_intercept = carried.structure[0]
    if fit_intercept and carried.y_ndim == 1:
        attributes["intercept_"] = np.asarray(attributes["intercept_"],
                                              dtype=attributes["coef_"].dtype)
    return namespace.moved_attributes(attributes)


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


def _batching(estimator, objective, streaming):
    """The batch sizes of this call.

    ``batch_size="auto"`` is one full batch in ``fit``: exact steps, which
    the normal equations make cheap wherever they pay off, and which reach a
    precise answer in fewer passes over ``X`` than mini-batches that must
    grow to a full batch anyway. ``partial_fit`` makes one epoch per call,
    so there it takes mini-batches of :data:`AUTO_BATCH_SIZE` rows.
    """
    n_train = objective.n_samples
    if estimator.batch_size is None or estimator.batch_size == "full":
        base = n_train
    elif estimator.batch_size == "auto":
        base = min(AUTO_BATCH_SIZE, n_train) if streaming else n_train
    else:
        base = min(estimator.batch_size, n_train)
    return Batching(n_train, base, estimator.batch_growth)


def _takes_sample_weight(scorer):
    try:
        parameters = inspect.signature(scorer).parameters.values()
    except (TypeError, ValueError):  # no signature to read: let the call decide
        return True
    return any(
        p.name == "sample_weight" or p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters
    )
