"""Sections 4 to 6 of ``benchmarks/sparse.py``: streams, a warm-started path, quantile + l1."""

import time
import warnings

import numpy as np
from sklearn.linear_model import QuantileRegressor, SGDRegressor, lasso_path

from benchmarks.loss_problems import params_of, pinball
from benchmarks.regimes import WARMUP_ROWS, stream
from benchmarks.sparse_problems import (
    alpha_max,
    dense_problem,
    elastic_net_objective,
    failed,
    our_fit,
    ours,
    timed,
    zero_mismatches,
)
from benchmarks.sparse_sections import seconds_of, shown
from benchmarks.speed import format_table, number
from sklearn_adam import adam_path

STREAM_QUANTILES = (0.5, 0.9)


def stream_measure(problem, alpha, optimum):
    """What a stream's model is judged by: (objective excess %, zeros on truly-zero features)."""
    truly_zero = problem.truth[0] == 0

    def measure(model):
        value = elastic_net_objective(problem.X, problem.y, params_of(model), alpha, "l1")
        coef = np.ravel(model.coef_)
        return 100 * (value / optimum - 1), int(np.count_nonzero(coef[truly_zero] == 0))

    return measure


def streams(settings, case):
    """Section 4: one pass of partial_fit, ours and SGDRegressor's; (rows, figures).

    ``case`` is section 1's l1 case of the tall problem at
    ``settings.speed_fraction``: its data, its alpha and its tight Lasso,
    whose objective is the optimum.
    """
    problem, alpha, tight = case["data"], case["alpha"], case["tight"]
    optimum = elastic_net_objective(problem.X, problem.y, tight.params, alpha, "l1")
    measure = stream_measure(problem, alpha, optimum)
    truly_zero = int(np.count_nonzero(problem.truth[0] == 0))
    makers = (("ours", "ours, penalty='l1'", ours("l1", alpha)),
              ("sgd", "SGDRegressor(penalty='l1')",
               lambda: SGDRegressor(penalty="l1", alpha=alpha, random_state=0)),
              ("unaveraged", "  (ours, average=False)", ours("l1", alpha, average=False)))
    rows, figures = [], {"truly_zero": truly_zero}
    for key, name, make in makers:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                (seconds, (excess, zero_count)), = stream(
                    make, problem.X, problem.y, settings.chunk, measure, passes=1)
        except Exception as error:  # noqa: BLE001 - a failed stream is a row of the table
            rows.append([name, "-", "-", "-", failed(error).state])
            figures[key] = None
            continue
        rows.append([name, number(seconds), f"{excess:.3g}", f"{zero_count} of {truly_zero}",
                     "ok"])
        figures[key] = (excess, zero_count)
    return rows, figures


def print_streams(settings, exact_cases):
    """Section 4, printed; its figures."""
    case = next(case for case in exact_cases if case["problem"] != "diabetes"
                and case["penalty"] == "l1" and case["fraction"] == settings.speed_fraction)
    n, d = case["data"].X.shape
    print(f"\n== 4. Streams: one pass of partial_fit in chunks of {settings.chunk:,} rows over "
          f"{n:,} x {d}, lasso at alpha/alpha_max = {settings.speed_fraction:g}\n")
    rows, figures = streams(settings, case)
    print(format_table(["stream", "partial_fit s", "objective excess %",
                        "exact zeros on truly-zero features", "state"], rows))
    print("\nExcess over the objective of Lasso(tol=1e-12) (section 1); SGDRegressor's alpha "
          "has the same meaning (mean half squared error + alpha ||w||_1). The last row, "
          "not a target, is our stream without the default averaging of the iterates (an "
          "average of iterates is rarely exactly zero where any of them was not).")
    return figures


def our_path(X, y, alphas, budget, route):
    """Our path along ``alphas``; (coefficients per alpha, state in words).

    ``route`` "adam_path" is one call of :func:`sklearn_adam.adam_path`;
    "warm_start" refits one estimator at each alpha from the previous fit,
    "scratch" from scratch; those stop after the fit that passes ``budget``
    seconds in all.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if route == "adam_path":
            _, path_coefs, _ = adam_path(X, y, estimator=ours("l1", alphas[0])(), alphas=alphas)
            coefs = list(path_coefs.T)
        else:
            coefs = refitted(X, y, alphas, budget, warm_start=route == "warm_start")
    if len(coefs) < len(alphas):
        return coefs, f"no (stopped past {budget:g} s after {len(coefs)} alphas)"
    return coefs, "yes" if not caught else f"yes, {len(caught)} warnings"


def refitted(X, y, alphas, budget, warm_start):
    """Coefficients of one estimator refitted at each alpha, until past ``budget`` seconds."""
    model = ours("l1", alphas[0], warm_start=warm_start)()
    coefs, start = [], time.perf_counter()
    for alpha in alphas:
        coefs.append(np.ravel(model.set_params(alpha=alpha).fit(X, y).coef_).copy())
        if time.perf_counter() - start > budget and len(coefs) < len(alphas):
            break
    return coefs


def path_row(label, problem, alphas, reference, settings, route):
    """One of our paths against ``reference`` (lasso_path's); (row, seconds or None if short)."""
    X, y = problem.X, problem.y
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ours("l1", alphas[-1])().fit(X[:WARMUP_ROWS], y[:WARMUP_ROWS])  # compiles, untimed
        seconds, (coefs, state) = timed(
            lambda: our_path(X, y, alphas, settings.budget, route), settings.repeat)
    except Exception as error:  # noqa: BLE001 - a failed path is a row of the table
        return [label, "-", failed(error).state, "-", "-", "-"], None
    largest = max(float(np.max(np.abs(coef - reference[:, k]))) for k, coef in enumerate(coefs))
    mismatches = sum(zero_mismatches(coef, reference[:, k]) for k, coef in enumerate(coefs))
    return [label, number(seconds), state, "-", str(mismatches), f"{largest:.1e}"], (
        seconds if len(coefs) == len(alphas) else None)


def path(settings, problem):
    """Section 5: adam_path against lasso_path; (rows, figures).

    The same path by refitting one estimator with ``warm_start=True``, and
    by fits from scratch, is shown beside it, to tell what reading the data
    once and the warm starts save.
    """
    X, y = problem.X, problem.y
    centered = y - y.mean()  # X's columns have mean 0: lasso_path then fits the same model
    # lasso_path's own grid (eps=1e-3), given explicitly: older scikit-learn takes no count.
    alphas = alpha_max(X, y, "l1") * np.logspace(0, -3, settings.path_alphas)
    paths_seconds, (_, reference, _) = timed(lambda: lasso_path(X, centered, alphas=alphas),
                                             settings.repeat)
    rows = [["lasso_path", number(paths_seconds), "yes", "-", "-", "-"]]
    ratio = None
    for label, route in (("ours, adam_path", "adam_path"),
                         ("  (ours, refitted with warm_start=True)", "warm_start"),
                         ("  (ours, each fit from scratch)", "scratch")):
        row, seconds = path_row(label, problem, alphas, reference, settings, route)
        if seconds is not None:
            row[3] = number(seconds / paths_seconds)
            ratio = seconds / paths_seconds if route == "adam_path" else ratio
        rows.append(row)
    return rows, {"ratio": ratio}


def print_path(settings, exact_cases):
    """Section 5, printed; its figures."""
    problem = next(case["data"] for case in exact_cases if case["problem"] != "diabetes")
    n, d = problem.X.shape
    print(f"\n== 5. A {settings.path_alphas}-alpha lasso path on {n:,} x {d}: adam_path along "
          "lasso_path's alpha grid, against lasso_path (tol=1e-4)\n")
    rows, figures = path(settings, problem)
    print(format_table(["path", "seconds", "finished", "our s / lasso_path's",
                        "zero mismatches (all alphas)", "max |coef diff|"], rows))
    return figures


def quantile_rows(settings):
    """Section 6: quantile + l1 against QuantileRegressor(alpha, highs); rows."""
    n, d = settings.quantile
    problem = dense_problem(n, d, informative=min(5, d))
    X, y = problem.X, problem.y
    alpha = settings.speed_fraction * alpha_max(X, y, "l1")
    rows = []
    for quantile in STREAM_QUANTILES:
        def objective(params, quantile=quantile):
            coef, intercept = params
            return pinball(y, X @ coef + intercept, quantile) + alpha * np.sum(np.abs(coef))

        mine = our_fit(ours("l1", alpha, loss="quantile", quantile=quantile), X, y,
                       settings.budget, settings.repeat)
        highs = QuantileRegressor(quantile=quantile, alpha=alpha, solver="highs")
        highs_seconds, _ = timed(lambda model=highs: model.fit(X, y), repeat=False)
        highs_value = objective(params_of(highs))
        relative = (None if mine.model is None
                    else (objective(mine.params) - highs_value) / highs_value)
        rows.append([f"{quantile}", f"{alpha:.4g}", seconds_of(mine), mine.state,
                     shown(mine.warnings, "d"), number(highs_seconds), shown(relative, "+.1e"),
                     "-" if mine.model is None else
                     str(zero_mismatches(mine.coef, np.ravel(highs.coef_)))])
    return rows


def print_quantile(settings):
    """Section 6, printed."""
    n, d = settings.quantile
    print(f"\n== 6. Quantile + l1 on {n:,} x {d}: ours against QuantileRegressor(alpha, "
          "solver='highs'), objective = mean pinball loss + alpha ||w||_1\n")
    print(format_table(["quantile", "alpha", "our s", "converged", "warnings", "highs s",
                        "objective difference", "zero mismatches"], quantile_rows(settings)))
    print("\nObjective difference: ours minus highs', relative to highs'.")
