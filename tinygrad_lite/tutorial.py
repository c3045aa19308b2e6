"""The seeds' walkthrough, step by step: python -m tinygrad_lite.tutorial [--steps N] [--graph DIR]

Every step is one program written once against the torch API and run on tinygrad_lite and, when it
is installed, on real torch from identical initial values; the printed quantities are shown side
by side with the largest relative difference.
"""
import argparse
import math
import os
import sys

import numpy as np

import tinygrad_lite


# ---- the programs (each takes the module `T`, returns [(label, value), ...]) -------------------
def storage_and_views(T, steps, device):
    """Seeds 001/003: a tensor is a view of a flat storage (offset, size, stride)."""
    matrix = T.ones((2, 3), dtype=T.float, device=device)
    same_matrix = matrix.view(1, 6)
    same_matrix[0, 1] = 2.
    different = matrix.view(1, 6).clone().detach()
    different[0, 1] = 3.
    t = T.arange(6.).view(2, 3).t()
    return [("matrix after writing through view(1, 6)", matrix.tolist()),
            ("clone().detach() is a copy", different.tolist()),
            ("t() strides", list(t.stride())), ("t() is_contiguous", t.is_contiguous()),
            ("t()[1:] storage_offset", t[1:].storage_offset()),
            ("t().contiguous() strides", list(t.contiguous().stride()))]


def _cubic_data(T, device):
    x = T.linspace(-math.pi, math.pi, 2000, device=device)
    return x, T.sin(x)


INIT = (0.1, -0.2, 0.3, 0.05)  # the same a, b, c, d on both engines


def cubic_manual(T, steps, device):
    """Seed 000 stage 1: fit y = a + b x + c x^2 + d x^3 to sin(x) with hand-written gradients."""
    x, y = _cubic_data(T, device)
    a, b, c, d = (T.tensor(v, device=device) for v in INIT)
    out = []
    for t in _progress(range(steps), "manual gradients"):
        y_pred = a + b * x + c * x ** 2 + d * x ** 3
        loss = (y_pred - y).pow(2).sum().item()
        if t % 100 == 99:
            out.append((f"loss at step {t}", loss))
        grad_y_pred = 2.0 * (y_pred - y)
        a -= 1e-6 * grad_y_pred.sum()
        b -= 1e-6 * (grad_y_pred * x).sum()
        c -= 1e-6 * (grad_y_pred * x ** 2).sum()
        d -= 1e-6 * (grad_y_pred * x ** 3).sum()
    return out + [("a, b, c, d", [a.item(), b.item(), c.item(), d.item()])]


def cubic_autograd(T, steps, device):
    """Seed 000 stage 2: the same fit, gradients from loss.backward()."""
    x, y = _cubic_data(T, device)
    params = [T.tensor(v, device=device, requires_grad=True) for v in INIT]
    out = []
    for t in _progress(range(steps), "autograd"):
        a, b, c, d = params
        loss = (a + b * x + c * x ** 2 + d * x ** 3 - y).pow(2).sum()
        if t % 100 == 99:
            out.append((f"loss at step {t}", loss.item()))
        loss.backward()
        with T.no_grad():
            for p in params:
                p -= 1e-6 * p.grad
                p.grad = None
    return out + [("a, b, c, d", [p.item() for p in params])]


def _cubic_model(T, device):
    x, y = _cubic_data(T, device)
    xx = x.unsqueeze(-1).pow(T.tensor([1, 2, 3], device=device))
    model = T.nn.Sequential(T.nn.Linear(3, 1), T.nn.Flatten(0, 1)).to(device)
    with T.no_grad():
        model[0].weight.copy_(T.tensor([INIT[1:]]))
        model[0].bias.fill_(INIT[0])
    return xx, y, model


def _cubic_result(model):
    layer = model[0] if hasattr(model, "__getitem__") else None
    if layer is None:
        return [("a, b, c, d", [model.a.item(), model.b.item(), model.c.item(), model.d.item()])]
    return [("bias, weight", [layer.bias.item()] + [w.item() for w in layer.weight[0]])]


def cubic_nn(T, steps, device):
    """Seed 000 stage 3: nn.Sequential(Linear(3, 1), Flatten(0, 1)) and MSELoss(reduction='sum')."""
    xx, y, model = _cubic_model(T, device)
    loss_fn = T.nn.MSELoss(reduction="sum")
    out = []
    for t in _progress(range(steps), "nn.Sequential"):
        loss = loss_fn(model(xx), y)
        if t % 100 == 99:
            out.append((f"loss at step {t}", loss.item()))
        model.zero_grad()
        loss.backward()
        with T.no_grad():
            for param in model.parameters():
                param -= 1e-6 * param.grad
    return out + _cubic_result(model)


def cubic_rmsprop(T, steps, device):
    """Seed 000 stage 4: the same model trained by optim.RMSprop(lr=1e-3)."""
    xx, y, model = _cubic_model(T, device)
    loss_fn = T.nn.MSELoss(reduction="sum")
    optimizer = T.optim.RMSprop(model.parameters(), lr=1e-3)
    out = []
    for t in _progress(range(steps), "RMSprop"):
        loss = loss_fn(model(xx), y)
        if t % 100 == 99:
            out.append((f"loss at step {t}", loss.item()))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return out + _cubic_result(model)


def cubic_module(T, steps, device):
    """Seed 000 stage 5: a custom nn.Module with four Parameters, SGD(lr=1e-6)."""
    class Polynomial3(T.nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b, self.c, self.d = (T.nn.Parameter(T.tensor(v)) for v in INIT)

        def forward(self, x):
            return self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3

    x, y = _cubic_data(T, device)
    model = Polynomial3().to(device)
    criterion = T.nn.MSELoss(reduction="sum")
    optimizer = T.optim.SGD(model.parameters(), lr=1e-6)
    out = []
    for t in _progress(range(steps), "custom Module"):
        loss = criterion(model(x), y)
        if t % 100 == 99:
            out.append((f"loss at step {t}", loss.item()))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return out + _cubic_result(model)


def _linreg_data():
    rng = np.random.RandomState(42)
    x = rng.rand(100, 1)
    y = 1 + 2 * x + .1 * rng.randn(100, 1)
    idx = np.arange(100)
    rng.shuffle(idx)
    return x[idx[:80]], y[idx[:80]]


def linear_regression(T, steps, device):
    """Seed 003: from NumPy to a Module: autograd, SGD, MSELoss, state_dict."""
    x_train, y_train = _linreg_data()
    x = T.as_tensor(x_train).float().to(device)
    y = T.as_tensor(y_train).float().to(device)

    class ManualLinearRegression(T.nn.Module):
        def __init__(self):
            super().__init__()
            self.b = T.nn.Parameter(T.tensor([0.3367], dtype=T.float))
            self.w = T.nn.Parameter(T.tensor([0.1288], dtype=T.float))

        def forward(self, x):
            return self.b + self.w * x

    model = ManualLinearRegression().to(device)
    optimizer = T.optim.SGD(model.parameters(), lr=0.1)
    loss_fn = T.nn.MSELoss(reduction="mean")
    for _ in _progress(range(steps), "linear regression"):
        model.train()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    state = model.state_dict()
    return [("state_dict keys", list(state)), ("b", state["b"].item()), ("w", state["w"].item()),
            ("final loss", loss.item())]


def himmelblau(T, steps, device):
    """Seed 002: minimise Himmelblau's function from (-4, 0) with Adam(lr=1e-3)."""
    x = T.tensor([-4., 0.], device=device, requires_grad=True)
    optimizer = T.optim.Adam([x], lr=1e-3)
    out = []
    for step in _progress(range(steps), "Himmelblau"):
        pred = (x[0] ** 2 + x[1] - 11) ** 2 + (x[0] + x[1] ** 2 - 7) ** 2
        optimizer.zero_grad()
        pred.backward()
        optimizer.step()
        if step % max(steps // 10, 1) == 0:
            out.append((f"step {step}: x, f(x)", x.tolist() + [pred.item()]))
    return out


def activations_and_losses(T, steps, device):
    """Seed 002: activations, softmax gradient, MSE, BCE three ways, cross entropy."""
    F = T.nn.functional
    z = T.linspace(-1, 1, 6)
    x = T.ones(2, 3)
    w = T.full([3, 2], 2.)
    logits = T.tensor([[4., 3., 2., 1.], [3., 1., 4., 5.]])
    p = T.tensor([0.6, 0.3, 0.8, 0.2]).view(4, 1)
    target = T.tensor([1, 0, 1, 0], dtype=T.float).view(4, 1)
    a = T.tensor([[0.1, 0.5, 0.2, 0.9], [0.3, 0.8, 0.6, 0.4], [0.7, 0.2, 0.9, 0.1]], requires_grad=True)
    soft = T.softmax(a, dim=0)
    (da,) = T.autograd.grad(soft[0, 0], a, retain_graph=True)
    return [("linspace(-1, 1, 6)", repr(z)), ("sigmoid", repr(T.sigmoid(z))), ("tanh", repr(T.tanh(z))),
            ("relu", repr(F.relu(z))), ("d softmax[0,0] / d a", da.tolist()),
            ("mse_loss(ones(3,3), w @ x)", F.mse_loss(T.ones(3, 3), w @ x).item()),
            ("BCELoss", T.nn.BCELoss()(p, target).item()),
            ("BCE by definition", (-1 / 4 * (target * T.log(p) + (1 - target) * T.log(1 - p)).sum()).item()),
            ("binary_cross_entropy", F.binary_cross_entropy(p, target).item()),
            ("cross_entropy", F.cross_entropy(logits, T.tensor([0, 2])).item())]


STEPS = [("Tensors are views of a flat storage", storage_and_views, 0),
         ("Cubic fit: manual gradients", cubic_manual, 2000),
         ("Cubic fit: autograd", cubic_autograd, 2000),
         ("Cubic fit: nn.Sequential", cubic_nn, 2000),
         ("Cubic fit: optim.RMSprop", cubic_rmsprop, 2000),
         ("Cubic fit: custom nn.Module", cubic_module, 2000),
         ("Linear regression: NumPy to Module", linear_regression, 1000),
         ("Himmelblau with Adam", himmelblau, 20000),
         ("Activations, softmax gradient, losses", activations_and_losses, 0)]


# ---- running and reporting -------------------------------------------------------------------
def _progress(iterable, desc):
    if not _SHOW_PROGRESS or len(iterable) < 500:
        return iterable
    try:
        from tqdm import tqdm
        return tqdm(iterable, desc=f"  {desc}", leave=False, file=sys.stderr)
    except ImportError:
        return iterable


_SHOW_PROGRESS = True


def _flatten(v):
    if isinstance(v, (list, tuple)):
        out = []
        for item in v:
            out.extend(_flatten(item))
        return out
    return [v]


def compare(ours, theirs):
    """Largest relative difference between two printed values (0.0 when equal, None if not numbers)."""
    a, b = _flatten(ours), _flatten(theirs)
    if len(a) != len(b):
        return None
    worst = 0.0
    for x, y in zip(a, b):
        if isinstance(x, str) or isinstance(y, str):
            if x != y.replace("torch.", "tinygrad_lite.") if isinstance(y, str) else True:
                return None
            continue
        if x != y:
            worst = max(worst, abs(x - y) / max(abs(x), abs(y), 1e-30))
    return worst


def run(step_limit=None, device="cpu", graph_dir=None, use_torch=True, out=sys.stdout):
    """Run every step; return [(step title, label, ours, torch's or None, rel diff or None)]."""
    torch = None
    if use_torch:
        try:
            import torch
            torch.set_num_threads(1)
        except ImportError:
            print("torch is not installed: showing tinygrad_lite's numbers only "
                  "(pip install torch==2.13.0 to see them side by side)", file=out)
    rows = []
    for title, fn, default_steps in STEPS:
        steps = default_steps if step_limit is None else min(default_steps, step_limit)
        print(f"\n== {title} ==  ({fn.__doc__.strip().splitlines()[0]})", file=out)
        tinygrad_lite.manual_seed(0)
        ours = fn(tinygrad_lite, steps, device)
        theirs = None
        if torch is not None:
            torch.manual_seed(0)
            theirs = fn(torch, steps, device)
        for i, (label, value) in enumerate(ours):
            other = theirs[i][1] if theirs else None
            diff = compare(value, other) if theirs else None
            rows.append((title, label, value, other, diff))
            print(f"  {label}: {_show(value)}", file=out)
            if theirs:
                verdict = "same" if diff == 0 else (f"rel diff {diff:.1e}" if diff is not None else "DIFFERENT")
                print(f"  {'torch':>{len(label)}}: {_show(other)}   [{verdict}]", file=out)
    if graph_dir:
        _save_graph(graph_dir, out)
    return rows


def _show(v):
    if isinstance(v, str) and "\n" in v:
        return "\n    " + v.replace("\n", "\n    ")
    return v


def _save_graph(directory, out):
    """The cubic model's backward graph, as DOT (and SVG if graphviz's `dot` is installed)."""
    from .viz import make_dot
    T = tinygrad_lite
    xx, y, model = _cubic_model(T, "cpu")
    loss = T.nn.MSELoss(reduction="sum")(model(xx), y)
    dot = make_dot(loss, params=dict(model.named_parameters()))
    os.makedirs(directory, exist_ok=True)
    path = dot.render(filename="cubic_graph", directory=directory, format="svg")
    print(f"\ngraph of the cubic model's loss written to {path}", file=out)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m tinygrad_lite.tutorial", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=None, help="cap every training loop at N steps")
    ap.add_argument("--device", default="cpu", help="cpu or cuda")
    ap.add_argument("--graph", metavar="DIR", default=None, help="save the computation graph picture to DIR")
    ap.add_argument("--no-torch", action="store_true", help="do not run torch side by side")
    ap.add_argument("--no-progress", action="store_true", help="no progress bars")
    args = ap.parse_args(argv)
    global _SHOW_PROGRESS
    _SHOW_PROGRESS = not args.no_progress
    rows = run(args.steps, args.device, args.graph, not args.no_torch)
    compared = [r for r in rows if r[3] is not None]
    if compared:
        worst = max((r[4] for r in compared if r[4] is not None), default=0.0)
        different = sum(1 for r in compared if r[4] is None)
        print(f"\n{len(compared)} printed quantities compared with torch: largest relative "
              f"difference {worst:.1e}, {different} different.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
