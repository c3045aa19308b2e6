"""Benchmark workloads, each written once for the torch API (run on tinygrad_lite and torch) plus a
hand-written NumPy forward+backward: the floor a NumPy engine cannot beat.

Each workload is `make(engine, size)` -> a zero-argument `step` callable; `engine` is the module
(`torch` or `tinygrad_lite`) or the string "numpy".
"""
import math

import numpy as np

RNG = np.random.default_rng(0)


def _data(*shape, dtype=np.float32):
    return RNG.standard_normal(shape).astype(dtype)


# ---- the seeds' cubic fit of sin(x) (seed 000) --------------------------------------------
def cubic_manual(T):
    """Seed 000 stage 1: forward and gradients by hand on tensors."""
    if T == "numpy":
        x = np.linspace(-math.pi, math.pi, 2000, dtype=np.float32)
        y = np.sin(x)
        p = np.array([0.1, -0.2, 0.3, 0.05], np.float32)

        def step():
            a, b, c, d = p
            y_pred = a + b * x + c * x ** 2 + d * x ** 3
            loss = float(((y_pred - y) ** 2).sum())
            g = 2.0 * (y_pred - y)
            grads = np.array([g.sum(), (g * x).sum(), (g * x ** 2).sum(), (g * x ** 3).sum()], np.float32)
            p[:] -= 1e-6 * grads
            return loss
        return step
    x = T.linspace(-math.pi, math.pi, 2000)
    y = T.sin(x)
    a, b, c, d = (T.tensor(v) for v in (0.1, -0.2, 0.3, 0.05))

    def step():
        nonlocal a, b, c, d
        y_pred = a + b * x + c * x ** 2 + d * x ** 3
        loss = (y_pred - y).pow(2).sum().item()
        grad_y_pred = 2.0 * (y_pred - y)
        grad_a, grad_b = grad_y_pred.sum(), (grad_y_pred * x).sum()
        grad_c, grad_d = (grad_y_pred * x ** 2).sum(), (grad_y_pred * x ** 3).sum()
        a -= 1e-6 * grad_a
        b -= 1e-6 * grad_b
        c -= 1e-6 * grad_c
        d -= 1e-6 * grad_d
        return loss
    return step


def cubic_autograd(T):
    """Seed 000 stage 2: the same fit with backward() and a manual update under no_grad."""
    if T == "numpy":
        return cubic_manual("numpy")
    x = T.linspace(-math.pi, math.pi, 2000)
    y = T.sin(x)
    params = [T.tensor(v, requires_grad=True) for v in (0.1, -0.2, 0.3, 0.05)]

    def step():
        a, b, c, d = params
        y_pred = a + b * x + c * x ** 2 + d * x ** 3
        loss = (y_pred - y).pow(2).sum()
        loss.backward()
        with T.no_grad():
            for p in params:
                p -= 1e-6 * p.grad
                p.grad = None
        return loss.item()
    return step


def _numpy_cubic_linear(update):
    """NumPy floor for the nn stages: xx @ w.T + b, summed squared error, hand gradients."""
    x = np.linspace(-math.pi, math.pi, 2000, dtype=np.float32)
    y = np.sin(x)
    xx = np.stack([x, x ** 2, x ** 3], 1)
    w = np.array([[0.1, -0.2, 0.3]], np.float32)
    b = np.array([0.05], np.float32)
    state = {}

    def step():
        pred = (xx @ w.T + b).reshape(-1)
        err = pred - y
        loss = float((err * err).sum())
        g = 2.0 * err
        update(state, (w, b), ((g[None, :] @ xx), np.array([g.sum()], np.float32)))
        return loss
    return step


def _sgd_update(state, params, grads):
    for p, g in zip(params, grads):
        p -= 1e-6 * g


def _rmsprop_update(state, params, grads):
    for i, (p, g) in enumerate(zip(params, grads)):
        sq = state.setdefault(i, np.zeros_like(p))
        sq *= 0.99
        sq += 0.01 * g * g
        p -= 1e-3 * g / (np.sqrt(sq) + 1e-8)


def _cubic_model(T):
    x = T.linspace(-math.pi, math.pi, 2000)
    y = T.sin(x)
    xx = x.unsqueeze(-1).pow(T.tensor([1, 2, 3]))
    model = T.nn.Sequential(T.nn.Linear(3, 1), T.nn.Flatten(0, 1))
    with T.no_grad():
        model[0].weight.copy_(T.tensor([[0.1, -0.2, 0.3]]))
        model[0].bias.fill_(0.05)
    return xx, y, model, T.nn.MSELoss(reduction="sum")


def cubic_nn_sgd(T):
    """Seed 000 stage 3: nn.Sequential(Linear, Flatten), MSELoss(sum), manual SGD."""
    if T == "numpy":
        return _numpy_cubic_linear(_sgd_update)
    xx, y, model, loss_fn = _cubic_model(T)

    def step():
        loss = loss_fn(model(xx), y)
        model.zero_grad()
        loss.backward()
        with T.no_grad():
            for param in model.parameters():
                param -= 1e-6 * param.grad
        return loss.item()
    return step


def cubic_rmsprop(T):
    """Seed 000 stage 4: the same model trained with optim.RMSprop."""
    if T == "numpy":
        return _numpy_cubic_linear(_rmsprop_update)
    xx, y, model, loss_fn = _cubic_model(T)
    opt = T.optim.RMSprop(model.parameters(), lr=1e-3)

    def step():
        loss = loss_fn(model(xx), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()
    return step


def himmelblau_adam(T):
    """Seed 002: Adam on a 2-parameter function (a tiny graph, dispatch-bound)."""
    if T == "numpy":
        x = np.array([-4.0, 0.0], np.float32)
        m, v = np.zeros(2, np.float32), np.zeros(2, np.float32)
        t = [0]

        def step():
            a, b = x
            f1, f2 = a * a + b - 11, a + b * b - 7
            loss = f1 * f1 + f2 * f2
            g = np.array([4 * a * f1 + 2 * f2, 2 * f1 + 4 * b * f2], np.float32)
            t[0] += 1
            m[:] = 0.9 * m + 0.1 * g
            v[:] = 0.999 * v + 0.001 * g * g
            mhat, vhat = m / (1 - 0.9 ** t[0]), v / (1 - 0.999 ** t[0])
            x[:] -= 1e-3 * mhat / (np.sqrt(vhat) + 1e-8)
            return float(loss)
        return step
    x = T.tensor([-4., 0.], requires_grad=True)
    opt = T.optim.Adam([x], lr=1e-3)

    def step():
        pred = (x[0] ** 2 + x[1] - 11) ** 2 + (x[0] + x[1] ** 2 - 7) ** 2
        opt.zero_grad()
        pred.backward()
        opt.step()
        return pred.item()
    return step


def linreg(T):
    """Seed 003: ManualLinearRegression-style model with SGD and MSELoss on 80 points."""
    x = RNG.random((80, 1)).astype(np.float32)
    y = (1 + 2 * x + 0.1 * RNG.standard_normal((80, 1))).astype(np.float32)
    if T == "numpy":
        p = np.array([0.3367, 0.1288], np.float32)

        def step():
            err = p[0] + p[1] * x - y
            loss = float((err ** 2).mean())
            p[:] -= 0.1 * np.array([2 * err.mean(), 2 * (x * err).mean()], np.float32)
            return loss
        return step
    xt, yt = T.as_tensor(x), T.as_tensor(y)
    b = T.nn.Parameter(T.tensor([0.3367]))
    w = T.nn.Parameter(T.tensor([0.1288]))
    opt = T.optim.SGD([b, w], lr=0.1)
    loss_fn = T.nn.MSELoss()

    def step():
        loss = loss_fn(b + w * xt, yt)
        loss.backward()
        opt.step()
        opt.zero_grad()
        return loss.item()
    return step


def tiny_graph(T):
    """~20 ops on 3-element tensors and a backward: pure per-op overhead."""
    xv, wv = _data(3), _data(3)
    if T == "numpy":
        def step():
            h = np.tanh(xv * wv + 1.0)
            s = np.exp(-h) + h * h
            loss = s.sum()
            ds = np.ones(3, np.float32)
            dh = ds * (-np.exp(-h) + 2 * h)
            dz = dh * (1 - h * h)
            return float(loss), dz * xv, dz * wv
        return step
    x = T.tensor(xv, requires_grad=True)
    w = T.tensor(wv, requires_grad=True)

    def step():
        h = (x * w + 1.0).tanh()
        s = (-h).exp() + h * h
        loss = s.sum()
        loss.backward()
        x.grad = None
        w.grad = None
        return loss.item()
    return step


def _mlp_numpy(batch):
    sizes = (784, 256, 256, 10)
    Ws = [(_data(o, i) / math.sqrt(i)) for i, o in zip(sizes[:-1], sizes[1:])]
    bs = [np.zeros(o, np.float32) for o in sizes[1:]]
    params = Ws + bs
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    xb, yb = _data(batch, 784), RNG.integers(0, 10, batch)
    t = [0]

    def step():
        h1 = xb @ Ws[0].T + bs[0]
        a1 = np.maximum(h1, 0)
        h2 = a1 @ Ws[1].T + bs[1]
        a2 = np.maximum(h2, 0)
        logits = a2 @ Ws[2].T + bs[2]
        shifted = logits - logits.max(1, keepdims=True)
        logp = shifted - np.log(np.exp(shifted).sum(1, keepdims=True))
        loss = -logp[np.arange(batch), yb].mean()
        dlogits = np.exp(logp)
        dlogits[np.arange(batch), yb] -= 1
        dlogits /= batch
        gW3, gb3 = dlogits.T @ a2, dlogits.sum(0)
        da2 = dlogits @ Ws[2]
        dh2 = da2 * (h2 > 0)
        gW2, gb2 = dh2.T @ a1, dh2.sum(0)
        da1 = dh2 @ Ws[1]
        dh1 = da1 * (h1 > 0)
        gW1, gb1 = dh1.T @ xb, dh1.sum(0)
        grads = [gW1, gW2, gW3, gb1, gb2, gb3]
        t[0] += 1
        bc1, bc2 = 1 - 0.9 ** t[0], 1 - 0.999 ** t[0]
        for p, g, mi, vi in zip(params, grads, m, v):
            mi *= 0.9
            mi += 0.1 * g
            vi *= 0.999
            vi += 0.001 * g * g
            p -= (1e-3 / bc1) * mi / (np.sqrt(vi) / math.sqrt(bc2) + 1e-8)
        return float(loss)
    return step


def _mlp(T, batch):
    if T == "numpy":
        return _mlp_numpy(batch)
    model = T.nn.Sequential(T.nn.Linear(784, 256), T.nn.ReLU(), T.nn.Linear(256, 256), T.nn.ReLU(),
                            T.nn.Linear(256, 10))
    opt = T.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = T.nn.CrossEntropyLoss()
    xb = T.tensor(_data(batch, 784))
    yb = T.tensor(RNG.integers(0, 10, batch))

    def step():
        loss = loss_fn(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()
    return step


def mlp_adam_32(T):
    """784-256-256-10 MLP, cross-entropy, Adam, batch 32."""
    return _mlp(T, 32)


def mlp_adam_512(T):
    """784-256-256-10 MLP, cross-entropy, Adam, batch 512."""
    return _mlp(T, 512)


def elementwise_chain(T, n=1_000_000):
    """A chain of elementwise ops on 10^6 elements, forward and backward."""
    xv = _data(n)
    if T == "numpy":
        def step():
            a = xv * 1.5 + 0.5
            s = np.sin(a)
            b = s * xv
            t = np.tanh(b)
            loss = t.sum()
            db = 1 - t * t
            ds = db * xv
            dx = db * s + ds * np.cos(a) * 1.5
            return float(loss), dx
        return step
    x = T.tensor(xv, requires_grad=True)

    def step():
        loss = ((x * 1.5 + 0.5).sin() * x).tanh().sum()
        loss.backward()
        x.grad = None
        return loss.item()
    return step


def matmul_chain(T, n=512):
    """(A @ B).relu() @ C, summed, backward: BLAS-bound."""
    av, bv, cv = _data(n, n), _data(n, n), _data(n, n)
    if T == "numpy":
        def step():
            h = av @ bv
            r = np.maximum(h, 0)
            out = r @ cv
            g = np.ones_like(out)
            gr = g @ cv.T
            gc = r.T @ g
            gh = gr * (h > 0)
            return float(out.sum()), gh @ bv.T, av.T @ gh, gc
        return step
    a, b, c = (T.tensor(v, requires_grad=True) for v in (av, bv, cv))

    def step():
        loss = ((a @ b).relu() @ c).sum()
        loss.backward()
        for t in (a, b, c):
            t.grad = None
        return loss.item()
    return step


def softmax_xent(T, batch=4096, classes=1000):
    """Cross-entropy on large logits (scaled by 30 so exp would overflow without the max shift)."""
    lv = _data(batch, classes) * 30
    yv = RNG.integers(0, classes, batch)
    if T == "numpy":
        def step():
            shifted = lv - lv.max(1, keepdims=True)
            e = np.exp(shifted)
            s = e.sum(1, keepdims=True)
            logp = shifted - np.log(s)
            loss = -logp[np.arange(batch), yv].mean()
            g = e / s
            g[np.arange(batch), yv] -= 1
            return float(loss), g / batch
        return step
    logits = T.tensor(lv, requires_grad=True)
    target = T.tensor(yv)

    def step():
        loss = T.nn.functional.cross_entropy(logits, target)
        loss.backward()
        logits.grad = None
        return loss.item()
    return step


WORKLOADS = {
    "cubic_manual": (cubic_manual, "small"),
    "cubic_autograd": (cubic_autograd, "small"),
    "cubic_nn_sgd": (cubic_nn_sgd, "small"),
    "cubic_rmsprop": (cubic_rmsprop, "small"),
    "himmelblau_adam": (himmelblau_adam, "small"),
    "linreg_sgd": (linreg, "small"),
    "tiny_graph": (tiny_graph, "small"),
    "mlp_adam_b32": (mlp_adam_32, "medium"),
    "mlp_adam_b512": (mlp_adam_512, "large"),
    "elementwise_1e6": (elementwise_chain, "large"),
    "matmul_chain_512": (matmul_chain, "large"),
    "softmax_xent_4096x1000": (softmax_xent, "large"),
}
