"""A memory-mapped ``X``, read a part at a time, its pages handed back after each part.

A ``numpy.memmap`` (such as a ``.npy`` file opened with ``mmap_mode="r"``) is
read through the pages of its mapping, and every page read stays in the
process's resident memory (its RSS, and the peak of it) until the mapping is
closed, although the operating system's page cache holds the same data. A fit
that reads such an ``X`` whole would grow by the size of the file.

The passes over a mapped ``X`` therefore read it in parts of about
:data:`PART_BYTES` and release its pages after each (``madvise`` with
``MADV_DONTNEED``): the process lets go of them, the page cache keeps them,
and reading them again costs a page fault, not a read from disk. Only
shared mappings (``mmap_mode`` of ``"r"``, ``"r+"`` or ``"w+"``) are
released; in a copy-on-write mapping (``"c"``) that would discard the
caller's own writes.

Rows visited in a shuffled order are not read in place: one visit maps all
of the cached block of the file around its row (more than a megabyte on
Linux 6.18 with ext4), so that a few thousand visits map the whole file, and
releasing after every few dozen would make every visit a page fault. Each
part of such an epoch first copies the rows it visits into a buffer, in the
order in which they lie in the file, releasing as it goes, and visits them
there.

Nothing here changes what is computed: the passes read the same values in
the same order, so that a fit on a mapped ``X`` is bit for bit the fit on
``np.array(X)``.
"""

import mmap

import numpy as np

# Bytes of X read between two releases of its pages: a part of an epoch, or
# a run of blocks of a pass.
PART_BYTES = 64 * 2**20

# None where the platform has no madvise (Windows): nothing is released.
_DONTNEED = getattr(mmap, "MADV_DONTNEED", None)


class MappedPages:
    """The pages of a shared file mapping that hold an array's rows.

    Parameters
    ----------
    mapping : mmap.mmap
    start, stop : int
        The bytes of ``mapping`` that the array spans, ``start`` rounded
        down to a page.
    row_bytes : int
        Bytes from one row of the array to the next.
    """

    def __init__(self, mapping, start, stop, row_bytes):
        self.mapping = mapping
        self.start = start
        self.stop = stop
        self.row_bytes = row_bytes

    @classmethod
    def of(cls, array):
        """The pages behind ``array``, or None where there are none to release.

        Parameters
        ----------
        array : object
            A ``numpy.memmap`` or an array made from one (validation makes a
            view, which has the memmap along its ``base``).

        Returns
        -------
        pages : MappedPages or None
            None unless ``array`` is a non-empty two-dimensional array with
            its rows one after another in a shared mapping, on a platform
            with ``madvise``.
        """
        if _DONTNEED is None or not isinstance(array, np.ndarray) or array.ndim != 2:
            return None
        memmap = array
        while isinstance(memmap, np.ndarray) and getattr(memmap, "_mmap", None) is None:
            memmap = memmap.base
        if not isinstance(memmap, np.memmap) or memmap.mode == "c" or array.size == 0:
            return None
        row_bytes = abs(array.strides[0])
        if abs(array.strides[1]) * array.shape[1] > row_bytes:
            return None  # rows interleaved (column-major): no part is a few rows
        low, high = _byte_bounds(array)
        origin, size = _address_and_size(memmap._mmap)
        start, stop = low - origin, high - origin
        if not 0 <= start < stop <= size:
            return None
        return cls(memmap._mmap, start - start % mmap.PAGESIZE, stop, row_bytes)

    @property
    def rows_per_part(self):
        """int : How many rows span about :data:`PART_BYTES`; at least one."""
        return max(1, PART_BYTES // self.row_bytes)

    def release(self):
        """Hand the pages back to the operating system; the data stay cached."""
        self.mapping.madvise(_DONTNEED, self.start, self.stop - self.start)


def row_parts(X):
    """Row slices to read ``X`` in, one after another.

    One slice of every row, unless ``X`` is memory-mapped: then slices of
    about :data:`PART_BYTES`, with ``X``'s pages released after each.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)

    Returns
    -------
    rows : iterator of slice
    """
    pages = MappedPages.of(X)
    if pages is None:
        return iter([slice(None)])
    return _slices(X.shape[0], pages.rows_per_part, pages)


def fixed_row_parts(X):
    """Row slices of about :data:`PART_BYTES` each, for any dense ``X``.

    For sums whose rounding depends on how the rows are grouped (a BLAS
    product): taken part by part, they come out the same whether or not
    ``X`` is memory-mapped, and one part holds every row of an ``X`` of at
    most :data:`PART_BYTES`. A mapped ``X``'s pages are released after each
    part.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)

    Returns
    -------
    rows : iterator of slice
    """
    row_bytes = max(1, X.dtype.itemsize * X.shape[1])
    return _slices(max(X.shape[0], 1), max(1, PART_BYTES // row_bytes), MappedPages.of(X))


def block_slices(X, block_rows):
    """Slices of ``block_rows`` rows of ``X``, its mapped pages released as they are read.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    block_rows : int

    Returns
    -------
    rows : iterator of slice
    """
    read = ReadCount(X)
    for start in range(0, X.shape[0], block_rows):
        rows = slice(start, min(start + block_rows, X.shape[0]))
        yield rows
        read.read(rows)


def _slices(n_rows, step, pages):
    """Slices of ``step`` rows up to ``n_rows``; ``pages`` (or None) released after each."""
    for start in range(0, n_rows, step):
        yield slice(start, start + step)
        if pages is not None:
            pages.release()


class ReadCount:
    """Releases an array's mapped pages after every :data:`PART_BYTES` of it read.

    Does nothing for an array that is not memory-mapped.

    Parameters
    ----------
    array : object
    """

    def __init__(self, array):
        self.pages = MappedPages.of(array)
        self.unread = PART_BYTES

    def read(self, rows):
        """Count ``rows`` as read; release the pages once enough are.

        Parameters
        ----------
        rows : slice or ndarray of int
            Rows read one after another: a slice with a start and a stop, or
            ascending indices, counted from the first to the last, as a
            read maps every page between them.
        """
        if self.pages is None:
            return
        if isinstance(rows, slice):
            span = rows.stop - rows.start
        else:
            span = int(rows[-1] - rows[0]) + 1 if rows.size else 0
        self.unread -= span * self.pages.row_bytes
        if self.unread <= 0:
            self.pages.release()
            self.unread = PART_BYTES


def epoch_parts(data, order, batch_size, *, split_batches):
    """The parts to run an epoch over the training rows ``data`` in, with what each reads.

    An epoch over an ``X`` that is not memory-mapped is one part. Over a
    mapped ``X``, in the order the rows lie (``order`` None), each part
    reads about :data:`PART_BYTES` of ``X`` in place; in a shuffled order,
    each part is as many whole batches, whose rows are copied into a buffer
    first (see the module's description). ``X``'s pages are released after
    each part.

    Parameters
    ----------
    data : TrainingRows
    order : ndarray of int or None
        The epoch's order of the training rows; None visits them in turn.
    batch_size : int
    split_batches : bool
        Whether a part may end inside a batch (its sums carried over to the
        next part by the caller). Where not, an epoch in the order the rows
        lie is one part, whose batches must release pages themselves.

    Yields
    ------
    first, stop : int
        The positions of the epoch's order in the part.
    rows : TrainingRows
        ``data``, or the part's rows in a buffer (see
        :meth:`~sklearn_adam._objective._rows.TrainingRows.part`).
    """
    n_positions = data.n_samples
    pages = MappedPages.of(data.X)
    if pages is None or (order is None and not split_batches):
        yield 0, n_positions, data
        return
    X = data.X
    if order is None:
        step = pages.rows_per_part
        for first in range(0, n_positions, step):
            yield first, min(first + step, n_positions), data
            pages.release()
        return
    # Whole batches of about PART_BYTES of copied rows.
    step = max(1, PART_BYTES // (X.dtype.itemsize * X.shape[1]) // batch_size) * batch_size
    buffer = np.empty((min(step, n_positions), X.shape[1]), dtype=X.dtype)
    # Training rows outside the part lead to rows of the buffer (zero, or
    # left from an earlier part), which only a look ahead may touch.
    buffer_rows = np.zeros(n_positions, dtype=np.intp)
    for first in range(0, n_positions, step):
        stop = min(first + step, n_positions)
        training_rows = order[first:stop]
        visited = training_rows if data.rows is None else data.rows[training_rows]
        picked = np.sort(visited)
        _read_rows(X, picked, buffer[: stop - first], pages)
        buffer_rows[training_rows] = np.searchsorted(picked, visited)
        yield first, stop, data.part(buffer[: stop - first], buffer_rows, picked)


def batch_starts(data, order, batch_size):
    """The first position of each batch of an epoch, and where to read the batch.

    Parameters
    ----------
    data : TrainingRows
    order : ndarray of int or None
    batch_size : int

    Yields
    ------
    start : int
    rows : TrainingRows
        See :func:`epoch_parts`, whose parts here end at batches' ends.
    """
    for first, stop, rows in epoch_parts(data, order, batch_size, split_batches=False):
        for start in range(first, stop, batch_size):
            yield start, rows


def _read_rows(X, rows, out, pages):
    """Copy ``X[rows]`` into ``out``, ``rows`` ascending, releasing every part's span."""
    span = pages.rows_per_part
    start = 0
    while start < rows.size:
        stop = int(np.searchsorted(rows, rows[start] + span))
        # mode="clip" (the rows are in range) spares numpy a buffer for "out".
        np.take(X, rows[start:stop], axis=0, out=out[start:stop], mode="clip")
        pages.release()
        start = stop


def _byte_bounds(array):
    """The addresses of the first byte of ``array`` and one past its last."""
    low = high = array.__array_interface__["data"][0]
    for length, stride in zip(array.shape, array.strides):
        extent = (length - 1) * stride
        if extent < 0:
            low += extent
        else:
            high += extent
    return low, high + array.itemsize


def _address_and_size(mapping):
    """Where ``mapping`` starts in memory, and its length in bytes."""
    view = np.frombuffer(mapping, dtype=np.uint8)
    address, size = view.__array_interface__["data"][0], view.size
    del view  # a buffer exported from a mapping keeps it from being closed
    return address, size
