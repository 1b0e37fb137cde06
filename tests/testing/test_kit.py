"""The test kit users test their goal files with: its public names, and the documented example run as written."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import goalkeeper
import goalkeeper.testing as kit
from goalkeeper.backends import google_clients

DOCS = Path(__file__).resolve().parents[2] / "docs" / "testing.md"


def documented_example() -> str:
    """The python code block of docs/testing.md's section "Testing your goal files"."""
    section = DOCS.read_text(encoding="utf-8").split("## Testing your goal files", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(blocks) == 1, "the section holds one complete example"
    return blocks[0]


def test_the_documented_example_passes_as_written(tmp_path):
    test_file = tmp_path / "test_goal_files.py"
    test_file.write_text(documented_example(), encoding="utf-8")
    # A pytest of its own, in a folder of its own: as in a user's project, not under this suite's conftest.
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test_file.name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert re.search(r"\b2 passed\b", run.stdout), run.stdout


@pytest.mark.parametrize("name", kit.__all__)
def test_every_public_name_is_importable(name):
    assert getattr(kit, name) is not None


def test_the_kit_has_a_version_of_its_own():
    assert re.fullmatch(r"\d+\.\d+", kit.__version__)
    assert kit.__version__ != goalkeeper.__version__


@pytest.mark.parametrize(
    "attribute",
    [
        "start",
        "stop",
        "url",
        "seed_container_export",
        "seed_synthetic_container",
        "seed_ga4_snapshot",
        "gtm_service",
        "ga4_client",
        "requests",
        "requests_for",
        "request_count",
        "clear_log",
        "faults",
        "quota",
    ],
)
def test_the_stable_surface_of_fake_google_is_there(attribute):
    with kit.FakeGoogle(quota=False) as fake:
        assert hasattr(fake, attribute)


def test_endpoint_env_points_the_live_clients_at_the_fake(monkeypatch):
    with kit.FakeGoogle(quota=False) as fake:
        ((name, value),) = kit.endpoint_env(fake).items()
        monkeypatch.setenv(name, value)
        assert google_clients.test_endpoint() == fake.url
        assert type(google_clients.credentials()).__name__ == "AnonymousCredentials"
