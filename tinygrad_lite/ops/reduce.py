"""Reductions (sum, mean, prod, max/min, var/std, norm) and the normalisers softmax/logsumexp."""
import warnings
import collections

import numpy as np

from .. import backend
from .. import dtypes as _dt
from ..autograd.function import Function, plain_arrays
from ..tensor import Tensor, _wrap_dim
from .movement import expand_geometry, view_geometry


def norm_dims(dim, ndim):
    """A sorted tuple of wrapped dims; None (or an empty list) means every dim."""
    if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):
        return tuple(range(ndim))
    if isinstance(dim, (tuple, list)):
        dims = [_wrap_dim(d, ndim) for d in dim]
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"dim {dims[0]} appears multiple times in the list of dims")
        return tuple(sorted(dims))
    return (_wrap_dim(dim, ndim),)


def grad_to_input(grad, in_shape, dims, keepdim):
    """Broadcast a reduced gradient back over the reduced dims."""
    return keep_dims(grad, in_shape, dims, keepdim).expand(in_shape)


def keep_dims(t, in_shape, dims, keepdim):
    """A reduced tensor with its reduced dims back as size 1 (torch's unsqueeze_multiple): it
    then broadcasts against the input, which is the order of operations of torch's formulas."""
    if keepdim or not in_shape:
        return t
    return t.reshape(_kept_shape(in_shape, dims))


def _kept_shape(in_shape, dims):
    shape = list(in_shape)
    for d in dims:
        shape[d] = 1
    return shape


def _axis(dims, ndim):
    return dims if ndim else None


def _acc_dtype(a, dtype):
    if dtype is not None:
        return _dt.as_dtype(dtype)
    return a._dtype if a._dtype.is_floating_point else _dt.int64


def _setup(ctx, a, dim, keepdim, name_with_dim):
    """Record what a reduction's backward needs (a given dim renames its node); the dims."""
    if dim is not None:
        ctx.name_ = name_with_dim
    dims = norm_dims(dim, a.ndim)
    ctx.in_shape, ctx.dims, ctx.keepdim = a._shape, dims, keepdim
    return dims


def sum_array(arr, axis, keepdim, out_dtype):
    """Sum's array: float16 accumulated in float32, as torch's."""
    acc = _dt.float32.np if out_dtype is _dt.float16 else out_dtype.np
    # np.add.reduce is what ndarray.sum runs, called from here so that a NaN from inf - inf warns
    # from this module, which the package silences (torch never warns)
    out = np.add.reduce(arr, axis=axis, dtype=acc, keepdims=keepdim) if type(arr) is np.ndarray \
        else arr.sum(axis=axis, keepdims=keepdim, dtype=acc)
    if type(out) is not np.ndarray:
        out = backend.xp_of(arr).asarray(out)
    return backend.contiguous(out.astype(out_dtype.np, copy=False))


class Sum(Function):
    name_ = "SumBackward0"

    @staticmethod
    def forward(ctx, a, dim, keepdim, dtype=None):
        dims = _setup(ctx, a, dim, keepdim, "SumBackward1")
        return sum_array(a._arr, _axis(dims, a.ndim), keepdim, _acc_dtype(a, dtype))

    @staticmethod
    def backward(ctx, grad):
        return grad_to_input(grad, ctx.in_shape, ctx.dims, ctx.keepdim), None, None, None

    @staticmethod
    def array_backward(ctx, grad):
        expanded = _expanded_view(ctx, grad)
        return None if expanded is None else (expanded, None, None, None)


class Mean(Function):
    name_ = "MeanBackward0"

    @staticmethod
    def forward(ctx, a, dim, keepdim, dtype=None):
        out_dtype = _dt.as_dtype(dtype) or a._dtype
        if not out_dtype.is_floating_point:
            raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a "
                               "floating point or complex dtype. Got: "
                               + {"int64": "Long", "int32": "Int", "bool": "Bool", "uint8": "Byte",
                                  "int16": "Short", "int8": "Char"}[out_dtype.name])
        dims = _setup(ctx, a, dim, keepdim, "MeanBackward1")
        count = 1
        for d in dims:
            count *= a._shape[d] if a.ndim else 1
        ctx.count = count
        xp = backend.xp_of(a._arr)
        acc = _dt.float32.np if out_dtype is _dt.float16 else out_dtype.np
        with xp.errstate(all="ignore") if xp is not None and hasattr(xp, "errstate") else _null():
            total = xp.sum(a._arr, axis=_axis(dims, a.ndim), keepdims=keepdim, dtype=acc)
            out = xp.asarray(total / acc.type(count) if count else total * acc.type("nan"))
        return backend.contiguous(out.astype(out_dtype.np, copy=False))

    @staticmethod
    def backward(ctx, grad):
        return grad_to_input(grad, ctx.in_shape, ctx.dims, ctx.keepdim) / ctx.count, None, None, None

    @staticmethod
    def array_backward(ctx, grad):
        expanded = _expanded_view(ctx, grad)
        arrays = None if expanded is None else plain_arrays(expanded, ctx.count)
        return None if arrays is None else (arrays[0] / arrays[1], None, None, None)


def _expanded_view(ctx, grad):
    """grad_to_input's view of a contiguous gradient, made without recording (None otherwise)."""
    if not grad.is_contiguous():
        return None
    if not (ctx.keepdim or not ctx.in_shape):
        grad = view_geometry(grad, _kept_shape(ctx.in_shape, ctx.dims))
    return expand_geometry(grad, ctx.in_shape)


class _null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class Prod(Function):
    name_ = "ProdBackward0"

    @staticmethod
    def forward(ctx, a, dim, keepdim, dtype=None):
        dims = _setup(ctx, a, dim, keepdim, "ProdBackward1")
        out_dtype = _acc_dtype(a, dtype)
        xp = backend.xp_of(a._arr)
        out = Tensor._make(backend.contiguous(xp.prod(a._arr, axis=_axis(dims, a.ndim), keepdims=keepdim,
                                              dtype=out_dtype.np)))
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        if a.ndim == 0:  # the product of one number is that number
            return grad, None, None, None
        if not bool((a == 0).any()):
            return grad_to_input(grad * out, ctx.in_shape, ctx.dims, ctx.keepdim) / a, None, None, None
        # with zeros: the product of all the other elements, from exclusive cumulative products
        xp = backend.xp_of(a._arr)
        x = a._arr
        axes = ctx.dims if a.ndim else ()
        moved = xp.moveaxis(x, axes, tuple(range(-len(axes), 0))) if axes else x.reshape(1)
        lead = moved.shape[:moved.ndim - len(axes)]
        flat = moved.reshape(lead + (-1,))
        ones = xp.ones(lead + (1,), x.dtype)
        left = xp.cumprod(xp.concatenate([ones, flat[..., :-1]], -1), -1)
        right = xp.flip(xp.cumprod(xp.concatenate([ones, xp.flip(flat, -1)[..., :-1]], -1), -1), -1)
        others = (left * right).reshape(moved.shape)
        others = xp.moveaxis(others, tuple(range(-len(axes), 0)), axes) if axes else others.reshape(())
        g = grad_to_input(grad, ctx.in_shape, ctx.dims, ctx.keepdim)
        return g * Tensor._make(backend.contiguous(others)), None, None, None


ReturnTypes = {}


def return_type(name):
    """torch.return_types.<name>: a (values, indices) named tuple with torch's repr."""
    if name not in ReturnTypes:
        base = collections.namedtuple(name, ["values", "indices"])

        def __repr__(self):
            return f"torch.return_types.{name}(\nvalues={self.values!r},\nindices={self.indices!r})"
        ReturnTypes[name] = type(name, (base,), {"__repr__": __repr__, "__slots__": ()})
    return ReturnTypes[name]


def _check_nonempty(a, fn, dim):
    if a.numel() == 0 and (dim is None or a._shape[_wrap_dim(dim, a.ndim)] == 0):
        if dim is None:
            raise RuntimeError(f"{fn}(): Expected reduction dim to be specified for input.numel() "
                               "== 0. Specify the reduction dim with the 'dim' argument.")
        raise IndexError(f"{fn}(): Expected reduction dim {_wrap_dim(dim, a.ndim)} to have non-zero size.")


class MaxAll(Function):
    """max()/min()/amax()/amin(): ties share the gradient evenly, as torch."""

    name_ = "MaxBackward1"

    @staticmethod
    def forward(ctx, a, dim, keepdim, kind):
        fn = "max" if kind in ("max", "amax") else "min"
        if kind in ("max", "min"):
            _check_nonempty(a, kind, None)
            ctx.name_ = "MaxBackward1" if kind == "max" else "MinBackward1"
        else:
            ctx.name_ = "AmaxBackward0" if kind == "amax" else "AminBackward0"
            if dim is None or dim == ():
                _check_nonempty(a, kind, None)
            for d in norm_dims(dim, a.ndim):
                _check_nonempty(a, kind, d if a.ndim else None)
        dims = norm_dims(dim, a.ndim)
        ctx.in_shape, ctx.dims, ctx.keepdim = a._shape, dims, keepdim
        xp = backend.xp_of(a._arr)
        out = Tensor._make(backend.contiguous(getattr(xp, fn)(a._arr, axis=_axis(dims, a.ndim),
                                                                keepdims=keepdim)))
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        full = grad_to_input(out, ctx.in_shape, ctx.dims, ctx.keepdim)
        mask = (a == full).to(grad.dtype)
        count = grad_to_input(mask.sum(ctx.dims if a.ndim else None, keepdim=True), ctx.in_shape,
                              ctx.dims, True)
        g = grad_to_input(grad, ctx.in_shape, ctx.dims, ctx.keepdim)
        return g * mask / count, None, None, None


class MaxDim(Function):
    """max(dim)/min(dim): (values, indices); the gradient goes to the chosen index only."""

    name_ = "MaxBackward0"

    @staticmethod
    def forward(ctx, a, dim, keepdim, kind):
        ctx.name_ = "MaxBackward0" if kind == "max" else "MinBackward0"
        _check_nonempty(a, kind, dim)
        dim = _wrap_dim(dim, a.ndim)
        ctx.in_shape, ctx.dim, ctx.keepdim = a._shape, dim, keepdim
        xp = backend.xp_of(a._arr)
        if a.ndim == 0:
            idx = xp.zeros((), xp.int64)
            vals = a._arr.copy()
        else:
            idx = (xp.argmax if kind == "max" else xp.argmin)(a._arr, axis=dim, keepdims=True)
            nan_rows = xp.isnan(a._arr).any(axis=dim, keepdims=True) if a._dtype.is_floating_point else None
            if nan_rows is not None and nan_rows.any():
                idx = xp.where(nan_rows, xp.argmax(xp.isnan(a._arr), axis=dim, keepdims=True), idx)
            vals = xp.take_along_axis(a._arr, idx, axis=dim)
            if not keepdim:
                idx, vals = idx.squeeze(dim), vals.squeeze(dim)
        indices = Tensor._make(xp.asarray(idx, dtype=xp.int64))
        ctx.mark_non_differentiable(indices)
        ctx.save_for_backward(indices)
        return Tensor._make(backend.contiguous(vals)), indices

    @staticmethod
    def backward(ctx, grad, _):
        (indices,) = ctx.saved_tensors
        from .indexing import scatter_into_zeros
        return scatter_into_zeros(grad, indices, ctx.in_shape, ctx.dim, ctx.keepdim), None, None, None


def arg_reduce(a, dim, keepdim, kind):
    xp = backend.xp_of(a._arr)
    fn = xp.argmax if kind == "argmax" else xp.argmin
    if a.numel() == 0 and dim is None:
        raise IndexError(f"{kind}(): Expected reduction dim to be specified for input.numel() == 0.")
    if a.numel() == 0:
        _check_nonempty(a, kind, dim)
    if dim is None:
        out = fn(a._arr.reshape(-1))
        if keepdim:
            out = xp.asarray(out).reshape((1,) * a.ndim)
    else:
        d = _wrap_dim(dim, a.ndim)
        out = fn(a._arr, axis=d, keepdims=keepdim) if a.ndim else xp.zeros((), xp.int64)
    return Tensor._make(xp.asarray(out, dtype=xp.int64))


def out_numel(shape, dims):
    """The number of results of reducing `shape` over `dims`."""
    n = 1
    for d, size in enumerate(shape):
        if d not in dims:
            n *= size
    return n


class Var(Function):
    name_ = "VarBackward0"

    @staticmethod
    def forward(ctx, a, dim, correction, keepdim, take_sqrt):
        if not a._dtype.is_floating_point:
            raise RuntimeError("std and var only support floating point and complex dtypes")
        ctx.name_ = "StdBackward0" if take_sqrt else "VarBackward0"
        dims = norm_dims(dim, a.ndim)
        ctx.in_shape, ctx.dims, ctx.keepdim, ctx.correction = a._shape, dims, keepdim, correction
        ctx.all_dims = dim is None or a.ndim == 0
        n = 1
        for d in dims:
            n *= a._shape[d] if a.ndim else 1
        ctx.n = n
        if n - correction <= 0:
            warnings.warn(f"{'std' if take_sqrt else 'var'}(): degrees of freedom is <= 0. Correction should be strictly less "
                          "than the reduction factor (input numel divided by output numel).",
                          UserWarning, stacklevel=4)
        xp = backend.xp_of(a._arr)
        with xp.errstate(all="ignore"):  # n <= correction gives inf/nan, as torch
            # accumulated in float64 for float32 input, as torch's acc_type
            x = a._arr.astype(xp.float64) if a._dtype is _dt.float32 else a._arr
            axis = _axis(dims, a.ndim)
            # torch's two algorithms: a reduction to one number takes the mean in the input's
            # dtype, then sums squared deviations; along dims it runs Welford, which gives exactly
            # 0 for equal values (std's gradient there is then 0): a corrected mean does too
            if out_numel(a._shape, dims) <= 1:
                mean = a._arr.mean(axis=axis, keepdims=True).astype(x.dtype)
            else:
                mean = x.mean(axis=axis, keepdims=True)
                mean = mean + (x - mean).mean(axis=axis, keepdims=True)
            dev = x - mean
            out = xp.asarray((dev * dev).sum(axis=axis, keepdims=keepdim) / max(n - correction, 0))
            if take_sqrt:
                out = xp.sqrt(out)
        out = Tensor._make(backend.contiguous(out.astype(a._dtype.np, copy=False)))
        ctx.take_sqrt = take_sqrt
        ctx.save_for_backward(a, out if take_sqrt else None)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        if ctx.take_sqrt:  # torch's std_backward goes through var_backward
            grad = (grad / (out * 2)).masked_fill(out == 0, 0.0)
        g = keep_dims(grad, ctx.in_shape, ctx.dims, ctx.keepdim)
        dof = ctx.n - ctx.correction
        if ctx.all_dims and dof <= 0:
            # 2 / 0 times (a - mean): NaN where a equals its mean, infinity elsewhere, as torch
            inf, nan = a.new_full((), float("inf")), a.new_full((), float("nan"))
            return g * inf.where(a != a.mean(), nan), None, None, None, None
        centered = a - a.mean(ctx.dims if a.ndim else None, keepdim=True)
        scale = 2.0 / dof if dof else float("inf")  # C's 2.0 / 0, as torch computes it
        return g * scale * centered, None, None, None, None


class Norm(Function):
    name_ = "NormBackward0"

    @staticmethod
    def forward(ctx, a, p, dim, keepdim):
        if not a._dtype.is_floating_point:
            raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as "
                               f"input. Got {a._dtype.name.capitalize()}")
        if dim is not None:
            ctx.name_ = "NormBackward1"
        dims = norm_dims(dim, a.ndim)
        ctx.in_shape, ctx.dims, ctx.keepdim, ctx.p = a._shape, dims, keepdim, p
        if p in (float("inf"), float("-inf")) and any(a._shape[d] == 0 for d in dims if a.ndim):
            raise RuntimeError(f"linalg.vector_norm cannot compute the {p} norm on an empty tensor "
                               "because the operation does not have an identity")
        xp = backend.xp_of(a._arr)
        x = xp.abs(a._arr)
        axis = _axis(dims, a.ndim)
        if p == float("inf"):
            out = xp.max(x, axis=axis, keepdims=keepdim, initial=0)
        elif p == float("-inf"):
            out = xp.min(x, axis=axis, keepdims=keepdim)
        elif p == 0:
            out = xp.sum(x != 0, axis=axis, keepdims=keepdim).astype(x.dtype)
        elif p == 1:
            out = xp.sum(x, axis=axis, keepdims=keepdim)
        elif p == 2:
            out = xp.sqrt(xp.sum(x * x, axis=axis, keepdims=keepdim))
        else:
            out = xp.sum(x ** p, axis=axis, keepdims=keepdim) ** (1.0 / p)
        out = Tensor._make(backend.contiguous(xp.asarray(out).astype(a._dtype.np, copy=False)))
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        # torch's norm_backward, in its order of operations (the reduced dims kept as size 1)
        a, out = ctx.saved_tensors
        p = ctx.p
        g = keep_dims(grad, ctx.in_shape, ctx.dims, ctx.keepdim)
        norm = keep_dims(out, ctx.in_shape, ctx.dims, ctx.keepdim)
        if p == 0:
            return None, None, None, None
        if p == 1:
            return a.sign() * g, None, None, None
        if p == 2:
            return g * (a / norm).masked_fill(norm == 0, 0.0), None, None, None
        if p in (float("inf"), float("-inf")):  # ties share the gradient, as amax
            mask = (a.abs() == norm).to(a.dtype)
            return a.sign() * ((g / mask.sum(ctx.dims if a.ndim else None, keepdim=True)) * mask), \
                None, None, None
        if p < 1:
            scaled = (a.sign() * a.abs() ** (p - 1)).masked_fill(a == 0, 0.0)
            return scaled * g * norm ** (1 - p), None, None, None
        scaled = a.sign() * a.abs() ** (p - 1) if p < 2 else a * a.abs() ** (p - 2)
        return scaled * (g / norm ** (p - 1)).masked_fill(norm == 0, 0.0), None, None, None


class LogSumExp(Function):
    name_ = "LogsumexpBackward0"

    @staticmethod
    def forward(ctx, a, dim, keepdim):
        dims = norm_dims(dim, a.ndim)
        ctx.in_shape, ctx.dims, ctx.keepdim = a._shape, dims, keepdim
        xp = backend.xp_of(a._arr)
        x = a._arr if a._dtype.is_floating_point else a._arr.astype(_dt.get_default_dtype().np)
        axis = _axis(dims, a.ndim)
        m = xp.max(x, axis=axis, keepdims=True) if x.size else xp.zeros((1,) * x.ndim, x.dtype)
        m = xp.where(xp.isfinite(m), m, 0)
        with xp.errstate(all="ignore"):
            out = xp.log(xp.sum(xp.exp(x - m), axis=axis, keepdims=True)) + m
        if not keepdim:
            out = out.reshape([n for i, n in enumerate(x.shape) if i not in dims])
        out = Tensor._make(backend.contiguous(out.astype(x.dtype, copy=False)))
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        g = grad_to_input(grad, ctx.in_shape, ctx.dims, ctx.keepdim)
        return g * (a - grad_to_input(out, ctx.in_shape, ctx.dims, ctx.keepdim)).exp(), None, None


def _softmax_input(a, dtype, dim):
    arr = a._arr
    target = _dt.as_dtype(dtype) if dtype is not None else (
        a._dtype if a._dtype.is_floating_point else None)
    if target is None:
        from ..tensor import _TYPE_NAMES
        kernel = "softmax_lastdim_kernel_impl" if dim == a.ndim - 1 else "softmax_kernel_impl"
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_TYPE_NAMES[a._dtype.name]}'")
    return arr.astype(target.np, copy=False)


_BLOCK_BYTES = 1 << 20  # rows of one operand per block (measured: smaller blocks cost more calls)
_BLOCKED_MIN_BYTES = 1 << 23  # below this the whole-array passes stay in cache: blocks gain nothing


def _by_row_blocks(kernel, dim, *arrays):
    """kernel(xp, dim, *arrays, out=None, tmp=None): a computation along `dim` on same-shaped
    arrays; on large C-contiguous NumPy ones with `dim` last, evaluated block of rows by block of
    rows (into one preallocated output, with one scratch block), each pass over a block that is
    still in cache from the previous pass. A kernel returns None for a block it cannot compute
    exactly as one whole-array call would: then the whole arrays are, in one call."""
    x = arrays[0]
    if not (type(x) is np.ndarray and x.nbytes >= _BLOCKED_MIN_BYTES and dim == x.ndim - 1
            and x.dtype.char in "fd"
            and all(a.dtype == x.dtype and a.shape == x.shape and a.flags.c_contiguous
                    for a in arrays)):
        return kernel(backend.xp_of(x), dim, *arrays)
    # The same bits as one call on the whole arrays: NumPy reduces each contiguous row by the
    # same loop (pairwise summation over that row alone) whatever rows surround it, and the
    # elementwise loops see contiguous operands as before.
    n = x.shape[-1]
    rows = x.size // n
    step = max(1, _BLOCK_BYTES // (n * x.itemsize))
    out = np.empty(x.shape, x.dtype)
    tmp = np.empty((min(step, rows), n), x.dtype)
    flat = [a.reshape(rows, n) for a in (out, *arrays)]
    for start in range(0, rows, step):
        out_block, *blocks = (a[start:start + step] for a in flat)
        if kernel(np, 1, *blocks, out=out_block, tmp=tmp[:len(out_block)]) is None:
            return kernel(np, dim, *arrays)
    return out


def _softmax(xp, dim, x, out=None, tmp=None):
    """exp(x - max) / sum along dim (into `out` when given)."""
    e = xp.exp(xp.subtract(x, x.max(axis=dim, keepdims=True), out=out), out=out)
    return xp.divide(e, e.sum(axis=dim, keepdims=True), out=out)


def _log_softmax(xp, dim, x, out=None, tmp=None):
    """x - max - log(sum(exp(x - max))) along dim (into `out` when given; exp into `tmp`)."""
    out = xp.subtract(x, x.max(axis=dim, keepdims=True), out=out)
    out -= xp.log(xp.exp(out, out=tmp).sum(axis=dim, keepdims=True))
    return out


class Softmax(Function):
    name_ = "SoftmaxBackward0"

    @staticmethod
    def forward(ctx, a, dim, dtype=None):
        dim = _wrap_dim(dim, a.ndim)
        ctx.dim = dim
        x = _softmax_input(a, dtype, dim)
        xp = backend.xp_of(x)
        if x.ndim == 0:  # exp(x - max) / sum: 1, or NaN for an infinite or NaN x
            out = xp.exp(x - x)
        elif x.size == 0:
            out = x.copy()
        else:
            out = _by_row_blocks(_softmax, dim, x)
        out = Tensor._make(backend.contiguous(out))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return SoftmaxBackwardData.apply(grad, out, ctx.dim), None, None


class LogSoftmax(Function):
    name_ = "LogSoftmaxBackward0"

    @staticmethod
    def forward(ctx, a, dim, dtype=None):
        dim = _wrap_dim(dim, a.ndim)
        ctx.dim = dim
        x = _softmax_input(a, dtype, dim)
        if x.ndim == 0:  # 0, or NaN for an infinite or NaN x
            out = x - x
        elif x.size == 0:
            out = x.copy()
        else:
            out = _by_row_blocks(_log_softmax, dim, x)
        out = Tensor._make(backend.contiguous(out))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return LogSoftmaxBackwardData.apply(grad, out, ctx.dim), None, None


class _SoftmaxGradient(Function):
    """The gradient of softmax / log_softmax as a node of its own (torch's _softmax_backward_data /
    _log_softmax_backward_data): computed on arrays, and differentiated by torch's formulas when
    a double backward goes through it. Subclasses give the three formulas."""

    @staticmethod
    def forward(ctx, grad, out, dim):
        ctx.dim = dim
        ctx.save_for_backward(grad if ctx.needs_input_grad[1] else None, out)
        return _by_row_blocks(ctx.gradient, dim, grad._arr, out._arr)

    @staticmethod
    def backward(ctx, gg):
        grad, out = ctx.saved_tensors
        dim = ctx.dim if out.ndim else None
        return (ctx.by_grad(gg, out, ctx.dim, dim) if ctx.needs_input_grad[0] else None,
                ctx.by_output(gg, grad, out, dim) if ctx.needs_input_grad[1] else None, None)


class SoftmaxBackwardData(_SoftmaxGradient):
    """y * (g - sum(g * y))."""
    name_ = "SoftmaxBackwardDataBackward0"

    @staticmethod
    def gradient(xp, dim, g, y, out=None, tmp=None):
        gy = xp.asarray(xp.multiply(g, y, out=out))
        total = _sum_keepdim(gy, dim)
        if _nan_row_in_block(total, out):
            return None
        return xp.subtract(gy, xp.multiply(y, total, out=tmp), out=gy)

    @staticmethod
    def by_grad(gg, out, dim, _):
        return SoftmaxBackwardData.apply(gg, out, dim)

    @staticmethod
    def by_output(gg, grad, out, dim):  # torch's softmax_double_backward
        return grad * gg - (out * grad).sum(dim, keepdim=True) * gg \
            - grad * (out * gg).sum(dim, keepdim=True)


class LogSoftmaxBackwardData(_SoftmaxGradient):
    """g - exp(out) * sum(g)."""
    name_ = "LogSoftmaxBackwardDataBackward0"

    @staticmethod
    def gradient(xp, dim, g, y, out=None, tmp=None):
        total = _sum_keepdim(g, dim)
        if _nan_row_in_block(total, out):
            return None
        gx = xp.asarray(xp.exp(y, out=out))
        gx *= total
        return xp.subtract(g, gx, out=gx)

    @staticmethod
    def by_grad(gg, out, _, dim):
        return gg - (gg * out.exp()).sum(dim, keepdim=True)

    @staticmethod
    def by_output(gg, grad, out, dim):
        return -grad.sum(dim, keepdim=True) * out.exp() * gg


def _nan_row_in_block(total, out):
    """Whether a row block (`out` given) has a NaN row sum. Where a NaN meets a NaN, NumPy's
    multiply keeps the payload of either one, depending on how its iterator splits (and buffers)
    the rows of the whole array; such a block makes _by_row_blocks compute the whole arrays."""
    return out is not None and bool(np.isnan(total).any())


def _sum_keepdim(arr, dim):
    """arr.sum(dim, keepdim=True) as an array, accumulated as Sum does (a 0-d array: itself)."""
    acc = _dt.float32.np if arr.dtype == _dt.float16.np else arr.dtype
    total = arr.sum(axis=dim if arr.ndim else None, keepdims=True, dtype=acc)
    return total.astype(arr.dtype, copy=False)


class Cumsum(Function):
    name_ = "CumsumBackward0"

    @staticmethod
    def forward(ctx, a, dim, dtype=None):
        dim = _wrap_dim(dim, a.ndim)
        ctx.dim = dim
        out_dtype = _acc_dtype(a, dtype)
        xp = backend.xp_of(a._arr)
        out = a._arr.astype(out_dtype.np) if a.ndim == 0 else xp.cumsum(a._arr, axis=dim, dtype=out_dtype.np)
        if out_dtype.is_floating_point and a.ndim:  # torch's running sum starts at +0.0
            out = out + out_dtype.np.type(0)
        return backend.contiguous(out)

    @staticmethod
    def backward(ctx, grad):
        if grad.ndim == 0:
            return grad, None, None
        return grad.flip((ctx.dim,)).cumsum(ctx.dim).flip((ctx.dim,)), None, None
