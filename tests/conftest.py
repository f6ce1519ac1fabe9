"""Hypothesis profiles (`ci` is derandomized, so a CI run can never fail by chance), and a fixture
the compiler's batch tests share."""

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture(scope="module")
def batch_code_for_every_batch():
    """Run every batch through the batch code: small batches of a small graph would otherwise run
    the readable code sample by sample. For the modules that test the batch code."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("autograd.compile.runtime._SAMPLE_BY_SAMPLE", 0)
        yield
