"""The example goal files a new user copies plan, apply and then have nothing left to change."""

from __future__ import annotations

import pytest

from tests.cli_helpers import run


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
