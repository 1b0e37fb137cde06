"""A project's goal-kind templates run in an immutable sandbox with a time and size budget: they
cannot change what other goals see, load other files, or run for ever."""

from __future__ import annotations

from pathlib import Path

import pytest

from goalkeeper.core.errors import GoalkeeperError
from goalkeeper.goals.expand import expand
from goalkeeper.goals.kinds import load_kinds
from goalkeeper.goals.load import parse_goal_text

HEAD = """{#-
description: A kind written by the project.
event: "{goal}"
-#}
"""
TAIL = """events: [<< event | tojson >>]
gtm:
  triggers:
    - {name: << ("Trigger - " ~ goal.name) | tojson >>, type: customEvent, customEventFilter: [{type: equals, arg0: "{{_event}}", arg1: << (defaults.currency ~ goal.name) | tojson >>}]}
"""


def expanded(tmp_path: Path, body: str, goals: str = "  - {name: first, kind: mine}\n  - {name: second, kind: mine}\n"):
    (tmp_path / "mine.yaml.j2").write_text(HEAD + body + TAIL)
    kinds = load_kinds(tmp_path)
    text = f"target: {{}}\ndefaults: {{currency: EUR}}\ngoals:\n{goals}"
    return expand(parse_goal_text(text, kinds), kinds)


def test_a_template_cannot_change_the_shared_defaults(tmp_path: Path):
    with pytest.raises(GoalkeeperError, match="kind 'mine' did something unsafe.*update"):
        expanded(tmp_path, "{%- set _ = defaults.update({'currency': 'XXX'}) %}\n")


def test_a_template_cannot_change_a_goals_fields(tmp_path: Path):
    with pytest.raises(GoalkeeperError, match="did something unsafe.*pop"):
        expanded(tmp_path, "{%- set _ = goal.pop('name') %}\n")


@pytest.mark.parametrize(
    "statement",
    [
        "{% include 'other.yaml.j2' %}",
        "{% import 'macros.j2' as m %}",
        "{% extends 'base.j2' %}",
        "{% from 'm.j2' import x %}",
    ],
)
def test_a_template_cannot_load_other_files(tmp_path: Path, statement: str):
    with pytest.raises(GoalkeeperError) as error:
        expanded(tmp_path, statement + "\n")
    problem = error.value.problems[0]  # one per goal of the kind
    assert problem.file == str(tmp_path / "mine.yaml.j2") and problem.line == 5
    assert "may not use {%" in problem.message


RUNAWAY = {
    "nested loops": "{%- for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}\n",
    "huge output": "{%- for i in range(100000) %}{{ 'x' * 100 }}{% endfor %}\n".replace("{{", "<<").replace("}}", ">>"),
    "huge text": "{%- set x = 'x' * 1000000000 %}\n",
    "huge power": "{%- set x = 2 ** 100000000 %}\n",
    "huge padding": "{%- set x = 'x'.ljust(1000000000) %}\n",
    "endless recursion": "{%- macro f() %}{{ f() }}{% endmacro %}{{ f() }}\n".replace("{{", "<<").replace("}}", ">>"),
}


@pytest.mark.parametrize("runaway", sorted(RUNAWAY))
def test_a_runaway_template_is_stopped_with_a_clear_error(tmp_path: Path, runaway: str):
    with pytest.raises(GoalkeeperError, match="kind 'mine' did something unsafe: it "):
        expanded(tmp_path, RUNAWAY[runaway])


def test_a_template_in_budget_renders_as_before(tmp_path: Path):
    state = expanded(tmp_path, "{%- for i in range(1000) %}{% endfor %}\n")
    assert {e.name for e in state if e.kind == "gtm.trigger"} == {"Trigger - first", "Trigger - second"}
