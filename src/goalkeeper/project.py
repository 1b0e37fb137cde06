"""The workflow behind the commands: open a goal file, read the targets, plan, apply.

This is where the pure core meets the backends; the CLI only parses options and prints.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from goalkeeper.core import consistency
from goalkeeper.core.errors import GoalkeeperError, Problem, UnsafePlanError
from goalkeeper.core.selection import Selection
from goalkeeper.core.state import State
from goalkeeper.files import same_file
from goalkeeper.goals.expand import expand, taken_over_keys
from goalkeeper.goals.kinds import Kind, load_kinds
from goalkeeper.goals.load import load_goal_file
from goalkeeper.goals.model import GoalFile
from goalkeeper.saved_plan import (
    SavedPlan,
    digest_file,
    digest_kinds,
    moved,
    read_saved_plan,
    stale,
    write_saved_plan,
)

# What only planning, applying or showing a plan needs is imported there: `validate` (a
# pre-commit hook) starts without the planner, the backends' base, the examples' evaluator or
# the renderers.
if TYPE_CHECKING:
    from goalkeeper.backends.base import Backend, Progress
    from goalkeeper.backends.ratelimit import Waiting
    from goalkeeper.core.changes import Change
    from goalkeeper.core.plan import Plan
    from goalkeeper.goals.examples import ExampleResult
    from goalkeeper.render import ExamplesInfo, PlanContext

BackendFactory = Callable[[Mapping, GoalFile, Path], "Backend"]
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
    from goalkeeper.backends.ratelimit import gtm_requests_per_100s

    budget = gtm_requests_per_100s(spec)
    creds = google_clients.credentials(_credential_settings(goal_file.target, base))
    return GTMLiveBackend(
        google_clients.tagmanager_service(creds),
        spec["account"],
        spec["container"],
        spec.get("workspace", "goalkeeper"),
        requests_per_100s=budget,
    )


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

    def context(self, selection: Selection = Selection()) -> PlanContext:
        from goalkeeper.goals.examples import check_examples
        from goalkeeper.render import GoalInfo, PlanContext

        return PlanContext(
            targets={b.target: b.describe() for b in self.backends_for(selection)},
            goals={g.name: GoalInfo(g.kind, g.category) for g in self.goal_file.goals},
            source=self.goal_file.path,
            examples=examples_info(check_examples(self.goal_file, self.kinds)),
        )

    def backends_for(self, selection: Selection) -> list[Backend]:
        return [b for b in self.backends if selection.includes_target(b.target)]

    def desired(self) -> State:
        return expand(self.goal_file, self.kinds)

    def read_live(self, selection: Selection = Selection()) -> State:
        live = State()
        for backend in self.backends_for(selection):
            live = live.merged(backend.read())
        return live

    def plan(self, selection: Selection = Selection(), force: bool = False) -> Plan:
        """Expand every goal, read the selected targets, and plan (see core.planner.make_plan)."""
        from goalkeeper.core.planner import make_plan
        from goalkeeper.core.safety import SafetyPolicy

        backends = self.backends_for(selection)
        planned = frozenset(b.target for b in backends)
        # Every goal's entities, even of a target not planned: a GA4 key event is sent by a GTM tag
        # whether or not goalkeeper manages that container.
        everything = self.desired()
        live = self.read_live(selection)
        desired = State(tuple(e for e in everything if e.target in planned))
        problems = [p for b in backends for p in b.problems_with(desired)]
        facts = {b.target: b.facts() for b in backends}
        # Enhanced measurement only feeds warnings: not read for a plan that fails anyway.
        settings = [] if problems else [b.enhanced_measurement() for b in backends]
        return make_plan(
            everything,
            live,
            planned=planned,
            configured=frozenset(b.target for b in self.backends),
            goals={g.name: g.category for g in self.goal_file.goals},
            selection=selection,
            policy=SafetyPolicy.from_settings(self.goal_file.safety),
            force=force,
            enhanced_measurement=next((s for s in settings if s), None),
            target_problems=problems,
            facts=facts,
            declared=self.goal_file.declarations(),
            owner=self.goal_file.owner,
            adopt_unowned=self.goal_file.adopt_unowned,
            adopted=taken_over_keys(self.goal_file, everything),
        )

    def basis(self, selection: Selection = Selection()) -> dict[str, Any]:
        """What a plan is based on, to detect later that it moved (see goalkeeper.saved_plan)."""
        return {
            "goal_file": digest_file(Path(self.goal_file.path)),
            "templates": digest_kinds(self.kinds),
            "targets": {b.target: b.fingerprint() for b in self.backends_for(selection)},
        }

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """A context holding every target's lock (a file target's lock file), to read, plan and
        write without another goalkeeper run writing in between. Raises GoalkeeperError when a lock
        cannot be had (another run held it too long)."""
        with contextlib.ExitStack() as stack:
            for backend in self.backends:
                stack.enter_context(backend.lock())
            yield

    def apply(self, plan: Plan, progress: Progress | None = None) -> None:
        """Apply ``plan``, GA4 first, then GTM (``APPLY_ORDER``), under the targets' locks. Every
        target that has changes is checked first (unchanged since read, writable), so a target that
        cannot be written stops the apply before anything is written anywhere. When a target fails,
        the error says what was already applied, per target, and that running again converges (the
        error keeps its type and exit status; it gains the report as its last problem)."""
        writing = [b for b in self.backends if plan.for_target(b.target).changes]
        with self.locked():
            for backend in writing:
                backend.check_writable()
            self._apply_in_order(sorted(writing, key=lambda b: APPLY_ORDER.index(b.target)), plan, progress)

    def _apply_in_order(self, writing: Sequence[Backend], plan: Plan, progress: Progress | None) -> None:
        done: list[tuple[Backend, list[Change]]] = []
        for backend in writing:
            changes = plan.for_target(backend.target).changes
            applied: list[Change] = []
            done.append((backend, applied))

            def record(change: Change, applied: list[Change] = applied) -> None:
                applied.append(change)
                if progress:
                    progress(change)

            try:
                backend.apply(changes, record)
            except GoalkeeperError as error:
                error.problems.append(Problem(applied_report(done)))
                error.args = ("\n".join(str(p) for p in error.problems),)
                raise
            except Exception as error:
                error.add_note(applied_report(done))
                raise

    def next_steps(self, plan: Plan, published: bool = False) -> dict[str, list[str]]:
        """Each target's next steps after ``plan`` was applied (see Backend.next_steps), by the
        target's description; targets the plan left alone say nothing, unless ``published``."""
        steps = {}
        for backend in self.backends:
            changes = plan.for_target(backend.target).changes
            if changes or (published and backend.publishes):
                said = backend.next_steps(changes, published and backend.publishes)
                if said:
                    steps[backend.describe()] = said
        return steps

    def watch_waits(self, waiting: Waiting | None) -> None:
        """Have every backend tell ``waiting(seconds, why)`` before it pauses (None: stop)."""
        for backend in self.backends:
            backend.watch_waits(waiting)

    def seconds_left(self, changes: Sequence[Change]) -> float | None:
        """About how long applying ``changes`` still takes where a quota paces the writes (live
        GTM), or None when nothing does."""
        paced = [
            seconds
            for b in self.backends
            if (seconds := b.seconds_left(sum(1 for c in changes if c.target == b.target))) is not None
        ]
        return sum(paced) if paced else None

    def publisher(self) -> Backend:
        """The backend that can publish a container version (a live GTM target)."""
        from goalkeeper.backends.base import NO_VERSIONS

        publisher = next((b for b in self.backends if b.publishes), None)
        if publisher is None:
            raise GoalkeeperError(NO_VERSIONS)
        return publisher


# GA4 is written before GTM. A key event, custom dimension or event-create rule only tells GA4 how
# to treat events; it is harmless before any tag sends them, and GA4 applies it to data from then
# on, never to what was collected before. GTM's tags are what send: written last (and published
# after that), they never send events GA4 has not been told about, and a GA4 failure stops the
# apply before the container changes at all.
APPLY_ORDER = ("ga4", "gtm")


def applied_report(done: Sequence[tuple[Backend, Sequence[Change]]]) -> str:
    """What an interrupted apply had done, per target (counts and names), and what to do now."""
    lines = ["Applied before the failure:"]
    for backend, changes in done:
        if not changes:
            lines.append(f"  {backend.describe()}: nothing")
            continue
        lines.append(f"  {backend.describe()}: {len(changes)} change{'s' if len(changes) != 1 else ''}")
        lines += [f"    {c.action} {c.entity.entity_kind.label} {c.name!r}" for c in changes]
    lines.append(
        "Nothing else was written. Run `goalkeeper apply` again (plan again first if you apply a saved plan): "
        "it reads the targets afresh, so what was applied shows as done and only the rest is carried out."
    )
    return "\n".join(lines)


def refuse_if_unsafe(plan: Plan) -> None:
    if plan.refusal:
        raise UnsafePlanError(f"plan refused: {plan.refusal}")


def save_plan(
    out: Path, project: Project, plan: Plan, selection: Selection, force: bool, templates: Path | None = None
) -> None:
    """Write ``plan`` with its basis, for ``apply`` to carry out exactly (even a refused
    plan is written: apply checks the thresholds again, and the file is what reviewers download).
    Raises GoalkeeperError when ``out`` names one of the plan's inputs (the goal file, a template,
    a target file): saving there would destroy what the plan is made from."""
    inputs = [Path(project.goal_file.path), *(Path(k.path) for k in project.kinds.values() if not k.builtin)]
    inputs += [f for b in project.backends for f in b.local_files()]
    clash = next((i for i in inputs if same_file(out, i)), None)
    if clash is not None:
        raise GoalkeeperError(
            Problem(
                f"--out {out} would overwrite {clash}, which the plan is made from; save the plan elsewhere (plan.json)"
            )
        )
    from goalkeeper.render.json import plan_json

    saved = SavedPlan(
        goal_file=project.goal_file.path,
        templates=str(templates) if templates else None,
        selection=selection,
        force=force,
        basis=project.basis(selection),
        plan=plan_json(plan, project.context(selection)),
    )
    write_saved_plan(out, saved)


def open_saved_plan(
    path: Path, force: bool = False, waiting: Waiting | None = None, locks: contextlib.ExitStack | None = None
) -> tuple[Project, Plan, Selection]:
    """Open the project of a saved plan and plan again exactly as it was planned; refuse with
    StalePlanError (exit 3) when the goal files, the templates or the targets moved since, or when
    the plan now differs. The returned plan is the saved plan, ready to apply. ``waiting`` is told
    about the backends' pauses while they read (see Project.watch_waits). Given ``locks``, the
    targets' locks are taken into it before the targets are read (to be held until written)."""
    saved = read_saved_plan(path)
    _as_saved(saved, path)  # an edited plan is refused before anything is read or written
    templates = Path(saved.templates) if saved.templates else None
    if not Path(saved.goal_file).is_file():
        raise GoalkeeperError(
            Problem(
                f"its goal file {saved.goal_file} is not here: run apply from the directory the plan was made in "
                f"(now in {Path.cwd()})",
                str(path),
            )
        )
    project = open_project(Path(saved.goal_file), templates)
    project.watch_waits(waiting)
    # Goal file and templates are checked before reading any target: no credentials needed to fail.
    local = {"goal_file": digest_file(Path(saved.goal_file)), "templates": digest_kinds(project.kinds)}
    reasons = moved({**saved.basis, "targets": {}}, {**local, "targets": {}})
    if reasons:
        raise stale(path, reasons)
    if locks is not None:
        locks.enter_context(project.locked())
    plan = project.plan(saved.selection, force=saved.force or force)
    reasons = moved(saved.basis, project.basis(saved.selection))
    if not reasons and plan.checksum() != saved.checksum:
        reasons = ["the plan computed now differs from the saved one"]
    if reasons:
        raise stale(path, reasons)
    return project, plan, saved.selection


def _as_saved(saved: SavedPlan, path: Path) -> tuple[Plan, PlanContext]:
    """The plan and context ``saved`` holds, checked: GoalkeeperError when it is damaged or its
    changes do not match its checksum (edited by hand), so what a reviewer read is what runs."""
    from goalkeeper.render.json import PlanFormatError, plan_from_json

    try:
        plan, context = plan_from_json(saved.plan)
    except PlanFormatError as error:
        raise GoalkeeperError(
            Problem(f"this saved plan is damaged ({error}); run `goalkeeper plan --out` again", str(path))
        ) from None
    if plan.checksum() != saved.checksum:
        raise GoalkeeperError(
            Problem(
                "this saved plan's changes do not match its checksum (edited or damaged); "
                "run `goalkeeper plan --out` again",
                str(path),
            )
        )
    return plan, context


def read_saved_plan_only(path: Path) -> tuple[Plan, PlanContext, list[str]]:
    """A saved plan as it was saved, for ``goalkeeper show``: no target is read, no credentials
    needed. Checked as apply checks it: GoalkeeperError when it is no saved plan, is damaged, or
    its changes do not match its checksum (edited by hand). Also notes, in words, whatever makes
    apply refuse it already (the goal file or templates changed since, the goal file is missing)."""

    saved = read_saved_plan(path)
    plan, context = _as_saved(saved, path)
    context = replace(context, source=saved.goal_file)
    return plan, context, _local_moves(saved)


def _local_moves(saved: SavedPlan) -> list[str]:
    """What moved since ``saved`` among what can be checked without reading a target."""
    if not Path(saved.goal_file).is_file():
        return [f"its goal file {saved.goal_file} is not here; apply runs from the directory the plan was made in"]
    templates = Path(saved.templates) if saved.templates else templates_dir_for(Path(saved.goal_file))
    try:
        local = {"goal_file": digest_file(Path(saved.goal_file)), "templates": digest_kinds(load_kinds(templates))}
    except GoalkeeperError:
        return ["its goal-kind templates cannot be read here; apply would refuse it"]
    reasons = moved({**saved.basis, "targets": {}}, {**local, "targets": {}})
    return [f"{reason} since this plan was saved: apply would refuse it (exit 3)" for reason in reasons]


def templates_dir_for(goals_path: Path) -> Path:
    """A project's own kinds live in templates/ beside its goal file."""
    return goals_path.parent / "templates"


def open_goal_file(goals_path: Path, templates: Path | None = None) -> tuple[GoalFile, Mapping[str, Kind]]:
    if templates is not None and not templates.is_dir():
        raise GoalkeeperError(f"--templates {templates}: no such folder of goal-kind templates")
    kinds = load_kinds(templates or templates_dir_for(goals_path))
    return load_goal_file(goals_path, kinds), kinds


@dataclass(frozen=True)
class Validated:
    """A goal file that passed ``validate``: how many goals it has, and the warnings to show."""

    goals: int
    warnings: tuple[str, ...] = ()


def validate_goal_file(goals_path: Path, templates: Path | None = None) -> Validated:
    """Load and expand a goal file and run the consistency check without reading any target.

    Raises GoalkeeperError with every problem ``plan`` would refuse the file for before reading a
    target (schema, checks, expansion, a missing target or measurement_id, key events nothing
    sends, events sent twice by the goals themselves)."""
    goal_file, kinds = open_goal_file(goals_path, templates)
    problems = target_problems(goal_file)
    try:
        desired = expand(goal_file, kinds)
    except GoalkeeperError as error:
        raise GoalkeeperError([*problems, *error.problems]) from None
    found = consistency.check(desired, goal_file.declarations())
    if problems or found.errors:
        raise GoalkeeperError([*problems, *found.errors])
    return Validated(len(goal_file.goals), tuple(dict.fromkeys(str(w) for w in found.warnings)))


def target_problems(goal_file: GoalFile) -> list[Problem]:
    """What is missing from the goal file's ``target:`` for planning, found without reading it (a
    measurement id goalkeeper's tags need is asked for by the expansion, which knows)."""
    target = goal_file.target
    if not target.get("gtm") and not target.get("ga4"):
        return [Problem("the goal file has no `target:` with `gtm:` or `ga4:`; add one", goal_file.path)]
    return []


def run_examples(
    goals_path: Path, templates: Path | None = None, goals: Sequence[str] = ()
) -> tuple[list[ExampleResult], list[str]]:
    """The outcome of every example in a goal file (of ``goals`` only, when named), and the goals
    that send an event but give no example. Reads no target."""
    from goalkeeper.goals.examples import check_examples, untested

    goal_file, kinds = open_goal_file(goals_path, templates)
    unknown = sorted(set(goals) - {g.name for g in goal_file.goals})
    if unknown:
        raise GoalkeeperError(
            Problem(f"no goal named {', '.join(map(repr, unknown))} in the goal file", str(goals_path))
        )
    return check_examples(goal_file, kinds, goals), [g for g in untested(goal_file, kinds) if not goals or g in goals]


def examples_info(results: Sequence[ExampleResult]) -> ExamplesInfo:
    """What a plan comment says of the examples."""
    from goalkeeper.render import ExamplesInfo

    failures = tuple(
        f"{r.goal} (line {r.line}) {r.expectation}: {r.example}: {r.outcome}: {r.verdict.reason}"
        for r in results
        if not r.passed
    )
    return ExamplesInfo(len(results), failures)


def open_project(goals_path: Path, templates: Path | None = None) -> Project:
    goal_file, kinds = open_goal_file(goals_path, templates)
    base = goals_path.parent
    backends: list[Backend] = []
    target = goal_file.target
    problems = target_problems(goal_file)
    if problems:
        raise GoalkeeperError(problems)
    if target.get("gtm"):
        backends.append(_backend(GTM_BACKENDS, target["gtm"], goal_file, base))
    if target.get("ga4"):
        backends.append(_backend(GA4_BACKENDS, target["ga4"], goal_file, base))
    return Project(goal_file, kinds, backends)
