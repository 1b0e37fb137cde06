"""The GitHub Actions integration: the workflow ``goalkeeper ci init`` writes, and the pull-request
comment the goalkeeper action posts.

The workflow calls the composite action ``action.yml`` at the root of goalkeeper's repository
(``uses: OWNER/REPO@REF``, pinned by the user), which installs goalkeeper from its own checkout and
runs it. One workflow per goal file, three jobs:

- on a pull request: validate and plan the goal file, and keep the pull request's one goalkeeper
  comment for that goal file (found again by the hidden marker on its first line) up to date: the
  plan, or why the latest plan failed, with the commit and a link to the run;
- on a push to the default branch (a merge): plan again from the branch as it is when the job
  starts, and apply exactly that plan. Applies of one goal file run one at a time and are never
  cancelled; since each one applies the branch's latest commit, a run GitHub drops from a full
  queue loses nothing (see ``_WORKFLOW``);
- on a schedule (and by hand): ``plan --detailed-exitcode``, failing when GTM or GA4 drifted away
  from the goals.

The text is a template with ``@NAME@`` placeholders rather than f-strings, because GitHub's own
``${{ … }}`` expressions are full of braces.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from goalkeeper.core.errors import GoalkeeperError, Problem

DEFAULT_PATH = Path(".github/workflows/goalkeeper.yml")
AUTH_CHOICES = ("wif", "key", "none")

# Third-party actions, pinned by commit: a tag can be moved to other code, a commit cannot. The
# comment after each is the release the commit was tagged with. action.yml uses the same pins.

PINNED_ACTIONS = {
    "actions/checkout": ("3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1"),
    "actions/setup-python": ("5fda3b95a4ea91299a34e894583c3862153e4b97", "v7.0.0"),
    "actions/github-script": ("ed597411d8f924073f98dfc5c65a23a2325f34cd", "v8.0.0"),
    "google-github-actions/auth": ("7c6bc770dae815cd3e89ee6cdf493a5fab2cc093", "v3.0.0"),
}

# The goalkeeper action: OWNER/REPO (optionally /PATH) @ a tag, branch or commit; or ./PATH, a
# copy of goalkeeper inside the repository itself.
_ACTION = re.compile(r"[A-Za-z0-9][\w.-]*/[\w.-]+(/[\w./-]+)?@[\w./-]+|\./[\w./-]*")
_COMMIT = re.compile(r"[0-9a-f]{40}")

# Credentials passed to the action, by --auth and job. The plan and drift jobs only read GTM and
# GA4: they take the read-only identity when the repository defines one, else the apply identity.
# The apply identity belongs in the `goalkeeper` environment, which pull requests cannot reach.
_AUTH_INPUTS = {
    ("wif", "read"): """          workload-identity-provider: ${{ vars.GOALKEEPER_WORKLOAD_IDENTITY_PROVIDER }}
          service-account: ${{ vars.GOALKEEPER_PLAN_SERVICE_ACCOUNT || vars.GOALKEEPER_SERVICE_ACCOUNT }}
""",
    ("wif", "write"): """          workload-identity-provider: ${{ vars.GOALKEEPER_WORKLOAD_IDENTITY_PROVIDER }}
          service-account: ${{ vars.GOALKEEPER_SERVICE_ACCOUNT }}
""",
    (
        "key",
        "read",
    ): """          credentials-json: ${{ secrets.GOALKEEPER_PLAN_CREDENTIALS_JSON || secrets.GOALKEEPER_CREDENTIALS_JSON }}
""",
    ("key", "write"): """          credentials-json: ${{ secrets.GOALKEEPER_CREDENTIALS_JSON }}
""",
    ("none", "read"): "",
    ("none", "write"): "",
}

# Why the concurrency settings are what they are (GitHub: "Control the concurrency of workflows and
# jobs"): a concurrency group holds one running job and, by default, ONE pending job; a newer
# pending job cancels the older one. With `queue: max`, up to 100 wait, first in, first out, and
# only a job arriving at a full queue is cancelled.
# - plan: one group per goal file and pull request, newest push wins (its comment replaces the older).
# - apply: one group per goal file (two goal files apply side by side), never cancel-in-progress,
#   queue: max. The checkout takes the branch as it is when the job starts, not the pushed commit:
#   a job that starts later applies every commit merged before it, so a job dropped from a full
#   queue (or replaced, where `queue` is not supported) leaves nothing unapplied, and re-running an
#   old job never applies an old goal file.
# - drift: its own group, so a drift check never takes an apply's place in the queue.
_WORKFLOW = """# goalkeeper: tracking changes reviewed in pull requests, applied from CI, checked for drift.
# Written by `goalkeeper ci init`; how to set it up: the README of goalkeeper (section "Reviewing goal changes in pull requests").
#
# - pull request: validate and plan @GOALS_TEXT@; one comment on the pull request shows the plan (or why
#   the latest plan failed), updated on every push;
# - merge to @BRANCH@: plan again from @BRANCH@ as merged, and apply that plan;
# - schedule: fail when GTM or GA4 differ from the goals (someone changed them by hand).
name: goalkeeper

on:
  pull_request:
  push:
    branches: [@BRANCH_YAML@]
  schedule:
    - cron: "@SCHEDULE@"
  workflow_dispatch:

permissions:
  contents: read

jobs:
  plan:
    if: github.event_name == 'pull_request'
    runs-on: ubuntu-latest
    # A newer push to the pull request plans again, and its comment replaces this one.
    concurrency:
      group: @PLAN_GROUP@
      cancel-in-progress: true
    permissions:
      contents: read
      id-token: write        # workload identity federation
      pull-requests: write   # the plan comment
    steps:
      - uses: @CHECKOUT@
        with:
          persist-credentials: false
      - uses: @ACTION@
        with:
          command: plan
          goals: @GOALS@
@READ_AUTH@
  apply:
    if: github.event_name == 'push'
    runs-on: ubuntu-latest
    environment: goalkeeper  # holds the apply credentials: allow only @BRANCH@ to deploy to it
    # Applies run one at a time, in order, never cancelled; each plans from @BRANCH@ as it is when
    # it starts, so a run GitHub drops from a full queue leaves nothing unapplied.
    concurrency:
      group: @APPLY_GROUP@
      cancel-in-progress: false
      queue: max
    permissions:
      contents: read
      id-token: write
    steps:
      - uses: @CHECKOUT@
        with:
          ref: ${{ github.ref }}  # the branch as it is now, never an older commit (even when re-run)
          persist-credentials: false
      - uses: @ACTION@
        with:
          command: apply
          goals: @GOALS@
@PUBLISH@@WRITE_AUTH@
  drift:
    if: github.event_name == 'schedule' || github.event_name == 'workflow_dispatch'
    runs-on: ubuntu-latest
    concurrency:
      group: @DRIFT_GROUP@
      cancel-in-progress: true
    permissions:
      contents: read
      id-token: write
    steps:
      - uses: @CHECKOUT@
        with:
          persist-credentials: false
      - uses: @ACTION@
        with:
          command: drift
          goals: @GOALS@
@READ_AUTH@"""


@dataclass(frozen=True)
class WorkflowOptions:
    """What ``goalkeeper ci init`` was asked for. ``action`` is the goalkeeper action to use,
    ``OWNER/REPO@REF`` (a commit SHA, or a release tag)."""

    goals: str = "goals.yaml"
    action: str = ""
    auth: str = "wif"
    publish: bool = False
    branch: str = "main"
    schedule: str = "17 6 * * 1-5"
    path: Path = DEFAULT_PATH


def _yaml_scalar(text: str) -> str:
    # A double-quoted YAML scalar: safe for any path, with JSON's escaping (a subset of YAML's).
    return json.dumps(text)


_CRON_RANGES = (
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("day of the month", 1, 31),
    ("month", 1, 12),
    ("day of the week", 0, 6),
)
_CRON_NAMES = re.compile(r"^(JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC|SUN|MON|TUE|WED|THU|FRI|SAT)$", re.I)


def _cron_problems(schedule: str) -> list[Problem]:
    """What is wrong with a cron schedule as GitHub Actions reads it (five fields), in words."""
    fields = schedule.split()
    if len(fields) != 5:
        return [
            Problem(
                f"--schedule {schedule!r}: a cron schedule has five fields (minute hour day month "
                'weekday), e.g. "17 6 * * 1-5"'
            )
        ]
    problems = []
    for value, (what, low, high) in zip(fields, _CRON_RANGES, strict=False):
        for part in value.split(","):
            base, _, step = part.partition("/")
            bounds = [] if base == "*" else base.split("-")
            if (
                (step and not step.isdigit())
                or len(bounds) > 2
                or not all((b.isdigit() and low <= int(b) <= high) or _CRON_NAMES.match(b) for b in bounds)
            ):
                problems.append(Problem(f"--schedule {schedule!r}: {value!r} is not a {what} ({low}-{high})"))
                break
    return problems


def _pinned(name: str) -> str:
    """``name@commit # tag``, as a ``uses:`` value."""
    commit, tag = PINNED_ACTIONS[name]
    return f"{name}@{commit}  # {tag}"


def _options_problems(options: WorkflowOptions) -> list[Problem]:
    problems = _cron_problems(options.schedule)
    if not options.branch or any(c.isspace() or c in ':"\\' for c in options.branch):
        problems.append(Problem(f"--branch {options.branch!r}: not a branch name"))
    if not options.action:
        problems.append(
            Problem(
                "--action: name the goalkeeper action the workflow runs, OWNER/REPO@REF: the GitHub "
                "repository you install goalkeeper from, at a release tag or (safest) a commit SHA, "
                "e.g. --action your-org/goalkeeper@v0.1.0"
            )
        )
    elif not _ACTION.fullmatch(options.action):
        problems.append(Problem(f"--action {options.action!r}: not OWNER/REPO@REF (a tag, branch or commit SHA)"))
    if not options.goals or "${{" in options.goals or any(ord(c) < 32 for c in options.goals):
        problems.append(Problem(f"--goals {options.goals!r}: not a goal file path"))
    return problems


def github_workflow(options: WorkflowOptions) -> str:
    """The workflow text for ``options``.

    Raises GoalkeeperError naming every option that is wrong (schedule, branch, action, goals)."""
    if options.auth not in AUTH_CHOICES:
        raise GoalkeeperError(f"unknown --auth {options.auth!r}; use one of {', '.join(AUTH_CHOICES)}")
    problems = _options_problems(options)
    if problems:
        raise GoalkeeperError(problems)
    goals = str(Path(options.goals))  # as goalkeeper names it in the comment's marker
    replacements = {
        "@READ_AUTH@": _AUTH_INPUTS[options.auth, "read"],
        "@WRITE_AUTH@": _AUTH_INPUTS[options.auth, "write"],
        "@PUBLISH@": '          publish: "true"\n' if options.publish else "",
        "@PLAN_GROUP@": _yaml_scalar(f"goalkeeper-plan-{goals}-" + "${{ github.event.pull_request.number }}"),
        "@APPLY_GROUP@": _yaml_scalar(f"goalkeeper-apply-{goals}"),
        "@DRIFT_GROUP@": _yaml_scalar(f"goalkeeper-drift-{goals}"),
        "@CHECKOUT@": _pinned("actions/checkout"),
        "@ACTION@": options.action,
        "@GOALS_TEXT@": goals,
        "@GOALS@": _yaml_scalar(goals),
        "@BRANCH_YAML@": options.branch
        if re.fullmatch(r"[A-Za-z0-9][\w./-]*", options.branch)
        else _yaml_scalar(options.branch),
        "@BRANCH@": options.branch,
        "@SCHEDULE@": options.schedule,
    }
    text = _WORKFLOW
    for placeholder, value in replacements.items():
        text = text.replace(placeholder, value)
    return text.rstrip("\n") + "\n"


def write_workflow(options: WorkflowOptions, force: bool = False) -> Path:
    """Write the workflow to ``options.path``; an existing file is kept unless ``force``.

    Raises GoalkeeperError (nothing written) for wrong options or a file that cannot be written."""
    path = options.path
    if options.publish and options.auth == "none":
        raise GoalkeeperError("--publish needs a live GTM target, and so credentials: use --auth wif or --auth key")
    text = github_workflow(options)
    if path.exists() and not force:
        raise GoalkeeperError(Problem("already exists; pass --force to overwrite it", str(path)))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise GoalkeeperError(Problem(f"cannot write the workflow: {error.strerror}", str(path))) from None
    return path


def action_notes(action: str) -> list[str]:
    """Advice on the ``uses:`` reference: a tag or branch can be moved to other code, a commit cannot."""
    ref = action.rpartition("@")[2]
    if _COMMIT.fullmatch(ref) or action.startswith("./"):
        return []
    return [
        f"{action} is pinned by {ref!r}, which can be moved to other code; for a reviewed version, "
        "pin the commit it points to: --action " + action.rpartition("@")[0] + "@<40-character commit SHA>"
    ]


# The pull-request comment ------------------------------------------------------------------------

# Error output shown in a comment: the last lines, enough for goalkeeper's messages (all problems
# of a goal file, each on its line), not a whole log.
_MAX_OUTPUT_LINES = 40
_MAX_OUTPUT_CHARS = 6_000


@dataclass(frozen=True)
class PlanOutcome:
    """What the plan job saw, for the comment. A status is goalkeeper's exit status, or None when
    that step did not run (a failed step before it); outputs are what goalkeeper printed."""

    goals: str
    commit: str
    run_url: str
    validate_status: int | None
    validate_output: str = ""
    plan_status: int | None = None
    plan_markdown: str = ""
    plan_output: str = ""


def _tail(text: str) -> str:
    lines = text.strip("\n").splitlines()[-_MAX_OUTPUT_LINES:]
    return "\n".join(lines)[-_MAX_OUTPUT_CHARS:]


def _fenced(text: str) -> list[str]:
    # A fence longer than any run of backticks in the text, so the text cannot close it.
    fence = "`" * max(3, max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    return [fence + "text", text, fence]


def _failure(outcome: PlanOutcome) -> tuple[str, str]:
    """(what failed, its output) when the latest plan did not come through, else ("", "")."""
    if outcome.validate_status is None:
        return "goalkeeper could not run (the steps before it failed)", ""
    if outcome.validate_status != 0:
        return "the goal file has errors (`goalkeeper validate`)", outcome.validate_output
    if outcome.plan_status is None:
        return "the plan did not run: signing in to Google failed", ""
    if outcome.plan_status not in (0, 4):
        return f"`goalkeeper plan` failed (exit status {outcome.plan_status})", outcome.plan_output
    return "", ""


def comment(outcome: PlanOutcome) -> str:
    """The pull request's goalkeeper comment for one goal file: its hidden marker line, then the
    plan, or a notice that the latest plan failed (and why) in place of the plan that is now out
    of date; always the commit and a link to the run. At most MAX_COMMENT characters plus the
    footer, within GitHub's 65,536 per comment."""
    # Imported here: every goalkeeper command imports this module (for `ci init`'s defaults).
    from goalkeeper.render import PlanContext
    from goalkeeper.render.markdown import MAX_COMMENT, marker

    short = outcome.commit[:7] or "unknown"
    footer = ["", "---", f"<sub>Commit {short} · [run log]({outcome.run_url}) · updated on every push</sub>", ""]
    what, output = _failure(outcome)
    if not what:
        return outcome.plan_markdown.rstrip("\n") + "\n" + "\n".join(footer)
    goals = str(Path(outcome.goals))
    head = [
        marker(PlanContext(source=goals)),
        f"### goalkeeper plan for `{goals}`" if "`" not in goals else "### goalkeeper plan",
        "",
        f"> :x: **The latest plan failed** at commit {short}: {what}. Any plan shown here before is out "
        "of date. Fix the problem and push again; the run log has the details.",
        "",
    ]
    shown = _tail(output)
    body = head + (_fenced(shown) if shown else [])
    return "\n".join(body)[:MAX_COMMENT] + "\n" + "\n".join(footer)


def _status(text: str) -> int | None:
    return int(text) if text.strip().isdigit() else None


def _read(path: str | None) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace") if path else ""
    except OSError:
        return ""


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m goalkeeper.ci comment …``: print the pull-request comment (used by action.yml).

    Statuses are given as text, empty when the step did not run; outputs as files, which may be
    missing for the same reason."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m goalkeeper.ci")
    commands = parser.add_subparsers(dest="command", required=True)
    sub = commands.add_parser("comment", help="print the pull request's goalkeeper comment")
    sub.add_argument("--goals", required=True)
    sub.add_argument("--commit", default="")
    sub.add_argument("--run-url", default="")
    sub.add_argument("--validate-status", default="")
    sub.add_argument("--validate-output")
    sub.add_argument("--plan-status", default="")
    sub.add_argument("--plan-markdown")
    sub.add_argument("--plan-output")
    args = parser.parse_args(argv)
    outcome = PlanOutcome(
        goals=args.goals,
        commit=args.commit,
        run_url=args.run_url,
        validate_status=_status(args.validate_status),
        validate_output=_read(args.validate_output),
        plan_status=_status(args.plan_status),
        plan_markdown=_read(args.plan_markdown),
        plan_output=_read(args.plan_output),
    )
    sys.stdout.write(comment(outcome))
    return 0


if __name__ == "__main__":
    sys.exit(main())
