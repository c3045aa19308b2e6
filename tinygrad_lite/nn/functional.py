"""torch.nn.functional: activations, linear/embedding/normalisation, dropout, padding and losses.

Composites are written from differentiable tensor ops; the ops that are nodes of their own in
torch (their grad_fn names show) are Functions in `_functions`.
"""
import math
import warnings

from .. import backend
from .. import dtypes as _dt
from ..autograd.grad_mode import is_grad_enabled, no_grad
from ..creation import arange, zeros
from ..ops import activation as _A
from ..tensor import Tensor, _broadcast_shape
from . import _functions as _F

__all__ = [
    "batch_norm",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "dropout",
    "elu",
    "embedding",
    "gelu",
    "hardtanh",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "layer_norm",
    "leaky_relu",
    "linear",
    "log_softmax",
    "mse_loss",
    "nll_loss",
    "normalize",
    "one_hot",
    "pad",
    "relu",
    "relu6",
    "relu_",
    "sigmoid",
    "silu",
    "smooth_l1_loss",
    "softmax",
    "softplus",
    "tanh",
]


def _activation(fn, input, inplace, *args, inplace_name=None):
    """fn(input, *args), or written into input. In place, fn reads a copy of the input when
    autograd will need it, since its node saves the input that the write overwrites."""
    if not inplace:
        return fn(input, *args)
    source = input.clone() if input.requires_grad and is_grad_enabled() else input
    out = input._inplace(fn(source, *args))
    if inplace_name is not None and out.grad_fn is not None:
        out.grad_fn.name_ = inplace_name  # torch's in-place variant is a node of its own name
    return out


# activations -------------------------------------------------------------------------------
def relu(input, inplace=False):
    """max(x, 0)."""
    return input.relu_() if inplace else input.relu()


def relu_(input):
    return input.relu_()


def relu6(input, inplace=False):
    """min(max(x, 0), 6)."""
    return hardtanh(input, 0.0, 6.0, inplace)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """x clamped to [min_val, max_val] (gradient 0 outside the open interval)."""
    return _activation(_A.Hardtanh.apply, input, inplace, min_val, max_val)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """x for x > 0, negative_slope * x otherwise."""
    return _activation(_A.LeakyRelu.apply, input, inplace, negative_slope, inplace_name="LeakyReluBackward1")


def elu(input, alpha=1.0, inplace=False):
    """x for x > 0, alpha * (exp(x) - 1) otherwise."""
    return _activation(_A.Elu.apply, input, inplace, alpha, inplace_name="EluBackward1")


def gelu(input, approximate="none"):
    """x * Phi(x), or its tanh approximation."""
    return _A.Gelu.apply(input, approximate)


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + exp(beta x)) / beta, linear where beta x > threshold."""
    return _A.Softplus.apply(input, beta, threshold)


def silu(input, inplace=False):
    """x * sigmoid(x)."""
    return _activation(_F.Silu.apply, input, inplace)


def sigmoid(input):
    return input.sigmoid()


def tanh(input):
    return input.tanh()


def _softmax_dim(name, ndim, stacklevel):
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to "
                  "include dim=X as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """exp(x) / sum(exp(x)) along dim."""
    if dim is None:
        dim = _softmax_dim("softmax", input.ndim, _stacklevel)
    return input.softmax(dim, dtype=dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """x - logsumexp(x) along dim."""
    if dim is None:
        dim = _softmax_dim("log_softmax", input.ndim, _stacklevel)
    return input.log_softmax(dim, dtype=dtype)


# layers ------------------------------------------------------------------------------------
def linear(input, weight, bias=None):
    """input @ weight.T + bias, decomposed as torch does (so grad_fn names match)."""
    if input.ndim == 0 or weight.ndim == 0:
        raise RuntimeError(f"both arguments to linear need to be at least 1D, but they are "
                           f"{input.ndim}D and {weight.ndim}D")
    weight_t = weight.t()
    if bias is not None:
        if input.ndim == 2:
            return _F.Addmm.apply(bias, input, weight_t)
        if input.is_contiguous() and bias.ndim == 1 and bias.is_contiguous():
            # fold the leading dims into one matrix (its size given: -1 fails on empty inputs)
            out = _F.Addmm.apply(bias, input.reshape(input.shape[:-1].numel(), input.shape[-1]),
                                 weight_t)
            return out.view(input.shape[:-1] + (out.shape[-1],))
    out = input.matmul(weight_t)
    return out if bias is None else out + bias


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    """Rows of `weight` picked by the integer `input`; the padding row gets no gradient."""
    if sparse:
        raise NotImplementedError("sparse gradients are not supported by tinygrad_lite")
    if weight.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    if padding_idx is None:
        padding_idx = -1
    elif not -weight.shape[0] <= padding_idx < weight.shape[0]:
        raise AssertionError("Padding_idx must be within num_embeddings")
    elif padding_idx < 0:
        padding_idx += weight.shape[0]
    if max_norm is not None:
        _embedding_renorm_(weight, input, max_norm, norm_type)
    return _F.Embedding.apply(weight, input, padding_idx, scale_grad_by_freq)


def _embedding_renorm_(weight, input, max_norm, norm_type):
    """Scale (in place, untracked) the looked-up rows whose norm exceeds max_norm."""
    rows = Tensor._make(backend.xp_of(input._arr).unique(input._arr))
    with no_grad():
        picked = weight.index_select(0, rows)
        norms = picked.norm(norm_type, 1)
        scale = (max_norm / (norms + 1e-7)).where(norms > max_norm, norms.new_ones(()))
        weight[rows] = picked * scale.unsqueeze(1)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the trailing `normalized_shape` dims (biased variance), then scale and shift."""
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    normalized_shape = tuple(normalized_shape)
    k = len(normalized_shape)
    if input.shape[input.ndim - k:] != normalized_shape or input.ndim < k:
        raise RuntimeError(f"Given normalized_shape={list(normalized_shape)}, expected input with shape "
                           f"[*, {', '.join(map(str, normalized_shape))}], but got input of size"
                           f"{list(input.shape)}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != normalized_shape:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but got {name} "
                               f"of shape {list(t.shape)} and normalized_shape = {list(normalized_shape)}")
    return _F.LayerNorm.apply(input, normalized_shape, weight, bias, eps)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1,
               eps=1e-5):
    """Normalise each channel (dim 1) by the batch's statistics (training, which also updates the
    running ones) or by the running statistics."""
    if training:
        size = input.shape
        per_channel = size[0]
        for s in size[2:]:
            per_channel *= s
        if per_channel == 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size {size}")
        if eps <= 0.0:
            raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    elif eps < 0.0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    if not training:
        for name, t in (("running_mean", running_mean), ("running_var", running_var)):
            if t is None:
                raise RuntimeError(f"{name} must be defined in evaluation mode")
    channels = input.shape[1] if input.ndim > 1 else 0
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        if t is not None and t.numel() != channels:
            raise RuntimeError(f"{name} should contain {channels} elements not {t.numel()}")
    return _F.BatchNorm.apply(input, weight, bias, running_mean, running_var, training, momentum, eps)


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability p and scale the rest by 1 / (1 - p) (training only)."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if p == 0 or not training or input.numel() == 0:
        return input
    if p == 1:
        noise = zeros((), dtype=input.dtype, device=input.device)
    else:  # torch's CPU order: draw the keep-mask (laid out like input), then scale it
        noise = input._empty_like_layout().bernoulli_(1 - p)
        noise.div_(1 - p)
    return input.mul_(noise) if inplace else input * noise


# tensors -----------------------------------------------------------------------------------
def one_hot(tensor, num_classes=-1):
    """int64 one-hot encoding along a new last dim."""
    if tensor.dtype is not _dt.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if num_classes == -1:
        if tensor.numel() == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(tensor.max().item()) + 1
    if tensor.numel():
        if int(tensor.min().item()) < 0:
            raise RuntimeError("Class values must be non-negative.")
        if int(tensor.max().item()) >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    return (tensor.unsqueeze(-1) == arange(num_classes, device=tensor.device)).long()


def pad(input, pad, mode="constant", value=None):
    """Pad the last len(pad) // 2 dims by (left, right) pairs, last dim first (constant mode)."""
    if mode != "constant":
        raise NotImplementedError(f"pad mode '{mode}' is not supported by tinygrad_lite")
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.ndim:
        raise RuntimeError("Padding length should be less than or equal to two times the input dimension "
                           f"but got padding length {len(pad)} and input of dimension {input.ndim}")
    return _F.ConstantPadNd.apply(input, pad, 0 if value is None else value)


def normalize(input, p=2.0, dim=1, eps=1e-12):
    """input / max(||input||_p along dim, eps)."""
    return input / input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)


# losses ------------------------------------------------------------------------------------
def _legacy_reduction(size_average, reduce):
    """Map the deprecated size_average/reduce pair to a reduction string, warning as torch does."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    reduction = ("mean" if size_average else "sum") if reduce else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{reduction}' "
                  "instead.", stacklevel=3)
    return reduction


def _reduction(size_average, reduce, reduction):
    if size_average is not None or reduce is not None:
        return _legacy_reduction(size_average, reduce)
    if reduction == "elementwise_mean":
        warnings.warn("reduction='elementwise_mean' is deprecated. Please use reduction='mean' instead.",
                      stacklevel=3)
        return "mean"
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    return loss.sum() if reduction == "sum" else loss


def _broadcast_pair(input, target):
    """Warn (as torch) when target's size differs from input's, then broadcast both."""
    if target.shape != input.shape:
        warnings.warn(f"Using a target size ({target.size()}) that is different to the input size "
                      f"({input.size()}). This will likely lead to incorrect results due to broadcasting. "
                      "Please ensure they have the same size.", stacklevel=3)
        shape = _broadcast_shape(input.shape, target.shape)
        return input.expand(shape), target.expand(shape)
    return input, target


def _weighted(loss_none, weight, input, reduction, mean_by_weight):
    """A per-element loss times `weight` (same size as input), reduced as torch's weighted forms."""
    if weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    loss = loss_none * weight
    if reduction == "mean" and mean_by_weight:
        return loss.sum() / weight.sum()
    return _reduce(loss, reduction)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """(input - target)^2, reduced."""
    input, target = _broadcast_pair(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    if weight is not None:
        return _weighted((input - target).pow(2), weight, input, reduction, True)
    return _F.MseLoss.apply(input, target, reduction, None)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """|input - target|, reduced."""
    input, target = _broadcast_pair(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    if weight is not None:
        return _weighted((input - target).abs(), weight, input, reduction, True)
    return _reduce((input - target).abs(), reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = input - target); l1 for beta 0."""
    input, target = _broadcast_pair(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    if beta == 0.0:
        return _reduce((input - target).abs(), reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    return _F.SmoothL1Loss.apply(input, target, reduction, beta)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta) (d = input - target)."""
    input, target = _broadcast_pair(input, target)
    reduction = _reduction(None, None, reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    if weight is not None:
        return _weighted(_F.HuberLoss.apply(input, target, "none", delta), weight, input, reduction, False)
    return _F.HuberLoss.apply(input, target, reduction, delta)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """-w (y log x + (1 - y) log(1 - x)), each log clamped at -100."""
    reduction = _reduction(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise ValueError(f"Using a target size ({target.size()}) that is different to the input size "
                         f"({input.size()}) is deprecated. Please ensure they have the same size.")
    if weight is not None:
        weight = weight.expand(_broadcast_shape(tuple(target.shape), tuple(weight.shape)))
    return _F.BinaryCrossEntropy.apply(input, target, weight, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """binary_cross_entropy(sigmoid(input), target), computed stably from the logits."""
    reduction = _reduction(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.size()}) must be the same as input size ({input.size()})")
    return _F.BinaryCrossEntropyWithLogits.apply(input, target, weight, pos_weight, reduction)


def _check_class_target(input, target, weight):
    if input.ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.ndim})")
    if input.ndim != 1 and input.shape[0] != (target.shape[0] if target.ndim else 0):
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
                         f"({target.shape[0] if target.ndim else 0}).")
    n_classes = input.shape[0 if input.ndim == 1 else 1]
    if weight is not None and (weight.ndim != 1 or weight.numel() != n_classes):
        raise RuntimeError(f"weight tensor should be defined either for all {n_classes} classes or no "
                           f"classes but got weight tensor of shape: {list(weight.shape)}")
    if input.ndim == 1:
        if target.ndim == 1 and target.shape[0] != 1:
            raise ValueError("For 1D input, 1D target must have size 1, but got target size: "
                             f"{target.shape[0]}")
        if target.ndim > 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    elif input.ndim == 2:
        if target.ndim != 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    elif input.ndim == 4:
        if target.ndim != 3:
            raise RuntimeError("only batches of spatial targets supported (3D tensors) but got targets of "
                               f"dimension: {target.ndim}")
        if target.shape[1:] != input.shape[2:]:
            raise RuntimeError(f"size mismatch (got input: {list(input.shape)} , target: "
                               f"{list(target.shape)}")
    elif target.shape[1:] != input.shape[2:]:
        raise RuntimeError(f"Expected target size {[input.shape[0]] + list(input.shape[2:])}, got "
                           f"{list(target.shape)}")
    if target.dtype not in (_dt.int64, _dt.uint8):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {_F.type_name(target.dtype)}")


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    """-input[n, target[n]] * weight[target[n]]; 'mean' divides by the sum of the targets' weights."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_class_target(input, target, weight)
    if input.ndim == 1 and target.ndim == 1:
        target = target.reshape(())
    out = _F.NllLoss.apply(input, target, weight, reduction, ignore_index)
    if reduction == "none" and (input.ndim == 3 or input.ndim > 4):
        out = out.view(out.shape)  # torch computes these through a reshaped 4-D input, then a view
    return out


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """nll_loss(log_softmax(input, class dim), target) for class indices; -sum(target * log_softmax)
    for class probabilities (target shaped like input)."""
    reduction = _reduction(size_average, reduce, reduction)
    class_dim = 0 if input.ndim == 1 else 1
    if label_smoothing > 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing:g}")
    if input.shape == target.shape:
        if not target.is_floating_point():
            raise RuntimeError("Expected floating point type for target with class probabilities, got "
                               + _F.type_name(target.dtype))
        if ignore_index >= 0:
            raise RuntimeError("ignore_index is not supported for floating point target")
        return _cross_entropy_probs(input, target, weight, reduction, label_smoothing, class_dim)
    log_probs = input.log_softmax(class_dim)
    nll = nll_loss(log_probs, target, weight, None, ignore_index, None, reduction)
    if label_smoothing <= 0.0:
        return nll
    # label smoothing: mix in the loss against the uniform distribution over classes
    n_classes = input.shape[class_dim]
    if weight is not None:
        smooth = -(log_probs * _class_view(weight, input.ndim, class_dim)).sum(class_dim)
    else:
        smooth = -log_probs.sum(class_dim)
    ignored = target == ignore_index
    smooth = smooth.masked_fill(ignored, 0.0)
    if reduction == "mean":
        kept = ~ignored
        denom = weight.gather(0, target[kept].flatten()).sum() if weight is not None else kept.sum()
        smooth = smooth.sum() / denom
    else:
        smooth = _reduce(smooth, reduction)
    return (1 - label_smoothing) * nll + smooth * _per_class(label_smoothing, n_classes)


def _per_class(label_smoothing, n_classes):
    """label_smoothing / n_classes in C++ double arithmetic (inf with no class, as torch)."""
    return label_smoothing / n_classes if n_classes else math.inf


def _class_view(weight, ndim, class_dim):
    """weight (C,) shaped to broadcast along the class dim of an ndim input."""
    return weight.view([weight.shape[0] if d == class_dim else 1 for d in range(ndim)])


def _cross_entropy_probs(input, target, weight, reduction, label_smoothing, class_dim):
    n_classes = input.shape[class_dim]
    if weight is not None and (weight.ndim != 1 or weight.numel() != n_classes):
        raise RuntimeError(f"cross_entropy: weight tensor should be defined either for all {n_classes} "
                           f"classes or no classes but got weight tensor of shape: {list(weight.shape)}")
    log_probs = input.log_softmax(class_dim)
    if label_smoothing > 0.0:
        target = target * (1 - label_smoothing) + _per_class(label_smoothing, n_classes)
    prod = log_probs * target
    if weight is not None:
        prod = prod * _class_view(weight, input.ndim, class_dim)
    if reduction == "none":
        return -prod.sum(class_dim)
    total = -prod.sum()
    if reduction == "sum":
        return total
    if not input.numel():  # torch: -(sum).fill_(nan)
        return -(prod.sum().fill_(float("nan")))
    out = total / (input.numel() // n_classes)
    if out.grad_fn is not None:
        out.grad_fn.name_ = "DivBackward1"  # torch divides by an integer Scalar here
    return out


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """target * (log target - input) (input is log-probabilities); 'batchmean' divides by the batch."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    elif reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support "
                      "size.'batchmean' divides only by the batch size, and aligns with the KL div math "
                      "definition.'mean' will be changed to behave the same as 'batchmean' in the next "
                      "major release.", stacklevel=2)
    if log_target:
        loss = target.exp() * (target - input)
    else:  # xlogy(target, target): 0 where target is 0
        loss = target.xlogy(target) - target * input
    if reduction == "batchmean":
        return loss.sum() / input.shape[0] if input.ndim else loss.sum()
    return _reduce(loss, _reduction(None, None, reduction))
