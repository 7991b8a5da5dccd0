"""The compiled products of a sparse block's columns are those of scipy's sparse product.

:func:`~sklearn_adam._objective._sparse_sums.centered_products` takes the
weighted products of a sparse block's columns by a compiled kernel where
there is one (:func:`sklearn_adam._kernels.row_products`), scipy's sparse
product otherwise: the two must agree to rounding.
"""

import numpy as np
import pytest
import scipy.sparse as sp

import sklearn_adam._kernels as kernels
from sklearn_adam._objective._sparse_sums import KERNEL_VALUES_PER_ROW, centered_products


def sparse_block(n_rows, n_features, seed):
    """A sparse block at 10% density, with a column stored in 90% of the rows near 1e3."""
    rng = np.random.default_rng(seed)
    X = sp.random(n_rows, n_features, density=0.1, random_state=rng, format="csr",
                  data_rvs=rng.standard_normal).toarray()
    offset = 1e3 + rng.standard_normal(n_rows)
    offset[rng.random(n_rows) > 0.9] = 0.0
    X[:, 3] = offset
    return X


@pytest.mark.parametrize("n_features, density", [(1, 0.2), (7, 0.2), (300, 0.2), (1100, 0.02)],
                         ids=["1", "7", "300", "1100: several bands"])
def test_the_row_products_kernel_is_the_weighted_product(n_features, density):
    rng = np.random.default_rng(n_features)
    X = sp.csr_matrix(sp.random(400, n_features, density=density, random_state=rng,
                                data_rvs=rng.standard_normal))
    weight = rng.uniform(0.1, 3.0, X.shape[0])
    products = np.zeros((n_features, n_features))
    kernels.row_products(X.indptr, X.indices, X.data, weight, products)
    expected = (X.T @ sp.diags(weight) @ X).toarray()
    np.testing.assert_allclose(products, expected, rtol=1e-14, atol=1e-14 * np.abs(expected).max())
    assert np.array_equal(products, products.T)


@pytest.mark.parametrize("container", [sp.csr_matrix, sp.csc_matrix], ids=["csr", "csc"])
@pytest.mark.parametrize("scaled", [False, True], ids=["unscaled", "block scale"])
def test_compiled_sums_of_a_sparse_block_are_scipys(monkeypatch, container, scaled):
    # Weighted, three targets, centers near the columns' means (the offset
    # column's stored values centered, its missing rows summed apart) or
    # scaled as a block of a cluster's are.
    rng = np.random.default_rng(5)
    X = sparse_block(600, 100, seed=5)
    # Enough values per row for the kernel's route (fewer take scipy's).
    assert np.count_nonzero(X) >= KERNEL_VALUES_PER_ROW * X.shape[0]
    y_tilde = rng.standard_normal((600, 3))
    weight = rng.uniform(0.1, 3.0, 600)
    center = X.mean(axis=0) + 0.01 * rng.standard_normal(100)
    block_scale = rng.uniform(0.5, 2.0, 100) if scaled else None
    compiled = centered_products(container(X), y_tilde, weight, center, block_scale)
    monkeypatch.setattr(kernels, "ENABLED", False)
    reference = centered_products(container(X), y_tilde, weight, center, block_scale)
    np.testing.assert_allclose(compiled, reference, rtol=1e-13,
                               atol=1e-14 * np.abs(reference).max())


def test_rows_stored_out_of_order_are_summed_as_sorted(monkeypatch):
    # Column indices out of order in a row, and a value stored twice (their sum).
    X = sp.csr_matrix((np.array([2.0, 1.0, 3.0, 0.5, -1.0]), np.array([2, 0, 1, 1, 0]),
                       np.array([0, 2, 5])), shape=(2, 3))
    weight = np.array([1.5, 0.5])
    dense = X.toarray()
    compiled = centered_products(X, np.zeros((2, 1)), weight, np.zeros(3), None)
    expected = dense.T @ (weight[:, None] * dense)
    np.testing.assert_allclose(compiled[:3, :3], expected, rtol=1e-15)
    assert not X.has_canonical_format  # the caller's matrix left as it was
