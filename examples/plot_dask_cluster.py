"""
Fitting a dask array on a local cluster
=======================================

With the ``dask`` extra, :meth:`~sklearn_adam.AdamLinearRegressor.fit` takes
a dask array and never gathers it: each block of rows is read by the worker
that holds it, and only results the size of the coefficients, or of their
square, come back. This example starts a cluster of two worker processes on
this machine, generates 1,000,000 x 20 float64 data (160 MB) on the workers,
and fits :class:`~sklearn_adam.AdamLinearRegressor` on it. It then checks
what reached this process during the fit, compares the coefficients with the
same fit in memory and with :class:`~sklearn.linear_model.LinearRegression`,
and shows that ``predict`` returns a dask array that is not computed until
asked. The figure shows when each worker read its blocks, and the gradient
norm of every epoch.
"""

# %%
# The cluster
# -----------
#
# ``distributed.LocalCluster`` starts a scheduler and two worker
# processes with one thread each, listening on this machine only (the
# dashboard on any free port); the ``distributed.Client`` makes it the
# cluster that dask computations from this process run on. On a real
# cluster, ``Client("tcp://scheduler:8786")`` is the only line that changes.
#
# Each worker is a new Python process that imports the script that started
# it, under another name than ``"__main__"``. So every cell's work runs under
# ``if __name__ == "__main__":``: a worker that imports this file gets its
# imports and functions, and does not start a cluster of its own (it would
# fail with ``RuntimeError: Nanny failed to start``). Run as a script, in
# Jupyter or by the documentation build, the name is ``"__main__"`` and every
# cell runs. The cluster and the client are context managers, entered here
# and closed in the last cell.

import time
from contextlib import ExitStack

import dask.array as da
import matplotlib.pyplot as plt
import numpy as np
from dask.utils import key_split
from distributed import Client, LocalCluster, get_task_stream, wait
from sklearn.linear_model import LinearRegression

from sklearn_adam import AdamLinearRegressor

if __name__ == "__main__":
    cluster_context = ExitStack()
    cluster = cluster_context.enter_context(
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                     dashboard_address="127.0.0.1:0")
    )
    client = cluster_context.enter_context(Client(cluster))
    workers = sorted(client.scheduler_info()["workers"])
    print(f"{len(workers)} workers: {', '.join(workers)}")

# %%
# The data, generated on the workers
# ----------------------------------
#
# ``X`` has 20 features with different offsets and spreads, and ``y`` is
# linear in them with an intercept of 3 and Gaussian noise. Both are drawn
# by a seeded generator in 10 blocks of 100,000 rows; ``persist`` computes
# the blocks on the workers and keeps them there, so that the fits below
# read the same numbers and their times do not include drawing them. This
# process holds only references to the blocks.

if __name__ == "__main__":
    n_samples, n_features, block_rows = 1_000_000, 20, 100_000
    rng = np.random.default_rng(0)
    true_coef = rng.normal(size=n_features)
    offsets = rng.uniform(-10, 10, size=n_features)
    scales = np.exp(rng.uniform(-2, 2, size=n_features))

    draws = da.random.default_rng(0)
    X = draws.normal(size=(n_samples, n_features), chunks=(block_rows, n_features)) * scales
    X = X + offsets
    y = X @ true_coef + 3.0 + draws.normal(scale=0.5, size=n_samples, chunks=block_rows)
    X, y = client.persist([X, y])
    wait([X, y])

    held = {worker: 0 for worker in workers}
    for holders in client.who_has(X).values():
        for worker in holders:
            held[worker] += 1
    print(f"X: {n_samples:,} x {n_features} {X.dtype}, {X.nbytes / 1e6:.0f} MB "
          f"in {X.numblocks[0]} blocks of {block_rows:,} rows")
    for worker, count in held.items():
        print(f"  {worker} holds {count} blocks of X")

# %%
# The fit
# -------
#
# A default fit is full-batch Adam, as in memory, in three passes over the
# blocks: one for the centers and scales of the columns, one that sums each
# block's products of the standardized columns (the normal equations, a
# 22 x 22 matrix here: 20 features, the target and a column of ones), and,
# after the last step, one over the blocks of ``y`` for the final check.
# Each pass sends the scheduler one graph and brings back one merged
# result. Every Adam step is taken in this process from the summed normal
# equations, with no message to the cluster.
#
# What reached this process is read from the workers' own logs of what they
# sent: every result a worker sent to anything other than another worker
# (this process or the scheduler), with the bytes it wrote to the
# connection. The first fit also pays for loading the package and its
# compiled kernels in each worker process; the second one is timed on warm
# workers, and its tasks are recorded for the figure.


def sent_to_non_workers():
    """Every transfer the workers logged to anything but a worker: (count, bytes written)."""
    logs = client.run(lambda dask_worker: list(dask_worker.transfer_outgoing_log))
    entries = [entry for log in logs.values() for entry in log if entry["who"] not in workers]
    return len(entries), sum(entry["compressed"] for entry in entries)


if __name__ == "__main__":
    rows = []
    for name in ("first fit", "second fit"):
        messages_before, bytes_before = sent_to_non_workers()
        with get_task_stream(client) as task_stream:
            start, started_at = time.perf_counter(), time.time()
            model = AdamLinearRegressor().fit(X, y)
            seconds = time.perf_counter() - start
        messages, sent = sent_to_non_workers()
        rows.append((name, seconds, model.n_iter_, messages - messages_before, sent - bytes_before))

    print(f"{'':12s} {'':>8s} {'':>7s}  sent by the workers to this process")
    print(f"{'':12s} {'seconds':>8s} {'epochs':>7s}  {'or the scheduler':>16s} {'bytes':>7s}")
    for name, seconds, epochs, messages, sent in rows:
        print(f"{name:12s} {seconds:8.2f} {epochs:7d}  {messages:8d} results {sent:7,d}")
    print(f"size of X: {X.nbytes:,} bytes")
    tasks = {}
    for task in task_stream.data:
        tasks[key_split(task["key"])] = tasks.get(key_split(task["key"]), 0) + 1
    print("tasks of the second fit:", ", ".join(f"{n} {name}" for name, n in tasks.items()))

# %%
# The same fit in memory
# ----------------------
#
# For the comparison, and only for it, this process now gathers ``X`` and
# ``y`` from the workers, block by block. The same logs count what that
# brings here: the size of ``X`` and ``y``, which shows that the log would
# have seen ``X`` had the fit gathered it. The fit in memory is the same
# computation on the same numbers; only the order in which the sums over
# rows are added differs (block by block on the cluster). Both run the same
# number of epochs, their coefficients agree to rounding, and both agree
# with the closed form to the precision that the default ``tol=1e-10``
# gives.


def relative(coef, reference):
    return np.abs(coef - reference).max() / np.abs(reference).max()


if __name__ == "__main__":
    messages_before, bytes_before = sent_to_non_workers()
    X_here = np.concatenate(client.gather(client.compute(X.to_delayed().ravel().tolist())))
    y_here = np.concatenate(client.gather(client.compute(y.to_delayed().ravel().tolist())))
    messages, sent = sent_to_non_workers()
    print(f"gathering X and y: {messages - messages_before} results, {sent - bytes_before:,} bytes "
          f"(X and y: {X_here.nbytes + y_here.nbytes:,} bytes)")

    AdamLinearRegressor().fit(X_here[:1000], y_here[:1000])  # loads the compiled kernels here
    start = time.perf_counter()
    in_memory = AdamLinearRegressor().fit(X_here, y_here)
    memory_seconds = time.perf_counter() - start
    closed_form = LinearRegression().fit(X_here, y_here)

    dask_curve = np.array(model.gradient_norm_curve_)
    memory_curve = np.array(in_memory.gradient_norm_curve_)
    print(f"fit in memory: {memory_seconds:.2f} s, {in_memory.n_iter_} epochs")
    print("max |coef difference| / max |coef|")
    print(f"  dask fit against the fit in memory: {relative(model.coef_, in_memory.coef_):.1e}")
    print(f"  dask fit against LinearRegression:  {relative(model.coef_, closed_form.coef_):.1e}")
    print(f"  fit in memory against LinearRegression: "
          f"{relative(in_memory.coef_, closed_form.coef_):.1e}")
    print(f"intercepts: {model.intercept_:.10f} (dask), {in_memory.intercept_:.10f} (memory), "
          f"{closed_form.intercept_:.10f} (LinearRegression)")
    difference = np.abs(dask_curve - memory_curve)
    print(f"gradient norms per epoch: largest difference {difference.max():.1e}, at epoch "
          f"{difference.argmax() + 1} (norm {memory_curve[difference.argmax()]:.3f}); last epoch's "
          f"{dask_curve[-1]:.3e} (dask) and {memory_curve[-1]:.3e} (memory)")

# %%
# Predictions stay on the cluster
# -------------------------------
#
# ``predict`` on a dask array returns a dask array in the row blocks of
# ``X``: a graph of one task per block, computed only when asked. Here the
# coefficient of determination is computed from it on the workers, and
# only the resulting number comes back.

if __name__ == "__main__":
    y_pred = model.predict(X)
    print(f"predict returned a {type(y_pred).__module__}.{type(y_pred).__name__} of shape "
          f"{y_pred.shape}, in {y_pred.numblocks[0]} blocks, not computed")
    r2 = 1 - ((y - y_pred) ** 2).sum() / ((y - y.mean()) ** 2).sum()
    print(f"R^2 computed on the workers: {float(r2.compute()):.10f}")
    print(f"R^2 of the fit in memory:    {in_memory.score(X_here, y_here):.10f}")

# %%
# Where the time goes
# -------------------
#
# The left panel draws every task of the second fit, on the worker that ran
# it, from the cluster's task stream: the statistics pass, the pass that
# sums the normal equations, and the final pass over ``y``, each one task
# per block (``y`` is also reshaped into a column, one small task per block
# and pass), and the merges of their results. Between the second pass and
# the third no task runs (shaded): this process takes every Adam step
# there, from the summed normal equations, then sends the last pass. The
# right panel is the gradient norm of each epoch, the value the stopping
# rule compares with ``tol``: the fit on the cluster and the fit in memory
# draw the same curve, to the rounding of sums added in another order.

if __name__ == "__main__":
    passes = {
        "block_statistics": ("column statistics", "tab:blue"),
        "merge_statistics": ("merges and sums", "black"),
        "block_normal_sums": ("normal equations", "tab:orange"),
        "add_up": ("merges and sums", "black"),
        "block_reference_sums": ("final check over y", "tab:green"),
    }
    # (name, worker, start, stop) of every task of the second fit, in seconds from its start.
    computed = [
        (key_split(task["key"]), task["worker"], interval["start"] - started_at,
         interval["stop"] - started_at)
        for task in task_stream.data for interval in task["startstops"]
        if interval["action"] == "compute"
    ]
    last_pass = min(start for name, _, start, _ in computed if name == "block_reference_sums")
    steps_start = max(stop for name, _, _, stop in computed
                      if name in ("block_normal_sums", "add_up") and stop < last_pass)
    steps_stop = min(start for _, _, start, _ in computed if start > steps_start)
    idle_ms = (steps_stop - steps_start) * 1000
    print(f"second fit: {seconds * 1000:.0f} ms, of which {idle_ms:.0f} ms "
          f"without a task between the second pass and the last ({model.n_iter_} steps)")

    fig, (ax_tasks, ax_curve) = plt.subplots(1, 2, figsize=(12, 4.2), layout="constrained")
    labelled = set()
    for name, worker, start, stop in computed:
        label, color = passes.get(name, ("reshape y", "lightgrey"))
        ax_tasks.barh(workers.index(worker), stop - start, left=start, height=0.6, color=color,
                      label=None if label in labelled else label)
        labelled.add(label)
    ax_tasks.axvspan(steps_start, steps_stop, color="lightyellow", label="no task (the steps)")
    ax_tasks.axvline(seconds, color="grey", linestyle=":", label="fit returns")
    ax_tasks.set(yticks=range(len(workers)),
                 yticklabels=[f"worker {i + 1}" for i in range(len(workers))],
                 xlabel="seconds since the second fit started", xlim=(0, seconds * 1.05),
                 ylim=(-0.5, len(workers) + 0.3), title="Tasks of the fit on each worker")
    ax_tasks.legend(fontsize="small", loc="upper left", ncol=3)

    epochs = np.arange(1, len(dask_curve) + 1)
    ax_curve.plot(epochs, dask_curve, label="dask array on the cluster", linewidth=3, alpha=0.5)
    ax_curve.plot(epochs, memory_curve, label="numpy array in memory", color="black",
                  linestyle="--")
    ax_curve.axhline(model.tol, color="grey", linestyle=":", label="tol")
    ax_curve.set(yscale="log", xlabel="epoch (one full-batch step)", ylabel="gradient norm",
                 title="Gradient norm per epoch")
    ax_curve.legend(fontsize="small")
    plt.show()

# %%
# Closing the cluster
# -------------------
#
# Leaving the context managers closes the client, then the cluster, whose
# worker processes exit with it.

if __name__ == "__main__":
    cluster_context.close()
    print(f"cluster status: {cluster.status.name}")
