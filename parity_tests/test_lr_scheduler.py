"""Learning-rate schedulers against torch.optim.lr_scheduler: the lr sequences (compared exactly:
both compute them with the same Python float arithmetic), state_dicts, warnings and errors."""
import math
import warnings

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_lite as tl

EPOCHS = 40


def make_optimizer(lib, lrs=(0.1, 0.05)):
    groups = [{"params": [lib.zeros(2, requires_grad=True)], "lr": lr} for lr in lrs]
    return lib.optim.SGD(groups, lr=0.1, momentum=0.9)


def lr_sequence(lib, make_schedulers, epochs=EPOCHS, metrics=None):
    """Build the schedulers on a 2-group optimizer and record every group's lr and each
    scheduler's get_last_lr() after every epoch."""
    opt = make_optimizer(lib)
    schedulers = make_schedulers(lib.optim.lr_scheduler, opt)
    seen = [[g["lr"] for g in opt.param_groups]]
    for epoch in range(epochs):
        opt.step()
        for s in schedulers:
            if metrics is None:
                s.step()
            else:
                s.step(metrics[epoch])
        seen.append([g["lr"] for g in opt.param_groups] + [s.get_last_lr() for s in schedulers])
    return seen, schedulers


def assert_same_sequence(make_schedulers, **kwargs):
    ours, ours_s = lr_sequence(tl, make_schedulers, **kwargs)
    ref, ref_s = lr_sequence(torch, make_schedulers, **kwargs)
    assert ours == ref
    for a, b in zip(ours_s, ref_s):
        assert comparable(a.state_dict()) == comparable(b.state_dict())


def comparable(state):
    """A scheduler state_dict with the function objects (LambdaLR) dropped."""
    if isinstance(state, dict):
        return {k: comparable(v) for k, v in state.items() if not callable(v)}
    if isinstance(state, list):
        return [comparable(v) for v in state]
    return state


SCHEDULERS = {
    "StepLR": lambda: st.builds(lambda n, g: lambda m, o: [m.StepLR(o, step_size=n, gamma=g)],
                                st.integers(1, 7), st.sampled_from([0.1, 0.5, 0.9])),
    "MultiStepLR": lambda: st.builds(
        lambda ms, g: lambda m, o: [m.MultiStepLR(o, milestones=ms, gamma=g)],
        st.lists(st.integers(1, EPOCHS), max_size=5), st.sampled_from([0.1, 0.5])),
    "ExponentialLR": lambda: st.builds(lambda g: lambda m, o: [m.ExponentialLR(o, gamma=g)],
                                       st.sampled_from([0.9, 0.99, 0.5])),
    "CosineAnnealingLR": lambda: st.builds(
        lambda t, e: lambda m, o: [m.CosineAnnealingLR(o, T_max=t, eta_min=e)],
        st.integers(1, 15), st.sampled_from([0.0, 1e-3])),
    "LambdaLR": lambda: st.builds(
        lambda k: lambda m, o: [m.LambdaLR(o, [lambda e: 0.95 ** e, lambda e: 1 / (1 + k * e)])],
        st.sampled_from([0.1, 0.5])),
    "MultiplicativeLR": lambda: st.builds(
        lambda f: lambda m, o: [m.MultiplicativeLR(o, lambda e: f)], st.sampled_from([0.9, 0.97])),
    "ConstantLR": lambda: st.builds(
        lambda f, n: lambda m, o: [m.ConstantLR(o, factor=f, total_iters=n)],
        st.sampled_from([0.25, 0.5]), st.integers(1, 8)),
    "LinearLR": lambda: st.builds(
        lambda a, b, n: lambda m, o: [m.LinearLR(o, start_factor=a, end_factor=b, total_iters=n)],
        st.sampled_from([0.1, 1 / 3]), st.sampled_from([1.0, 0.5]), st.integers(1, 10)),
    "PolynomialLR": lambda: st.builds(
        lambda n, p: lambda m, o: [m.PolynomialLR(o, total_iters=n, power=p)],
        st.integers(1, 20), st.sampled_from([1.0, 2.0, 0.5])),
}


@settings(deadline=None)
@given(data=st.data(), name=st.sampled_from(sorted(SCHEDULERS)))
def test_lr_sequence(data, name):
    assert_same_sequence(data.draw(SCHEDULERS[name]()))


@settings(deadline=None)
@given(first=st.sampled_from(sorted(SCHEDULERS)), second=st.sampled_from(sorted(SCHEDULERS)),
       data=st.data())
def test_two_schedulers_on_one_optimizer(first, second, data):
    a, b = data.draw(SCHEDULERS[first]()), data.draw(SCHEDULERS[second]())
    assert_same_sequence(lambda m, o: a(m, o) + b(m, o))


def test_chained_scheduler():
    assert_same_sequence(lambda m, o: [m.ChainedScheduler(
        [m.ConstantLR(o, factor=0.1, total_iters=3), m.ExponentialLR(o, gamma=0.9),
         m.CosineAnnealingLR(o, T_max=7)])])


@pytest.mark.parametrize("milestones", [[5], [3, 10]])
def test_sequential_lr(milestones):
    def make(m, o):
        parts = [m.LinearLR(o, start_factor=0.1, total_iters=5), m.CosineAnnealingLR(o, T_max=8),
                 m.ExponentialLR(o, gamma=0.9)][:len(milestones) + 1]
        return [m.SequentialLR(o, parts, milestones=milestones)]
    assert_same_sequence(make)


@settings(deadline=None)
@given(mode=st.sampled_from(["min", "max"]), threshold_mode=st.sampled_from(["rel", "abs"]),
       factor=st.sampled_from([0.1, 0.5]), patience=st.integers(0, 4),
       threshold=st.sampled_from([1e-4, 0.05]), cooldown=st.integers(0, 3),
       min_lr=st.sampled_from([0, 1e-3, [1e-3, 0.02]]), eps=st.sampled_from([1e-8, 1e-2]),
       metrics=st.lists(st.sampled_from([1.0, 0.99, 0.9, 0.5, 1.1, 0.95]), min_size=EPOCHS,
                        max_size=EPOCHS))
def test_reduce_lr_on_plateau(mode, threshold_mode, factor, patience, threshold, cooldown,
                              min_lr, eps, metrics):
    def make(m, o):
        return [m.ReduceLROnPlateau(o, mode=mode, factor=factor, patience=patience,
                                    threshold=threshold, threshold_mode=threshold_mode,
                                    cooldown=cooldown, min_lr=min_lr, eps=eps)]
    assert_same_sequence(make, metrics=metrics)


def test_reduce_lr_on_plateau_takes_tensor_metrics():
    seq = [1.0, 1.0, 1.0, 1.0]
    ours, _ = lr_sequence(tl, lambda m, o: [m.ReduceLROnPlateau(o, patience=1)], 4,
                          [tl.tensor(v) for v in seq])
    ref, _ = lr_sequence(torch, lambda m, o: [m.ReduceLROnPlateau(o, patience=1)], 4,
                         [torch.tensor(v) for v in seq])
    assert ours == ref


def test_resume_from_state_dict():
    """A scheduler rebuilt with last_epoch and loaded from a state_dict continues the sequence."""
    results = []
    for lib in (tl, torch):
        m = lib.optim.lr_scheduler
        opt = make_optimizer(lib)
        sched = m.CosineAnnealingLR(opt, T_max=10)
        for _ in range(4):
            opt.step()
            sched.step()
        saved_opt, saved = opt.state_dict(), sched.state_dict()
        opt2 = make_optimizer(lib)
        opt2.load_state_dict(saved_opt)
        sched2 = m.CosineAnnealingLR(opt2, T_max=10, last_epoch=3)
        sched2.load_state_dict(saved)
        lrs = []
        for _ in range(10):
            opt2.step()
            sched2.step()
            lrs.append(sched2.get_last_lr())
        results.append(lrs)
    assert results[0] == results[1]


def test_closed_form_with_epoch_argument():
    results = []
    for lib in (tl, torch):
        opt = make_optimizer(lib)
        sched = lib.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            opt.step()
            sched.step(7)
        results.append((sched.get_last_lr(), [str(w.message) for w in caught]))
    assert results[0] == results[1]


def _warnings_of(lib, fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn(lib)
    return [(w.category, str(w.message)) for w in caught]


@pytest.mark.parametrize("fn", [
    # scheduler stepped before the optimizer
    lambda lib: lib.optim.lr_scheduler.StepLR(make_optimizer(lib), 2).step(),
    # get_lr() called directly
    lambda lib: lib.optim.lr_scheduler.ExponentialLR(make_optimizer(lib), 0.9).get_lr(),
    # the right order: no warning
    lambda lib: [(s.optimizer.step(), s.step()) for s in
                 [lib.optim.lr_scheduler.ExponentialLR(make_optimizer(lib), 0.9)]],
])
def test_warnings(fn):
    assert _warnings_of(tl, fn) == _warnings_of(torch, fn)


def _error(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - comparing exception parity
        return type(e), str(e)
    return None


def _wrap(lib, outer, inner, *args, **kwargs):
    """outer (SequentialLR / ChainedScheduler) around one `inner` scheduler."""
    m, opt = lib.optim.lr_scheduler, make_optimizer(lib)
    schedulers = [getattr(m, inner)(opt, *args)]
    if outer == "ChainedScheduler":
        return m.ChainedScheduler(schedulers)
    return getattr(m, outer)(opt, schedulers, **kwargs)


@pytest.mark.parametrize("fn", [
    lambda lib: lib.optim.lr_scheduler.StepLR("not an optimizer", 2),
    lambda lib: lib.optim.lr_scheduler.StepLR(make_optimizer(lib), 2, last_epoch=3),
    lambda lib: lib.optim.lr_scheduler.LambdaLR(make_optimizer(lib), [lambda e: 1.0]),
    lambda lib: lib.optim.lr_scheduler.MultiplicativeLR(make_optimizer(lib), 0.5),
    lambda lib: lib.optim.lr_scheduler.ConstantLR(make_optimizer(lib), factor=2.0),
    lambda lib: lib.optim.lr_scheduler.LinearLR(make_optimizer(lib), start_factor=0.0),
    lambda lib: lib.optim.lr_scheduler.LinearLR(make_optimizer(lib), end_factor=1.5),
    lambda lib: lib.optim.lr_scheduler.ReduceLROnPlateau(make_optimizer(lib), factor=1.0),
    lambda lib: lib.optim.lr_scheduler.ReduceLROnPlateau(make_optimizer(lib), mode="mid"),
    lambda lib: lib.optim.lr_scheduler.ReduceLROnPlateau(make_optimizer(lib), threshold_mode="x"),
    lambda lib: lib.optim.lr_scheduler.ReduceLROnPlateau(make_optimizer(lib), min_lr=[0.1]),
    lambda lib: lib.optim.lr_scheduler.ChainedScheduler([]),
    lambda lib: lib.optim.lr_scheduler.SequentialLR(make_optimizer(lib), [], milestones=[]),
    lambda lib: _wrap(lib, "SequentialLR", "StepLR", 2, milestones=[3]),
    lambda lib: _wrap(lib, "ChainedScheduler", "ReduceLROnPlateau"),
])
def test_errors(fn):
    ours, ref = _error(lambda: fn(tl)), _error(lambda: fn(torch))
    assert ref is not None
    assert ours == ref


def test_cosine_is_recursive_not_closed_form():
    """torch updates the cosine schedule from the current lr, so an outside change persists."""
    results = []
    for lib in (tl, torch):
        opt = make_optimizer(lib)
        sched = lib.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10)
        lrs = []
        for epoch in range(6):
            opt.step()
            sched.step()
            if epoch == 2:
                opt.param_groups[0]["lr"] *= 0.5
            lrs.append(opt.param_groups[0]["lr"])
        results.append(lrs)
    assert results[0] == results[1]
    closed = [0.1 * (1 + math.cos(math.pi * (e + 1) / 10)) / 2 for e in range(6)]
    assert results[0] != closed
