"""Goals that GA4's enhanced measurement already counts: which tags it doubles, and what it sends."""

from __future__ import annotations

import pytest

from goalkeeper.core.doublecount import ENHANCED_EVENTS, enhanced_doubles, enhanced_senders
from goalkeeper.core.state import State

from .helpers import tag

ALL_ON = {"streamEnabled": True, **{setting: True for setting in ENHANCED_EVENTS}}
STREAM = "properties/1/dataStreams/2"
EVERY_EVENT = [(s, e) for s, (_, events) in ENHANCED_EVENTS.items() for e in events]


def sending(event: str, goal: str = "my_goal", managed: bool = True) -> State:
    return State.of([tag(f"GA4 event - {goal}", "Some trigger", event=event, goal=goal, managed=managed)])


@pytest.mark.parametrize("setting, event", EVERY_EVENT)
def test_each_setting_doubles_each_of_its_events(setting, event):
    settings = {"streamEnabled": True, setting: True, "name": f"{STREAM}/enhancedMeasurementSettings"}
    [double] = enhanced_doubles(sending(event), settings)
    assert double.event.goals == ("my_goal",) and double.matched == (event,)
    assert double.label == ENHANCED_EVENTS[setting][0] and double.stream == STREAM


@pytest.mark.parametrize("setting, event", EVERY_EVENT)
def test_nothing_doubled_when_that_switch_is_off(setting, event):
    assert enhanced_doubles(sending(event), {**ALL_ON, setting: False}) == []


def test_dynamic_video_event_matches_the_video_events():
    [double] = enhanced_doubles(sending("video_{{Video Status}}", "product_video"), ALL_ON)
    assert double.label == "Video engagement"
    assert double.matched == ("video_start", "video_progress", "video_complete")


@pytest.mark.parametrize(
    "event, settings",
    [
        ("scroll", None),
        ("scroll", {}),
        ("scroll", {**ALL_ON, "streamEnabled": False}),
        ("article_read", ALL_ON),
        ("video_{{Video Status}}_custom", ALL_ON),
        ("{{Event}}", ALL_ON),  # only a variable: it could be anything, and is not reported
        ("page_view", {"streamEnabled": True, "pageChangesEnabled": True}),  # the Google tag's business
    ],
)
def test_nothing_doubled_when_unknown_off_or_not_enhanced_measurements(event, settings):
    assert enhanced_doubles(sending(event), settings) == []


def test_the_containers_own_tags_are_not_goalkeepers_to_report():
    assert enhanced_doubles(sending("scroll", managed=False), ALL_ON) == []


@pytest.mark.parametrize(
    "event, settings, labels",
    [
        ("form_submit", None, ["Form interactions"]),  # unknown settings: what could send it
        ("form_submit", ALL_ON, ["Form interactions"]),
        ("form_submit", {**ALL_ON, "formInteractionsEnabled": False}, []),
        ("form_submit", {**ALL_ON, "streamEnabled": False}, []),
        ("sign_up", None, []),
    ],
)
def test_enhanced_senders_name_the_settings_that_send_an_event(event, settings, labels):
    assert enhanced_senders(event, settings) == labels
