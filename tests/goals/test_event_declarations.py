"""What a goal file declares about its events: shared on purpose, sent outside goalkeeper, and how
the site loads the Google tag; every finding points at the goal file's line."""

from __future__ import annotations

from pathlib import Path

import pytest

from goalkeeper.core.errors import GoalkeeperError
from goalkeeper.goals.expand import GOOGLE_TAG, expand
from goalkeeper.goals.load import parse_goal_text
from goalkeeper.project import validate_goal_file

HEADER = (
    "target:\n  gtm: {container_file: c.json}\n  ga4: {snapshot_file: g.json}\n  measurement_id: G-ABC123\ngoals:\n"
)


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # messages name the goal file as given: goals.yaml


def validate(tmp_path: Path, goals: str, header: str = HEADER):
    (tmp_path / "goals.yaml").write_text(header + goals, encoding="utf-8")
    return validate_goal_file(Path("goals.yaml"))


def refusal(tmp_path: Path, goals: str, header: str = HEADER) -> list[str]:
    with pytest.raises(GoalkeeperError) as refused:
        validate(tmp_path, goals, header)
    return [str(p) for p in refused.value.problems]


LEAD_FROM_TWO_PLACES = """\
  - name: quote_form
    kind: form_submit
    form_id: quote
    event_name: generate_lead
    key_event: {value: 50}
    shared_event: true
  - name: call_back_click
    kind: element_click
    selector: button.call-me
    event_name: generate_lead
    shared_event: true
"""


def test_two_kinds_may_send_one_event_when_both_say_so(tmp_path, kinds):
    assert validate(tmp_path, LEAD_FROM_TWO_PLACES).goals == 2
    state = expand(parse_goal_text(HEADER + LEAD_FROM_TWO_PLACES, kinds), kinds)
    [key] = state.of_kind("ga4.key_event")
    assert key.name == "generate_lead" and key.goals == ("call_back_click", "quote_form")
    # both tags record it, so it stays goalkeeper's while either goal sends it
    tags = [t for t in state.of_kind("gtm.tag") if t.body["type"] == "gaawe"]
    assert all("Key event: generate_lead." in t.body["notes"] for t in tags)


def test_without_the_declaration_they_are_refused_at_the_undeclared_goal(tmp_path):
    [problem] = refusal(tmp_path, LEAD_FROM_TWO_PLACES.replace("    shared_event: true\n", "", 1))
    assert problem.startswith("goals.yaml:6: goals 'quote_form' and 'call_back_click' both send")
    assert "`shared_event: true` on each of them" in problem


def test_shared_goals_declaring_the_key_event_differently_are_refused_at_the_second(tmp_path):
    goals = LEAD_FROM_TWO_PLACES + "    key_event: {value: 20}\n"
    [problem] = refusal(tmp_path, goals)
    assert problem.startswith("goals.yaml:") and "declare its key event differently" in problem
    assert ":17:" in problem  # the second goal's key_event line


def test_an_external_goal_makes_only_its_ga4_parts(tmp_path, kinds):
    goals = """\
  - name: purchase
    kind: datalayer_event
    datalayer_event: purchase
    external: true
    key_event: {value: 0}
    dimensions: [payment_type]
"""
    assert validate(tmp_path, goals).goals == 1
    state = expand(parse_goal_text(HEADER + goals, kinds), kinds)
    assert sorted(e.kind for e in state) == ["ga4.custom_dimension", "ga4.key_event"]


def test_an_external_goal_cannot_carry_params(tmp_path):
    goals = "  - {name: purchase, kind: datalayer_event, datalayer_event: purchase, external: true, params: {a: b}}\n"
    [problem] = refusal(tmp_path, goals)
    assert problem.startswith("goals.yaml:6:") and "its params would go nowhere" in problem


def test_an_audience_cannot_be_external(tmp_path):
    [problem] = refusal(tmp_path, "  - {name: back, kind: audience, returning: true, external: true}\n")
    assert problem.startswith("goals.yaml:6:") and "external makes no sense" in problem


def test_a_key_event_named_by_a_variable_is_refused_at_its_goal(tmp_path):
    goals = "  - {name: a, kind: link_click, url_contains: /x}\n"
    goals += (
        "  - {name: any_push, kind: datalayer_event, datalayer_event: x, event_name: '{{Event}}', key_event: true}\n"
    )
    [problem] = refusal(tmp_path, goals)
    assert problem.startswith("goals.yaml:7: goal 'any_push' marks '{{Event}}' as a GA4 key event")


def test_event_names_differing_in_case_are_refused_at_the_goal(tmp_path):
    goals = "  - {name: a, kind: link_click, url_contains: /x, event_name: Sign_Up}\n"
    goals += "  - {name: b, kind: link_click, url_contains: /y, event_name: sign_up}\n"
    [problem] = refusal(tmp_path, goals)
    assert problem.startswith("goals.yaml:6: goals 'a' and 'b' send 'Sign_Up' and 'sign_up'")


def test_two_goals_of_one_kind_on_one_trigger_sending_one_event_are_a_double_send(tmp_path):
    goals = "  - {name: a, kind: datalayer_event, datalayer_event: share}\n"
    goals += "  - {name: b, kind: datalayer_event, datalayer_event: share}\n"
    [problem] = refusal(tmp_path, goals)
    assert problem.startswith("goals.yaml:7: goals 'a' and 'b' both send 'share' on the trigger")


def test_a_generic_key_event_passes_validate_with_a_warning(tmp_path):
    goals = "  - {name: newsletter_signup, kind: form_submit, form_id: nl, key_event: true}\n"
    [warning] = validate(tmp_path, goals).warnings
    assert warning.startswith("goals.yaml:6: goal 'newsletter_signup' marks 'form_submit' as a GA4 key event")


@pytest.mark.parametrize(
    "google_tag, made",
    [("", True), ("  google_tag: container\n", True), ("  google_tag: external\n", False)],
)
def test_goalkeeper_brings_a_google_tag_unless_the_site_loads_it(kinds, google_tag, made):
    text = HEADER.replace("goals:\n", google_tag + "goals:\n") + "  - {name: a, kind: link_click, url_contains: /x}\n"
    state = expand(parse_goal_text(text, kinds), kinds)
    tag = state.get("gtm.tag", GOOGLE_TAG)
    assert (tag is not None) is made
    if tag is not None:
        assert tag.body["type"] == "googtag" and tag.body["firingTrigger"] == ["Initialization - All Pages"]
        assert tag.body["parameter"] == [
            {"key": "tagId", "type": "template", "value": "{{goalkeeper - GA4 Measurement ID}}"}
        ]


@pytest.mark.parametrize(
    "header, expected",
    [
        ("goals:\n", "goals.yaml: the goal file has no `target:`"),
        (
            "target:\n  gtm: {container_file: c.json}\ngoals:\n",
            "goals.yaml:1: target.measurement_id (G-XXXX) is needed",
        ),
    ],
)
def test_validate_refuses_what_plan_refuses_before_reading_a_target(tmp_path, header, expected):
    [problem] = refusal(tmp_path, "  - {name: a, kind: link_click, url_contains: /x}\n", header)
    assert problem.startswith(expected)
