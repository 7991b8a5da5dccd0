"""Fits on a GPU through scikit-learn's array API dispatch: seconds per epoch and to convergence.

On float32 torch tensors that live on the device, times
``AdamLinearRegressor`` at its default settings (its passes over ``X`` on the
device, its full-batch steps on the host through the normal equations), the
same estimator with mini-batches (gradients and steps on the device),
``Ridge(solver="svd")`` on the same device through array API dispatch, and a
hand-written full-batch ``torch.optim.Adam`` loop on the device. Each is set
against the least-squares solution computed on the device in float64
(relative coefficient error), and the table names the device. Run from the
repository root::

    python -m benchmarks.gpu                  # CUDA: 1,000,000 x 100 and 10,000,000 x 100
    python -m benchmarks.gpu --device cpu     # torch on the CPU, 100,000 x 100: checks the script
    python -m benchmarks.gpu --rows 1000000 --json gpu.json

Without a CUDA device (and without ``--device cpu``) it says so and exits.
"""

import argparse
import json
import os
import platform
import time
import warnings

# scikit-learn's array API dispatch needs SciPy's, which is read when SciPy
# is first imported: before anything below imports it.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.linear_model import Ridge  # noqa: E402

from sklearn_adam import AdamLinearRegressor  # noqa: E402

N_FEATURES = 100
ROWS = {"cuda": (1_000_000, 10_000_000), "cpu": (100_000,)}
# Relative noise of the target, as in benchmarks/datasets.py (R^2 about 0.9).
NOISE = 1 / 3
# Training MSE the torch loop must reach, relative to the optimum's (as in
# benchmarks/speed.py).
TARGET_RATIO = 1.01
# Epochs over which the torch loop's time per epoch is taken.
TIMED_EPOCHS = 20
# Epochs after the first over which the mini-batch time per epoch is taken.
MINI_BATCH_EPOCHS = 4


def parse_arguments(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cuda", help="torch device (default: cuda)")
    parser.add_argument("--rows", type=int, nargs="+",
                        help="rows of each problem (default: 1e6 and 1e7 on cuda, 1e5 on cpu)")
    parser.add_argument("--batch-size", type=int, default=4096,
                        help="mini-batch size of the second AdamLinearRegressor row")
    parser.add_argument("--torch-lr", type=float, default=0.01,
                        help="learning rate of the torch.optim.Adam loop (default: 0.01, "
                        "AdamLinearRegressor's)")
    parser.add_argument("--max-epochs", type=int, default=20_000,
                        help="epochs after which the torch loop gives up on its target")
    parser.add_argument("--budget", type=float, default=300.0,
                        help="seconds after which the torch loop gives up on its target")
    parser.add_argument("--repeats", type=int, default=3,
                        help="fits timed per figure, the fastest kept (default: 3)")
    parser.add_argument("--json", help="also write every number to this file")
    return parser.parse_args(argv)


def problem(torch, n_samples, device, seed=0):
    """Gaussian float32 features and ``y = X @ w + noise``, generated on the device."""
    generator = torch.Generator(device=device).manual_seed(seed)
    X = torch.randn(n_samples, N_FEATURES, generator=generator, device=device)
    w = torch.randn(N_FEATURES, generator=generator, device=device)
    signal = X @ w
    noise = torch.randn(n_samples, generator=generator, device=device)
    return X, signal + NOISE * signal.std() * noise + 1.0


def least_squares(torch, X, y):
    """Coefficients, intercept and training MSE of the exact fit, in float64 on the device."""
    X64, y64 = X.double(), y.double()
    X_mean, y_mean = X64.mean(dim=0), y64.mean()
    centered = X64 - X_mean
    coef = torch.linalg.solve(centered.T @ centered, centered.T @ (y64 - y_mean))
    intercept = y_mean - X_mean @ coef
    mse = float(torch.mean(torch.square(X64 @ coef + intercept - y64)))
    return coef, intercept, mse


def synchronized(torch, device):
    def wait():
        if torch.device(device).type == "cuda":
            torch.cuda.synchronize(device)
    return wait


def timed(wait, function, repeats=1):
    """Seconds ``function()`` takes, all work on the device included, and its result.

    With ``repeats``, the fastest of that many calls (and the last result).
    """
    best = np.inf
    for _ in range(repeats):
        wait()
        start = time.perf_counter()
        result = function()
        wait()
        best = min(best, time.perf_counter() - start)
    return best, result


def coefficient_error(torch, coef, reference):
    coef = torch.as_tensor(coef).reshape(-1).double().to(reference.device)
    return float(torch.linalg.vector_norm(coef - reference) / torch.linalg.vector_norm(reference))


def adam_defaults(torch, wait, X, y, reference, repeats):
    """AdamLinearRegressor(): its first epoch (both passes over X), and the whole fit."""
    with sklearn.config_context(array_api_dispatch=True), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        first, _ = timed(wait, lambda: AdamLinearRegressor(max_iter=1).fit(X, y), repeats)
        total, model = timed(wait, lambda: AdamLinearRegressor().fit(X, y), repeats)
    epochs = model.n_iter_
    return {
        "method": "AdamLinearRegressor() (steps on the host)",
        "first epoch": first,
        # After the first epoch's two passes, an epoch is one step through the
        # normal equations, microseconds on the host: the time per epoch is
        # the whole fit's, shared out.
        "per epoch": total / epochs,
        "to convergence": total,
        "epochs": epochs,
        "coefficient error": coefficient_error(torch, model.coef_, reference),
        "on device": model.coef_.device.type == X.device.type,
    }


def adam_mini_batches(torch, wait, X, y, batch_size, repeats):
    """AdamLinearRegressor(batch_size=...): seconds of one epoch of device steps."""
    settings = dict(batch_size=batch_size, random_state=0)
    with sklearn.config_context(array_api_dispatch=True), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        first, _ = timed(
            wait, lambda: AdamLinearRegressor(max_iter=1, **settings).fit(X, y), repeats
        )
        more, model = timed(
            wait,
            lambda: AdamLinearRegressor(max_iter=1 + MINI_BATCH_EPOCHS, **settings).fit(X, y),
            repeats,
        )
    return {
        "method": f"AdamLinearRegressor(batch_size={batch_size}) (steps on the device)",
        "first epoch": first,
        # Epochs after the first, which also measures the standardization.
        "per epoch": (more - first) / MINI_BATCH_EPOCHS,
        "on device": model.coef_.device.type == X.device.type,
    }


def ridge(torch, wait, X, y, reference, repeats):
    """Ridge(alpha=0, solver="svd") through array API dispatch, on the same device."""
    with sklearn.config_context(array_api_dispatch=True):
        seconds, model = timed(wait, lambda: Ridge(alpha=0.0, solver="svd").fit(X, y), repeats)
    return {
        "method": 'Ridge(alpha=0, solver="svd"), array API',
        "to convergence": seconds,
        "coefficient error": coefficient_error(torch, model.coef_, reference),
        "on device": model.coef_.device.type == X.device.type,
    }


def torch_loop(torch, wait, X, y, reference, optimum_mse, args):
    """Full-batch torch.optim.Adam on the device: seconds per epoch, and to 1% of the optimum."""
    def start():
        coef = torch.zeros(X.shape[1], device=X.device, requires_grad=True)
        intercept = torch.zeros((), device=X.device, requires_grad=True)
        return coef, intercept, torch.optim.Adam([coef, intercept], lr=args.torch_lr)

    def epoch(coef, intercept, optimizer):
        optimizer.zero_grad()
        loss = torch.mean(torch.square(X @ coef + intercept - y))
        loss.backward()
        optimizer.step()
        return loss

    coef, intercept, optimizer = start()
    per_epoch, _ = timed(wait, lambda: [epoch(coef, intercept, optimizer)
                                        for _ in range(TIMED_EPOCHS)], args.repeats)
    coef, intercept, optimizer = start()
    target = TARGET_RATIO * optimum_mse
    wait()
    begin = time.perf_counter()
    epochs, reached = 0, False
    while epochs < args.max_epochs and time.perf_counter() - begin < args.budget:
        loss = epoch(coef, intercept, optimizer)
        epochs += 1
        # The loss is that before the step; reading it waits for the device.
        if float(loss.detach()) <= target:
            reached = True
            break
    wait()
    seconds = time.perf_counter() - begin
    return {
        "method": f"torch.optim.Adam loop, full batch, lr={args.torch_lr:g}",
        "first epoch": None,
        "per epoch": per_epoch / TIMED_EPOCHS,
        "to convergence": seconds if reached else None,
        "epochs": epochs,
        "coefficient error": coefficient_error(torch, coef.detach(), reference),
        "on device": True,
        "target": f"training MSE within {TARGET_RATIO - 1:.0%} of the optimum's",
    }


def warm_up(torch, device, batch_size):
    """Compile the kernels and load the device libraries before anything is timed."""
    X, y = problem(torch, 2000, device, seed=1)
    with sklearn.config_context(array_api_dispatch=True), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        AdamLinearRegressor().fit(X, y)
        AdamLinearRegressor(batch_size=min(batch_size, 500), max_iter=2).fit(X, y)
        Ridge(alpha=0.0, solver="svd").fit(X, y)
    least_squares(torch, X, y)


def run(torch, n_samples, args):
    wait = synchronized(torch, args.device)
    X, y = problem(torch, n_samples, args.device)
    reference, _, optimum_mse = least_squares(torch, X, y)
    rows = [
        adam_defaults(torch, wait, X, y, reference, args.repeats),
        adam_mini_batches(torch, wait, X, y, args.batch_size, args.repeats),
        ridge(torch, wait, X, y, reference, args.repeats),
        torch_loop(torch, wait, X, y, reference, optimum_mse, args),
    ]
    return {"rows": n_samples, "features": N_FEATURES, "dtype": "float32", "results": rows}


def device_name(torch, device):
    if torch.device(device).type == "cuda":
        return torch.cuda.get_device_name(device)
    return f"CPU ({platform.processor() or platform.machine()}, {os.cpu_count()} threads)"


def seconds(value, digits=3):
    return "-" if value is None else f"{value:.{digits}g}"


def table(result):
    lines = [
        f"| {result['rows']:,} x {result['features']} float32 | first epoch (s) | "
        "per epoch (s) | to convergence (s) | epochs | coefficient error |",
        "|---|---|---|---|---|---|",
    ]
    for row in result["results"]:
        error = row.get("coefficient error")
        lines.append(
            f"| {row['method']} | {seconds(row.get('first epoch'))} | "
            f"{seconds(row.get('per epoch'))} | {seconds(row.get('to convergence'))} | "
            f"{row.get('epochs', '-')} | {'-' if error is None else f'{error:.1e}'} |"
        )
    return "\n".join(lines)


def main(argv=None):
    args = parse_arguments(argv)
    try:
        import torch
    except ImportError:
        print("benchmarks.gpu needs torch (pip install torch); nothing was run.")
        return
    if torch.device(args.device).type == "cuda" and not torch.cuda.is_available():
        print(f"No CUDA device here (torch {torch.__version__}, built with CUDA "
              f"{torch.version.cuda}); nothing was run. Run it on a machine with a GPU, "
              "or with --device cpu to check the script on torch's CPU tensors.")
        return
    rows = args.rows or ROWS[torch.device(args.device).type]
    warm_up(torch, args.device, args.batch_size)
    header = (f"Device: {device_name(torch, args.device)}; torch {torch.__version__}, "
              f"scikit-learn {sklearn.__version__}, numpy {np.__version__}")
    print(header)
    results = []
    for n_samples in rows:
        result = run(torch, n_samples, args)
        results.append(result)
        print()
        print(table(result))
    print(f"""
First epoch: a fit of one epoch, standardization included. Per epoch: for
AdamLinearRegressor() the whole fit over its epochs (after the first epoch's
two passes over X, each is one step on the host); for mini-batches, the
mean of {MINI_BATCH_EPOCHS} epochs after the first; for the torch loop, of {TIMED_EPOCHS}. To
convergence: AdamLinearRegressor() to its default tol=1e-10 on the gradient
(float32: raised to the rounding of the dtype); the torch loop to a training
MSE within {TARGET_RATIO - 1:.0%} of the optimum's ("-": not reached). Coefficient error:
relative to the float64 least-squares solution computed on the device.
Fastest of {args.repeats} fits.""")
    if args.json:
        with open(args.json, "w") as file:
            json.dump({"device": device_name(torch, args.device), "header": header,
                       "problems": results}, file, indent=2)


if __name__ == "__main__":
    main()
