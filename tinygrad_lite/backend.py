"""The only module that knows NumPy from CuPy: device objects and the array module per device."""
import ctypes
import os
import sys

import numpy as np

try:  # CuPy is optional; without it (or without a GPU) only the CPU device exists
    import cupy as _cupy
except Exception:  # pragma: no cover - depends on the machine
    _cupy = None


def _steady_malloc():
    """Fix glibc malloc's trim and mmap thresholds for this process; True when set.

    By default glibc returns freed memory at the top of its heap to the OS once it exceeds a
    threshold it keeps adjusting, so a chain of ops on large arrays, whose graph frees several of
    them at once each step, gets fresh pages from the kernel (zeroed, one fault per 4 KiB) every
    step: measured on 10^6-element chains, 2.8x slower than with the thresholds fixed (and randn
    2x). Fixed: blocks under 32 MiB come from the heap, and up to 256 MiB of freed heap is kept for
    reuse. TINYGRAD_LITE_MALLOC=default leaves glibc as it is."""
    if os.environ.get("TINYGRAD_LITE_MALLOC", "steady") != "steady" or not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):  # not glibc
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3
    return bool(mallopt(m_trim_threshold, 256 << 20)) and bool(mallopt(m_mmap_threshold, 32 << 20))


STEADY_MALLOC = _steady_malloc()


class device:
    """A device, as torch.device: device('cpu'), device('cuda:0'), device('cuda', 1)."""

    __slots__ = ("type", "index")

    def __init__(self, type, index=None):
        if isinstance(type, device):
            type, index = type.type, type.index
        elif isinstance(type, str) and ":" in type:
            type, _, idx = type.partition(":")
            if not idx.isdigit():
                raise RuntimeError(f"Invalid device string: '{type}:{idx}'")
            index = int(idx)
        if type not in ("cpu", "cuda"):
            raise RuntimeError(
                "Expected one of cpu, cuda device type at start of device string: " + str(type))
        self.type = type
        self.index = index

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):  # as torch's: a device never equals a string
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))


CPU = device("cpu")
_default_device = CPU


def as_device(dev):
    """Normalise None / str / int / device to a device object (None -> the default device)."""
    if dev is None:
        return _default_device
    if isinstance(dev, device):
        return dev
    if isinstance(dev, int):
        return device("cuda", dev)
    return device(dev)


def set_default_device(dev):
    global _default_device
    _default_device = as_device(dev) if dev is not None else CPU


def get_default_device():
    return _default_device


def cuda_available():
    if _cupy is None:
        return False
    try:
        return _cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False


def xp_for(dev):
    """The array module (numpy or cupy) that holds arrays for `dev`."""
    if dev.type == "cpu":
        return np
    if not cuda_available():
        raise RuntimeError("Found no NVIDIA driver on your system. CUDA is not available "
                           "(tinygrad_lite needs CuPy and a GPU for device='cuda').")
    return _cupy


def xp_of(array):
    """The array module an array belongs to (cupy arrays are not numpy arrays)."""
    return np if isinstance(array, np.ndarray) or _cupy is None else _cupy.get_array_module(array)


def strided_view(flat, shape, strides, offset):
    """An ndarray over the flat storage `flat` with element strides and offset (no copy)."""
    itemsize = flat.itemsize
    bstrides = tuple(s * itemsize for s in strides)
    if 0 in shape:  # an empty view addresses no element: its offset may lie past the end
        offset = 0
    if isinstance(flat, np.ndarray):
        return np.ndarray(shape, flat.dtype, flat, offset * itemsize, bstrides)
    return _cupy.ndarray(shape, flat.dtype, flat.data + offset * itemsize, bstrides)


def flat_buffer(array):
    """(flat 1-D array over `array`'s memory, element strides) for a positive-strided array."""
    itemsize = array.itemsize
    if array.flags.c_contiguous:
        return array.reshape(-1), contiguous_strides(array.shape)
    strides = tuple(s // itemsize for s in array.strides)
    if any(s < 0 for s in strides) or any(s % itemsize for s in array.strides):
        raise ValueError("At least one stride in the given numpy array is negative, and tensors "
                         "with negative strides are not currently supported. (You can probably "
                         "work around this by making a copy of your array  with array.copy().) ")
    span = 1 + sum((n - 1) * s for n, s in zip(array.shape, strides)) if array.size else 0
    xp = xp_of(array)
    flat = xp.lib.stride_tricks.as_strided(array, (span,), (itemsize,))
    return flat, strides


def pointwise_strides(shape, operands):
    """The element strides torch's TensorIterator gives the result of an elementwise op.

    `operands` are the inputs' (shape, strides), broadcastable to `shape`. Same-shaped operands
    that are all contiguous, or all dense with equal strides, pass their layout on. Otherwise the
    dims are sorted fastest-first by the first operand whose strides tell them apart (a broadcast
    dim tells nothing; at equal strides the smaller dim goes first), and the result is dense in
    that order.
    """
    ndim = len(shape)
    if operands and all(tuple(s) == tuple(shape) for s, _ in operands):
        if all(_is_contiguous(s, st) for s, st in operands):
            return contiguous_strides(tuple(shape))
        if all(_is_dense(s, st) and tuple(st) == tuple(operands[0][1]) for s, st in operands):
            return tuple(operands[0][1])
    full = []
    for s, st in operands:
        lead = ndim - len(s)
        full.append([0] * lead + [0 if n == 1 and shape[lead + i] != 1 else t
                                  for i, (n, t) in enumerate(zip(s, st))])

    def should_swap(d0, d1):
        for st in full:
            if st[d0] == 0 or st[d1] == 0:
                continue
            if st[d0] != st[d1]:
                return 1 if st[d0] > st[d1] else -1
            if shape[d0] > shape[d1]:
                return 1
        return 0

    perm = list(range(ndim - 1, -1, -1))  # fastest dim first
    for i in range(1, ndim):  # insertion sort that leaves ambiguous pairs in place
        d1 = i
        for d0 in range(i - 1, -1, -1):
            cmp = should_swap(perm[d0], perm[d1])
            if cmp > 0:
                perm[d0], perm[d1] = perm[d1], perm[d0]
                d1 = d0
            elif cmp < 0:
                break
    strides, acc = [0] * ndim, 1
    for d in perm:
        strides[d] = acc
        acc *= shape[d]
    return tuple(strides)


def _is_contiguous(shape, strides):
    expected = 1
    for n, s in zip(reversed(shape), reversed(strides)):
        if n == 0:
            return True
        if n != 1:
            if s != expected:
                return False
            expected *= n
    return True


def _is_dense(shape, strides):
    """Non-overlapping and dense (torch's is_non_overlapping_and_dense)."""
    expected = 1
    for s, n in sorted((s, n) for s, n in zip(strides, shape) if n != 1):
        if n == 0:
            return True
        if s != expected:
            return False
        expected *= n
    return True


def with_strides(array, strides):
    """`array`'s values in a fresh array with the given (dense) element strides, or `array` itself
    when its layout already matches on every dim longer than 1."""
    own = tuple(s // array.itemsize for s in array.strides)
    if all(n == 1 or a == b for n, a, b in zip(array.shape, own, strides)):
        return array
    return copy_with_strides(array, strides)


_CHANNELS_LAST_ORDER = {4: (1, 3, 2, 0), 5: (1, 4, 3, 2, 0)}  # dims by increasing stride


def is_channels_last(shape, strides):
    """Whether torch's suggest_memory_format picks channels-last (3d) for a 4-D (5-D) tensor with
    these strides (c10's is_channels_last_strides_2d/3d, ambiguous cases resolved as it does)."""
    order = _CHANNELS_LAST_ORDER.get(len(shape))
    if order is None or strides[1] == 0:
        return False
    smallest = 0
    for d in order:
        if shape[d] == 0 or strides[d] < smallest or (d == 0 and smallest == strides[1]):
            return False
        smallest = strides[d] * shape[d] if shape[d] > 1 else strides[d]
    return True


def channels_last_strides(shape):
    """Channels-last (3d) element strides for a 4-D (5-D) shape."""
    out, acc = [0] * len(shape), 1
    for d in _CHANNELS_LAST_ORDER[len(shape)]:
        out[d] = acc
        acc *= max(shape[d], 1)
    return tuple(out)


def preserved_strides(shape, strides):
    """The strides torch's empty_like (preserve_format) gives a tensor of this layout: a dense
    layout is kept, another one becomes dense keeping the order of the dims."""
    return tuple(strides) if _is_dense(shape, strides) else pointwise_strides(shape, [(shape, strides)])


def clone_preserving(array, dtype=None):
    """A copy (cast to `dtype` if given) laid out as torch's clone() / to() (empty_like) lay it
    out."""
    strides = tuple(s // array.itemsize for s in array.strides)
    if _is_dense(array.shape, strides):
        return array.astype(dtype or array.dtype, order="K")
    return copy_with_strides(array, preserved_strides(array.shape, strides), dtype)


def copy_with_strides(array, strides, dtype=None):
    """A copy of `array` (cast to `dtype` if given) in a fresh array with the given (dense)
    element strides."""
    xp = xp_of(array)
    dtype = xp.dtype(dtype or array.dtype)
    out = xp.lib.stride_tricks.as_strided(xp.empty(array.size, dtype), array.shape,
                                          tuple(s * dtype.itemsize for s in strides))
    out[...] = array
    return out


def contiguous(array):
    """`array` as a C-contiguous array (itself when it already is; 0-d stays 0-d, unlike
    ascontiguousarray)."""
    if type(array) is np.ndarray and array.flags.c_contiguous:
        return array
    xp = xp_of(array)
    array = xp.asarray(array)
    return array if array.flags.c_contiguous else xp.ascontiguousarray(array)


def contiguous_strides(shape):
    """Row-major element strides for `shape` (a tuple), as torch computes them (memoised: every
    new tensor asks, and a dict lookup is the cheapest answer)."""
    strides = _STRIDES.get(shape)
    if strides is None:
        acc, reverse = 1, []
        for n in reversed(shape):
            reverse.append(acc)
            acc *= max(n, 1)
        strides = tuple(reversed(reverse))
        if len(_STRIDES) > 4096:
            _STRIDES.clear()
        _STRIDES[shape] = strides
    return strides


_STRIDES = {}


def matmul2d(x, y):
    """x @ y for matrices, as a C-contiguous array. OpenBLAS runs a few-row x times a transposed
    y (a Linear layer's x @ W.T) about 1.5x slower than the same product transposed
    (W @ x.T).T, so small row counts take that route (measured in benchmarks/, MLP batch 32)."""
    if (type(x) is np.ndarray and 2 <= x.shape[0] <= 64 and y.shape[1] >= 64
            and x.flags.c_contiguous and y.flags.f_contiguous and not y.flags.c_contiguous):
        return np.ascontiguousarray(np.matmul(y.T, x.T).T)
    return x @ y


def to_host(array):
    return array if isinstance(array, np.ndarray) else _cupy.asnumpy(array)


def to_device(array, dev):
    xp = xp_for(dev)
    if xp is np:
        return to_host(array)
    with _cupy.cuda.Device(dev.index or 0):
        return _cupy.asarray(array)
