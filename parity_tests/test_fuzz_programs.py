"""Differential fuzzing: a hypothesis state machine writes random programs (a pool of tensors, ops
drawn from the op table, views, in-place updates under no_grad, backward from random scalar
reductions) and runs them step by step on both engines. After every step the pools must agree:
values (down to the sign of exact zeros), dtypes, shapes, strides, requires_grad, grad_fn names,
the leaves' gradients, and the exception types of steps that fail.

Ops with steps or kinks (floor, sign, clamp, max...) are left out: a one-ulp difference in an
earlier transcendental could legitimately move a value across the step. The op table's own tests
cover them.

Backward runs only through graphs recorded after the last in-place update: which tensors a node
saves (and so which later writes make its backward fail) is checked by the dedicated tests of
test_autograd_semantics.py, not op by op here.
"""
import os

import numpy as np
import torch
from helpers import Raised, assert_same, assert_same_exception, assert_same_zero_signs, call, make_tensor
from hypothesis import Phase, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)
from op_table import NO_EXTRAS, TABLE
from strategies import REAL, arrays, shapes

import tinygrad_lite as tl

_DISCONTINUOUS = {"floor", "ceil", "round", "trunc", "sign", "remainder", "fmod", "index",
                  "to"}  # "to" would mix in float32, whose rounding differs by design
FUZZ_OPS = [op for op in TABLE if not op.ties and not op.variadic and op.name not in _DISCONTINUOUS
            and 1 <= len(op.domains) <= 2]
MAX_POOL = 12
# the sign of an exact zero these return comes from the BLAS kernel's summation (torch's mm gives
# -0.0 for a (2,1) @ (1,2) product of zeros where OpenBLAS via NumPy gives +0.0): not part of the
# promise, so their zeros enter the pool as +0.0 on both sides
_BLAS = {"matmul", "mm", "bmm", "mv", "dot", "inner"}


class ProgramMachine(RuleBasedStateMachine):
    """Pool entries are (ours, torch's) tensor pairs; leaves are remembered for their grads."""

    pool = Bundle("pool")

    @initialize(target=pool, shape=shapes(max_dims=3, max_side=3, allow_empty=False), data=st.data())
    def make_leaf(self, shape, data):
        self.leaves, self.pairs, self.updates, self.recorded = [], [], 0, {}
        return self._leaf(shape, data)

    def _leaf(self, shape, data):
        values = data.draw(arrays(shape, REAL), label="leaf values")
        pair = tuple(make_tensor(m, values, "float64", requires_grad=True) for m in (tl, torch))
        self.leaves.append(pair)
        return self._add(pair, float("inf"))

    def _add(self, pair, recorded):
        """Keep a pair; `recorded` is the update count when the oldest node of its graph was
        made (infinite for a leaf, which saves nothing)."""
        self.pairs.append(pair)
        self.recorded[id(pair)] = recorded
        return pair

    @precondition(lambda self: len(self.pairs) < MAX_POOL)
    @rule(target=pool, shape=shapes(max_dims=3, max_side=3, allow_empty=False), data=st.data())
    def another_leaf(self, shape, data):
        return self._leaf(shape, data)

    @precondition(lambda self: len(self.pairs) < MAX_POOL)
    @rule(target=pool, x=pool, y=pool, data=st.data())
    def apply_op(self, x, y, data):
        """An op of the table on pool tensors (a second float input taken from the pool, a
        mask input made from one); its extra arguments drawn for those shapes."""
        op = data.draw(st.sampled_from(FUZZ_OPS), label="op")
        spelling = op.spellings[data.draw(st.sampled_from(sorted(op.spellings)), label="spelling")]
        picked = [x, y][:len(op.domains)]
        shapes_ = tuple(tuple(p[1].shape) for p in picked)
        try:
            call_ = data.draw(op.extras(shapes_), label="extras") if spelling.extras else None
        except (IndexError, ValueError, InvalidArgument):  # they need a dim this shape lacks
            return x

        def run(i, m):
            inputs = [p[i] > 0 if d.kind == "bool" else p[i] for p, d in zip(picked, op.domains)]
            return spelling.fn(m, inputs, call_ or NO_EXTRAS)
        ours, theirs = call(run, 0, tl), call(run, 1, torch)
        what = f"{spelling.name} on {shapes_} with {call_}"
        if isinstance(ours, Raised) or isinstance(theirs, Raised):
            assert_same_exception(ours, theirs, what)
            return x
        assert_same(ours, theirs, what=what)
        if isinstance(theirs, (tuple, list)):
            if not theirs:  # (unbind along an empty dim)
                return x
            ours, theirs = ours[0], theirs[0]
        if not isinstance(theirs, torch.Tensor) or not theirs.dtype.is_floating_point:
            return x
        if op.name in _BLAS:
            for t in (ours, theirs):
                t.data.add_(0.0)  # -0.0 + 0.0 = +0.0; .data: no version bump in either engine
        return self._add((ours, theirs), min([self.updates] + [self.recorded[id(p)] for p in picked]))

    @rule(x=pool, value=st.sampled_from([0.5, -2.0, 1.25]), how=st.sampled_from(["mul_", "add_", "copy"]))
    def update_under_no_grad(self, x, value, how):
        """An optimizer-like in-place write under no_grad (it bumps the version of saved tensors)."""
        def write(m, t):
            with m.no_grad():
                if how == "copy":
                    t.copy_(t * value)
                else:
                    getattr(t, how)(value)
        outcomes = [call(write, m, t) for m, t in zip((tl, torch), x)]
        if any(isinstance(o, Raised) for o in outcomes):
            assert_same_exception(*outcomes, what=f"no_grad {how}({value})")
        self.updates += 1

    @rule(x=pool, data=st.data(), retain=st.booleans())
    def backward(self, x, data, retain):
        """Backward from a random weighted sum of a pool tensor."""
        if not x[1].requires_grad or self.recorded[id(x)] < self.updates:
            return
        weights = data.draw(arrays(tuple(x[1].shape), REAL), label="weights")

        def run(m, t):
            (t * make_tensor(m, weights, str(t.dtype).rsplit(".", 1)[1])).sum().backward(retain_graph=retain)
        outcomes = [call(run, m, t) for m, t in zip((tl, torch), x)]
        if any(isinstance(o, Raised) for o in outcomes):
            assert_same_exception(*outcomes, what="backward")
            # what a backward that fails midway leaves in .grad depends on the order the engine
            # ran the nodes in: start the leaves afresh
            self.zero_grads()

    @rule()
    def zero_grads(self):
        for pair in self.leaves:
            for t in pair:
                t.grad = None

    @precondition(lambda self: hasattr(self, "leaves"))
    @invariant()
    def engines_agree(self):
        for i, (ours, theirs) in enumerate(self.pairs):
            assert_same(ours, theirs, n=theirs.numel(), what=f"pool tensor {i}")
            assert_same_zero_signs(ours, theirs, what=f"pool tensor {i}")
        for ours, theirs in self.leaves:
            assert (ours.grad is None) == (theirs.grad is None), "a leaf's grad is None in one engine"
            if theirs.grad is not None:
                assert_same(ours.grad, theirs.grad, n=theirs.numel(), what="leaf grad",
                            autograd=False, layout=False)


# FUZZ_EXAMPLES overrides the profile's count (the 10^4-program run:
# HYPOTHESIS_PROFILE=thorough FUZZ_EXAMPLES=10000 pytest parity_tests/test_fuzz_programs.py);
# FUZZ_SHRINK=1 shrinks a failing program (off by default: a long program shrinks for minutes)
_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", max(10, settings.default.max_examples // 2)))
ProgramMachine.TestCase.settings = settings(max_examples=_EXAMPLES,
                                            stateful_step_count=25, deadline=None,
                                            phases=[Phase.explicit, Phase.reuse, Phase.generate]
                                            + ([Phase.shrink] if os.environ.get("FUZZ_SHRINK") else []))
TestProgramMachine = ProgramMachine.TestCase


def test_fuzz_pool_has_ops():
    """The fuzzer draws from a real slice of the table (guards the filter above)."""
    assert len(FUZZ_OPS) > 40
    assert not np.isin(["floor", "clamp", "max"], [op.name for op in FUZZ_OPS]).any()
