"""Which events a state sends, and which key events goalkeeper vouches for."""

from __future__ import annotations

import pytest

from goalkeeper.core.events import event_pattern, sent_events, vouched_key_events
from goalkeeper.core.model import Entity
from goalkeeper.core.state import State
from tests.core.helpers import key_event, tag

RULE = Entity(
    "ga4.event_create_rule",
    "signup_thanks",
    {"destinationEvent": "signup_thanks", "parameterMutations": []},
    ("signup",),
)


@pytest.mark.parametrize(
    "sent, event, matches",
    [
        ("video_{{Video Status}}", "video_start", True),
        ("video_{{Video Status}}", "video_", False),
        ("add_to_cart", "add_to_cart", True),
        ("add_to_cart", "add_to_cart_x", False),
        ("{{Event}}", "anything", True),
    ],
)
def test_a_variable_in_an_event_name_stands_for_any_text(sent, event, matches):
    assert bool(event_pattern(sent).match(event)) is matches


def test_tags_and_rules_send_their_events():
    state = State.of([tag("GA4 event - c", "T", "checkout_click", "checkout"), RULE])
    assert [(e.name, e.goals, e.by_rule) for e in sent_events(state)] == [
        ("checkout_click", ("checkout",), False),
        ("signup_thanks", ("signup",), True),
    ]


def test_an_event_name_that_is_only_a_variable_is_dynamic():
    [event] = sent_events(State.of([tag("GA4 event - any", "T", "{{Event}}", "any")]))
    assert event.dynamic and event.sends("purchase")


def test_goalkeeper_vouches_for_the_key_events_its_notes_rules_and_goals_name():
    entities = [
        tag("GA4 event - c", "T", "checkout_click", "checkout"),
        tag("GA4 event - v", "T", "view", "view", key_event=False),
        RULE,
        key_event("purchase", goal="shop"),
    ]
    assert vouched_key_events(entities) == {
        "checkout_click": {"checkout"},
        "signup_thanks": {"signup"},
        "purchase": {"shop"},
    }
