r"""The objective as a quadratic: exact full-batch gradients without reading ``X``.

Least squares is a quadratic in the parameters. Its coefficients, the
weighted second moments of the standardized data (the *normal equations*),
take one pass over ``X``; after that, the objective and its exact gradient at
any parameters cost a product with a ``(n_features, n_features)`` matrix
instead of a pass over every row. Full-batch Adam then takes thousands of
steps in the time of a few passes.

With :math:`\tilde x_i = (x_i - \mu) / \sigma` and
:math:`\tilde y_i = (y_i - \mu_y) / \sigma_y` the standardized rows and
:math:`s_i` the weights, :math:`S = \sum_i s_i`:

.. math::

    G = \tfrac1S \sum_i s_i \tilde x_i \tilde x_i^\top, \quad
    m = \tfrac1S \sum_i s_i \tilde x_i, \quad
    B = \tfrac1S \sum_i s_i \tilde y_i \tilde x_i, \quad
    \bar y = \tfrac1S \sum_i s_i \tilde y_i, \quad
    c = \tfrac1{2S} \sum_i s_i \tilde y_i^2

and for each target the data part of the objective and its gradient are

.. math::

    \tfrac12 \tilde w^\top G \tilde w + \tilde b \, m^\top \tilde w
        + \tfrac12 \tilde b^2 - B^\top \tilde w - \bar y \, \tilde b + c, \qquad
    \nabla_{\tilde w} = G \tilde w + \tilde b \, m - B, \quad
    \nabla_{\tilde b} = m^\top \tilde w + \tilde b - \bar y.

The ridge penalty's gradient joins the data's. The lasso's and the elastic
net's are not smooth: the equations give the data's gradient only, with the
penalty's value in the objective, and the driver takes the penalty's
proximal step after each step of the rule (:meth:`NormalEquations.proximal_step`)
and stops on the subdifferential distance (:meth:`NormalEquations.stationarity`).

The moments are summed in float64 whatever the dtype of ``X``, from centered
blocks of dense rows, so that a column's large mean does not cancel its
spread away; sparse rows stay sparse, and are centered in the sums in a way
that keeps those digits too (:mod:`sklearn_adam._objective._sparse_sums`).
"""

from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from ._datafits import SquaredError, declares, served_by
from ._elastic_net import L1, ElasticNet
from ._gram import add_products, adds_in_place, mirror_lower, scaled_leading_block
from ._penalties import L2, joint_norm, stationarity
from ._sparse_sums import centered_products

# Above this many features the matrix (8 * n_features**2 bytes) and each
# step's product with it grow too large to pay for themselves.
MAX_FEATURES = 2048


# What the normal equations stand for: the squared error's quadratic, with
# the ridge penalty's quadratic added to it, or with the lasso's and the
# elastic net's taken by proximal steps after each of the rule's.
SERVES = {"datafits": frozenset({SquaredError.name}),
          "penalties": frozenset({L2.name, L1.name, ElasticNet.name})}


def serves(objective):
    """Whether the normal equations can stand for ``objective``'s data and penalty.

    Only an objective whose datafit is a quadratic of the kind written
    here, and whose penalty is a quadratic too or is taken by its proximal
    step (not smooth), on their own classes' word (a subclass that changes
    the loss is not taken for its parent).

    Parameters
    ----------
    objective : object
        Holding ``datafit`` and ``penalty``.

    Returns
    -------
    bool
    """
    penalty = objective.penalty
    # A penalty taken by proximal steps is read through the elastic net's
    # stacked weights: only that family's (by its own class's name, too).
    proximal = isinstance(penalty, ElasticNet) and penalty.smooth is False
    return (served_by(objective, SERVES) and declares(objective.datafit, "quadratic")
            and (declares(penalty, "quadratic") or proximal))


def pays_off(X, n_rows, proximal=False):
    """Whether a step through the normal equations is cheaper than a pass over ``X``.

    The moments cost about ``n_features / 2`` passes to build; each step then
    costs ``n_features**2`` multiplications instead of the two products of a
    pass, about twice the non-zeros of the training rows. Full-batch Adam
    takes hundreds to thousands of steps, so the moments pay for themselves
    whenever a step is cheaper, up to :data:`MAX_FEATURES`.

    A penalty taken by proximal steps (the lasso's) is finished exactly on
    the normal equations (:mod:`._support_finish`) as soon as the signs of
    the coefficients settle, a fraction of the steps that passes over ``X``
    take to converge: there a step may cost up to :data:`FINISH_STEP_RATIO`
    passes.

    Parameters
    ----------
    X : ndarray or sparse matrix
    n_rows : int
        Training rows.
    proximal : bool, default=False
        Whether the penalty is taken by proximal steps.

    Returns
    -------
    bool
    """
    n_features = X.shape[1]
    if n_features > MAX_FEATURES:
        return False
    ratio = FINISH_STEP_RATIO if proximal else 1
    return n_features**2 <= 2 * ratio * stored_values(X, n_rows)


# How many passes' worth a step on the normal equations may cost where the
# fit ends with the exact finish: on 100,000 CSR rows of 2,000 columns at
# 0.5% density, the lasso's fit is finished at its second look, after 48
# steps there (a step reads only the Gram rows of non-zero coefficients),
# where passes over X take about 430 steps to converge.
FINISH_STEP_RATIO = 8


def values_per_pass(objective):
    """The values of ``X`` a pass over ``objective``'s rows reads (see :func:`stored_values`).

    Parameters
    ----------
    objective : Objective or NamespaceObjective
        Whose data live in memory or on an array-API device (dense there).

    Returns
    -------
    float
    """
    data = getattr(objective, "data", None)
    if data is not None:
        return stored_values(data.X, objective.n_samples)
    return float(objective.n_samples * objective.standardization.x_center.shape[0])


def stored_values(X, n_rows):
    """The values of ``X`` that a pass over ``n_rows`` of its rows reads.

    Parameters
    ----------
    X : ndarray or sparse matrix
    n_rows : int

    Returns
    -------
    float
        ``n_rows * n_features`` for a dense ``X``; for a sparse one, its
        non-zeros spread over its rows as they fall.
    """
    if sp.issparse(X):
        return X.nnz * n_rows / max(X.shape[0], 1)
    return float(X.shape[1] * n_rows)


def sparse_block_rows(X):
    """Rows of a sparse ``X`` to sum at a time; None for a dense one (blocks of 4 MiB).

    Each sparse block's sums end in dense ``(n_features, n_features)``
    products, so a block holds at least that many stored values (and at
    least :data:`SPARSE_BLOCK_VALUES`): on wide, very sparse rows the dense
    products would otherwise cost far more than the block's own.

    Parameters
    ----------
    X : ndarray or sparse matrix

    Returns
    -------
    rows : int or None
    """
    if not sp.issparse(X):
        return None
    per_row = max(X.nnz / max(X.shape[0], 1), 1.0)
    return max(1, int(max(SPARSE_BLOCK_VALUES, X.shape[1] ** 2) / per_row))


# The fewest stored values a block of sparse rows sums (4 MiB of float64).
SPARSE_BLOCK_VALUES = 2**19


class NormalEquations:
    """The least-squares objective of standardized parameters, as a quadratic.

    Built from an :class:`~sklearn_adam._objective.Objective` by
    :meth:`build`; the gradient and the objective agree with that
    objective's full-batch ones up to rounding.

    Parameters
    ----------
    gram : ndarray of shape (n_features, n_features)
        :math:`G`, float64.
    feature_means : ndarray of shape (n_features,)
        :math:`m`: zero, up to rounding, when the centers are the training
        rows' own weighted means.
    moments : ndarray of shape (n_targets, n_features)
        :math:`B`, one row per target.
    target_means : ndarray of shape (n_targets,)
        :math:`\\bar y`.
    target_squares : ndarray of shape (n_targets,)
        :math:`c`.
    penalty_weights : ndarray
        The penalty's weights on the standardized coefficients, float64: for
        the ridge penalty one per squared coefficient, shape (n_features,)
        or (n_targets, n_features); for the elastic net both of its parts,
        stacked on a first axis of two (see
        :mod:`~sklearn_adam._objective._elastic_net`).
    penalty : object
        The penalty. A smooth one with weight adds its gradient to the
        data's (:attr:`penalized`); one that is not smooth adds nothing to
        the gradient and is taken by :meth:`proximal_step` after each step
        of the rule (:attr:`proximal`).
    """

    def __init__(self, gram, feature_means, moments, target_means, target_squares,
                 penalty_weights, penalty):
        self.gram = gram
        self.feature_means = feature_means
        self.moments = moments
        self.target_means = target_means
        self.target_squares = target_squares
        self.penalty_weights = penalty_weights
        self.penalty = penalty
        self.penalized = bool(penalty.smooth and penalty.active)
        self.proximal = bool(not penalty.smooth and penalty.active)

    @classmethod
    def build(cls, objective):
        """The normal equations of ``objective``, or None where they overflow.

        Where the objective holds the equations a warm-starting estimator
        kept (its ``kept_equations``, see
        :class:`~sklearn_adam._objective._kept_equations.KeptEquations`),
        those are reused if they were made of the same data.

        Parameters
        ----------
        objective : Objective
            Of a datafit and penalty the equations serve (see :func:`serves`).

        Returns
        -------
        equations : NormalEquations or None
            None when a moment is not finite (columns whose standardized
            products overflow float64); the objective is then trained by
            passes over ``X``.
        """
        kept = objective.kept_equations
        if kept is not None:
            return kept.equations_for(objective, cls.summed)
        return cls.summed(objective)

    @classmethod
    def summed(cls, objective):
        """The normal equations of ``objective``, summed by a pass over its rows.

        Parameters
        ----------
        objective : Objective

        Returns
        -------
        equations : NormalEquations or None
            As :meth:`build` returns them.
        """
        centering = Centering.of(objective.standardization)
        sums = np.zeros((centering.n_sums,) * 2)
        unweighted = bool(np.all(objective.data.sample_weight == 1))
        scratch = None
        with np.errstate(over="ignore", invalid="ignore"):
            for X_block, y_block, w_block in objective.data.blocks(
                    rows_per_block=sparse_block_rows(objective.data.X)):
                if scratch is None and not sp.issparse(X_block):
                    scratch = np.empty((X_block.shape[0], centering.n_sums))
                block_sums(X_block, y_block, w_block, centering, unweighted, scratch, into=sums)
        if scratch is not None and adds_in_place(scratch.shape[0], centering.n_sums):
            mirror_lower(sums)
        del scratch
        return cls.from_sums(
            sums, centering, objective.weight_sum, objective.n_samples,
            objective.penalty_weights, objective.penalty, objective.data.X.dtype,
        )

    @classmethod
    def from_sums(cls, sums, centering, weight_sum, n_rows, penalty_weights, penalty, dtype):
        """The normal equations from the sums of every block (:func:`block_sums`), added up.

        Parameters
        ----------
        sums : ndarray of shape (n_features + n_targets + 1,) * 2
            C-contiguous float64; overwritten: the Gram matrix is made in
            its memory.
        centering : Centering
        weight_sum : float
        n_rows : int
            Rows summed, whose count the sums' rounding grows with.
        penalty_weights : ndarray
            The objective's weights of ``penalty``.
        penalty : object
        dtype : numpy dtype
            The data's, whose rounding of the centers is dropped.

        Returns
        -------
        equations : NormalEquations or None
            None when a moment is not finite.
        """
        center, scale = centering.center, centering.scale
        final_scale = centering.final_scale
        n_features, n_targets = center.shape[0], centering.y_center.shape[0]
        with np.errstate(over="ignore", invalid="ignore"):
            x, t = slice(0, n_features), slice(n_features, n_features + n_targets)
            moments = sums[t, x] / final_scale
            feature_sums = sums[-1, x] / final_scale
            target_sums, target_squares = sums[-1, t].copy(), np.diag(sums[t, t]).copy()
            # Last, as it overwrites the sums it is made of.
            gram = scaled_leading_block(sums, final_scale)
        parts = [gram, feature_sums, moments, target_sums, target_squares]
        if not all(np.isfinite(part).all() for part in parts):
            return None
        for part in parts:
            part /= weight_sum
        feature_means, target_means = feature_sums, target_sums
        _drop_rounding(feature_means, center, scale, dtype, n_rows)
        _drop_rounding(target_means, centering.y_center, centering.y_scale, dtype, n_rows)
        return cls(
            gram, feature_means, moments, target_means, 0.5 * target_squares,
            penalty_weights.astype(np.float64), penalty,
        )

    def gradient(self, params, grads):
        """The exact full-batch gradient, written into ``grads``, and the objective.

        Parameters
        ----------
        params : list of ndarray
            Standardized coefficients, shape (n_targets, n_features), and
            the intercept, shape (n_targets,), when one is fitted.
        grads : list of ndarray
            Output arrays shaped like ``params``; overwritten.

        Returns
        -------
        loss : float
            The objective at ``params``, averaged over targets. For a penalty
            that is not smooth, its value is in the objective but not its
            gradient in ``grads``: see :meth:`stationarity`.
        """
        coef = params[0].astype(np.float64)
        intercept = params[1].astype(np.float64) if len(params) > 1 else None
        product = coef @ self.gram
        coef_gradient = product - self.moments
        data = self._data_terms(coef, intercept, product)
        if intercept is not None:
            coef_gradient += intercept[:, None] * self.feature_means
            intercept_gradient = coef @ self.feature_means + intercept - self.target_means
            grads[1][...] = intercept_gradient
        penalty = 0.0
        if self.penalized:
            coef_gradient += self.penalty_weights * coef
            penalty = 0.5 * float((self.penalty_weights * np.square(coef)).sum())
        elif self.proximal:
            penalty = float(self.penalty.value(np, coef, self.penalty_weights))
        grads[0][...] = coef_gradient
        # The expansion can round a zero residual to slightly below zero.
        return (float(np.maximum(data, 0.0).sum()) + penalty) / coef.shape[0]

    def with_penalty(self, penalty, penalty_weights):
        """These equations with another penalty: the moments shared, not copied.

        Parameters
        ----------
        penalty : object
        penalty_weights : ndarray

        Returns
        -------
        equations : NormalEquations
        """
        return type(self)(self.gram, self.feature_means, self.moments, self.target_means,
                          self.target_squares, penalty_weights.astype(np.float64), penalty)

    def stationarity(self, params, grads):
        """How far ``params`` are from the optimum, by their gradient ``grads`` (:meth:`gradient`).

        See :func:`~sklearn_adam._objective._penalties.stationarity`: the
        gradient's norm, or for a penalty that is not smooth the distance
        of the negative data gradient to its subdifferential.

        Parameters
        ----------
        params, grads : list of ndarray

        Returns
        -------
        norm : float
        """
        if not self.proximal:
            return joint_norm(grads)
        return stationarity(self.penalty, params[0].astype(np.float64), grads,
                            self.penalty_weights)

    def proximal_step(self, coef, steps):
        """The penalty's proximal step on ``coef``, in place, in the metric of ``steps``.

        Only where :attr:`proximal`.

        Parameters
        ----------
        coef : ndarray of shape (n_targets, n_features)
        steps : ndarray of shape (n_targets, n_features)
            The rule's step size of each coefficient in its last update.
        """
        coef[...] = self.penalty.prox(np, coef.astype(np.float64), steps.astype(np.float64),
                                      self.penalty_weights)

    def data_losses(self, params):
        """Half the weighted mean squared standardized residual of each target, without the penalty.

        What a pass over the rows would give, up to rounding, at the cost of
        a product with the Gram matrix: held-out rows are scored this way
        every epoch.

        Parameters
        ----------
        params : list of ndarray
            Standardized coefficients and, when fitted, the intercept.

        Returns
        -------
        losses : ndarray of shape (n_targets,)
        """
        coef = params[0].astype(np.float64)
        intercept = params[1].astype(np.float64) if len(params) > 1 else None
        return np.maximum(self._data_terms(coef, intercept, coef @ self.gram), 0.0)

    def _data_terms(self, coef, intercept, product):
        # Half the weighted mean squared residual of each target, expanded;
        # product is coef @ gram.
        data = 0.5 * np.einsum("tj,tj->t", coef, product) - np.einsum(
            "tj,tj->t", coef, self.moments
        ) + self.target_squares
        if intercept is not None:
            data += intercept * (coef @ self.feature_means + 0.5 * intercept - self.target_means)
        return data


class Centering(NamedTuple):
    """The centers and scales every block's sums use, in float64.

    One matrix of weighted sums of products of the columns of
    ``[X - center, standardized y, 1]`` holds the normal equations: the
    centered columns' products, their products with the targets, their
    sums, and the targets' products and sums. Each column of ``X`` is
    divided by its scale once, at the end (``final_scale``), except columns
    of extreme scale, whose products could overflow, or underflow into
    imprecise subnormal numbers: those are divided in each block, before
    their products are taken (``block_scale``, None when there are none).

    Parameters
    ----------
    center, scale : ndarray of shape (n_features,)
    y_center, y_scale : ndarray of shape (n_targets,)
    block_scale : ndarray of shape (n_features,) or None
    final_scale : ndarray of shape (n_features,)
    """

    center: np.ndarray
    scale: np.ndarray
    y_center: np.ndarray
    y_scale: np.ndarray
    block_scale: np.ndarray | None
    final_scale: np.ndarray

    @classmethod
    def of(cls, standardization):
        """The centering of a :class:`~sklearn_adam._objective.Standardization`.

        Parameters
        ----------
        standardization : Standardization

        Returns
        -------
        centering : Centering
        """
        scale = standardization.x_scale.astype(np.float64)
        extreme = (scale < EXTREME_SCALES[0]) | (scale > EXTREME_SCALES[1])
        return cls(
            standardization.x_center.astype(np.float64),
            scale,
            standardization.y_center.astype(np.float64),
            standardization.y_scale.astype(np.float64),
            np.where(extreme, scale, 1.0) if extreme.any() else None,
            np.where(extreme, 1.0, scale),
        )

    @property
    def n_sums(self):
        """int : Columns of the matrix of sums: features, targets and a column of ones."""
        return self.center.shape[0] + self.y_center.shape[0] + 1


def block_sums(X_block, y_block, w_block, centering, unweighted, scratch=None, into=None):
    """One block's share of the sums of :class:`Centering`: a block read once.

    The sums of all blocks, added up, make :meth:`NormalEquations.from_sums`;
    a block can be summed wherever its rows are.

    Parameters
    ----------
    X_block : ndarray or sparse matrix of shape (n_rows, n_features)
    y_block : ndarray of shape (n_rows, n_targets)
    w_block : ndarray of shape (n_rows,)
    centering : Centering
    unweighted : bool
        Whether every weight of every block is one (a cheaper product).
    scratch : ndarray of shape (n_rows or more, n_sums), float64, or None
        Working memory for dense blocks, reused between blocks; None
        allocates it.
    into : ndarray of shape (n_sums, n_sums) or None
        Sums of the blocks before, C-contiguous float64, to which this
        block's are added in place. Where :func:`adds_in_place` holds for
        ``scratch``'s rows, only their lower triangle is updated (mirror it
        with :func:`mirror_lower` after the last block).

    Returns
    -------
    sums : ndarray of shape (n_sums, n_sums)
        float64: ``into`` where given.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        weight = w_block.astype(np.float64)
        y_tilde = (y_block - centering.y_center) / centering.y_scale
        if sp.issparse(X_block):
            sums = centered_products(X_block, y_tilde, weight, centering.center,
                                     centering.block_scale)
            if into is None:
                return sums
            into += sums
            return into
        if scratch is None:
            scratch = np.empty((X_block.shape[0], centering.n_sums))
        columns = _dense_block_columns(X_block, y_tilde, weight, centering.center,
                                       centering.block_scale, unweighted,
                                       scratch[: X_block.shape[0]])
        if into is None:
            return columns.T @ columns
        if adds_in_place(scratch.shape[0], centering.n_sums):
            add_products(into, columns)
        else:
            into += columns.T @ columns
        return into


def _dense_block_columns(X_block, y_tilde, weight, center, block_scale, unweighted, scratch):
    """The columns [X_block - center, y_tilde, 1] whose products make the sums, in ``scratch``.

    ``scratch`` (float64, one row per row of the block) receives those
    columns, each divided by ``block_scale`` where given and each row scaled
    by the root of its weight, so that the sums are one symmetric product of
    it with itself: one pass over the block.
    """
    n_features, n_targets = X_block.shape[1], y_tilde.shape[1]
    x_part = scratch[:, :n_features]
    if X_block.dtype == np.float64:
        np.subtract(X_block, center, out=x_part)
    else:
        # Copying first, then subtracting in float64, is faster than one
        # subtraction that converts float32 as it goes.
        x_part[...] = X_block
        x_part -= center
    if block_scale is not None:
        x_part /= block_scale
    scratch[:, n_features:n_features + n_targets] = y_tilde
    if unweighted:
        scratch[:, -1] = 1.0
    else:
        root = np.sqrt(weight)
        scratch[:, :-1] *= root[:, None]
        scratch[:, -1] = root
    return scratch


# Columns whose scale is outside these bounds are divided by it before their
# products are summed: squares of 1e154 overflow, and squares of 1e-154 fall
# into subnormal numbers, which carry fewer digits.
EXTREME_SCALES = (1e-100, 1e100)


# Means of standardized columns within this many units of the rounding of
# their centers are taken as zero (see _drop_rounding).
ROUNDING_UNITS = 16


def _drop_rounding(means, center, scale, dtype, n_rows):
    """Set to zero, in place, the means that are only the rounding of the centers.

    Where the centers are the training rows' own weighted means, every
    standardized column and target has mean zero, and so has the
    intercept's gradient at the optimum: with zero, an intercept that starts
    at zero stays there. What the sums leave instead is the rounding of the
    centers to the data's dtype, and that of the float64 sums themselves,
    which grows like the square root of the rows summed (on 100,000 rows,
    up to 54 units); Adam, which scales every coordinate's steps to the size
    of its gradients, would take full steps on those and keep the intercept
    swinging around its optimum. A mean larger than rounding (a center that
    is not these rows' mean, as after a warm start on new rows, or the error
    of a float32 center summed over many rows) is kept.
    """
    sums_rounding = np.finfo(np.float64).eps * np.sqrt(max(n_rows, 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        rounding = (ROUNDING_UNITS * (np.finfo(dtype).eps + sums_rounding)
                    * (1 + np.abs(center) / scale))
    means[np.abs(means) <= rounding] = 0.0
