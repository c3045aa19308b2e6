"""torch.cuda: availability and device queries, answered through CuPy when it is installed."""
from . import backend


def is_available():
    """True when CuPy is installed and sees at least one GPU."""
    return backend.cuda_available()


def device_count():
    if not is_available():
        return 0
    return backend._cupy.cuda.runtime.getDeviceCount()


def _check():
    if not is_available():
        raise RuntimeError("Found no NVIDIA driver on your system. CUDA is not available "
                           "(tinygrad_lite needs CuPy and a GPU for device='cuda').")


def get_device_name(device=None):
    _check()
    index = backend.as_device(device).index if device is not None and not isinstance(device, int) else (device or 0)
    props = backend._cupy.cuda.runtime.getDeviceProperties(index or 0)
    name = props["name"]
    return name.decode() if isinstance(name, bytes) else name


def current_device():
    _check()
    return backend._cupy.cuda.runtime.getDevice()


def synchronize(device=None):
    """Wait for all kernels on the current GPU to finish."""
    _check()
    backend._cupy.cuda.runtime.deviceSynchronize()


def manual_seed(seed):
    """Seed CuPy's generator (CUDA draws are correctly distributed, not torch's CUDA streams)."""
    if is_available():
        backend._cupy.random.seed(seed % (2 ** 32))


manual_seed_all = manual_seed


def memory_allocated(device=None):
    if not is_available():
        return 0
    return backend._cupy.get_default_memory_pool().used_bytes()
