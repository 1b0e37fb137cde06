"""The GitHub Actions integration written by ``goalkeeper ci init``.

One workflow, three jobs:

- on a pull request: validate the goal files, plan, save the plan (``--out``) as an artifact, and
  post the Markdown plan as the pull request's one goalkeeper comment (found again by the hidden
  marker on its first line, and updated on every push);
- on a push to the default branch (a merge): download the plan saved for the merged pull
  request's last commit and ``goalkeeper apply`` exactly that plan; apply refuses (exit 3) if the
  goal files or GTM/GA4 moved since the review, so nothing unreviewed is ever applied;
- on a schedule (and by hand): ``plan --detailed-exitcode``, failing when GTM or GA4 drifted away
  from the goals.

The text is a template with ``@NAME@`` placeholders rather than f-strings, because GitHub's own
``${{ … }}`` expressions are full of braces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from goalkeeper import __version__
from goalkeeper.core.errors import GoalkeeperError, Problem

DEFAULT_PATH = Path(".github/workflows/goalkeeper.yml")
AUTH_CHOICES = ("wif", "key", "none")

_AUTH_STEPS = {
    "wif": """      - name: Authenticate to Google (workload identity federation)
        uses: google-github-actions/auth@v2
        with:
          workload_identity_provider: ${{ vars.GOALKEEPER_WORKLOAD_IDENTITY_PROVIDER }}
          service_account: ${{ vars.GOALKEEPER_SERVICE_ACCOUNT }}
""",
    "key": """      - name: Authenticate to Google (service account key)
        uses: google-github-actions/auth@v2
        with:
          credentials_json: ${{ secrets.GOALKEEPER_CREDENTIALS_JSON }}
""",
    "none": "",
}

_SETUP = """      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "@PYTHON@"
      - name: Install goalkeeper
        run: pip install "$GOALKEEPER_PACKAGE"
"""

_WORKFLOW = """# goalkeeper: tracking changes reviewed in pull requests, applied from CI, checked for drift.
# Written by `goalkeeper ci init`; how to set it up: the README of goalkeeper (section "Reviewing goal changes in pull requests").
#
# - pull request: validate, plan, save the plan as an artifact, post it as one comment (updated
#   on every push);
# - merge to @BRANCH@: apply exactly the plan reviewed in the pull request, or nothing;
# - schedule: fail when GTM or GA4 differ from the goals (someone changed them by hand).
name: goalkeeper

on:
  pull_request:
  push:
    branches: [@BRANCH_YAML@]
  schedule:
    - cron: "@SCHEDULE@"
  workflow_dispatch:

# One apply at a time, and never an apply racing a drift check; pull requests plan side by side.
concurrency:
  group: goalkeeper-${{ github.event_name == 'pull_request' && github.event.pull_request.number || 'target' }}
  cancel-in-progress: false

permissions:
  contents: read

env:
  GOALS: @GOALS@
  GOALKEEPER_PACKAGE: "@PACKAGE@"

jobs:
  plan:
    if: github.event_name == 'pull_request'
    runs-on: ubuntu-latest
    permissions:
      contents: read
      id-token: write        # workload identity federation
      pull-requests: write   # the plan comment
    steps:
@SETUP@      - name: Validate the goal files
        run: goalkeeper validate "$GOALS"
@AUTH@      - name: Plan
        id: plan
        run: |
          set +e
          goalkeeper plan "$GOALS" --format markdown --out plan.json > plan.md
          status=$?
          echo "status=$status" >> "$GITHUB_OUTPUT"
          cat plan.md >> "$GITHUB_STEP_SUMMARY"
          # 0: planned. 4: refused by the goal file's safety thresholds, still shown to the reviewer.
          [ "$status" -eq 0 ] || [ "$status" -eq 4 ]
      - name: Save the plan for the apply after merge
        uses: actions/upload-artifact@v4
        with:
          name: goalkeeper-plan
          path: plan.json
          retention-days: 90
      - name: Post or update the plan comment
        uses: actions/github-script@v7
        with:
          script: |
            const fs = require('fs');
            const body = fs.readFileSync('plan.md', 'utf8');
            const marker = body.split('\\n', 1)[0];  // <!-- goalkeeper-plan: <goal file> -->
            const { owner, repo } = context.repo;
            const issue_number = context.issue.number;
            const comments = await github.paginate(github.rest.issues.listComments,
              { owner, repo, issue_number, per_page: 100 });
            const previous = comments.find(c => (c.body || '').startsWith(marker));
            if (previous) {
              await github.rest.issues.updateComment({ owner, repo, comment_id: previous.id, body });
            } else {
              await github.rest.issues.createComment({ owner, repo, issue_number, body });
            }
      - name: Refuse a plan over the safety thresholds
        if: steps.plan.outputs.status == '4'
        run: |
          echo "::error::The plan changes more than the goal file's safety.max_change_share allows. If that is intended, raise it in this pull request, where reviewers see it."
          exit 4

  apply:
    if: github.event_name == 'push'
    runs-on: ubuntu-latest
    permissions:
      contents: read
      actions: read          # download the plan saved by the pull request's run
      pull-requests: read
      id-token: write
    steps:
@SETUP@      - name: Fetch the plan reviewed in the pull request
        env:
          GH_TOKEN: ${{ github.token }}
        run: |
          pr=$(gh api "repos/$GITHUB_REPOSITORY/commits/$GITHUB_SHA/pulls" --jq '.[0].number // empty')
          if [ -z "$pr" ]; then
            echo "::error::$GITHUB_SHA did not come from a pull request, so no plan was reviewed; nothing applied."
            exit 1
          fi
          head=$(gh api "repos/$GITHUB_REPOSITORY/pulls/$pr" --jq .head.sha)
          run=$(gh run list --workflow "@WORKFLOW_FILE@" --commit "$head" --event pull_request --status success --limit 1 --json databaseId --jq '.[0].databaseId // empty')
          if [ -z "$run" ]; then
            echo "::error::no successful goalkeeper plan for pull request #$pr at $head; nothing applied."
            exit 1
          fi
          gh run download "$run" --name goalkeeper-plan --dir reviewed
@AUTH@      - name: Apply the reviewed plan
        # Exit 3: the goal files or GTM/GA4 changed since the review; plan again in a new pull request.
        run: goalkeeper apply reviewed/plan.json@PUBLISH@

  drift:
    if: github.event_name == 'schedule' || github.event_name == 'workflow_dispatch'
    runs-on: ubuntu-latest
    permissions:
      contents: read
      id-token: write
    steps:
@SETUP@@AUTH@      - name: Check that GTM and GA4 still match the goals
        run: |
          set +e
          goalkeeper plan "$GOALS" --detailed-exitcode --format markdown > drift.md
          status=$?
          cat drift.md >> "$GITHUB_STEP_SUMMARY"
          if [ "$status" -eq 2 ]; then
            echo "::error::GTM or GA4 differ from the goals (changed by hand?). The job summary lists the differences."
          fi
          exit $status
"""


@dataclass(frozen=True)
class WorkflowOptions:
    goals: str = "goals.yaml"
    auth: str = "wif"
    publish: bool = False
    branch: str = "main"
    schedule: str = "17 6 * * 1-5"
    python: str = "3.12"
    package: str = f"goalkeeper=={__version__}"
    path: Path = DEFAULT_PATH


def _yaml_scalar(text: str) -> str:
    # A double-quoted YAML scalar: safe for any path, with JSON's escaping (a subset of YAML's).
    import json

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


def github_workflow(options: WorkflowOptions) -> str:
    """The workflow text for ``options``."""
    if options.auth not in AUTH_CHOICES:
        raise GoalkeeperError(f"unknown --auth {options.auth!r}; use one of {', '.join(AUTH_CHOICES)}")
    problems = _cron_problems(options.schedule)
    if not options.branch or any(c.isspace() or c in ':"\\' for c in options.branch):
        problems.append(Problem(f"--branch {options.branch!r}: not a branch name"))
    if problems:
        raise GoalkeeperError(problems)
    text = _WORKFLOW.replace("@SETUP@", _SETUP).replace("@AUTH@", _AUTH_STEPS[options.auth])
    replacements = {
        "@GOALS@": _yaml_scalar(options.goals),
        "@BRANCH_YAML@": options.branch
        if re.fullmatch(r"[A-Za-z0-9][\w./-]*", options.branch)
        else _yaml_scalar(options.branch),
        "@BRANCH@": options.branch,
        "@SCHEDULE@": options.schedule,
        "@PYTHON@": options.python,
        "@PACKAGE@": options.package,
        "@WORKFLOW_FILE@": options.path.name,
        "@PUBLISH@": " --publish" if options.publish else "",
    }
    for placeholder, value in replacements.items():
        text = text.replace(placeholder, value)
    return text


def write_workflow(options: WorkflowOptions, force: bool = False) -> Path:
    """Write the workflow to ``options.path``; an existing file is kept unless ``force``."""
    path = options.path
    if options.publish and options.auth == "none":
        raise GoalkeeperError("--publish needs a live GTM target, and so credentials: use --auth wif or --auth key")
    if path.exists() and not force:
        raise GoalkeeperError(Problem("already exists; pass --force to overwrite it", str(path)))
    text = github_workflow(options)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise GoalkeeperError(Problem(f"cannot write the workflow: {error.strerror}", str(path))) from None
    return path
