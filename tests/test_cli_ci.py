"""goalkeeper ci init: the workflow is valid for GitHub and actionlint, runs the goalkeeper action,
keeps plans and applies of one goal file apart from another's, and never loses an apply."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from goalkeeper.ci import PINNED_ACTIONS, WorkflowOptions, github_workflow
from tests.cli_helpers import run

REPO = Path(__file__).resolve().parent.parent
WORKFLOW = Path(".github/workflows/goalkeeper.yml")
ACTION = "acme/goalkeeper@0123456789abcdef0123456789abcdef01234567"
VARIANTS = {
    "wif": [],
    "key": ["--auth", "key"],
    "none": ["--auth", "none", "--goals", "tracking/site goals.yaml", "--branch", "trunk"],
    "key-publish": ["--auth", "key", "--publish"],
    "glob-branch-schedule": ["--branch", "release/*", "--schedule", "*/30 1-5 1,15 JAN-JUN MON-FRI"],
}


def tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    assert found, f"{name} is a test extra: pip install -e '.[test]'"
    return found


@pytest.fixture
def repo(in_tmp_path: Path) -> Path:
    """An empty repository folder, the current directory."""
    return in_tmp_path


def written(*args: str, action: str = ACTION) -> dict:
    result = run("ci", "init", "--action", action, *args)
    assert result.exit_code == 0, result.output
    return YAML(typ="safe").load(WORKFLOW.read_text())


def action_step(job: dict) -> dict:
    return next(s for s in job["steps"] if not s["uses"].startswith("actions/checkout@"))


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_the_workflow_is_valid_for_github(repo, variant):
    written(*VARIANTS[variant])
    result = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_the_workflow_passes_actionlint_against_the_real_action(repo, variant):
    # `uses: ./` makes actionlint check every input the workflow passes against action.yml.
    shutil.copy(REPO / "action.yml", repo / "action.yml")
    written(*VARIANTS[variant], action="./")
    env = {"PATH": f"{Path(tool('shellcheck')).parent}:/usr/bin:/bin"}
    result = subprocess.run(
        [tool("actionlint"), "-oneline", str(WORKFLOW)], capture_output=True, text=True, cwd=repo, env=env
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("job, command", [("plan", "plan"), ("apply", "apply"), ("drift", "drift")])
def test_each_job_runs_the_goalkeeper_action_named_by_action(repo, job, command):
    step = action_step(written("--goals", "goals/shop.yaml")["jobs"][job])
    assert step["uses"] == ACTION
    assert step["with"]["command"] == command and step["with"]["goals"] == "goals/shop.yaml"


def test_every_third_party_action_is_pinned_by_commit(repo):
    written()
    uses = [line.split("uses:", 1)[1].strip() for line in WORKFLOW.read_text().splitlines() if "uses:" in line]
    checkout = [u for u in uses if u.startswith("actions/checkout@")]
    commit, tag = PINNED_ACTIONS["actions/checkout"]
    assert len(checkout) == 3 and all(u == f"actions/checkout@{commit}  # {tag}" for u in checkout)


def test_the_action_must_be_named_and_nothing_is_written_without_it(repo):
    result = run("ci", "init")
    assert result.exit_code == 1 and "--action" in result.output and "OWNER/REPO@REF" in result.output
    assert not WORKFLOW.exists()


@pytest.mark.parametrize("action", ["acme/goalkeeper", "goalkeeper@v1", "acme/goalkeeper@v1 # x", "./a b"])
def test_an_action_that_is_not_owner_repo_at_ref_is_refused(repo, action):
    result = run("ci", "init", "--action", action)
    assert result.exit_code == 1 and result.output.startswith("Error: --action ")
    assert not WORKFLOW.exists()


def test_an_action_pinned_by_tag_gets_a_note_to_pin_the_commit(repo):
    by_tag = run("ci", "init", "--action", "acme/goalkeeper@v0.1.0")
    assert by_tag.exit_code == 0 and "pin the commit" in by_tag.output
    by_commit = run("ci", "init", "--action", ACTION, "--force")
    assert by_commit.exit_code == 0 and "pin the commit" not in by_commit.output


def test_applies_queue_per_goal_file_and_are_never_cancelled(repo):
    apply = written("--goals", "goals/shop.yaml")["jobs"]["apply"]
    assert apply["concurrency"] == {
        "group": "goalkeeper-apply-goals/shop.yaml",
        "cancel-in-progress": False,
        "queue": "max",
    }


def test_each_apply_plans_from_the_branch_as_it_is_when_it_starts(repo):
    # So an apply run dropped from a full queue, or re-run later, never leaves a merge unapplied
    # nor applies an older goal file: the run that does start applies the latest commit.
    checkout = written()["jobs"]["apply"]["steps"][0]
    assert checkout["with"]["ref"] == "${{ github.ref }}"


def test_two_goal_files_plan_and_apply_in_groups_of_their_own(repo):
    shop = written("--goals", "goals/shop.yaml")
    b2b = written("--goals", "goals/b2b.yaml", "--force")
    for job in ("plan", "apply", "drift"):
        assert shop["jobs"][job]["concurrency"]["group"] != b2b["jobs"][job]["concurrency"]["group"]
        assert "goals/b2b.yaml" in b2b["jobs"][job]["concurrency"]["group"]


def test_a_newer_push_to_a_pull_request_replaces_its_plan(repo):
    plan = written()["jobs"]["plan"]
    assert plan["concurrency"]["cancel-in-progress"] is True
    assert plan["concurrency"]["group"].endswith("-${{ github.event.pull_request.number }}")


@pytest.mark.parametrize(
    "auth, plan_inputs, apply_inputs",
    [
        (
            "wif",
            {
                "workload-identity-provider": "${{ vars.GOALKEEPER_WORKLOAD_IDENTITY_PROVIDER }}",
                "service-account": "${{ vars.GOALKEEPER_PLAN_SERVICE_ACCOUNT || vars.GOALKEEPER_SERVICE_ACCOUNT }}",
            },
            {
                "workload-identity-provider": "${{ vars.GOALKEEPER_WORKLOAD_IDENTITY_PROVIDER }}",
                "service-account": "${{ vars.GOALKEEPER_SERVICE_ACCOUNT }}",
            },
        ),
        (
            "key",
            {
                "credentials-json": "${{ secrets.GOALKEEPER_PLAN_CREDENTIALS_JSON || secrets.GOALKEEPER_CREDENTIALS_JSON }}"
            },
            {"credentials-json": "${{ secrets.GOALKEEPER_CREDENTIALS_JSON }}"},
        ),
        ("none", {}, {}),
    ],
)
def test_plan_and_drift_use_the_read_only_identity_when_there_is_one(repo, auth, plan_inputs, apply_inputs):
    jobs = written("--auth", auth)["jobs"]

    def credentials(job: str) -> dict:
        return {k: v for k, v in action_step(jobs[job])["with"].items() if k not in ("command", "goals", "publish")}

    assert credentials("plan") == credentials("drift") == plan_inputs
    assert credentials("apply") == apply_inputs


def test_only_the_apply_job_reaches_the_environment_holding_the_apply_credentials(repo):
    jobs = written()["jobs"]
    assert jobs["apply"]["environment"] == "goalkeeper"
    assert "environment" not in jobs["plan"] and "environment" not in jobs["drift"]


def test_only_the_plan_job_may_write_to_pull_requests(repo):
    jobs = written()["jobs"]
    assert jobs["plan"]["permissions"]["pull-requests"] == "write"
    assert all("pull-requests" not in jobs[job]["permissions"] for job in ("apply", "drift"))
    assert WORKFLOW.read_text().count("persist-credentials: false") == 3


def test_publish_is_asked_of_the_apply_job_only(repo):
    jobs = written("--publish")["jobs"]
    assert action_step(jobs["apply"])["with"]["publish"] == "true"
    assert all("publish" not in action_step(jobs[job])["with"] for job in ("plan", "drift"))


def test_jobs_run_on_their_own_events(repo):
    workflow = written()
    assert workflow["jobs"]["plan"]["if"] == "github.event_name == 'pull_request'"
    assert workflow["jobs"]["apply"]["if"] == "github.event_name == 'push'"
    assert workflow["on"]["push"]["branches"] == ["main"]


def test_an_existing_workflow_is_kept_unless_forced(repo):
    written()
    WORKFLOW.write_text("# mine\n")
    result = run("ci", "init", "--action", ACTION)
    assert result.exit_code == 1 and "--force" in result.output
    assert WORKFLOW.read_text() == "# mine\n"
    assert run("ci", "init", "--action", ACTION, "--force").exit_code == 0
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
        ("--goals", "goals/${{ github.token }}.yaml"),
    ],
)
def test_an_invalid_option_is_an_error_and_nothing_is_written(repo, option, value):
    result = run("ci", "init", "--action", ACTION, option, value)
    assert result.exit_code == 1 and result.output.startswith(f"Error: {option} ")
    assert not WORKFLOW.exists()


def test_a_workflow_that_cannot_be_written_is_an_error(repo):
    (repo / "file").write_text("")
    result = run("ci", "init", "--action", ACTION, "--path", "file/goalkeeper.yml")
    assert result.exit_code == 1 and "file/goalkeeper.yml: cannot write the workflow" in result.output


def test_the_goal_file_path_is_quoted(repo):
    workflow = written("--goals", "tracking/site goals.yaml")
    assert action_step(workflow["jobs"]["plan"])["with"]["goals"] == "tracking/site goals.yaml"


def test_the_documentation_shows_the_workflow_as_written():
    doc = (REPO / "README.md").read_text()
    shown = github_workflow(WorkflowOptions(goals="goals/shop.yaml", action="your-org/goalkeeper@v0.1.0"))
    assert shown in doc, "README.md shows an old workflow: paste the one `goalkeeper ci init` writes"


def test_publishing_without_credentials_is_refused(repo):
    result = run("ci", "init", "--action", ACTION, "--auth", "none", "--publish")
    assert result.exit_code == 1 and "--auth wif or --auth key" in result.output
    assert not WORKFLOW.exists()
