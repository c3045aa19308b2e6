"""The engine's first-order array lane (Function.array_backward) must give exactly what the tensor
formulas (Function.backward) give: the same bits, dtype, shape and strides, for every op-table row
and for gradients that meet in the engine (accumulation, expanded sums, leaves and views).
torch is the oracle of the tensor formulas in test_op_table.py; this pins the fast lane to them."""
import numpy as np
import pytest
from helpers import Raised, call, float_outputs, make_tensor
from hypothesis import given, settings
from hypothesis import strategies as st
from op_table import TABLE, apply_case, cases, make_leaves
from strategies import REAL, arrays

import tinygrad_lite as tl
from tinygrad_lite.autograd import engine




def _bits(t):
    a = t.detach().numpy()
    return a.dtype, a.shape, t.stride(), t._is_view(), np.ascontiguousarray(a).tobytes()


def _grads(case, upstream, lane):
    """(autograd.grad results, .grad of each leaf) of the case with the array lane on or off."""
    engine.ARRAY_LANE = lane
    try:
        leaves = make_leaves(tl, case, requires_grad=True)
        result = apply_case(tl, case, leaves)
        outs = [o for o in float_outputs(result) if o.requires_grad]
        diff = [x for x in leaves if x is not None and x.requires_grad]
        if not outs or not diff:
            return None
        grads = [make_tensor(tl, g, o.dtype.name) for g, o in zip(upstream, outs)]
        returned = call(tl.autograd.grad, outs, diff, grads, retain_graph=True, allow_unused=True)
        accumulated = call(tl.autograd.backward, outs, grads)
        if isinstance(returned, Raised) or isinstance(accumulated, Raised):
            return repr(returned), repr(accumulated)
        return ([None if g is None else _bits(g) for g in returned],
                [None if x.grad is None else _bits(x.grad) for x in diff])
    finally:
        engine.ARRAY_LANE = True


@pytest.mark.parametrize("op", TABLE, ids=lambda op: op.name)
@settings(deadline=None)
@given(data=st.data())
def test_array_lane_gives_the_tensor_formulas_bits(op, data):
    case = data.draw(cases(op), label="case")
    leaves = make_leaves(tl, case, requires_grad=True)
    result = call(apply_case, tl, case, leaves)
    if isinstance(result, Raised):
        return
    outs = [o for o in float_outputs(result) if o.requires_grad]
    upstream = [data.draw(arrays(tuple(o.shape), REAL), label="upstream") for o in outs]
    assert _grads(case, upstream, True) == _grads(case, upstream, False), f"{case}"


def _elementwise(x, w, b, seen):
    h = (x * w + b).tanh()            # broadcast bias, expanded sum gradient below
    s = (-h).exp() + h * h / 3.0      # h used three times: accumulation in the engine
    u = s.sigmoid().sqrt() - s.log1p() * 2 + s ** 3 - s.pow(2.5)
    for t in (h, s, u):
        t.register_hook(seen.append)
    return (u.sum() + (x.reciprocal() * w).mean(0).sum()) * 0.5


def _linear(x, w, b, seen):
    out = (x @ w.t() + b).relu()      # w.t(): column-major mm factor, as in nn.Linear
    row = out[1] + out[:, 1:].sum() + out.view(-1)[::2].mean()
    column = w[:1].t()                # a column-major (3, 1) factor: its gradient's strides
    for t in (out, row, column):
        t.register_hook(seen.append)
    return (row ** 2).sum() - x.mm(column).sum()


def _nn(x, w, b, seen):
    big = x.repeat(400, 1)            # 1600 x 3 rows: a ReLU mask over >= 4096 elements
    out = tl.nn.functional.linear(big, w, b).relu()
    out.register_hook(seen.append)
    target = big.detach().flip(0).sin()
    return tl.nn.functional.mse_loss(out, target) + tl.nn.functional.mse_loss(
        out[:4], target[:4], reduction="sum")


@pytest.mark.parametrize("program", [_elementwise, _linear, _nn])
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize("layout", ["contiguous", "transposed", "expanded"])
def test_array_lane_program(program, dtype, layout):
    """Leaf gradients and the gradients hooks see (strides and view-ness too) are the same."""
    rng = np.random.default_rng(0)
    xv, wv, bv = rng.uniform(0.5, 2, (4, 3)), rng.standard_normal((4, 3)), rng.standard_normal(3)
    if program is not _elementwise:
        wv, bv = rng.standard_normal((3, 3)), rng.standard_normal(3)
    results = []
    for lane in (True, False):
        engine.ARRAY_LANE = lane
        try:
            x, w, b = (make_tensor(tl, v, dtype, True) for v in (xv, wv, bv))
            xi = {"contiguous": x, "transposed": x.t().contiguous().t(),
                  "expanded": x[:1].expand(4, 3)}[layout]
            seen = []
            loss = program(xi, w, b, seen)
            loss.backward()
            results.append([_bits(t.grad) for t in (x, w, b)] + [_bits(g) for g in seen] + [_bits(loss)])
        finally:
            engine.ARRAY_LANE = True
    assert results[0] == results[1]
