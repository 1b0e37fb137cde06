"""The workflow behind the commands: open a goal file, read the targets, plan, apply.

This is where the pure core meets the backends; the CLI only parses options and prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping, Sequence

from goalkeeper.backends.base import Backend, Progress
from goalkeeper.core.errors import GoalkeeperError, Problem
from goalkeeper.core.plan import Plan, make_plan
from goalkeeper.core.references import reference_problems
from goalkeeper.core.state import State
from goalkeeper.goals.expand import expand
from goalkeeper.goals.kinds import Kind, load_kinds
from goalkeeper.goals.load import load_goal_file
from goalkeeper.goals.model import GoalFile
from goalkeeper.render import GoalInfo, PlanContext

BackendFactory = Callable[[Mapping, GoalFile, Path], Backend]
# Target spellings → backend factories. Live backends register themselves here too.
GTM_BACKENDS: dict[str, BackendFactory] = {}
GA4_BACKENDS: dict[str, BackendFactory] = {}


def _container_file(spec: Mapping, goal_file: GoalFile, base: Path) -> Backend:
    from goalkeeper.backends.container_file import ContainerFileBackend

    return ContainerFileBackend(base / spec["container_file"])


def _snapshot_file(spec: Mapping, goal_file: GoalFile, base: Path) -> Backend:
    from goalkeeper.backends.ga4_snapshot import GA4SnapshotBackend

    return GA4SnapshotBackend(base / spec["snapshot_file"], goal_file.measurement_id)


def _credential_settings(target: Mapping, base: Path) -> dict:
    """The target's credential settings, with a key file's path taken relative to the goal file."""
    settings = dict(target)
    if settings.get("credentials"):
        settings["credentials"] = str(base / settings["credentials"])
    return settings


def _live_gtm(spec: Mapping, goal_file: GoalFile, base: Path) -> Backend:
    from goalkeeper.backends import google_clients
    from goalkeeper.backends.gtm_live import GTMLiveBackend

    creds = google_clients.credentials(_credential_settings(goal_file.target, base))
    return GTMLiveBackend(google_clients.tagmanager_service(creds), spec["account"], spec["container"],
                          spec.get("workspace", "goalkeeper"))


def _live_ga4(spec: Mapping, goal_file: GoalFile, base: Path) -> Backend:
    from goalkeeper.backends import google_clients
    from goalkeeper.backends.ga4_live import GA4LiveBackend

    beta, alpha = google_clients.admin_clients(google_clients.credentials(_credential_settings(goal_file.target, base)))
    return GA4LiveBackend(beta, alpha, spec["property"], goal_file.measurement_id)


GTM_BACKENDS.update(container_file=_container_file, account=_live_gtm)
GA4_BACKENDS.update(snapshot_file=_snapshot_file, property=_live_ga4)


def _backend(registry: Mapping[str, BackendFactory], spec: Mapping, goal_file: GoalFile, base: Path) -> Backend:
    for key, factory in registry.items():
        if key in spec:
            return factory(spec, goal_file, base)
    raise GoalkeeperError(Problem(f"no backend for target {dict(spec)}", goal_file.path))


@dataclass
class Project:
    """A goal file with its kinds and the backends of its targets."""

    goal_file: GoalFile
    kinds: Mapping[str, Kind]
    backends: list[Backend] = field(default_factory=list)

    def context(self) -> PlanContext:
        return PlanContext(
            targets={b.target: b.describe() for b in self.backends},
            goals={g.name: GoalInfo(g.kind, g.category) for g in self.goal_file.goals},
        )

    def desired(self) -> State:
        return expand(self.goal_file, self.kinds)

    def read_live(self) -> State:
        live = State()
        for backend in self.backends:
            live = live.merged(backend.read())
        return live

    def plan(self) -> Plan:
        desired = self.desired()
        targets = {b.target for b in self.backends}
        desired = State(tuple(e for e in desired if e.target in targets))
        live = self.read_live()
        problems = reference_problems(desired, live)
        if problems:
            raise GoalkeeperError(problems)
        return make_plan(desired, live)

    def apply(self, plan: Plan, progress: Progress | None = None) -> None:
        for backend in self.backends:
            changes: Sequence = plan.for_target(backend.target).changes
            if changes:
                backend.apply(changes, progress)

    def publish(self, name: str, notes: str) -> dict:
        """Publish the GTM workspace as a new container version (live GTM targets only)."""
        publisher = next((b for b in self.backends if hasattr(b, "publish")), None)
        if publisher is None:
            raise GoalkeeperError("--publish needs a live GTM target (target.gtm.account and container)")
        return publisher.publish(name, notes)


def templates_dir_for(goals_path: Path) -> Path:
    """A project's own kinds live in templates/ beside its goal file."""
    return goals_path.parent / "templates"


def open_goal_file(goals_path: Path, templates: Path | None = None) -> tuple[GoalFile, Mapping[str, Kind]]:
    kinds = load_kinds(templates or templates_dir_for(goals_path))
    return load_goal_file(goals_path, kinds), kinds


def open_project(goals_path: Path, templates: Path | None = None) -> Project:
    goal_file, kinds = open_goal_file(goals_path, templates)
    base = goals_path.parent
    backends: list[Backend] = []
    target = goal_file.target
    if not target.get("gtm") and not target.get("ga4"):
        raise GoalkeeperError(Problem("the goal file has no `target:` with `gtm:` or `ga4:`; add one", goal_file.path))
    if target.get("gtm"):
        backends.append(_backend(GTM_BACKENDS, target["gtm"], goal_file, base))
    if target.get("ga4"):
        backends.append(_backend(GA4_BACKENDS, target["ga4"], goal_file, base))
    if target.get("gtm") and not goal_file.measurement_id:
        raise GoalkeeperError(Problem(
            "target.measurement_id (G-XXXX) is needed: goalkeeper's GA4 tags send events to it", goal_file.path))
    return Project(goal_file, kinds, backends)
