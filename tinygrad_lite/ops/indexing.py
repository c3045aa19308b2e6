"""Advanced indexing (copies, as torch), gather/scatter, index_select, masked_fill."""
from .. import backend
from ..autograd.engine import _sum_to
from ..autograd.function import Function
from ..tensor import Tensor, _C_TYPE_NAMES, _wrap_dim, _broadcast_shape


def to_array_key(a, key):
    """Turn an indexing key with tensors/lists into one NumPy/CuPy understands, with torch's
    checks on index dtypes and bounds."""
    xp = backend.xp_of(a._arr)
    out = []
    dim = 0
    for k in key:
        if isinstance(k, Tensor):
            if k._dtype.is_floating_point:
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            arr = k._arr
            if k._dtype.name == "uint8":
                arr = arr.astype(bool)
            if arr.dtype != bool:
                _check_bounds(a, dim, arr)
                dim += 1
            else:
                _check_mask(a, dim, arr)
                dim += arr.ndim
            out.append(arr)
        elif isinstance(k, (list, tuple)) or hasattr(k, "__array__") and not isinstance(k, (int, float)):
            arr = xp.asarray(backend.to_host(k) if not isinstance(k, (list, tuple)) else k)
            if arr.dtype.kind == "f":
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            if arr.dtype != bool:
                arr = arr.astype(xp.int64)
                _check_bounds(a, dim, arr)
                dim += 1
            else:
                _check_mask(a, dim, arr)
                dim += arr.ndim
            out.append(arr)
        else:
            if isinstance(k, float):
                raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or "
                                 "byte Variables are valid indices (got float)")
            if isinstance(k, int) and not isinstance(k, bool):
                if dim < a.ndim and not -a._shape[dim] <= k < a._shape[dim]:
                    raise IndexError(f"index {k} is out of bounds for dimension {dim} with size {a._shape[dim]}")
            if k is not None and k is not Ellipsis:
                dim += 1
            elif k is Ellipsis:
                dim = a.ndim - sum(1 for x in key[key.index(Ellipsis) + 1:] if x is not None)
            out.append(k)
    return tuple(out)


def _check_bounds(a, dim, arr, error=IndexError):
    """Indices along `dim` in range (indexing raises IndexError; gather/scatter RuntimeError)."""
    if dim >= a.ndim:
        raise IndexError(f"too many indices for tensor of dimension {a.ndim}")
    size = a._shape[dim]
    if arr.size and (arr.max() >= size or arr.min() < -size):
        bad = int(arr.max()) if arr.max() >= size else int(arr.min())
        raise error(f"index {bad} is out of bounds for dimension {dim} with size {size}")


def _check_mask(a, dim, arr):
    for i, n in enumerate(arr.shape):
        if dim + i >= a.ndim or a._shape[dim + i] != n:
            raise IndexError(f"The shape of the mask [{', '.join(map(str, arr.shape))}] at index "
                             f"{i} does not match the shape of the indexed tensor "
                             f"[{', '.join(map(str, a._shape))}] at index {dim + i}")


class Index(Function):
    name_ = "IndexBackward0"
    saves_indices = True

    @staticmethod
    def forward(ctx, a, key):
        ctx.in_shape, ctx.key = a._shape, key
        return backend.contiguous(a._arr[key])

    @staticmethod
    def backward(ctx, grad):
        ctx._check_saved()
        return IndexAddInto.apply(grad, ctx.in_shape, ctx.key), None


class IndexAddInto(Function):
    """Backward of indexing: repeated indices accumulate (scatter-add into zeros)."""

    name_ = "IndexPutBackward0"

    @staticmethod
    def forward(ctx, grad, in_shape, key):
        ctx.key = key
        xp = backend.xp_of(grad._arr)
        out = xp.zeros(in_shape, grad._dtype.np)
        xp.add.at(out, key, grad._arr)
        return out

    @staticmethod
    def backward(ctx, g):
        return Index.apply(g, ctx.key), None, None


class IndexPut(Function):
    """out = a with a[key] = values (the out-of-place half of `a[key] = values`)."""

    name_ = "IndexPutBackward0"
    saves_indices = True

    @staticmethod
    def forward(ctx, a, key, values, accumulate=False):
        ctx.key, ctx.accumulate = key, accumulate
        out = backend.clone_preserving(a._arr)
        if isinstance(values, Tensor):
            target = out[key].shape
            if _broadcast_shape_or_none(values._shape, target) != tuple(target):
                raise RuntimeError(f"shape mismatch: value tensor of shape {list(values._shape)} cannot "
                                   f"be broadcast to indexing result of shape {list(target)}")
        v = values._arr.astype(a._dtype.np, copy=False) if isinstance(values, Tensor) else values
        if accumulate:
            backend.xp_of(out).add.at(out, key, v)
        else:
            out[key] = v
        ctx.v_shape = values._shape if isinstance(values, Tensor) else None
        return out

    @staticmethod
    def backward(ctx, grad):
        if ctx.needs_input_grad[2] or not ctx.accumulate:  # when the indices are read
            ctx._check_saved()
        ga = gv = None
        if ctx.needs_input_grad[0]:
            ga = grad if ctx.accumulate else IndexPut.apply(grad, ctx.key, 0.0)
        if ctx.needs_input_grad[2]:
            gv = _sum_to(Index.apply(grad, ctx.key), ctx.v_shape)
        return ga, None, gv, None


def _along_dim_key(xp, index, dim):
    """A full fancy-index tuple that addresses a[..., index[...], ...] along `dim`."""
    grids = list(xp.indices(index.shape, sparse=True))
    grids[dim] = index
    return tuple(grids)


class Gather(Function):
    name_ = "GatherBackward0"
    graph_inputs = (0,)
    saves_indices = True

    @staticmethod
    def forward(ctx, a, dim, index):
        dim = _wrap_dim(dim, a.ndim)
        if index._dtype.name not in ("int64", "int32"):
            raise RuntimeError("gather(): Expected dtype int32/int64 for index")
        if index.ndim != a.ndim and not (a.ndim == 0 and index.ndim <= 1):
            raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
        xp = backend.xp_of(a._arr)
        idx = index._arr
        ctx.in_shape, ctx.dim, ctx.index = a._shape, dim, index
        if a.ndim == 0:
            _check_scalar_index(idx)
            return a._arr.reshape(idx.shape).copy()
        _check_bounds(a, dim, idx, RuntimeError)
        return a._arr[_along_dim_key(xp, idx, dim)]

    @staticmethod
    def backward(ctx, grad):
        ctx._check_saved()
        return ScatterAdd.apply(grad.new_zeros(ctx.in_shape), ctx.dim, ctx.index, grad), None, None


class ScatterAdd(Function):
    name_ = "ScatterAddBackward0"
    graph_inputs = (0, 3)
    saves_indices = True

    @staticmethod
    def forward(ctx, a, dim, index, src):
        dim = _wrap_dim(dim, a.ndim)
        ctx.dim, ctx.index = dim, index
        return _scatter_into(a, dim, index, src, accumulate=True)

    @staticmethod
    def backward(ctx, grad):
        if ctx.needs_input_grad[3]:  # the indices are only read (and so only missed) for src
            ctx._check_saved()
        gsrc = grad.gather(ctx.dim, ctx.index) if ctx.needs_input_grad[3] else None
        return grad, None, None, gsrc


class Scatter(Function):
    name_ = "ScatterBackward0"
    graph_inputs = (0, 3)
    saves_indices = True

    @staticmethod
    def forward(ctx, a, dim, index, src):
        dim = _wrap_dim(dim, a.ndim)
        ctx.dim, ctx.index = dim, index
        if not isinstance(src, Tensor):
            ctx.name_ = "ScatterBackward1"
        return _scatter_into(a, dim, index, src, accumulate=False)

    @staticmethod
    def backward(ctx, grad):
        ctx._check_saved()
        ga = Scatter.apply(grad, ctx.dim, ctx.index, 0.0) if ctx.needs_input_grad[0] else None
        gsrc = grad.gather(ctx.dim, ctx.index) if ctx.needs_input_grad[3] else None
        return ga, None, None, gsrc


def _scatter_into(a, dim, index, src, accumulate):
    """A copy of a's values with src (a tensor at least the index's size, or a number) written,
    or added, at `index` along `dim`. A 0-d tensor scatters as a 1-element vector."""
    if isinstance(src, Tensor) and src._dtype is not a._dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    xp = backend.xp_of(a._arr)
    out = a._arr.copy()
    target, idx = out, index._arr
    src_arr = src._arr if isinstance(src, Tensor) else src
    if a.ndim == 0:
        _check_scalar_index(idx)
        target, idx = out.reshape(1), idx.reshape(-1)
        src_arr = src_arr.reshape(-1) if isinstance(src, Tensor) else src_arr
    else:
        _check_bounds(a, dim, idx, RuntimeError)
    if isinstance(src, Tensor):
        src_arr = src_arr[tuple(slice(0, n) for n in idx.shape)]
    key = _along_dim_key(xp, idx, dim)
    if accumulate:
        xp.add.at(target, key, src_arr)
    else:
        target[key] = src_arr
    return out


def _broadcast_shape_or_none(a, b):
    try:
        return _broadcast_shape(tuple(a), tuple(b))
    except RuntimeError:
        return None


def _check_scalar_index(idx):
    """Indices into a 0-d tensor along its one implicit dim: 0 or -1."""
    if idx.size and (idx.max() > 0 or idx.min() < -1):
        bad = int(idx.max()) if idx.max() > 0 else int(idx.min())
        raise IndexError(f"index {bad} is out of bounds for dimension 0 with size 1")


def scatter_into_zeros(grad, indices, in_shape, dim, keepdim):
    """Gradient of a value-selecting reduction: grad placed at the selected indices."""
    if not in_shape:
        return grad.reshape(())
    if not keepdim:
        grad, indices = grad.unsqueeze(dim), indices.unsqueeze(dim)
    return Scatter.apply(grad.new_zeros(in_shape), dim, indices, grad)


class IndexSelect(Function):
    name_ = "IndexSelectBackward0"
    graph_inputs = (0,)
    saves_indices = True

    @staticmethod
    def forward(ctx, a, dim, index):
        dim = _wrap_dim(dim, a.ndim)
        if index.ndim > 1:
            raise IndexError("index_select(): Index is supposed to be a vector")
        if index._dtype.is_floating_point:
            raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
        idx = index._arr.reshape(-1)
        ctx.in_shape, ctx.dim, ctx.index = a._shape, dim, idx
        xp = backend.xp_of(a._arr)
        if a.ndim == 0:  # a scalar takes one index, 0 or -1
            if idx.size != 1:
                raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got "
                                   f"{idx.size} value(s)")
            if int(idx[0]) not in (0, -1):
                raise IndexError("index out of range in self")
            return a._arr.copy()
        _check_bounds(a, dim, idx)
        return xp.take(a._arr, idx, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        ctx._check_saved()
        if not ctx.in_shape:
            return grad.reshape(()), None, None
        key = (slice(None),) * ctx.dim + (ctx.index,)
        return IndexAddInto.apply(grad, ctx.in_shape, key), None, None


class Tril(Function):
    """The lower triangle of the last two dims (Triu: the upper one); the rest is zeroed."""

    name_ = "TrilBackward0"
    kernel = "tril"

    @staticmethod
    def forward(ctx, a, diagonal):
        if a.ndim < 2:
            raise RuntimeError(f"{ctx.kernel}: input tensor must have at least 2 dimensions")
        ctx.diagonal = diagonal
        return backend.contiguous(getattr(backend.xp_of(a._arr), ctx.kernel)(a._arr, diagonal))

    @staticmethod
    def backward(ctx, grad):
        return getattr(grad, ctx.kernel)(ctx.diagonal), None


class Triu(Tril):
    name_ = "TriuBackward0"
    kernel = "triu"


class MaskedSelect(Function):
    """The elements of `a` where the (broadcast) boolean mask is set, as a 1-D copy."""

    name_ = "MaskedSelectBackward0"
    graph_inputs = (0,)
    saves_indices = True

    @staticmethod
    def forward(ctx, a, mask):
        if mask._dtype.name != "bool":
            raise RuntimeError("masked_select: expected BoolTensor for mask")
        shape = _broadcast_shape(a._shape, mask._shape)
        xp = backend.xp_of(a._arr)
        ctx.in_shape, ctx.shape = a._shape, shape
        ctx.key = (xp.broadcast_to(mask._arr, shape),)
        return backend.contiguous(xp.broadcast_to(a._arr, shape)[ctx.key])

    @staticmethod
    def backward(ctx, grad):
        ctx._check_saved()
        return _sum_to(IndexAddInto.apply(grad, ctx.shape, ctx.key), ctx.in_shape), None


class MaskedFill(Function):
    name_ = "MaskedFillBackward0"
    graph_inputs = (0, 2)

    @staticmethod
    def forward(ctx, a, mask, value):
        if mask._dtype.name != "bool":
            raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                               f"{_C_TYPE_NAMES[mask._dtype.name]}")
        if isinstance(value, Tensor):
            if value.ndim:
                raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but "
                                   f"got tensor with {value.ndim} dimension(s).")
            ctx.name_ = "MaskedFillBackward1"
        _broadcast_shape(a._shape, mask._shape)
        ctx.in_shape = a._shape
        ctx.save_for_backward(mask)
        xp = backend.xp_of(a._arr)
        v = value._arr if isinstance(value, Tensor) else value
        return backend.contiguous(xp.where(mask._arr, xp.asarray(v, dtype=a._dtype.np), a._arr))

    @staticmethod
    def backward(ctx, grad):
        (mask,) = ctx.saved_tensors
        ga = _sum_to(grad.masked_fill(mask, 0.0), ctx.in_shape) if ctx.needs_input_grad[0] else None
        gv = grad.where(mask, grad.new_zeros(())).sum() if ctx.needs_input_grad[2] else None
        return ga, None, gv
