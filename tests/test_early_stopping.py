"""Early stopping on a validation set given to ``fit`` (X_val, y_val) and custom scoring."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
from numpy.testing import assert_allclose
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import make_scorer, mean_absolute_error, r2_score
from sklearn.model_selection import GridSearchCV

from sklearn_adam import AdamLinearRegressor

# Epoch k of a run with these settings does not depend on what is monitored
# (no batch growth or rate change at stalls), so the model after k epochs of an
# early-stopping fit is the model of a plain fit with max_iter=k.
SETTINGS = dict(
    learning_rate=0.01,
    batch_size=50,
    batch_growth=1.0,
    schedule="constant",
    tol=0.0,
    n_iter_no_change=5,
    random_state=0,
)
COEF = np.array([1.0, -2.0, 3.0, 0.5, -1.0])


def make_data(n_samples, n_targets=None, coef_scale=1.0, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n_samples, COEF.size) * [1, 10, 0.1, 3, 1] + [0, 5, -2, 0, 1]
    coef = COEF if n_targets is None else np.c_[COEF, COEF[::-1]][:, :n_targets]
    noise = rng.randn(*((n_samples,) if n_targets is None else (n_samples, n_targets)))
    y = coef_scale * (X @ coef) + 2 + 0.5 * noise
    return X, y


def train_and_validation(n_targets=None, validation_coef_scale=0.5):
    """Training data, and validation data from another distribution: its best
    model is half-way between zero coefficients and those of the training data,
    so an early-stopping fit peaks after a few epochs."""
    X, y = make_data(300, n_targets)
    X_val, y_val = make_data(80, n_targets, coef_scale=validation_coef_scale, seed=1)
    return X, y, X_val, y_val


def epoch_model(k, X, y, **params):
    """The model after ``k`` epochs: a plain fit that cannot stop before ``k``."""
    params = {**SETTINGS, **params, "early_stopping": False, "max_iter": k,
              "n_iter_no_change": k + 1}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = AdamLinearRegressor(**params).fit(X, y)
    assert model.n_iter_ == k
    return model


def validation_loss(y_train, y_val, prediction, sample_weight=None):
    """Half the weighted mean squared residual over the training target's variance."""
    y_train, y_val = y_train.reshape(len(y_train), -1), y_val.reshape(len(y_val), -1)
    prediction = prediction.reshape(y_val.shape)
    mse = np.average(np.square(y_val - prediction), axis=0, weights=sample_weight)
    return float(np.mean(0.5 * mse / np.var(y_train, axis=0)))


@pytest.mark.parametrize("container", [np.asarray, sp.csr_matrix])
@pytest.mark.parametrize("n_targets", [None, 2])
def test_validation_curves_are_those_of_each_epoch_model_on_X_val(container, n_targets):
    X, y, X_val, y_val = train_and_validation(n_targets)
    model = AdamLinearRegressor(early_stopping=True, **SETTINGS).fit(
        container(X), y, X_val=container(X_val), y_val=y_val
    )
    assert len(model.validation_scores_) == model.n_iter_
    assert len(model.validation_loss_curve_) == model.n_iter_
    for k in range(1, model.n_iter_ + 1):
        prediction = epoch_model(k, container(X), y).predict(container(X_val))
        assert_allclose(model.validation_scores_[k - 1], r2_score(y_val, prediction),
                        rtol=1e-9)
        assert_allclose(model.validation_loss_curve_[k - 1],
                        validation_loss(y, y_val, prediction), rtol=1e-9)


def test_X_val_replaces_the_split_and_the_best_epoch_is_kept():
    X, y, X_val, y_val = train_and_validation()
    model = AdamLinearRegressor(early_stopping=True, **SETTINGS).fit(
        X, y, X_val=X_val, y_val=y_val
    )
    best_epoch = int(np.argmax(model.validation_scores_)) + 1
    # The validation set prefers an early model; the fit stops n_iter_no_change
    # epochs after it (tol=0) and keeps it.
    assert 1 < best_epoch < model.n_iter_
    assert model.n_iter_ == best_epoch + SETTINGS["n_iter_no_change"]
    assert model.best_validation_score_ == max(model.validation_scores_)
    # Trained on every row of X: the kept model is epoch best_epoch of a plain fit.
    kept = epoch_model(best_epoch, X, y)
    assert_allclose(model.coef_, kept.coef_, rtol=1e-12)
    assert_allclose(model.intercept_, kept.intercept_, rtol=1e-12)
    assert_allclose(model.best_validation_score_, model.score(X_val, y_val), rtol=1e-9)

    split = AdamLinearRegressor(early_stopping=True, **SETTINGS).fit(X, y)
    assert int(np.argmax(split.validation_scores_)) + 1 != best_epoch
    assert split.n_iter_ != model.n_iter_


def test_sample_weight_val_weighs_the_scores_and_losses():
    X, y, X_val, y_val = train_and_validation()
    weight = np.random.RandomState(2).uniform(0, 3, size=len(y_val))
    weight[:10] = 0
    model = AdamLinearRegressor(early_stopping=True, **SETTINGS).fit(
        X, y, X_val=X_val, y_val=y_val, sample_weight_val=weight
    )
    for k in range(1, model.n_iter_ + 1):
        prediction = epoch_model(k, X, y).predict(X_val)
        assert_allclose(model.validation_scores_[k - 1],
                        r2_score(y_val, prediction, sample_weight=weight), rtol=1e-9)
        assert_allclose(model.validation_loss_curve_[k - 1],
                        validation_loss(y, y_val, prediction, weight), rtol=1e-9)

    # Rows of weight zero are as good as absent; the other weights matter.
    dropped = AdamLinearRegressor(early_stopping=True, **SETTINGS).fit(
        X, y, X_val=X_val[10:], y_val=y_val[10:], sample_weight_val=weight[10:]
    )
    assert_allclose(dropped.validation_scores_, model.validation_scores_, rtol=1e-9)
    unweighted = AdamLinearRegressor(early_stopping=True, **SETTINGS).fit(
        X, y, X_val=X_val[10:], y_val=y_val[10:]
    )
    n = min(unweighted.n_iter_, model.n_iter_)
    assert np.max(np.abs(np.subtract(unweighted.validation_scores_[:n],
                                     model.validation_scores_[:n]))) > 1e-3


def max_error_scorer(estimator, X, y):
    return -float(np.max(np.abs(y - estimator.predict(X))))


@pytest.mark.parametrize(
    "scoring, metric",
    [
        ("neg_mean_absolute_error", lambda y, pred: -mean_absolute_error(y, pred)),
        (max_error_scorer, lambda y, pred: -np.max(np.abs(y - pred))),
    ],
    ids=["name", "callable"],
)
def test_scoring_scores_each_epoch_and_the_kept_model(scoring, metric):
    X, y, X_val, y_val = train_and_validation()
    model = AdamLinearRegressor(early_stopping=True, scoring=scoring, **SETTINGS).fit(
        X, y, X_val=X_val, y_val=y_val
    )
    assert len(model.validation_scores_) == model.n_iter_
    for k in range(1, model.n_iter_ + 1):
        prediction = epoch_model(k, X, y).predict(X_val)
        assert_allclose(model.validation_scores_[k - 1], metric(y_val, prediction), rtol=1e-9)
        # The loss stays the squared error whatever the score.
        assert_allclose(model.validation_loss_curve_[k - 1],
                        validation_loss(y, y_val, prediction), rtol=1e-9)
    assert model.best_validation_score_ == max(model.validation_scores_)
    assert_allclose(model.best_validation_score_, metric(y_val, model.predict(X_val)),
                    rtol=1e-9)


def test_scoring_name_gets_sample_weight_val():
    X, y, X_val, y_val = train_and_validation()
    weight = np.random.RandomState(3).uniform(0, 3, size=len(y_val))
    model = AdamLinearRegressor(
        early_stopping=True, scoring="neg_mean_absolute_error", **SETTINGS
    ).fit(X, y, X_val=X_val, y_val=y_val, sample_weight_val=weight)
    for k in range(1, model.n_iter_ + 1):
        prediction = epoch_model(k, X, y).predict(X_val)
        assert_allclose(model.validation_scores_[k - 1],
                        -mean_absolute_error(y_val, prediction, sample_weight=weight),
                        rtol=1e-9)


@pytest.mark.parametrize("given_validation", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_r2_scorer_agrees_with_the_internal_r2(given_validation, weighted):
    # scoring="r2" goes through check_scoring on the held-out rows as passed;
    # scoring=None computes R^2 from the loss's residuals. Same numbers.
    X, y, X_val, y_val = train_and_validation()
    rng = np.random.RandomState(4)
    weight = rng.uniform(0.1, 3, size=len(y)) if weighted else None
    weight_val = rng.uniform(0.1, 3, size=len(y_val)) if weighted else None
    validation = dict(X_val=X_val, y_val=y_val, sample_weight_val=weight_val)
    if not given_validation:
        validation = {}
    fits = [
        AdamLinearRegressor(early_stopping=True, scoring=scoring, **SETTINGS).fit(
            X, y, weight, **validation
        )
        for scoring in (None, "r2", make_scorer(r2_score))
    ]
    for other in fits[1:]:
        assert other.n_iter_ == fits[0].n_iter_
        assert_allclose(other.validation_scores_, fits[0].validation_scores_, rtol=1e-9)
        assert_allclose(other.validation_loss_curve_, fits[0].validation_loss_curve_,
                        rtol=1e-12)
        assert_allclose(other.coef_, fits[0].coef_, rtol=1e-12)


def _invalid_validation_cases():
    X, y, X_val, y_val = train_and_validation()
    return X, y, [
        ({"X_val": X_val}, {}, "X_val without y_val"),
        ({"y_val": y_val}, {}, "y_val without X_val"),
        ({"sample_weight_val": np.ones(len(y_val))}, {}, "without X_val"),
        ({"X_val": X_val, "y_val": y_val}, {"early_stopping": False}, "early_stopping=False"),
        ({"X_val": X_val[:, :3], "y_val": y_val}, {}, "X_val has 3 features"),
        ({"X_val": X_val, "y_val": np.c_[y_val, y_val]}, {}, "y_val has 2 targets"),
        ({"X_val": X_val, "y_val": y_val[:-5]}, {}, "y_val has 75 rows but X_val has 80"),
        ({"X_val": np.where(np.eye(len(y_val), 5) > 0, np.nan, X_val), "y_val": y_val}, {},
         "X_val contains NaN"),
        ({"X_val": X_val, "y_val": y_val, "sample_weight_val": np.ones(3)}, {},
         r"sample_weight_val must have shape \(80,\)"),
        ({"X_val": X_val, "y_val": y_val, "sample_weight_val": -np.ones(len(y_val))}, {},
         "sample_weight_val must be non-negative"),
        ({"X_val": X_val, "y_val": y_val, "sample_weight_val": np.zeros(len(y_val))}, {},
         "sample_weight_val must have a positive sum"),
    ]


_X, _y, INVALID_VALIDATION = _invalid_validation_cases()


@pytest.mark.parametrize("fit_params, params, match", INVALID_VALIDATION,
                         ids=[case[2] for case in INVALID_VALIDATION])
def test_invalid_validation_arguments(fit_params, params, match):
    model = AdamLinearRegressor(**{"early_stopping": True, "max_iter": 2, **params})
    with pytest.raises(ValueError, match=match):
        model.fit(_X, _y, **fit_params)
    assert not hasattr(model, "coef_")


@pytest.mark.parametrize(
    "scoring, match", [("no_such_metric", "no_such_metric"), (3, "scoring")]
)
def test_invalid_scoring_fails_before_looking_at_the_data(scoring, match):
    X, y, X_val, y_val = train_and_validation()
    model = AdamLinearRegressor(early_stopping=True, scoring=scoring)
    with pytest.raises(ValueError, match=match):
        model.fit(X, y, X_val=X_val, y_val=y_val)
    # Nothing was validated or learned: the data were never looked at.
    assert not hasattr(model, "n_features_in_")
    assert not hasattr(model, "coef_")


@pytest.mark.parametrize("scoring", [None, "neg_mean_absolute_error"])
def test_dataframe_X_val_gives_no_feature_name_warning(scoring):
    pd = pytest.importorskip("pandas")
    X, y, X_val, y_val = train_and_validation()
    columns = [f"x{i}" for i in range(X.shape[1])]
    X, X_val = pd.DataFrame(X, columns=columns), pd.DataFrame(X_val, columns=columns)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = AdamLinearRegressor(early_stopping=True, scoring=scoring, **SETTINGS).fit(
            X, y, X_val=X_val, y_val=pd.Series(y_val)
        )
        prediction = model.predict(X_val)
    assert list(model.feature_names_in_) == columns
    assert_allclose(model.best_validation_score_,
                    r2_score(y_val, prediction) if scoring is None
                    else -mean_absolute_error(y_val, prediction), rtol=1e-9)


def test_X_val_columns_must_match_the_feature_names_of_X():
    pd = pytest.importorskip("pandas")
    X, y, X_val, y_val = train_and_validation()
    columns = [f"x{i}" for i in range(X.shape[1])]
    X = pd.DataFrame(X, columns=columns)
    X_val = pd.DataFrame(X_val, columns=columns[::-1])
    model = AdamLinearRegressor(early_stopping=True, max_iter=2)
    with pytest.raises(ValueError, match="feature names"):
        model.fit(X, y, X_val=X_val, y_val=y_val)


def test_grid_search_routes_X_val_to_every_fit():
    X, y, X_val, y_val = train_and_validation()
    # Caution: metadata with as many rows as X are taken as per-sample and cut
    # to each training fold; a validation set of another length is passed whole.
    assert len(X_val) != len(X)
    seen_lengths = []

    def scorer(estimator, X, y):
        seen_lengths.append(len(X))
        return r2_score(y, estimator.predict(X))

    with sklearn.config_context(enable_metadata_routing=True):
        model = AdamLinearRegressor(early_stopping=True, scoring=scorer, **SETTINGS)
        model.set_fit_request(X_val=True, y_val=True)
        search = GridSearchCV(model, {"learning_rate": [0.01, 0.02]}, cv=3).fit(
            X, y, X_val=X_val, y_val=y_val
        )
    assert set(seen_lengths) == {len(X_val)}
    direct = AdamLinearRegressor(early_stopping=True, **SETTINGS).set_params(
        **search.best_params_
    ).fit(X, y, X_val=X_val, y_val=y_val)
    assert_allclose(search.best_estimator_.validation_scores_, direct.validation_scores_,
                    rtol=1e-9)
    assert_allclose(search.best_estimator_.coef_, direct.coef_, rtol=1e-12)


@pytest.mark.parametrize("given_validation", [False, True], ids=["split", "X_val"])
def test_scalar_weights_reach_the_scorer_as_an_array(given_validation):
    # A scalar weight is every row's weight: the scores are those of weight one.
    X, y, X_val, y_val = train_and_validation()
    settings = dict(SETTINGS, early_stopping=True, scoring="neg_mean_absolute_error",
                    max_iter=8)
    if given_validation:
        fit_params = dict(X_val=X_val, y_val=y_val)
        weighted = dict(fit_params, sample_weight=2.0, sample_weight_val=3.0)
    else:
        fit_params, weighted = {}, dict(sample_weight=2.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        plain = AdamLinearRegressor(**settings).fit(X, y, **fit_params)
        scaled = AdamLinearRegressor(**settings).fit(X, y, **weighted)
    assert_allclose(scaled.validation_scores_, plain.validation_scores_, rtol=1e-10)


def test_callable_scoring_without_sample_weight_refuses_weighted_rows_before_training():
    X, y, X_val, y_val = train_and_validation()
    model = AdamLinearRegressor(**dict(SETTINGS, early_stopping=True, scoring=max_error_scorer))
    with pytest.raises(ValueError, match="does not take a sample_weight"):
        model.fit(X, y, X_val=X_val, y_val=y_val, sample_weight_val=np.ones(len(y_val)))
    assert not hasattr(model, "coef_")
    # Unweighted validation rows are fine.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.set_params(max_iter=3).fit(X, y, X_val=X_val, y_val=y_val)
    assert len(model.validation_scores_) == 3


def test_nan_in_held_out_targets_is_named_as_y_val():
    X, y, X_val, y_val = train_and_validation()
    y_val = y_val.copy()
    y_val[3] = np.nan
    model = AdamLinearRegressor(early_stopping=True, max_iter=2)
    with pytest.raises(ValueError, match="Input y_val contains NaN"):
        model.fit(X, y, X_val=X_val, y_val=y_val)
    assert not hasattr(model, "coef_")


@pytest.mark.parametrize("batch_size", ["auto", 50])
def test_a_stalled_score_stops_training_without_growing_the_batch_or_lowering_the_rate(
    batch_size,
):
    # As in scikit-learn: training ends once the score has not risen by
    # validation_tol in n_iter_no_change epochs (ten times as many full-batch
    # steps), the rate untouched under the default "plateau" schedule.
    X, y, X_val, y_val = train_and_validation()
    model = AdamLinearRegressor(early_stopping=True, batch_size=batch_size, batch_growth=1.0,
                                n_iter_no_change=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model.fit(X, y, X_val=X_val, y_val=y_val)
    assert set(model.learning_rate_curve_) == {model.learning_rate}
    assert set(model.batch_size_curve_) == {300 if batch_size == "auto" else 50}
    scores = np.array(model.validation_scores_)
    patience = 5 * (10 if batch_size == "auto" else 1)
    # The score of the last rise by validation_tol, and none in the
    # `patience` epochs since.
    rising = np.flatnonzero(scores > np.maximum.accumulate(np.r_[-np.inf, scores[:-1]])
                            + model.validation_tol)
    assert model.n_iter_ - model.validation_epochs_[rising[-1]] >= patience
    assert model.best_validation_score_ == scores.max()


def test_validation_tol_is_the_rise_that_counts_as_progress():
    X, y, X_val, y_val = train_and_validation()
    settings = dict(early_stopping=True, batch_size=50, batch_growth=1.0, n_iter_no_change=3,
                    random_state=0)
    # No rise is ever large enough: the first epoch's score is never beaten
    # by 10, and training ends after the patience.
    impossible = AdamLinearRegressor(validation_tol=10.0, **settings).fit(
        X, y, X_val=X_val, y_val=y_val)
    assert impossible.n_iter_ == 4
    patient = AdamLinearRegressor(validation_tol=0.0, **settings).fit(
        X, y, X_val=X_val, y_val=y_val)
    assert patient.n_iter_ > impossible.n_iter_


def test_held_out_rows_are_scored_at_most_at_a_fifth_of_an_epochs_cost():
    # Mini-batch epochs read the training rows: scoring the held-out ones
    # (their loss from their normal equations) costs far less, every epoch.
    # Full-batch steps through the normal equations cost one product with
    # the Gram matrix, as much as scoring: every fifth epoch is scored.
    X, y, X_val, y_val = train_and_validation()
    mini = AdamLinearRegressor(early_stopping=True, batch_size=50, random_state=0).fit(
        X, y, X_val=X_val, y_val=y_val)
    assert len(mini.validation_scores_) == mini.n_iter_
    full = AdamLinearRegressor(early_stopping=True, random_state=0).fit(
        X, y, X_val=X_val, y_val=y_val)
    assert full.validation_epochs_ == [1] + list(range(5, full.n_iter_ + 1, 5))
    # The kept model is one that was scored, and scores what was recorded.
    assert_allclose(full.score(X_val, y_val), full.best_validation_score_, rtol=1e-10)
