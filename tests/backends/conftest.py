"""Live backends against the local fake of the Google APIs, through the real client libraries."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest

from goalkeeper.backends.ga4_live import GA4LiveBackend
from goalkeeper.backends.gtm_live import GTMLiveBackend
from goalkeeper.backends.ratelimit import SlidingWindowLimiter
from goalkeeper.goals.kinds import load_kinds
from goalkeeper.goals.load import load_goal_file
from goalkeeper.project import Project, open_project
from tests.conftest import ACCOUNT, PROPERTY

CLICK = {"name": "checkout_click", "kind": "link_click", "url_contains": "/checkout", "key_event": True}
THANKS = {"name": "thanks_page_view", "kind": "destination", "page": {"path_starts_with": "/thanks"}, "key_event": True}
CHECKOUT = {
    "name": "checkout_page_view",
    "kind": "destination",
    "page": {"path_starts_with": "/checkout"},
    "key_event": {"counting": "once_per_session", "value": 5, "currency": "USD"},
}
VIDEO = {
    "name": "product_video",
    "kind": "youtube_video",
    "track": ["start", "complete"],
    "dimensions": ["video_title"],
}


def write_goals(
    path: Path, goals: list[dict], container: str, *, workspace: str | None = None, gtm: bool = True, ga4: bool = True
) -> Path:
    target: dict = {"measurement_id": "G-ABC123XYZ"}
    if gtm:
        target["gtm"] = {"account": ACCOUNT, "container": container, **({"workspace": workspace} if workspace else {})}
    if ga4:
        target["ga4"] = {"property": PROPERTY}
    # JSON is YAML: the goal file needs no YAML library to write
    path.write_text(json.dumps({"target": target, "goals": goals}, indent=2), encoding="utf-8")
    return path


@functools.lru_cache(maxsize=1)
def _kinds():
    return load_kinds(None)


class Live:
    """Builds projects whose live backends talk to the fake, on the fake's simulated clock."""

    def __init__(self, fake, clock, container_id: str, tmp_path: Path, *, bulk: bool = True):
        self.fake, self.clock, self.container_id, self.tmp_path = fake, clock, container_id, tmp_path
        self.bulk = bulk  # GTM writes through bulk_update, or one request per change
        self.limiter = SlidingWindowLimiter(clock=clock)
        self.service = fake.gtm_service()
        self.beta, self.alpha = fake.ga4_client("v1beta"), fake.ga4_client("v1alpha")
        self.gtm: GTMLiveBackend | None = None
        self.ga4: GA4LiveBackend | None = None

    def project(
        self,
        goals: list[dict],
        *,
        workspace: str = "goalkeeper",
        gtm: bool = True,
        ga4: bool = True,
        file: str = "goals.yaml",
    ) -> Project:
        """A project of ``goals`` in the goal file ``file`` (its name is its owner)."""
        path = write_goals(self.tmp_path / file, goals, self.container_id, gtm=gtm, ga4=ga4)
        kinds = _kinds()
        goal_file = load_goal_file(path, kinds)
        backends = []
        if gtm:
            self.gtm = GTMLiveBackend(
                self.service,
                ACCOUNT,
                self.container_id,
                workspace,
                limiter=self.limiter,
                clock=self.clock,
                bulk=self.bulk,
            )
            backends.append(self.gtm)
        if ga4:
            self.ga4 = GA4LiveBackend(self.beta, self.alpha, PROPERTY, goal_file.measurement_id, clock=self.clock)
            backends.append(self.ga4)
        return Project(goal_file, kinds, backends)

    def applied(self, goals: list[dict], **options) -> Project:
        """The project of ``goals`` (options as for ``project``), with its plan applied."""
        project = self.project(goals, **options)
        project.apply(project.plan())
        return project

    @property
    def container(self):
        """The fake's state of the container the projects write to."""
        return self.fake.gtm.accounts[ACCOUNT].containers[self.container_id]


@pytest.fixture
def live(fake_google, fake_clock, example_in_fake, tmp_path):
    """Projects of live backends on the example container and property, served by the fake."""
    return Live(fake_google, fake_clock, example_in_fake.container_id, tmp_path)


def apply_goal_file(path: Path):
    """Plan the goal file at ``path`` against its targets and apply that plan; returns the plan."""
    project = open_project(path)
    plan = project.plan()
    project.apply(plan)
    return plan


@pytest.fixture
def one_by_one(fake_google, fake_clock, example_in_fake, tmp_path):
    """Live projects whose GTM backend writes one request per change (the path taken where GTM
    refuses bulk_update)."""
    return Live(fake_google, fake_clock, example_in_fake.container_id, tmp_path, bulk=False)


@pytest.fixture(params=["bulk", "one by one"])
def either(request, fake_google, fake_clock, example_in_fake, tmp_path):
    """Live projects on each GTM write path in turn."""
    return Live(fake_google, fake_clock, example_in_fake.container_id, tmp_path, bulk=request.param == "bulk")


def workspace_named(fake, container_id: str, name: str = "goalkeeper"):
    container = fake.gtm.accounts[ACCOUNT].containers[container_id]
    return next((w for w in container.workspaces.values() if w.name == name), None)


def names(workspace) -> dict[str, list[str]]:
    return {vkey: sorted(e["name"] for e in entities.values()) for vkey, entities in workspace.snap.entities.items()}
