"""Run the same code on tinygrad_lite and torch, and compare everything a user can observe.

A test writes its body once as a function of the module (`torch` or `tinygrad_lite`), runs it on
both with `run_both`, and asserts with `assert_same`: values (dtype-aware tolerances, defined in
`tolerance` and nowhere else), dtype, shape, stride, storage offset, contiguity, requires_grad,
grad_fn name, and, when the code raises, the exception type.
"""
import builtins

import numpy as np
import torch

import tinygrad_lite as tl

ENGINES = (tl, torch)

_EPS = {"float16": float(np.finfo(np.float16).eps), "float32": float(np.finfo(np.float32).eps)}


def tolerance(dtype_name, n=1):
    """(rtol, atol_scale) for comparing a result of dtype `dtype_name` with torch's.

    The check is |ours - torch| <= atol_scale * max(1, max|torch|) + rtol * |torch|.

    - float64: rtol 1e-7, atol_scale 1e-10. The engines evaluate the same formulas with different
      libraries (NumPy/SciPy vs ATen/SLEEF) and summation orders, which costs a few ulp (2e-16)
      per op; 1e-7 leaves room for the cancellation a short chain of ops can amplify that into,
      yet catches any wrong formula, wrong tie rule or dropped term.
    - float32 / float16: a few ulp per op, plus the rounding of summing `n` terms in another
      order, which is bounded by n * eps relative to the largest term: rtol = 16 * eps * (1 + n).
      `n` is the length of the longest reduction involved (1 for elementwise ops; the input size
      for reductions, matmul and any gradient summed over broadcast dims).
    - The absolute part is relative to the largest magnitude in the result: a sum that cancels
      to near zero carries the rounding error of its largest terms, not of its own size.
    - Ill-conditioned results (a layer norm over nearly equal values, a gradient that cancels):
      no engine computing in float32 can promise more than torch's own float32 answer does. Such
      comparisons pass `reference`, torch's answer in float64 on the same float32-rounded inputs,
      and the bound grows by 4x torch's own measured error |torch32 - torch64| at each element.
      This is measured per case, never typed in, and is zero where torch's float32 answer is exact.
    Integers and bools compare exactly.
    """
    if dtype_name == "float64":
        return 1e-7, 1e-10
    eps = _EPS.get(dtype_name)
    if eps is None:
        return 0.0, 0.0
    rtol = 16 * eps * (1 + n)
    return rtol, rtol


def dtype_name(dtype):
    """'float32' for torch.float32 and tinygrad_lite.float32 alike."""
    return str(dtype).rsplit(".", 1)[-1]


def module_name(m):
    return "torch" if m is torch else "tinygrad_lite"


def to_numpy(t):
    if isinstance(t, torch.Tensor):
        return t.detach().cpu().numpy(force=True)  # force: a ZeroTensor from double backward
    return np.asarray(t.detach().cpu().numpy())


def tensor_pair(array, dtype=None, requires_grad=False):
    """(tinygrad_lite tensor, torch tensor) holding copies of the same NumPy array."""
    return tuple(make_tensor(m, array, dtype, requires_grad) for m in ENGINES)


def make_tensor(m, array, dtype=None, requires_grad=False):
    """A fresh tensor of module `m` holding a copy of `array` (cast to `dtype`, a name)."""
    array = np.asarray(array)
    if dtype is not None:
        array = array.astype(dtype)
    # torch keeps NumPy's strides for size-0 arrays; start every test from canonical ones
    t = m.tensor(array.copy()) if array.size else m.zeros(array.shape, dtype=getattr(m, array.dtype.name))
    if requires_grad:
        t.requires_grad_(True)
    return t


def is_tensor(x):
    return isinstance(x, (tl.Tensor, torch.Tensor))


class Raised:
    """What a call raised, kept to compare with the other engine's outcome."""

    def __init__(self, exc):
        self.exc = exc

    def __repr__(self):
        return f"Raised({type(self.exc).__name__}: {self.exc})"


def call(fn, *args, **kwargs):
    """fn(*args, **kwargs), or a Raised holding the exception it raised."""
    try:
        return fn(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - the exception itself is the result under test
        return Raised(exc)


def run_both(fn, *args, **kwargs):
    """(ours, torch's) results of fn(module, *args, **kwargs); args are given per engine when
    they are (tinygrad_lite, torch) pairs made with `tensor_pair`."""
    out = []
    for i, m in enumerate(ENGINES):
        a = [x[i] if isinstance(x, _Pair) else x for x in args]
        k = {key: v[i] if isinstance(v, _Pair) else v for key, v in kwargs.items()}
        out.append(call(fn, m, *a, **k))
    return tuple(out)


class _Pair(tuple):
    """One value per engine (tinygrad_lite first), unpacked by `run_both`."""


def pair(ours, theirs):
    return _Pair((ours, theirs))


def builtin_exception_type(exc):
    """The first builtin exception class in exc's MRO (torch raises subclasses of builtins)."""
    for cls in type(exc).__mro__:
        if getattr(builtins, cls.__name__, None) is cls:
            return cls
    return type(exc)


def assert_same_exception(ours, theirs, what="result"):
    assert isinstance(ours, Raised) and isinstance(theirs, Raised), \
        f"{what}: tinygrad_lite gave {ours!r}, torch gave {theirs!r}"
    t_ours, t_theirs = builtin_exception_type(ours.exc), builtin_exception_type(theirs.exc)
    assert t_ours is t_theirs, (f"{what}: tinygrad_lite raised {t_ours.__name__}({ours.exc}), "
                                f"torch raised {t_theirs.__name__}({theirs.exc})")


def assert_close(ours, theirs, n=1, what="value", reference=None):
    """Values of two same-shaped tensors (or arrays) agree within `tolerance` (widened by torch's
    own float32 error against a float64 `reference`, when one is given)."""
    a, e = to_numpy(ours) if is_tensor(ours) else np.asarray(ours), \
        to_numpy(theirs) if is_tensor(theirs) else np.asarray(theirs)
    assert a.shape == e.shape, f"{what}: shape {a.shape} != torch's {e.shape}"
    name = dtype_name(theirs.dtype) if is_tensor(theirs) else e.dtype.name
    if e.dtype.kind not in "fc":
        np.testing.assert_array_equal(a, e, err_msg=f"{what} differs from torch's")
        return
    a64, e64 = a.astype(np.float64), e.astype(np.float64)
    nan_a, nan_e = np.isnan(a64), np.isnan(e64)
    assert np.array_equal(nan_a, nan_e), f"{what}: NaN positions differ\nours:  {a}\ntorch: {e}"
    inf_e = np.isinf(e64)
    assert np.array_equal(a64[inf_e], e64[inf_e]) and not np.isinf(a64[~inf_e]).any(), \
        f"{what}: inf positions differ\nours:  {a}\ntorch: {e}"
    finite = ~(nan_e | inf_e)
    if not finite.any():
        return
    rtol, atol_scale = tolerance(name, n)
    atol = atol_scale * max(1.0, float(np.abs(e64[finite]).max()))
    err = np.abs(a64[finite] - e64[finite])
    bound = atol + rtol * np.abs(e64[finite])
    if reference is not None:
        r64 = (to_numpy(reference) if is_tensor(reference) else np.asarray(reference)).astype(np.float64)
        bound = bound + 4 * np.abs(e64[finite] - r64[finite])
    if not (err <= bound).all():
        worst = int(np.argmax(err - bound))
        raise AssertionError(f"{what} ({name}, n={n}) differs from torch's beyond rtol={rtol:.2g}, "
                             f"atol={atol:.2g}: max error {err[worst]:.3g} at "
                             f"{a64[finite][worst]!r} vs {e64[finite][worst]!r}\n"
                             f"ours:  {a}\ntorch: {e}")


def assert_same_zero_signs(ours, theirs, what="value"):
    """Where both engines give an exact zero, its sign agrees: -0.0 prints as "-0." and turns a
    later reciprocal into -inf, so it is a visible difference, not rounding."""
    a, e = to_numpy(ours), to_numpy(theirs)
    if e.dtype.kind != "f":
        return
    both = (a == 0) & (e == 0)
    assert np.array_equal(np.signbit(a[both]), np.signbit(e[both])), \
        f"{what}: the sign of a zero differs from torch's\nours:  {a!r}\ntorch: {e!r}"


def grad_fn_name(t):
    """The name of t's grad_fn, or what reading it raises (torch refuses to give the history of
    a multi-output view whose base was written into)."""
    try:
        fn = t.grad_fn
    except RuntimeError as exc:
        return f"raises RuntimeError: {exc}"
    return None if fn is None else fn.name()


def assert_same_tensor(ours, theirs, n=1, what="tensor", layout=True, autograd=True,
                       offset=True, reference=None):
    """Everything observable about a tensor: dtype, shape, values, and (optionally) its memory
    layout and autograd metadata."""
    assert isinstance(ours, tl.Tensor), f"{what}: expected a tinygrad_lite.Tensor, got {ours!r}"
    assert dtype_name(ours.dtype) == dtype_name(theirs.dtype), \
        f"{what}: dtype {ours.dtype} != torch's {theirs.dtype}"
    assert tuple(ours.shape) == tuple(theirs.shape), \
        f"{what}: shape {tuple(ours.shape)} != torch's {tuple(theirs.shape)}"
    assert_close(ours, theirs, n, what, reference)
    if layout:
        assert_same_layout(ours, theirs, what, offset)
    if autograd:
        assert ours.requires_grad == theirs.requires_grad, \
            f"{what}: requires_grad {ours.requires_grad} != torch's {theirs.requires_grad}"
        name = grad_fn_name(theirs)
        assert grad_fn_name(ours) == name, f"{what}: grad_fn {grad_fn_name(ours)} != torch's {name}"
        if not name or not name.startswith("raises"):
            assert ours.is_leaf == theirs.is_leaf, f"{what}: is_leaf differs"


def layout_signature(t, offset=True):
    """(strides of the dims of size > 1, storage offset), or None for an empty tensor.

    Compared with torch exactly, except where no memory is addressed: the stride of a size-1 dim
    is never used to address an element (torch's own is_contiguous and view rules ignore it), and
    an empty tensor addresses nothing (torch keeps NumPy's strides there: for instance
    torch.tensor(np.zeros(0)).stride() == (0,)). is_contiguous is compared in every case.
    With offset=False (gradients), the storage offset is left out: torch's AccumulateGrad may
    keep the incoming gradient buffer as `.grad` (a slice of cat's gradient, at an offset) where
    tinygrad_lite copies it.
    """
    if t.numel() == 0:
        return None
    return (tuple(s for s, n in zip(t.stride(), t.shape) if n != 1),
            t.storage_offset() if offset else None)


def assert_same_layout(ours, theirs, what="tensor", offset=True):
    assert layout_signature(ours, offset) == layout_signature(theirs, offset), \
        (f"{what}: stride {tuple(ours.stride())} (offset {ours.storage_offset()}) != torch's "
         f"{tuple(theirs.stride())} (offset {theirs.storage_offset()})")
    assert ours.is_contiguous() == theirs.is_contiguous(), \
        f"{what}: is_contiguous {ours.is_contiguous()} != torch's {theirs.is_contiguous()}"


def assert_same(ours, theirs, n=1, what="result", layout=True, autograd=True):
    """Two results of run_both agree: both raised the same exception type, or both returned
    equal structures (tensors, tuples/lists/named tuples, numbers, Sizes, dtypes...)."""
    if isinstance(ours, Raised) or isinstance(theirs, Raised):
        assert_same_exception(ours, theirs, what)
        return
    if is_tensor(theirs):
        assert_same_tensor(ours, theirs, n, what, layout, autograd)
    elif isinstance(theirs, (tuple, list)):
        assert isinstance(ours, (tuple, list)), f"{what}: {ours!r} is not a sequence like {theirs!r}"
        assert len(ours) == len(theirs), f"{what}: {len(ours)} items != torch's {len(theirs)}"
        if hasattr(theirs, "_fields"):
            assert getattr(ours, "_fields", None) == theirs._fields, f"{what}: fields differ"
        if isinstance(theirs, torch.Size):
            assert isinstance(ours, tl.Size), f"{what}: {ours!r} is not a Size"
        for i, (o, t) in enumerate(zip(ours, theirs)):
            assert_same(o, t, n, f"{what}[{i}]", layout, autograd)
    elif isinstance(theirs, dict):
        assert isinstance(ours, dict), f"{what}: {ours!r} is not a dict like {theirs!r}"
        assert list(ours) == list(theirs), f"{what}: keys {list(ours)} != torch's {list(theirs)}"
        for key in theirs:
            assert_same(ours[key], theirs[key], n, f"{what}[{key!r}]", layout, autograd)
    elif isinstance(theirs, torch.dtype):
        assert dtype_name(ours) == dtype_name(theirs), f"{what}: {ours} != torch's {theirs}"
    elif isinstance(theirs, float):
        assert isinstance(ours, float), f"{what}: {ours!r} is not a float like {theirs!r}"
        assert_close(np.float64(ours), np.float64(theirs), n, what)
    else:
        assert type(ours) is type(theirs) and ours == theirs, \
            f"{what}: {ours!r} != torch's {theirs!r}"


def float_outputs(result):
    """The floating-point tensors of a result (a tensor, or a tuple of them), in order."""
    items = result if isinstance(result, (tuple, list)) else (result,)
    return [t for t in items if is_tensor(t) and t.dtype.is_floating_point]

