"""torch.accelerator: the current accelerator (CUDA through CuPy) if there is one."""
from . import backend, cuda


def is_available():
    return cuda.is_available()


def current_accelerator(check_available=False):
    """device('cuda') when a GPU is usable, else None."""
    return backend.device("cuda") if cuda.is_available() else None


def device_count():
    return cuda.device_count()
