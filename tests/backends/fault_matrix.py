"""The fault matrix: a live apply hit by one fault at one request position, then run again.

A run is ``case(scenario, fault, position)``: it prepares the scenario's live container and property
on a fresh fake of the Google APIs, applies the scenario's goals with a fault injected at the given
request of that apply, lets goalkeeper report it (or ride it out), applies again, and checks what a
user needs: the second apply finishes, nothing is left to do, no name exists twice in the GTM
workspace or the GA4 property, and nothing goalkeeper does not own changed.

The clients are goalkeeper's own (``google_clients``, pointed at the fake by
``GOALKEEPER_API_ENDPOINT``), with a short request timeout: a ``timeout`` fault makes the fake
answer late, after the client gave up (and after the fake did the work, as a slow Google does).
The fake runs on the wall clock for that; the backends retry on a simulated clock, so backoff
costs no time. Used by tests/backends/test_fault_matrix.py and benchmarks/hardening.py.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from goalkeeper.backends import google_clients
from goalkeeper.backends.ga4_live import GA4LiveBackend
from goalkeeper.backends.gtm_live import GTMLiveBackend
from goalkeeper.backends.ratelimit import SlidingWindowLimiter
from goalkeeper.core.errors import GoalkeeperError
from goalkeeper.core.ownership import MARKER
from goalkeeper.goals.kinds import load_kinds
from goalkeeper.goals.load import load_goal_file
from goalkeeper.project import Project
from goalkeeper.testing.fake_google import FakeClock, FakeGoogle
from tests.backends.conftest import CHECKOUT, CLICK, THANKS

EXAMPLES = Path(__file__).resolve().parents[2] / "goals"
ACCOUNT, PROPERTY = "6001234567", "123456789"
PROP = f"properties/{PROPERTY}"
TIMEOUT = 0.15  # the clients' request timeout in the matrix, seconds
LATE = 0.4  # how late a "timeout" fault answers, seconds

# GA4 only: an event-create rule with its key event, a custom dimension, an audience.
SIGNUP = {"name": "signup_done", "kind": "destination", "via": "ga4_rule", "page": {"path_equals": "/welcome"}}
SIGNUP_KEY = dict(SIGNUP, key_event=True)
VIDEO = {"name": "product_video", "kind": "youtube_video", "track": ["start"], "dimensions": ["video_title"]}
RETURNING = {"name": "returning_visitors", "kind": "audience", "returning": True}
LOYAL = {"name": "returning_visitors", "kind": "audience", "pages_per_session_at_least": 3}

# name: (targets, goals applied before, goals the faulted apply writes)
SCENARIOS: dict[str, tuple[str, list[dict], list[dict]]] = {
    # a first apply into a new workspace: workspace, built-ins, variable, triggers, tags, key events
    "gtm+ga4 fresh": ("gtm+ga4", [], [CLICK, THANKS]),
    # a later apply: updates, creates and deletes in GTM and GA4
    "gtm+ga4 change": ("gtm+ga4", [CLICK, THANKS], [dict(CLICK, url_contains="/cart"), CHECKOUT]),
    # GA4 writes of every kind: event-create rule, key event, custom dimension, audience
    "ga4 fresh": ("ga4", [], [SIGNUP_KEY, VIDEO, RETURNING]),
    # a rule updated, a key event deleted, a dimension archived, an audience archived and created again
    "ga4 change": ("ga4", [SIGNUP_KEY, VIDEO, RETURNING], [dict(SIGNUP, page={"path_equals": "/hello"}), LOYAL]),
}
FAULTS = ("drop", "503", "429", "timeout")
# Requests of each scenario's faulted apply (tests/backends/test_fault_matrix.py checks them).
REQUESTS = {"gtm+ga4 fresh": 6, "gtm+ga4 change": 6, "ga4 fresh": 8, "ga4 change": 7}


@contextlib.contextmanager
def _environment(url: str) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in ("GOALKEEPER_API_ENDPOINT", "GOALKEEPER_TIMEOUT")}
    os.environ.update(GOALKEEPER_API_ENDPOINT=url, GOALKEEPER_TIMEOUT=str(TIMEOUT))
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


class World:
    """A fake Google on the wall clock, seeded with the example container and property, and
    goalkeeper projects talking to it through goalkeeper's own clients."""

    def __init__(self, fake: FakeGoogle, folder: Path):
        self.fake, self.folder = fake, folder
        self.container_id = fake.seed_container_export(
            EXAMPLES / "example-container.json", account_id=ACCOUNT, public_id="GTM-ABC123"
        ).container_id
        fake.seed_ga4_snapshot(EXAMPLES / "example-ga4.json")
        self.clock = FakeClock()
        self.limiter = SlidingWindowLimiter(clock=self.clock)
        self.kinds = load_kinds(None)

    def project(self, targets: str, goals: list[dict]) -> Project:
        target: dict[str, Any] = {"measurement_id": "G-ABC123XYZ", "ga4": {"property": PROPERTY}}
        if "gtm" in targets:
            target["gtm"] = {"account": ACCOUNT, "container": self.container_id}
        path = self.folder / "goals.yaml"
        path.write_text(json.dumps({"target": target, "goals": goals}), encoding="utf-8")
        goal_file = load_goal_file(path, self.kinds)
        backends: list[Any] = []
        with _environment(self.fake.url):
            if "gtm" in targets:
                service = google_clients.tagmanager_service()
                backends.append(
                    GTMLiveBackend(service, ACCOUNT, self.container_id, limiter=self.limiter, clock=self.clock)
                )
            beta, alpha = google_clients.admin_clients()
            backends.append(GA4LiveBackend(beta, alpha, PROPERTY, goal_file.measurement_id, clock=self.clock))
        for backend in backends:
            backend.calls.report = lambda line: None  # the retry lines: tested on their own
        return Project(goal_file, self.kinds, backends)

    def unmanaged(self) -> dict[tuple[str, str], Any]:
        """Everything goalkeeper does not own: GTM entities of the workspaces, GA4 objects."""
        found: dict[tuple[str, str], Any] = {}
        container = self.fake.gtm.accounts[ACCOUNT].containers[self.container_id]
        for workspace in container.workspaces.values():
            for vkey, entities in workspace.snap.entities.items():
                for entity in entities.values():
                    if not str(entity.get("notes", "")).startswith(MARKER):
                        body = {k: v for k, v in entity.items() if k not in ("fingerprint", f"{vkey}Id")}
                        found.setdefault((vkey, entity["name"]), body)
        for collection in ("customDimensions", "customMetrics", "audiences", "eventCreateRules"):
            for obj in self.fake.ga4.items(PROP, collection):
                if MARKER not in json.dumps(obj) and "goalkeeper_goal" not in json.dumps(obj):
                    found[(collection, obj["name"])] = obj
        for obj in self.fake.ga4.items(PROP, "keyEvents"):
            if obj["eventName"] == "purchase":  # the example property's own key event
                found[("keyEvents", obj["name"])] = obj
        return found

    def duplicates(self) -> list[str]:
        """Names that exist twice: in a GTM workspace, or among the property's GA4 objects."""
        twice = []
        container = self.fake.gtm.accounts[ACCOUNT].containers[self.container_id]
        for workspace in container.workspaces.values():
            for vkey, entities in workspace.snap.entities.items():
                listed = [e["name"] for e in entities.values()]
                twice += [f"GTM {vkey} {n!r}" for n in set(listed) if listed.count(n) > 1]
        for collection, field in (
            ("keyEvents", "eventName"),
            ("customDimensions", "parameterName"),
            ("audiences", "displayName"),
            ("eventCreateRules", "destinationEvent"),
        ):
            listed = [o[field] for o in self.fake.ga4.items(PROP, collection)]
            twice += [f"GA4 {collection} {n!r}" for n in set(listed) if listed.count(n) > 1]
        return twice


@contextlib.contextmanager
def world() -> Iterator[World]:
    with tempfile.TemporaryDirectory() as folder, FakeGoogle(quota=False) as fake:
        if fake._server is not None:  # a client that timed out has hung up: no traceback for that
            fake._server.handle_error = lambda request, address: None  # type: ignore[method-assign]
        yield World(fake, Path(folder))


def prepared(w: World, scenario: str) -> tuple[Project, Any]:
    targets, before, after = SCENARIOS[scenario]
    if before:
        project = w.project(targets, before)
        project.apply(project.plan())
    project = w.project(targets, after)
    return project, project.plan()


def requests_of(scenario: str) -> int:
    """How many requests the scenario's apply makes when nothing goes wrong."""
    with world() as w:
        project, plan = prepared(w, scenario)
        start = w.fake.request_count
        project.apply(plan)
        return w.fake.request_count - start


def inject(fake: FakeGoogle, fault: str, at: int) -> None:
    """Make request number ``at`` fail with ``fault``."""
    if fault in ("503", "429"):
        fake.faults.add(kind="status", status=int(fault), at_request=at)
    elif fault == "timeout":
        fake.faults.add(kind="latency", seconds=LATE, at_request=at)
    else:

        def drop(f: FakeGoogle) -> None:
            record = f.requests[-1]
            f.faults.add(kind="drop", at_request=record.n)
            if record.api == "gtm":  # httplib2 sends a request again once after a dropped connection
                f.faults.add(kind="drop", at_request=record.n + 1)

        fake.faults.before_request(at, drop)


@dataclass(frozen=True)
class Outcome:
    injected: bool  # the fault hit a request
    reported: str | None  # the error the faulted apply ended with, if any
    problems: tuple[str, ...]  # what is wrong after applying again (empty: survived)

    @property
    def survived(self) -> bool:
        return self.injected and not self.problems


def case(scenario: str, fault: str, position: int) -> Outcome:
    """Run one cell of the matrix (see the module docstring)."""
    with world() as w:
        project, plan = prepared(w, scenario)
        unmanaged = w.unmanaged()
        inject(w.fake, fault, w.fake.request_count + position)
        reported = None
        try:
            project.apply(plan)
        except GoalkeeperError as error:  # reported clearly; the next run carries on
            reported = str(error)
        injected = any(r.fault for r in w.fake.requests)
        if fault == "timeout":
            time.sleep(LATE)  # the user runs again after Google finished what it was still doing
        targets, _, goals = SCENARIOS[scenario]
        problems: list[str] = []
        try:
            again = w.project(targets, goals)
            again.apply(again.plan())
            if not w.project(targets, goals).plan().empty:
                problems.append("a third plan still has changes")
        except GoalkeeperError as error:
            problems.append(f"the apply after the fault failed: {error}")
        problems += [f"{name} exists twice" for name in w.duplicates()]
        now = w.unmanaged()
        problems += [f"unmanaged {key} changed or vanished" for key, body in unmanaged.items() if now.get(key) != body]
        return Outcome(injected, reported, tuple(problems))
