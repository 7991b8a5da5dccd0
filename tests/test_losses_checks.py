"""scikit-learn's own estimator checks for every loss.

One check is run as scikit-learn would run it if it read the tags:
``check_regressor_multioutput`` fits targets drawn by ``make_regression``,
negative ones included, without making them positive for an estimator whose
``target_tags.positive_only`` is set (as every other check of targets does);
scikit-learn's own positive-only regressors take one target, so never meet
it. For the Poisson and Gamma deviances, which refuse negative targets by
name, it runs here on the same targets made positive the way scikit-learn's
other checks make them, with the same assertions.

The pinball loss is checked at its default quantile: at ``quantile=0.9``,
``check_regressors_train`` asks for an R^2 above 0.5, which a conditional
0.9-quantile does not reach on its data whatever the solver.
"""

import numpy as np
from sklearn.base import clone
from sklearn.datasets import make_regression
from sklearn.utils import get_tags
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_adam import AdamLinearRegressor
from sklearn_adam._objective._losses import LOSSES


def check_regressor_multioutput_positive(estimator):
    """``check_regressor_multioutput``, its targets made positive as the tag asks."""
    estimator = clone(estimator)
    X, y = make_regression(random_state=42, n_targets=5, n_samples=11, n_features=10)
    # What scikit-learn's _enforce_estimator_tags_y does for positive_only.
    y += 1 + abs(y.min())
    estimator.fit(X, y)
    prediction = estimator.predict(X)
    assert prediction.dtype == np.float64
    assert prediction.shape == y.shape


@parametrize_with_checks(
    [AdamLinearRegressor(loss=loss) for loss in LOSSES if loss != "squared_error"]
)
def test_sklearn_compatible_estimator_for_each_loss(estimator, check):
    name = getattr(check, "func", check).__name__
    if name == "check_regressor_multioutput" and get_tags(estimator).target_tags.positive_only:
        check_regressor_multioutput_positive(estimator)
        return
    check(estimator)
