"""scikit-learn's own estimator checks, on several configurations, nothing switched off."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_adam import AdamLinearRegressor


@parametrize_with_checks(
    [
        AdamLinearRegressor(),
        AdamLinearRegressor(alpha=1.0, fit_intercept=False),
        AdamLinearRegressor(standardize=False, learning_rate=0.05),
        AdamLinearRegressor(batch_size=None, schedule="plateau"),
    ]
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
