"""The goalkeeper GitHub Action (action.yml): valid for GitHub and actionlint, and its steps do what
the workflow relies on. Its shell steps run here as GitHub's runner runs them (bash, the step's
env, GITHUB_OUTPUT and friends) against the bundled example's file targets; its comment script
runs under Node.js with a stand-in for GitHub's REST client."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from goalkeeper.ci import PINNED_ACTIONS

REPO = Path(__file__).resolve().parent.parent
ACTION = YAML(typ="safe").load((REPO / "action.yml").read_text())
STEPS = {step.get("id") or step["name"]: step for step in ACTION["runs"]["steps"]}
BIN = Path(sys.executable).parent  # goalkeeper and python, as the install step puts them on PATH
COMMIT = "0123456789abcdef0123456789abcdef01234567"


def tool(name: str) -> str:
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    assert found, f"{name} is a test extra: pip install -e '.[test]'"
    return found


# --- What GitHub checks ---------------------------------------------------------------------------


def test_the_action_is_valid_for_github():
    result = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.github-actions", str(REPO / "action.yml")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_action_steps_pass_actionlint(tmp_path):
    # actionlint reads workflows, not action metadata: its steps go into a reusable workflow whose
    # inputs are the action's, so every expression, step reference and script (through
    # shellcheck) is checked as GitHub would run it.
    inputs = {name: {"type": "string", "required": False} for name in ACTION["inputs"]}
    workflow = {
        "name": "action steps",
        "on": {"workflow_call": {"inputs": inputs}},
        "jobs": {"action": {"runs-on": "ubuntu-latest", "steps": ACTION["runs"]["steps"]}},
    }
    path = tmp_path / ".github" / "workflows" / "action.yml"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(workflow, indent=1))
    env = {"PATH": f"{Path(tool('shellcheck')).parent}:/usr/bin:/bin"}
    result = subprocess.run([tool("actionlint"), "-oneline", str(path)], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("step", [s for s in STEPS if "uses" in STEPS[s]])
def test_every_action_it_uses_is_pinned_by_commit(step):
    name, _, ref = STEPS[step]["uses"].partition("@")
    assert PINNED_ACTIONS[name][0] == ref
    line = next(line for line in (REPO / "action.yml").read_text().splitlines() if f"uses: {name}@" in line)
    assert line.endswith(f"# {PINNED_ACTIONS[name][1]}")


@pytest.mark.parametrize("step", [s for s in STEPS if "run" in STEPS[s]])
def test_no_input_or_event_text_is_pasted_into_a_script(step):
    # Text from a pull request (a branch name, a title) pasted into a script runs as code.
    assert "${{" not in STEPS[step]["run"]


def test_goalkeeper_is_installed_from_the_actions_own_checkout():
    assert '"$GITHUB_ACTION_PATH"' in STEPS["install"]["run"]
    assert STEPS["python"]["with"]["update-environment"] is False  # the user's Python stays as it was


# --- The steps, run ---------------------------------------------------------------------------------


@dataclass
class Runner:
    """Runs the action's shell steps in order as GitHub's runner would: `bash --noprofile --norc -eo
    pipefail`, in the step's working directory, with the step's env (its `${{ … }}` taken from
    ``values``), and each step's GITHUB_OUTPUT read back into ``values``."""

    workspace: Path
    temp: Path
    values: dict[str, str] = field(default_factory=dict)

    def run(self, step_id: str, **environ: str) -> subprocess.CompletedProcess[str]:
        step = STEPS[step_id]
        output = self.temp / f"output-{step_id}"
        output.write_text("")
        env = {
            "PATH": f"{BIN}:/usr/bin:/bin",
            "HOME": str(self.temp),
            "RUNNER_TEMP": str(self.temp),
            "GITHUB_OUTPUT": str(output),
            "GITHUB_STEP_SUMMARY": str(self.temp / "summary.md"),
            "GITHUB_PATH": str(self.temp / "path"),
            "GITHUB_REPOSITORY": "acme/site",
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_RUN_ID": "42",
            "GITHUB_RUN_ATTEMPT": "1",
            **{name: self.resolve(value) for name, value in step.get("env", {}).items()},
            **environ,
        }
        cwd = self.workspace / self.resolve(step.get("working-directory", "."))
        result = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
        )
        for line in output.read_text().splitlines():
            name, _, value = line.partition("=")
            self.values[f"steps.{step_id}.outputs.{name}"] = value
        return result

    def resolve(self, value: str) -> str:
        return re.sub(r"\$\{\{\s*(.*?)\s*\}\}", lambda m: self.values.get(m.group(1), ""), str(value))

    def file(self, name: str) -> str:
        return (self.temp / "goalkeeper" / name).read_text()


@pytest.fixture
def example(tmp_path) -> Path:
    """A repository holding the bundled shop example: a goal file, a container export, a GA4 snapshot."""
    workspace = tmp_path / "site"
    shutil.copytree(REPO / "goals", workspace / "goals")
    return workspace


def runner(workspace: Path, command: str, **inputs: str) -> Runner:
    temp = workspace.parent / "runner-temp"
    (temp / "goalkeeper").mkdir(parents=True)
    defaults = {name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()}
    values = {f"inputs.{k}": v for k, v in {**defaults, "goals": "goals/shop.yaml", **inputs}.items()}
    values |= {
        "inputs.command": command,
        "github.event_name": "pull_request",
        "github.event.pull_request.head.sha": COMMIT,
    }
    return Runner(workspace, temp, values)


def plan_and_comment(job: Runner) -> list[subprocess.CompletedProcess[str]]:
    """The plan command's steps for a pull request, as their `if:`s pick them."""
    results = [job.run("validate")]
    if job.values["steps.validate.outputs.status"] == "0":
        results.append(job.run("plan"))
    results += [job.run("comment"), job.run("Result")]
    return results


def test_a_pull_request_gets_the_plan_with_its_commit_and_run(example):
    job = runner(example, "plan")
    *steps, result = plan_and_comment(job)
    assert all(s.returncode == 0 for s in steps) and result.returncode == 0, [s.stderr for s in steps]
    comment = job.file("comment.md")
    assert comment.splitlines()[0] == "<!-- goalkeeper-plan: goals/shop.yaml -->"
    assert "`checkout_click`" in comment and "Commit 0123456" in comment
    assert "https://github.com/acme/site/actions/runs/42/attempts/1" in comment
    assert "`checkout_click`" in (job.temp / "summary.md").read_text()


def test_a_goal_file_with_errors_says_so_in_the_comment_and_fails_the_job(example):
    goals = example / "goals" / "shop.yaml"
    goals.write_text(goals.read_text().replace("kind: link_click", "kind: link_clik"))
    job = runner(example, "plan")
    validate, comment, result = plan_and_comment(job)
    assert validate.returncode == 0 and comment.returncode == 0  # the comment still gets written
    assert result.returncode == 1
    text = job.file("comment.md")
    assert text.splitlines()[0] == "<!-- goalkeeper-plan: goals/shop.yaml -->"
    assert "**The latest plan failed** at commit 0123456" in text and "link_clik" in text


def test_a_goal_whose_example_fails_is_planned_named_in_the_comment_and_fails_the_job(example):
    goals = example / "goals" / "shop.yaml"
    wrong = "- page: https://www.example.com/checkout/\n"  # counts, yet listed as must-not-count
    goals.write_text(goals.read_text().replace("- page: https://www.example.com/cart\n", wrong, 1))
    job = runner(example, "plan")
    *steps, result = plan_and_comment(job)
    assert all(s.returncode == 0 for s in steps) and result.returncode == 1
    assert job.values["steps.plan.outputs.status"] == "0"  # planned and shown all the same
    text = job.file("comment.md")
    assert "`checkout_click`" in text and "https://www.example.com/checkout/" in text
    assert "examples fail" in result.stdout


def test_a_plan_that_cannot_read_its_targets_says_so_in_the_comment_and_fails_the_job(example):
    (example / "goals" / "example-container.json").unlink()
    job = runner(example, "plan")
    *_, result = plan_and_comment(job)
    assert result.returncode == 1 and job.values["steps.plan.outputs.status"] == "1"
    text = job.file("comment.md")
    assert "`goalkeeper plan` failed (exit status 1)" in text and "example-container.json" in text


def test_apply_plans_then_applies_exactly_that_plan(example):
    job = runner(example, "apply")
    before = (example / "goals" / "example-container.json").read_text()
    for step in ("validate", "plan", "apply"):
        result = job.run(step)
        assert result.returncode == 0, result.stdout + result.stderr
    assert (job.temp / "goalkeeper" / "plan.json").is_file()
    assert "Apply complete. 34 added" in result.stdout
    assert (example / "goals" / "example-container.json").read_text() != before


def test_drift_fails_until_the_goals_are_applied(example):
    drift = runner(example, "drift")
    drift.run("validate")
    result = drift.run("plan")
    assert result.returncode == 2 and "::error title=goalkeeper: drift::" in result.stdout
    apply = Runner(example, drift.temp, {**drift.values, "inputs.command": "apply"})
    assert apply.run("plan").returncode == 0 and apply.run("apply").returncode == 0
    assert drift.run("plan").returncode == 0


@pytest.mark.parametrize(
    "command, event, head, refused",
    [
        ("plan", "pull_request", "stranger/site", "comes from the fork stranger/site"),
        ("plan", "pull_request", "acme/site", None),
        ("apply", "push", "", None),
        ("apply", "pull_request", "acme/site", "never in a pull request"),
        ("deploy", "push", "", "command must be plan, apply or drift"),
    ],
)
def test_forks_and_misplaced_commands_are_refused_clearly(example, command, event, head, refused):
    job = runner(example, command)
    shutil.rmtree(job.temp / "goalkeeper")
    result = job.run("check", EVENT=event, HEAD_REPOSITORY=head)
    if refused:
        assert result.returncode == 1 and refused in result.stdout and "::error" in result.stdout
    else:
        assert result.returncode == 0 and (job.temp / "goalkeeper").is_dir()


def test_a_fork_is_told_why_in_the_job_summary(example):
    job = runner(example, "plan")
    job.run("check", EVENT="pull_request", HEAD_REPOSITORY="stranger/site")
    assert "push the branch to acme/site" in (job.temp / "summary.md").read_text()


# --- The comment script -------------------------------------------------------------------------------

NODE = shutil.which("node")
MARKER = "<!-- goalkeeper-plan: goals/shop.yaml -->"


def post(tmp_path: Path, comments: list[dict]) -> list[dict]:
    """Run the comment step's script under Node.js with a stand-in for github-script's `github`
    client holding ``comments``; returns the REST calls it made."""
    (tmp_path / "comment.md").write_text(f"{MARKER}\nnew plan\n")
    script = STEPS["Post or update the pull request comment"]["with"]["script"]
    harness = f"""
const calls = [];
const comments = {json.dumps(comments)};
const github = {{
  paginate: async (method, params) => {{ calls.push(['list', params.issue_number]); return comments; }},
  rest: {{ issues: {{
    listComments: 'listComments',
    updateComment: async (p) => {{ calls.push(['update', p.comment_id, p.body]); }},
    createComment: async (p) => {{ calls.push(['create', p.issue_number, p.body]); return {{ data: {{ html_url: 'u' }} }}; }},
  }} }},
}};
const context = {{ repo: {{ owner: 'acme', repo: 'site' }}, issue: {{ number: 7 }} }};
const core = {{ info: () => {{}} }};
(async () => {{
{script}
}})().then(() => console.log(JSON.stringify(calls)));
"""
    result = subprocess.run(
        [NODE, "-e", harness],
        env={"COMMENT_FILE": str(tmp_path / "comment.md"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return [call for call in json.loads(result.stdout) if call[0] != "list"]


needs_node = pytest.mark.skipif(NODE is None, reason="Node.js runs the comment script; it is not installed here")


@needs_node
def test_the_first_plan_posts_a_comment(tmp_path):
    assert post(tmp_path, [{"id": 1, "body": "LGTM"}]) == [["create", 7, f"{MARKER}\nnew plan\n"]]


@needs_node
def test_later_plans_update_the_goal_files_one_comment(tmp_path):
    comments = [
        {"id": 1, "body": "LGTM"},
        {"id": 2, "body": "<!-- goalkeeper-plan: goals/b2b.yaml -->\nother goal file"},
        {"id": 3, "body": f"{MARKER}\nold plan"},
    ]
    assert post(tmp_path, comments) == [["update", 3, f"{MARKER}\nnew plan\n"]]


@needs_node
def test_a_comment_quoting_the_marker_later_on_is_not_taken_for_the_plan(tmp_path):
    comments = [{"id": 4, "body": f"> see below\n{MARKER}"}]
    assert post(tmp_path, comments)[0][0] == "create"
