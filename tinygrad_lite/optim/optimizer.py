"""Optimizer base class (param groups, per-parameter state, state_dict, step hooks) and the
in-place array kernels the optimizers share.

The kernels reproduce the floating-point operation order of torch's `_single_tensor_*` CPU code
(scalars cast to the tensor dtype first; `add_(x, alpha=a)`, `addcmul_` and `lerp_` are fused
multiply-adds in torch's AVX2/AVX512 kernels, scalar tails included), so a step on identical
inputs matches torch bit for bit except where torch's sqrt (MKL, within 1 ulp) differs from the
correctly rounded one. NumPy has no fused multiply-add: `random.fma32` / `random.fma64` emulate
it exactly (float32: in float64, with the rare sums that fall halfway between two float32s redone).
"""
import functools
import warnings
from collections import defaultdict
from copy import deepcopy
from itertools import chain
from typing import ClassVar

import numpy as np

from .. import backend
from .. import dtypes as _dt
from ..autograd.function import _RemovableHandle
from ..autograd.grad_mode import enable_grad, no_grad
from ..random import fma32, fma64
from ..tensor import Tensor


def _typename(obj):
    """torch.typename: 'torch.FloatTensor' for a tensor, else the module-qualified name of the
    object (a class or function) or of its type."""
    if isinstance(obj, Tensor):
        return obj.type()
    if hasattr(obj, "__qualname__") or hasattr(obj, "__name__"):
        module = getattr(obj, "__module__", "") or ""
        name = getattr(obj, "__qualname__", None) or obj.__name__
    else:
        module, name = type(obj).__module__ or "", type(obj).__qualname__
    return name if module in ("", "builtins") else f"{module}.{name}"


def _with_step_hooks(step):
    """Wrap a step() so the optimizer's pre/post step hooks run around it."""
    @functools.wraps(step)
    def hooked_step(self, *args, **kwargs):
        for hook in list(self._step_pre_hooks):
            result = hook(self, args, kwargs)
            if result is not None:
                if not (isinstance(result, tuple) and len(result) == 2):
                    raise RuntimeError(f"{step} must return None or a tuple of (new_args, "
                                       f"new_kwargs), but got {result}.")
                args, kwargs = result
        out = step(self, *args, **kwargs)
        for hook in list(self._step_post_hooks):
            hook(self, args, kwargs)
        return out
    hooked_step.hooked = True
    return hooked_step


def optimizer_step(step):
    """Decorator for a built-in step(closure=None): evaluate the closure with grad enabled, then
    run the update under no_grad (and, as torch, without floating-point warnings) and return
    the closure's loss."""
    @functools.wraps(step)
    def wrapper(self, closure=None):
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad(), np.errstate(all="ignore"):
            step(self)
        return loss
    return wrapper


class Optimizer:
    """Base class of all optimizers: holds `param_groups`, `defaults` and per-parameter `state`."""

    # keys a loaded (possibly older) param group is completed with; subclasses extend it
    _group_fallbacks: ClassVar[dict] = {}

    def __init__(self, params, defaults):
        if defaults.get("differentiable"):
            raise NotImplementedError("differentiable=True is not supported by tinygrad_lite "
                                      "optimizers (their updates do not record a graph)")
        self.defaults = defaults
        self._step_pre_hooks = []
        self._step_post_hooks = []
        cls = type(self)
        if not getattr(cls.step, "hooked", False):
            cls.step = _with_step_hooks(cls.step)
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            "Tensors or dicts, but got " + _typename(params))
        self.state = defaultdict(dict)
        self.param_groups = []
        param_groups = list(params)
        if not param_groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.__dict__.setdefault("_step_pre_hooks", [])
        self.__dict__.setdefault("_step_post_hooks", [])
        self.defaults.setdefault("differentiable", False)
        for group in self.param_groups:
            for key, value in self._group_fallbacks.items():
                group.setdefault(key, value)
            for p in group["params"]:
                p_state = self.state.get(p)
                if p_state and "step" in p_state and not isinstance(p_state["step"], Tensor):
                    p_state["step"] = step_state(float(p_state["step"]))

    def __repr__(self):
        text = type(self).__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            text += "".join(f"    {key}: {group[key]}\n" for key in sorted(group) if key != "params")
        return text + ")"

    def add_param_group(self, param_group):
        """Add a group of parameters (with its own options) to `param_groups`."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs. "
                            "Please use a list instead.")
        else:
            params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]
        params = [p[1] if isinstance(p, tuple) else p for p in params]
        param_group["params"] = params
        if names:
            if len(names) != len(params):
                raise ValueError("all optimizer params should be with/without names. Some param "
                                 "names are missing")
            param_group["param_names"] = names
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                + _typename(p))
            if not (p.is_leaf or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            param_group.setdefault(name, default)
        if len(params) != len(set(params)):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in "
                          "future, this will cause an error; see github.com/pytorch/pytorch/"
                          "issues/40967 for more information", stacklevel=3)
        seen = set()
        for group in self.param_groups:
            seen.update(group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {which} to the optimizer")
        if not seen.isdisjoint(params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none=True):
        """Reset the gradients of all optimized tensors (to None by default, else to zeros)."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    if p.grad.grad_fn is not None:
                        p.grad.detach_()
                    else:
                        p.grad.requires_grad_(False)
                    p.grad.zero_()

    def _stepping(self, group, *buffers):
        """(param, state) for each parameter of `group` that has a gradient; a first step creates
        its state: the step count, then zero buffers named `buffers`, laid out like the param."""
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if not state:
                state["step"] = step_state()
                for name in buffers:
                    state[name] = state_like(p)
            yield p, state

    def step(self, closure=None):
        """Perform a single optimization step (subclasses implement it)."""
        raise NotImplementedError

    def register_step_pre_hook(self, hook):
        """hook(optimizer, args, kwargs) runs before each step; it may return (args, kwargs)."""
        return _RemovableHandle(self._step_pre_hooks, hook)._add()

    def register_step_post_hook(self, hook):
        """hook(optimizer, args, kwargs) runs after each step."""
        return _RemovableHandle(self._step_post_hooks, hook)._add()

    def state_dict(self):
        """{'state': {index: per-parameter state}, 'param_groups': [options + 'params': indices]}."""
        index_of = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                index_of.setdefault(id(p), len(index_of))
            packed["params"] = [index_of[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {(index_of[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Load a state_dict() (from this optimizer type): options, then state cast to each param."""
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match "
                             "the size of optimizer's group")
        param_of = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                            chain.from_iterable(g["params"] for g in groups)))
        saved_options = {i: g for g in state_dict["param_groups"] for i in g["params"]}
        state = defaultdict(dict)
        for key, value in state_dict["state"].items():
            if key in param_of:
                param = param_of[key]
                state[param] = _cast_state(param, value, saved_options.get(key, {}))
            else:
                state[key] = value
        for group, saved in zip(groups, saved_groups):
            saved["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                saved["param_names"] = group["param_names"]
        self.__setstate__({"state": state, "param_groups": saved_groups})


def _cast_state(param, value, options, key=None):
    """A loaded state value with its tensors moved to the parameter's device (and floating dtype);
    `step` keeps its dtype unless the group is fused or capturable."""
    if isinstance(value, Tensor):
        if key == "step":
            if options.get("capturable") or options.get("fused"):
                return value.to(dtype=_dt.float32, device=param.device)
            return value
        if param.is_floating_point():
            return value.to(dtype=param.dtype, device=param.device)
        return value.to(device=param.device)
    if isinstance(value, dict):
        return {k: _cast_state(param, v, options, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast_state(param, v, options) for v in value)
    return value


# shared helpers for the optimizers -----------------------------------------------------------
def check_lr(lr):
    """torch's checks on a learning rate (a float or a 1-element tensor)."""
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not lr >= 0.0:
        raise ValueError(f"Invalid learning rate: {lr}")


def check_nonnegative(what, value):
    if not value >= 0.0:
        raise ValueError(f"Invalid {what} value: {value}")


def check_not_fused_with(fused, foreach):
    if fused and foreach:
        raise RuntimeError("`fused` and `foreach` cannot be `True` together.")


def scalar(value):
    """A hyperparameter as a Python number (a 1-element tensor is read out)."""
    return value.item() if isinstance(value, Tensor) else value


def arr(t):
    """The tensor's array for the kernels; a 0-d one as a 1-element view, because NumPy turns
    0-d results into scalars that cannot be written in place."""
    return t._arr if t._arr.ndim else t._arr.reshape(1)


def gradient(p, maximize):
    """The parameter's gradient array, negated (a new array) under maximize."""
    grad = arr(p.grad)
    return -grad if maximize else grad


def step_state(value=0.0):
    """The 0-d `step` state tensor: float32, or float64 when that is the default dtype (as torch)."""
    dtype = _dt.float64 if _dt.get_default_dtype() is _dt.float64 else _dt.float32
    return Tensor._make(np.full((), value, dtype=dtype.np))


def increment_step(step_t):
    """step_t += 1 in place; the new count as a Python float (torch's `_get_value(step_t)`)."""
    step_t._arr += 1
    step_t._storage.version += 1
    return float(step_t._arr)


def state_like(param, fill=0):
    """A state tensor laid out like `param` (torch's preserve_format), filled with `fill`."""
    out = param._empty_like_layout()
    out._arr.fill(fill)
    return out


def written(*tensors):
    """Record an in-place write on each tensor's storage (torch bumps versions under no_grad too)."""
    for t in tensors:
        t._storage.version += 1


# array kernels: exact operation order of torch's CPU kernels --------------------------------
def _cast(value, like):
    """A Python scalar as the array's dtype, as torch casts it to the kernel's compute type."""
    return like.dtype.type(value)


def fma(a, b, c, out):
    """out = a * b + c rounded once, as torch's CPU kernels (exact for NumPy float32/float64)."""
    xp = backend.xp_of(out)
    if xp is np and out.dtype in (np.float32, np.float64):
        return (fma32 if out.dtype == np.float32 else fma64)(a, b, c, out=out)
    exact = b.astype(xp.float64)
    exact *= a
    exact += c
    xp.copyto(out, exact, casting="same_kind")
    return out


def mul_(x, value):
    """x *= value in place (the scalar cast to x's dtype first)."""
    return backend.xp_of(x).multiply(x, _cast(value, x), out=x)


def add_scaled(x, alpha, y, out=None):
    """x + alpha * y as torch's `x.add(y, alpha=alpha)`; into `out` (a new array if None)."""
    if out is None:
        out = backend.xp_of(x).empty_like(x)
    if alpha == 1:
        return backend.xp_of(x).add(x, y, out=out)
    return fma(_cast(alpha, x), y, x, out)


def addcmul_(x, t1, t2, value):
    """x += value * t1 * t2 in place (torch's addcmul_: (value * t1) * t2 fused into the add)."""
    if value != 1:
        t1 = backend.xp_of(x).multiply(t1, _cast(value, x))
    return fma(t1, t2, x, x)


def addcdiv_(x, t1, t2, value=1):
    """x += value * t1 / t2 in place, as torch's addcdiv_: x + (value * t1) / t2."""
    xp = backend.xp_of(x)
    quotient = xp.multiply(t1, _cast(value, x)) if value != 1 else t1.copy()
    xp.divide(quotient, t2, out=quotient)
    return xp.add(x, quotient, out=x)


def lerp_(x, end, weight):
    """x += weight * (end - x) in place, as torch's scalar-weight lerp_ (two fused forms)."""
    w = _cast(weight, x)
    diff = backend.xp_of(x).subtract(end, x)
    if abs(w) < 0.5:
        return fma(w, diff, x, x)
    return fma(w - w.dtype.type(1), diff, end, x)
