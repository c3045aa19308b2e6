"""The Tensor methods that call ops: one line each where possible. Attached to Tensor on import."""
import operator

import numpy as np

from . import backend
from . import dtypes as _dt
from .ops import elementwise as E
from .ops import reduce as R
from .ops import movement as M
from .ops import indexing as I
from .ops import linalg as L
from .ops import activation as A
from .tensor import Tensor, _TYPE_NAMES, _shape_arg, _wrap_dim, _view_strides, _infer_size, scalar_int


def _method(fn, name=None):
    setattr(Tensor, name or fn.__name__, fn)
    return fn


def _xp(t):
    """The array module (NumPy or CuPy) holding t's data."""
    return backend.xp_of(t._arr)


def _as(name):
    return lambda fn: _method(fn, name)


def _other(x):
    """Python numbers pass through (an int that torch's Scalar cannot hold raises its error);
    arrays and lists become tensors."""
    if isinstance(x, (Tensor, float, bool)):
        return x
    if isinstance(x, int):
        return scalar_int(x)
    if isinstance(x, np.generic):
        return x.item()
    from .creation import tensor
    return tensor(x)


# arithmetic ----------------------------------------------------------------------------
@_method
def add(self, other, *, alpha=1):
    if alpha == 1 and type(alpha) is int:
        return E.Add.apply(self, _other(other))
    return E.Add.apply(self, _other(other), alpha)


@_method
def sub(self, other, *, alpha=1):
    if alpha == 1 and type(alpha) is int:
        return E.Sub.apply(self, _other(other))
    return E.Sub.apply(self, _other(other), alpha)


@_method
def mul(self, other):
    return E.Mul.apply(self, _other(other))


@_method
def div(self, other, *, rounding_mode=None):
    other = _other(other)
    if rounding_mode is None:
        return E.Div.apply(self, other)
    if rounding_mode not in ("floor", "trunc"):
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but "
                         f"found '{rounding_mode}'")
    return E.DivRounded.apply(self, other, rounding_mode)


@_as("pow")
def _pow(self, exponent):
    return E.Pow.apply(self, _other(exponent))


@_method
def neg(self):
    return E.Neg.apply(self)


Tensor.negative = neg
Tensor.__add__ = add
Tensor.__radd__ = lambda self, other: E.Add.apply(self, _other(other))
Tensor.__sub__ = sub
Tensor.__mul__ = mul
Tensor.__rmul__ = lambda self, other: E.Mul.apply(self, _other(other))
Tensor.__truediv__ = div
Tensor.__pow__ = _pow
Tensor.__rpow__ = lambda self, other: E.Pow.apply(_other(other), self)
Tensor.__neg__ = neg
Tensor.__pos__ = lambda self: self
Tensor.__matmul__ = lambda self, other: L.matmul(self, _other(other))
Tensor.__rmatmul__ = lambda self, other: L.matmul(_other(other), self)
Tensor.__abs__ = lambda self: self.abs()
Tensor.multiply, Tensor.subtract, Tensor.divide, Tensor.true_divide = mul, sub, div, div


def _rsub(self, other):
    return E.Rsub.apply(_other(other), self)


def _rtruediv(self, other):
    return self.reciprocal() * _other(other)


Tensor.__rsub__ = _rsub
Tensor.__rtruediv__ = _rtruediv


def _floordiv(self, other):
    return E.FloorDivide.apply(self, _other(other))


def _rfloordiv(self, other):
    return E.FloorDivide.apply(_other(other), self)


Tensor.__floordiv__, Tensor.__rfloordiv__ = _floordiv, _rfloordiv
Tensor.floor_divide = _floordiv
Tensor.__mod__ = Tensor.remainder = lambda self, other: E.Remainder.apply(self, _other(other))
Tensor.fmod = lambda self, other: E.Fmod.apply(self, _other(other))


# comparisons and logic -----------------------------------------------------------------
def _cmp(op):
    def fn(self, other):
        if other is None:  # torch: t == None is False, t != None is True
            return op == "ne"
        return E.compare(op, self, _other(other))
    return fn


for _name, _op in (("eq", "eq"), ("ne", "ne"), ("lt", "lt"), ("le", "le"), ("gt", "gt"), ("ge", "ge")):
    setattr(Tensor, _name, _cmp(_op))
    setattr(Tensor, f"__{_name}__", _cmp(_op))
Tensor.greater, Tensor.less, Tensor.greater_equal, Tensor.less_equal = Tensor.gt, Tensor.lt, Tensor.ge, Tensor.le
Tensor.not_equal = Tensor.ne


def _logic(op, name):
    def fn(self, other):
        other = _other(other)
        if self._dtype.is_floating_point or (isinstance(other, Tensor) and other._dtype.is_floating_point) \
                or isinstance(other, float):
            raise NotImplementedError(f"\"{name}_cpu\" not implemented for 'Float'")
        x, y, dtype = E.operands(self, other)
        return Tensor._make(_xp(self).asarray(op(x, y)))
    return fn


Tensor.__and__ = Tensor.bitwise_and = Tensor.logical_and_ = _logic(operator.and_, "bitwise_and")
Tensor.__or__ = Tensor.bitwise_or = _logic(operator.or_, "bitwise_or")
Tensor.__xor__ = Tensor.bitwise_xor = _logic(operator.xor, "bitwise_xor")
Tensor.__rand__, Tensor.__ror__, Tensor.__rxor__ = Tensor.__and__, Tensor.__or__, Tensor.__xor__


def _invert(self):
    if self._dtype.is_floating_point:
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors")
    return Tensor._make(_xp(self).asarray(~self._arr))


Tensor.__invert__ = Tensor.bitwise_not = _invert
def _elementwise(name):
    """A non-differentiable elementwise op computed by the array module's function `name`."""
    def fn(self, *others):
        xp = _xp(self)
        args = [o._arr if isinstance(o, Tensor) else o for o in map(_other, others)]
        return Tensor._make(xp.asarray(getattr(xp, name)(self._arr, *args)))
    return fn


for _name in ("logical_not", "logical_and", "logical_or", "logical_xor", "isnan", "isinf", "isfinite"):
    setattr(Tensor, _name, _elementwise(_name))


@_method
def equal(self, other):
    return self._shape == other._shape and bool((self == other).all())


@_method
def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(_xp(self).allclose(self._arr, other._arr, rtol=rtol, atol=atol, equal_nan=equal_nan))


@_method
def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return Tensor._make(_xp(self).asarray(_xp(self).isclose(self._arr, _other(other)._arr, rtol=rtol, atol=atol, equal_nan=equal_nan)))


# elementwise math ----------------------------------------------------------------------
for _name in ("exp", "log", "log2", "log10", "log1p", "expm1", "sin", "cos", "tan", "tanh", "sinh",
              "cosh", "asin", "acos", "atan", "sigmoid", "sqrt", "rsqrt", "reciprocal", "erf",
              "abs", "relu", "floor", "ceil", "round", "trunc", "sign"):
    _fn = getattr(E, _name.capitalize())
    setattr(Tensor, _name, (lambda f: lambda self: f.apply(self))(_fn))
Tensor.arcsin, Tensor.arccos, Tensor.arctan, Tensor.absolute = Tensor.asin, Tensor.acos, Tensor.atan, Tensor.abs
Tensor.fix = Tensor.trunc


@_method
def frac(self):
    if not self._dtype.is_floating_point:
        raise NotImplementedError(f"\"frac_cpu\" not implemented for '{_TYPE_NAMES[self._dtype.name]}'")
    return E.Frac.apply(self)


@_method
def square(self):
    return self.pow(2)


@_method
def clamp(self, min=None, max=None):
    fn = E.ClampTensor if isinstance(min, Tensor) or isinstance(max, Tensor) else E.Clamp
    return fn.apply(self, _other(min) if min is not None else None,
                    _other(max) if max is not None else None)


Tensor.clip = clamp
Tensor.clamp_min = lambda self, min: _renamed(self.clamp(min=min), "ClampMinBackward", min)
Tensor.clamp_max = lambda self, max: _renamed(self.clamp(max=max), "ClampMaxBackward", max)


def _renamed(out, name, other=None):
    """Give out's node torch's name for the spelling that made it (`name` + "0" with a scalar
    argument, + "1" with a tensor one; a name ending in a digit is used as is)."""
    if out.grad_fn is not None:
        if not name[-1].isdigit():
            name += "1" if isinstance(other, Tensor) else "0"
        out.grad_fn.name_ = name
    return out


@_method
def xlogy(self, other):
    return E.Xlogy.apply(self, _other(other))


@_method
def maximum(self, other):
    return E.Maximum.apply(self, _other(other))


@_method
def minimum(self, other):
    return E.Minimum.apply(self, _other(other))


@_method
def where(self, condition, other):
    return E.Where.apply(_other(condition), self, _other(other))


@_method
def lerp(self, end, weight):
    return E.Lerp.apply(self, end, _other(weight))


@_method
def softmax(self, dim, dtype=None):
    return R.Softmax.apply(self, dim, dtype)


@_method
def log_softmax(self, dim, dtype=None):
    return R.LogSoftmax.apply(self, dim, dtype)


@_method
def logsumexp(self, dim, keepdim=False):
    return R.LogSumExp.apply(self, dim, keepdim)


@_method
def addcmul(self, tensor1, tensor2, *, value=1):
    return E.Addcmul.apply(self, tensor1, tensor2, value)


@_method
def addcdiv(self, tensor1, tensor2, *, value=1):
    return E.Addcdiv.apply(self, tensor1, tensor2, value)


@_method
def hardtanh(self, min_val=-1.0, max_val=1.0):
    return A.Hardtanh.apply(self, min_val, max_val)


# reductions ----------------------------------------------------------------------------
_NO_DIM = object()  # torch names the node SumBackward1 / MeanBackward1 once a dim is passed


@_as("sum")
def _sum(self, dim=_NO_DIM, keepdim=False, *, dtype=None):
    out = R.Sum.apply(self, None if dim is _NO_DIM else dim, keepdim, dtype)
    return _renamed(out, "SumBackward1") if dim is None else out


@_method
def mean(self, dim=_NO_DIM, keepdim=False, *, dtype=None):
    out = R.Mean.apply(self, None if dim is _NO_DIM else dim, keepdim, dtype)
    return _renamed(out, "MeanBackward1") if dim is None else out


@_method
def prod(self, dim=None, keepdim=False, *, dtype=None):
    return R.Prod.apply(self, dim, keepdim, dtype)


def _max_min(kind):
    def fn(self, dim=None, keepdim=False):
        if isinstance(dim, Tensor):
            return (E.Maximum if kind == "max" else E.Minimum).apply(self, dim)
        if dim is None:
            return R.MaxAll.apply(self, None, False, kind)
        return R.return_type(kind)(*R.MaxDim.apply(self, dim, keepdim, kind))
    fn.__name__ = kind
    return fn


Tensor.max, Tensor.min = _max_min("max"), _max_min("min")
Tensor.amax = lambda self, dim=(), keepdim=False: R.MaxAll.apply(self, dim, keepdim, "amax")
Tensor.amin = lambda self, dim=(), keepdim=False: R.MaxAll.apply(self, dim, keepdim, "amin")
Tensor.argmax = lambda self, dim=None, keepdim=False: R.arg_reduce(self, dim, keepdim, "argmax")
Tensor.argmin = lambda self, dim=None, keepdim=False: R.arg_reduce(self, dim, keepdim, "argmin")


def _correction(unbiased, correction):
    if correction is not None:
        return correction
    if unbiased is None:
        return 1
    return 1 if unbiased else 0


@_method
def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    return R.Var.apply(self, dim, _correction(unbiased, correction), keepdim, False)


@_method
def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    return R.Var.apply(self, dim, _correction(unbiased, correction), keepdim, True)


@_method
def norm(self, p="fro", dim=None, keepdim=False, dtype=None):
    if p == "fro" and isinstance(dim, (tuple, list)) and len(dim) > 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(map(str, dim))}")
    if p == "fro" or p is None:
        p = 2
    out = R.Norm.apply(self, float(p), dim, keepdim)
    if out.grad_fn is not None:
        out.grad_fn.name_ = "LinalgVectorNormBackward0"
    return out


@_method
def cumsum(self, dim, *, dtype=None):
    return R.Cumsum.apply(self, dim, dtype)


@_as("all")
def _all(self, dim=None, keepdim=False):
    axis = None if dim is None else _wrap_dim(dim, self.ndim)
    return Tensor._make(_xp(self).asarray(_xp(self).all(self._arr, axis=axis, keepdims=keepdim)))


@_as("any")
def _any(self, dim=None, keepdim=False):
    axis = None if dim is None else _wrap_dim(dim, self.ndim)
    return Tensor._make(_xp(self).asarray(_xp(self).any(self._arr, axis=axis, keepdims=keepdim)))


@_method
def count_nonzero(self, dim=None):
    return Tensor._make(_xp(self).asarray(_xp(self).count_nonzero(self._arr, axis=dim), dtype=np.int64))


# linear algebra ------------------------------------------------------------------------
Tensor.matmul = lambda self, other: L.matmul(self, other)
Tensor.mm = lambda self, other: L.Mm.apply(self, other)
Tensor.bmm = lambda self, other: L.Bmm.apply(self, other)
Tensor.mv = lambda self, other: L.Mv.apply(self, other)
Tensor.dot = lambda self, other: L.Dot.apply(self, other)
Tensor.inner = lambda self, other: L.inner(self, other)
Tensor.outer = lambda self, other: L.outer(self, other)
Tensor.ger = Tensor.outer


# views -------------------------------------------------------------------------------
@_method
def view(self, *shape):
    if len(shape) == 1 and isinstance(shape[0], _dt.dtype):
        raise NotImplementedError("view(dtype) is not supported by tinygrad_lite")
    return M.View.apply(self, _shape_arg(shape))


@_method
def view_as(self, other):
    return self.view(other._shape)


@_method
def reshape(self, *shape):
    shape = _infer_size(_shape_arg(shape), self.numel())
    if self.is_contiguous():
        return M.View.apply(self, shape)
    if _view_strides(self._shape, self._stride, shape) is not None:
        return M.ReshapeAlias.apply(self, shape)
    return M.UnsafeView.apply(M.Clone.apply(self, True), shape)


@_method
def reshape_as(self, other):
    return self.reshape(other._shape)


@_method
def transpose(self, dim0, dim1):
    return M.Transpose.apply(self, dim0, dim1)


Tensor.swapaxes = Tensor.swapdims = transpose


@_method
def t(self):
    return M.T.apply(self)


Tensor.T = property(lambda self: self.permute(tuple(range(self.ndim - 1, -1, -1))))
Tensor.mT = property(lambda self: _matrix_transpose(self))


def _matrix_transpose(self):
    if self.ndim == 1:
        raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. Got 1-D tensor.")
    return self if self.ndim == 0 else self.transpose(-2, -1)


@_method
def permute(self, *dims, **kwargs):
    if "dims" in kwargs:
        dims = (kwargs.pop("dims"),)
    if kwargs or not dims:
        raise TypeError('permute() missing 1 required positional arguments: "dims"')
    return M.Permute.apply(self, _shape_arg(dims))


@_method
def unsqueeze(self, dim):
    return M.Unsqueeze.apply(self, dim)


@_method
def squeeze(self, dim=None):
    if isinstance(dim, (tuple, list)):
        return _renamed(M.Squeeze.apply(self, tuple(dim)), "SqueezeBackward2")
    return M.Squeeze.apply(self, (dim,) if dim is not None else None)


@_method
def _squeeze_named(self, dim, name):
    """torch's in-place squeeze_ of a fresh result (matmul's): the result is not a view."""
    out = self.squeeze(dim)
    out._base = None
    if out.grad_fn is not None:
        out.grad_fn.name_ = name
    return out


@_method
def expand(self, *shape):
    if not shape:
        raise TypeError('expand() missing 1 required positional arguments: "size"')
    return M.Expand.apply(self, _shape_arg(shape))


@_method
def expand_as(self, other):
    return self.expand(other._shape)


@_method
def flatten(self, start_dim=0, end_dim=-1):
    start, end = _wrap_dim(start_dim, self.ndim), _wrap_dim(end_dim, self.ndim)
    if self.ndim == 0:
        return self.reshape(1)
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if start == end:
        return self
    n = 1
    for s in self._shape[start:end + 1]:
        n *= s
    return self.reshape(self._shape[:start] + (n,) + self._shape[end + 1:])


@_method
def unflatten(self, dim, sizes):
    dim = _wrap_dim(dim, self.ndim)
    sizes = _infer_size(tuple(sizes), self._shape[dim])
    return self.view(self._shape[:dim] + sizes + self._shape[dim + 1:])


Tensor.ravel = lambda self: self.contiguous().view(-1)


@_method
def narrow(self, dim, start, length):
    if self.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    dim = _wrap_dim(dim, self.ndim)
    if isinstance(start, Tensor):
        start = int(start.item())
    size = self._shape[dim]
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], but got {start})")
    if start < 0:
        start += size
    if start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return M.Slice.apply(self, dim, start, start + length, 1)


@_method
def select(self, dim, index):
    return M.Select.apply(self, dim, int(index))


@_method
def as_strided(self, size, stride, storage_offset=None):
    return M.AsStrided.apply(self, tuple(size), tuple(stride), storage_offset)


@_method
def unbind(self, dim=0):
    return M.Unbind.apply(self, dim)


@_method
def split(self, split_size_or_sections, dim=0):
    dim_ = _wrap_dim(dim, self.ndim)
    size = self._shape[dim_]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        if step <= 0 and size:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {size}")
        sizes = [min(step, size - i) for i in range(0, size, step)] if size else [0]
        return M.Split.apply(self, sizes, dim_, "SplitBackward0")
    sizes = list(split_size_or_sections)
    if sum(sizes) != size:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {size} (input "
                           f"tensor's size at dimension {dim_}), but got split_sizes={sizes}")
    return M.Split.apply(self, sizes, dim_, "SplitWithSizesBackward0")


@_method
def chunk(self, chunks, dim=0):
    if self.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    if chunks <= 0:
        raise RuntimeError("chunk expects `chunks` to be greater than 0, got: " + str(chunks))
    size = self._shape[_wrap_dim(dim, self.ndim)]
    if size == 0:  # torch: `chunks` empty pieces
        return M.Split.apply(self, [0] * chunks, _wrap_dim(dim, self.ndim), "SplitWithSizesBackward0")
    step = -(-size // chunks)
    return self.split(step, dim)


@_method
def contiguous(self, memory_format=None):
    return self if self.is_contiguous() else M.Clone.apply(self, True)


@_method
def clone(self, *, memory_format=None):
    return M.Clone.apply(self, False)


@_method
def repeat(self, *sizes):
    return M.Repeat.apply(self, _shape_arg(sizes))


@_method
def flip(self, *dims):
    return M.Flip.apply(self, _shape_arg(dims))


@_method
def movedim(self, source, destination):
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    src = [_wrap_dim(d, self.ndim) for d in src]
    dst = [_wrap_dim(d, self.ndim) for d in dst]
    if self.ndim == 0:
        return M.Alias.apply(self)
    order = [d for d in range(self.ndim) if d not in src]
    perm = [None] * self.ndim
    for s, d in zip(src, dst):
        perm[d] = s
    it = iter(order)
    perm = [p if p is not None else next(it) for p in perm]
    return self.permute(perm)


Tensor.moveaxis = movedim


# indexing ------------------------------------------------------------------------------
def _is_basic(k):
    return k is None or k is Ellipsis or isinstance(k, (int, slice)) and not isinstance(k, bool) \
        or (isinstance(k, Tensor) and k.ndim == 0 and not k._dtype.is_floating_point and k._dtype is not _dt.bool_)


def _index_key(key):
    return key if isinstance(key, tuple) else (key,)


def _basic_index(self, key, single=False, alias=True):
    """ints, slices, None and ... applied one by one as select/slice/unsqueeze views, as torch
    (a full slice inside a tuple is skipped; a lone one is not)."""
    n_specified = sum(1 for k in key if k is not None and k is not Ellipsis)
    if n_specified > self.ndim:
        raise IndexError(f"too many indices for tensor of dimension {self.ndim}")
    out, dim = self, 0
    for k in key:
        if k is Ellipsis:
            dim += self.ndim - n_specified
        elif k is None:
            out = out.unsqueeze(dim)
            dim += 1
        elif isinstance(k, slice):
            start, stop, step = k.start, k.stop, 1 if k.step is None else k.step
            start = int(start) if start is not None else None
            stop = int(stop) if stop is not None else None
            if step <= 0:
                raise ValueError("step must be greater than zero")
            # torch skips a slice that starts at 0 with step 1 and reaches the end, unless
            # it is the whole key (x[:] is a SliceBackward0 view)
            if single or not (start in (None, 0) and step == 1
                              and (stop is None or stop >= out._shape[dim])):
                out = M.Slice.apply(out, dim, start, stop, step)
            dim += 1
        else:
            idx = int(k)
            size = out._shape[dim]
            if not -size <= idx < size:
                raise IndexError(f"index {idx} is out of bounds for dimension {dim} with size {size}")
            out = M.Select.apply(out, dim, idx)
    if out is self and alias:
        out = M.Alias.apply(self)
    return out


def _getitem(self, key):
    single = isinstance(key, slice)
    key = _index_key(key)
    if all(_is_basic(k) for k in key):
        return _basic_index(self, key, single)
    return I.Index.apply(self, I.to_array_key(self, tuple(_k(k) for k in key)))


def _k(k):
    if isinstance(k, Tensor) and k.ndim == 0 and k._dtype is not _dt.bool_ and not k._dtype.is_floating_point:
        return int(k.item())
    return k


def _setitem(self, key, value):
    key = _index_key(key)
    if all(_is_basic(k) for k in key):
        # torch's copy_to: a 0-d value (a Python number becomes one) fills the indexed region
        view = _basic_index(self, key, alias=False)
        if not isinstance(value, Tensor):
            from .creation import tensor
            value = tensor(value, dtype=self._dtype, device=self.device)
        if value.ndim == 0 and view.ndim != 0:
            view.fill_(value)
            return
        if value._shape != view._shape:  # leading 1s viewed away, then expanded
            lead = next((i for i, n in enumerate(value._shape) if n != 1), value.ndim)
            if lead:
                value = value.view(value._shape[lead:])
            if value._shape != view._shape:
                value = value.expand(view._shape)
        view.copy_(value)
        return
    arr_key = I.to_array_key(self, tuple(_k(k) for k in key))
    value = _other(value)
    if self._needs_graph(value):
        self._inplace(I.IndexPut.apply(self, arr_key, value, False), overlap_ok=True)
    else:
        self._check_inplace(writes=False)
        self._arr[arr_key] = value._arr if isinstance(value, Tensor) else value
        self._storage.version += 1


Tensor.__getitem__ = _getitem
Tensor.__setitem__ = _setitem


@_method
def index_select(self, dim, index):
    return I.IndexSelect.apply(self, dim, index)


@_method
def gather(self, dim, index):
    return I.Gather.apply(self, dim, index)


@_method
def scatter(self, dim, index, src=None, value=None):
    return I.Scatter.apply(self, dim, index, _other(src if src is not None else value))


@_method
def scatter_add(self, dim, index, src):
    return I.ScatterAdd.apply(self, dim, index, src)


@_method
def masked_fill(self, mask, value):
    return I.MaskedFill.apply(self, mask, _other(value) if isinstance(value, Tensor) else value)


@_method
def index_put(self, indices, values, accumulate=False):
    if isinstance(values, Tensor) and values._dtype is not self._dtype:
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                           f"{_TYPE_NAMES[self._dtype.name]} for the destination and "
                           f"{_TYPE_NAMES[values._dtype.name]} for the source.")
    key = I.to_array_key(self, tuple(indices))
    return I.IndexPut.apply(self, key, _other(values), accumulate)


@_method
def nonzero(self, *, as_tuple=False):
    xp = _xp(self)
    idx = xp.nonzero(self._arr) if self.ndim else (xp.zeros(int(bool(self._arr)), np.int64),)
    if as_tuple:
        return tuple(Tensor._make(xp.asarray(i, dtype=np.int64)) for i in idx)
    return Tensor._make(xp.ascontiguousarray(xp.stack(idx, axis=1).astype(np.int64)))


@_method
def masked_select(self, mask):
    return I.MaskedSelect.apply(self, mask)


@_method
def tril(self, diagonal=0):
    return I.Tril.apply(self, diagonal)


@_method
def triu(self, diagonal=0):
    return I.Triu.apply(self, diagonal)


# in-place variants -------------------------------------------------------------------
_UFUNCS = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.true_divide}


def _inplace_binary(name):
    out_of_place = getattr(Tensor, name)
    ufunc = _UFUNCS[name]

    def fn(self, other, *, alpha=1):
        other = _other(other)
        if alpha != 1 or type(alpha) is not int:  # add_/sub_: torch's fused x + alpha * y
            return self._inplace(out_of_place(self, other, alpha=alpha))
        if not self._needs_graph(other):
            self._check_inplace()
            return self._fast_inplace(ufunc, other)
        return self._inplace(out_of_place(self, other))
    fn.__name__ = name + "_"
    return fn


for _name in ("add", "sub", "mul", "div"):
    setattr(Tensor, _name + "_", _inplace_binary(_name))
Tensor.__iadd__, Tensor.__isub__ = Tensor.add_, Tensor.sub_
Tensor.__imul__, Tensor.__itruediv__ = Tensor.mul_, Tensor.div_


def _inplace_of(name):
    out_of_place = getattr(Tensor, name)

    overlap_ok = name in ("masked_fill", "index_put")  # torch only warns on expanded tensors

    def fn(self, *args, **kwargs):
        return self._inplace(out_of_place(self, *args, **kwargs), overlap_ok)
    fn.__name__ = name + "_"
    return fn


for _name in ("pow", "clamp", "exp", "log", "sqrt", "neg", "abs", "relu", "sigmoid", "tanh",
              "sin", "cos", "floor", "ceil", "round", "trunc", "reciprocal", "masked_fill",
              "addcmul", "addcdiv", "lerp", "clamp_min", "clamp_max", "sign", "square",
              "hardtanh", "scatter", "scatter_add", "index_put", "rsqrt", "log1p", "expm1", "tan",
              "asin", "acos", "atan", "sinh", "cosh", "log2", "log10", "erf", "fmod", "remainder", "xlogy",
              "frac"):
    setattr(Tensor, _name + "_", _inplace_of(_name))


@_method
def t_(self):
    """Transpose in place: a change of this tensor's geometry (its data does not move)."""
    self._check_inplace(writes=False)
    out = self.t()
    node = out.grad_fn  # read before the version bump below makes out look like a stale view
    self._shape, self._stride, self._arr = out._shape, out._stride, out._arr
    self._storage.version += 1
    if node is not None:
        node.name_ = "TBackward1"
        self.grad_fn, self._output_nr = node, 0
    return self
Tensor.clip_ = Tensor.clamp_
Tensor.__ipow__ = Tensor.pow_
Tensor.__imatmul__ = None


# random in-place fills ----------------------------------------------------------------
def _random_fill(sampler):
    def fn(self, *args, generator=None, **kwargs):
        from . import random as _random
        gen = generator if generator is not None else _random.default_generator
        values = sampler(_random, gen, self, *args, **kwargs)
        with _no_grad_write(self):
            self._arr[...] = values
        return self
    return fn


class _no_grad_write:
    def __init__(self, t):
        self.t = t

    def __enter__(self):
        self.t._check_inplace()

    def __exit__(self, *exc):
        self.t._storage.version += 1
        return False


Tensor.uniform_ = _random_fill(lambda r, g, t, a=0.0, b=1.0: r.uniform(g, t._shape, t._dtype.np, a, b))
Tensor.normal_ = _random_fill(lambda r, g, t, mean=0.0, std=1.0: r.normal(g, t._shape, t._dtype.np, mean, std))
Tensor.bernoulli_ = _random_fill(lambda r, g, t, p=0.5: r.bernoulli(g, p._arr if isinstance(p, Tensor) else p, t._shape, t._dtype.np))
Tensor.exponential_ = _random_fill(lambda r, g, t, lambd=1.0: r.exponential(g, t._shape, t._dtype.np, lambd))


def _random_int_fill(r, g, t, low=None, high=None):
    if low is None:
        return r.random_(g, t._shape, t._dtype.np)
    if high is None:
        low, high = 0, low
    return r.randint(g, low, high, t._shape, t._dtype.np)


Tensor.random_ = _random_fill(_random_int_fill)


@_method
def bernoulli(self, p=None, *, generator=None):
    from . import random as _random
    gen = generator if generator is not None else _random.default_generator
    probs = self._arr if p is None else p
    return Tensor._make(_random.bernoulli(gen, probs, self._shape, self._dtype.np))


@_method
def multinomial(self, num_samples, replacement=False, *, generator=None):
    from . import random as _random
    gen = generator if generator is not None else _random.default_generator
    return Tensor._make(_random.multinomial(gen, self._arr, num_samples, replacement))


# construction helpers on a tensor -------------------------------------------------------
def _new(fill):
    def fn(self, *size, dtype=None, device=None, requires_grad=False):
        from .creation import full
        shape = _shape_arg(size)
        return full(shape, fill, dtype=dtype or self._dtype, device=device or self.device,
                    requires_grad=requires_grad)
    return fn


Tensor.new_zeros, Tensor.new_ones = _new(0), _new(1)


@_method
def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
    from .creation import full
    return full(tuple(size), fill_value, dtype=dtype or self._dtype, device=device or self.device,
                requires_grad=requires_grad)


@_method
def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
    from .creation import empty
    return empty(_shape_arg(size), dtype=dtype or self._dtype, device=device or self.device,
                 requires_grad=requires_grad)


@_method
def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
    from .creation import tensor
    if isinstance(data, Tensor):
        import warnings
        warnings.warn("To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() "
                      "or sourceTensor.detach().clone().requires_grad_(True), rather than "
                      "tensor.new_tensor(sourceTensor).", UserWarning, stacklevel=2)
        out = data.detach().to(dtype=dtype or data._dtype, device=device or self.device, copy=True)
        return out.requires_grad_(requires_grad) if requires_grad else out
    return tensor(data, dtype=dtype or self._dtype, device=device or self.device, requires_grad=requires_grad)


@_method
def explain(self):
    """Print how this tensor maps onto its flat storage (offset, shape, strides, covered cells)."""
    from .inspect import explain
    print(explain(self))


# DLPack: zero-copy exchange with NumPy, CuPy and torch ------------------------------------
def _dlpack(self, *, stream=None, max_version=None, dl_device=None, copy=None):
    if self._requires_grad:
        raise RuntimeError("Can't export tensors that require gradient, use tensor.detach()")
    kwargs = {} if stream is None else {"stream": stream}
    if max_version is not None:
        try:
            return self._arr.__dlpack__(max_version=max_version, **kwargs)
        except TypeError:
            pass
    return self._arr.__dlpack__(**kwargs)


Tensor.__dlpack__ = _dlpack
Tensor.__dlpack_device__ = lambda self: self._arr.__dlpack_device__()
