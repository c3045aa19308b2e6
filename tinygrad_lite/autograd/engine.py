"""The backward engine: orders the graph once, runs each node once, accumulates gradients."""
import heapq
import sys

from .function import AccumulateGrad, _edge, plain_arrays
from . import anomaly as _anomaly
from .anomaly import call_backward_checked
from .grad_mode import _state as _grad_state


def _as_list(x):
    if x is None:
        return []
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _make_root_grads(outputs, grad_outputs):
    grads = []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if not out.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
        if g is None:
            if out.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if not out.dtype.is_floating_point:
                raise RuntimeError("grad can be implicitly created only for real scalar outputs but got "
                                   + repr(out.dtype).replace("tinygrad_lite", "torch"))
            g = out._ones_like()
        elif not isinstance(g, _Tensor):
            g = out._ones_like() * g
        elif g.shape != out.shape:
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and "
                               f"output[{i}] has a shape of {out.shape}.")
        grads.append(g)
    return grads


def _execution_order(roots):
    """The nodes reachable from roots, in the order torch's engine runs them: a node is ready once
    every node that sends it a gradient has run, and of the ready nodes the most recently created
    (highest sequence number) runs first; AccumulateGrad nodes run as soon as they are ready. The
    order decides which nodes a backward that fails midway has already run and released."""
    deps, stack = {}, []
    for root in roots:  # (torch's GraphRoot sends each root its gradient)
        if root is not None:
            if root not in deps:
                deps[root] = 0
                stack.append(root)
            deps[root] += 1
    get = deps.get
    while stack:
        for child, _ in stack.pop().next_functions:
            if child is not None:
                n = get(child)
                if n is None:
                    deps[child] = 1
                    stack.append(child)
                else:
                    deps[child] = n + 1
    ready, order, tiebreak = [], [], 0
    for root in roots:
        if root is not None:
            deps[root] -= 1
            if not deps[root]:
                tiebreak += 1
                heapq.heappush(ready, (-root._seq, tiebreak, root))
    node = heapq.heappop(ready)[2] if ready else None
    while node is not None:
        order.append(node)
        after = None  # a node that becomes ready while none is waiting runs next: no heap needed
        for child, _ in node.next_functions:
            if child is not None:
                left = deps[child] - 1
                deps[child] = left
                if not left:
                    if after is None and not ready:
                        after = child
                    else:
                        if after is not None:
                            tiebreak += 1
                            heapq.heappush(ready, (-after._seq, tiebreak, after))
                            after = None
                        tiebreak += 1
                        heapq.heappush(ready, (-child._seq, tiebreak, child))
        node = after if after is not None else heapq.heappop(ready)[2] if ready else None
    return order


def _sum_to(grad, shape, arrays=False):
    """Reduce a broadcast gradient back to `shape` (leading dims and size-1 dims); `arrays`: with
    the same sum and view made without recording (first order)."""
    if grad._shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    dims = tuple(range(lead)) + tuple(i + lead for i, n in enumerate(shape)
                                      if n == 1 and grad._shape[i + lead] != 1)
    if arrays:
        if dims:
            grad = _make(_sum_array(grad._arr, dims, True, grad._dtype))
        return _view_geometry(grad, shape) if grad._shape != shape else grad
    if dims:
        grad = grad.sum(dims, keepdim=True)
    return grad.view(shape) if grad._shape != shape else grad


def run_backward(outputs, grad_outputs, retain_graph, create_graph, inputs=None,
                 accumulate=True, allow_unused=False):
    """Shared by Tensor.backward, autograd.backward and autograd.grad.

    With accumulate=True, leaf gradients go to `.grad` (only the `inputs`' if given); otherwise the
    gradients of `inputs` are returned."""
    outputs = _as_list(outputs)
    grad_outputs = _as_list(grad_outputs) or [None] * len(outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f"grad requires one gradient per output: got {len(grad_outputs)} "
                           f"gradients for {len(outputs)} outputs")
    if retain_graph is None:
        retain_graph = create_graph
    root_grads = _make_root_grads(outputs, grad_outputs)
    roots = [_edge(o) for o in outputs]

    targets = None  # (node, output_nr) -> indices in inputs (a tensor may be listed twice)
    if inputs is not None:
        targets = {}
        for i, t in enumerate(inputs):
            if not t.requires_grad:
                raise RuntimeError("One of the differentiated Tensors does not require grad")
            targets.setdefault(_edge(t), []).append(i)

    order = _execution_order([r[0] for r in roots])
    if targets is not None:  # run only the nodes that lead to an input
        needed = {id(node) for node, _ in targets}
        for node in reversed(order):
            if any(c is not None and id(c) in needed for c, _ in node.next_functions):
                needed.add(id(node))
        order = [n for n in order if id(n) in needed]

    buffers = {}
    for (node, nr), g in zip(roots, root_grads):
        _accumulate(buffers, node, nr, g)
    captured = [None] * (len(inputs) if inputs is not None else 0)

    arrays = ARRAY_LANE and not create_graph  # first order: nodes may compute on arrays
    was_enabled = _grad_state.enabled  # (grad mode set directly: a context manager costs more)
    _grad_state.enabled = bool(create_graph)
    try:
        for node in order:
            grads = buffers.pop(node, None)
            if grads is None:
                continue
            if node._tensor_hooks or node._pre_hooks:
                grads = _run_pre_hooks(node, grads)
            if targets is not None:
                for nr, g in enumerate(grads):
                    for idx in targets.get((node, nr), ()):
                        captured[idx] = g
            if isinstance(node, AccumulateGrad):
                if accumulate and (targets is None or (node, 0) in targets):
                    _accumulate_leaf(node.variable, grads[0], create_graph)
                continue
            if targets is not None and not accumulate and not node.next_functions:
                continue
            _run_node(node, grads, buffers, retain_graph, arrays)
    finally:
        _grad_state.enabled = was_enabled

    if inputs is not None and not accumulate:
        for i, g in enumerate(captured):
            if g is None and not allow_unused:
                raise RuntimeError(f"The differentiated Tensor at index {i} appears to not have been "
                                   "used in the graph. Set allow_unused=True if this is the desired "
                                   "behavior.")
        return tuple(g if g is None or create_graph else g.detach() for g in captured)
    return None


def _run_node(node, grads, buffers, retain_graph, arrays=False):
    """Run one node's backward and send its gradients on (a function of its own, so that no
    stale local keeps a gradient alive: _accumulate_leaf counts the references to it)."""
    if _anomaly._enabled:
        results = call_backward_checked(node, grads, _call_backward)
    else:
        results = _call_backward(node, grads, arrays)
    if not retain_graph:
        node._release()
    for (child, nr), g, meta in zip(node.next_functions, results, node._input_meta):
        if child is None or g is None:
            continue
        if g._shape != meta[0]:
            g = _validate_shape(node, g, meta[0], arrays)
        if g._dtype is not meta[1]:
            g = g.to(meta[1])
        _accumulate(buffers, child, nr, g, arrays)


def _accumulate(buffers, node, nr, g, arrays=False):
    slot = buffers.get(node)
    if slot is None:
        slot = buffers[node] = [None] * node._n_outputs
    if slot[nr] is None:
        slot[nr] = g
        return
    pair = plain_arrays(slot[nr], g) if arrays else None
    slot[nr] = slot[nr] + g if pair is None else _make(pair[0] + pair[1])


def _run_pre_hooks(node, grads):
    tensor_hooks = node._tensor_hooks
    if tensor_hooks:
        for nr, hooks in tensor_hooks.items():
            for hook in hooks:
                if grads[nr] is None:
                    break
                new = hook(grads[nr])
                if new is not None:
                    grads[nr] = new
            retained = getattr(node, "_retained", {}).get(nr)
            if retained is not None and retained() is not None and grads[nr] is not None:
                t = retained()
                g = grads[nr].detach() if not grads[nr].requires_grad else grads[nr]
                t.grad = g.clone() if t.grad is None else t.grad + g
    for hook in node._pre_hooks:
        new = hook(tuple(grads))
        if new is not None:
            grads = list(new)
    return grads


def _call_backward(node, grads, arrays=False):
    if node.materialize_grads:
        for i, g in enumerate(grads):
            if g is None:
                grads[i] = _zeros_for(node, i)
    results = None
    if arrays and node.array_backward is not None:  # first order, on arrays (see Function)
        results = node.array_backward(node, *grads)
        if results is not None:
            results = tuple([r if r is None or isinstance(r, _Tensor) else _make(r) for r in results])
    if results is None:
        results = node.backward(node, *grads)
    if type(results) is not tuple:
        results = tuple(results) if isinstance(results, tuple) else (results,)
    n_inputs = node._n_args if node._n_args is not None else len(node.next_functions)
    if len(results) != n_inputs:
        if len(results) > n_inputs and all(r is None for r in results[n_inputs:]):
            results = results[:n_inputs]
        else:
            raise RuntimeError(f"function {node.name()} returned an incorrect number of gradients "
                               f"(expected {n_inputs}, got {len(results)})")
    slots = node._input_slots
    if slots is not None and len(slots) != n_inputs:  # one gradient per graph input
        results = tuple([results[i] for i in slots])
    for hook in node._post_hooks:
        new = hook(results, tuple(grads))
        if new is not None:
            results = tuple(new)
    return results


def _zeros_for(node, i):
    shape, dtype, device = node._output_meta[i]
    return _Tensor._full(shape, 0, dtype, device)


def _validate_shape(node, g, shape, arrays):
    try:
        if _broadcast_shape(shape, g._shape) == g._shape:
            return _sum_to(g, shape, arrays)
    except RuntimeError:
        pass
    if g.numel() == _numel(shape):
        return g.reshape(shape)
    raise RuntimeError(f"Function {node.name()} returned an invalid gradient at index 0 - got "
                       f"{list(g.shape)} but expected shape compatible with {list(shape)}")


def _numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def _accumulate_leaf(var, g, create_graph):
    for hook in var._hooks or ():
        new = hook(g)
        if new is not None:
            g = new
    if var.grad is None:
        if create_graph:
            var.grad = g
        else:
            unshared = _unshared(g)
            var.grad = g._detached_owned(var, unshared)
    elif create_graph:
        var.grad = var.grad + g
    else:
        var.grad.add_(g.detach())
    for hook in var._post_accumulate_hooks or ():
        hook(var)


def _unshared(g):
    """Whether nothing outside the engine holds the gradient `g` (called from _accumulate_leaf,
    where the buffer list and its local hold it), nor its base or storage: then `.grad` may take
    it over instead of copying it (torch's use_count test in AccumulateGrad; stricter for views,
    so two leaves never get gradients on one memory)."""
    if _refcount(g) > 4:  # the buffer list, _accumulate_leaf's local, this argument, getrefcount's
        return False
    if g._base is None:
        return _refcount(g._storage) <= 2  # g's, getrefcount's
    return _refcount(g._base) <= 2 and _refcount(g._storage) <= 3  # base's and g's


_refcount = sys.getrefcount
# Whether first-order backward runs the nodes' array formulas (tests switch it off to check that
# both lanes give the same bits).
ARRAY_LANE = True
# set by tensor.py once the class exists
_Tensor = _make = _broadcast_shape = _sum_array = _view_geometry = None
