"""Ownership markers: what goalkeeper writes, and how it recognises its own entities again."""

from __future__ import annotations

from goalkeeper.core import ownership


def test_notes_round_trip_goals_and_key_events():
    text = ownership.managed_notes(["b_goal", "a_goal"], ["video_start", "video_complete"])
    assert text.startswith(ownership.MARKER)
    assert ownership.goals_in(text) == ("a_goal", "b_goal")
    assert ownership.key_events_in(text) == ("video_complete", "video_start")
    single = ownership.managed_notes(["a_goal"], ["a_goal"])
    assert "Goal: a_goal." in single and "Key event: a_goal." in single
    assert ownership.goals_in(single) == ("a_goal",) and ownership.key_events_in(single) == ("a_goal",)
    assert ownership.key_events_in(ownership.managed_notes(["a_goal"])) == ()


def test_gtm_entities_are_managed_only_when_their_notes_start_with_the_marker():
    notes = ownership.managed_notes(["a"])
    assert ownership.has_marker("gtm.tag", {"notes": notes})
    assert ownership.has_marker("gtm.folder", {"notes": notes})
    assert not ownership.has_marker("gtm.tag", {"notes": "Copied from: " + notes})
    assert not ownership.has_marker("gtm.tag", {})
    assert ownership.goals_of("gtm.trigger", {"notes": notes}) == ("a",)


def test_ga4_descriptions_and_rule_mutations_mark_ownership():
    description = ownership.managed_description(["b", "a"])
    assert description == "Managed by goalkeeper. Goals: a, b"
    assert ownership.has_marker("ga4.custom_dimension", {"description": description})
    assert not ownership.has_marker("ga4.custom_dimension", {"description": "Logged-in or guest"})
    assert ownership.goals_of("ga4.audience", {"description": description}) == ("a", "b")
    rule = {
        "destinationEvent": "x",
        "parameterMutations": [{"parameter": "goalkeeper_goal", "parameterValue": "thanks"}],
    }
    assert ownership.has_marker("ga4.event_create_rule", rule)
    assert ownership.goals_of("ga4.event_create_rule", rule) == ("thanks",)
    assert not ownership.has_marker(
        "ga4.event_create_rule", {"parameterMutations": [{"parameter": "x", "parameterValue": "y"}]}
    )


def test_key_events_carry_no_marker():
    assert not ownership.has_marker("ga4.key_event", {"eventName": "x", "description": ownership.MARKER})


def test_a_long_description_stays_within_ga4s_limit():
    description = ownership.managed_description([f"goal_number_{i}" for i in range(20)])
    assert len(description) == 150 and description.endswith("...")
    assert description.startswith(ownership.MARKER)
