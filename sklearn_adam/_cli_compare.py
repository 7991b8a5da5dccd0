"""The run of ``python -m sklearn_adam``: split, fit both models, print, save.

Both models are fitted as Pipelines behind the same preprocessing, on the
same training rows, and timed apart from what the first fit of a process
pays once (:func:`_start_up`), so that the fit times compare the fits.
"""

import contextlib
import time
import warnings

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from ._cli_model import (
    final_estimator,
    preprocessor,
    save_model,
    save_predictions,
    with_preprocessing,
)
from ._cli_options import estimator, reference
from ._cli_plot import plot
from ._cli_report import (
    OVERFLOW,
    describe_preprocessing,
    format_table,
    regression_scores,
    relative_difference,
)
from ._linear_model import AdamLinearRegressor

ADAM = "AdamLinearRegressor"


def compare(args, dataset, X, y, data):
    """Fit Adam and the closed form on a split of the rows, print the table, save the outputs.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed and checked options.
    dataset : tuple of (str, list of str)
        The dataset's name as shown, and the names of its target columns.
    X : ndarray of shape (n_rows, n_features)
    y : ndarray of shape (n_rows,) or (n_rows, n_targets)
    data : CsvData or None
        The CSV file's columns; None for a bundled dataset.

    Raises
    ------
    ValueError
        When the split leaves fewer than 2 rows for training or testing.
    """
    name, targets = dataset
    row_numbers = np.arange(1, X.shape[0] + 1)
    X_train, X_test, y_train, y_test, _, test_rows = train_test_split(
        X, y, row_numbers, test_size=args.test_size, random_state=args.random_state
    )
    if min(X_train.shape[0], X_test.shape[0]) < 2:
        raise ValueError(
            f"{X.shape[0]} rows leave {X_train.shape[0]} for training and {X_test.shape[0]} "
            f"for testing with --test-size {args.test_size}; R^2 needs at least 2 in each"
        )
    reference_label, closed_form = reference(args)
    if y.ndim > 1 and args.loss != "squared_error":
        raise ValueError(f"--loss {args.loss} is compared with {reference_label}, which fits "
                         f"one target; {name} has {y.shape[1]}")
    models = {ADAM: estimator(args), reference_label: closed_form}
    models = {label: with_preprocessing(preprocessor(data, args.impute), model)
              for label, model in models.items()}
    rows = {label: _fit_and_score(model, (X_train, y_train), (X_test, y_test),
                                  closed_form=label == reference_label)
            for label, model in models.items()}
    overflows = _keep_rmse_only_for_overflow(rows)
    adam = final_estimator(models[ADAM])
    kept_epoch = None
    if args.early_stopping:
        kept_epoch = adam.validation_epochs_[int(np.argmax(adam.validation_scores_))]
        rows[ADAM]["kept epoch"] = kept_epoch
        rows[reference_label]["kept epoch"] = "-"

    print(f"Dataset: {name}, {X_train.shape[0]} training and {X_test.shape[0]} "
          f"test rows, {X.shape[1]} features")
    if data is not None:
        describe_preprocessing(data, args.impute, X_train, X_test)
    _print_comparison(args, models, rows, overflows)
    if args.plot is not None:
        plot(adam, kept_epoch, args.plot)
        print(f"plot saved to {args.plot}")
    _save_outputs(args, models[ADAM], (data, X, y, targets), (row_numbers, test_rows))


def _keep_rmse_only_for_overflow(rows):
    """Drop the RMSE rows unless an MSE overflowed; whether one did."""
    overflows = any(row[f"{part} MSE"] is None for row in rows.values()
                    for part in ("train", "test"))
    if not overflows:  # the RMSE only stands in for an MSE that float64 cannot hold
        for row in rows.values():
            del row["train RMSE"], row["test RMSE"]
    return overflows


def _print_comparison(args, models, rows, overflows):
    """Print Adam's settings, the table and how far Adam is from the closed form."""
    adam_label, reference_label = models
    adam, exact = (final_estimator(models[label]) for label in (adam_label, reference_label))
    params = adam.get_params()
    shown = ["solver", "batch_size", "learning_rate", "max_iter", "early_stopping"]
    shown += ["alpha"] if args.alpha else []
    shown += ["loss"] if args.loss != "squared_error" else []
    shown += ["quantile"] if args.loss == "quantile" else []
    shown += ["penalty"] if args.penalty != "l2" else []
    shown += ["l1_ratio"] if args.l1_ratio is not None else []
    print("AdamLinearRegressor(" + ", ".join(f"{key}={params[key]!r}" for key in shown)
          + ")\n")
    print(format_table(rows))
    if overflows:
        print(f"\n{OVERFLOW}: the MSE exceeds the largest float64 (1.8e308) at this\n"
              "target's scale; the RMSE rows give the error in the target's units.")
    closed_form = args.loss == "squared_error" and (args.penalty == "l2" or not args.alpha)
    against = "closed form" if closed_form else reference_label
    coef_difference = relative_difference(adam.coef_, exact.coef_)
    print(f"\nmax |coef difference| / max |coef| (Adam vs {against}): {coef_difference:.2e}")
    gap = rows[reference_label]["train R^2"] - rows[adam_label]["train R^2"]
    print(f"train R^2 gap ({against} minus Adam): {gap:.2e}")
    if adam.n_iter_ >= args.max_iter:
        print(f"note: Adam ran all {args.max_iter} epochs of --max-iter before its "
              "stopping rule was met")


def _save_outputs(args, model, dataset, rows):
    """Save the fitted Adam model and its predictions of every row, as the options ask."""
    data, X, y, targets = dataset
    row_numbers, test_rows = rows
    if args.save_model is not None:
        save_model(model, args.save_model)
        print(f"model saved to {args.save_model} (joblib.load it; its predict takes the "
              f"feature columns {', '.join(_feature_names(data, X))})")
    if args.save_predictions is not None:
        split = np.where(np.isin(row_numbers, test_rows), "test", "train")
        save_predictions(args.save_predictions, row_numbers, split, targets, y,
                         _predict(model, X))
        print(f"predictions of every row saved to {args.save_predictions}")


def _fit_and_score(model, train, test, closed_form):
    """Fit ``model`` on ``train`` and return its row of the table."""
    start_up = _start_up(model, *train)
    start = time.perf_counter()
    # scipy's lstsq, under LinearRegression, also sums the squared residuals,
    # which LinearRegression discards; near 1e300 that sum overflows.
    quiet = np.errstate(over="ignore") if closed_form else contextlib.nullcontext()
    # Reaching --max-iter is reported once below, not as a warning.
    with warnings.catch_warnings(), quiet:
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(*train)
    elapsed = time.perf_counter() - start
    scores = {part: regression_scores(y, _predict(model, X))
              for part, (X, y) in (("train", train), ("test", test))}
    return {
        "train R^2": scores["train"]["R^2"], "test R^2": scores["test"]["R^2"],
        "train MSE": scores["train"]["MSE"], "test MSE": scores["test"]["MSE"],
        "train RMSE": scores["train"]["RMSE"], "test RMSE": scores["test"]["RMSE"],
        "epochs": getattr(final_estimator(model), "n_iter_", None) or "-",
        "fit time (s)": elapsed,
        "start-up (s)": start_up,
    }


def _predict(model, X):
    # A category that no training row has is encoded as the dropped first
    # one; describe_preprocessing counts such test rows once, in a note.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Found unknown categories", UserWarning)
        return model.predict(X)


def _feature_names(data, X):
    return data.features if data is not None else [f"x{j}" for j in range(X.shape[1])]


def _start_up(model, X, y):
    """Seconds of a fit of ``model`` on a few rows, which the timed fit then does not pay.

    The first fit of a process pays for what a process loads once: numba's
    compiled kernels (a few tenths of a second), the closed form's LAPACK
    wrappers. Timing it apart keeps the fit
    time that of the data.
    """
    n_rows = min(X.shape[0], max(100, X.shape[1]))
    warm = clone(model)
    if isinstance(final_estimator(warm), AdamLinearRegressor):
        final_estimator(warm).set_params(max_iter=2)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warm.fit(X[:n_rows], y[:n_rows])
    return time.perf_counter() - start
