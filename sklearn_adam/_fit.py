"""One call of ``fit`` or ``partial_fit``: from checked parameters and data to fitted attributes.

From the checked parameters (:mod:`sklearn_adam._parameters`) and the
validated data (:mod:`sklearn_adam._data`), one call builds, here only: the
validation split, the fit state to train on (fresh, or a resumed copy of the
estimator's :class:`~sklearn_adam._fit_state.FitState`, standardized on this
call's rows), the objective, the held-out evaluation and the monitor
(:class:`TrainingRun`). The run then trains, saves the state on the
estimator and records the outcome.
"""

import copy
import inspect

import numpy as np
from sklearn.utils import _safe_indexing, check_random_state

from ._array_api import NamespaceObjective
from ._array_api import measure as measure_in_namespace
from ._averaging import continue_from_average
from ._data import check_split_weights, split_validation
from ._fit_state import FitState
from ._namespace import to_numpy
from ._objective import (
    HeldOutEvaluation,
    Objective,
    TrainingRows,
    normal_equations_pay_off,
    normal_equations_serve,
)
from ._objective._datafits import declares
from ._objective._held_out import varying_targets
from ._objective._kept_equations import KeptEquations
from ._objective._layout import extra_parameters
from ._objective._standardization import measure
from ._progress import GradientMonitor, Progress, gradient_target
from ._smoothing import finish_collapsed_scale, objective_to_train, train_to_exact
from ._training import Batching, TrainingPlan, train

# batch_size="auto" in partial_fit: mini-batches of this many rows, or one
# full batch when there are fewer samples.
AUTO_BATCH_SIZE = 200


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
    "validation_epochs_": None,
    "best_validation_score_": None,
}

# Fitted attributes that only some losses set (the Huber loss's scale).
_LOSS_ATTRIBUTES = ("scale_",)


class TrainingRun:
    """One call's training: the state it advances, objective, evaluation, then the record.

    Built by :meth:`for_fit` or :meth:`for_partial_fit`; nothing of the
    estimator changes before :meth:`train` has finished.

    Parameters
    ----------
    estimator : AdamLinearRegressor
    components : Components
    state : FitState
        Where training starts from, fresh (without progress) or a resumed
        copy of the estimator's; saved on the estimator by :meth:`train`.
    objective : Objective
    evaluation : HeldOutEvaluation or None, default=None
    streaming : bool, default=False
        Whether this is a call of ``partial_fit``: one epoch over new rows.
    namespace : ArrayNamespace or None, default=None
        Where this call's data live, when not in NumPy: the fitted
        attributes and the state of a built-in rule are put there.
    """

    def __init__(self, estimator, components, state, objective, evaluation=None,
                 streaming=False, namespace=None):
        self.estimator = estimator
        self.components = components
        self.state = state
        self.objective = objective
        self.evaluation = evaluation
        self.streaming = streaming
        self.namespace = namespace
        self.batching = _batching(estimator, objective, streaming)
        # A fresh start has no step count or curves to extend.
        self.fresh = state.progress is None
        state.progress = _progress_for(estimator, state, evaluation, self.batching.is_full)
        if not estimator.average or state.progress.new_penalty or (
                not streaming and self.batching.is_full(state.progress.n_growths)):
            # Averaging switched off, a new penalty (whose steps' average starts
            # afresh), or a warm fit at full batch after averaged mini-batches
            # (exact steps): training goes on from the model that coef_ showed.
            continue_from_average(state)

    @property
    def progress(self):
        """Progress : Where training stands: the monitor, schedule position and growths."""
        return self.state.progress

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
        previous = estimator._fit_state if resume else None
        # A warm start continues the random stream of the fit it resumes.
        state = previous.resumed(components.solver, data.y_ndim) if resume else None
        rng = state.rng if resume else check_random_state(estimator.random_state)
        train_rows = validation_rows = split = None
        if estimator.early_stopping and held_out is None:
            split = _validation_split(estimator, to_numpy(data.sample_weight), rng, previous)
            train_rows, validation_rows = split[1]
        moments = _measure(estimator, data, _training_weights(data, train_rows))
        if resume:
            state.split = split or previous.split
            state.restandardize(moments, _standardizing(estimator))
        else:
            state = fresh_state(estimator, components, moments, data, rng, dtype=data.dtype)
            # A fit without a split keeps the last one, for a later warm start.
            if split is None and hasattr(estimator, "_fit_state"):
                split = estimator._fit_state.split
            state.split = split
        objective = _objective(components, state, data, train_rows)
        if estimator.warm_start and data.namespace is None:
            # A warm-started path refits the same data: its normal equations
            # are kept, and reused where the data are the same bit for bit.
            state.kept_equations = state.kept_equations or KeptEquations()
            objective.kept_equations = state.kept_equations
        evaluation = None
        if held_out is not None:
            evaluation = _held_out_evaluation(estimator, components, state, held_out, None)
        elif estimator.early_stopping:
            evaluation = _held_out_evaluation(estimator, components, state, data, validation_rows)
        return cls(estimator, components, state, objective, evaluation, namespace=data.namespace)

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
        if hasattr(estimator, "_fit_state"):
            state = estimator._fit_state.resumed(components.solver, data.y_ndim)
            if state.moments is not None:
                state.add_rows(_measure(estimator, data, data.sample_weight),
                               _standardizing(estimator), components.solver)
        else:
            state = fresh_state(
                estimator, components, _measure(estimator, data, data.sample_weight), data,
                check_random_state(estimator.random_state), dtype=data.dtype,
            )
        objective = _objective(components, state, data, None)
        return cls(estimator, components, state, objective, streaming=True,
                   namespace=data.namespace)

    def train(self, **options):
        """Train from the state, then save it and record the outcome on the estimator.

        Parameters
        ----------
        **options
            ``max_iter``, ``act_on_stalls``, ``callbacks``, as
            :class:`~sklearn_adam._training.TrainingPlan` takes them.

        Returns
        -------
        history : History
        """
        estimator = self.estimator
        if self.fresh:
            for name, value in _FRESH_ATTRIBUTES.items():
                setattr(estimator, name, copy.copy(value))
            for name in _LOSS_ATTRIBUTES:
                # A loss's own attribute does not outlive the fits of that loss.
                vars(estimator).pop(name, None)
        # Every row seen, and nothing else deciding when to stop.
        objective, exact = objective_to_train(
            self.objective, not self.streaming and self.evaluation is None)
        plan = TrainingPlan(
            objective, self.components.solver, self.components.schedule, self.batching,
            shuffle=estimator.shuffle, validation=self.evaluation, verbose=estimator.verbose,
            streaming=self.streaming, average=estimator.average, **options,
        )
        history = train_to_exact(self.state, plan) if exact else train(self.state, plan)
        if not self.streaming and self.evaluation is None:
            history = finish_collapsed_scale(self.state, objective, history)
        self.state.save(estimator, self.components.solver, self.namespace)
        _record(estimator, self.state, history, self.objective.n_samples,
                self.fitted_attributes)
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
        return _fitted_attributes(self.state, params, self.namespace)


def fresh_state(estimator, components, moments, data, rng, *, dtype):
    """A fresh start of ``estimator``'s fit on ``data``, standardized by ``moments``.

    Parameters
    ----------
    estimator : AdamLinearRegressor
    components : Components
    moments : tuple of ColumnMoments
        ``(x_moments, y_moments)`` of the training rows.
    data : FitData or DaskData
        The validated data: the shapes of ``X`` and ``y``, and ``y_ndim``.
    rng : numpy.random.RandomState
    dtype : numpy dtype
        The data's, as NumPy names it.

    Returns
    -------
    state : FitState
    """
    datafit = components.datafit
    targets = None
    if extra_parameters(datafit):
        # The start of the datafit's own parameters reads the targets (for a
        # dask y, gathered: one column per target).
        y = to_numpy(data.y)
        weight = (np.ones(y.shape[0], dtype=y.dtype) if data.sample_weight is None
                  else to_numpy(data.sample_weight))
        targets = (y, weight)
    return FitState.start(
        (estimator.fit_intercept, estimator.standardize), moments, _standardizing(estimator),
        (data.y.shape[1], data.X.shape[1]), dtype, rng, data.y_ndim, components.solver,
        datafit, targets,
    )


def _record(estimator, state, history, n_samples, fitted_attributes):
    """Set the public attributes that record the trained epochs."""
    progress = state.progress
    estimator.n_steps_ += sum(history.n_steps)
    # Samples seen, as scikit-learn counts them: every row of an epoch
    # that took steps, none of an epoch that converged without one.
    estimator.t_ += n_samples * sum(1 for n in history.n_steps if n)
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
        estimator.validation_epochs_ = (
            (estimator.validation_epochs_ or []) + history.validation_epochs
        )
    # The best score describes the kept coefficients only while a
    # validation score picks them.
    estimator.best_validation_score_ = (
        progress.monitor.best if progress.monitors_validation else None
    )
    kept = state.model_params() if progress.best_params is None else progress.best_params
    for name, value in fitted_attributes(kept).items():
        setattr(estimator, name, value)


def _validation_split(estimator, sample_weight, rng, previous):
    """Training and validation rows; a warm start keeps its split while n_samples stays."""
    key = (sample_weight.shape[0], estimator.validation_fraction)
    if previous is not None and previous.split is not None and previous.split[0] == key:
        # The same rows, perhaps weighted otherwise this time.
        check_split_weights(sample_weight, *previous.split[1], estimator.validation_fraction)
        return previous.split
    return key, split_validation(sample_weight, estimator.validation_fraction, rng)


def _objective(components, state, data, rows):
    """The objective of ``components``' datafit and penalty on ``rows`` of ``data`` (None: all)."""
    if data.namespace is not None:
        return NamespaceObjective(
            data.X, data.y, data.sample_weight, datafit=components.datafit,
            penalty=components.penalty, standardization=state.standardization, rows=rows,
            namespace=data.namespace, weight_unit=data.weight_unit,
        )
    training_rows = TrainingRows(data.X, data.y, data.sample_weight, rows)
    return Objective(components.datafit, components.penalty, training_rows,
                     state.standardization, data.weight_unit)


def _held_out_evaluation(estimator, components, state, data, rows):
    """Validation loss and score on ``rows`` of ``data`` (all of it when None).

    A scorer is given the data as the caller passed them (a DataFrame keeps
    its column names), with the weights as validated.
    """
    objective = _objective(components, state, data, rows)
    scorer = components.scorer
    if scorer is None:
        varying = varying_targets(to_numpy(data.y), to_numpy(data.sample_weight), rows)
        if not varying.any():
            where = ("y_val is" if rows is None else
                     f"y is, over the rows held out by validation_fraction="
                     f"{estimator.validation_fraction},")
            # Every loss's score divides by the loss of the best constant,
            # which is zero exactly where the targets do not vary.
            score = "R^2" if components.datafit.default_scoring == "r2" else "D^2"
            raise ValueError(
                f"{where} constant on the validation rows of positive weight, so {score}, "
                "the validation score of scoring=None, is undefined. Pass validation "
                "rows whose targets vary, or a scoring such as "
                "'neg_mean_squared_error'."
            )
        return HeldOutEvaluation(objective, varying=varying, equations=_equations(objective))
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
        for name, value in _fitted_attributes(state, params, data.namespace).items():
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

    return HeldOutEvaluation(objective, score, equations=_equations(objective))


def _equations(objective):
    """The normal equations of held-out rows, where they score them for less than a pass."""
    X = objective.data.X if isinstance(objective, Objective) else objective.X
    if not (normal_equations_serve(objective) and normal_equations_pay_off(X, objective.n_samples)):
        return None
    return objective.normal_equations()


def _progress_for(estimator, state, evaluation, full_after):
    """The progress to train on (fresh on a new fit), monitoring the right value.

    ``state`` is the run's fit state, whose progress is the run's own copy;
    ``evaluation`` is the held-out evaluation of this call, or None when the
    training loss is monitored; ``full_after(n_growths)`` says whether the
    batch then holds every training row.
    """
    validating = evaluation is not None
    coef = state.params[0]
    n_params = sum(p.size for p in state.params)
    target = gradient_target(estimator.tol, coef.dtype, n_params)
    progress = state.progress
    penalty = (estimator.penalty, estimator.alpha, estimator.l1_ratio)
    if progress is None:
        progress = Progress(estimator.validation_tol, target, estimator.n_iter_no_change)
        progress.watch(validation=validating, full_batch=full_after(0))
        progress.follow_penalty(penalty)
        return progress
    progress.follow_penalty(penalty)
    full_batch = full_after(progress.n_growths)
    progress.configure(estimator.validation_tol, target, estimator.n_iter_no_change, full_batch)
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
    """How ``estimator`` centers and scales: keywords of the standardization.

    The targets are centered and scaled as the features are, where the
    estimator's datafit's own class allows it, and centered where its link
    maps their mean (for a log link, the log of their mean).
    """
    datafit, _ = estimator._objective_parts()
    center = estimator.fit_intercept and estimator.standardize
    # On the datafit's own word: a subclass that changes the loss may not
    # take the targets' scale into it, as its parent does.
    return {"center": center, "scale": estimator.standardize,
            "center_y": center and declares(datafit, "centers_y"),
            "scale_y": estimator.standardize and declares(datafit, "scales_y"),
            "y_link": datafit.link}


def _measure(estimator, data, sample_weight):
    """The column moments of ``data`` weighted by ``sample_weight``, measured where they live."""
    flags = _standardizing(estimator)
    measured = {"center": flags["center"], "scale": flags["scale"]}
    if data.namespace is None:
        return measure(data.X, data.y, sample_weight, **measured)
    return measure_in_namespace(data.namespace, data.X, data.y, sample_weight, **measured)


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


def _fitted_attributes(state, params, namespace):
    """``coef_`` and ``intercept_`` of ``params``, in ``namespace`` when there is one.

    There, as scikit-learn's ``Ridge`` gives it, a single target's fitted
    intercept is a 0-d array in the coefficients' dtype, on their device;
    without an intercept fitted, it stays the number 0.0.
    """
    attributes = state.fitted_attributes(params)
    if namespace is None:
        return attributes
    fit_intercept = state.structure[0]
    if fit_intercept and state.y_ndim == 1:
        attributes["intercept_"] = np.asarray(attributes["intercept_"],
                                              dtype=attributes["coef_"].dtype)
    return namespace.moved_attributes(attributes)


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
