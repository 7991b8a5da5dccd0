"""Scores and the comparison table that ``python -m sklearn_adam`` prints.

Targets near the top of float64's range (1e300) are fitted fine, but the
squares in R^2 and the MSE overflow there. The scores are therefore computed
on targets and predictions divided by their largest magnitude, which leaves
R^2 unchanged; an MSE that float64 cannot hold is reported as such, next to
the RMSE, which it can.
"""

import numpy as np
from sklearn.metrics import mean_squared_error, r2_score

OVERFLOW = "n/a (overflows)"


def regression_scores(y_true, y_pred):
    """R^2, MSE and RMSE of ``y_pred``, without overflow at any finite scale.

    Parameters
    ----------
    y_true, y_pred : ndarray of shape (n_rows,) or (n_rows, n_outputs)
        Finite targets and predictions. Several outputs are averaged
        uniformly, as scikit-learn's metrics do by default.

    Returns
    -------
    scores : dict
        "R^2", "MSE" and "RMSE"; the MSE (or RMSE) is None where it exceeds
        the largest float64.

    Raises
    ------
    ArithmeticError
        When a prediction is not finite.
    """
    y_true = np.asarray(y_true, dtype=np.float64).reshape(len(y_true), -1)
    y_pred = np.asarray(y_pred, dtype=np.float64).reshape(len(y_pred), -1)
    if not np.all(np.isfinite(y_pred)):
        raise ArithmeticError("the model's predictions are not all finite")
    scale = np.maximum(np.max(np.abs(y_true), axis=0), np.max(np.abs(y_pred), axis=0))
    scale[scale == 0] = 1.0
    scaled_true, scaled_pred = y_true / scale, y_pred / scale
    # R^2 is a ratio of sums of squares per output: the scale cancels.
    r2 = float(r2_score(scaled_true, scaled_pred))
    scaled_mse = mean_squared_error(scaled_true, scaled_pred, multioutput="raw_values")
    with np.errstate(over="ignore"):
        mse = float(np.mean(scaled_mse * scale * scale))
        rmse = float(np.mean(np.sqrt(scaled_mse) * scale))
    return {"R^2": r2, "MSE": mse if np.isfinite(mse) else None,
            "RMSE": rmse if np.isfinite(rmse) else None}


def relative_difference(a, b):
    """``max |a - b| / max |b|``, without overflow; NaN where ``b`` is all zero."""
    scale = np.max(np.abs(b))
    if not scale:
        return np.nan
    return float(np.max(np.abs(a / scale - b / scale)))


def format_table(rows):
    """Lay out ``rows``, a dict of column name to a dict of metric to value.

    Parameters
    ----------
    rows : dict of str to dict
        One column per model; every model has the same metrics, in order.
        A float prints with 6 significant digits, None as an overflow.

    Returns
    -------
    text : str
    """
    names = list(rows)
    metrics = list(rows[names[0]])
    width = max(len(m) for m in metrics) + 2
    lines = [" " * width + "".join(f"{n:>22}" for n in names)]
    for metric in metrics:
        cells = []
        for name in names:
            value = rows[name][metric]
            if value is None:
                value = OVERFLOW
            cells.append(f"{value:>22.6g}" if isinstance(value, float) else f"{value!s:>22}")
        lines.append(f"{metric:<{width}}" + "".join(cells))
    return "\n".join(lines)


def describe_preprocessing(data, impute, X_train, X_test):
    """Print which columns were one-hot encoded or imputed, and unseen categories.

    Parameters
    ----------
    data : CsvData
        The CSV file's columns.
    impute : {"refuse", "mean", "median"}
        The value of --impute.
    X_train, X_test : ndarray
        The rows of ``data.X`` in each part of the split.
    """
    encoded, unseen = [], np.zeros(X_test.shape[0], dtype=bool)
    for j in data.categorical:
        seen = {cell for cell in X_train[:, j] if isinstance(cell, str)}
        encoded.append(f"{data.features[j]} ({len(seen)} categories)")
        unseen |= [isinstance(cell, str) and cell not in seen for cell in X_test[:, j]]
    if encoded:
        print("one-hot encoded, first category dropped: " + ", ".join(encoded))
    if data.blanks and impute != "refuse":
        filled = ", ".join(f"{name} ({len(rows)})" for name, rows in data.blanks.items())
        print(f"blank cells filled with the training rows' {impute} (most frequent "
              f"category where categorical): {filled}")
    if unseen.any():
        print(f"note: test rows with a category that no training row has: {unseen.sum()}; "
              "the encoding treats such a category as the column's first")
