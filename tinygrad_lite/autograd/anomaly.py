"""Anomaly detection: torch's detect_anomaly / set_detect_anomaly, plus a forward check.

As in torch, anomaly mode records where each graph node was created and, in backward, raises
"Function 'XBackward0' returned nan values in its ith output." when a node's gradient for an input
that needs one contains NaN; any error in a node's backward is preceded by a warning carrying the
traceback of that node's forward call. Our addition (torch checks backward only): when an op run
through `Function.apply` outputs NaN or inf that none of its inputs contained, a UserWarning names
the op. It only warns; results are never changed.
"""
import math
import os
import sys
import traceback
import warnings

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_NN = os.path.join(_PACKAGE, "nn") + os.sep
_TRACE_KEY = "traceback_"  # the metadata key torch uses

_enabled = False  # global, as torch's AnomalyMode (not thread-local)
_check_nan = True
_in_backward = False  # ops run by a node's backward are not forward anomalies


def is_anomaly_enabled():
    """Whether anomaly detection is on."""
    return _enabled


def is_anomaly_check_nan_enabled():
    """Whether anomaly detection checks for NaN."""
    return _check_nan


def set_anomaly_enabled(enabled, check_nan=True):
    """Turn anomaly detection on or off (torch.set_anomaly_enabled)."""
    global _enabled, _check_nan
    _enabled, _check_nan = bool(enabled), bool(check_nan)


class detect_anomaly:
    """Context manager that enables anomaly detection (and NaN checks when check_nan)."""

    def __init__(self, check_nan=True):
        self.prev, self.prev_check_nan = _enabled, _check_nan
        self.check_nan = check_nan
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime "
                      "and should only be enabled for debugging.", UserWarning, stacklevel=2)

    def __enter__(self):
        set_anomaly_enabled(True, self.check_nan)

    def __exit__(self, *exc):
        set_anomaly_enabled(self.prev, self.prev_check_nan)


class set_detect_anomaly:
    """Set anomaly detection on or off: at once as a call, restored on exit as a context manager."""

    def __init__(self, mode, check_nan=True):
        self.prev, self.prev_check_nan = _enabled, _check_nan
        set_anomaly_enabled(mode, check_nan)

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        set_anomaly_enabled(self.prev, self.prev_check_nan)


# forward ---------------------------------------------------------------------------------------
def record_forward_trace(node):
    """Remember the user's stack where `node` was created, to show it if its backward fails."""
    stack = traceback.extract_stack()[:-1]
    while stack and stack[-1].filename.startswith(_PACKAGE) and not stack[-1].filename.startswith(_NN):
        stack.pop()  # our op plumbing; torch's trace likewise ends where Python called into the op
    node.metadata[_TRACE_KEY] = "".join(traceback.format_list(stack))


def _nonfinite(values):
    """{"nan", "inf"}: the kinds of non-finite numbers among `values` (tensors, numbers, lists)."""
    from ..backend import xp_of
    from ..tensor import Tensor
    kinds = set()
    for v in values:
        if isinstance(v, (list, tuple)):
            kinds |= _nonfinite(v)
        elif isinstance(v, Tensor) and v._dtype.is_floating_point and v.numel():
            xp = xp_of(v._arr)
            if bool(xp.isnan(v._arr).any()):
                kinds.add("nan")
            if bool(xp.isinf(v._arr).any()):
                kinds.add("inf")
        elif isinstance(v, float):
            if math.isnan(v):
                kinds.add("nan")
            elif math.isinf(v):
                kinds.add("inf")
    return kinds


def _user_stacklevel():
    """The stacklevel that points a warning at the first frame outside this package."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1
    return level


def warn_nonfinite_outputs(node, args, outs):
    """Warn, naming the op, when its outputs hold NaN or inf that none of its inputs held."""
    if not _check_nan or _in_backward:
        return
    produced = _nonfinite(outs) - _nonfinite(args)
    for kind in sorted(produced):
        i = next(i for i, o in enumerate(outs) if kind in _nonfinite((o,)))
        warnings.warn(f"Anomaly detected in forward: Function '{node.name()}' produced {kind} values "
                      f"in its {i}th output, from inputs without {kind}.", UserWarning,
                      stacklevel=_user_stacklevel())


# backward --------------------------------------------------------------------------------------
def call_backward_checked(node, grads, call_backward):
    """`call_backward(node, grads)` with torch's anomaly checks: NaN in a gradient that flows on
    raises RuntimeError, and any error first warns with the node's forward traceback."""
    global _in_backward
    outer, _in_backward = _in_backward, True
    try:
        results = call_backward(node, grads)
        if _check_nan:
            for i, ((child, _), g) in enumerate(zip(node.next_functions, results)):
                if child is not None and g is not None and "nan" in _nonfinite((g,)):
                    raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.")
    except Exception:
        trace = node.metadata.get(_TRACE_KEY)
        if trace is None:
            detail = ("No forward pass information available. Enable detect anomaly during "
                      "forward pass for more information.")
        else:
            detail = f"Traceback of forward call that caused the error:\n{trace}"
        warnings.warn(f"Error detected in {node.name()}. {detail}", UserWarning)
        raise
    finally:
        _in_backward = outer
    return results
