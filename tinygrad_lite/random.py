"""Bit-exact reproduction of PyTorch's CPU random number streams in pure NumPy.

This module is standalone on purpose: it imports only the standard library and
NumPy (never torch, never other tinygrad_lite modules), so it can be loaded by
file path.  Every sampler returns a new array and advances the generator
exactly as torch's CPU generator advances for the same call, so streams can be
interleaved and states exchanged with torch (``Generator.get_state`` is the
byte image of ``torch.get_rng_state()``).

Facts reproduced (all verified empirically against torch 2.13 CPU on x86-64,
see ``parity_tests/test_random_streams.py``):

* Engine: a plain 32-bit mt19937.  ``manual_seed(s)`` runs ``init_genrand`` on
  ``s mod 2**32`` and remembers the full 64-bit seed (``initial_seed``); seeds
  in ``[-2**63, 2**64)`` are accepted, negative ones wrap modulo 2**64.  The
  state is ``(seed, left, seeded, next, 624 words, cached double normal,
  cached float normal)`` in a 5056-byte struct.  Bulk words come from NumPy's
  ``MT19937.random_raw`` (the same engine); words left before the next twist
  are tempered here with array ops.  ``random64()`` = two words, high first.
* Uniform floats: float32/float16 use ``(w & (2**24-1)) * 2**-24`` of one word,
  float64 ``(r64 & (2**53-1)) * 2**-53``; ``x*(to-from)+from`` is fused into
  an FMA by the compiler (emulated exactly) and a result ``>= to`` becomes
  ``from`` (float16: rounded first, compared in half).
* ``normal``: numel >= 16 uses ``normal_fill`` (draw all uniforms, Box-Muller
  on blocks of 16 with ``u1 = 1 - u[j]``, ``u2 = u[j+8]``; if ``numel % 16``
  the last 16 slots are re-drawn and re-transformed).  float32 runs torch's
  AVX2 kernel (Cephes ``log256_ps``/``sincos256_ps``), emulated operation by
  operation in float32 including the compiler's FMAs; float16 is that float32
  kernel rounded, but draws only the full blocks before the tail block;
  float64 uses libm ``log``/``cos``/``sin`` and ``fma(r*cos, std, mean)``.
  numel < 16 uses the scalar double Box-Muller (``log1p``) whose second value
  is cached in the generator (shared by all dtypes, part of the state).
* Integers: ``random_(from, to)`` takes ``random() % range`` or, for ranges
  >= 2**28, ``random64() % range``; float dtypes get torch's from/to
  adjustment.  ``random_()`` uses per-dtype moduli.  ``randperm`` is the swap
  shuffle on ``random() % (n-i)`` for n < 214748364, else the inside-out
  shuffle on ``random64() % (i+1)``; both are evaluated with array ops
  (grouping + pointer jumping) instead of a sequential loop.
* ``bernoulli``: one double uniform per element for a scalar p or a float64 p
  array, one float uniform for float32/float16 p.  ``exponential``:
  ``-1/lambda * log1p(-u)`` on a double u.  ``multinomial``: without
  replacement (or one sample) ``argmax``/``topk`` of ``p / Exp(1)``, with
  libstdc++'s order for tied keys; with replacement a per-row sequential
  cumulative sum and a left binary search per double uniform.

Limits: torch's results depend on the CPU kernels it dispatches to.  The
default model is x86-64 AVX2/AVX512 (FMA contraction).  Call
:func:`set_cpu_capability` with ``"default"`` to model
``ATEN_CPU_CAPABILITY=default`` (no contraction in uniform and in the small
normal path); float32/float16 ``normal`` with numel >= 16 is not reproducible
in that mode (glibc ``logf``/``sinf``/``cosf``) and raises
``NotImplementedError``.  On Intel CPUs torch (with MKL) may route
``bernoulli_(float p)`` through MKL's VSL stream; that path is not modelled.
"""

from __future__ import annotations

import math
import operator
import secrets
import struct
from fractions import Fraction

import numpy as np

__all__ = [
    "Generator", "default_generator", "manual_seed", "seed", "initial_seed",
    "get_rng_state", "set_rng_state", "uniform", "normal", "randint", "random_",
    "randperm", "bernoulli", "exponential", "multinomial", "set_cpu_capability",
    "get_cpu_capability", "DEFAULT_SEED", "STATE_SIZE",
]

DEFAULT_SEED = 67280421310721
STATE_SIZE = 5056  # sizeof(CPUGeneratorImplState)

_MT_N = 624
_U64 = 0xFFFFFFFFFFFFFFFF
_INT64_MIN = -(1 << 63)
# torch's randperm switches from a swap shuffle on 32-bit draws to an
# "inside-out" shuffle on 64-bit draws at n >= UINT32_MAX // 20.
RANDPERM_LARGE_N = 0xFFFFFFFF // 20
# ranges >= this use one random64() per element in random_(from, to)
RANDINT_64BIT_RANGE = 1 << 28
# numel threshold of the vectorised Box-Muller path of normal_
NORMAL_FILL_MIN = 16

# byte layout of CPUGeneratorImplState (little endian, natural alignment)
_OFF_SEED, _OFF_LEFT, _OFF_NEXT, _OFF_STATE = 0, 8, 16, 24  # seeded flag at 12
_OFF_NORMAL_X = _OFF_STATE + 8 * _MT_N  # 5016
_OFF_NORMAL_Y = _OFF_NORMAL_X + 8
_OFF_NORMAL_RHO = _OFF_NORMAL_Y + 8
_OFF_NORMAL_VALID = _OFF_NORMAL_RHO + 8  # 5040 (int), then 4 bytes padding
_OFF_FLOAT_NORMAL = _OFF_NORMAL_VALID + 8  # 5048 (float)
_OFF_FLOAT_VALID = _OFF_FLOAT_NORMAL + 4  # 5052 (bool), then 3 bytes padding

_capability = {"name": "avx2", "fma": True, "avx2_normal": True}


def set_cpu_capability(name: str) -> None:
    """Model torch's ``ATEN_CPU_CAPABILITY``: "avx2"/"avx512" (default) or "default"."""
    name = str(name).lower()
    if name in ("avx2", "avx512"):
        _capability.update(name=name, fma=True, avx2_normal=True)
    elif name == "default":
        _capability.update(name=name, fma=False, avx2_normal=False)
    else:
        raise ValueError(f"unknown cpu capability {name!r}")


def get_cpu_capability() -> str:
    return _capability["name"]


# ----------------------------------------------------------------------------
# Generator
# ----------------------------------------------------------------------------

def _temper(y: np.ndarray) -> np.ndarray:
    y = y.astype(np.uint32, copy=True)
    y ^= y >> np.uint32(11)
    y ^= (y << np.uint32(7)) & np.uint32(0x9D2C5680)
    y ^= (y << np.uint32(15)) & np.uint32(0xEFC60000)
    y ^= y >> np.uint32(18)
    return y


def _normalize_seed(seed) -> int:
    if isinstance(seed, (bool, np.bool_)):
        seed = int(seed)
    try:
        s = operator.index(seed)
    except TypeError:
        s = int(seed)  # torch.manual_seed does int(seed) (floats truncate)
    if s < _INT64_MIN or s > _U64:
        raise ValueError("Overflow when unpacking long long")
    return s & _U64


def _init_key(seed32: int) -> np.ndarray:
    # mt19937 init_genrand; NumPy's legacy RandomState seeding is this exact
    # recurrence (checked by the parity tests), and runs in C.
    return np.random.RandomState(seed32).get_state()[1].astype(np.uint32)


class Generator:
    """A torch-compatible CPU generator (mt19937 + Box-Muller cache)."""

    def __init__(self, seed: int = DEFAULT_SEED):
        self._bitgen = np.random.MT19937()
        self.manual_seed(seed)

    # -- seeding --------------------------------------------------------------
    def manual_seed(self, seed) -> "Generator":
        s = _normalize_seed(seed)
        self._seed = s
        self._key = _init_key(s & 0xFFFFFFFF)
        self._left = 1
        self._next = 0
        self._normal_cache = None  # cached double Box-Muller sample
        self._float_normal_cache = None  # unused by CPU kernels, kept for state
        return self

    def seed(self) -> int:
        s = secrets.randbits(64)
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        return self._seed

    # -- state ----------------------------------------------------------------
    def get_state(self) -> np.ndarray:
        buf = bytearray(STATE_SIZE)
        struct.pack_into("<Q", buf, _OFF_SEED, self._seed)
        struct.pack_into("<ii", buf, _OFF_LEFT, self._left, 1)  # left, seeded
        struct.pack_into("<Q", buf, _OFF_NEXT, self._next)
        buf[_OFF_STATE:_OFF_NORMAL_X] = self._key.astype("<u8").tobytes()
        if self._normal_cache is not None:
            struct.pack_into("<d", buf, _OFF_NORMAL_Y, self._normal_cache)
            struct.pack_into("<i", buf, _OFF_NORMAL_VALID, 1)
        if self._float_normal_cache is not None:
            struct.pack_into("<f", buf, _OFF_FLOAT_NORMAL, self._float_normal_cache)
            buf[_OFF_FLOAT_VALID] = 1
        return np.frombuffer(bytes(buf), dtype=np.uint8).copy()

    def set_state(self, state) -> None:
        arr = np.asarray(state)
        if arr.dtype != np.uint8:
            raise TypeError(f"RNG state must be a uint8 array, got {arr.dtype}")
        if arr.size != STATE_SIZE:
            raise RuntimeError(f"Expected a CPUGeneratorImplState of size {STATE_SIZE} "
                               f"but found the input RNG state size to be {arr.size}")
        raw = np.ascontiguousarray(arr).reshape(-1).tobytes()
        (seed,) = struct.unpack_from("<Q", raw, _OFF_SEED)
        left, seeded = struct.unpack_from("<ii", raw, _OFF_LEFT)
        (nxt,) = struct.unpack_from("<Q", raw, _OFF_NEXT)
        nxt &= 0xFFFFFFFF  # torch keeps next_ as uint32
        if not (seeded != 0 and 0 < left <= _MT_N and nxt <= _MT_N):
            raise RuntimeError("Invalid mt19937 state")
        if nxt + left - 1 > _MT_N:
            # torch would index past its state array here (undefined behaviour)
            raise RuntimeError("Invalid mt19937 state (next + left - 1 > 624)")
        key = np.frombuffer(raw, dtype="<u8", count=_MT_N, offset=_OFF_STATE)
        self._seed = seed
        self._key = (key & np.uint64(0xFFFFFFFF)).astype(np.uint32)
        self._left, self._next = left, nxt
        (valid,) = struct.unpack_from("<i", raw, _OFF_NORMAL_VALID)
        self._normal_cache = struct.unpack_from("<d", raw, _OFF_NORMAL_Y)[0] if valid else None
        fvalid = raw[_OFF_FLOAT_VALID]
        self._float_normal_cache = (float(np.float32(struct.unpack_from("<f", raw, _OFF_FLOAT_NORMAL)[0]))
                                    if fvalid else None)

    def clone(self) -> "Generator":
        g = Generator.__new__(Generator)
        g._bitgen = np.random.MT19937()
        g._seed, g._key, g._left, g._next = self._seed, self._key.copy(), self._left, self._next
        g._normal_cache, g._float_normal_cache = self._normal_cache, self._float_normal_cache
        return g

    clone_state = clone

    # -- raw draws ------------------------------------------------------------
    def _raw(self, n: int) -> np.ndarray:
        """Next ``n`` 32-bit engine outputs, as uint64 values (< 2**32)."""
        out = np.empty(n, dtype=np.uint64)
        k = min(n, self._left - 1)  # words still available before the next twist
        if k > 0:
            out[:k] = _temper(self._key[self._next:self._next + k])
            self._left -= k
            self._next += k
        rest = n - k
        if rest > 0:
            bg = self._bitgen
            bg.state = {"bit_generator": "MT19937", "state": {"key": self._key, "pos": _MT_N}}
            out[k:] = bg.random_raw(rest)
            st = bg.state["state"]
            self._key = np.asarray(st["key"], dtype=np.uint32).copy()
            pos = int(st["pos"])
            self._left, self._next = _MT_N + 1 - pos, pos
        return out

    def random32(self, n: int) -> np.ndarray:
        """``n`` draws of ``CPUGeneratorImpl::random()`` (uint32)."""
        return self._raw(n).astype(np.uint32)

    def random64(self, n: int) -> np.ndarray:
        """``n`` draws of ``CPUGeneratorImpl::random64()`` (uint64, hi word first)."""
        w = self._raw(2 * n)
        return (w[0::2] << np.uint64(32)) | w[1::2]

    def __repr__(self):
        return f"Generator(initial_seed={self._seed})"


default_generator = Generator()


def _gen(gen) -> Generator:
    return default_generator if gen is None else gen


def manual_seed(seed) -> Generator:
    return default_generator.manual_seed(seed)


def seed() -> int:
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state() -> np.ndarray:
    return default_generator.get_state()


def set_rng_state(state) -> None:
    default_generator.set_state(state)


# ----------------------------------------------------------------------------
# exact floating point helpers
# ----------------------------------------------------------------------------

_SPLITTER = 134217729.0  # 2**27 + 1 (Veltkamp)


def _two_sum(a, b):
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _two_prod(a, b):
    p = a * b
    t = _SPLITTER * a
    ah = t - (t - a)
    al = a - ah
    t = _SPLITTER * b
    bh = t - (t - b)
    bl = b - bh
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def _round_odd_fix(s, err):
    """Turn s = RN(x) with x = s + err into round-to-odd(x) (float64)."""
    even = (s.view(np.int64) & 1) == 0
    fix = (err != 0) & even
    if np.any(fix):
        s = np.where(fix, np.nextafter(s, np.where(err > 0, np.inf, -np.inf)), s)
    return s


def _fma64_exact_scalar(a: float, b: float, c: float) -> float:
    """Correctly rounded a*b+c via exact rational arithmetic (slow; rare cases only)."""
    if not (math.isfinite(a) and math.isfinite(b) and math.isfinite(c)):
        return a * b + c
    exact = Fraction(a) * Fraction(b) + Fraction(c)
    if exact == 0:
        prod_neg = (math.copysign(1.0, a) * math.copysign(1.0, b)) < 0
        if a * b == 0 and c == 0 and prod_neg and math.copysign(1.0, c) < 0:
            return -0.0
        return 0.0
    try:
        return exact.numerator / exact.denominator  # int true division rounds correctly
    except OverflowError:
        return math.inf if exact > 0 else -math.inf


def fma64(a, b, c, out=None):
    """Correctly rounded float64 a*b+c, like a hardware FMA; written into `out` if given.

    Vectorised Boldo-Melquiond emulation (Veltkamp/Dekker exact product, TwoSum,
    round-to-odd); elements where its intermediate terms could overflow or
    underflow, or whose result is zero (sign of zero), are redone exactly with
    rationals.
    """
    a, b, c = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (a, b, c)))
    shape = a.shape
    a, b, c = (v.reshape(-1) for v in (a, b, c))  # (1-D: np.nonzero refuses 0-d arrays)
    with np.errstate(all="ignore"):
        uh, ul = _two_prod(a, b)
        th, tl = _two_sum(c, uh)
        s, e = _two_sum(tl, ul)
        r = th + _round_odd_fix(s, e)
        big, tiny = 2.0 ** 995, 2.0 ** -900
        risky = ((np.abs(a) > big) | (np.abs(b) > big) | (np.abs(c) > 2.0 ** 1020)
                 | ((np.abs(uh) < tiny) & (a != 0) & (b != 0)) | (r == 0) | ~np.isfinite(r))
    if np.any(risky):
        r = np.array(r, dtype=np.float64, copy=True)
        for i in np.flatnonzero(risky):
            r[i] = _fma64_exact_scalar(float(a[i]), float(b[i]), float(c[i]))
    r = r.reshape(shape)
    if out is None:
        return r
    np.copyto(out, r)
    return out


def fma32(a, b, c, out=None):
    """Correctly rounded float32 a*b+c (the product is exact in float64); into `out` if given.
    (No np.errstate: an inf or NaN operand warns from this module, which the package silences.)"""
    s = np.asarray(np.multiply(a, b, dtype=np.float64))  # 24-bit by 24-bit significands: exact
    s = np.add(s, c, out=s if np.shape(c) == s.shape or not np.ndim(c) else None)
    # RN32(s) can differ from RN32(a*b + c) only where s sits exactly halfway between two
    # float32s (normal or subnormal): such an s is nonzero and has its low 28 mantissa bits
    # zero, so its low 16 bits, which a truncating cast reads, are zero too.
    maybe = np.equal(s.view(np.uint64), 0, signature=(np.uint16, np.uint16, bool),
                     casting="unsafe")
    if maybe.any():
        idx = maybe.reshape(-1).nonzero()[0]
        idx = idx[s.reshape(-1)[idx] != 0]  # zeros (as from zero gradients) are never halfway
        if idx.size:
            _round_odd_at_ties(s, idx, a, b, c)
    if out is None:
        return s.astype(np.float32)[()]
    np.copyto(out, s, casting="same_kind")
    return out


def _round_odd_at_ties(s, idx, a, b, c):
    """Replace s = RN64(a*b + c) at flat `idx` by round-to-odd(a*b + c) where RN32 may need it."""
    ss = s.reshape(-1)[idx]
    risky = ((ss.view(np.int64) & 0x1FFFFFFF) == 0x10000000) | (np.abs(ss) < 2.0 ** -125)
    if risky.any():
        idx = idx[risky]
        a, b, c = (np.asarray(np.broadcast_to(v, s.shape).flat[idx], np.float64) for v in (a, b, c))
        _, err = _two_sum(a * b, c)
        s.reshape(-1)[idx] = _round_odd_fix(ss[risky], err)


def _muladd32(a, b, c):
    """float32 a*b+c the way torch's kernels compute it (fused on AVX2/AVX512)."""
    if _capability["fma"]:
        return fma32(a, b, c)
    f = np.float32
    return np.asarray(a, f) * np.asarray(b, f) + np.asarray(c, f)


def _muladd64(a, b, c):
    if _capability["fma"]:
        return fma64(a, b, c)
    return np.asarray(a, np.float64) * b + c


# libm-exact vectorised math.  NumPy's contiguous float64 log/log1p loops use
# their own SIMD code that differs from glibc in the last bit; its generic
# (negative-stride) loop calls the C library like torch does.  That is checked
# once per function on a sample against the ``math`` module (which calls libm);
# if the check fails, the slower but exact per-element ``math`` path is used.
_LIBM_FUNCS = {
    "log": (np.log, math.log, lambda r: r.random(4096) + 2.0 ** -60),
    "log1p": (np.log1p, math.log1p, lambda r: -r.random(4096)),
    "sin": (np.sin, math.sin, lambda r: r.random(4096) * 6.283185307179586),
    "cos": (np.cos, math.cos, lambda r: r.random(4096) * 6.283185307179586),
}
_LIBM_OK: dict = {}


def _libm_vec(name, x):
    uf, _, _ = _LIBM_FUNCS[name]
    flat = np.ascontiguousarray(x, dtype=np.float64).reshape(-1)
    return uf(flat[::-1])[::-1].reshape(np.shape(x))


def _libm(name, x):
    ok = _LIBM_OK.get(name)
    if ok is None:
        _, pyf, sample = _LIBM_FUNCS[name]
        xs = sample(np.random.default_rng(12345))
        ref = np.fromiter(map(pyf, xs.tolist()), dtype=np.float64, count=xs.size)
        ok = _LIBM_OK[name] = bool(np.array_equal(_libm_vec(name, xs), ref))
    if ok:
        return _libm_vec(name, x)
    pyf = _LIBM_FUNCS[name][1]
    x = np.asarray(x, dtype=np.float64)
    return np.fromiter(map(pyf, x.reshape(-1).tolist()), dtype=np.float64,
                       count=x.size).reshape(x.shape)


# ----------------------------------------------------------------------------
# argument helpers
# ----------------------------------------------------------------------------

_FLOAT_DTYPES = (np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64))
_INT_DTYPES = tuple(np.dtype(t) for t in (np.bool_, np.uint8, np.int8, np.int16, np.int32, np.int64))


def _shape(shape):
    if shape is None:
        return ()
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(s) for s in shape)


def _numel(shape):
    n = 1
    for s in shape:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: "
                               f"[{', '.join(map(str, shape))}]")
        n *= s
    return n


def _float_dtype(dtype):
    dt = np.dtype(np.float32 if dtype is None else dtype)
    if dt not in _FLOAT_DTYPES:
        raise TypeError(f"expected a floating point dtype (float16/32/64), got {dt}")
    return dt


def _any_dtype(dtype):
    dt = np.dtype(dtype)
    if dt not in _FLOAT_DTYPES and dt not in _INT_DTYPES:
        raise TypeError(f"unsupported dtype {dt}")
    return dt


def _uniform01_f32(words32):
    """float32 uniform in [0, 1) from 32-bit words (24 low bits)."""
    return (words32 & np.uint64(0xFFFFFF)).astype(np.float32) * np.float32(2.0 ** -24)


def _uniform01_f64(words64):
    """float64 uniform in [0, 1) from 64-bit words (53 low bits)."""
    return (words64 & np.uint64((1 << 53) - 1)).astype(np.float64) * (2.0 ** -53)


# ----------------------------------------------------------------------------
# uniform
# ----------------------------------------------------------------------------

def uniform(gen, shape, dtype=np.float32, low=0.0, high=1.0):
    """``torch.rand`` / ``Tensor.uniform_(low, high)``."""
    gen = _gen(gen)
    shape = _shape(shape)
    dt = _float_dtype(dtype)
    low, high = float(low), float(high)
    fi = np.finfo(dt)
    lo_lim, hi_lim = float(fi.min), float(fi.max)
    if not (lo_lim <= low <= hi_lim):
        raise RuntimeError(f"from is out of bounds for {dt}")
    if not (lo_lim <= high <= hi_lim):
        raise RuntimeError(f"to is out of bounds for {dt}")
    if not low <= high:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={low} > to={high}")
    if not (high - low) <= hi_lim:
        raise RuntimeError(f"uniform_ expects to-from <= std::numeric_limits<{dt}>::max()")
    n = _numel(shape)
    if n == 0:
        return np.empty(shape, dtype=dt)
    if dt == np.float64:
        x = _uniform01_f64(gen.random64(n))
        if low == 0.0 and high == 1.0:
            return x.reshape(shape)
        v = _muladd64(x, high - low, low)
        v = np.where(v >= high, low, v)
        return v.reshape(shape)
    f32 = np.float32
    x = _uniform01_f32(gen._raw(n))
    f, t = f32(low), f32(high)
    v = x if (f == 0 and t == 1) else _muladd32(x, t - f, f)
    if dt == np.float32:
        v = np.where(v >= t, f, v)
        return v.reshape(shape)
    # float16: computed in float32, rounded, then a value that rounded up to
    # `to` (in half) is replaced by `from`
    h = v.astype(np.float16)
    h = np.where(h >= np.float16(high), np.float16(low), h)
    return h.reshape(shape)


# ----------------------------------------------------------------------------
# normal
# ----------------------------------------------------------------------------

_F = np.float32
_LOG_P = tuple(_F(c) for c in (7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1,
                               -1.2420140846e-1, 1.4249322787e-1, -1.6668057665e-1,
                               2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1))
_LOG_Q1 = _F(-2.12194440e-4)
_LOG_Q2 = _F(0.693359375)
_SQRTHF = _F(0.707106781186547524)
_DP1, _DP2, _DP3 = _F(-0.78515625), _F(-2.4187564849853515625e-4), _F(-3.77489497744594108e-8)
_SIN_P = (_F(-1.9515295891e-4), _F(8.3321608736e-3), _F(-1.6666654611e-1))
_COS_P = (_F(2.443315711809948e-005), _F(-1.388731625493765e-003), _F(4.166664568298827e-002))
_FOPI = _F(1.27323954473516)
_TWO_PI_F = _F(2.0 * math.pi)


def _avx_log(x):
    """Emulates torch's log256_ps (float32, Cephes polynomial) with its FMAs."""
    x = np.maximum(x, np.float32(1.1754943508222875e-38))
    bits = x.view(np.int32)
    e_int = (bits.view(np.uint32) >> np.uint32(23)).astype(np.int32) - 127
    x = ((bits & np.int32(~0x7F800000)) | np.int32(0x3F000000)).view(np.float32)
    e = e_int.astype(np.float32) + _F(1.0)
    mask = x < _SQRTHF
    tmp = np.where(mask, x, _F(0.0))
    x = x - _F(1.0)
    e = e - np.where(mask, _F(1.0), _F(0.0))
    x = x + tmp
    z = x * x
    y = _LOG_P[0]
    for c in _LOG_P[1:]:
        y = fma32(y, x, c)  # y*x + c, contracted by the compiler
    y = y * x
    y = fma32(y, z, e * _LOG_Q1)  # y*z + e*q1
    y = y - z * _F(0.5)
    x = x + y
    x = x + e * _LOG_Q2  # e*q2 is exact
    return x


def _avx_sincos(x):
    """Emulates torch's sincos256_ps (float32, Cephes) with its FMAs; x >= 0."""
    xb = x.view(np.int32)
    sign_sin = xb & np.int32(-0x80000000)
    x = (xb & np.int32(0x7FFFFFFF)).view(np.float32)
    j = (x * _FOPI).astype(np.int32)  # truncation
    j = (j + 1) & ~1
    y = j.astype(np.float32)
    swap_sin = (j & 4) << 29
    poly_mask = (j & 2) == 0
    x = x + y * _DP1  # exact products: fusing does not change the result
    x = x + y * _DP2
    x = fma32(y, _DP3, x)
    sign_cos = (~(j - 2) & 4) << 29
    sign_sin = sign_sin ^ swap_sin
    z = x * x
    yc = fma32(_COS_P[0], z, _COS_P[1])
    yc = fma32(yc, z, _COS_P[2])
    yc = yc * z
    yc = fma32(yc, z, -(z * _F(0.5)))
    yc = yc + _F(1.0)
    ys = fma32(_SIN_P[0], z, _SIN_P[1])
    ys = fma32(ys, z, _SIN_P[2])
    ys = ys * z
    ys = fma32(ys, x, x)
    ysin2 = np.where(poly_mask, ys, _F(0.0))
    ysin1 = np.where(poly_mask, _F(0.0), yc)
    ys = ys - ysin2
    yc = yc - ysin1
    s = ysin1 + ysin2
    c = yc + ys
    s = (s.view(np.int32) ^ sign_sin).view(np.float32)
    c = (c.view(np.int32) ^ sign_cos).view(np.float32)
    return s, c


def _fill16_f32(u, mean, std):
    """normal_fill_16_AVX2 on rows of 16 float32 uniforms."""
    u1 = _F(1.0) - u[:, :8]
    u2 = u[:, 8:]
    radius = np.sqrt(_F(-2.0) * _avx_log(u1))
    s, c = _avx_sincos(_TWO_PI_F * u2)
    out = np.empty_like(u)
    if std == 1:  # the product is exact: the fused add is the plain one (-0.0 + mean included)
        np.add(radius * c, mean, out=out[:, :8])
        np.add(radius * s, mean, out=out[:, 8:])
    else:
        out[:, :8] = fma32(radius * c, std, mean)  # _mm256_fmadd_ps
        out[:, 8:] = fma32(radius * s, std, mean)
    return out


def _fill16_f64(u, mean, std):
    """normal_fill_16<double> on rows of 16 float64 uniforms (libm)."""
    u1 = 1.0 - u[:, :8]
    u2 = u[:, 8:]
    radius = np.sqrt(-2.0 * _libm("log", u1))
    theta = (2.0 * math.pi) * u2
    out = np.empty_like(u)
    # `radius * cos(theta) * std + mean`: fused in torch 2.13 even with
    # ATEN_CPU_CAPABILITY=default (checked empirically)
    out[:, :8] = fma64(radius * _libm("cos", theta), std, mean)
    out[:, 8:] = fma64(radius * _libm("sin", theta), std, mean)
    return out


_CHUNK_ROWS = 1 << 14  # rows of 16 processed at once (keeps temporaries in cache)


def _fill_rows(fill, u, mean, std):
    rows = u.shape[0]
    if rows <= _CHUNK_ROWS:
        return fill(u, mean, std)
    out = np.empty_like(u)
    for i in range(0, rows, _CHUNK_ROWS):
        out[i:i + _CHUNK_ROWS] = fill(u[i:i + _CHUNK_ROWS], mean, std)
    return out


def _normal_fill(gen, n, dt, mean, std):
    """torch's normal_fill for numel >= 16 (contiguous)."""
    if dt == np.float64:
        u = _uniform01_f64(gen.random64(n))
        fill, m, s = _fill16_f64, float(mean), float(std)
        tail_u = lambda: _uniform01_f64(gen.random64(16))  # noqa: E731
        full = n // 16 * 16
    else:
        if not _capability["avx2_normal"]:
            raise NotImplementedError("normal_ for float32/float16 with numel >= 16 is not reproducible "
                                      "for ATEN_CPU_CAPABILITY=default (glibc logf/sinf/cosf)")
        full = n // 16 * 16
        # float32 draws all n uniforms first; the float16 path only draws the
        # full blocks before the re-drawn tail block.
        u = _uniform01_f32(gen._raw(n if dt == np.float32 else full))
        fill, m, s = _fill16_f32, _F(mean), _F(std)
        tail_u = lambda: _uniform01_f32(gen._raw(16))  # noqa: E731
    out = np.empty(n, dtype=np.float64 if dt == np.float64 else np.float32)
    if full:
        out[:full] = _fill_rows(fill, u[:full].reshape(-1, 16), m, s).reshape(-1)
    if n % 16:
        out[n - 16:] = fill(tail_u().reshape(1, 16), m, s).reshape(-1)
    return out.astype(dt, copy=False)


def _normal_scalar(gen, n, mean, std):
    """Scalar Box-Muller on doubles with the cached second value (numel < 16).

    Inherently sequential (the cache couples consecutive samples) and only used
    for fewer than 16 elements, so a Python loop is fine here.
    """
    out = np.empty(n, dtype=np.float64)
    cached = gen._normal_cache
    fresh = n - (1 if cached is not None else 0)
    pairs = (fresh + 1) // 2
    draws = _uniform01_f64(gen.random64(2 * pairs)).tolist() if pairs else []
    k = 0
    for i in range(n):
        if cached is not None:
            val, cached = cached, None
        else:
            u1, u2 = draws[k], draws[k + 1]
            k += 2
            r = math.sqrt(-2.0 * math.log1p(-u2))
            theta = 2.0 * math.pi * u1
            cached = r * math.sin(theta)
            val = r * math.cos(theta)
        out[i] = val
    gen._normal_cache = cached
    return _muladd64(out, std, mean)  # val * std + mean (also maps -0.0 to +0.0)


def normal(gen, shape, dtype=np.float32, mean=0.0, std=1.0):
    """``torch.randn`` / ``Tensor.normal_(mean, std)`` with scalar mean/std."""
    gen = _gen(gen)
    shape = _shape(shape)
    dt = _float_dtype(dtype)
    mean, std = float(mean), float(std)
    if not std >= 0.0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    n = _numel(shape)
    if n == 0:
        return np.empty(shape, dtype=dt)
    if n >= NORMAL_FILL_MIN:
        return _normal_fill(gen, n, dt, mean, std).reshape(shape)
    out = _normal_scalar(gen, n, mean, std)
    if dt == np.float16:
        out = out.astype(np.float32)  # double -> float -> Half, as c10::Half does
    return out.astype(dt).reshape(shape)


# ----------------------------------------------------------------------------
# integers
# ----------------------------------------------------------------------------

def _cast_from_int64(v: np.ndarray, dt) -> np.ndarray:
    """static_cast<T>(int64_t) for torch's dtypes."""
    if dt == np.bool_:
        return v != 0
    if dt == np.float16:
        return v.astype(np.float32).astype(np.float16)  # int64 -> float -> Half
    return v.astype(dt)  # integer narrowing wraps; int64 -> float rounds to nearest


def _digits(dt):
    return {np.dtype(np.float16): 11, np.dtype(np.float32): 24, np.dtype(np.float64): 53}[np.dtype(dt)]


def _fp_cast_int(v: int, dt) -> int:
    """static_cast<int64_t>(static_cast<scalar_t>(v)) for a float dtype."""
    a = np.array(((v + (1 << 63)) & _U64) - (1 << 63), dtype=np.int64)
    f = float(a.astype(np.float32).astype(np.float16) if dt == np.float16 else a.astype(dt))
    if not math.isfinite(f) or not (-(2.0 ** 63) <= f < 2.0 ** 63):
        return _INT64_MIN  # x86 cvttsd2si "integer indefinite"
    return int(f)


def _update_from(frm: int, dt) -> int:
    from_plus_1 = _fp_cast_int(frm + 1, dt)
    if from_plus_1 < frm:
        n = abs(frm + 1).bit_length() - 1
        frm = from_plus_1 + (1 << (n - _digits(dt) + 1))
    return frm


def _update_to(to: int, dt) -> int:
    to_minus_1 = _fp_cast_int(to - 1, dt)
    if to_minus_1 >= to:
        n = abs(to - 1).bit_length() - 1
        to = to_minus_1 - (1 << (n - _digits(dt) + 1))
    return to


def _check_from_to_in_range(frm: int, to_inc: int, dt) -> None:
    if dt in _FLOAT_DTYPES:
        fi = np.finfo(dt)
        lo, hi = float(fi.min), float(fi.max)
    elif dt == np.bool_:
        lo, hi = 0, 1
    else:
        ii = np.iinfo(dt)
        lo, hi = int(ii.min), int(ii.max)
    if not lo <= frm <= hi:
        raise RuntimeError(f"from is out of bounds for {dt}")
    if not lo <= to_inc <= hi:
        raise RuntimeError(f"to - 1 is out of bounds for {dt}")


def _random_from_range(gen, n, rng: int, base: int, dt):
    # torch 2.13 switches to random64() for ranges >= 2**28, whatever the dtype
    # (older releases used 2**32 and only for 64-bit/float dtypes)
    use64 = rng >= RANDINT_64BIT_RANGE
    v = gen.random64(n) if use64 else gen._raw(n)
    v = (v % np.uint64(rng)) + np.uint64(base & _U64)  # uint64 arithmetic wraps
    return _cast_from_int64(v.view(np.int64), dt)


def randint(gen, low, high, shape, dtype=np.int64):
    """``torch.randint(low, high)`` / ``Tensor.random_(low, high)``.

    ``high=None`` means ``Tensor.random_(low)`` i.e. ``[low, max(dtype)]``
    (``low=-2**63`` with ``high=None`` is the full 64-bit range).
    """
    gen = _gen(gen)
    shape = _shape(shape)
    dt = _any_dtype(dtype)
    frm = operator.index(low)
    n = _numel(shape)
    if high is not None:
        to = operator.index(high)
        if not frm < to:
            raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={frm} >= to={to}")
        if dt in _FLOAT_DTYPES:
            frm, to = _update_from(frm, dt), _update_to(to, dt)
            if not frm < to:
                raise RuntimeError("random_ expects 'from' casted to dtype to be less than 'to' casted to dtype")
        _check_from_to_in_range(frm, to - 1, dt)
        if n == 0:
            return np.empty(shape, dtype=dt)
        rng = (to - frm) & _U64
        return _random_from_range(gen, n, rng, frm, dt).reshape(shape)
    if frm != _INT64_MIN:
        if dt in _FLOAT_DTYPES:
            to_inc = 1 << _digits(dt)
            frm = _update_from(frm, dt)
            if not frm < to_inc:
                raise RuntimeError("random_ expects 'from' casted to dtype to be less than or equal to 'to_inc'")
        elif dt == np.bool_:
            to_inc = 1
        else:
            to_inc = int(np.iinfo(dt).max)
        _check_from_to_in_range(frm, to_inc, dt)
        if n == 0:
            return np.empty(shape, dtype=dt)
        rng = (to_inc - frm + 1) & _U64
        return _random_from_range(gen, n, rng, frm, dt).reshape(shape)
    # [int64 min, int64 max]: uniform_int_full_range on random64
    if n == 0:  # torch returns before the kernel's dtype check
        return np.empty(shape, dtype=dt)
    if dt not in (np.dtype(np.int64), np.dtype(np.float64), np.dtype(np.float32)):
        raise RuntimeError("random_full_64_bits_range_kernel_cpu handles only int64, double, float and bfloat16")
    return _cast_from_int64(gen.random64(n).view(np.int64), dt).reshape(shape)


_RANDOM_MOD = {
    np.dtype(np.bool_): 2, np.dtype(np.uint8): 1 << 8, np.dtype(np.int8): 1 << 7,
    np.dtype(np.int16): 1 << 15, np.dtype(np.int32): 1 << 31, np.dtype(np.int64): 1 << 63,
    np.dtype(np.float16): (1 << 11) + 1, np.dtype(np.float32): (1 << 24) + 1,
    np.dtype(np.float64): (1 << 53) + 1,
}


def random_(gen, shape, dtype=np.int64):
    """``Tensor.random_()`` without arguments."""
    gen = _gen(gen)
    shape = _shape(shape)
    dt = _any_dtype(dtype)
    n = _numel(shape)
    if n == 0:
        return np.empty(shape, dtype=dt)
    v = gen.random64(n) if dt in (np.dtype(np.int64), np.dtype(np.float64)) else gen._raw(n)
    v = v % np.uint64(_RANDOM_MOD[dt])
    if dt == np.bool_:
        return (v != 0).reshape(shape)
    if dt == np.float16:
        return v.astype(np.float32).astype(np.float16).reshape(shape)
    return v.astype(dt).reshape(shape)


# ----------------------------------------------------------------------------
# randperm
# ----------------------------------------------------------------------------

def _resolve_roots(parent: np.ndarray) -> np.ndarray:
    """Pointer jumping: follow parent links (parent[i] <= i) to their fixed points."""
    root = parent.copy()
    active = np.nonzero(root != np.arange(root.size))[0]
    while active.size:
        nxt = root[root[active]]
        moved = nxt != root[active]
        root[active] = nxt
        active = active[moved]
    return root


def _group_by_key(keys: np.ndarray):
    """Group indices by key, ascending index inside a group.

    Returns (prev, last): prev[i] = largest j < i with keys[j] == keys[i] (or -1),
    and (last_keys, last_idx): for every distinct key the largest index holding it.
    Sorting the unique packed values (key << bits) | i is much faster than a
    stable argsort (keys and indices are < 2**31 here).
    """
    size = keys.size
    bits = max(int(size).bit_length(), 1)
    comp = np.sort((keys.astype(np.int64) << bits) | np.arange(size, dtype=np.int64))
    order = comp & ((1 << bits) - 1)
    ks = comp >> bits
    same = ks[1:] == ks[:-1]
    prev = np.full(size, -1, dtype=np.int64)
    prev[order[1:][same]] = order[:-1][same]
    is_last = np.ones(size, dtype=bool)
    is_last[:-1] = ~same
    return prev, ks[is_last], order[is_last]


def _swap_shuffle(z: np.ndarray, n: int) -> np.ndarray:
    """Result of ``for i < n-1: swap(a[i], a[i + z[i]])`` on a = arange(n), vectorised.

    Step i only touches positions >= i, so position i is final after step i.
    With t_i = i + z_i:
      old[i] = value at position i just before step i
             = old[q] for q = the last step < i with target i, else i
      out[i] = old[i] if t_i == i, else old[q'] for q' = the last step < i
               with target t_i, else t_i (position t_i untouched so far)
    The old[] links form chains towards smaller indices, resolved by pointer
    jumping.
    """
    m = n - 1
    idx = np.arange(n, dtype=np.int64)
    t = idx[:m] + z.astype(np.int64)
    prev, last_keys, last_idx = _group_by_key(t)
    last_target = np.full(n, -1, dtype=np.int64)
    last_target[last_keys] = last_idx
    # the last step targeting p may be step p itself (a no-op swap): step back
    lt = last_target[:m]
    self_hit = lt == idx[:m]
    lt[self_hit] = prev[lt[self_hit]]
    parent = np.where(last_target >= 0, last_target, idx)
    old = _resolve_roots(parent)  # a root index is also its original value
    out = np.empty(n, dtype=np.int64)
    moved = np.where(prev >= 0, old[np.maximum(prev, 0)], t)
    out[:m] = np.where(t == idx[:m], old[:m], moved)
    out[m] = old[m]
    return out


def _inside_out_shuffle(z: np.ndarray, n: int) -> np.ndarray:
    """Result of ``for i < n: r[i] = r[z_i]; r[z_i] = i`` (z_i <= i), vectorised.

    val[p] = value left at p by step p = p if z_p == p, else the value at z_p
    just before step p: the last j in (z_p, p) with z_j == z_p, else val[z_p].
    The final r[p] is the last step i > p with z_i == p, else val[p].
    """
    idx = np.arange(n, dtype=np.int64)
    z = z.astype(np.int64)
    prev, last_keys, last_idx = _group_by_key(z)
    term = np.where(z == idx, idx, np.where(prev > z, prev, -1))
    parent = np.where(term >= 0, idx, z)
    val = term[_resolve_roots(parent)]
    last_writer = np.full(n, -1, dtype=np.int64)
    last_writer[last_keys] = last_idx
    return np.where(last_writer > idx, last_writer, val)


def randperm(gen, n, dtype=np.int64):
    """``torch.randperm(n)``."""
    gen = _gen(gen)
    n = operator.index(n)
    dt = _any_dtype(dtype)
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    if dt == np.bool_:
        raise RuntimeError('"randperm" not implemented for \'Bool\'')
    if dt in _FLOAT_DTYPES:
        d = _digits(dt)
        if n > (1 << d) + 1:
            raise RuntimeError(f"n cannot be greater than 2^{d}+1 for {dt} type.")
    elif max(n - 1, 0) > int(np.iinfo(dt).max):
        raise RuntimeError(f"value cannot be converted to type {dt} without overflow")
    if n < RANDPERM_LARGE_N:
        if n <= 1:
            perm = np.arange(n, dtype=np.int64)
        else:
            w = gen._raw(n - 1)
            z = w % (np.uint64(n) - np.arange(n - 1, dtype=np.uint64))
            perm = _swap_shuffle(z, n)
    else:
        z = gen.random64(n) % (np.arange(n, dtype=np.uint64) + np.uint64(1))
        perm = _inside_out_shuffle(z, n)
    return _cast_from_int64(perm, dt)


# ----------------------------------------------------------------------------
# torch's CPU topk order for tied values
# ----------------------------------------------------------------------------
# torch.topk on CPU runs libstdc++'s std::partial_sort (when k*64 <= n) or
# std::nth_element followed by std::sort of the first k-1 slots, on
# (value, index) pairs compared by value only (NaN counts as largest).  With no
# ties in the top k+1 values the result is simply the sorted top k (computed
# vectorised); with ties the exact order depends on those algorithms, which are
# emulated below in plain Python (only for the affected rows).

def _gt(x, y):
    return ((x != x) and not (y != y)) or x > y


class _StlOrder:
    """libstdc++ heap/introselect/introsort on a list of (value, index) pairs."""

    def __init__(self, items):
        self.a = items

    def _push_heap(self, first, hole, top, value):
        a = self.a
        parent = (hole - 1) // 2
        while hole > top and _gt(a[first + parent][0], value[0]):
            a[first + hole] = a[first + parent]
            hole = parent
            parent = (hole - 1) // 2
        a[first + hole] = value

    def _adjust_heap(self, first, hole, length, value):
        a = self.a
        top = child = hole
        while child < (length - 1) // 2:
            child = 2 * (child + 1)
            if _gt(a[first + child][0], a[first + child - 1][0]):
                child -= 1
            a[first + hole] = a[first + child]
            hole = child
        if (length & 1) == 0 and child == (length - 2) // 2:
            child = 2 * (child + 1)
            a[first + hole] = a[first + child - 1]
            hole = child - 1
        self._push_heap(first, hole, top, value)

    def _pop_heap(self, first, last, result):
        value = self.a[result]
        self.a[result] = self.a[first]
        self._adjust_heap(first, 0, last - first, value)

    def _make_heap(self, first, last):
        length = last - first
        if length < 2:
            return
        for parent in range((length - 2) // 2, -1, -1):
            self._adjust_heap(first, parent, length, self.a[first + parent])

    def _heap_select(self, first, middle, last):
        self._make_heap(first, middle)
        a = self.a
        for i in range(middle, last):
            if _gt(a[i][0], a[first][0]):
                self._pop_heap(first, middle, i)

    def partial_sort(self, first, middle, last):
        self._heap_select(first, middle, last)
        while middle - first > 1:  # sort_heap
            middle -= 1
            self._pop_heap(first, middle, middle)

    def _swap(self, i, j):
        a = self.a
        a[i], a[j] = a[j], a[i]

    def _median_to_first(self, result, x, y, z):
        a = self.a

        def c(i, j):
            return _gt(a[i][0], a[j][0])
        if c(x, y):
            self._swap(result, y if c(y, z) else (z if c(x, z) else x))
        elif c(x, z):
            self._swap(result, x)
        else:
            self._swap(result, z if c(y, z) else y)

    def _partition_pivot(self, first, last):
        self._median_to_first(first, first + 1, first + (last - first) // 2, last - 1)
        a, pivot = self.a, first
        first += 1
        while True:
            while _gt(a[first][0], a[pivot][0]):
                first += 1
            last -= 1
            while _gt(a[pivot][0], a[last][0]):
                last -= 1
            if not first < last:
                return first
            a[first], a[last] = a[last], a[first]
            first += 1

    def _linear_insert(self, last):
        a = self.a
        val = a[last]
        nxt = last - 1
        while _gt(val[0], a[nxt][0]):
            a[last] = a[nxt]
            last = nxt
            nxt -= 1
        a[last] = val

    def _insertion_sort(self, first, last):
        a = self.a
        for i in range(first + 1, last):
            if _gt(a[i][0], a[first][0]):
                val = a[i]
                a[first + 1:i + 1] = a[first:i]
                a[first] = val
            else:
                self._linear_insert(i)

    def nth_element(self, first, nth, last):
        if first == last or nth == last:
            return
        depth = 2 * ((last - first).bit_length() - 1)
        while last - first > 3:
            if depth == 0:
                self._heap_select(first, nth + 1, last)
                self._swap(first, nth)
                return
            depth -= 1
            cut = self._partition_pivot(first, last)
            if cut <= nth:
                first = cut
            else:
                last = cut
        self._insertion_sort(first, last)

    def _introsort_loop(self, first, last, depth):
        while last - first > 16:
            if depth == 0:
                self.partial_sort(first, last, last)
                return
            depth -= 1
            cut = self._partition_pivot(first, last)
            self._introsort_loop(cut, last, depth)
            last = cut

    def sort(self, first, last):
        if first == last:
            return
        self._introsort_loop(first, last, 2 * ((last - first).bit_length() - 1))
        if last - first > 16:
            self._insertion_sort(first, first + 16)
            for i in range(first + 16, last):
                self._linear_insert(i)
        else:
            self._insertion_sort(first, last)


def _topk_largest_ties(values, k):
    """Indices of torch.topk(values, k) (largest, sorted) on CPU, ties included."""
    n = len(values)
    s = _StlOrder([(float(v), i) for i, v in enumerate(values)])
    if k * 64 <= n:
        s.partial_sort(0, k, n)
    else:
        s.nth_element(0, k - 1, n)
        s.sort(0, k - 1)
    return [s.a[j][1] for j in range(k)]


def _topk_largest(q2, k):
    """Row-wise torch.topk(q2, k).indices for a 2-D float array."""
    order = np.argsort(-q2, axis=1, kind="stable")
    res = order[:, :k].copy()
    m = min(k + 1, q2.shape[1])
    top = np.take_along_axis(q2, order[:, :m], axis=1)
    tied = np.any(top[:, 1:] == top[:, :-1], axis=1) | np.any(np.isnan(top), axis=1)
    for r in np.nonzero(tied)[0]:
        res[r] = _topk_largest_ties(q2[r].tolist(), k)
    return res


# ----------------------------------------------------------------------------
# bernoulli / exponential / multinomial
# ----------------------------------------------------------------------------

def bernoulli(gen, p, shape=None, dtype=None):
    """``Tensor.bernoulli_(p)`` (p a float) or ``torch.bernoulli(probs)`` (p an array).

    scalar p: ``shape`` (default ``()``) and ``dtype`` (default float32) give the output.
    array p: the output has ``p``'s shape (or ``shape``, p broadcast to it) and dtype
    (or ``dtype``).  Each element draws one uniform: float64 (random64) for a
    scalar or float64 ``p``, float32 (one word) for float32/float16 ``p``.

    Note: torch with MKL on *Intel* CPUs uses MKL's own stream for scalar p
    (seeded from one draw); that path is not reproduced (AMD/non-MKL path is).
    """
    gen = _gen(gen)
    if np.ndim(p) == 0 and not isinstance(p, np.ndarray):
        pv = float(p)
        if not 0.0 <= pv <= 1.0:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={pv}")
        shape = _shape(shape)
        dt = _any_dtype(np.float32 if dtype is None else dtype)
        n = _numel(shape)
        if n == 0:
            return np.empty(shape, dtype=dt)
        hit = _uniform01_f64(gen.random64(n)) < pv
        return hit.astype(dt).reshape(shape)
    parr = np.asarray(p)
    if parr.dtype not in _FLOAT_DTYPES:
        raise TypeError(f"bernoulli probabilities must be float16/32/64, got {parr.dtype}")
    out_shape = parr.shape if shape is None else _shape(shape)
    dt = _any_dtype(parr.dtype if dtype is None else dtype)
    pb = np.broadcast_to(parr, out_shape).reshape(-1)
    n = pb.size
    if n == 0:
        return np.empty(out_shape, dtype=dt)
    if not (np.all(pb >= 0) and np.all(pb <= 1)):
        raise RuntimeError("bernoulli expects all probabilities to be in [0, 1]")
    if parr.dtype == np.float64:
        hit = _uniform01_f64(gen.random64(n)) < pb
    else:
        hit = _uniform01_f32(gen._raw(n)) < pb.astype(np.float32)
    return hit.astype(dt).reshape(out_shape)


def exponential(gen, shape, dtype=np.float32, lambd=1.0):
    """``Tensor.exponential_(lambd)``: ``-1/lambd * log1p(-u)`` with a double u."""
    gen = _gen(gen)
    shape = _shape(shape)
    dt = _float_dtype(dtype)
    lambd = float(lambd)
    if not lambd > 0.0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    n = _numel(shape)
    if n == 0:
        return np.empty(shape, dtype=dt)
    u = _uniform01_f64(gen.random64(n))
    v = (-1.0 / lambd) * _libm("log1p", -u)
    if dt == np.float16:
        v = v.astype(np.float32)
    return v.astype(dt).reshape(shape)


def multinomial(gen, probs, num_samples, replacement=False):
    """``torch.multinomial(probs, num_samples, replacement)``; returns int64.

    Without replacement (or one sample): ``argmax/topk(p / Exp(1))`` with the
    exponentials drawn over the whole array in row-major order.  With
    replacement: per row a sequential cumulative sum in the input dtype
    (float for float16), normalised, then one double uniform per sample and a
    left binary search.
    """
    gen = _gen(gen)
    p = np.asarray(probs)
    if p.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if p.dtype not in _FLOAT_DTYPES:
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: {p.dtype}")
    num_samples = operator.index(num_samples)
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    n_cat = p.shape[-1]
    if not replacement and num_samples > n_cat:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    if n_cat > (1 << 24):
        raise RuntimeError("number of categories cannot exceed 2^24")
    p2 = p.reshape(-1, n_cat)
    out_shape = (num_samples,) if p.ndim == 1 else (p.shape[0], num_samples)
    if p2.size == 0:
        return np.empty(out_shape, dtype=np.int64)
    if not replacement or num_samples == 1:
        if not (np.all(p2 < np.inf) and np.all(p2 >= 0)):
            raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
        if np.any(p2.sum(axis=1, dtype=np.float64) == 0):
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        q = exponential(gen, p2.shape, p2.dtype, 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            q = p2 / q
        if num_samples == 1:
            res = np.argmax(q, axis=1).reshape(-1, 1)  # first maximum, like torch.argmax
        else:
            res = _topk_largest(q, num_samples)
        return res.astype(np.int64).reshape(out_shape)
    acc_dt = np.float32 if p2.dtype == np.float16 else p2.dtype
    if np.any(p2 < 0):
        raise RuntimeError("invalid multinomial distribution (encountering probability entry < 0)")
    if not np.all(np.isfinite(p2)):
        raise RuntimeError("invalid multinomial distribution (encountering probability entry = infinity or NaN)")
    cum = np.cumsum(p2.astype(acc_dt), axis=1, dtype=acc_dt)  # sequential accumulation
    sums = cum[:, -1:]
    if np.any(sums <= 0):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    cum = cum / sums
    cum[:, -1] = 1
    u = _uniform01_f64(gen.random64(p2.shape[0] * num_samples)).reshape(p2.shape[0], num_samples)
    res = np.empty((p2.shape[0], num_samples), dtype=np.int64)
    for i in range(p2.shape[0]):  # loop over distributions, not samples
        res[i] = np.searchsorted(cum[i].astype(np.float64), u[i], side="left")
    return res.reshape(out_shape)
