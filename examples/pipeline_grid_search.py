"""
Tune Adam's hyperparameters with GridSearchCV
=============================================

AdamLinearRegressor is an ordinary scikit-learn regressor: it sits in a
Pipeline, and GridSearchCV searches its Adam hyperparameters like any other.
The best model is then compared with the closed-form LinearRegression.
"""

from sklearn.datasets import load_diabetes
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_adam import AdamLinearRegressor

X, y = load_diabetes(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)

pipeline = make_pipeline(StandardScaler(), AdamLinearRegressor(random_state=0))
grid = GridSearchCV(
    pipeline,
    {
        "adamlinearregressor__beta_1": [0.8, 0.9, 0.95],
        "adamlinearregressor__learning_rate": [0.003, 0.01, 0.03],
    },
    cv=5,
)
grid.fit(X_train, y_train)

exact = LinearRegression().fit(X_train, y_train)
print("best parameters:", grid.best_params_)
print(f"cross-validated R^2 of the best: {grid.best_score_:.4f}")
print(f"test R^2, Adam:              {grid.score(X_test, y_test):.4f}")
print(f"test R^2, LinearRegression:  {exact.score(X_test, y_test):.4f}")
