import os

# scikit-learn's array-API check (with NumPy inputs) runs only when this is
# set before SciPy is imported; without it the check is skipped.
os.environ.setdefault("SCIPY_ARRAY_API", "1")


def pytest_report_header(config):
    import numpy
    import scipy
    import sklearn

    return (
        f"scikit-learn {sklearn.__version__}, numpy {numpy.__version__}, "
        f"scipy {scipy.__version__}"
    )
