"""Compare AdamLinearRegressor with LinearRegression on a dataset.

Run ``python -m sklearn_adam --help`` for the options. The options, their
checks and the data they name are in :mod:`sklearn_adam._cli_options`; the
fits, the table and the saved files in :mod:`sklearn_adam._cli_compare`.
"""

import sys

from ._cli_compare import compare
from ._cli_csv import UsageError, refuse_blanks
from ._cli_options import check_options, load, parser
from ._cli_plot import import_matplotlib, plot_path


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
        args = parser().parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error already printed
        return exc.code or 0
    try:
        check_options(args)
        if args.plot is not None:
            import_matplotlib()
            args.plot = plot_path(args.plot, args.data)
        name, X, y, data, targets = load(args)
        if data is not None and args.impute == "refuse":
            refuse_blanks(args.data, data.blanks)
        compare(args, (name, targets), X, y, data)
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


if __name__ == "__main__":
    sys.exit(main())
