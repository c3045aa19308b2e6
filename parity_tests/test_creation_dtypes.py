"""Creation ops, dtype promotion, conversions, Size and device objects, against torch.

Promotion is checked exhaustively: every pair of dtypes, as dimensioned tensors, 0-d tensors and
Python numbers, through the arithmetic and comparison ops; the result dtype, values and errors
must be torch's.
"""
import itertools
import math
import warnings

import numpy as np
import pytest
import torch
from helpers import Raised, assert_same, dtype_name, run_both
from hypothesis import given, settings
from strategies import ALL_DTYPES, shapes

import tinygrad_lite as tl

_VALUES = {"bool": [True, False, True], "uint8": [3, 250, 7], "int8": [-3, 5, 7],
           "int16": [-300, 5, 7], "int32": [-70000, 5, 7], "int64": [-3, 5, 2 ** 40],
           "float16": [0.5, -2.25, 3.0], "float32": [0.5, -2.25, 3.0],
           "float64": [0.5, -2.25, 1e300]}
_SCALARS = [True, 2, -3, 2.5, -0.5]


def _operand(m, kind, dtype):
    """A tensor of the given kind ("dim": 1-D, "0d": 0-d) and dtype, with values it can hold."""
    values = _VALUES[dtype]
    data = values if kind == "dim" else values[1]
    return m.tensor(data, dtype=getattr(m, dtype))


BINARY = {
    "add": lambda m, a, b: a + b, "sub": lambda m, a, b: a - b, "mul": lambda m, a, b: a * b,
    "truediv": lambda m, a, b: a / b, "lt": lambda m, a, b: a < b, "eq": lambda m, a, b: a == b,
    "maximum": lambda m, a, b: m.maximum(a, b),
    "where": lambda m, a, b: m.where(m.tensor(True), a, b),
}


def _quiet(fn):
    def run(*args):
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return fn(*args)
    return run


@pytest.mark.parametrize("op", sorted(BINARY))
@pytest.mark.parametrize("left,right", list(itertools.product(ALL_DTYPES, repeat=2)))
def test_tensor_tensor_promotion(op, left, right):
    """Every dtype pair, dimensioned and 0-d on either side: torch's result dtype and values."""
    fn = BINARY[op]
    for kinds in (("dim", "dim"), ("dim", "0d"), ("0d", "dim"), ("0d", "0d")):
        ours, theirs = run_both(_quiet(lambda m, kinds=kinds: fn(m, _operand(m, kinds[0], left),
                                                                 _operand(m, kinds[1], right))))
        assert_same(ours, theirs, what=f"{left}[{kinds[0]}] {op} {right}[{kinds[1]}]")


@pytest.mark.parametrize("op", sorted(set(BINARY) - {"where", "maximum"}))
@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_tensor_scalar_promotion(op, dtype):
    """Python numbers are weaker than tensors of their category: int tensor * 2.5 -> float32."""
    fn = BINARY[op]
    for kind, scalar, scalar_left in itertools.product(("dim", "0d"), _SCALARS, (False, True)):
        def program(m, kind=kind, scalar=scalar, scalar_left=scalar_left):
            t = _operand(m, kind, dtype)
            return fn(m, scalar, t) if scalar_left else fn(m, t, scalar)
        ours, theirs = run_both(_quiet(program))
        what = f"{scalar!r} {op} {dtype}[{kind}]" if scalar_left else f"{dtype}[{kind}] {op} {scalar!r}"
        assert_same(ours, theirs, what=what)


@pytest.mark.parametrize("left,right", list(itertools.product(ALL_DTYPES, repeat=2)))
def test_promote_types_result_type_can_cast(left, right):
    a, b = getattr(tl, left), getattr(tl, right)
    ta, tb = getattr(torch, left), getattr(torch, right)
    assert dtype_name(tl.promote_types(a, b)) == dtype_name(torch.promote_types(ta, tb))
    assert tl.can_cast(a, b) == torch.can_cast(ta, tb)
    ours = tl.result_type(tl.tensor(_VALUES[left], dtype=a), tl.tensor(_VALUES[right][0], dtype=b))
    theirs = torch.result_type(torch.tensor(_VALUES[left], dtype=ta),
                               torch.tensor(_VALUES[right][0], dtype=tb))
    assert dtype_name(ours) == dtype_name(theirs)


@pytest.mark.parametrize("default", ["float32", "float64"])
def test_default_dtype_governs_python_floats(default):
    def program(m):
        m.set_default_dtype(getattr(m, default))
        try:
            return (m.tensor([1.5, 2]), m.tensor(3), m.tensor([1, 2]) * 0.5, m.arange(0.0, 1.0, 0.25),
                    m.zeros(2), m.full((2,), 3), m.full((2,), 3.0), m.linspace(0, 1, 3),
                    m.get_default_dtype(), m.tensor([1, 2]) / 2, m.ones(2, dtype=m.float16) * 2.5)
        finally:
            m.set_default_dtype(m.float32)
    assert_same(*run_both(program))


def test_set_default_dtype_rejects_integers():
    assert_same(*run_both(lambda m: m.set_default_dtype(m.int64)))


# creation ------------------------------------------------------------------------------------
TENSOR_DATA = [
    3, 2.5, True, [1, 2, 3], [1.0, 2, 3], [True, False], [[1, 2], [3, 4]], [[1.5], [2]],
    [], [[]], [[], []], (1, 2), np.array([1, 2], np.int32),
    np.array([[1.5]], np.float64), np.float64(2.5), np.int16(3), np.array(True),
    [[1, 2], [3]], "abc", [1, "a"],
]


@pytest.mark.parametrize("data", TENSOR_DATA, ids=repr)
@pytest.mark.parametrize("dtype", [None, "float64", "int32", "bool", "float16"])
def test_tensor_from_data(data, dtype):
    """torch.tensor's dtype inference, dtype=, and its errors on ragged or non-numeric data."""
    def program(m):
        return m.tensor(data, dtype=None if dtype is None else getattr(m, dtype))
    assert_same(*run_both(program))


def test_tensor_from_none():
    assert_same(*run_both(lambda m: m.tensor(None)))


def test_tensor_from_tensor_warns_and_copies():
    def program(m):
        src = m.tensor([1.0, 2.0])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = m.tensor(src)
        out[0] = 5.0
        return src, out, [str(w.category.__name__) for w in caught]
    assert_same(*run_both(program))


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32", "uint8", "bool"])
def test_from_numpy_and_as_tensor_share_memory(dtype):
    """Writes through the NumPy array show in the tensor and back; as_tensor with another dtype
    copies."""
    def program(m):
        arr = np.arange(6).reshape(2, 3).astype(dtype)
        shared = m.from_numpy(arr)
        alias = m.as_tensor(arr)
        copy = m.as_tensor(arr, dtype=m.float16)
        arr[0, 0] = 1
        shared[1, 2] = 0
        return shared, alias, copy, arr.tolist(), shared.dtype
    assert_same(*run_both(program))


def test_from_numpy_strided_and_errors():
    def program(m):
        arr = np.arange(12.0).reshape(3, 4)[:, ::2]
        t = m.from_numpy(arr)
        arr[0, 1] = -1.0
        return t, t.stride(), t.is_contiguous()
    assert_same(*run_both(program))
    assert_same(*run_both(lambda m: m.from_numpy(np.arange(4.0)[::-1])))
    assert_same(*run_both(lambda m: m.from_numpy([1, 2])))


FACTORIES = {
    "zeros": lambda m: m.zeros(2, 3), "zeros_tuple": lambda m: m.zeros((2, 3), dtype=m.int32),
    "zeros_0d": lambda m: m.zeros(()), "zeros_empty": lambda m: m.zeros(0, 3),
    "ones": lambda m: m.ones([2], dtype=m.bool), "ones_rg": lambda m: m.ones(2, requires_grad=True),
    "full_int": lambda m: m.full((2,), 7), "full_float": lambda m: m.full((2, 2), 1.5),
    "full_bool": lambda m: m.full((1,), True), "full_dtype": lambda m: m.full((2,), 7, dtype=m.float64),
    "empty_shape": lambda m: (m.empty(2, 3).shape, m.empty(2, 3).dtype, m.empty(0).shape),
    "eye": lambda m: m.eye(3), "eye_rect": lambda m: m.eye(2, 4, dtype=m.int64),
    "eye_0": lambda m: m.eye(0),
    "arange": lambda m: m.arange(5), "arange_start": lambda m: m.arange(2, 9, 3),
    "arange_neg": lambda m: m.arange(5, -4, -2), "arange_float": lambda m: m.arange(0, 1, 0.1),
    "arange_float_end": lambda m: m.arange(1.5), "arange_dtype": lambda m: m.arange(4, dtype=m.float64),
    "arange_empty": lambda m: m.arange(3, 3), "arange_mixed": lambda m: m.arange(1, 2.5, 0.5),
    "arange_bad_sign": lambda m: m.arange(0, 5, -1), "arange_zero_step": lambda m: m.arange(0, 5, 0),
    "linspace": lambda m: m.linspace(-1, 1, 6), "linspace_1": lambda m: m.linspace(2, 5, 1),
    "linspace_0": lambda m: m.linspace(0, 1, 0), "linspace_long": lambda m: m.linspace(-3.3, 7.1, 97),
    "linspace_f64": lambda m: m.linspace(0, 1, 11, dtype=m.float64),
    "linspace_int": lambda m: m.linspace(0, 10, 4, dtype=m.int64),
    "linspace_neg_steps": lambda m: m.linspace(0, 1, -1),
    "logspace": lambda m: m.logspace(0, 3, 4), "logspace_base": lambda m: m.logspace(0, 4, 5, base=2),
    "negative_dim": lambda m: m.zeros(2, -1),
}


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_factories(name):
    assert_same(*run_both(FACTORIES[name]))


LIKE = {
    "zeros_like": lambda m, t: m.zeros_like(t), "ones_like": lambda m, t: m.ones_like(t, dtype=m.int16),
    "full_like": lambda m, t: m.full_like(t, 2.5), "full_like_int": lambda m, t: m.full_like(t, 7),
    "empty_like": lambda m, t: (m.empty_like(t).shape, m.empty_like(t).dtype),
    "zeros_like_rg": lambda m, t: m.zeros_like(t, requires_grad=True),
    "new_zeros": lambda m, t: t.new_zeros(2, 3), "new_ones": lambda m, t: t.new_ones((2,), dtype=m.int64),
    "new_full": lambda m, t: t.new_full((2,), 3), "new_empty": lambda m, t: t.new_empty(3).shape,
    "new_tensor": lambda m, t: t.new_tensor([1, 2]), "new_tensor_float": lambda m, t: t.new_tensor([1.5]),
    "new_tensor_rg": lambda m, t: t.new_tensor([1.0], requires_grad=True),
}


@pytest.mark.parametrize("name", sorted(LIKE))
@pytest.mark.parametrize("dtype", ["float32", "float64", "int32"])
def test_like_and_new(name, dtype):
    """*_like and new_* take the source's dtype (and layout) unless told otherwise."""
    def program(m):
        src = m.tensor([[1, 2, 3], [4, 5, 6]], dtype=getattr(m, dtype)).t()
        return LIKE[name](m, src)
    assert_same(*run_both(program))


# conversions -----------------------------------------------------------------------------------
CONVERSIONS = {
    "to_float64": lambda t, m: t.to(m.float64), "to_int": lambda t, m: t.to(dtype=m.int32),
    "to_same": lambda t, m: t.to(t.dtype) is t, "to_copy": lambda t, m: t.to(t.dtype, copy=True) is t,
    "to_cpu": lambda t, m: t.to("cpu") is t, "to_other": lambda t, m: t.to(m.zeros(1, dtype=m.int8)),
    "float": lambda t, m: t.float(), "double": lambda t, m: t.double(), "half": lambda t, m: t.half(),
    "long": lambda t, m: t.long(), "int": lambda t, m: t.int(), "short": lambda t, m: t.short(),
    "char": lambda t, m: t.char(), "byte": lambda t, m: t.byte(), "bool": lambda t, m: t.bool(),
    "type": lambda t, m: t.type(), "type_str": lambda t, m: t.type("torch.DoubleTensor"),
    "type_as": lambda t, m: t.type_as(m.zeros(1, dtype=m.int16)),
    "tolist": lambda t, m: t.tolist(), "numpy_dtype": lambda t, m: str(t.numpy().dtype),
    "item": lambda t, m: t[0, 0].item(), "item_many": lambda t, m: t.item(),
    "int()": lambda t, m: int(t[1, 1]), "float()": lambda t, m: float(t[1, 1]),
    "bool()": lambda t, m: bool(t[0, 0]), "bool_many": lambda t, m: bool(t),
    "len": lambda t, m: len(t), "len_0d": lambda t, m: len(t[0, 0]),
    "iter": lambda t, m: [r.tolist() for r in t], "index": lambda t, m: [0, 1, 2][t.long()[0, 1]],
    "cpu": lambda t, m: t.cpu() is t,
}


@pytest.mark.parametrize("name", sorted(CONVERSIONS))
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "uint8", "bool"])
def test_conversions(name, dtype):
    def program(m):
        t = m.tensor([[0.0, 1.5], [-2.75, 3.0]]).to(getattr(m, dtype))
        return CONVERSIONS[name](t, m)
    assert_same(*run_both(program))


def test_float_to_int_conversion_truncates_and_float16_rounds():
    def program(m):
        t = m.tensor([-2.7, -0.5, 0.5, 2.7, 1e5, 65519.0, 70000.0])
        return t.long(), t.half(), t.to(m.uint8), t.bool(), t.half().float()
    assert_same(*run_both(_quiet(program)))


# Size and device objects -------------------------------------------------------------------------
@settings(deadline=None)
@given(shape=shapes(max_dims=4))
def test_size_behaves_as_torch_size(shape):
    def program(m):
        size = m.zeros(shape).shape
        return (repr(size).replace("tinygrad_lite", "torch"), str(size).replace("tinygrad_lite", "torch"),
                size == tuple(shape), tuple(size) == shape, list(size), size.numel(), len(size),
                size[1:] if shape else size[:], isinstance(size, tuple), size + (5,), hash(size) == hash(tuple(shape)),
                m.zeros(shape).size(), m.zeros(shape).size()[:1])
    ours, theirs = run_both(program)
    assert_same(ours, theirs)


def test_size_indexing_and_errors():
    def program(m):
        t = m.zeros(2, 3, 4)
        return t.size(0), t.size(-1), t.shape[-2], t.size(1)
    assert_same(*run_both(program))
    assert_same(*run_both(lambda m: m.zeros(2, 3).size(2)))


DEVICES = ["cpu", "cuda", "cuda:1", "cpu:0"]


@pytest.mark.parametrize("spec", DEVICES)
def test_device_objects(spec):
    def program(m):
        d = m.device(spec)
        return (repr(d), str(d), d.type, d.index, d == m.device(spec), d == spec,
                m.device(d) == d, hash(d) == hash(m.device(spec)))
    assert_same(*run_both(program))


def test_device_of_tensors_and_bad_specs():
    def program(m):
        t = m.zeros(2)
        return (repr(t.device), t.device == "cpu", t.device.type, t.is_cuda, str(t.device),
                m.device("cpu", 0) == m.device("cpu:0"))
    assert_same(*run_both(program))
    for bad in ("gpu", "cuda:x", "cpu:-1"):
        ours, theirs = run_both(lambda m, bad=bad: m.device(bad))
        assert_same(ours, theirs, what=f"device({bad!r})")


def test_dtype_objects():
    def program(m):
        return ([repr(getattr(m, n)).replace("tinygrad_lite", "torch") for n in ALL_DTYPES],
                [getattr(m, n).is_floating_point for n in ALL_DTYPES],
                [getattr(m, n).itemsize for n in ALL_DTYPES],
                m.float is m.float32, m.double is m.float64, m.long is m.int64, m.half is m.float16,
                m.int is m.int32, m.short is m.int16, m.bool is not None,
                [getattr(m, n).is_signed for n in ALL_DTYPES])
    assert_same(*run_both(program))


def test_reprs_name_our_module():
    """The reprs above are compared after naming torch in ours: ours name tinygrad_lite."""
    assert repr(tl.float32) == "tinygrad_lite.float32"
    assert repr(tl.zeros(2).shape) == "tinygrad_lite.Size([2])"


PYTHON_NUMBERS = {
    "int64 beyond": lambda m: m.tensor([2**63]), "int64 below": lambda m: m.tensor([-(2**63) - 1]),
    "int64 scalar beyond": lambda m: m.tensor(2**63), "int64 minimum": lambda m: m.tensor([-(2**63)]),
    "nested beyond": lambda m: m.tensor([[1, 2], [3, 2**63]]), "as_tensor beyond": lambda m: m.as_tensor([2**63]),
    "float beside a big int": lambda m: m.tensor([1.5, 2**70]), "big int as float32": lambda m: m.tensor([2**70], dtype=m.float32),
    "big int as float64": lambda m: m.tensor([2**63, 1.0]), "int past double": lambda m: m.tensor([10**400], dtype=m.float32),
    "int32 overflow": lambda m: m.tensor([2**31], dtype=m.int32), "int32 low": lambda m: m.tensor([-(2**31)], dtype=m.int32),
    "int16 overflow": lambda m: m.tensor([40000], dtype=m.int16), "int8 overflow": lambda m: m.tensor([-200], dtype=m.int8),
    "uint8 overflow": lambda m: m.tensor([300], dtype=m.uint8), "uint8 wraps -1": lambda m: m.tensor([-1], dtype=m.uint8),
    "uint8 wraps -255": lambda m: m.tensor([-255], dtype=m.uint8), "uint8 -256": lambda m: m.tensor([-256], dtype=m.uint8),
    "uint8 from -1.0": lambda m: m.tensor([-1.0], dtype=m.uint8), "uint8 from floats": lambda m: m.tensor([255.0, 0.5], dtype=m.uint8),
    "int32 from 1e20": lambda m: m.tensor([1e20], dtype=m.int32), "int64 from nan": lambda m: m.tensor([math.nan], dtype=m.int64),
    "int32 from inf": lambda m: m.tensor([math.inf], dtype=m.int32), "int32 truncates": lambda m: m.tensor([2.5, -2.5], dtype=m.int32),
    "bool from 5 and nan": lambda m: m.tensor([5, math.nan], dtype=m.bool), "float16 overflow": lambda m: m.tensor([1e6], dtype=m.float16),
}


@pytest.mark.parametrize("case", list(PYTHON_NUMBERS))
def test_python_numbers_stored_as_torch_stores_them(case):
    """torch.tensor(Python data): ints must fit int64, integer dtypes refuse values out of their
    range (uint8 lets -255..-1 wrap), floats truncate and NaN/inf are refused; never a silent wrap."""
    ours, theirs = run_both(PYTHON_NUMBERS[case])
    assert_same(ours, theirs)
    if isinstance(theirs, Raised):
        assert str(ours.exc) == str(theirs.exc)
