"""Grad mode: no_grad, enable_grad, set_grad_enabled, inference_mode (thread-local, as torch)."""
import functools
import threading

class _State(threading.local):
    enabled = True  # each thread starts with grad mode on, as torch's


_state = _State()


def is_grad_enabled():
    return _state.enabled


def _set_enabled(mode):
    _state.enabled = bool(mode)


class _GradModeContext:
    """Base for context managers that are also decorators."""

    mode = True

    def __enter__(self):
        self.prev = is_grad_enabled()
        _set_enabled(self.mode)

    def __exit__(self, *exc):
        _set_enabled(self.prev)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)
        return wrapper


class no_grad(_GradModeContext):
    """Disable gradient recording inside the block (or the decorated function)."""

    mode = False


class enable_grad(_GradModeContext):
    """Enable gradient recording inside the block (or the decorated function)."""

    mode = True


class inference_mode(_GradModeContext):
    """Like no_grad (tensors made inside are ordinary tensors here)."""

    def __init__(self, mode=True):
        self.mode = not mode

    def __call__(self, fn):
        if not callable(fn):
            raise TypeError("inference_mode decorator expects a callable")
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with inference_mode(not mode):
                return fn(*args, **kwargs)
        return wrapper


class set_grad_enabled(_GradModeContext):
    """set_grad_enabled(mode): takes effect at once as a function, and restores on exit as a
    context manager or decorator."""

    def __init__(self, mode):
        self.prev = is_grad_enabled()
        self.mode = bool(mode)
        _set_enabled(self.mode)

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        _set_enabled(self.prev)
        return False

    def __call__(self, fn):
        _set_enabled(self.prev)
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)
        return wrapper
