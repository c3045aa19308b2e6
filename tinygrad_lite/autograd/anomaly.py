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
        import warnings
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime "
                      "and should only be enabled for debugging.", UserWarning, stacklevel=2)
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


def record_forward_trace(node):
    """Remember where the op ran, to name it if its backward fails (torch's anomaly trace)."""
    import traceback
    node.metadata["traceback_"] = "".join(traceback.format_stack()[:-3])


def _has_nan(t):
    import numpy as np
    from ..backend import xp_of
    arr = t._arr
    return t._dtype.is_floating_point and bool(xp_of(arr).isnan(arr).any()) if arr.size else False


def warn_nan_outputs(node, args, outs):
    """Forward check (an addition to torch's anomaly mode, which checks backward only): warn,
    naming the op, when an op's output contains NaN though none of its inputs did."""
    import warnings
    from ..tensor import Tensor
    if any(isinstance(a, Tensor) and _has_nan(a) for a in args):
        return
    for i, o in enumerate(outs):
        if o is not None and _has_nan(o):
            warnings.warn(f"Anomaly detected: Function '{node.name()}' produced nan values in "
                          f"its {i}th forward output.", UserWarning, stacklevel=4)


def check_backward_nan(node, grads):
    """torch's check: a backward that returns NaN raises, naming the node and its forward call."""
    import warnings
    for i, g in enumerate(grads):
        if g is not None and _has_nan(g):
            trace = node.metadata.get("traceback_") if hasattr(node, "_metadata") else None
            if trace:
                warnings.warn(f"Error detected in {node.name()}. Traceback of forward call that "
                              f"caused the error:\n{trace}", UserWarning)
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.")
