"""The optimizers' fused multiply-adds against torch, bit for bit.

torch's CPU kernels for `addcmul_`, scalar-weight `lerp_` and `add_(y, alpha=a)` round a*b + c
once, in their vectorised body and their scalar tail alike, in float32 and in float64 (checked
here on sizes 1 to 4099). The float32 hard cases are sums that, rounded to float64, land exactly
halfway between two float32s, so that rounding them again to float32 goes wrong half the time.
Whole steps of the optimizers that take a square root (Adam, RMSprop, Adagrad) are compared bit
for bit wherever torch's sqrt (MKL, not always correctly rounded) agrees with NumPy's.
"""
import numpy as np
import pytest
import torch

import tinygrad_lite as tl
from tinygrad_lite.optim.optimizer import add_scaled, addcmul_, lerp_
from tinygrad_lite.random import fma32

SIZES = [1, 3, 7, 8, 15, 16, 17, 31, 33, 64, 1000, 4099]
# Hard cases need the right scalars: for most a (lerp_'s weights of size among them, when x and
# end are alike) a * b + c never lands near halfway. These were found by a search over all 24-bit
# significands: ALPHA * ALPHA_B * 2**(k-24) is within 2**-32 units of halfway between multiples of
# the unit 2**(k+ALPHA_E-24), for any k; x + W * m * ulp(x) is just off halfway for m in W_DISTANCES.
ALPHA, ALPHA_B, ALPHA_E = 0.1986, 14473797, 8
W, W_DISTANCES = 0.0014830369036644697, (2719757, 8159271)


def _twice_rounded(a, b, c):
    return (np.float64(1) * a * b + c).astype(np.float32)


def _hard(a, b, c, n):
    """The indices of the first n triples whose sum rounded twice differs from the fused one."""
    hard = np.flatnonzero(_twice_rounded(a, b, c) != fma32(a, b, c))[:n]
    assert len(hard) == n, "not enough hard cases"
    return hard


def _big(rng, n):
    """Random float32 values of either sign in [2**10, 2**30)."""
    return (rng.choice([-1, 1], n) * rng.uniform(1, 2, n) * 2.0 ** rng.integers(10, 30, n)).astype(np.float32)


def _hard_products(a, n, rng):
    """n triples (a, b, c) such that a * b + c is a float32 hard case, with a from the array `a`
    (cycled through); and the indices into `a`."""
    c = _big(rng, 256 * n + 8192)
    halfway = (rng.integers(-2, 2, c.size) + 0.5) * np.spacing(c).astype(np.float64)
    index = np.arange(c.size) % a.size
    b = (halfway / a[index]).astype(np.float32)
    hard = _hard(a[index], b, c, n)
    return a[index][hard], b[hard], c[hard], index[hard]


def _hard_scaled(alpha, n, rng):
    """(y, x) such that x + alpha * y is a float32 hard case (alpha = +-ALPHA)."""
    scale = 2.0 ** rng.integers(-20, 20, 8 * n)
    y = (rng.choice([-1, 1], scale.size) * ALPHA_B * scale * 2.0 ** -24).astype(np.float32)
    ulp_x = scale * 2.0 ** (ALPHA_E - 24)
    significand = rng.integers(2 ** 23, 2 ** 24, scale.size)
    x = (rng.choice([-1, 1], scale.size) * significand * ulp_x).astype(np.float32)
    hard = _hard(np.float32(alpha), y, x, n)
    return y[hard], x[hard]


def _hard_lerp(n, rng):
    """(x, end) with x + W * (end - x) a float32 hard case (W < 0.5: torch's first formula)."""
    m = rng.choice(W_DISTANCES, 8 * n)
    scale = (rng.choice([-1, 1], m.size) * 2.0 ** rng.integers(-30, 30, m.size)).astype(np.float32)
    x = (2.0 ** 23 + np.floor(rng.uniform(0, 1, m.size) * (2.0 ** 23 - m))).astype(np.float32) * scale
    end = (x + m * scale).astype(np.float32)
    hard = _hard(np.float32(W), end - x, x, n)
    return x[hard], end[hard]


def _same(ours, theirs):
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else theirs
    ours = ours.detach().numpy() if isinstance(ours, tl.Tensor) else ours
    assert ours.dtype == theirs.dtype
    np.testing.assert_array_equal(ours.view(f"u{ours.itemsize}"), theirs.view(f"u{theirs.itemsize}"))


# the kernels on hard cases (float32) and random data (float64, where rounding twice differs often)
@pytest.mark.parametrize("value", [1.0, 1 - 0.999, -1.0])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("n", SIZES)
def test_addcmul(n, dtype, value):
    rng = np.random.default_rng(n)
    if dtype == "float32":
        t1 = rng.standard_normal(512).astype(np.float32)
        _, t2, x, index = _hard_products(t1 * np.float32(value), n, rng)
        t1 = t1[index]
    else:
        t1, t2 = rng.standard_normal((2, n))
        x = -value * t1 * t2 * (1 + rng.standard_normal(n) * 1e-3)  # cancellation
    expected = torch.tensor(x).addcmul_(torch.tensor(t1), torch.tensor(t2), value=value)
    _same(addcmul_(x.copy(), t1, t2, value), expected)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("n", SIZES)
def test_lerp(n, dtype):
    rng = np.random.default_rng(n)
    if dtype == "float32":
        x, end = _hard_lerp(n, rng)
        weights = [W]
    else:
        x = rng.standard_normal(n)
        end = x + rng.standard_normal(n) * rng.choice([1e-3, 1, 1e3], n)
        weights = [W, 0.1, -0.3, 0.5, 0.9, -0.7, 1.5]
    for weight in weights:
        _same(lerp_(x.copy(), end, weight), torch.tensor(x).lerp_(torch.tensor(end), weight))


@pytest.mark.parametrize("alpha", [-ALPHA, ALPHA])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("n", SIZES)
def test_add_scaled(n, dtype, alpha):
    rng = np.random.default_rng(n)
    y, x = _hard_scaled(alpha, n, rng) if dtype == "float32" else rng.standard_normal((2, n))
    _same(add_scaled(x, alpha, y), torch.tensor(x).add_(torch.tensor(y), alpha=alpha))


# whole optimizer steps ------------------------------------------------------------------------
def _sqrt_input(name, state, group):
    """The tensor whose square root torch's step takes (None for SGD)."""
    if name == "Adagrad":
        return state["sum"]
    if name == "RMSprop":
        sq = state["square_avg"]
        return torch.addcmul(sq, state["grad_avg"], state["grad_avg"], value=-1) if group["centered"] else sq
    if name.startswith("Adam"):
        return state["max_exp_avg_sq"] if group["amsgrad"] else state["exp_avg_sq"]
    return None


def _step_both(name, kw, param, grad, state=None):
    """One step of torch's and of our optimizer from the same param, grad and (torch) state;
    asserts equal states and params (where torch's sqrt is NumPy's, for what depends on it)."""
    tp = torch.tensor(param, requires_grad=True)
    lp = tl.tensor(param.copy(), requires_grad=True)
    topt, lopt = getattr(torch.optim, name)([tp], **kw), getattr(tl.optim, name)([lp], **kw)
    if state is not None:
        groups = topt.state_dict()["param_groups"]
        topt.load_state_dict({"state": {0: state}, "param_groups": groups})
        lstate = {k: tl.tensor(v.numpy().copy()) for k, v in state.items()}
        lopt.load_state_dict({"state": {0: lstate}, "param_groups": groups})
    tp.grad, lp.grad = torch.tensor(grad), tl.tensor(grad.copy())
    topt.step()
    lopt.step()
    tstate, lstate = topt.state[tp], lopt.state[lp]
    root = _sqrt_input(name, tstate, topt.param_groups[0])
    agree = np.ones(param.shape, bool) if root is None else torch.sqrt(root).numpy() == np.sqrt(root.numpy())
    assert tstate.keys() == lstate.keys()
    for key in tstate:  # RMSprop's momentum buffer accumulates grad / sqrt(...)
        where = agree if (name, key) == ("RMSprop", "momentum_buffer") else ...
        _same(lstate[key].numpy()[where], tstate[key].numpy()[where])
    _same(lp.detach().numpy()[agree], tp.detach().numpy()[agree])
    return {k: v.clone() for k, v in tstate.items()}, tp.detach().numpy()


STEP_CONFIGS = [("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
                ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.1}),
                ("Adam", {"lr": 0.01}), ("Adam", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}),
                ("AdamW", {"lr": 0.01}),
                ("RMSprop", {"lr": 0.01, "momentum": 0.5}),
                ("RMSprop", {"lr": 0.01, "centered": True, "weight_decay": 0.1}),
                ("Adagrad", {"lr": 0.1, "lr_decay": 0.01})]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(("name", "kw"), STEP_CONFIGS, ids=[f"{name}-{i}" for i, (name, _) in
                                                              enumerate(STEP_CONFIGS)])
def test_steps_random(name, kw, dtype):
    """Several steps on random data; each starts from torch's param and state."""
    rng = np.random.default_rng(0)
    for n in (7, 33, 4099):
        param, state = rng.standard_normal(n).astype(dtype), None
        for _ in range(4):
            grad = (rng.standard_normal(n) * 10.0 ** rng.integers(-3, 2)).astype(dtype)
            state, param = _step_both(name, kw, param, grad, state)


def test_steps_hard():
    """Steps whose fused multiply-adds are float32 hard cases. (Hard cases of the accumulators'
    acc + (value * g) * g were not constructed: the product of g with itself is too regular.)"""
    rng = np.random.default_rng(1)
    n = 1000
    # SGD: param - lr * grad; then grad + weight_decay * param
    grad, param = _hard_scaled(-ALPHA, n, rng)
    _step_both("SGD", {"lr": ALPHA}, param, grad)
    param, grad = _hard_scaled(ALPHA, n, rng)
    _step_both("SGD", {"lr": 0.01, "weight_decay": ALPHA}, param, grad)
    # Adam: grad + weight_decay * param; exp_avg lerped towards grad by 1 - beta1 = W
    state = {"step": torch.tensor(1.0), "exp_avg": torch.tensor(_big(rng, n)),
             "exp_avg_sq": torch.tensor(np.abs(_big(rng, n)))}
    _step_both("Adam", {"lr": 0.01, "weight_decay": ALPHA}, param, grad, state)
    exp_avg, grad = _hard_lerp(n, rng)
    state = dict(state, exp_avg=torch.tensor(exp_avg))
    _step_both("Adam", {"lr": 0.01, "betas": (1 - W, 0.999)}, _big(rng, n), grad, state)


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize("weight", [0.3, 0.7, -0.2, 1.5, 0.5, 0.1, "tensor", "broadcast"])
def test_lerp_op_bits(dtype, weight):
    """Tensor.lerp as torch's kernel: one fused multiply-add (from start where |w| < 0.5, from end
    with w - 1 elsewhere); float16 in float32 with the number weight unrounded, rounded once."""
    rng = np.random.default_rng(7)
    a, b, w = (rng.standard_normal(n).astype(dtype) for n in (4000, 4000, 4000))
    results = []
    for m in (tl, torch):
        start, end = m.tensor(a), m.tensor(b)
        if weight == "tensor":
            out = start.lerp(end, m.tensor(w))
        elif weight == "broadcast":
            out = start.reshape(40, 100).lerp(end[:100], m.tensor(w[:1]).reshape(1, 1))
        else:
            out = start.lerp(end, weight)
        results.append(out.numpy().tobytes())
    assert results[0] == results[1]
