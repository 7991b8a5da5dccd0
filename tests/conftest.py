import os

# scikit-learn's array-API check (with NumPy inputs) runs only when this is
# set before SciPy is imported; without it the check is skipped.
os.environ.setdefault("SCIPY_ARRAY_API", "1")
