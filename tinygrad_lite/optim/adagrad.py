"""Adagrad with learning-rate decay, weight decay and an initial accumulator value."""
from typing import ClassVar

from .. import backend
from .optimizer import (Optimizer, add_scaled, addcdiv_, addcmul_, arr, check_lr, check_nonnegative,
                        check_not_fused_with, gradient, increment_step, optimizer_step, scalar,
                        state_like, step_state, written)


class Adagrad(Optimizer):
    """Adagrad, as torch.optim.Adagrad (single-tensor formulas; state is created eagerly)."""

    _group_fallbacks: ClassVar[dict] = {"foreach": None, "maximize": False,
                                        "differentiable": False, "fused": None}

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, foreach=None, *, maximize=False, differentiable=False, fused=None):
        check_lr(lr)
        check_nonnegative("lr_decay", lr_decay)
        check_nonnegative("weight_decay", weight_decay)
        check_nonnegative("initial_accumulator_value", initial_accumulator_value)
        if not eps >= 0.0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable, "fused": fused}
        super().__init__(params, defaults)
        check_not_fused_with(fused, foreach)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p)

    def _init_state(self, p):
        # torch takes the accumulator's start from the optimizer defaults, not the group
        state = self.state[p]
        state["step"] = step_state()
        state["sum"] = state_like(p, self.defaults["initial_accumulator_value"])
        return state

    @optimizer_step
    def step(self):
        """Perform a single optimization step."""
        for group in self.param_groups:
            lr, lr_decay, eps = scalar(group["lr"]), group["lr_decay"], group["eps"]
            weight_decay = group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p] or self._init_state(p)
                step = increment_step(state["step"])
                param, grad = arr(p), gradient(p, group["maximize"])
                if weight_decay != 0:
                    grad = add_scaled(grad, weight_decay, param)
                clr = lr / (1 + (step - 1) * lr_decay)
                state_sum = arr(state["sum"])
                addcmul_(state_sum, grad, grad, 1)
                xp = backend.xp_of(param)
                std = xp.sqrt(state_sum)
                xp.add(std, std.dtype.type(eps), out=std)
                addcdiv_(param, grad, std, -clr)
                written(p, state["sum"])
