"""Fixtures of the goal tests: goals written as text, expanded with the built-in kinds."""

from __future__ import annotations

import pytest

from goalkeeper.goals.expand import expand
from goalkeeper.goals.load import parse_goal_text

GOALS_HEADER = "target: {measurement_id: G-TEST123}\ngoals:\n"  # the goals start on line 3


@pytest.fixture
def expand_goals(kinds):
    """Expand goals written as YAML list items, after GOALS_HEADER in a goal file named ``file``;
    returns the desired State."""

    def expand_text(goals_text: str, file: str = "goals.yaml"):
        return expand(parse_goal_text(GOALS_HEADER + goals_text, kinds, file), kinds)

    return expand_text
