"""The goalkeeper command: thin, no logic; maps errors to exit codes.

Exit status: 0 success (with --detailed-exitcode: no changes), 1 error, 2 changes present
(with --detailed-exitcode).
"""

from __future__ import annotations

import enum
import json
import subprocess
import sys
from functools import wraps
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from goalkeeper.core.errors import GoalkeeperError
from goalkeeper.core.plan import Plan
from goalkeeper.goals.kinds import load_kinds
from goalkeeper.goals.model import file_schema
from goalkeeper.project import Project, open_goal_file, open_project, templates_dir_for
from goalkeeper.render import PlanContext
from goalkeeper.render.json import render_json
from goalkeeper.render.markdown import render_markdown
from goalkeeper.render.text import render_text

app = typer.Typer(
    help="Conversion tracking as code: plan and apply YAML goals to Google Tag Manager and GA4.",
    no_args_is_help=True,
    add_completion=False,
)

GOALS_ARGUMENT = typer.Argument(Path("goals.yaml"), help="The goal file.", show_default=True)
TEMPLATES_OPTION = typer.Option(None, "--templates", help="Folder of your own goal-kind templates (default: templates/ beside the goal file).")


class Format(str, enum.Enum):
    text = "text"
    markdown = "markdown"
    json = "json"


RENDERERS = {Format.text: render_text, Format.markdown: render_markdown, Format.json: render_json}


def reports_errors(command):
    """Print a user's error as the problems it lists, and exit with its status: no traceback."""

    @wraps(command)
    def run(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except GoalkeeperError as error:
            for problem in error.problems:
                typer.echo(f"Error: {problem}", err=True)
            raise typer.Exit(error.exit_code)

    return run


def _print_plan(plan: Plan, context: PlanContext, output_format: Format) -> None:
    typer.echo(RENDERERS[output_format](plan, context), nl=False)


@app.command()
@reports_errors
def plan(
    goals: Path = GOALS_ARGUMENT,
    output_format: Format = typer.Option(Format.text, "--format", help="text, markdown (pull-request comment) or json."),
    detailed_exitcode: bool = typer.Option(False, "--detailed-exitcode", help="Exit 0 with no changes, 2 with changes, 1 on error."),
    templates: Optional[Path] = TEMPLATES_OPTION,
) -> None:
    """Show what apply would create, change or delete in GTM and GA4."""
    project = open_project(goals, templates)
    the_plan = project.plan()
    _print_plan(the_plan, project.context(), output_format)
    if detailed_exitcode and not the_plan.empty:
        raise typer.Exit(2)


def _confirm(the_plan: Plan, auto_approve: bool) -> bool:
    if auto_approve:
        return True
    if not sys.stdin.isatty():
        typer.echo("Error: apply needs confirmation; run it in a terminal or pass --auto-approve.", err=True)
        raise typer.Exit(1)
    return typer.confirm("Apply these changes?", default=False)


def _apply(project: Project, the_plan: Plan) -> None:
    # Live applies wait on the GTM quota (25 requests per 100 s): show progress and time left.
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("Applying", total=len(the_plan.changes))

        def progress(change):
            bar.update(task, advance=1, description=f"{change.action} {change.name}"[:40])

        project.apply(the_plan, progress)
    typer.echo(f"Apply complete. {the_plan.to_add} added, {the_plan.to_change} changed, {the_plan.to_destroy} destroyed.")


def _version_name(name: str | None) -> tuple[str, str]:
    """The version name and notes: given, or from the current git commit."""
    try:
        commit = subprocess.run(["git", "log", "-1", "--format=%h %s"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = ""
    return name or (f"goalkeeper: {commit}" if commit else "goalkeeper apply"), commit


@app.command()
@reports_errors
def apply(
    goals: Path = GOALS_ARGUMENT,
    auto_approve: bool = typer.Option(False, "--auto-approve", help="Apply without asking."),
    publish: bool = typer.Option(False, "--publish", help="Create a GTM container version from the workspace and publish it."),
    version_name: Optional[str] = typer.Option(None, "--version-name", help="Name of the published version (default: the git commit)."),
    version_notes: Optional[str] = typer.Option(None, "--version-notes", help="Notes of the published version."),
    templates: Optional[Path] = TEMPLATES_OPTION,
) -> None:
    """Show the plan, ask for confirmation, and write it to the targets."""
    project = open_project(goals, templates)
    the_plan = project.plan()
    _print_plan(the_plan, project.context(), Format.text)
    if the_plan.empty and not publish:
        return
    if not the_plan.empty and not _confirm(the_plan, auto_approve):
        typer.echo("Apply cancelled; nothing was changed.")
        raise typer.Exit(1)
    _apply(project, the_plan)
    if publish:
        name, commit = _version_name(version_name)
        version = project.publish(name, version_notes or f"Published by goalkeeper from {commit or 'the goal file'}.")
        typer.echo(f"Published GTM container version {version.get('containerVersionId')} ({name}).")


@app.command()
@reports_errors
def login(
    client_secrets: Path = typer.Option(..., "--client-secrets", exists=True, dir_okay=False,
                                        help="OAuth client (Desktop app) JSON from the Google Cloud console."),
) -> None:
    """Sign in with a Google account in the browser; the token is cached for later runs."""
    from goalkeeper.backends.google_clients import login as sign_in

    path = sign_in(client_secrets)
    typer.echo(f"Signed in. Token cached in {path}.")


@app.command()
@reports_errors
def validate(
    goals: list[Path] = typer.Argument(None, help="Goal files to check (default: goals.yaml)."),
    templates: Optional[Path] = TEMPLATES_OPTION,
) -> None:
    """Check goal files without reading any target: no credentials needed."""
    checked = 0
    for path in goals or [Path("goals.yaml")]:
        goal_file, kinds = open_goal_file(path, templates)
        from goalkeeper.goals.expand import expand

        expand(goal_file, kinds)
        checked += len(goal_file.goals)
        typer.echo(f"{path}: {len(goal_file.goals)} goals, valid.")


@app.command()
@reports_errors
def kinds(
    name: Optional[str] = typer.Argument(None, help="Show one kind's fields and an example."),
    templates: Optional[Path] = typer.Option(Path("templates"), "--templates", help="Folder of your own goal-kind templates."),
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
    typer.echo("  ...and the fields every goal has: name, kind, category, event_name, key_event, params, dimensions, description")
    if kind.example:
        typer.echo(f"\nExample:\n{kind.example}")


@app.command()
@reports_errors
def schema(
    templates: Optional[Path] = typer.Option(Path("templates"), "--templates", help="Folder of your own goal-kind templates."),
) -> None:
    """Print the JSON Schema of goal files, for editors."""
    typer.echo(json.dumps(file_schema(load_kinds(templates)), indent=2))


def main() -> None:  # pragma: no cover - entry point
    app()
