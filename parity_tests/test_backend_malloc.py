"""backend.STEADY_MALLOC: glibc's malloc thresholds are fixed at import, so a training step on
large arrays reuses freed heap memory instead of taking fresh pages from the kernel every step."""
import os
import resource
import subprocess
import sys

import numpy as np
import pytest

import tinygrad_lite as tl

glibc = pytest.mark.skipif(not sys.platform.startswith("linux") or os.environ.get(
    "TINYGRAD_LITE_MALLOC", "steady") != "steady", reason="glibc's mallopt, not switched off")


def _faults_per_step(step, steps=8):
    for _ in range(3):
        step()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(steps):
        step()
    return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / steps


@glibc
def test_set_at_import():
    assert tl.backend.STEADY_MALLOC is True


def test_switched_off_by_the_environment():
    code = "import tinygrad_lite as t; print(t.backend.STEADY_MALLOC)"
    env = dict(os.environ, TINYGRAD_LITE_MALLOC="default")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


@glibc
def test_large_chain_reuses_memory():
    """The elementwise-chain benchmark's step: with glibc's adaptive thresholds it took ~3900
    fresh pages (15 MiB) per step; with them fixed, freed arrays are reused."""
    x = tl.tensor(np.random.default_rng(0).standard_normal(10**6).astype(np.float32),
                  requires_grad=True)

    def step():
        loss = ((x * 1.5 + 0.5).sin() * x).tanh().sum()
        loss.backward()
        x.grad = None

    assert _faults_per_step(step) < 200  # one 4 MB array afresh would be ~1000
