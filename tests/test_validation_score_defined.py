"""Early stopping refuses held-out rows on which its score is undefined, and names scorers.

R^2 needs at least two held-out rows of positive weight whose targets
differ. Scoring fewer once gave 0.0 after every epoch (the built-in R^2) and
kept the first epoch's model, while ``scoring="r2"`` raised only after
training had begun. Now both refuse before any training, naming the argument
to change; and a mistyped scorer name is answered with the nearest
regression scorers, not all of scikit-learn's.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.metrics import r2_score

from sklearn_adam import AdamLinearRegressor

# Short fits: the refusals and scores are the point, not convergence.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

def data(n_samples=60, n_targets=None, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n_samples, 3)
    coef = np.array([1.0, 2.0, 3.0])
    if n_targets is not None:
        coef = np.c_[coef, coef[::-1]][:, :n_targets]
    y = X @ coef + 0.1 * rng.randn(*((n_samples,) if n_targets is None
                                      else (n_samples, n_targets)))
    return X, y


def refused_before_training(model, match, *args, **kwargs):
    with pytest.raises(ValueError, match=match):
        model.fit(*args, **kwargs)
    assert not hasattr(model, "coef_")
    assert not hasattr(model, "n_iter_")


@pytest.mark.parametrize("scoring", [None, "r2"])
def test_one_validation_row_is_refused(scoring):
    X, y = data()
    X_val, y_val = data(5, seed=1)
    model = AdamLinearRegressor(early_stopping=True, scoring=scoring)
    refused_before_training(model, r"X_val has 1 row.* at least 2 validation rows",
                            X, y, X_val=X_val[:1], y_val=y_val[:1])


@pytest.mark.parametrize("scoring", [None, "r2"])
def test_one_positive_validation_weight_is_refused(scoring):
    X, y = data()
    X_val, y_val = data(5, seed=1)
    weight_val = np.array([0.0, 2.0, 0.0, 0.0, 0.0])
    model = AdamLinearRegressor(early_stopping=True, scoring=scoring)
    refused_before_training(model, r"sample_weight_val has 1 positive weight",
                            X, y, X_val=X_val, y_val=y_val, sample_weight_val=weight_val)


@pytest.mark.parametrize("scoring", [None, "r2"])
def test_the_rows_actually_held_out_must_have_two_positive_weights(scoring):
    # 20 rows, 2 held out; only row 7 weighs nothing. Whether a split holds
    # it out depends on the random draw: the fits that drew it are refused,
    # the others train, and both kinds occur.
    X, y = data(20)
    weight = np.ones(20)
    weight[7] = 0.0
    outcomes = set()
    for seed in range(12):
        model = AdamLinearRegressor(early_stopping=True, validation_fraction=0.1,
                                    scoring=scoring, random_state=seed, max_iter=20)
        drawn = np.sort(np.random.RandomState(seed).permutation(20)[:2])
        if 7 in drawn:
            refused_before_training(
                model, r"2 rows held out by validation_fraction=0.1 have 1 positive "
                r"sample_weight", X, y, sample_weight=weight,
            )
            outcomes.add("refused")
        else:
            model.fit(X, y, sample_weight=weight)
            held_out = model._fit_state.split[1][1]
            np.testing.assert_array_equal(held_out, drawn)
            outcomes.add("trained")
    assert outcomes == {"refused", "trained"}


def test_a_warm_start_checks_its_kept_split_against_new_weights():
    X, y = data(20)
    model = AdamLinearRegressor(early_stopping=True, validation_fraction=0.1,
                                warm_start=True, random_state=0, max_iter=20).fit(X, y)
    held_out = model._fit_state.split[1][1]
    weight = np.ones(20)
    weight[held_out[0]] = 0.0
    coef = model.coef_.copy()
    with pytest.raises(ValueError, match="held out by validation_fraction"):
        model.fit(X, y, sample_weight=weight)
    assert_allclose(model.coef_, coef, rtol=0)


def test_constant_validation_target_is_refused_for_r2():
    X, y = data()
    X_val, _ = data(10, seed=1)
    model = AdamLinearRegressor(early_stopping=True)
    refused_before_training(model, "y_val is constant .* R\\^2",
                            X, y, X_val=X_val, y_val=np.full(10, 0.1),
                            sample_weight_val=np.random.RandomState(2).uniform(0.5, 2, 10))


def test_r2_leaves_out_a_constant_target_instead_of_scoring_it_zero():
    X, y = data(n_targets=2)
    X_val, y_val = data(20, n_targets=2, seed=1)
    y_val[:, 0] = 1.5
    model = AdamLinearRegressor(early_stopping=True, max_iter=50).fit(
        X, y, X_val=X_val, y_val=y_val
    )
    # The score of the kept model is R^2 on the target that varies.
    expected = r2_score(y_val[:, 1], model.predict(X_val)[:, 1])
    assert_allclose(model.best_validation_score_, expected, rtol=1e-9)


@pytest.mark.parametrize("typo, suggested", [
    ("r3", "'r2'"), ("neg_mean_sqared_error", "'neg_mean_squared_error'"),
])
def test_a_mistyped_scorer_name_suggests_the_nearest_regression_scorers(typo, suggested):
    X, y = data()
    model = AdamLinearRegressor(early_stopping=True, scoring=typo)
    with pytest.raises(ValueError) as raised:
        model.fit(X, y)
    message = str(raised.value)
    assert message.startswith(f"scoring must be a scorer name; got {typo!r}.")
    assert f"closest regression scorers: {suggested}" in message
    # Short, and no classification scorer in it.
    assert len(message) < 250
    assert "accuracy" not in message and "f1" not in message
