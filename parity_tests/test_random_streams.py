"""Bit-exact parity of tinygrad_lite/random.py with torch's CPU random streams.

The module under test is loaded by file path so that this file does not depend
on the rest of the package.  torch is the oracle: every expected value is
produced by torch in the same test, never typed in.
"""
import importlib.util
import math
import os
import pathlib
import struct
import subprocess
import sys
import textwrap
import warnings
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")

_PATH = pathlib.Path(__file__).resolve().parents[1] / "tinygrad_lite" / "random.py"


def _load():
    spec = importlib.util.spec_from_file_location("_tinygrad_lite_random_under_test", _PATH)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


R = _load()

# torch can emit "to - 1 is out of bounds" warnings for float randint ranges
warnings.filterwarnings("ignore", message=".*out of bounds.*")

TORCH_DTYPE = {
    np.dtype(np.float16): torch.float16, np.dtype(np.float32): torch.float32,
    np.dtype(np.float64): torch.float64, np.dtype(np.int64): torch.int64,
    np.dtype(np.int32): torch.int32, np.dtype(np.int16): torch.int16,
    np.dtype(np.int8): torch.int8, np.dtype(np.uint8): torch.uint8,
    np.dtype(np.bool_): torch.bool,
}
FLOATS = [np.float32, np.float64]
FLOATS_H = [np.float16, np.float32, np.float64]
INTS = [np.int64, np.int32, np.int16, np.int8, np.uint8, np.bool_]


def _examples(base):
    """Scale with the hypothesis profile loaded by conftest (dev=60 -> base)."""
    return max(3, int(base * settings.default.max_examples / 60))


def S(base):
    return settings(max_examples=_examples(base), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


seeds = st.one_of(
    st.integers(0, 2**32 - 1),
    st.integers(2**32, 2**64 - 1),
    st.integers(-(2**63), -1),
    st.sampled_from([0, 1, 42, 2**32, 2**32 + 1, 2**63, 2**64 - 1, -1, -(2**63), R.DEFAULT_SEED]),
)
# sizes straddling every threshold: the scalar/vectorised normal switch at 16,
# the 16-wide blocks, the 624-word twist, plus larger ones
sizes = st.one_of(st.integers(0, 40), st.sampled_from([47, 48, 49, 311, 312, 313, 623, 624, 625, 1000, 1249, 4099]))
shapes = st.one_of(
    st.just(()),
    sizes.map(lambda n: (n,)),
    st.tuples(st.integers(0, 7), st.integers(0, 9)),
    st.tuples(st.integers(1, 3), st.integers(1, 5), st.integers(1, 6)),
)


def pair(seed):
    """A fresh (ours, torch) pair of generators with the same seed."""
    return R.Generator().manual_seed(seed), torch.Generator().manual_seed(seed)


def assert_same(ours, ref):
    ref = ref.numpy() if isinstance(ref, torch.Tensor) else np.asarray(ref)
    assert isinstance(ours, np.ndarray)
    assert ours.dtype == ref.dtype, (ours.dtype, ref.dtype)
    assert ours.shape == ref.shape, (ours.shape, ref.shape)
    if ours.tobytes() != ref.tobytes():
        diff = np.nonzero(ours.reshape(-1).view(np.uint8) != ref.reshape(-1).view(np.uint8))[0]
        raise AssertionError(f"not bit-identical ({diff.size} differing bytes); "
                             f"ours={ours.reshape(-1)[:6]} torch={ref.reshape(-1)[:6]}")


def assert_state(g, tg):
    assert_same(g.get_state(), tg.get_state())


# ----------------------------------------------------------------------------
# engine, seeding, state
# ----------------------------------------------------------------------------

def test_module_does_not_import_torch():
    code = textwrap.dedent(f"""
        import importlib.util, sys
        spec = importlib.util.spec_from_file_location("m", {str(_PATH)!r})
        m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
        m.normal(None, (40,), "float64"); m.multinomial(None, m.uniform(None, (5,)), 2)
        assert "torch" not in sys.modules, "torch was imported"
        assert not any(k.startswith("tinygrad_lite") for k in sys.modules)
    """)
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_default_seed_matches_fresh_torch_generator():
    g, tg = R.Generator(), torch.Generator()
    assert g.initial_seed() == tg.initial_seed() == R.DEFAULT_SEED
    assert_state(g, tg)
    assert_same(R.uniform(g, (7,)), torch.rand(7, generator=tg))


def test_randn_42_reference():
    """The classic torch.manual_seed(42); torch.randn(1) (-> 0.3367), by comparison."""
    saved = torch.get_rng_state()
    try:
        torch.manual_seed(42)
        expected = torch.randn(1)
        expected_state = torch.get_rng_state()
        g = R.Generator().manual_seed(42)
        assert_same(R.normal(g, (1,)), expected)
        assert_same(g.get_state(), expected_state)  # incl. the cached Box-Muller value
        torch.manual_seed(0)
        expected = torch.rand(3)
        assert_same(R.uniform(g.manual_seed(0), (3,)), expected)
    finally:
        torch.set_rng_state(saved)


@S(40)
@given(seed=seeds)
def test_manual_seed_and_initial_seed(seed):
    g, tg = pair(seed)
    assert g.initial_seed() == tg.initial_seed()
    assert_state(g, tg)
    # 63 of the 64 bits of random64(): int64 random_() is random64 % 2**63
    ours = (R.Generator().manual_seed(seed).random64(100) & np.uint64(2**63 - 1)).astype(np.int64)
    assert_same(ours, torch.empty(100, dtype=torch.int64).random_(generator=tg))


def test_manual_seed_out_of_range_and_types():
    for bad in (2**64, -(2**63) - 1):
        with pytest.raises((ValueError, RuntimeError)):
            torch.Generator().manual_seed(bad)
        with pytest.raises(ValueError):
            R.Generator().manual_seed(bad)
    for s in (np.int64(-5), np.uint64(2**64 - 1), True, "17"):
        saved = torch.get_rng_state()
        try:
            torch.manual_seed(s)
            assert R.Generator().manual_seed(s).initial_seed() == torch.initial_seed()
        finally:
            torch.set_rng_state(saved)


def test_seed_is_nondeterministic_and_reseeds():
    g = R.Generator()
    a = g.seed()
    assert g.initial_seed() == a and 0 <= a < 2**64
    tg = torch.Generator().manual_seed(a)
    assert_state(g, tg)
    assert g.seed() != a  # a 2**-64 chance of a false failure


@S(40)
@given(seed=seeds, draws=st.lists(st.integers(0, 1400), min_size=1, max_size=4))
def test_state_layout_and_round_trip(seed, draws):
    g, tg = pair(seed)
    for k in draws:  # cross 624-word twists at arbitrary offsets
        assert_same(R.uniform(g, (k,)), torch.rand(k, generator=tg))
        assert_state(g, tg)
    state = g.get_state()
    assert state.dtype == np.uint8 and state.shape == (R.STATE_SIZE,) == tuple(tg.get_state().shape)
    # ours -> torch, torch -> ours, ours -> ours
    t2 = torch.Generator()
    t2.set_state(torch.from_numpy(state.copy()))
    g2 = R.Generator()
    g2.set_state(tg.get_state().numpy())
    g3 = g.clone()
    assert_same(R.normal(g2, (5,)), torch.randn(5, generator=t2))
    assert_same(R.normal(g3, (5,)), torch.randn(5, generator=tg))
    assert_state(g2, t2)
    assert_state(g3, tg)
    # the original is untouched by the clone
    assert_same(g.get_state(), state)


def test_global_rng_state_bytes():
    saved = torch.get_rng_state()
    try:
        for seed in (0, 123456789, 2**40 + 7):
            torch.manual_seed(seed)
            torch.randn(3)  # leaves a cached normal in the state
            torch.rand(700)
            g = R.Generator().manual_seed(seed)
            R.normal(g, (3,))
            R.uniform(g, (700,))
            assert_same(g.get_state(), torch.get_rng_state())
            R.set_rng_state(torch.get_rng_state().numpy())
            assert_same(R.get_rng_state(), torch.get_rng_state())
            assert_same(R.uniform(None, (9,)), torch.rand(9))
            assert_same(R.normal(None, (3,), np.float64), torch.randn(3, dtype=torch.float64))
    finally:
        torch.set_rng_state(saved)


def test_set_state_odd_left_next_and_errors():
    seed = 99
    g, tg = pair(seed)
    torch.rand(10, generator=tg)
    raw = bytearray(tg.get_state().numpy().tobytes())
    struct.pack_into("<iiQ", raw, 8, 5, 1, 0)  # left=5, next=0: 4 words then a twist
    tg.set_state(torch.frombuffer(bytes(raw), dtype=torch.uint8).clone())
    g.set_state(np.frombuffer(bytes(raw), dtype=np.uint8))
    assert_state(g, tg)
    assert_same(R.uniform(g, (30,)), torch.rand(30, generator=tg))
    assert_state(g, tg)
    bad = bytearray(raw)
    struct.pack_into("<i", bad, 8, 0)  # left = 0 is invalid for torch too
    with pytest.raises(RuntimeError):
        tg.set_state(torch.frombuffer(bytes(bad), dtype=torch.uint8).clone())
    with pytest.raises(RuntimeError):
        g.set_state(np.frombuffer(bytes(bad), dtype=np.uint8))
    with pytest.raises(RuntimeError):
        g.set_state(np.zeros(100, np.uint8))
    with pytest.raises(TypeError):
        g.set_state(np.zeros(R.STATE_SIZE, np.int64))


# ----------------------------------------------------------------------------
# samplers
# ----------------------------------------------------------------------------

ranges = st.one_of(
    st.just((0.0, 1.0)),
    st.tuples(st.floats(-1e4, 1e4, width=32), st.floats(0, 1e4, width=32)).map(lambda t: (t[0], t[0] + t[1])),
    st.sampled_from([(-3.7, 11.3), (2.0, 2.0), (1.0, 1.0000001192092896), (-1000.3, 20.7), (0.1, 0.30000001)]),
)


@S(60)
@given(seed=seeds, shape=shapes, dtype=st.sampled_from(FLOATS_H), rng=ranges)
def test_uniform(seed, shape, dtype, rng):
    lo, hi = rng
    g, tg = pair(seed)
    if rng == (0.0, 1.0):
        ref = torch.rand(shape, dtype=TORCH_DTYPE[np.dtype(dtype)], generator=tg)
        assert_same(R.uniform(g, shape, dtype), ref)
    else:
        ref = torch.empty(shape, dtype=TORCH_DTYPE[np.dtype(dtype)]).uniform_(lo, hi, generator=tg)
        assert_same(R.uniform(g, shape, dtype, lo, hi), ref)
    assert_state(g, tg)


@S(60)
@given(seed=seeds, shape=shapes, dtype=st.sampled_from(FLOATS_H),
       ms=st.one_of(st.just((0.0, 1.0)), st.tuples(st.floats(-50, 50), st.floats(0, 20))))
def test_normal(seed, shape, dtype, ms):
    mean, std = ms
    g, tg = pair(seed)
    tdt = TORCH_DTYPE[np.dtype(dtype)]
    if ms == (0.0, 1.0):
        ref = torch.randn(shape, dtype=tdt, generator=tg)
        assert_same(R.normal(g, shape, dtype), ref)
    else:
        ref = torch.empty(shape, dtype=tdt).normal_(mean, std, generator=tg)
        assert_same(R.normal(g, shape, dtype, mean, std), ref)
    assert_state(g, tg)


@S(30)
@given(seed=seeds, counts=st.lists(st.integers(1, 20), min_size=2, max_size=6),
       dtypes=st.lists(st.sampled_from(FLOATS_H), min_size=6, max_size=6))
def test_normal_scalar_path_cache_is_shared(seed, counts, dtypes):
    """numel < 16 caches the second Box-Muller value in the generator, across dtypes."""
    g, tg = pair(seed)
    for n, dt in zip(counts, dtypes):
        assert_same(R.normal(g, (n,), dt), torch.randn(n, dtype=TORCH_DTYPE[np.dtype(dt)], generator=tg))
        assert_state(g, tg)
    g.manual_seed(seed)
    tg.manual_seed(seed)  # reseeding drops the cache
    assert_state(g, tg)


@pytest.mark.parametrize("dtype", FLOATS)
def test_normal_large(dtype):
    g, tg = pair(2**33 + 5)
    n = 200_003
    assert_same(R.normal(g, (n,), dtype), torch.randn(n, dtype=TORCH_DTYPE[np.dtype(dtype)], generator=tg))
    assert_same(R.normal(g, (n,), dtype, -1.25, 3.5),
                torch.empty(n, dtype=TORCH_DTYPE[np.dtype(dtype)]).normal_(-1.25, 3.5, generator=tg))
    assert_same(R.uniform(g, (n,), dtype, -2, 5),
                torch.empty(n, dtype=TORCH_DTYPE[np.dtype(dtype)]).uniform_(-2, 5, generator=tg))
    assert_same(R.exponential(g, (n,), dtype, 0.7),
                torch.empty(n, dtype=TORCH_DTYPE[np.dtype(dtype)]).exponential_(0.7, generator=tg))
    assert_state(g, tg)


def test_normal_rejects_negative_std():
    with pytest.raises(RuntimeError):
        torch.empty(3).normal_(0, -1)
    with pytest.raises(RuntimeError):
        R.normal(None, (3,), np.float32, 0, -1)


int_ranges = st.one_of(
    st.tuples(st.integers(-1000, 1000), st.integers(1, 1000)).map(lambda t: (t[0], t[0] + t[1])),
    st.sampled_from([(0, 2**28 - 1), (0, 2**28), (0, 2**28 + 1), (-5, 2**31 - 5), (0, 2**32), (3, 2**33),
                     (-(2**62), 2**62), (-(2**63), 2**63 - 1), (0, 65504), (-2048, 2049), (0, 2), (0, 256)]),
)


@S(60)
@given(seed=seeds, shape=shapes, dtype=st.sampled_from(INTS + FLOATS_H), rng=int_ranges)
def test_randint(seed, shape, dtype, rng):
    """random_(from, to): one 32-bit draw per element, or one random64 for ranges >= 2**28."""
    dt = np.dtype(dtype)
    lo, hi = rng
    g, tg = pair(seed)
    try:
        ref = torch.randint(lo, hi, shape, dtype=TORCH_DTYPE[dt], generator=tg)
    except RuntimeError:
        with pytest.raises(RuntimeError):
            R.randint(g, lo, hi, shape, dt)
        return
    assert_same(R.randint(g, lo, hi, shape, dt), ref)
    assert_state(g, tg)


@S(40)
@given(seed=seeds, shape=shapes, dtype=st.sampled_from(INTS + FLOATS_H),
       lo=st.one_of(st.integers(-200, 200), st.sampled_from([-(2**63), -(2**31), 2**40])))
def test_random_from_only(seed, shape, dtype, lo):
    """Tensor.random_(from, None): [from, max(dtype)], incl. the full 64-bit kernel."""
    dt = np.dtype(dtype)
    g, tg = pair(seed)
    try:
        ref = torch.empty(shape, dtype=TORCH_DTYPE[dt]).random_(lo, None, generator=tg)
    except RuntimeError:
        with pytest.raises(RuntimeError):
            R.randint(g, lo, None, shape, dt)
        return
    assert_same(R.randint(g, lo, None, shape, dt), ref)
    assert_state(g, tg)


@S(30)
@given(seed=seeds, shape=shapes, dtype=st.sampled_from(INTS + FLOATS_H))
def test_random_no_args(seed, shape, dtype):
    dt = np.dtype(dtype)
    g, tg = pair(seed)
    assert_same(R.random_(g, shape, dt), torch.empty(shape, dtype=TORCH_DTYPE[dt]).random_(generator=tg))
    assert_state(g, tg)


@S(50)
@given(seed=seeds, n=st.one_of(st.integers(0, 70), st.integers(71, 5000)),
       dtype=st.sampled_from([np.int64, np.int32, np.int16, np.float32, np.float64]))
def test_randperm(seed, n, dtype):
    g, tg = pair(seed)
    dt = np.dtype(dtype)
    try:
        ref = torch.randperm(n, dtype=TORCH_DTYPE[dt], generator=tg)
    except RuntimeError:
        with pytest.raises(RuntimeError):
            R.randperm(g, n, dt)
        return
    assert_same(R.randperm(g, n, dt), ref)
    assert_state(g, tg)


def test_randperm_large_and_limits():
    g, tg = pair(7)
    assert_same(R.randperm(g, 300_001), torch.randperm(300_001, generator=tg))
    for n, dt in ((2049, np.float16), (2050, np.float16), (128, np.int8), (129, np.int8),
                  (256, np.uint8), (257, np.uint8), (2, np.bool_)):
        try:
            ref = torch.randperm(n, dtype=TORCH_DTYPE[np.dtype(dt)], generator=tg)
        except RuntimeError:
            with pytest.raises(RuntimeError):
                R.randperm(g, n, dt)
            continue
        assert_same(R.randperm(g, n, dt), ref)
    assert_state(g, tg)


def _swap_reference(z, n):
    a = list(range(n))
    for i in range(n - 1):
        j = i + int(z[i])
        a[i], a[j] = a[j], a[i]
    return np.array(a, dtype=np.int64)


def _inside_out_reference(z, n):
    r = [0] * n
    for i in range(n):
        zi = int(z[i])
        r[i] = i
        r[i] = r[zi]
        r[zi] = i
    return np.array(r, dtype=np.int64)


@S(100)
@given(data=st.data(), n=st.integers(2, 80), self_bias=st.booleans())
def test_vectorised_shuffles_match_sequential_loops(data, n, self_bias):
    """The pointer-jumping shuffles equal torch's sequential loops (both randperm algorithms;
    the 64-bit inside-out one is only reached by torch for n >= 214748364)."""
    z = np.array([data.draw(st.integers(0, 0 if self_bias and k % 2 else n - 1 - k)) for k in range(n - 1)])
    assert_same(R._swap_shuffle(z.astype(np.uint64), n), _swap_reference(z, n))
    z2 = np.array([data.draw(st.integers(k if self_bias and k % 3 == 0 else 0, k)) for k in range(n)])
    assert_same(R._inside_out_shuffle(z2.astype(np.uint64), n), _inside_out_reference(z2, n))


@S(40)
@given(seed=seeds, shape=shapes, p=st.floats(0, 1), dtype=st.sampled_from(INTS + FLOATS_H))
def test_bernoulli_scalar(seed, shape, p, dtype):
    dt = np.dtype(dtype)
    g, tg = pair(seed)
    ref = torch.empty(shape, dtype=TORCH_DTYPE[dt]).bernoulli_(p, generator=tg)
    assert_same(R.bernoulli(g, p, shape, dt), ref)
    assert_state(g, tg)


@S(40)
@given(seed=seeds, shape=shapes, pdt=st.sampled_from(FLOATS_H), data=st.data())
def test_bernoulli_tensor(seed, shape, pdt, data):
    probs = np.asarray(np.random.default_rng(data.draw(st.integers(0, 2**32 - 1))).random(shape)).astype(pdt)
    probs[probs > 0.9] = 1.0
    probs[probs < 0.1] = 0.0
    g, tg = pair(seed)
    assert_same(R.bernoulli(g, probs), torch.bernoulli(torch.from_numpy(probs.copy()), generator=tg))
    assert_state(g, tg)
    # self.bernoulli_(p) with p broadcast to self's shape
    out_shape = (3,) + tuple(shape)
    ref = torch.empty(out_shape).bernoulli_(torch.from_numpy(probs.copy()), generator=tg)
    assert_same(R.bernoulli(g, probs, out_shape, np.float32), ref)
    assert_state(g, tg)


def test_bernoulli_rejects_bad_p():
    with pytest.raises(RuntimeError):
        torch.empty(3).bernoulli_(1.5)
    with pytest.raises(RuntimeError):
        R.bernoulli(None, 1.5, (3,))


@S(40)
@given(seed=seeds, shape=shapes, dtype=st.sampled_from(FLOATS_H),
       lambd=st.one_of(st.just(1.0), st.floats(1e-3, 1e3)))
def test_exponential(seed, shape, dtype, lambd):
    g, tg = pair(seed)
    ref = torch.empty(shape, dtype=TORCH_DTYPE[np.dtype(dtype)]).exponential_(lambd, generator=tg)
    assert_same(R.exponential(g, shape, dtype, lambd), ref)
    assert_state(g, tg)


@S(50)
@given(seed=seeds, rows=st.one_of(st.none(), st.integers(1, 4)), cats=st.integers(1, 300),
       dtype=st.sampled_from(FLOATS_H), replacement=st.booleans(), data=st.data())
def test_multinomial(seed, rows, cats, dtype, replacement, data):
    k = data.draw(st.integers(1, cats if not replacement else 2 * cats + 3))
    shape = (cats,) if rows is None else (rows, cats)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    probs = (rng.random(shape) * 10 + 0.01).astype(dtype)  # strictly positive: no top-k ties
    g, tg = pair(seed)
    ref = torch.multinomial(torch.from_numpy(probs.copy()), k, replacement, generator=tg)
    assert_same(R.multinomial(g, probs, k, replacement), ref)
    assert_state(g, tg)


def test_multinomial_with_zeros_and_errors():
    probs = np.array([[0.0, 3.0, 0.0, 1.0, 0.5], [1.0, 0.0, 0.0, 0.0, 0.0]], dtype=np.float32)
    for k, rep in ((1, False), (1, True), (2, False), (40, True)):
        if not rep and k > 1:
            probs_k = probs[:1]
        else:
            probs_k = probs
        g, tg = pair(31)
        assert_same(R.multinomial(g, probs_k, k, rep),
                    torch.multinomial(torch.from_numpy(probs_k.copy()), k, rep, generator=tg))
        assert_state(g, tg)
    for bad, k, rep in ((np.array([1.0, -1.0]), 1, False), (np.array([0.0, 0.0]), 1, True),
                        (np.array([1.0, np.inf]), 2, True), (np.ones(3), 4, False), (np.ones((2, 2, 2)), 1, False)):
        with pytest.raises(RuntimeError):
            torch.multinomial(torch.from_numpy(bad), k, rep)
        with pytest.raises(RuntimeError):
            R.multinomial(None, bad, k, rep)


OPS = ["rand", "rand64", "randh", "uniform", "randn", "randn64", "normal_small", "normal64",
       "randint", "randint_big", "random_", "randperm", "bernoulli", "bernoulli_t", "exponential",
       "multinomial", "multinomial_rep", "swap_state"]


STEP_SIZES = [1, 2, 3, 15, 16, 17, 33, 100, 624, 625]


@S(40)
@given(seed=seeds,
       program=st.lists(st.tuples(st.sampled_from(OPS), st.sampled_from(STEP_SIZES)), min_size=1, max_size=12))
def test_interleaved_sequences(seed, program):
    g, tg = pair(seed)
    for op, n in program:
        if op == "rand":
            a, b = R.uniform(g, (n,)), torch.rand(n, generator=tg)
        elif op == "rand64":
            a, b = R.uniform(g, (n,), np.float64), torch.rand(n, dtype=torch.float64, generator=tg)
        elif op == "randh":
            a, b = R.uniform(g, (n,), np.float16), torch.rand(n, dtype=torch.float16, generator=tg)
        elif op == "uniform":
            a, b = R.uniform(g, (n, 2), np.float32, -3, 4), torch.empty(n, 2).uniform_(-3, 4, generator=tg)
        elif op == "randn":
            a, b = R.normal(g, (n,)), torch.randn(n, generator=tg)
        elif op == "randn64":
            a, b = R.normal(g, (n,), np.float64), torch.randn(n, dtype=torch.float64, generator=tg)
        elif op == "normal_small":
            m = n % 5 + 1
            a, b = R.normal(g, (m,), np.float32, 2.0, 0.5), torch.empty(m).normal_(2.0, 0.5, generator=tg)
        elif op == "normal64":
            a, b = (R.normal(g, (n, 3), np.float64, -1.0, 3.0),
                    torch.empty(n, 3, dtype=torch.float64).normal_(-1.0, 3.0, generator=tg))
        elif op == "randint":
            a, b = R.randint(g, -7, n + 5, (n,), np.int64), torch.randint(-7, n + 5, (n,), generator=tg)
        elif op == "randint_big":
            a, b = R.randint(g, 0, 2**40, (n,), np.int64), torch.randint(0, 2**40, (n,), generator=tg)
        elif op == "random_":
            a, b = R.random_(g, (n,), np.int32), torch.empty(n, dtype=torch.int32).random_(generator=tg)
        elif op == "randperm":
            a, b = R.randperm(g, n), torch.randperm(n, generator=tg)
        elif op == "bernoulli":
            a, b = R.bernoulli(g, 0.25, (n,), np.float32), torch.empty(n).bernoulli_(0.25, generator=tg)
        elif op == "bernoulli_t":
            p = np.linspace(0, 1, n, dtype=np.float32)
            a, b = R.bernoulli(g, p), torch.bernoulli(torch.from_numpy(p), generator=tg)
        elif op == "exponential":
            a, b = R.exponential(g, (n,), np.float32, 2.0), torch.empty(n).exponential_(2.0, generator=tg)
        elif op == "multinomial":
            p = np.linspace(0.5, 2, n + 1, dtype=np.float32)
            a, b = R.multinomial(g, p, 1), torch.multinomial(torch.from_numpy(p), 1, generator=tg)
        elif op == "multinomial_rep":
            p = np.linspace(0.5, 2, n + 1, dtype=np.float64).reshape(1, -1)
            a, b = R.multinomial(g, p, 5, True), torch.multinomial(torch.from_numpy(p), 5, True, generator=tg)
        else:  # swap_state: continue each stream from the other one's state
            a = g.get_state()
            b = tg.get_state()
            g.set_state(b.numpy())
            tg.set_state(torch.from_numpy(a.copy()))
        assert_same(a, b)
        assert_state(g, tg)


# ----------------------------------------------------------------------------
# numerical helpers and the no-FMA (ATEN_CPU_CAPABILITY=default) model
# ----------------------------------------------------------------------------

def _round_fraction(fr, mant_bits, emin, emax):
    """Independent reference: round a nonzero Fraction to nearest-even in a binary format."""
    sign = -1.0 if fr < 0 else 1.0
    x = abs(fr)
    e = x.numerator.bit_length() - x.denominator.bit_length()
    if Fraction(2) ** e > x:
        e -= 1
    e = max(e, emin)  # subnormals share the minimum exponent
    scale = Fraction(2) ** (e - mant_bits + 1)
    q, r = divmod(x / scale, 1)
    if r > Fraction(1, 2) or (r == Fraction(1, 2) and q % 2 == 1):
        q += 1
    val = q * scale
    if val >= Fraction(2) ** (emax + 1):
        return sign * math.inf
    return sign * float(val)


def _fma_reference(a, b, c, mant_bits, emin, emax):
    exact = Fraction(a) * Fraction(b) + Fraction(c)
    if exact != 0:
        return _round_fraction(exact, mant_bits, emin, emax)
    prod_neg = math.copysign(1.0, a) * math.copysign(1.0, b) < 0
    if (a == 0 or b == 0) and c == 0 and prod_neg and math.copysign(1.0, c) < 0:
        return -0.0
    return 0.0


def _same_float(x, y):
    return (x == y and math.copysign(1.0, x) == math.copysign(1.0, y)) or (x != x and y != y)


finite64 = st.floats(allow_nan=False, allow_infinity=False)
finite32 = st.floats(allow_nan=False, allow_infinity=False, width=32)


@S(300)
@given(a=finite64, b=finite64, c=finite64)
def test_fma64_is_correctly_rounded(a, b, c):
    got = float(R.fma64(np.array([a]), np.array([b]), np.array([c]))[0])
    assert _same_float(got, _fma_reference(a, b, c, 53, -1022, 1023))


@S(300)
@given(a=finite32, b=finite32, c=finite32)
def test_fma32_is_correctly_rounded(a, b, c):
    got = float(R.fma32(np.array([a], np.float32), np.array([b], np.float32), np.array([c], np.float32))[0])
    assert _same_float(got, _fma_reference(a, b, c, 24, -126, 127))


def test_libm_paths_match_math_module():
    x = np.random.default_rng(3).random(20_000)
    for name, pyf, arg in (("log", math.log, 1.0 - x), ("log1p", math.log1p, -x),
                           ("sin", math.sin, x * 2 * math.pi), ("cos", math.cos, x * 2 * math.pi)):
        arg = np.where(arg == 0, 0.5, arg) if name == "log" else arg
        ref = np.array([pyf(v) for v in arg.tolist()])
        assert_same(R._libm(name, arg), ref)


_DEFAULT_CAP_SCRIPT = """
import importlib.util, sys
import numpy as np, torch
assert torch.backends.cpu.get_cpu_capability() == "DEFAULT"
spec = importlib.util.spec_from_file_location("m", sys.argv[1])
R = importlib.util.module_from_spec(spec); spec.loader.exec_module(R)
R.set_cpu_capability("default")
T = {np.float16: torch.float16, np.float32: torch.float32, np.float64: torch.float64}
for seed in (0, 2**40 + 3):
    for shape in ((), (5,), (15,), (16,), (17,), (333,)):
        for dt in (np.float16, np.float32, np.float64):
            g, tg = R.Generator().manual_seed(seed), torch.Generator().manual_seed(seed)
            pairs = [(R.uniform(g, shape, dt, -2.5, 7.25),
                      torch.empty(shape, dtype=T[dt]).uniform_(-2.5, 7.25, generator=tg)),
                     (R.exponential(g, shape, dt, 1.5),
                      torch.empty(shape, dtype=T[dt]).exponential_(1.5, generator=tg))]
            if dt == np.float64 or int(np.prod(shape)) < 16:
                pairs.append((R.normal(g, shape, dt, 0.3, 1.7),
                              torch.empty(shape, dtype=T[dt]).normal_(0.3, 1.7, generator=tg)))
            for a, b in pairs:
                assert a.tobytes() == b.numpy().tobytes(), (seed, shape, dt)
            assert g.get_state().tobytes() == tg.get_state().numpy().tobytes()
print("ok")
"""


def test_default_cpu_capability_model():
    env = dict(os.environ, ATEN_CPU_CAPABILITY="default")
    out = subprocess.run([sys.executable, "-c", _DEFAULT_CAP_SCRIPT, str(_PATH)], env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "ok" in out.stdout
    saved = R.get_cpu_capability()
    try:
        R.set_cpu_capability("default")
        with pytest.raises(NotImplementedError):
            R.normal(None, (16,), np.float32)
    finally:
        R.set_cpu_capability(saved)


def test_large_calls_are_vectorised():
    """10^6-element calls run as array code (a per-element Python loop would take seconds)."""
    import time
    g = R.Generator()
    t0 = time.perf_counter()
    for fn in (lambda: R.uniform(g, (10**6,)), lambda: R.normal(g, (10**6,)),
               lambda: R.normal(g, (10**6,), np.float64), lambda: R.exponential(g, (10**6,)),
               lambda: R.randint(g, 0, 10, (10**6,)), lambda: R.randperm(g, 10**6),
               lambda: R.bernoulli(g, 0.5, (10**6,))):
        fn()
    assert time.perf_counter() - t0 < 30
