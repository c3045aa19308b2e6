"""Torch-compatible ``str``/``repr`` formatting of tensors, on NumPy arrays.

This module reproduces the text PyTorch prints for a (dense, strided, real)
tensor, character for character, so that ``repr(tinygrad_lite.tensor(...))``
reads exactly like ``repr(torch.tensor(...))`` (with the module name swapped).
It depends only on NumPy and the standard library and can be imported on its
own.

The rules it follows (those of ``torch/_tensor_str.py``):

* Print options: ``precision`` (digits after the point, default 4),
  ``threshold`` (tensors with more elements are summarised, default 1000),
  ``edgeitems`` (items kept at each end of a summarised dimension, default 3),
  ``linewidth`` (default 80) and ``sci_mode`` (``None`` = choose
  automatically).

* One formatter is built for the whole tensor (or, when summarising, for the
  elements that will actually be shown) and gives every element the same
  width, so columns line up.

  - Integer and bool tensors print ``str(value)`` right-aligned to the widest
    value.
  - Floating tensors only look at their finite, non-zero values.  If there
    are none, every value prints like ``0.`` / ``nan`` / ``inf``.  Otherwise
    scientific notation is used when ``max|x| / min|x| > 1000``, ``max|x| >
    1e8`` or ``min|x| < 1e-4`` (unless ``sci_mode`` forces it on or off).  If
    every such value is integral (and sci mode is off) the tensor is printed
    in "int mode": ``1.``, ``-3.``, ``nan``, ``inf``.  Otherwise values print
    as ``{:.{precision}f}``.  The width is taken from the finite non-zero
    values only, so ``nan``/``inf``/``-0.0000`` may stick out.

* Vectors wrap after ``floor((linewidth - indent) / (width + 2))`` elements;
  nested dimensions are separated by ``dim - 1`` newlines and indented one
  column per level.  Summarised dimensions keep ``edgeitems`` entries at each
  end with ``...`` between them.

* Suffixes (``device=...``, ``size=...``, ``dtype=...``, ``grad_fn=<...>`` or
  ``requires_grad=True``) follow the data, each on a new line when it would
  not fit within ``linewidth``.  The dtype is omitted when it is the default
  floating dtype, ``int64`` or ``bool`` -- except for empty tensors, which
  show every dtype other than the default floating one.
"""

import contextlib
import dataclasses
import math
from typing import Any, Dict, Iterator, List, Optional

import numpy as np

__all__ = ["set_printoptions", "get_printoptions", "printoptions", "format_tensor"]


# ----------------------------------------------------------------------------
# Print options
# ----------------------------------------------------------------------------


@dataclasses.dataclass
class _PrintOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: Optional[bool] = None


_OPTIONS = _PrintOptions()

_PROFILES: Dict[str, Dict[str, Any]] = {
    "default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
    "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
    "full": dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80),
}


def set_printoptions(
    precision: Optional[int] = None,
    threshold: Optional[float] = None,
    edgeitems: Optional[int] = None,
    linewidth: Optional[int] = None,
    profile: Optional[str] = None,
    sci_mode: Optional[bool] = None,
) -> None:
    """Set the options used to print tensors (same semantics as torch).

    ``profile`` ('default', 'short' or 'full') first resets precision,
    threshold, edgeitems and linewidth; the explicit arguments then override
    it.  Options left as ``None`` keep their value, except ``sci_mode``, which
    is always set (``None`` meaning "choose automatically"), as in torch.
    """
    if profile is not None and profile in _PROFILES:
        for name, value in _PROFILES[profile].items():
            setattr(_OPTIONS, name, value)
    if precision is not None:
        _OPTIONS.precision = precision
    if threshold is not None:
        _OPTIONS.threshold = threshold
    if edgeitems is not None:
        _OPTIONS.edgeitems = edgeitems
    if linewidth is not None:
        _OPTIONS.linewidth = linewidth
    _OPTIONS.sci_mode = sci_mode


def get_printoptions() -> Dict[str, Any]:
    """The current print options, as keyword arguments for set_printoptions."""
    return dataclasses.asdict(_OPTIONS)


@contextlib.contextmanager
def printoptions(**kwargs: Any) -> Iterator[None]:
    """Temporarily change the print options (arguments as set_printoptions)."""
    saved = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**saved)


# ----------------------------------------------------------------------------
# dtype helpers
# ----------------------------------------------------------------------------

_DTYPE_ALIASES = {
    "float": "float32",
    "double": "float64",
    "half": "float16",
    "long": "int64",
    "int": "int32",
    "short": "int16",
    "bool_": "bool",
}


def _canonical_dtype_name(name: Any) -> str:
    name = str(name)
    if "." in name:  # "torch.float32" / "tinygrad_lite.float32"
        name = name.rsplit(".", 1)[1]
    return _DTYPE_ALIASES.get(name, name)


def _is_floating(dtype_name: str) -> bool:
    return dtype_name.startswith(("float", "bfloat"))


# ----------------------------------------------------------------------------
# Element formatting
# ----------------------------------------------------------------------------


def _extremes_by_sign(values: np.ndarray) -> List[float]:
    """The smallest and largest magnitude among the positive values and among
    the negative values of a 1-D array of finite, non-zero numbers.

    For numbers of one sign, the length of ``{:.Nf}`` grows with ``|x|`` and
    the length of ``{:.Ne}`` is largest at the smallest or largest ``|x|``
    (only the exponent's digit count varies), so the widest formatted value is
    always one of these candidates; this avoids formatting every element.
    """
    candidates: List[float] = []
    for part in (values[values > 0], values[values < 0]):
        if part.size:
            candidates.append(float(part.min()))
            candidates.append(float(part.max()))
    return candidates


class _Formatter:
    """Formats the elements of one tensor with a common width."""

    def __init__(self, values: np.ndarray, floating: bool, options: _PrintOptions):
        self.floating = floating
        self.precision = options.precision
        self.int_mode = True
        self.sci_mode = False
        self.width = 1

        flat = values.reshape(-1)
        if not floating:
            if flat.size:
                ends = [flat.min().item(), flat.max().item()]
                self.width = max(self.width, max(len(str(v)) for v in ends))
            return

        nonzero_finite = flat[np.isfinite(flat) & (flat != 0)]
        if nonzero_finite.size == 0:
            return  # nothing to measure: prints "0." / "nan" / "inf"

        # Integral check in the tensor's own dtype, magnitudes in float64.
        self.int_mode = bool(np.all(nonzero_finite == np.ceil(nonzero_finite)))
        magnitudes = np.abs(nonzero_finite).astype(np.float64)
        smallest = float(magnitudes.min())
        largest = float(magnitudes.max())

        if options.sci_mode is None:
            self.sci_mode = largest / smallest > 1000.0 or largest > 1.0e8 or smallest < 1.0e-4
        else:
            self.sci_mode = bool(options.sci_mode)

        candidates = _extremes_by_sign(nonzero_finite)
        if self.sci_mode:
            lengths = [len(f"{v:.{self.precision}e}") for v in candidates]
        elif self.int_mode:
            # one extra column for the trailing "." that marks a float
            lengths = [len(f"{v:.0f}") + 1 for v in candidates]
        else:
            lengths = [len(f"{v:.{self.precision}f}") for v in candidates]
        self.width = max(self.width, max(lengths))

    def format(self, value: Any) -> str:
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = f"{value:.{self.precision}e}"
        elif self.int_mode:
            text = f"{value:.0f}"
            if math.isfinite(value):
                text += "."
        else:
            text = f"{value:.{self.precision}f}"
        return text.rjust(self.width)


# ----------------------------------------------------------------------------
# Layout of the nested brackets
# ----------------------------------------------------------------------------


def _shown_elements(data: np.ndarray, edgeitems: int) -> np.ndarray:
    """The elements a summarised print actually shows (used to build the
    formatter): ``edgeitems`` entries at each end of every long dimension."""
    if data.ndim == 0:
        return data
    if data.ndim == 1:
        # With edgeitems == 0 torch keeps the whole vector here
        # (its ``t[:0]`` + ``t[-0:]``), so only trim when edgeitems > 0.
        if edgeitems and data.shape[0] > 2 * edgeitems:
            return np.concatenate([data[:edgeitems], data[-edgeitems:]])
        return data
    if not edgeitems:
        return data[(slice(0, 0),) * data.ndim]
    for axis, size in enumerate(data.shape):
        if size > 2 * edgeitems:
            keep = np.r_[0:edgeitems, size - edgeitems:size]
            data = np.take(data, keep, axis=axis)
    return data


def _vector_str(
    data: np.ndarray, indent: int, summarize: bool, fmt: _Formatter, options: _PrintOptions
) -> str:
    edge = options.edgeitems
    if summarize and not edge:
        items = ["..."]
    elif summarize and data.shape[0] > 2 * edge:
        items = (
            [fmt.format(v) for v in data[:edge].tolist()]
            + [" ..."]
            + [fmt.format(v) for v in data[-edge:].tolist()]
        )
    else:
        items = [fmt.format(v) for v in data.tolist()]

    item_width = fmt.width + 2  # the element plus ", "
    per_line = max(1, math.floor((options.linewidth - indent) / item_width))
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested_str(
    data: np.ndarray, indent: int, summarize: bool, fmt: _Formatter, options: _PrintOptions
) -> str:
    if data.ndim == 0:
        return fmt.format(data.item())
    if data.ndim == 1:
        return _vector_str(data, indent, summarize, fmt, options)

    edge = options.edgeitems
    rows = data.shape[0]
    if summarize and rows > 2 * edge:
        shown = list(range(edge)) + [None] + list(range(rows - edge, rows))
    else:
        shown = list(range(rows))
    parts = [
        "..." if i is None else _nested_str(data[i], indent + 1, summarize, fmt, options)
        for i in shown
    ]
    separator = "," + "\n" * (data.ndim - 1) + " " * (indent + 1)
    return "[" + separator.join(parts) + "]"


def _body_str(data: np.ndarray, indent: int, floating: bool, options: _PrintOptions) -> str:
    """The bracketed values of a non-empty tensor."""
    summarize = data.size > options.threshold
    measured = _shown_elements(data, options.edgeitems) if summarize else data
    fmt = _Formatter(measured, floating, options)
    return _nested_str(data, indent, summarize, fmt, options)


def _append_suffixes(text: str, suffixes: List[str], indent: int, linewidth: int) -> str:
    # torch measures the last line as len - rfind("\n") + 1 (two more than its
    # true length on a single line); kept as is so the wrapping matches.
    # A suffix is measured as torch's ("dtype=torch.float16"), so that the lines break where
    # torch's do under `import tinygrad_lite as torch`.
    last_line_len = len(text) - text.rfind("\n") + 1
    pieces = [text]
    for suffix in suffixes:
        width = len(suffix.replace("tinygrad_lite.", "torch."))
        if last_line_len + width + 2 > linewidth:
            pieces.append(",\n" + " " * indent + suffix)
            last_line_len = indent + width
        else:
            pieces.append(", " + suffix)
            last_line_len += width + 2
    pieces.append(")")
    return "".join(pieces)


# ----------------------------------------------------------------------------
# Public entry point
# ----------------------------------------------------------------------------


def format_tensor(
    data: Any,
    *,
    dtype_name: str,
    default_dtype_name: str = "float32",
    module_name: str = "tinygrad_lite",
    device: Optional[str] = None,
    requires_grad: bool = False,
    grad_fn_name: Optional[str] = None,
    is_leaf: bool = True,
    tensor_prefix: str = "tensor",
) -> str:
    """The string torch prints for a tensor holding ``data``.

    ``data`` is the tensor's values as a NumPy array (any shape, including
    0-d and empty); ``dtype_name`` the dtype without module ('float32',
    'int64', 'bool', ...); ``default_dtype_name`` the current default floating
    dtype.  ``device`` is printed when it is not a CPU device.  ``grad_fn_name``
    (e.g. 'MulBackward0') is printed as ``grad_fn=<...>``; otherwise
    ``requires_grad=True`` is printed when ``requires_grad`` is set.
    ``is_leaf`` is accepted for interface symmetry; torch's text depends only
    on the grad_fn and requires_grad.
    """
    del is_leaf  # not part of torch's printed form
    options = _OPTIONS
    data = np.asarray(data)
    dtype_name = _canonical_dtype_name(dtype_name)
    default_dtype_name = _canonical_dtype_name(default_dtype_name)
    floating = _is_floating(dtype_name)
    if data.dtype.kind == "c" or dtype_name.startswith("complex"):
        raise NotImplementedError("printing complex tensors is not supported")

    prefix = tensor_prefix + "("
    indent = len(prefix)
    dtype_suffix = f"dtype={module_name}.{dtype_name}"
    size_suffix = f"size={tuple(int(n) for n in data.shape)}"
    suffixes: List[str] = []

    if device is not None and str(device).split(":", 1)[0] != "cpu":
        suffixes.append(f"device='{device}'")

    if data.size == 0:
        # NumPy-style: the shape is shown unless it is simply (0,), and the
        # dtype cannot be inferred from values, so only the default is hidden.
        if data.ndim != 1:
            suffixes.append(size_suffix)
        if dtype_name != default_dtype_name:
            suffixes.append(dtype_suffix)
        body = "[]"
    else:
        if not options.edgeitems:
            suffixes.append(size_suffix)
        if dtype_name not in (default_dtype_name, "int64", "bool"):
            suffixes.append(dtype_suffix)
        body = _body_str(data, indent, floating, options)

    if grad_fn_name is not None:
        suffixes.append(f"grad_fn=<{grad_fn_name}>")
    elif requires_grad:
        suffixes.append("requires_grad=True")

    return _append_suffixes(prefix + body, suffixes, indent, options.linewidth)
