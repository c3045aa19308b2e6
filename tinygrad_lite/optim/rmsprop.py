"""RMSprop (eps added outside the square root), optionally centered and with momentum."""
from typing import ClassVar

from .. import backend
from .optimizer import (Optimizer, add_scaled, addcdiv_, addcmul_, arr, check_lr, check_nonnegative,
                        fma, gradient, increment_step, lerp_, mul_, optimizer_step, scalar,
                        written)


class RMSprop(Optimizer):
    """RMSprop, as torch.optim.RMSprop (single-tensor formulas)."""

    _group_fallbacks: ClassVar[dict] = {"momentum": 0, "centered": False, "foreach": None,
                                        "maximize": False, "differentiable": False,
                                        "capturable": False}

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        check_lr(lr)
        if not eps >= 0.0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        check_nonnegative("momentum", momentum)
        check_nonnegative("weight_decay", weight_decay)
        check_nonnegative("alpha", alpha)
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps,
                    "centered": centered, "weight_decay": weight_decay, "capturable": capturable,
                    "foreach": foreach, "maximize": maximize, "differentiable": differentiable}
        super().__init__(params, defaults)

    @optimizer_step
    def step(self):
        """Perform a single optimization step."""
        for group in self.param_groups:
            lr, alpha, eps = scalar(group["lr"]), group["alpha"], group["eps"]
            weight_decay, momentum = group["weight_decay"], group["momentum"]
            buffers = ("square_avg",) + (("momentum_buffer",) if momentum > 0 else ()) + \
                (("grad_avg",) if group["centered"] else ())
            for p, state in self._stepping(group, *buffers):
                increment_step(state["step"])
                param, grad = arr(p), gradient(p, group["maximize"])
                if weight_decay != 0:
                    grad = add_scaled(grad, weight_decay, param)
                square_avg = arr(state["square_avg"])
                mul_(square_avg, alpha)
                addcmul_(square_avg, grad, grad, 1 - alpha)
                xp = backend.xp_of(param)
                if group["centered"]:
                    grad_avg = arr(state["grad_avg"])
                    lerp_(grad_avg, grad, 1 - alpha)
                    avg = fma(-grad_avg, grad_avg, square_avg, xp.empty_like(param))
                    xp.sqrt(avg, out=avg)
                    written(state["grad_avg"])
                else:
                    avg = xp.sqrt(square_avg)
                xp.add(avg, avg.dtype.type(eps), out=avg)  # eps outside the square root
                if momentum > 0:
                    buf = arr(state["momentum_buffer"])
                    mul_(buf, momentum)
                    addcdiv_(buf, grad, avg)
                    add_scaled(param, -lr, buf, out=param)
                    written(state["momentum_buffer"])
                else:
                    addcdiv_(param, grad, avg, -lr)
                written(p, state["square_avg"])
