"""The loss-curve figure that ``python -m sklearn_adam --plot`` saves."""

import os

import numpy as np

from ._cli_csv import UsageError
from ._cli_model import check_output_path


def plot_path(path, data_path=None):
    """The file --plot will write: matplotlib adds ".png" to a name without a suffix.

    Parameters
    ----------
    path : str
        The value of --plot.
    data_path : str, default=None
        The input file, which the plot must not overwrite.

    Returns
    -------
    path : str

    Raises
    ------
    UsageError
        When the file cannot be written.
    """
    if not os.path.splitext(path)[1]:
        path += ".png"
    check_output_path("--plot", path, data_path)
    return path


def import_matplotlib():
    """matplotlib's Figure class, or a UsageError saying how to install it."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise UsageError("--plot needs matplotlib, which is not installed "
                         "(pip install matplotlib)") from None
    return Figure


def plot(adam, kept_epoch, path):
    """Save the loss curve of the fitted ``adam``, and its validation R^2 if any.

    Parameters
    ----------
    adam : AdamLinearRegressor
        A fitted estimator.
    kept_epoch : int or None
        The epoch early stopping kept; None without early stopping.
    path : str
        The image file to write.
    """
    Figure = import_matplotlib()
    n_panels = 1 if kept_epoch is None else 2
    figure = Figure(figsize=(6, 3 * n_panels))
    axes = figure.subplots(n_panels, 1, sharex=True, squeeze=False)[:, 0]
    epochs = np.arange(1, len(adam.loss_curve_) + 1)
    axes[0].plot(epochs, adam.loss_curve_)
    axes[0].set_yscale("log")
    axes[0].set_ylabel("training loss (standardized)")
    axes[0].set_title(f"AdamLinearRegressor, solver={adam.solver}")
    if kept_epoch is not None:
        scores, scored = adam.validation_scores_, adam.validation_epochs_
        axes[1].plot(scored, scores, color="tab:orange")
        axes[1].axvline(kept_epoch, color="gray", linestyle="--")
        axes[1].plot([kept_epoch], [scores[scored.index(kept_epoch)]], "o", color="tab:red",
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
