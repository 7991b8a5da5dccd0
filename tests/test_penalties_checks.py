"""scikit-learn's own estimator checks for the lasso and elastic-net penalties.

Every check runs, with nothing switched off, for ``penalty="l1"`` and for
``penalty="elasticnet"`` (its default ``l1_ratio``; the property tests
draw others), with the squared error, the loss every check's data suit.
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_adam import AdamLinearRegressor

# An active penalty, the subject here: at the default alpha=0 either is
# least squares (tests/test_lasso_gram.py holds it to the ridge penalty's
# fit there).
ESTIMATORS = [
    AdamLinearRegressor(penalty="l1", alpha=0.1),
    AdamLinearRegressor(penalty="elasticnet", alpha=0.1),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator_for_each_penalty(estimator, check):
    check(estimator)
