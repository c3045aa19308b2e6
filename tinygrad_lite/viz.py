"""Computation-graph pictures: make_dot(tensor, params) as torchviz draws them.

Returns a `graphviz.Digraph` when the graphviz package is installed, else a small stand-in with the
same `node`/`edge`/`source`/`render` API that writes plain DOT (and SVG/PNG when the system `dot`
binary exists).
"""
import os
import shutil
import subprocess

NODE_ATTR = dict(style="filled", shape="box", align="left", fontsize="10", ranksep="0.1",
                 height="0.2", fontname="monospace")


class Dot:
    """A minimal graphviz.Digraph stand-in: enough to build, print and render a graph."""

    def __init__(self, node_attr=None, graph_attr=None):
        self.node_attr = dict(node_attr or {})
        self.graph_attr = dict(graph_attr or {})
        self.body = []

    @staticmethod
    def _attrs(attrs):
        return " ".join(f'{k}="{v}"' if k != "label" else f'{k}="{_escape(v)}"'
                        for k, v in attrs.items())

    def node(self, name, label=None, **attrs):
        if label is not None:
            attrs = {"label": label, **attrs}
        self.body.append(f"\t{name} [{self._attrs(attrs)}]" if attrs else f"\t{name}")

    def edge(self, tail, head, **attrs):
        self.body.append(f"\t{tail} -> {head}" + (f" [{self._attrs(attrs)}]" if attrs else ""))

    @property
    def source(self):
        lines = ["digraph {"]
        if self.graph_attr:
            lines.append(f"\tgraph [{self._attrs(self.graph_attr)}]")
        if self.node_attr:
            lines.append(f"\tnode [{self._attrs(self.node_attr)}]")
        return "\n".join(lines + self.body + ["}"]) + "\n"

    def render(self, filename="graph", directory=None, format="svg", cleanup=False, **_):
        """Write `filename` (DOT) and, if the `dot` binary exists, `filename.format`."""
        path = os.path.join(directory, filename) if directory else filename
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        with open(path, "w") as f:
            f.write(self.source)
        if shutil.which("dot") is None:
            return path
        out = f"{path}.{format}"
        subprocess.run(["dot", f"-T{format}", path, "-o", out], check=True)
        if cleanup:
            os.remove(path)
        return out

    def __str__(self):
        return self.source


def _escape(text):
    return str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _digraph():
    try:
        from graphviz import Digraph
        return Digraph(node_attr=NODE_ATTR, graph_attr=dict(size="12,12"))
    except ImportError:
        return Dot(node_attr=NODE_ATTR, graph_attr=dict(size="12,12"))


def _size_str(shape):
    return "(" + ", ".join(str(int(v)) for v in shape) + ")"


def _fn_name(fn):
    return "AccumulateGrad" if hasattr(fn, "variable") else fn.name()


def make_dot(var, params=None, show_attrs=False, show_saved=False, max_attr_chars=50):
    """The backward graph of `var` (a tensor or tuple of tensors) as a Digraph, torchviz-style:
    blue boxes are leaves (named from `params`), green the outputs, grey the grad_fn nodes;
    with show_saved, orange boxes are the tensors each node saved for backward."""
    from .tensor import Tensor
    param_map = {id(v): k for k, v in (params or {}).items()}
    dot = _digraph()
    seen = set()

    def var_label(t, name=None):
        name = name if name is not None else param_map.get(id(t), "")
        return f"{name}\n {_size_str(t.shape)}"

    def add_nodes(fn):
        if id(fn) in seen:
            return
        seen.add(id(fn))
        if hasattr(fn, "variable"):
            leaf = fn.variable
            seen.add(id(leaf))
            dot.node(str(id(leaf)), var_label(leaf), fillcolor="lightblue")
            dot.edge(str(id(leaf)), str(id(fn)))
        dot.node(str(id(fn)), _fn_name(fn))
        if show_saved:
            for i, saved in enumerate(_saved(fn)):
                sid = f"{id(fn)}_saved{i}"
                dot.node(sid, f"[saved tensor]\n {_size_str(saved.shape)}", fillcolor="orange")
                dot.edge(sid, str(id(fn)), dir="none")
        for child, _ in getattr(fn, "next_functions", ()):
            if child is not None:
                dot.edge(str(id(child)), str(id(fn)))
                add_nodes(child)

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

    for t in (var if isinstance(var, (tuple, list)) else (var,)):
        if isinstance(t, Tensor):
            add_base_tensor(t)
    return dot


def _saved(fn):
    from .tensor import Tensor
    saved = getattr(fn, "_saved", None) or ()
    out = []
    for s in saved:
        t = getattr(s, "tensor", s)
        if isinstance(t, Tensor):
            out.append(t)
    return out
