"""scikit-learn's own estimator checks for the lasso and elastic-net penalties.

Every check runs, with nothing switched off, for ``penalty="l1"`` and for
``penalty="elasticnet"`` (its default ``l1_ratio``; the property tests
draw others), with the squared error, the loss every check's data suit.
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_adam import AdamLinearRegressor

# An active penalty, the subject here. At the default alpha=0 either is
# least squares by proximal steps, and on check_array_api_input's
# rank-deficient 30 x 10 problem in float32 runs all of max_iter short of
# tol=1e-10 (about 80 s of CPU each; the smooth penalty's normal equations
# run theirs in 0.3 s) until the normal equations serve these penalties; at
# alpha=0.01 check_sample_weight_equivalence does the same. All checks also
# passed at alpha=0, in 10 minutes.
ESTIMATORS = [
    AdamLinearRegressor(penalty="l1", alpha=0.1),
    AdamLinearRegressor(penalty="elasticnet", alpha=0.1),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator_for_each_penalty(estimator, check):
    check(estimator)
