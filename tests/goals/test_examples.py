"""The example goal files a new user copies plan, apply and then have nothing left to change."""

from __future__ import annotations

import pytest

from goalkeeper.goals.examples import check_examples
from goalkeeper.goals.load import load_goal_file
from tests.cli_helpers import run
from tests.conftest import EXAMPLES


@pytest.mark.parametrize("example", ["shop.yaml", "b2b.yaml", "content.yaml"])
def test_example_plans_applies_and_converges(example, project_dir):
    goals = str(project_dir / example)
    first_line = (project_dir / example).read_text().splitlines()[0]
    assert first_line == "# yaml-language-server: $schema=goals.schema.json"
    planned = run("plan", goals)
    assert planned.exit_code == 0, planned.output
    assert "to add" in planned.output
    applied = run("apply", goals, "--auto-approve")
    assert applied.exit_code == 0, applied.output
    again = run("plan", goals, "--detailed-exitcode")
    assert again.exit_code == 0, again.output
    assert "No changes." in again.output


@pytest.mark.parametrize("example", ["shop.yaml", "b2b.yaml", "content.yaml"])
def test_every_goal_that_sends_an_event_shows_what_counts_and_what_does_not(example, kinds):
    goal_file = load_goal_file(EXAMPLES / example, kinds)
    lacking = [
        g.name
        for g in goal_file.goals
        if kinds[g.kind].sends_events and not ({True, False} <= {e.counts for e in g.examples})
    ]
    assert lacking == []


@pytest.mark.parametrize("example", ["shop.yaml", "b2b.yaml", "content.yaml"])
def test_the_bundled_examples_pass(example, kinds):
    results = check_examples(load_goal_file(EXAMPLES / example, kinds), kinds)
    assert [(r.goal, r.line, r.verdict.reason) for r in results if not r.passed] == []


@pytest.mark.parametrize("example", ["shop.yaml", "b2b.yaml", "content.yaml"])
def test_the_plan_comment_of_a_bundled_example_says_its_examples_pass(example, project_dir):
    planned = run("plan", project_dir / example, "--format", "markdown")
    assert planned.exit_code == 0, planned.output
    assert "- **Examples**: :white_check_mark: all " in planned.output
