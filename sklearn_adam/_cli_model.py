"""The models ``python -m sklearn_adam`` fits, and the files it saves from them.

Preprocessing (one-hot encoding, imputation) is a step of a scikit-learn
Pipeline, fitted on the training rows alone, so that the saved model takes
the feature columns as the CSV file has them and the test rows are scored as
new data would be.
"""

import csv
import os

import joblib
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder

from ._cli_csv import UsageError


def preprocessor(data, impute):
    """The transformer that turns the rows of ``data`` into numbers, or None.

    Parameters
    ----------
    data : CsvData or None
        The CSV file's columns; None for a bundled dataset, all numbers.
    impute : {"refuse", "mean", "median"}
        How blank numeric cells are filled; blank categorical cells take the
        most frequent category. "refuse" adds no imputer.

    Returns
    -------
    transformer : estimator or None
        None where the rows are numbers already and nothing is imputed.
    """
    numbers = None if impute == "refuse" else SimpleImputer(strategy=impute)
    if data is None or not data.categorical:
        return numbers
    # Dropping each column's first category keeps the encoded columns
    # independent of the intercept, so the least-squares coefficients are
    # unique and Adam's can be compared with them.
    encoder = OneHotEncoder(drop="first", handle_unknown="ignore", sparse_output=False)
    if numbers is not None:
        encoder = make_pipeline(SimpleImputer(strategy="most_frequent"), encoder)
    # validate=True turns the numeric columns of an object array into float64
    # and refuses a NaN, as the estimator itself would.
    numbers = numbers or FunctionTransformer(validate=True)
    return ColumnTransformer([("numeric", numbers, data.numeric),
                              ("categorical", encoder, data.categorical)])


def with_preprocessing(transformer, estimator):
    """``estimator`` behind ``transformer`` in a Pipeline, or alone where there is none."""
    return estimator if transformer is None else make_pipeline(transformer, estimator)


def final_estimator(model):
    """The regressor of ``model``, a Pipeline's last step or ``model`` itself."""
    return model[-1] if isinstance(model, Pipeline) else model


def check_output_path(flag, path, data_path=None):
    """Refuse, before any work, a path that ``flag`` could not write.

    Parameters
    ----------
    flag : str
        The option, named in the error.
    path : str
        The file to write.
    data_path : str, default=None
        The input file, which an output must not overwrite.

    Raises
    ------
    UsageError
    """
    folder = os.path.dirname(path) or "."
    if not os.path.isdir(folder):
        raise UsageError(f"{flag}: the folder {folder} does not exist")
    if os.path.isdir(path):
        raise UsageError(f"{flag}: {path} is a folder; give a file name")
    if not os.access(folder, os.W_OK) or (os.path.exists(path)
                                          and not os.access(path, os.W_OK)):
        raise UsageError(f"{flag}: {path} is not writable")
    if data_path is not None and os.path.exists(data_path) and os.path.exists(path) \
            and os.path.samefile(path, data_path):
        raise UsageError(f"{flag}: {path} is the --data file; it would be overwritten")


def save_model(model, path):
    """Write the fitted ``model`` to ``path`` with joblib."""
    try:
        joblib.dump(model, path)
    except OSError as exc:
        raise OSError(f"cannot save the model to {path}: {exc.strerror or exc}") from None


def save_predictions(path, row_numbers, split, targets, y, predictions):
    """Write one CSV line per data row: its number, split, target and prediction.

    Parameters
    ----------
    path : str
        The CSV file to write.
    row_numbers : sequence of int
        Each row's number among the data rows of the input (1 for the first).
    split : sequence of str
        "train" or "test" for each row.
    targets : list of str
        Names of the target columns.
    y, predictions : ndarray of shape (n_rows,) or (n_rows, n_targets)
        The target values and the model's predictions.
    """
    y = y.reshape(len(y), -1)
    predictions = predictions.reshape(len(predictions), -1)
    header = ["row", "split", *targets, *(f"predicted {name}" for name in targets)]
    try:
        with open(path, "w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file)
            writer.writerow(header)
            for number, part, actual, predicted in zip(row_numbers, split, y, predictions):
                # repr gives each float back exactly when the file is read.
                writer.writerow([number, part, *map(repr, actual.tolist()),
                                 *map(repr, predicted.tolist())])
    except OSError as exc:
        raise OSError(f"cannot save the predictions to {path}: "
                      f"{exc.strerror or exc}") from None
