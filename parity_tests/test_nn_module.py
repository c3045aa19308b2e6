"""nn.Module and nn.Parameter semantics against torch: registration, traversal order and names,
state_dict and strict loading, attribute rules, modes, conversion, hooks, containers, reprs, and
seeded initialisation."""
import copy
import re
from collections import OrderedDict

import numpy as np
import pytest
import torch
from helpers import ENGINES, assert_close, assert_same, call, run_both
from nn_helpers import printed

import tinygrad_lite as tl

BOTH = pytest.mark.parametrize("m", ENGINES, ids=["tinygrad_lite", "torch"])


def _text(obj):
    """str(obj) with our module name for torch's; torch's classes live one package deeper
    (torch.nn.modules.linear.Linear where ours is tinygrad_lite.nn.layers.Linear)."""
    text = str(obj).replace("tinygrad_lite", "torch")
    return re.sub(r"torch\.nn\.(modules\.)?[a-z_]+\.", "torch.nn.", text)


def same_text(fn):
    """fn(m) gives the same text (or raises the same exception type and message) on both engines."""
    ours, theirs = run_both(fn)
    assert_same_exception_or_text(ours, theirs)


def assert_same_exception_or_text(ours, theirs):
    from helpers import Raised
    if isinstance(ours, Raised) or isinstance(theirs, Raised):
        assert_same(ours, theirs)
        assert _text(ours.exc) == _text(theirs.exc)
    else:
        assert _text(ours) == _text(theirs)


def _net(m):
    """A model with own parameters, buffers (persistent and not), None entries, nested children
    and a shared submodule."""
    nn = m.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 4)
            self.register_buffer("steps", m.zeros(2))
            self.register_buffer("scratch", m.ones(1), persistent=False)
            self.scale = nn.Parameter(m.ones(4))
            self.body = nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.BatchNorm1d(4), nn.Dropout(0.25))
            self.tied = self.fc  # shared: its parameters are listed once
            self.nothing = None
            self.register_parameter("absent", None)
            self.register_buffer("absent_buf", None)
            self.heads = nn.ModuleDict({"a": nn.Linear(4, 2), "b": nn.Identity()})

        def forward(self, x):
            return self.heads["a"](self.body(self.fc(x) * self.scale))

    return Net()


# Parameter --------------------------------------------------------------------------------------
def test_parameter_repr_and_type():
    same_text(lambda m: repr(m.nn.Parameter(m.tensor([1.0, 2.5]))))
    same_text(lambda m: repr(m.nn.Parameter(m.tensor([[1.0, 2.5]]), requires_grad=False)))
    same_text(lambda m: repr(m.nn.Parameter()))
    same_text(lambda m: repr(m.nn.Parameter(m.tensor([1, 2]), requires_grad=False)))
    same_text(lambda m: m.nn.Parameter(m.tensor([1, 2])))
    same_text(lambda m: [type(op).__name__ for op in _parameter_ops(m)])


def _parameter_ops(m):
    p = m.nn.Parameter(m.tensor([1.0, 2.0]))
    return [p * 2, p.data, p.detach(), p.clone(), p[0], p.view(2, 1)]


@BOTH
def test_parameter_shares_storage_and_is_leaf(m):
    t = m.tensor([1.0, 2.0, 3.0])
    p = m.nn.Parameter(t)
    assert p.data_ptr() == t.data_ptr() and p.is_leaf and p.requires_grad
    t[0] = 7.0
    assert p[0].item() == 7.0
    computed = m.tensor([1.0], requires_grad=True) * 2
    q = m.nn.Parameter(computed)
    assert q.is_leaf and q.grad_fn is None and isinstance(q, m.nn.Parameter)


# registration, traversal, names -----------------------------------------------------------------
def test_traversal_names_and_order():
    def names(m):
        torch.manual_seed(0), tl.manual_seed(0)
        net = _net(m)
        return (
            [n for n, _ in net.named_parameters()],
            [n for n, _ in net.named_parameters(remove_duplicate=False)],
            [n for n, _ in net.named_parameters(prefix="net", recurse=False)],
            [n for n, _ in net.named_buffers()],
            [n for n, _ in net.named_modules()],
            [n for n, _ in net.named_modules(remove_duplicate=False)],
            [n for n, _ in net.named_children()],
            [type(c).__name__ for c in net.children()],
            len(list(net.parameters())), len(list(net.buffers())), len(list(net.modules())),
            list(net.state_dict().keys()),
            list(net.state_dict(prefix="p.").keys()),
            dict(net.state_dict()._metadata),
            sorted(k for k in dir(net) if k in {"fc", "scale", "steps", "body", "heads", "tied", "training"}),
            net.get_submodule("body.2").num_features,
        )
    ours, theirs = run_both(names)
    assert ours == theirs


def test_repr_of_nested_models():
    same_text(lambda m: repr(_net(m)))
    same_text(lambda m: repr(m.nn.Sequential(OrderedDict(conv=m.nn.Linear(2, 3), act=m.nn.GELU("tanh")))))
    same_text(lambda m: repr(m.nn.ModuleList([m.nn.Linear(2, 2)] * 3 + [m.nn.ReLU(), m.nn.ReLU(),
                                                                          m.nn.Linear(2, 3)])))
    same_text(lambda m: repr(m.nn.Sequential(m.nn.ModuleList([m.nn.Tanh(), m.nn.Tanh()]), m.nn.ModuleList())))
    same_text(lambda m: repr(m.nn.ParameterList([m.nn.Parameter(m.ones(2, 3)), m.ones(3).double()])))
    same_text(lambda m: repr(m.nn.ParameterDict({"b": m.ones(2), "a": m.nn.Parameter(m.ones(1, 2))})))
    same_text(lambda m: repr(m.nn.Module()))


def test_layer_reprs():
    def reprs(m):
        nn = m.nn
        layers = [nn.Linear(3, 4), nn.Linear(3, 4, bias=False), nn.Identity(), nn.Flatten(), nn.Flatten(0, 2),
                  nn.Unflatten(1, (2, 2)), nn.Dropout(), nn.Dropout(0.3, inplace=True),
                  nn.Embedding(10, 3), nn.Embedding(10, 3, padding_idx=-1, max_norm=1.0, norm_type=1.0,
                                                    scale_grad_by_freq=True),
                  nn.LayerNorm(3), nn.LayerNorm([2, 3], eps=1e-3, elementwise_affine=False),
                  nn.LayerNorm(4, bias=False), nn.BatchNorm1d(3), nn.BatchNorm1d(
                      5, eps=0.1, momentum=None, affine=False, track_running_stats=False),
                  nn.ReLU(), nn.ReLU(True), nn.ReLU6(), nn.ReLU6(inplace=True), nn.LeakyReLU(),
                  nn.LeakyReLU(0.2, True), nn.Sigmoid(), nn.Tanh(), nn.Hardtanh(), nn.Hardtanh(-2, 2, True),
                  nn.Softmax(), nn.Softmax(dim=1), nn.LogSoftmax(0), nn.GELU(), nn.GELU("tanh"), nn.ELU(),
                  nn.ELU(0.5, True), nn.Softplus(), nn.Softplus(2, 10), nn.SiLU(), nn.SiLU(True),
                  nn.MSELoss(), nn.L1Loss(reduction="sum"), nn.SmoothL1Loss(beta=0.5), nn.HuberLoss(),
                  nn.BCELoss(), nn.BCEWithLogitsLoss(), nn.CrossEntropyLoss(), nn.NLLLoss(), nn.KLDivLoss()]
        return "\n".join(repr(layer) for layer in layers)
    same_text(reprs)


def test_shared_parameters_are_listed_once():
    def shared(m):
        a = m.nn.Linear(2, 2)
        seq = m.nn.Sequential(a, m.nn.ReLU(), a)
        seq.extra = m.nn.Linear(2, 2)
        seq.extra.weight = a.weight
        return ([n for n, _ in seq.named_parameters()], list(seq.state_dict()),
                [n for n, _ in seq.named_parameters(remove_duplicate=False)])
    ours, theirs = run_both(shared)
    assert ours == theirs


# state_dict / load_state_dict -------------------------------------------------------------------
@BOTH
def test_state_dict_detaches_and_shares_storage(m):
    lin = m.nn.Linear(2, 3)
    sd = lin.state_dict()
    assert type(sd) is OrderedDict
    w = sd["weight"]
    assert type(w) is m.Tensor and not w.requires_grad and w.data_ptr() == lin.weight.data_ptr()
    w.fill_(0.5)
    assert (lin.weight == 0.5).all()
    kept = lin.state_dict(keep_vars=True)
    assert kept["weight"] is lin.weight and kept["bias"] is lin.bias


def test_load_state_dict_roundtrip_and_errors():
    def load(m):
        m.manual_seed(1)
        src, dst = _net(m), _net(m)
        for p in dst.parameters():
            p.data.fill_(0.0)
        result = dst.load_state_dict(src.state_dict())
        pairs = zip(src.state_dict().values(), dst.state_dict().values())
        same = all((a == b).all().item() for a, b in pairs)
        sd = dict(src.state_dict())
        del sd["scale"], sd["body.2.running_var"]
        sd["extra"] = m.ones(1)
        sd["body.9.weight"] = m.ones(1)
        sd["fc.weight"] = m.ones(5, 5)
        sd["heads.a.bias"] = 3.0
        strict_error = call(dst.load_state_dict, sd)
        loose = dst.load_state_dict({k: v for k, v in sd.items() if k not in ("fc.weight", "heads.a.bias")},
                                    strict=False)
        return (repr(result), same, strict_error, repr(loose), loose.missing_keys, loose.unexpected_keys,
                call(dst.load_state_dict, [1, 2]))
    ours, theirs = run_both(load)
    assert _text(ours[:2]) == _text(theirs[:2])
    assert_same_exception_or_text(ours[2], theirs[2])
    assert ours[3:6] == theirs[3:6]
    assert_same_exception_or_text(ours[6], theirs[6])


def test_load_state_dict_assign_installs_the_given_tensors():
    def assign(m):
        lin, bn = m.nn.Linear(2, 2), m.nn.BatchNorm1d(2)
        lin.weight.requires_grad_(False)
        weight, bias = m.ones(2, 2, dtype=m.float64), m.nn.Parameter(m.zeros(2))
        lin.load_state_dict({"weight": weight, "bias": bias}, assign=True)
        stats = dict(bn.state_dict(), running_mean=m.full((2,), 3.0))
        bn.load_state_dict(stats, assign=True)
        return (type(lin.weight).__name__, lin.weight.dtype, lin.weight.requires_grad,
                lin.weight.data_ptr() == weight.data_ptr(), lin.bias is bias,
                bn.running_mean is stats["running_mean"],
                list(bn.state_dict()))
    ours, theirs = run_both(assign)
    assert _text(ours) == _text(theirs)


def test_load_state_dict_linear_missing_bias_message():
    same_text(lambda m: m.nn.Linear(3, 5).load_state_dict({"weight": m.ones(5, 3)}))
    same_text(lambda m: m.nn.Linear(1, 1).load_state_dict({"weight": m.ones(1, 1), "bias": m.ones(1),
                                                           "bias.x": m.ones(1)}))


def test_batchnorm_old_state_dict_without_num_batches_tracked():
    def load(m):
        bn = m.nn.BatchNorm1d(2)
        bn.num_batches_tracked.fill_(5)
        sd = {k: v for k, v in m.nn.BatchNorm1d(2).state_dict().items() if k != "num_batches_tracked"}
        result = bn.load_state_dict(sd)  # a plain dict has no _metadata: treated as version 1
        versioned = m.nn.BatchNorm1d(2).state_dict()
        del versioned["num_batches_tracked"]
        return repr(result), bn.num_batches_tracked.item(), call(bn.load_state_dict, versioned)
    ours, theirs = run_both(load)
    assert ours[:2] == theirs[:2]
    assert_same_exception_or_text(ours[2], theirs[2])


# attribute rules ------------------------------------------------------------------------------
def _attribute_errors(m):
    nn = m.nn

    class Early(nn.Module):
        def __init__(self, what):
            if what == "module":
                self.a = nn.ReLU()
            elif what == "parameter":
                self.a = nn.Parameter(m.ones(1))
            else:
                self.x = 3
            super().__init__()

    def attempts():
        lin = nn.Linear(2, 2)
        lin.register_buffer("buf", m.zeros(1))
        yield lambda: setattr(lin, "weight", m.ones(2, 2))
        yield lambda: setattr(lin, "weight", None) or lin.weight
        yield lambda: setattr(lin, "buf", 3)
        yield lambda: setattr(lin, "buf", None) or lin.buf
        yield lambda: setattr(lin, "buf", m.ones(3)) or (lin.buf, list(lin.state_dict()))
        yield lambda: setattr(lin, "sub", nn.ReLU()) or setattr(lin, "sub", 3)
        yield lambda: setattr(lin, "sub", None) or list(lin.named_children())
        yield lambda: lin.missing
        yield lambda: lin.register_buffer("bias", m.ones(1))
        yield lambda: lin.register_buffer("a.b", m.ones(1))
        yield lambda: lin.register_buffer("", m.ones(1))
        yield lambda: lin.register_buffer("c", 3)
        yield lambda: lin.register_buffer(3, m.ones(1))
        yield lambda: lin.register_parameter("c", m.ones(1))
        yield lambda: lin.register_parameter("d", nn.Parameter(m.ones(1)) * 2)
        yield lambda: lin.register_parameter("in_features", None)
        yield lambda: lin.add_module("e", 3)
        yield lambda: lin.add_module("bias", nn.ReLU())
        yield lambda: lin.add_module("a.b", nn.ReLU())
        yield lambda: lin.add_module("", nn.ReLU())
        yield lambda: lin.add_module(1, nn.ReLU())
        yield lambda: lin.get_submodule("foo")
        yield lambda: lin.get_submodule("weight")
        yield lambda: nn.Module()(1)
        yield lambda: nn.Module(3)
        yield lambda: nn.Module(foo=3)
        yield lambda: Early("module")
        yield lambda: Early("parameter")
        yield lambda: Early("plain").x
        yield lambda: lin.train(1)
        yield lambda: lin.to(m.int64)
        yield lambda: (delattr(lin, "weight"), list(lin.state_dict()))
        yield lambda: (setattr(lin, "weight", nn.Parameter(m.ones(1))), delattr(lin, "buf"),
                       list(lin.state_dict()), delattr(lin, "in_features"), hasattr(lin, "in_features"))
        yield lambda: setattr(lin, "bias", nn.ReLU()) or (list(lin.state_dict()), type(lin.bias).__name__)
        yield lambda: setattr(lin, "sub", nn.Parameter(m.ones(1))) or [n for n, _ in lin.named_children()]

    return [call(a) for a in attempts()]


def test_attribute_and_registration_rules():
    ours, theirs = run_both(_attribute_errors)
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        assert_same_exception_or_text(o, t)


# modes, conversion, gradients -------------------------------------------------------------------
def test_train_eval_propagate_and_change_behaviour():
    def modes(m):
        m.manual_seed(0)
        net = _net(m)
        x = m.randn(5, 3)
        flags = [mod.training for mod in net.modules()]
        net.eval()
        eval_flags = [mod.training for mod in net.modules()]
        y1, y2 = net(x), net(x)
        net.body.train()
        mixed = [mod.training for mod in net.modules()]
        return flags, eval_flags, mixed, (y1 == y2).all().item(), net.train() is net
    ours, theirs = run_both(modes)
    assert ours == theirs


@BOTH
def test_to_and_casts_keep_parameter_objects(m):
    net = _net(m)
    net(m.randn(4, 3)).sum().backward()
    weight, grad = net.fc.weight, net.fc.weight.grad
    assert net.double() is net
    assert net.fc.weight is weight and net.fc.weight.dtype == m.float64 and weight.grad.dtype == m.float64
    assert net.body[2].running_mean.dtype == m.float64 and net.body[2].num_batches_tracked.dtype == m.int64
    net.to(m.float32)
    assert net.fc.weight.dtype == m.float32 and net.steps.dtype == m.float32
    net.half().float()
    net.to("cpu", m.float64)
    assert net.scale.dtype == m.float64
    net.to(m.zeros(1))
    assert net.scale.dtype == m.float32 and grad is not None
    assert net.cpu() is net


def test_zero_grad_and_requires_grad():
    def grads(m):
        m.manual_seed(0)
        net = _net(m)
        net(m.randn(4, 3)).sum().backward()
        net.zero_grad(set_to_none=False)
        zeros = [p.grad.abs().sum().item() for p in net.parameters()]
        net.zero_grad()
        nones = [p.grad is None for p in net.parameters()]
        net.requires_grad_(False)
        frozen = [p.requires_grad for p in net.parameters()]
        out = net(m.randn(4, 3))
        return zeros, nones, frozen, out.requires_grad
    ours, theirs = run_both(grads)
    assert ours == theirs


def test_apply_visits_children_first():
    def order(m):
        seen = []
        _net(m).apply(lambda mod: seen.append(type(mod).__name__))
        return seen
    ours, theirs = run_both(order)
    assert ours == theirs


@BOTH
def test_deepcopy_is_independent(m):
    net = _net(m)
    clone = copy.deepcopy(net)
    assert clone.tied is clone.fc and clone.fc.weight is not net.fc.weight
    assert isinstance(clone.fc.weight, m.nn.Parameter)
    clone.train()(m.randn(4, 3))
    assert (net.body[2].running_mean == 0).all()
    assert (clone.state_dict()["body.2.running_mean"] == clone.body[2].running_mean).all()
    assert not (clone.body[2].running_mean == 0).all()


# hooks --------------------------------------------------------------------------------------
def test_forward_hooks():
    def hooks(m):
        lin = m.nn.Linear(2, 2)
        log = []
        h1 = lin.register_forward_pre_hook(lambda mod, args: (args[0] * 0,))
        h2 = lin.register_forward_hook(lambda mod, args, out: log.append(("post", out.shape)))
        h3 = lin.register_forward_hook(lambda mod, args, out: out + 1, prepend=True)
        h4 = lin.register_forward_pre_hook(lambda mod, args, kwargs: (args, kwargs), with_kwargs=True)
        h5 = lin.register_forward_hook(lambda mod, args, kwargs, out: log.append(("kw", kwargs)),
                                       with_kwargs=True)
        x = m.ones(3, 2)
        first = lin(x)
        h1.remove()
        second = lin(x)
        for h in (h2, h3, h4, h5):
            h.remove()
        third = lin(x)
        broken = m.nn.Linear(2, 2)
        broken.register_forward_hook(lambda mod, args, out: log.append("always"), always_call=True)
        broken.register_forward_pre_hook(lambda mod, args: (m.ones(3, 5),))
        error = call(broken, x)
        bad_pre = m.nn.Linear(2, 2)
        bad_pre.register_forward_pre_hook(lambda mod, a, k: 3, with_kwargs=True)
        with lin.register_forward_hook(lambda mod, a, out: out * 0):
            ctx = lin(x)
        return (first, second, third, log, error, call(bad_pre, x), ctx,
                (first == lin.bias + 1).all().item(), (third == second - 1).all().item())
    ours, theirs = run_both(hooks)
    for o, t in zip(ours, theirs):
        assert_same_exception_or_text(o, t)


# containers -------------------------------------------------------------------------------------
def test_sequential_operations():
    def seq_ops(m):
        nn = m.nn
        s = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
        out = [len(s), type(s[0]).__name__, type(s[-1]).__name__, type(s[1:]).__name__, repr(s[1:]),
               repr(s[::2]), [type(x).__name__ for x in s]]
        s.append(nn.Sigmoid())
        s.insert(1, nn.Tanh())
        s.insert(-1, nn.Identity())
        s.extend([nn.ReLU()])
        out.append(repr(s))
        out.append(type(s.pop(2)).__name__)
        del s[0]
        out.append(list(s._modules))
        del s[1:3]
        s[0] = nn.ELU()
        out.append(repr(s))
        out.append(repr(s + nn.Sequential(nn.ReLU())))
        named = nn.Sequential(OrderedDict([("first", nn.Linear(2, 2)), ("act", nn.ReLU())]))
        out.append([n for n, _ in named.named_parameters()])
        out.append(type(named[1]).__name__)
        out.append(call(lambda: s[10]))
        out.append(call(lambda: s + nn.ReLU()))
        out.append(call(lambda: s.insert(10, nn.ReLU())))
        out.append(call(lambda: nn.Sequential(3)))
        out.append(call(lambda: s.append(3)))
        return out
    ours, theirs = run_both(seq_ops)
    for o, t in zip(ours, theirs):
        assert_same_exception_or_text(o, t)


def test_sequential_forward_matches():
    def run(m):
        m.manual_seed(3)
        s = m.nn.Sequential(m.nn.Linear(4, 8), m.nn.Tanh(), m.nn.Linear(8, 2), m.nn.LogSoftmax(dim=1))
        x = m.randn(5, 4)
        y = s(x)
        y.sum().backward()
        return y, s[0].weight.grad, s[2].bias.grad
    ours, theirs = run_both(run)
    for o, t in zip(ours, theirs):
        assert_close(o, t, n=8)


def test_modulelist_moduledict_operations():
    def ops(m):
        nn = m.nn
        ml = nn.ModuleList([nn.Linear(1, 1), nn.ReLU()])
        ml.append(nn.Tanh())
        ml.extend([nn.ReLU(), nn.ReLU()])
        ml.insert(0, nn.Sigmoid())
        ml += [nn.Identity()]
        out = [len(ml), repr(ml), type(ml[-1]).__name__, repr(ml[1:3]), [n for n, _ in ml.named_parameters()]]
        out.append(type(ml.pop(1)).__name__)
        del ml[0]
        out.append(list(ml._modules))
        ml[0] = nn.ELU()
        out.append(repr(ml + nn.ModuleList([nn.Tanh()])))
        out.append(call(lambda: ml[10]))
        out.append(call(lambda: ml.extend(3)))
        out.append(call(lambda: ml(1)))
        md = nn.ModuleDict({"b": nn.ReLU(), "a": nn.Linear(1, 2)})
        md["c"] = nn.Tanh()
        md.update([("d", nn.Identity())])
        out += [list(md.keys()), "a" in md, len(md), repr(md), [n for n, _ in md.named_parameters()]]
        out.append(type(md.pop("b")).__name__)
        del md["c"]
        out.append(list(md))
        out.append(call(lambda: md.update(3)))
        out.append(call(lambda: md.update([("x", nn.ReLU(), 1)])))
        out.append(call(lambda: md.update({"x": 3})))
        md.clear()
        out.append(len(md))
        return out
    ours, theirs = run_both(ops)
    for o, t in zip(ours, theirs):
        assert_same_exception_or_text(o, t)


def test_parameterlist_parameterdict_operations():
    def ops(m):
        nn = m.nn
        pl = nn.ParameterList([m.ones(2), nn.Parameter(m.zeros(3))])
        pl.append(m.ones(1, 2))
        pl.extend([m.ones(4)])
        out = [len(pl), [type(p).__name__ for p in pl], [n for n, _ in pl.named_parameters()], repr(pl),
               repr(pl[1:]), pl[-1].shape, call(lambda: pl(1)), call(lambda: pl.extend(m.ones(2)))]
        pl[0] = m.zeros(2)
        out.append(type(pl[0]).__name__)
        pd = nn.ParameterDict({"z": m.ones(1), "a": m.ones(2)})
        pd["m"] = nn.Parameter(m.ones(3))
        pd.update(OrderedDict([("y", m.ones(1)), ("b", m.ones(1))]))
        out += [list(pd.keys()), [n for n, _ in pd.named_parameters()], repr(pd), "a" in pd, len(pd),
                type(pd["a"]).__name__, call(lambda: pd[1]), call(lambda: pd.update(3))]
        out.append(pd.pop("z").shape)
        out.append(list(pd))
        return out
    ours, theirs = run_both(ops)
    for o, t in zip(ours, theirs):
        assert_same_exception_or_text(o, t)


# seeded initialisation and the seed tutorial ------------------------------------------------
def test_seeded_layers_match_torch_exactly():
    def init(m):
        m.manual_seed(0)
        return (m.nn.Linear(3, 5), m.nn.Linear(7, 2, bias=False), m.nn.Embedding(6, 4, padding_idx=1),
                m.nn.Sequential(m.nn.Linear(4, 4), m.nn.ReLU(), m.nn.Linear(4, 1)), m.rand(2))
    ours, theirs = run_both(init)
    for o, t in zip(ours[:4], theirs[:4]):
        for (name_o, p_o), (name_t, p_t) in zip(o.state_dict().items(), t.state_dict().items()):
            assert name_o == name_t
            np.testing.assert_array_equal(p_o.numpy(), p_t.numpy())
    np.testing.assert_array_equal(ours[4].numpy(), theirs[4].numpy())  # the stream stayed in step


SEED_002_LOSSES = """
torch.manual_seed(0)
x = torch.ones(2, 3)
w = torch.full([3, 2], 2.)
mse = F.mse_loss(torch.ones(3, 3), w @ x)
print(mse)

z = torch.rand(4, 1)
pred = torch.sigmoid(z)
y = torch.tensor([1, 0, 1, 0], dtype=torch.float).view(4, 1)
loss = nn.BCELoss()
bce = loss(pred, y)
print(bce)
ce_define = -1/4 * (y*torch.log(pred) + (1-y)*torch.log(1-pred)).sum()
print(ce_define)
print(F.binary_cross_entropy(pred, y))

z = torch.tensor([[4., 3., 2., 1.],
        [3., 1., 4., 5.]])
y_hat = torch.softmax(z, dim=1)
ce = F.cross_entropy(z, torch.tensor([0, 2]))
print(y_hat)
y_true = torch.tensor([[1, 0, 0, 0],
                       [0, 0, 1, 0]])
print(y_true)
print(torch.log(y_hat))
print("ce=", ce)
print(-1/2 * (y_true * torch.log(y_hat)).sum())
criteon = nn.CrossEntropyLoss()
logits = torch.randn(3, 4, requires_grad=True)
loss = criteon(logits, torch.tensor([1, 0, 3]))
print(loss)
loss.backward()
print(logits.grad)
a1, a3 = torch.sigmoid(torch.linspace(-1, 1, 6)), F.relu(torch.linspace(-1, 1, 6))
print(a1, a3)
"""


def test_seed_002_loss_examples_print_the_same():
    assert printed(SEED_002_LOSSES, tl) == printed(SEED_002_LOSSES, torch)
    assert "tensor(9.)" in printed(SEED_002_LOSSES, tl)
