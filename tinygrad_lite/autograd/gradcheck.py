"""Finite-difference gradient checks (float64), with torch's defaults."""
import numpy as np


class GradcheckError(RuntimeError):
    pass


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _numerical_jacobian(fn, inputs, i, eps):
    """d(flattened outputs)/d(inputs[i]) by central differences."""
    from ..tensor import Tensor
    x = inputs[i]

    def outputs():  # copied: an output may be a view of the input being perturbed
        outs = [o for o in _as_tuple(fn(*inputs)) if isinstance(o, Tensor)]
        return np.concatenate([o.detach().double().numpy().reshape(-1) for o in outs]) \
            if outs else np.zeros(0)

    flat = x.detach().reshape(-1)  # writes through it perturb x without recording a graph
    cols = []
    for j in range(x.numel()):
        orig = flat[j].item()
        flat[j] = orig + eps
        plus = outputs()
        flat[j] = orig - eps
        minus = outputs()
        flat[j] = orig
        cols.append((plus - minus) / (2 * eps))
    if not cols:
        return np.zeros((outputs().size, 0))
    return np.stack(cols, axis=1)


def _analytical_jacobian(fn, inputs, i, create_graph=False):
    from ..tensor import Tensor
    from . import grad as autograd_grad
    outputs = [o for o in _as_tuple(fn(*inputs)) if isinstance(o, Tensor)]
    rows = []
    for o in outputs:
        flat = o.reshape(-1)
        for k in range(flat.numel()):
            if not o.requires_grad:
                rows.append(np.zeros(inputs[i].numel()))
                continue
            (g,) = autograd_grad(flat[k], inputs[i], retain_graph=True, allow_unused=True)
            rows.append(np.zeros(inputs[i].numel()) if g is None else g.detach().reshape(-1).double().numpy())
    return np.stack(rows, axis=0) if rows else np.zeros((0, inputs[i].numel()))


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, **_):
    """Compare analytical and numerical Jacobians for every input that requires grad."""
    from ..tensor import Tensor
    inputs = _as_tuple(inputs)
    for i, x in enumerate(inputs):
        if not (isinstance(x, Tensor) and x.requires_grad):
            continue
        if x.dtype.name != "float64":
            import warnings
            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating "
                          "point. This check will likely fail if all the inputs are not of double "
                          "precision floating point.")
        numerical = _numerical_jacobian(func, inputs, i, eps)
        analytical = _analytical_jacobian(func, inputs, i)
        if numerical.shape != analytical.shape or not np.allclose(analytical, numerical, rtol=rtol, atol=atol):
            if raise_exception:
                raise GradcheckError(f"Jacobian mismatch for output 0 with respect to input {i},\n"
                                     f"numerical:{numerical}\nanalytical:{analytical}\n")
            return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  raise_exception=True, **_):
    """gradcheck of the function inputs -> d(func)/d(inputs) . grad_outputs (built with create_graph)."""
    from ..tensor import Tensor
    from . import grad as autograd_grad
    from ..creation import randn
    inputs = _as_tuple(inputs)
    outputs = [o for o in _as_tuple(func(*inputs)) if isinstance(o, Tensor)]
    if grad_outputs is None:
        grad_outputs = [randn(o.shape, dtype=o.dtype).requires_grad_() for o in outputs]
    grad_outputs = list(_as_tuple(grad_outputs))
    diff_idx = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]

    def first_grads(*args):
        ins, gos = args[:len(inputs)], args[len(inputs):]
        outs = [o for o in _as_tuple(func(*ins)) if isinstance(o, Tensor)]
        grads = autograd_grad(outs, [ins[i] for i in diff_idx], gos, create_graph=True, allow_unused=True)
        return tuple(g if g is not None else ins[i].new_zeros(ins[i].shape) for g, i in zip(grads, diff_idx))

    return gradcheck(first_grads, tuple(inputs) + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
