"""Goals that GA4's enhanced measurement already counts: the pure check."""

from __future__ import annotations

import pytest

from goalkeeper.core.doublecount import ENHANCED_EVENTS, double_count_warnings
from goalkeeper.core.state import State

from .helpers import tag

ALL_ON = {"streamEnabled": True, **{setting: True for setting in ENHANCED_EVENTS}}
STREAM = "properties/1/dataStreams/2"


def sending(event: str, goal: str = "my_goal") -> State:
    return State.of([tag(f"GA4 event - {goal}", "Some trigger", event=event, goal=goal)])


@pytest.mark.parametrize("setting, event", [(s, e) for s, (_, events) in ENHANCED_EVENTS.items() for e in events])
def test_each_setting_warns_about_each_of_its_events(setting, event):
    settings = {"streamEnabled": True, setting: True, "name": f"{STREAM}/enhancedMeasurementSettings"}
    [warning] = double_count_warnings(sending(event), settings)
    label = ENHANCED_EVENTS[setting][0]
    assert "'my_goal'" in warning and repr(event) in warning and STREAM in warning
    assert f"{label} is on" in warning and f"Switch {label} off" in warning
    assert "Enhanced measurement" in warning and "event_name" in warning


@pytest.mark.parametrize("setting, event", [(s, e) for s, (_, events) in ENHANCED_EVENTS.items() for e in events])
def test_no_warning_when_that_switch_is_off(setting, event):
    assert double_count_warnings(sending(event), {**ALL_ON, setting: False}) == ()


def test_dynamic_video_event_matches_the_video_events():
    [warning] = double_count_warnings(sending("video_{{Video Status}}", "product_video"), ALL_ON)
    assert "'product_video'" in warning and "Video engagement is on" in warning
    assert "'video_start'" in warning and "'video_complete'" in warning


def test_no_warning_when_unknown_or_stream_off_or_own_event_name():
    assert double_count_warnings(sending("scroll"), None) == ()
    assert double_count_warnings(sending("scroll"), {}) == ()
    assert double_count_warnings(sending("scroll"), {**ALL_ON, "streamEnabled": False}) == ()
    assert double_count_warnings(sending("article_read"), ALL_ON) == ()
    assert double_count_warnings(sending("video_{{Video Status}}_custom"), ALL_ON) == ()


def test_an_event_name_that_is_only_a_variable_could_be_anything_and_is_not_reported():
    assert double_count_warnings(sending("{{Event}}"), ALL_ON) == ()


def test_page_changes_alone_say_nothing():
    assert double_count_warnings(sending("page_view"), {"streamEnabled": True, "pageChangesEnabled": True}) == ()
