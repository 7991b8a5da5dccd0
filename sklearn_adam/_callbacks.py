"""scikit-learn's callback framework (``sklearn.callback``, 1.9+), when it is installed.

With an older scikit-learn, :class:`CallbackSupportMixin` and
:func:`with_callbacks` fall back to stand-ins that do nothing, so the
estimator's code is the same either way; only ``set_callbacks`` is missing.
"""

try:
    from sklearn.callback import CallbackSupportMixin, ProgressBar, with_callbacks

    CALLBACKS_AVAILABLE = True
    # Callbacks that only display how far a fit has come: they never read an
    # epoch's model, and are told of epochs at a human pace.
    PROGRESS_DISPLAYS = (ProgressBar,)
except ImportError:  # scikit-learn < 1.9
    CALLBACKS_AVAILABLE = False
    PROGRESS_DISPLAYS = ()

    class _NoCallbackContext:
        """Answers the calls a fit makes on a callback context, doing nothing."""

        # No callback listens: what scikit-learn's context keeps its own in.
        _callbacks = ()

        def subcontext(self, task_name="", task_id=None, max_subtasks=0,
                       sequential_subtasks=True):
            return self

        def call_on_fit_task_begin(self, *, estimator, X=None, y=None, metadata=None,
                                   reconstruction_attributes=None):
            return self

        def call_on_fit_task_end(self, *, estimator, X=None, y=None, metadata=None,
                                 reconstruction_attributes=None):
            return False

    class CallbackSupportMixin:
        """Stand-in for scikit-learn's mixin: a fit without callbacks."""

        def _init_callback_context(self, task_name="fit", task_id=0, max_subtasks=0,
                                   sequential_subtasks=True):
            return _NoCallbackContext()

    def with_callbacks(fit):
        """Stand-in for scikit-learn's decorator: ``fit`` unchanged."""
        return fit


class EpochCallbacks:
    """Tells the callbacks of one fit where each epoch begins and ends.

    Each epoch reported is a subtask ``"epoch"`` of the fit's task, whose
    ``task_id`` is the epoch's index in this call (the fit's context has
    non-sequential subtasks). Callbacks that may read every epoch's model
    are told of every epoch; where every callback only displays progress
    (:data:`PROGRESS_DISPLAYS`), only the epochs of :meth:`report` are.

    Parameters
    ----------
    context : CallbackContext
        The fit's context, from ``_init_callback_context``.
    estimator : estimator
        The estimator being fitted.
    X, y : array-like
        The training data as passed to ``fit``; a scoring callback evaluates
        the model of each epoch on them.
    metadata : dict or None
        ``{"sample_weight": ...}`` when weights were passed.
    fitted_attributes : callable
        ``fitted_attributes(params) -> dict`` of the attributes (``coef_``,
        ``intercept_``, ...) that make a copy of the estimator predict with
        ``params``. Only called when a callback asks for the fitted model.
    """

    def __init__(self, context, estimator, X, y, metadata, fitted_attributes):
        self._context = context
        self._data = {"estimator": estimator, "X": X, "y": y, "metadata": metadata}
        self._fitted_attributes = fitted_attributes
        self._epoch_context = None

    @property
    def listening(self):
        """bool : Whether any callback follows this fit.

        Read from the context's list of callbacks (its own and those
        propagated from a meta-estimator); where that list cannot be read,
        every epoch is reported.
        """
        return bool(getattr(self._context, "_callbacks", True))

    @property
    def needs_every_epoch(self):
        """bool : Whether a callback may read every epoch's model, so that each must be reported.

        False where no callback listens or every one only displays progress.
        """
        callbacks = getattr(self._context, "_callbacks", None)
        if callbacks is None:
            return True
        return any(not isinstance(callback, PROGRESS_DISPLAYS) for callback in callbacks)

    def begin(self, index):
        """Open the task of the coming epoch, the ``index``-th of this call (from 0)."""
        self._epoch_context = self._context.subcontext(task_name="epoch", task_id=index)
        self._epoch_context.call_on_fit_task_begin(**self._data)

    def end(self, params):
        """Close the epoch's task; True when a callback asks to stop.

        Parameters
        ----------
        params : list of ndarray
            The parameters after the epoch.

        Returns
        -------
        stop : bool
        """
        return bool(
            self._epoch_context.call_on_fit_task_end(
                **self._data,
                reconstruction_attributes=lambda: self._fitted_attributes(params),
            )
        )

    def report(self, index, params):
        """Tell of one finished epoch, the ``index``-th of this call; True when asked to stop."""
        self.begin(index)
        return self.end(params)
