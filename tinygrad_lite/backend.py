"""The only module that knows NumPy from CuPy: device objects and the array module per device."""
import functools

import numpy as np

try:  # CuPy is optional; without it (or without a GPU) only the CPU device exists
    import cupy as _cupy
except Exception:  # pragma: no cover - depends on the machine
    _cupy = None


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

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
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


@functools.lru_cache(maxsize=4096)
def contiguous_strides(shape):
    """Row-major element strides for `shape` (a tuple), as torch computes them."""
    strides, acc = [], 1
    for n in reversed(shape):
        strides.append(acc)
        acc *= max(n, 1)
    return tuple(reversed(strides))


def to_host(array):
    return array if isinstance(array, np.ndarray) else _cupy.asnumpy(array)


def to_device(array, dev):
    xp = xp_for(dev)
    if xp is np:
        return to_host(array)
    with _cupy.cuda.Device(dev.index or 0):
        return _cupy.asarray(array)
