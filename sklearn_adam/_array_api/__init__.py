"""Fits on arrays of any array-API namespace (torch, CuPy, ``array_api_strict``), on their device.

With scikit-learn's array API dispatch on, a dense ``X`` of a namespace
other than NumPy's stays where it is, and so do the targets and weights,
moved there if they were passed elsewhere (:mod:`sklearn_adam._namespace`).
What runs where:

- every pass over the rows runs in the data's namespace, on their device:
  the column moments of the standardization (:mod:`._moments`), the sums
  of the normal equations (one product per block, in float64 where the
  device has it), and the batch gradients (:mod:`._objective`), the rows read in blocks
  by :mod:`._rows`;
- only results the size of the parameters, or of their square for the
  normal equations, come to the host;
- full-batch steps through the normal equations are taken on the host,
  by the same code as NumPy fits (thousands per compiled call): each is a
  product with a ``(n_features, n_features)`` matrix, far too small for a
  device to gain on the host, and a device would add a launch per
  operation and a transfer per step for the stopping rule;
- mini-batch epochs and full-batch epochs by passes over ``X`` take their
  steps on the device (:mod:`._epochs`): the built-in rules' arithmetic
  works on any namespace (:mod:`sklearn_adam._rules._arithmetic`), so an
  epoch's batches send nothing to the host. The parameters and the
  rule's moments cross once each way per epoch; a user's solver takes its
  steps on the host, in NumPy, as its protocol promises;
- the fitted ``coef_``, ``intercept_`` (0-d for a single target) and the
  arrays of ``solver_state_`` are put in the data's namespace and on their
  device at the end of each call; what a warm start continues from is
  kept on the host.

Sparse matrices and dask arrays take their own NumPy paths.
"""

from ._moments import measure
from ._objective import NamespaceObjective
from ._rows import NamespaceRows

__all__ = ["NamespaceObjective", "NamespaceRows", "measure"]
