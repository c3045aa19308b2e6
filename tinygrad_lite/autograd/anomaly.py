"""Anomaly detection: name the op whose forward or backward first produced NaN/inf."""
import threading

_state = threading.local()


def is_anomaly_enabled():
    return getattr(_state, "enabled", False)


class detect_anomaly:
    """Context manager (and decorator): check every op's outputs and gradients for NaN."""

    def __init__(self, check_nan=True):
        self.check_nan = check_nan

    def __enter__(self):
        self.prev = is_anomaly_enabled()
        _state.enabled = self.check_nan
        return self

    def __exit__(self, *exc):
        _state.enabled = self.prev
        return False

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with detect_anomaly(self.check_nan):
                return fn(*args, **kwargs)
        return wrapper


class set_detect_anomaly(detect_anomaly):
    """set_detect_anomaly(mode): takes effect at once, and restores on exit as a context manager."""

    def __init__(self, mode, check_nan=True):
        self.prev = is_anomaly_enabled()
        _state.enabled = bool(mode)
        self.check_nan = check_nan

    def __enter__(self):
        return self
