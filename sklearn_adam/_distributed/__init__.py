"""``fit`` and ``predict`` on dask arrays: the rows stay where they are.

A dask ``X`` is never gathered by the process that calls ``fit``. Its
row blocks are read where they live (on the workers of a ``distributed``
cluster, or in this process's threads under dask's local scheduler), and
only results the size of the parameters come back:

1. one pass for the standardization: each block's column moments
   (:func:`~sklearn_adam._objective._standardization.measure`), merged in a
   tree (Chan et al.);
2. for a datafit and a penalty that both declare themselves quadratic
   (least squares and ridge), one pass for the normal equations: each
   block's sums of products
   (:func:`~sklearn_adam._objective._normal_equations.block_sums`), added up
   in a tree; every Adam step is then taken here from their total, as in
   memory, with no message to the cluster;
3. for any other datafit or penalty, or where the normal equations do not
   pay (more than 2048 features, or more than twice as many features as
   rows) or overflow, one round trip per step instead: each block's share
   of the full-batch gradient (its datafit's derivatives) at the
   current coefficients, summed here, then one solver step (and the
   proximal step of a penalty that is not smooth)
   (:class:`~sklearn_adam._distributed._training.DistributedEpochs`).

Modules: ``_inputs`` checks the data without computing ``X``; ``_passes``
holds what runs on each block and how the results are combined;
``_training`` is the objective and the epochs; ``_predict`` is the lazy
``predict``. Only :func:`is_dask_collection` is imported with the package,
and it never imports dask.
"""

import sys


def is_dask_collection(value):
    """Whether ``value`` is a dask collection (array, DataFrame, ...), without importing dask.

    Parameters
    ----------
    value : object

    Returns
    -------
    bool
        False whenever dask has not been imported: then nothing can be one.
    """
    if "dask" not in sys.modules:
        return False
    import dask

    return dask.is_dask_collection(value)
