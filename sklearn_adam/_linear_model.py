"""AdamLinearRegressor: the scikit-learn estimator around the solver."""

import contextlib
import inspect
import warnings

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted, validate_data

from ._callbacks import (
    CALLBACKS_AVAILABLE,
    CallbackSupportMixin,
    EpochCallbacks,
    with_callbacks,
)
from ._compat import upgrade_state
from ._data import check_fit_data, check_held_out_data, check_validation_arguments
from ._distributed import is_dask_collection
from ._fit import TrainingRun
from ._namespace import ArrayNamespace, check_fitted_namespace, fitted_on_host, to_numpy
from ._objective._datafits import check_targets, null_prediction
from ._objective._layout import extra_parameters
from ._objective._losses import datafit_for, penalty_for
from ._parameters import checked_components


class AdamLinearRegressor(CallbackSupportMixin, RegressorMixin, BaseEstimator):
    """Linear regression trained by the Adam optimizer, for least squares and other losses.

    By default minimizes the same objective as
    :class:`~sklearn.linear_model.Ridge`, ``sum_i s_i (y_i - x_i w - b)**2 +
    alpha * ||w||**2`` (``s`` the sample weights), by mini-batch Adam
    (Kingma & Ba, 2014) or one of its variants. With ``alpha=0`` it is
    ordinary least squares, like
    :class:`~sklearn.linear_model.LinearRegression`. ``loss`` selects
    HuberRegressor's, QuantileRegressor's, PoissonRegressor's or
    GammaRegressor's objective instead (see the user guide's "Losses"
    page).

    By default the solver works on standardized data: features and targets
    are centered and scaled (with the sample weights) before training and the
    coefficients are mapped back afterwards, without copying ``X``. This makes
    the learning rate independent of the units of the data. Set
    ``standardize=False`` for the plain Adam of the paper on the raw data.

    Training runs epochs (passes over the training rows) until the stopping
    rule ends it or ``max_iter`` is reached. When every epoch is one
    full-batch step (the default, see ``batch_size``), training has
    *converged* once the norm of the exact gradient of the training
    objective is at most ``tol``: the coefficients are then within
    about ``tol`` divided by the smallest eigenvalue of the standardized
    Hessian of the optimum, whatever the solver or schedule. Mini-batch epochs
    cannot converge that way: once an epoch's batch gradients spread about
    their mean by more than the mean's norm (the norm test of Byrd et al.,
    2012), steps on batches of that size only jitter about the optimum, and
    the batch grows to every row; after ``n_iter_no_change`` epochs in a row
    without progress of the loss it grows by ``batch_growth``. At full
    batch, a stall (``10 * n_iter_no_change`` steps in which neither the loss
    nor the gradient norm reached a new low) lowers the rate under
    ``schedule="plateau"`` and otherwise ends training short of ``tol``.
    With ``early_stopping``, training also ends, as in scikit-learn, once the
    validation score has not risen by ``validation_tol`` in
    ``n_iter_no_change`` epochs (ten times as many where the fit started at
    full batch), and the best epoch is kept. A :class:`~sklearn.exceptions.ConvergenceWarning`
    says when a fit ended short of ``tol`` without early stopping.

    Parameters
    ----------
    learning_rate : float, default=0.01
        Base step size of the solver, > 0; the ``schedule`` scales it per
        epoch. With ``standardize=True`` the coefficients the solver moves
        are those of standardized data (of order one), so the same rate suits
        data of any scale.
    solver : {"adam", "amsgrad", "adamw", "nadam", "adamax"} or object, \
            default="adam"
        The update rule: :class:`~sklearn_adam.Adam`,
        :class:`~sklearn_adam.AMSGrad`, :class:`~sklearn_adam.AdamW`,
        :class:`~sklearn_adam.NAdam` or :class:`~sklearn_adam.Adamax`, built
        from the hyperparameters below. Any other object must follow the
        solver protocol, :class:`~sklearn_adam.Solver` (methods
        ``init(params)`` and ``update(grads, state, learning_rate, params)``,
        where ``params``, passed by that name, is ``[coef, None]``: the
        current coefficients it may decay, None for the intercept); it is
        copied, never modified, and its own hyperparameters apply, so those
        below are then ignored (they are still checked). The step size always
        comes from ``learning_rate`` and ``schedule``. An ``update`` without
        ``params`` (version 0.1 of the protocol) is still accepted.
    beta_1 : float, default=0.9
        Decay rate of the first-moment (gradient) average, in [0, 1). Values
        nearer 1 (0.99) help on ill-conditioned data.
    beta_2 : float, default=0.999
        Decay rate of the second-moment (squared gradient) average, or of the
        infinity norm for "adamax", in [0, 1).
    epsilon : float, default=1e-8
        Added to the denominator of the step for numerical stability, >= 0.
        With 0, a coefficient whose gradients have all been zero (that of a
        constant feature) takes no step.
    epsilon_placement : {"corrected", "raw"}, default="corrected"
        Where ``epsilon`` goes. "corrected" adds it to the root of the
        bias-corrected second moment, as Algorithm 1 of the paper; "raw" adds
        it to the root of the uncorrected one, as the paper's "efficient"
        form, scikit-learn's ``MLPRegressor`` and Keras do.
    weight_decay : float, default=0.01
        Decoupled weight decay of "adamw", >= 0: each step also shrinks the
        coefficients (not the intercept) by ``learning rate * weight_decay``
        times themselves. With ``standardize=True`` these are the
        coefficients of standardized data. Ignored by the other solvers.
    momentum_decay : float, default=0.004
        Speed at which the momentum of "nadam" warms up to ``beta_1``, >= 0
        (``psi`` in Dozat, 2016). Ignored by the other solvers.
    loss : {"squared_error", "huber", "absolute_error", "quantile", "poisson", \
            "gamma"}, default="squared_error"
        The loss of each prediction. "squared_error" is Ridge's (and
        LinearRegression's at ``alpha=0``); "huber" is HuberRegressor's,
        its scale estimated with the coefficients (``scale_``);
        "absolute_error" and "quantile"
        fit a conditional median and quantile (QuantileRegressor's pinball
        loss); "poisson" and "gamma" take a log link, as PoissonRegressor and
        GammaRegressor: ``predict`` returns the mean ``exp(X @ coef_ +
        intercept_)`` and ``score`` is the fraction of deviance explained,
        D^2. The user guide's "Losses" page writes out each objective.
    quantile : float, default=0.5
        The quantile that ``loss="quantile"`` estimates, in (0, 1).
    huber_epsilon : float, default=1.35
        HuberRegressor's ``epsilon`` for ``loss="huber"``, >= 1: residuals
        beyond ``huber_epsilon`` times the jointly fitted scale count
        linearly. (``epsilon`` is Adam's.)
    alpha : float, default=0.0
        L2 penalty on the coefficients (not the intercept), >= 0. With the
        squared error, exactly Ridge's meaning; with "huber", "poisson" and
        "gamma", that of HuberRegressor, PoissonRegressor and GammaRegressor;
        with "absolute_error" and "quantile", ``alpha / 2 * ||w||**2`` next
        to the weighted mean loss (QuantileRegressor's ``alpha`` is an L1
        penalty's; the two agree at ``alpha=0``). The user guide's "Losses"
        page writes out each objective. With ``penalty="l1"`` or
        ``"elasticnet"``, ElasticNet's meaning instead, for every loss.
    penalty : {"l2", "l1", "elasticnet"}, default="l2"
        The penalty on the coefficients. "l2" is the ridge penalty above.
        "l1" and "elasticnet" add ``alpha * (l1_ratio * ||w||_1 + (1 -
        l1_ratio) / 2 * ||w||**2)`` to the weighted mean loss (half the
        squared error: exactly Lasso's and ElasticNet's objective; the
        pinball loss: QuantileRegressor's at ``penalty="l1"``). They are
        trained by proximal steps in the solver's own metric, which set
        coefficients exactly to zero, and the fit stops on the distance of
        the negative gradient to the penalty's subdifferential. The user
        guide's "Penalties" page writes out each combination.
    l1_ratio : float or None, default=None
        The share of the L1 part of ``penalty="elasticnet"``, in [0, 1];
        None means 0.5. Only for "elasticnet" ("l1" is 1, "l2" has none).
    fit_intercept : bool, default=True
        Whether to fit an intercept.
    standardize : bool, default=True
        Whether the solver works on standardized features and targets.
    batch_size : int, "auto", "full" or None, default="auto"
        Number of rows per solver step. "full" or None uses all rows
        (full-batch Adam), and so does "auto" in :meth:`fit`: exact steps
        reach a precise answer in fewer passes over ``X`` than mini-batches,
        which must grow to a full batch to get there. Where ``X`` has at
        most 2048 columns and a step through the normal equations (moments
        of the data gathered in one pass) costs less than a pass over ``X``
        (dense: at most twice as many columns as rows; sparse: at most twice
        as many squared columns as non-zeros), the steps take no pass at
        all, and thousands of them cost less than ``LinearRegression``'s
        solve. In :meth:`partial_fit`, "auto" uses ``min(200, n_samples)``
        rows. Values above the number of training rows are clipped to it.
    shuffle : bool or "batches", default=True
        Whether to visit the rows in a new random order each epoch. "batches"
        cuts the rows, as they lie, into batches of contiguous rows once and
        visits those batches in a new random order each epoch: every batch
        always holds the same rows, so the gradient noise is less random, but
        reading contiguous rows is several times faster on data much larger
        than the processor's caches (see ``benchmarks/speed.py``). Use it on
        rows already in random order.
    max_iter : int, default=100_000
        Maximum number of epochs per call to ``fit``, >= 1. A full-batch epoch
        is one step, which through the normal equations costs microseconds
        on a few dozen features; ill-conditioned problems take tens of
        thousands of them.
    tol : float, default=1e-10
        The precision of the fit, >= 0: training has converged once the norm
        of the exact gradient of the training objective is at most ``tol``.
        With ``standardize=True`` the objective is half the weighted mean
        squared error over the target's variance (plus the penalty on the
        same scale) and the gradient is taken with respect to the
        standardized coefficients, so ``tol`` has the same meaning for data
        of any units; ``tol=1e-12`` gives scikit-learn's own precision
        (relative 1e-7 on the coefficients) on well-conditioned problems. A
        ``tol`` below the rounding of the parameters' dtype is raised to it
        (for float32, about ``1e-6`` times the root of the number of
        parameters). With ``early_stopping`` too, a full-batch fit whose
        gradient gets within ``tol`` has converged; the validation score's
        own threshold is ``validation_tol``. For "absolute_error" and
        "quantile", whose loss has no gradient where a residual is zero,
        ``tol`` bounds the distance of zero to the objective's
        subdifferential instead: ``fit`` trains on the loss smoothed over a
        width that shrinks, and finishes at the exact minimizer that the
        rows' split suggests, certified by that distance (zero at a
        minimizer, up to rounding); see the user guide's "Losses" page.
        ``partial_fit`` and early stopping train on the loss smoothed over
        a thousandth of the targets' scale, without the finish.
    n_iter_no_change : int, default=20
        Number of epochs in a row without progress after which the monitored
        value has stalled, >= 1; at full batch, where an epoch is a single
        step and Adam's momentum can swing for a few hundred, ten times as
        many. With ``early_stopping``, the epochs without a rise of the
        validation score by ``validation_tol`` that end training.
    schedule : {"constant", "inverse_time", "step", "cosine", "plateau"} or \
            LearningRateSchedule, default="plateau"
        How the rate changes over epochs; see
        :class:`~sklearn_adam.LearningRateSchedule` for the formulas.
        "plateau" lowers it when the monitored value stalls once the batch
        holds every row, the others follow the epoch count (a full-batch
        epoch is one step: count "decay_epochs" in thousands there). Under
        the default "plateau", full-batch Adam recovers from the bursts of
        large steps that come as its second moments forget larger past
        gradients; a reduction counts against the limit of three only when
        the gradient reached no new low since the last one. A name is
        combined with
        ``learning_rate``, ``decay_factor``, ``decay_epochs`` and
        ``warmup_epochs``; a :class:`~sklearn_adam.LearningRateSchedule`
        instance is used as it is, its own base rate and decay included, so
        those four are then ignored (they are still checked), as a custom
        solver's own hyperparameters are. An instance is cloned like any
        parameter and can be one of the values a grid search tries.
    decay_factor : float, default=0.1
        Fraction of the rate left after ``decay_epochs`` epochs
        ("inverse_time", "step", "cosine") or after each stall ("plateau"),
        in (0, 1].
    decay_epochs : int, default=100
        Epochs over which the rate falls by ``decay_factor``, >= 1.
    warmup_epochs : int, default=0
        Number of first epochs during which the rate rises linearly to
        ``learning_rate``, >= 0; any decay starts after them.
    batch_growth : float, default=2.0
        Factor by which the batch size grows at each stall of the mini-batch
        loss, up to all training rows, >= 1; 1 keeps the batch size fixed.
        Larger batches average out the noise of mini-batch gradients, so the
        fit settles on the optimum instead of hovering around it. Where an
        epoch's batch gradients were mostly noise (their spread about their
        mean larger than the mean's norm), the batch grows to all training
        rows at once, unless ``batch_growth=1``: in ``fit``, batches of
        ``batch_size`` rows train until they can only jitter about the
        optimum, then exact steps finish at ``tol``.
    average : bool, default=True
        Whether the model of stochastic steps is the average of their
        iterates, as with ``SGDRegressor(average=True)``. Steps on
        mini-batches at a steady rate hover around the optimum at a distance
        set by the rate, whatever the data; their average, weighted toward
        the later steps (polynomial-decay averaging, Shamir and Zhang 2013:
        the ``k``-th step's parameters join the average with weight
        ``4 / (k + 3)``), settles near the statistical limit: one pass of
        ``partial_fit`` over a stream ends near the optimum, and further
        passes get nearer. Every step of a mini-batch epoch of :meth:`fit`
        and every step of :meth:`partial_fit` is averaged; ``coef_`` and
        ``intercept_`` are then those of the average (and early stopping
        scores it), while training continues from the last step. When the
        batch grows to every row, training continues from the average and
        averaging ends: full-batch steps are exact. The average resumes
        with warm starts, ``partial_fit`` and pickles. With
        ``penalty="l1"`` or ``"elasticnet"``, the model is the average put
        through the penalty's soft threshold, by the averaged thresholds of
        the steps (the user guide's "Penalties" page): the plain average
        where the steps kept a coefficient's sign, and exactly zero where
        they kept it at zero, as the lasso's zeros are.
    early_stopping : bool, default=False
        Whether to monitor a score on held-out data instead of the training
        objective, stop once it has not risen by ``validation_tol`` in
        ``n_iter_no_change`` epochs (growing the batch or lowering the rate
        never postpones that), and keep the coefficients of the epoch that
        scored best. The held-out data are ``X_val`` and ``y_val`` when
        passed to ``fit``, else ``validation_fraction`` of the training rows.
        They are scored after each epoch, or every few epochs where scoring
        them would cost more than a fifth of an epoch's work (full-batch
        steps through the normal equations cost little more than a scoring:
        there, every fifth), yet always after the first epoch and at least
        20 times within the patience, as the kept epoch is a scored one; a
        call that ends at ``max_iter`` between two scorings keeps the best
        scored epoch, so that warm fits give what one long fit gives.
        With the default ``scoring`` and the squared error, the loss and
        score of held-out rows come from their normal equations, gathered
        once, without a pass over them.
    validation_fraction : float, default=0.1
        Fraction of rows held out with ``early_stopping`` when no ``X_val`` is
        given, in (0, 1); it must leave at least two validation rows and one
        training row.
    validation_tol : float, default=1e-4
        With ``early_stopping``, the smallest rise of the validation score
        over its best so far that counts as progress, >= 0, in the score's
        units (R^2 for ``scoring=None``), as ``tol`` is in
        :class:`~sklearn.neural_network.MLPRegressor` and
        :class:`~sklearn.linear_model.SGDRegressor`.
    scoring : str, callable or None, default=None
        Validation score with ``early_stopping``: None for R^2, or any
        scikit-learn scorer name (e.g. "neg_mean_absolute_error") or
        ``scorer(estimator, X, y)``; greater is better.
    warm_start : bool, default=False
        Whether ``fit`` continues the previous fit: coefficients, solver
        state, schedule position, batch size, stall count, validation split
        and random stream, so that two fits of ``k`` epochs on the same data
        give the same model as one fit of ``2 k`` epochs. The previous fit
        only initializes: ``fit`` standardizes on its own data, as a fit
        from scratch would, and starts from the previous standardized
        coefficients and solver moments, so data shifted or rescaled since
        (``y * c``, ``y + c``, ``X + c``, ``X * c``) are solved to the
        precision of a fit from scratch, and ``tol`` is judged in their
        units. The best epoch kept by early stopping is scored again on this
        call's validation data. Changing ``fit_intercept`` or
        ``standardize`` starts afresh.
    random_state : int, RandomState instance or None, default=None
        Seeds the validation split and the shuffles. An int gives the same
        coefficients, bit for bit, on every fit.
    verbose : bool or int, default=False
        Print epochs' records: training loss, validation loss and score,
        learning rate, gradient norm, batch size and elapsed time, followed,
        after an epoch where the batch grew, the rate fell or training
        stopped, by what happened and why. The first epoch, every epoch with
        such an event and the last are printed, and otherwise one at most
        every half second, so that a fit of thousands of epochs a second
        prints a few lines and runs at the speed of a quiet one. Any value
        that is true (``True``, 1, 2, ...) prints, as with ``SGDRegressor``
        and ``MLPRegressor``.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
        Coefficients in the units of the data; after stochastic steps with
        ``average=True``, those of the averaged iterate.
    intercept_ : float or ndarray of shape (n_targets,)
        Intercept; 0.0 when ``fit_intercept=False``. With scikit-learn's
        array API dispatch on, an array of the data's namespace on their
        device, as with :class:`~sklearn.linear_model.Ridge`: of shape
        (n_targets,), or 0-d for a single target.
    scale_ : float or ndarray of shape (n_targets,)
        With ``loss="huber"`` only: the scale fitted jointly with the
        coefficients, in the targets' units, as HuberRegressor's ``scale_``
        (residuals beyond ``huber_epsilon * scale_`` are its outliers).
    n_iter_ : int
        Number of epochs run, summed over warm starts and ``partial_fit`` calls.
    t_ : int
        Number of training samples seen by the solver, likewise summed, as
        in :class:`~sklearn.neural_network.MLPRegressor`: the training rows
        of every epoch that took steps. A full-batch epoch that converged
        takes no step (the coefficients are those whose gradient was judged)
        and adds none.
    n_steps_ : int
        Number of solver steps (batches) taken, likewise summed.
    loss_curve_ : list of float
        Training objective of each epoch, averaged over the epoch's batches,
        each taken before its step; on the standardized scale described under
        ``tol``.
    gradient_norm_curve_ : list of float
        Norm of each epoch's gradient of the objective (on the standardized
        scale): the batch gradients averaged over the epoch; with one full
        batch, the exact gradient before the epoch's step, the value that
        ``tol`` is compared with.
    learning_rate_curve_ : list of float
        Learning rate used in each epoch.
    batch_size_curve_ : list of int
        Nominal number of rows per batch in each epoch, which grows at stalls
        by ``batch_growth`` (a short last batch is not counted apart).
    best_loss_ : float
        Smallest value in ``loss_curve_``.
    validation_loss_curve_ : list of float or None
        Loss on the held-out data after each scored epoch (see
        ``early_stopping``), on the scale of ``loss_curve_`` without the
        penalty, with ``early_stopping``.
    validation_scores_ : list of float or None
        Score on the held-out data after each scored epoch, with
        ``early_stopping``.
    validation_epochs_ : list of int or None
        The epochs after which the held-out data were scored, counted as
        ``n_iter_`` counts them, with ``early_stopping``: every epoch, or
        every few (see ``early_stopping``).
    best_validation_score_ : float or None
        Score, on the last fit's held-out data, of the kept coefficients:
        those of the best epoch (after a warm start, an earlier fit's best
        epoch is scored again on the new data). None without
        ``early_stopping``, and after a ``partial_fit``, whose coefficients
        no score picked.
    solver_ : object
        The solver used (built from the hyperparameters, or a copy of
        ``solver``).
    solver_state_ : object
        The solver's state after the last step, e.g. :class:`AdamState`.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the features seen during fit, when ``X`` has string column
        names.

    See Also
    --------
    sklearn.linear_model.Ridge : The same objective, solved in closed form.
    sklearn.linear_model.SGDRegressor : Linear model trained by plain SGD.
    sklearn.neural_network.MLPRegressor : Trained by Adam, without
        standardization or a decaying rate.

    Notes
    -----
    With scikit-learn 1.9 or later the estimator supports
    :mod:`sklearn.callback`: ``set_callbacks(ProgressBar())`` shows a bar over
    epochs, ``ScoringMonitor`` scores the model of every epoch, and a callback
    that returns True at the end of an epoch stops training. Callbacks act on
    ``fit``, not ``partial_fit``.

    Like every scikit-learn estimator, it also has ``set_fit_request``,
    ``set_partial_fit_request`` and ``set_score_request``, which request
    metadata (``sample_weight``, ``X_val``, ...) when metadata routing is
    enabled; see scikit-learn's metadata routing guide.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn_adam import AdamLinearRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> model = AdamLinearRegressor(random_state=0).fit(X, y)
    >>> round(model.score(X, y), 3)
    0.518
    """

    def __init__(
        self,
        *,
        learning_rate=0.01,
        solver="adam",
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        epsilon_placement="corrected",
        weight_decay=0.01,
        momentum_decay=0.004,
        loss="squared_error",
        quantile=0.5,
        huber_epsilon=1.35,
        alpha=0.0,
        penalty="l2",
        l1_ratio=None,
        fit_intercept=True,
        standardize=True,
        batch_size="auto",
        shuffle=True,
        max_iter=100_000,
        tol=1e-10,
        n_iter_no_change=20,
        schedule="plateau",
        decay_factor=0.1,
        decay_epochs=100,
        warmup_epochs=0,
        batch_growth=2.0,
        average=True,
        early_stopping=False,
        validation_fraction=0.1,
        validation_tol=1e-4,
        scoring=None,
        warm_start=False,
        random_state=None,
        verbose=False,
    ):
        self.learning_rate = learning_rate
        self.solver = solver
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.epsilon_placement = epsilon_placement
        self.weight_decay = weight_decay
        self.momentum_decay = momentum_decay
        self.loss = loss
        self.quantile = quantile
        self.huber_epsilon = huber_epsilon
        self.alpha = alpha
        self.penalty = penalty
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.standardize = standardize
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.schedule = schedule
        self.decay_factor = decay_factor
        self.decay_epochs = decay_epochs
        self.warmup_epochs = warmup_epochs
        self.batch_growth = batch_growth
        self.average = average
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.validation_tol = validation_tol
        self.scoring = scoring
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.multi_output = True
        tags.array_api_support = True
        # The deviances take positive targets only.
        tags.target_tags.positive_only = self.loss in ("poisson", "gamma")
        return tags

    @with_callbacks
    def fit(self, X, y, sample_weight=None, *, X_val=None, y_val=None, sample_weight_val=None):
        """Fit the model by mini-batch Adam.

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array} of shape (n_samples, n_features)
            Training data. Sparse CSR and CSC input is used without densifying.
            float32 data are trained and predicted in float32. A dask array
            (or dask DataFrame) is never gathered: each of its blocks of rows
            is read where it lives, at full batch; see the user guide's
            "Fitting on a dask cluster". A memory-mapped array
            (``numpy.load(path, mmap_mode="r")``) is read a part at a time,
            its pages released after each, so the fit's resident memory
            stays a small fraction of the file.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Target values; with a dask ``X``, a dask array too, or in memory.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the samples; None gives every sample
            weight one.
        X_val : {array-like, sparse matrix} of shape (n_val, n_features), \
                default=None
            Held-out data for ``early_stopping``, instead of splitting off
            ``validation_fraction`` of ``X``. Needs ``early_stopping=True``.
            In a :class:`~sklearn.pipeline.Pipeline`, route it with metadata
            routing (``set_fit_request(X_val=True, y_val=True)``) and pass
            ``transform_input=["X_val"]`` to the pipeline, so that the earlier
            steps transform it as they transform ``X``.
        y_val : array-like of shape (n_val,) or (n_val, n_targets), default=None
            Targets of ``X_val``.
        sample_weight_val : array-like of shape (n_val,), default=None
            Weights of the rows of ``X_val``.

        Returns
        -------
        self : AdamLinearRegressor
            The fitted estimator.
        """
        with self._unchanged_on_failure():
            return self._fit(X, y, sample_weight, X_val, y_val, sample_weight_val)

    def partial_fit(self, X, y, sample_weight=None):
        """Run one epoch over ``X``, continuing from the previous state.

        The standardization (feature and target centers and scales) is
        that of every row trained on since the last ``fit`` (whose
        statistics are those of its training rows): each call merges the
        weighted means and variances of its rows into running ones (Chan et
        al.'s update), and where they change, maps the coefficients so that
        ``coef_`` stays as it was, the intercept so that it follows the
        centers (the running means, the intercept's best estimate: the
        model's prediction at the center of ``X`` stays the center of ``y``
        plus what training added), and the solver's moments with them. No
        chunk is special: one-row chunks learn, a first chunk of one row
        ends where it would have ended last, and a feature constant in the
        first chunks is learned once it varies. Calls keep
        the solver state, the schedule position and the batch size
        (including any growth during an earlier ``fit``): the k-th call uses
        the rate that the k-th epoch of ``fit`` would. Stalls are not acted on (no
        batch growth, no "plateau" reduction, no stopping), there is no
        validation, and callbacks are not called. Under the default
        ``schedule="plateau"`` the rate therefore stays at
        ``learning_rate``, and with ``average=True`` (the default) ``coef_``
        and ``intercept_`` are those of the average of the iterates of every
        step, which the noise of the steps does not keep from the optimum
        (the averaged iterate is mapped to new centers and scales as the
        coefficients are); without it, a schedule such as "inverse_time"
        lowers the rate as chunks arrive. ``batch_size="auto"`` takes
        mini-batches of ``min(200, n_samples)`` rows of each chunk.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the samples.

        Returns
        -------
        self : AdamLinearRegressor
            The updated estimator.
        """
        with self._unchanged_on_failure():
            return self._partial_fit(X, y, sample_weight)

    def predict(self, X):
        """Predict with the fitted linear model.

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_targets)
            Predicted values; float32 when both ``X`` and the model are. For
            a dask ``X``, a dask array of them in its row blocks, not
            computed. With scikit-learn's array API dispatch on, an array of
            ``X``'s namespace, on its device, which must be those of the
            data the model was fitted on.
        """
        check_is_fitted(self)
        if is_dask_collection(X):
            from ._distributed._predict import predict_lazily

            return predict_lazily(self, X)
        check_fitted_namespace(X, self, "predict")
        namespace = ArrayNamespace.of(X)
        if namespace is not None:
            return self._predict_in_namespace(X, namespace)
        X = validate_data(
            self,
            X,
            accept_sparse=("csr", "csc"),
            dtype=(np.float64, np.float32),
            reset=False,
        )
        # A model fitted on arrays of another namespace, used with dispatch
        # off, predicts on NumPy data as scikit-learn converts them.
        coef, intercept = fitted_on_host(self)
        return self._link().inverse(np, np.asarray(X @ coef.T) + intercept)

    def score(self, X, y, sample_weight=None):
        """The coefficient of determination R^2, or for a log link the deviance explained D^2.

        With ``loss="poisson"`` or ``"gamma"``, as PoissonRegressor and
        GammaRegressor score: one minus the ratio of the weighted deviance
        of the predictions to that of each target's weighted mean, averaged
        over targets. Otherwise R^2, as every scikit-learn regressor's.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        score : float
        """
        datafit, _ = self._objective_parts()
        if datafit.link.name == "identity":
            return super().score(X, y, sample_weight=sample_weight)
        prediction = to_numpy(self.predict(X)).astype(np.float64)
        y = to_numpy(y).astype(np.float64).reshape(prediction.shape[0], -1)
        weight = (np.ones(y.shape[0]) if sample_weight is None
                  else to_numpy(sample_weight).astype(np.float64))
        check_targets(datafit, y)
        ones = np.ones(y.shape[1])
        with np.errstate(divide="ignore"):
            linear = datafit.link.forward(np, prediction.reshape(y.shape))
        deviance = weight @ datafit.pointwise(np, linear, y, ones)[0]
        null = null_prediction(datafit, y, weight)
        null_deviance = weight @ datafit.pointwise(np, np.broadcast_to(null, y.shape), y, ones)[0]
        return float(np.mean(1 - deviance / null_deviance))

    def _predict_in_namespace(self, X, namespace):
        """``predict`` on an array of ``namespace``: the product on its device."""
        xp = namespace.xp
        X = validate_data(self, X, dtype=namespace.float_dtypes, reset=False)
        coef = self.coef_
        dtype = xp.result_type(X.dtype, coef.dtype)
        X, coef = xp.astype(X, dtype, copy=False), xp.astype(coef, dtype, copy=False)
        linear = (X @ (coef if coef.ndim == 1 else xp.matrix_transpose(coef))) + self.intercept_
        return self._link().inverse(xp, linear)

    def _fit(self, X, y, sample_weight, X_val, y_val, sample_weight_val):
        components = checked_components(self)
        given_validation = check_validation_arguments(
            X_val, y_val, sample_weight_val, self.early_stopping
        )
        # Changing what the parameters are (an intercept or not, raw or
        # standardized coordinates) leaves nothing to continue from.
        resume = self.warm_start and self._continues_structure()
        if is_dask_collection(X):
            # Imports dask, which whoever made X has imported already.
            from ._distributed._training import training_run

            run, passed = training_run(self, components, X, y, sample_weight, resume=resume)
        else:
            data = check_fit_data(
                self, X, y, sample_weight, reset=not resume,
                n_targets=self._fit_state.params[0].shape[0] if resume else None,
            )
            held_out = None
            if given_validation:
                held_out = check_held_out_data(
                    self, X_val, y_val, sample_weight_val, n_targets=data.y.shape[1],
                    namespace=data.namespace,
                )
            run = TrainingRun.for_fit(self, components, data, held_out, resume)
            passed = data.passed
        X_passed, y_passed, weight_passed = passed
        callback_data = {
            "X": X_passed,
            "y": y_passed,
            "metadata": None if weight_passed is None else {"sample_weight": weight_passed},
        }
        # Epochs are subtasks named by their index: a progress display is told
        # of some only (see EpochCallbacks).
        context = self._init_callback_context(
            max_subtasks=self.max_iter, sequential_subtasks=False
        )
        context.call_on_fit_task_begin(estimator=self, **callback_data)
        history = run.train(
            max_iter=self.max_iter,
            callbacks=EpochCallbacks(
                context, self, **callback_data, fitted_attributes=run.fitted_attributes
            ),
        )
        if not history.converged:
            warnings.warn(
                _short_of_tol(self, history, run.progress.target),
                ConvergenceWarning,
                # Point at the caller of fit, past _fit and scikit-learn's wrapper.
                stacklevel=4 if CALLBACKS_AVAILABLE else 3,
            )
        context.call_on_fit_task_end(
            estimator=self, **callback_data, reconstruction_attributes={}
        )
        return self

    def _partial_fit(self, X, y, sample_weight):
        components = checked_components(self)
        first_call = not hasattr(self, "_fit_state")
        if not first_call and not self._continues_structure():
            fit_intercept, standardize = self._fit_state.structure
            if (fit_intercept, standardize) == (self.fit_intercept, self.standardize):
                raise ValueError(
                    f"loss={self.loss!r} trains other parameters than the loss of the first "
                    f"partial_fit call (parameters of its own: {self._fit_state.extra}). "
                    "Call fit to start afresh."
                )
            raise ValueError(
                "fit_intercept and standardize must stay as they were at the first "
                f"partial_fit call ({fit_intercept} and {standardize}); got "
                f"{self.fit_intercept} and {self.standardize}. Call fit to start afresh."
            )
        data = check_fit_data(
            self, X, y, sample_weight, reset=first_call,
            n_targets=None if first_call else self._fit_state.params[0].shape[0],
        )
        TrainingRun.for_partial_fit(self, components, data).train(
            max_iter=1, act_on_stalls=False
        )
        return self

    def _objective_parts(self):
        """The datafit and the penalty this estimator's settings ask for.

        Returns
        -------
        datafit : object
            The datafit of ``loss`` (see :mod:`sklearn_adam._objective._losses`).
        penalty : object
            The penalty of ``penalty`` (see :func:`penalty_for`).
        """
        datafit = datafit_for(self.loss, self.quantile, self.huber_epsilon)
        return datafit, penalty_for(self.penalty, self.alpha, self.l1_ratio)

    def _link(self):
        """The datafit's link: what turns the linear predictor into the prediction."""
        return self._objective_parts()[0].link

    def __setstate__(self, state):
        defaults = {name: parameter.default for name, parameter
                    in inspect.signature(type(self).__init__).parameters.items()
                    if parameter.default is not inspect.Parameter.empty}
        super().__setstate__(upgrade_state(state, defaults))

    def _continues_structure(self):
        """Whether a previous fit trained parameters of the same kind as these settings.

        The same intercept and coordinates, and the same parameters of the
        loss's own (the Huber loss's scale).
        """
        return hasattr(self, "_fit_state") and self._fit_state.structure == (
            self.fit_intercept, self.standardize
        ) and self._fit_state.extra == extra_parameters(self._objective_parts()[0])

    @contextlib.contextmanager
    def _unchanged_on_failure(self):
        """Put back the fitted state if fitting raises, so that no half-fit remains."""
        saved = {name: value for name, value in vars(self).items() if _is_fit_state(name)}
        try:
            yield
        except BaseException:
            for name in [name for name in vars(self) if _is_fit_state(name)]:
                delattr(self, name)
            for name, value in saved.items():
                setattr(self, name, value)
            raise


def _short_of_tol(estimator, history, target):
    """The ConvergenceWarning's message: how far the fit fell short, and what to do."""
    if estimator.early_stopping:
        return (
            f"AdamLinearRegressor reached max_iter={estimator.max_iter} epochs before the "
            "validation score stopped improving; increase max_iter."
        )
    if history.stationarity is not None:
        reached = (f"a distance of zero to the subdifferential of {history.stationarity:.3g}, "
                   f"short of tol={target:.3g}")
    else:
        reached = (f"a gradient norm of {history.gradient_norms[-1]:.3g}, short of "
                   f"tol={target:.3g}")
    if history.stalled:
        return (
            "AdamLinearRegressor stopped making progress (no batch growth or rate reduction "
            f"left) with {reached}; lower learning_rate, raise n_iter_no_change, or raise tol."
        )
    return (
        f"AdamLinearRegressor reached max_iter={estimator.max_iter} epochs with {reached}; "
        "increase max_iter, or raise tol."
    )


def _is_fit_state(name):
    # What fit and partial_fit set: the public fitted attributes (names
    # ending in "_") and what the next warm start resumes from.
    return name == "_fit_state" or (name.endswith("_") and not name.startswith("_"))
