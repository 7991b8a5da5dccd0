"""Sections 1 to 3 of ``benchmarks/sparse.py``: exactness, tall dense data, CSR data."""

from sklearn.datasets import load_diabetes
from sklearn.linear_model import ElasticNet, Lasso

from benchmarks.loss_problems import Problem
from benchmarks.sparse_problems import (
    alpha_max,
    compare,
    csr_problem,
    dense_problem,
    difference,
    our_fit,
    ours,
    peer_fit,
    zeros,
)
from benchmarks.speed import format_table, number

TIGHT = {"tol": 1e-12, "max_iter": 100_000}
PENALTIES = ("l1", "elasticnet")


def peer(penalty, alpha, **params):
    """A maker of ``Lasso`` (l1) or ``ElasticNet`` (elasticnet, l1_ratio 0.5) at ``alpha``."""
    if penalty == "l1":
        return lambda: Lasso(alpha=alpha, **params)
    return lambda: ElasticNet(alpha=alpha, l1_ratio=0.5, **params)


def peer_name(penalty):
    """The peer's name for ``penalty``."""
    return "Lasso" if penalty == "l1" else "ElasticNet"


def shown(value, digits=".1e"):
    """A figure for a table: "-" for None."""
    return "-" if value is None else f"{value:{digits}}"


def zeros_of(fit):
    """Exact zeros of a fit's coefficients, "-" where it failed."""
    return "-" if fit.model is None else str(zeros(fit.coef))


def epochs_of(fit):
    """Epochs of a fit, "-" where it failed."""
    return "-" if fit.model is None else str(fit.model.n_iter_)


def seconds_of(fit):
    """Seconds of a fit, "-" where it failed."""
    return number(fit.seconds)


def exactness_case(name, problem, penalty, fraction, settings):
    """Ours, the tight peer and (tall data) the default peer at one alpha; (row, figures)."""
    alpha = fraction * alpha_max(problem.X, problem.y, penalty)
    mine = our_fit(ours(penalty, alpha), problem.X, problem.y, settings.budget, settings.repeat)
    tight = peer_fit(peer(penalty, alpha, **TIGHT), problem.X, problem.y, repeat=False)
    mismatches, largest = compare(mine, tight)
    row = [name, penalty, f"{fraction:g}", f"{alpha:.4g}", seconds_of(mine), epochs_of(mine),
           mine.state, shown(mine.warnings, "d"), f"{zeros_of(mine)} / {zeros_of(tight)}",
           shown(mismatches, "d"), shown(largest), seconds_of(tight), tight.state]
    figures = {"problem": name, "penalty": penalty, "fraction": fraction, "alpha": alpha,
               "ours": mine, "tight": tight, "mismatches": mismatches, "difference": largest}
    return row, figures


def exactness(settings):
    """Section 1: diabetes and the tall problem against the tight peers. (rows, cases)."""
    diabetes = Problem(*load_diabetes(return_X_y=True), None)
    n, d = settings.medium
    problems = (("diabetes", diabetes), (f"{n:,} x {d}", dense_problem(n, d)))
    rows, cases = [], []
    for name, problem in problems:
        for penalty in PENALTIES:
            for fraction in settings.fractions:
                row, figures = exactness_case(name, problem, penalty, fraction, settings)
                figures["data"] = problem
                rows.append(row)
                cases.append(figures)
    return rows, cases


def print_exactness(settings):
    """Section 1, printed; its cases."""
    n, d = settings.medium
    print(f"\n== 1. Exactness: diabetes (442 x 10) and {n:,} x {d} (10 informative features), "
          "ours at its defaults against Lasso / ElasticNet(tol=1e-12, max_iter=100,000)\n")
    rows, cases = exactness(settings)
    print(format_table(["data", "penalty", "alpha/alpha_max", "alpha", "our s", "epochs",
                        "converged", "warnings", "zeros ours / peer", "zero mismatches",
                        "max |coef diff|", "peer s", "peer converged"], rows, left=3))
    print("\nzero mismatches: coefficients exactly zero in one fit and not in the other; "
          "max |coef diff|: the largest absolute difference of a coefficient; peer s: one "
          "fit.")
    return cases


def speed_case(problem, penalty, fraction, settings, mine=None):
    """Ours (unless given) and the default peer at one alpha; its row and figures."""
    alpha = fraction * alpha_max(problem.X, problem.y, penalty)
    if mine is None:
        mine = our_fit(ours(penalty, alpha), problem.X, problem.y, settings.large_budget,
                       settings.repeat)
    default = peer_fit(peer(penalty, alpha), problem.X, problem.y, settings.repeat)
    ratio = (None if mine.seconds is None or default.seconds is None
             else mine.seconds / default.seconds)
    n, d = problem.X.shape
    row = [f"{n:,} x {d}", penalty, f"{fraction:g}", seconds_of(mine), mine.state,
           f"{peer_name(penalty)}()", seconds_of(default), default.state, shown(ratio, ".3g"),
           f"{zeros_of(mine)} / {zeros_of(default)}", shown(difference(mine, default))]
    return row, {"size": (n, d), "penalty": penalty, "fraction": fraction, "ours": mine,
                 "default": default, "ratio": ratio}


def tall_dense(settings, exact_cases):
    """Section 2: ours against Lasso and ElasticNet at their defaults. (rows, cases).

    The tall problem of section 1 reuses its fits of ours; the larger one is
    fitted at ``settings.speed_fraction``.
    """
    rows, cases = [], []
    for case in exact_cases:
        if case["problem"] != "diabetes":
            row, figures = speed_case(case["data"], case["penalty"], case["fraction"], settings,
                                      mine=case["ours"])
            rows.append(row)
            cases.append(figures)
    n, d = settings.large
    problem = dense_problem(n, d)
    for penalty in PENALTIES:
        row, figures = speed_case(problem, penalty, settings.speed_fraction, settings)
        rows.append(row)
        cases.append(figures)
    return rows, cases


def print_tall_dense(settings, exact_cases):
    """Section 2, printed; its cases."""
    print("\n== 2. Tall dense data: ours at its defaults against Lasso and ElasticNet at "
          "theirs (tol=1e-4)\n")
    rows, cases = tall_dense(settings, exact_cases)
    print(format_table(["data", "penalty", "alpha/alpha_max", "our s", "converged", "peer",
                        "peer s", "peer converged", "our s / peer's", "zeros ours / peer",
                        "max |coef diff|"], rows, left=3))
    print(f"\nThe first rows reuse section 1's fits of ours; our fits stop past "
          f"{settings.large_budget:g} s on the larger problem. The peers stop at their "
          "duality gap's tol=1e-4, so the coefficients differ by about that much.")
    return cases


def csr(settings):
    """Section 3: CSR data against Lasso's default and tight fits; (rows, figures)."""
    n, d = settings.csr
    problem = csr_problem(n, d, settings.density, max(d // 20, 1))
    alpha = settings.speed_fraction * alpha_max(problem.X, problem.y, "l1")
    mine = our_fit(ours("l1", alpha), problem.X, problem.y, settings.large_budget,
                   settings.repeat)
    default = peer_fit(peer("l1", alpha), problem.X, problem.y, settings.repeat)
    tight = peer_fit(peer("l1", alpha, **TIGHT), problem.X, problem.y, repeat=False)
    rows = []
    for label, fit in (("ours", mine), ("Lasso()", default), ("Lasso(tol=1e-12)", tight)):
        mismatches, largest = compare(fit, tight)
        rows.append([label, seconds_of(fit), epochs_of(fit), fit.state, zeros_of(fit),
                     shown(mismatches, "d"), shown(largest)])
    ratio = (None if mine.seconds is None or default.seconds is None
             else mine.seconds / default.seconds)
    return rows, {"ratio": ratio, "mismatches": compare(mine, tight)[0], "ours": mine,
                  "size": (n, d)}


def print_csr(settings):
    """Section 3, printed; its figures."""
    n, d = settings.csr
    print(f"\n== 3. CSR {n:,} x {d} at {100 * settings.density:g}% density, lasso at "
          f"alpha/alpha_max = {settings.speed_fraction:g}: ours against Lasso()\n")
    rows, figures = csr(settings)
    print(format_table(["fit", "seconds", "epochs", "converged", "zeros", "zero mismatches",
                        "max |coef diff|"], rows))
    print("\nZero mismatches and differences are against Lasso(tol=1e-12).")
    return figures
