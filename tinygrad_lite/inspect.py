"""The storage explainer: how a tensor's elements map onto its flat storage."""
import itertools

import numpy as np

from . import backend


def explain(t, max_elements=12):
    """A text picture of t's storage, offset, shape and strides, and which cells it covers:
    x[i, j, ...] = storage[offset + stride[0]*i + stride[1]*j + ...]."""
    storage = backend.to_host(t._storage.data)
    shape, stride, offset = t._shape, t._stride, t._offset
    idx_names = "ijklmn"[:len(shape)]
    formula = " + ".join([str(offset)] + [f"{s}*{n}" for s, n in zip(stride, idx_names)])
    lhs = f"x[{', '.join(idx_names)}]" if shape else "x"
    lines = [
        f"tensor: shape={tuple(shape)} stride={tuple(stride)} storage_offset={offset} "
        f"dtype={t.dtype.name} device={t.device}",
        f"storage: {storage.size} elements, shared by this tensor and all of its views"
        + (" (this tensor is a view)" if t._base is not None else ""),
        f"{lhs} = storage[{formula}]",
        f"contiguous: {t.is_contiguous()}" + (
            "  (a stride of 0 repeats one storage cell: expanded)" if 0 in stride and t.numel() > 1 else ""),
    ]
    covered = np.zeros(storage.size, dtype=int)
    rows = []
    for index in itertools.product(*(range(n) for n in shape)):
        pos = offset + sum(i * s for i, s in zip(index, stride))
        covered[pos] += 1
        if len(rows) < max_elements:
            rows.append(f"  x{list(index)} -> storage[{pos}] = {storage[pos].item()!r}")
    cells = " ".join(("#" if c == 1 else str(min(c, 9)) if c else ".") for c in covered[:64])
    lines.append(f"storage cells ('#' covered once, n covered n times, '.' not covered):\n  {cells}"
                 + (" ..." if storage.size > 64 else ""))
    lines.append("element -> storage cell:")
    lines.extend(rows)
    if t.numel() > max_elements:
        lines.append(f"  ... ({t.numel() - max_elements} more)")
    return "\n".join(lines)
