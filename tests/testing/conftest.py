"""Fixtures for tests of goalkeeper.testing.fake_google."""
from __future__ import annotations

import os
import sys

import pytest

# Test this checkout's fake even when the environment has another checkout installed (editable) and
# tests/conftest.py already imported ``goalkeeper`` from there: put this checkout's package first.
_SRC = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "src"))
if os.path.isdir(os.path.join(_SRC, "goalkeeper", "testing", "fake_google")):
    if _SRC not in sys.path:
        sys.path.insert(0, _SRC)
    if "goalkeeper" in sys.modules:
        _pkg = os.path.join(_SRC, "goalkeeper")
        _path = sys.modules["goalkeeper"].__path__
        if _pkg not in list(_path):
            _path.insert(0, _pkg) if isinstance(_path, list) else None
    for _m in [m for m in sys.modules if m == "goalkeeper.testing" or m.startswith("goalkeeper.testing.")]:
        del sys.modules[_m]

from goalkeeper.testing.fake_google import FakeClock, FakeGoogle  # noqa: E402


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
