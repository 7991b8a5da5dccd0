"""What watching a fit costs: ``verbose=1`` and scikit-learn's ``ProgressBar``.

Fits of ``AdamLinearRegressor()`` at its defaults, measured in the same run,
interleaved, the median and the best of ``--repeats`` fits of each
(standard output captured, so that the terminal's speed is not measured; on
a shared machine the best is the steadier figure):

- plain, with ``verbose=1``, with ``set_callbacks(ProgressBar())``;
- the bar's fixed cost: a fit of one epoch with and without the bar. Its
  ``setup`` and ``teardown`` (a socket listener, a thread and rich's live
  display, opened and closed by scikit-learn around every fit of any
  estimator) cost milliseconds whatever the fit does;

on the diabetes data (442 x 10, a fit of a few milliseconds) and on a
larger problem whose fit takes a fraction of a second. It prints each
watched fit's time over the plain one's, and the lines verbose printed.

Run from the repository root::

    python -m benchmarks.progress               # about 30 s
    python -m benchmarks.progress --repeats 21
"""

import argparse
import contextlib
import io
import statistics
import time
import warnings

from sklearn.datasets import load_diabetes, make_regression
from sklearn.exceptions import ConvergenceWarning

from benchmarks.speed import format_table, machine, print_machine
from sklearn_adam import AdamLinearRegressor
from sklearn_adam._callbacks import CALLBACKS_AVAILABLE


def progress_bar():
    """scikit-learn's ProgressBar, or None where it (or rich) is missing."""
    if not CALLBACKS_AVAILABLE:
        return None
    from sklearn.callback import ProgressBar

    try:
        return ProgressBar()
    except ImportError:  # rich is not installed
        return None


def variants():
    """(name, make_model) of each way of watching a fit."""
    yield "plain", lambda: AdamLinearRegressor()
    yield "verbose=1", lambda: AdamLinearRegressor(verbose=1)
    if progress_bar() is not None:
        yield "ProgressBar", lambda: AdamLinearRegressor().set_callbacks(progress_bar())
        yield "1 epoch", lambda: AdamLinearRegressor(max_iter=1)
        yield "1 epoch, ProgressBar", (
            lambda: AdamLinearRegressor(max_iter=1).set_callbacks(progress_bar())
        )


def fit_seconds(make_model, X, y):
    """Seconds of one fit, and the lines it printed."""
    model = make_model()
    output = io.StringIO()
    with contextlib.redirect_stdout(output), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        model.fit(X, y)
        seconds = time.perf_counter() - start
    return seconds, len(output.getvalue().splitlines()), model.n_iter_


def measure(X, y, repeats):
    """Seconds of each fit, lines printed and epochs of each variant, interleaved."""
    named = list(variants())
    for _, make_model in named:  # compile and warm every path first
        fit_seconds(make_model, X, y)
    times = {name: [] for name, _ in named}
    lines, epochs = {}, {}
    for _ in range(repeats):
        for name, make_model in named:
            seconds, lines[name], epochs[name] = fit_seconds(make_model, X, y)
            times[name].append(seconds)
    return times, lines, epochs


def problems():
    """(name, X, y) of each problem."""
    X, y = load_diabetes(return_X_y=True)
    yield "diabetes, 442 x 10", X, y
    X, y = make_regression(n_samples=50_000, n_features=20, noise=1.0, random_state=0)
    yield "make_regression, 50,000 x 20", X, y


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9, help="fits of each variant")
    args = parser.parse_args()
    print_machine(machine())
    for title, X, y in problems():
        times, lines, epochs = measure(X, y, args.repeats)
        medians = {name: statistics.median(values) for name, values in times.items()}
        bests = {name: min(values) for name, values in times.items()}
        rows = []
        for name in times:
            unwatched = "1 epoch" if name.startswith("1 epoch") else "plain"
            rows.append([
                name, f"{epochs[name]}",
                f"{medians[name] * 1e3:.2f}", f"{medians[name] / medians[unwatched]:.2f}",
                f"{bests[name] * 1e3:.2f}", f"{bests[name] / bests[unwatched]:.2f}",
                f"{lines[name]}",
            ])
        print(f"\n{title}: {args.repeats} fits of each")
        print(format_table(["fit", "epochs", "median ms", "x unwatched", "best ms",
                            "x unwatched", "lines"], rows))


if __name__ == "__main__":
    main()
