"""The nn ops that are graph nodes of their own in torch (their grad_fn names show): forward on
arrays, backward in differentiable tensor ops so that double backward works."""
import contextlib

from .. import backend
from ..autograd.function import Function, plain_arrays
from ..ops.elementwise import laid_out, operands
from ..ops.indexing import IndexAddInto
from ..ops.linalg import column_major, mm_grad_arrays, mm_grads
from ..tensor import Tensor, _TYPE_NAMES


def type_name(dtype):
    """torch's scalar type name of a dtype, as its error messages print it ('Float', 'Long')."""
    return _TYPE_NAMES[dtype.name]


def _quiet(xp):
    """Silence NumPy's floating-point warnings (overflow to inf, log of 0) as torch is silent."""
    return xp.errstate(all="ignore") if hasattr(xp, "errstate") else contextlib.nullcontext()


def reduce_array(loss, reduction):
    """apply_loss_reduction on an array: 'none' | 'mean' (nan when empty) | 'sum'."""
    xp = backend.xp_of(loss)
    if reduction == "none":
        return loss
    total = xp.asarray(loss.sum(), dtype=loss.dtype)
    if reduction == "sum":
        return total
    return total / loss.dtype.type(loss.size) if loss.size else xp.asarray(xp.nan, dtype=loss.dtype)


def check_no_requires_grad(ctx, function, names):
    """torch's error for a requires-grad tensor given to an argument it does not differentiate;
    names maps argument positions to argument names."""
    for index, name in names.items():
        if ctx.needs_input_grad[index]:
            raise RuntimeError(f"The function '{function}' is not differentiable with respect to argument "
                               f"'{name}'. This input cannot have requires_grad True.")


def _mean_scale(grad, ctx, n):
    return grad / n if ctx.reduction == "mean" else grad


class Addmm(Function):
    """bias + mat1 @ mat2: the fused node Linear uses for 2-D input."""

    name_ = "AddmmBackward0"

    @staticmethod
    def forward(ctx, bias, mat1, mat2):
        if mat1._dtype is not mat2._dtype:
            raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got "
                               f"{type_name(mat1._dtype)} and {type_name(mat2._dtype)}")
        if mat1._shape[1] != mat2._shape[0]:
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({mat1._shape[0]}x"
                               f"{mat1._shape[1]} and {mat2._shape[0]}x{mat2._shape[1]})")
        ctx.save_for_backward(mat2 if ctx.needs_input_grad[1] else None,
                              mat1 if ctx.needs_input_grad[2] else None)
        ctx.column_major = column_major(mat1), column_major(mat2)
        out = backend.matmul2d(mat1._arr, mat2._arr)
        if bias._arr.dtype == out.dtype and out.ndim == 2:
            out += bias._arr  # in place: one allocation fewer, the same sum
            return out
        return out + bias._arr

    @staticmethod
    def backward(ctx, grad):
        mat2, mat1 = ctx.saved_tensors
        grads = mm_grads(grad, mat1, mat2, ctx.column_major)
        return (grad if ctx.needs_input_grad[0] else None,) + grads

    @staticmethod
    def array_backward(ctx, grad):
        mat2, mat1 = ctx.saved_tensors
        grads = mm_grad_arrays(grad, mat1, mat2, ctx.column_major)
        return None if grads is None else (grad if ctx.needs_input_grad[0] else None,) + grads


class Silu(Function):
    name_ = "SiluBackward0"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        x = a._arr
        xp = backend.xp_of(x)
        with _quiet(xp):
            return x / (1 + xp.exp(-x))

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        s = a.sigmoid()
        return grad * s * (1 + a * (1 - s))


class _PointwiseLoss(Function):
    """A loss of d = input - target, elementwise then reduced. Subclasses give `value` (arrays)
    and `slope` (d loss / d d, in tensor ops; on arrays too where `arithmetic_slope`)."""

    like_input = False  # the unreduced loss laid out as empty_like(input) (huber), not as a
    # TensorIterator output
    arithmetic_slope = False  # `slope` uses operators only: it also runs on arrays

    @staticmethod
    def forward(ctx, input, target, reduction, param):
        x, y, dtype = operands(input, target)
        if not dtype.is_floating_point:
            raise NotImplementedError(f'"{ctx.kernel}" not implemented for \'{type_name(dtype)}\'')
        ctx.save_for_backward(input, target)
        ctx.reduction, ctx.param = reduction, param
        xp = backend.xp_of(x)
        with _quiet(xp):
            loss = ctx.value(xp, x - y, param)
        ctx.numel = loss.size  # (of input - target, broadcast)
        if ctx.like_input and loss.shape == input._shape:  # torch writes into empty_like(input)
            loss = backend.with_strides(loss, backend.preserved_strides(input._shape, input._stride))
        else:  # a TensorIterator over (input, target)
            loss = laid_out(loss, input, target)
        return reduce_array(loss, reduction)

    @staticmethod
    def backward(ctx, grad):
        input, target = ctx.saved_tensors
        return _PointwiseLoss.gradients(ctx, grad, input, target)

    @staticmethod
    def gradients(ctx, grad, input, target):
        d = input - target
        g = _mean_scale(ctx.slope(d, ctx.param) * grad, ctx, ctx.numel)
        return (g if ctx.needs_input_grad[0] else None,
                -g if ctx.needs_input_grad[1] else None, None, None)

    @staticmethod
    def array_backward(ctx, grad):
        if not ctx.arithmetic_slope:
            return None
        plain = plain_arrays(grad, *ctx.saved_tensors)
        return None if plain is None else _PointwiseLoss.gradients(ctx, *plain)


class MseLoss(_PointwiseLoss):
    name_, kernel = "MseLossBackward0", "mse_cpu"
    arithmetic_slope = True

    @staticmethod
    def value(xp, d, _):
        return d * d

    @staticmethod
    def slope(d, _):
        return 2 * d


class SmoothL1Loss(_PointwiseLoss):
    name_, kernel = "SmoothL1LossBackward0", "smooth_l1_cpu"

    @staticmethod
    def value(xp, d, beta):
        z = xp.abs(d)
        return xp.where(z < beta, 0.5 * z * z / beta, z - 0.5 * beta)

    @staticmethod
    def slope(d, beta):
        return (d / beta).where(d.abs() < beta, d.sign())


class HuberLoss(_PointwiseLoss):
    name_, kernel = "HuberLossBackward0", "huber_cpu"
    like_input = True

    @staticmethod
    def value(xp, d, delta):
        z = xp.abs(d)
        return xp.where(z < delta, 0.5 * z * z, delta * (z - 0.5 * delta))

    @staticmethod
    def slope(d, delta):
        return d.where(d.abs() < delta, d.sign() * delta)


class BinaryCrossEntropy(Function):
    name_ = "BinaryCrossEntropyBackward0"

    @staticmethod
    def forward(ctx, input, target, weight, reduction):
        check_no_requires_grad(ctx, "binary_cross_entropy", {2: "weight"})
        if target._dtype is not input._dtype:
            raise RuntimeError(f"Found dtype {type_name(target._dtype)} but expected "
                               f"{type_name(input._dtype)}")
        x, y = input._arr, target._arr
        xp = backend.xp_of(x)
        # torch's kernel checks element by element, input before target; NaN fails the check
        bad_input, bad_target = ~((x >= 0) & (x <= 1)), ~((y >= 0) & (y <= 1))
        bad = xp.flatnonzero(xp.broadcast_to(bad_input | bad_target, x.shape))
        if bad.size:
            first = bad_input.reshape(-1)[bad[0]] if bad_input.shape == x.shape else bad_input.any()
            raise RuntimeError(f"all elements of {'input' if first else 'target'} should be between 0 and 1")
        ctx.save_for_backward(input, target, weight)
        ctx.reduction = reduction
        with _quiet(xp):
            # each log is clamped at -100 so that x = 0 or 1 gives a finite loss (torch's rule)
            loss = (y - 1) * xp.maximum(xp.log1p(-x), -100) - y * xp.maximum(xp.log(x), -100)
        if weight is not None:
            loss = loss * weight._arr
        return reduce_array(laid_out(loss.astype(x.dtype, copy=False), input, target), reduction)

    @staticmethod
    def backward(ctx, grad):
        input, target, weight = ctx.saved_tensors
        scale = grad if weight is None else grad * weight
        gx = gy = None
        if ctx.needs_input_grad[0]:
            gx = _mean_scale(scale * (input - target) / ((1 - input) * input).clamp_min(1e-12), ctx,
                             input.numel())
        if ctx.needs_input_grad[1]:
            gy = _mean_scale(-(input / (1 - input)).log() * scale, ctx, input.numel())
        return gx, gy, None, None


def _log_sigmoid_array(xp, x):
    return xp.minimum(x, 0) - xp.log1p(xp.exp(-xp.abs(x)))


def _log_sigmoid(x):
    return x.clamp(max=0) - (-x.abs()).exp().log1p()


class BinaryCrossEntropyWithLogits(Function):
    """(1 - y) x - log_sigmoid(x) (1 + (pos_weight - 1) y), stable for any logit."""

    name_ = "BinaryCrossEntropyWithLogitsBackward0"

    @staticmethod
    def forward(ctx, input, target, weight, pos_weight, reduction):
        check_no_requires_grad(ctx, "binary_cross_entropy_with_logits", {2: "weight", 3: "pos_weight"})
        x, y, _ = operands(input, target)
        xp = backend.xp_of(x)
        ctx.save_for_backward(input, target, weight, pos_weight)
        ctx.reduction = reduction
        with _quiet(xp):
            log_sig = _log_sigmoid_array(xp, x)
            if pos_weight is not None:
                log_sig = log_sig * ((pos_weight._arr - 1) * y + 1)
            loss = (1 - y) * x - log_sig
        if weight is not None:
            loss = loss * weight._arr
        # torch accumulates into (1 - target) in place, so the loss takes the target's dtype and
        # memory layout
        dtype = target._dtype.np if target._dtype.is_floating_point else x.dtype
        return reduce_array(laid_out(loss.astype(dtype, copy=False), target), reduction)

    @staticmethod
    def backward(ctx, grad):
        input, target, weight, pos_weight = ctx.saved_tensors
        scale = grad if weight is None else grad * weight
        gx = gy = None
        if ctx.needs_input_grad[0]:
            if pos_weight is None:
                gx = input.sigmoid() - target
            else:
                t = pos_weight * target
                gx = (t + 1 - target) * input.sigmoid() - t
            gx = _mean_scale(gx * scale, ctx, input.numel())
        if ctx.needs_input_grad[1]:
            if pos_weight is None:
                gy = -input
            else:
                gy = _log_sigmoid(-input) - _log_sigmoid(input) * pos_weight
            gy = _mean_scale(gy * scale, ctx, input.numel())
        return gx, gy, None, None, None


def _cascade_sum(xp, values, kept=None):
    """The sum of `values` (in their dtype) in the order of torch's CPU nll_loss (LossNLL.cpp):
    the value at linear position p is added to a level-0 partial sum, and after a position that
    is a multiple of 16**(j+1) the level-j partial sum is added to level j+1's and restarts
    (8 levels; every partial sum starts from +0); the result adds the levels' partial sums in
    order. `kept`: the positions that count when some are left out (ignored targets, which
    neither add nor hand sums on)."""
    zero = values.dtype.type(0)
    values = values.reshape(-1) if kept is None else values.reshape(-1)[kept]
    partials = []
    for level in range(7):
        # a level's arrivals: the first (at position 0) is handed on at once, then runs that end
        # at the multiples of 16**(level+1); what follows the last run stays at this level
        if values.size <= 1 and (kept is None or values.size == 0 or int(kept[0]) == 0):
            break  # (a lone sum from position 0 goes up to level 7 unchanged)
        if kept is None:  # every position counts: the runs are 16 arrivals long
            full = (values.size - 1) // 16
            partials.append(_sequential_sum(values[1 + 16 * full:], zero))
            runs = values[1:1 + 16 * full].reshape(full, 16).cumsum(axis=1)[:, -1] + zero
            values = xp.concatenate((values[:1] + zero, runs)) if full else values[:1]
        else:
            ends = xp.flatnonzero(kept % 16 ** (level + 1) == 0)
            partials.append(_sequential_sum(values[ends[-1] + 1:] if ends.size else values, zero))
            values, kept = _run_sums(xp, values, ends, zero), kept[ends]
    partials.append(_sequential_sum(values, zero))  # level 7's
    total = zero
    for partial in partials:
        total = total + partial
    return total


def _sequential_sum(values, zero):
    """((0 + v0) + v1) + ...: a cumulative sum is sequential (np.sum is pairwise); + 0 turns the
    -0.0 that a run of -0.0 leaves into the +0.0 a sum started from +0 gives."""
    return values.cumsum()[-1] + zero if values.size else zero


def _run_sums(xp, values, ends, zero):
    """The sequential sums of the runs of `values` that end at the indices `ends` (the first run
    starts at 0), batched by run length."""
    starts = xp.concatenate((xp.zeros(1, ends.dtype), ends[:-1] + 1))
    lengths = ends - starts + 1
    sums = xp.empty(ends.size, values.dtype)
    for n in set(lengths.tolist()):
        runs = xp.flatnonzero(lengths == n)
        sums[runs] = values[starts[runs, None] + xp.arange(n)].cumsum(axis=1)[:, -1]
    return sums + zero


class NllLoss(Function):
    """-input[n, target[n], ...] * weight[target], over class dim 1 (0 for a 1-D input)."""

    name_ = "NllLossBackward0"
    saves_indices = True  # the target: a second backward without retain_graph fails, as torch

    @staticmethod
    def forward(ctx, input, target, weight, reduction, ignore_index):
        check_no_requires_grad(ctx, "nll_loss_forward", {2: "weight"})
        if input.ndim > 2:
            ctx.name_ = "NllLoss2DBackward0"
            if target.dtype.itemsize == 1 and (reduction == "none" or target.numel()):
                # (torch's 2-D kernel reads the target as int64 where a byte target reaches it)
                raise RuntimeError("expected scalar type Long but found Byte")
        x, t = input._arr, target._arr
        t = t if t.dtype == "int64" else t.astype("int64")
        xp = backend.xp_of(x)
        class_dim = 0 if input.ndim == 1 else 1
        n_classes = x.shape[class_dim]
        low, high = (t.min(), t.max()) if t.size else (0, -1)
        if weight is None and 0 <= low and high < n_classes and not low <= ignore_index <= high:
            # the usual case: every target a class, none ignored, no weights (the general formula
            # below then multiplies by ones and masks nothing: the same bits)
            safe = t.reshape(t.shape[:class_dim] + (1,) + t.shape[class_dim:])
            valid, w = xp.ones(safe.shape, bool), xp.ones(safe.shape, x.dtype)
            # (take_along_axis, spelled out for the 1-D and 2-D inputs: NumPy's is slow Python)
            losses = -(x[safe] if x.ndim == 1 else x[xp.arange(len(x))[:, None], safe]
                       if x.ndim == 2 else xp.take_along_axis(x, safe, class_dim))
        else:
            valid = t != ignore_index
            bad = valid & ((t < 0) | (t >= n_classes))
            if bad.any():
                raise IndexError(f"Target {int(t[bad].reshape(-1)[0])} is out of bounds.")
            safe = xp.expand_dims(xp.where(valid, t, 0), class_dim)
            valid = xp.expand_dims(valid, class_dim)
            w = weight._arr.astype(x.dtype)[safe] if weight is not None else xp.ones(safe.shape, x.dtype)
            w = xp.where(valid, w, x.dtype.type(0))
            with _quiet(xp):  # ignored targets contribute 0 even where the input is inf or nan
                losses = xp.where(valid, -xp.take_along_axis(x, safe, class_dim) * w, x.dtype.type(0))
        losses = losses.squeeze(class_dim)
        total = x.dtype.type(1)
        if reduction == "none":  # (torch computes a 1-D input's loss as 0 - x * w: never -0.0)
            out = losses + x.dtype.type(0) if class_dim == 0 else losses
        else:  # summed in the order of torch's CPU kernel (see _cascade_sum)
            everywhere = valid.all()
            kept = None if everywhere else xp.flatnonzero(valid)
            out = xp.asarray(_cascade_sum(xp, losses, kept), dtype=x.dtype)
            if reduction == "mean":
                total = _cascade_sum(xp, w, kept) if weight is not None else \
                    x.dtype.type(valid.size if everywhere else kept.size)
                with _quiet(xp):
                    out = out / total  # 0 / 0 = nan when every target is ignored, as torch
        ctx.class_dim, ctx.reduction, ctx.total = class_dim, reduction, total
        if any(ctx.needs_input_grad):  # the loss is linear in input: keep what its gradient reads
            ctx.safe, ctx.valid, ctx.target_weight = safe, valid, w
            ctx.weight, ctx.ignore_index = weight, ignore_index
            # (torch saves both: writing into either breaks backward; `safe` may view the target)
            ctx.save_for_backward(input, target)
        return out

    @staticmethod
    def backward(ctx, grad):
        ctx._check_saved()
        input, target = ctx.saved_tensors
        return NllLossBackward.apply(grad, input, target, ctx), None, None, None, None


class NllLossBackward(Function):
    """nll_loss's gradient as a node of its own (torch's NllLossBackwardBackward0): linear in the
    upstream gradient, constant in the input (whose second derivative is zero)."""

    name_ = "NllLossBackwardBackward0"
    graph_inputs = (0, 1)  # (the target is saved, not differentiated)

    @staticmethod
    def forward(ctx, grad, input, target, loss):
        if loss.name_ == "NllLoss2DBackward0":
            ctx.name_ = "NllLoss2DBackwardBackward0"
        ctx.loss, ctx.input_shape = loss, input._shape
        ctx.save_for_backward(target)
        g = grad._arr
        xp = backend.xp_of(g)
        if loss.reduction == "none":
            g = xp.expand_dims(g, loss.class_dim)
        w = loss.target_weight
        # torch's nll_loss_backward: -(g / total_weight) for 'mean', times each target's weight;
        # only the valid targets' entries are written: elsewhere the gradient is 0 even where the
        # upstream gradient is NaN or inf
        gx = xp.zeros(input._shape, w.dtype)
        with _quiet(xp):
            values = xp.where(loss.valid, w * -(g / loss.total if loss.reduction == "mean" else g),
                              w.dtype.type(0))
        safe = loss.safe
        if gx.ndim == 2:  # (put_along_axis, spelled out: NumPy's is slow Python)
            gx[xp.arange(len(gx))[:, None], safe] = values
        else:
            xp.put_along_axis(gx, safe, values, loss.class_dim)
        return gx

    @staticmethod
    def backward(ctx, gg):
        loss = ctx.loss
        (target,) = ctx.saved_tensors  # (checked even when unused, as torch unpacks it)
        ggrad = ginput = None
        if ctx.needs_input_grad[0]:  # linear in the upstream gradient: torch's is nll_loss of gg
            ggrad = NllLoss.apply(gg, target, loss.weight, loss.reduction, loss.ignore_index)
        if ctx.needs_input_grad[1]:
            ginput = gg.new_zeros(ctx.input_shape)
        return ggrad, ginput, None, None


class Embedding(Function):
    name_ = "EmbeddingBackward0"
    saves_indices = True  # a second backward without retain_graph fails, as torch
    @staticmethod
    def forward(ctx, weight, indices, padding_idx, scale_grad_by_freq):
        if indices._dtype.name not in ("int64", "int32"):
            raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following "
                               f"scalar types: Long, Int; but got {indices.type()} instead (while "
                               "checking arguments for embedding)")
        idx = indices._arr
        if idx.size and (idx.min() < 0 or idx.max() >= weight._shape[0]):
            raise IndexError("index out of range in self")
        ctx.indices, ctx.weight_shape = idx.reshape(-1), weight._shape
        ctx.padding_idx, ctx.scale_grad_by_freq = padding_idx, scale_grad_by_freq
        return backend.xp_of(idx).take(weight._arr, idx, axis=0)

    @staticmethod
    def backward(ctx, grad):
        ctx._check_saved()
        xp = backend.xp_of(ctx.indices)
        flat = ctx.indices
        rows = grad.reshape(ctx.indices.size, ctx.weight_shape[1])  # -1 fails on empty grads
        if ctx.padding_idx >= 0:  # the padding row gets no gradient
            rows = rows.masked_fill(Tensor._make(xp.expand_dims(flat == ctx.padding_idx, 1)), 0.0)
        if ctx.scale_grad_by_freq:
            counts = xp.bincount(flat, minlength=ctx.weight_shape[0])[flat]
            rows = rows / Tensor._make(xp.expand_dims(counts, 1).astype(rows.dtype.np))
        return IndexAddInto.apply(rows, ctx.weight_shape, (flat,)), None, None, None


def _normalized(x, dims, eps):
    """(x - mean) * rstd over `dims`, in differentiable ops, with rstd (biased variance)."""
    centered = x - x.mean(dims, keepdim=True)
    rstd = ((centered * centered).mean(dims, keepdim=True) + eps).rsqrt()
    return centered * rstd, rstd


def _normalize_backward(g, xhat, rstd, dims):
    """d loss / d x of xhat = (x - mean) * rstd, given g = d loss / d xhat."""
    return rstd * (g - g.mean(dims, keepdim=True) - xhat * (g * xhat).mean(dims, keepdim=True))


def _moments(xp, x, axes):
    mean = x.mean(axis=axes, keepdims=True)
    centered = x - mean
    return mean, (centered * centered).sum(axis=axes, keepdims=True)


class LayerNorm(Function):
    name_ = "NativeLayerNormBackward0"

    @staticmethod
    def forward(ctx, input, normalized_shape, weight, bias, eps):
        x = input._arr
        xp = backend.xp_of(x)
        k = len(normalized_shape)
        axes = tuple(range(x.ndim - k, x.ndim))
        mean, sq_sum = _moments(xp, x, axes)
        rstd = 1 / xp.sqrt(sq_sum / x.dtype.type(_numel(normalized_shape)) + x.dtype.type(eps))
        out = (x - mean) * rstd
        if weight is not None:
            out = out * weight._arr
        if bias is not None:
            out = out + bias._arr
        ctx.save_for_backward(input, weight)
        ctx.axes, ctx.eps = axes, eps
        return backend.contiguous(out.astype(x.dtype, copy=False))

    @staticmethod
    def backward(ctx, grad):
        input, weight = ctx.saved_tensors
        xhat, rstd = _normalized(input, ctx.axes, ctx.eps)
        batch_dims = tuple(range(input.ndim - len(ctx.axes)))
        gx = gw = gb = None
        if ctx.needs_input_grad[0]:
            gx = _normalize_backward(grad if weight is None else grad * weight, xhat, rstd, ctx.axes)
        if ctx.needs_input_grad[2]:
            gw = (grad * xhat).sum(batch_dims) if batch_dims else grad * xhat
        if ctx.needs_input_grad[3]:
            gb = grad.sum(batch_dims) if batch_dims else grad
        return gx, None, gw, gb, None


def _numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


class BatchNorm(Function):
    """Normalise over every dim but 1; training uses (and folds into the running stats) the batch's
    statistics, evaluation the running ones."""

    name_ = "NativeBatchNormBackward0"

    @staticmethod
    def forward(ctx, input, weight, bias, running_mean, running_var, training, momentum, eps):
        x = input._arr
        xp = backend.xp_of(x)
        axes = (0,) + tuple(range(2, x.ndim))
        stat_shape = tuple(-1 if d == 1 else 1 for d in range(x.ndim))
        if training:
            mean, sq_sum = _moments(xp, x, axes)
            n = x.size // x.shape[1]
            invstd = 1 / xp.sqrt(sq_sum / x.dtype.type(n) + x.dtype.type(eps))
            if running_mean is not None:
                _blend(running_mean, mean, momentum)
                _blend(running_var, sq_sum / x.dtype.type(n - 1), momentum)
        else:
            mean = running_mean._arr.reshape(stat_shape)
            invstd = 1 / xp.sqrt(running_var._arr.reshape(stat_shape) + eps)
        alpha = invstd if weight is None else invstd * weight._arr.reshape(stat_shape)
        shift = -mean * alpha if bias is None else bias._arr.reshape(stat_shape) - mean * alpha
        ctx.save_for_backward(input, weight)
        ctx.axes, ctx.stat_shape, ctx.training, ctx.eps = axes, stat_shape, training, eps
        if not training:
            ctx.mean = Tensor._make(mean.astype(x.dtype))  # a copy: the running buffer may change later
            ctx.invstd = Tensor._make(invstd.astype(x.dtype))
        return backend.contiguous((x * alpha + shift).astype(x.dtype, copy=False))

    @staticmethod
    def backward(ctx, grad):
        input, weight = ctx.saved_tensors
        if ctx.training:
            xhat, invstd = _normalized(input, ctx.axes, ctx.eps)
        else:
            invstd = ctx.invstd
            xhat = (input - ctx.mean) * invstd
        w = None if weight is None else weight.reshape(ctx.stat_shape)
        gx = gw = gb = None
        if ctx.needs_input_grad[0]:
            g = grad if w is None else grad * w
            gx = _normalize_backward(g, xhat, invstd, ctx.axes) if ctx.training else g * invstd
        if ctx.needs_input_grad[1]:
            gw = (grad * xhat).sum(ctx.axes)
        if ctx.needs_input_grad[2]:
            gb = grad.sum(ctx.axes)
        return gx, gw, gb, None, None, None, None, None


def _blend(running, batch_stat, momentum):
    """running <- (1 - momentum) * running + momentum * batch_stat, in place."""
    arr = running._arr
    arr[...] = momentum * batch_stat.reshape(arr.shape) + (1 - momentum) * arr
    running._storage.version += 1


class ConstantPadNd(Function):
    """Pad (or, for negative amounts, crop) the last dims: pad = (left, right) pairs from the last
    dim backwards."""

    name_ = "ConstantPadNdBackward0"

    @staticmethod
    def forward(ctx, input, pad, value):
        x = input._arr
        xp = backend.xp_of(x)
        crop = [slice(None)] * x.ndim
        widths = [(0, 0)] * x.ndim
        for i in range(len(pad) // 2):
            dim = x.ndim - 1 - i
            left, right = pad[2 * i], pad[2 * i + 1]
            start, stop = max(-left, 0), x.shape[dim] - max(-right, 0)
            if stop < start:
                raise RuntimeError("narrow(): length must be non-negative.")
            crop[dim] = slice(start, stop)
            widths[dim] = (max(left, 0), max(right, 0))
        ctx.pad = pad
        if not any(w for pair in widths for w in pair):  # only cropping: torch clones the view
            return backend.clone_preserving(x[tuple(crop)])
        out = backend.contiguous(xp.pad(x[tuple(crop)], widths, constant_values=value))
        # torch allocates the result in the input's suggested memory format (channels-last too)
        if backend.is_channels_last(input._shape, input._stride):
            strides = backend.channels_last_strides(out.shape)
            out = Tensor._make(backend.with_strides(out, strides))
            out._stride = strides  # as torch reports them, size-1 dims included
        return out

    @staticmethod
    def backward(ctx, grad):
        return ConstantPadNd.apply(grad, tuple(-p for p in ctx.pad), 0), None, None
