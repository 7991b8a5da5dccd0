"""The compiled kernels, imported by the first fit that runs them.

numba is a dependency, but importing it and the first load of compiled code
cost a few tenths of a second once per process. ``import sklearn_adam`` does
not pay them; the first fit that takes the compiled path does, and a process
that only predicts or unpickles never does. Where numba is missing all the
same (an install without dependencies) or broken, fits take the numpy path,
which computes the same models.
"""

import importlib.util

# Whether numba is installed, looked up once without importing it; False
# also after an import of the kernels failed (a broken numba installation).
_numba_usable = importlib.util.find_spec("numba") is not None


def compiled_kernels():
    """The kernels, the package :mod:`sklearn_adam._kernels`, or None where not used.

    None without a working numba, or when the kernels are switched off through
    ``sklearn_adam._kernels.ENABLED`` (the tests that compare the compiled
    and the numpy code switch them off for the numpy side).

    Returns
    -------
    module or None
    """
    global _numba_usable
    if not _numba_usable:
        return None
    try:
        from . import _kernels
    except ImportError:
        _numba_usable = False
        return None
    return _kernels if _kernels.ENABLED else None
