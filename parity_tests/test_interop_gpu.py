"""DLPack interop (CPU, always run) and the CUDA backend (skipped without a GPU + CuPy).

GPU tests compare tinygrad_lite on CuPy with torch on CUDA; run them on a GPU machine with
`TL_DEVICE=cuda ./scripts/test.sh parity_tests/test_interop_gpu.py`.
"""
import numpy as np
import pytest
import torch

import tinygrad_lite as tl

needs_gpu = pytest.mark.skipif(not (tl.cuda.is_available() and torch.cuda.is_available()),
                               reason="needs an NVIDIA GPU with CuPy and torch CUDA")


def test_dlpack_shares_memory_with_torch_both_ways():
    a = tl.arange(6.).view(2, 3)
    t = torch.from_dlpack(a)
    t[0, 0] = 42.0
    assert a[0, 0].item() == 42.0
    src = torch.zeros(3)
    b = tl.from_dlpack(src)
    b[1] = 5.0
    assert src.tolist() == [0.0, 5.0, 0.0]


def test_dlpack_shares_memory_with_numpy_and_keeps_strides():
    a = tl.arange(6.).view(2, 3).t()
    n = np.from_dlpack(a)
    n[1, 1] = -1.0
    assert a[1, 1].item() == -1.0
    back = tl.from_dlpack(a)
    assert back.stride() == a.stride() == torch.arange(6.).view(2, 3).t().stride()


def test_dlpack_refuses_tensors_that_require_grad():
    with pytest.raises(RuntimeError):
        torch.from_dlpack(tl.ones(2, requires_grad=True))


def test_cuda_queries_without_gpu_match_torch_semantics():
    if tl.cuda.is_available():
        pytest.skip("a GPU is present")
    assert tl.cuda.device_count() == 0
    assert tl.accelerator.current_accelerator() is None
    with pytest.raises(RuntimeError):
        tl.ones(2, device="cuda")


@needs_gpu
def test_gpu_ops_match_torch_cuda():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 32)).astype(np.float32)
    w = rng.standard_normal((32, 16)).astype(np.float32)
    ours = [tl.tensor(v, device="cuda", requires_grad=True) for v in (x, w)]
    theirs = [torch.tensor(v, device="cuda", requires_grad=True) for v in (x, w)]
    for mod, (a, b) in ((tl, ours), (torch, theirs)):
        loss = mod.nn.functional.cross_entropy((a @ b).tanh(), mod.arange(16, device="cuda").repeat(4))
        loss.backward()
    for o, t in zip(ours, theirs):
        assert o.device.type == "cuda"
        np.testing.assert_allclose(o.grad.cpu().numpy(), t.grad.cpu().numpy(), rtol=1e-4, atol=1e-6)


@needs_gpu
def test_gpu_training_step_makes_no_host_round_trips(monkeypatch):
    import cupy
    calls = []
    real = cupy.ndarray.get
    monkeypatch.setattr(cupy.ndarray, "get", lambda self, *a, **k: calls.append(1) or real(self, *a, **k))
    model = tl.nn.Sequential(tl.nn.Linear(32, 64), tl.nn.ReLU(), tl.nn.Linear(64, 10)).to("cuda")
    opt = tl.optim.Adam(model.parameters())
    x = tl.randn(128, 32, device="cuda")
    y = tl.randint(0, 10, (128,), device="cuda")
    for _ in range(3):
        loss = tl.nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert calls == []


@needs_gpu
def test_numpy_of_cuda_tensor_raises_type_error_and_mixing_devices_raises():
    a = tl.ones(2, device="cuda")
    with pytest.raises(TypeError):
        a.numpy()
    with pytest.raises(RuntimeError, match="same device"):
        a + tl.ones(2)
    leaf = tl.ones(2, requires_grad=True)
    assert not leaf.to("cuda").is_leaf
