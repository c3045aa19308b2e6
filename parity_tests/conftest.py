"""Shared test setup: hypothesis profiles and torch thread pinning.

Profiles (select with HYPOTHESIS_PROFILE=...):
  ci        derandomized, few examples per test: the whole suite fits CI's budget
  dev       the default for local runs: random, moderate
  thorough  thousands of examples per test, for nightly-style runs
A failing example prints `@reproduce_failure(...)` and its seed; rerun with
`pytest --hypothesis-seed=<seed> parity_tests/<file>::<test>`.
"""
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=25, derandomize=True, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("dev", max_examples=60, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("thorough", max_examples=2000, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

try:
    import torch
    torch.set_num_threads(1)
except ImportError:  # pragma: no cover
    torch = None


@pytest.fixture(autouse=True)
def _restore_global_state():
    """Tests must not leak default dtype / grad mode / print options into each other."""
    import tinygrad_lite as tl
    yield
    tl.set_default_dtype(tl.float32)
    tl.autograd.grad_mode._set_enabled(True)
    if torch is not None:
        torch.set_default_dtype(torch.float32)
        torch.set_grad_enabled(True)
    np.seterr(all="warn")
