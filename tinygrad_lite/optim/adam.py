"""Adam and AdamW (AdamW = Adam with decoupled weight decay)."""
from typing import ClassVar

from .. import backend
from ..tensor import Tensor
from .optimizer import (Optimizer, add_scaled, addcdiv_, addcmul_, arr, check_lr, check_nonnegative,
                        check_not_fused_with, gradient, increment_step, lerp_, mul_, optimizer_step,
                        scalar, written)


class Adam(Optimizer):
    """Adam, as torch.optim.Adam (single-tensor formulas, bias correction included)."""

    _group_fallbacks: ClassVar[dict] = {"amsgrad": False, "maximize": False, "foreach": None,
                                        "capturable": False, "differentiable": False,
                                        "decoupled_weight_decay": False, "fused": None}

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        check_lr(lr)
        if not eps >= 0.0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        for i, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {beta}")
        check_nonnegative("weight_decay", weight_decay)
        if not (all(isinstance(b, float) for b in betas) or all(isinstance(b, Tensor) for b in betas)):
            raise ValueError("betas must be either both floats or both Tensors")
        for i, beta in enumerate(betas):
            if isinstance(beta, Tensor) and beta.numel() != 1:
                raise ValueError(f"Tensor betas[{i}] must be 1-element")
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                    "amsgrad": amsgrad, "maximize": maximize, "foreach": foreach,
                    "capturable": capturable, "differentiable": differentiable, "fused": fused,
                    "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)
        check_not_fused_with(fused, foreach)

    @optimizer_step
    def step(self):
        """Perform a single optimization step."""
        for group in self.param_groups:
            beta1, beta2 = (scalar(b) for b in group["betas"])
            lr, eps, weight_decay = scalar(group["lr"]), group["eps"], group["weight_decay"]
            buffers = ("exp_avg", "exp_avg_sq") + (("max_exp_avg_sq",) if group["amsgrad"] else ())
            for p, state in self._stepping(group, *buffers):
                step = increment_step(state["step"])
                param, grad = arr(p), gradient(p, group["maximize"])
                exp_avg, exp_avg_sq = arr(state["exp_avg"]), arr(state["exp_avg_sq"])
                if weight_decay != 0:
                    if group["decoupled_weight_decay"]:
                        mul_(param, 1 - lr * weight_decay)
                    else:
                        grad = add_scaled(grad, weight_decay, param)
                lerp_(exp_avg, grad, 1 - beta1)
                mul_(exp_avg_sq, beta2)
                addcmul_(exp_avg_sq, grad, grad, 1 - beta2)
                step_size = lr / (1 - beta1 ** step)
                bias_correction2_sqrt = (1 - beta2 ** step) ** 0.5
                xp = backend.xp_of(param)
                if group["amsgrad"]:
                    max_exp_avg_sq = arr(state["max_exp_avg_sq"])
                    xp.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
                    written(state["max_exp_avg_sq"])
                    exp_avg_sq = max_exp_avg_sq
                # denom = sqrt(v) / sqrt(1 - beta2^t) + eps: eps is added after the bias correction
                denom = xp.sqrt(exp_avg_sq)
                xp.divide(denom, denom.dtype.type(bias_correction2_sqrt), out=denom)
                xp.add(denom, denom.dtype.type(eps), out=denom)
                addcdiv_(param, exp_avg, denom, -step_size)
                written(p, state["exp_avg"], state["exp_avg_sq"])


class AdamW(Adam):
    """AdamW: Adam whose weight decay scales the parameter (`p *= 1 - lr * weight_decay`)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, foreach=None, capturable=False,
                 differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable, differentiable=differentiable,
                         fused=fused, decoupled_weight_decay=True)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
