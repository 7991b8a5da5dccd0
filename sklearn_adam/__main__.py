"""Compare AdamLinearRegressor with LinearRegression on a dataset.

Run ``python -m sklearn_adam --help`` for the options.
"""

import argparse
import contextlib
import os
import sys
import time
import warnings

import numpy as np
from sklearn import datasets
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.model_selection import train_test_split

from . import AdamLinearRegressor
from ._cli_csv import UsageError, read_csv, refuse_blanks
from ._cli_model import (
    check_output_path,
    final_estimator,
    preprocessor,
    save_model,
    save_predictions,
    with_preprocessing,
)
from ._cli_plot import import_matplotlib, plot, plot_path
from ._cli_report import (
    OVERFLOW,
    describe_preprocessing,
    format_table,
    regression_scores,
    relative_difference,
)
from ._parameters import checked_components
from ._rules import SOLVERS

# Every entry loads without a download: the two regression sets shipped with
# scikit-learn, and the Friedman problems drawn with a fixed seed.
DATASETS = {
    "diabetes": datasets.load_diabetes,
    "linnerud": datasets.load_linnerud,
    "friedman1": lambda return_X_y: datasets.make_friedman1(
        n_samples=1000, noise=1.0, random_state=0),
    "friedman2": lambda return_X_y: datasets.make_friedman2(
        n_samples=1000, noise=1.0, random_state=0),
    "friedman3": lambda return_X_y: datasets.make_friedman3(
        n_samples=1000, noise=0.1, random_state=0),
}

EPILOG = """\
examples:
  python -m sklearn_adam
  python -m sklearn_adam --data linnerud --solver adamw --batch-size full
  python -m sklearn_adam --data houses.csv --target price --early-stopping \\
      --plot curves.png
  python -m sklearn_adam --data houses.csv --target price --drop id,street \\
      --impute median --alpha 1.0 --save-model model.joblib

A CSV file needs a header row naming its columns; --target names the column
to predict and all the others are features, but for those --drop names and a
first column with an empty name (the row index pandas writes). A column of
words (no cell a number) is one-hot encoded, dropping its first category; a
blank cell is refused unless --impute says how to fill it. The target needs a
number in every row. --plot needs matplotlib, which is not a dependency (pip
install matplotlib).
"""


class _Parser(argparse.ArgumentParser):
    # argparse prints the usage and then the error; one line is easier to read
    # in a terminal and matches the other errors of this command.
    def error(self, message):
        self.exit(2, f"error: {message} (see --help)\n")


def _batch_size(text):
    if text == "auto":
        return "auto"
    if text == "full":
        return None
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected an integer, 'auto' or 'full'; got {text!r}") from None


def _parser():
    parser = _Parser(
        prog="python -m sklearn_adam",
        description="Fit AdamLinearRegressor and LinearRegression (the closed form; Ridge\n"
        "with --alpha) on a train/test split of a dataset and print their R^2,\n"
        "MSE, epochs and fit times side by side. The dataset ships with\n"
        "scikit-learn or is a CSV file.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    data = parser.add_argument_group("data")
    data.add_argument(
        "--data", default="diabetes", metavar="NAME_OR_FILE",
        help=f"a dataset that loads without a download ({', '.join(DATASETS)}; the "
        "friedman ones are 1000 synthetic rows) or the path of a CSV file "
        "(default: %(default)s)")
    data.add_argument("--target", metavar="COLUMN",
                      help="the column of the CSV file to predict; required with a file")
    data.add_argument("--test-size", type=float, default=0.25,
                      help="fraction of rows held out for testing (default: %(default)s)")
    data.add_argument("--random-state", type=int, default=0,
                      help="seed of the split and of the Adam fit (default: %(default)s)")
    data.add_argument("--drop", type=_column_names, action="extend", default=[],
                      metavar="COLUMN[,COLUMN...]",
                      help="CSV columns that are not features; repeatable (default: none)")
    data.add_argument("--categorical", type=_column_names, action="extend", default=[],
                      metavar="COLUMN[,COLUMN...]",
                      help="CSV columns to one-hot encode although they hold numbers (codes); "
                      "repeatable (default: only the columns with no number)")
    data.add_argument("--impute", choices=("refuse", "mean", "median"), default="refuse",
                      help="what to do with a blank feature cell: refuse it (an error naming "
                      "its row and column, as scikit-learn refuses NaN), or fill it with the "
                      "mean or median of the training rows' column (a blank categorical "
                      "cell takes the most frequent category) (default: %(default)s)")
    model = parser.add_argument_group("AdamLinearRegressor")
    model.add_argument("--solver", choices=list(SOLVERS), default="adam",
                       help="update rule: %(choices)s (default: %(default)s)")
    defaults = AdamLinearRegressor().get_params()
    model.add_argument("--batch-size", type=_batch_size, default=defaults["batch_size"],
                       metavar="N",
                       help="rows per step: an integer, 'auto' or 'full' (both: all rows, "
                       "one exact step per epoch) (default: %(default)s)")
    model.add_argument("--learning-rate", type=float, default=defaults["learning_rate"],
                       help="base step size, > 0 (default: %(default)s)")
    model.add_argument("--max-iter", type=int, default=defaults["max_iter"],
                       help="maximum number of epochs; a full-batch epoch is one step "
                       "(default: %(default)s)")
    model.add_argument("--alpha", type=float, default=defaults["alpha"],
                       help="L2 penalty, >= 0, as Ridge's alpha; with alpha > 0 the closed "
                       "form compared with is Ridge (default: %(default)s)")
    model.add_argument("--early-stopping", action="store_true",
                       help="hold out 10%% of the training rows, stop when their R^2 "
                       "stalls and keep the best epoch's coefficients (default: off)")
    output = parser.add_argument_group("output")
    output.add_argument("--plot", metavar="FILE.png",
                        help="save the training loss per epoch (and, with "
                        "--early-stopping, the validation R^2 with the kept epoch "
                        "marked) to this image; needs matplotlib (default: no plot)")
    output.add_argument("--save-model", metavar="FILE",
                        help="save the fitted AdamLinearRegressor (behind its one-hot "
                        "encoding and imputation, as a Pipeline) with joblib; "
                        "joblib.load(FILE).predict takes the feature columns as the CSV "
                        "file has them (default: not saved)")
    output.add_argument("--save-predictions", metavar="FILE.csv",
                        help="write Adam's prediction for every data row, with its row "
                        "number, 'train' or 'test' and the target, to this CSV file "
                        "(default: not saved)")
    return parser


def _column_names(text):
    names = [name.strip() for name in text.split(",")]
    if not all(names):
        raise argparse.ArgumentTypeError(f"expected column names separated by commas; "
                                         f"got {text!r}")
    return names


def main(argv=None):
    """Fit both models and print the comparison table.

    Parameters
    ----------
    argv : list of str, default=None
        Command-line arguments; None reads ``sys.argv``.

    Returns
    -------
    status : int
        The exit status: 0 on success, 1 for bad data or a failed fit, 2 for
        bad options or a missing optional package.
    """
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error already printed
        return exc.code or 0
    try:
        _check_options(args)
        if args.plot is not None:
            import_matplotlib()
            args.plot = plot_path(args.plot, args.data)
        name, X, y, data, targets = _load(args)
        if data is not None and args.impute == "refuse":
            refuse_blanks(args.data, data.blanks)
        _compare(args, (name, targets), X, y, data)
    except BrokenPipeError:  # the reader quit early, as ``| head`` does; not an error
        sys.stdout = None  # nothing left to flush at exit
        return 1
    except UsageError as exc:
        return _fail(exc, 2)
    except (ValueError, OSError, ArithmeticError) as exc:
        return _fail(exc, 1)
    return 0


def _fail(exc, status):
    message = " ".join(str(exc).split()) or type(exc).__name__
    print(f"error: {message}", file=sys.stderr)
    return status


# The flag of each estimator parameter that an option sets.
FLAGS = {"alpha": "--alpha", "batch_size": "--batch-size",
         "learning_rate": "--learning-rate", "max_iter": "--max-iter", "solver": "--solver"}


def _estimator(args):
    return AdamLinearRegressor(
        solver=args.solver, batch_size=args.batch_size, learning_rate=args.learning_rate,
        max_iter=args.max_iter, early_stopping=args.early_stopping,
        random_state=args.random_state, alpha=args.alpha,
    )


def _reference(args):
    """The closed form that Adam's fit is compared with, and its label."""
    if args.alpha > 0:
        return "Ridge", Ridge(alpha=args.alpha)
    return "LinearRegression", LinearRegression()


def _check_options(args):
    """Refuse out-of-range options before any data is read, naming their flags."""
    if not 0 < args.test_size < 1:
        raise UsageError(f"--test-size must be a fraction in (0, 1); got {args.test_size} "
                         "(train_test_split's test_size)")
    try:
        checked_components(_estimator(args))
    except ValueError as exc:
        message = str(exc)
        for parameter, flag in FLAGS.items():
            if message.startswith(f"{parameter} must be"):
                message = (f"{flag}{message[len(parameter):].rstrip('.')} "
                           f"(AdamLinearRegressor's {parameter})")
        raise UsageError(message) from None
    outputs = [(flag, path) for flag, path in (("--save-model", args.save_model),
                                                ("--save-predictions", args.save_predictions))
               if path is not None]
    for flag, path in outputs:
        check_output_path(flag, path, args.data)
    if len(outputs) == 2 and os.path.abspath(outputs[0][1]) == os.path.abspath(outputs[1][1]):
        raise UsageError("--save-model and --save-predictions name the same file")


def _load(args):
    """Read ``--data``: its display name, ``X``, ``y``, CsvData (None) and target names."""
    spec, target = args.data, args.target
    if spec in DATASETS and not os.path.isfile(spec):
        csv_only = {"--target": target is not None, "--drop": args.drop,
                    "--categorical": args.categorical, "--impute": args.impute != "refuse"}
        given = [flag for flag, value in csv_only.items() if value]
        if given:
            raise UsageError(f"{given[0]} applies only to a CSV file; "
                             f"{spec!r} is a bundled dataset")
        X, y = DATASETS[spec](return_X_y=True)
        targets = (["target"] if y.ndim == 1
                   else [f"target {k}" for k in range(y.shape[1])])
        return spec, X, y, None, targets
    if not (os.path.exists(spec) or os.path.splitext(spec)[1] or "/" in spec or os.sep in spec):
        raise UsageError(f"argument --data: invalid choice: {spec!r} is neither a dataset "
                         f"({', '.join(DATASETS)}) nor a file")
    if target is None:
        raise UsageError(f"--target is required with a CSV file ({spec})")
    data = read_csv(spec, target, drop=args.drop, categorical=args.categorical)
    return f"{spec} (target {target!r})", data.X, data.y, data, [target]


def _compare(args, dataset, X, y, data):
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
    reference_label, reference = _reference(args)
    models = {"AdamLinearRegressor": _estimator(args), reference_label: reference}
    models = {label: with_preprocessing(preprocessor(data, args.impute), model)
              for label, model in models.items()}
    rows = {label: _fit_and_score(model, (X_train, y_train), (X_test, y_test),
                                  closed_form=label == reference_label)
            for label, model in models.items()}
    overflows = any(row[f"{part} MSE"] is None for row in rows.values()
                    for part in ("train", "test"))
    if not overflows:  # the RMSE only stands in for an MSE that float64 cannot hold
        for row in rows.values():
            del row["train RMSE"], row["test RMSE"]
    adam, exact = (final_estimator(model) for model in models.values())
    kept_epoch = None
    if args.early_stopping:
        kept_epoch = int(np.argmax(adam.validation_scores_)) + 1
        rows["AdamLinearRegressor"]["kept epoch"] = kept_epoch
        rows[reference_label]["kept epoch"] = "-"

    print(f"Dataset: {name}, {X_train.shape[0]} training and {X_test.shape[0]} "
          f"test rows, {X.shape[1]} features")
    if data is not None:
        describe_preprocessing(data, args.impute, X_train, X_test)
    params = adam.get_params()
    shown = ["solver", "batch_size", "learning_rate", "max_iter", "early_stopping"]
    shown += ["alpha"] if args.alpha else []
    print("AdamLinearRegressor(" + ", ".join(f"{key}={params[key]!r}" for key in shown)
          + ")\n")
    print(format_table(rows))
    if overflows:
        print(f"\n{OVERFLOW}: the MSE exceeds the largest float64 (1.8e308) at this\n"
              "target's scale; the RMSE rows give the error in the target's units.")
    coef_difference = relative_difference(adam.coef_, exact.coef_)
    print(f"\nmax |coef difference| / max |coef| (Adam vs closed form): {coef_difference:.2e}")
    gap = rows[reference_label]["train R^2"] - rows["AdamLinearRegressor"]["train R^2"]
    print(f"train R^2 gap (closed form minus Adam): {gap:.2e}")
    if adam.n_iter_ >= args.max_iter:
        print(f"note: Adam ran all {args.max_iter} epochs of --max-iter before its "
              "stopping rule was met")
    if args.plot is not None:
        plot(adam, kept_epoch, args.plot)
        print(f"plot saved to {args.plot}")
    if args.save_model is not None:
        save_model(models["AdamLinearRegressor"], args.save_model)
        print(f"model saved to {args.save_model} (joblib.load it; its predict takes the "
              f"feature columns {', '.join(_feature_names(data, X))})")
    if args.save_predictions is not None:
        split = np.where(np.isin(row_numbers, test_rows), "test", "train")
        save_predictions(args.save_predictions, row_numbers, split, targets, y,
                         _predict(models["AdamLinearRegressor"], X))
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


if __name__ == "__main__":
    sys.exit(main())
