"""Matrix products. matmul decomposes into dot/mv/mm/bmm as torch does, so grad_fn names match."""
from .. import backend
from ..autograd.function import Function
from ..tensor import Tensor, _broadcast_shape, check_same_device

_TYPE = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
         "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
         "bool": "bool"}


def _check_dtypes(a, b):
    check_same_device(a, b)
    if a._dtype is not b._dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{_TYPE[a._dtype.name]} != {_TYPE[b._dtype.name]}")


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
        return a._arr @ b._arr

    @staticmethod
    def backward(ctx, grad):
        b, a = ctx.saved_tensors
        return (grad.mm(b.t()) if b is not None else None), (a.t().mm(grad) if a is not None else None)


class Bmm(Function):
    name_ = "BmmBackward0"

    @staticmethod
    def forward(ctx, a, b):
        if a.ndim != 3 or b.ndim != 3:
            raise RuntimeError(f"batch1 must be a 3D tensor" if a.ndim != 3 else "batch2 must be a 3D tensor")
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
    """torch.matmul's dispatch on the inputs' dimensions."""
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
    if da >= 3 and db <= 2:  # fold the batch into the rows
        from .movement import UnsafeView
        if db == 1:
            out = Mv.apply(a.reshape(_prod(a._shape[:-1]), a._shape[-1]), b)
            return UnsafeView.apply(out, a._shape[:-1])
        if a._shape[-1] != b._shape[0]:
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_prod(a._shape[:-1])}x"
                               f"{a._shape[-1]} and {b._shape[0]}x{b._shape[1]})")
        out = Mm.apply(a.reshape(_prod(a._shape[:-1]), a._shape[-1]), b)
        return UnsafeView.apply(out, a._shape[:-1] + (b._shape[1],))
    # general batched case: broadcast the batch dims, then bmm
    from .movement import UnsafeView
    a2 = a.unsqueeze(0) if da == 1 else a
    b2 = b.unsqueeze(-1) if db == 1 else b
    if a2._shape[-1] != b2._shape[-2]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{_prod(a2._shape[:-2])}, {a2._shape[-1]}] but got: "
                           f"[{_prod(b2._shape[:-2])}, {b2._shape[-2]}].")
    batch = _broadcast_shape(a2._shape[:-2], b2._shape[:-2])
    n, k, m = a2._shape[-2], a2._shape[-1], b2._shape[-1]
    a3 = a2.expand(batch + (n, k)).reshape(_prod(batch), n, k)
    b3 = b2.expand(batch + (k, m)).reshape(_prod(batch), k, m)
    out_shape = batch + ((n,) if da > 1 else ()) + ((m,) if db > 1 else ())
    return UnsafeView.apply(Bmm.apply(a3, b3), out_shape)


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
