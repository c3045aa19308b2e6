"""The row-blocked softmax / log_softmax kernels (ops/reduce.py, _by_row_blocks): blocks of rows
must give the bits of one whole-array computation (signs of zero and NaN payloads included), and
torch's numbers on inputs large enough to be blocked."""
import numpy as np
import pytest
import torch
from helpers import assert_close

import tinygrad_lite as tl
from tinygrad_lite.ops import reduce as R

UINT = {2: np.uint16, 4: np.uint32, 8: np.uint64}
SPECIAL = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-40, -1e-310, 3e38, -3e38, 1e300, 88.7, -103.9]
KERNELS = [("log_softmax", R._log_softmax), ("softmax", R._softmax),
           ("log_softmax grad", R.LogSoftmaxBackwardData.gradient),
           ("softmax grad", R.SoftmaxBackwardData.gradient)]


def _bits(a):
    a = np.ascontiguousarray(a)
    return a.dtype, a.shape, a.view(UINT[a.itemsize]).tobytes()


def _data(rng, shape, dtype, special=0.0):
    """Normal values at several scales, with a fraction of special values, and NaNs of random
    payloads and signs (so the payload a NaN-meets-NaN operation keeps is visible)."""
    with np.errstate(all="ignore"):
        v = (rng.standard_normal(shape) * rng.choice([1.0, 30.0, 1e4], shape)).astype(dtype)
        hit = rng.random(shape) < special
        v[hit] = rng.choice(SPECIAL, hit.sum()).astype(dtype)
    nan = rng.random(shape) < special / 4
    u = v.view(UINT[v.itemsize])
    top = 8 * v.itemsize - 1
    payload = rng.integers(1, 64, nan.sum()).astype(u.dtype)
    sign = (rng.random(nan.sum()) < 0.5).astype(u.dtype) << u.dtype.type(top)
    u[nan] = np.array(np.nan, dtype).view(u.dtype) | payload | sign
    return v


def _run(kernel, dim, arrays, blocked, monkeypatch, block_bytes=R._BLOCK_BYTES):
    """The kernel through _by_row_blocks, blocked on every input (or never)."""
    with monkeypatch.context() as m:
        m.setattr(R, "_BLOCKED_MIN_BYTES", 1 if blocked else 1 << 62)
        m.setattr(R, "_BLOCK_BYTES", block_bytes)
        with np.errstate(all="ignore"):
            return R._by_row_blocks(kernel, dim, *arrays)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1, 7), (5, 3), (7, 13), (33, 8), (4, 3, 9), (65, 1), (3, 300)])
@pytest.mark.parametrize("block_bytes", [1, 100, 1000])
def test_small_blocks_give_the_whole_array_bits(shape, dtype, block_bytes, monkeypatch):
    """Blocks of one row up to many rows (with a shorter last block) on small arrays."""
    rng = np.random.default_rng(sum(shape) + block_bytes)
    for special in (0.0, 0.05, 0.3):
        x = _data(rng, shape, dtype, special)
        g = _data(rng, shape, dtype, special)
        y = _run(R._log_softmax, x.ndim - 1, (x,), False, monkeypatch)
        for name, kernel in KERNELS:
            arrays = (x,) if "grad" not in name else (g, y)
            whole = _run(kernel, x.ndim - 1, arrays, False, monkeypatch)
            blocked = _run(kernel, x.ndim - 1, arrays, True, monkeypatch, block_bytes)
            assert _bits(blocked) == _bits(whole), (name, special)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_large_input_blocks_give_the_whole_array_bits(dtype, monkeypatch):
    """At the real block size, rows that straddle NumPy's 8192-element iterator buffers; a NaN
    row sum sends the gradients back to the whole-array call."""
    rng = np.random.default_rng(3)
    finite_x, finite_g = (_data(rng, (600, 1500), dtype) for _ in range(2))
    x, g = finite_x.copy(), finite_g.copy()
    for a in (x, g):  # special values and NaNs in a third of the rows
        rows = rng.random(len(a)) < 1 / 3
        a[rows] = _data(rng, a[rows].shape, dtype, 0.05)
    y, finite_y = (_run(R._log_softmax, 1, (a,), False, monkeypatch) for a in (x, finite_x))
    for name, kernel in KERNELS:
        grad_args = [(g, y), (finite_g, y), (finite_g, finite_y)]
        for arrays in ([(x,), (finite_x,)] if "grad" not in name else grad_args):
            whole = _run(kernel, 1, arrays, False, monkeypatch)
            blocked = _run(kernel, 1, arrays, True, monkeypatch)
            assert _bits(blocked) == _bits(whole), name


def test_blocking_applies_only_to_large_contiguous_last_dim_inputs(monkeypatch):
    calls = []
    monkeypatch.setattr(R, "_BLOCKED_MIN_BYTES", 4096)
    monkeypatch.setattr(R, "_BLOCK_BYTES", 256)

    def kernel(xp, dim, x, out=None, tmp=None):
        calls.append(out is not None)
        return R._log_softmax(xp, dim, x, out, tmp)

    x = np.ones((40, 30), np.float32)
    for arr, dim, blocked in [(x, 1, True), (x, 0, False), (x[:20], 1, False), (x.T, 1, False),
                              (x.astype(np.float16), 1, False), (np.ones((40, 60))[:, ::2], 1, False),
                              (np.ones((40, 3, 10), np.float32), 1, False),
                              (np.ones((40, 3, 10), np.float32), 2, True)]:
        calls.clear()
        R._by_row_blocks(kernel, dim, arr)
        assert all(calls) == blocked and len(calls) == (20 if blocked else 1), (arr.shape, dim)


@pytest.mark.filterwarnings("ignore:underflow:RuntimeWarning")
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_blocked_cross_entropy_and_softmax_match_torch(dtype):
    """Large enough to be blocked (>= _BLOCKED_MIN_BYTES): values and gradients as torch's."""
    rng = np.random.default_rng(7)
    rows = R._BLOCKED_MIN_BYTES // (1000 * np.dtype(dtype).itemsize) + 5
    x = (rng.standard_normal((rows, 1000)) * 30).astype(dtype)
    target = rng.integers(0, 1000, rows)
    weight = rng.random(1000).astype(dtype)
    for fn in ("cross_entropy", "softmax"):
        results = []
        for m in (tl, torch):
            xt = m.tensor(x, requires_grad=True)
            if fn == "cross_entropy":
                out = m.nn.functional.cross_entropy(xt, m.tensor(target))
            else:
                out = (xt.softmax(1) * m.tensor(weight)).sum()
            out.backward()
            results.append((out, xt.grad))
        (ours, ours_grad), (theirs, theirs_grad) = results
        assert_close(ours, theirs, n=rows if fn == "cross_entropy" else x.size, what=f"{fn} ({dtype})")
        assert_close(ours_grad, theirs_grad, n=1000, what=f"{fn} gradient ({dtype})")
