"""torch.autograd: Function, backward, grad, grad modes, gradcheck."""
from .function import Function, Node, AccumulateGrad  # noqa: F401
from .grad_mode import (no_grad, enable_grad, set_grad_enabled, is_grad_enabled,  # noqa: F401
                        inference_mode)
from .engine import run_backward
from .gradcheck import gradcheck, gradgradcheck  # noqa: F401
from .anomaly import (detect_anomaly, set_detect_anomaly, is_anomaly_enabled,  # noqa: F401
                      is_anomaly_check_nan_enabled, set_anomaly_enabled)


def _tensors(x):
    from ..tensor import Tensor
    if x is None:
        return None
    return [x] if isinstance(x, Tensor) else list(x)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate gradients of `tensors` into the leaves' `.grad`."""
    tensors = _tensors(tensors)
    grads = _tensors(grad_tensors) or [None] * len(tensors)
    run_backward(tensors, grads, retain_graph, create_graph, inputs=_tensors(inputs))


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """The gradients of `outputs` with respect to `inputs`, returned as a tuple (no `.grad` set)."""
    from ..tensor import Tensor
    outputs = _tensors(outputs)
    inputs_list = _tensors(inputs)
    grads = _tensors(grad_outputs) or [None] * len(outputs)
    if allow_unused is None:
        allow_unused = materialize_grads
    result = run_backward(outputs, grads, retain_graph, create_graph, inputs=inputs_list,
                          accumulate=False, allow_unused=allow_unused)
    if materialize_grads:
        result = tuple(g if g is not None else Tensor._full(t._shape, 0, t._dtype, t.device)
                       for g, t in zip(result, inputs_list))
    return result
