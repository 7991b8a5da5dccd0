"""The command-line demo: `python -m sklearn_adam`."""

import csv
import re
import subprocess
import sys

import joblib
import numpy as np
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.metrics import r2_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from sklearn_adam.__main__ import main


def test_demo_table_shows_agreement_with_linear_regression(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    for label in ("train R^2", "test R^2", "train MSE", "epochs", "fit time (s)"):
        assert label in out
    gap = float(re.search(r"train R\^2 gap \(closed form minus Adam\): (\S+)", out).group(1))
    assert gap < 1e-3


def test_demo_times_the_start_up_of_a_process_apart_from_the_fit():
    result = subprocess.run(
        [sys.executable, "-m", "sklearn_adam"], capture_output=True, text=True, check=True
    )
    rows = {
        label: [float(value) for value in re.findall(r"\S+", rest)]
        for label, rest in re.findall(r"^(fit time \(s\)|start-up \(s\))(.*)$",
                                      result.stdout, flags=re.MULTILINE)
    }
    assert sorted(rows) == ["fit time (s)", "start-up (s)"]
    assert all(len(values) == 2 and min(values) > 0 for values in rows.values())


def test_demo_runs_as_a_module_on_multi_output_data():
    result = subprocess.run(
        [sys.executable, "-m", "sklearn_adam", "--data", "linnerud"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "Dataset: linnerud" in result.stdout


def test_unknown_dataset_is_a_usage_error():
    result = subprocess.run(
        [sys.executable, "-m", "sklearn_adam", "--data", "nope"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


CSV_ROWS = [(x1, x2, 3.0 * x1 - 2.0 * x2 + 1.0) for x1, x2 in
            [(1, 2), (2, 1), (3, 5), (4, 4), (5, 0), (6, 2), (7, 7), (8, 1), (9, 3), (0, 6)]]


@pytest.fixture
def csv_file(tmp_path):
    path = tmp_path / "data.csv"
    lines = ["size,age,price"] + [",".join(str(v) for v in row) for row in CSV_ROWS]
    path.write_text("\n".join(lines) + "\n")
    return path


def run_main(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_csv_round_trip_fits_the_target_column(capsys, csv_file):
    status, out, err = run_main(capsys, "--data", str(csv_file), "--target", "price",
                                "--test-size", "0.3", "--batch-size", "full")
    assert status == 0, err
    assert f"Dataset: {csv_file} (target 'price'), 7 training and 3 test rows, 2 features" in out
    # The target is an exact linear function of the two feature columns.
    test_r2 = re.search(r"test R\^2\s+(\S+)\s+(\S+)", out)
    assert float(test_r2.group(2)) == pytest.approx(1.0)
    assert float(test_r2.group(1)) > 0.99


def test_solver_and_batch_size_reach_the_estimator(capsys):
    status, out, _ = run_main(capsys, "--solver", "adamw", "--batch-size", "16",
                              "--learning-rate", "0.02", "--max-iter", "50")
    assert status == 0
    assert ("AdamLinearRegressor(solver='adamw', batch_size=16, learning_rate=0.02, "
            "max_iter=50, early_stopping=False)") in out
    status, out, _ = run_main(capsys, "--solver", "nadam", "--batch-size", "full")
    assert status == 0
    assert "solver='nadam', batch_size=None" in out


def test_early_stopping_reports_the_kept_epoch(capsys):
    status, out, _ = run_main(capsys, "--data", "friedman1", "--early-stopping")
    assert status == 0
    assert "early_stopping=True" in out
    assert re.search(r"kept epoch\s+\d+\s+-", out)


def test_max_iter_is_a_note_not_a_warning(capsys):
    status, out, err = run_main(capsys, "--max-iter", "3")
    assert status == 0
    assert "note: Adam ran all 3 epochs of --max-iter" in out
    assert "ConvergenceWarning" not in err


def test_help_describes_options_and_examples(capsys):
    status, out, _ = run_main(capsys, "--help")
    assert status == 0
    for text in ("--data", "--target", "--solver", "--batch-size", "--learning-rate",
                 "--max-iter", "--early-stopping", "--plot", "(default: 0.01)", "examples:",
                 "--drop", "--categorical", "--impute", "--alpha", "--save-model",
                 "--save-predictions"):
        assert text in out


BAD_INPUTS = {
    "missing file": (["--data", "{dir}/missing.csv", "--target", "price"], "missing.csv"),
    "unknown column": (["--data", "{csv}", "--target", "cost"], "'cost' is not a column"),
    "non-numeric cell": (["--data", "{bad}", "--target", "price"], "'abc' is not a number"),
    "no target for a file": (["--data", "{csv}"], "--target is required"),
    "unknown dataset": (["--data", "housing"], "invalid choice"),
    "target with a bundled dataset": (["--target", "price"], "only to a CSV file"),
    "negative learning rate": (["--learning-rate", "-1"], "learning_rate"),
    "zero batch size": (["--batch-size", "0"], "batch_size"),
    "unparsable batch size": (["--batch-size", "half"], "--batch-size"),
    "zero max iter": (["--max-iter", "0"], "max_iter"),
    "bad test size": (["--test-size", "2.5"], "test_size"),
    "unknown solver": (["--solver", "sgd"], "--solver"),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_is_one_error_line(capsys, tmp_path, csv_file, case):
    bad = tmp_path / "bad.csv"
    bad.write_text("size,age,price\n1,2,3\n4,abc,6\n")
    argv, expected = BAD_INPUTS[case]
    argv = [a.format(dir=tmp_path, csv=csv_file, bad=bad) for a in argv]
    status, out, err = run_main(capsys, *argv)
    assert status != 0
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert expected in err
    assert "Traceback" not in err
    assert out == ""


def test_bad_input_as_a_process_has_no_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "sklearn_adam", "--data", str(tmp_path / "no.csv"),
         "--target", "y"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error: cannot read")
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


def test_plot_writes_a_png(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    for flags, name in (([], "loss.png"), (["--early-stopping"], "both.png")):
        path = tmp_path / name
        status, out, err = run_main(capsys, "--plot", str(path), *flags)
        assert status == 0, err
        assert f"plot saved to {path}" in out
        assert path.read_bytes().startswith(b"\x89PNG")


def test_plot_without_matplotlib_is_a_clear_error(capsys, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    path = tmp_path / "loss.png"
    status, out, err = run_main(capsys, "--plot", str(path))
    assert status == 2
    assert err == ("error: --plot needs matplotlib, which is not installed "
                   "(pip install matplotlib)\n")
    assert out == ""
    assert not path.exists()


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["--learning-rate", "-0.01"],
         "error: --learning-rate must be a finite real number (int or float) in (0, inf); "
         "got -0.01 (AdamLinearRegressor's learning_rate)\n"),
        (["--max-iter", "0"], "error: --max-iter must be an integer in [1, "),
        (["--batch-size", "0"], "error: --batch-size must be an integer in [1, inf); got 0"),
        (["--test-size", "1.5"], "error: --test-size must be a fraction in (0, 1); got 1.5"),
    ],
)
def test_out_of_range_options_are_usage_errors_naming_the_flag(capsys, argv, expected):
    status, out, err = run_main(capsys, *argv)
    assert status == 2
    assert err.startswith(expected)
    assert out == ""


def test_plot_to_a_missing_folder_fails_before_the_fit(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    status, out, err = run_main(capsys, "--plot", str(tmp_path / "nowhere" / "loss.png"))
    assert status == 2 and "does not exist" in err and out == ""


def test_plot_reports_the_file_it_wrote(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    status, out, err = run_main(capsys, "--plot", str(tmp_path / "curves"))
    assert status == 0, err
    assert f"plot saved to {tmp_path / 'curves.png'}" in out
    assert (tmp_path / "curves.png").read_bytes().startswith(b"\x89PNG")


def test_csv_written_by_pandas_does_not_train_on_its_index(capsys, tmp_path):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(CSV_ROWS, columns=["size", "age", "price"])
    path = tmp_path / "frame.csv"
    frame.to_csv(path)  # the row index first, under an empty name
    status, out, err = run_main(capsys, "--data", str(path), "--target", "price")
    assert status == 0, err
    assert ", 2 features" in out


@pytest.mark.parametrize(
    "text, expected",
    [
        ("a,a,price\n1,2,3\n4,5,6\n7,8,9\n1,1,1\n", "names several columns 'a'"),
        ("size,age,price\n1,2,3\n4,inf,6\n7,8,9\n", "data row 2, column 'age': 'inf' is not "
                                                    "a finite number"),
        ("size,age,price\n1,2,3\n4,5,6\n", "R^2 needs at least 2 in each"),
    ],
)
def test_csv_problems_are_named(capsys, tmp_path, text, expected):
    path = tmp_path / "data.csv"
    path.write_text(text)
    status, out, err = run_main(capsys, "--data", str(path), "--target", "price")
    assert status == 1 and expected in err and out == ""


# Real data: categories, blanks, huge targets, and what the command saves.


def run_cli(*argv):
    """Run the command line as a user does, in a process of its own."""
    return subprocess.run([sys.executable, "-m", "sklearn_adam", *map(str, argv)],
                          capture_output=True, text=True)


def write_csv(path, header, rows):
    lines = [",".join(header)] + [",".join(str(cell) for cell in row) for row in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def table_row(out, label):
    """The values of one row of the printed table, as text."""
    return re.search(rf"^{re.escape(label)}  +(.*)$", out, flags=re.MULTILINE).group(1).split()


def houses(n_rows=40, seed=0):
    """Rows of size, sex, region, zone (a numeric code) and a price linear in them."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n_rows):
        size, sex = int(rng.integers(40, 200)), ["M", "F"][i % 2]
        region, zone = ["north", "south", "east"][i % 3], [7, 8, 9][(i // 2) % 3]
        price = 3.0 * size + 10.0 * (sex == "M") + {"north": 5.0, "south": -5.0, "east": 0.0}[
            region] + {7: 0.0, 8: 20.0, 9: -20.0}[zone] + 1.0 + 0.5 * rng.normal()
        rows.append([size, sex, region, zone, price])
    return ["size", "sex", "region", "zone", "price"], rows


def test_targets_near_1e300_print_finite_scores_and_no_warnings(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = (X @ [1.0, 2.0, 3.0] + 5.0 + 0.1 * rng.normal(size=60)) * 1e300
    path = write_csv(tmp_path / "big.csv", ["a", "b", "c", "y"],
                     [[*map(repr, row.tolist()), repr(float(t))] for row, t in zip(X, y)])
    result = run_cli("--data", path, "--target", "y")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert not re.search(r"\b(nan|inf)\b", result.stdout, flags=re.IGNORECASE), result.stdout
    for label in ("train R^2", "test R^2"):
        assert all(float(value) > 0.99 for value in table_row(result.stdout, label))
    # The squared errors exceed float64; their root does not.
    assert table_row(result.stdout, "test MSE") == ["n/a", "(overflows)"] * 2
    test_rmse = [float(value) for value in table_row(result.stdout, "test RMSE")]
    assert all(1e298 < value < 1e300 for value in test_rmse)


def test_categorical_columns_are_one_hot_encoded(tmp_path):
    header, rows = houses()
    path = write_csv(tmp_path / "houses.csv", header, rows)
    result = run_cli("--data", path, "--target", "price", "--batch-size", "full")
    assert result.returncode == 0, result.stderr
    assert ("one-hot encoded, first category dropped: sex (2 categories), "
            "region (3 categories)") in result.stdout
    # zone is a number, so it stays one feature; the rest of the price is linear.
    exact_r2, adam_r2 = (float(v) for v in table_row(result.stdout, "test R^2")[::-1])
    assert exact_r2 > 0.99 and adam_r2 == pytest.approx(exact_r2, abs=1e-5)
    coef = re.search(r"max \|coef difference\| / max \|coef\|.*: (\S+)", result.stdout)
    assert float(coef.group(1)) < 1e-4


def test_categorical_option_encodes_a_column_of_codes(tmp_path):
    header, rows = houses()
    path = write_csv(tmp_path / "houses.csv", header, rows)
    result = run_cli("--data", path, "--target", "price", "--categorical", "zone")
    assert result.returncode == 0, result.stderr
    assert "region (3 categories), zone (3 categories)" in result.stdout
    # As one-hot columns, the zones' effects (0, 20, -20) are fitted exactly.
    assert float(table_row(result.stdout, "test R^2")[1]) > 0.999


def test_a_word_in_a_numeric_column_suggests_categorical(tmp_path):
    path = write_csv(tmp_path / "typo.csv", ["size", "price"],
                     [[1, 2], ["l0", 3], [3, 4], [4, 6], [5, 7]])
    result = run_cli("--data", path, "--target", "price")
    assert result.returncode == 1
    assert result.stderr == (f"error: {path}, data row 2, column 'size': 'l0' is not a number, "
                             "though other cells of the column are; fix the cell, or pass "
                             "--categorical size to one-hot encode the column\n")


def houses_with_blanks(tmp_path):
    header, rows = houses()
    rows[2][0] = ""  # size, data row 3
    rows[5][1] = ""  # sex, data row 6
    rows[9][0] = "  "
    return write_csv(tmp_path / "blanks.csv", header, rows), rows


def test_blank_feature_cells_are_refused_naming_row_and_column(tmp_path):
    path, _ = houses_with_blanks(tmp_path)
    result = run_cli("--data", path, "--target", "price")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (f"error: {path}: blank cell at data row 3, column 'size' "
                             "(3 blank cells in all); pass --impute mean or --impute median "
                             "to fill blanks from the training rows, or --drop the column\n")


def test_impute_fills_blanks_from_the_training_rows_only(tmp_path):
    path, rows = houses_with_blanks(tmp_path)
    result = run_cli("--data", path, "--target", "price", "--impute", "median")
    assert result.returncode == 0, result.stderr
    assert ("blank cells filled with the training rows' median (most frequent category "
            "where categorical): size (2), sex (1)") in result.stdout
    # The same pipeline, fitted here on the same split, scores what was printed.
    X = np.array([[float(r[0]) if str(r[0]).strip() else np.nan, r[1] or np.nan, r[2],
                   float(r[3])] for r in rows], dtype=object)
    y = np.array([r[4] for r in rows])
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)
    encode = make_pipeline(SimpleImputer(strategy="most_frequent"),
                           OneHotEncoder(drop="first", sparse_output=False))
    model = make_pipeline(ColumnTransformer([("numeric", SimpleImputer(strategy="median"),
                                              [0, 3]), ("categorical", encode, [1, 2])]),
                          LinearRegression()).fit(X_train, y_train)
    printed = float(table_row(result.stdout, "test R^2")[1])
    assert printed == pytest.approx(r2_score(y_test, model.predict(X_test)), rel=1e-5)


@pytest.mark.parametrize("cell, problem", [
    ("", "the cell is blank; every row needs a target"),
    ("cheap", "'cheap' is not a number; the target must be numeric"),
])
def test_a_blank_or_word_target_names_row_and_column(tmp_path, cell, problem):
    header, rows = houses()
    rows[4][4] = cell
    path = write_csv(tmp_path / "houses.csv", header, rows)
    result = run_cli("--data", path, "--target", "price", "--impute", "mean")
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith(
        f"error: {path}, data row 5, column 'price' (the target): {problem}")


def test_drop_leaves_columns_out(tmp_path):
    header, rows = houses()
    rows = [[i, f"street {i}", *row] for i, row in enumerate(rows)]
    path = write_csv(tmp_path / "houses.csv", ["id", "street", *header], rows)
    for flags in (["--drop", "id,street"], ["--drop", "id", "--drop", "street"]):
        result = run_cli("--data", path, "--target", "price", *flags)
        assert result.returncode == 0, result.stderr
        assert "40 rows" not in result.stdout and ", 4 features" in result.stdout
        assert "street" not in result.stdout.split("\n", 2)[1]
    result = run_cli("--data", path, "--target", "price", "--drop", "id,nope")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("error: --drop: 'nope' is not a column of the file")


def test_alpha_fits_ridge_and_compares_with_it(tmp_path, csv_file):
    result = run_cli("--data", csv_file, "--target", "price", "--alpha", "5",
                     "--batch-size", "full", "--test-size", "0.3")
    assert result.returncode == 0, result.stderr
    assert "alpha=5.0)" in result.stdout
    assert re.search(r"^ +AdamLinearRegressor +Ridge$", result.stdout, flags=re.MULTILINE)
    X, y = np.array(CSV_ROWS)[:, :2], np.array(CSV_ROWS)[:, 2]
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
    ridge = Ridge(alpha=5.0).fit(X_train, y_train)
    adam_r2, ridge_r2 = (float(v) for v in table_row(result.stdout, "test R^2"))
    assert ridge_r2 == pytest.approx(r2_score(y_test, ridge.predict(X_test)), rel=1e-5)
    assert adam_r2 == pytest.approx(ridge_r2, rel=1e-5)
    assert ridge_r2 < 0.9999  # the penalty shows: the data are an exact linear function
    result = run_cli("--alpha", "-1")
    assert result.returncode == 2
    assert result.stderr.startswith("error: --alpha must be a finite real number")


def test_saved_model_and_predictions_reproduce_the_printed_scores(tmp_path):
    header, rows = houses()
    path = write_csv(tmp_path / "houses.csv", header, rows)
    model_path, predictions_path = tmp_path / "model.joblib", tmp_path / "predictions.csv"
    result = run_cli("--data", path, "--target", "price", "--save-model", model_path,
                     "--save-predictions", predictions_path)
    assert result.returncode == 0, result.stderr
    assert f"model saved to {model_path}" in result.stdout
    assert f"predictions of every row saved to {predictions_path}" in result.stdout
    with open(predictions_path, newline="") as file:
        saved = list(csv.DictReader(file))
    assert [int(line["row"]) for line in saved] == list(range(1, 41))
    assert [line["price"] for line in saved] == [repr(row[4]) for row in rows]
    test = [line for line in saved if line["split"] == "test"]
    assert len(test) == 10
    printed = float(table_row(result.stdout, "test R^2")[0])
    assert r2_score([float(line["price"]) for line in test],
                    [float(line["predicted price"]) for line in test]) == pytest.approx(
                        printed, rel=1e-5)
    # The model takes the rows as the file has them: text cells, numbers as text.
    model = joblib.load(model_path)
    raw = np.array([[str(cell) for cell in row[:4]] for row in rows], dtype=object)
    np.testing.assert_array_equal(model.predict(raw),
                                  [float(line["predicted price"]) for line in saved])


@pytest.mark.parametrize("flag", ["--save-model", "--save-predictions"])
def test_unwritable_save_paths_fail_before_the_fit(tmp_path, csv_file, flag):
    for target, expected in ((tmp_path / "nowhere" / "out", "does not exist"),
                             (tmp_path, "is a folder"),
                             (csv_file, "is the --data file")):
        result = run_cli("--data", csv_file, "--target", "price", flag, target)
        assert result.returncode == 2 and result.stdout == ""
        assert result.stderr.startswith(f"error: {flag}: ") and expected in result.stderr
    assert csv_file.read_text().startswith("size,age,price\n")


def test_a_category_only_test_rows_have_is_counted_in_a_note(capsys, tmp_path):
    header, rows = houses()
    _, test_rows = train_test_split(np.arange(len(rows)), test_size=0.25, random_state=0)
    rows[test_rows[0]][2] = "west"
    path = write_csv(tmp_path / "houses.csv", header, rows)
    status, out, err = run_main(capsys, "--data", str(path), "--target", "price")
    assert status == 0 and err == ""
    assert "region (3 categories)" in out
    assert ("note: test rows with a category that no training row has: 1; the encoding "
            "treats such a category as the column's first") in out
