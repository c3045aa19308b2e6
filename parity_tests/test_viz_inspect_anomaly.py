"""Learners' tools against torch: viz.make_dot (graph structure), Tensor.explain (storage mapping),
autograd anomaly mode (errors and warnings).

make_dot is checked against the graph torch itself records for the same program: a walk of torch's
grad_fn.next_functions done here the way torchviz draws it (torchviz is not needed), compared as
multisets of node labels, of edges as label pairs, and of each node's whole upstream structure.
"""
import collections
import math
import re
import shutil
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_lite as tl
from tinygrad_lite import viz
from strategies import basic_keys, layouts, shapes
from tinygrad_lite.inspect import explain


# ---- make_dot ---------------------------------------------------------------------------------
_DOT_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|->|[\[\]=;{}]|[^\s\[\]=;{}"]+')


def parse_dot(source):
    """({node id: attrs}, [(tail, head, attrs)]) of a `digraph { ... }` text; a node declared twice
    keeps the later attributes, as graphviz does."""
    tokens = [m.group(0) for m in _DOT_TOKEN.finditer(source)]

    def unquote(tok):
        return tok[1:-1].replace('\\"', '"') if tok.startswith('"') else tok

    def attr_list(i):
        attrs = {}
        if tokens[i] == "[":
            i += 1
            while tokens[i] != "]":
                assert tokens[i + 1] == "=", tokens[i:i + 3]
                attrs[unquote(tokens[i])] = unquote(tokens[i + 2])
                i += 3
            i += 1
        return attrs, i

    assert tokens[:2] == ["digraph", "{"] and tokens[-1] == "}", source[:40]
    nodes, edges, i = {}, [], 2
    while tokens[i] != "}":
        if tokens[i] in ("graph", "node", "edge"):
            _, i = attr_list(i + 1)
        elif tokens[i + 1] == "->":
            attrs, j = attr_list(i + 3)
            edges.append((unquote(tokens[i]), unquote(tokens[i + 2]), attrs))
            i = j
        else:
            attrs, j = attr_list(i + 1)
            nodes.setdefault(unquote(tokens[i]), {}).update(attrs)
            i = j
    return nodes, edges


def torch_recorded_graph(outputs, params):
    """The graph torch recorded for `outputs`, as torchviz draws it: grad_fn nodes by class name,
    leaves (AccumulateGrad.variable) named from `params`, outputs and views' bases, custom
    Functions' saved tensors."""
    names = {id(p): n for n, p in params.items()}
    nodes, edges, seen = {}, [], set()

    def tensor_label(t):
        return f"{names.get(id(t), '')}\n ({', '.join(str(n) for n in t.shape)})"

    def visit_fn(fn):
        if fn in seen:
            return
        seen.add(fn)
        if hasattr(fn, "variable"):
            nodes[id(fn.variable)] = {"label": tensor_label(fn.variable), "fillcolor": "lightblue"}
            edges.append((id(fn.variable), id(fn), {}))
        nodes[id(fn)] = {"label": type(fn).__name__}
        for child, _ in fn.next_functions:
            if child is not None:
                edges.append((id(child), id(fn), {}))
                visit_fn(child)
        for t in getattr(fn, "saved_tensors", ()):  # custom autograd.Functions only
            edges.append((id(t), id(fn), {"dir": "none"}))
            nodes[id(t)] = {"label": tensor_label(t), "fillcolor": "orange"}

    def visit_tensor(t, color):
        if t in seen:
            return
        seen.add(t)
        nodes[id(t)] = {"label": tensor_label(t), "fillcolor": color}
        if t.grad_fn is not None:
            visit_fn(t.grad_fn)
            edges.append((id(t.grad_fn), id(t), {}))
        if t._is_view():
            visit_tensor(t._base, "darkolivegreen3")
            edges.append((id(t._base), id(t), {"style": "dotted"}))

    for t in outputs if isinstance(outputs, tuple) else (outputs,):
        visit_tensor(t, "darkolivegreen1")
    return nodes, edges


def graph_summary(nodes, edges):
    """Multisets of node labels, of edges as (tail label, head label, attrs), and of every node's
    upstream structure (its label with the sorted structures of the nodes feeding it)."""
    label = {k: (v.get("label"), v.get("fillcolor")) for k, v in nodes.items()}
    feeding = collections.defaultdict(list)
    for tail, head, attrs in edges:
        feeding[head].append((tail, tuple(sorted(attrs.items()))))
    memo = {}

    def structure(n):
        if n not in memo:
            memo[n] = (label[n], tuple(sorted((structure(t), a) for t, a in feeding[n])))
        return memo[n]

    return (collections.Counter(label.values()),
            collections.Counter((label[t], label[h], tuple(sorted(a.items()))) for t, h, a in edges),
            collections.Counter(structure(n) for n in nodes))


def cubic_polynomial(T):
    """Seed 000 stage 5: a + b x + c x^2 + d x^3 with Parameters, MSELoss(sum)."""
    class Polynomial3(T.nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b, self.c, self.d = (T.nn.Parameter(T.randn(())) for _ in range(4))

        def forward(self, x):
            return self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3

    x = T.linspace(-math.pi, math.pi, 20)
    model = Polynomial3()
    return T.nn.MSELoss(reduction="sum")(model(x), T.sin(x)), dict(model.named_parameters())


def cubic_sequential(T):
    """Seed 000 stage 3: Sequential(Linear(3, 1), Flatten(0, 1)) on (x, x^2, x^3)."""
    x = T.linspace(-math.pi, math.pi, 20)
    xx = x.unsqueeze(-1).pow(T.tensor([1, 2, 3]))
    model = T.nn.Sequential(T.nn.Linear(3, 1), T.nn.Flatten(0, 1))
    return T.nn.MSELoss(reduction="sum")(model(xx), T.sin(x)), dict(model.named_parameters())


def mlp_cross_entropy(T):
    """Linear -> ReLU -> Linear -> CrossEntropyLoss."""
    model = T.nn.Sequential(T.nn.Linear(4, 8), T.nn.ReLU(), T.nn.Linear(8, 3))
    loss = T.nn.CrossEntropyLoss()(model(T.randn(5, 4)), T.tensor([0, 2, 1, 1, 0]))
    return loss, dict(model.named_parameters())


def view_heavy(T):
    """Transposes, stepped slices, expand, view, permute, select, narrow, an in-place write into a
    view (CopySlices), and outputs that are views (their bases drawn dark green)."""
    w = T.randn(4, 6, requires_grad=True)
    v = w.t()[1:5:2]
    e = w[:, :1].expand(4, 3)
    p = w.view(2, 12).permute(1, 0).unsqueeze(0)
    s = w.select(0, 2).narrow(0, 1, 3)
    y = w * 1
    y[0].mul_(2)
    return ((v.sum() + e.sum() + p.sum()) * s.sum(), (w * 2).view(24)[::3], y.reshape(-1).sum()), {"w": w}


def custom_function(T):
    """A user's autograd.Function: torchviz always draws the tensors it saved."""
    class Cube(T.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return a ** 3 * b

        @staticmethod
        def backward(ctx, grad):
            a, b = ctx.saved_tensors
            return 3 * a ** 2 * b * grad, a ** 3 * grad

    a = T.tensor([1., 2.], requires_grad=True)
    return Cube.apply(a * 2, T.tensor([3., 4.])).sum(), {"a": a}


PROGRAMS = [cubic_polynomial, cubic_sequential, mlp_cross_entropy, view_heavy, custom_function]


def _both(program):
    torch.manual_seed(0)
    tl.manual_seed(0)
    return program(tl), program(torch)


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.__name__)
def test_make_dot_has_the_graph_torch_records(program):
    (ours, our_params), (theirs, their_params) = _both(program)
    got = graph_summary(*parse_dot(viz.make_dot(ours, params=our_params).source))
    want = graph_summary(*torch_recorded_graph(theirs, their_params))
    assert got[0] == want[0], f"node labels: extra {got[0] - want[0]}, missing {want[0] - got[0]}"
    assert got[1] == want[1], f"edges: extra {got[1] - want[1]}, missing {want[1] - got[1]}"
    assert got[2] == want[2], "same labels and edges, but wired differently"


def test_make_dot_names_leaves_and_marks_outputs():
    (loss, params), _ = _both(cubic_sequential)
    nodes, edges = parse_dot(viz.make_dot(loss, params=params).source)
    leaves = sorted(v["label"] for v in nodes.values() if v.get("fillcolor") == "lightblue")
    assert leaves == ["0.bias\n (1)", "0.weight\n (1, 3)"]
    outputs = [k for k, v in nodes.items() if v.get("fillcolor") == "darkolivegreen1"]
    assert [nodes[k]["label"] for k in outputs] == ["\n ()"]
    assert [nodes[t]["label"] for t, h, _ in edges if h == outputs[0]] == ["MseLossBackward0"]


def test_make_dot_show_saved_draws_the_tensors_each_node_keeps():
    """Ops here save what torch's save (which tensors an op keeps is its own business: torch's
    NllLossBackward0 keeps (self, target, total_weight), ours none), so shapes agree per node."""
    def program(T):
        x = T.randn(5, 4, requires_grad=True)
        return T.relu(x @ T.randn(4, 3, requires_grad=True)).exp().sum(), {"x": x}
    (ours, params), (theirs, _) = _both(program)
    nodes, edges = parse_dot(viz.make_dot(ours, params=params, show_saved=True).source)
    got = collections.Counter()
    for k, v in nodes.items():
        if "fillcolor" not in v:
            saved = [nodes[h]["label"].split("\n")[1] for t, h, a in edges if t == k and a.get("dir") == "none"]
            got[(v["label"], tuple(sorted(saved)))] += 1
    want, stack, seen = collections.Counter(), [theirs.grad_fn], set()
    while stack:
        fn = stack.pop()
        if fn is None or fn in seen:
            continue
        seen.add(fn)
        saved = [getattr(fn, k) for k in dir(fn) if k.startswith("_saved_")]
        want[(type(fn).__name__, tuple(sorted(f" ({', '.join(map(str, t.shape))})"
                                              for t in saved if torch.is_tensor(t))))] += 1
        stack.extend(child for child, _ in fn.next_functions)
    assert got == want
    saved_edges = [(t, h) for t, h, a in edges if a.get("dir") == "none"]
    assert saved_edges and all("fillcolor" not in nodes[t] and "fillcolor" in nodes[h] for t, h in saved_edges)


def test_make_dot_show_attrs_lists_what_a_node_keeps():
    x = tl.randn(3, 2, requires_grad=True)
    nodes, _ = parse_dot(viz.make_dot(x.sum(1), show_attrs=True).source)
    (label,) = [v["label"] for v in nodes.values() if v["label"].startswith("SumBackward1")]
    name, rule, *rows = label.split("\n")
    assert name == "SumBackward1" and set(rule) == {"-"} and len(rule) >= len(name)
    assert any(re.match(r"keepdim\s*:\s+False$", row) for row in rows), rows


def test_make_dot_graph_grows_like_torchviz():
    """torchviz's resize_graph: size = max(12, 0.15 * number of DOT statements)."""
    x = tl.randn(3, requires_grad=True)
    y = x
    for _ in range(60):
        y = y * 1.5
    dot = viz.make_dot(y.sum())
    size = max(12, 0.15 * len(dot.body))
    assert size > 12 and dot.graph_attr["size"] == f"{size},{size}"


def test_make_dot_rejects_non_tensors():
    with pytest.raises(TypeError, match="tensor or a tuple of tensors"):
        viz.make_dot([1, 2])


@pytest.fixture
def without_graphviz(monkeypatch):
    """Pretend the graphviz package is not installed."""
    monkeypatch.setitem(sys.modules, "graphviz", None)


def test_make_dot_falls_back_to_plain_dot_without_graphviz(without_graphviz):
    (loss, params), (theirs, their_params) = _both(view_heavy)
    dot = viz.make_dot(loss, params=params)
    assert isinstance(dot, viz.Dot) and str(dot) == dot.source
    assert graph_summary(*parse_dot(dot.source)) == graph_summary(*torch_recorded_graph(theirs, their_params))


def test_fallback_writes_the_same_text_as_graphviz(monkeypatch):
    graphviz = pytest.importorskip("graphviz", reason="the graphviz package is not installed")
    (loss, params), _ = _both(cubic_polynomial)
    real = viz.make_dot(loss, params=params)
    assert isinstance(real, graphviz.Digraph)
    monkeypatch.setitem(sys.modules, "graphviz", None)
    assert viz.make_dot(loss, params=params).source == real.source


def test_fallback_render_without_dot_binary_saves_the_text(without_graphviz, tmp_path, monkeypatch):
    monkeypatch.setattr(viz.shutil, "which", lambda name: None)
    dot = viz.make_dot(tl.randn(2, requires_grad=True).exp().sum())
    with pytest.raises(RuntimeError, match="'dot' program was not found"):
        dot.render(filename="g.gv", directory=str(tmp_path), format="svg")
    assert (tmp_path / "g.gv").read_text() == dot.source


@pytest.mark.skipif(shutil.which("dot") is None,
                    reason="graphviz's `dot` binary is not installed (apt-get install graphviz): SVG "
                           "rendering is not exercised")
@pytest.mark.parametrize("use_graphviz_package", [True, False], ids=["graphviz", "fallback"])
def test_render_svg(use_graphviz_package, tmp_path, monkeypatch):
    if use_graphviz_package:
        pytest.importorskip("graphviz", reason="the graphviz package is not installed")
    else:
        monkeypatch.setitem(sys.modules, "graphviz", None)
    (loss, params), _ = _both(cubic_sequential)
    path = viz.make_dot(loss, params=params).render(filename="g.gv", directory=str(tmp_path), format="svg")
    svg = Path(path).read_text()
    assert path.endswith("g.gv.svg") and "<svg" in svg and "MseLossBackward0" in svg and "0.weight" in svg


# ---- explain ----------------------------------------------------------------------------------
_HEADER = re.compile(r"tensor: shape=\((.*?)\) stride=\((.*?)\) storage_offset=(\d+) ")
_NUMERIC = re.compile(r"^\s+= storage\[(.*)\]$", re.MULTILINE)
_ELEMENT = re.compile(r"^  x(?:\[(.*?)\])? -> storage\[(\d+)\] = (.*)$", re.MULTILINE)


def _ints(text):
    return [int(v) for v in re.findall(r"-?\d+", text)]


def assert_explains_like_torch(ours, theirs):
    """explain(ours) agrees with torch's own metadata for the same view, element by element."""
    text = explain(ours, max_elements=ours.numel())
    shape, stride, offset = _HEADER.search(text).groups()
    assert (_ints(shape), _ints(stride), int(offset)) == (
        list(theirs.shape), list(theirs.stride()), theirs.storage_offset())
    names = list("ijklmn"[:theirs.ndim]) if theirs.ndim <= 6 else [f"i{d}" for d in range(theirs.ndim)]
    lhs = f"x[{', '.join(names)}]" if names else "x"
    symbolic = " + ".join(["storage_offset"] + [f"stride[{d}]*{n}" for d, n in enumerate(names)])
    assert f"{lhs} = storage[{symbolic}]" in text
    terms = _NUMERIC.search(text).group(1).split(" + ")
    assert int(terms[0]) == theirs.storage_offset()
    assert [(int(c), n) for c, n in (t.split("*") for t in terms[1:])] == list(zip(theirs.stride(), names))
    storage_size = theirs.untyped_storage().nbytes() // theirs.element_size()
    assert re.search(rf"^storage: {storage_size} elements?,", text, re.MULTILINE)
    assert f"contiguous: {theirs.is_contiguous()}" in text
    assert ("(this tensor is a view of it)" in text) == theirs._is_view()
    storage = torch.empty(0, dtype=theirs.dtype).set_(theirs.untyped_storage()).tolist()
    mapping = _ELEMENT.findall(text)
    assert len(mapping) == theirs.numel()
    cells = collections.Counter()
    for (index, cell, value), expected_index in zip(mapping, np.ndindex(*theirs.shape)):
        assert tuple(_ints(index)) == expected_index
        expected_cell = theirs.storage_offset() + sum(i * s for i, s in zip(expected_index, theirs.stride()))
        assert int(cell) == expected_cell
        assert float(value) == storage[expected_cell] == theirs[expected_index].item()
        cells[expected_cell] += 1
    bar = text.split("not covered):\n  ")[1].split("\n")[0].split(" ... ")[0].split()
    marks = {0: "."} | {1: "#"} | {n: str(n) for n in range(2, 10)}
    assert bar == [marks.get(cells[c], "+") for c in range(min(storage_size, 64))] or storage_size == 0


VIEWS = {
    "transpose": lambda T: T.arange(12.).view(3, 4).t(),
    "slice with steps": lambda T: T.arange(24.).view(4, 6)[1::2, ::3],
    "transpose then slice": lambda T: T.arange(24.).view(4, 6).t()[1:5:2],
    "expand": lambda T: T.tensor([1., 2., 3.]).view(3, 1).expand(3, 4),
    "expand new dims": lambda T: T.tensor([5., 6.]).expand(2, 3, 2),
    "slice of a slice": lambda T: T.arange(10.)[2:][::3],
    "select and narrow": lambda T: T.arange(24.).view(2, 3, 4).select(1, 2).narrow(1, 1, 2),
    "permute": lambda T: T.arange(24.).view(2, 3, 4).permute(2, 0, 1),
    "unsqueeze of a column": lambda T: T.arange(12.).view(3, 4)[:, 1].unsqueeze(1),
    "as_strided overlapping": lambda T: T.arange(6.).as_strided((3, 3), (1, 1), 1),
    "0-d element": lambda T: T.arange(6.).view(2, 3)[1, 2],
    "seven dims": lambda T: T.arange(4.).view(1, 1, 1, 1, 1, 2, 2).transpose(5, 6),
}


@pytest.mark.parametrize("make", VIEWS.values(), ids=VIEWS.keys())
def test_explain_maps_elements_to_torchs_storage_cells(make):
    assert_explains_like_torch(make(tl), make(torch))


@settings(deadline=None)
@given(data=st.data())
def test_explain_random_views(data):
    shape = data.draw(shapes(min_dims=1, allow_empty=False))
    layout = data.draw(layouts(shape))
    key = data.draw(basic_keys(shape))
    values = np.arange(math.prod(layout.base_shape), dtype=np.float32).reshape(layout.base_shape)
    ours, theirs = (layout.apply(m.tensor(values))[key] for m in (tl, torch))
    assert_explains_like_torch(ours, theirs)


def test_explain_method_prints_and_truncates(capsys):
    x = tl.arange(100.).view(10, 10)
    assert x.explain() is None
    printed = capsys.readouterr().out
    assert printed.rstrip("\n") == explain(x)
    assert "  ... (88 more)" in printed and "x[1, 1] -> storage[11] = 11.0" in printed


# ---- anomaly mode -----------------------------------------------------------------------------
def _run(T, program, mode):
    """Run program(T) under an anomaly-mode form; (exception or None, [warning messages])."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        error = None
        try:
            if mode == "detect_anomaly":
                with T.autograd.detect_anomaly():
                    program(T)
            elif mode == "set_detect_anomaly context":
                with T.autograd.set_detect_anomaly(True):
                    program(T)
            elif mode == "program's own":
                program(T)
            else:
                T.autograd.set_detect_anomaly(True)
                try:
                    program(T)
                finally:
                    T.autograd.set_detect_anomaly(False)
        except Exception as e:  # noqa: BLE001 - compared with torch's below
            error = e
    return error, [str(w.message) for w in caught if w.category is UserWarning]


def sqrt_at_zero(T):
    """Backward NaN at its source: d sqrt(x)/dx at 0 is inf, times 0 is NaN."""
    x = T.tensor([0., 1.], requires_grad=True)
    (x.sqrt() * 0).sum().backward()


def mul_second_output(T):
    """NaN in the gradient of the second input: inf * 0."""
    a = T.tensor([0.], requires_grad=True)
    b = T.tensor([1.], requires_grad=True)
    (a * b).sqrt().sum().backward()


def nan_in_custom_backward(T):
    class Bad(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.clone()

        @staticmethod
        def backward(ctx, grad):
            return grad * float("nan")

    Bad.apply(T.ones(3, requires_grad=True)).sum().backward()


def nan_for_input_without_grad(T):
    """A NaN that only reaches an input that needs no gradient is not an anomaly."""
    a = T.tensor([0.], requires_grad=True)
    b = T.tensor([1.])
    (a * b).sqrt().sum().backward()


BACKWARD_PROGRAMS = [sqrt_at_zero, mul_second_output, nan_in_custom_backward, nan_for_input_without_grad]
MODES = ["detect_anomaly", "set_detect_anomaly context", "set_detect_anomaly call"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("program", BACKWARD_PROGRAMS, ids=lambda p: p.__name__)
def test_backward_nan_raises_like_torch(program, mode):
    (ours, our_warnings), (theirs, their_warnings) = _run(tl, program, mode), _run(torch, program, mode)
    assert type(ours) is type(theirs)
    assert str(ours) == str(theirs)
    error_warnings = [[w.split(" Traceback")[0].split(" No forward")[0] for w in ws if w.startswith("Error detected")]
                      for ws in (our_warnings, their_warnings)]
    assert error_warnings[0] == error_warnings[1]
    assert tl.is_anomaly_enabled() is False and torch.is_anomaly_enabled() is False


def test_error_warning_carries_the_forward_traceback():
    _, messages = _run(tl, mul_second_output, "detect_anomaly")
    (message,) = [m for m in messages if m.startswith("Error detected in MulBackward0.")]
    assert "Traceback of forward call that caused the error:" in message
    assert "(a * b).sqrt().sum().backward()" in message and "tinygrad_lite" not in message


def test_error_without_forward_trace_says_so():
    """A graph built before anomaly mode was on has no trace to show, as in torch."""
    def program(T):
        y = T.tensor([0.], requires_grad=True).sqrt() * 0
        with T.autograd.set_detect_anomaly(True):
            y.backward()
    (ours, ours_w), (theirs, theirs_w) = _run(tl, program, "program's own"), _run(torch, program, "program's own")
    assert str(ours) == str(theirs)
    expected = ("Error detected in SqrtBackward0. No forward pass information available. Enable detect "
                "anomaly during forward pass for more information.")
    assert [w for w in ours_w if w.startswith("Error")] == [expected]
    assert [w.split(" (Triggered")[0] for w in theirs_w if w.startswith("Error")] == [expected]


def test_modes_set_and_restore_state_like_torch():
    def states(T):
        seen = [T.is_anomaly_enabled()]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            manager = T.autograd.detect_anomaly(check_nan=False)
            seen.append(T.is_anomaly_enabled())  # the warning comes at construction, the mode at enter
            with manager:
                seen.append((T.is_anomaly_enabled(), T.is_anomaly_check_nan_enabled()))
                with T.autograd.set_detect_anomaly(False):
                    seen.append(T.is_anomaly_enabled())
                seen.append(T.is_anomaly_enabled())
            T.autograd.set_detect_anomaly(True)
            seen.append(T.is_anomaly_enabled())
            T.autograd.set_detect_anomaly(False)
            seen.append((T.is_anomaly_enabled(), T.is_anomaly_check_nan_enabled()))
        return seen, [(w.category, str(w.message)) for w in caught]
    assert states(tl) == states(torch)


def test_check_nan_false_lets_nan_through_like_torch():
    def program(T):
        x = T.tensor([0.], requires_grad=True)
        with T.autograd.detect_anomaly(check_nan=False):
            (x.sqrt() * 0).backward()
        return x.grad
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert math.isnan(program(tl).item()) and math.isnan(program(torch).item())


def forward_nan_program(T):
    """log of a negative number makes the first NaN; exp overflows to inf; later ops only carry them."""
    x = T.tensor([-1., 1., 100.], requires_grad=True)
    y = T.log(x) * 2 + T.exp(x * 10)
    return y, x


def _forward_warnings(program, T=tl):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with T.autograd.detect_anomaly():
            result = program(T)
    return result, [w for w in caught if str(w.message).startswith("Anomaly detected in forward")]


def test_forward_nan_warning_names_the_op_that_produced_it():
    (y, _), caught = _forward_warnings(forward_nan_program)
    assert [str(w.message) for w in caught] == [
        ("Anomaly detected in forward: Function 'LogBackward0' produced nan values in its 0th "
         "output, from inputs without nan."),
        ("Anomaly detected in forward: Function 'ExpBackward0' produced inf values in its 0th "
         "output, from inputs without inf.")]
    assert all(w.category is UserWarning and w.filename == __file__ for w in caught)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain, _ = forward_nan_program(tl)
        reference, _ = forward_nan_program(torch)
    np.testing.assert_array_equal(y.detach().numpy(), plain.detach().numpy())
    np.testing.assert_allclose(y.detach().numpy(), reference.detach().numpy(), rtol=1e-6)


def test_forward_check_only_warns_and_changes_nothing():
    """Same values, gradients and graph with and without the forward check; no warning for ops
    that only pass a NaN on, none for ops run by backward, none when check_nan is off."""
    def program(T):
        x = T.tensor([0., 2., 3.], requires_grad=True)
        y = (x / x) * 3 + 1  # 0/0 is the only NaN made; * and + carry it
        z = y.sum()
        (g,) = T.autograd.grad((x.sqrt() * 1).sum(), x)  # backward makes inf: not a forward anomaly
        return y.detach().numpy().copy(), z.grad_fn.name(), g.numpy().copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = program(tl)
    checked, caught = _forward_warnings(program)
    assert [str(w.message) for w in caught] == [
        ("Anomaly detected in forward: Function 'DivBackward0' produced nan values in its 0th "
         "output, from inputs without nan.")]
    np.testing.assert_array_equal(checked[0], plain[0])
    np.testing.assert_array_equal(checked[2], plain[2])
    assert checked[1] == plain[1]
    with warnings.catch_warnings(record=True) as quiet:
        warnings.simplefilter("always")
        with tl.autograd.set_detect_anomaly(True, check_nan=False):
            program(tl)
    assert not [w for w in quiet if "Anomaly detected" in str(w.message)]
