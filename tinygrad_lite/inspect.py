"""The storage explainer: how a tensor's elements map onto its flat storage."""
import numpy as np

from . import backend

_BAR_CELLS = 64  # storage cells drawn in the coverage bar


def _index_names(ndim):
    return list("ijklmn"[:ndim]) if ndim <= 6 else [f"i{d}" for d in range(ndim)]


def storage_positions(shape, stride, offset):
    """The storage cell of every element, in row-major element order: offset + sum(stride[d]*i_d)."""
    positions = np.full(tuple(shape), offset, dtype=np.int64)
    for d, (n, s) in enumerate(zip(shape, stride)):
        positions += (np.arange(n, dtype=np.int64) * s).reshape((n,) + (1,) * (len(shape) - d - 1))
    return positions.reshape(-1)


def _cell_mark(count):
    return "." if count == 0 else "#" if count == 1 else str(count) if count < 10 else "+"


def explain(t, max_elements=12):
    """A text picture of t's storage, offset, shape and strides, and which cells it covers:
    x[i, j, ...] = storage[offset + stride[0]*i + stride[1]*j + ...]."""
    storage = backend.to_host(t._storage.data)
    shape, stride, offset = t._shape, t._stride, t._offset
    names = _index_names(len(shape))
    lhs = f"x[{', '.join(names)}]" if shape else "x"
    symbolic = " + ".join(["storage_offset"] + [f"stride[{d}]*{n}" for d, n in enumerate(names)])
    numeric = " + ".join([str(offset)] + [f"{s}*{n}" for s, n in zip(stride, names)])
    view = " (this tensor is a view of it)" if t._base is not None else ""
    lines = [
        (f"tensor: shape={tuple(shape)} stride={tuple(stride)} storage_offset={offset} "
         f"dtype={t.dtype.name} device={t.device}"),
        (f"storage: {storage.size} element{'s' if storage.size != 1 else ''}, shared by the tensor "
         f"that owns it and all of its views{view}"),
        f"{lhs} = storage[{symbolic}]",
        f"{' ' * len(lhs)} = storage[{numeric}]",
        f"contiguous: {t.is_contiguous()}" + (
            "  (a stride of 0 repeats one storage cell: expanded)" if 0 in stride and t.numel() > 1 else ""),
    ]
    positions = storage_positions(shape, stride, offset)
    counts = np.bincount(positions, minlength=storage.size)
    bar = " ".join(_cell_mark(c) for c in counts[:_BAR_CELLS]) or "(empty)"
    lines.append("storage cells ('#' covered once, n covered n times, '+' 10 or more, '.' not covered):")
    lines.append(f"  {bar}" + (f" ... ({storage.size - _BAR_CELLS} more cells)" if storage.size > _BAR_CELLS else ""))
    lines.append("element -> storage cell:")
    for flat, pos in enumerate(positions[:max_elements].tolist()):
        index = np.unravel_index(flat, shape) if shape else ()
        element = f"x[{', '.join(str(int(i)) for i in index)}]" if shape else "x"
        lines.append(f"  {element} -> storage[{pos}] = {storage[pos].item()!r}")
    if positions.size > max_elements:
        lines.append(f"  ... ({positions.size - max_elements} more)")
    return "\n".join(lines)
