"""Fixtures shared by the whole suite."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from goalkeeper.goals.kinds import load_kinds
from goalkeeper.testing.fake_google import FakeClock, FakeGoogle

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "goals"
SHARED_CONTAINERS = REPO.parent / "shared" / "containers"


def shared_exports() -> list[Path]:
    """The real GTM exports in ../shared/containers (empty when that folder is absent)."""
    return sorted(SHARED_CONTAINERS.glob("*.json")) if SHARED_CONTAINERS.is_dir() else []


needs_shared = pytest.mark.skipif(
    not SHARED_CONTAINERS.is_dir(),
    reason="../shared/containers (real GTM exports) is not beside this checkout; CI provides it",
)


@pytest.fixture
def kinds():
    return load_kinds(None)


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    """A copy of the bundled example goals, container export and GA4 snapshot, safe to apply to."""
    target = tmp_path / "project"
    shutil.copytree(EXAMPLES, target, ignore=shutil.ignore_patterns("__init__.py", "__pycache__"))
    return target


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fake_google(fake_clock):
    """A started FakeGoogle with a fake clock and the GTM quota switched off."""
    fake = FakeGoogle(clock=fake_clock, quota=False).start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def gtm(fake_google):
    """A googleapiclient Tag Manager v2 service talking to ``fake_google``."""
    return fake_google.gtm_service()


@pytest.fixture
def seeded(fake_google):
    """An empty web container 6001234567/1001 (GTM-TEST01) with its Default Workspace."""
    ct = fake_google.gtm.add_container("6001234567", "1001", "GTM-TEST01", name="Test")
    return f"{ct.path}/workspaces/1"
