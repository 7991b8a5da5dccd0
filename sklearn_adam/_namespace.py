"""Which array namespace and device a fit's data live in, and moving arrays to and from them.

With scikit-learn's array API dispatch on (``sklearn.set_config(array_api_dispatch=True)``),
a fit whose ``X`` is an array of another namespace than NumPy's (torch on
any device, CuPy, ``array_api_strict``) keeps its data there:
:class:`ArrayNamespace` names that namespace and device, and moves what
else is passed (targets, weights, validation data) to them, and the small
results of each pass to NumPy. Dense NumPy data, sparse matrices and
anything passed with dispatch off take the NumPy path, as before.

scikit-learn's private array-API helpers that the package uses are all
imported here. They exist from scikit-learn 1.6 on, except ``move_to`` and
``check_same_namespace`` (newer), which have small stand-ins below.
"""

import numpy as np
import scipy.sparse as sp
from sklearn import get_config
from sklearn.utils._array_api import (
    _convert_to_numpy,
    _is_numpy_namespace,
    _max_precision_float_dtype,
    get_namespace,
    get_namespace_and_device,
)

try:
    from sklearn.utils._array_api import move_to
except ImportError:  # not in scikit-learn 1.6
    move_to = None
try:
    from sklearn.utils._array_api import check_same_namespace
except ImportError:  # not in scikit-learn 1.6
    check_same_namespace = None


class ArrayNamespace:
    """An array-API namespace other than NumPy's, and a device of it, where a fit's data live.

    Parameters
    ----------
    xp : module
        The namespace, as scikit-learn's ``get_namespace`` gives it (for
        torch and CuPy, array-api-compat's wrapper).
    device : object
        The device of the data, as the namespace names it.

    Attributes
    ----------
    sum_dtype : dtype of ``xp``
        The most precise floating dtype the device has (float64, except on
        devices without it, such as Apple's MPS): the dtype in which the
        passes over ``X`` sum, as the NumPy passes sum in float64.
    """

    def __init__(self, xp, device):
        self.xp = xp
        self.device = device
        self.sum_dtype = _max_precision_float_dtype(xp, device)

    @classmethod
    def of(cls, X):
        """The namespace and device of ``X``, or None where ``X`` takes the NumPy path.

        Parameters
        ----------
        X : object
            Data as passed to ``fit``, ``partial_fit`` or ``predict``.

        Returns
        -------
        namespace : ArrayNamespace or None
            None with dispatch off, for NumPy arrays, sparse matrices and
            array-likes (lists, DataFrames), which are converted to NumPy.
        """
        if not get_config()["array_api_dispatch"] or sp.issparse(X):
            return None
        found = _namespace_and_device(X)
        if found is None or _is_numpy_namespace(found[0]):
            return None
        return cls(*found)

    @property
    def name(self):
        """str : The namespace's module name, as error messages give it."""
        return self.xp.__name__

    @property
    def float_dtypes(self):
        """tuple : The dtypes data are validated to: float64 and float32, or float32 alone."""
        if self.sum_dtype == self.xp.float64:
            return (self.xp.float64, self.xp.float32)
        return (self.xp.float32,)

    def numpy_dtype(self, dtype):
        """The NumPy dtype of the same precision as ``dtype`` (float64 or float32)."""
        return np.dtype(np.float64 if dtype == self.xp.float64 else np.float32)

    def from_numpy(self, array):
        """A NumPy array (or number) as an array of this namespace, on this device.

        Parameters
        ----------
        array : ndarray

        Returns
        -------
        array : array of ``xp``
        """
        return self.xp.asarray(array, device=self.device)

    def zeros(self, shape=()):
        """Zeros of ``shape`` in :attr:`sum_dtype`, on this device: a sum to add to."""
        return self.xp.zeros(shape, dtype=self.sum_dtype, device=self.device)

    def move(self, value):
        """``value`` in this namespace and on this device, moved only if it is not.

        Parameters
        ----------
        value : array of any namespace, array-like or None

        Returns
        -------
        value : array of ``xp``, or None
        """
        if value is None:
            return None
        found = _namespace_and_device(value)
        if found is None:
            return self.from_numpy(np.asarray(value))
        if found[0] == self.xp and found[1] == self.device:
            return value
        if move_to is not None:
            return move_to(value, xp=self.xp, device=self.device)
        return self.from_numpy(to_numpy(value))

    def moved_attributes(self, attributes):
        """Fitted attributes with their arrays moved here; numbers stay numbers.

        Parameters
        ----------
        attributes : dict
            Name to ndarray or number.

        Returns
        -------
        attributes : dict
        """
        return {name: self.from_numpy(value) if isinstance(value, np.ndarray) else value
                for name, value in attributes.items()}


def array_namespace(*arrays):
    """The namespace of ``arrays`` where it is not NumPy's, else None.

    Parameters
    ----------
    *arrays : arrays

    Returns
    -------
    xp : module or None
        None for NumPy arrays and numbers, and with dispatch off, whatever
        the arrays (they are then handled as NumPy handles them).
    """
    if all(isinstance(array, np.ndarray) for array in arrays):
        return None
    if not get_config()["array_api_dispatch"]:
        return None
    try:
        xp, is_array_api = get_namespace(*arrays)
    except TypeError:  # numbers, or array-likes under scikit-learn 1.6
        return None
    return None if not is_array_api or _is_numpy_namespace(xp) else xp


def to_numpy(value):
    """A NumPy array of ``value``'s values, on the host.

    Parameters
    ----------
    value : array of any namespace, or ndarray

    Returns
    -------
    array : ndarray
        ``value`` itself when it is one; with dispatch off, ``np.asarray``
        of it, as scikit-learn converts inputs then.
    """
    if isinstance(value, np.ndarray):
        return value
    if not get_config()["array_api_dispatch"]:
        return np.asarray(value)
    xp, _ = get_namespace(value)
    if move_to is not None:
        return move_to(value, xp=np, device="cpu")
    try:
        # DLPack reads arrays on any CPU device (array_api_strict's
        # "device1", which scikit-learn 1.6's conversion refuses).
        return np.from_dlpack(value)
    except (AttributeError, TypeError, BufferError, RuntimeError, ValueError):
        return _convert_to_numpy(value, xp)


def host_values(value):
    """``value`` as a NumPy array where it is an array of another namespace; else unchanged.

    For targets and weights passed with NumPy data while dispatch is on.

    Parameters
    ----------
    value : object

    Returns
    -------
    value : object
    """
    if value is None or isinstance(value, np.ndarray) or sp.issparse(value):
        return value
    if not get_config()["array_api_dispatch"]:
        return value
    found = _namespace_and_device(value)
    if found is None or _is_numpy_namespace(found[0]):
        return value
    return to_numpy(value)


def fitted_on_host(estimator):
    """``coef_`` and ``intercept_`` of a fitted estimator, as NumPy arrays on the host.

    For a model fitted on arrays of another namespace, used on NumPy data
    (with dispatch off, or on a dask array). A number stays a number.

    Parameters
    ----------
    estimator : fitted estimator with ``coef_`` and ``intercept_``

    Returns
    -------
    coef : ndarray
    intercept : float or ndarray
    """
    intercept = estimator.intercept_
    if not isinstance(intercept, float):
        intercept = _on_host(intercept)
    return _on_host(estimator.coef_), intercept


def _on_host(array):
    """A fitted array in NumPy, by DLPack where it can (any CPU device, dispatch or not)."""
    if isinstance(array, np.ndarray):
        return array
    try:
        return np.from_dlpack(array)
    except (AttributeError, TypeError, BufferError, RuntimeError, ValueError):
        return to_numpy(array)


def check_fitted_namespace(X, estimator, method):
    """Refuse ``X`` of another namespace or device than the fitted ``coef_``, under dispatch.

    scikit-learn's ``check_same_namespace`` where it exists, with its
    message; a stand-in for older versions.

    Parameters
    ----------
    X : object
    estimator : fitted estimator with ``coef_``
    method : str
        The calling method, named in the message.

    Raises
    ------
    ValueError
        If ``X`` and ``coef_`` differ in namespace or device.
    """
    if check_same_namespace is not None:
        check_same_namespace(X, estimator, attribute="coef_", method=method)
        return
    if not get_config()["array_api_dispatch"]:
        return
    fitted = _namespace_and_device(estimator.coef_)
    given = _namespace_and_device(X) if not sp.issparse(X) else None
    fitted_numpy = fitted is None or _is_numpy_namespace(fitted[0])
    given_numpy = given is None or _is_numpy_namespace(given[0])
    if fitted_numpy and given_numpy:
        return
    if not fitted_numpy and not given_numpy and fitted[0] == given[0] and fitted[1] == given[1]:
        return
    raise ValueError(
        f"Inputs passed to {type(estimator).__name__}.{method}() must use the same namespace "
        "and the same device as those passed to fit(): the model was fitted on "
        f"{_describe(fitted)} and got {_describe(given)}."
    )


def _describe(found):
    if found is None or _is_numpy_namespace(found[0]):
        return "NumPy data"
    return f"{found[0].__name__} arrays on device {found[1]}"


def _namespace_and_device(value):
    """``(xp, device)`` of an array of any namespace, or None for anything else."""
    try:
        xp, is_array_api, device = get_namespace_and_device(value)
    except TypeError:  # scikit-learn 1.6 refuses array-likes (lists, DataFrames) here
        return None
    return (xp, device) if is_array_api else None
