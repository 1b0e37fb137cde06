"""goalkeeper ci init: the workflow is valid for GitHub, and calls only commands and flags that exist."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from ruamel.yaml import YAML

from goalkeeper.cli import app
from tests.cli_helpers import run

WORKFLOW = Path(".github/workflows/goalkeeper.yml")
VARIANTS = {
    "wif": [],
    "key": ["--auth", "key"],
    "none": ["--auth", "none", "--goals", "tracking/site goals.yaml", "--branch", "trunk"],
    "key-publish": ["--auth", "key", "--publish"],
    "glob-branch-schedule": ["--branch", "release/*", "--schedule", "*/30 1-5 1,15 JAN-JUN MON-FRI"],
}


def check_jsonschema() -> str:
    found = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent)) or shutil.which("check-jsonschema")
    assert found, "check-jsonschema is a test extra: pip install -e '.[test]'"
    return found


@pytest.fixture
def repo(in_tmp_path: Path) -> Path:
    """An empty repository folder, the current directory."""
    return in_tmp_path


def written(*args: str) -> dict:
    result = run("ci", "init", *args)
    assert result.exit_code == 0, result.output
    return YAML(typ="safe").load(WORKFLOW.read_text())


def goalkeeper_commands(workflow: dict) -> list[list[str]]:
    """Every goalkeeper command line in the workflow's run: steps, as words up to a redirection."""
    commands = []
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            for line in step.get("run", "").splitlines():
                words = shlex.split(line.strip()) if line.strip().startswith("goalkeeper ") else []
                if words:
                    end = next((i for i, w in enumerate(words) if w in (">", ">>", "|", "&&", "||", ";")), len(words))
                    commands.append(words[1:end])
    return commands


def command_path(words: list[str]) -> tuple[list[str], list[str]]:
    """Split words into the (sub)command names and the rest."""
    group = typer.main.get_command(app)
    names = []
    for word in words:
        commands = getattr(group, "commands", {})
        if word not in commands:
            break
        names.append(word)
        group = commands[word]
    return names, words[len(names) :]


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_the_workflow_is_valid_for_github(repo, variant):
    written(*VARIANTS[variant])
    result = subprocess.run(
        [check_jsonschema(), "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_every_goalkeeper_command_and_flag_in_the_workflow_exists(repo, variant, monkeypatch):
    commands = goalkeeper_commands(written(*VARIANTS[variant]))
    assert {tuple(command_path(c)[0]) for c in commands} == {("validate",), ("plan",), ("apply",)}
    monkeypatch.setenv("COLUMNS", "250")  # help text unwrapped, each flag whole
    paths = [command_path(command) for command in commands]
    helps = {" ".join(names): run(*names, "--help") for names, _ in paths}
    assert {command: result.exit_code for command, result in helps.items()} == dict.fromkeys(helps, 0)
    missing = [
        f"goalkeeper {' '.join(names)} has no {flag}"
        for names, rest in paths
        for flag in (w.split("=", 1)[0] for w in rest if w.startswith("--"))
        if flag not in helps[" ".join(names)].output
    ]
    assert missing == []


def test_the_pull_request_plan_is_saved_commented_and_applied_after_merge(repo):
    workflow = written()
    plan_lines = [c for c in goalkeeper_commands(workflow) if c[0] == "plan"]
    assert ["plan", "$GOALS", "--format", "markdown", "--out", "plan.json"] in plan_lines
    assert ["plan", "$GOALS", "--detailed-exitcode", "--format", "markdown"] in plan_lines
    assert ["apply", "reviewed/plan.json"] in goalkeeper_commands(workflow)
    steps = {s.get("name"): s for s in workflow["jobs"]["plan"]["steps"]}
    script = steps["Post or update the plan comment"]["with"]["script"]
    assert "startsWith(marker)" in script and "updateComment" in script and "createComment" in script
    assert steps["Save the plan for the apply after merge"]["with"]["name"] == "goalkeeper-plan"
    assert workflow["jobs"]["apply"]["if"] == "github.event_name == 'push'"
    assert workflow["on"]["push"]["branches"] == ["main"]


def test_authentication_choices(repo):
    def auth_step(workflow: dict) -> dict:
        return next(
            (s for s in workflow["jobs"]["plan"]["steps"] if "google-github-actions/auth" in s.get("uses", "")), {}
        )

    assert set(auth_step(written())["with"]) == {"workload_identity_provider", "service_account"}
    assert set(auth_step(written("--auth", "key", "--force"))["with"]) == {"credentials_json"}
    assert auth_step(written("--auth", "none", "--force")) == {}


def test_publish_is_added_to_the_apply_command_only(repo):
    commands = goalkeeper_commands(written("--publish"))
    assert ["apply", "reviewed/plan.json", "--publish"] in commands
    assert all("--publish" not in c for c in commands if c[0] != "apply")


def test_an_existing_workflow_is_kept_unless_forced(repo):
    written()
    WORKFLOW.write_text("# mine\n")
    result = run("ci", "init")
    assert result.exit_code == 1 and "--force" in result.output
    assert WORKFLOW.read_text() == "# mine\n"
    assert run("ci", "init", "--force").exit_code == 0
    assert WORKFLOW.read_text() != "# mine\n"


@pytest.mark.parametrize(
    "option, value",
    [
        ("--schedule", "every day"),
        ("--schedule", "0 6 * *"),
        ("--schedule", '0 6 * * "1'),
        ("--schedule", "60 6 * * *"),
        ("--schedule", "0 24 * * *"),
        ("--branch", "release: x"),
        ("--branch", ""),
    ],
)
def test_an_invalid_schedule_or_branch_is_an_error_and_nothing_is_written(repo, option, value):
    result = run("ci", "init", option, value)
    assert result.exit_code == 1 and result.output.startswith(f"Error: {option} ")
    assert not WORKFLOW.exists()


def test_a_workflow_that_cannot_be_written_is_an_error(repo):
    (repo / "file").write_text("")
    result = run("ci", "init", "--path", "file/goalkeeper.yml")
    assert result.exit_code == 1 and "file/goalkeeper.yml: cannot write the workflow" in result.output


def test_the_goal_file_path_is_quoted(repo):
    workflow = written("--goals", "tracking/site goals.yaml")
    assert workflow["env"]["GOALS"] == "tracking/site goals.yaml"


def test_the_documentation_shows_the_workflow_as_written():
    from goalkeeper.ci import WorkflowOptions, github_workflow

    doc = (Path(__file__).parent.parent / "README.md").read_text()
    assert github_workflow(WorkflowOptions()) in doc, (
        "README.md shows an old workflow: paste the one `goalkeeper ci init` writes"
    )


def test_publishing_without_credentials_is_refused(repo):
    result = run("ci", "init", "--auth", "none", "--publish")
    assert result.exit_code == 1 and "--auth wif or --auth key" in result.output
    assert not WORKFLOW.exists()
