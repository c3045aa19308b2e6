"""Every loss, functional and module form, against torch: each reduction and option, hypothesis-drawn
inputs, values and gradients (input and target), extreme logits, probabilities exactly 0 and 1,
class-index targets of any rank, class-probability targets, and torch's errors."""
import numpy as np
import pytest
import torch
from helpers import assert_close, assert_same, run_both
from hypothesis import given, settings
from hypothesis import strategies as st
from nn_helpers import compare_graph, float_arrays, printed

import tinygrad_lite as tl

REDUCTIONS = st.sampled_from(["none", "mean", "sum"])
DTYPES = st.sampled_from(["float64", "float32"])


def _same_error(fn):
    ours, theirs = run_both(fn)
    assert_same(ours, theirs)
    assert str(ours.exc).replace("tinygrad_lite", "torch") == str(theirs.exc)


# regression-style losses ------------------------------------------------------------------------
POINTWISE = {
    "mse_loss": ("MSELoss", {}),
    "l1_loss": ("L1Loss", {}),
    "smooth_l1_loss": ("SmoothL1Loss", {"beta": [1.0, 0.5, 0.0]}),
    "huber_loss": ("HuberLoss", {"delta": [1.0, 0.3, 2.0]}),
}


@pytest.mark.parametrize("name", list(POINTWISE))
@settings(deadline=None)
@given(data=st.data(), reduction=REDUCTIONS, dtype=DTYPES, module=st.booleans())
def test_pointwise_losses(name, data, reduction, dtype, module):
    module_name, options = POINTWISE[name]
    kwargs = {key: data.draw(st.sampled_from(values)) for key, values in options.items()}
    shape = data.draw(st.sampled_from([(), (4,), (2, 3), (2, 1, 3)]))
    x = data.draw(float_arrays(shape, -3, 3, dtype))
    y = data.draw(float_arrays(shape, -3, 3, dtype))
    if y.ndim:
        y[..., :1] = x[..., :1]  # ties (d = 0) on purpose: the kink of l1/huber

    def build(m, x, y):
        if module:
            return getattr(m.nn, module_name)(reduction=reduction, **kwargs)(x, y)
        return getattr(m.nn.functional, name)(x, y, reduction=reduction, **kwargs)
    compare_graph(build, [x, y], n=x.size + 1)


@settings(deadline=None)
@given(data=st.data(), reduction=REDUCTIONS)
def test_pointwise_losses_broadcast_warn_and_weights(data, reduction):
    x = data.draw(float_arrays((3, 4)))
    y = data.draw(float_arrays((1, 4)))
    w = data.draw(float_arrays((3, 4), 0.1, 2))

    def build(m, x, y, w):
        F = m.nn.functional
        parts = [F.mse_loss(x, y, reduction=reduction), F.l1_loss(x, y, reduction=reduction),
                 F.smooth_l1_loss(x, y, reduction=reduction), F.huber_loss(x, y, reduction=reduction),
                 F.mse_loss(x, y.expand(3, 4), reduction=reduction, weight=w),
                 F.l1_loss(x, y.expand(3, 4), reduction=reduction, weight=w),
                 F.huber_loss(x, y.expand(3, 4), reduction=reduction, weight=w)]
        return m.stack([p.reshape(-1) for p in parts])
    with pytest.warns(UserWarning, match="Using a target size"):
        compare_graph(build, [x, y, w], n=13, check_grad_fn=False)


def test_pointwise_loss_errors():
    _same_error(lambda m: m.nn.functional.mse_loss(m.ones(3, 4), m.ones(5)))
    _same_error(lambda m: m.nn.functional.mse_loss(m.ones(3), m.ones(3), reduction="foo"))
    _same_error(lambda m: m.nn.functional.smooth_l1_loss(m.ones(3), m.ones(3), beta=-1.0))
    _same_error(lambda m: m.nn.functional.huber_loss(m.ones(3), m.ones(3), delta=0.0))
    _same_error(lambda m: m.nn.functional.mse_loss(m.ones(3), m.ones(3), weight=m.ones(2)))


@pytest.mark.parametrize("name", list(POINTWISE))
@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
def test_pointwise_losses_have_no_integer_kernels(name, dtype):
    """torch's mse/smooth_l1/huber kernels exist for floating types only (l1_loss fails in its
    mean instead); a float beside an integer operand promotes and works."""
    def build(m):
        a = m.ones(3, dtype=getattr(m, dtype))
        return [getattr(m.nn.functional, name)(a, a, reduction=r) for r in ("mean", "none")]
    _same_error(build)
    ours, theirs = run_both(lambda m: getattr(m.nn.functional, name)(m.ones(3), m.ones(3, dtype=m.int64)))
    assert_same(ours, theirs)


@pytest.mark.parametrize("size_average,reduce", [(None, False), (False, None), (True, True), (False, True),
                                                 (None, True)])
def test_legacy_size_average_and_reduce(size_average, reduce):
    def build(m, x, y):
        F = m.nn.functional
        return m.stack([F.mse_loss(x, y, size_average, reduce).sum(),
                        F.l1_loss(x, y, size_average, reduce).sum(),
                        m.nn.MSELoss(size_average, reduce)(x, y).sum(),
                        F.smooth_l1_loss(x, y, size_average, reduce).sum()])
    x, y = np.linspace(-1, 2, 6).reshape(2, 3), np.linspace(0, 1, 6).reshape(2, 3)
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        compare_graph(build, [x, y], check_grad_fn=False)


# binary cross entropy ---------------------------------------------------------------------------
@settings(deadline=None)
@given(data=st.data(), reduction=REDUCTIONS, dtype=DTYPES, weighted=st.sampled_from([None, "full", "row"]),
       module=st.booleans())
def test_binary_cross_entropy(data, reduction, dtype, weighted, module):
    shape = data.draw(st.sampled_from([(4,), (3, 2), (2, 2, 2)]))
    probs = st.one_of(st.sampled_from([0.0, 1.0, 1e-12, 1 - 1e-7]), st.floats(0, 1, width=32))
    x = np.asarray(data.draw(st.lists(probs, min_size=int(np.prod(shape)), max_size=int(np.prod(shape)))),
                   dtype=dtype).reshape(shape)
    y = data.draw(float_arrays(shape, 0, 1, dtype))
    y.reshape(-1)[: y.size // 2] = data.draw(st.sampled_from([0.0, 1.0]))  # hard labels at the extremes
    w = data.draw(float_arrays(shape if weighted == "full" else shape[-1:], 0, 2, dtype))
    interior = (x > 0) & (x < 1)  # the gradient at x = 0 or 1 is a 1e-12-clamped huge number
    arrays = [x, y] + ([w] if weighted else [])

    def build(m, x, y, *w):
        weight = w[0].detach() if w else None
        if module:
            return m.nn.BCELoss(weight=weight, reduction=reduction)(x, y)
        return m.nn.functional.binary_cross_entropy(x, y, weight=weight, reduction=reduction)
    compare_graph(build, arrays, [bool(interior.all()), bool(interior.all())] + [False] * bool(weighted),
                  n=x.size + 1)


@settings(deadline=None)
@given(data=st.data(), reduction=REDUCTIONS, dtype=DTYPES, weighted=st.booleans(), pos=st.booleans(),
       module=st.booleans())
def test_binary_cross_entropy_with_logits(data, reduction, dtype, weighted, pos, module):
    shape = data.draw(st.sampled_from([(4,), (3, 2), (2, 2, 2)]))
    logits = st.one_of(st.sampled_from([1e4, -1e4, 0.0, 50.0, -50.0]), st.floats(-20, 20, width=32))
    x = np.asarray(data.draw(st.lists(logits, min_size=int(np.prod(shape)), max_size=int(np.prod(shape)))),
                   dtype=dtype).reshape(shape)
    y = data.draw(float_arrays(shape, 0, 1, dtype))
    w = data.draw(float_arrays(shape[-1:], 0, 2, dtype))
    pw = data.draw(float_arrays(shape[-1:], 0.1, 3, dtype))

    def build(m, x, y, w, pw):
        weight = w if weighted else None
        pos_weight = pw if pos else None
        if module:
            loss = m.nn.BCEWithLogitsLoss(weight=weight, reduction=reduction, pos_weight=pos_weight)
            return loss(x, y)
        return m.nn.functional.binary_cross_entropy_with_logits(x, y, weight, reduction=reduction,
                                                                pos_weight=pos_weight)
    compare_graph(build, [x, y, w, pw], [True, True, False, False], n=x.size + 1)


def test_bce_errors_and_the_log_clamp():
    _same_error(lambda m: m.nn.functional.binary_cross_entropy(m.rand(3, 4), m.rand(3)))
    _same_error(lambda m: m.nn.functional.binary_cross_entropy(m.rand(3, 4) + 1, m.rand(3, 4)))
    _same_error(lambda m: m.nn.functional.binary_cross_entropy(m.rand(3, 4), m.rand(3, 4) * 3))
    _same_error(lambda m: m.nn.functional.binary_cross_entropy(m.rand(2).double(), m.rand(2)))
    _same_error(lambda m: m.nn.functional.binary_cross_entropy_with_logits(m.rand(3, 4), m.rand(3)))
    compare_graph(lambda m, x, y: m.nn.functional.binary_cross_entropy(x, y, reduction="none"),
                  [np.array([0.0, 1.0, 0.0, 1.0]), np.array([1.0, 0.0, 0.0, 1.0])], [False, True])


# class-index and class-probability losses -----------------------------------------------------------
def _class_case(data, dtype, extra_dims, allow_ignore=True):
    """(logits (N, C, *extra), targets (N, *extra), weight (C,), ignore_index) drawn together."""
    n, c = data.draw(st.integers(1, 4)), data.draw(st.integers(2, 5))
    x = data.draw(float_arrays((n, c) + extra_dims, -5, 5, dtype))
    ignore = data.draw(st.sampled_from([-100, 1] if allow_ignore else [-100]))
    choices = list(range(c)) + ([ignore] if allow_ignore else [])
    t = np.asarray(data.draw(st.lists(st.sampled_from(choices), min_size=n * int(np.prod(extra_dims)),
                                      max_size=n * int(np.prod(extra_dims)))), dtype=np.int64)
    w = data.draw(float_arrays((c,), 0.1, 2, dtype))
    return x, t.reshape((n,) + extra_dims), w, ignore


@settings(deadline=None)
@given(data=st.data(), reduction=REDUCTIONS, dtype=DTYPES, weighted=st.booleans(),
       smoothing=st.sampled_from([0.0, 0.0, 0.2, 1.0]), module=st.booleans(),
       extra=st.sampled_from([(), (), (3,), (2, 2), (2, 1, 2)]))
def test_cross_entropy_class_indices(data, reduction, dtype, weighted, smoothing, module, extra):
    x, t, w, ignore = _class_case(data, dtype, extra)

    def build(m, x, t, w):
        weight = w if weighted else None
        if module:
            return m.nn.CrossEntropyLoss(weight, ignore_index=ignore, reduction=reduction,
                                         label_smoothing=smoothing)(x, t)
        return m.nn.functional.cross_entropy(x, t, weight, ignore_index=ignore, reduction=reduction,
                                             label_smoothing=smoothing)
    compare_graph(build, [x, t, w], [True, False, False], n=x.size + 1)


@settings(deadline=None)
@given(data=st.data(), reduction=REDUCTIONS, dtype=DTYPES, weighted=st.booleans(), module=st.booleans(),
       extra=st.sampled_from([(), (3,), (2, 2), (1, 2, 2)]))
def test_nll_loss(data, reduction, dtype, weighted, module, extra):
    x, t, w, ignore = _class_case(data, dtype, extra)

    def build(m, x, t, w):
        weight = w if weighted else None
        if module:
            return m.nn.NLLLoss(weight, ignore_index=ignore, reduction=reduction)(x, t)
        return m.nn.functional.nll_loss(x, t, weight, ignore_index=ignore, reduction=reduction)
    compare_graph(build, [x, t, w], [True, False, False], n=x.size + 1)


@settings(deadline=None)
@given(data=st.data(), reduction=REDUCTIONS, dtype=DTYPES, weighted=st.booleans(),
       smoothing=st.sampled_from([0.0, 0.3]), extra=st.sampled_from([(), (3,), (2, 2)]))
def test_cross_entropy_class_probabilities(data, reduction, dtype, weighted, smoothing, extra):
    x, _, w, _ = _class_case(data, dtype, extra, allow_ignore=False)
    p = data.draw(float_arrays(x.shape, 0, 1, dtype))

    def build(m, x, p, w):
        return m.nn.functional.cross_entropy(x, p.softmax(1), w if weighted else None, reduction=reduction,
                                             label_smoothing=smoothing)
    compare_graph(build, [x, p, w], [True, True, False], n=x.size + 1)


@settings(deadline=None)
@given(data=st.data(), reduction=REDUCTIONS, smoothing=st.sampled_from([0.0, 0.1]))
def test_cross_entropy_unbatched_and_extreme_logits(data, reduction, smoothing):
    c = data.draw(st.integers(2, 5))
    x = np.asarray(data.draw(st.lists(st.sampled_from([1e4, -1e4, 0.0, 3.0]), min_size=c, max_size=c)))
    target = data.draw(st.integers(0, c - 1))
    batch = np.stack([x, -x])

    def build(m, x, batch):
        F = m.nn.functional
        parts = [F.cross_entropy(x, m.tensor(target), reduction=reduction, label_smoothing=smoothing),
                 F.cross_entropy(batch, m.tensor([target, 0]), reduction=reduction,
                                 label_smoothing=smoothing),
                 F.cross_entropy(x, x.softmax(0).detach(), reduction=reduction),
                 F.nll_loss(x.log_softmax(0), m.tensor(target), reduction=reduction)]
        return m.cat([p.reshape(-1) for p in parts])
    compare_graph(build, [x, batch], n=2 * c, check_grad_fn=False)


def _bits(t):
    a = t.detach().numpy()
    return a.dtype, a.shape, np.where(np.isnan(a), np.nan, a).tobytes()  # (a NaN's sign aside)


@settings(deadline=None)
@given(n=st.sampled_from([1, 2, 16, 17, 33, 255, 256, 257, 4097]), reduction=REDUCTIONS,
       dtype=st.sampled_from(["float16", "float32", "float64"]), weighted=st.booleans(),
       ignored=st.sampled_from(["none", "some", "every 16th", "first"]), seed=st.integers(0, 2**16))
def test_nll_loss_bits(n, reduction, dtype, weighted, ignored, seed):
    """nll_loss sums in torch's CPU order (8 levels of partial sums, handed on at multiples of
    16**k), and its gradient and double backward round as torch's do: the same bits, batch sizes
    that reach several levels, weights, ignored targets (which hand no sum on) included."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 5)).astype(dtype)
    t = rng.integers(0, 5, n)
    t[{"none": slice(0), "some": rng.random(n) < 0.3, "every 16th": slice(None, None, 16),
       "first": slice(1)}[ignored]] = 7
    w = rng.random(5).astype(dtype) if weighted else None
    g = (rng.standard_normal((n,) if reduction == "none" else ()) * 1.7).astype(dtype)
    v = rng.standard_normal((n, 5)).astype(dtype)
    results = []
    for m in (tl, torch):
        xi, gi = m.tensor(x, requires_grad=True), m.tensor(g, requires_grad=True)
        out = m.nn.functional.nll_loss(xi, m.tensor(t), None if w is None else m.tensor(w),
                                       ignore_index=7, reduction=reduction)
        (gx,) = m.autograd.grad(out, xi, gi, create_graph=True)
        (gg,) = m.autograd.grad((gx * m.tensor(v)).sum(), gi)
        results.append([_bits(out), _bits(gx), _bits(gg)])
    assert results[0] == results[1]


def test_nll_loss_target_written_after_forward():
    """The target is saved for backward (first and second order): writing into it in place
    breaks backward with torch's error, instead of scattering into the new classes."""
    def first(m):
        x, t = m.randn(4, 3, requires_grad=True), m.tensor([0, 1, 2, 1])
        loss = m.nn.functional.nll_loss(x, t)
        t[0] = 2
        loss.backward()

    def second(m):
        x, t = m.randn(4, 3, requires_grad=True), m.tensor([0, 1, 2, 1])
        (g,) = m.autograd.grad(m.nn.functional.cross_entropy(x, t), x, create_graph=True)
        t.add_(0)
        m.autograd.grad(g.sum(), x)
    _same_error(first)
    _same_error(second)


def test_all_ignored_targets_and_empty_batches():
    def build(m, x):
        F = m.nn.functional
        t = m.tensor([-100, -100, -100])
        return m.stack([F.nll_loss(x, t), F.nll_loss(x, t, reduction="sum"), F.cross_entropy(x, t),
                        F.cross_entropy(x, t, label_smoothing=0.1),
                        F.cross_entropy(x, t, weight=m.ones(4, dtype=x.dtype), reduction="sum")])
    compare_graph(build, [np.linspace(-1, 1, 12).reshape(3, 4)], check_grad_fn=False)
    compare_graph(lambda m, x: m.nn.functional.cross_entropy(x, m.zeros(0, dtype=m.int64)),
                  [np.zeros((0, 3))])
    compare_graph(lambda m, x: m.nn.functional.cross_entropy(x, m.zeros(0, dtype=m.int64), reduction="none"),
                  [np.zeros((0, 3))])
    for reduction in ("mean", "sum", "none"):  # no class at all: label_smoothing / 0 is inf (fuzzer)
        compare_graph(lambda m, x: m.nn.functional.cross_entropy(
            x, m.zeros(0, dtype=x.dtype), label_smoothing=0.2, reduction=reduction), [np.zeros(0)])


def test_weights_that_require_grad_are_refused():
    for case in (lambda m: m.nn.functional.nll_loss(m.rand(3, 4), m.tensor([0, 1, 2]),
                                                    m.rand(4, requires_grad=True)),
                 lambda m: m.nn.functional.cross_entropy(m.rand(3, 4), m.tensor([0, 1, 2]),
                                                         m.rand(4, requires_grad=True), label_smoothing=0.1),
                 lambda m: m.nn.functional.binary_cross_entropy(m.rand(2), m.rand(2),
                                                                m.rand(2, requires_grad=True)),
                 lambda m: m.nn.functional.binary_cross_entropy_with_logits(
                     m.rand(2), m.rand(2), pos_weight=m.rand(2, requires_grad=True))):
        _same_error(case)


def test_class_loss_errors():
    cases = [
        lambda m: m.nn.functional.cross_entropy(m.ones(3, 4), m.tensor([0, 1])),
        lambda m: m.nn.functional.cross_entropy(m.ones(3, 4), m.tensor([0, 1, 4])),
        lambda m: m.nn.functional.cross_entropy(m.ones(3, 4), m.tensor([0, 1, -1])),
        lambda m: m.nn.functional.nll_loss(m.ones(3, 4), m.tensor([0, 1, 4]), reduction="none"),
        lambda m: m.nn.functional.cross_entropy(m.ones(3, 4), m.tensor([0.0, 1, 2])),
        lambda m: m.nn.functional.cross_entropy(m.ones(3, 4), m.rand(3, 5)),
        lambda m: m.nn.functional.cross_entropy(m.ones(3, 4), m.tensor([0, 1, 2], dtype=m.int32)),
        lambda m: m.nn.functional.cross_entropy(m.ones(3, 4), m.tensor([[0, 1, 2]])),
        lambda m: m.nn.functional.cross_entropy(m.ones(2, 3, 4), m.zeros(2, 5, dtype=m.int64)),
        lambda m: m.nn.functional.nll_loss(m.ones(2, 3, 4, 5), m.zeros(2, 4, dtype=m.int64)),
        lambda m: m.nn.functional.nll_loss(m.ones(2, 3, 4, 5), m.zeros(2, 4, 6, dtype=m.int64)),
        lambda m: m.nn.functional.cross_entropy(m.ones(3, 4), m.tensor([0, 1, 2]), weight=m.ones(3)),
        lambda m: m.nn.functional.cross_entropy(m.ones(3, 4), m.rand(3, 4), weight=m.ones(3)),
        lambda m: m.nn.functional.cross_entropy(m.ones(3, 4), m.tensor([0, 1, 2]), reduction="foo"),
        lambda m: m.nn.functional.cross_entropy(m.ones(3, 4), m.tensor([0, 1, 2]), label_smoothing=1.5),
        lambda m: m.nn.functional.cross_entropy(m.ones(2, 3), m.rand(2, 3), ignore_index=1),
        lambda m: m.nn.functional.cross_entropy(m.ones(2, 3), m.ones(2, 3, dtype=m.int64)),
        lambda m: m.nn.functional.nll_loss(m.ones(4), m.tensor([2, 1])),
        lambda m: m.nn.functional.nll_loss(m.ones(2, 4), m.tensor(2)),
        lambda m: m.nn.functional.nll_loss(m.tensor(1.0), m.tensor(0)),
    ]
    for case in cases:
        _same_error(case)


@pytest.mark.parametrize("reduction", ["batchmean", "sum", "none"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(reduction, log_target):
    def build(m, x, y):
        target = y.clamp_min(1e-3).log() if log_target else y
        return m.nn.KLDivLoss(reduction=reduction, log_target=log_target)(x, target)
    x = np.log(np.array([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]]))
    y = np.array([[0.0, 0.5, 0.5], [0.3, 0.3, 0.4]])
    compare_graph(build, [x, y], [True, False], n=7, check_grad_fn=False)
    with pytest.warns(UserWarning, match="batchmean"):
        compare_graph(lambda m, x, y: m.nn.functional.kl_div(x, y), [x, y], [True, False], n=7)


SECOND_ORDER = {
    "mse": lambda F, x, y: F.mse_loss(x, y),
    "smooth_l1": lambda F, x, y: F.smooth_l1_loss(x, y, beta=0.7, reduction="sum"),
    "huber": lambda F, x, y: F.huber_loss(x, y, delta=0.7),
    "bce": lambda F, x, y: F.binary_cross_entropy(x.sigmoid(), y.sigmoid()),
    "bce_logits": lambda F, x, y: F.binary_cross_entropy_with_logits(x, y.sigmoid(),
                                                                     pos_weight=y[0].detach()),
    "cross_entropy": lambda F, x, y: F.cross_entropy(x, y.argmax(1), label_smoothing=0.1),
    "cross_entropy_probs": lambda F, x, y: F.cross_entropy(x, y.softmax(1)),
    "nll": lambda F, x, y: F.nll_loss(x.log_softmax(1), y.argmax(1), reduction="sum"),
}


@pytest.mark.parametrize("name", list(SECOND_ORDER))
def test_second_derivatives_match_torch(name):
    """Gradient penalty style: d/d(x, y) of |d loss / d(x, y)|^2, through create_graph."""
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))

    def second(m):
        xs = [m.tensor(a, requires_grad=True) for a in (x, y)]
        loss = SECOND_ORDER[name](m.nn.functional, *xs)
        grads = m.autograd.grad(loss, xs, create_graph=True, allow_unused=True)
        penalty = sum((g * g * g.detach().cos()).sum() for g in grads if g is not None)
        return m.autograd.grad(penalty, xs, allow_unused=True)
    ours, theirs = run_both(second)
    for o, t in zip(ours, theirs):
        assert (o is None) == (t is None)
        if t is not None:
            assert_close(o, t, n=12)


def test_loss_modules_hold_weights_as_buffers():
    def build(m):
        ce = m.nn.CrossEntropyLoss(weight=m.ones(3), label_smoothing=0.1)
        bce = m.nn.BCEWithLogitsLoss(pos_weight=m.ones(2))
        legacy = m.nn.L1Loss(size_average=False)
        return (list(ce.state_dict()), list(bce.state_dict()), ce.ignore_index, ce.label_smoothing,
                legacy.reduction, ce.double().weight.dtype)
    with pytest.warns(UserWarning):
        ours, theirs = run_both(build)
    assert_same(ours, theirs)


SEED_002_CROSS_ENTROPY = """
z = torch.tensor([[4., 3., 2., 1.],
        [3., 1., 4., 5.]], requires_grad=True)
ce = F.cross_entropy(z, torch.tensor([0, 2]))
y_true = torch.tensor([[1, 0, 0, 0],
                       [0, 0, 1, 0]])
print(ce)
print(-1 / 2 * (y_true * torch.log(torch.softmax(z, dim=1))).sum())
ce.backward()
print(z.grad)
print(nn.MSELoss()(torch.ones(3, 3), torch.full([3, 2], 2.) @ torch.ones(2, 3)))
"""


def test_seed_002_cross_entropy_equals_the_definition():
    ours = printed(SEED_002_CROSS_ENTROPY, tl)
    assert ours == printed(SEED_002_CROSS_ENTROPY, torch)
    ce, definition = (line.split(",")[0] for line in ours.splitlines()[:2])
    assert ce == definition == "tensor(0.9300"  # the tutorial's ce = 0.93
    assert ours.splitlines()[-1] == "tensor(9.)"
