"""Fixtures for tests of goalkeeper.testing.fake_google."""
from __future__ import annotations

import pytest


@pytest.fixture
def gtm(fake_google):
    """A googleapiclient Tag Manager v2 service talking to ``fake_google``."""
    return fake_google.gtm_service()


@pytest.fixture
def seeded(fake_google):
    """An empty web container 6001234567/1001 (GTM-TEST01) with its Default Workspace."""
    ct = fake_google.gtm.add_container("6001234567", "1001", "GTM-TEST01", name="Test")
    return f"{ct.path}/workspaces/1"
