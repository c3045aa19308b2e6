"""Matrix products. matmul decomposes into dot/mv/mm/bmm as torch does, so grad_fn names match."""
from .. import backend
from ..autograd.function import Function
from ..tensor import Tensor, _C_TYPE_NAMES, _broadcast_shape, check_same_device


def _check_dtypes(a, b):
    check_same_device(a, b)
    if a._dtype is not b._dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{_C_TYPE_NAMES[a._dtype.name]} != {_C_TYPE_NAMES[b._dtype.name]}")


class Dot(Function):
    name_ = "DotBackward0"

    @staticmethod
    def forward(ctx, a, b):
        if a.ndim != 1 or b.ndim != 1:
            raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
        if a._shape != b._shape:
            raise RuntimeError(f"inconsistent tensor size, expected tensor [{a._shape[0]}] and src "
                               f"[{b._shape[0]}] to have the same number of elements, but got "
                               f"{a._shape[0]} and {b._shape[0]} elements respectively")
        if a._dtype is not b._dtype:
            raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                               f"{a._dtype.name.capitalize()} and {b._dtype.name.capitalize()}")
        ctx.save_for_backward(b if ctx.needs_input_grad[0] else None,
                              a if ctx.needs_input_grad[1] else None)
        return backend.xp_of(a._arr).asarray(a._arr @ b._arr)

    @staticmethod
    def backward(ctx, grad):
        b, a = ctx.saved_tensors
        return (grad * b if b is not None else None), (grad * a if a is not None else None)


class Mv(Function):
    name_ = "MvBackward0"

    @staticmethod
    def forward(ctx, m, v):
        if m.ndim == 0:
            raise IndexError("Dimension specified as 0 but tensor has no dimensions")
        if m.ndim != 2 or v.ndim != 1:
            raise RuntimeError(f"vector + matrix @ vector expected, got 1, {m.ndim}, {v.ndim}")
        _check_dtypes(m, v)
        if m._shape[1] != v._shape[0]:
            raise RuntimeError(f"size mismatch, got input ({m._shape[0]}), mat "
                               f"({m._shape[0]}x{m._shape[1]}), vec ({v._shape[0]})")
        ctx.save_for_backward(v if ctx.needs_input_grad[0] else None,
                              m if ctx.needs_input_grad[1] else None)
        return m._arr @ v._arr

    @staticmethod
    def backward(ctx, grad):
        v, m = ctx.saved_tensors
        gm = grad.unsqueeze(1) * v if v is not None else None
        gv = m.t().mv(grad) if m is not None else None
        return gm, gv


class Mm(Function):
    name_ = "MmBackward0"

    @staticmethod
    def forward(ctx, a, b):
        if a.ndim != 2 or b.ndim != 2:
            raise RuntimeError(f"{'self' if a.ndim != 2 else 'mat2'} must be a matrix")
        _check_dtypes(a, b)
        if a._shape[1] != b._shape[0]:
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a._shape[0]}x"
                               f"{a._shape[1]} and {b._shape[0]}x{b._shape[1]})")
        ctx.save_for_backward(b if ctx.needs_input_grad[0] else None,
                              a if ctx.needs_input_grad[1] else None)
        ctx.column_major = column_major(a), column_major(b)
        return backend.matmul2d(a._arr, b._arr)

    @staticmethod
    def backward(ctx, grad):
        b, a = ctx.saved_tensors
        return mm_grads(grad, a, b, ctx.column_major)

    @staticmethod
    def array_backward(ctx, grad):
        b, a = ctx.saved_tensors
        return mm_grad_arrays(grad, a, b, ctx.column_major)


def column_major(m):
    """torch's test for a matrix stored column by column (a transposed contiguous one)."""
    return m._stride[0] == 1 and m._stride[1] == m._shape[0]


def mm_grads(grad, mat1, mat2, layouts):
    """The gradients of mat1 @ mat2 (None where the other factor was not saved); `layouts` says
    which factors were column-major. As torch's mm_mat1/mm_mat2_backward, a column-major factor
    gets a column-major gradient, so a transposed weight's gradient is contiguous again after
    TBackward (no transposing copy)."""
    g1 = g2 = None
    if mat2 is not None:
        g1 = mat2.mm(grad.t()).t() if layouts[0] else grad.mm(mat2.t())
    if mat1 is not None:
        g2 = grad.t().mm(mat1).t() if layouts[1] else mat1.t().mm(grad)
    return g1, g2


def mm_grad_arrays(grad, mat1, mat2, layouts):
    """mm_grads as the same matrix products on the arrays (the same bits and layouts; None where
    a dtype differs, which the tensor products would reject)."""
    g, mm = grad._arr, backend.matmul2d
    if any(m is not None and m._arr.dtype != g.dtype for m in (mat1, mat2)):
        return None
    g1 = g2 = None
    if mat2 is not None:
        g1 = _t_view(mm(mat2._arr, g.T)) if layouts[0] else mm(g, mat2._arr.T)
    if mat1 is not None:
        g2 = _t_view(mm(g.T, mat1._arr)) if layouts[1] else mm(mat1._arr.T, g)
    return g1, g2


def _t_view(product):
    """`.t()` of a new tensor holding `product`: the view the tensor formula's `.t()` gives."""
    t = Tensor._make(product)
    return t._view(t._shape[::-1], t._stride[::-1], 0)


class Bmm(Function):
    name_ = "BmmBackward0"

    @staticmethod
    def forward(ctx, a, b):
        if a.ndim != 3 or b.ndim != 3:
            raise RuntimeError("batch1 must be a 3D tensor" if a.ndim != 3 else "batch2 must be a 3D tensor")
        _check_dtypes(a, b)
        if a._shape[0] != b._shape[0] or a._shape[2] != b._shape[1]:
            raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                               f"[{a._shape[0]}, {a._shape[2]}] but got: [{b._shape[0]}, {b._shape[1]}].")
        ctx.save_for_backward(b if ctx.needs_input_grad[0] else None,
                              a if ctx.needs_input_grad[1] else None)
        return a._arr @ b._arr

    @staticmethod
    def backward(ctx, grad):
        b, a = ctx.saved_tensors
        return (grad.bmm(b.transpose(1, 2)) if b is not None else None), \
            (a.transpose(1, 2).bmm(grad) if a is not None else None)


def matmul(a, b):
    """torch.matmul's dispatch on the inputs' dimensions (dot, mv, mm, a folded mm/mv, or bmm over
    broadcast batches), so the result's graph and layout are torch's."""
    from .movement import UnsafeView
    da, db = a.ndim, b.ndim
    if da == 0 or db == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {da}D "
                           f"and {db}D")
    if da == 1 and db == 1:
        return Dot.apply(a, b)
    if da == 2 and db == 1:
        return Mv.apply(a, b)
    if da == 1 and db == 2:
        return Mm.apply(a.unsqueeze(0), b)._squeeze_named(0, "SqueezeBackward4")
    if da == 2 and db == 2:
        return Mm.apply(a, b)
    if _should_fold(a, b):  # the batched operand folded into the rows of one matrix
        transpose = db > da
        t1 = b.mT if transpose else a
        t2 = (a.t() if da == 2 else a) if transpose else b
        out_shape = t1._shape[:-1]
        folded = t1.reshape(_prod(out_shape), t1._shape[-1])
        if t2.ndim == 1:
            return UnsafeView.apply(Mv.apply(folded, t2), out_shape)
        out = UnsafeView.apply(Mm.apply(folded, t2), out_shape + (t2._shape[1],))
        return out.mT.contiguous() if transpose else out
    n, m1 = (a._shape[-2] if da > 1 else 1), a._shape[-1]
    m2, p = (b._shape[-2], b._shape[-1]) if db > 1 else (b._shape[0], 1)
    batch_a, batch_b = a._shape[:max(da - 2, 0)], b._shape[:max(db - 2, 0)]
    if da == 3 and db == 3 and batch_a[0] != batch_b[0]:  # a batch of one that needs a gradient
        if batch_a[0] == 1 and a._requires_grad:
            return matmul(a.squeeze(0), b)
        if batch_b[0] == 1 and b._requires_grad:
            return matmul(a, b.squeeze(0))
    batch = _broadcast_shape(batch_a, batch_b)
    count = _prod(batch)
    a3 = a.expand(batch + (n, m1)).reshape(count, n, m1)
    out_shape = batch + ((n,) if da > 1 else ()) + ((p,) if db > 1 else ())
    if db == 1:
        b3 = b.expand(batch + (m2,)).reshape(count, m2).unsqueeze(2)
        return UnsafeView.apply(Bmm.apply(a3, b3).squeeze(-1), out_shape)
    b3 = b.expand(batch + (m2, p)).reshape(count, m2, p)
    return UnsafeView.apply(Bmm.apply(a3, b3), out_shape)


def _should_fold(a, b):
    """torch's rule for folding the batched operand into a matrix (mm/mv instead of bmm): when
    the other operand needs a gradient, or when the fold is a view."""
    a_larger = a.ndim >= b.ndim
    t1 = a if a_larger else b.mT
    other = b if a_larger else a
    if not (t1.ndim >= 3 and other.ndim <= 2):
        return False
    if other._requires_grad:
        return True
    if a.ndim == 2:
        return False
    if t1.numel() == 0:
        return True
    return all(t1._stride[i] == t1._stride[i + 1] * t1._shape[i + 1] for i in range(t1.ndim - 2))


def tensordot(a, b, dims_a, dims_b):
    """torch.tensordot's route (permute, reshape to matrices, mm, reshape), so the graph matches."""
    dims_a = [d % a.ndim for d in dims_a]
    dims_b = [d % b.ndim for d in dims_b]
    keep_a = [d for d in range(a.ndim) if d not in dims_a]
    keep_b = [d for d in range(b.ndim) if d not in dims_b]
    contracted = _prod([a._shape[d] for d in dims_a])
    t1 = a.permute(keep_a + dims_a).reshape(_prod([a._shape[d] for d in keep_a]), contracted)
    t2 = b.permute(dims_b + keep_b).reshape(contracted, _prod([b._shape[d] for d in keep_b]))
    return Mm.apply(t1, t2).reshape([a._shape[d] for d in keep_a] + [b._shape[d] for d in keep_b])


def inner(a, b):
    """torch.inner: the product over the last dims (a plain product when either is 0-d)."""
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    if a._shape[-1] != b._shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got "
                           f"shapes {list(a._shape)} and {list(b._shape)}.")
    return tensordot(a, b, [-1], [-1])


def outer(a, b):
    """torch.outer: a as a column times b."""
    for name, t in (("self", a), ("vec2", b)):
        if t.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {t.ndim}-D")
    return a.reshape(a._shape[0], 1) * b


def _prod(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def is_tensor(x):
    return isinstance(x, Tensor)
