"""What a fit tells the person watching it: verbose lines and progress callbacks, at a human pace.

Training takes thousands of steps a second; a line or a callback per step
would cost more than the steps and scroll faster than anyone reads. So
:class:`EpochReporter` prints a verbose line for the first epoch, for every
epoch where something happened (the batch grew, the rate fell, training
stopped, with why), and otherwise at most one every
:data:`VERBOSE_INTERVAL` seconds; callbacks that only display progress are
told at most every :data:`PROGRESS_INTERVAL` seconds, and at the last epoch.
:class:`StepPacer` sizes the compiled calls of many full-batch steps so that
the loop gets back in time to say so.
"""

import time

# Seconds between verbose lines, other than those of epochs where something
# happened.
VERBOSE_INTERVAL = 0.5

# Seconds between reports to callbacks that only display progress.
PROGRESS_INTERVAL = 0.1

# Full-batch steps per compiled call when nothing reports on them: enough
# that the call's overhead is negligible, few enough that the rates of a
# decaying schedule are cheap to list.
STEPS_PER_CALL = 4096

# When something reports on them, calls are sized to take about this long,
# from the time of the call before. The first takes one step, whose record
# is then the first reported, as it is of epochs run one at a time.
CALL_SECONDS = 0.05
FIRST_CALL_STEPS = 1


class StepPacer:
    """Steps per compiled call: as many as fit in the time between two reports.

    Parameters
    ----------
    paced : bool
        Whether something reports on the steps; without, every call takes
        :data:`STEPS_PER_CALL` steps.
    """

    def __init__(self, paced):
        self.paced = paced
        self._seconds_per_step = None

    def steps(self, remaining):
        """Steps of the next call, at most ``remaining``."""
        n_steps = STEPS_PER_CALL
        if self.paced:
            n_steps = FIRST_CALL_STEPS
            if self._seconds_per_step is not None:
                n_steps = int(CALL_SECONDS / max(self._seconds_per_step, 1e-9))
        return max(1, min(remaining, STEPS_PER_CALL, n_steps))

    def took(self, n_steps, seconds):
        """Record that the last call took ``seconds`` for ``n_steps`` steps."""
        if n_steps:
            self._seconds_per_step = seconds / n_steps


class EpochReporter:
    """Prints verbose lines and tells progress callbacks, at a pace a person can follow.

    Parameters
    ----------
    verbose : bool
        Whether to print epochs' records.
    callbacks : EpochCallbacks or None
        Told of epochs here only where every callback only displays progress
        (:attr:`EpochCallbacks.needs_every_epoch` is False); the training
        loop tells the others of every epoch itself.
    """

    def __init__(self, verbose, callbacks):
        self.verbose = bool(verbose)
        self.callbacks = None
        if callbacks is not None and callbacks.listening and not callbacks.needs_every_epoch:
            self.callbacks = callbacks
        self.start = time.perf_counter()
        self._printed_at = None
        self._told_at = self.start

    @property
    def paces_steps(self):
        """bool : Whether compiled runs of many steps must come back to report in time."""
        return self.verbose or self.callbacks is not None

    def epochs_ended(self, history, epoch, params, event, last):
        """Report the last epoch of ``history``, if it is due; True when a callback asks to stop.

        Parameters
        ----------
        history : History
            This call's records, the last epoch's last.
        epoch : int
            The epoch's number, counted over warm starts.
        params : list of ndarray
            The parameters after it.
        event : str or None
            What happened after it (the batch grew, the rate fell, training
            stopped and why); an epoch with an event is always printed.
        last : bool
            Whether training ends after it; the last epoch is always
            reported.

        Returns
        -------
        stop : bool
        """
        now = time.perf_counter()
        stop = False
        if self.callbacks is not None and (last or now - self._told_at >= PROGRESS_INTERVAL):
            self._told_at = now
            stop = self.callbacks.report(len(history.losses) - 1, params)
            if stop and not last:
                event = "a callback asked to stop"
        if self.verbose and (
            event is not None or last or stop or self._printed_at is None
            or now - self._printed_at >= VERBOSE_INTERVAL
        ):
            self._printed_at = now
            print_epoch(epoch, history, now - self.start, event)
        return stop


def stall_event(action, progress, schedule, batching):
    """What a stall did, as the verbose output says it."""
    if action == "batch grown":
        return f"stalled: batch_size grows to {batching.size(progress.n_growths)}"
    if action == "rate lowered":
        rate = schedule.rate(progress.epoch, progress.n_reductions)
        return f"stalled: learning_rate falls to {rate:.3g}"
    if progress.monitors_validation:
        return (f"the validation score did not rise by validation_tol={progress.tol:g} in "
                f"{progress.monitor.patience} epochs: training stops")
    return "stalled with no batch growth or rate reduction left: training stops"


def print_epoch(epoch, history, elapsed, event):
    """Print the record of the last epoch of ``history``, and ``event`` after it."""
    parts = [f"Epoch {epoch}", f"loss={history.losses[-1]:.6g}"]
    if history.validation_scores:
        parts.append(f"validation loss={history.validation_losses[-1]:.6g}")
        parts.append(f"validation score={history.validation_scores[-1]:.6g}")
    parts += [
        f"learning_rate={history.learning_rates[-1]:.3g}",
        f"gradient norm={history.gradient_norms[-1]:.3g}",
        f"batch_size={history.batch_sizes[-1]}",
        f"elapsed={elapsed:.3f}s",
    ]
    print(", ".join(parts) + ("" if event is None else f"; {event}"))
