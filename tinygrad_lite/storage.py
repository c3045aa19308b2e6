"""Storage: one flat 1-D array on one device, plus the version counter of everything on it."""
from . import backend


class Storage:
    """A flat buffer shared by a tensor and all of its views.

    `version` counts in-place writes to the buffer (through any view); autograd compares it with
    the version recorded when a tensor was saved for backward.
    """

    __slots__ = ("data", "device", "version", "__weakref__")

    def __init__(self, data, device=backend.CPU):
        self.data = data
        self.device = device
        self.version = 0

    def size(self):
        return int(self.data.size)

    def __len__(self):
        return int(self.data.size)

    def nbytes(self):
        return int(self.data.nbytes)

    def data_ptr(self):
        return _address(self.data)

    def tolist(self):
        return backend.to_host(self.data).tolist()

    def __getitem__(self, i):
        return self.data[i].item() if isinstance(i, int) else self.data[i].tolist()

    def __iter__(self):
        return iter(self.tolist())

    def __repr__(self):
        values = "\n".join(f" {v}" for v in self.tolist())
        from .dtypes import from_numpy
        return (f"{values}\n[tinygrad_lite.storage.TypedStorage(dtype={from_numpy(self.data.dtype)!r}, "
                f"device={self.device}) of size {self.size()}]")


def _address(array):
    if hasattr(array, "__array_interface__"):
        return array.__array_interface__["data"][0]
    return array.data.ptr
