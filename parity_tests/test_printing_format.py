"""Parity tests: tinygrad_lite/_printing.py must print tensors exactly as torch.

Every expected string comes from torch itself (``repr`` of a real torch
tensor, or torch's own printing helpers for suffixes torch cannot produce on a
CPU-only build), never from a typed literal.

The module under test is loaded by file path so these tests do not depend on
the rest of the tinygrad_lite package.
"""

import contextlib
import importlib.util
import math
import pathlib

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

_PATH = pathlib.Path(__file__).resolve().parents[1] / "tinygrad_lite" / "_printing.py"
_SPEC = importlib.util.spec_from_file_location("_tinygrad_lite_printing_under_test", _PATH)
printing = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(printing)

FLOAT_DTYPES = ["float32", "float64", "float16"]
INT_DTYPES = ["int64", "int32", "int16", "int8", "uint8"]
ALL_DTYPES = FLOAT_DTYPES + INT_DTYPES + ["bool"]

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# ----------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------


def _dtype_name(t):
    return str(t.dtype).split(".", 1)[1]


def _to_torch(arr):
    if arr.ndim == 0:
        return torch.tensor(arr)
    return torch.from_numpy(arr.copy())


def ours(t, **kwargs):
    """format_tensor for a torch tensor, with torch's module name."""
    kwargs.setdefault("dtype_name", _dtype_name(t))
    kwargs.setdefault("module_name", "torch")
    kwargs.setdefault("default_dtype_name", _dtype_name(torch.empty(())))
    kwargs.setdefault("requires_grad", t.requires_grad)
    if t.grad_fn is not None:
        kwargs.setdefault("grad_fn_name", type(t.grad_fn).__name__)
    return printing.format_tensor(t.detach().numpy(), **kwargs)


def assert_same(t, **kwargs):
    expected = repr(t)
    assert str(t) == expected
    got = ours(t, **kwargs)
    assert got == expected, f"\nours:\n{got}\ntorch:\n{expected}"


def assert_array_same(arr):
    t = _to_torch(arr)
    assert t.dtype == getattr(torch, str(arr.dtype) if arr.dtype != np.bool_ else "bool")
    expected = repr(t)
    got = printing.format_tensor(arr, dtype_name=_dtype_name(t), module_name="torch")
    assert got == expected, f"\nours:\n{got}\ntorch:\n{expected}"


@contextlib.contextmanager
def both_printoptions(**kwargs):
    """Apply the same print options to torch and to the module; restore both."""
    saved_torch = torch._tensor_str.get_printoptions()
    saved_ours = printing.get_printoptions()
    try:
        torch.set_printoptions(**kwargs)
        printing.set_printoptions(**kwargs)
        assert printing.get_printoptions() == torch._tensor_str.get_printoptions()
        yield
    finally:
        torch.set_printoptions(**saved_torch)
        printing.set_printoptions(**saved_ours)


@contextlib.contextmanager
def default_dtype(dtype):
    saved = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        yield
    finally:
        torch.set_default_dtype(saved)


@pytest.fixture(autouse=True, scope="module")
def _restore_everything_at_end():
    yield
    torch.set_printoptions(profile="default")
    printing.set_printoptions(profile="default")
    torch.set_default_dtype(torch.float32)


# ----------------------------------------------------------------------------
# strategies
# ----------------------------------------------------------------------------


@st.composite
def shapes(draw, allow_big=True):
    """0-d to 4-D shapes, including size-0 dimensions and, sometimes, shapes
    with more than 1000 elements (which torch summarises)."""
    big = allow_big and draw(st.integers(0, 3)) == 0
    if not big:
        ndim = draw(st.integers(0, 4))
        return tuple(draw(st.lists(st.integers(0, 5), min_size=ndim, max_size=ndim)))
    ndim = draw(st.integers(1, 4))
    dims = draw(st.lists(st.integers(1, 12), min_size=ndim, max_size=ndim))
    rest = int(np.prod(dims[1:], dtype=np.int64))
    if rest * dims[0] <= 1000:
        dims[0] = 1000 // rest + 1 + draw(st.integers(0, 6))
    return tuple(dims)


FLOAT_REGIMES = [
    "unit", "scaled", "tiny", "huge", "wide", "integral", "big_integral",
    "zeros", "rounding_edges", "subnormal",
]


def _float_values(rng, regime, n):
    sign = rng.choice([-1.0, 1.0], size=n)
    if regime == "unit":
        return rng.standard_normal(n)
    if regime == "scaled":
        return rng.standard_normal(n) * 10.0 ** rng.integers(-4, 9)
    if regime == "tiny":
        return rng.standard_normal(n) * 1e-6
    if regime == "huge":
        return rng.standard_normal(n) * 1e10
    if regime == "wide":
        return sign * 10.0 ** rng.uniform(-30, 30, size=n)
    if regime == "integral":
        return rng.integers(-1000, 1000, size=n).astype(np.float64)
    if regime == "big_integral":
        return rng.integers(-10**12, 10**12, size=n).astype(np.float64)
    if regime == "zeros":
        return sign * 0.0
    if regime == "rounding_edges":
        edges = np.array([9.99995, 99.99996, 0.99995, 999.5, 0.00015, 1000.0, 1e8, 99999999.9, 1e-4])
        return sign * rng.choice(edges, size=n)
    if regime == "subnormal":
        return sign * rng.choice([5e-324, 1e-310, 1e-300, 1e300, 1.0, 1.7e308], size=n)
    raise AssertionError(regime)


@st.composite
def random_arrays(draw, allow_big=True):
    """Arrays built from a seeded NumPy generator, so big arrays stay cheap."""
    dtype = draw(st.sampled_from(ALL_DTYPES))
    shape = draw(shapes(allow_big=allow_big))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n = int(np.prod(shape, dtype=np.int64))
    if dtype == "bool":
        values = rng.random(n) < draw(st.sampled_from([0.0, 0.5, 1.0]))
    elif dtype in INT_DTYPES:
        info = np.iinfo(dtype)
        if draw(st.booleans()):
            lo, hi = int(info.min), int(info.max)
        else:
            lo, hi = max(int(info.min), -20), 20
        values = rng.integers(lo, hi, size=n, endpoint=True, dtype=np.int64 if dtype != "uint8" else np.uint8)
    else:
        values = _float_values(rng, draw(st.sampled_from(FLOAT_REGIMES)), n)
        if draw(st.booleans()) and n:
            # sprinkle non-finite values and signed zeros
            count = draw(st.integers(1, max(1, min(n, 5))))
            where = rng.choice(n, size=count, replace=False)
            values[where] = rng.choice([np.nan, np.inf, -np.inf, 0.0, -0.0], size=count)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        return np.asarray(values).astype(dtype).reshape(shape)


def element_arrays(max_side=4):
    """Small arrays with elements straight from hypothesis (shrinkable;
    includes nan, inf, subnormals, extreme integers)."""
    return st.sampled_from(ALL_DTYPES).flatmap(
        lambda d: hnp.arrays(
            np.dtype(d),
            hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=max_side),
        )
    )


print_option_sets = st.fixed_dictionaries(
    {},
    optional={
        "profile": st.sampled_from(["default", "short", "full"]),
        "precision": st.integers(0, 8),
        "threshold": st.sampled_from([0, 1, 4, 10, 50, 1000, math.inf]),
        "edgeitems": st.integers(0, 4),
        "linewidth": st.integers(10, 200),
        "sci_mode": st.sampled_from([None, True, False]),
    },
)


# ----------------------------------------------------------------------------
# literal seed examples (compared with torch's own repr)
# ----------------------------------------------------------------------------


SEED_TENSORS = {
    "linspace": lambda: torch.linspace(-1, 1, 6),
    "arange": lambda: torch.arange(10),
    "arange_big": lambda: torch.arange(2000),
    "randn_matrix": lambda: torch.randn(100, 100, generator=torch.Generator().manual_seed(0)),
    "randn_4d": lambda: torch.randn(3, 4, 5, 6, generator=torch.Generator().manual_seed(1)) * 1e5,
    "zeros": lambda: torch.zeros(2, 3),
    "ones_int": lambda: torch.ones(2, 3, dtype=torch.int32),
    "scalar_float": lambda: torch.tensor(3.5),
    "scalar_int": lambda: torch.tensor(7),
    "scalar_bool": lambda: torch.tensor(True),
    "scalar_nan": lambda: torch.tensor(float("nan")),
    "scalar_half": lambda: torch.tensor(1e-5, dtype=torch.float16),
    "bools": lambda: torch.tensor([True, False, True]),
    "sci": lambda: torch.tensor([1e-5, 1.0, 123456.0]),
    "int_mode": lambda: torch.tensor([1.0, -2.0, 300.0]),
    "int_mode_nonfinite": lambda: torch.tensor([1.0, float("nan"), float("-inf")]),
    "neg_zero": lambda: torch.tensor([-0.0, 0.5]),
    "nonfinite_only": lambda: torch.tensor([float("nan"), float("inf"), 0.0]),
    "empty_1d": lambda: torch.empty(0),
    "empty_2d": lambda: torch.empty(0, 3),
    "empty_int64": lambda: torch.empty(0, dtype=torch.int64),
    "empty_bool": lambda: torch.empty(2, 0, dtype=torch.bool),
    "empty_float64": lambda: torch.empty(0, dtype=torch.float64),
    "float64": lambda: torch.tensor([1.5, 2.25], dtype=torch.float64),
    "uint8": lambda: torch.tensor([0, 255, 7], dtype=torch.uint8),
    "int8_wide": lambda: torch.arange(-128, 128, dtype=torch.int8).reshape(16, 16),
    "long_row": lambda: torch.arange(60, dtype=torch.float32) / 7,
}


@pytest.mark.parametrize("name", sorted(SEED_TENSORS))
def test_seed_examples(name):
    assert_same(SEED_TENSORS[name]())


def test_linspace_seed_matches_torch_repr():
    t = torch.linspace(-1, 1, 6)
    got = printing.format_tensor(t.numpy(), dtype_name="float32", module_name="torch")
    assert got == repr(t)
    assert got == str(t)


def test_module_name_default_is_tinygrad_lite():
    t = torch.tensor([1, 2], dtype=torch.int32)
    got = printing.format_tensor(t.numpy(), dtype_name="int32")
    assert got == repr(t).replace("torch.", "tinygrad_lite.")


def test_torch_docstring_examples():
    with both_printoptions(precision=2):
        assert_same(torch.tensor([1.12345]))
    with both_printoptions(threshold=5):
        assert_same(torch.arange(10))
    with both_printoptions(profile="default"):
        assert_same(torch.tensor([1.12345]))
        assert_same(torch.arange(10))


# ----------------------------------------------------------------------------
# property tests against torch
# ----------------------------------------------------------------------------


@SETTINGS
@given(random_arrays())
def test_random_arrays_match_torch(arr):
    assert_array_same(arr)


@SETTINGS
@given(element_arrays())
def test_hypothesis_elements_match_torch(arr):
    assert_array_same(arr)


@SETTINGS
@given(random_arrays(), print_option_sets)
def test_print_options_match_torch(arr, options):
    with both_printoptions(**options):
        assert_array_same(arr)


@settings(max_examples=30, deadline=None)
@given(element_arrays(max_side=3), print_option_sets)
def test_print_options_on_hypothesis_elements(arr, options):
    with both_printoptions(**options):
        assert_array_same(arr)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_arrays(allow_big=False), st.sampled_from(["float32", "float64"]))
def test_default_dtype_float64(arr, _unused):
    with default_dtype(torch.float64):
        t = _to_torch(arr)
        got = printing.format_tensor(
            arr, dtype_name=_dtype_name(t), default_dtype_name="float64", module_name="torch"
        )
        assert got == repr(t)


def test_default_dtype_float64_examples():
    with default_dtype(torch.float64):
        for t in [
            torch.linspace(-1, 1, 6),
            torch.tensor([1.5, 2.5], dtype=torch.float32),
            torch.empty(0),
            torch.empty(0, dtype=torch.float32),
            torch.empty(0, 2, dtype=torch.int64),
            torch.tensor(0.1),
        ]:
            assert_same(t, default_dtype_name="float64")
    assert torch.get_default_dtype() == torch.float32


# ----------------------------------------------------------------------------
# autograd suffixes
# ----------------------------------------------------------------------------

OPS = {
    "mul": lambda x: x * 2,
    "add": lambda x: x + 1,
    "neg": lambda x: -x,
    "exp": lambda x: x.exp(),
    "sum": lambda x: x.sum(),
    "mean": lambda x: x.mean(),
    "reshape": lambda x: x.reshape(-1),
    "clone": lambda x: x.clone(),
}


@SETTINGS
@given(
    st.sampled_from(["float32", "float64"]).flatmap(
        lambda d: hnp.arrays(
            np.dtype(d),
            hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4),
            elements=st.floats(-1e6, 1e6, width=32),
        )
    ),
    st.sampled_from(sorted(OPS)),
    print_option_sets,
)
def test_requires_grad_and_grad_fn(arr, op, options):
    with both_printoptions(**options):
        leaf = _to_torch(arr).requires_grad_()
        assert_same(leaf)
        out = OPS[op](leaf)
        assert out.grad_fn is not None
        assert_same(out)


def test_requires_grad_float16_leaf():
    assert_same(torch.tensor([1.0, 2.5], dtype=torch.float16, requires_grad=True))


def test_grad_fn_and_requires_grad_wrap_at_linewidth():
    x = torch.arange(24, dtype=torch.float64).reshape(2, 12).requires_grad_()
    for t in [x, x * 1.5, (x * 1.5).sum(), x[:, :9] + 0.25]:
        assert_same(t)
    with both_printoptions(linewidth=30):
        for t in [x, x * 1.5, torch.tensor([1.5], dtype=torch.float16, requires_grad=True) * 3]:
            assert_same(t)


def test_grad_fn_name_wins_over_requires_grad():
    t = torch.tensor([1.0, 2.0], requires_grad=True) * 2
    got = printing.format_tensor(
        t.detach().numpy(), dtype_name="float32", module_name="torch",
        requires_grad=True, grad_fn_name="MulBackward0", is_leaf=False,
    )
    assert got == repr(t)


# ----------------------------------------------------------------------------
# device suffix and prefix (oracles built from torch's own printing helpers)
# ----------------------------------------------------------------------------


def _torch_layout(t, prefix, suffixes):
    """What torch's _str_intern produces for ``t`` given the suffix list: the
    body comes from torch._tensor_str._tensor_str, the wrapping from
    torch._tensor_str._add_suffixes."""
    indent = len(prefix)
    body = torch._tensor_str._tensor_str(t, indent)
    return torch._tensor_str._add_suffixes(prefix + body, suffixes, indent, False)


@pytest.mark.parametrize("linewidth", [80, 40])
@pytest.mark.parametrize(
    "make",
    [
        lambda: torch.linspace(-1, 1, 6),
        lambda: torch.arange(30, dtype=torch.float64).reshape(3, 10) / 3,
        lambda: torch.tensor([1, 2, 3], dtype=torch.int32),
        lambda: torch.tensor(2.5),
    ],
)
def test_device_suffix(make, linewidth):
    with both_printoptions(linewidth=linewidth):
        t = make()
        suffixes = ["device='cuda:0'"]
        if t.dtype not in (torch.float32, torch.int64, torch.bool):
            suffixes.append("dtype=" + str(t.dtype))
        suffixes.append("requires_grad=True")
        expected = _torch_layout(t, "tensor(", suffixes)
        got = ours(t, device="cuda:0", requires_grad=True)
        assert got == expected
        # a CPU device is never printed
        assert ours(t, device="cpu") == repr(t)


@pytest.mark.parametrize(
    "make",
    [
        lambda: torch.randn(3, 12, generator=torch.Generator().manual_seed(2)),
        lambda: torch.tensor([1, 2, 3], dtype=torch.int16),
        lambda: torch.tensor(2.5),
        lambda: torch.empty(0, 4),
    ],
)
def test_tensor_prefix_matches_torch_subclass(make):
    class MyTensor(torch.Tensor):
        pass

    t = make().as_subclass(MyTensor)
    plain = t.as_subclass(torch.Tensor)
    assert ours(plain, tensor_prefix="MyTensor") == repr(t)


# ----------------------------------------------------------------------------
# option bookkeeping
# ----------------------------------------------------------------------------


def test_get_and_set_printoptions_mirror_torch():
    calls = [
        dict(profile="short"),
        dict(profile="full", precision=6),
        dict(precision=2, sci_mode=True),
        dict(edgeitems=1),  # sci_mode falls back to None, as in torch
        dict(threshold=7, linewidth=33, sci_mode=False),
        dict(profile="default"),
    ]
    with both_printoptions():
        for kwargs in calls:
            torch.set_printoptions(**kwargs)
            printing.set_printoptions(**kwargs)
            assert printing.get_printoptions() == torch._tensor_str.get_printoptions()
            assert_same(torch.arange(100, dtype=torch.float32) / 3)
    assert printing.get_printoptions() == torch._tensor_str.get_printoptions()


def test_printoptions_context_manager_restores():
    before = printing.get_printoptions()
    with printing.printoptions(precision=1, sci_mode=True):
        assert printing.get_printoptions()["precision"] == 1
    assert printing.get_printoptions() == before


def test_does_not_import_torch():
    source = _PATH.read_text()
    assert "import torch" not in source
    assert "from torch" not in source


@pytest.mark.parametrize("dtype", ["float16", "float64", "int32", "uint8"])
@pytest.mark.parametrize("n", [1001, 2000, 40])
def test_suffix_wraps_where_torchs_does(dtype, n):
    """Our repr names its module ('dtype=tinygrad_lite.float16'), and still breaks its lines
    where torch's repr does: a suffix is measured as torch's."""
    import tinygrad_lite as tl
    ours = repr(tl.arange(n, dtype=getattr(tl, dtype)) if dtype.startswith("int") or dtype == "uint8"
                else tl.arange(float(n), dtype=getattr(tl, dtype)))
    theirs = repr(torch.arange(n, dtype=getattr(torch, dtype)) if dtype.startswith("int") or dtype == "uint8"
                  else torch.arange(float(n), dtype=getattr(torch, dtype)))
    assert ours.replace("tinygrad_lite.", "torch.") == theirs
