"""Sections 3 to 5 of ``benchmarks/losses.py``: a million rows, streams, and a dask cluster.

Also statsmodels' ``QuantReg`` for section 2, which is a benchmark-only
dependency (the ``bench`` extra): without it the rows say so.
"""

import logging
import time
import warnings

import numpy as np
from sklearn.linear_model import HuberRegressor, PoissonRegressor

from benchmarks.loss_problems import (
    coefficient_difference,
    converged,
    features,
    first_epoch_within,
    not_yet,
    objective,
    ours,
    params_of,
    problem,
    recorded_fit,
)
from benchmarks.regimes import stream, timed_fit
from benchmarks.speed import format_table, number

LARGE_PEERS = {
    "huber": (("HuberRegressor(alpha=0)", lambda: HuberRegressor(alpha=0.0)),
              ("  tight: tol=1e-10", lambda: HuberRegressor(alpha=0.0, tol=1e-10,
                                                           max_iter=10_000))),
    "poisson": (("PoissonRegressor(alpha=0), lbfgs", lambda: PoissonRegressor(alpha=0.0)),
                ("  tight: newton-cholesky, tol=1e-12",
                 lambda: PoissonRegressor(alpha=0.0, solver="newton-cholesky", tol=1e-12,
                                          max_iter=1000))),
}
STREAM_LOSSES = (("huber", 0.5), ("quantile", 0.5), ("poisson", 0.5))
STREAM_CHUNK = 10_000
WITHIN = 1.01
DASK_QUANTILE = 0.9


def quantreg(X, y, quantile):
    """(seconds, params) of statsmodels' QuantReg at its defaults, or None without statsmodels."""
    try:
        import statsmodels.api as sm
    except ImportError:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        result = sm.QuantReg(y, sm.add_constant(X, has_constant="add")).fit(q=quantile)
        seconds = time.perf_counter() - start
    return seconds, params_of(result)


def profile(recorder, value_of, optimum):
    """Our fit's path: seconds and objective excess (%) at epochs 1, 3, 10, 30, ... and the last."""
    count = len(recorder.params)
    epochs = [e for e in (1, 3, 10, 30, 100, 300, 1_000, 3_000, 10_000) if e < count] + [count]
    return "; ".join(
        f"epoch {epoch}: {number(recorder.seconds[epoch - 1])} s, "
        f"{100 * (value_of(recorder.params[epoch - 1]) / optimum - 1):.3g}%"
        for epoch in epochs) if count else "no epoch recorded"


def large_fits(loss, X, data, budget):
    """The peers' fits and ours of one loss on the large problem; dict of the figures."""
    def value_of(params):
        return objective(loss, X, data.y, params)

    peers = []
    for name, make in LARGE_PEERS[loss]:
        seconds, model, has_warned = timed_fit(make, X, data.y)
        peers.append((name, seconds, model.n_iter_, has_warned, value_of(params_of(model))))
    candidates = [value for *_, value in peers] + [value_of(data.truth)]
    try:
        model, recorder, seconds, has_warned = recorded_fit(ours(loss), X, data.y, budget)
    except ValueError as error:
        if not not_yet(error):
            raise
        return {"peers": peers, "optimum": min(candidates), "ours": None}
    final = value_of(params_of(model))
    optimum = min(candidates + [final])
    within = first_epoch_within(recorder, value_of, WITHIN * optimum)
    state = converged(recorder, has_warned)
    plain = timed_fit(ours(loss), X, data.y)[0] if state == "yes" else None
    return {"peers": peers, "optimum": optimum, "ours": {
        "seconds": seconds, "epochs": model.n_iter_, "state": state, "value": final,
        "to_within": None if within is None else (recorder.seconds[within], within + 1),
        "plain": plain, "profile": profile(recorder, value_of, optimum)}}


def large_rows(loss, fits):
    """Rows of section 3 for one loss, and its figures for the targets."""
    optimum, peers, mine = fits["optimum"], fits["peers"], fits["ours"]
    peer_seconds = peers[0][1]
    rows = [[loss, name, number(seconds), str(n_iter), "yes" if has_warned else "no",
             f"{value:.10g}", f"{100 * (value / optimum - 1):.2g}", "-"]
            for name, seconds, n_iter, has_warned, value in peers]
    if mine is None:
        rows.append([loss, "AdamLinearRegressor", "not yet", "-", "-", "-", "-", "-"])
        return rows, {"seconds_to_within": None, "seconds_converged": None,
                      "peer_seconds": peer_seconds}
    to_within = mine["to_within"]
    rows.append([loss, "ours: to within 1% (recorded fit)",
                 "never" if to_within is None else number(to_within[0]),
                 "-" if to_within is None else str(to_within[1]), "-", "-",
                 "-" if to_within is None else "<= 1",
                 "-" if to_within is None else number(to_within[0] / peer_seconds)])
    rows.append([loss, f"ours: whole recorded fit ({mine['state']})", number(mine["seconds"]),
                 str(mine["epochs"]), "-", f"{mine['value']:.10g}",
                 f"{100 * (mine['value'] / optimum - 1):.2g}",
                 number(mine["seconds"] / peer_seconds)])
    if mine["plain"] is not None:
        rows.append([loss, "ours: converged at defaults (plain fit)", number(mine["plain"]),
                     str(mine["epochs"]), "no", "-", "-", number(mine["plain"] / peer_seconds)])
    figures = {"seconds_to_within": None if to_within is None else to_within[0],
               "seconds_converged": mine["plain"], "peer_seconds": peer_seconds,
               "state": mine["state"]}
    return rows, figures


def model_objective(loss, X, y, quantile):
    """The objective of a fitted model's coefficients, as a function of the model."""
    return lambda model: objective(loss, X, y, params_of(model), quantile)


def streams(X, optima):
    """Section 4: one pass of ``partial_fit`` in chunks; rows and the excess of each loss.

    The optimum is section 3's where there is one, else the lower of the
    generating coefficients' objective and the stream's; the excess over the
    generating coefficients' objective is shown beside it, signed.
    """
    rows, excess = [], {}
    for loss, quantile in STREAM_LOSSES:
        data = problem(loss, X)
        truth = objective(loss, X, data.y, data.truth, quantile)
        try:
            (seconds, value), = stream(ours(loss, quantile), X, data.y, STREAM_CHUNK,
                                       model_objective(loss, X, data.y, quantile), passes=1)
        except ValueError as error:
            if not not_yet(error):
                raise
            rows.append([loss, "not yet", "-", "-", "-", "-"])
            excess[loss] = None
            continue
        optimum = min(optima.get(loss, truth), truth, value)
        excess[loss] = 100 * (value / optimum - 1)
        rows.append([loss, f"{excess[loss]:.3g}", f"{100 * (value / truth - 1):+.3g}",
                     number(seconds), f"{value:.10g}", f"{optimum:.10g}"])
    return rows, excess


def section_3_and_4(settings):
    """Sections 3 and 4, printed; their figures."""
    n, d = settings.large
    X = features(n, d)
    print(f"\n== 3. Huber and Poisson on {n:,} x {d}: the peers at their defaults "
          "(alpha=0) and tight; ours: time to within 1% of the optimum and to converge\n")
    rows, figures, optima, profiles = [], {}, {}, []
    for loss in LARGE_PEERS:
        fits = large_fits(loss, X, problem(loss, X), settings.budget)
        optima[loss] = fits["optimum"]
        found_rows, figures[f"large_{loss}"] = large_rows(loss, fits)
        rows += found_rows
        if fits["ours"] is not None:
            profiles.append(f"{loss}: {fits['ours']['profile']}")
    print(format_table(["loss", "fit", "seconds", "iterations", "warned", "objective",
                        "excess %", "time / peer's"], rows, left=2))
    print("\nOptimum: the lowest objective of the fits above and of the generating "
          "coefficients.\nOur path (clock of the recorded fit, objective excess):")
    for line in profiles:
        print(f"  {line}")
    print(f"\n== 4. Streams: partial_fit, one pass in chunks of {STREAM_CHUNK:,} rows over "
          f"{n:,} x {d}: objective above the optimum\n")
    rows, figures["stream_excess"] = streams(X, optima)
    print(format_table(["loss", "excess %", "vs generating coef %", "partial_fit s", "objective",
                        "optimum"], rows))
    print(f"\nThe generating coefficients are within about p/n = {100 * d / n:.2g}% of the "
          "optimum; for the median, with no other fit on these rows, an excess of 0 means the "
          "stream ended below them.")
    return figures


def dask_data(n_samples, n_features):
    """Heteroscedastic quantile data generated and persisted on the cluster's workers."""
    import dask.array as da

    random = da.random.RandomState(3)
    chunks = max(n_samples // 8, 1)
    X = random.standard_normal((n_samples, n_features), chunks=(chunks, n_features))
    coef = np.linspace(-2, 2, n_features)
    noise = random.standard_normal(n_samples, chunks=chunks)
    y = X @ coef + 1.0 + (1 + abs(X[:, 0])) * noise
    return X.persist(), y.persist()


def section_5(settings):
    """Section 5: quantile 0.9 on a 2-worker LocalCluster against the in-memory fit."""
    n, d = settings.dask
    print(f"\n== 5. Quantile {DASK_QUANTILE} on {n:,} x {d}: dask arrays on a 2-worker "
          "LocalCluster against the same rows in memory\n")
    try:
        import dask
        import distributed
    except ImportError:
        print("dask not installed")
        return {"dask_difference": None}
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR,
    ) as cluster, distributed.Client(cluster):
        X, y = dask_data(n, d)
        fits = [("dask arrays, 2 workers",
                 recorded_fit(ours("quantile", DASK_QUANTILE), X, y, settings.budget))]
        X, y = dask.compute(X, y)
    fits.append(("in memory",
                 recorded_fit(ours("quantile", DASK_QUANTILE), X, y, settings.budget)))
    reference = params_of(fits[1][1][0])
    rows = [[name, number(seconds), str(model.n_iter_), converged(recorder, has_warned),
             f"{objective('quantile', X, y, params_of(model), DASK_QUANTILE):.10g}",
             f"{coefficient_difference(params_of(model), reference):.1e}"]
            for name, (model, recorder, seconds, has_warned) in fits]
    print(format_table(["fit", "seconds", "epochs", "converged", "objective",
                        "coef difference"], rows))
    return {"dask_difference": coefficient_difference(params_of(fits[0][1][0]), reference),
            "dask_states": [row[3] for row in rows]}
