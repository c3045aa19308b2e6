"""tinygrad_lite: a small autograd engine on NumPy/CuPy with PyTorch's API.

    import tinygrad_lite as torch
"""
import warnings as _warnings

# torch never warns about inf/nan results (log(0), 0/0, overflow); NumPy does, from the line that
# called it. Silence exactly those: RuntimeWarnings raised inside this package's own modules.
_warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"tinygrad_lite(\.|$)")

from . import dtypes as _dt  # noqa: E402
from .backend import device, set_default_device, get_default_device
from .dtypes import (bool_ as bool, uint8, int8, int16, int32, int64, float16, float32, float64,  # noqa: A004
                     get_default_dtype, set_default_dtype, promote_types, dtype)
from .tensor import Tensor, Size
from .creation import (tensor, as_tensor, asarray, from_numpy, zeros, ones, empty, full, zeros_like,
                       ones_like, empty_like, full_like, eye, arange, linspace, logspace, rand, randn,
                       randint, randperm, rand_like, randn_like, randint_like, normal, bernoulli,
                       multinomial, cat, concat, concatenate, stack, hstack, vstack, from_dlpack)
from .autograd.grad_mode import (no_grad, enable_grad, set_grad_enabled, is_grad_enabled,
                                 inference_mode)
from ._printing import set_printoptions, get_printoptions
from . import autograd
from .autograd.anomaly import is_anomaly_enabled, is_anomaly_check_nan_enabled, set_anomaly_enabled
from . import _functional
from ._functional import *  # noqa: F401,F403  (torch.exp, torch.sum, torch.where, ...)

float = float32  # noqa: A001
double = float64
half = float16
long = int64
int = int32  # noqa: A001
short = int16
uint8 = uint8
cfloat = None

__version__ = "0.1.0"


def is_tensor(obj):
    return isinstance(obj, Tensor)


def is_floating_point(t):
    return t.is_floating_point()


def numel(t):
    return t.numel()


def _default_generator():
    from .random import default_generator
    return default_generator


def manual_seed(seed):
    """Seed the default generator (torch's mt19937 stream) and return it."""
    return _default_generator().manual_seed(seed)


def seed():
    return _default_generator().seed()


def initial_seed():
    return _default_generator().initial_seed()


def get_rng_state():
    return from_numpy(_default_generator().get_state().copy())


def set_rng_state(new_state):
    _default_generator().set_state(new_state.numpy() if isinstance(new_state, Tensor) else new_state)


def __getattr__(name):
    # the heavier subpackages load on first use
    import importlib
    if name in ("nn", "optim", "cuda", "accelerator", "utils", "viz", "random", "linalg", "testing"):
        return importlib.import_module(f".{name}", __name__)
    if name in ("Generator", "default_generator"):
        from . import random
        return getattr(random, name)
    if name in ("save", "load"):
        from . import serialization
        return getattr(serialization, name)
    raise AttributeError(f"module 'tinygrad_lite' has no attribute '{name}'")
