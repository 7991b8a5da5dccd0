"""AdamLinearRegressor: the scikit-learn estimator around the solver."""

import copy
import math
import warnings

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_array, check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from ._loss import LeastSquares, Standardization
from ._solvers import Adam
from ._training import History, StoppingRule, check_finite, run_epoch, train
from ._validation import check_option, check_scalar

# batch_size="auto" uses mini-batches of this many rows, or one full batch
# when there are fewer samples.
AUTO_BATCH_SIZE = 200


class AdamLinearRegressor(RegressorMixin, BaseEstimator):
    """Linear least-squares regression trained by the Adam optimizer.

    Minimizes the same objective as :class:`~sklearn.linear_model.Ridge`,
    ``sum_i s_i (y_i - x_i w - b)**2 + alpha * ||w||**2`` (``s`` the sample
    weights), by mini-batch Adam (Kingma & Ba, 2014). With ``alpha=0`` it is
    ordinary least squares, like
    :class:`~sklearn.linear_model.LinearRegression`.

    By default the solver works on standardized data: features and targets
    are centered and scaled (with the sample weights) before training and the
    coefficients are mapped back afterwards, without copying ``X``. This makes
    the learning rate independent of the units of the data. Set
    ``standardize=False`` for the plain Adam of the paper on the raw data.

    Parameters
    ----------
    learning_rate : float, default=0.01
        Step size of the solver, > 0. With ``standardize=True`` the
        coefficients the solver moves are those of standardized data (of
        order one), so the same rate suits data of any scale.
    beta_1 : float, default=0.9
        Decay rate of Adam's first-moment (gradient) average, in [0, 1).
    beta_2 : float, default=0.999
        Decay rate of Adam's second-moment (squared gradient) average,
        in [0, 1).
    epsilon : float, default=1e-8
        Added to the denominator of Adam's step for numerical stability, >= 0.
    solver : "adam" or object, default="adam"
        The update rule. "adam" builds :class:`~sklearn_adam.Adam` from
        ``beta_1``, ``beta_2`` and ``epsilon``. Any other object must follow the
        solver protocol (methods ``init(params)`` and
        ``update(grads, state, learning_rate)``, see :mod:`sklearn_adam`); it is
        copied, never modified, and its own hyperparameters apply, so
        ``beta_1``, ``beta_2`` and ``epsilon`` are then ignored. The step size
        always comes from ``learning_rate`` and ``schedule``.
    alpha : float, default=0.0
        L2 penalty on the coefficients (not the intercept), >= 0, with exactly
        Ridge's meaning.
    fit_intercept : bool, default=True
        Whether to fit an intercept.
    standardize : bool, default=True
        Whether the solver works on standardized features and targets.
    batch_size : int, "auto" or None, default="auto"
        Number of rows per solver step. "auto" uses ``min(200, n_samples)``;
        None uses all rows (full-batch Adam). Values above the number of
        training rows are clipped to it.
    shuffle : bool, default=True
        Whether to visit the rows in a new random order each epoch.
    max_iter : int, default=1000
        Maximum number of epochs (passes over the training rows), >= 1.
    tol : float, default=1e-5
        Smallest progress that counts, >= 0: a decrease of the epoch's
        training objective by ``tol`` times the best objective so far, or,
        with ``early_stopping``, an increase of the validation R^2 by ``tol``.
        A relative tolerance suits the objective, which may approach zero;
        with ``standardize=True`` it is half the weighted mean squared error
        over the target's variance (plus the penalty on the same scale).
    n_iter_no_change : int, default=20
        Number of epochs in a row without progress after which the monitored
        value has *stalled*, >= 1.
    schedule : {"plateau", "constant"}, default="plateau"
        What the learning rate does at a stall once the batch cannot grow any
        more. "plateau" divides it by ten, at most three times; the next stall
        ends training. "constant" keeps it, and that stall ends training.
    batch_growth : float, default=2.0
        Factor by which the batch size grows at each stall, up to all training
        rows, >= 1; 1 keeps the batch size fixed. Larger batches average out
        the noise of mini-batch gradients, so the fit settles on the optimum
        instead of hovering around it.
    early_stopping : bool, default=False
        Whether to hold out ``validation_fraction`` of the training rows and
        monitor the R^2 score on them instead of the training objective.
        Training then stops as soon as the score has not improved by ``tol``
        for ``n_iter_no_change`` epochs (the batch size and the rate stay as
        they are), and the coefficients of the epoch with the best score are
        kept.
    validation_fraction : float, default=0.1
        Fraction of rows held out with ``early_stopping``, in (0, 1); it must
        leave at least two validation rows and one training row.
    warm_start : bool, default=False
        Whether ``fit`` continues from the previous fit's coefficients and
        solver state instead of starting afresh.
    random_state : int, RandomState instance or None, default=None
        Seeds the validation split and the shuffles. An int gives the same
        coefficients, bit for bit, on every fit.
    verbose : bool, default=False
        Print the epoch, loss, validation score, learning rate and elapsed
        time after each epoch.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
        Coefficients in the units of the data.
    intercept_ : float or ndarray of shape (n_targets,)
        Intercept; 0.0 when ``fit_intercept=False``.
    n_iter_ : int
        Number of epochs run, summed over warm starts and ``partial_fit`` calls.
    t_ : int
        Number of solver steps (mini-batches) taken, likewise summed.
    loss_curve_ : list of float
        Training objective of each epoch, averaged over the epoch's batches,
        each taken before its step; on the standardized scale described under
        ``tol``.
    learning_rate_curve_ : list of float
        Learning rate used in each epoch.
    best_loss_ : float
        Smallest value in ``loss_curve_``.
    validation_scores_ : list of float or None
        R^2 on the held-out rows after each epoch, with ``early_stopping``.
    best_validation_score_ : float or None
        Best value in ``validation_scores_``, whose coefficients were kept.
    solver_ : object
        The solver used (a copy of ``solver``, or the :class:`Adam` built).
    solver_state_ : object
        The solver's state after the last step, e.g. :class:`AdamState`.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features seen during fit, when ``X`` has string column
        names.

    See Also
    --------
    sklearn.linear_model.Ridge : The same objective, solved in closed form.
    sklearn.linear_model.SGDRegressor : Linear model trained by plain SGD.
    sklearn.neural_network.MLPRegressor : Trained by Adam, without
        standardization or a decaying rate.

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
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        solver="adam",
        alpha=0.0,
        fit_intercept=True,
        standardize=True,
        batch_size="auto",
        shuffle=True,
        max_iter=1000,
        tol=1e-5,
        n_iter_no_change=20,
        schedule="plateau",
        batch_growth=2.0,
        early_stopping=False,
        validation_fraction=0.1,
        warm_start=False,
        random_state=None,
        verbose=False,
    ):
        self.learning_rate = learning_rate
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.solver = solver
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.standardize = standardize
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.schedule = schedule
        self.batch_growth = batch_growth
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.multi_output = True
        return tags

    def fit(self, X, y, sample_weight=None):
        """Fit the model by mini-batch Adam.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data. Sparse CSR and CSC input is used without densifying.
            float32 data are trained and predicted in float32.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the samples; None gives every sample
            weight one.

        Returns
        -------
        self : AdamLinearRegressor
            The fitted estimator.
        """
        self._check_params()
        resume = self.warm_start and hasattr(self, "solver_state_")
        X, y, sample_weight = self._check_data(X, y, sample_weight, reset=not resume)
        # A warm start continues the random stream of the fit it resumes.
        rng = self._rng if resume else check_random_state(self.random_state)
        train_rows, validation_rows = self._split_validation(sample_weight, rng)
        n_train = X.shape[0] if train_rows is None else len(train_rows)
        batch_size = self._resolve_batch_size(n_train)
        if not resume:
            self._initialize(X, y, sample_weight, train_rows, rng)
        params = [p.copy() for p in self._params]
        state = copy.deepcopy(self.solver_state_)
        objective = self._objective(X, y, sample_weight, train_rows)
        validation = None
        if validation_rows is not None:
            validation = _R2Scorer(self._objective(X, y, sample_weight, validation_rows))
        rule = StoppingRule(
            self.max_iter, self.tol, self.n_iter_no_change, self.schedule, self.batch_growth
        )
        state, history = train(
            objective,
            self.solver_,
            state,
            params,
            learning_rate=self.learning_rate,
            batch_size=batch_size,
            rule=rule,
            rng=rng,
            shuffle=self.shuffle,
            validation=validation,
            verbose=self.verbose,
        )
        if not history.converged:
            warnings.warn(
                f"AdamLinearRegressor reached max_iter={self.max_iter} epochs "
                "without converging; increase max_iter or tol.",
                ConvergenceWarning,
                stacklevel=2,
            )
        self._record(params, state, history, n_train)
        if validation is not None:
            # A warm start may switch early stopping on after fits without it.
            earlier = self.validation_scores_ or []
            self.validation_scores_ = earlier + history.validation_scores
            self.best_validation_score_ = max(self.validation_scores_)
        return self

    def partial_fit(self, X, y, sample_weight=None):
        """Run one epoch over ``X``, continuing from the previous state.

        The first call on an unfitted estimator sets the standardization
        (feature and target centers and scales) from its data, so that chunk
        should be representative; later calls keep it, together with the
        solver state. Each call uses ``learning_rate`` and the batch size as
        given: stopping rules, schedules and early stopping apply to ``fit``
        only.

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
        self._check_params()
        first_call = not hasattr(self, "solver_state_")
        X, y, sample_weight = self._check_data(X, y, sample_weight, reset=first_call)
        if first_call:
            self._initialize(X, y, sample_weight, None, check_random_state(self.random_state))
        batch_size = self._resolve_batch_size(X.shape[0])
        params = [p.copy() for p in self._params]
        state = copy.deepcopy(self.solver_state_)
        order = self._rng.permutation(X.shape[0]) if self.shuffle else None
        loss, state = run_epoch(
            self._objective(X, y, sample_weight, None),
            self.solver_,
            state,
            params,
            self.learning_rate,
            batch_size,
            order,
        )
        check_finite(loss, params, self.learning_rate)
        history = History(
            losses=[loss], learning_rates=[self.learning_rate], batch_sizes=[batch_size]
        )
        self._record(params, state, history, X.shape[0])
        return self

    def predict(self, X):
        """Predict with the fitted linear model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_targets)
            Predicted values; float32 when both ``X`` and the model are.
        """
        check_is_fitted(self)
        X = validate_data(
            self,
            X,
            accept_sparse=("csr", "csc"),
            dtype=(np.float64, np.float32),
            reset=False,
        )
        return np.asarray(X @ np.asarray(self.coef_).T) + self.intercept_

    # The steps of fit, in the order it calls them.

    def _check_params(self):
        check_scalar("learning_rate", self.learning_rate, kind="real", low=0, closed="neither")
        for name in ("beta_1", "beta_2"):
            check_scalar(name, getattr(self, name), kind="real", low=0, high=1, closed="left")
        check_scalar("epsilon", self.epsilon, kind="real", low=0)
        check_scalar("alpha", self.alpha, kind="real", low=0)
        check_scalar("max_iter", self.max_iter, kind="int", low=1)
        check_scalar("tol", self.tol, kind="real", low=0)
        check_scalar("n_iter_no_change", self.n_iter_no_change, kind="int", low=1)
        check_scalar(
            "validation_fraction", self.validation_fraction, kind="real", low=0, high=1,
            closed="neither",
        )
        check_option("schedule", self.schedule, ("plateau", "constant"))
        check_scalar("batch_growth", self.batch_growth, kind="real", low=1)
        if isinstance(self.batch_size, str) or self.batch_size is None:
            if self.batch_size is not None:
                check_option("batch_size", self.batch_size, ("auto",))
        else:
            check_scalar("batch_size", self.batch_size, kind="int", low=1)
        for name in ("fit_intercept", "standardize", "shuffle", "early_stopping", "warm_start"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise ValueError(f"{name} must be a bool; got {getattr(self, name)!r}.")
        if isinstance(self.solver, str):
            check_option("solver", self.solver, ("adam",))
        elif not (callable(getattr(self.solver, "init", None))
                  and callable(getattr(self.solver, "update", None))):
            raise ValueError(
                "solver must be 'adam' or an object with methods init(params) and "
                f"update(grads, state, learning_rate); got {self.solver!r}."
            )

    def _check_data(self, X, y, sample_weight, *, reset):
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=("csr", "csc"),
            dtype=(np.float64, np.float32),
            multi_output=True,
            y_numeric=True,
            reset=reset,
        )
        if reset:
            self._y_ndim = y.ndim
        y = y.astype(X.dtype, copy=False).reshape(X.shape[0], -1)
        if not reset and y.shape[1] != self._params[0].shape[0]:
            raise ValueError(
                f"y has {y.shape[1]} targets, but the estimator was fitted with "
                f"{self._params[0].shape[0]}."
            )
        if sample_weight is None:
            return X, y, np.ones(X.shape[0], dtype=X.dtype)
        if np.isscalar(sample_weight):
            sample_weight = np.full(X.shape[0], sample_weight)
        sample_weight = check_array(
            sample_weight, ensure_2d=False, dtype=X.dtype, input_name="sample_weight"
        )
        if sample_weight.shape != (X.shape[0],):
            raise ValueError(
                f"sample_weight must have shape ({X.shape[0]},), one weight per "
                f"sample; got shape {sample_weight.shape}."
            )
        if sample_weight.min() < 0:
            raise ValueError(
                "sample_weight must be non-negative; got a minimum of "
                f"{sample_weight.min():g}."
            )
        if not sample_weight.sum() > 0:
            raise ValueError("sample_weight must have a positive sum; got all zeros.")
        return X, y, sample_weight

    def _split_validation(self, sample_weight, rng):
        """Row indices for training and validation (None, None without a split)."""
        if not self.early_stopping:
            return None, None
        n_samples = sample_weight.shape[0]
        n_validation = math.ceil(self.validation_fraction * n_samples)
        if n_validation < 2 or n_validation >= n_samples:
            raise ValueError(
                f"validation_fraction={self.validation_fraction} leaves "
                f"{n_validation} validation and {n_samples - n_validation} training "
                f"rows out of n_samples = {n_samples}; early_stopping needs at "
                "least 2 validation rows and 1 training row."
            )
        order = rng.permutation(n_samples)
        validation_rows = np.sort(order[:n_validation])
        train_rows = np.sort(order[n_validation:])
        if not sample_weight[validation_rows].sum() > 0:
            raise ValueError(
                "The validation rows held out by validation_fraction all have "
                "sample_weight 0; use a larger validation_fraction."
            )
        if not sample_weight[train_rows].sum() > 0:
            raise ValueError("The training rows all have sample_weight 0.")
        return train_rows, validation_rows

    def _resolve_batch_size(self, n_train):
        if self.batch_size is None:
            return n_train
        if self.batch_size == "auto":
            return min(AUTO_BATCH_SIZE, n_train)
        return min(self.batch_size, n_train)

    def _initialize(self, X, y, sample_weight, train_rows, rng):
        """Fresh standardization, zero coefficients and a new solver state."""
        self._rng = rng
        train_weight = sample_weight
        if train_rows is not None:
            train_weight = np.zeros_like(sample_weight)
            train_weight[train_rows] = sample_weight[train_rows]
        self._standardization = Standardization.fit(
            X,
            y,
            train_weight,
            center=self.fit_intercept and self.standardize,
            scale=self.standardize,
        )
        n_targets, n_features = y.shape[1], X.shape[1]
        self._params = [np.zeros((n_targets, n_features), dtype=X.dtype)]
        if self.fit_intercept:
            self._params.append(np.zeros(n_targets, dtype=X.dtype))
        if self.solver == "adam":
            self.solver_ = Adam(self.learning_rate, self.beta_1, self.beta_2, self.epsilon)
        else:
            self.solver_ = copy.deepcopy(self.solver)
        self.solver_state_ = self.solver_.init([p.copy() for p in self._params])
        self.n_iter_ = 0
        self.t_ = 0
        self.loss_curve_ = []
        self.learning_rate_curve_ = []
        self.validation_scores_ = [] if self.early_stopping else None
        self.best_validation_score_ = None

    def _objective(self, X, y, sample_weight, rows):
        return LeastSquares(
            X,
            y,
            sample_weight,
            alpha=self.alpha,
            standardization=self._standardization,
            rows=rows,
        )

    def _record(self, params, state, history, n_train):
        """Keep the trained parameters and set the public attributes."""
        self._params = params
        self.solver_state_ = state
        self.n_iter_ += len(history.losses)
        self.t_ += sum(math.ceil(n_train / size) for size in history.batch_sizes)
        self.loss_curve_ = self.loss_curve_ + history.losses
        self.learning_rate_curve_ = self.learning_rate_curve_ + history.learning_rates
        self.best_loss_ = min(self.loss_curve_)
        coef, intercept = self._standardization.to_original(
            params[0], params[1] if len(params) > 1 else None
        )
        if self._y_ndim == 1:
            self.coef_, self.intercept_ = coef[0], float(intercept[0])
        else:
            self.coef_, self.intercept_ = coef, intercept


class _R2Scorer:
    """R^2 of the current parameters on held-out rows (weighted, averaged over targets)."""

    def __init__(self, objective):
        self.objective = objective
        validation_y = objective.y[objective.rows]
        weight = objective.sample_weight[objective.rows]
        mean = (weight @ validation_y) / weight.sum()
        scale = objective.standardization.y_scale
        self.total_squares = (weight @ np.square((validation_y - mean) / scale))

    def __call__(self, params):
        residual_squares = self.objective.residual_squares(params)
        with np.errstate(divide="ignore", invalid="ignore"):
            r2 = 1 - residual_squares / self.total_squares
        # A constant target is predicted perfectly or not at all.
        r2 = np.where(self.total_squares > 0, r2, np.where(residual_squares == 0, 1.0, 0.0))
        return float(np.mean(r2))
