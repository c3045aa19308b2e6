"""The seeds' walkthrough, step by step: python -m tinygrad_lite.tutorial [--steps N] [--graph DIR]

Every step is one program written once against the torch API and run on tinygrad_lite and, when a
reference module is handed in, on it too (real torch: scripts/compare_tutorial.py) from identical
initial values; the printed quantities are shown side by side with their largest relative
difference. The package itself never imports torch.

One stage is compared over a short horizon only: RMSprop on the cubic fit is chaotic after about
120 steps (in float64, a 1e-16 change of the initial bias stays 1e-16 until step 120 and grows to
1e-6 by step 180), so float32 rounding alone makes any two engines part ways there. Its numbers
are compared with torch's up to step 100; later ones are shown side by side, not compared.
"""
import argparse
import math
import os
import shutil
import sys
from typing import NamedTuple

import numpy as np

import tinygrad_lite

INIT = (0.1, -0.2, 0.3, 0.05)  # the same a, b, c, d on both engines
RMSPROP_HORIZON = 100  # steps over which the RMSprop stage is still well-conditioned (measured)


class Row(NamedTuple):
    """One printed quantity; `compared` is False past a chaotic stage's horizon."""
    label: str
    value: object
    compared: bool = True


# ---- the programs (each takes the module `T`, returns [(label, value), ...]) -------------------
def storage_and_views(T, steps, device):
    """Seeds 001/003: a tensor is a view of a flat storage (offset, size, stride)."""
    matrix = T.ones((2, 3), dtype=T.float, device=device)
    same_matrix = matrix.view(1, 6)
    same_matrix[0, 1] = 2.
    different = matrix.view(1, 6).clone().detach()
    different[0, 1] = 3.
    t = T.arange(6., device=device).view(2, 3).t()
    return [("matrix after writing through view(1, 6)", matrix.tolist()),
            ("clone().detach() is a copy", different.tolist()),
            ("t() strides", list(t.stride())), ("t() is_contiguous", t.is_contiguous()),
            ("t()[1:] storage_offset", t[1:].storage_offset()),
            ("t().contiguous() strides", list(t.contiguous().stride()))]


def _cubic_data(T, device):
    x = T.linspace(-math.pi, math.pi, 2000, device=device)
    return x, T.sin(x)


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
    """Seed 000's (x, x^2, x^3) features and its nn.Sequential(Linear(3, 1), Flatten(0, 1))."""
    x, y = _cubic_data(T, device)
    xx = x.unsqueeze(-1).pow(T.tensor([1, 2, 3], device=device))
    model = T.nn.Sequential(T.nn.Linear(3, 1), T.nn.Flatten(0, 1)).to(device)
    with T.no_grad():
        model[0].weight.copy_(T.tensor([INIT[1:]]))
        model[0].bias.fill_(INIT[0])
    return xx, y, model


def _bias_weight(model):
    layer = model[0]
    return [layer.bias.item()] + [w.item() for w in layer.weight[0]]


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
    return out + [("bias, weight", _bias_weight(model))]


def cubic_rmsprop(T, steps, device):
    """Seed 000 stage 4: the same model trained by optim.RMSprop(lr=1e-3).

    Chaotic after about 120 steps, so rows past RMSPROP_HORIZON are shown but not compared."""
    xx, y, model = _cubic_model(T, device)
    loss_fn = T.nn.MSELoss(reduction="sum")
    optimizer = T.optim.RMSprop(model.parameters(), lr=1e-3)
    out = []
    for t in _progress(range(steps), "RMSprop"):
        loss = loss_fn(model(xx), y)
        if t % 100 == 99:
            out.append(Row(f"loss at step {t}", loss.item(), t < RMSPROP_HORIZON))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if t + 1 == RMSPROP_HORIZON and steps > RMSPROP_HORIZON:
            out.append(Row(f"bias, weight after {t + 1} steps", _bias_weight(model)))
    return out + [Row(f"bias, weight after {steps} steps", _bias_weight(model),
                      steps <= RMSPROP_HORIZON)]


def _polynomial3(T):
    class Polynomial3(T.nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b, self.c, self.d = (T.nn.Parameter(T.tensor(v)) for v in INIT)

        def forward(self, x):
            return self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3
    return Polynomial3()


def cubic_module(T, steps, device):
    """Seed 000 stage 5: a custom nn.Module with four Parameters, SGD(lr=1e-6)."""
    x, y = _cubic_data(T, device)
    model = _polynomial3(T).to(device)
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
    return out + [("a, b, c, d", [model.a.item(), model.b.item(), model.c.item(), model.d.item()])]


def _linreg_data():
    """Seed 003's data: y = 1 + 2x + noise, 80 of 100 shuffled points for training."""
    rng = np.random.RandomState(42)
    x = rng.rand(100, 1)
    y = 1 + 2 * x + .1 * rng.randn(100, 1)
    idx = np.arange(100)
    rng.shuffle(idx)
    return x[idx[:80]], y[idx[:80]]


def _manual_linear_regression(T):
    class ManualLinearRegression(T.nn.Module):
        def __init__(self):
            super().__init__()
            self.b = T.nn.Parameter(T.tensor([0.3367], dtype=T.float))
            self.w = T.nn.Parameter(T.tensor([0.1288], dtype=T.float))

        def forward(self, x):
            return self.b + self.w * x
    return ManualLinearRegression()


def linear_regression(T, steps, device):
    """Seed 003: from NumPy to a Module: autograd, SGD, MSELoss, state_dict."""
    x_train, y_train = _linreg_data()
    x = T.as_tensor(x_train).float().to(device)
    y = T.as_tensor(y_train).float().to(device)
    model = _manual_linear_regression(T).to(device)
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
    z = T.linspace(-1, 1, 6, device=device)
    x = T.ones(2, 3, device=device)
    w = T.full([3, 2], 2., device=device)
    logits = T.tensor([[4., 3., 2., 1.], [3., 1., 4., 5.]], device=device)
    p = T.tensor([0.6, 0.3, 0.8, 0.2], device=device).view(4, 1)
    target = T.tensor([1., 0., 1., 0.], device=device).view(4, 1)
    a = T.tensor([[0.1, 0.5, 0.2, 0.9], [0.3, 0.8, 0.6, 0.4], [0.7, 0.2, 0.9, 0.1]],
                 device=device, requires_grad=True)
    soft = T.softmax(a, dim=0)
    (da,) = T.autograd.grad(soft[0, 0], a, retain_graph=True)
    return [("linspace(-1, 1, 6)", repr(z.cpu())), ("sigmoid", repr(T.sigmoid(z).cpu())),
            ("tanh", repr(T.tanh(z).cpu())), ("relu", repr(F.relu(z).cpu())),
            ("d softmax[0,0] / d a", da.tolist()),
            ("mse_loss(ones(3,3), w @ x)", F.mse_loss(T.ones(3, 3, device=device), w @ x).item()),
            ("BCELoss", T.nn.BCELoss()(p, target).item()),
            ("BCE by definition", (-1 / 4 * (target * T.log(p) + (1 - target) * T.log(1 - p)).sum()).item()),
            ("binary_cross_entropy", F.binary_cross_entropy(p, target).item()),
            ("cross_entropy", F.cross_entropy(logits, T.tensor([0, 2], device=device)).item())]


class Step(NamedTuple):
    """One stage of the walkthrough: its program, its default loop length, a note printed under it."""
    title: str
    program: object
    default_steps: int
    note: str = ""


STEPS = [
    Step("Tensors are views of a flat storage", storage_and_views, 0),
    Step("Cubic fit: manual gradients", cubic_manual, 2000),
    Step("Cubic fit: autograd", cubic_autograd, 2000),
    Step("Cubic fit: nn.Sequential", cubic_nn, 2000),
    Step("Cubic fit: optim.RMSprop", cubic_rmsprop, 2000,
         f"note: RMSprop is chaotic here after ~120 steps (in float64 a 1e-16 change of the initial "
         f"bias grows to 1e-6 by step 180), so torch is compared up to step {RMSPROP_HORIZON} only"),
    Step("Cubic fit: custom nn.Module", cubic_module, 2000),
    Step("Linear regression: NumPy to Module", linear_regression, 1000),
    Step("Himmelblau with Adam", himmelblau, 20000),
    Step("Activations, softmax gradient, losses", activations_and_losses, 0),
]


# ---- running and reporting -------------------------------------------------------------------
_show_progress = False  # set by run()


def _progress(iterable, desc):
    """A tqdm progress bar on stderr for the long loops (when tqdm is installed)."""
    if not _show_progress or len(iterable) < 500:
        return iterable
    try:
        from tqdm import tqdm
    except ImportError:
        return iterable
    return tqdm(iterable, desc=f"  {desc}", leave=False, file=sys.stderr)


def _flatten(v):
    if isinstance(v, (list, tuple)):
        return [item for x in v for item in _flatten(x)]
    return [v]


def compare(ours, theirs):
    """Largest relative difference between two printed values: 0.0 when equal, inf when they do
    not match in kind (strings, lengths)."""
    a, b = _flatten(ours), _flatten(theirs)
    if len(a) != len(b):
        return math.inf
    worst = 0.0
    for x, y in zip(a, b):
        if isinstance(x, str) or isinstance(y, str):
            if not isinstance(y, str) or x != y.replace("torch", "tinygrad_lite"):
                return math.inf
        elif x != y and not (math.isnan(x) and math.isnan(y)):
            worst = max(worst, abs(x - y) / max(abs(x), abs(y)))
    return worst


def _verdict(diff):
    if diff is None:
        return "not compared: past the chaotic horizon"
    return "same" if diff == 0 else "DIFFERENT" if diff == math.inf else f"rel diff {diff:.1e}"


def _reference_device(reference, device, out):
    """The device the reference engine runs on: the CPU when it has no CUDA."""
    if device.startswith("cuda") and not reference.cuda.is_available():
        print("the reference engine has no CUDA: its column is computed on the CPU", file=out)
        return "cpu"
    return device


def run(step_limit=None, device="cpu", graph_dir=None, reference=None, out=None, progress=False):
    """Run every step, printing to `out` (stdout); return
    [(step title, label, ours, torch's or None, rel diff or None)]. `reference` is the module to run
    side by side (torch, imported by the caller) or None for tinygrad_lite's numbers alone."""
    global _show_progress
    out = out or sys.stdout
    _show_progress = progress
    torch = reference
    if torch is None:
        print("no reference engine: showing tinygrad_lite's numbers only (scripts/tutorial.sh, or "
              "python scripts/compare_tutorial.py, runs torch side by side)", file=out)
    else:
        torch_device = _reference_device(torch, device, out)
    rows = []
    for step in STEPS:
        steps = step.default_steps if step_limit is None else min(step.default_steps, step_limit)
        print(f"\n== {step.title} ==  ({step.program.__doc__.splitlines()[0]})", file=out)
        if step.note:
            print(f"  {step.note}", file=out)
        tinygrad_lite.manual_seed(0)
        ours = [Row(*r) for r in step.program(tinygrad_lite, steps, device)]
        theirs = None
        if torch is not None:
            torch.manual_seed(0)
            theirs = [Row(*r) for r in step.program(torch, steps, torch_device)]
        for i, row in enumerate(ours):
            print(f"  {row.label}: {_show(row.value)}", file=out)
            other = diff = None
            if theirs is not None:
                other = theirs[i].value
                diff = compare(row.value, other) if row.compared else None
                print(f"  {'torch':>{len(row.label)}}: {_show(other)}   [{_verdict(diff)}]", file=out)
            rows.append((step.title, row.label, row.value, other, diff))
    if graph_dir:
        _save_graphs(graph_dir, out)
    _summary(rows, out)
    return rows


def _summary(rows, out):
    shown = [r for r in rows if r[3] is not None]
    if not shown:
        return
    diffs = [r[4] for r in shown if r[4] is not None]
    worst = max((d for d in diffs if d != math.inf), default=0.0)
    print(f"\n{len(diffs)} printed quantities compared with torch: largest relative difference "
          f"{worst:.1e}, {diffs.count(math.inf)} different; {len(shown) - len(diffs)} shown past a "
          f"chaotic horizon, not compared.", file=out)


def _show(v):
    if isinstance(v, str) and "\n" in v:
        return "\n    " + v.replace("\n", "\n    ")
    return v


def _graphs():
    """(file name, output tensor, params) for the pictures --graph saves."""
    T = tinygrad_lite
    xx, y, model = _cubic_model(T, "cpu")
    yield "cubic_sequential", T.nn.MSELoss(reduction="sum")(model(xx), y), dict(model.named_parameters())
    x, y = _cubic_data(T, "cpu")
    poly = _polynomial3(T)
    yield "cubic_polynomial3", T.nn.MSELoss(reduction="sum")(poly(x), y), dict(poly.named_parameters())
    x_train, _ = _linreg_data()
    linreg = _manual_linear_regression(T)
    yield "linear_regression_yhat", linreg(T.as_tensor(x_train).float()), dict(linreg.named_parameters())


def _save_graphs(directory, out):
    """The backward graphs of three seed programs, as DOT text and, if `dot` exists, SVG."""
    from .viz import make_dot
    has_dot = shutil.which("dot") is not None
    print(file=out)
    for name, tensor, params in _graphs():
        dot = make_dot(tensor, params=params)
        path = dot.save(filename=f"{name}.gv", directory=directory)
        if has_dot:
            path = dot.render(filename=f"{name}.gv", directory=directory, format="svg")
        print(f"graph written to {path}", file=out)
    if not has_dot:
        print("(graphviz's `dot` program is not installed, so the graphs are DOT text: "
              f"apt-get install graphviz, or paste them into any DOT viewer; in {os.path.abspath(directory)})",
              file=out)


def main(argv=None, reference=None):
    """The command line: python -m tinygrad_lite.tutorial [--steps N] [--device D] [--graph DIR].
    scripts/compare_tutorial.py calls it with reference=torch."""
    ap = argparse.ArgumentParser(prog="python -m tinygrad_lite.tutorial", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=None, help="cap every training loop at N steps")
    ap.add_argument("--device", default="cpu", help="cpu or cuda")
    ap.add_argument("--graph", metavar="DIR", default=None,
                    help="save pictures of the computation graphs to DIR")
    ap.add_argument("--no-progress", action="store_true", help="no progress bars")
    args = ap.parse_args(argv)
    run(args.steps, args.device, args.graph, reference, progress=not args.no_progress)
    return 0


if __name__ == "__main__":
    sys.exit(main())
