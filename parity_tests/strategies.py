"""Hypothesis strategies shared by the parity tests.

Everything here draws plain Python / NumPy data (shapes, dtype names, value arrays, layout recipes,
dims): each test builds torch's and tinygrad_lite's tensors from the very same NumPy array, so the
two engines always start from identical values.
"""
import dataclasses
import math

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

MAX_DIMS = 4
MAX_SIDE = 4
FLOAT_DTYPES = ("float32", "float64")
INT_DTYPES = ("uint8", "int8", "int16", "int32", "int64")
ALL_DTYPES = ("bool",) + INT_DTYPES + ("float16",) + FLOAT_DTYPES


# shapes ------------------------------------------------------------------------------------
def _side(ndim, max_side):
    """3- and 4-D shapes keep to sides of 3 (81 elements at most): the tests stay fast."""
    return min(max_side, 3) if ndim >= 3 else max_side


def shapes(min_dims=0, max_dims=MAX_DIMS, min_side=1, max_side=MAX_SIDE, allow_empty=True):
    """Shapes from 0-d to `max_dims`-D; with `allow_empty`, one draw in eight has a size-0 dim."""
    dense = st.integers(min_dims, max_dims).flatmap(lambda nd: hnp.array_shapes(
        min_dims=nd, max_dims=nd, min_side=min_side, max_side=_side(nd, max_side)))
    if not allow_empty or max_dims == 0:
        return dense
    empty = hnp.array_shapes(min_dims=max(min_dims, 1), max_dims=max_dims, min_side=0,
                             max_side=max_side).filter(lambda s: 0 in s)
    return st.integers(0, 7).flatmap(lambda k: empty if k == 0 else dense)


def broadcastable_shapes(n, min_dims=0, max_dims=MAX_DIMS, allow_empty=True):
    """A tuple of `n` mutually broadcastable shapes (size-1 dims and missing leading dims)."""
    def draw(min_side):
        return hnp.mutually_broadcastable_shapes(num_shapes=n, min_dims=min_dims,
                                                 max_dims=max_dims, min_side=min_side,
                                                 max_side=_side(max_dims, MAX_SIDE)).map(
            lambda b: b.input_shapes)
    if not allow_empty:
        return draw(1)
    return st.integers(0, 7).flatmap(lambda k: draw(0 if k == 0 else 1))


def numel(shape):
    return math.prod(shape)


# value domains -----------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Domain:
    """Where an op's input lives: the values are drawn from `elements`.

    `kind` is "float" (a differentiable input), "const" (floats that never require grad),
    "bool" or "int".
    `distinct` draws values at least 1e-3 apart: ops whose derivative jumps at ties (max, sort)
    are only differentiable, and gradcheck-able (eps = 1e-6), away from ties.
    """

    name: str
    elements: st.SearchStrategy
    kind: str = "float"
    distinct: bool = False

    def _repr_pretty_(self, p, cycle):
        p.text(f"Domain({self.name})")

    def with_distinct(self):
        return dataclasses.replace(self, name=self.name + "+distinct", distinct=True)


def _floats(lo, hi):
    """Floats in [lo, hi]; magnitudes below 1e-6 become 0 (or lo). Values like 1e-134 only test
    which engine underflows first in x ** 3 or in a product, where both are right."""
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False).map(
        lambda x: x if abs(x) >= 1e-6 else (0.0 if lo <= 0.0 <= hi else lo))


def _away_from_zero(lo, hi):
    """|x| in [lo, hi], either sign: keeps inputs off the kink or pole at 0."""
    return st.tuples(_floats(lo, hi), st.booleans()).map(lambda p: -p[0] if p[1] else p[0])


def _non_integer(lo, hi):
    """Values at least 0.1 away from every integer and half-integer (floor/round are steps)."""
    frac = _floats(0.1, 0.4) | _floats(0.6, 0.9)
    return st.tuples(st.integers(lo, hi - 1), frac).map(lambda p: p[0] + p[1])


REAL = Domain("real", _floats(-3, 3))
SMALL = Domain("small", _floats(-1.5, 1.5))             # sinh/cosh/exp chains stay moderate
POSITIVE = Domain("positive", _floats(0.25, 3))         # log, sqrt, rsqrt, pow bases
UNIT = Domain("unit", _floats(-0.9, 0.9))               # asin/acos: open interval (-1, 1)
TAN = Domain("tan", _floats(-1.2, 1.2))                 # tan: away from the poles at +-pi/2
LOG1P = Domain("log1p", _floats(-0.75, 3))              # log1p: x > -1
NONZERO = Domain("nonzero", _away_from_zero(0.25, 3))   # divisors, abs/relu/sign kinks
NONINTEGER = Domain("noninteger", _non_integer(-3, 3))  # floor/ceil/round/trunc/remainder
GRID = Domain("grid", st.integers(-2, 2).map(float))    # ties on purpose (max/clamp/maximum)
# off the grid: at least 0.15 from every multiple of 0.5 (the clamp bounds the tests draw), so
# ops with kinks there are differentiable at every drawn point (gradcheck of clamp, max...)
OFFGRID = Domain("offgrid", st.tuples(st.integers(-6, 5), _floats(-0.1, 0.1)).map(
    lambda p: p[0] * 0.5 + 0.25 + p[1]))
BOOL = Domain("bool", st.booleans(), kind="bool")
PROB = Domain("prob", _floats(0.05, 0.95))               # probabilities (BCE inputs)
# distinct values on a 0.01 grid: normalisations (layer/batch norm) of nearly equal values divide
# rounding noise by a near-zero deviation, which no tolerance of the result's size covers
SPREAD = Domain("spread", st.integers(-300, 300).map(lambda k: k / 100), distinct=True)
PROB_TARGET = Domain("prob_target", _floats(0.0, 1.0), kind="const")  # BCE has no target grad


@st.composite
def arrays(draw, shape, domain):
    """A float64 (or bool) NumPy array of `shape` with independent elements from `domain`."""
    if domain.kind == "bool":
        return draw(hnp.arrays(np.bool_, shape, elements=domain.elements, fill=st.nothing()))
    values = hnp.arrays(np.float64, shape, elements=domain.elements, fill=st.nothing(),
                        unique=domain.distinct)
    if domain.distinct:
        values = values.filter(lambda a: a.size < 2 or np.diff(np.sort(a, axis=None)).min() > 1e-3)
    return draw(values)


def scalars(domain):
    """A Python number from `domain` (a float; an int one draw in four when it is integral)."""
    return domain.elements.flatmap(
        lambda x: st.sampled_from([x, int(x)]) if float(x).is_integer() else st.just(x))


# layouts: how a test input sits in memory ---------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Layout:
    """A recipe that turns a leaf of `base_shape` into a view of the target shape.

    kind: "contiguous", "permuted" (a transpose-like permutation), "strided" (every other element
    along `dim`, from `start`) or "expanded" (size-1 dims of the leaf expanded, stride 0).
    """

    kind: str
    shape: tuple
    base_shape: tuple
    perm: tuple = ()
    dim: int = 0
    start: int = 0

    def _repr_pretty_(self, p, cycle):
        p.text(f"Layout({self.kind}, {self.shape})")

    def apply(self, t):
        """Apply the recipe to a tensor of either engine."""
        if self.kind == "permuted":
            return t.permute(*np.argsort(self.perm).tolist())
        if self.kind == "strided":
            key = [slice(None)] * len(self.shape)
            key[self.dim] = slice(self.start, None, 2)
            return t[tuple(key)]
        if self.kind == "expanded":
            return t.expand(*self.shape)
        return t


@st.composite
def layouts(draw, shape, allow_expand=True):
    """A layout for a tensor of `shape`: contiguous half the time, else a non-contiguous view."""
    shape = tuple(shape)
    kinds = ["contiguous", "contiguous", "contiguous"]
    if len(shape) >= 2:
        kinds.append("permuted")
    if shape:
        kinds.append("strided")
    if allow_expand and any(n > 1 for n in shape):
        kinds.append("expanded")
    kind = draw(st.sampled_from(kinds))
    if kind == "permuted":
        perm = tuple(draw(st.permutations(range(len(shape)))))
        return Layout(kind, shape, tuple(shape[p] for p in perm), perm=perm)
    if kind == "strided":
        dim = draw(st.integers(0, len(shape) - 1))
        start = draw(st.integers(0, 1))
        base = list(shape)
        base[dim] = 2 * shape[dim] + start
        return Layout(kind, shape, tuple(base), dim=dim, start=start)
    if kind == "expanded":
        dims = draw(st.sets(st.sampled_from([i for i, n in enumerate(shape) if n > 1]), min_size=1))
        return Layout(kind, shape, tuple(1 if i in dims else n for i, n in enumerate(shape)))
    return Layout(kind, shape, shape)


# dims, indices ------------------------------------------------------------------------------
def dims(ndim):
    """A valid dim for an `ndim`-D tensor, negative half the time (0-d tensors accept 0 and -1)."""
    n = max(ndim, 1)
    return st.integers(-n, n - 1)


def dim_sets(ndim):
    """None, one dim, or a tuple of distinct dims (possibly empty) for a reduction."""
    n = max(ndim, 1)
    dim_tuple = st.lists(st.integers(0, n - 1), unique=True, max_size=n).flatmap(
        lambda ds: st.tuples(*[st.sampled_from([d, d - n]) for d in ds]))
    return st.one_of(st.none(), dims(ndim), dim_tuple)


def indices(size, min_size=0, max_size=6):
    """A list of indices into a dim of `size` (repeats allowed, negative ones too)."""
    if size == 0:
        return st.just([])
    return st.lists(st.integers(-size, size - 1), min_size=min_size, max_size=max_size)


def basic_keys(shape):
    """A basic indexing key (ints, slices with steps, None, ...) that is valid for `shape`."""
    @st.composite
    def key(draw):
        parts = []
        use_ellipsis = draw(st.booleans())
        n_index = draw(st.integers(0, len(shape)))
        ellipsis_at = draw(st.integers(0, n_index)) if use_ellipsis else -1
        for i in range(n_index):
            if i == ellipsis_at:
                parts.append(Ellipsis)
            while draw(st.integers(0, 5)) == 0:
                parts.append(None)
            size = shape[i] if ellipsis_at < 0 or i < ellipsis_at else \
                shape[len(shape) - (n_index - i)]
            parts.append(draw(_int_or_slice(size)))
        if ellipsis_at == n_index:
            parts.append(Ellipsis)
        return parts[0] if len(parts) == 1 and draw(st.booleans()) else tuple(parts)
    return key()


def _int_or_slice(size):
    bound = st.one_of(st.none(), st.integers(-size - 2, size + 2))
    sl = st.builds(slice, bound, bound, st.one_of(st.none(), st.integers(1, 3)))
    return sl if size == 0 else st.one_of(st.integers(-size, size - 1), sl)
