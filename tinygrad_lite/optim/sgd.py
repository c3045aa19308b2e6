"""SGD with optional momentum, dampening, Nesterov momentum, weight decay and maximize."""
from typing import ClassVar

from ..tensor import Tensor
from .optimizer import (Optimizer, add_scaled, arr, check_lr, check_nonnegative,
                        check_not_fused_with, gradient, mul_, optimizer_step, scalar, written)


class SGD(Optimizer):
    """Stochastic gradient descent, as torch.optim.SGD (single-tensor formulas)."""

    _group_fallbacks: ClassVar[dict] = {"nesterov": False, "maximize": False, "foreach": None,
                                        "differentiable": False, "fused": False}

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False,
                 *, maximize=False, foreach=None, differentiable=False, fused=None):
        check_lr(lr)
        check_nonnegative("momentum", momentum)
        check_nonnegative("weight_decay", weight_decay)
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening,
                    "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize,
                    "foreach": foreach, "differentiable": differentiable, "fused": fused}
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)
        check_not_fused_with(fused, foreach)

    @optimizer_step
    def step(self):
        """Perform a single optimization step."""
        for group in self.param_groups:
            lr, momentum = scalar(group["lr"]), group["momentum"]
            weight_decay, dampening = group["weight_decay"], group["dampening"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                param, grad = arr(p), gradient(p, group["maximize"])
                if weight_decay != 0:
                    grad = add_scaled(grad, scalar(weight_decay), param)
                if momentum != 0:
                    state = self.state[p]
                    buffer = state.get("momentum_buffer")
                    if buffer is None:  # the first buffer is a copy of the gradient
                        copy = grad.copy(order="K").reshape(p.shape)
                        buffer = state["momentum_buffer"] = Tensor._make(copy)
                    else:
                        mul_(arr(buffer), momentum)
                        add_scaled(arr(buffer), 1 - dampening, grad, out=arr(buffer))
                        written(buffer)
                    buf = arr(buffer)
                    grad = add_scaled(grad, momentum, buf) if group["nesterov"] else buf
                add_scaled(param, -lr, grad, out=param)
                written(p)
