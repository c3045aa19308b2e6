"""Tensor creation: tensor/as_tensor/from_numpy, factories, random factories, cat/stack."""
import math

import numpy as np

from . import backend
from . import dtypes as _dt
from .storage import Storage
from .tensor import Tensor, _shape_arg


def _infer_dtype(arr, data):
    """torch's dtype for Python data: floats -> default dtype, ints -> int64, bools -> bool."""
    kind = arr.dtype.kind
    if kind == "b":
        return _dt.bool_
    if kind in "iu":
        return _dt.int64
    if kind == "f":
        return _dt.get_default_dtype()
    if data is None:
        raise RuntimeError("Could not infer dtype of NoneType")
    if kind == "O" or kind in "USV":
        raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
    if kind == "c":
        raise TypeError("complex tensors are not supported by tinygrad_lite")
    raise TypeError(f"can't convert {arr.dtype} to a tensor")


def _to_plain(data):
    """Nested data with tensors and NumPy scalars replaced by Python values or lists."""
    if isinstance(data, Tensor):
        return data.tolist()
    if isinstance(data, (list, tuple)):
        return [_to_plain(d) for d in data]
    return data


def _host_array(data):
    """(NumPy array, dtype) for `data`, following torch.tensor's inference."""
    if isinstance(data, Tensor):
        return backend.to_host(data._arr), data._dtype
    if isinstance(data, np.ndarray):
        return data, _dt.from_numpy(data.dtype)
    if isinstance(data, np.generic):
        return np.asarray(data), _dt.from_numpy(data.dtype)
    if hasattr(data, "__cuda_array_interface__"):
        host = backend.to_host(data)
        return host, _dt.from_numpy(host.dtype)
    if isinstance(data, (list, tuple)) and any(isinstance(d, (Tensor, list, tuple)) for d in data):
        _check_ragged(data)
        data = _to_plain(data)
    try:
        arr = np.array(data)
    except ValueError as e:
        raise ValueError(str(e)) from None
    if arr.dtype.kind == "f" and arr.ndim > 1 and arr.size and arr.max() >= 2.0 ** 63:
        ints = np.array(data, dtype=object)  # NumPy reads int64 rows beside uint64 rows as floats
        if _leaves_are_numbers(ints) and not any(isinstance(v, float) for v in ints.flat):
            return ints, _dt.int64
    if arr.dtype.kind == "O":
        _check_ragged(data)
        if _leaves_are_numbers(arr):  # ints beyond 64 bits: torch reads them as float or int64
            return arr, _dt.get_default_dtype() if any(
                isinstance(v, float) for v in arr.flat) else _dt.int64
    return arr, _infer_dtype(arr, data)


def _with_grad(out, requires_grad):
    """A factory's result, made to require grad when asked (torch's factory message otherwise)."""
    if requires_grad:
        if not out._dtype.is_floating_point:
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        out.requires_grad = True
    return out


def _leaves_are_numbers(arr):
    return all(type(v) in (int, float, bool) for v in arr.flat)


def _python_values(arr, dtype):
    """Python data (as NumPy read it) for `dtype`, checked as torch stores Python numbers: an int
    must fit in int64 (Python's ValueError otherwise), an integer dtype takes only values in its
    range (uint8 also lets -255..-1 wrap around; floats are truncated, NaN and inf refused), and
    a float dtype reads ints as doubles."""
    if dtype.is_floating_point:  # (float() raises Python's OverflowError past the double range)
        return np.array([float(v) for v in arr.flat]).reshape(arr.shape) if arr.dtype.kind == "O" else arr
    name = dtype.name
    if dtype is _dt.bool_:  # any nonzero number is True
        return arr
    if arr.dtype.kind in "Ou":  # NumPy kept ints beyond int64 as objects or uint64
        raise ValueError("Overflow when unpacking long long")
    if name == "int64" and arr.dtype.kind != "f":  # (NumPy read them as int64: in range)
        return arr
    info = np.iinfo(dtype.np)
    low, high = info.min, info.max
    if low == 0 and arr.dtype.kind != "f":
        low = -high  # (an int wraps into an unsigned type from -max on; a float never does)
    if arr.size and not (low <= arr.min() and arr.max() <= high):  # (NaN fails both)
        raise RuntimeError(f"value cannot be converted to type {name} without overflow")
    return arr


def _check_ragged(data, dim=0):
    if isinstance(data, (list, tuple)) and data:
        lengths = [len(d) if isinstance(d, (list, tuple)) else (d.shape[0] if isinstance(d, Tensor) and d.ndim else None)
                   for d in data]
        first = lengths[0]
        for n in lengths[1:]:
            if n != first:
                raise ValueError(f"expected sequence of length {first} at dim {dim + 1} (got {n})")
        for d in data:
            if isinstance(d, (list, tuple)):
                _check_ragged(d, dim + 1)


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor holding a copy of `data` (lists, numbers, NumPy arrays, tensors)."""
    if isinstance(data, Tensor):
        import warnings
        warnings.warn("To copy construct from a tensor, it is recommended to use "
                      "sourceTensor.detach().clone() or sourceTensor.detach().clone()."
                      "requires_grad_(True), rather than torch.tensor(sourceTensor).",
                      UserWarning, stacklevel=2)
    arr, inferred = _host_array(data)
    dtype = _dt.as_dtype(dtype) or inferred
    device = backend.as_device(device) if device is not None else (
        data.device if isinstance(data, Tensor) else backend.get_default_device())
    if not isinstance(data, (Tensor, np.ndarray, np.generic)) and arr.dtype.kind in "iufO":
        arr = _python_values(arr, dtype)
    arr = np.array(arr, dtype=dtype.np, copy=True, order="C")
    out = Tensor._make(backend.to_device(arr, device) if device.type != "cpu" else arr, device)
    return _with_grad(out, requires_grad)


def as_tensor(data, dtype=None, device=None):
    """Share memory with `data` when it is a tensor or NumPy array of the right dtype/device."""
    dtype = _dt.as_dtype(dtype)
    if isinstance(data, Tensor):
        return data.to(dtype=dtype or data._dtype, device=device or data.device)
    if isinstance(data, np.ndarray) and (device is None or backend.as_device(device).type == "cpu"):
        t = from_numpy(data)
        return t if dtype is None or dtype is t._dtype else t.to(dtype)
    return tensor(data, dtype=dtype, device=device)


asarray = as_tensor


def from_numpy(array):
    """A tensor sharing memory with a NumPy array (writes are seen on both sides)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    dtype = _dt.from_numpy(array.dtype)
    flat, strides = backend.flat_buffer(array)
    t = Tensor.__new__(Tensor)
    t._storage = Storage(flat, backend.CPU)
    t._shape, t._stride, t._offset, t._dtype = array.shape, strides, 0, dtype
    t._arr = backend.strided_view(flat, array.shape, strides, 0)
    return t


def _factory(shape, fill, dtype, device, requires_grad):
    dtype = _dt.as_dtype(dtype) or (_dt.scalar_dtype(fill) if fill is not None and not isinstance(fill, float)
                                    else _dt.get_default_dtype())
    device = backend.as_device(device)
    xp = backend.xp_for(device)
    shape = tuple(int(s) for s in shape)
    for s in shape:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: [{', '.join(map(str, shape))}]")
    arr = xp.empty(shape, dtype.np) if fill is None else xp.full(shape, fill, dtype.np)
    out = Tensor._make(arr, device)
    return _with_grad(out, requires_grad)


def zeros(*size, dtype=None, device=None, requires_grad=False, out=None):
    shape = _shape_arg(size)
    if any(int(s) < 0 for s in shape):  # (zeros checks with a message of its own)
        raise RuntimeError("zeros: Dimension size must be non-negative.")
    return _factory(shape, 0, dtype or _dt.get_default_dtype(), device, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False, out=None):
    return _factory(_shape_arg(size), 1, dtype or _dt.get_default_dtype(), device, requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _factory(_shape_arg(size), None, dtype or _dt.get_default_dtype(), device, requires_grad)


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False):
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    return _factory(_shape_arg((size,)) if not isinstance(size, int) else (size,), fill_value,
                    dtype, device, requires_grad)


def _like(fn):
    def like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None, **kw):
        out = fn(input._shape, dtype=dtype or input._dtype, device=device or input.device, **kw)
        out = _laid_out_like(out, input)
        return _with_grad(out, requires_grad)
    return like


def _laid_out_like(out, like):
    """`out` in like's memory layout (torch's *_like preserve it, as empty_like)."""
    if like.is_contiguous():
        return out
    from .ops.movement import dense_strides
    return Tensor._make(backend.copy_with_strides(out._arr, dense_strides(like)), out.device)


zeros_like, ones_like, empty_like = _like(zeros), _like(ones), _like(empty)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    out = _laid_out_like(full(input._shape, fill_value, dtype=dtype or input._dtype,
                              device=device or input.device), input)
    return _with_grad(out, requires_grad)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False):
    for name, size in (("n", n), ("m", m)):
        if size is not None and size < 0:
            raise RuntimeError(f"{name} must be greater or equal to 0, got {size}")
    dtype = _dt.as_dtype(dtype) or _dt.get_default_dtype()
    device = backend.as_device(device)
    out = Tensor._make(backend.xp_for(device).eye(n, m, dtype=dtype.np), device)
    return _with_grad(out, requires_grad)


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    """torch.arange: int64 for integer arguments, the default float type otherwise."""
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    start, end, step = vals
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if not all(math.isfinite(v) for v in (start, end)):
        raise RuntimeError(f"unsupported range: {start} -> {end}")
    if (end - start) / step < 0:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    if dtype is None:
        dtype = _dt.int64 if all(isinstance(v, int) for v in vals) else _dt.get_default_dtype()
    dtype = _dt.as_dtype(dtype)
    n = int(math.ceil((end - start) / step))
    # torch computes start + i * step in double (for float results) or int64
    if dtype.is_floating_point:
        arr = (start + np.arange(n, dtype=np.float64) * step).astype(dtype.np)
    else:
        arr = (start + np.arange(n, dtype=np.int64) * step).astype(dtype.np)
    return _place(arr, device, requires_grad)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False):
    """torch.linspace: the first half counts up from start, the second half down from end."""
    dtype = _dt.as_dtype(dtype) or _dt.get_default_dtype()
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    acc = np.float64 if dtype is _dt.float64 or not dtype.is_floating_point else dtype.np.type
    if steps == 1:
        arr = np.array([start], dtype=acc)
    else:
        step = (acc(end) - acc(start)) / acc(steps - 1) if steps > 1 else acc(0)
        idx = np.arange(steps, dtype=acc)
        half = steps // 2
        arr = np.where(idx < half, acc(start) + step * idx, acc(end) - step * (steps - 1 - idx)).astype(acc)
    return _place(arr.astype(dtype.np), device, requires_grad)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False):
    lin = linspace(start, end, steps, dtype=_dt.float64)
    dtype = _dt.as_dtype(dtype) or _dt.get_default_dtype()
    return _place((base ** lin._arr).astype(dtype.np), device, requires_grad)


def _place(arr, device, requires_grad):
    device = backend.as_device(device)
    out = Tensor._make(backend.to_device(arr, device) if device.type != "cpu" else arr, device)
    return _with_grad(out, requires_grad)


# random factories ----------------------------------------------------------------------
def _gen(generator):
    from . import random as _random
    return generator if generator is not None else _random.default_generator


def _random_factory(sample, size, dtype, device, requires_grad, generator):
    from . import random as _random
    shape = _shape_arg(size)
    dtype = _dt.as_dtype(dtype) or _dt.get_default_dtype()
    arr = sample(_random, _gen(generator), shape, dtype.np)
    return _place(arr, device, requires_grad)


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    return _random_factory(lambda r, g, s, d: r.uniform(g, s, d), size, dtype, device, requires_grad, generator)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    return _random_factory(lambda r, g, s, d: r.normal(g, s, d), size, dtype, device, requires_grad, generator)


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    from . import random as _random
    if high is None:
        low, high = 0, low
    dtype = _dt.as_dtype(dtype) or _dt.int64
    arr = _random.randint(_gen(generator), low, high, tuple(size), dtype.np)
    return _place(arr, device, requires_grad)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    from . import random as _random
    dtype = _dt.as_dtype(dtype) or _dt.int64
    return _place(_random.randperm(_gen(generator), n, dtype.np), device, requires_grad)


def rand_like(input, *, dtype=None, device=None, requires_grad=False, generator=None):
    return rand(input._shape, dtype=dtype or input._dtype, device=device or input.device,
                requires_grad=requires_grad, generator=generator)


def randn_like(input, *, dtype=None, device=None, requires_grad=False, generator=None):
    return randn(input._shape, dtype=dtype or input._dtype, device=device or input.device,
                 requires_grad=requires_grad, generator=generator)


def randint_like(input, low=0, high=None, *, dtype=None, device=None, requires_grad=False):
    return randint(low, high, input._shape, dtype=dtype or input._dtype, device=device or input.device)


def normal(mean, std, size=None, *, generator=None, dtype=None, device=None):
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        shape = mean._shape if isinstance(mean, Tensor) else std._shape
        noise = randn(shape, generator=generator, dtype=(mean if isinstance(mean, Tensor) else std)._dtype)
        return noise * std + mean
    out = empty(size, dtype=dtype, device=device)
    return out.normal_(mean, std, generator=generator)


def bernoulli(input, p=None, *, generator=None):
    return input.bernoulli(p, generator=generator)


def multinomial(input, num_samples, replacement=False, *, generator=None):
    return input.multinomial(num_samples, replacement, generator=generator)


# joining -------------------------------------------------------------------------------
def cat(tensors, dim=0, *, out=None):
    from .ops.movement import Cat
    if isinstance(tensors, Tensor):
        raise TypeError("cat(): argument 'tensors' (position 1) must be tuple of Tensors, not Tensor")
    return Cat.apply(dim, *tensors)


concat = concatenate = cat


def stack(tensors, dim=0, *, out=None):
    from .ops.movement import Stack
    if isinstance(tensors, Tensor):
        raise TypeError("stack(): argument 'tensors' (position 1) must be tuple of Tensors, not Tensor")
    return Stack.apply(dim, *tensors)


def hstack(tensors):
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors):
    return cat([t.reshape(1, -1) if t.ndim == 1 else t for t in tensors], 0)


def _legacy_new(args, device):
    """torch.Tensor(...) legacy constructor: sizes -> uninitialised float tensor; data -> copy."""
    if not args:
        return empty(0, device=device)
    if len(args) == 1 and not isinstance(args[0], int):
        if isinstance(args[0], Tensor):
            return args[0]
        return tensor(args[0], dtype=_dt.get_default_dtype(), device=device)
    return zeros(*args, device=device)


def from_dlpack(ext_tensor):
    """A tensor sharing memory with any DLPack producer (NumPy, CuPy, torch)."""
    device_type, index = ext_tensor.__dlpack_device__()
    if int(device_type) == 1:  # kDLCPU
        return from_numpy(np.from_dlpack(ext_tensor))
    xp = backend.xp_for(backend.device("cuda", index))
    return Tensor._make(xp.from_dlpack(ext_tensor), backend.device("cuda", index))
