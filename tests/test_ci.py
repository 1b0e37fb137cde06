"""The pull request's goalkeeper comment: always for the same goal file, always saying which commit
and run it comes from, and never leaving a stale plan standing when the latest plan failed."""

from __future__ import annotations

import pytest

from goalkeeper.ci import PlanOutcome, comment, main
from goalkeeper.render.markdown import MAX_COMMENT

RUN = "https://github.com/acme/site/actions/runs/42/attempts/1"
COMMIT = "0123456789abcdef0123456789abcdef01234567"
PLAN = "<!-- goalkeeper-plan: goals/shop.yaml -->\n### goalkeeper plan for `goals/shop.yaml`\n\nPlan body\n"


def outcome(**changes) -> PlanOutcome:
    values = {"goals": "goals/shop.yaml", "commit": COMMIT, "run_url": RUN, "validate_status": 0}
    return PlanOutcome(**{**values, **changes})


def test_a_plan_is_shown_whole_with_its_commit_and_run():
    text = comment(outcome(plan_status=0, plan_markdown=PLAN))
    assert text.startswith(PLAN.rstrip("\n"))
    assert "Commit 0123456 · [run log](" + RUN + ")" in text
    assert "failed" not in text


def test_a_plan_refused_by_the_safety_thresholds_is_still_shown():
    # The refusal is in the plan's own Markdown; the reviewer must see what was refused.
    assert comment(outcome(plan_status=4, plan_markdown=PLAN)).startswith(PLAN.rstrip("\n"))


@pytest.mark.parametrize(
    "changes, says, shows",
    [
        (
            {"validate_status": 1, "validate_output": "goals/shop.yaml:7: goal 'x': unknown kind 'clik'\n"},
            "the goal file has errors",
            "goals/shop.yaml:7: goal 'x': unknown kind 'clik'",
        ),
        (
            {"plan_status": 1, "plan_output": "Error: example-container.json: no such file\n"},
            "`goalkeeper plan` failed (exit status 1)",
            "Error: example-container.json: no such file",
        ),
        ({"plan_status": None}, "signing in to Google failed", None),
        ({"validate_status": None}, "goalkeeper could not run", None),
    ],
)
def test_a_failed_plan_replaces_the_old_plan_and_says_why(changes, says, shows):
    text = comment(outcome(plan_markdown=PLAN, **changes))
    lines = text.splitlines()
    assert lines[0] == "<!-- goalkeeper-plan: goals/shop.yaml -->"  # the same comment is updated
    assert "**The latest plan failed** at commit 0123456" in text and says in text
    assert "Plan body" not in text
    assert RUN in text
    assert (shows in text) if shows else "```" not in text


@pytest.mark.parametrize("goals", ["./goals/shop.yaml", "goals//shop.yaml"])
def test_the_failure_comment_finds_the_plan_comment_however_the_path_was_written(goals):
    text = comment(outcome(goals=goals, validate_status=1))
    assert text.splitlines()[0] == "<!-- goalkeeper-plan: goals/shop.yaml -->"


def test_error_output_cannot_close_its_code_block():
    text = comment(outcome(validate_status=1, validate_output="a\n```\n## injected\n"))
    fence = next(line for line in text.splitlines() if line.startswith("````"))
    assert fence == "````text"


def test_long_error_output_keeps_its_last_lines_within_a_comment():
    output = "".join(f"goals/shop.yaml:{n}: problem {n} " + "x" * 500 + "\n" for n in range(1, 2001))
    text = comment(outcome(validate_status=1, validate_output=output))
    assert len(text) < MAX_COMMENT + 500
    assert "problem 2000" in text and "problem 1 " not in text


def test_the_command_line_reads_the_steps_files_and_tolerates_missing_ones(tmp_path, capsys):
    (tmp_path / "validate.txt").write_text("goals/shop.yaml:3: bad\n")
    code = main(
        [
            "comment",
            "--goals",
            "goals/shop.yaml",
            "--commit",
            COMMIT,
            "--run-url",
            RUN,
            "--validate-status",
            "1",
            "--validate-output",
            str(tmp_path / "validate.txt"),
            "--plan-status",
            "",
            "--plan-markdown",
            str(tmp_path / "missing.md"),
        ]
    )
    assert code == 0
    assert "goals/shop.yaml:3: bad" in capsys.readouterr().out
