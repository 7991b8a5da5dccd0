"""Compare AdamLinearRegressor with LinearRegression on a dataset.

Run ``python -m sklearn_adam --help`` for the options.
"""

import argparse
import csv
import os
import sys
import time
import warnings

import numpy as np
from sklearn import datasets
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression
from sklearn.metrics import mean_squared_error, r2_score
from sklearn.model_selection import train_test_split

from . import AdamLinearRegressor
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

A CSV file needs a header row naming its columns and numbers in every other
cell; --target names the column to predict and all the others are features,
but for a first column with an empty name (the row index pandas writes).
--plot needs matplotlib, which is not a dependency (pip install matplotlib).
"""


class UsageError(Exception):
    """A bad combination of options, reported like argparse's errors (exit 2)."""


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
        description="Fit AdamLinearRegressor and LinearRegression (the closed form) on a\n"
        "train/test split of a dataset and print their R^2, MSE, epochs and fit\n"
        "times side by side. The dataset ships with scikit-learn or is a CSV file.",
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
    model.add_argument("--early-stopping", action="store_true",
                       help="hold out 10%% of the training rows, stop when their R^2 "
                       "stalls and keep the best epoch's coefficients (default: off)")
    output = parser.add_argument_group("output")
    output.add_argument("--plot", metavar="FILE.png",
                        help="save the training loss per epoch (and, with "
                        "--early-stopping, the validation R^2 with the kept epoch "
                        "marked) to this image; needs matplotlib (default: no plot)")
    return parser


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
            _import_matplotlib()
            args.plot = _plot_path(args.plot)
        name, X, y = _load(args.data, args.target)
        _compare(args, name, X, y)
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
FLAGS = {"batch_size": "--batch-size", "learning_rate": "--learning-rate",
         "max_iter": "--max-iter", "solver": "--solver"}


def _estimator(args):
    return AdamLinearRegressor(
        solver=args.solver, batch_size=args.batch_size, learning_rate=args.learning_rate,
        max_iter=args.max_iter, early_stopping=args.early_stopping,
        random_state=args.random_state,
    )


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


def _plot_path(path):
    """The file --plot will write: matplotlib adds ".png" to a name without a suffix."""
    if not os.path.splitext(path)[1]:
        path += ".png"
    folder = os.path.dirname(path) or "."
    if not os.path.isdir(folder):
        raise UsageError(f"--plot: the folder {folder} does not exist")
    return path


def _import_matplotlib():
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise UsageError("--plot needs matplotlib, which is not installed "
                         "(pip install matplotlib)") from None
    return Figure


def _load(spec, target):
    """Return a display name, ``X`` and ``y`` for ``--data`` and ``--target``."""
    if spec in DATASETS and not os.path.isfile(spec):
        if target is not None:
            raise UsageError("--target applies only to a CSV file; "
                             f"{spec!r} is a bundled dataset")
        X, y = DATASETS[spec](return_X_y=True)
        return spec, X, y
    if not (os.path.exists(spec) or os.path.splitext(spec)[1] or "/" in spec or os.sep in spec):
        raise UsageError(f"argument --data: invalid choice: {spec!r} is neither a dataset "
                         f"({', '.join(DATASETS)}) nor a file")
    if target is None:
        raise UsageError(f"--target is required with a CSV file ({spec})")
    X, y = _read_csv(spec, target)
    return f"{spec} (target {target!r})", X, y


def _read_csv(path, target):
    try:
        with open(path, newline="", encoding="utf-8-sig") as file:
            rows = [row for row in csv.reader(file) if row]
    except (csv.Error, UnicodeDecodeError) as exc:
        raise ValueError(f"{path} is not a valid UTF-8 CSV file: {exc}") from None
    except OSError as exc:
        raise OSError(f"cannot read {path}: {exc.strerror or exc}") from None
    if not rows:
        raise ValueError(f"{path} is empty; expected a header row and data rows")
    header = [name.strip() for name in rows[0]]
    # pandas' to_csv writes the row index first, under an empty name: it is
    # not a feature.
    index_column = header[0] == "" and len(header) > 1
    if index_column:
        header, rows = header[1:], [row[1:] for row in rows]
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise ValueError(f"{path} names several columns {', '.join(map(repr, repeated))}; "
                         "column names must be unique")
    if header.count(target) != 1:
        problem = "is not a column" if target not in header else "names several columns"
        raise ValueError(f"{target!r} {problem} of {path}; its columns are: "
                         f"{', '.join(header)}")
    if len(header) < 2:
        raise ValueError(f"{path} has no feature columns besides {target!r}")
    if len(rows) < 2:
        raise ValueError(f"{path} has a header but no data rows")
    values = np.empty((len(rows) - 1, len(header)))
    for i, row in enumerate(rows[1:]):
        if len(row) != len(header):
            raise ValueError(f"{path}, data row {i + 1}: {len(row)} fields, but the "
                             f"header has {len(header)}")
        for j, cell in enumerate(row):
            try:
                values[i, j] = float(cell)
            except ValueError:
                raise ValueError(f"{path}, data row {i + 1}, column {header[j]!r}: "
                                 f"{cell!r} is not a number") from None
            if not np.isfinite(values[i, j]):
                raise ValueError(f"{path}, data row {i + 1}, column {header[j]!r}: "
                                 f"{cell!r} is not a finite number")
    column = header.index(target)
    return np.delete(values, column, axis=1), values[:, column]


def _compare(args, name, X, y):
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=args.test_size, random_state=args.random_state
    )
    if min(X_train.shape[0], X_test.shape[0]) < 2:
        raise ValueError(
            f"{X.shape[0]} rows leave {X_train.shape[0]} for training and {X_test.shape[0]} "
            f"for testing with --test-size {args.test_size}; R^2 needs at least 2 in each"
        )
    adam = _estimator(args)
    exact = LinearRegression()
    rows = {}
    for label, model in (("AdamLinearRegressor", adam), ("LinearRegression", exact)):
        start_up = _start_up(model, X_train, y_train)
        start = time.perf_counter()
        # Reaching --max-iter is reported once below, not as a warning.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X_train, y_train)
        elapsed = time.perf_counter() - start
        rows[label] = {
            "train R^2": r2_score(y_train, model.predict(X_train)),
            "test R^2": r2_score(y_test, model.predict(X_test)),
            "train MSE": mean_squared_error(y_train, model.predict(X_train)),
            "test MSE": mean_squared_error(y_test, model.predict(X_test)),
            "epochs": getattr(model, "n_iter_", "-"),
            "fit time (s)": elapsed,
            "start-up (s)": start_up,
        }
    kept_epoch = None
    if args.early_stopping:
        kept_epoch = int(np.argmax(adam.validation_scores_)) + 1
        rows["AdamLinearRegressor"]["kept epoch"] = kept_epoch
        rows["LinearRegression"]["kept epoch"] = "-"

    print(f"Dataset: {name}, {X_train.shape[0]} training and {X_test.shape[0]} "
          f"test rows, {X.shape[1]} features")
    params = adam.get_params()
    shown = ("solver", "batch_size", "learning_rate", "max_iter", "early_stopping")
    print("AdamLinearRegressor(" + ", ".join(f"{key}={params[key]!r}" for key in shown)
          + ")\n")
    print(_table(rows))
    scale = np.max(np.abs(exact.coef_))
    coef_difference = np.max(np.abs(adam.coef_ - exact.coef_)) / scale if scale else np.nan
    print(f"\nmax |coef difference| / max |coef| (Adam vs closed form): {coef_difference:.2e}")
    gap = rows["LinearRegression"]["train R^2"] - rows["AdamLinearRegressor"]["train R^2"]
    print(f"train R^2 gap (closed form minus Adam): {gap:.2e}")
    if adam.n_iter_ >= args.max_iter:
        print(f"note: Adam ran all {args.max_iter} epochs of --max-iter before its "
              "stopping rule was met")
    if args.plot is not None:
        _plot(adam, kept_epoch, args.plot)
        print(f"plot saved to {args.plot}")


def _start_up(model, X, y):
    """Seconds of a fit of ``model`` on a few rows, which the timed fit then does not pay.

    The first fit of a process pays for what a process loads once: numba's
    compiled kernels (a few tenths of a second), the closed form's LAPACK
    wrappers. Timing it apart keeps the fit
    time that of the data.
    """
    n_rows = min(X.shape[0], max(100, X.shape[1]))
    warm = clone(model)
    if isinstance(warm, AdamLinearRegressor):
        warm.set_params(max_iter=2)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warm.fit(X[:n_rows], y[:n_rows])
    return time.perf_counter() - start


def _plot(adam, kept_epoch, path):
    Figure = _import_matplotlib()
    n_panels = 1 if kept_epoch is None else 2
    figure = Figure(figsize=(6, 3 * n_panels))
    axes = figure.subplots(n_panels, 1, sharex=True, squeeze=False)[:, 0]
    epochs = np.arange(1, len(adam.loss_curve_) + 1)
    axes[0].plot(epochs, adam.loss_curve_)
    axes[0].set_yscale("log")
    axes[0].set_ylabel("training loss (standardized)")
    axes[0].set_title(f"AdamLinearRegressor, solver={adam.solver}")
    if kept_epoch is not None:
        scores = adam.validation_scores_
        axes[1].plot(epochs, scores, color="tab:orange")
        axes[1].axvline(kept_epoch, color="gray", linestyle="--")
        axes[1].plot([kept_epoch], [scores[kept_epoch - 1]], "o", color="tab:red",
                     label=f"kept epoch {kept_epoch}")
        axes[1].set_ylabel("validation R^2")
        axes[1].legend()
    axes[-1].set_xlabel("epoch")
    figure.tight_layout()
    try:
        figure.savefig(path)
    except OSError as exc:
        raise OSError(f"cannot save the plot to {path}: {exc.strerror or exc}") from None
    except ValueError as exc:  # an extension matplotlib cannot write
        raise ValueError(f"cannot save the plot to {path}: {exc}") from None


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
