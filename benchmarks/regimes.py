"""Adam's own regime: early stopping, mini-batches and streams, against the peers.

Measures the targets of issue 22 in one run, on
``make_regression(200_000, 50, noise=10, random_state=0)``, dense float64
(``--quick``: 50,000 rows), each next to its scikit-learn peers:

1. ``AdamLinearRegressor(early_stopping=True, random_state=0)`` against the
   same fit without early stopping (the converged model, default ``tol``):
   epochs, seconds and held-out R^2, and the difference of the scores;
2. ``early_stopping=True, batch_size=256`` against ``SGDRegressor`` and
   ``MLPRegressor(hidden_layer_sizes=())`` (a linear model trained by Adam),
   both with ``early_stopping=True, random_state=0``: epochs, seconds,
   held-out R^2 and the ratio of the times, ours over SGD's.
   ``MLPRegressor`` keeps its default ``max_iter=200``, which caps it at about
   a minute here;
3. ``partial_fit``, one pass over the rows in chunks of 1,000, 20,000 and all
   200,000 rows, then two more passes: the training MSE above the optimum
   (LinearRegression's), ``100 * (mse / optimum - 1)`` in %, and the seconds
   of the ``partial_fit`` calls, against ``SGDRegressor().partial_fit`` on
   the same chunks; the statistical limit ``p / n`` is printed beside them;
4. ``batch_size`` of 32, 256 and 4096, other settings at their defaults:
   seconds, epochs, whether a ConvergenceWarning was raised, the last
   gradient norm, the training MSE excess and the rows per batch in the last
   epoch (``batch_size_curve_[-1]``, also shown in section 2), against
   ``SGDRegressor()`` at its defaults, with the ratios of the times;
5. the "adam", "nadam" and "adamax" rules on the small problems of
   ``benchmarks/defaults.py``: milliseconds per fit (the median of 5 after a
   warm-up fit, so compiled kernels are loaded) and the error of the
   coefficients against the closed form (``LinearRegression`` with the sample
   weights): the largest relative error of one coefficient, and the error
   ``benchmarks/defaults.py`` reports (relative in norm, each coefficient times
   its feature's standard deviation), which the target is judged by: ``tol``
   bounds the gradient on the standardized scale, and so the coefficients on
   that scale, not each coefficient of a feature in small units.

The held-out score is R^2 on 50,000 rows drawn afresh from the distribution
of the training rows: standard normal features, the coefficients
``make_regression`` returned, noise of standard deviation 10. The peers get
standardized features, as a user would give them: ``make_pipeline(
StandardScaler(), peer)`` for ``fit`` (the scaler timed with the peer); for
``partial_fit``, rows scaled beforehand by a StandardScaler fitted on all of
them (not timed). Every configuration is first fitted on 2,000 rows, untimed,
so that compilation and caches are not timed. Seconds are the median of
three runs where the first took under 2 s, else that one run; on a shared
2-core machine they still move by tens of percent from run to run. BLAS runs
on one thread (``--blas-threads``), as the compiled epochs do: on a 2-core
machine that other tenants load, a default fit with BLAS on two threads took
0.2 to 7 s from one run to the next, on one thread 0.16 to 0.21 s. A final
table sets each target of the issue against its measured figure; the CSR
target is measured as ``benchmarks/step_cost.py`` measures it (CPU time of
the calling thread, a step against ``X @ v``). Run from the repository root::

    python -m benchmarks.regimes            # 200,000 rows: about 3 minutes on 2 cores
    python -m benchmarks.regimes --quick    # 50,000 rows: about 1 minute
    python -m benchmarks.regimes --blas-threads 0   # BLAS's own choice of threads
"""

import argparse
import os
import statistics
import time
import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.datasets import make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression, SGDRegressor
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from benchmarks import step_cost
from benchmarks.defaults import column_std, small_problems
from benchmarks.speed import format_table, machine, number, print_machine
from sklearn_adam import AdamLinearRegressor

N_FEATURES = 50
TEST_ROWS = 50_000
CHUNKS = (1_000, 20_000, 200_000)
BATCH_SIZES = (32, 256, 4096)
RULES = ("adam", "nadam", "adamax")
# A first run shorter than this many seconds is repeated to a median of three.
REPEAT_BELOW = 2.0
WARMUP_ROWS = 2_000


@dataclass
class Problem:
    """Training rows, fresh held-out rows and the least-squares optimum's training MSE."""

    X: np.ndarray
    y: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    optimum: float

    def excess(self, model, X=None):
        """Training MSE of ``model`` above the optimum, in % (``X``: the rows it sees)."""
        residual = self.y - model.predict(self.X if X is None else X)
        return 100 * (float(np.mean(residual**2)) / self.optimum - 1)


def make_problem(n_samples):
    """The issue's problem, with held-out rows from the same distribution."""
    X, y, coef = make_regression(n_samples, N_FEATURES, noise=10, random_state=0, coef=True)
    rng = np.random.default_rng(1)
    X_test = rng.standard_normal((TEST_ROWS, N_FEATURES))
    y_test = X_test @ coef + 10 * rng.standard_normal(TEST_ROWS)
    residual = y - LinearRegression().fit(X, y).predict(X)
    return Problem(X, y, X_test, y_test, float(np.mean(residual**2)))


def median_seconds(run):
    """(median seconds, last result) of ``run()``, three runs when the first is short."""
    seconds, result = [], None
    while len(seconds) < 3 and (len(seconds) < 1 or seconds[0] < REPEAT_BELOW):
        start = time.perf_counter()
        result = run()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), result


def timed_fit(make, X, y):
    """(median seconds, fitted model, warned) of ``make().fit(X, y)``, after a warm-up fit."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        make().fit(X[:WARMUP_ROWS], y[:WARMUP_ROWS])

    def fit():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            model = make().fit(X, y)
        return model, any(issubclass(w.category, ConvergenceWarning) for w in caught)

    seconds, (model, warned) = median_seconds(fit)
    return seconds, model, warned


def epochs(model):
    """Epochs run by an estimator or by the last step of a pipeline."""
    return model[-1].n_iter_ if hasattr(model, "steps") else model.n_iter_


def last_batch(model):
    """Rows per batch in the last epoch of an AdamLinearRegressor, "-" for a peer."""
    curve = getattr(model, "batch_size_curve_", None)
    return "-" if not curve else f"{curve[-1]:,}"


def scaled(peer):
    """``peer`` behind a StandardScaler, as a user would fit it."""
    return make_pipeline(StandardScaler(), peer)


def early_stopping(problem):
    """Section 1: early stopping against the converged fit. (rows, figures)."""
    fits = {}
    for name, make in (
        ("early_stopping=True", lambda: AdamLinearRegressor(early_stopping=True,
                                                            random_state=0)),
        ("without early stopping", lambda: AdamLinearRegressor(random_state=0)),
    ):
        seconds, model, _ = timed_fit(make, problem.X, problem.y)
        fits[name] = (epochs(model), seconds, model.score(problem.X_test, problem.y_test))
    seconds, model, _ = timed_fit(LinearRegression, problem.X, problem.y)
    fits["LinearRegression"] = ("-", seconds, model.score(problem.X_test, problem.y_test))
    converged_score = fits["without early stopping"][2]
    rows = [[name, str(n_epochs), number(seconds), f"{score:.6f}",
             f"{score - converged_score:+.2e}"]
            for name, (n_epochs, seconds, score) in fits.items()]
    stopped, full = fits["early_stopping=True"], fits["without early stopping"]
    figures = {"es_epochs": (stopped[0], full[0]), "es_seconds": (stopped[1], full[1]),
               "es_score_gap": stopped[2] - converged_score}
    return rows, figures


def early_stopping_peers(problem):
    """Section 2: early stopping with batches of 256 against the peers. (rows, figures)."""
    contenders = (
        ("AdamLinearRegressor(batch_size=256)",
         lambda: AdamLinearRegressor(early_stopping=True, batch_size=256, random_state=0)),
        ("SGDRegressor, scaled",
         lambda: scaled(SGDRegressor(early_stopping=True, random_state=0))),
        ("MLPRegressor(hidden_layer_sizes=()), scaled",
         lambda: scaled(MLPRegressor(hidden_layer_sizes=(), early_stopping=True,
                                     random_state=0))),
    )
    fits = []
    for name, make in contenders:
        seconds, model, warned = timed_fit(make, problem.X, problem.y)
        fits.append((name, epochs(model), seconds,
                     model.score(problem.X_test, problem.y_test), warned, last_batch(model)))
    ours, sgd = fits[0], fits[1]
    rows = [[name, str(n_epochs), number(seconds), f"{score:.6f}",
             f"{score - ours[3]:+.2e}", number(seconds / sgd[2]), "yes" if warned else "no",
             batch]
            for name, n_epochs, seconds, score, warned, batch in fits]
    figures = {"es256_seconds": (ours[2], sgd[2]), "es256_score_gap": ours[3] - sgd[3]}
    return rows, figures


def stream(make, X, y, chunk, measure, passes=3):
    """(seconds, measure(model)) after each pass of ``partial_fit`` calls over ``chunk`` rows.

    Only the ``partial_fit`` calls are timed; a first stream of one call on a
    few rows warms up caches and compiled code.
    """
    make().partial_fit(X[:WARMUP_ROWS], y[:WARMUP_ROWS])
    model, seconds, after = make(), 0.0, []
    for _ in range(passes):
        for start in range(0, len(y), chunk):
            begin = time.perf_counter()
            model.partial_fit(X[start:start + chunk], y[start:start + chunk])
            seconds += time.perf_counter() - begin
        after.append((seconds, measure(model)))
    return after


def repeated_streams(make, X, problem, chunk):
    """:func:`stream` three times where the first took under ``REPEAT_BELOW`` s, else once."""
    runs = []
    while len(runs) < 3 and (not runs or runs[0][-1][0] < REPEAT_BELOW):
        runs.append(stream(make, X, problem.y, chunk, lambda model: problem.excess(model, X)))
    return runs


def streams(problem):
    """Section 3: ``partial_fit`` over chunks, one pass and three. (rows, figures)."""
    X_scaled = StandardScaler().fit_transform(problem.X)
    rows, figures = [], {"one_pass": [], "three_passes": [], "chunks": [],
                         "limit": 100 * N_FEATURES / len(problem.y)}
    for name, make, X in (
        ("AdamLinearRegressor", lambda: AdamLinearRegressor(random_state=0), problem.X),
        ("SGDRegressor, scaled", lambda: SGDRegressor(random_state=0), X_scaled),
    ):
        for chunk in CHUNKS:
            chunk = min(chunk, len(problem.y))
            runs = repeated_streams(make, X, problem, chunk)
            (_, excess_one), (_, excess_three) = runs[-1][0], runs[-1][-1]
            rows.append([name, f"{chunk:,}",
                         f"{excess_one:.3g}", number(statistics.median(r[0][0] for r in runs)),
                         f"{excess_three:.3g}", number(statistics.median(r[-1][0] for r in runs))])
            if name == "AdamLinearRegressor":
                figures["one_pass"].append(excess_one)
                figures["three_passes"].append(excess_three)
                figures["chunks"].append(f"{chunk // 1000}k")
    return rows, figures


def batch_sizes(problem):
    """Section 4: mini-batch fits at otherwise default settings, and SGD's. (rows, figures)."""
    contenders = [(f"AdamLinearRegressor(batch_size={batch})",
                   lambda batch=batch: AdamLinearRegressor(batch_size=batch, random_state=0))
                  for batch in BATCH_SIZES]
    contenders.append(("SGDRegressor(), scaled", lambda: scaled(SGDRegressor(random_state=0))))
    fits = []
    for name, make in contenders:
        seconds, model, warned = timed_fit(make, problem.X, problem.y)
        curve = getattr(model, "gradient_norm_curve_", None)
        fits.append((name, seconds, epochs(model), warned,
                     "-" if not curve else f"{curve[-1]:.2e}", problem.excess(model),
                     last_batch(model)))
    sgd_seconds = fits[-1][1]
    rows = [[name, number(seconds), str(n_epochs), "yes" if warned else "no", gradient,
             f"{excess:.3g}", number(seconds / sgd_seconds), batch]
            for name, seconds, n_epochs, warned, gradient, excess, batch in fits]
    figures = {f"batch{batch}": (seconds, warned, sgd_seconds)
               for batch, (_, seconds, _, warned, *_) in zip(BATCH_SIZES, fits)}
    return rows, figures


def coefficient_errors(actual, expected, X):
    """The largest relative error of a coefficient, and benchmarks/defaults.py's error.

    The latter is relative in norm, on the standardized scale (each
    coefficient times its feature's standard deviation).
    """
    scale = column_std(X)
    largest = np.max(np.abs(actual - expected) / np.abs(expected))
    standardized = np.linalg.norm((actual - expected) * scale) / np.linalg.norm(expected * scale)
    return float(largest), float(standardized)


def rules():
    """Section 5: each rule on the small problems of benchmarks/defaults.py. (rows, figures)."""
    rows, figures = [], {"rule_errors": [], "rule_milliseconds": []}
    for name, _, X, y, sample_weight in small_problems():
        closed_form = LinearRegression().fit(X, y, sample_weight).coef_
        for rule in RULES:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", ConvergenceWarning)
                AdamLinearRegressor(solver=rule, random_state=0).fit(X, y, sample_weight)
                seconds = []
                for _ in range(5):
                    model = AdamLinearRegressor(solver=rule, random_state=0)
                    start = time.perf_counter()
                    model.fit(X, y, sample_weight)
                    seconds.append(time.perf_counter() - start)
            milliseconds = 1e3 * statistics.median(seconds)
            largest, standardized = coefficient_errors(model.coef_, closed_form, X)
            warned = any(issubclass(w.category, ConvergenceWarning) for w in caught)
            rows.append([name, rule, number(milliseconds), f"{largest:.1e}",
                         f"{standardized:.1e}", str(model.n_iter_), "yes" if warned else "no"])
            if rule != "adam":
                figures["rule_errors"].append((largest, standardized))
                figures["rule_milliseconds"].append(milliseconds)
    return rows, figures


def verdict(met):
    """The word for a target: met or missed."""
    return "met" if met else "missed"


def target_rows(figures):
    """One row per target of the issue: the target, the figure measured, met or missed."""
    (stopped, full), (stopped_s, full_s) = figures["es_epochs"], figures["es_seconds"]
    gap = figures["es_score_gap"]
    ours_s, sgd_s = figures["es256_seconds"]
    one, three = figures["one_pass"], figures["three_passes"]
    (s256, warned256, sgd_fit_s), (s32, warned32, _) = figures["batch256"], figures["batch32"]
    largest, standardized = np.max(figures["rule_errors"], axis=0)
    milliseconds = figures["rule_milliseconds"]
    return [
        ["early_stopping=True: fewer epochs than without", f"{stopped} vs {full}",
         verdict(stopped < full)],
        ["early_stopping=True: less time than without",
         f"{number(stopped_s)} s vs {number(full_s)} s", verdict(stopped_s < full_s)],
        ["early_stopping=True: held-out R^2 within 1e-4 of the converged model's",
         f"{gap:+.2e}", verdict(abs(gap) <= 1e-4)],
        ["early_stopping, batch 256: no more time than SGDRegressor(early_stopping)",
         f"{number(ours_s)} s vs {number(sgd_s)} s", verdict(ours_s <= sgd_s)],
        ["early_stopping, batch 256: held-out R^2 at least SGDRegressor's",
         f"{figures['es256_score_gap']:+.2e}", verdict(figures["es256_score_gap"] >= 0)],
        [f"partial_fit, one pass, chunks {' / '.join(figures['chunks'])}: training MSE "
         "within 0.1% of the optimum", " / ".join(f"{value:.3g}%" for value in one),
         verdict(max(one) <= 0.1)],
        ["partial_fit, three passes: within 0.02%",
         " / ".join(f"{value:.3g}%" for value in three) + f" (p/n {figures['limit']:.3g}%)",
         verdict(max(three) <= 0.02)],
        ["batch_size=256: converged (no warning) sooner than SGDRegressor()",
         f"{number(s256)} s{' (warned)' if warned256 else ''} vs {number(sgd_fit_s)} s",
         verdict(not warned256 and s256 < sgd_fit_s)],
        ["batch_size=32: converged within 2x SGDRegressor()'s time",
         f"{number(s32)} s{' (warned)' if warned32 else ''} vs 2 x {number(sgd_fit_s)} s",
         verdict(not warned32 and s32 <= 2 * sgd_fit_s)],
        ["NAdam, Adamax on the small problems: within 1e-6 of the closed form",
         f"{standardized:.1e} (largest per coefficient {largest:.1e})",
         verdict(standardized <= 1e-6)],
        ["NAdam, Adamax on the small problems: under 50 ms a fit",
         f"slowest {number(max(milliseconds))} ms", verdict(max(milliseconds) < 50)],
        ["CSR 100,000 x 2,000 at 0.5%: full-batch step within 2x of a read of X",
         f"{figures['csr_ratio']:.2f} reads", verdict(figures["csr_ratio"] <= 2)],
    ]


SECTIONS = (
    ("1. early_stopping=True against the same fit without (the converged model), and the "
     "closed form",
     early_stopping, ["fit", "epochs", "seconds", "held-out R^2", "vs converged"]),
    ("2. early_stopping=True with batches of 256, against the peers' early stopping",
     early_stopping_peers,
     ["estimator", "epochs", "seconds", "held-out R^2", "vs ours", "time / SGD's", "warned",
      "last batch"]),
    ("3. partial_fit over chunks: training MSE above the optimum, in %",
     streams, ["estimator", "chunk rows", "1 pass %", "seconds", "3 passes %", "seconds"]),
    ("4. Mini-batch fits at otherwise default settings, against SGDRegressor's defaults",
     batch_sizes, ["estimator", "seconds", "epochs", "warned", "last gradient norm",
                   "MSE excess %", "time / SGD's", "last batch"]),
)


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.regimes",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="50,000 training rows instead of 200,000, for a fast check")
    parser.add_argument("--blas-threads", type=int, default=1,
                        help="threads of BLAS (1); 0 leaves BLAS its own choice")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    start = time.perf_counter()
    with warnings.catch_warnings(), threadpool_limits(args.blas_threads or None, "blas"):
        warnings.simplefilter("ignore", ConvergenceWarning)
        print_machine(machine())
        n_samples = 50_000 if args.quick else 200_000
        problem = make_problem(n_samples)
        print(f"\nmake_regression({n_samples:,}, {N_FEATURES}, noise=10, random_state=0), "
              f"dense float64; held-out R^2 on {TEST_ROWS:,} fresh rows; optimum "
              f"(LinearRegression's training MSE) {problem.optimum:.6g}")
        figures = {}
        for title, section, header in SECTIONS:
            rows, found = section(problem)
            figures.update(found)
            print(f"\n== {title}\n")
            print(format_table(header, rows, left=2 if section is streams else 1), flush=True)
            if section is streams:
                print(f"\nStatistical limit p/n: {100 * N_FEATURES / n_samples:.3g}%")
        rows, found = rules()
        figures.update(found)
        csr = step_cost.row("CSR 100,000 x 2,000 at 0.5%",
                            step_cost.PROBLEMS["CSR 100,000 x 2,000 at 0.5%"], 100, 21)
        figures["csr_ratio"] = float(csr[4])
    print("\n== 5. Rules on the small problems of benchmarks/defaults.py: milliseconds a fit "
          "(median of 5, compiled); coefficient error against LinearRegression's, the largest "
          "relative one and defaults.py's (relative in norm, standardized scale)\n")
    print(format_table(["problem", "rule", "ms", "largest error", "defaults.py error",
                        "epochs", "warned"], rows, left=2))
    print("\n== 6. A full-batch step by a pass over CSR X, in reads of X "
          "(as benchmarks/step_cost.py)\n")
    print(format_table(["X", "read ms", "step ms", "steps", "step / read",
                        "wall step / read"], [csr]))
    print("\n== Targets of issue 22\n")
    print(format_table(["target", "measured", ""], target_rows(figures)))
    load = os.getloadavg()[0]
    print(f"\nTotal time: {time.perf_counter() - start:.0f} s; load average at the end "
          f"{number(load, 2)}")
    if load > os.cpu_count():
        print("The load exceeds the CPUs: other processes took part of the time, and the "
              "seconds above are inflated by as much.")


if __name__ == "__main__":
    main()
