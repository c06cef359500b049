"""Shared fixtures: paths and the loaded datasets (session-scoped: loading is the expensive part)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Property tests: no per-example deadline (CI machines are shared and slow), fewer examples on CI.
settings.register_profile("dev", deadline=None, max_examples=60)
settings.register_profile(
    "ci", deadline=None, max_examples=25, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("fast", deadline=None, max_examples=10)  # make test-fast (tests/lanes.py)
# by hand, on tests/test_fuzz.py: HYPOTHESIS_PROFILE=long (1,000 cases, ~6 minutes)
settings.register_profile(
    "long", deadline=None, max_examples=1000,  # tests/test_fuzz.py's LONG_CASES
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)  # fmt: skip
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "data" / "tiny"
SAMPLE = ROOT / "data" / "sample"


@pytest.fixture(scope="session")
def tiny_dir() -> Path:
    return TINY


@pytest.fixture(scope="session")
def tiny():
    from channel_lib import load_dataset

    return load_dataset(TINY)


@pytest.fixture(scope="session")
def small_sample(tmp_path_factory):
    """``small_sample(seed, scale=0.2)`` → folder of a generated sample, made once per test session
    and shared by the xdist workers (the seeds 1-5 checks of several modules use the same sets)."""
    from report_fixtures import _shared_folder

    from channel_lib.sample import generate_sample

    def get(seed: int, scale: float = 0.2) -> Path:
        def build(folder: Path) -> None:
            generate_sample(folder, seed=seed, scale=scale)

        return _shared_folder(tmp_path_factory, f"sample-seed{seed}-scale{scale:g}", build)

    return get


@pytest.fixture
def tiny_copy(tmp_path: Path) -> Path:
    """A writable copy of the tiny dataset, for corrupting."""
    dest = tmp_path / "tiny"
    shutil.copytree(TINY, dest)
    return dest


pytest_plugins = [
    "report_fixtures",
    "lanes",
    "scheduling",
]  # report-test session fixtures; test lanes (tests/lanes.py)
