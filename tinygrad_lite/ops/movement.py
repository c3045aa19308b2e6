"""Views (shared storage, no copy) and the copies that move data: cat, stack, clone, to."""
from .. import backend
from .. import dtypes as _dt
from ..autograd.engine import _sum_to
from ..autograd.function import _FREED, Function, _edge, next_sequence_nr
from ..tensor import Tensor, _view_strides, _infer_size, _wrap_dim


# geometry: each returns a view Tensor (no grad recording) -------------------------------
def view_geometry(a, shape):
    shape = _infer_size(shape, a.numel())
    stride = _view_strides(a._shape, a._stride, shape)
    if stride is None:
        raise RuntimeError("view size is not compatible with input tensor's size and stride (at "
                           "least one dimension spans across two contiguous subspaces). Use "
                           ".reshape(...) instead.")
    return a._view(shape, stride, a._offset)


def select_geometry(a, dim, index):
    if a.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    dim = _wrap_dim(dim, a.ndim)
    size = a._shape[dim]
    if not -size <= index < size:
        raise IndexError(f"index {index} is out of bounds for dimension {dim} with size {size}")
    index %= size
    return a._view(a._shape[:dim] + a._shape[dim + 1:], a._stride[:dim] + a._stride[dim + 1:],
                   a._offset + index * a._stride[dim])


def slice_geometry(a, dim, start, stop, step):
    dim = _wrap_dim(dim, a.ndim)
    size = a._shape[dim]
    if step <= 0:
        raise ValueError("step must be greater than zero")
    start, stop, _ = slice(start, stop).indices(size)
    length = max(0, (stop - start + step - 1) // step)
    shape = a._shape[:dim] + (length,) + a._shape[dim + 1:]
    stride = a._stride[:dim] + (a._stride[dim] * step,) + a._stride[dim + 1:]
    return a._view(shape, stride, a._offset + start * a._stride[dim])


def expand_geometry(a, shape):
    if len(shape) < a.ndim:
        raise RuntimeError(f"expand(torch.FloatTensor{{[{', '.join(map(str, a._shape))}]}}, "
                           f"size=[{', '.join(map(str, shape))}]): the number of sizes provided "
                           f"({len(shape)}) must be greater or equal to the number of dimensions "
                           f"in the tensor ({a.ndim})")
    lead = len(shape) - a.ndim
    new_shape, new_stride = [], []
    for i, n in enumerate(shape):
        if i < lead:
            if n < 0:
                raise RuntimeError(f"The expanded size of the tensor ({n}) isn't allowed in a "
                                   "leading, non-existing dimension 0")
            new_shape.append(n)
            new_stride.append(0)
            continue
        old, st = a._shape[i - lead], a._stride[i - lead]
        if n == -1:
            n = old
        if old == n:
            new_shape.append(n)
            new_stride.append(st)
        elif old == 1:
            new_shape.append(n)
            new_stride.append(0)
        else:
            raise RuntimeError(f"The expanded size of the tensor ({n}) must match the existing "
                               f"size ({old}) at non-singleton dimension {i}.  Target sizes: "
                               f"[{', '.join(map(str, shape))}].  Tensor sizes: "
                               f"[{', '.join(map(str, a._shape))}]")
    return a._view(new_shape, new_stride, a._offset)


def permute_geometry(a, dims):
    if len(dims) != a.ndim:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does "
                           f"not match the length of the desired ordering of dimensions i.e. "
                           f"input.dim() = {a.ndim} is not equal to len(dims) = {len(dims)}")
    dims = [_wrap_dim(d, a.ndim) for d in dims]
    if len(set(dims)) != len(dims):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return a._view([a._shape[d] for d in dims], [a._stride[d] for d in dims], a._offset)


# view Functions -----------------------------------------------------------------------
class View(Function):
    name_ = "ViewBackward0"

    @staticmethod
    def forward(ctx, a, shape):
        ctx.in_shape = a._shape
        return view_geometry(a, shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.in_shape), None

    @staticmethod
    def array_backward(ctx, grad):  # reshape of a contiguous gradient: the view, unrecorded
        return (view_geometry(grad, ctx.in_shape), None) if grad.is_contiguous() else None


class Alias(Function):
    name_ = "AliasBackward0"

    @staticmethod
    def forward(ctx, a):
        return a._view(a._shape, a._stride, a._offset)

    @staticmethod
    def backward(ctx, grad):
        return grad


class UnsafeView(View):
    """torch's _unsafe_view: shares the storage of a tensor nothing else holds, but is no view."""

    name_ = "UnsafeViewBackward0"

    @staticmethod
    def forward(ctx, a, shape):
        out = View.forward(ctx, a, shape)
        out._base = None
        return out


class ReshapeAlias(View):
    """reshape() of a non-contiguous tensor that can still be viewed."""

    name_ = "ReshapeAliasBackward0"


class Transpose(Function):
    name_ = "TransposeBackward0"

    @staticmethod
    def forward(ctx, a, d0, d1):
        d0, d1 = _wrap_dim(d0, a.ndim), _wrap_dim(d1, a.ndim)
        ctx.dims = (d0, d1)
        dims = list(range(a.ndim))
        if a.ndim:
            dims[d0], dims[d1] = d1, d0
        return a._view([a._shape[d] for d in dims], [a._stride[d] for d in dims], a._offset)

    @staticmethod
    def backward(ctx, grad):
        return grad.transpose(*ctx.dims), None, None


class T(Function):
    name_ = "TBackward0"

    @staticmethod
    def forward(ctx, a):
        if a.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {a.ndim}D")
        return a._view(a._shape[::-1], a._stride[::-1], a._offset)

    @staticmethod
    def backward(ctx, grad):
        return grad.t()

    @staticmethod
    def array_backward(ctx, grad):
        return (T.forward(ctx, grad),)


class Permute(Function):
    name_ = "PermuteBackward0"

    @staticmethod
    def forward(ctx, a, dims):
        out = permute_geometry(a, dims)
        ctx.dims = [_wrap_dim(d, a.ndim) for d in dims]
        return out

    @staticmethod
    def backward(ctx, grad):
        inverse = [0] * len(ctx.dims)
        for i, d in enumerate(ctx.dims):
            inverse[d] = i
        return grad.permute(inverse), None


class Unsqueeze(Function):
    name_ = "UnsqueezeBackward0"

    @staticmethod
    def forward(ctx, a, dim):
        dim = _wrap_dim(dim, a.ndim + 1)
        ctx.dim = dim
        stride = a._stride[dim] * a._shape[dim] if dim < a.ndim else 1
        return a._view(a._shape[:dim] + (1,) + a._shape[dim:],
                       a._stride[:dim] + (stride,) + a._stride[dim:], a._offset)

    @staticmethod
    def backward(ctx, grad):
        return grad.squeeze(ctx.dim), None


class Squeeze(Function):
    name_ = "SqueezeBackward0"

    @staticmethod
    def forward(ctx, a, dims):
        ctx.in_shape = a._shape
        if dims is None:
            keep = [i for i, n in enumerate(a._shape) if n != 1]
        else:
            ctx.name_ = "SqueezeBackward1" if len(dims) == 1 else "SqueezeBackward2"
            drop = [_wrap_dim(d, a.ndim) for d in dims]
            if len(set(drop)) != len(drop):
                raise RuntimeError(f"dim {drop[0]} appears multiple times in the list of dims")
            keep = [i for i, n in enumerate(a._shape) if not (i in drop and n == 1)]
        return a._view([a._shape[i] for i in keep], [a._stride[i] for i in keep], a._offset)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.in_shape), None


class Expand(Function):
    name_ = "ExpandBackward0"

    @staticmethod
    def forward(ctx, a, shape):
        ctx.in_shape = a._shape
        return expand_geometry(a, shape)

    @staticmethod
    def backward(ctx, grad):
        return _sum_to(grad, ctx.in_shape), None

    @staticmethod
    def array_backward(ctx, grad):
        return _sum_to(grad, ctx.in_shape, arrays=True), None


class _ScatterView(Function):
    """Backward of a sub-view (select, slice, as_strided): the gradient placed into zeros of the
    input's shape. Its own backward takes the same sub-view again, so double backward works."""

    name_ = "ViewScatterBackward0"

    @staticmethod
    def forward(ctx, grad, in_shape, take):
        ctx.take = take
        return _scattered(grad, in_shape, take)

    @staticmethod
    def backward(ctx, g):
        return ctx.take(g), None, None


def _scattered(grad, in_shape, take):
    """`grad` written into the region `take` selects of zeros of the input's shape."""
    out = Tensor._full(in_shape, 0, grad._dtype, grad.device)
    take(out)._arr[...] = grad._arr
    return out


class Select(Function):
    name_ = "SelectBackward0"

    @staticmethod
    def forward(ctx, a, dim, index):
        ctx.in_shape, ctx.args = a._shape, (dim, index)
        return select_geometry(a, dim, index)

    @staticmethod
    def backward(ctx, grad):
        dim, index = ctx.args
        take = lambda t: t.select(dim, index)  # noqa: E731
        return _ScatterView.apply(grad, ctx.in_shape, take), None, None

    @staticmethod
    def array_backward(ctx, grad):
        return _scattered(grad, ctx.in_shape, lambda t: select_geometry(t, *ctx.args)), None, None


class Slice(Function):
    name_ = "SliceBackward0"

    @staticmethod
    def forward(ctx, a, dim, start, stop, step):
        ctx.in_shape, ctx.args = a._shape, (dim, start, stop, step)
        return slice_geometry(a, dim, start, stop, step)

    @staticmethod
    def backward(ctx, grad):
        args = ctx.args
        take = lambda t: Slice.apply(t, *args)  # noqa: E731
        return (_ScatterView.apply(grad, ctx.in_shape, take),) + (None,) * 4

    @staticmethod
    def array_backward(ctx, grad):
        return (_scattered(grad, ctx.in_shape, lambda t: slice_geometry(t, *ctx.args)),) + (None,) * 4


class AsStrided(Function):
    name_ = "AsStridedBackward0"

    @staticmethod
    def view_of_base(base, view):
        """Make `view` read its history from its base's current one (after an in-place write)."""
        node = AsStrided.__new__(AsStrided)
        node._seq = next_sequence_nr()
        node.in_geom = (base._shape, base._stride, 0)
        node.args = (view._shape, view._stride, view._offset - base._offset)
        node.needs_input_grad = (True, False, False, False)
        node._n_args, node._input_slots = 4, (0,)
        node.next_functions = (_edge(base),)
        node._input_meta = ((base._shape, base._dtype),)
        node._n_outputs = 1
        view.grad_fn, view._output_nr, view._requires_grad = node, 0, True

    @staticmethod
    def forward(ctx, a, size, stride, offset):
        ctx.in_geom = (a._shape, a._stride, a._offset)
        offset = a._offset if offset is None else offset
        ctx.args = (tuple(size), tuple(stride), offset)
        needed = 0 if 0 in size else 1 + offset + sum((n - 1) * s for n, s in zip(size, stride))
        if needed > a._storage.data.size:
            item = a._dtype.itemsize
            raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage "
                               f"offset {offset}, and itemsize {item} requiring a storage size of "
                               f"{needed * item} are out of bounds for storage of size "
                               f"{a._storage.data.size * item}")
        return a._view(size, stride, offset)

    @staticmethod
    def backward(ctx, grad):
        from .indexing import Index, IndexPut
        xp = backend.xp_of(grad._arr)
        in_pos = storage_positions(xp, *ctx.in_geom).reshape(-1)
        out_pos = storage_positions(xp, *ctx.args).reshape(-1)
        span = 1 + int(max(in_pos.max(initial=-1), out_pos.max(initial=-1)))
        # the gradient of each storage cell the view reads, shared among the input's elements
        # that alias that cell (an expanded input), as torch's as_strided_backward
        cells = IndexPut.apply(grad.new_zeros(span), (out_pos,), grad.reshape(-1), True)
        count = xp.bincount(in_pos, minlength=span)[in_pos].astype(grad._dtype.np)
        shared = Index.apply(cells, (in_pos,)) / Tensor._make(count)
        return shared.reshape(ctx.in_geom[0]), None, None, None


def storage_positions(xp, shape, stride, offset):
    """The storage index of every element of a view with this geometry, as an int64 array."""
    pos = xp.full(tuple(shape), offset, dtype=xp.int64)
    for d, (n, s) in enumerate(zip(shape, stride)):
        dims = [1] * len(shape)
        dims[d] = n
        pos = pos + (xp.arange(n, dtype=xp.int64) * s).reshape(dims)
    return pos


class _MultiOutputView(Function):
    """A function returning several views at once (unbind, split): torch forbids writing into
    them in place while recording, and using them once their base was written into."""

    @classmethod
    def apply(cls, *args, **kwargs):
        outs = super().apply(*args, **kwargs)
        for out in outs:
            if out._grad_fn is not None:
                out._multi_output_view = True
        return outs


class Unbind(_MultiOutputView):
    name_ = "UnbindBackward0"

    @staticmethod
    def forward(ctx, a, dim):
        dim = _wrap_dim(dim, a.ndim)
        ctx.dim = dim
        return tuple(select_geometry(a, dim, i) for i in range(a._shape[dim]))

    @staticmethod
    def backward(ctx, *grads):
        from ..creation import stack
        return stack(grads, ctx.dim), None


class Split(_MultiOutputView):
    name_ = "SplitBackward0"

    @staticmethod
    def forward(ctx, a, sizes, dim, name):
        ctx.name_ = name
        dim = _wrap_dim(dim, a.ndim)
        ctx.dim = dim
        outs, start = [], 0
        for n in sizes:
            outs.append(slice_geometry(a, dim, start, start + n, 1))
            start += n
        return tuple(outs)

    @staticmethod
    def backward(ctx, *grads):
        from ..creation import cat
        return cat(grads, ctx.dim), None, None, None


class Cat(Function):
    name_ = "CatBackward0"

    @staticmethod
    def forward(ctx, dim, *tensors):
        if not tensors:
            raise ValueError("torch.cat(): expected a non-empty list of Tensors")
        ref = next((t for t in tensors if not (t.ndim == 1 and t._shape[0] == 0)), tensors[0])
        if ref.ndim == 0:
            raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
        # torch skips 1-D empty tensors (legacy), and with nothing else left, the dim too
        legacy_empty = all(t.ndim == 1 and t._shape[0] == 0 for t in tensors)
        dim = 0 if legacy_empty else _wrap_dim(dim, ref.ndim)
        dtype = tensors[0]._dtype
        for i, t in enumerate(tensors):
            dtype = _dt.promote_types(dtype, t._dtype)
            if t.ndim == 1 and t._shape[0] == 0 and ref.ndim != 1:
                continue
            if t.ndim != ref.ndim:
                raise RuntimeError(f"Tensors must have same number of dimensions: got {ref.ndim} and {t.ndim}")
            for d in range(ref.ndim):
                if d != dim and t._shape[d] != ref._shape[d]:
                    raise RuntimeError(f"Sizes of tensors must match except in dimension {dim}. "
                                       f"Expected size {ref._shape[d]} but got size {t._shape[d]} "
                                       f"for tensor number {i} in the list.")
        ctx.dim = dim
        # None: a 1-D empty tensor, whose gradient is a fresh empty tensor (as torch's)
        ctx.sizes = [None if t.ndim == 1 and t._shape[0] == 0 else t._shape[dim] for t in tensors]
        xp = backend.xp_of(ref._arr)
        arrays = [t._arr.astype(dtype.np, copy=False) for t in tensors
                  if not (t.ndim == 1 and t._shape[0] == 0 and ref.ndim != 1)]
        return backend.contiguous(xp.concatenate(arrays, axis=dim))

    @staticmethod
    def backward(ctx, grad):
        grads, start = [], 0
        for n in ctx.sizes:
            if n is None:
                grads.append(grad.new_zeros((0,)).detach())
                continue
            grads.append(grad.narrow(ctx.dim, start, n))
            start += n
        return (None,) + tuple(grads)


class Stack(Function):
    name_ = "StackBackward0"

    @staticmethod
    def forward(ctx, dim, *tensors):
        if not tensors:
            raise RuntimeError("stack expects a non-empty TensorList")
        for i, t in enumerate(tensors):
            if t._shape != tensors[0]._shape:
                raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                                   f"[{', '.join(map(str, tensors[0]._shape))}] at entry 0 and "
                                   f"[{', '.join(map(str, t._shape))}] at entry {i}")
        dim = _wrap_dim(dim, tensors[0].ndim + 1)
        ctx.dim = dim
        dtype = tensors[0]._dtype
        for t in tensors:
            dtype = _dt.promote_types(dtype, t._dtype)
        xp = backend.xp_of(tensors[0]._arr)
        return backend.contiguous(xp.stack([t._arr.astype(dtype.np, copy=False) for t in tensors],
                                             axis=dim))

    @staticmethod
    def backward(ctx, grad):
        return (None,) + tuple(grad.unbind(ctx.dim))


class Clone(Function):
    name_ = "CloneBackward0"

    @staticmethod
    def forward(ctx, a, contiguous=False):
        if contiguous:
            out = backend.contiguous(a._arr)
            return out.copy() if out is a._arr else out
        return backend.clone_preserving(a._arr)

    @staticmethod
    def backward(ctx, grad):
        return grad, None


def dense_strides(a):
    """a's strides if it is dense, else the dense strides that keep the order of its dims."""
    if a._is_dense():
        return a._stride
    return backend.pointwise_strides(a._shape, [(a._shape, a._stride)])


class ToCopy(Function):
    name_ = "ToCopyBackward0"

    @staticmethod
    def forward(ctx, a, dtype, device):
        ctx.src = (a._dtype, a.device)
        arr = a._arr
        if device != a.device:
            arr = backend.to_device(arr, device)
        arr = backend.clone_preserving(arr, dtype.np) if arr is a._arr else arr.astype(dtype.np, copy=False)
        return Tensor._make(arr, device)

    @staticmethod
    def backward(ctx, grad):
        dtype, device = ctx.src
        return grad.to(device=device, dtype=dtype if dtype.is_floating_point else grad.dtype), None, None


class Copy(Function):
    name_ = "torch::autograd::CopyBackwards"

    @staticmethod
    def forward(ctx, dst, src):
        ctx.src_meta = (src._shape, src._dtype, src.device)
        arr = src._arr
        if src.device != dst.device:
            arr = backend.to_device(arr, dst.device)
        xp = backend.xp_of(dst._arr)
        return xp.broadcast_to(arr.astype(dst._dtype.np, copy=False), dst._shape)

    @staticmethod
    def backward(ctx, grad):
        shape, dtype, device = ctx.src_meta
        gsrc = _sum_to(grad, shape).to(dtype=dtype, device=device) if ctx.needs_input_grad[1] else None
        return (grad.new_zeros(grad.shape) if ctx.needs_input_grad[0] else None), gsrc


class Fill(Function):
    """fill_(value): the new values do not depend on the old ones; a 0-d tensor `value` (the
    optional second input) receives the sum of the gradient."""

    name_ = "FillBackward2"

    @staticmethod
    def forward(ctx, a, *value):
        ctx.has_value = bool(value)
        if value:
            ctx.name_ = "FillBackward3"
        return a._arr.copy()

    @staticmethod
    def backward(ctx, grad):
        if not ctx.has_value:
            return grad.new_zeros(grad.shape)
        return grad.new_zeros(grad.shape), grad.sum() if ctx.needs_input_grad[1] else None


class Zero(Fill):
    name_ = "ZeroBackward0"


class Repeat(Function):
    name_ = "RepeatBackward0"

    @staticmethod
    def forward(ctx, a, repeats):
        if len(repeats) < a.ndim:
            raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                               "of dimensions of tensor")
        ctx.in_shape, ctx.repeats = a._shape, tuple(repeats)
        lead = len(repeats) - a.ndim
        arr = a._arr.reshape((1,) * lead + a._shape)
        return backend.contiguous(backend.xp_of(arr).tile(arr, repeats))

    @staticmethod
    def backward(ctx, grad):
        if 0 in ctx.repeats:  # nothing was repeated: torch's zeros (not part of the graph)
            return grad.new_zeros(ctx.in_shape), None
        lead = len(ctx.repeats) - len(ctx.in_shape)
        full_in = (1,) * lead + ctx.in_shape
        split_shape = []
        for r, n in zip(ctx.repeats, full_in):
            split_shape += [r, n]
        g = grad.reshape(split_shape).sum(tuple(range(0, 2 * len(full_in), 2)))
        return g.reshape(ctx.in_shape), None


class Flip(Function):
    name_ = "FlipBackward0"

    @staticmethod
    def forward(ctx, a, dims):
        ctx.dims = tuple(_wrap_dim(d, a.ndim) for d in dims)
        if a.ndim == 0:
            return a._arr.copy()
        return backend.copy_with_strides(backend.xp_of(a._arr).flip(a._arr, ctx.dims), dense_strides(a))

    @staticmethod
    def backward(ctx, grad):
        return grad.flip(ctx.dims), None


class CopySlices(Function):
    """The node an in-place write into a view leaves on the view's base, as torch's: it wraps the
    write's own node `fn` (whose first input is the view). The base's gradient passes through
    outside the written region; inside, fn's backward runs on it, fn's gradient for the view goes
    back into the region, and fn's other inputs receive the rest of its gradients."""

    name_ = "torch::autograd::CopySlices"

    @staticmethod
    def rebase(base, view, result):
        fn = result.grad_fn
        node = CopySlices.__new__(CopySlices)
        node._seq = next_sequence_nr()
        node.fn, node.key = fn, _region_key(base, view)
        node.needs_input_grad = (base._requires_grad,) + tuple(fn.needs_input_grad[i]
                                                               for i in fn._input_slots[1:])
        node.next_functions = ((_edge(base) if base._requires_grad else (None, 0)),) + \
            tuple(fn.next_functions[1:])
        node._input_meta = ((base._shape, base._dtype),) + tuple(fn._input_meta[1:])
        node._n_outputs = 1
        base.grad_fn, base._output_nr, base._requires_grad = node, 0, True
        AsStrided.view_of_base(base, view)  # the view now reads its history through the base

    @staticmethod
    def backward(ctx, grad):
        from ..autograd.engine import _call_backward
        from .indexing import Index, IndexPut
        if ctx.fn is None:  # released by an earlier backward (torch's CopySlices always raises)
            raise RuntimeError(_FREED)
        results = _call_backward(ctx.fn, [Index.apply(grad, ctx.key)])
        grad_view = results[0] if results[0] is not None else 0.0
        grad_base = IndexPut.apply(grad, ctx.key, grad_view) if ctx.needs_input_grad[0] else None
        return (grad_base,) + tuple(results[1:])

    def _release(self):
        self.fn = None


def _region_key(base, view):
    """The base's multi-indices of the view's elements, as index arrays of the view's shape (a
    base owns its memory, so each storage position it covers is one of its elements)."""
    xp = backend.xp_of(base._arr)
    pos = storage_positions(xp, view._shape, view._stride, view._offset - base._offset)
    key = [xp.zeros(view._shape, dtype=xp.int64)] * base.ndim
    for d in sorted(range(base.ndim), key=lambda d: -base._stride[d]):
        if base._shape[d] != 1 and base._stride[d]:
            key[d] = pos // base._stride[d]
            pos = pos - key[d] * base._stride[d]
    return tuple(key)
