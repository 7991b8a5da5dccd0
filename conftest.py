import importlib.util

# The docstring examples are collected from every module of the package;
# the compiled kernels' module needs numba, a dependency that an install
# without dependencies may lack (fits then take the numpy path).
collect_ignore = []
if importlib.util.find_spec("numba") is None:
    collect_ignore.append("sklearn_adam/_kernels.py")
