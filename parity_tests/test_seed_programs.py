"""The seed documents' programs (/work/shared/seeds), each body written once as a function of the
module (`torch` or `tinygrad_lite`) that returns what the program prints. Random initial values
are drawn in NumPy and given to both engines; loops that run 2000+ times in the seeds run fewer
times here. Every printed quantity must agree (float32 values within the reduction-aware
tolerance of helpers.tolerance, Python floats from .item() as float32 tensors).
"""
import importlib
import math

import numpy as np
import pytest
from helpers import assert_same, call, run_both

N_POINTS = 2000  # the seeds' x = linspace(-pi, pi, 2000)


def _have(module_name):
    try:
        importlib.import_module(module_name)
    except ImportError:
        return False
    return True


needs_nn = pytest.mark.skipif(not (_have("tinygrad_lite.nn") and _have("tinygrad_lite.optim")),
                              reason="tinygrad_lite.nn / tinygrad_lite.optim do not exist yet")


def _f32(m, value):
    """A printed Python float, kept as the float32 it came from (compared at float32 tolerance)."""
    return m.tensor(value, dtype=m.float32)


def _initial(count, seed):
    return np.random.default_rng(seed).standard_normal(count)


def _same(program, n=N_POINTS):
    ours, theirs = run_both(program)
    assert_same(ours, theirs, n=n, what="printed quantities")


# seed 000: fitting sin(x) with a cubic, from manual gradients to nn.Module ----------------------
def _seed000_data(m):
    x = m.linspace(-math.pi, math.pi, N_POINTS, device=m.device("cpu"), dtype=m.float)
    return x, m.sin(x)


def test_seed_000_stage1_manual_gradients():
    start = _initial(4, 0)

    def program(m):
        x, y = _seed000_data(m)
        a, b, c, d = (m.tensor(v, dtype=m.float) for v in start)
        printed = []
        learning_rate = 1e-6
        for t in range(300):
            y_pred = a + b * x + c * x ** 2 + d * x ** 3
            loss = (y_pred - y).pow(2).sum().item()
            if t % 100 == 99:
                printed.append((t, _f32(m, loss)))
            grad_y_pred = 2.0 * (y_pred - y)
            grad_a = grad_y_pred.sum()
            grad_b = (grad_y_pred * x).sum()
            grad_c = (grad_y_pred * x ** 2).sum()
            grad_d = (grad_y_pred * x ** 3).sum()
            a -= learning_rate * grad_a
            b -= learning_rate * grad_b
            c -= learning_rate * grad_c
            d -= learning_rate * grad_d
        printed.append([_f32(m, v.item()) for v in (a, b, c, d)])
        return printed
    _same(program)


def test_seed_000_stage2_autograd():
    start = _initial(4, 1)

    def program(m):
        x, y = _seed000_data(m)
        a, b, c, d = (m.tensor(v, dtype=m.float, requires_grad=True) for v in start)
        printed = []
        learning_rate = 1e-6
        for t in range(300):
            y_pred = a + b * x + c * x ** 2 + d * x ** 3
            loss = (y_pred - y).pow(2).sum()
            if t % 100 == 99:
                printed.append((t, _f32(m, loss.item())))
            loss.backward()
            with m.no_grad():
                a -= learning_rate * a.grad
                b -= learning_rate * b.grad
                c -= learning_rate * c.grad
                d -= learning_rate * d.grad
                a.grad = None
                b.grad = None
                c.grad = None
                d.grad = None
        printed.append([_f32(m, v.item()) for v in (a, b, c, d)])
        return printed
    _same(program)


def _polynomial_model(m, weight, bias):
    model = m.nn.Sequential(m.nn.Linear(3, 1), m.nn.Flatten(0, 1))
    with m.no_grad():
        model[0].weight.copy_(m.tensor(weight, dtype=m.float32))
        model[0].bias.copy_(m.tensor(bias, dtype=m.float32))
    return model


def _result(m, linear_layer):
    return [_f32(m, linear_layer.bias.item())] + [_f32(m, linear_layer.weight[:, i].item())
                                                    for i in range(3)]


@needs_nn
def test_seed_000_stage3_nn_module():
    weight, bias = _initial(3, 2).reshape(1, 3) * 0.5, _initial(1, 3) * 0.5

    def program(m):
        x, y = _seed000_data(m)
        p = m.tensor([1, 2, 3])
        xx = x.unsqueeze(-1).pow(p)
        model = _polynomial_model(m, weight, bias)
        loss_fn = m.nn.MSELoss(reduction='sum')
        printed = [xx.shape, xx.dtype, repr(model).replace("tinygrad_lite", "torch")]
        learning_rate = 1e-6
        for t in range(300):
            y_pred = model(xx)
            loss = loss_fn(y_pred, y)
            if t % 100 == 99:
                printed.append((t, _f32(m, loss.item())))
            model.zero_grad()
            loss.backward()
            with m.no_grad():
                for param in model.parameters():
                    param -= learning_rate * param.grad
        printed.append(_result(m, model[0]))
        return printed
    _same(program)


@needs_nn
def test_seed_000_stage4_rmsprop():
    weight, bias = _initial(3, 4).reshape(1, 3) * 0.5, _initial(1, 5) * 0.5

    def program(m):
        x, y = _seed000_data(m)
        p = m.tensor([1, 2, 3])
        xx = x.unsqueeze(-1).pow(p)
        model = _polynomial_model(m, weight, bias)
        loss_fn = m.nn.MSELoss(reduction='sum')
        learning_rate = 1e-3
        optimizer = m.optim.RMSprop(model.parameters(), lr=learning_rate)
        printed = []
        for t in range(300):
            y_pred = model(xx)
            loss = loss_fn(y_pred, y)
            if t % 100 == 99:
                printed.append((t, _f32(m, loss.item())))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        printed.append(_result(m, model[0]))
        return printed
    _same(program)


@needs_nn
def test_seed_000_stage5_custom_module_sgd():
    start = _initial(4, 6)

    def program(m):
        class Polynomial3(m.nn.Module):
            def __init__(self):
                super().__init__()
                # the seed draws these with torch.randn(()); the same NumPy draw goes to both here
                self.a = m.nn.Parameter(m.tensor(start[0], dtype=m.float32))
                self.b = m.nn.Parameter(m.tensor(start[1], dtype=m.float32))
                self.c = m.nn.Parameter(m.tensor(start[2], dtype=m.float32))
                self.d = m.nn.Parameter(m.tensor(start[3], dtype=m.float32))

            def forward(self, x):
                return self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3

            def string(self):
                return [_f32(m, v.item()) for v in (self.a, self.b, self.c, self.d)]

        x, y = _seed000_data(m)
        model = Polynomial3()
        criterion = m.nn.MSELoss(reduction='sum')
        optimizer = m.optim.SGD(model.parameters(), lr=1e-6)
        printed = []
        for t in range(300):
            y_pred = model(x)
            loss = criterion(y_pred, y)
            if t % 100 == 99:
                printed.append((t, _f32(m, loss.item())))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        printed.append(model.string())
        return printed
    _same(program)


# seed 001: Deep Learning with PyTorch, chapters 4-6 (the thermometer) ------------------------------
T_C = [0.5, 14.0, 15.0, 28.0, 11.0, 8.0, 3.0, -4.0, 6.0, 13.0, 21.0]
T_U = [35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4]


def test_seed_001_autograd_training_and_grad_modes():
    def program(m):
        t_c, t_u = m.tensor(T_C), m.tensor(T_U)
        t_un = 0.1 * t_u
        n_val = 2
        train_t_u, val_t_u = t_un[:-n_val], t_un[-n_val:]
        train_t_c, val_t_c = t_c[:-n_val], t_c[-n_val:]

        def model(t_u, w, b):
            return w * t_u + b

        def loss_fn(t_p, t_c):
            return ((t_p - t_c) ** 2).mean()

        params = m.tensor([1.0, 0.0], requires_grad=True)
        printed = [params]
        for epoch in range(1, 501):
            if params.grad is not None:
                params.grad.zero_()
            train_loss = loss_fn(model(train_t_u, *params), train_t_c)
            with m.no_grad():
                val_loss = loss_fn(model(val_t_u, *params), val_t_c)
                assert val_loss.requires_grad is False
            train_loss.backward()
            with m.no_grad():
                params -= 1e-2 * params.grad
            if epoch % 100 == 0:
                printed.append((epoch, train_loss.detach(), val_loss))
        with m.set_grad_enabled(False):
            printed.append(model(t_un, *params).requires_grad)
        printed.append(params)
        return printed
    _same(program, n=11)


@needs_nn
def test_seed_001_activations_and_sequential():
    weight1, bias1 = _initial(13, 7).reshape(13, 1) * 0.5, _initial(13, 8) * 0.5
    weight2, bias2 = _initial(13, 9).reshape(1, 13) * 0.3, _initial(1, 10) * 0.3

    def program(m):
        z = m.linspace(-12, 12, 9)
        printed = [m.nn.Hardtanh()(z), m.sigmoid(z), m.tanh(z),
                   m.nn.Hardtanh(0.0, 10.0)(z)]
        seq_model = m.nn.Sequential(m.nn.Linear(1, 13), m.nn.Tanh(), m.nn.Linear(13, 1))
        with m.no_grad():
            for layer, (w, b) in zip((seq_model[0], seq_model[2]), ((weight1, bias1), (weight2, bias2))):
                layer.weight.copy_(m.tensor(w, dtype=m.float32))
                layer.bias.copy_(m.tensor(b, dtype=m.float32))
        printed.append(repr(seq_model).replace("tinygrad_lite", "torch"))
        printed.append([(name, param.shape) for name, param in seq_model.named_parameters()])
        t_u = m.tensor(T_U).unsqueeze(1) * 0.1
        t_c = m.tensor(T_C).unsqueeze(1)
        optimizer = m.optim.SGD(seq_model.parameters(), lr=1e-3)
        for epoch in range(1, 201):
            loss = m.nn.functional.mse_loss(seq_model(t_u), t_c)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if epoch % 50 == 0:
                printed.append((epoch, loss.detach()))
        printed.append(seq_model[0].weight.grad)
        return printed
    _same(program, n=13 * 11)


# seed 002: activations, autograd.grad, softmax gradients, losses, Himmelblau with Adam ------------
def test_seed_002_activations_and_autograd_grad():
    def program(m):
        z = m.linspace(-1, 1, 6)
        printed = [repr(z).replace("tinygrad_lite", "torch"), m.sigmoid(z), m.tanh(z),
                   m.nn.functional.relu(z) if _have("tinygrad_lite.nn") else m.relu(z)]
        x = m.arange(3).float()
        w = m.tensor([2, 1, 3.])
        printed += [x, w]
        x.requires_grad_()
        printed.append(repr(x).replace("tinygrad_lite", "torch"))
        y = x @ w
        printed.append(repr(y).replace("tinygrad_lite", "torch"))
        printed.append(m.autograd.grad(y, x))
        w.requires_grad_()
        y = x @ w
        dx, dw = m.autograd.grad(y, [x, w])
        printed += [dx, dw]
        x = m.tensor([0, 1., 2.], requires_grad=True)
        w = m.tensor([2, 1, 3.])
        w.requires_grad_()
        y = x @ w
        y.backward()
        printed += [w.grad, x.grad, w.grad.norm()]
        return printed
    _same(program, n=3)


def test_seed_002_softmax_gradients_and_the_slice_error():
    a0 = np.random.default_rng(11).random((3, 4))

    def program(m):
        a = m.tensor(a0, dtype=m.float32)
        a.requires_grad_()
        p = m.softmax(a, dim=0)
        da1 = m.autograd.grad(p[0, 0], a, retain_graph=True)
        wrong = call(m.autograd.grad, p[0, 0], a[:, 0], retain_graph=True)
        da2 = m.autograd.grad(p[0, 1], a, retain_graph=True)
        return a, p, da1, wrong, da2
    _same(program, n=3)


@needs_nn
def test_seed_002_losses():
    z0 = np.random.default_rng(12).random((4, 1))

    def program(m):
        F = m.nn.functional
        x = m.ones(2, 3)
        w = m.full([3, 2], 2.)
        mse = F.mse_loss(m.ones(3, 3), w @ x)
        z = m.tensor(z0, dtype=m.float32)
        pred = m.sigmoid(z)
        y = m.tensor([1, 0, 1, 0], dtype=m.float).view(4, 1)
        bce = m.nn.BCELoss()(pred, y)
        ce_define = -1 / 4 * (y * m.log(pred) + (1 - y) * m.log(1 - pred)).sum()
        z = m.tensor([[4., 3., 2., 1.], [3., 1., 4., 5.]])
        y_hat = m.softmax(z, dim=1)
        ce = F.cross_entropy(z, m.tensor([0, 2]))
        y_true = m.tensor([[1, 0, 0, 0], [0, 0, 1, 0]])
        criteon = m.nn.CrossEntropyLoss()
        return (repr(mse).replace("tinygrad_lite", "torch"), bce, ce_define, F.binary_cross_entropy(pred, y),
                y_hat, y_true, m.log(y_hat), repr(ce).replace("tinygrad_lite", "torch"),
                criteon(z, m.tensor([0, 2])))
    _same(program, n=16)


@needs_nn
def test_seed_002_himmelblau_with_adam():
    def program(m):
        def himmelblau(x):
            return (x[0] ** 2 + x[1] - 11) ** 2 + (x[0] + x[1] ** 2 - 7) ** 2

        x = m.tensor([-4., 0.], requires_grad=True)
        optimizer = m.optim.Adam([x], lr=1e-3)
        printed = []
        for step in range(2000):
            pred = himmelblau(x)
            optimizer.zero_grad()
            pred.backward()
            optimizer.step()
            if step % 400 == 0:
                printed.append((step, m.tensor(x.tolist()), _f32(m, pred.item())))
        return printed
    _same(program, n=400)


def test_seed_002_tolist_and_item():
    def program(m):
        a = m.full((2, 3), 7.)
        b = m.tensor([2])
        c = m.tensor(5.)
        return (a.tolist(), type(a.tolist()).__name__, b.item(), type(b.item()).__name__, c.item(),
                call(a.item))
    _same(program)


# seed 003: from NumPy linear regression to torch -------------------------------------------------
def _seed003_data():
    true_b, true_w, n = 1, 2, 100
    np.random.seed(42)
    x = np.random.rand(n, 1)
    epsilon = (.1 * np.random.randn(n, 1))
    y = true_b + true_w * x + epsilon
    idx = np.arange(n)
    np.random.shuffle(idx)
    train_idx = idx[:int(n * .8)]
    return x[train_idx], y[train_idx]


def test_seed_003_tensors_views_and_numpy():
    x_train, _ = _seed003_data()
    tensor0 = np.random.default_rng(13).standard_normal((2, 3, 4)).astype(np.float32)

    def program(m):
        scalar = m.tensor(3.14159)
        vector = m.tensor([1, 2, 3])
        matrix = m.ones((2, 3), dtype=m.float)
        tensor = m.tensor(tensor0, dtype=m.float)
        printed = [scalar, vector, matrix, tensor.size(), tensor.shape]
        same_matrix = matrix.view(1, 6)
        same_matrix[0, 1] = 2.
        printed += [matrix, same_matrix]
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            different_matrix = matrix.new_tensor(matrix.view(1, 6))
        different_matrix[0, 1] = 3.
        another_matrix = matrix.view(1, 6).clone().detach()
        another_matrix[0, 1] = 4.
        printed += [matrix, different_matrix, another_matrix]
        x_train_tensor = m.as_tensor(x_train)
        printed += [str(x_train.dtype), x_train_tensor.dtype]
        device = 'cuda' if m.cuda.is_available() else 'cpu'
        gpu_tensor = m.as_tensor(x_train).to(device)
        printed += [gpu_tensor[0], gpu_tensor.type(), x_train_tensor.cpu().numpy()[:3].tolist()]
        return printed
    _same(program)


def _seed003_params(m, start, device="cpu"):
    b = m.tensor([start[0]], requires_grad=True, dtype=m.float, device=device)
    w = m.tensor([start[1]], requires_grad=True, dtype=m.float, device=device)
    return b, w


def test_seed_003_autograd_regression():
    x_train, y_train = _seed003_data()
    start = _initial(2, 14)

    def program(m):
        x_train_tensor = m.as_tensor(x_train).float()
        y_train_tensor = m.as_tensor(y_train).float()
        b, w = _seed003_params(m, start)
        lr = 0.1
        printed = []
        for epoch in range(200):
            yhat = b + w * x_train_tensor
            error = (yhat - y_train_tensor)
            loss = (error ** 2).mean()
            loss.backward()
            with m.no_grad():
                b -= lr * b.grad
                w -= lr * w.grad
            b.grad.zero_(), w.grad.zero_()
            if epoch % 50 == 0:
                printed.append(loss.detach())
        printed += [b, w]
        return printed
    _same(program, n=80)


@needs_nn
def test_seed_003_optimizer_loss_and_modules():
    x_train, y_train = _seed003_data()
    start = _initial(2, 15)
    seq = [(_initial(15, 16).reshape(5, 3), _initial(5, 17)), (_initial(5, 18).reshape(1, 5), _initial(1, 19))]

    def program(m):
        nn, optim = m.nn, m.optim

        class ManualLinearRegression(nn.Module):
            def __init__(self):
                super().__init__()
                self.b = nn.Parameter(m.tensor([start[0]], requires_grad=True, dtype=m.float))
                self.w = nn.Parameter(m.tensor([start[1]], requires_grad=True, dtype=m.float))

            def forward(self, x):
                return self.b + self.w * x

        x_train_tensor = m.as_tensor(x_train).float()
        y_train_tensor = m.as_tensor(y_train).float()
        model = ManualLinearRegression().to('cpu')
        printed = [list(model.parameters())]
        optimizer = optim.SGD(model.parameters(), lr=0.1)
        loss_fn = nn.MSELoss(reduction='mean')
        for epoch in range(300):
            model.train()
            yhat = model(x_train_tensor)
            loss = loss_fn(yhat, y_train_tensor)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
        printed.append(model.state_dict())
        model = nn.Sequential()
        model.add_module('layer1', nn.Linear(3, 5))
        model.add_module('layer2', nn.Linear(5, 1))
        model.to('cpu')
        with m.no_grad():
            for layer, (w, b) in zip((model.layer1, model.layer2), seq):
                layer.weight.copy_(m.tensor(w, dtype=m.float32))
                layer.bias.copy_(m.tensor(b, dtype=m.float32))
        printed.append(model.state_dict())
        printed.append(repr(model).replace("tinygrad_lite", "torch"))
        return printed
    _same(program, n=80)


# seed 004: tensors, autograd, a linear regression module -----------------------------------------
def test_seed_004_tensors_and_autograd():
    def program(m):
        x = m.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
        printed = [repr(x).replace("tinygrad_lite", "torch")]
        x = m.tensor([2.0, 3.0], requires_grad=True)
        y = x ** 2
        printed.append(repr(y).replace("tinygrad_lite", "torch"))
        printed.append(call(y.backward))      # the seed calls backward() on a vector: an error
        y.sum().backward()
        printed.append(x.grad)
        return printed
    _same(program)


@needs_nn
def test_seed_004_linear_regression_module():
    x0 = np.random.default_rng(20).standard_normal((100, 1)).astype(np.float32)
    noise = np.random.default_rng(21).standard_normal((100, 1)).astype(np.float32)
    weight, bias = _initial(1, 22).reshape(1, 1), _initial(1, 23)

    def program(m):
        nn = m.nn

        class LinearRegression(nn.Module):
            def __init__(self):
                super(LinearRegression, self).__init__()  # noqa: UP008 - the seed's own line
                self.linear = nn.Linear(1, 1)

            def forward(self, x):
                y = self.linear(x)
                return y

        model = LinearRegression()
        with m.no_grad():
            model.linear.weight.copy_(m.tensor(weight, dtype=m.float32))
            model.linear.bias.copy_(m.tensor(bias, dtype=m.float32))
        printed = [repr(model).replace("tinygrad_lite", "torch")]
        criterion = nn.MSELoss()
        optimizer = m.optim.SGD(model.parameters(), lr=0.01)
        x = m.tensor(x0)
        y = 3 * x + 2 + m.tensor(noise)
        for epoch in range(20):
            y_pred = model(x)
            loss = criterion(y_pred, y)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            printed.append((epoch, _f32(m, loss.item())))
            for name, param in model.named_parameters():
                printed.append((name, param.data))
        x_test = m.tensor([[4.0]])
        y_test = model(x_test)
        printed.append(_f32(m, y_test.item()))
        return printed
    _same(program, n=100)
