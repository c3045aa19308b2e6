"""Tensor = storage + offset + shape + strides. Views share storage; dunders call ops."""
import numpy as np

from . import backend
from . import dtypes as _dt
from .autograd.grad_mode import is_grad_enabled
from .backend import contiguous_strides, strided_view, flat_buffer
from .storage import Storage


class Size(tuple):
    """A tensor's shape: a tuple that prints as torch.Size."""

    def __repr__(self):
        return f"tinygrad_lite.Size([{', '.join(map(str, self))}])"

    __str__ = __repr__

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, key):
        out = tuple.__getitem__(self, key)
        return Size(out) if isinstance(key, slice) else out

    def __add__(self, other):
        return Size(tuple(self) + tuple(other))


def _broadcast_shape(a, b):
    """torch's broadcasting of two shapes, with its error message."""
    if a == b:
        return a
    na, nb = len(a), len(b)
    n = max(na, nb)
    out = [0] * n
    for i in range(n - 1, -1, -1):  # from the last dim, so torch's error names the last mismatch
        x = a[i - n + na] if i - n + na >= 0 else 1
        y = b[i - n + nb] if i - n + nb >= 0 else 1
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b ({y}) "
                               f"at non-singleton dimension {i}")
        out[i] = y if x == 1 else x
    return tuple(out)


def check_same_device(a, b):
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        da, db = a._storage.device, b._storage.device
        if da != db and a._shape and b._shape:
            raise RuntimeError("Expected all tensors to be on the same device, but found at least "
                               f"two devices, {da} and {db}!")


def _wrap_dim(dim, ndim):
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {dim})")
    return dim % n


def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return tuple(int(s) for s in shape)


def _infer_size(shape, numel):
    shape = list(shape)
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = 1
    for s in shape:
        if s != -1:
            if s < 0:
                raise RuntimeError(f"invalid shape dimension {s}")
            known *= s
    if neg:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '[{', '.join(map(str, shape))}]' is invalid for input of size {numel}")
        shape[neg[0]] = numel // known
    elif known != numel:
        raise RuntimeError(f"shape '[{', '.join(map(str, shape))}]' is invalid for input of size {numel}")
    return tuple(shape)


def _view_strides(old_shape, old_stride, new_shape):
    """Strides that let `new_shape` view memory laid out as (old_shape, old_stride), or None
    (torch's computeStride)."""
    if not old_shape:
        return (1,) * len(new_shape)
    numel = 1
    for s in old_shape:
        numel *= s
    if numel == 0:
        return old_stride if tuple(old_shape) == tuple(new_shape) else contiguous_strides(tuple(new_shape))
    new_stride = [0] * len(new_shape)
    view_d = len(new_shape) - 1
    chunk_base = old_stride[-1]
    tensor_numel = view_numel = 1
    for d in range(len(old_shape) - 1, -1, -1):
        tensor_numel *= old_shape[d]
        if d == 0 or (old_shape[d - 1] != 1 and old_stride[d - 1] != tensor_numel * chunk_base):
            while view_d >= 0 and (view_numel < tensor_numel or new_shape[view_d] == 1):
                new_stride[view_d] = view_numel * chunk_base
                view_numel *= new_shape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if d > 0:
                chunk_base = old_stride[d - 1]
                tensor_numel = view_numel = 1
    if view_d != -1:
        return None
    return tuple(new_stride)


_TYPE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
               "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}
# the C++ type names other messages of torch's give the dtypes
_C_TYPE_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
                 "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
                 "bool": "bool"}


class Tensor:
    """An n-dimensional array on a flat storage, recording the ops that made it."""

    __slots__ = ("_storage", "_shape", "_stride", "_offset", "_dtype", "_arr", "__dict__",
                 "__weakref__")
    __array_priority__ = 1000

    _requires_grad = False
    _grad = None
    _grad_fn = None
    _grad_fn_version = 0
    _output_nr = 0
    _base = None
    _accumulator = None
    _hooks = None
    _post_accumulate_hooks = None
    _multi_output_view = False  # set on the views unbind/split/chunk return (torch's rules)

    # construction ------------------------------------------------------------------------
    def __init__(self, *args, device=None):
        from .creation import _legacy_new
        src = _legacy_new(args, device)
        self._adopt(src)

    def _adopt(self, src):
        self._storage, self._shape, self._stride = src._storage, src._shape, src._stride
        self._offset, self._dtype, self._arr = src._offset, src._dtype, src._arr

    @staticmethod
    def _make(arr, device=None):
        """Wrap an array that nothing else owns as a new tensor on its own storage."""
        t = _new_object(Tensor)
        if type(arr) is not np.ndarray:
            arr = _normalize_array(arr)
            if device is None and type(arr) is not np.ndarray:
                device = backend.device("cuda", arr.device.id)
        if device is None:
            device = _CPU
        if arr.flags.c_contiguous:
            shape = arr.shape
            t._storage = Storage(arr if len(shape) == 1 else arr.reshape(-1), device)
            t._stride = _STRIDES.get(shape) or contiguous_strides(shape)
        else:
            flat, t._stride = flat_buffer(arr)
            t._storage = Storage(flat, device)
        t._shape = arr.shape
        t._offset = 0
        t._dtype = _NP_TO_DTYPE.get(arr.dtype) or _dt.from_numpy(arr.dtype)
        t._arr = arr
        return t

    @staticmethod
    def _full(shape, value, dtype, device):
        xp = backend.xp_for(device)
        return Tensor._make(xp.full(tuple(shape), value, dtype=dtype.np), device)

    def _ones_like(self):
        return Tensor._full(self._shape, 1, self._dtype, self.device)

    def _view(self, shape, stride, offset):
        """A tensor on the same storage with another geometry (no grad recording)."""
        t = Tensor.__new__(Tensor)
        t._storage = self._storage
        t._shape = tuple(shape)
        t._stride = tuple(stride)
        t._offset = offset
        t._dtype = self._dtype
        t._arr = strided_view(self._storage.data, t._shape, t._stride, offset)
        t._base = self._base if self._base is not None else self
        if self._multi_output_view:  # views of such views inherit torch's rules
            t._multi_output_view = True
        return t

    def _alias(self):
        """A tensor on the same storage with the same geometry (and so the same array)."""
        t = _new_object(Tensor)
        t._storage, t._shape, t._stride = self._storage, self._shape, self._stride
        t._offset, t._dtype, t._arr = self._offset, self._dtype, self._arr
        if self._multi_output_view:
            t._multi_output_view = True
        return t

    def _detached_owned(self, like, unshared):
        """A detached tensor safe to store as `like.grad` (not aliasing another tensor's memory,
        laid out like `like` as torch's AccumulateGrad does); `unshared`: nothing else holds this
        tensor, its base or its memory, so it is taken over when its layout fits."""
        if unshared and self._stride == like._stride and self._shape == like._shape \
                and self._offset == 0 and self._storage.data.size == self.numel():
            return self.detach()
        out = Tensor.__new__(Tensor)
        out._adopt(like._empty_like_layout())
        out._arr[...] = self._arr
        return out

    def _empty_like_layout(self):
        """An uninitialised tensor with this tensor's strides when it is dense, else contiguous."""
        xp = backend.xp_of(self._arr)
        if self.is_contiguous() or not self._is_dense():
            return Tensor._make(xp.empty(self._shape, self._dtype.np), self.device)
        return Tensor._make(xp.empty_like(self._arr, order="K"), self.device)

    def _is_dense(self):
        dims = sorted((s, n) for s, n in zip(self._stride, self._shape) if n != 1)
        expected = 1
        for s, n in dims:
            if s != expected:
                return False
            expected *= n
        return True

    # metadata ----------------------------------------------------------------------------
    @property
    def shape(self):
        return Size(self._shape)

    def size(self, dim=None):
        if dim is None:
            return Size(self._shape)
        return self._shape[_wrap_dim(dim, self.ndim)]

    def stride(self, dim=None):
        if dim is None:
            return self._stride
        return self._stride[_wrap_dim(dim, self.ndim)]

    def storage_offset(self):
        return self._offset

    @property
    def dtype(self):
        return self._dtype

    @property
    def device(self):
        return self._storage.device

    @property
    def is_cuda(self):
        return self._storage.device.type == "cuda"

    @property
    def ndim(self):
        return len(self._shape)

    def dim(self):
        return len(self._shape)

    ndimension = dim

    def numel(self):
        n = 1
        for s in self._shape:
            n *= s
        return n

    nelement = numel

    def element_size(self):
        return self._dtype.itemsize

    @property
    def itemsize(self):
        return self._dtype.itemsize

    @property
    def nbytes(self):
        return self.numel() * self._dtype.itemsize

    def is_floating_point(self):
        return self._dtype.is_floating_point

    def is_complex(self):
        return False

    def is_contiguous(self, memory_format=None):
        if 0 in self._shape:
            return True
        expected = 1
        for n, s in zip(reversed(self._shape), reversed(self._stride)):
            if n != 1:
                if s != expected:
                    return False
                expected *= n
        return True

    def data_ptr(self):
        return self._storage.data_ptr() + self._offset * self._dtype.itemsize

    def untyped_storage(self):
        return self._storage

    storage = untyped_storage

    def _is_view(self):
        return self._base is not None

    def type(self, dtype=None):
        if dtype is None:
            return f"torch.{_TYPE_NAMES[self._dtype.name]}Tensor"
        if isinstance(dtype, str):
            name = dtype.rsplit(".", 1)[-1].replace("Tensor", "")
            dtype = _dt.as_dtype({v: k for k, v in _TYPE_NAMES.items()}[name])
        return self.to(dtype)

    # autograd state ----------------------------------------------------------------------
    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        if self.grad_fn is not None and not value:
            raise RuntimeError("you can only change requires_grad flags of leaf variables. If you "
                               "want to use a computed variable in a subgraph that doesn't require "
                               "differentiation use var_no_grad = var.detach().")
        if value and not self._dtype.is_floating_point:
            raise RuntimeError("only Tensors of floating point and complex dtype can require gradients")
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad=True):
        if requires_grad and not self._dtype.is_floating_point:
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self.requires_grad = requires_grad
        return self

    @property
    def grad_fn(self):
        """The node that made this tensor. A view whose storage was written in place since its
        node was recorded reads its history from its base again (an AsStridedBackward0), as
        torch regenerates it."""
        base = self._base
        if base is not None and self._grad_fn is not None and \
                self._grad_fn_version != self._storage.version:
            if self._multi_output_view:
                raise RuntimeError(self._multi_output_message(
                    "its base or another view of its base has been modified inplace"))
            from .ops.movement import AsStrided
            AsStrided.view_of_base(base, self)
        return self._grad_fn

    @grad_fn.setter
    def grad_fn(self, node):
        self._grad_fn = node
        self._grad_fn_version = self._storage.version

    def _multi_output_message(self, what):
        made_by = self._grad_fn._forward_op_name()
        return (f"Output {self._output_nr} of {made_by} is a view and {what}. This "
                "view is the output of a function that returns multiple views. Such functions do "
                "not allow the output views to be modified inplace. You should replace the inplace "
                "operation by an out-of-place one.")

    @property
    def _version(self):
        """The number of in-place writes into this tensor's storage (through any view)."""
        return self._storage.version

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def grad(self):
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of "
                                f"type {type(value).__name__}")
            if value._shape != self._shape:
                raise RuntimeError("assigned grad has data of a different size")
            if value._dtype is not self._dtype:
                raise RuntimeError("assigned grad has data of a different type")
        self._grad = value

    @property
    def retains_grad(self):
        return bool(self.__dict__.get("_retains_grad"))

    def retain_grad(self):
        """Keep `.grad` for this non-leaf tensor after backward."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None or self.retains_grad:
            return
        import weakref
        self._retains_grad = True
        node = self.grad_fn
        retained = node.__dict__.setdefault("_retained", {})
        retained[self._output_nr] = weakref.ref(self)
        node.__dict__.setdefault("_tensor_hooks", {}).setdefault(self._output_nr, [])

    def register_hook(self, hook):
        """hook(grad) runs when this tensor's gradient is computed; it may return a new grad."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        from .autograd.function import _RemovableHandle
        if self.grad_fn is None:
            if self._hooks is None:
                self._hooks = []
            return _RemovableHandle(self._hooks, hook)._add()
        hooks = self.grad_fn.__dict__.setdefault("_tensor_hooks", {}).setdefault(self._output_nr, [])
        return _RemovableHandle(hooks, hook)._add()

    def register_post_accumulate_grad_hook(self, hook):
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        from .autograd.function import _RemovableHandle
        if self._post_accumulate_hooks is None:
            self._post_accumulate_hooks = []
        return _RemovableHandle(self._post_accumulate_hooks, hook)._add()

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) into every leaf's `.grad` (or only `inputs`')."""
        if inputs is not None:
            inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
            if not inputs:
                raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
        _engine.run_backward([self], [gradient], retain_graph, create_graph, inputs=inputs)

    def detach(self):
        """A tensor on the same storage, cut from the graph."""
        return self._alias()

    def detach_(self):
        if self._base is not None:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self.grad_fn = None
        self._requires_grad = False
        return self

    @property
    def data(self):
        """The same memory with a version counter of its own (torch's `.data`, unlike detach():
        writes through it are invisible to autograd's saved-tensor checks)."""
        t = self._alias()
        t._storage = Storage(self._storage.data, self._storage.device)
        return t

    @data.setter
    def data(self, other):
        self._adopt(other)
        self._base = None

    # conversion --------------------------------------------------------------------------
    def item(self):
        if self.numel() != 1:
            raise RuntimeError(f"a Tensor with {self.numel()} elements cannot be converted to Scalar")
        return backend.to_host(self._arr).reshape(()).item()

    def tolist(self):
        return backend.to_host(self._arr).tolist()

    def numpy(self, force=False):
        if self.is_cuda and not force:
            raise TypeError(f"can't convert {self.device} device type tensor to numpy. Use "
                            "Tensor.cpu() to copy the tensor to host memory first.")
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        return backend.to_host(self._arr)

    def __array__(self, dtype=None, copy=None):
        arr = self.numpy(force=True) if not self._requires_grad else self.detach().numpy()
        return arr.astype(dtype) if dtype is not None else arr

    def __len__(self):
        if not self._shape:
            raise TypeError("len() of a 0-d tensor")
        return self._shape[0]

    def __iter__(self):
        if not self._shape:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __bool__(self):
        if self.numel() != 1:
            raise RuntimeError("Boolean value of Tensor with no values is ambiguous" if not self.numel()
                               else "Boolean value of Tensor with more than one value is ambiguous")
        return bool(self.item())

    def __float__(self):
        return float(self._python_scalar())

    def __int__(self):
        return int(self._python_scalar())

    def _python_scalar(self):
        if self.numel() != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return self.item()

    def __index__(self):
        if self._dtype.is_floating_point or self.numel() != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __hash__(self):
        return id(self)

    def __deepcopy__(self, memo):
        """A leaf copy on a copied storage (tensors copied together keep sharing memory), with its
        grad and user attributes, as torch's."""
        if id(self) in memo:
            return memo[id(self)]
        if self.grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support the "
                               "deepcopy protocol at the moment.  If you were attempting to deepcopy a "
                               "module, this may be because of a torch.nn.utils.weight_norm usage, see "
                               "https://github.com/pytorch/pytorch/pull/103001")
        import copy
        storage = memo.get(id(self._storage))
        if storage is None:
            storage = memo[id(self._storage)] = Storage(self._storage.data.copy(), self._storage.device)
        out = Tensor.__new__(type(self))
        out._storage, out._shape, out._stride = storage, self._shape, self._stride
        out._offset, out._dtype = self._offset, self._dtype
        out._arr = strided_view(storage.data, self._shape, self._stride, self._offset)
        out._requires_grad = self._requires_grad
        memo[id(self)] = out
        if self._base is not None:
            out._base = copy.deepcopy(self._base, memo)
        if self._grad is not None:
            out._grad = copy.deepcopy(self._grad, memo)
        for key, value in self.__dict__.items():
            if not hasattr(Tensor, key):  # user attributes, not autograd bookkeeping
                setattr(out, key, copy.deepcopy(value, memo))
        return out

    def __format__(self, spec):
        if self.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    def __repr__(self, *, tensor_contents=None):
        from ._printing import format_tensor
        grad_fn = self.grad_fn.name().rsplit("::", 1)[-1] if self.grad_fn is not None else None
        return format_tensor(backend.to_host(self._arr), dtype_name=self._dtype.name,
                             default_dtype_name=_dt.get_default_dtype().name,
                             device=None if self.device.type == "cpu" else str(self.device),
                             requires_grad=self._requires_grad, grad_fn_name=grad_fn)

    __str__ = __repr__

    def to(self, *args, **kwargs):
        """to(dtype), to(device), to(device, dtype), to(other); a copy only when something changes."""
        dtype = kwargs.pop("dtype", None)
        device = kwargs.pop("device", None)
        copy = kwargs.pop("copy", False)
        kwargs.pop("non_blocking", None)
        for a in args:
            if isinstance(a, Tensor):
                dtype, device = a._dtype, a.device
            elif isinstance(a, _dt.dtype):
                dtype = a
            elif a is not None:
                device = a
        dtype = _dt.as_dtype(dtype) or self._dtype
        device = backend.as_device(device) if device is not None else self.device
        if device.type == "cuda" and device.index is None:
            device = backend.device("cuda", 0)
        if dtype is self._dtype and device == self.device and not copy:
            return self
        from .ops.movement import ToCopy
        return ToCopy.apply(self, dtype, device)

    def cpu(self):
        return self.to("cpu")

    def cuda(self, device=None):
        return self.to(backend.device("cuda", device if isinstance(device, int) else 0)
                       if device is None or isinstance(device, int) else device)

    def float(self):
        return self.to(_dt.float32)

    def double(self):
        return self.to(_dt.float64)

    def half(self):
        return self.to(_dt.float16)

    def long(self):
        return self.to(_dt.int64)

    def int(self):
        return self.to(_dt.int32)

    def short(self):
        return self.to(_dt.int16)

    def char(self):
        return self.to(_dt.int8)

    def byte(self):
        return self.to(_dt.uint8)

    def bool(self):
        return self.to(_dt.bool_)

    def type_as(self, other):
        return self.to(other._dtype)

    # in-place machinery ------------------------------------------------------------------
    def _check_inplace(self, writes=True):
        """Refuse an in-place op torch refuses: on a leaf that requires grad (or a view of one),
        and a write into memory that several of its elements share (an expanded tensor)."""
        if writes and 0 in self._stride and 0 not in self._shape and any(
                s == 0 and n > 1 for s, n in zip(self._stride, self._shape)):
            raise RuntimeError("unsupported operation: more than one element of the written-to "
                               "tensor refers to a single memory location. Please clone() the "
                               "tensor before performing the operation.")
        if is_grad_enabled():
            if self._requires_grad and self._multi_output_view:
                raise RuntimeError(self._multi_output_message("is being modified inplace"))
            if self._requires_grad and self.grad_fn is None:
                raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
            base = self._base
            if base is not None and base._requires_grad and base.grad_fn is None:
                raise RuntimeError("a view of a leaf Variable that requires grad is being used in "
                                   "an in-place operation.")

    def _inplace(self, result, overlap_ok=False):
        """Write `result` (computed out of place) into this tensor's memory and take over its
        autograd history (overlap_ok: torch only warns about writing into an expanded tensor)."""
        self._check_inplace(writes=not overlap_ok)
        if result._shape != self._shape:
            if _broadcast_shape(self._shape, result._shape) != self._shape:
                raise RuntimeError(f"output with shape {list(self._shape)} doesn't match the "
                                   f"broadcast shape {list(_broadcast_shape(self._shape, result._shape))}")
        if result._dtype is not self._dtype and not _can_cast(result._dtype, self._dtype):
            raise RuntimeError(f"result type {_TYPE_NAMES[result._dtype.name]} can't be cast to "
                               f"the desired output type {_TYPE_NAMES[self._dtype.name]}")
        recording = result._requires_grad and is_grad_enabled()
        if recording and result.grad_fn is not None:
            result.grad_fn._keep_original(self)
        self._arr[...] = result._arr
        self._storage.version += 1
        if recording:
            if result.grad_fn is not None:
                result.grad_fn._output_written_into(self)
            self._rebase_history(result)
        return self

    def _rebase_history(self, result):
        from .ops.movement import CopySlices
        base = self._base
        if base is None:
            self.grad_fn, self._output_nr = result.grad_fn, result._output_nr
            self._requires_grad = True
            return
        CopySlices.rebase(base, self, result)

    def _fast_inplace(self, ufunc, other):
        """In-place arithmetic without graph recording: straight into this tensor's memory."""
        x, y, dtype = _elementwise.operands(self, other)
        if dtype is not self._dtype and not _can_cast(dtype, self._dtype):
            raise RuntimeError(f"result type {_TYPE_NAMES[dtype.name]} can't be cast to the "
                               f"desired output type {_TYPE_NAMES[self._dtype.name]}")
        shape = self._shape
        if isinstance(other, Tensor) and other._shape != shape:
            if _broadcast_shape(shape, other._shape) != shape:
                raise RuntimeError(f"output with shape {list(shape)} doesn't match the broadcast "
                                   f"shape {list(_broadcast_shape(shape, other._shape))}")
        if dtype is self._dtype and self._stride != contiguous_strides(shape) and \
                not backend._is_dense(shape, self._stride) and self._overlaps_itself():
            # torch updates element by element: a memory location seen twice is updated twice
            # (NumPy would buffer the operation and update it once)
            from .ops.movement import storage_positions
            xp = backend.xp_of(x)
            pos = storage_positions(xp, shape, self._stride, self._offset).reshape(-1)
            ufunc.at(self._storage.data, pos, xp.broadcast_to(y, shape).reshape(-1))
        else:
            ufunc(x, y, out=self._arr, casting="unsafe")
        self._storage.version += 1
        return self

    def _overlaps_itself(self):
        """Whether two elements of this (non-dense) view share a memory location."""
        from .ops.movement import storage_positions
        xp = backend.xp_of(self._arr)
        pos = storage_positions(xp, self._shape, self._stride, self._offset)
        return xp.unique(pos).size < pos.size

    def _needs_graph(self, *others):
        if not is_grad_enabled():
            return False
        if self._requires_grad:
            return True
        for o in others:
            if isinstance(o, Tensor) and o._requires_grad:
                return True
        return self._base is not None and self._base._requires_grad

    def copy_(self, src, non_blocking=False):
        from .ops.movement import Copy
        if not isinstance(src, Tensor):
            from .creation import tensor
            src = tensor(src)
        if not self._needs_graph(src):
            self._check_inplace()
            _broadcast_shape(self._shape, src._shape)
            data = src._arr if src.device == self.device else backend.to_device(src._arr, self.device)
            self._arr[...] = data
            self._storage.version += 1
            return self
        return self._inplace(Copy.apply(self, src))

    def fill_(self, value):
        from .ops.movement import Fill
        return self._fill(value, Fill)

    def zero_(self):
        from .ops.movement import Zero
        return self._fill(0, Zero)

    def _fill(self, value, node):
        """fill_ / zero_: write `value` everywhere (a 0-d tensor value is an input of the node)."""
        if type(value) is int:
            scalar_int(value)
        if isinstance(value, Tensor):
            if value.ndim != 0:
                raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor "
                                   f"with {value.ndim} dimensions.")
        recording = self._needs_graph(value)
        self._check_inplace(writes=isinstance(value, Tensor))  # a number may fill shared memory
        self._arr.fill(value.item() if isinstance(value, Tensor) else value)
        self._storage.version += 1
        if recording:
            self._rebase_history(node.apply(self, value) if isinstance(value, Tensor) else
                                 node.apply(self))
        return self


def _can_cast(src, dst):
    """torch's canCast: no float -> integral, no non-bool -> bool."""
    if src.is_floating_point and not dst.is_floating_point:
        return False
    if src is not _dt.bool_ and dst is _dt.bool_:
        return False
    return True


_new_object = object.__new__
_NP_TO_DTYPE = _dt._FROM_NP
_STRIDES = backend._STRIDES
_CPU = backend.CPU


def scalar_int(x):
    """A Python int as an op's Scalar argument: torch holds int64 and uint64 values, and raises
    Python's OverflowError beyond them."""
    if -(1 << 63) <= x < 1 << 64:
        return x
    raise OverflowError("int too big to convert" if x > 0 else "can't convert negative int to unsigned")


def _normalize_array(arr):
    xp = backend.xp_of(arr) if not isinstance(arr, np.generic) else np
    arr = xp.asarray(arr)
    return arr


from .autograd import function as _function  # noqa: E402
from .autograd import engine as _engine  # noqa: E402

_function.Tensor = _engine._Tensor = Tensor
_function._TYPE_NAMES = _TYPE_NAMES
_engine._make = Tensor._make
from . import _tensor_methods  # noqa: E402,F401  (attaches the op methods to Tensor)
from .ops import elementwise as _elementwise, reduce as _reduce, movement as _movement  # noqa: E402

# (hot paths reach these modules through globals: an import inside a function costs ~1 us a call)
_engine._broadcast_shape = _broadcast_shape
_engine._sum_array, _engine._view_geometry = _reduce.sum_array, _movement.view_geometry
