"""A user's own kind, dropped into templates/ beside the goal file, works end to end; user
templates run sandboxed; user values come out as the text they are."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from goalkeeper.goals.expand import expand
from goalkeeper.goals.kinds import load_kinds
from goalkeeper.goals.load import parse_goal_text
from tests.cli_helpers import run

CHAT_KIND = """{#-
description: A visitor started a chat with the support widget.
category: secondary_action
event: chat_started
inputs:
  widget: {type: string, minLength: 1, description: The chat widget's name.}
required: [widget]
example: |
  - name: chat
    kind: chat_started
    widget: intercom
-#}
{%- set trigger = "Chat started - " ~ goal.widget %}
events: [<< event | tojson >>]
gtm:
  triggers:
    - name: << trigger | tojson >>
      type: customEvent
      customEventFilter: [<< condition("{{_event}}", "equals", goal.widget ~ "_chat_started") | tojson >>]
  tags:
    - << event_tag(trigger, params={"chat_widget": goal.widget}) | tojson >>
"""

GOALS = """target:
  gtm: {container_file: example-container.json}
  ga4: {snapshot_file: example-ga4.json}
  measurement_id: G-ABC123XYZ
goals:
  - name: chat
    kind: chat_started
    widget: intercom
    key_event: true
"""


def write_project(project_dir: Path) -> Path:
    (project_dir / "templates").mkdir()
    (project_dir / "templates" / "chat_started.yaml.j2").write_text(CHAT_KIND)
    goals = project_dir / "goals.yaml"
    goals.write_text(GOALS)
    return goals


def test_a_project_kind_plans_applies_and_then_has_no_changes(project_dir):
    goals = write_project(project_dir)
    first = run("plan", goals)
    assert first.exit_code == 0, first.output
    assert 'GTM trigger "Chat started - intercom"' in first.output
    assert 'GA4 key event "chat_started"' in first.output
    applied = run("apply", goals, "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert "Apply complete." in applied.output
    again = run("plan", goals)
    assert again.exit_code == 0, again.output
    assert "No changes." in again.output


def test_kinds_lists_the_project_kind(in_project_dir):
    write_project(in_project_dir)
    listed = run("kinds")
    assert listed.exit_code == 0
    assert "chat_started" in listed.output and "(project)" in listed.output
    shown = run("kinds", "chat_started")
    assert "widget (required): The chat widget's name." in shown.output
    assert "kind: chat_started" in shown.output


def test_a_template_escaping_the_sandbox_fails_clearly(tmp_path):
    (tmp_path / "evil.yaml.j2").write_text(
        "{#-\ndescription: Tries to reach Python internals.\n-#}\nx: << ().__class__.__mro__ >>\n"
    )
    kinds = load_kinds(tmp_path)
    goal_file = parse_goal_text("goals:\n  - {name: evil_goal, kind: evil}\n", kinds)
    try:
        expand(goal_file, kinds)
    except Exception as error:
        assert type(error).__name__ == "GoalkeeperError"
        assert "evil" in str(error) and "unsafe" in str(error)
    else:
        raise AssertionError("the sandbox let the template reach __mro__")


def test_a_jinja_looking_value_is_kept_as_text(expand_goals):
    state = expand_goals(
        "  - {name: odd_link, kind: link_click, url_contains: '{{7*7}}', params: {note: '<< 7*7 >>'}}\n"
    )
    trigger = state.get("gtm.trigger", "Link click - odd_link")
    assert trigger.body["filter"][0]["parameter"][1]["value"] == "{{7*7}}"
    assert "<< 7*7 >>" in str(state.get("gtm.tag", "GA4 event - odd_link").body)
    assert "49" not in str(trigger.body)


def test_a_value_beyond_the_basic_plane_comes_out_whole(expand_goals):
    # tojson spells 🛒 as a surrogate pair escape; the rendered YAML must give back the character.
    state = expand_goals("  - {name: cart_button, kind: element_click, text: 'Acheter 🛒', params: {label: '😀'}}\n")
    trigger = state.get("gtm.trigger", "Click - cart_button")
    assert trigger.body["filter"][0]["parameter"][1]["value"] == "Acheter 🛒"
    assert "😀" in str(state.get("gtm.tag", "GA4 event - cart_button").body)
    str(trigger.body).encode("utf-8")  # no lone surrogates: printable and writable


def test_a_project_kind_replaces_the_built_in_of_its_name(tmp_path):
    shutil.copy(Path(load_kinds(None)["timer"].path), tmp_path / "timer.yaml.j2")
    kinds = load_kinds(tmp_path)
    assert not kinds["timer"].builtin


def _chat_kind_emitting(output: str) -> str:
    return CHAT_KIND[: CHAT_KIND.index("-#}") + 3] + "\n" + output + "\n"


WRONG_SHAPES = {
    "misspelt-target": ("gmt: {triggers: [{name: x, type: click}]}", "'gmt' was unexpected"),
    "unknown-gtm-list": ("gtm: {macros: [{name: x}]}", "'macros' was unexpected"),
    "trigger-without-name": ("gtm: {triggers: [{type: click}]}", "gtm.triggers[0]: 'name' is a required property"),
    "tags-not-a-list": ("gtm: {tags: {name: x}}", "gtm.tags: "),
    "dimension-without-display-name": (
        "ga4: {custom_dimensions: [{parameterName: foo}]}",
        "ga4.custom_dimensions[0]: 'displayName'",
    ),
    "rule-without-destination": (
        "ga4: {event_create_rules: [{eventConditions: []}]}",
        "'destinationEvent' is a required property",
    ),
    "condition-in-the-wrong-form": (
        "gtm: {triggers: [{name: x, type: click, filter: [{type: equals, arg0: a}]}]}",
        "gtm.triggers[0].filter[0]",
    ),
    "unknown-built-in": ("gtm: {builtin_variables: [nopeVar]}", "'nopeVar' is not one of"),
    "events-not-a-list": ("events: 5", "events: 5 is not of type"),
}


@pytest.mark.parametrize("command", ["plan", "apply", "validate"])
@pytest.mark.parametrize("shape", WRONG_SHAPES)
def test_a_template_emitting_the_wrong_shape_is_an_error_naming_it(project_dir, shape, command):
    output, expected = WRONG_SHAPES[shape]
    goals = write_project(project_dir)
    before = {p.name: p.read_bytes() for p in project_dir.glob("*.json")}
    (project_dir / "templates" / "chat_started.yaml.j2").write_text(_chat_kind_emitting(output))
    result = run(command, goals, *(["--auto-approve"] if command == "apply" else []))
    assert result.exit_code == 1, (output, result.output)
    assert isinstance(result.exception, SystemExit), result.exception  # no traceback
    assert "templates/chat_started.yaml.j2" in result.output, result.output
    assert expected in result.output, (output, result.output)
    assert {p.name: p.read_bytes() for p in project_dir.glob("*.json")} == before
