"""The goalkeeper command: thin, no logic; maps errors to exit codes.

Exit status: 0 success (with --detailed-exitcode: no changes), 1 error, 2 changes present
(with --detailed-exitcode), 3 a saved plan is out of date (the goal file, templates or targets
changed since it was saved), 4 the plan is refused by the goal file's safety thresholds.
"""

from __future__ import annotations

import contextlib
import enum
import json
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from functools import wraps
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from typer.core import TyperGroup

from goalkeeper.backends.google_clients import network_problem
from goalkeeper.ci import DEFAULT_PATH, WorkflowOptions, write_workflow
from goalkeeper.core.changes import Change
from goalkeeper.core.errors import GoalkeeperError
from goalkeeper.core.plan import Plan
from goalkeeper.core.selection import Selection
from goalkeeper.goals.kinds import load_kinds
from goalkeeper.goals.model import CATEGORIES, file_schema
from goalkeeper.project import (
    Project,
    open_project,
    open_saved_plan,
    refuse_if_unsafe,
    save_plan,
    validate_goal_file,
)
from goalkeeper.render import PlanContext
from goalkeeper.render.json import render_json
from goalkeeper.render.markdown import render_markdown
from goalkeeper.render.text import colour, render_text, wants_colour
from goalkeeper.saved_plan import is_saved_plan


@contextlib.contextmanager
def _usage_errors_exit_one() -> Iterator[None]:
    try:
        yield
    except typer.exceptions.TyperException as error:
        # typer's own click raises usage errors (unknown option, bad value) with status 2
        if not isinstance(error, (typer.Exit, typer.Abort)) and getattr(error, "exit_code", None) == 2:
            setattr(error, "exit_code", 1)  # noqa: B010 (the class declares it for all instances)
        raise


class Commands(TyperGroup):
    """goalkeeper's commands, whose usage errors (an unknown option, a bad --format) exit 1 like
    every other error: click's 2 would read as "changes present" to a script using
    --detailed-exitcode."""

    # typer's click is private to typer: its Context is spelled Any here.
    def make_context(self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any) -> Any:
        with _usage_errors_exit_one():
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: Any) -> Any:
        with _usage_errors_exit_one():
            return super().invoke(ctx)


app = typer.Typer(
    help="Conversion tracking as code: plan and apply YAML goals to Google Tag Manager and GA4.",
    no_args_is_help=True,
    add_completion=False,
    cls=Commands,
)

GOALS_ARGUMENT = typer.Argument(Path("goals.yaml"), help="The goal file.", show_default=True)
TEMPLATES_OPTION = typer.Option(
    None, "--templates", help="Folder of your own goal-kind templates (default: templates/ beside the goal file)."
)


class Format(str, enum.Enum):
    text = "text"
    markdown = "markdown"
    json = "json"


RENDERERS = {Format.text: render_text, Format.markdown: render_markdown, Format.json: render_json}


Params = ParamSpec("Params")
Result = TypeVar("Result")


@contextlib.contextmanager
def _terminated_cleanly() -> Iterator[None]:
    """Let SIGTERM (CI cancelling a job, `kill`) end goalkeeper as Ctrl-C does: through every
    ``finally``, so temporary files are removed and locks released, instead of vanishing at once."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def reports_errors(command: Callable[Params, Result]) -> Callable[Params, Result]:
    """Print a user's error as the problems it lists, and exit with its status: no traceback."""

    @wraps(command)
    def run(*args: Params.args, **kwargs: Params.kwargs) -> Result:
        try:
            with _terminated_cleanly():
                return command(*args, **kwargs)
        except GoalkeeperError as error:
            for problem in error.problems:
                typer.echo(f"Error: {problem}", err=True)
            raise typer.Exit(error.exit_code) from None
        except Exception as error:
            # Outside the backends' own error handling (a token refreshed while building a client):
            # a network or sign-in failure is still one clear line, never a traceback quoting Google.
            mapped = network_problem(error)
            if mapped is None:
                raise
            typer.echo(f"Error: {mapped}", err=True)
            raise typer.Exit(1) from None

    return run


def _print_plan(plan: Plan, context: PlanContext, output_format: Format) -> None:
    text = RENDERERS[output_format](plan, context)
    coloured = output_format is Format.text and wants_colour(Console())
    # color=True keeps the escapes when FORCE_COLOR colours a pipe; echo strips them otherwise.
    typer.echo(colour(text) if coloured else text, nl=False, color=coloured or None)


GOAL_OPTION = typer.Option(
    None,
    "--goal",
    help="Only this goal (repeatable); a goal removed from the goal file may be named to remove its entities.",
)
CATEGORY_OPTION = typer.Option(None, "--category", help="Only the goals of this category (repeatable; adds to --goal).")
TARGET_OPTION = typer.Option(None, "--target", help="Only this target: gtm or ga4 (repeatable).")
FORCE_OPTION = typer.Option(False, "--force", help="Go ahead although the plan exceeds safety.max_change_share.")


class Target(str, enum.Enum):
    gtm = "gtm"
    ga4 = "ga4"


Category = enum.Enum("Category", {c: c for c in CATEGORIES}, type=str)  # type: ignore[misc]


def _selection(goal: list[str] | None, category: list[Category] | None, target: list[Target] | None) -> Selection:
    return Selection.of(goal or (), [c.value for c in category or ()], [t.value for t in target or ()])


@app.command()
@reports_errors
def plan(
    goals: Path = GOALS_ARGUMENT,
    output_format: Format = typer.Option(
        Format.text, "--format", help="text, markdown (pull-request comment) or json."
    ),
    detailed_exitcode: bool = typer.Option(
        False, "--detailed-exitcode", help="Exit 0 with no changes, 2 with changes, 1 on error."
    ),
    out: Path | None = typer.Option(None, "--out", help="Save the plan, for `goalkeeper apply FILE` to apply exactly."),
    goal: list[str] | None = GOAL_OPTION,
    category: list[Category] | None = CATEGORY_OPTION,
    target: list[Target] | None = TARGET_OPTION,
    force: bool = FORCE_OPTION,
    templates: Path | None = TEMPLATES_OPTION,
) -> None:
    """Show what apply would create, change or delete in GTM and GA4."""
    selection = _selection(goal, category, target)
    project = open_project(goals, templates)
    the_plan = project.plan(selection, force)
    if out:  # first: a plan that cannot be saved is an error, with nothing printed as if it were fine
        save_plan(out, project, the_plan, selection, force, templates)
    _print_plan(the_plan, project.context(selection), output_format)
    refuse_if_unsafe(the_plan)
    if detailed_exitcode and not the_plan.empty:
        raise typer.Exit(2)


def _confirm(the_plan: Plan, auto_approve: bool) -> bool:
    if auto_approve:
        return True
    if not sys.stdin.isatty():
        typer.echo("Error: apply needs confirmation; run it in a terminal or pass --auto-approve.", err=True)
        raise typer.Exit(1)
    return typer.confirm("Apply these changes?", default=False)


def _apply(project: Project, the_plan: Plan, publish: tuple[str | None, str | None] | None) -> None:
    """Apply with a progress bar (live applies wait on the GTM quota of 25 requests per 100 s,
    so it shows the time left), then publish the GTM workspace when asked."""
    if publish:
        # fails before anything is written when there is nothing to publish to
        project.publisher()
    if not the_plan.empty:
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[left]}"),
        )
        with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
            task = bar.add_task("Applying", total=len(the_plan.changes), left=_time_left(project, the_plan.changes))
            done: list[Change] = []

            def progress(change: Change) -> None:
                done.append(change)
                remaining = the_plan.changes[len(done) :]
                bar.update(
                    task,
                    advance=1,
                    description=f"{change.action} {change.name}"[:40],
                    left=_time_left(project, remaining),
                )

            project.apply(the_plan, progress)
        typer.echo(
            f"Apply complete. {the_plan.to_add} added, {the_plan.to_change} changed, {the_plan.to_destroy} destroyed."
        )
    if publish:
        name, commit = _version_name(publish[0])
        version = project.publisher().publish(
            name, publish[1] or f"Published by goalkeeper from {commit or 'the goal file'}."
        )
        if version:
            typer.echo(f"Published GTM container version {version.get('containerVersionId')} ({name}).")
        else:
            typer.echo("Nothing to publish: the GTM workspace has no changes since the live version.")


def _time_left(project: Project, changes: Sequence[Change]) -> str:
    """The time left, from the GTM quota's pace (the apply's speed so far says little: the first
    25 requests are quick, then every fourth second brings one more)."""
    seconds = project.seconds_left(changes)
    if seconds is None:
        return ""
    minutes, rest = divmod(int(seconds), 60)
    return f"about {minutes}:{rest:02d} left (GTM quota)" if seconds else ""


def _version_name(name: str | None) -> tuple[str, str]:
    """The version name and notes: given, or from the current git commit."""
    try:
        commit = subprocess.run(
            ["git", "log", "-1", "--format=%h %s"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = ""
    return name or (f"goalkeeper: {commit}" if commit else "goalkeeper apply"), commit


@app.command()
@reports_errors
def apply(
    goals: Path = typer.Argument(
        Path("goals.yaml"), help="A goal file, or a plan saved by `plan --out` (applied exactly, without asking)."
    ),
    auto_approve: bool = typer.Option(False, "--auto-approve", help="Apply without asking."),
    goal: list[str] | None = GOAL_OPTION,
    category: list[Category] | None = CATEGORY_OPTION,
    target: list[Target] | None = TARGET_OPTION,
    force: bool = FORCE_OPTION,
    publish: bool = typer.Option(
        False, "--publish", help="Create a GTM container version from the workspace and publish it (live GTM targets)."
    ),
    version_name: str | None = typer.Option(
        None, "--version-name", help="Name of the published version (default: the current git commit)."
    ),
    version_notes: str | None = typer.Option(None, "--version-notes", help="Notes of the published version."),
    templates: Path | None = TEMPLATES_OPTION,
) -> None:
    """Show the plan, ask for confirmation, and write it to the targets.

    Given a saved plan, apply exactly that plan, or refuse (exit 3) if the goal file or the targets
    changed since it was saved.
    """
    selection = _selection(goal, category, target)
    publishing = (version_name, version_notes) if publish else None
    if is_saved_plan(goals):
        if not selection.everything or templates:
            raise GoalkeeperError(
                "a saved plan already fixes its goals, targets and templates; "
                "leave out --goal, --category, --target and --templates"
            )
        # The targets stay locked from the re-plan to the last write: no other run writes between.
        with contextlib.ExitStack() as locks:
            project, the_plan, selection = open_saved_plan(goals, force, locks)
            _print_plan(the_plan, project.context(selection), Format.text)
            refuse_if_unsafe(the_plan)
            _apply(project, the_plan, publishing)  # reviewed when it was saved: no question asked
        return
    project = open_project(goals, templates)
    with project.locked():
        the_plan = project.plan(selection, force)
        _print_plan(the_plan, project.context(selection), Format.text)
        refuse_if_unsafe(the_plan)
        if the_plan.empty and not publish:
            return
        if not the_plan.empty and not _confirm(the_plan, auto_approve):
            typer.echo("Apply cancelled; nothing was changed.")
            raise typer.Exit(1)
        _apply(project, the_plan, publishing)


@app.command()
@reports_errors
def login(
    client_secrets: Path = typer.Option(
        ...,
        "--client-secrets",
        exists=True,
        dir_okay=False,
        help="OAuth client (Desktop app) JSON from the Google Cloud console.",
    ),
) -> None:
    """Sign in with a Google account in the browser; the token is cached for later runs."""
    from goalkeeper.backends.google_clients import login as sign_in

    path = sign_in(client_secrets)
    typer.echo(f"Signed in. Token cached in {path}.")


@app.command()
@reports_errors
def validate(
    goals: list[Path] | None = typer.Argument(None, help="Goal files to check (default: goals.yaml)."),
    templates: Path | None = TEMPLATES_OPTION,
) -> None:
    """Check goal files without reading any target: no credentials needed. Reports every problem
    in every file, and exits 1 if there is one (fit for a pre-commit hook)."""
    problems = []
    for path in goals or [Path("goals.yaml")]:
        try:
            count = validate_goal_file(path, templates)
        except GoalkeeperError as error:
            problems += error.problems
            continue
        typer.echo(f"{path}: {count} goal{'s' if count != 1 else ''}, valid.")
    if problems:
        raise GoalkeeperError(problems)


@app.command()
@reports_errors
def kinds(
    name: str | None = typer.Argument(None, help="Show one kind's fields and an example."),
    templates: Path | None = typer.Option(
        Path("templates"), "--templates", help="Folder of your own goal-kind templates."
    ),
) -> None:
    """List the goal kinds, or describe one."""
    known = load_kinds(templates)
    if name is None:
        width = max(len(k) for k in known)
        for kind in known.values():
            origin = "" if kind.builtin else "  (project)"
            typer.echo(f"{kind.name.ljust(width)}  {kind.description}{origin}")
        return
    if name not in known:
        raise GoalkeeperError(f"unknown kind {name!r}; known kinds: {', '.join(sorted(known))}")
    kind = known[name]
    typer.echo(f"{kind.name}: {kind.description}\n\nDefault category: {kind.category}\nFields:")
    for field, schema in kind.inputs.items():
        required = " (required)" if field in kind.required else ""
        typer.echo(f"  {field}{required}: {schema.get('description', '')}".rstrip())
    common = "name, kind, category, event_name, key_event, params, dimensions, description"
    if not kind.sends_events:  # no GA4 event: nothing to name, mark or add parameters to
        common = "name, kind, category, description"
    typer.echo(f"  ...and the fields every goal has: {common}")
    if kind.example:
        typer.echo(f"\nExample:\n{kind.example}")


@app.command()
@reports_errors
def schema(
    templates: Path | None = typer.Option(
        Path("templates"), "--templates", help="Folder of your own goal-kind templates."
    ),
) -> None:
    """Print the JSON Schema of goal files, for editors."""
    typer.echo(json.dumps(file_schema(load_kinds(templates)), indent=2))


ci_app = typer.Typer(
    help="Continuous integration: plans reviewed in pull requests, applied on merge.",
    no_args_is_help=True,
    cls=Commands,
)
app.add_typer(ci_app, name="ci")


class Auth(str, enum.Enum):
    wif = "wif"
    key = "key"
    none = "none"


@ci_app.command("init")
@reports_errors
def ci_init(
    goals: str = typer.Option("goals.yaml", "--goals", help="The goal file, relative to the repository root."),
    auth: Auth = typer.Option(
        Auth.wif,
        "--auth",
        help="wif: workload identity federation; key: a service account key in a secret; none: file targets.",
    ),
    publish: bool = typer.Option(False, "--publish", help="Apply with --publish: make the merged changes live in GTM."),
    branch: str = typer.Option("main", "--branch", help="The default branch: merges to it are applied."),
    schedule: str = typer.Option(
        WorkflowOptions.schedule, "--schedule", help="Cron schedule of the drift check (UTC)."
    ),
    path: Path = typer.Option(DEFAULT_PATH, "--path", help="Where to write the workflow."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing workflow."),
) -> None:
    """Write a GitHub Actions workflow: plan comments on pull requests, apply on merge, drift checks."""
    written = write_workflow(
        WorkflowOptions(goals=goals, auth=auth.value, publish=publish, branch=branch, schedule=schedule, path=path),
        force,
    )
    typer.echo(
        f"Wrote {written}. Next: give CI access to GTM and GA4 as the README describes (Give CI access to GTM and GA4), then commit it."
    )
