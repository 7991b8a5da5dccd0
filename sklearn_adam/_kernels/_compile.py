"""How the kernels are compiled, and how their cache is renewed when any kernel file changes.

Every kernel of the package is compiled by :func:`kernel`: numba's nopython
mode with the package's floating-point options, cached on disk, each cache
entry keyed also by :data:`SOURCES_DIGEST`, the digest of every source file
of the package (see the package's docstring for why).
"""

import hashlib
from pathlib import Path

import numba
from numba.core.caching import FunctionCache
from numba.core.dispatcher import Dispatcher


def sources_digest(directory):
    """The SHA-256 digest of the names and contents of the ``.py`` files in ``directory``.

    Parameters
    ----------
    directory : path-like

    Returns
    -------
    str
        The digest in hexadecimal.
    """
    digest = hashlib.sha256()
    for path in sorted(Path(directory).glob("*.py")):
        content = path.read_bytes()
        digest.update(f"{path.name}\0{len(content)}\0".encode())
        digest.update(content)
    return digest.hexdigest()


# The digest of the package's sources as this process imported them.
SOURCES_DIGEST = sources_digest(Path(__file__).parent)


class PackageCache(FunctionCache):
    """numba's disk cache of one kernel, whose entries are keyed also by the package's sources.

    numba keys an entry by the signature, the processor and the hash of the
    function's own bytecode, and drops them all when the function's own file
    changes; the digest added to the key makes an entry compiled from other
    sources of the package a miss as well.
    """

    def _index_key(self, sig, codegen):
        return (*super()._index_key(sig, codegen), SOURCES_DIGEST)


# Whether this numba keys its cache entries as PackageCache expects; where
# it does not (a later numba), kernels are compiled afresh in each process
# rather than risk loading code compiled from older sources.
RENEWABLE = callable(getattr(FunctionCache, "_index_key", None))

# error_model="numpy": a division by zero gives inf or nan, as in numpy (the
# training loop checks for those), instead of a check per division that keeps
# loops from being vectorized. The fast-math flags let the compiler reorder
# the sums over features, which changes them in the last bits; all of them
# but "no infinities" and "no NaNs": a constant column's scale is infinite,
# and with those two flags vectorized float32 code turned its 1 / inf into NaN.
FAST_MATH = {"reassoc", "contract", "nsz", "arcp", "afn"}
_OPTIONS = {"nogil": True, "error_model": "numpy"}


def kernel(function=None, *, in_order=False, inline=False):
    """Compile ``function`` as a kernel, cached on disk until any kernel file changes.

    Parameters
    ----------
    function : function
        Python code numba compiles in nopython mode.
    in_order : bool, default=False
        Whether its sums are added in the order written: without the
        reassociation of :data:`FAST_MATH`, which the compiler may apply
        differently to the copy of a kernel that it compiles into each
        caller, and so make a caller's result depend on which of the
        compiled copies a process loaded.
    inline : bool, default=False
        Whether numba writes its code into each caller before compiling
        that (``inline="always"``), as if it stood there: it then takes
        the caller's fast-math flags, and the compiler arranges its
        arithmetic with the caller's exactly as it would code written in
        place, where a function compiled on its own, then called, may be
        arranged otherwise (a multiply-add not fused, a last bit changed).

    Returns
    -------
    numba.core.dispatcher.Dispatcher
        The function compiled at its first call for each signature (or
        ``function`` itself where ``NUMBA_DISABLE_JIT`` is set).
    """
    if function is None:
        return lambda function: kernel(function, in_order=in_order, inline=inline)
    flags = FAST_MATH - {"reassoc"} if in_order else FAST_MATH
    dispatcher = numba.njit(fastmath=flags, inline="always" if inline else "never",
                            **_OPTIONS)(function)
    if RENEWABLE and isinstance(dispatcher, Dispatcher):
        # What njit(cache=True) does, with the package's key.
        dispatcher._cache = PackageCache(function)
    return dispatcher
