"""Every layer against torch: the same parameters copied into both, hypothesis-drawn shapes and
values; forward values, grad_fn names, input and parameter gradients; plus the functional forms,
running statistics, dropout masks under a shared seed, and nn.init."""
import math

import numpy as np
import pytest
from helpers import assert_close, assert_same, call, make_tensor, run_both
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from nn_helpers import compare_graph, float_arrays

import tinygrad_lite as tl

DTYPES = st.sampled_from(["float64", "float32"])


def _load(m, layer, **params):
    """Copy arrays into a layer's parameters (under no_grad) and return the parameters in order."""
    with m.no_grad():
        for name, value in params.items():
            getattr(layer, name).copy_(make_tensor(m, value))
    return [getattr(layer, name) for name in params]


# Linear --------------------------------------------------------------------------------------
@settings(deadline=None)
@given(data=st.data(), dtype=DTYPES, bias=st.booleans(),
       lead=st.sampled_from([(), (3,), (2, 3), (2, 1, 2)]), transpose=st.booleans())
def test_linear(data, dtype, bias, lead, transpose):
    fin, fout = data.draw(st.integers(1, 5)), data.draw(st.integers(1, 4))
    x = data.draw(float_arrays(lead + (fin,), dtype=dtype))
    w = data.draw(float_arrays((fout, fin), -1, 1, dtype))
    b = data.draw(float_arrays((fout,), -1, 1, dtype))
    transpose = transpose and len(lead) >= 2  # a non-contiguous input takes the matmul path

    def build(m, x):
        layer = m.nn.Linear(fin, fout, bias=bias, dtype=getattr(m, dtype))
        params = _load(m, layer, weight=w, **({"bias": b} if bias else {}))
        inp = x.transpose(-1, -2).contiguous().transpose(-1, -2) if transpose else x
        return layer(inp), params
    compare_graph(build, [x], n=max(x.size, fin, 1))


@pytest.mark.parametrize("shape,dtype", [((2, 5), "float32"), ((2, 2, 5), "float32"), ((5,), "float32"),
                                         ((), "float32"), ((2, 3), "float64")])
def test_linear_errors(shape, dtype):
    ours, theirs = run_both(lambda m: m.nn.Linear(3, 4)(m.ones(shape, dtype=getattr(m, dtype))))
    assert_same(ours, theirs)
    assert str(ours.exc) == str(theirs.exc)


# activations -------------------------------------------------------------------------------------
ACTIVATIONS = [
    ("ReLU", (), {}), ("ReLU6", (), {}), ("LeakyReLU", (), {}), ("LeakyReLU", (0.2,), {}),
    ("Sigmoid", (), {}), ("Tanh", (), {}), ("Hardtanh", (), {}), ("Hardtanh", (-2.0, 0.5), {}),
    ("Softmax", (), {"dim": -1}), ("Softmax", (), {"dim": 0}), ("LogSoftmax", (), {"dim": -1}),
    ("GELU", (), {}), ("GELU", ("tanh",), {}), ("ELU", (), {}), ("ELU", (0.5,), {}),
    ("Softplus", (), {}), ("Softplus", (2.0, 1.0), {}), ("SiLU", (), {}), ("Identity", (), {}),
    ("Flatten", (), {}), ("Flatten", (0, -1), {}),
]


@pytest.mark.parametrize("name,args,kwargs", ACTIVATIONS, ids=lambda v: str(v))
@settings(deadline=None)
@given(data=st.data(), dtype=DTYPES)
def test_activation_modules(name, args, kwargs, data, dtype):
    shape = data.draw(st.sampled_from([(4,), (2, 3), (2, 3, 2)][name == "Flatten":]))
    x = data.draw(float_arrays(shape, -6, 6, dtype))

    def build(m, x):
        return getattr(m.nn, name)(*args, **kwargs)(x * 1)  # a non-leaf, as in a network
    compare_graph(build, [x], n=x.size)


INPLACE = [("ReLU", {}), ("ReLU6", {}), ("LeakyReLU", {"negative_slope": 0.1}), ("Hardtanh", {}),
           ("ELU", {}), ("SiLU", {})]


@pytest.mark.parametrize("name,kwargs", INPLACE, ids=lambda v: str(v))
def test_inplace_activations_write_into_their_input(name, kwargs):
    x = np.linspace(-3, 3, 12).reshape(3, 4)

    def build(m, x):
        y = x * 1
        out = getattr(m.nn, name)(inplace=True, **kwargs)(y)
        assert out is y
        return out
    compare_graph(build, [x])
    on_a_leaf = run_both(lambda m: getattr(m.nn, name)(inplace=True, **kwargs)(m.ones(2, requires_grad=True)))
    assert_same(*on_a_leaf)


def test_functional_activations_and_softmax_default_dim():
    x = np.linspace(-4, 4, 24).reshape(2, 3, 4)

    def build(m, x):
        F = m.nn.functional
        parts = [F.relu(x), F.relu6(x * 2), F.leaky_relu(x, 0.3), F.sigmoid(x), F.tanh(x),
                 F.hardtanh(x, -0.5, 2.0), F.gelu(x), F.gelu(x, approximate="tanh"), F.elu(x, 0.7),
                 F.softplus(x, 0.5, 1.5), F.silu(x), F.softmax(x, -1), F.log_softmax(x, 1),
                 F.softmax(x, dtype=m.float64), F.log_softmax(x[0])]
        return m.cat([p.reshape(-1) for p in parts])
    with pytest.warns(UserWarning, match="Implicit dimension choice"):
        compare_graph(build, [x], n=24, check_grad_fn=False)


def test_flatten_unflatten():
    x = np.arange(24.0).reshape(2, 3, 4)

    def build(m, x):
        return m.nn.Unflatten(1, (2, 6))(m.nn.Flatten()(x * 1)), m.nn.Flatten(0, 1)(x * 1)
    ours, theirs = run_both(lambda m: build(m, make_tensor(m, x, requires_grad=True)))
    assert_same(ours, theirs, layout=False)
    same = run_both(lambda m: m.nn.Unflatten(-1, (2, -1))(m.ones(3, 4)).shape)
    assert_same(*same)


# Dropout -----------------------------------------------------------------------------------------
@settings(deadline=None, max_examples=10)
@given(p=st.sampled_from([0.0, 0.1, 0.5, 0.9, 1.0]), seed=st.integers(0, 2 ** 31),
       dtype=DTYPES, shape=st.sampled_from([(5,), (3, 4), (17, 2)]))
def test_dropout_masks_match_under_a_shared_seed(p, seed, dtype, shape):
    x = np.random.default_rng(seed).standard_normal(shape).astype(dtype)

    def build(m, x):
        m.manual_seed(seed)
        layer = m.nn.Dropout(p)
        out = layer(x * 1)
        return out, []
    compare_graph(build, [x], n=1)


def test_dropout_modes_and_identity():
    def modes(m):
        x = m.ones(4, 5, requires_grad=True)
        layer = m.nn.Dropout(0.5)
        layer.eval()
        F = m.nn.functional
        m.manual_seed(0)
        y = m.ones(4, 5) * 2
        inplace = F.dropout(y, 0.5, inplace=True)
        return (layer(x) is x, F.dropout(x, 0.0) is x, F.dropout(x, 0.5, training=False) is x,
                inplace is y, y, F.dropout(x, 1.0), call(F.dropout, x, 1.5), call(m.nn.Dropout, -0.1))
    ours, theirs = run_both(modes)
    assert_same(ours, theirs, layout=False)


# Embedding --------------------------------------------------------------------------------------
@settings(deadline=None)
@given(data=st.data(), dtype=DTYPES, padding=st.sampled_from([None, 0, 2, -1]),
       scale=st.booleans(), index_dtype=st.sampled_from(["int64", "int32"]))
def test_embedding(data, dtype, padding, scale, index_dtype):
    num, dim = data.draw(st.integers(3, 6)), data.draw(st.integers(1, 3))
    shape = data.draw(st.sampled_from([(), (4,), (2, 3)]))
    idx = np.asarray(data.draw(st.lists(st.integers(0, num - 1), min_size=int(np.prod(shape)),
                                        max_size=int(np.prod(shape)))), dtype=index_dtype).reshape(shape)
    w = data.draw(float_arrays((num, dim), dtype=dtype))

    def build(m, idx):
        layer = m.nn.Embedding(num, dim, padding_idx=padding, scale_grad_by_freq=scale,
                               dtype=getattr(m, dtype))
        params = _load(m, layer, weight=w)
        return layer(idx), params
    compare_graph(build, [idx], n=idx.size + 1)


def test_embedding_max_norm_from_pretrained_and_errors():
    w = np.arange(12.0).reshape(4, 3) / 3

    def renorm(m):
        layer = m.nn.Embedding.from_pretrained(make_tensor(m, w), freeze=False, max_norm=1.5)
        out = layer(m.tensor([[0, 2], [2, 3]]))
        out.sum().backward()
        frozen = m.nn.Embedding.from_pretrained(make_tensor(m, w))
        return out, layer.weight, layer.weight.grad, frozen.weight.requires_grad
    ours, theirs = run_both(renorm)
    assert_same(ours, theirs, layout=False)
    for bad in (lambda m: m.nn.functional.embedding(m.tensor([0.0, 1.0]), m.ones(5, 3)),
                lambda m: m.nn.functional.embedding(m.tensor([0, 5]), m.ones(5, 3)),
                lambda m: m.nn.functional.embedding(m.tensor([-1]), m.ones(5, 3)),
                lambda m: m.nn.Embedding(5, 3, padding_idx=5),
                lambda m: m.nn.Embedding(5, 3, _weight=m.ones(4, 3)),
                lambda m: m.nn.Embedding.from_pretrained(m.ones(3))):
        ours, theirs = run_both(bad)
        assert_same(ours, theirs)
        assert str(ours.exc).replace("tinygrad_lite", "torch") == str(theirs.exc)


# LayerNorm ------------------------------------------------------------------------------------
@settings(deadline=None)
@given(data=st.data(), dtype=DTYPES, affine=st.sampled_from(["full", "no_bias", "none"]),
       eps=st.sampled_from([1e-5, 1e-2]))
def test_layer_norm(data, dtype, affine, eps):
    shape = data.draw(st.sampled_from([(3,), (2, 4), (2, 3, 4), (3, 2, 2)]))
    k = data.draw(st.integers(1, len(shape)))
    norm_shape = shape[len(shape) - k:]
    x = data.draw(float_arrays(shape, -4, 4, dtype))
    w = data.draw(float_arrays(norm_shape, -2, 2, dtype))
    b = data.draw(float_arrays(norm_shape, -2, 2, dtype))
    if dtype != "float64":  # a group of near-equal values divides rounding errors by sqrt(var + eps)
        groups = x.astype(np.float64).reshape(-1, math.prod(norm_shape))  # (torch's own float32
        assume(groups.var(axis=1).min() >= 1e-2)  # gradient is then off: the float64 runs cover it)

    def build(m, x):
        layer = m.nn.LayerNorm(norm_shape, eps=eps, elementwise_affine=affine != "none",
                               bias=affine == "full", dtype=getattr(m, dtype))
        chosen = {"full": {"weight": w, "bias": b}, "no_bias": {"weight": w}, "none": {}}[affine]
        params = _load(m, layer, **chosen)
        return layer(x), params
    compare_graph(build, [x], n=4 * x.size)


def test_layer_norm_double_backward_and_errors():
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((3, 4)), rng.standard_normal(4), rng.standard_normal(4)

    def second(m):
        xs = [make_tensor(m, a, requires_grad=True) for a in (x, w, b)]
        out = m.nn.functional.layer_norm(xs[0], (4,), xs[1], xs[2])
        grads = m.autograd.grad((out * out.detach().sin()).sum(), xs, create_graph=True)
        return m.autograd.grad(sum((g * g).sum() for g in grads), xs, allow_unused=True)
    ours, theirs = run_both(second)
    assert ours[2] is None and theirs[2] is None  # the bias gradient does not depend on anything
    for o, t in zip(ours[:2], theirs[:2]):
        assert_close(o, t, n=12)
    for bad in (lambda m: m.nn.functional.layer_norm(m.ones(2, 3), (4,)),
                lambda m: m.nn.functional.layer_norm(m.ones(2, 3), (2, 3), weight=m.ones(3)),
                lambda m: m.nn.functional.layer_norm(m.ones(2, 3), (3,), bias=m.ones(2))):
        ours, theirs = run_both(bad)
        assert_same(ours, theirs)
        assert str(ours.exc) == str(theirs.exc)


# BatchNorm1d --------------------------------------------------------------------------------
@settings(deadline=None)
@given(data=st.data(), dtype=DTYPES, momentum=st.sampled_from([0.1, 0.5, None]),
       affine=st.booleans(), track=st.booleans(), three_d=st.booleans())
def test_batch_norm_training_then_eval(data, dtype, momentum, affine, track, three_d):
    c = data.draw(st.integers(1, 3))
    shape = (data.draw(st.integers(2, 4)), c) + ((data.draw(st.integers(1, 3)),) if three_d else ())
    batches = [data.draw(float_arrays(shape, -3, 3, dtype)) for _ in range(2)]
    w = data.draw(float_arrays((c,), -2, 2, dtype))
    b = data.draw(float_arrays((c,), -2, 2, dtype))

    def build(m, x0, x1, x2):
        layer = m.nn.BatchNorm1d(c, momentum=momentum, affine=affine, track_running_stats=track,
                                 dtype=getattr(m, dtype))
        params = _load(m, layer, weight=w, bias=b) if affine else []
        first = layer(x0)
        second = layer(x1)
        layer.eval()
        third = layer(x2)
        stats = [t * 1 for t in (layer.running_mean, layer.running_var) if t is not None]
        counts = [] if layer.num_batches_tracked is None else [layer.num_batches_tracked.reshape(1) * 1.0]
        return m.cat([first.reshape(-1), second.reshape(-1), third.reshape(-1)] + stats + counts), params
    compare_graph(build, batches + [batches[0]], n=8 * batches[0].size, check_grad_fn=False)


def test_batch_norm_grad_fn_and_errors():
    def build(m):
        bn = m.nn.BatchNorm1d(3)
        x = m.ones(4, 3, requires_grad=True)
        F = m.nn.functional
        return (bn(x).grad_fn.name(), bn.eval()(x).grad_fn.name(), call(bn.train(), m.ones(1, 3)),
                call(bn, m.ones(4)), call(bn, m.ones(4, 4)), bn.eval()(m.ones(1, 3)).shape,
                call(F.batch_norm, m.ones(2, 3), None, None, training=True, eps=0.0),
                call(F.batch_norm, m.ones(2, 3), None, None),
                call(F.batch_norm, m.ones(2, 3), m.zeros(3), None),
                call(F.batch_norm, m.ones(2), m.zeros(1), m.ones(1)),
                F.batch_norm(m.arange(24.0).reshape(2, 3, 2, 2), m.zeros(3), m.ones(3) * 2),
                repr(bn.state_dict()._metadata))
    ours, theirs = run_both(build)
    for o, t in zip(ours, theirs):
        assert_same(o, t)
        if hasattr(t, "exc"):
            assert str(o.exc).replace("tinygrad_lite", "torch") == str(t.exc)


# padding, one_hot, normalize ---------------------------------------------------------------------
@settings(deadline=None)
@given(data=st.data(), dtype=DTYPES)
def test_constant_pad(data, dtype):
    shape = data.draw(st.sampled_from([(3,), (2, 3), (2, 2, 3)]))
    n_pairs = data.draw(st.integers(1, len(shape)))
    pads = tuple(data.draw(st.integers(-1, 2)) for _ in range(2 * n_pairs))
    value = data.draw(st.sampled_from([None, 0.0, 2.5]))
    x = data.draw(float_arrays(shape, dtype=dtype))

    def build(m, x):
        return m.nn.functional.pad(x, pads) if value is None else m.nn.functional.pad(x, pads, value=value)
    compare_graph(build, [x])


def test_pad_errors_one_hot_normalize():
    x = np.array([[3.0, -4.0, 0.0], [0.0, 0.0, 0.0]])
    compare_graph(lambda m, x: m.nn.functional.normalize(x), [x], check_grad_fn=True)
    compare_graph(lambda m, x: m.nn.functional.normalize(x, p=1.0, dim=0), [x])
    cases = [lambda m: m.nn.functional.pad(m.ones(2, 3), (1,)),
             lambda m: m.nn.functional.pad(m.ones(2, 3), (1, 1, 1, 1, 1, 1)),
             lambda m: m.nn.functional.pad(m.ones(2, 3), (-2, -2)),
             lambda m: m.nn.functional.one_hot(m.tensor([0, 2, 1])),
             lambda m: m.nn.functional.one_hot(m.tensor([[0, 2], [1, 1]]), 4),
             lambda m: m.nn.functional.one_hot(m.tensor([0, 2]), 2),
             lambda m: m.nn.functional.one_hot(m.tensor([0, -2])),
             lambda m: m.nn.functional.one_hot(m.tensor([0.0])),
             lambda m: m.nn.functional.one_hot(m.zeros(0, dtype=m.int64)),
             lambda m: m.nn.functional.one_hot(m.zeros(0, dtype=m.int64), 3)]
    for case in cases:
        ours, theirs = run_both(case)
        assert_same(ours, theirs)
        if hasattr(theirs, "exc"):
            assert str(ours.exc) == str(theirs.exc)


# nn.init ----------------------------------------------------------------------------------------
INITS = [("uniform_", (-0.5, 2.0), {}), ("normal_", (1.0, 0.5), {}), ("xavier_uniform_", (), {"gain": 2.0}),
         ("xavier_normal_", (), {}), ("kaiming_uniform_", (), {"a": math.sqrt(5)}),
         ("kaiming_uniform_", (), {"mode": "fan_out", "nonlinearity": "relu"}),
         ("kaiming_normal_", (), {"nonlinearity": "tanh"}), ("trunc_normal_", (0.0, 1.0, -2.0, 2.0), {}),
         ("constant_", (0.25,), {}), ("ones_", (), {}), ("zeros_", (), {}), ("eye_", (), {})]


@pytest.mark.parametrize("name,args,kwargs", INITS, ids=lambda v: str(v))
@pytest.mark.parametrize("shape", [(3, 5), (4, 2, 3)], ids=str)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_init_matches_torch_under_a_seed(name, args, kwargs, shape, dtype):
    def fill(m):
        m.manual_seed(7)
        t = m.nn.Parameter(m.empty(shape, dtype=getattr(m, dtype)))
        out = getattr(m.nn.init, name)(t, *args, **kwargs)
        return out is t, t.detach(), t.requires_grad
    ours, theirs = run_both(fill)
    assert_same(ours, theirs, layout=False)


def test_init_helpers_and_errors():
    def helpers(m):
        init = m.nn.init
        gains = [init.calculate_gain(n) for n in ("linear", "conv2d", "sigmoid", "tanh", "relu", "selu")]
        gains += [init.calculate_gain("leaky_relu"), init.calculate_gain("leaky_relu", 0.2)]
        fans = init._calculate_fan_in_and_fan_out(m.empty(4, 3, 2, 5))
        return (gains, fans, call(init.calculate_gain, "foo"), call(init.calculate_gain, "leaky_relu", "x"),
                call(init.xavier_uniform_, m.empty(3)),
                call(init.kaiming_uniform_, m.empty(3, 2), mode="foo"),
                call(init.eye_, m.empty(3)))
    ours, theirs = run_both(helpers)
    for o, t in zip(ours, theirs):
        assert_same(o, t)
        if hasattr(t, "exc"):
            assert str(o.exc) == str(t.exc)
    with pytest.warns(UserWarning, match="zero-element"):
        tl.nn.init.kaiming_uniform_(tl.empty(0, 3))


def test_default_initialisation_of_layers_matches_torch():
    def layers(m):
        m.manual_seed(11)
        built = [m.nn.Linear(5, 3), m.nn.Linear(1, 1), m.nn.Embedding(4, 2), m.nn.LayerNorm(3),
                 m.nn.BatchNorm1d(2), m.nn.Linear(4, 2, dtype=m.float64)]
        return [t for layer in built for t in layer.state_dict().values()]
    ours, theirs = run_both(layers)
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        np.testing.assert_array_equal(o.numpy(), t.numpy())


def test_model_training_step_matches_torch():
    """A small MLP with every layer kind: same seed, same data, one SGD step done by hand."""
    def step(m):
        m.manual_seed(5)
        nn = m.nn
        model = nn.Sequential(nn.Embedding(10, 6), nn.Flatten(), nn.Linear(12, 8), nn.LayerNorm(8), nn.GELU(),
                              nn.Dropout(0.2), nn.Linear(8, 8), nn.BatchNorm1d(8), nn.SiLU(), nn.Linear(8, 3))
        idx = m.randint(0, 10, (6, 2))
        target = m.randint(0, 3, (6,))
        losses = []
        for _ in range(3):
            loss = nn.functional.cross_entropy(model(idx), target, label_smoothing=0.1)
            model.zero_grad()
            loss.backward()
            with m.no_grad():
                for p in model.parameters():
                    p -= 0.1 * p.grad
            losses.append(loss.detach())
        model.eval()
        return m.stack(losses), model(idx), list(model.state_dict().values())
    ours, theirs = run_both(step)
    assert_close(ours[0], theirs[0], n=64)
    assert_close(ours[1], theirs[1], n=64)
    for o, t in zip(ours[2], theirs[2]):
        assert_close(o, t, n=64)
