"""The options of ``python -m sklearn_adam``: the parser, their checks, the data they name.

Every option is refused before any data is read when it is out of range,
with the flag named as the user typed it; the estimator's own checks
(:func:`~sklearn_adam._parameters.checked_components`) decide the ranges of
the estimator's options, so the command line and the estimator cannot
disagree about them.
"""

import argparse
import os

from sklearn import datasets
from sklearn.linear_model import (
    ElasticNet,
    GammaRegressor,
    HuberRegressor,
    Lasso,
    LinearRegression,
    PoissonRegressor,
    QuantileRegressor,
    Ridge,
)

from ._cli_csv import UsageError, read_csv
from ._cli_model import check_output_path
from ._linear_model import AdamLinearRegressor
from ._objective._losses import LOSSES, PENALTIES
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
  python -m sklearn_adam --loss quantile --quantile 0.9
  python -m sklearn_adam --penalty elasticnet --l1-ratio 0.7 --alpha 0.1
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

# The (penalty, loss) pairs that a scikit-learn estimator fits with alpha > 0.
PEERS = {("l2", "squared_error"), ("l2", "poisson"), ("l2", "gamma"), ("l2", "huber"),
         ("l1", "squared_error"), ("elasticnet", "squared_error"), ("l1", "quantile"),
         ("l1", "absolute_error")}

# The flag of each estimator parameter that an option sets.
FLAGS = {"alpha": "--alpha", "batch_size": "--batch-size",
         "learning_rate": "--learning-rate", "max_iter": "--max-iter", "solver": "--solver",
         "loss": "--loss", "quantile": "--quantile",
         "penalty": "--penalty", "l1_ratio": "--l1-ratio"}


class _Parser(argparse.ArgumentParser):
    # argparse prints the usage and then the error; one line is easier to read
    # in a terminal and matches the other errors of this command.
    def error(self, message):
        self.exit(2, f"error: {message} (see --help)\n")


def parser():
    """The command line's argument parser.

    Returns
    -------
    parser : argparse.ArgumentParser
        Its ``error`` exits with status 2 after one line on stderr.
    """
    command_line = _Parser(
        prog="python -m sklearn_adam",
        description="Fit AdamLinearRegressor and LinearRegression (the closed form; Ridge\n"
        "with --alpha) on a train/test split of a dataset and print their R^2,\n"
        "MSE, epochs and fit times side by side. The dataset ships with\n"
        "scikit-learn or is a CSV file.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_data_options(command_line.add_argument_group("data"))
    _add_model_options(command_line.add_argument_group("AdamLinearRegressor"))
    _add_output_options(command_line.add_argument_group("output"))
    return command_line


def _add_data_options(data):
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


def _add_model_options(model):
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
                       help="penalty strength, >= 0: Ridge's alpha with --penalty l2 (the "
                       "closed form compared with is then Ridge), Lasso's with l1, "
                       "ElasticNet's with elasticnet (default: %(default)s)")
    model.add_argument("--penalty", choices=list(PENALTIES), default=defaults["penalty"],
                       help="the penalty that --alpha weighs: %(choices)s; with l1 or "
                       "elasticnet Adam is compared with Lasso or ElasticNet (with --loss "
                       "quantile, QuantileRegressor at l1) (default: %(default)s)")
    model.add_argument("--l1-ratio", type=float, default=defaults["l1_ratio"],
                       help="ElasticNet's l1_ratio, in [0, 1], only with --penalty "
                       "elasticnet (default: 0.5 there)")
    model.add_argument("--loss", choices=list(LOSSES), default=defaults["loss"],
                       help="the loss of each prediction: %(choices)s; Adam is then compared "
                       "with scikit-learn's estimator of that loss (PoissonRegressor, "
                       "GammaRegressor, QuantileRegressor) (default: %(default)s)")
    model.add_argument("--quantile", type=float, default=defaults["quantile"],
                       help="the quantile that --loss quantile estimates, in (0, 1) "
                       "(default: %(default)s)")
    model.add_argument("--early-stopping", action="store_true",
                       help="hold out 10%% of the training rows, stop when their R^2 "
                       "stalls and keep the best epoch's coefficients (default: off)")


def _add_output_options(output):
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


def _column_names(text):
    names = [name.strip() for name in text.split(",")]
    if not all(names):
        raise argparse.ArgumentTypeError(f"expected column names separated by commas; "
                                         f"got {text!r}")
    return names


def estimator(args):
    """The AdamLinearRegressor that the options describe.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed options.

    Returns
    -------
    estimator : AdamLinearRegressor
        Unfitted.
    """
    return AdamLinearRegressor(
        solver=args.solver, batch_size=args.batch_size, learning_rate=args.learning_rate,
        max_iter=args.max_iter, early_stopping=args.early_stopping,
        random_state=args.random_state, alpha=args.alpha, loss=args.loss,
        quantile=args.quantile, penalty=args.penalty, l1_ratio=args.l1_ratio,
    )


def reference(args):
    """The closed form that Adam's fit is compared with, and its label.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed options.

    Returns
    -------
    label : str
        The estimator's class name: with the squared error, "Ridge",
        "Lasso" or "ElasticNet" (as ``--penalty`` says) with ``--alpha``
        above 0, else "LinearRegression"; with another loss, scikit-learn's
        estimator of it, run to its tightest tolerance.
    estimator : object
        Unfitted.
    """
    if args.loss in ("poisson", "gamma"):
        # The same alpha means the same penalty for these two.
        peer = {"poisson": PoissonRegressor, "gamma": GammaRegressor}[args.loss]
        return peer.__name__, peer(alpha=args.alpha, solver="newton-cholesky", tol=1e-12,
                                   max_iter=1000)
    if args.loss == "huber":
        # The same alpha, and epsilon the default huber_epsilon.
        return "HuberRegressor", HuberRegressor(alpha=args.alpha, tol=1e-12, max_iter=10_000)
    if args.loss in ("quantile", "absolute_error"):
        quantile = args.quantile if args.loss == "quantile" else 0.5
        # QuantileRegressor's alpha weighs the same L1 penalty as Adam's at l1,
        # next to the pinball loss: the absolute error is twice the median's.
        alpha = args.alpha if args.penalty == "l1" else 0.0
        alpha = alpha / 2 if args.loss == "absolute_error" else alpha
        return "QuantileRegressor", QuantileRegressor(quantile=quantile, alpha=alpha,
                                                      solver="highs")
    if args.alpha == 0:
        return "LinearRegression", LinearRegression()
    if args.penalty == "l1":
        return "Lasso", Lasso(alpha=args.alpha, tol=1e-12, max_iter=100_000)
    if args.penalty == "elasticnet":
        l1_ratio = 0.5 if args.l1_ratio is None else args.l1_ratio
        return "ElasticNet", ElasticNet(alpha=args.alpha, l1_ratio=l1_ratio, tol=1e-12,
                                        max_iter=100_000)
    return "Ridge", Ridge(alpha=args.alpha)


def check_options(args):
    """Refuse out-of-range options before any data is read, naming their flags.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed options.

    Raises
    ------
    UsageError
        Naming the first flag whose value is refused.
    """
    if not 0 < args.test_size < 1:
        raise UsageError(f"--test-size must be a fraction in (0, 1); got {args.test_size} "
                         "(train_test_split's test_size)")
    try:
        checked_components(estimator(args))
    except ValueError as exc:
        message = str(exc)
        for parameter, flag in FLAGS.items():
            # "l1_ratio must be ..." and "l1_ratio=0.5 is given with ...".
            for prefix, shown in ((f"{parameter} must be", f"{flag} must be"),
                                  (f"{parameter}=", f"{flag} ")):
                if message.startswith(prefix):
                    message = (f"{shown}{message[len(prefix):].rstrip('.')} "
                               f"(AdamLinearRegressor's {parameter})")
        raise UsageError(message) from None
    _check_peer(args)
    outputs = [(flag, path) for flag, path in (("--save-model", args.save_model),
                                                ("--save-predictions", args.save_predictions))
               if path is not None]
    for flag, path in outputs:
        check_output_path(flag, path, args.data)
    if len(outputs) == 2 and os.path.abspath(outputs[0][1]) == os.path.abspath(outputs[1][1]):
        raise UsageError("--save-model and --save-predictions name the same file")


def _check_peer(args):
    # Options with which no scikit-learn estimator minimizes Adam's objective.
    if args.alpha == 0 or (args.penalty, args.loss) in PEERS:
        return
    if args.penalty == "l2":
        raise UsageError(f"--alpha with --loss {args.loss} has no estimator to compare with: "
                         "QuantileRegressor's alpha is an L1 penalty, Adam's an L2 one "
                         "(--penalty l1 is QuantileRegressor's)")
    raise UsageError(f"--penalty {args.penalty} with --loss {args.loss} has no estimator to "
                     "compare with: scikit-learn's estimators of this loss take "
                     + ("an L2 penalty only" if args.loss in ("poisson", "gamma", "huber")
                        else "an L1 penalty only"))


def load(args):
    """Read the dataset that ``--data`` names.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed options.

    Returns
    -------
    name : str
        The dataset's name as the report shows it.
    X : ndarray of shape (n_rows, n_features)
    y : ndarray of shape (n_rows,) or (n_rows, n_targets)
    data : CsvData or None
        The CSV file's columns; None for a bundled dataset.
    targets : list of str
        The names of the target columns.

    Raises
    ------
    UsageError
        When ``--data`` names neither a dataset nor a file, or an option
        that applies to a CSV file is given with a bundled dataset.
    """
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
