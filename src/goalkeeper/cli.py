"""The goalkeeper command: thin, no logic; maps errors to exit codes.

Exit status: 0 success (with --detailed-exitcode: no changes), 1 error (usage errors too: a
mistyped option must never pass for "changes present"), 2 changes present (with
--detailed-exitcode), 3 a saved plan is out of date (the goal file, templates or targets changed
since it was saved), 4 the plan is refused by the goal file's safety thresholds, 130 interrupted
(Ctrl-C).
"""

from __future__ import annotations

import contextlib
import enum
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import typer
import typer.core

from goalkeeper import __version__, logs
from goalkeeper.ci import DEFAULT_PATH, WorkflowOptions, action_notes, write_workflow
from goalkeeper.core.errors import GoalkeeperError
from goalkeeper.core.plan import Plan
from goalkeeper.core.selection import Selection
from goalkeeper.goals.kinds import describe, load_kinds
from goalkeeper.goals.model import CATEGORIES, file_schema
from goalkeeper.project import (
    Project,
    open_project,
    open_saved_plan,
    read_saved_plan_only,
    refuse_if_unsafe,
    save_plan,
    validate_goal_file,
)
from goalkeeper.saved_plan import is_saved_plan

# Each command imports what only it needs (rich's widgets, the renderers, the Google clients,
# even the mapping of network errors):
# `validate` runs as a pre-commit hook, where start-up time is most of the wait.
if TYPE_CHECKING:
    from goalkeeper.core.changes import Change
    from goalkeeper.render import PlanContext

INTERRUPTED = 130  # 128 + SIGINT, as shells report a command stopped by Ctrl-C
USAGE_ERROR = 1  # click's own is 2, which --detailed-exitcode gives to "changes present"
# click's UsageError (BadParameter's base) as the installed typer has it: recent typers vendor click.
_UsageError: type[Exception] = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")


class _UsageErrorsExitOne(typer.core.TyperGroup):
    """Usage errors (an unknown option, a mistyped --target, a missing argument) exit 1, not
    click's 2: ``plan --detailed-exitcode`` exits 2 for "changes present", and a drift job must not
    read a typo as drift. The group's own options are parsed in make_context, a subcommand's
    (and the ci group's) in invoke."""

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().make_context(*args, **kwargs)
        except _UsageError as error:
            setattr(error, "exit_code", USAGE_ERROR)  # noqa: B010 - typed as a ClassVar, set per error here
            raise

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except _UsageError as error:
            setattr(error, "exit_code", USAGE_ERROR)  # noqa: B010
            raise


CONTEXT = {"help_option_names": ["-h", "--help"]}
app = typer.Typer(
    cls=_UsageErrorsExitOne,
    help="Conversion tracking as code: plan and apply YAML goals to Google Tag Manager and GA4.",
    no_args_is_help=True,
    context_settings=CONTEXT,
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"goalkeeper {__version__}")
        raise typer.Exit()


DEBUG_HELP = (
    "Log every API request (method, path, status, duration, retries) to stderr; "
    "same as GOALKEEPER_LOG=debug. Never logs tokens, keys or response bodies."
)


def _log_level(value: bool) -> bool:
    try:
        logs.configure(logs.level_from(value))
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    return value


def _debug_here(value: bool) -> bool:
    """``plan --debug``: the option after the command too, where people type it."""
    if value:
        logs.configure(logs.level_from(True))
    return value


DEBUG_OPTION = typer.Option(False, "--debug", callback=_debug_here, help=DEBUG_HELP)


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_print_version, is_eager=True, help="Print goalkeeper's version and exit."
    ),
    debug: bool = typer.Option(False, "--debug", callback=_log_level, help=DEBUG_HELP),
) -> None:
    """Conversion tracking as code: plan and apply YAML goals to Google Tag Manager and GA4."""


GOALS_ARGUMENT = typer.Argument(Path("goals.yaml"), help="The goal file.", show_default=True)
TEMPLATES_OPTION = typer.Option(
    None, "--templates", help="Folder of your own goal-kind templates (default: templates/ beside the goal file)."
)


class Format(str, enum.Enum):
    text = "text"
    markdown = "markdown"
    json = "json"


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
            from goalkeeper.backends.google_clients import network_problem

            mapped = network_problem(error)
            if mapped is None:
                raise
            typer.echo(f"Error: {mapped}", err=True)
            raise typer.Exit(1) from None

    return run


RAW_OPTION = typer.Option(
    False, "--raw", help='Show fields and values as the APIs spell them (type = "gaawe"), goalkeeper\'s notes in full.'
)


def _print_plan(plan: Plan, context: PlanContext, output_format: Format, raw: bool = False) -> None:
    from rich.console import Console

    from goalkeeper.render.json import render_json
    from goalkeeper.render.markdown import render_markdown
    from goalkeeper.render.text import colour, render_text, wants_colour

    renderers = {Format.text: render_text, Format.markdown: render_markdown, Format.json: render_json}
    text = renderers[output_format](plan, replace(context, raw=raw))
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
    raw: bool = RAW_OPTION,
    debug: bool = DEBUG_OPTION,
) -> None:
    """Show what apply would create, change or delete in GTM and GA4."""
    selection = _selection(goal, category, target)
    project = open_project(goals, templates)
    the_plan = _read_and_plan(project, selection, force)
    if out:  # first: a plan that cannot be saved is an error, with nothing printed as if it were fine
        save_plan(out, project, the_plan, selection, force, templates)
    _print_plan(the_plan, project.context(selection), output_format, raw)
    refuse_if_unsafe(the_plan)
    if detailed_exitcode and not the_plan.empty:
        raise typer.Exit(2)


@app.command()
@reports_errors
def show(
    saved: Path = typer.Argument(..., help="A plan saved by `goalkeeper plan --out`."),
    output_format: Format = typer.Option(Format.text, "--format", help="text, markdown or json."),
    raw: bool = RAW_OPTION,
) -> None:
    """Show a saved plan, as `plan` showed it, without reading GTM or GA4 (like `terraform show`).

    The file is checked as apply checks it (a damaged or edited plan is an error); a note on stderr
    says when the goal file or its templates changed since, which would make apply refuse it.
    """
    the_plan, context, notes = read_saved_plan_only(saved)
    for note in notes:
        typer.echo(f"Note: {note}", err=True)
    _print_plan(the_plan, context, output_format, raw)


def _confirm(the_plan: Plan, auto_approve: bool) -> bool:
    if auto_approve:
        return True
    if not sys.stdin.isatty():
        typer.echo("Error: apply needs confirmation; run it in a terminal or pass --auto-approve.", err=True)
        raise typer.Exit(1)
    return typer.confirm("Apply these changes?", default=False)


def _read_and_plan(project: Project, selection: Selection, force: bool) -> Plan:
    """``project.plan`` with a spinner naming the targets it reads (and counting down any pause)."""
    from goalkeeper.progress import Busy, interactive

    names = " and ".join(b.describe() for b in project.backends_for(selection))
    busy = Busy(f"Reading {names}", interactive(), sys.stderr)
    project.watch_waits(busy.waiting)
    try:
        with busy.shown():
            return project.plan(selection, force)
    finally:
        project.watch_waits(None)


def _apply(
    project: Project, the_plan: Plan, publish: tuple[str | None, str | None] | None, saved: bool = False
) -> None:
    """Apply with progress (a live bar in a terminal, whose time left follows the GTM quota of 25
    requests per 100 s; a line per change elsewhere), then publish the GTM workspace when asked.
    Ctrl-C stops with status 130 after saying what was applied and how to carry on."""
    from goalkeeper.progress import ApplyProgress, interactive

    if publish:
        # fails before anything is written when there is nothing to publish to
        project.publisher()
    if not the_plan.empty:
        progress = ApplyProgress(the_plan.changes, project.seconds_left, interactive(), sys.stderr)
        project.watch_waits(progress.waiting)
        try:
            with progress.shown():
                project.apply(the_plan, progress.changed)
        except KeyboardInterrupt:
            _interrupted(progress.done, the_plan, saved)
            raise typer.Exit(INTERRUPTED) from None
        finally:
            project.watch_waits(None)
        typer.echo(
            f"Apply complete. {the_plan.to_add} added, {the_plan.to_change} changed, {the_plan.to_destroy} destroyed."
        )
    published = _publish(project, *publish) if publish else False
    _next_steps(project.next_steps(the_plan, published))


def _next_steps(steps: dict[str, list[str]]) -> None:
    """Where the changes are now and how they reach the site, target by target."""
    if not steps:
        return
    lines = ["", "Next steps:"]
    for target, said in steps.items():
        lines += [f"- {target}:", *(f"  {sentence}" for sentence in said)]
    typer.echo("\n".join(lines))


def _publish(project: Project, version_name: str | None, version_notes: str | None) -> bool:
    """Publish the GTM workspace as a new version; whether a version was published."""
    from goalkeeper.progress import Busy, interactive

    name, commit = _version_name(version_name)
    busy = Busy("Publishing the GTM workspace", interactive(), sys.stderr)
    project.watch_waits(busy.waiting)
    try:
        with busy.shown():
            version = project.publisher().publish(
                name, version_notes or f"Published by goalkeeper from {commit or 'the goal file'}."
            )
    except KeyboardInterrupt:
        typer.echo(
            "Interrupted while publishing: the changes are applied but may not be live. Run "
            "`goalkeeper apply --publish` again: it publishes the workspace if it still holds them.",
            err=True,
        )
        raise typer.Exit(INTERRUPTED) from None
    finally:
        project.watch_waits(None)
    if version:
        typer.echo(f"Published GTM container version {version.get('containerVersionId')} ({name}).")
    else:
        typer.echo("Nothing to publish: the GTM workspace has no changes since the live version.")
    return bool(version)


def _interrupted(done: Sequence[Change], the_plan: Plan, saved: bool) -> None:
    """What an interrupted apply says: what was applied, and that running again converges."""
    from goalkeeper.render import SYMBOLS, title

    lines = [f"Interrupted: {len(done)} of {len(the_plan.changes)} changes were applied before the interruption."]
    lines += [f"  {SYMBOLS[c.action]} {title(c)}" for c in done]
    if len(done) < len(the_plan.changes):
        lines.append("The others were not applied, except perhaps the one under way when Ctrl-C came.")
    again = (
        "Plan again (`goalkeeper plan --out`), review, and apply the new plan: this saved plan is out of date now"
        if saved
        else "Run `goalkeeper apply` again"
    )
    lines.append(
        f"{again}; goalkeeper re-reads GTM and GA4 and plans only what is left, so it converges without "
        "duplicating anything."
    )
    typer.echo("\n".join(lines), err=True)


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
    raw: bool = RAW_OPTION,
    debug: bool = DEBUG_OPTION,
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
        from goalkeeper.progress import Busy, interactive

        busy = Busy(f"Reading the targets of {goals}", interactive(), sys.stderr)
        # The targets stay locked from the re-plan to the last write: no other run writes between.
        with contextlib.ExitStack() as locks:
            with busy.shown():
                project, the_plan, selection = open_saved_plan(goals, force, busy.waiting, locks)
            project.watch_waits(None)
            _print_plan(the_plan, project.context(selection), Format.text, raw)
            refuse_if_unsafe(the_plan)
            _apply(project, the_plan, publishing, saved=True)  # reviewed when it was saved: no question asked
        return
    project = open_project(goals, templates)
    with project.locked():
        the_plan = _read_and_plan(project, selection, force)
        _print_plan(the_plan, project.context(selection), Format.text, raw)
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
    in every file (and the consistency check's warnings), and exits 1 if there is a problem (fit for
    a pre-commit hook)."""
    problems = []
    for path in goals or [Path("goals.yaml")]:
        try:
            validated = validate_goal_file(path, templates)
        except GoalkeeperError as error:
            problems += error.problems
            continue
        for warning in validated.warnings:
            typer.echo(f"Warning: {warning}", err=True)
        count = validated.goals
        typer.echo(f"{path}: {count} goal{'s' if count != 1 else ''}, valid.")
    if problems:
        raise GoalkeeperError(problems)


@app.command()
@reports_errors
def kinds(
    name: str | None = typer.Argument(
        None, help="Show one kind's default GA4 event, fields (allowed values, defaults), trade-offs and an example."
    ),
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
    typer.echo(describe(known[name]), nl=False)


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
    cls=_UsageErrorsExitOne,
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
    action: str = typer.Option(
        "",
        "--action",
        help="The goalkeeper action: OWNER/REPO@REF of the goalkeeper repository, at a commit SHA or release tag.",
    ),
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
        WorkflowOptions(
            goals=goals, action=action, auth=auth.value, publish=publish, branch=branch, schedule=schedule, path=path
        ),
        force,
    )
    for note in action_notes(action):
        typer.echo(f"Note: {note}", err=True)
    typer.echo(
        f"Wrote {written}. Next: give CI access to GTM and GA4 as the README describes (Give CI access to GTM and GA4), then commit it."
    )


@app.command("test")
@reports_errors
def test_goals(
    goals: list[Path] | None = typer.Argument(None, help="Goal files whose examples to check (default: goals.yaml)."),
    goal: list[str] | None = typer.Option(None, "--goal", help="Only this goal's examples (repeatable)."),
    junit_xml: Path | None = typer.Option(None, "--junit-xml", help="Also write the results as JUnit XML, for CI."),
    templates: Path | None = TEMPLATES_OPTION,
) -> None:
    """Check each goal's examples (what must and must not count) against the triggers, tags and GA4
    rules goalkeeper generates for it, as GTM and GA4 would evaluate them. Reads no target; exits 1
    when an example fails."""
    from goalkeeper.goals.examples import summary
    from goalkeeper.project import run_examples
    from goalkeeper.render.junit import render_junit

    results = []
    for path in goals or [Path("goals.yaml")]:
        found, untested = run_examples(path, templates, goal or ())
        results += found
        for result in found:
            mark = "ok  " if result.passed else "FAIL"
            typer.echo(f"{mark} {result.goal}: {result.expectation}: {result.example}")
            if not result.passed:
                typer.echo(f"     {path}:{result.line}: {result.outcome}: {result.verdict.reason}")
        if untested:
            typer.echo(f"{path}: no examples for {', '.join(untested)}")
    if junit_xml:
        junit_xml.write_text(render_junit(results), encoding="utf-8")
    typer.echo(summary(results))
    if any(not r.passed for r in results):
        raise typer.Exit(1)


@app.command()
@reports_errors
def snapshot(
    goals: Path = GOALS_ARGUMENT,
    out: Path = typer.Option(..., "--out", help="The GA4 snapshot file to write (for target.ga4.snapshot_file)."),
    templates: Path | None = TEMPLATES_OPTION,
    debug: bool = DEBUG_OPTION,
) -> None:
    """Write the goal file's live GA4 property to a snapshot file, so plans (offline, in pull
    requests) run without credentials. Only reads GA4."""
    from goalkeeper.importer import write_snapshot

    counts = write_snapshot(goals, out, templates)
    said = ", ".join(f"{count} {key}" for key, count in counts.items())
    typer.echo(f"Wrote {out}: {said}. Point target.ga4.snapshot_file at it to plan without credentials.")


@app.command("export")
@reports_errors
def export_container(
    goals: Path = GOALS_ARGUMENT,
    out: Path = typer.Option(..., "--out", help="The container export file to write."),
    templates: Path | None = TEMPLATES_OPTION,
) -> None:
    """Write the GTM tags, triggers and variables of the goals as a standalone container export,
    to import in GTM (Admin > Import Container, Merge). Reads no target."""
    from goalkeeper.importer import write_export

    count = write_export(goals, out, templates)
    typer.echo(
        f"Wrote {out}: {count} entities. In GTM, Admin > Import Container, choose {out.name}, a new workspace, "
        'and Merge with "Rename conflicting tags, triggers, and variables"; then Preview and Publish.'
    )


def _beside(goal_file: Path, path: str | None) -> str | None:
    """``path`` as given on the command line (relative to the current folder), written relative to
    ``goal_file``'s folder, as goal files name their targets."""
    if path is None or Path(path).is_absolute():
        return path
    return os.path.relpath(Path(path).resolve(), goal_file.resolve().parent)


@app.command("import")
@reports_errors
def import_goals(
    out: Path = typer.Option(..., "--out", help="The goal file to write."),
    container_file: str | None = typer.Option(None, "--container-file", help="A GTM container export to import."),
    account: str | None = typer.Option(None, "--account", help="GTM account id of a live container to import."),
    container: str | None = typer.Option(None, "--container", help="GTM container id (with --account)."),
    workspace: str | None = typer.Option(None, "--workspace", help="GTM workspace name (default: goalkeeper's)."),
    snapshot_file: str | None = typer.Option(None, "--snapshot-file", help="A GA4 snapshot file to import."),
    ga4_property: str | None = typer.Option(None, "--property", help="A live GA4 property id to import."),
    measurement_id: str | None = typer.Option(None, "--measurement-id", help="The GA4 measurement id (G-…)."),
    credentials: str | None = typer.Option(None, "--credentials", help="A service-account key file for live sources."),
    entity_type: list[str] | None = typer.Option(
        None, "--type", help="Only entities of this type: tag, trigger, variable, folder, key_event, … (repeatable)."
    ),
    folder: list[str] | None = typer.Option(None, "--folder", help="Only GTM entities in this folder (repeatable)."),
    name: list[str] | None = typer.Option(
        None, "--name", help="Only entities whose name matches, as 'GA4 - *' (repeatable)."
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite --out if it exists."),
    goals: bool = typer.Option(
        True, "--goals/--no-goals", help="Write a trigger and its GA4 event tag as the goal that makes them exactly."
    ),
    owner: str | None = typer.Option(
        None, "--owner", help="The goal file's owner id (default: its path from the repository root)."
    ),
    templates: Path | None = TEMPLATES_OPTION,
    debug: bool = DEBUG_OPTION,
) -> None:
    """Write a goal file that adopts what a container and a property already hold, as they are:
    everything, or what --type, --folder and --name choose; the rest stays unmanaged and untouched.
    Groups a goal kind makes exactly become that goal. Only reads; the next apply marks the
    adopted entities as goalkeeper's, keeping their ids."""
    from goalkeeper.importer import Choice, Source, write_import

    gtm: dict[str, str] | None = None
    container_file, snapshot_file = (_beside(out, path) for path in (container_file, snapshot_file))
    if container_file:
        gtm = {"container_file": container_file}
    elif account or container:
        if not (account and container):
            raise GoalkeeperError("a live container needs both --account and --container")
        gtm = {"account": account, "container": container, **({"workspace": workspace} if workspace else {})}
    ga4 = {"snapshot_file": snapshot_file} if snapshot_file else {"property": ga4_property} if ga4_property else None
    source = Source(gtm, ga4, measurement_id, credentials)
    choice = Choice(tuple(entity_type or ()), tuple(folder or ()), tuple(name or ()))
    imported = write_import(source, out, choice, templates, force, goals, owner)
    left = sum(imported.left.values())
    typer.echo(
        f"Wrote {out}: {len(imported.goals)} goals and {len(imported.chosen)} entities adopted, {left} left unmanaged. "
        f"Next: `goalkeeper plan {out}` shows each adopted entity getting goalkeeper's marker, nothing else."
    )
