"""Shared by the nn parity tests: run a forward on both engines from the same arrays, backward
with the same upstream gradient, and compare the output and every gradient."""
import contextlib
import io

import numpy as np
from helpers import (
    ENGINES,
    Raised,
    assert_close,
    assert_same,
    call,
    grad_fn_name,
    make_tensor,
)
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp


def finite_floats(lo, hi, dtype="float64"):
    """Floats in [lo, hi] representable in dtype (bounds rounded inwards)."""
    if dtype == "float32":
        lo, hi = np.nextafter(np.float32(lo), np.float32(hi)), np.nextafter(np.float32(hi), np.float32(lo))
        return st.floats(float(lo), float(hi), allow_nan=False, allow_infinity=False, width=32)
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def float_arrays(shape, lo=-3.0, hi=3.0, dtype="float64"):
    """Arrays whose every element is drawn (no constant fill, which would hide most bugs)."""
    return hnp.arrays(np.dtype(dtype), shape, elements=finite_floats(lo, hi, dtype), fill=st.nothing())


def upstream(shape, dtype, seed=0):
    """A fixed, non-trivial upstream gradient for backward."""
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def compare_graph(build, arrays, requires_grad=None, n=1, what="output", check_grad_fn=True,
                  may_raise=False):
    """build(m, *leaves) -> output or (output, [more tensors whose .grad to compare]); leaves are
    made from `arrays` (requires_grad per entry, default: floating arrays do). Compares the output
    (or, with may_raise, both engines' exceptions), then every gradient after backward of the same
    upstream."""
    if requires_grad is None:
        requires_grad = [np.asarray(a).dtype.kind == "f" for a in arrays]
    runs = []
    for m in ENGINES:
        leaves = [make_tensor(m, a, requires_grad=rg) for a, rg in zip(arrays, requires_grad)]
        runs.append((call(build, m, *leaves), leaves))
    (ours, our_leaves), (theirs, their_leaves) = runs
    if isinstance(ours, Raised) or isinstance(theirs, Raised):
        assert may_raise, f"{what}: tinygrad_lite gave {ours!r}, torch gave {theirs!r}"
        assert_same(ours, theirs, what=what)
        return ours, theirs
    ours, our_extra = ours if isinstance(ours, tuple) else (ours, [])
    theirs, their_extra = theirs if isinstance(theirs, tuple) else (theirs, [])
    assert_same(ours, theirs, n, what, layout=False, autograd=False)
    assert ours.requires_grad == theirs.requires_grad, f"{what}: requires_grad differs"
    if check_grad_fn:
        assert grad_fn_name(ours) == grad_fn_name(theirs), \
            f"{what}: grad_fn {grad_fn_name(ours)} != torch's {grad_fn_name(theirs)}"
    if not theirs.requires_grad:
        return ours, theirs
    g = upstream(tuple(theirs.shape), str(theirs.dtype).rsplit(".", 1)[-1])
    ours.backward(make_tensor(ENGINES[0], g))
    theirs.backward(make_tensor(ENGINES[1], g))
    for i, (a, b) in enumerate(zip(our_leaves + list(our_extra), their_leaves + list(their_extra))):
        assert (a.grad is None) == (b.grad is None), f"{what}: grad {i} is None on one engine only"
        if b.grad is not None:
            assert_close(a.grad, b.grad, n, f"{what}: grad {i}")
    return ours, theirs


def printed(program, module):
    """What `program` prints when run with `torch` bound to `module` (module name normalised)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        namespace = {"torch": module, "nn": module.nn, "F": module.nn.functional}
        exec(program, namespace)  # noqa: S102 - running a tutorial program is the test
    return out.getvalue().replace("tinygrad_lite", "torch")
