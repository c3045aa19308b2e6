"""dtype objects and torch's type-promotion rules."""
import numpy as np


class dtype:
    """A tensor element type, as torch.dtype (repr names our module in place of torch)."""

    __slots__ = ("name", "np", "is_floating_point", "is_signed", "itemsize", "_rank", "_cat")

    def __init__(self, name, np_dtype, category, rank):
        self.name = name
        self.np = np.dtype(np_dtype)
        self._cat = category            # 0 bool, 1 integral, 2 floating
        self._rank = rank
        self.is_floating_point = category == 2
        self.is_signed = name not in ("bool", "uint8")
        self.itemsize = self.np.itemsize

    @property
    def is_complex(self):
        return False

    def __repr__(self):
        return "tinygrad_lite." + self.name

    def to_real(self):
        return self

    def __reduce__(self):
        return (_by_name, (self.name,))


bool_ = dtype("bool", np.bool_, 0, 0)
uint8 = dtype("uint8", np.uint8, 1, 1)
int8 = dtype("int8", np.int8, 1, 2)
int16 = dtype("int16", np.int16, 1, 3)
int32 = dtype("int32", np.int32, 1, 4)
int64 = dtype("int64", np.int64, 1, 5)
float16 = dtype("float16", np.float16, 2, 6)
float32 = dtype("float32", np.float32, 2, 7)
float64 = dtype("float64", np.float64, 2, 8)

ALL = (bool_, uint8, int8, int16, int32, int64, float16, float32, float64)
_FROM_NP = {d.np: d for d in ALL}
_NAMES = {d.name: d for d in ALL}
_NAMES.update(bool=bool_, float=float32, double=float64, half=float16, long=int64, int=int32,
              short=int16)


def _by_name(name):
    return _NAMES[name]


_default_float = float32


def get_default_dtype():
    return _default_float


def set_default_dtype(d):
    global _default_float
    if not isinstance(d, dtype) or not d.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    _default_float = d


def from_numpy(np_dtype):
    """Our dtype for a NumPy dtype; TypeError for types torch cannot hold."""
    try:
        return _FROM_NP[np.dtype(np_dtype)]
    except KeyError:
        raise TypeError(f"can't convert np.ndarray of type numpy.{np.dtype(np_dtype).name}. "
                        "The only supported types are: float64, float32, float16, int64, int32, "
                        "int16, int8, uint8, and bool.") from None


def as_dtype(d):
    """Accept our dtype, a NumPy dtype, a Python type (float/int/bool) or None."""
    if d is None or isinstance(d, dtype):
        return d
    if d is float:
        return float64
    if d is int:
        return int64
    if d is bool:
        return bool_
    if isinstance(d, str) and d in _NAMES:
        return _NAMES[d]
    return from_numpy(d)


def promote_types(a, b):
    """torch.promote_types: the smallest type both a and b convert to without losing category."""
    if a is b:
        return a
    if a._cat != b._cat:
        return a if a._cat > b._cat else b
    if a._cat == 1 and {a, b} == {uint8, int8}:
        return int16
    if a._cat == 1 and uint8 in (a, b):
        other = b if a is uint8 else a
        return int16 if other is int8 else other
    return a if a._rank > b._rank else b


def scalar_dtype(value):
    """The dtype torch gives a Python number when it stands alone (a 'wrapped number')."""
    if isinstance(value, (bool, np.bool_)):
        return bool_
    if isinstance(value, (int, np.integer)):
        return int64
    return _default_float


def _combine(higher, lower):
    # torch's combine_categories: a higher-priority operand wins unless the lower one is of a
    # higher category (then the lower one's type is used)
    if higher is None:
        return lower
    if lower is None or higher.is_floating_point:
        return higher
    if higher is bool_ or lower.is_floating_point:
        return promote_types(higher, lower)
    return higher


def result_type(*operands):
    """torch.result_type over tensors and Python scalars: dimensioned tensors take priority over
    0-d tensors, which take priority over Python numbers (whose float type is the default dtype)."""
    dim_res = zero_res = wrapped_res = None
    for op in operands:
        d = getattr(op, "dtype", None)
        if d is None:
            d = scalar_dtype(op)
            wrapped_res = d if wrapped_res is None else promote_types(wrapped_res, d)
        elif op.ndim == 0:
            zero_res = d if zero_res is None else promote_types(zero_res, d)
        else:
            dim_res = d if dim_res is None else promote_types(dim_res, d)
    return _combine(dim_res, _combine(zero_res, wrapped_res))
