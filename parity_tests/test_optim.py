"""Optimizers against torch.optim: update formulas, state, state_dict, errors and repr.

Tolerances. Given identical gradients (test_step_parity), each step of ours differs from torch's
by at most a few ulps: torch's sqrt (MKL) is within 1 ulp of the correctly rounded one NumPy
gives (the fused multiply-adds are exact, see test_fma_parity.py). Over
`steps` steps that adds up to `4 * steps * eps` of each value (of the lr-sized update, for the
parameters). Float32 SGD has neither source of difference and is compared bit for bit. Whole
training runs also start from different gradients (BLAS summation order), which training then
amplifies at a rate that depends on the run; there we compare with how far two torch runs apart
by rounding drift (see assert_trajectories_close).
"""
import re
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_lite as tl

OPTIONS = {
    "SGD": {"lr": st.sampled_from([0.01, 0.05]), "momentum": st.sampled_from([0, 0.9]),
            "dampening": st.sampled_from([0, 0.1]), "nesterov": st.booleans(),
            "weight_decay": st.sampled_from([0, 0.01]), "maximize": st.booleans()},
    "Adam": {"lr": st.sampled_from([1e-3, 0.01]), "betas": st.sampled_from([(0.9, 0.999), (0.5, 0.9)]),
             "eps": st.sampled_from([1e-8, 1e-3]), "weight_decay": st.sampled_from([0, 0.1]),
             "amsgrad": st.booleans(), "maximize": st.booleans()},
    "RMSprop": {"lr": st.sampled_from([1e-3, 0.01]), "alpha": st.sampled_from([0.99, 0.5]),
                "eps": st.sampled_from([1e-8, 1e-3]), "weight_decay": st.sampled_from([0, 0.1]),
                "momentum": st.sampled_from([0, 0.5]), "centered": st.booleans(),
                "maximize": st.booleans()},
    "Adagrad": {"lr": st.sampled_from([0.01, 0.1]), "lr_decay": st.sampled_from([0, 0.01]),
                "weight_decay": st.sampled_from([0, 0.1]),
                "initial_accumulator_value": st.sampled_from([0, 0.1]),
                "eps": st.sampled_from([1e-10, 1e-3]), "maximize": st.booleans()},
}
OPTIONS["AdamW"] = dict(OPTIONS["Adam"], weight_decay=st.sampled_from([0, 1e-2, 0.1]))
NAMES = sorted(OPTIONS)
# one representative configuration per optimizer, for the non-hypothesis tests
TYPICAL = [("SGD", {"lr": 0.05, "momentum": 0.9, "weight_decay": 0.01}), ("Adam", {"lr": 0.01}),
           ("AdamW", {"lr": 0.01, "amsgrad": True}), ("RMSprop", {"lr": 0.01, "centered": True}),
           ("Adagrad", {"lr": 0.1, "lr_decay": 0.01})]


def _valid(config):
    kw = config[1]
    return not kw.get("nesterov") or (kw["momentum"] > 0 and kw["dampening"] == 0)


configs = st.sampled_from(NAMES).flatmap(
    lambda name: st.fixed_dictionaries(OPTIONS[name]).map(lambda kw: (name, kw))).filter(_valid)


# helpers -------------------------------------------------------------------------------------
def leaves(lib, arrays):
    return [lib.tensor(a.copy(), requires_grad=True) for a in arrays]


def numpy_of(x):
    return x.detach().numpy() if isinstance(x, torch.Tensor) else np.asarray(x.detach().numpy())


def torch_to_ours(obj):
    """A torch state_dict (nested dicts/lists/tuples of tensors) rebuilt from our tensors."""
    if isinstance(obj, torch.Tensor):
        return tl.tensor(obj.detach().numpy().copy())
    if isinstance(obj, dict):
        return {k: torch_to_ours(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(torch_to_ours(v) for v in obj)
    return obj


def assert_state_close(ours, ref, rtol, atol_scale):
    """Same per-parameter state: keys, dtypes, shapes and values within tolerance."""
    assert sorted(ours) == sorted(ref)
    for i in ref:
        assert sorted(ours[i]) == sorted(ref[i]), i
        for key, r in ref[i].items():
            o = ours[i][key]
            if not isinstance(r, torch.Tensor):
                assert o == r
                continue
            assert str(o.dtype).split(".")[-1] == str(r.dtype).split(".")[-1], key
            assert tuple(o.shape) == tuple(r.shape), key
            r = r.numpy()
            np.testing.assert_allclose(numpy_of(o), r, rtol=rtol,
                                       atol=atol_scale * (np.abs(r).max() if r.size else 0),
                                       err_msg=f"state[{i}][{key!r}]")


def assert_same_groups(ours, ref):
    """Same param_groups (options compared exactly), ignoring the tensors themselves."""
    strip = [{k: v for k, v in g.items() if k != "params"} for g in ref]
    assert [{k: v for k, v in g.items() if k != "params"} for g in ours] == strip


def mlp_loss(params, x, y):
    w1, b1, w2, b2 = params
    out = (x @ w1.t() + b1).relu() @ w2.t() + b2
    return ((out - y) ** 2).mean()


def mlp_data(seed, dtype):
    rng = np.random.default_rng(seed)
    params = [(rng.standard_normal(s) * 0.5).astype(dtype) for s in [(16, 5), (16,), (3, 16), (3,)]]
    x = rng.standard_normal((32, 5)).astype(dtype)
    y = rng.standard_normal((32, 3)).astype(dtype)
    return params, x, y


def train(lib, name, kw, data, steps, groups=None):
    """Train the MLP with `lib` for `steps` steps (maximizing minus the loss when the optimizer
    maximizes); returns (params, optimizer)."""
    arrays, x, y = data
    sign = -1 if kw.get("maximize") else 1
    params = leaves(lib, arrays)
    spec = params if groups is None else [dict(g, params=[params[i] for i in idx]) for idx, g in groups]
    opt = getattr(lib.optim, name)(spec, **kw)
    x, y = lib.tensor(x), lib.tensor(y)
    for _ in range(steps):
        opt.zero_grad()
        (sign * mlp_loss(params, x, y)).backward()
        opt.step()
    return params, opt


# update formulas on identical gradients ----------------------------------------------------
def run_injected(name, kw, dtype, steps, seed):
    """Both optimizers on the same parameters, fed the same random gradients. Shapes include a
    0-d and a non-contiguous (transposed) parameter; the 0-d one gets no grad on odd steps."""
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s).astype(dtype) for s in [(7, 5), (), (33,)]]
    arrays.append(np.ascontiguousarray(rng.standard_normal((4, 6)).astype(dtype)))
    pt, pl = leaves(torch, arrays), leaves(tl, arrays)
    pt[3] = pt[3].detach().t().requires_grad_()
    pl[3] = pl[3].detach().t().requires_grad_()
    ot, ol = getattr(torch.optim, name)(pt, **kw), getattr(tl.optim, name)(pl, **kw)
    for step in range(steps):
        for i, (a, b) in enumerate(zip(pt, pl)):
            if i == 1 and step % 2:
                a.grad = b.grad = None
                continue
            g = rng.standard_normal(tuple(a.shape)).astype(dtype)
            a.grad, b.grad = torch.from_numpy(g.copy()), tl.tensor(g.copy())
        ot.step()
        ol.step()
    return pt, pl, ot, ol


@settings(deadline=None)
@given(config=configs, dtype=st.sampled_from([np.float32, np.float64]), seed=st.integers(0, 2**16))
def test_step_parity(config, dtype, seed):
    name, kw = config
    steps = 30
    pt, pl, ot, ol = run_injected(name, kw, dtype, steps, seed)
    tol = 4 * steps * np.finfo(dtype).eps
    for a, b in zip(pt, pl):
        ref = numpy_of(a)
        assert numpy_of(b).dtype == ref.dtype
        np.testing.assert_allclose(numpy_of(b), ref, rtol=tol, atol=tol * kw["lr"] * 10)
    assert_state_close(ol.state_dict()["state"], ot.state_dict()["state"], tol, tol)
    assert_same_groups(ol.state_dict()["param_groups"], ot.state_dict()["param_groups"])


@pytest.mark.skipif(torch.backends.cpu.get_cpu_capability() not in ("AVX2", "AVX512"),
                    reason="bit-exactness assumes torch's fused multiply-add kernels")
@pytest.mark.parametrize("kw", [{"lr": 0.1}, {"lr": 0.1, "momentum": 0.9, "dampening": 0.1,
                                               "weight_decay": 0.01, "maximize": True},
                                {"lr": 0.01, "momentum": 0.9, "nesterov": True}])
def test_sgd_float32_bit_exact(kw):
    pt, pl, ot, ol = run_injected("SGD", kw, np.float32, 50, seed=0)
    for a, b in zip(pt, pl):
        np.testing.assert_array_equal(numpy_of(b), numpy_of(a))
    for i, state in ot.state_dict()["state"].items():
        np.testing.assert_array_equal(numpy_of(ol.state_dict()["state"][i]["momentum_buffer"]),
                                      numpy_of(state["momentum_buffer"]))


# training a small MLP ----------------------------------------------------------------------------
def assert_trajectories_close(ours, ref, other_ref, lr):
    """|ours - torch| within 8x the spread between torch's run and `other_ref` (another torch run
    with rounding-level differences: how much this trajectory amplifies rounding), plus 1e-10."""
    for a, b, c in zip(ref, ours, other_ref):
        a, b, c = numpy_of(a).astype(np.float64), numpy_of(b), numpy_of(c).astype(np.float64)
        assert b.dtype == numpy_of(ref[0]).dtype
        spread = np.abs(a - c).max()
        assert np.abs(b - a).max() <= 8 * spread + 1e-10 * (np.abs(a).max() + lr)


@settings(deadline=None, max_examples=15)
@given(config=configs, seed=st.integers(0, 2**16))
def test_training_parity_float64(config, seed):
    """Training amplifies the gradients' last-bit differences (BLAS summation order) at a rate that
    depends on the run (exponentially for oscillating adaptive runs); a torch run whose initial
    parameters are moved by one ulp measures that rate."""
    name, kw = config
    data = mlp_data(seed, np.float64)
    pt, ot = train(torch, name, kw, data, 100)
    pl, ol = train(tl, name, kw, data, 100)
    nudged = ([a * (1 + np.finfo(np.float64).eps) for a in data[0]], *data[1:])
    assert_trajectories_close(pl, pt, train(torch, name, kw, nudged, 100)[0], kw["lr"])
    assert_same_groups(ol.state_dict()["param_groups"], ot.state_dict()["param_groups"])


@pytest.mark.parametrize("name,kw", TYPICAL)
@pytest.mark.parametrize("seed", [0, 1])
def test_training_parity_float32(name, kw, seed):
    """Measured against float32 rounding noise: how far torch's float32 run is from its float64
    run."""
    p32, _ = train(torch, name, kw, mlp_data(seed, np.float32), 100)
    ours, _ = train(tl, name, kw, mlp_data(seed, np.float32), 100)
    p64, _ = train(torch, name, kw, mlp_data(seed, np.float64), 100)
    assert_trajectories_close(ours, p32, p64, kw["lr"])


@settings(deadline=None, max_examples=10)
@given(name=st.sampled_from(NAMES), seed=st.integers(0, 2**16))
def test_param_groups_with_their_own_options(name, seed):
    extra = {"SGD": {"momentum": 0.5}, "Adam": {"amsgrad": True}, "AdamW": {"weight_decay": 0.5},
             "RMSprop": {"centered": True}, "Adagrad": {"lr_decay": 0.1}}[name]
    groups = [((0, 1), {"lr": 0.1}), ((2, 3), dict(extra, lr=0.003))]
    data = mlp_data(seed, np.float64)
    pt, ot = train(torch, name, {}, data, 40, groups)
    pl, ol = train(tl, name, {}, data, 40, groups)
    for a, b in zip(pt, pl):
        np.testing.assert_allclose(numpy_of(b), numpy_of(a), rtol=1e-10, atol=1e-12)
    sd_t, sd_l = ot.state_dict(), ol.state_dict()
    assert_same_groups(sd_l["param_groups"], sd_t["param_groups"])
    assert [g["params"] for g in sd_l["param_groups"]] == [[0, 1], [2, 3]]
    assert_state_close(sd_l["state"], sd_t["state"], 1e-10, 1e-12)


# state and state_dict ----------------------------------------------------------------------------
@pytest.mark.parametrize("name,kw", TYPICAL)
def test_load_torch_state_dict_and_continue(name, kw):
    """Load torch's state_dict (rebuilt from our tensors) midway and keep training in step."""
    data = mlp_data(3, np.float64)
    pt, ot = train(torch, name, kw, data, 20)
    pl = leaves(tl, [numpy_of(p) for p in pt])
    ol = getattr(tl.optim, name)(pl, **kw)
    ol.load_state_dict(torch_to_ours(ot.state_dict()))
    x, y = data[1], data[2]
    for lib, params, opt in ((torch, pt, ot), (tl, pl, ol)):
        xs, ys = lib.tensor(x), lib.tensor(y)
        for _ in range(30):
            opt.zero_grad()
            mlp_loss(params, xs, ys).backward()
            opt.step()
    for a, b in zip(pt, pl):
        np.testing.assert_allclose(numpy_of(b), numpy_of(a), rtol=1e-10, atol=1e-12)
    assert_state_close(ol.state_dict()["state"], ot.state_dict()["state"], 1e-10, 1e-12)
    assert_same_groups(ol.state_dict()["param_groups"], ot.state_dict()["param_groups"])


@pytest.mark.parametrize("name,kw", TYPICAL)
def test_state_dict_round_trip_resumes_exactly(name, kw):
    data = mlp_data(4, np.float32)
    straight, _ = train(tl, name, kw, data, 25)
    first, opt = train(tl, name, kw, data, 10)
    params = leaves(tl, [numpy_of(p) for p in first])
    resumed = getattr(tl.optim, name)(params, **kw)
    resumed.load_state_dict(opt.state_dict())
    x, y = tl.tensor(data[1]), tl.tensor(data[2])
    for _ in range(15):
        resumed.zero_grad()
        mlp_loss(params, x, y).backward()
        resumed.step()
    for a, b in zip(straight, params):
        np.testing.assert_array_equal(numpy_of(b), numpy_of(a))


def test_state_keys_and_step_dtype():
    for name, kw in [*TYPICAL, ("SGD", {}), ("Adam", {"amsgrad": True}),
                     ("RMSprop", {"momentum": 0.5}), ("Adagrad", {})]:
        _, _, ot, ol = run_injected(name, kw, np.float32, 1, seed=0)
        st_t, st_l = ot.state_dict()["state"], ol.state_dict()["state"]
        assert sorted(st_l) == sorted(st_t), name
        for i in st_t:
            assert sorted(st_l[i]) == sorted(st_t[i]), name
            if "step" in st_t[i]:
                assert st_l[i]["step"].dtype == tl.float32 and st_l[i]["step"].ndim == 0
                assert st_l[i]["step"].item() == st_t[i]["step"].item()


def test_step_is_float64_under_float64_default():
    tl.set_default_dtype(tl.float64)
    torch.set_default_dtype(torch.float64)
    p = tl.zeros(2, requires_grad=True)
    p.grad = tl.ones(2)
    opt = tl.optim.Adam([p])
    opt.step()
    assert opt.state[p]["step"].dtype == tl.float64
    q = torch.zeros(2, requires_grad=True)
    q.grad = torch.ones(2)
    ref = torch.optim.Adam([q])
    ref.step()
    assert ref.state[q]["step"].dtype == torch.float64


def test_load_state_dict_with_python_number_step():
    """Old checkpoints stored `step` as a number: it becomes a 0-d tensor on load, as in torch."""
    p = tl.zeros(3, requires_grad=True)
    opt = tl.optim.Adam([p])
    sd = {"state": {0: {"step": 5, "exp_avg": tl.ones(3), "exp_avg_sq": tl.ones(3)}},
          "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0,
                            "amsgrad": False, "params": [0]}]}
    opt.load_state_dict(sd)
    step = opt.state[p]["step"]
    assert isinstance(step, tl.Tensor) and step.item() == 5.0 and step.dtype == tl.float32
    assert opt.param_groups[0]["maximize"] is False and opt.param_groups[0]["lr"] == 0.1


# API behaviour ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name,kw", TYPICAL)
def test_repr(name, kw):
    pt, pl = leaves(torch, [np.ones(2)]), leaves(tl, [np.ones(2)])
    ot, ol = getattr(torch.optim, name)(pt, **kw), getattr(tl.optim, name)(pl, **kw)
    ot.add_param_group({"params": leaves(torch, [np.ones(1)]), "lr": 0.5})
    ol.add_param_group({"params": leaves(tl, [np.ones(1)]), "lr": 0.5})
    assert repr(ol) == repr(ot)


def test_zero_grad():
    for set_to_none in (True, False):
        results = []
        for lib in (torch, tl):
            p = leaves(lib, [np.ones(3)])[0]
            (p * 2).sum().backward()
            lib.optim.SGD([p], lr=0.1).zero_grad(set_to_none=set_to_none)
            results.append(None if p.grad is None else numpy_of(p.grad).tolist())
        assert results[0] == results[1]


def _closure_run(lib):
    p = leaves(lib, [np.array([1.0, -2.0])])[0]
    opt = lib.optim.Adam([p], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (p ** 2).sum()
        loss.backward()
        return loss
    with lib.no_grad():
        losses = [opt.step(closure).item() for _ in range(3)]
    return losses, numpy_of(p).tolist()


def test_closure_runs_with_grad_enabled_and_returns_its_loss():
    assert _closure_run(tl) == _closure_run(torch)


def test_step_hooks_run_around_step():
    p = tl.zeros(1, requires_grad=True)
    opt = tl.optim.SGD([p], lr=1.0)
    calls = []
    pre = opt.register_step_pre_hook(lambda o, args, kwargs: calls.append(("pre", p.item())))
    opt.register_step_post_hook(lambda o, args, kwargs: calls.append(("post", p.item())))
    p.grad = tl.ones(1)
    opt.step()
    pre.remove()
    opt.step()
    assert calls == [("pre", 0.0), ("post", -1.0), ("post", -2.0)]


def test_params_from_a_generator_and_skipped_grads():
    for lib in (torch, tl):
        a, b = leaves(lib, [np.ones(2, np.float32), np.ones(2, np.float32)])
        opt = lib.optim.Adam(p for p in (a, b))
        a.grad = lib.ones(2)
        opt.step()
        assert b not in opt.state and numpy_of(b).tolist() == [1.0, 1.0]


def test_step_bumps_the_parameter_version():
    """An in-place update under no_grad still invalidates graphs that saved the parameter."""
    results = []
    for lib in (torch, tl):
        p = leaves(lib, [np.ones(2, np.float32)])[0]
        out = (p * p).sum()
        p.grad = lib.ones(2)
        lib.optim.SGD([p], lr=0.1).step()
        with pytest.raises(RuntimeError) as err:
            out.backward()
        results.append("modified by an inplace operation" in str(err.value))
    assert results == [True, True]


def _error(fn, *args):
    """(type, message) of what fn(*args) raises, or None."""
    try:
        fn(*args)
    except Exception as e:  # noqa: BLE001 - comparing exception parity
        return type(e), str(e)
    return None


def _bad_options(name):
    common = [{"lr": -1.0}]
    per = {"SGD": [{"momentum": -0.1}, {"weight_decay": -1}, {"nesterov": True},
                   {"nesterov": True, "momentum": 0.9, "dampening": 0.1}],
           "Adam": [{"eps": -1.0}, {"betas": (1.0, 0.9)}, {"betas": (0.9, -0.1)},
                    {"betas": (0, 0.9)}, {"weight_decay": -1e-3}],
           "RMSprop": [{"eps": -1.0}, {"momentum": -1}, {"weight_decay": -1}, {"alpha": -0.5}],
           "Adagrad": [{"lr_decay": -1}, {"weight_decay": -1}, {"initial_accumulator_value": -1},
                       {"eps": -1.0}]}
    per["AdamW"] = per["Adam"]
    return common + per[name]


def _construct(lib, name, params, kw):
    return getattr(lib.optim, name)(params(lib), **kw)


@pytest.mark.parametrize("name", NAMES)
def test_constructor_errors(name):
    def one(lib):
        return lib.ones(2, requires_grad=True)
    cases = [(one, {}), (lambda lib: [], {}), (lambda lib: [one(lib), 3], {}),
             (lambda lib: [one(lib) * 2], {}), (lambda lib: [{"params": {one(lib)}}], {})]
    cases += [(lambda lib: [one(lib)], kw) for kw in _bad_options(name)]
    for params, kw in cases:
        ref = _error(_construct, torch, name, params, kw)
        assert ref is not None, kw
        assert _error(_construct, tl, name, params, kw) == ref


@pytest.mark.parametrize("make_case", [
    lambda lib, p, q: lib.optim.SGD([p]).add_param_group({"params": [p]}),
    lambda lib, p, q: lib.optim.SGD([{"params": [p]}, {"params": [q, p]}]),
    lambda lib, p, q: lib.optim.SGD([p]).add_param_group([q]),
    lambda lib, p, q: lib.optim.SGD([("a", p)]).add_param_group({"params": [q]}),
    lambda lib, p, q: lib.optim.SGD([("a", p), q]),
])
def test_add_param_group_errors(make_case):
    results = [_error(make_case, lib, *leaves(lib, [np.ones(2), np.ones(3)])) for lib in (tl, torch)]
    assert results[0] is not None and results[0] == results[1], results


def test_load_state_dict_errors():
    results = []
    for lib in (tl, torch):
        p, q = leaves(lib, [np.ones(2), np.ones(3)])
        one_group = lib.optim.Adam([p, q]).state_dict()
        two_groups = lib.optim.Adam([{"params": [p]}, {"params": [q]}])
        other_size = lib.optim.Adam([p])
        results.append([_error(two_groups.load_state_dict, one_group),
                        _error(other_size.load_state_dict, one_group)])
    assert results[0] == results[1] and all(results[0])


def test_duplicate_parameter_warns():
    p = tl.ones(2, requires_grad=True)
    with pytest.warns(UserWarning, match=re.escape("duplicate parameters")):
        tl.optim.SGD([p, p])


def test_differentiable_is_refused():
    with pytest.raises(NotImplementedError, match="differentiable"):
        tl.optim.Adam([tl.ones(1, requires_grad=True)], differentiable=True)


@pytest.mark.parametrize("name,kw", TYPICAL)
def test_non_finite_gradients(name, kw):
    """inf, nan, subnormal and huge gradients give what torch gives, without NumPy floating-point
    warnings. (float32: in float64 an overflowing square inside a fused multiply-add is inf for
    us and finite for torch.)"""
    grads = [np.array([np.inf, -np.inf, np.nan, 1e-40, 3e38, 0.0], np.float32)] * 3
    results = []
    for lib in (torch, tl):
        p = leaves(lib, [np.array([1.0, -1.0, 2.0, 1e-40, 3e38, 0.0], np.float32)])[0]
        opt = getattr(lib.optim, name)([p], **kw)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            for g in grads:
                p.grad = lib.tensor(g)
                opt.step()
        results.append(numpy_of(p).tolist())
    np.testing.assert_array_equal(results[1], results[0])


def test_no_warnings_in_a_plain_training_step():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        train(tl, "Adam", {}, mlp_data(0, np.float32), 2)
