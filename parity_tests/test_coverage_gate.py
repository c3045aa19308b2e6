"""Coverage gate: every public differentiable operation of tinygrad_lite is in the op table.

The public API is enumerated (Tensor methods and operators, tinygrad_lite.* functions,
tinygrad_lite.nn.functional once it exists); a name must either be covered by a row of
op_table.TABLE or be listed below, with the reason it is not a differentiable op. Adding an op
without its table row (and so without its forward/gradient/gradcheck parity tests) fails here.
"""
import importlib
import inspect

import pytest
import torch
from op_table import covered_names

import tinygrad_lite as tl

# Tensor attributes that are not differentiable operations -------------------------------------
TENSOR_NOT_DIFFERENTIABLE = {
    # metadata and memory layout
    "shape", "dtype", "device", "ndim", "dim", "ndimension", "size", "stride", "storage_offset",
    "numel", "nelement", "element_size", "itemsize", "nbytes", "data_ptr", "storage",
    "untyped_storage", "is_contiguous", "is_floating_point", "is_complex", "is_cuda", "is_leaf",
    # autograd state and control (tested in test_autograd_semantics.py)
    "requires_grad", "requires_grad_", "grad", "grad_fn", "data", "retains_grad", "retain_grad",
    "backward", "register_hook", "register_post_accumulate_grad_hook", "detach", "detach_",
    # conversions to Python / NumPy / devices, and to integer or bool dtypes (no gradient)
    "item", "tolist", "numpy", "cpu", "cuda", "bool", "byte", "char", "short", "int", "long",
    # comparisons, logic and tests: boolean results
    "eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less", "less_equal",
    "not_equal", "equal", "allclose", "isclose", "isnan", "isinf", "isfinite", "all", "any",
    "logical_and", "logical_and_", "logical_or", "logical_xor", "logical_not",
    "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not",
    # integer results
    "argmax", "argmin", "nonzero", "count_nonzero",
    # floor_divide has no derivative in torch (its grad_fn is NotImplemented)
    "floor_divide",
    # random sampling and random in-place fills
    "bernoulli", "bernoulli_", "multinomial", "uniform_", "normal_", "exponential_", "random_",
    # new tensors from a tensor's dtype/device (no graph connection)
    "new_zeros", "new_ones", "new_full", "new_empty", "new_tensor",
}

# tinygrad_lite additions that torch.Tensor does not have (checked below) ---------------------
TENSOR_EXTENSIONS = {
    "explain",                  # prints how a tensor maps onto its storage
    "hardtanh", "hardtanh_",    # the op behind nn.functional.hardtanh (its row covers F.hardtanh)
}

# operators and protocol methods that are not differentiable ops -----------------------------
DUNDERS_NOT_DIFFERENTIABLE = {
    "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__",          # boolean results
    "__and__", "__or__", "__xor__", "__rand__", "__ror__", "__rxor__", "__invert__",
    "__floordiv__", "__rfloordiv__",                                     # no derivative in torch
    "__bool__", "__float__", "__int__", "__index__", "__len__", "__iter__", "__format__",
    "__repr__", "__str__", "__hash__", "__array__", "__dlpack__", "__dlpack_device__",
    "__deepcopy__", "__reduce_ex__", "__getstate__", "__setstate__",
    "__pos__",                  # returns the tensor itself, as torch's unary plus
    "__imatmul__",              # None: torch has no in-place matmul either
}

# tinygrad_lite.* functions that are not differentiable ops ------------------------------------
FUNCTIONS_NOT_DIFFERENTIABLE = {
    # creation (a new leaf; no graph input)
    "tensor", "as_tensor", "asarray", "from_numpy", "from_dlpack", "zeros", "ones", "empty",
    "full", "zeros_like", "ones_like", "empty_like", "full_like", "eye", "arange", "linspace",
    "logspace", "rand", "randn", "randint", "randperm", "rand_like", "randn_like", "randint_like",
    "normal", "bernoulli", "multinomial",
    # random generator state
    "manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state",
    # dtype, device, printing and grad-mode utilities
    "get_default_dtype", "set_default_dtype", "promote_types", "result_type", "can_cast",
    "get_default_device", "set_default_device", "get_printoptions", "set_printoptions",
    "is_grad_enabled", "is_tensor", "is_floating_point", "numel", "broadcast_shapes",
    "is_anomaly_enabled", "is_anomaly_check_nan_enabled", "set_anomaly_enabled",
    # boolean / integer results, and graph cuts
    "eq", "ne", "lt", "le", "gt", "ge", "equal", "allclose", "isclose", "isnan", "isinf",
    "isfinite", "all", "any", "logical_and", "logical_or", "logical_xor", "logical_not",
    "bitwise_not", "argmax", "argmin", "nonzero", "count_nonzero", "floor_divide", "detach",
}

FUNCTION_EXTENSIONS = {"hardtanh"}  # torch has it as nn.functional.hardtanh only

# nn.functional functions that are not differentiable ops --------------------------------------
F_NOT_DIFFERENTIABLE = {
    "one_hot",                  # integer result
}


def _tensor_public_names():
    names = {n for n in dir(tl.Tensor) if not n.startswith("_")}
    dunders = {n for n in dir(tl.Tensor) if n.startswith("__") and n.endswith("__")
               and n not in dir(object) and not n.startswith("__array_")
               and n not in ("__dict__", "__slots__", "__module__", "__weakref__", "__annotations__")}
    return names | dunders


def _functions(module):
    """Public callables of a module that are functions (not classes, dtypes or submodules)."""
    out = set()
    for name in dir(module):
        if name.startswith("_"):
            continue
        obj = getattr(module, name)
        if inspect.ismodule(obj) or inspect.isclass(obj) or not callable(obj):
            continue
        if isinstance(obj, (tl.dtype, tl.device)) or getattr(obj, "__module__", "").startswith("typing"):
            continue
        out.add(name)
    return out


def _grad_mode_objects():
    return {"no_grad", "enable_grad", "set_grad_enabled", "inference_mode"}


def test_every_differentiable_tensor_method_is_in_the_table():
    covered = covered_names()
    allowed = TENSOR_NOT_DIFFERENTIABLE | TENSOR_EXTENSIONS | DUNDERS_NOT_DIFFERENTIABLE
    missing = sorted(n for n in _tensor_public_names()
                     if f"Tensor.{n}" not in covered and n not in allowed)
    assert not missing, f"differentiable Tensor methods without an op_table row: {missing}"


def test_every_differentiable_function_is_in_the_table():
    covered = covered_names()
    allowed = FUNCTIONS_NOT_DIFFERENTIABLE | FUNCTION_EXTENSIONS | _grad_mode_objects()
    missing = sorted(n for n in _functions(tl) if f"torch.{n}" not in covered and n not in allowed)
    assert not missing, f"differentiable tinygrad_lite functions without an op_table row: {missing}"


def test_every_differentiable_nn_functional_op_is_in_the_table():
    try:
        functional = importlib.import_module("tinygrad_lite.nn.functional")
    except ImportError:
        pytest.skip("tinygrad_lite.nn.functional does not exist yet")
    covered = covered_names()
    torch_functional = importlib.import_module("torch.nn.functional")
    names = {n for n in _functions(functional) if hasattr(torch_functional, n)}
    missing = sorted(n for n in names if f"F.{n}" not in covered and n not in F_NOT_DIFFERENTIABLE)
    assert not missing, f"differentiable nn.functional ops without an op_table row: {missing}"


def test_allow_lists_name_existing_api():
    """The allow-lists only name things that exist (a removed op must leave its list too)."""
    stale = sorted(n for n in TENSOR_NOT_DIFFERENTIABLE | TENSOR_EXTENSIONS
                   if not hasattr(tl.Tensor, n))
    stale += sorted(f"torch.{n}" for n in FUNCTION_EXTENSIONS if not hasattr(tl, n))
    assert not stale, f"allow-listed names missing from tinygrad_lite: {stale}"


def test_extensions_are_not_torch_api():
    """What is listed as a tinygrad_lite addition really is absent from torch."""
    assert not [n for n in TENSOR_EXTENSIONS if hasattr(torch.Tensor, n)]
    assert not [n for n in FUNCTION_EXTENSIONS if hasattr(torch, n)]


def test_allow_listed_tensor_ops_do_not_record_a_graph_in_torch():
    """torch agrees that the allow-listed ops with a tensor result are not differentiable."""
    x = torch.tensor([[0.5, -1.5], [2.0, 0.25]], requires_grad=True)
    calls = {
        "eq": lambda: x.eq(x), "isclose": lambda: x.isclose(x), "argmax": lambda: x.argmax(),
        "all": lambda: x.all(), "nonzero": lambda: x.nonzero(), "isnan": lambda: x.isnan(),
        "logical_not": lambda: x.logical_not(), "count_nonzero": lambda: x.count_nonzero(),
        "new_zeros": lambda: x.new_zeros(2), "detach": lambda: x.detach(),
        "bool": lambda: x.bool(), "long": lambda: x.long(),
    }
    assert set(calls) <= TENSOR_NOT_DIFFERENTIABLE
    recording = [name for name, fn in calls.items() if fn().requires_grad]
    assert not recording, f"torch records a graph for {recording}"
