r"""The curvature of a smooth objective: its Hessian in the standardized parameters, in one pass.

With :math:`z_i = (x_i - \mu) / \sigma` the standardized row, the scaled
prediction of a row is :math:`u_i = \mathrm{const} + \tilde b + z_i \tilde w`
(see :mod:`._problem`), so that, for a datafit :math:`f(u, \theta)` with
parameters :math:`\theta` of its own (the Huber loss's scale), the
Hessian of :math:`\frac1S \sum_i s_i f(u_i, \theta)` is

.. math::

    \frac1S \sum_i s_i
    \begin{pmatrix} f_{uu} a_i a_i^\top & f_{u\theta} a_i \\
                    f_{u\theta} a_i^\top & f_{\theta\theta} \end{pmatrix},
    \qquad a_i = (z_i, 1),

to which the ridge penalty adds its weights on the coefficients' diagonal.
A datafit gives :math:`f_{uu}` by its optional method ``curvature`` (and
:math:`f_{u\theta}, f_{\theta\theta}` by ``extra_curvature``); one without
keeps the first-order path. Each target has its own matrix: the objective
is a sum over targets.
"""

import numpy as np
import scipy.sparse as sp

from ._datafits import declares
from ._layout import extra_parameters, split_parameters

# The penalties whose Hessian is written here: the ridge's, diag(weights).
SERVES_PENALTIES = ("l2",)

# Parameters per target beyond which a Hessian costs more passes over the
# rows than the first-order epochs it saves (its pass takes p^2 per row).
MAX_PARAMETERS = 256


def has_curvature(objective):
    """Whether ``objective``'s Hessian can be gathered here, and pays off.

    The datafit's own class must declare ``curvature`` (and, with
    parameters of its own, ``extra_curvature``) and not be ``quadratic``
    (those are served by the normal equations); the penalty must be one of
    :data:`SERVES_PENALTIES`; a target's parameters at most
    :data:`MAX_PARAMETERS`.

    Parameters
    ----------
    objective : Objective

    Returns
    -------
    bool
    """
    datafit, penalty = objective.datafit, objective.penalty
    extras = extra_parameters(datafit)
    n_params = objective.standardization.x_scale.shape[0] + 1 + len(extras)
    return (declares(datafit, "curvature") and not declares(datafit, "quadratic")
            and (not extras or declares(datafit, "extra_curvature"))
            and vars(type(penalty)).get("name") in SERVES_PENALTIES
            and n_params <= MAX_PARAMETERS)


def hessians(objective, params, rows=slice(None)):
    """The Hessian of each target's objective at ``params``: one pass over ``rows``.

    Parameters
    ----------
    objective : Objective
        Of a datafit and penalty that :func:`has_curvature` accepts.
    params : list of ndarray
        Standardized parameters.
    rows : slice or ndarray of int, default=slice(None)
        The training rows whose weighted mean stands for the data term's:
        all of them, or a sample.

    Returns
    -------
    hessians : ndarray of shape (n_targets, n_params, n_params)
        In the order of a target's parameters: its coefficients, its
        intercept where fitted, then the datafit's own.
    """
    datafit, standardization = objective.datafit, objective.standardization
    coef, intercept, extras = split_parameters(params, datafit)
    raw_coef, raw_intercept = standardization.to_original(coef, intercept)
    n_targets, n_features = coef.shape
    # The intercept's row and column are gathered always, and dropped below
    # where none is fitted.
    n_linear = n_features + 1
    total = np.zeros((n_targets, n_linear + len(extras), n_linear + len(extras)))
    weight_sum = 0.0
    for X_block, y_block, w_block in objective.data.blocks(rows):
        weight_sum += float(w_block.sum())
        prediction = np.asarray(X_block @ raw_coef.T) + raw_intercept
        rows = _standardized_rows(X_block, standardization)
        second, mixed, extra_second = _curvatures(datafit, prediction, y_block,
                                                  standardization.y_scale, extras)
        for target in range(n_targets):
            matrix = total[target]
            matrix[:n_linear, :n_linear] += rows.T @ (rows * (w_block * second[:, target])[:, None])
            for first, cross in enumerate(mixed):
                matrix[:n_linear, n_linear + first] += rows.T @ (w_block * cross[:, target])
                for other, values in enumerate(extra_second[first]):
                    matrix[n_linear + first, n_linear + other] += w_block @ values[:, target]
    if weight_sum <= 0:
        # A sample of rows without weight: the Hessian of all of them.
        return hessians(objective, params)
    total /= weight_sum
    # The blocks gathered above the diagonal, mirrored below it.
    upper = np.triu_indices(total.shape[1], 1)
    total[:, upper[1], upper[0]] = total[:, upper[0], upper[1]]
    if objective.penalty.active:
        weights = np.broadcast_to(objective.penalty_weights, coef.shape)
        diagonal = np.arange(n_features)
        total[:, diagonal, diagonal] += weights
    if intercept is None:
        kept = np.r_[0:n_features, n_linear:total.shape[1]]
        total = total[:, kept][:, :, kept]
    return total


def _standardized_rows(X_block, standardization):
    # The block's standardized rows with a column of ones: dense, a block
    # at a time (a sparse block densified, about 4 MiB of values).
    block = X_block.toarray() if sp.issparse(X_block) else np.asarray(X_block)
    rows = np.empty((block.shape[0], block.shape[1] + 1))
    np.subtract(block, standardization.x_center, out=rows[:, :-1])
    rows[:, :-1] /= standardization.x_scale
    rows[:, -1] = 1.0
    return rows


def _curvatures(datafit, prediction, y, y_scale, extras):
    # A datafit's second derivatives at each row, as ``hessians`` reads them.
    if not extras:
        return datafit.curvature(np, prediction, y, y_scale), (), ()
    second = datafit.curvature(np, prediction, y, y_scale, **extras)
    mixed, extra_second = datafit.extra_curvature(np, prediction, y, y_scale, **extras)
    return second, mixed, extra_second
