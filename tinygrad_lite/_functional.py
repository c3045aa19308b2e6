"""torch.<op>(tensor, ...) forms of the Tensor methods."""
from .tensor import Tensor
from .ops import elementwise as _E

__all__ = []


def _export(fn, name=None):
    name = name or fn.__name__
    globals()[name] = fn
    __all__.append(name)
    return fn


def _forward_to_method(name):
    def fn(input, *args, **kwargs):
        return getattr(input, name)(*args, **kwargs)
    fn.__name__ = name
    fn.__doc__ = f"torch.{name}(input, ...) = input.{name}(...)"
    return fn


for _name in ("exp", "log", "log2", "log10", "log1p", "expm1", "sin", "cos", "tan", "tanh", "sinh",
              "cosh", "asin", "acos", "atan", "arcsin", "arccos", "arctan", "sigmoid", "sqrt",
              "rsqrt", "reciprocal", "abs", "absolute", "neg", "negative", "relu", "floor", "ceil",
              "round", "trunc", "sign", "square", "erf", "add", "sub", "subtract", "mul",
              "multiply", "div", "divide", "true_divide", "pow", "remainder", "fmod", "clamp",
              "clip", "maximum", "minimum", "sum", "mean", "prod", "amax", "amin", "argmax",
              "argmin", "std", "var", "norm", "logsumexp", "softmax", "log_softmax", "cumsum",
              "all", "any", "matmul", "mm", "bmm", "mv", "dot", "outer", "inner", "reshape",
              "view_as_real", "transpose", "swapaxes", "t", "permute", "unsqueeze", "squeeze",
              "flatten", "unflatten", "ravel", "ger", "narrow", "select", "unbind", "split", "chunk", "flip",
              "movedim", "moveaxis", "gather", "scatter", "scatter_add", "index_select",
              "masked_fill", "masked_select", "nonzero", "tril", "triu", "eq", "ne", "lt", "le",
              "gt", "ge", "equal", "allclose", "isclose", "isnan", "isinf", "isfinite",
              "logical_not", "logical_and", "logical_or", "logical_xor", "lerp", "addcmul",
              "addcdiv", "clone", "detach", "numel", "repeat_interleave", "count_nonzero",
              "as_strided", "floor_divide", "bitwise_not", "hardtanh", "frac"):
    if hasattr(Tensor, _name) or _name not in ("view_as_real", "repeat_interleave"):
        if hasattr(Tensor, _name):
            _export(_forward_to_method(_name))


@_export
def max(input, dim=None, keepdim=False, *, out=None):  # noqa: A001
    return input.max(dim, keepdim) if dim is not None else input.max()


@_export
def min(input, dim=None, keepdim=False, *, out=None):  # noqa: A001
    return input.min(dim, keepdim) if dim is not None else input.min()


@_export
def xlogy(input, other, *, out=None):
    """input * log(other), 0 where input is 0; either side may be a Python number."""
    return _E.Xlogy.apply(input, other)


@_export
def where(condition, input=None, other=None):
    if input is None and other is None:
        return condition.nonzero(as_tuple=True)
    return _E.Where.apply(condition, input, other)


@_export
def clamp_min(input, min):  # noqa: A002
    return input.clamp_min(min)


@_export
def clamp_max(input, max):  # noqa: A002
    return input.clamp_max(max)


@_export
def broadcast_shapes(*shapes):
    from .tensor import _broadcast_shape, Size
    out = ()
    for s in shapes:
        out = _broadcast_shape(out, tuple(s) if not isinstance(s, int) else (s,))
    return Size(out)


@_export
def broadcast_tensors(*tensors):
    shape = broadcast_shapes(*(t.shape for t in tensors))
    return tuple(t if t.shape == shape else t.expand(shape) for t in tensors)


@_export
def result_type(tensor1, tensor2):
    from .dtypes import result_type as rt
    return rt(tensor1, tensor2)


@_export
def can_cast(from_, to):
    from .tensor import _can_cast
    return _can_cast(from_, to)
