"""The order of the gallery's examples, given to sphinx-gallery by import path."""


class ReadingOrder:
    """Gallery order for a reader: the comparison first, the details last."""

    order = [
        "plot_compare_solvers.py",
        "plot_grid_search.py",
        "plot_early_stopping.py",
        "plot_robust_regression.py",
        "plot_quantile_bands.py",
        "plot_lasso_path.py",
        "plot_support_recovery.py",
        "plot_batch_size.py",
        "plot_partial_fit.py",
        "plot_dask_cluster.py",
        "plot_variants_and_schedules.py",
    ]

    def __init__(self, src_dir):
        self.src_dir = src_dir

    def __call__(self, filename):
        # A new example without a place in the list goes last, by name.
        if filename in self.order:
            return (self.order.index(filename), filename)
        return (len(self.order), filename)

    def __repr__(self):
        return f"<{type(self).__name__}: {self.order}>"
