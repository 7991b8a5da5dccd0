"""scikit-learn's callbacks (``sklearn.callback``, scikit-learn >= 1.9) during fit.

Each environment runs its half: the callback tests need scikit-learn 1.9, the
fallback test runs only on an older scikit-learn.
"""

import pickle
import time
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_adam import AdamLinearRegressor
from sklearn_adam._callbacks import CALLBACKS_AVAILABLE

if CALLBACKS_AVAILABLE:
    from sklearn.callback import ScoringMonitor

needs_callbacks = pytest.mark.skipif(
    not CALLBACKS_AVAILABLE, reason="needs scikit-learn >= 1.9 (sklearn.callback)"
)
ignore_convergence = pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning"
)


def make_data(n_samples=300, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n_samples, 4) * [1, 10, 0.1, 3] + [0, 5, -2, 0]
    y = X @ [1.0, -0.2, 5.0, 0.3] + 2 + 0.5 * rng.randn(n_samples)
    return X, y


def progress_bar():
    pytest.importorskip("rich")
    from sklearn.callback import ProgressBar

    return ProgressBar()


def fit_quietly(model, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(*args, **kwargs)


def epoch_rows(log, parent=None):
    """The rows of a ScoringMonitor log for epochs (of the fit at ``parent``)."""
    return [row for row in log.data if row["task_name"] == "epoch"
            and (parent is None or row["parent_task_id_path"] == parent)]


def fit_rows(log):
    return [row for row in log.data if row["task_name"] == "fit"]


class Recorder:
    """A callback that records the events of a fit, and the model after each epoch.

    ``stop_after`` asks to stop at the end of that epoch.
    """

    def __init__(self, stop_after=None, fail_at=None):
        self.stop_after = stop_after
        self.fail_at = fail_at
        self.events = []
        self.epoch_coefs = []

    def setup(self, estimator, context):
        self.events.append("setup")

    def teardown(self, estimator, context):
        self.events.append("teardown")

    def on_fit_task_begin(self, estimator, context):
        self.events.append(f"begin {context.task_name}")

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        self.events.append(f"end {context.task_name}")
        if context.task_name != "epoch":
            return False
        self.epoch_coefs.append(fitted_estimator.coef_)
        epoch = context.task_id + 1
        if epoch == self.fail_at:
            raise RuntimeError("callback failure")
        return epoch == self.stop_after


@needs_callbacks
def test_progress_bar_on_the_estimator(capsys):
    X, y = make_data()
    model = AdamLinearRegressor(random_state=0).set_callbacks(progress_bar()).fit(X, y)
    output = capsys.readouterr().out
    assert "AdamLinearRegressor - fit" in output
    assert "100%" in output
    # Stopped by the stopping rule well before max_iter, and unchanged by the bar.
    assert model.n_iter_ < model.max_iter
    plain = AdamLinearRegressor(random_state=0).fit(X, y)
    assert_array_equal(model.coef_, plain.coef_)
    assert model.n_iter_ == plain.n_iter_


@needs_callbacks
def test_a_progress_bar_is_told_of_epochs_at_a_human_pace(capsys):
    pytest.importorskip("rich")
    from sklearn.callback import ProgressBar

    class CountingBar(ProgressBar):
        def __init__(self):
            super().__init__()
            self.epochs = []

        def on_fit_task_end(self, estimator, context):
            if context.task_name == "epoch":
                self.epochs.append(context.task_id)
            super().on_fit_task_end(estimator, context)

    X, y = make_data()
    bar = CountingBar()
    start = time.perf_counter()
    model = AdamLinearRegressor(random_state=0).set_callbacks(bar).fit(X, y)
    elapsed = time.perf_counter() - start
    assert "100%" in capsys.readouterr().out
    # An epoch every tenth of a second at most, and the last; each named by its index.
    assert model.n_iter_ > 400
    assert len(bar.epochs) <= 2 + elapsed / 0.1
    assert bar.epochs == sorted(bar.epochs) and bar.epochs[-1] == model.n_iter_ - 1
    plain = AdamLinearRegressor(random_state=0).fit(X, y)
    assert_array_equal(model.coef_, plain.coef_)
    assert model.loss_curve_ == plain.loss_curve_

    # Beside a callback that reads each epoch's model, every epoch is told.
    recorder = Recorder()
    bar = CountingBar()
    fit_quietly(AdamLinearRegressor(max_iter=50, random_state=0).set_callbacks(bar, recorder),
                X, y)
    assert bar.epochs == list(range(50)) and len(recorder.epoch_coefs) == 50


@needs_callbacks
def test_progress_bar_on_a_pipeline(capsys):
    X, y = make_data()

    def pipeline():
        return Pipeline([("scale", StandardScaler()),
                         ("model", AdamLinearRegressor(random_state=0))])

    pipe = pipeline().set_callbacks(progress_bar()).fit(X, y)
    output = capsys.readouterr().out
    assert "Pipeline - fit" in output
    assert "AdamLinearRegressor - fit" in output
    assert_array_equal(pipe[-1].coef_, pipeline().fit(X, y)[-1].coef_)


@needs_callbacks
def test_progress_bar_on_a_grid_search(capsys):
    X, y = make_data()

    def search():
        return GridSearchCV(AdamLinearRegressor(random_state=0),
                            {"learning_rate": [0.01, 0.05]}, cv=2, n_jobs=1)

    fitted = search().set_callbacks(progress_bar()).fit(X, y)
    output = capsys.readouterr().out
    assert "GridSearchCV - fit" in output
    # Two candidates times two folds, then the refit.
    assert output.count("AdamLinearRegressor - fit") >= 5
    plain = search().fit(X, y)
    assert fitted.best_params_ == plain.best_params_
    assert_array_equal(fitted.best_estimator_.coef_, plain.best_estimator_.coef_)


@needs_callbacks
@ignore_convergence
@pytest.mark.parametrize("weighted", [False, True])
def test_scoring_monitor_scores_the_model_of_every_epoch(weighted):
    X, y = make_data()
    weight = np.random.RandomState(1).uniform(0, 2, size=len(y)) if weighted else None
    monitor = ScoringMonitor(scoring="r2")
    model = AdamLinearRegressor(max_iter=6, random_state=0).set_callbacks(monitor)
    model.fit(X, y, sample_weight=weight)
    log = monitor.get_logs()
    rows = epoch_rows(log)
    assert [row["task_id"] for row in rows] == list(range(model.n_iter_))
    assert model.n_iter_ == 6
    for k, row in enumerate(rows, start=1):
        after_k = AdamLinearRegressor(max_iter=k, random_state=0).fit(X, y, weight)
        assert_allclose(row["r2"], after_k.score(X, y, sample_weight=weight), rtol=1e-12)
    final_score = model.score(X, y, sample_weight=weight)
    assert_allclose(rows[-1]["r2"], final_score, rtol=1e-12)
    [fit_row] = fit_rows(log)
    assert_allclose(fit_row["r2"], final_score, rtol=1e-12)


@needs_callbacks
def test_scoring_monitor_with_early_stopping_scores_the_kept_model_at_the_end():
    X, y = make_data()
    monitor = ScoringMonitor(scoring="r2")
    model = AdamLinearRegressor(
        early_stopping=True, learning_rate=0.05, n_iter_no_change=5, random_state=0
    ).set_callbacks(monitor).fit(X, y)
    log = monitor.get_logs()
    rows = epoch_rows(log)
    assert len(rows) == model.n_iter_
    best = model.validation_epochs_[int(np.argmax(model.validation_scores_))] - 1
    assert best < model.n_iter_ - 1
    # Epoch rows score each epoch's model on the data passed to fit; the fit's
    # row scores the kept one, that of the best validation epoch.
    [fit_row] = fit_rows(log)
    assert_allclose(fit_row["r2"], model.score(X, y), rtol=1e-12)
    assert_allclose(rows[best]["r2"], fit_row["r2"], rtol=1e-12)
    assert rows[-1]["r2"] != fit_row["r2"]


@needs_callbacks
@ignore_convergence
def test_scoring_monitor_on_the_estimator_inside_a_pipeline():
    X, y = make_data()
    monitor = ScoringMonitor(scoring="r2")

    def pipeline(max_iter, callbacks=()):
        model = AdamLinearRegressor(max_iter=max_iter, random_state=0)
        return Pipeline([("scale", StandardScaler()),
                         ("model", model.set_callbacks(*callbacks))])

    pipe = pipeline(4, [monitor]).fit(X, y)
    rows = epoch_rows(monitor.get_logs())
    assert len(rows) == pipe[-1].n_iter_ == 4
    for k, row in enumerate(rows, start=1):
        assert_allclose(row["r2"], pipeline(k).fit(X, y).score(X, y), rtol=1e-12)
    assert_allclose(rows[-1]["r2"], pipe.score(X, y), rtol=1e-12)


@needs_callbacks
@ignore_convergence
def test_scoring_monitor_on_the_estimator_inside_a_grid_search():
    X, y = make_data()
    monitor = ScoringMonitor(scoring="r2")
    model = AdamLinearRegressor(max_iter=5, random_state=0).set_callbacks(monitor)
    search = GridSearchCV(model, {"learning_rate": [0.01, 0.05]}, cv=2, n_jobs=1)
    search.fit(X, y)
    log = monitor.get_logs()
    fits = fit_rows(log)
    assert len(fits) == 2 * 2 + 1
    # The refit sits nearest the root of the search's task tree.
    depth = min(len(row["task_id_path"]) for row in fits)
    [refit] = [row for row in fits if len(row["task_id_path"]) == depth]
    best = search.best_estimator_
    refit_epochs = epoch_rows(log, parent=refit["task_id_path"])
    assert len(refit_epochs) == best.n_iter_
    assert_allclose(refit_epochs[-1]["r2"], best.score(X, y), rtol=1e-12)
    assert_allclose(refit["r2"], best.score(X, y), rtol=1e-12)
    for row in fits:
        epochs = epoch_rows(log, parent=row["task_id_path"])
        assert len(epochs) == 5
        assert_allclose(epochs[-1]["r2"], row["r2"], rtol=1e-12)


@needs_callbacks
def test_callback_returning_true_stops_training_without_convergence_warning():
    X, y = make_data()
    recorder = Recorder(stop_after=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = AdamLinearRegressor(random_state=0).set_callbacks(recorder).fit(X, y)
    assert model.n_iter_ == 3
    assert len(model.loss_curve_) == 3
    after_3 = fit_quietly(AdamLinearRegressor(max_iter=3, random_state=0), X, y)
    assert_array_equal(model.coef_, after_3.coef_)
    assert model.t_ == after_3.t_
    assert recorder.events == (
        ["setup", "begin fit"] + ["begin epoch", "end epoch"] * 3 + ["end fit", "teardown"]
    )


@needs_callbacks
@ignore_convergence
def test_fitted_estimator_of_each_epoch_is_not_changed_by_later_epochs():
    X, y = make_data()
    recorder = Recorder()
    model = AdamLinearRegressor(max_iter=4, random_state=0).set_callbacks(recorder)
    model.fit(X, y)
    assert len(recorder.epoch_coefs) == 4
    for k, coef in enumerate(recorder.epoch_coefs, start=1):
        assert_array_equal(coef, AdamLinearRegressor(max_iter=k, random_state=0).fit(X, y).coef_)
    assert_array_equal(recorder.epoch_coefs[-1], model.coef_)


@needs_callbacks
def test_callbacks_are_torn_down_when_fit_fails():
    X, y = make_data()
    recorder = Recorder(fail_at=2)
    model = AdamLinearRegressor(random_state=0).set_callbacks(recorder)
    before = set(vars(model))
    with pytest.raises(RuntimeError, match="callback failure"):
        model.fit(X, y)
    assert recorder.events[0] == "setup"
    assert recorder.events[-1] == "teardown"
    assert not hasattr(model, "coef_")
    # Only what fit had begun to learn remains; none of the callbacks' machinery.
    fresh_fit = set(vars(AdamLinearRegressor(random_state=0).fit(X, y)))
    assert set(vars(model)) <= before | fresh_fit


@needs_callbacks
def test_fit_leaves_no_callback_state_behind():
    X, y = make_data()
    added_by_set_callbacks = (
        set(vars(AdamLinearRegressor().set_callbacks(Recorder())))
        - set(vars(AdamLinearRegressor()))
    )
    plain = AdamLinearRegressor(random_state=0).fit(X, y)
    with_callbacks = AdamLinearRegressor(random_state=0).set_callbacks(
        Recorder(), ScoringMonitor(scoring="r2")
    ).fit(X, y)
    assert set(vars(with_callbacks)) == set(vars(plain)) | added_by_set_callbacks

    # A callback set on a pipeline reaches the estimator for the fit only.
    pipe = Pipeline([("scale", StandardScaler()),
                     ("model", AdamLinearRegressor(random_state=0))])
    pipe.set_callbacks(progress_bar()).fit(X, y)
    assert set(vars(pipe[-1])) == set(vars(plain))


@needs_callbacks
def test_clone_and_pickle_keep_the_callbacks():
    X, y = make_data()
    monitor = ScoringMonitor(scoring="r2")
    model = AdamLinearRegressor(random_state=0).set_callbacks(monitor, progress_bar())
    model.fit(X, y)

    cloned = clone(model)
    assert not hasattr(cloned, "coef_")
    cloned.fit(X[:200], y[:200])
    # The clone reports to the same monitor.
    assert len(monitor.get_logs(select="all")) == 2
    assert len(epoch_rows(monitor.get_logs())) == cloned.n_iter_

    restored, restored_monitor = pickle.loads(pickle.dumps((model, monitor)))
    assert_array_equal(restored.predict(X), model.predict(X))
    n_runs = len(restored_monitor.get_logs(select="all"))
    restored.fit(X, y)
    assert_array_equal(restored.coef_, model.coef_)
    # The unpickled model reports to the unpickled monitor.
    assert len(restored_monitor.get_logs(select="all")) == n_runs + 1
    assert len(epoch_rows(restored_monitor.get_logs())) == restored.n_iter_


@needs_callbacks
def test_partial_fit_does_not_call_callbacks():
    X, y = make_data()
    recorder = Recorder()
    model = AdamLinearRegressor(random_state=0).set_callbacks(recorder)
    model.partial_fit(X, y).partial_fit(X, y)
    assert model.n_iter_ == 2
    assert recorder.events == []


@pytest.mark.skipif(CALLBACKS_AVAILABLE, reason="checks the fallback for scikit-learn < 1.9")
def test_without_sklearn_callback_the_estimator_fits_without_callbacks():
    X, y = make_data()
    with pytest.raises(ImportError):
        import sklearn.callback  # noqa: F401
    model = AdamLinearRegressor(random_state=0)
    assert not hasattr(model, "set_callbacks")
    model.fit(X, y)
    assert model.n_iter_ < model.max_iter
    assert model.score(X, y) > LinearRegression().fit(X, y).score(X, y) - 1e-3
    stopped = AdamLinearRegressor(early_stopping=True, random_state=0).fit(X, y)
    scored = stopped.validation_epochs_
    assert len(stopped.validation_scores_) == len(scored) and scored[-1] <= stopped.n_iter_
    assert stopped.best_validation_score_ == max(stopped.validation_scores_)


def test_convergence_warning_points_at_the_caller_of_fit():
    # The callback wrapper around fit (scikit-learn >= 1.9) adds a frame.
    X, y = make_data()
    with pytest.warns(ConvergenceWarning) as record:
        AdamLinearRegressor(max_iter=2, random_state=0).fit(X, y)
    assert [warning.filename for warning in record] == [__file__]


@needs_callbacks
def test_callbacks_see_every_round_of_a_quantile_fit_as_one_run_of_epochs():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + rng.standard_t(3, size=500)
    recorder = Recorder()
    model = fit_quietly(AdamLinearRegressor(loss="quantile", quantile=0.8).set_callbacks(recorder),
                        X, y)
    assert len(recorder.epoch_coefs) == model.n_iter_ == len(model.loss_curve_)
    stopped = Recorder(stop_after=5)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = AdamLinearRegressor(loss="quantile", quantile=0.8).set_callbacks(stopped).fit(X, y)
    assert model.n_iter_ == 5
