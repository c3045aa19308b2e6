"""Activations with their own torch nodes (relu and sigmoid live with the elementwise math)."""
import math

from .. import backend
from ..autograd.function import Function
from ..tensor import Tensor


def erf_array(x):
    """erf on an array: SciPy's when installed, else math.erf element by element (exact)."""
    try:
        from scipy.special import erf
        return erf(x).astype(x.dtype, copy=False)
    except ImportError:
        xp = backend.xp_of(x)
        if xp is not __import__("numpy"):
            return xp.asarray(erf_array(backend.to_host(x)))
        import numpy as np
        return np.asarray(np.frompyfunc(math.erf, 1, 1)(x), dtype=object).astype(x.dtype) if x.size else x.copy()


class Hardtanh(Function):
    name_ = "HardtanhBackward0"

    @staticmethod
    def forward(ctx, a, lo, hi):
        ctx.save_for_backward(a)
        ctx.bounds = (lo, hi)
        xp = backend.xp_of(a._arr)
        return xp.clip(a._arr, lo, hi).astype(a._dtype.np, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        lo, hi = ctx.bounds
        # a mask, not a product: a NaN or inf gradient outside (lo, hi) gives 0, as torch's
        return grad.masked_fill((a <= lo) | (a >= hi), 0.0), None, None


class LeakyRelu(Function):
    name_ = "LeakyReluBackward0"

    @staticmethod
    def forward(ctx, a, slope):
        ctx.save_for_backward(a)
        ctx.slope = slope
        xp = backend.xp_of(a._arr)
        return xp.where(a._arr > 0, a._arr, a._arr * a._dtype.np.type(slope))

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * a.new_ones(()).where(a > 0, a.new_full((), ctx.slope)), None


class Gelu(Function):
    name_ = "GeluBackward0"

    @staticmethod
    def forward(ctx, a, approximate):
        if approximate not in ("none", "tanh"):
            raise RuntimeError("approximate argument must be either none or tanh.")
        ctx.save_for_backward(a)
        ctx.approximate = approximate
        x = a._arr
        xp = backend.xp_of(x)
        if approximate == "tanh":
            inner = math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)
            return (0.5 * x * (1 + xp.tanh(inner))).astype(x.dtype, copy=False)
        return (x * 0.5 * (1 + erf_array(x * x.dtype.type(1 / math.sqrt(2))))).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        if ctx.approximate == "tanh":
            k = math.sqrt(2 / math.pi)
            inner = k * (a + 0.044715 * a ** 3)
            t = inner.tanh()
            d_inner = k * (1 + 3 * 0.044715 * a * a)
            return grad * (0.5 * (1 + t) + 0.5 * a * (1 - t * t) * d_inner), None
        cdf = 0.5 * (1 + (a * (1 / math.sqrt(2))).erf())
        pdf = (-0.5 * a * a).exp() * (1 / math.sqrt(2 * math.pi))
        return grad * (cdf + a * pdf), None


class Elu(Function):
    name_ = "EluBackward0"

    @staticmethod
    def forward(ctx, a, alpha):
        xp = backend.xp_of(a._arr)
        out = Tensor._make(xp.where(a._arr > 0, a._arr, alpha * xp.expm1(xp.minimum(0, a._arr))).astype(a._dtype.np))
        ctx.alpha = alpha
        ctx.save_for_backward(a)
        return out

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        # at the kink x = 0 the slope is alpha, with no curvature (torch's double backward
        # takes the curvature from x < 0 only)
        negative = (ctx.alpha * a.exp()).where(a < 0, a.new_full((), ctx.alpha))
        return grad * a.new_ones(()).where(a > 0, negative), None


class Softplus(Function):
    name_ = "SoftplusBackward0"

    @staticmethod
    def forward(ctx, a, beta, threshold):
        xp = backend.xp_of(a._arr)
        x = a._arr
        ctx.save_for_backward(a)
        ctx.params = (beta, threshold)
        with xp.errstate(all="ignore"):
            soft = xp.log1p(xp.exp(beta * x)) / beta
        return xp.where(x * beta > threshold, x, soft).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        beta, threshold = ctx.params
        x = a * beta
        z = x.sigmoid()
        # at x == threshold torch's first derivative takes the soft branch but its second
        # derivative (softplus_double_backward: x < threshold) is 0: a constant there
        z = z.detach().where(x == threshold, z)
        return grad * a.new_ones(()).where(x > threshold, z), None, None
