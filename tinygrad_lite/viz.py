"""Computation-graph pictures: make_dot(tensor, params) draws the backward graph as torchviz does.

It returns a `graphviz.Digraph` when the graphviz package is installed, else `Dot`, a small
stand-in with the same `node`/`edge`/`source`/`render` API that writes the same DOT text (and
renders it when the system `dot` binary exists).
"""
import os
import re
import shutil
import subprocess

NODE_ATTR = {"style": "filled", "shape": "box", "align": "left", "fontsize": "10", "ranksep": "0.1",
             "height": "0.2", "fontname": "monospace"}  # torchviz's

_DOT_ID = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*|-?(\.[0-9]+|[0-9]+(\.[0-9]*)?))$")
_DOT_KEYWORDS = {"node", "edge", "graph", "digraph", "subgraph", "strict"}


def _quote(text):
    """A DOT identifier, quoted only when needed (graphviz's rule)."""
    text = str(text)
    if _DOT_ID.match(text) and text.lower() not in _DOT_KEYWORDS:
        return text
    return '"' + re.sub(r'(?<!\\)"', r'\"', text) + '"'


def _attr_list(label=None, attrs=None):
    items = ([f"label={_quote(label)}"] if label is not None else []) + [
        f"{_quote(k)}={_quote(v)}" for k, v in sorted((attrs or {}).items()) if v is not None]
    return f" [{' '.join(items)}]" if items else ""


class Dot:
    """A minimal graphviz.Digraph stand-in: the same DOT text, rendered by the `dot` binary."""

    def __init__(self, node_attr=None, graph_attr=None, filename="Digraph.gv", format="pdf"):
        self.node_attr = dict(node_attr or {})
        self.graph_attr = dict(graph_attr or {})
        self.filename, self.format = filename, format
        self.body = []

    def node(self, name, label=None, **attrs):
        """Add a node."""
        self.body.append(f"\t{_quote(name)}{_attr_list(label, attrs)}\n")

    def edge(self, tail_name, head_name, label=None, **attrs):
        """Add an edge tail_name -> head_name."""
        self.body.append(f"\t{_quote(tail_name)} -> {_quote(head_name)}{_attr_list(label, attrs)}\n")

    @property
    def source(self):
        """The DOT text."""
        head = ["digraph {\n"]
        if self.graph_attr:
            head.append(f"\tgraph{_attr_list(attrs=self.graph_attr)}\n")
        if self.node_attr:
            head.append(f"\tnode{_attr_list(attrs=self.node_attr)}\n")
        return "".join(head + self.body + ["}\n"])

    def save(self, filename=None, directory=None):
        """Write the DOT text to directory/filename and return that path."""
        path = os.path.join(directory or "", filename or self.filename)
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.source)
        return path

    def render(self, filename=None, directory=None, view=False, cleanup=False, format=None):
        """Save the DOT text and run `dot` on it; return the rendered file's path (graphviz's API)."""
        path = self.save(filename, directory)
        if shutil.which("dot") is None:
            raise RuntimeError(f"the graphviz 'dot' program was not found: the graph is saved as DOT "
                               f"text in {path} (apt-get install graphviz to render it)")
        fmt = format or self.format
        out = f"{path}.{fmt}"
        subprocess.run(["dot", f"-T{fmt}", path, "-o", out], check=True)
        if cleanup:
            os.remove(path)
        return out

    def __str__(self):
        return self.source


def _digraph():
    try:
        from graphviz import Digraph
    except ImportError:
        return Dot(node_attr=NODE_ATTR, graph_attr={"size": "12,12"})
    return Digraph(node_attr=NODE_ATTR, graph_attr={"size": "12,12"})


def _size_str(shape):
    return "(" + ", ".join(str(int(v)) for v in shape) + ")"


def _fn_name(fn, show_attrs, max_attr_chars):
    """The node's box text: its grad_fn name and, with show_attrs, what it keeps for backward."""
    name = fn.name().rpartition("::")[2]  # torchviz shows the class name: CopySlices, AccumulateGrad
    attrs = _node_attrs(fn) if show_attrs else {}
    if not attrs:
        return name
    max_attr_chars = max(max_attr_chars, 3)
    key_width = max(len(k) for k in attrs)
    value_width = min(max(len(v) for v in attrs.values()), max_attr_chars)
    rows = [f"{k:<{key_width}}: {_truncate(v, value_width):>{value_width}}" for k, v in attrs.items()]
    return "\n".join([name, "-" * max(key_width + value_width + 2, len(name))] + rows)


def _truncate(text, width):
    return text[:width - 3] + "..." if len(text) > width else text


def _node_attrs(fn):
    """The values a node's forward stored on it for backward (our counterpart of torch's _saved_*)."""
    from .tensor import Tensor
    attrs = {}
    for key, value in sorted(vars(fn).items()):
        if key.startswith("_") or key in ("name_", "needs_input_grad", "next_functions", "variable"):
            continue
        attrs[key] = "[saved tensor]" if isinstance(value, Tensor) else str(value)
    if _saved_tensors(fn):
        attrs["saved_tensors"] = "[saved tensors]"
    return attrs


def _saved_tensors(fn):
    """The tensors `fn` saved for backward (none once backward has freed them)."""
    from .tensor import Tensor
    saved = (getattr(s, "tensor", s) for s in (getattr(fn, "_saved", None) or ()))
    return [t for t in saved if isinstance(t, Tensor)]


def _is_custom(fn):
    """A user's autograd.Function (torchviz always shows their saved tensors)."""
    return not type(fn).__module__.startswith(__name__.split(".")[0] + ".")


def _resize(dot, size_per_element=0.15, min_size=12):
    """torchviz's resize_graph: the picture grows with the number of DOT statements."""
    size = max(min_size, len(dot.body) * size_per_element)
    dot.graph_attr.update(size=f"{size},{size}")


def make_dot(var, params=None, show_attrs=False, show_saved=False, max_attr_chars=50):
    """The backward graph of `var` (a tensor or tuple of tensors) as a Digraph, torchviz-style:
    grey boxes are grad_fn nodes, blue the leaves (named from `params`), green the outputs (dark
    green a view's base), orange saved tensors (always for custom Functions, else with show_saved)."""
    from .autograd.function import AccumulateGrad
    from .tensor import Tensor
    param_map = {id(v): k for k, v in (params or {}).items()}
    dot = _digraph()
    seen = set()

    def var_label(t, name=None):
        return f"{name or param_map.get(id(t), '')}\n {_size_str(t.shape)}"

    def add_nodes(fn):
        if id(fn) in seen:
            return
        seen.add(id(fn))
        custom = _is_custom(fn)
        if show_saved and not custom:
            for i, saved in enumerate(_saved_tensors(fn)):
                seen.add(id(saved))
                dot.edge(str(id(fn)), str(id(saved)), dir="none")
                dot.node(str(id(saved)), var_label(saved, f"saved[{i}]"), fillcolor="orange")
        if isinstance(fn, AccumulateGrad):
            seen.add(id(fn.variable))
            dot.node(str(id(fn.variable)), var_label(fn.variable), fillcolor="lightblue")
            dot.edge(str(id(fn.variable)), str(id(fn)))
        dot.node(str(id(fn)), _fn_name(fn, show_attrs, max_attr_chars))
        for child, _ in fn.next_functions:
            if child is not None:
                dot.edge(str(id(child)), str(id(fn)))
                add_nodes(child)
        if custom:
            for saved in _saved_tensors(fn):
                seen.add(id(saved))
                dot.edge(str(id(saved)), str(id(fn)), dir="none")
                dot.node(str(id(saved)), var_label(saved), fillcolor="orange")

    def add_base_tensor(t, color="darkolivegreen1"):
        if id(t) in seen:
            return
        seen.add(id(t))
        dot.node(str(id(t)), var_label(t), fillcolor=color)
        if t.grad_fn is not None:
            add_nodes(t.grad_fn)
            dot.edge(str(id(t.grad_fn)), str(id(t)))
        if t._base is not None:
            add_base_tensor(t._base, color="darkolivegreen3")
            dot.edge(str(id(t._base)), str(id(t)), style="dotted")

    for t in (var if isinstance(var, tuple) else (var,)):
        if not isinstance(t, Tensor):
            raise TypeError(f"make_dot expects a tensor or a tuple of tensors, got {type(t).__name__}")
        add_base_tensor(t)
    _resize(dot)
    return dot
