"""Generic parity tests over the op table: forward values/dtype/shape/layout/grad_fn, every input's
gradient under a random upstream gradient, gradcheck and gradgradcheck in float64, and second
derivatives (create_graph) against torch's."""
import numpy as np
import pytest
import torch
from helpers import (
    ENGINES,
    Raised,
    assert_close,
    assert_same,
    assert_same_exception,
    assert_same_tensor,
    call,
    float_outputs,
    make_tensor,
    to_numpy,
)
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from op_table import TABLE, apply_case, cases, make_leaves
from strategies import REAL, arrays, numel

import tinygrad_lite as tl

OPS = pytest.mark.parametrize("op", TABLE, ids=lambda op: op.name)


def _fewer(divisor):
    """Settings running 1/divisor of the profile's examples (for the slow finite-difference tests)."""
    return settings(max_examples=max(4, settings.default.max_examples // divisor), deadline=None)


def _outputs(result):
    """The differentiable outputs of a result (float tensors that require grad)."""
    return [o for o in float_outputs(result) if o.requires_grad]


def _backward_n(case, result):
    """Reduction length bounding a gradient's rounding (see helpers.tolerance)."""
    return max([case.input_numel] + [numel(o.shape) for o in float_outputs(result)])


@OPS
@settings(deadline=None)
@given(data=st.data())
def test_forward(op, data):
    """Values, dtype, shape, strides, storage offset, requires_grad and grad_fn match torch."""
    case = data.draw(cases(op), label="case")
    requires_grad = data.draw(st.booleans(), label="requires_grad")
    ours, theirs = (call(lambda m: apply_case(m, case, make_leaves(m, case, requires_grad)), m)
                    for m in ENGINES)
    n = case.input_numel if op.reduces else 1
    assert_same(ours, theirs, n=n, what=f"{case}")


@OPS
@settings(deadline=None)
@given(data=st.data())
def test_backward(op, data):
    """Every input's gradient under a random upstream gradient matches torch's."""
    case = data.draw(cases(op), label="case")
    results = {}
    for m in ENGINES:
        leaves = make_leaves(m, case, requires_grad=True)
        results[m] = leaves, call(apply_case, m, case, leaves)
    (leaves_ours, ours), (leaves_theirs, theirs) = results[tl], results[torch]
    if isinstance(ours, Raised) or isinstance(theirs, Raised):
        assert_same_exception(ours, theirs, f"{case}")
        return
    outs_theirs = _outputs(theirs)
    if not outs_theirs:
        assert not _outputs(ours), f"{case}: only tinygrad_lite's result requires grad"
        return
    _assume_defined(op, outs_theirs)
    upstream = [data.draw(arrays(tuple(o.shape), REAL), label="upstream") for o in outs_theirs]
    errors = []
    for m, outs in ((tl, _outputs(ours)), (torch, outs_theirs)):
        assert len(outs) == len(outs_theirs), f"{case}: number of differentiable outputs differs"
        grads = [make_tensor(m, g, str(o.dtype).rsplit(".", 1)[1]) for g, o in zip(upstream, outs)]
        errors.append(call(m.autograd.backward, outs, grads))
    if any(isinstance(e, Raised) for e in errors):
        assert_same_exception(*errors, what=f"backward of {case}")
        return
    n = _backward_n(case, theirs)
    references = None
    for i, (a, b) in enumerate(zip(leaves_ours, leaves_theirs)):
        if b is None or not b.requires_grad:
            continue
        if b.grad is None:
            assert a.grad is None, f"{case}: input {i} got a gradient, torch's got none"
            continue
        assert a.grad is not None, f"{case}: input {i} got no gradient"
        what = f"grad of input {i} of {case}"
        try:
            assert_same_tensor(a.grad, b.grad, n=n, what=what, autograd=False, offset=False)
        except AssertionError:
            if b.grad.dtype == torch.float64:
                raise
            # beyond the plain bound: allowed only as far as torch's own float32 answer is off
            # (see helpers.tolerance)
            references = references or _float64_grads(
                case, upstream, [str(o.dtype).rsplit(".", 1)[1] for o in outs_theirs])
            assert_same_tensor(a.grad, b.grad, n=n, what=what + " (with torch's float64 reference)",
                               autograd=False, offset=False, reference=references[i])


def _assume_defined(op, torch_outputs):
    """Draw again where the op's gradient is undefined (see Op.undefined_at)."""
    assume(not (op.undefined_at and any(op.undefined_at(o) for o in torch_outputs)))


def _float64_grads(case, upstream, dtypes):
    """torch's input gradients in float64, from the case's inputs and upstream gradients rounded
    to their drawn dtype: the exact answer the float32 engines both approximate."""
    leaves = []
    for inp in case.inputs:
        if inp.array is None:
            leaves.append(None)
            continue
        values = inp.array.astype(inp.dtype).astype("float64") if inp.differentiable else inp.array
        leaves.append(make_tensor(torch, values, "float64" if inp.differentiable else inp.dtype,
                                  inp.differentiable))
    outs = _outputs(apply_case(torch, case, leaves))
    grads = [make_tensor(torch, np.asarray(u).astype(d).astype("float64"), "float64")
             for u, d in zip(upstream, dtypes)]
    torch.autograd.backward(outs, grads)
    return [None if leaf is None else leaf.grad for leaf in leaves]


def _differentiable(case, leaves):
    return [i for i, leaf in enumerate(leaves) if leaf is not None and leaf.requires_grad]


def _as_function(m, case, leaves, idx):
    """The case as a function of the differentiable leaves (the others stay fixed)."""
    def fn(*args):
        current = list(leaves)
        for i, a in zip(idx, args):
            current[i] = a
        return tuple(_outputs(apply_case(m, case, current))) or apply_case(m, case, current)
    return fn


def _gradcheck_case(op, data):
    case = data.draw(cases(op, small=True), label="case")
    leaves = make_leaves(tl, case, requires_grad=True)
    idx = _differentiable(case, leaves)
    result = call(apply_case, tl, case, leaves)
    if isinstance(result, Raised) or not idx or not _outputs(result):
        return None
    _assume_defined(op, _outputs(result))
    return case, leaves, idx


def _torch_agrees(check, case, idx, **kw):
    """Whether torch's own check passes on the same case (tells a bad domain from an engine bug)."""
    leaves = make_leaves(torch, case, requires_grad=True)
    fn = _as_function(torch, case, leaves, idx)
    return call(check, fn, tuple(leaves[i] for i in idx), **kw) is True


@OPS
@_fewer(4)
@given(data=st.data())
def test_gradcheck(op, data):
    """tinygrad_lite.autograd.gradcheck (finite differences, float64) passes."""
    drawn = _gradcheck_case(op, data)
    if drawn is None:
        return
    case, leaves, idx = drawn
    fn = _as_function(tl, case, leaves, idx)
    ok = call(tl.autograd.gradcheck, fn, tuple(leaves[i] for i in idx))
    if ok is not True:
        # where torch's gradcheck fails too, the drawn point is not differentiable: draw again
        assume(_torch_agrees(torch.autograd.gradcheck, case, idx))
        pytest.fail(f"gradcheck failed for {case} (torch's passes): {ok}")


GRADGRAD_OPS = pytest.mark.parametrize("op", [op for op in TABLE if op.gradgrad],
                                       ids=lambda op: op.name)


@GRADGRAD_OPS
@_fewer(6)
@given(data=st.data())
def test_gradgradcheck(op, data):
    """tinygrad_lite.autograd.gradgradcheck passes: the backward is itself differentiable."""
    drawn = _gradcheck_case(op, data)
    if drawn is None:
        return
    case, leaves, idx = drawn
    fn = _as_function(tl, case, leaves, idx)
    ok = call(tl.autograd.gradgradcheck, fn, tuple(leaves[i] for i in idx))
    if ok is not True:
        assume(_torch_agrees(torch.autograd.gradgradcheck, case, idx))
        pytest.fail(f"gradgradcheck failed for {case} (torch's passes): {ok}")


SECOND_ORDER_OPS = pytest.mark.parametrize("op", [op for op in TABLE if op.second_order],
                                           ids=lambda op: op.name)


def _second_order(m, case, upstream, vectors):
    """First gradients with create_graph, then the gradient of sum(g1 * v) with respect to the
    leaves and the upstream gradients."""
    leaves = make_leaves(m, case, requires_grad=True)
    outs = _outputs(apply_case(m, case, leaves))
    idx = [i for i, leaf in enumerate(leaves) if leaf is not None and leaf.requires_grad]
    grads_out = [make_tensor(m, u, str(o.dtype).rsplit(".", 1)[1], requires_grad=True)
                 for u, o in zip(upstream, outs)]
    first = m.autograd.grad(outs, [leaves[i] for i in idx], grads_out, create_graph=True,
                            allow_unused=True)
    terms = [(g * make_tensor(m, v, str(g.dtype).rsplit(".", 1)[1])).sum()
             for g, v in zip(first, vectors) if g is not None and g.requires_grad]
    if not terms:
        return first, None
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    second = m.autograd.grad(total, [leaves[i] for i in idx] + grads_out, allow_unused=True)
    return first, second


@SECOND_ORDER_OPS
@_fewer(3)
@given(data=st.data())
def test_second_order_vs_torch(op, data):
    """Double backward (create_graph=True) matches torch's second derivatives."""
    # no ties: second derivatives at kinks are conventions (and prod's at zeros is an xfail of
    # test_autograd_semantics.py)
    case = data.draw(cases(op, dtype="float64", ties=False), label="case")
    leaves = make_leaves(torch, case, requires_grad=True)
    result = call(apply_case, torch, case, leaves)
    if isinstance(result, Raised) or not _outputs(result):
        return
    outs = _outputs(result)
    _assume_defined(op, outs)
    upstream = [data.draw(arrays(tuple(o.shape), REAL), label="upstream") for o in outs]
    idx = [i for i, leaf in enumerate(leaves) if leaf is not None and leaf.requires_grad]
    vectors = [data.draw(arrays(tuple(leaves[i].shape), REAL), label="v") for i in idx]
    ours, theirs = (call(_second_order, m, case, upstream, vectors) for m in ENGINES)
    if isinstance(ours, Raised) or isinstance(theirs, Raised):
        assert_same_exception(ours, theirs, f"double backward of {case}")
        return
    n = _backward_n(case, result)
    for order, (a_list, b_list) in enumerate(zip(ours, theirs), start=1):
        if b_list is None:
            assert a_list is None or all(a is None or not a.requires_grad for a in a_list), \
                f"{case}: first gradients require grad, torch's do not"
            continue
        assert a_list is not None, f"{case}: first gradients do not require grad, torch's do"
        for i, (a, b) in enumerate(zip(a_list, b_list)):
            what = f"order-{order} gradient {i} of {case}"
            if a is None or b is None:  # torch gives None or a tensor of zeros as its graph goes
                assert _all_zero(a) and _all_zero(b), f"{what}: {a} vs torch's {b}"
                continue
            assert_close(a, b, n=n, what=what)
            if order == 1 and b.numel():
                assert a.requires_grad == b.requires_grad, f"{what}: requires_grad differs"


def _all_zero(t):
    return t is None or not bool((to_numpy(t) != 0).any())


def test_table_spellings_exist_in_both_engines():
    """Every spelling the table names exists in torch and in tinygrad_lite."""
    missing = []
    for op in TABLE:
        for s in op.spellings.values():
            owner, attr = s.public_name.split(".", 1)
            for m in ENGINES:
                holder = {"torch": m, "F": m.nn.functional}.get(owner, m.Tensor)
                if not hasattr(holder, attr):
                    missing.append(f"{s.public_name} missing in {m.__name__}")
    assert not missing, missing

