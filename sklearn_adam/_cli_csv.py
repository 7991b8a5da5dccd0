"""Read the CSV file of ``python -m sklearn_adam`` into features and a target.

Each feature column is numeric (every filled cell a number) or categorical
(no filled cell a number, or named by ``--categorical``); a column that mixes
the two is refused, naming its first cell that is not a number, since a typo
in a numeric column must not turn it into categories. Blank cells are
recorded, not filled: whether to impute them is the caller's choice.
"""

import csv
from dataclasses import dataclass, field

import numpy as np

# Words that people and other programs write for a missing value; a cell
# holding one gets a hint to leave the cell empty instead.
MISSING_MARKERS = {"na", "n/a", "nan", "null", "none", "?", "-"}


class UsageError(Exception):
    """A bad combination of options, reported like argparse's errors (exit 2)."""


@dataclass
class CsvData:
    """The columns of a CSV file, split into features and a target.

    Attributes
    ----------
    features : list of str
        Names of the feature columns, in the file's order.
    X : ndarray of shape (n_rows, n_features)
        float64 with NaN for blank cells when every feature is numeric;
        otherwise object, holding floats (NaN for blanks) in numeric columns
        and stripped strings (NaN for blanks) in categorical ones.
    y : ndarray of shape (n_rows,)
        The target column.
    categorical : list of int
        Indices of the categorical features.
    blanks : dict of str to list of int
        For each feature with blank cells, their data row numbers.
    """

    features: list
    X: np.ndarray
    y: np.ndarray
    categorical: list = field(default_factory=list)
    blanks: dict = field(default_factory=dict)

    @property
    def numeric(self):
        """Indices of the numeric features."""
        return [j for j in range(len(self.features)) if j not in self.categorical]


def read_csv(path, target, drop=(), categorical=()):
    """Read ``path`` and split its columns into features and ``target``.

    Parameters
    ----------
    path : str
        A UTF-8 CSV file with a header row.
    target : str
        The column to predict; every row needs a number there.
    drop : sequence of str, default=()
        Columns that are neither features nor the target.
    categorical : sequence of str, default=()
        Feature columns to one-hot encode even where their cells are numbers.

    Returns
    -------
    data : CsvData

    Raises
    ------
    UsageError
        When ``drop`` or ``categorical`` names a column that is not a feature.
    ValueError
        When the file or one of its cells cannot be used, naming the data row
        and column.
    """
    header, rows = _read_rows(path)
    _check_header(path, header, target)
    _check_names("--drop", drop, header, target)
    _check_names("--categorical", categorical, header, target)
    features = [name for name in header if name != target and name not in drop]
    if not features:
        raise ValueError(f"{path} has no feature columns besides {target!r}"
                         + (" once --drop removed its others" if drop else ""))
    if len(rows) < 1:
        raise ValueError(f"{path} has a header but no data rows")
    for number, row in enumerate(rows, start=1):
        if len(row) != len(header):
            raise ValueError(f"{path}, data row {number}: {len(row)} fields, but the "
                             f"header has {len(header)}")
    cells = {name: [row[j].strip() for row in rows] for j, name in enumerate(header)}
    y = _target(path, target, cells[target])
    encoded = [j for j, name in enumerate(features)
               if name in categorical or _is_categorical(cells[name])]
    columns, blanks = [], {}
    for j, name in enumerate(features):
        column = cells[name]
        blank_rows = [number for number, cell in enumerate(column, start=1) if not cell]
        if len(blank_rows) == len(column):
            raise ValueError(f"{path}: column {name!r} is blank in every row; "
                             f"--drop {name} to leave it out")
        if blank_rows:
            blanks[name] = blank_rows
        columns.append(_categories(column) if j in encoded else _numbers(path, name, column))
    X = np.empty((len(rows), len(features)), dtype=object if encoded else np.float64)
    for j, column in enumerate(columns):
        X[:, j] = column
    return CsvData(features, X, y, encoded, blanks)


def refuse_blanks(path, blanks):
    """Raise a ValueError naming the first blank cell of ``blanks``, if any.

    Parameters
    ----------
    path : str
        The CSV file, named in the message.
    blanks : dict of str to list of int
        ``CsvData.blanks``: the data rows of each column's blank cells.
    """
    if not blanks:
        return
    name, rows = min(blanks.items(), key=lambda item: item[1][0])
    total = sum(len(rows) for rows in blanks.values())
    raise ValueError(
        f"{path}: blank cell at data row {rows[0]}, column {name!r} ({total} blank "
        f"cell{'s' if total > 1 else ''} in all); pass --impute mean or --impute median to "
        "fill blanks from the training rows, or --drop the column"
    )


def _read_rows(path):
    try:
        with open(path, newline="", encoding="utf-8-sig") as file:
            rows = [row for row in csv.reader(file) if row]
    except (csv.Error, UnicodeDecodeError) as exc:
        raise ValueError(f"{path} is not a valid UTF-8 CSV file: {exc}") from None
    except OSError as exc:
        raise OSError(f"cannot read {path}: {exc.strerror or exc}") from None
    if not rows:
        raise ValueError(f"{path} is empty; expected a header row and data rows")
    header = [name.strip() for name in rows[0]]
    # pandas' to_csv writes the row index first, under an empty name: it is
    # not a feature.
    if header[0] == "" and len(header) > 1:
        return header[1:], [row[1:] for row in rows[1:]]
    return header, rows[1:]


def _check_header(path, header, target):
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise ValueError(f"{path} names several columns {', '.join(map(repr, repeated))}; "
                         "column names must be unique")
    if target not in header:
        raise ValueError(f"{target!r} is not a column of {path}; its columns are: "
                         f"{', '.join(header)}")
    if len(header) < 2:
        raise ValueError(f"{path} has no feature columns besides {target!r}")


def _check_names(flag, names, header, target):
    for name in names:
        if name == target:
            raise UsageError(f"{flag}: {name!r} is the --target column")
        if name not in header:
            raise UsageError(f"{flag}: {name!r} is not a column of the file; its columns "
                             f"are: {', '.join(header)}")


def _parses(cell):
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _is_categorical(column):
    return not any(_parses(cell) for cell in column if cell)


def _categories(column):
    return [cell if cell else np.nan for cell in column]


def _numbers(path, name, column):
    values = []
    for number, cell in enumerate(column, start=1):
        if not cell:
            values.append(np.nan)
            continue
        where = f"{path}, data row {number}, column {name!r}: {cell!r}"
        hint = ("; leave a missing value's cell empty" if cell.lower() in MISSING_MARKERS
                else "")
        try:
            value = float(cell)
        except ValueError:
            raise ValueError(
                f"{where} is not a number, though other cells of the column are; fix the "
                f"cell{hint}, or pass --categorical {name} to one-hot encode the column"
            ) from None
        if not np.isfinite(value):
            raise ValueError(f"{where} is not a finite number{hint}")
        values.append(value)
    return values


def _target(path, target, column):
    y = np.empty(len(column))
    for number, cell in enumerate(column, start=1):
        where = f"{path}, data row {number}, column {target!r} (the target)"
        if not cell:
            raise ValueError(f"{where}: the cell is blank; every row needs a target, "
                             "which is never imputed: remove the row or fill the cell")
        try:
            y[number - 1] = float(cell)
        except ValueError:
            raise ValueError(f"{where}: {cell!r} is not a number; the target must be "
                             "numeric") from None
        if not np.isfinite(y[number - 1]):
            raise ValueError(f"{where}: {cell!r} is not a finite number")
    return y
