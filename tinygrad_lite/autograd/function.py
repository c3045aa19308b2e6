"""Function: the one unit of differentiation. Every op is a Function; its instance is the graph
node (torch's grad_fn) and the context of its backward."""
import itertools
import re

import numpy as np

from .anomaly import warn_nonfinite_outputs, record_forward_trace
from . import anomaly as _anomaly
from .grad_mode import _state as _grad_state
from ..backend import contiguous_strides

_FREED = ("Trying to backward through the graph a second time (or directly access saved tensors "
          "after they have already been freed). Saved intermediate values of the graph are freed "
          "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
          "backward through the graph a second time or if you need to access saved tensors after "
          "calling backward.")


class Node:
    """A node of the backward graph: what torch shows as `grad_fn`."""

    name_ = None
    next_functions = ()
    # set on instances only when used (the engine reads them on every node)
    _pre_hooks = _post_hooks = ()
    _tensor_hooks = None
    _n_args = _input_slots = None
    _n_outputs = 1
    _seq = 0  # creation order (torch's sequence_nr): the engine runs later nodes first

    def name(self):
        return self.name_ or type(self).__name__ + "Backward"

    def _forward_op_name(self):
        """The name error messages use: "Backward<N>" stripped, N kept unless it is 0
        (ExpBackward0 -> Exp, PowBackward2 -> Pow2), as torch's Node::forward_op_name."""
        match = re.fullmatch(r"(.*)Backward(\d*)", self.name())
        if match is None:
            return self.name()
        return match.group(1) + ("" if match.group(2) in ("", "0") else match.group(2))

    def __repr__(self):
        return f"<{self.name()} object at {hex(id(self))}>"

    def register_hook(self, fn):
        """fn(grad_inputs, grad_outputs) runs after this node's backward; it may return new
        grad_inputs."""
        hooks = self.__dict__.setdefault("_post_hooks", [])
        hooks.append(fn)
        return _RemovableHandle(hooks, fn)

    def register_prehook(self, fn):
        """fn(grad_outputs) runs before this node's backward; it may return new grad_outputs."""
        hooks = self.__dict__.setdefault("_pre_hooks", [])
        hooks.append(fn)
        return _RemovableHandle(hooks, fn)

    @property
    def metadata(self):
        return self.__dict__.setdefault("_metadata", {})


class _RemovableHandle:
    def __init__(self, hooks, fn):
        self.hooks, self.fn = hooks, fn

    def _add(self):
        self.hooks.append(self.fn)
        return self

    def remove(self):
        if self.fn in self.hooks:
            self.hooks.remove(self.fn)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class AccumulateGrad(Node):
    """The node that stores a leaf's gradient in `.grad`."""

    name_ = "torch::autograd::AccumulateGrad"
    _seq = float("inf")  # torch gives it the highest priority: it runs as soon as it is ready

    def __init__(self, variable):
        self.variable = variable

    def name(self):
        return self.name_

    def __repr__(self):
        return f"<AccumulateGrad object at {hex(id(self))}>"


class _SavedOutput:
    """An output saved for backward, kept without its grad_fn so no reference cycle forms."""

    __slots__ = ("tensor", "output_nr")

    def __init__(self, tensor, output_nr):
        self.tensor, self.output_nr = tensor, output_nr


class Function(Node):
    """Subclass with static `forward(ctx, *args)` and `backward(ctx, *grads)` and call `apply`.

    forward runs with grad recording off; it may return Tensors or raw arrays (built-in ops
    return arrays, which apply wraps). backward receives one gradient per output and returns
    one gradient (or None) per forward argument.

    A built-in op may also give `array_backward(ctx, *grads)`: its `backward` formula evaluated
    with NumPy on the arrays that `plain_arrays` hands out, for a first-order backward (no graph
    recorded) without one Function.apply per formula op. It returns the same tuple as `backward`
    (arrays, or a gradient passed on unchanged), or None to leave the node to `backward`.
    """

    materialize_grads = True
    _saved = ()
    _saved_versions = ()
    _non_differentiable = ()
    # The graph inputs (next_functions) are the Tensor arguments at the `graph_inputs` positions
    # (None: any position; index and mask tensors are not differentiable inputs in torch), plus
    # the arguments at the `wrapped_inputs` positions whatever they are (torch wraps the number
    # operand of add/sub/mul/div into a tensor, and gives clamp's absent tensor bound a slot).
    graph_inputs = None
    wrapped_inputs = ()
    array_backward = None
    saves_indices = False  # keeps index arrays for backward: freed (and checked) as saved tensors

    # context API -------------------------------------------------------------------------
    def save_for_backward(self, *tensors):
        self._saved = tensors
        self._saved_versions = tuple([None if t is None else t._storage.version for t in tensors])

    @property
    def saved_tensors(self):
        saved = self._saved
        if saved is None:
            raise RuntimeError(_FREED)
        out = []
        for t, version in zip(saved, self._saved_versions):
            made_by = None
            if isinstance(t, _SavedOutput):
                made_by = (self, t.output_nr)
                t = _unpack_output(self, t)
            if t is not None and t._storage.version != version:
                raise RuntimeError(_modified_message(t, version, made_by))
            out.append(t)
        return tuple(out)

    def mark_non_differentiable(self, *tensors):
        self._non_differentiable = tensors

    def mark_dirty(self, *tensors):
        self._dirty = tensors

    def set_materialize_grads(self, value):
        self.materialize_grads = bool(value)

    def _release(self):
        if self._saved or self.saves_indices:
            self._saved = None

    def _check_saved(self):
        """torch's error for a backward through this node once a backward freed what it saved."""
        if self._saved is None:
            raise RuntimeError(_FREED)

    def _output_written_into(self, tensor):
        """This node's output, saved for backward, was just written into `tensor` in place
        (x.exp_()): save `tensor` instead, as torch does, so that later writes into it are
        caught."""
        if not self._saved:
            return
        moved = [isinstance(s, _SavedOutput) for s in self._saved]
        self._saved = tuple(_SavedOutput(tensor.detach(), s.output_nr) if m else s
                            for s, m in zip(self._saved, moved))
        self._saved_versions = tuple(tensor._storage.version if m else v
                                     for m, v in zip(moved, self._saved_versions))

    def _keep_original(self, tensor):
        """`tensor`, saved by this node, is about to be overwritten in place with this node's own
        result (x.mul_(y)): save a differentiable copy of its current value instead, as torch
        saves `original_self`."""
        if not self._saved or not any(t is tensor for t in self._saved):
            return
        original = tensor.clone()
        self._saved = tuple(original if t is tensor else t for t in self._saved)
        self._saved_versions = tuple(original._storage.version if t is original else v
                                     for t, v in zip(self._saved, self._saved_versions))

    # running -----------------------------------------------------------------------------
    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your "
                                  "custom autograd.Function to use it with backward mode AD.")

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # a built-in op's forward computes on arrays and records nothing
        cls._builtin = cls.__module__.startswith("tinygrad_lite.")

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = _new_object(cls)
        requires_grad = False
        if _grad_state.enabled:
            needs = tuple([isinstance(a, Tensor) and a._requires_grad for a in args])
            requires_grad = True in needs
            ctx.needs_input_grad = needs
            # forward runs with grad mode off, as torch's (a built-in op's forward with no input
            # that requires grad could not record anything: it skips the switch)
            if requires_grad or kwargs or not cls._builtin:
                if requires_grad:  # torch collects the input edges first: a stale multi-output
                    for a in args:  # view raises before the op runs
                        if isinstance(a, Tensor) and a._multi_output_view:
                            a.grad_fn  # noqa: B018 (the getter raises torch's error)
                _grad_state.enabled = False
                try:
                    out = cls.forward(ctx, *args, **kwargs)
                finally:
                    _grad_state.enabled = True
            else:
                out = cls.forward(ctx, *args)
        else:
            ctx.needs_input_grad = (False,) * len(args)
            out = cls.forward(ctx, *args, **kwargs)
        single = type(out) is not tuple
        if single:
            outs = (Tensor._make(out) if type(out) is _ndarray else out if isinstance(out, Tensor)
                    or out is None else Tensor._make(out),)
        else:  # a custom forward may also return plain Python values: they pass through
            outs = tuple([o if isinstance(o, Tensor) or o is None or type(o) in _PLAIN
                          else Tensor._make(o) for o in out])
        if requires_grad:
            outs = _record(ctx, cls, args, needs, outs)
        if _anomaly._enabled:
            warn_nonfinite_outputs(ctx, args, outs)
        return outs[0] if single else outs


_PLAIN = (bool, int, float, complex, str, tuple, list, dict)
_NUMBERS = (int, float, bool)


def plain_arrays(grad, *operands):
    """The arrays of a node's gradient and of the operands of its formula (None passes through,
    a Python number becomes the gradient dtype's scalar, as the tensor ops cast it), or None when
    NumPy on the arrays might not compute what the tensor ops of `backward` do: every tensor must
    have the gradient's floating dtype and be contiguous, or, when some are fully expanded (a
    summed gradient), have the gradient's shape or none; then each op's result is laid out as
    NumPy lays it out."""
    dtype = grad._dtype
    if not dtype.is_floating_point:
        return None
    out, expanded = [], False
    for t in (grad,) + operands:
        if t is None:
            out.append(None)
        elif type(t) in _NUMBERS:
            out.append(dtype.np.type(t))
        elif not isinstance(t, Tensor) or t._dtype is not dtype:
            return None
        else:
            if t._stride != contiguous_strides(t._shape):
                if any(t._stride):
                    return None
                expanded = True
            out.append(t._arr)
    if expanded:
        for t in operands:
            if isinstance(t, Tensor) and t._shape != grad._shape and t._shape:
                return None
    return out
next_sequence_nr = itertools.count(1).__next__
_ndarray = np.ndarray


def _record(ctx, cls, args, needs, outs):
    """Make `ctx` the grad_fn of the differentiable outputs and link it to its inputs' nodes."""
    wrapped, graph_inputs = cls.wrapped_inputs, cls.graph_inputs
    slots, edges, meta = [], [], []
    for i, a in enumerate(args):
        if i in wrapped or (isinstance(a, Tensor) and (graph_inputs is None or i in graph_inputs)):
            slots.append(i)
            if needs[i]:
                edges.append(_edge(a))
                meta.append((a._shape, a._dtype))
            else:
                edges.append((None, 0))
                meta.append(None)
    ctx._n_args, ctx._input_slots = len(args), tuple(slots)
    ctx._seq = next_sequence_nr()
    ctx.next_functions, ctx._input_meta = tuple(edges), tuple(meta)
    ctx._n_outputs = len(outs)
    if len(outs) > 1:
        ctx._output_meta = tuple((o._shape, o._dtype, o.device) if isinstance(o, Tensor) else None
                                 for o in outs)
    nondiff = ctx._non_differentiable
    for i, o in enumerate(outs):
        if not isinstance(o, Tensor) or not o._dtype.is_floating_point or \
                (nondiff and any(o is t for t in nondiff)):
            continue
        for a in args:
            if a is o:  # an input returned as is: give the graph an alias
                o = o._alias()
                outs = outs[:i] + (o,) + outs[i + 1:]
                break
        o._requires_grad = True
        o._grad_fn, o._grad_fn_version = ctx, o._storage.version  # (the grad_fn setter, inlined)
        o._output_nr = i
    saved = ctx._saved
    if saved and _saves_an_output(saved, outs):
        ctx._saved = tuple([_as_saved_output(t, outs) for t in saved])
    if _anomaly._enabled:
        record_forward_trace(ctx)
    return outs


def _edge(tensor):
    """The (node, output_nr) through which a gradient reaches `tensor`."""
    node = tensor._grad_fn if tensor._base is None else tensor.grad_fn  # (a view's may be stale)
    if node is not None:
        return (node, tensor._output_nr)
    acc = tensor._accumulator
    if acc is None:
        acc = tensor._accumulator = AccumulateGrad(tensor)
    return (acc, 0)


def _saves_an_output(saved, outs):
    for t in saved:
        if t is not None:
            for o in outs:
                if t is o:
                    return True
    return False


def _as_saved_output(t, outs):
    for i, o in enumerate(outs):
        if t is o and t is not None:
            return _SavedOutput(o.detach(), i)
    return t


def _unpack_output(node, saved):
    t = saved.tensor
    if not _grad_state.enabled:
        return t
    alias = t._alias()
    alias._requires_grad = True
    alias.grad_fn = node
    alias._output_nr = saved.output_nr
    return alias


def _modified_message(t, version, made_by=None):
    """torch's message; `made_by` is the (node, output number) of a saved output."""
    kind = "cuda." if t.device.type == "cuda" else ""
    type_name = _TYPE_NAMES[t.dtype.name]
    shape = ", ".join(map(str, t.shape))
    node, nr = made_by or (t.grad_fn, t._output_nr)
    op = "" if node is None else node._forward_op_name()
    made_by = f", which is output {nr} of {op}," if op else ""
    return ("one of the variables needed for gradient computation has been modified by an inplace "
            f"operation: [torch.{kind}{type_name}Tensor [{shape}]]{made_by} is at version "
            f"{t._storage.version}; expected version {version} instead. Hint: enable anomaly "
            "detection to find the operation that failed to compute its gradient, with "
            "torch.autograd.set_detect_anomaly(True, check_nan=False).")


_new_object = object.__new__
Tensor = None  # set by tensor.py once the class exists (ops run only after that)
