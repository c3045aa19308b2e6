"""The op table: every public differentiable operation of tinygrad_lite, listed once.

This is our derivatives.yaml. A row (`Op`) names the op, the public spellings it covers
("Tensor.add", "torch.add", "Tensor.__add__", "Tensor.add_", ...), one value `Domain` per input,
the input shapes, the extra arguments (dims, keepdim, exponents, alpha...) and what its derivatives
support. Each spelling is written once as a function of the module (`torch` or `tinygrad_lite`),
so both engines run the very same code. The generic tests in test_op_table.py iterate the rows;
test_coverage_gate.py fails when a differentiable public name is missing here; the differential
fuzzer (test_fuzz_programs.py) draws its ops from here.

To add an op: one row below (usually one line with a factory: unary / binary / reduction /
movement / row).
"""
import dataclasses
import math
import operator

import numpy as np
from hypothesis import strategies as st
from strategies import (
    BOOL,
    FLOAT_DTYPES,
    GRID,
    LOG1P,
    MAX_DIMS,
    MAX_SIDE,
    NONINTEGER,
    NONZERO,
    OFFGRID,
    POSITIVE,
    PROB,
    PROB_TARGET,
    REAL,
    SMALL,
    SPREAD,
    TAN,
    UNIT,
    Domain,
    Layout,
    arrays,
    basic_keys,
    broadcastable_shapes,
    dim_sets,
    dims,
    indices,
    layouts,
    numel,
    scalars,
    shapes,
)


# calls ---------------------------------------------------------------------------------------
class Call:
    """Extra positional and keyword arguments of a call. NumPy arrays among them become tensors of
    the engine that runs the call (index tensors, masks); an `AsInput` array takes the dtype of
    the call's first tensor input (class weights, running statistics)."""

    def __init__(self, *args, **kwargs):
        self.args, self.kwargs = args, kwargs

    def __repr__(self):
        parts = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return f"Call({', '.join(parts)})"

    def bind(self, m, inputs=()):
        like = next((x for x in inputs if isinstance(x, m.Tensor)), None)
        return (tuple(_to_engine(m, a, like) for a in self.args),
                {k: _to_engine(m, v, like) for k, v in self.kwargs.items()})


class DtypeName(str):
    """A dtype given by name ("float64"), bound to the engine's dtype object."""


class AsInput:
    """An array argument that takes the dtype of the call's first tensor input."""

    def __init__(self, array):
        self.array = array

    def __repr__(self):
        return f"AsInput({np.array2string(self.array, threshold=8)})"


def _to_engine(m, value, like=None):
    if isinstance(value, DtypeName):
        return getattr(m, value)
    if isinstance(value, AsInput):
        return m.tensor(value.array.copy(), dtype=like.dtype)
    if isinstance(value, np.ndarray):
        return m.tensor(value.copy())
    if isinstance(value, (tuple, list)) and any(isinstance(v, (np.ndarray, AsInput)) for v in value):
        return type(value)(_to_engine(m, v, like) for v in value)
    return value


NO_EXTRAS = Call()


def _just_call(_shapes):
    return st.just(NO_EXTRAS)


# spellings ------------------------------------------------------------------------------------
_REFLECTED = {"__radd__": operator.add, "__rsub__": operator.sub, "__rmul__": operator.mul,
              "__rtruediv__": operator.truediv, "__rpow__": operator.pow,
              "__rmatmul__": operator.matmul}


@dataclasses.dataclass(frozen=True)
class Spelling:
    """One public way to call an op. fn(m, inputs, call) runs it on module m.

    tensor_slot: the input that must be a tensor (the receiver of a method; the right operand of
    a reflected dunder); extras: whether the spelling takes the row's extra arguments.
    """

    name: str
    fn: object
    tensor_slot: int = 0
    extras: bool = True

    def _repr_pretty_(self, p, cycle):
        p.text(f"Spelling({self.name})")

    @property
    def public_name(self):
        return self.name.split("(", 1)[0]


def writable_copy(m, inputs):
    """A fresh non-leaf copy of inputs[0], grown to the broadcast shape of the tensor inputs, for
    spellings that write in place (x.add_(y) must not touch the test's leaves)."""
    x = inputs[0]
    shape = m.broadcast_shapes(*[t.shape for t in inputs if isinstance(t, m.Tensor)])
    return (x.expand(shape) if tuple(x.shape) != tuple(shape) else x).clone()


def _function(attr):
    def fn(m, xs, call):
        args, kwargs = call.bind(m, xs)
        return getattr(m, attr)(*xs, *args, **kwargs)
    return fn


def _nn_function(attr):
    def fn(m, xs, call):
        args, kwargs = call.bind(m, xs)
        return getattr(m.nn.functional, attr)(*xs, *args, **kwargs)
    return fn


def _method(attr):
    def fn(m, xs, call):
        args, kwargs = call.bind(m, xs)
        return getattr(xs[0], attr)(*xs[1:], *args, **kwargs)
    return fn


def _inplace_method(attr):
    def fn(m, xs, call):
        args, kwargs = call.bind(m, xs)
        return getattr(writable_copy(m, xs), attr)(*xs[1:], *args, **kwargs)
    return fn


def spelling(name):
    """The Spelling for a public name: "torch.f", "F.f" (nn.functional), "Tensor.f", "Tensor.f_"
    (in place, on a copy),
    "Tensor.__op__" (operator, no extras), "Tensor.__rop__" (reflected operator)."""
    owner, attr = name.split(".", 1)
    if owner == "torch":
        return Spelling(name, _function(attr))
    if owner == "F":
        return Spelling(name, _nn_function(attr))
    if attr in _REFLECTED:
        op = _REFLECTED[attr]
        return Spelling(name, lambda m, xs, call: op(xs[0], xs[1]), tensor_slot=1, extras=False)
    if attr.startswith("__i") and attr.endswith("__"):
        return Spelling(name, _inplace_method(attr), extras=False)
    if attr.startswith("__"):
        return Spelling(name, _method(attr), extras=False)
    if attr.endswith("_"):
        return Spelling(name, _inplace_method(attr))
    return Spelling(name, _method(attr))


def custom(name, fn, tensor_slot=0):
    """A spelling written out by hand: fn(m, *inputs, *extra_args, **extra_kwargs)."""
    def run(m, xs, call):
        args, kwargs = call.bind(m, xs)
        return fn(m, *xs, *args, **kwargs)
    return Spelling(name, run, tensor_slot=tensor_slot)


def _spellings(names, extra=()):
    out = {s.name: s for s in (spelling(n) for n in names.split())}
    out.update((s.name, s) for s in extra)
    return out


# rows -------------------------------------------------------------------------------------------
@dataclasses.dataclass(eq=False)
class Op:
    """One differentiable op.

    domains: one Domain per input (a variadic op repeats its single domain).
    shapes(max_side, max_dims): strategy of the tuple of input shapes.
    extras(shapes): strategy of the extra arguments (a Call).
    scalar_inputs: inputs that may also be given as Python numbers.
    reduces: float32 tolerance scales with the input size (see helpers.tolerance).
    ties: also drawn on a grid of integers, so values tie (max/min rules, clamp boundaries);
      gradcheck then draws distinct values, away from the kinks.
    gradgrad: gradgradcheck passes (double backward is supported).
    second_order: compare create_graph second derivatives with torch's.
    allow_expand: inputs may be stride-0 expanded views.
    contiguous_only: inputs are always contiguous (known deviations on other layouts, each an
      xfail test of its own).
    variadic: the tensor inputs are passed as one list (cat, stack).
    undefined_at: f(torch's result) -> True where the op's gradient is undefined and torch's
      value is a rounding artefact (std of equal values: 0 or 1e-16, by summation order), so
      gradients are not compared there.
    """

    name: str
    spellings: dict
    domains: tuple
    shapes: object
    extras: object = _just_call
    scalar_inputs: frozenset = frozenset()
    reduces: bool = False
    ties: bool = False
    gradgrad: bool = True
    second_order: bool = True
    allow_expand: bool = True
    variadic: bool = False
    contiguous_only: bool = False
    undefined_at: object = None

    def domain(self, i):
        return self.domains[0] if self.variadic else self.domains[i]

    def __repr__(self):
        return f"Op({self.name})"

    def _repr_pretty_(self, p, cycle):
        p.text(repr(self))


def _broadcast(n):
    return lambda side, ndims: broadcastable_shapes(n, max_dims=ndims).filter(
        lambda ss: all(max(s, default=1) <= side for s in ss))


def _one(min_dims=0, allow_empty=True):
    return lambda side, ndims: shapes(min_dims=min_dims, max_dims=max(ndims, min_dims),
                                      max_side=side, allow_empty=allow_empty).map(lambda s: (s,))


def unary(name, domain=REAL, names=None, **kw):
    """An elementwise op of one tensor: spelled x.f(), torch.f(x), x.f_() unless `names` says."""
    names = names or f"Tensor.{name} torch.{name} Tensor.{name}_"
    return Op(name, _spellings(names), (domain,), _one(), **kw)


def binary(name, domains=(REAL, REAL), names=None, scalar_inputs=(0, 1), extra=(), **kw):
    """An elementwise op of two broadcastable inputs, either of which may be a Python number."""
    names = names or f"Tensor.{name} torch.{name} Tensor.{name}_"
    return Op(name, _spellings(names, extra), tuple(domains), _broadcast(len(domains)),
              scalar_inputs=frozenset(scalar_inputs), **kw)


def _reduce_call(dim_kw="dim", keepdim=True, dim_required=False, dim_strategy=dim_sets):
    """Extras of a reduction: a dim (or dims, or none) and keepdim."""
    def extras(ss):
        ndim = len(ss[0])
        dim = dim_strategy(ndim)
        if dim_required:
            dim = dim.filter(lambda d: d is not None)
        with_dim = st.fixed_dictionaries({dim_kw: dim}, optional={"keepdim": st.booleans()}
                                         if keepdim else {}).map(lambda k: Call(**k))
        return with_dim if dim_required else st.one_of(st.just(NO_EXTRAS), with_dim)
    return extras


def reduction(name, domain=REAL, names=None, extras=None, **kw):
    names = names or f"Tensor.{name} torch.{name}"
    return Op(name, _spellings(names), (domain,), _one(), extras=extras or _reduce_call(),
              reduces=True, **kw)


def movement(name, extras, names=None, min_dims=0, allow_empty=True, **kw):
    names = names or f"Tensor.{name} torch.{name}"
    return Op(name, _spellings(names), (REAL,), _one(min_dims, allow_empty), extras=extras, **kw)


# extra-argument strategies ---------------------------------------------------------------------
def _alpha(_ss):
    return st.one_of(st.just(NO_EXTRAS), st.sampled_from([2, -0.5, 0.25]).map(lambda a: Call(alpha=a)))


def _single_dim(ss, keepdim=False, **kw):
    d = dims(len(ss[0]))
    if keepdim:
        return st.builds(lambda dim, k: Call(dim, keepdim=k), d, st.booleans())
    return d.map(lambda dim: Call(dim, **kw))


def _clamp_bounds(_ss):
    bound = st.one_of(st.none(), st.sampled_from([-1, 0, 1, -0.5, 0.5, 1.5]))
    return st.tuples(bound, bound).filter(lambda b: b != (None, None)).flatmap(
        lambda b: st.sampled_from([Call(*b), Call(min=b[0], max=b[1])]))


def _pow_exponents(_ss):
    return st.sampled_from([2, 3, 0, 1, -1, 0.5, -1.5, 2.5]).map(lambda e: Call(e))


def _softmax_extras(ss):
    return dims(len(ss[0])).flatmap(lambda d: st.sampled_from([Call(d), Call(dim=d)]))


def _std_of_equal_values(result):
    """A std at (or within rounding of) 0: its slice held equal values."""
    values = result.detach().abs()
    return bool((values < 1e-12).any())


def _var_extras(ss):
    """dim=() is left out: torch's var/std backward then counts one element per reduction (see
    test_autograd_semantics.py::test_var_backward_with_empty_dim_list, xfail)."""
    ndim = len(ss[0])
    return st.fixed_dictionaries({}, optional={
        "dim": dim_sets(ndim).filter(lambda d: d != ()), "keepdim": st.booleans(),
        "correction": st.sampled_from([0, 1, 2])}).map(lambda k: Call(**k))


def _norm_extras(ss):
    ndim = len(ss[0])
    return st.fixed_dictionaries({}, optional={
        "p": st.sampled_from([1, 2, 3, 1.5, "fro", float("inf")]), "dim": dim_sets(ndim),
        "keepdim": st.booleans()}).map(lambda k: Call(**k))


def _max_extras(ss):
    return st.one_of(st.just(NO_EXTRAS), _single_dim(ss, keepdim=True))


def _amax_extras(ss):
    return _reduce_call()(ss)


def _view_shapes(ss):
    """A shape with the same number of elements (one dim possibly -1)."""
    n = numel(ss[0])
    factors = [d for d in range(1, n + 1) if n % d == 0] if n else [0, 1, 2]

    @st.composite
    def shape(draw):
        out, left = [], n
        for _ in range(draw(st.integers(0, 3))):
            d = draw(st.sampled_from([f for f in factors if (left % f == 0 if left else True)]))
            out.append(d)
            left = left // d if d else left
        if n == 0 and 0 not in out:
            out.append(0)
        elif left != 1 or not out:
            out.append(left)
        if out and draw(st.booleans()) and out.count(0) == 0:
            out[draw(st.integers(0, len(out) - 1))] = -1
        if math.prod(out) not in (n, -n) and -1 not in out:
            out = [n]
        return tuple(out)
    return shape()


def _view_extras(ss):
    return _view_shapes(ss).flatmap(lambda s: st.sampled_from([Call(*s), Call(s)]))


def _resolved(shape, n):
    """`shape` with its -1 replaced by the size that makes `n` elements."""
    known = math.prod(d for d in shape if d != -1)
    return tuple(n // known if d == -1 else d for d in shape)


def _view_as_extras(ss):
    return _view_shapes(ss).map(lambda s: Call(np.zeros(_resolved(s, numel(ss[0])))))


def _two_dims(ss):
    return st.tuples(dims(len(ss[0])), dims(len(ss[0]))).map(lambda d: Call(*d))


def _permute_extras(ss):
    return st.permutations(range(len(ss[0]))).flatmap(
        lambda p: st.sampled_from([Call(tuple(p)), Call(dims=tuple(p))]))


def _unsqueeze_extras(ss):
    n = len(ss[0]) + 1
    return st.integers(-n, n - 1).map(Call)


def _squeeze_extras(ss):
    ndim = len(ss[0])
    return st.one_of(st.just(NO_EXTRAS), dims(ndim).map(Call),
                     st.lists(st.integers(0, max(ndim, 1) - 1), unique=True).map(
                         lambda d: Call(tuple(d))))


def _expand_extras(ss):
    shape = ss[0]

    @st.composite
    def target(draw):
        lead = draw(st.lists(st.integers(0, 3), max_size=2))
        own = [draw(st.sampled_from([2, 3, -1, 1])) if n == 1 else draw(st.sampled_from([n, -1]))
               for n in shape]
        return tuple(lead) + tuple(own)
    return target().flatmap(lambda t: st.sampled_from([Call(*t), Call(t)]) if t else st.just(Call(t)))


def _expand_as_extras(ss):
    def target(call):
        shape = call.args[0] if len(call.args) == 1 and isinstance(call.args[0], tuple) else call.args
        lead = len(shape) - len(ss[0])
        return np.zeros([ss[0][i - lead] if n == -1 else n for i, n in enumerate(shape)])
    return _expand_extras(ss).map(lambda c: Call(target(c)))


def _flatten_extras(ss):
    ndim = len(ss[0])
    return st.one_of(st.just(NO_EXTRAS), st.tuples(dims(ndim), dims(ndim)).filter(
        lambda d: d[0] % max(ndim, 1) <= d[1] % max(ndim, 1)).map(lambda d: Call(*d)))


def _unflatten_extras(ss):
    shape = ss[0]

    @st.composite
    def extras(draw):
        dim = draw(dims(len(shape)))
        n = shape[dim]
        splits = [d for d in range(1, n + 1) if n % d == 0] or [1]
        first = draw(st.sampled_from(splits)) if n else 0
        sizes = (first, n // first if first else 0)
        if n and draw(st.booleans()):
            sizes = (first, -1)
        return Call(dim, sizes)
    return extras()


def _narrow_extras(ss):
    shape = ss[0]

    @st.composite
    def extras(draw):
        dim = draw(dims(len(shape)))
        size = shape[dim]
        start = draw(st.integers(0, size))
        length = draw(st.integers(0, size - start))
        if draw(st.booleans()) and size:
            start -= size if start < size else 0
        return Call(dim, start, length)
    return extras()


def _select_extras(ss):
    shape = ss[0]
    return dims(len(shape)).flatmap(
        lambda d: st.integers(-shape[d], shape[d] - 1).map(lambda i: Call(d, i)))


def _as_strided_extras(ss):
    n = numel(ss[0])

    @st.composite
    def extras(draw):
        ndim = draw(st.integers(0, 3))
        size = tuple(draw(st.integers(1, 3)) for _ in range(ndim))
        stride = tuple(draw(st.integers(0, 3)) for _ in range(ndim))
        span = sum((s - 1) * t for s, t in zip(size, stride))
        offset = draw(st.integers(0, max(0, n - 1 - span)))
        return Call(size, stride, offset)
    return extras().filter(
        lambda c: n and sum((s - 1) * t for s, t in zip(c.args[0], c.args[1])) + c.args[2] < n)


def _split_extras(ss):
    shape = ss[0]

    @st.composite
    def extras(draw):
        dim = draw(dims(len(shape)))
        size = shape[dim]
        if draw(st.booleans()) or not size:
            return Call(draw(st.integers(1, max(size, 1))), dim)
        cuts = sorted(draw(st.lists(st.integers(0, size), max_size=3)))
        sections = [b - a for a, b in zip([0] + cuts, cuts + [size])]
        return Call(sections, dim=dim)
    return extras()


def _chunk_extras(ss):
    return st.tuples(st.integers(1, 5), dims(len(ss[0]))).map(lambda a: Call(*a))


def _repeat_extras(ss):
    ndim = len(ss[0])
    return st.lists(st.integers(0, 3), min_size=ndim, max_size=ndim + 2).flatmap(
        lambda r: st.sampled_from([Call(*r), Call(tuple(r))]) if r else st.just(Call(())))


def _flip_extras(ss):
    ndim = len(ss[0])
    return st.lists(st.integers(-max(ndim, 1), max(ndim, 1) - 1), unique_by=lambda d: d % max(ndim, 1),
                    max_size=max(ndim, 1)).map(lambda d: Call(tuple(d)))


def _movedim_extras(ss):
    ndim = len(ss[0])
    if ndim == 0:
        return st.just(Call(0, 0))
    src = st.lists(st.integers(0, ndim - 1), unique=True, min_size=1, max_size=ndim)
    return src.flatmap(lambda s: st.permutations(range(ndim)).map(
        lambda p: Call(s[0], p[0]) if len(s) == 1 else Call(tuple(s), tuple(p[:len(s)]))))


def _tri_extras(ss):
    return st.one_of(st.just(NO_EXTRAS), st.integers(-3, 3).map(Call))


def _index_along(ss, index_ndim_same=True):
    """(dim, int64 index array) for gather/scatter: the index has the input's ndim, each size at
    most the input's, values in range."""
    shape = ss[0]

    @st.composite
    def extras(draw):
        dim = draw(dims(len(shape)))
        d = dim % max(len(shape), 1)
        idx_shape = tuple(draw(st.integers(0 if n == 0 else 1, n)) if i != d else
                          draw(st.integers(0, 4)) for i, n in enumerate(shape))
        size = shape[d] if shape else 1
        if size == 0:
            idx_shape = tuple(0 if i == d else n for i, n in enumerate(idx_shape))
        idx = draw(arrays(idx_shape, Domain("index", st.integers(0, max(size - 1, 0)), kind="int")))
        return dim, idx.astype(np.int64)
    return extras()


def _gather_extras(ss):
    return _index_along(ss).flatmap(lambda di: st.sampled_from(
        [Call(di[0], di[1]), Call(dim=di[0], index=di[1])]))


def _index_select_extras(ss):
    shape = ss[0]
    return dims(len(shape)).flatmap(lambda d: indices(shape[d] if shape else 1).map(
        lambda ix: Call(d, np.array([i % (shape[d] if shape else 1) for i in ix], np.int64))))


def _advanced_keys(ss):
    """Advanced keys: index lists with repeats (and a 2-D one), boolean masks, mixed with
    slices."""
    shape = ss[0]

    @st.composite
    def advanced(draw):
        if not shape:
            return np.array(draw(st.booleans()))
        dim = draw(st.integers(0, len(shape) - 1))
        if draw(st.booleans()):
            idx = np.array(draw(indices(shape[dim])), np.int64)
            if draw(st.booleans()) and idx.size:
                idx = idx.reshape(draw(st.sampled_from([(idx.size,), (1, idx.size)])))
        else:
            idx = draw(arrays(shape[dim:dim + 1], BOOL))
        key = (slice(None),) * dim + (idx,)
        return key[0] if len(key) == 1 else key
    return advanced().map(Call)


def _masked_fill_extras(_ss):
    return st.sampled_from([0.0, -1.5, 2]).map(Call)


def _scatter_extras(ss):
    """(dim, index, src) with src at least the index's size."""
    return _index_along(ss).flatmap(lambda di: st.tuples(
        st.just(di), arrays(di[1].shape, REAL))).map(lambda p: Call(p[0][0], p[0][1], p[1]))


def _index_put_extras(ss):
    """An index list (repeats allowed) into dim 0, and accumulate."""
    return st.builds(lambda ix, acc: Call((np.array(ix, np.int64),), accumulate=acc),
                     indices(ss[0][0]), st.booleans())


# shapes strategies for the special signatures --------------------------------------------------
def _matmul_shapes(side, ndims):
    k = st.integers(0 if side > 2 else 1, side)
    size = st.integers(1, side)

    @st.composite
    def pair(draw):
        kind = draw(st.sampled_from(["11", "21", "12", "22", "32", "31", "13", "batched"]))
        n, m, inner = draw(size), draw(size), draw(k)
        if kind == "batched":
            batch = draw(broadcastable_shapes(2, max_dims=max(ndims - 2, 1), allow_empty=False))
            return batch[0] + (n, inner), batch[1] + (inner, m)
        lead = (draw(size),)
        a = {"1": (inner,), "2": (n, inner), "3": lead + (n, inner)}[kind[0]]
        b = {"1": (inner,), "2": (inner, m), "3": lead + (inner, m)}[kind[1]]
        return a, b
    return pair()


def _fixed_shapes(make):
    return lambda side, ndims: make(st.integers(1, side), st.integers(0 if side > 2 else 1, side))


def _mm_shapes(side, ndims):
    return _fixed_shapes(lambda s, k: st.builds(lambda n, i, m: ((n, i), (i, m)), s, k, s))(side, ndims)


def _bmm_shapes(side, ndims):
    return _fixed_shapes(lambda s, k: st.builds(
        lambda b, n, i, m: ((b, n, i), (b, i, m)), s, s, k, s))(side, ndims)


def _mv_shapes(side, ndims):
    return _fixed_shapes(lambda s, k: st.builds(lambda n, i: ((n, i), (i,)), s, k))(side, ndims)


def _dot_shapes(side, ndims):
    return _fixed_shapes(lambda s, k: k.map(lambda i: ((i,), (i,))))(side, ndims)


def _inner_shapes(side, ndims):
    lead = shapes(max_dims=max(ndims - 1, 0), max_side=side, allow_empty=False)
    return st.builds(lambda a, b, i: (a + (i,), b + (i,)), lead, lead, st.integers(1, side))


def _outer_shapes(side, ndims):
    return st.tuples(st.integers(0, side), st.integers(0, side)).map(lambda p: ((p[0],), (p[1],)))


def _at_most_2d(side, ndims):
    return shapes(max_dims=2, max_side=side).map(lambda s: (s,))


def _matrix_shape(side, ndims):
    return shapes(min_dims=2, max_dims=max(ndims, 2), max_side=side).map(lambda s: (s,))


def _cat_shapes(side, ndims):
    @st.composite
    def draw_shapes(draw):
        base = list(draw(shapes(min_dims=1, max_dims=ndims, max_side=side)))
        dim = draw(st.integers(0, len(base) - 1))
        out = []
        for _ in range(draw(st.integers(1, 3))):
            base[dim] = draw(st.integers(0, side))
            out.append(tuple(base))
        return tuple(out)
    return draw_shapes()


def _stack_shapes(side, ndims):
    return st.tuples(shapes(max_dims=max(ndims - 1, 0), max_side=side),
                     st.integers(1, 3)).map(lambda p: (p[0],) * p[1])


def _cat_extras(ss):
    ndim = len(ss[0])
    differing = [d for d in range(ndim) if len({s[d] for s in ss}) > 1]
    dim = st.sampled_from(differing) if differing else dims(ndim)
    return dim.flatmap(lambda d: st.sampled_from([Call(d), Call(dim=d), Call(d - ndim)]))


def _stack_extras(ss):
    n = len(ss[0]) + 1
    return st.integers(-n, n - 1).map(Call)


def _clamp_tensor_shapes(side, ndims):
    """Bounds broadcast to the input's shape (torch's clamp backward raises when the bounds
    broadcast the input to a bigger shape: "output with shape [] doesn't match ...")."""
    return _broadcast(3)(side, ndims).map(
        lambda ss: (tuple(np.broadcast_shapes(*ss)),) + tuple(ss[1:]))


def _where_shapes(side, ndims):
    return _broadcast(3)(side, ndims)


# nn.functional helpers --------------------------------------------------------------------------
def _linear_shapes(side, ndims):
    lead = shapes(max_dims=max(ndims - 1, 0), max_side=side, allow_empty=False)
    return st.builds(lambda b, i, o: (b + (i,), (o, i), (o,)), lead, st.integers(1, side),
                     st.integers(1, side))


def _pad_extras(ss):
    ndim = len(ss[0])
    return st.lists(st.integers(0, 2), min_size=1, max_size=ndim).flatmap(
        lambda p: st.sampled_from([Call(tuple(p + p)), Call(tuple(p + p), value=1.5)]))


def _embedding_extras(ss):
    rows = ss[0][0]
    return st.lists(st.integers(0, rows - 1), min_size=0, max_size=5).map(
        lambda ix: Call(np.array(ix, np.int64)))


def _layer_norm(m, x, w, b, **kw):
    return m.nn.functional.layer_norm(x, tuple(w.shape), w, b, **kw)


def _layer_norm_shapes(side, ndims):
    """(input, weight, bias): the normalized shape is the input's last 1 or 2 dims."""
    return shapes(min_dims=1, max_dims=ndims, max_side=side, allow_empty=False).flatmap(
        lambda s: st.integers(1, min(2, len(s))).map(lambda k: (s, s[-k:], s[-k:]))).filter(
        lambda ss: numel(ss[1]) > 1)  # one element normalises to 0 +- rounding noise


def _batch_norm(m, x, w, b, running, training, **kw):
    mean, var = running if running is not None else (None, None)
    return m.nn.functional.batch_norm(x, mean, var, w, b, training=training, **kw)


def _batch_norm_shapes(side, ndims):
    """(input (N, C, *), weight (C,), bias (C,)) with N > 1 (training needs more than one value
    per channel)."""
    return shapes(min_dims=2, max_dims=max(ndims, 2), max_side=side, allow_empty=False).filter(
        lambda s: s[0] > 1).map(lambda s: (s, (s[1],), (s[1],)))


def _batch_norm_extras(ss):
    channels = ss[0][1]
    running = st.tuples(arrays((channels,), REAL).map(AsInput),
                        arrays((channels,), POSITIVE).map(AsInput))
    return st.one_of(
        running.map(lambda r: Call(r, False)),                      # eval: running statistics
        running.map(lambda r: Call(r, True, momentum=0.3)),         # train, updating them
        st.just(Call(None, True)))                                  # train, no running stats


def _reductions(extra=()):
    return lambda ss: st.sampled_from([NO_EXTRAS, Call(reduction="sum"), Call(reduction="none"),
                                       Call(reduction="mean")] + list(extra))


def _loss(name, input_domain, target_domain, extra=(), **kw):
    """A loss of (input, target) of the same shape, under every reduction."""
    return Op(name, _spellings(f"F.{name}"), (input_domain, target_domain), _nonempty_same_shapes(2),
              extras=_reductions(extra), reduces=True, **kw)


def _nonempty_same_shapes(n):
    """n inputs of one non-empty shape (the mean of no elements is NaN, and so is its double
    backward's derivative in one engine and 0 in the other: not a program anyone runs)."""
    return lambda side, ndims: shapes(max_dims=ndims, max_side=side, allow_empty=False).map(
        lambda s: (s,) * n)


def _class_scores_shapes(side, ndims):
    """(N, C) scores, or (C,) for one sample, or (N, C, d) with a spatial dim."""
    n, c = st.integers(1, side), st.integers(1, side)
    return st.one_of(st.builds(lambda n, c: ((n, c),), n, c), c.map(lambda c: ((c,),)),
                     st.builds(lambda n, c, d: ((n, c, d),), n, c, st.integers(1, side)))


def _class_target_extras(probabilities):
    """Class-index targets (some equal to ignore_index), or class probabilities; weights and
    label smoothing for cross_entropy."""
    def extras(ss):
        shape = ss[0]
        classes = shape[1] if len(shape) > 1 else shape[0]
        target_shape = (shape[0],) + shape[2:] if len(shape) > 1 else ()

        @st.composite
        def call(draw):
            kwargs = draw(st.fixed_dictionaries({}, optional={
                "reduction": st.sampled_from(["mean", "sum", "none"]),
                "weight": arrays((classes,), POSITIVE).map(AsInput)}))
            if probabilities and draw(st.booleans()):
                kwargs["label_smoothing"] = draw(st.sampled_from([0.0, 0.2]))
            if probabilities and draw(st.integers(0, 3)) == 0:
                p = draw(arrays(shape, POSITIVE))
                return Call(AsInput(p / p.sum(axis=1 if len(shape) > 1 else 0, keepdims=True)),
                            **kwargs)
            ignore = draw(st.sampled_from([None, 0, -100]))
            target = draw(arrays(target_shape, Domain("class", st.integers(0, classes - 1),
                                                      kind="int"))).astype(np.int64)
            # some targets ignored, never all (a mean over no target is NaN)
            if ignore == 0 and (target != 0).any():
                kwargs["ignore_index"] = 0
            elif ignore == -100 and target.size > 1:
                kwargs["ignore_index"] = -100
                target.reshape(-1)[0] = -100
            return Call(target, **kwargs)
        return call()
    return extras


# the table ------------------------------------------------------------------------------------
def _getitem(m, x, key):
    return x[key]


def _setitem(m, x, v, key):
    out = x.clone()
    out[key] = v
    return out


def _setitem_extras(ss):
    """A basic key, with values shaped like the indexed region (or a broadcastable prefix)."""
    return basic_keys(ss[0]).map(Call)


def _setitem_shapes(side, ndims):
    """(target shape, value shape): the value is broadcast into the indexed region, so its shape is
    fixed by the key; the test draws the key as the first extra and values of shape ()."""
    return shapes(max_dims=ndims, max_side=side).map(lambda s: (s, ()))


TABLE = [
    # elementwise arithmetic
    binary("add", names="Tensor.add torch.add Tensor.add_ Tensor.__add__ Tensor.__radd__ "
                        "Tensor.__iadd__", extras=_alpha),
    binary("sub", names="Tensor.sub torch.sub Tensor.sub_ Tensor.__sub__ Tensor.__rsub__ "
                        "Tensor.__isub__ Tensor.subtract torch.subtract", extras=_alpha),
    binary("mul", names="Tensor.mul torch.mul Tensor.mul_ Tensor.__mul__ Tensor.__rmul__ "
                        "Tensor.__imul__ Tensor.multiply torch.multiply"),
    binary("div", (REAL, NONZERO), names="Tensor.div torch.div Tensor.div_ Tensor.__truediv__ "
           "Tensor.__rtruediv__ Tensor.__itruediv__ Tensor.divide torch.divide Tensor.true_divide "
           "torch.true_divide"),
    binary("pow", (POSITIVE, REAL), names="Tensor.pow torch.pow Tensor.pow_ Tensor.__pow__ "
           "Tensor.__rpow__ Tensor.__ipow__", scalar_inputs=(0, 1)),
    Op("pow_scalar", _spellings("Tensor.pow torch.pow Tensor.pow_", [
        custom("Tensor.__pow__(number)", lambda m, x, e: x ** e)]), (NONZERO,), _one(),
       extras=_pow_exponents),
    binary("square", (REAL,), names="Tensor.square torch.square Tensor.square_", scalar_inputs=()),
    binary("xlogy", (REAL, POSITIVE)),  # x == 0 drawn often; y <= 0 by test_autograd_semantics
    binary("maximum", names="Tensor.maximum torch.maximum", scalar_inputs=(), ties=True,
           extra=[custom("Tensor.max(other)", lambda m, x, y: x.max(y))]),
    binary("minimum", names="Tensor.minimum torch.minimum", scalar_inputs=(), ties=True,
           extra=[custom("Tensor.min(other)", lambda m, x, y: x.min(y))]),
    binary("remainder", (NONINTEGER, POSITIVE), names="Tensor.remainder torch.remainder "
           "Tensor.remainder_ Tensor.__mod__", scalar_inputs=(1,)),
    binary("fmod", (NONINTEGER, POSITIVE), names="Tensor.fmod torch.fmod Tensor.fmod_",
           scalar_inputs=(1,)),
    binary("lerp", (REAL, REAL, UNIT), names="Tensor.lerp torch.lerp Tensor.lerp_",
           scalar_inputs=(2,)),
    binary("addcmul", (REAL, REAL, REAL), names="Tensor.addcmul torch.addcmul Tensor.addcmul_",
           scalar_inputs=(), extras=lambda ss: st.sampled_from([NO_EXTRAS, Call(value=0.5)])),
    binary("addcdiv", (REAL, REAL, NONZERO), names="Tensor.addcdiv torch.addcdiv Tensor.addcdiv_",
           scalar_inputs=(), extras=lambda ss: st.sampled_from([NO_EXTRAS, Call(value=-2)])),
    Op("where", _spellings("torch.where", [custom("Tensor.where", lambda m, c, x, y: x.where(c, y),
                                                 tensor_slot=1)]),
       (BOOL, REAL, REAL), _where_shapes, scalar_inputs=frozenset({2})),
    Op("clamp", _spellings("Tensor.clamp torch.clamp Tensor.clamp_ Tensor.clip torch.clip "
                           "Tensor.clip_"), (REAL,), _one(), extras=_clamp_bounds, ties=True),
    Op("clamp_tensor", _spellings("", [
        custom("Tensor.clamp(min, max)", lambda m, x, lo, hi: x.clamp(lo, hi)),
        custom("torch.clamp(min=)", lambda m, x, lo, hi: m.clamp(x, min=lo)),
        custom("Tensor.clamp_(max=)", lambda m, x, lo, hi: writable_copy(m, [x, lo, hi]).clamp_(max=hi))]),
       (REAL, REAL, REAL), _clamp_tensor_shapes, ties=True),
    binary("clamp_min", names="Tensor.clamp_min torch.clamp_min Tensor.clamp_min_",
           scalar_inputs=(1,), ties=True),
    binary("clamp_max", names="Tensor.clamp_max torch.clamp_max Tensor.clamp_max_",
           scalar_inputs=(1,), ties=True),
    # elementwise math
    unary("neg", names="Tensor.neg torch.neg Tensor.neg_ Tensor.negative torch.negative "
                       "Tensor.__neg__"),
    unary("exp"),
    unary("expm1", SMALL),
    unary("log", POSITIVE),
    unary("log2", POSITIVE, names="Tensor.log2 torch.log2 Tensor.log2_"),
    unary("log10", POSITIVE, names="Tensor.log10 torch.log10 Tensor.log10_"),
    unary("log1p", LOG1P),
    unary("sqrt", POSITIVE),
    unary("rsqrt", POSITIVE),
    unary("reciprocal", NONZERO),
    unary("sin", names="Tensor.sin torch.sin Tensor.sin_"),
    unary("cos"),
    unary("tan", TAN),
    unary("tanh", names="Tensor.tanh torch.tanh Tensor.tanh_ F.tanh"),
    unary("sinh", SMALL, names="Tensor.sinh torch.sinh Tensor.sinh_"),
    unary("cosh", SMALL, names="Tensor.cosh torch.cosh Tensor.cosh_"),
    unary("asin", UNIT, names="Tensor.asin torch.asin Tensor.asin_ Tensor.arcsin "
                                 "torch.arcsin"),
    unary("acos", UNIT, names="Tensor.acos torch.acos Tensor.acos_ Tensor.arccos "
                                 "torch.arccos"),
    unary("atan", names="Tensor.atan torch.atan Tensor.atan_ Tensor.arctan "
                                 "torch.arctan"),
    unary("sigmoid", names="Tensor.sigmoid torch.sigmoid Tensor.sigmoid_ F.sigmoid"),
    unary("erf", names="Tensor.erf torch.erf Tensor.erf_"),
    unary("relu", NONZERO, names="Tensor.relu torch.relu Tensor.relu_ F.relu F.relu_"),
    unary("abs", NONZERO, names="Tensor.abs torch.abs Tensor.abs_ Tensor.absolute "
                                "torch.absolute Tensor.__abs__"),
    unary("sign", NONZERO),
    unary("floor", NONINTEGER),
    unary("ceil", NONINTEGER),
    unary("round", NONINTEGER),
    unary("trunc", NONINTEGER, names="Tensor.trunc torch.trunc Tensor.trunc_ Tensor.fix "),
    unary("frac", NONINTEGER, names="Tensor.frac torch.frac Tensor.frac_"),
    # reductions
    reduction("sum"),
    reduction("mean"),
    reduction("prod", NONZERO, extras=_reduce_call(dim_strategy=dims), ties=True),
    reduction("max", names="Tensor.max torch.max", extras=_max_extras, ties=True),
    reduction("min", names="Tensor.min torch.min", extras=_max_extras, ties=True),
    reduction("amax", extras=_amax_extras, ties=True),
    reduction("amin", extras=_amax_extras, ties=True),
    reduction("var", extras=_var_extras),
    reduction("std", extras=_var_extras, undefined_at=_std_of_equal_values),
    reduction("norm", NONZERO, extras=_norm_extras),
    reduction("logsumexp", extras=_reduce_call(dim_required=True, dim_strategy=dims)),
    reduction("softmax", names="Tensor.softmax torch.softmax F.softmax", extras=_softmax_extras),
    reduction("log_softmax", names="Tensor.log_softmax torch.log_softmax F.log_softmax",
              extras=_softmax_extras),
    reduction("cumsum", extras=lambda ss: dims(len(ss[0])).map(Call)),
    # linear algebra
    Op("matmul", _spellings("Tensor.matmul torch.matmul Tensor.__matmul__ Tensor.__rmatmul__"),
       (REAL, REAL), _matmul_shapes, reduces=True),
    Op("mm", _spellings("Tensor.mm torch.mm"), (REAL, REAL), _mm_shapes, reduces=True),
    Op("bmm", _spellings("Tensor.bmm torch.bmm"), (REAL, REAL), _bmm_shapes, reduces=True),
    Op("mv", _spellings("Tensor.mv torch.mv"), (REAL, REAL), _mv_shapes, reduces=True),
    Op("dot", _spellings("Tensor.dot torch.dot"), (REAL, REAL), _dot_shapes, reduces=True),
    Op("inner", _spellings("Tensor.inner torch.inner"), (REAL, REAL), _inner_shapes, reduces=True),
    Op("outer", _spellings("Tensor.outer torch.outer Tensor.ger torch.ger"), (REAL, REAL),
       _outer_shapes),
    # views and copies
    movement("view", _view_extras, names="Tensor.view"),
    movement("view_as", _view_as_extras, names="Tensor.view_as"),
    movement("reshape", lambda ss: _view_shapes(ss).map(lambda s: Call(s))),
    movement("reshape_as", _view_as_extras, names="Tensor.reshape_as"),
    movement("transpose", _two_dims, names="Tensor.transpose torch.transpose Tensor.swapaxes "
             "torch.swapaxes Tensor.swapdims"),
    Op("t", _spellings("Tensor.t torch.t Tensor.t_"), (REAL,), _at_most_2d),
    Op("T", _spellings("", [custom("Tensor.T", lambda m, x: x.T),
                            custom("Tensor.mT", lambda m, x: x.mT)]), (REAL,), _matrix_shape),
    Op("permute", _spellings("Tensor.permute torch.permute", [
        custom("Tensor.permute(*dims)", lambda m, x, dims: x.permute(*dims) if dims else x.permute(()))]),
       (REAL,), _one(), extras=_permute_extras),
    movement("unsqueeze", _unsqueeze_extras),
    movement("squeeze", _squeeze_extras),
    movement("expand", _expand_extras, names="Tensor.expand"),
    movement("expand_as", _expand_as_extras, names="Tensor.expand_as"),
    movement("flatten", _flatten_extras),
    movement("unflatten", _unflatten_extras, min_dims=1),
    movement("ravel", lambda ss: st.just(NO_EXTRAS)),
    movement("narrow", _narrow_extras, min_dims=1),
    movement("select", _select_extras, min_dims=1, allow_empty=False),
    movement("as_strided", _as_strided_extras, allow_empty=False),
    movement("unbind", lambda ss: dims(len(ss[0])).map(Call), min_dims=1),
    movement("split", _split_extras, min_dims=1),
    movement("chunk", _chunk_extras, min_dims=1),
    movement("contiguous", lambda ss: st.just(NO_EXTRAS), names="Tensor.contiguous"),
    movement("clone", lambda ss: st.just(NO_EXTRAS)),
    movement("repeat", _repeat_extras, names="Tensor.repeat"),
    movement("flip", _flip_extras),
    movement("movedim", _movedim_extras, names="Tensor.movedim torch.movedim Tensor.moveaxis "
             "torch.moveaxis"),
    movement("tril", _tri_extras, min_dims=2),
    movement("triu", _tri_extras, min_dims=2),
    Op("to", _spellings("Tensor.to", [
        custom("Tensor.double", lambda m, x: x.double()),
        custom("Tensor.float", lambda m, x: x.float()),
        custom("Tensor.half", lambda m, x: x.half().float()),
        custom("Tensor.type_as", lambda m, x: x.type_as(m.zeros((), dtype=m.float64))),
        custom("Tensor.type", lambda m, x: x.type(m.float64))]), (REAL,), _one(),
       extras=lambda ss: st.sampled_from(["float64", "float32"]).map(
           lambda d: Call(dtype=DtypeName(d)))),
    Op("cat", {s.name: s for s in [
        custom("torch.cat", lambda m, *xs, dim=0: m.cat(list(xs), dim)),
        custom("torch.concat", lambda m, *xs, dim=0: m.concat(xs, dim=dim)),
        custom("torch.concatenate", lambda m, *xs, dim=0: m.concatenate(list(xs), dim))]},
       (REAL,), _cat_shapes, extras=lambda ss: _cat_extras(ss).map(
           lambda c: Call(dim=c.args[0] if c.args else c.kwargs["dim"])), variadic=True),
    Op("stack", {s.name: s for s in [
        custom("torch.stack", lambda m, *xs, dim=0: m.stack(list(xs), dim))]},
       (REAL,), _stack_shapes, extras=lambda ss: _stack_extras(ss).map(
           lambda c: Call(dim=c.args[0])), variadic=True),
    Op("hstack", {s.name: s for s in [
        custom("torch.hstack", lambda m, *xs: m.hstack(list(xs))),
        custom("torch.vstack", lambda m, *xs: m.vstack(list(xs)))]},
       (REAL,), lambda side, ndims: st.tuples(st.integers(1, side), st.integers(1, 3)).map(
           lambda p: ((p[0],),) * p[1]), variadic=True),
    Op("broadcast_tensors", {"torch.broadcast_tensors": custom(
        "torch.broadcast_tensors", lambda m, x, y: m.broadcast_tensors(x, y))},
       (REAL, REAL), _broadcast(2)),
    # indexing
    Op("getitem", {"Tensor.__getitem__": custom("Tensor.__getitem__", _getitem)}, (REAL,),
       _one(), extras=lambda ss: basic_keys(ss[0]).map(Call)),
    # the result of advanced indexing is laid out from contiguous inputs only: see
    # test_views.py::test_advanced_index_result_layout_of_permuted_input (xfail)
    Op("index", {"Tensor.__getitem__(advanced)": custom("Tensor.__getitem__(advanced)", _getitem)},
       (REAL,), _one(), extras=_advanced_keys, contiguous_only=True),
    Op("setitem", {"Tensor.__setitem__": custom("Tensor.__setitem__", _setitem)},
       (REAL, REAL), _setitem_shapes, extras=_setitem_extras),
    movement("index_select", _index_select_extras, allow_empty=False),
    movement("gather", _gather_extras),
    Op("scatter", _spellings("Tensor.scatter torch.scatter Tensor.scatter_"), (REAL,), _one(),
       extras=_scatter_extras),
    Op("scatter_add", _spellings("Tensor.scatter_add torch.scatter_add Tensor.scatter_add_"),
       (REAL,), _one(), extras=_scatter_extras),
    Op("masked_fill", _spellings("Tensor.masked_fill torch.masked_fill Tensor.masked_fill_"),
       (REAL, BOOL), _broadcast(2), extras=_masked_fill_extras),
    Op("masked_select", _spellings("Tensor.masked_select torch.masked_select"), (REAL, BOOL),
       _broadcast(2)),
    Op("index_put", _spellings("", [
        custom("Tensor.index_put", lambda m, x, v, ix, accumulate: x.index_put(ix, v, accumulate)),
        custom("Tensor.index_put_", lambda m, x, v, ix, accumulate:
               x.clone().index_put_(ix, v, accumulate=accumulate))]),
       (REAL, REAL), lambda side, ndims: shapes(min_dims=1, max_dims=ndims, max_side=side).map(
           lambda s: (s, ())), extras=_index_put_extras),
    # in-place writes that record a graph
    Op("copy_", {"Tensor.copy_": custom(
        "Tensor.copy_", lambda m, x, y: writable_copy(m, [x, y]).copy_(y))}, (REAL, REAL),
       _broadcast(2)),
    Op("fill_", {"Tensor.fill_": custom("Tensor.fill_", lambda m, x, v: x.clone().fill_(v)),
                 "Tensor.zero_": custom("Tensor.zero_", lambda m, x, v: (x * v).zero_())},
       (REAL, REAL), lambda side, ndims: shapes(max_dims=ndims, max_side=side).map(
           lambda s: (s, ())), scalar_inputs=frozenset({1})),
]


TABLE += [  # nn.functional
    unary("hardtanh", names="F.hardtanh", ties=True, extras=lambda ss: st.sampled_from(
        [NO_EXTRAS, Call(-0.5, 1.5), Call(min_val=0.0, max_val=0.5)])),
    unary("relu6", NONZERO, names="F.relu6", ties=True),
    unary("elu", names="F.elu", ties=True, extras=lambda ss: st.sampled_from(
        [NO_EXTRAS, Call(alpha=0.5), Call(2.0)])),
    unary("leaky_relu", NONZERO, names="F.leaky_relu", ties=True, extras=lambda ss: st.sampled_from(
        [NO_EXTRAS, Call(0.2), Call(negative_slope=-0.5)])),
    unary("gelu", names="F.gelu", extras=lambda ss: st.sampled_from(
        [NO_EXTRAS, Call(approximate="tanh"), Call(approximate="none")])),
    unary("silu", names="F.silu"),
    unary("softplus", names="F.softplus", extras=lambda ss: st.sampled_from(
        [NO_EXTRAS, Call(beta=2.0), Call(beta=0.5, threshold=1.0)])),
    unary("dropout", names="F.dropout", extras=lambda ss: st.sampled_from(
        [Call(0.5, training=False), Call(p=0.0)])),
    unary("normalize", NONZERO, names="F.normalize", extras=lambda ss: st.tuples(
        st.sampled_from([1.0, 2.0, 3.0]), dims(len(ss[0]))).map(lambda a: Call(p=a[0], dim=a[1]))),
    Op("linear", _spellings("F.linear", [custom("F.linear(bias=None)", lambda m, x, w, b:
                                                 m.nn.functional.linear(x, w))]),
       (REAL, REAL, REAL), _linear_shapes, reduces=True),
    Op("pad", _spellings("F.pad"), (REAL,), _one(min_dims=1), extras=_pad_extras),
    # torch has no double backward for embedding (embedding_dense_backward)
    Op("embedding", {"F.embedding": custom("F.embedding", lambda m, w, idx: m.nn.functional.embedding(
        idx, w))}, (REAL,), lambda side, ndims: _matrix_shape(side, 2).filter(lambda s: s[0][0] > 0),
       extras=_embedding_extras, second_order=False, gradgrad=False),
    Op("layer_norm", {"F.layer_norm": custom("F.layer_norm", _layer_norm)}, (SPREAD, REAL, REAL),
       _layer_norm_shapes, extras=lambda ss: st.sampled_from([NO_EXTRAS, Call(eps=1e-3)]),
       reduces=True, allow_expand=False),
    # torch's CPU batch_norm backward gives a zero input gradient for a non-contiguous weight:
    # test_autograd_semantics.py::test_batch_norm_backward_with_strided_weight (xfail)
    Op("batch_norm", {"F.batch_norm": custom("F.batch_norm", _batch_norm)}, (SPREAD, REAL, REAL),
       _batch_norm_shapes, extras=_batch_norm_extras, reduces=True, contiguous_only=True),
]
TABLE += [  # losses: (input, target) pairs, every reduction
    _loss("mse_loss", REAL, REAL),
    _loss("l1_loss", NONZERO, REAL, ties=True),
    _loss("smooth_l1_loss", REAL, REAL, ties=True, extra=[Call(beta=0.5)]),
    _loss("huber_loss", REAL, REAL, ties=True, extra=[Call(delta=0.5)]),
    _loss("binary_cross_entropy", PROB, PROB_TARGET),
    _loss("binary_cross_entropy_with_logits", REAL, PROB),
    _loss("kl_div", REAL, PROB, extra=[Call(reduction="batchmean")]),
    Op("kl_div_log_target", {"F.kl_div(log_target=True)": custom(
        "F.kl_div(log_target=True)", lambda m, x, t, **kw: m.nn.functional.kl_div(
            x, t, log_target=True, **kw))}, (REAL, REAL), _nonempty_same_shapes(2),
       extras=_reductions(), reduces=True),
    Op("cross_entropy", _spellings("F.cross_entropy"), (REAL,), _class_scores_shapes,
       extras=_class_target_extras(probabilities=True), reduces=True),
    Op("nll_loss", _spellings("F.nll_loss"), (REAL,), _class_scores_shapes,
       extras=_class_target_extras(probabilities=False), reduces=True),
]

BY_NAME = {op.name: op for op in TABLE}
assert len(BY_NAME) == len(TABLE), "op names must be unique"


def covered_names():
    """Every public name ("Tensor.add", "torch.add", ...) some row covers."""
    return {s.public_name for op in TABLE for s in op.spellings.values()}


# drawing and running cases -------------------------------------------------------------------
class Input:
    """One input of a case: a Python number, or a NumPy array laid out as `layout` (a leaf that
    requires grad when `differentiable`)."""

    def __init__(self, scalar=None, array=None, layout=None, dtype=None, differentiable=False):
        self.scalar, self.array, self.layout, self.dtype = scalar, array, layout, dtype
        self.differentiable = differentiable

    def __repr__(self):
        if self.array is None:
            return f"scalar({self.scalar!r})"
        return f"{self.dtype}{list(self.layout.shape)}<{self.layout.kind}>"


class Case:
    """A drawn call of an op: the spelling, the inputs and the extra arguments."""

    def __init__(self, op, spelling, inputs, call):
        self.op, self.spelling, self.inputs, self.call = op, spelling, inputs, call

    def __repr__(self):
        arrays_ = "; ".join(np.array2string(i.array, precision=17, separator=",", threshold=16)
                            .replace("\n", "") for i in self.inputs if i.array is not None)
        return f"Case({self.spelling.name}, inputs={self.inputs}, {self.call}, values: {arrays_})"

    @property
    def input_numel(self):
        return max([numel(i.layout.shape) for i in self.inputs if i.array is not None] + [1])


@st.composite
def cases(draw, op, small=False, ties=None, dtype=None):
    """A case of `op`. small: at most 2 per side, 3 dims, float64, distinct values (gradcheck).
    ties: draw float inputs on the integer grid (None: half the time when the op has ties)."""
    side, ndims = (2, 3) if small else (MAX_SIDE, MAX_DIMS)
    input_shapes = draw(op.shapes(side, ndims))
    spell = op.spellings[draw(st.sampled_from(sorted(op.spellings)))]
    dtype = dtype or ("float64" if small else draw(st.sampled_from(FLOAT_DTYPES)))
    if ties is None:
        ties = op.ties and not small and draw(st.booleans())
    scalar_slots = set(op.scalar_inputs) - {spell.tensor_slot}
    inputs = []
    for i, shape in enumerate(input_shapes):
        domain = op.domain(i)
        if domain.kind == "float" and op.ties:
            domain = GRID if ties else (OFFGRID.with_distinct() if small else domain)
        if i in scalar_slots and draw(st.integers(0, 3)) == 0:
            inputs.append(Input(scalar=draw(scalars(domain))))
            continue
        layout = Layout("contiguous", shape, shape) if op.contiguous_only else \
            draw(layouts(shape, op.allow_expand and not (small and op.ties)))
        inputs.append(Input(array=draw(arrays(layout.base_shape, domain)), layout=layout,
                            dtype="bool" if domain.kind == "bool" else dtype,
                            differentiable=domain.kind == "float"))
    call = draw(op.extras(tuple(input_shapes))) if spell.extras else NO_EXTRAS
    return Case(op, spell, inputs, call)


def make_leaves(m, case, requires_grad):
    """The case's leaf tensors on module m (None for Python-number inputs)."""
    from helpers import make_tensor
    return [None if i.array is None else
            make_tensor(m, i.array, i.dtype, requires_grad and i.differentiable)
            for i in case.inputs]


def apply_case(m, case, leaves):
    """Run the case's spelling on module m with the given leaves (laid out as drawn)."""
    xs = [i.scalar if leaf is None else i.layout.apply(leaf) for i, leaf in zip(case.inputs, leaves)]
    return case.spelling.fn(m, xs, case.call)
