import os

# scikit-learn's array API dispatch needs SciPy's, which SciPy reads when it
# is first imported: set here, before any test module imports it, for the
# array API checks of scikit-learn (skipped without it) and the fits of
# tests/test_array_api.py.
os.environ.setdefault("SCIPY_ARRAY_API", "1")


def pytest_report_header(config):
    import numpy
    import scipy
    import sklearn

    return (
        f"scikit-learn {sklearn.__version__}, numpy {numpy.__version__}, "
        f"scipy {scipy.__version__}"
    )
