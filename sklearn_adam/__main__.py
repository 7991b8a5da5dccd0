"""Compare AdamLinearRegressor with LinearRegression on a bundled dataset.

Run ``python -m sklearn_adam --help`` for the options.
"""

import argparse
import sys
import time

import numpy as np
from sklearn import datasets
from sklearn.linear_model import LinearRegression
from sklearn.metrics import mean_squared_error, r2_score
from sklearn.model_selection import train_test_split

from . import AdamLinearRegressor

DATASETS = {
    "diabetes": datasets.load_diabetes,
    "linnerud": datasets.load_linnerud,
}


def main(argv=None):
    """Fit both models and print the comparison table.

    Parameters
    ----------
    argv : list of str, default=None
        Command-line arguments; None reads ``sys.argv``.

    Returns
    -------
    status : int
        The exit status, 0 on success.
    """
    parser = argparse.ArgumentParser(
        prog="python -m sklearn_adam",
        description="Fit AdamLinearRegressor (default parameters) and "
        "LinearRegression on a dataset bundled with scikit-learn and compare them.",
    )
    parser.add_argument("--data", choices=sorted(DATASETS), default="diabetes",
                        help="bundled dataset (default: %(default)s)")
    parser.add_argument("--test-size", type=float, default=0.25,
                        help="fraction of rows held out for testing (default: %(default)s)")
    parser.add_argument("--random-state", type=int, default=0,
                        help="seed of the split and of the Adam fit (default: %(default)s)")
    args = parser.parse_args(argv)

    X, y = DATASETS[args.data](return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=args.test_size, random_state=args.random_state
    )
    models = {
        "AdamLinearRegressor": AdamLinearRegressor(random_state=args.random_state),
        "LinearRegression": LinearRegression(),
    }
    rows = {}
    for name, model in models.items():
        start = time.perf_counter()
        model.fit(X_train, y_train)
        elapsed = time.perf_counter() - start
        rows[name] = {
            "train R^2": r2_score(y_train, model.predict(X_train)),
            "test R^2": r2_score(y_test, model.predict(X_test)),
            "train MSE": mean_squared_error(y_train, model.predict(X_train)),
            "test MSE": mean_squared_error(y_test, model.predict(X_test)),
            "epochs": getattr(model, "n_iter_", "-"),
            "fit time (s)": elapsed,
        }
    adam, exact = models["AdamLinearRegressor"], models["LinearRegression"]
    coef_difference = np.max(np.abs(adam.coef_ - exact.coef_)) / np.max(np.abs(exact.coef_))
    print(f"Dataset: {args.data}, {X_train.shape[0]} training and {X_test.shape[0]} "
          f"test rows, {X.shape[1]} features\n")
    print(_table(rows))
    print(f"\nmax |coef difference| / max |coef| (Adam vs closed form): {coef_difference:.2e}")
    gap = rows["LinearRegression"]["train R^2"] - rows["AdamLinearRegressor"]["train R^2"]
    print(f"train R^2 gap (closed form minus Adam): {gap:.2e}")
    return 0


def _table(rows):
    names = list(rows)
    metrics = list(rows[names[0]])
    width = max(len(m) for m in metrics) + 2
    lines = [" " * width + "".join(f"{n:>22}" for n in names)]
    for metric in metrics:
        cells = []
        for name in names:
            value = rows[name][metric]
            cells.append(f"{value:>22.6g}" if isinstance(value, float) else f"{value!s:>22}")
        lines.append(f"{metric:<{width}}" + "".join(cells))
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
