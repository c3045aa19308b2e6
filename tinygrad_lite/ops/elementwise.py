"""Elementwise arithmetic and math. Forward on arrays; backward in differentiable tensor ops."""
import math

import numpy as np

from .. import backend
from ..autograd.function import Function, plain_arrays
from ..dtypes import result_type, get_default_dtype, bool_, float16, float32, float64
from ..random import fma32, fma64
from ..backend import contiguous_strides, pointwise_strides, with_strides
from ..tensor import Tensor, _broadcast_shape, check_same_device


def operands(a, b, out_dtype=None):
    """(array-or-scalar a, array-or-scalar b, dtype) cast to torch's common dtype."""
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        if a._storage.device is not b._storage.device:
            check_same_device(a, b)
        if a._shape != b._shape:  # torch's error for shapes that do not broadcast
            _broadcast_shape(a._shape, b._shape)
        dtype = a._dtype
        if dtype is b._dtype and (out_dtype is None or dtype.is_floating_point):
            return a._arr, b._arr, dtype  # (nothing to cast)
        dtype = result_type(a, b)
    elif (type(b) is float or type(b) is int) and isinstance(a, Tensor) and a._dtype.is_floating_point:
        dtype = a._dtype  # a Python number never raises a float tensor's type
        return a._arr, dtype.np.type(b), dtype
    else:
        check_same_device(a, b)
        dtype = result_type(a, b)
    if out_dtype is not None and not dtype.is_floating_point:
        dtype = out_dtype
    return _cast(a, dtype), _cast(b, dtype), dtype


def _cast(x, dtype):
    if isinstance(x, Tensor):
        arr = x._arr
        return arr if arr.dtype == dtype.np else arr.astype(dtype.np)
    if dtype.is_floating_point:
        return dtype.np.type(x)
    if isinstance(x, int) and not isinstance(x, bool) and dtype is not bool_:
        bits = 8 * dtype.itemsize  # wrap around into the dtype's range, as torch's integer math
        x %= 1 << bits
        if dtype.is_signed and x >= 1 << (bits - 1):
            x -= 1 << bits
        return dtype.np.type(x)
    return x


def laid_out(result, *inputs):
    """An elementwise result (an array) in the memory layout torch gives it, from the layouts of
    `inputs` (tensors, Python numbers, None for an absent operand)."""
    if len(inputs) == 1:  # fast path: a unary op on a contiguous tensor
        a = inputs[0]
        if isinstance(a, Tensor) and a._shape == result.shape and a._arr.flags.c_contiguous:
            return result
    elif len(inputs) == 2:  # fast path: the usual binary op on contiguous same-shape tensors
        a, b = inputs
        if isinstance(a, Tensor) and a._shape == result.shape:
            if isinstance(b, Tensor):
                if b._shape == a._shape and a._arr.flags.c_contiguous and b._arr.flags.c_contiguous:
                    return result
            elif type(b) in (float, int, bool) and a._stride == contiguous_strides(a._shape):
                return result
    tensors = [t for t in inputs if isinstance(t, Tensor)]
    # contiguous full-shape operands beside fully expanded ones (a summed gradient): the expanded
    # ones are ambiguous in every stride comparison of torch's TensorIterator, so contiguous
    if all(not any(t._stride) or (t._shape == result.shape and t._arr.flags.c_contiguous)
           for t in tensors):
        return result
    # contiguous operands give a contiguous result (as NumPy's); torch then ignores the strides
    # of size-1 dims only when no operand is broadcast
    same_shape = all(t._shape == result.shape for t in tensors) and len(tensors) == sum(
        1 for t in inputs if t is not None)
    if all(t._arr.flags.c_contiguous if same_shape else t._stride == contiguous_strides(t._shape)
           for t in tensors):
        return result
    operands = [(t._shape, t._stride) if isinstance(t, Tensor) else ((), ())
                for t in inputs if t is not None]
    return with_strides(result, pointwise_strides(result.shape, operands))


def check_alpha(alpha, dtype):
    """torch's checks of add/sub's `alpha` against the result dtype."""
    if isinstance(alpha, bool) and dtype is not bool_:
        raise RuntimeError("Boolean alpha only supported for Boolean results.")
    if not dtype.is_floating_point and not isinstance(alpha, int):
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")


def add_scaled(x, y, alpha, dtype):
    """x + alpha * y as torch computes add(x, y, alpha=alpha): one fused multiply-add (a single
    rounding) for float32/float64. The half types follow torch's CPU kernel: alpha rounded to the
    dtype, fused in float32 over whole 32-element vector blocks, then the tail computed in the
    dtype's own arithmetic (the product rounded, then the sum)."""
    exact = not dtype.is_floating_point or math.frexp(alpha)[0] in (0.5, -0.5) or \
        backend.xp_of(x if hasattr(x, "shape") else y) is not np
    if exact:  # an integer product, or a power-of-two scaling: the product rounds nothing
        return x + y * _cast(alpha, dtype)
    if dtype is float64:
        return fma64(y, np.float64(alpha), x)
    if dtype is float32:
        return fma32(y, np.float32(alpha), x)
    a = dtype.np.type(alpha)  # the half types
    x, y = np.broadcast_arrays(x, y)
    out = (x + a * y).reshape(-1)  # the tail's arithmetic, then the vector blocks' fused one
    blocks = out.size // 32 * 32
    if blocks:
        out[:blocks] = fma32(y.reshape(-1)[:blocks], np.float32(a), x.reshape(-1)[:blocks])
    return out.reshape(x.shape)


class Add(Function):
    """x + alpha * y (alpha a Python number, saved as torch saves the Scalar)."""
    name_ = "AddBackward0"
    wrapped_inputs = (0, 1)

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        x, y, dtype = operands(a, b)
        if type(alpha) is not int:
            check_alpha(alpha, dtype)
        ctx.alpha = alpha
        return laid_out(x + y if alpha == 1 else add_scaled(x, y, alpha, dtype), a, b)

    @staticmethod
    def backward(ctx, grad):
        alpha = ctx.alpha
        return grad, (None if not ctx.needs_input_grad[1] else grad if alpha == 1 else grad * alpha), None

    @staticmethod
    def array_backward(ctx, grad):
        if ctx.alpha == 1 or not ctx.needs_input_grad[1]:
            return Add.backward(ctx, grad)
        arrays = plain_arrays(grad, ctx.alpha)
        return None if arrays is None else (grad, arrays[0] * arrays[1], None)


class Sub(Function):
    """x - alpha * y."""
    name_ = "SubBackward0"
    wrapped_inputs = (0, 1)

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        bools = [v._dtype is bool_ if isinstance(v, Tensor) else isinstance(v, bool) for v in (a, b)]
        if all(bools):
            raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                               "Use the `^` or `logical_xor()` operator instead.")
        if any(bools):
            raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                               "If you are trying to invert a mask, use the `~` or `logical_not()` "
                               "operator instead.")
        x, y, dtype = operands(a, b)
        ctx.alpha = alpha
        if type(alpha) is not int:
            check_alpha(alpha, dtype)
        if alpha == 1:
            return laid_out(x - y, a, b)
        return laid_out(add_scaled(x, y, -alpha, dtype), a, b)

    @staticmethod
    def backward(ctx, grad):
        if not ctx.needs_input_grad[1]:
            return grad, None, None
        return grad, (-grad if ctx.alpha == 1 else -grad * ctx.alpha), None

    @staticmethod
    def array_backward(ctx, grad):
        if not ctx.needs_input_grad[1]:
            return grad, None, None
        arrays = plain_arrays(grad, ctx.alpha)
        if arrays is None:
            return None
        g, alpha = arrays
        return grad, (-g if ctx.alpha == 1 else -g * alpha), None


class Mul(Function):
    name_ = "MulBackward0"
    wrapped_inputs = (0, 1)

    @staticmethod
    def forward(ctx, a, b):
        x, y, _ = operands(a, b)
        needs = ctx.needs_input_grad
        if True in needs:
            ctx.a_scalar, ctx.b_scalar = _scalar(a), _scalar(b)
            ctx.save_for_backward(b if needs[0] and ctx.b_scalar is None else None,
                                  a if needs[1] and ctx.a_scalar is None else None)
        return laid_out(x * y, a, b)

    @staticmethod
    def formula(ctx, grad, a, b):
        needs = ctx.needs_input_grad
        return grad * b if needs[0] else None, grad * a if needs[1] else None

    @staticmethod
    def backward(ctx, grad):
        b, a = ctx.saved_tensors
        return _binary_backward(ctx, grad, a, b, arrays=False)

    @staticmethod
    def array_backward(ctx, grad):
        b, a = ctx.saved_tensors
        return _binary_backward(ctx, grad, a, b, arrays=True)


def _binary_backward(ctx, grad, a, b, arrays):
    """A binary op's `formula` (arithmetic operators only) on its gradient and operands (the saved
    tensor, else the Python number): as tensor ops, or with NumPy on plain arrays for
    array_backward (None when they are not plain)."""
    a = a if a is not None else ctx.a_scalar
    b = b if b is not None else ctx.b_scalar
    if arrays:
        plain = plain_arrays(grad, a, b)
        if plain is None:
            return None
        grad, a, b = plain
    return ctx.formula(ctx, grad, a, b)


class Div(Function):
    name_ = "DivBackward0"
    wrapped_inputs = (0, 1)

    @staticmethod
    def forward(ctx, a, b):
        x, y, dtype = operands(a, b, get_default_dtype())  # integers divide as the default float
        ctx.b_scalar = _scalar(b)
        ctx.a_scalar = _scalar(a)
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None,
                              b if ctx.b_scalar is None else None)
        return laid_out(x / y, a, b)

    @staticmethod
    def formula(ctx, grad, a, b):
        needs = ctx.needs_input_grad
        return grad / b if needs[0] else None, -grad * a / (b * b) if needs[1] else None

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return _binary_backward(ctx, grad, a, b, arrays=False)

    @staticmethod
    def array_backward(ctx, grad):
        a, b = ctx.saved_tensors
        return _binary_backward(ctx, grad, a, b, arrays=True)


class Pow(Function):
    name_ = "PowBackward0"

    @staticmethod
    def forward(ctx, a, b):
        x, y, dtype = operands(a, b)
        if isinstance(b, Tensor) and isinstance(a, Tensor):
            ctx.name_ = "PowBackward1"
        elif not isinstance(a, Tensor):
            ctx.name_ = "PowBackward2"
        if not dtype.is_floating_point and not isinstance(b, Tensor) and _any_negative(y):
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        out = Tensor._make(laid_out(_power(x, y, dtype, isinstance(a, Tensor) and not isinstance(b, Tensor)),
                                    a, b))
        ctx.a_scalar, ctx.b_scalar = _scalar(a), _scalar(b)
        ctx.save_for_backward(a if ctx.a_scalar is None else None,
                              b if ctx.b_scalar is None else None,
                              out if ctx.needs_input_grad[1] else None)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        a_val = a if a is not None else ctx.a_scalar
        b_val = b if b is not None else ctx.b_scalar
        ga = gb = None
        if ctx.needs_input_grad[0]:
            if isinstance(b_val, Tensor):
                ga = (grad * (b_val * a_val ** (b_val - 1))).masked_fill(b_val == 0, 0.0)
            elif b_val == 0:
                ga = grad.new_zeros(grad.shape)
            else:  # grouped as torch's pow_backward (a ** 1 is a: one op fewer for a square)
                ga = grad * (b_val * (a_val if b_val == 2 else a_val ** (b_val - 1)))
        if ctx.needs_input_grad[1]:
            if isinstance(a_val, Tensor):
                gb = grad * (out * a_val.log()).masked_fill((a_val == 0) & (b_val >= 0), 0.0)
            elif a_val == 0:  # 0 ** b: 0 for b >= 0, else inf * log(0)
                gb = grad * (out * -math.inf).masked_fill(b_val >= 0, 0.0)
            else:
                gb = grad * (out * math.log(a_val))
        return ga, gb

    @staticmethod
    def array_backward(ctx, grad):
        a, b = ctx.saved_tensors[0], ctx.b_scalar
        if a is None or type(b) not in (int, float) or b == 0 or ctx.needs_input_grad[1]:
            return None  # (a number's power, a tensor exponent: the tensor formulas)
        arrays = plain_arrays(grad, a, b, b - 1)
        if arrays is None:
            return None
        g, a, b, b_minus_1 = arrays
        return g * ((a if b == 2 else _power(a, b_minus_1, grad._dtype, True)) * b), None


def _power(x, y, dtype, scalar_exponent):
    """x ** y, with torch's special cases for a float tensor and a scalar exponent 2, 3, 0.5,
    -0.5, -1, -2 (products and roots, which also round exactly as torch's kernel does)."""
    if scalar_exponent and dtype.is_floating_point:
        e = float(y)
        if e == 2.0:
            return x * x
        if e == 3.0:
            return x * x * x
        if e == 0.5:
            return _xp_of(x).sqrt(x)
        if e == -0.5:
            return 1 / _xp_of(x).sqrt(x)
        if e == -1.0:
            return 1 / x
        if e == -2.0:
            return 1 / (x * x)
    if not dtype.is_floating_point and _any_negative(y):  # torch's integer pow of a tensor
        xp = _xp_of(y)  # exponent: 1 and -1 keep |1|, every other base gives 0
        positive = xp.where(y < 0, 0, y)
        odd = xp.where(y % 2 == 0, 1, -1).astype(dtype.np)
        small = xp.where(x == 1, 1, xp.where(x == -1, odd, 0)).astype(dtype.np)
        return xp.where(y < 0, small, x ** positive)
    return x ** y


def _xp_of(x):
    return backend.xp_of(x)


def _any_negative(y):
    if isinstance(y, (int, float)):
        return y < 0
    return bool((y < 0).any())


def _scalar(x):
    return None if isinstance(x, Tensor) else x


def check_integer_divisor(y, dtype, kernel):
    """torch's integer division kernels: none for bool, and a zero divisor raises."""
    if dtype is bool_:
        raise NotImplementedError(f'"{kernel}" not implemented for \'Bool\'')
    if (backend.xp_of(y).asarray(y) == 0).any():
        raise RuntimeError("ZeroDivisionError")


def integer_quotient(x, y, dtype, rounding_mode):
    """x / y rounded toward -inf ('floor') or 0 ('trunc') in integer arithmetic (exact for int64,
    unlike a float quotient)."""
    check_integer_divisor(y, dtype, f"div_{rounding_mode}_cpu")
    xp = backend.xp_of(y if hasattr(y, "shape") else x)
    with _errstate(xp):  # (the int64 minimum over -1 wraps around, as torch's)
        q = xp.floor_divide(x, y)
        if rounding_mode == "trunc":  # one up where the floor went below zero past a remainder
            q = q + ((xp.remainder(x, y) != 0) & ((xp.asarray(x) < 0) != (xp.asarray(y) < 0)))
    return xp.asarray(q).astype(dtype.np)


def floor_quotient(x, y, xp):
    """Float x / y rounded toward -inf as torch's div_floor_floating (and Python's //): from the
    exact remainder, so 7.0 // 0.1 is 69 (floor(7.0 / 0.1) is floor(70.0)), 1.0 // -inf is -1."""
    with _errstate(xp):
        mod = xp.fmod(x, y)
        q = (x - mod) / y
        q = xp.where((mod != 0) & ((xp.asarray(y) < 0) != (mod < 0)), q - 1, q)
        floor = xp.floor(q)
        floor = xp.where(q - floor > 0.5, floor + 1, floor)
        floor = xp.where(q != 0, floor, xp.copysign(xp.zeros_like(q), x / y))
        return xp.where(xp.asarray(y) == 0, x / y, floor)


class DivRounded(Function):
    """div(a, b, rounding_mode='floor' | 'trunc'): a step function, whose gradients are zero."""
    name_ = "DivBackward2"
    graph_inputs = (0, 1)

    @staticmethod
    def forward(ctx, a, b, rounding_mode):
        x, y, dtype = operands(a, b)
        ctx.shapes = [t._shape if isinstance(t, Tensor) else None for t in (a, b)]
        if not dtype.is_floating_point:
            return laid_out(integer_quotient(x, y, dtype, rounding_mode), a, b)
        xp = _xp(a if isinstance(a, Tensor) else b)
        if rounding_mode == "floor":
            return laid_out(xp.asarray(floor_quotient(x, y, xp), dtype.np), a, b)
        with _errstate(xp):
            return laid_out(xp.asarray(xp.trunc(x / y), dtype.np), a, b)

    @staticmethod
    def backward(ctx, grad):
        return tuple(None if shape is None or not need else grad.new_zeros(shape)
                     for shape, need in zip(ctx.shapes, ctx.needs_input_grad)) + (None,)


class FloorDivide(DivRounded):
    """a // b (floor_divide): torch records a node whose backward is not implemented."""
    name_ = "torch::autograd::NotImplemented"

    @staticmethod
    def forward(ctx, a, b):
        return DivRounded.forward(ctx, a, b, "floor")

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError("derivative for aten::floor_divide is not implemented")


class Remainder(Function):
    """a - b * floor(a / b) (Python's %); Fmod rounds the quotient toward zero instead."""

    name_ = "RemainderBackward0"
    kernel, quotient = "mod", "floor"

    @staticmethod
    def forward(ctx, a, b):
        x, y, dtype = operands(a, b)
        if not dtype.is_floating_point:
            check_integer_divisor(y, dtype, {"mod": "remainder_cpu", "fmod": "fmod_cpu"}[ctx.kernel])
        if isinstance(b, Tensor):
            ctx.name_ = ctx.name_[:-1] + "1"
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None,
                              b if ctx.needs_input_grad[1] else None)
        xp = _xp(a if isinstance(a, Tensor) else b)
        out = getattr(xp, ctx.kernel)(x, y)
        if ctx.kernel == "mod" and out.dtype.kind == "f":  # a zero keeps a's sign (torch's fmod
            out = xp.where(out == 0, xp.copysign(out, x), out)  # based formula; NumPy gives b's)
        return laid_out(out, a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        gb = -grad * getattr(a / b, ctx.quotient)() if ctx.needs_input_grad[1] else None
        return grad, gb


class Fmod(Remainder):
    name_ = "FmodBackward0"
    kernel, quotient = "fmod", "trunc"


class Addcmul(Function):
    """a + value * t1 * t2, in torch's order of evaluation."""

    name_ = "AddcmulBackward0"

    @staticmethod
    def forward(ctx, a, t1, t2, value):
        dtype = result_type(a, t1, t2)
        ctx.value = value
        ctx.save_for_backward(t1 if ctx.needs_input_grad[2] else None,
                              t2 if ctx.needs_input_grad[1] else None)
        return laid_out(_cast(a, dtype) + _cast(value, dtype) * _cast(t1, dtype) * _cast(t2, dtype),
                        a, t1, t2)

    @staticmethod
    def backward(ctx, grad):
        t1, t2 = ctx.saved_tensors
        return (grad, grad * (t2 * ctx.value) if t2 is not None else None,
                grad * (t1 * ctx.value) if t1 is not None else None, None)


class Addcdiv(Function):
    """a + value * t1 / t2, in torch's order of evaluation."""

    name_ = "AddcdivBackward0"

    @staticmethod
    def forward(ctx, a, t1, t2, value):
        dtype = result_type(a, t1, t2)
        if not dtype.is_floating_point:
            raise RuntimeError("Integer division with addcdiv is no longer supported, and in a "
                               "future release addcdiv will perform a true division of tensor1 "
                               "and tensor2. The historic addcdiv behavior can be implemented as "
                               "(input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) "
                               "for integer inputs and as (input + value * tensor1 / tensor2) for "
                               "float inputs. The future addcdiv behavior is just the latter "
                               "implementation: (input + value * tensor1 / tensor2), for all "
                               "dtypes.")
        ctx.value = value
        ctx.save_for_backward(t1 if ctx.needs_input_grad[2] else None, t2)
        return laid_out(_cast(a, dtype) + _cast(value, dtype) * _cast(t1, dtype) / _cast(t2, dtype),
                        a, t1, t2)

    @staticmethod
    def backward(ctx, grad):
        t1, t2 = ctx.saved_tensors
        g1 = grad * (ctx.value / t2) if ctx.needs_input_grad[1] else None
        g2 = -grad * (ctx.value * t1 / (t2 * t2)) if ctx.needs_input_grad[2] else None
        return grad, g1, g2, None


class Rsub(Sub):
    """number - tensor (torch's rsub): the number is not a graph input."""

    name_ = "RsubBackward1"
    wrapped_inputs = ()


class Neg(Function):
    name_ = "NegBackward0"

    @staticmethod
    def forward(ctx, a):
        if a._dtype is bool_:
            raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. "
                               "If you are trying to invert a mask, use the `~` or `logical_not()` "
                               "operator instead.")
        return laid_out(-a._arr, a)

    @staticmethod
    def backward(ctx, grad):
        return -grad

    @staticmethod
    def array_backward(ctx, grad):
        arrays = plain_arrays(grad)
        return None if arrays is None else (-arrays[0],)


def _float_input(a):
    """The array of `a`, promoted to the default float type when integral (torch's rule for
    exp, log, sin...)."""
    arr = a._arr
    if not a._dtype.is_floating_point:
        arr = arr.astype(get_default_dtype().np)
    return arr


def _xp(a):
    arr = a._arr
    return np if type(arr) is np.ndarray else backend.xp_of(arr)


def _unary(name, np_fn, grad_fn, save="input", warns=True, arrays=True):
    """Build a unary Function: out = np_fn(xp, x); d(out) = grad_fn(grad, x, out). `warns`: NumPy
    may raise a floating-point warning (overflow, log(0)...), silenced as torch is silent.
    `arrays`: grad_fn uses only arithmetic operators, so it also runs on arrays (array_backward)."""

    def forward(ctx, a):
        xp = _xp(a)
        if warns:
            with _errstate(xp):
                out = Tensor._make(laid_out(np_fn(xp, _float_input(a)), a))
        else:
            out = Tensor._make(laid_out(np_fn(xp, _float_input(a)), a))
        if save == "output":
            ctx.save_for_backward(out)
        elif save == "input":
            ctx.save_for_backward(a)
        return out

    def backward(ctx, grad):
        saved = ctx.saved_tensors[0] if save else None
        if save == "output":
            return grad_fn(grad, None, saved)
        return grad_fn(grad, saved, None)

    def array_backward(ctx, grad):
        saved = ctx.saved_tensors[0]
        arrays = plain_arrays(grad, saved)
        if arrays is None:
            return None
        g, saved = arrays
        return (grad_fn(g, None, saved) if save == "output" else grad_fn(g, saved, None),)

    return type(name, (Function,), {"name_": name + "Backward0", "forward": staticmethod(forward),
                                    "backward": staticmethod(backward),
                                    "array_backward": staticmethod(array_backward) if arrays else None})


class _errstate:
    def __init__(self, xp):
        self.ctx = xp.errstate(all="ignore") if hasattr(xp, "errstate") else None

    def __enter__(self):
        if self.ctx:
            self.ctx.__enter__()

    def __exit__(self, *exc):
        if self.ctx:
            self.ctx.__exit__(*exc)


def _sigmoid(xp, x):
    """torch's formula, 1 / (1 + exp(-x)): 0 where exp(-x) overflows (x < -88.7 in float32), as
    torch gives; float16 computes in float32 and rounds once."""
    if x.dtype == xp.float16:
        return _sigmoid(xp, x.astype(xp.float32)).astype(xp.float16)
    return 1 / (1 + xp.exp(-x))


Exp = _unary("Exp", lambda xp, x: xp.exp(x), lambda g, x, out: g * out, save="output")
Log = _unary("Log", lambda xp, x: xp.log(x), lambda g, x, out: g / x)
Log2 = _unary("Log2", lambda xp, x: xp.log2(x), lambda g, x, out: g / (x * 0.6931471805599453))
Log10 = _unary("Log10", lambda xp, x: xp.log10(x), lambda g, x, out: g / (x * 2.302585092994046))
Log1p = _unary("Log1P", lambda xp, x: xp.log1p(x), lambda g, x, out: g / (x + 1))
Expm1 = _unary("Expm1", lambda xp, x: xp.expm1(x), lambda g, x, out: g * (out + 1), save="output")
Sin = _unary("Sin", lambda xp, x: xp.sin(x), lambda g, x, out: g * x.cos(), arrays=False)
Cos = _unary("Cos", lambda xp, x: xp.cos(x), lambda g, x, out: g * -x.sin(), arrays=False)
Tan = _unary("Tan", lambda xp, x: xp.tan(x), lambda g, x, out: g * (1 + out * out), save="output")
Tanh = _unary("Tanh", lambda xp, x: xp.tanh(x), lambda g, x, out: g * (1 - out * out), save="output",
              warns=False)
Sinh = _unary("Sinh", lambda xp, x: xp.sinh(x), lambda g, x, out: g * x.cosh(), arrays=False)
Cosh = _unary("Cosh", lambda xp, x: xp.cosh(x), lambda g, x, out: g * x.sinh(), arrays=False)
Asin = _unary("Asin", lambda xp, x: xp.arcsin(x), lambda g, x, out: g * (1 - x * x).rsqrt(),
              arrays=False)
Acos = _unary("Acos", lambda xp, x: xp.arccos(x), lambda g, x, out: -g * (1 - x * x).rsqrt(),
              arrays=False)
Atan = _unary("Atan", lambda xp, x: xp.arctan(x), lambda g, x, out: g / (1 + x * x), warns=False)
Sigmoid = _unary("Sigmoid", _sigmoid, lambda g, x, out: g * (out * (1 - out)), save="output",
                 warns=False)
Sqrt = _unary("Sqrt", lambda xp, x: xp.sqrt(x), lambda g, x, out: g / (2 * out), save="output")
Rsqrt = _unary("Rsqrt", lambda xp, x: 1 / xp.sqrt(x), lambda g, x, out: -0.5 * g * out ** 3,
                save="output", arrays=False)
Reciprocal = _unary("Reciprocal", lambda xp, x: 1 / x, lambda g, x, out: -g * out * out, save="output")
Erf = _unary("Erf", lambda xp, x: _erf(xp, x),
             lambda g, x, out: g * 1.1283791670955126 * (-(x * x)).exp(), warns=False, arrays=False)


def _erf(xp, x):
    from .activation import erf_array
    return erf_array(x)


class Abs(Function):
    name_ = "AbsBackward0"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return laid_out(abs(a._arr), a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * a.sign()


class Relu(Function):
    name_ = "ReluBackward0"

    @staticmethod
    def forward(ctx, a):
        xp = _xp(a)
        # (operands in this order: on a tie NumPy returns the second, torch's clamp_min its
        # input, so -0.0 stays -0.0)
        out = Tensor._make(laid_out(xp.maximum(a._arr.dtype.type(0), a._arr), a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad.masked_fill(out <= 0, 0.0)  # (torch's threshold_backward: NaN grads masked too)

    @staticmethod
    def array_backward(ctx, grad):
        (out,) = ctx.saved_tensors
        if out._dtype is not grad._dtype:
            return None
        return (_zeroed_where(out._arr <= 0, grad._arr),)  # masked_fill(out <= 0, 0.0)'s bits


_UINTS = {2: np.uint16, 4: np.uint32, 8: np.uint64}


def _zeroed_where(mask, g):
    """g with +0.0 where `mask`, as a new C-contiguous array: masked_fill's where, or, on large
    NumPy arrays of one shape, the same bits by a bitwise select (np.where runs ~8x slower on an
    unpredictable mask, as a ReLU's is)."""
    if type(g) is not np.ndarray or g.size < 4096 or mask.shape != g.shape:
        xp = backend.xp_of(g)
        return backend.contiguous(xp.where(mask, xp.asarray(0.0, dtype=g.dtype), g))
    bits = _UINTS[g.itemsize]
    keep = np.negative(np.logical_not(mask).astype(bits))  # all ones where g is kept
    return np.bitwise_and(g.view(bits), keep, order="C").view(g.dtype)


class ZeroGrad(Function):
    """Ops whose gradient is zero almost everywhere (floor, ceil, round, trunc, sign)."""

    @staticmethod
    def backward(ctx, grad):
        return grad.new_zeros(grad.shape)


def _zero_grad_op(name, fn):
    def forward(ctx, a):
        arr = a._arr
        if a._dtype.is_floating_point or name == "Sign":
            return laid_out(fn(_xp(a), arr), a)
        return arr.copy(order="K")
    return type(name, (ZeroGrad,), {"name_": name + "Backward0", "forward": staticmethod(forward)})


def _sign(xp, x):
    """torch's (0 < x) - (x < 0): 0 for NaN and for -0.0 (NumPy's sign gives NaN and -0.0)."""
    if x.dtype.kind == "b":
        return x.copy()
    if x.dtype.kind != "f":
        return xp.sign(x)
    return xp.greater(x, 0).astype(x.dtype) - xp.less(x, 0).astype(x.dtype)


Floor = _zero_grad_op("Floor", lambda xp, x: xp.floor(x))
Ceil = _zero_grad_op("Ceil", lambda xp, x: xp.ceil(x))
Round = _zero_grad_op("Round", lambda xp, x: xp.round(x))
Trunc = _zero_grad_op("Trunc", lambda xp, x: xp.trunc(x))
# x - trunc(x), whose derivative is 1 (torch's; -0.0 and whole numbers give +0.0, inf gives nan)
Frac = _unary("Frac", lambda xp, x: x - xp.trunc(x), lambda g, x, out: g, save=None, arrays=False)
Sign = _zero_grad_op("Sign", _sign)


class Clamp(Function):
    name_ = "ClampBackward1"

    @staticmethod
    def forward(ctx, a, lo, hi):
        if lo is None and hi is None:
            raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
        xp = _xp(a)
        arr = a._arr
        dtype = result_type(*(v for v in (a, lo, hi) if v is not None))
        if arr.dtype != dtype.np:
            arr = arr.astype(dtype.np)
        lo_v = _cast(lo, dtype) if lo is not None else None
        hi_v = _cast(hi, dtype) if hi is not None else None
        ctx.save_for_backward(a, lo if isinstance(lo, Tensor) else None,
                              hi if isinstance(hi, Tensor) else None)
        ctx.lo, ctx.hi = lo, hi
        out = arr
        if lo is not None:  # (operands in this order: on a tie, -0.0 vs 0.0, torch keeps the input)
            out = xp.maximum(lo_v, out)
        if hi is not None:
            out = xp.minimum(hi_v, out)
        if out is arr:
            out = arr.copy()
        return laid_out(xp.where(xp.isnan(arr), arr, out) if dtype.is_floating_point else out, a, lo, hi)

    @staticmethod
    def backward(ctx, grad):
        a, lo_t, hi_t = ctx.saved_tensors
        lo = lo_t if lo_t is not None else ctx.lo
        hi = hi_t if hi_t is not None else ctx.hi
        mask = None
        if lo is not None:
            mask = a >= lo
        if hi is not None:
            mask = (a <= hi) if mask is None else mask & (a <= hi)
        # masks select the gradient (torch's where), so NaN or inf gradients do not leak as NaN
        ga = grad.masked_fill(~mask, 0.0) if ctx.needs_input_grad[0] else None
        glo = ghi = None
        both = lo is not None and hi is not None
        if lo_t is not None and ctx.needs_input_grad[1]:  # torch: min > max makes the max win
            glo = grad.masked_fill(~((a < lo_t) & (lo_t < hi) if both else a < lo_t), 0.0)
        if hi_t is not None and ctx.needs_input_grad[2]:
            ghi = grad.masked_fill(~((a > hi_t) | (hi_t < lo) if both else a > hi_t), 0.0)
        return ga, glo, ghi


class ClampTensor(Clamp):
    """clamp with a tensor bound: both bounds are graph inputs (an absent one as None)."""

    name_ = "ClampBackward0"
    wrapped_inputs = (1, 2)


class Xlogy(Function):
    """x * log(y), 0 where x is 0 (unless y is NaN); int inputs give the default float."""

    name_ = "XlogyBackward0"

    @staticmethod
    def forward(ctx, a, b):
        x, y, dtype = operands(a, b, get_default_dtype())  # integers divide as the default float
        ctx.a_scalar, ctx.b_scalar = _scalar(a), _scalar(b)
        if ctx.b_scalar is not None:
            ctx.name_ = "XlogyBackward2"
        elif ctx.a_scalar is not None:
            ctx.name_ = "XlogyBackward1"
        ctx.save_for_backward(a if ctx.a_scalar is None else None, b if ctx.b_scalar is None else None)
        xp = _xp(a) if isinstance(a, Tensor) else _xp(b)
        with xp.errstate(all="ignore"):
            out = xp.where((x == 0) & ~xp.isnan(y), dtype.np.type(0), x * xp.log(y))
        return laid_out(xp.asarray(out, dtype=dtype.np), a, b)

    @staticmethod
    def backward(ctx, grad):
        # torch's derivatives.yaml: 0 (not NaN) for x == 0, y <= 0, the derivative along x = 0
        a, b = ctx.saved_tensors
        a = a if a is not None else ctx.a_scalar
        b = b if b is not None else ctx.b_scalar
        ga = gb = None
        if ctx.needs_input_grad[0] and isinstance(b, Tensor):
            ga = grad.xlogy(b).masked_fill((a == 0) & (b <= 0), 0.0)
        elif ctx.needs_input_grad[0]:  # a Python number y
            ga = grad.xlogy(b) if b > 0 else grad.xlogy(b).masked_fill(a == 0, 0.0)
        if ctx.needs_input_grad[1]:
            gb = grad * a / b
        return ga, gb


class Maximum(Function):
    name_ = "MaximumBackward0"
    pick = "maximum"

    @staticmethod
    def forward(ctx, a, b):
        x, y, _ = operands(a, b)
        ctx.save_for_backward(a, b)
        xp = _xp(a)
        return laid_out(getattr(xp, ctx.pick)(y, x), a, b)  # a tie (-0.0, 0.0) gives a, as torch

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        shared = (grad / 2).where(a == b, grad)  # a tie gives half the gradient to each side
        a_loses = (a < b) if ctx.pick == "maximum" else (a > b)
        ga = shared.masked_fill(a_loses, 0.0) if ctx.needs_input_grad[0] else None
        gb = shared.masked_fill(~a_loses & (a != b), 0.0) if ctx.needs_input_grad[1] else None
        return ga, gb


class Minimum(Maximum):
    name_ = "MinimumBackward0"
    pick = "minimum"


class Where(Function):
    name_ = "WhereBackward0"
    graph_inputs = wrapped_inputs = (1, 2)

    @staticmethod
    def forward(ctx, cond, a, b):
        x, y, _ = operands(a, b)
        c = cond._arr
        if c.dtype != bool:
            c = c.astype(bool)
        ctx.save_for_backward(cond)
        return laid_out(_xp(cond).where(c, x, y), cond, a, b)

    @staticmethod
    def backward(ctx, grad):
        (cond,) = ctx.saved_tensors
        zero = grad.new_zeros(())
        ga = grad.where(cond, zero) if ctx.needs_input_grad[1] else None
        gb = zero.where(cond, grad) if ctx.needs_input_grad[2] else None
        return None, ga, gb


def lerp_array(x, y, weight, dtype):
    """x + w * (y - x) as torch's CPU kernel: one fused multiply-add, from x where |w| < 0.5 and
    from y (with w - 1) elsewhere, in float32/float64; float16 computes in float32 (a number
    weight unrounded to half) and rounds once at the end."""
    if dtype is float16 and type(x) is np.ndarray:
        w = weight._arr.astype(np.float32) if isinstance(weight, Tensor) else np.float32(weight)
        return lerp_array(x.astype(np.float32), np.asarray(y, np.float32), w, float32).astype(np.float16)
    w = weight._arr if isinstance(weight, Tensor) else _cast(weight, dtype)
    diff = y - x
    fused = {float32: fma32, float64: fma64}.get(dtype)
    if fused is None or backend.xp_of(diff) is not np:
        return x + w * diff
    if np.ndim(w) == 0:
        return fused(w, diff, x) if abs(w) < 0.5 else fused(w - w.dtype.type(1), diff, y)
    small = np.abs(w) < 0.5
    return np.where(small, fused(w, diff, x), fused(w - w.dtype.type(1), diff, y))


class Lerp(Function):
    name_ = "LerpBackward0"

    @staticmethod
    def forward(ctx, a, b, w):
        x, y, _ = operands(a, b)
        if isinstance(w, Tensor):
            ctx.name_ = "LerpBackward1"
        ctx.w = w
        ctx.save_for_backward(w if isinstance(w, Tensor) else None, a, b)
        dtype = result_type(a, b)
        return laid_out(lerp_array(x, y, w, dtype), a, b, w)

    @staticmethod
    def backward(ctx, grad):
        w_t, a, b = ctx.saved_tensors
        w = w_t if w_t is not None else ctx.w
        return (grad * (1 - w) if ctx.needs_input_grad[0] else None,
                grad * w if ctx.needs_input_grad[1] else None,
                grad * (b - a) if w_t is not None and ctx.needs_input_grad[2] else None)


def compare(op, a, b):
    """Comparison ops: bool result, no gradient."""
    x, y, _ = operands(a, b)
    return Tensor._make(laid_out(getattr(_ops, op)(x, y), a, b))


import operator as _ops  # noqa: E402
