"""Fixtures shared by the whole suite."""

from __future__ import annotations

import json
import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

from goalkeeper.goals.kinds import load_kinds
from goalkeeper.testing.fake_google import FakeClock, FakeGoogle

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "goals"
ACCOUNT = "6001234567"  # the GTM account and GA4 property of the example export and snapshot
PROPERTY = "123456789"
# The real GTM exports live beside the checkout; GOALKEEPER_CONTAINERS_DIR points elsewhere.
SHARED_CONTAINERS = Path(os.environ.get("GOALKEEPER_CONTAINERS_DIR", REPO.parent / "shared" / "containers"))
SHARED_ABSENT = f"{SHARED_CONTAINERS} (real GTM exports) is absent; CI provides it"


def shared_exports() -> list[Path]:
    """The real GTM exports in ../shared/containers (empty when that folder is absent)."""
    return sorted(SHARED_CONTAINERS.glob("*.json")) if SHARED_CONTAINERS.is_dir() else []


def export_params(paths: list[Path], reason: str = SHARED_ABSENT) -> list:
    """One pytest param per export, named by its file; a single skipped one, with ``reason``, when
    there are none, so a run without the real exports says why they were not tried."""
    return [pytest.param(path, id=path.stem) for path in paths] or [
        pytest.param(None, id="shared", marks=pytest.mark.skip(reason=reason))
    ]


needs_shared = pytest.mark.skipif(not SHARED_CONTAINERS.is_dir(), reason=SHARED_ABSENT)


@pytest.fixture(autouse=True)
def plain_output(monkeypatch):
    """The suite reads the plain plan: a FORCE_COLOR or NO_COLOR in the shell running it must not
    change what goalkeeper prints (tests of colour set them themselves)."""
    for name in ("FORCE_COLOR", "NO_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)


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
def in_tmp_path(tmp_path: Path, monkeypatch) -> Path:
    """An empty folder as the current directory, where the goalkeeper command then runs."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def in_project_dir(project_dir: Path, monkeypatch) -> Path:
    """``project_dir`` as the current directory."""
    monkeypatch.chdir(project_dir)
    return project_dir


# The goal file of the foundation's user story: three goals whose plan the CLI tests pin down
# (17 entities to add against the example export), independent of how goals/shop.yaml grows.
THREE_GOALS = """\
# An online shop's micro-conversions: the steps toward a sale, and the signs of interest on the way.
# Run `goalkeeper plan goals/shop.yaml` to see what goalkeeper would change in GTM and GA4.
target:
  gtm: {container_file: example-container.json}   # GTM: Admin > Export Container
  ga4: {snapshot_file: example-ga4.json}
  measurement_id: G-ABC123XYZ
goals:
  - name: checkout_page_view          # a destination goal: someone reached the checkout page
    kind: destination
    category: process_milestone
    page: {path_starts_with: /checkout}
    key_event: {counting: once_per_session, value: 5, currency: USD}
  - name: checkout_click              # a click on any link to the checkout
    kind: link_click
    url_contains: /checkout
    key_event: true
  - name: product_video               # YouTube plays on product pages
    kind: youtube_video
    track: [start, progress, complete]
    progress_percent: [25, 50, 75]
    dimensions: [video_title]
"""


@pytest.fixture
def three_goal_project(project_dir: Path) -> Path:
    """The example project with shop.yaml holding exactly THREE_GOALS."""
    (project_dir / "shop.yaml").write_text(THREE_GOALS)
    return project_dir


@pytest.fixture
def in_three_goal_project(three_goal_project: Path, monkeypatch) -> Path:
    """``three_goal_project`` as the current directory."""
    monkeypatch.chdir(three_goal_project)
    return three_goal_project


@contextmanager
def edited_json(path: Path):
    """Yield the JSON document in ``path`` to change in place; write it back on leaving."""
    document = json.loads(path.read_text(encoding="utf-8"))
    yield document
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")


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
def example_in_fake(fake_google):
    """The fake serving the example container (GTM-ABC123, published, with its Default Workspace)
    and GA4 property; returns the seeded container."""
    container = fake_google.seed_container_export(
        EXAMPLES / "example-container.json", account_id=ACCOUNT, public_id="GTM-ABC123"
    )
    fake_google.seed_ga4_snapshot(EXAMPLES / "example-ga4.json")
    return container


@pytest.fixture
def cli_on_fake(example_in_fake, fake_google, in_tmp_path, monkeypatch):
    """The goalkeeper command talking to the fake (GOALKEEPER_API_ENDPOINT) from an empty folder,
    with ``example_in_fake`` seeded; returns the seeded container."""
    monkeypatch.setenv("GOALKEEPER_API_ENDPOINT", fake_google.url)
    return example_in_fake


@pytest.fixture
def seeded(fake_google):
    """An empty web container 6001234567/1001 (GTM-TEST01) with its Default Workspace."""
    ct = fake_google.gtm.add_container("6001234567", "1001", "GTM-TEST01", name="Test")
    return f"{ct.path}/workspaces/1"
