r"""Datafits: the loss of one prediction, written once for every array backend.

A datafit says how far a prediction is from its target, and how that
distance changes with the prediction. The objective (:mod:`._problem`)
does the rest: the products with ``X``, the weights, the standardization,
the penalty. Each method takes the array namespace ``xp`` of its arrays
first (``numpy`` for in-memory and dask blocks, the data's namespace for
array-API fits), and uses only the array API's operations, so that one
definition serves every backend.

The prediction a datafit is given is the linear predictor ``X @ w + b``,
in the units of the data; its ``link`` turns that into what ``predict``
returns (the identity here: a datafit with a log link takes its loss of
the mean ``exp(X @ w + b)``). Predictions and targets are only read; a
datafit returns new arrays, which the objective may overwrite.
``y_scale`` is the targets' scale, one per target (ones where the datafit
does not let the targets be scaled). A datafit's loss and derivative are in those
scaled units: for squared error, with :math:`r = (p - y) / \sigma_y`, the
loss of one prediction is :math:`r^2 / 2` and its derivative with respect
to the scaled prediction :math:`p / \sigma_y` is :math:`r`.

What a datafit declares, for the rest of the engine to ask:

- ``name``: the value of the estimator's ``loss`` that selects it;
- ``quadratic``: whether its objective is a quadratic in the parameters, so
  that the normal equations may stand for the data (only a class that sets
  it itself, not a subclass, is taken at its word);
- ``centers_y``, ``scales_y``: whether the targets may be shifted by their
  center and divided by their scale before the loss is taken (again on the
  class's own word: a subclass that changes the loss gets its targets as
  they are, unless it says otherwise);
- ``link``: its ``inverse`` maps the linear predictor to the prediction
  that ``predict`` returns (the identity here);
- ``smooth``: whether its loss has a derivative everywhere; one that has
  not (absolute error, the pinball loss) is trained on a smoothed version
  and finished exactly (see :mod:`._robust`);
- ``default_scoring``: what the validation score of ``scoring=None`` is;
- ``kernel_loss``: which loss of the compiled kernels computes its
  ``pointwise`` (see :mod:`sklearn_adam._kernels`), and, for a loss that
  has numbers, ``kernel_numbers()``, which gives them; the kernels serve
  only the datafits whose own class declares a name they list.

and, optionally (:func:`penalty_factor`, :func:`check_targets` and
:func:`null_prediction` fall back to the squared error's), what it computes
besides its loss: ``penalty_factor`` (how the ridge
penalty's ``alpha`` is weighed against it, so that ``alpha`` means what the
peer estimator's does), ``check_targets`` (the targets it can take) and
``null_prediction`` (the best constant, the reference of its score).
A smooth datafit may also give its second derivative by the prediction,
``curvature`` (and, with parameters of its own, ``extra_curvature``):
declared by its own class, it lets full-batch fits take Newton steps
(:mod:`sklearn_adam._engine._newton`); one without keeps the solver's epochs.
"""

import numpy as np


class IdentityLink:
    """The identity: the linear predictor is the prediction."""

    name = "identity"

    def inverse(self, xp, linear_predictor):
        """The prediction of a linear predictor: itself.

        Parameters
        ----------
        xp : array namespace
        linear_predictor : array

        Returns
        -------
        prediction : array
        """
        return linear_predictor

    def forward(self, xp, prediction):
        """The linear predictor of a prediction: itself.

        Parameters
        ----------
        xp : array namespace
        prediction : array

        Returns
        -------
        linear_predictor : array
        """
        return prediction


class LogLink:
    """The log link: the prediction is the exponential of the linear predictor."""

    name = "log"

    def inverse(self, xp, linear_predictor):
        """The prediction of a linear predictor: its exponential.

        Parameters
        ----------
        xp : array namespace
        linear_predictor : array

        Returns
        -------
        prediction : array
        """
        return xp.exp(linear_predictor)

    def forward(self, xp, prediction):
        """The linear predictor of a positive prediction: its logarithm.

        Parameters
        ----------
        xp : array namespace
        prediction : array

        Returns
        -------
        linear_predictor : array
        """
        return xp.log(prediction)


class SquaredError:
    r"""Half the squared difference of prediction and target, in the targets' scale.

    .. math::

        f(p, y) = \tfrac12 \big((p - y) / \sigma_y\big)^2

    Summed with the sample weights :math:`s_i` and divided by their sum
    :math:`S`, and with the ridge penalty, this is :math:`1 / (2 S
    \sigma_y^2)` times Ridge's objective: the same minimizer, for every
    center and scale of the targets.
    """

    name = "squared_error"
    quadratic = True
    centers_y = True
    scales_y = True
    smooth = True
    link = IdentityLink()
    default_scoring = "r2"
    kernel_loss = "squared_error"

    def pointwise(self, xp, prediction, y, y_scale):
        """Loss and its derivative for each prediction.

        Parameters
        ----------
        xp : array namespace
        prediction : array of shape (n_rows, n_targets)
            In the units of the data.
        y : array of shape (n_rows, n_targets)
        y_scale : array of shape (n_targets,)

        Returns
        -------
        loss : array of shape (n_rows, n_targets)
            Half the squared scaled residual.
        derivative : array of shape (n_rows, n_targets)
            The scaled residual ``(prediction - y) / y_scale``: the
            derivative of ``loss`` with respect to ``prediction / y_scale``.
            Both are new arrays, which the caller may overwrite.
        """
        residual = prediction - y
        residual /= y_scale
        loss = residual * residual
        loss *= 0.5
        return loss, residual

    def penalty_factor(self, y_scale):
        """The ridge penalty's factor per target, and whether it is weighed per unit weight.

        Ridge minimizes :math:`\\sum_i s_i r_i^2 + \\alpha \\lVert w
        \\rVert^2`: its ``alpha`` stands next to the weights' sum.

        Parameters
        ----------
        y_scale : ndarray of shape (n_targets,)

        Returns
        -------
        factor : ndarray of shape (n_targets,)
            The weight of the penalty on a standardized coefficient of unit
            feature scale is ``alpha * factor``, divided by the weight sum
            where ``per_weight``.
        per_weight : bool
        """
        return np.ones_like(y_scale), True

    def null_prediction(self, y, weight):
        """The best constant linear predictor of each target: its weighted mean.

        Parameters
        ----------
        y : ndarray of shape (n_samples, n_targets)
        weight : ndarray of shape (n_samples,)

        Returns
        -------
        prediction : ndarray of shape (n_targets,)
        """
        return (weight @ y) / weight.sum()

    def __repr__(self):
        return f"{type(self).__name__}()"


def penalty_factor(datafit, y_scale):
    """``datafit.penalty_factor(y_scale)``, or Ridge's weighing for a datafit without one.

    Parameters
    ----------
    datafit : object
    y_scale : ndarray of shape (n_targets,)

    Returns
    -------
    factor : ndarray of shape (n_targets,)
    per_weight : bool
    """
    if hasattr(datafit, "penalty_factor"):
        return datafit.penalty_factor(y_scale)
    return np.ones_like(y_scale), True


def check_targets(datafit, y, name="y"):
    """``datafit.check_targets(y, name)``, where the datafit restricts its targets.

    A datafit without the method takes any finite target (the data checks
    have seen to finiteness).

    Parameters
    ----------
    datafit : object
    y : ndarray of shape (n_samples, n_targets)
    name : str, default="y"
    """
    if hasattr(datafit, "check_targets"):
        datafit.check_targets(y, name)


def null_prediction(datafit, y, weight):
    """``datafit.null_prediction(y, weight)``, or the link of the weighted mean for one without.

    Parameters
    ----------
    datafit : object
    y : ndarray of shape (n_samples, n_targets)
    weight : ndarray of shape (n_samples,)

    Returns
    -------
    prediction : ndarray of shape (n_targets,)
    """
    if hasattr(datafit, "null_prediction"):
        return datafit.null_prediction(y, weight)
    mean = (weight @ y) / weight.sum()
    link = getattr(datafit, "link", None)
    if link is None or getattr(link, "name", "identity") == "identity":
        return mean
    with np.errstate(divide="ignore"):
        return link.forward(np, mean)


def check_rows(bad, y, name, requirement):
    """Raise a ValueError naming the first rows where ``bad`` holds, if any.

    Parameters
    ----------
    bad : ndarray of bool of shape (n_samples, n_targets)
    y : ndarray of shape (n_samples, n_targets)
    name : str
        The targets' name as the caller passed them (``"y"``, ``"y_val"``).
    requirement : str
        What the loss needs of every target, such as ``"non-negative"``.
    """
    rows = np.flatnonzero(np.asarray(bad).any(axis=1))
    if rows.size:
        shown = ", ".join(str(int(row)) for row in rows[:5])
        more = f" and {rows.size - 5} more" if rows.size > 5 else ""
        raise ValueError(
            f"{name} must be {requirement}; rows {shown}{more} are not (the first has "
            f"{float(np.asarray(y)[rows[0]].min()):g})."
        )


def declares(component, capability):
    """Whether ``component``'s own class declares ``capability`` true.

    A fast path serves a datafit or penalty only on what its class says of
    itself: a subclass that changes the loss inherits its parent's
    declarations, and would otherwise be served as its parent.

    Parameters
    ----------
    component : object
        A datafit or a penalty.
    capability : str
        The name of a class attribute, such as ``"quadratic"``.

    Returns
    -------
    bool
    """
    return bool(vars(type(component)).get(capability, False))


def served_by(objective, served):
    """Whether a fast path that implements ``served`` can stand for ``objective``.

    Parameters
    ----------
    objective : object
        Holding ``datafit`` and ``penalty``.
    served : dict
        ``{"datafits": names, "penalties": names}``: what the fast path
        implements, by the names the classes declare of themselves.

    Returns
    -------
    bool
        Whether the datafit's and the penalty's own classes declare names
        the fast path implements.
    """
    datafit = vars(type(objective.datafit)).get("name")
    penalty = vars(type(objective.penalty)).get("name")
    return datafit in served["datafits"] and penalty in served["penalties"]
