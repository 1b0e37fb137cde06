"""diff(desired, live): what changes, what never changes, and what is refused."""

from __future__ import annotations

import json

import pytest

from goalkeeper.core import ownership
from goalkeeper.core.changes import CREATE, DELETE, REPLACE, UPDATE
from goalkeeper.core.diff import diff, only_marker_differs
from goalkeeper.core.errors import GoalkeeperError
from goalkeeper.core.model import Entity
from goalkeeper.core.state import State
from tests.core.helpers import builtin, dimension, folder, key_event, notes, tag, trigger, variable


def actions(changes) -> set[tuple[str, str, str]]:
    return {(c.action, c.kind, c.name) for c in changes}


def test_identical_states_need_no_change():
    state = State.of([trigger("T"), tag("Tag", "T")])
    assert diff(state, state) == []


def test_missing_entities_are_created_with_every_field_shown():
    want = trigger("Link click - checkout_click")
    (change,) = diff(State.of([want]), State())
    assert (change.action, change.ends) == (CREATE, (None, want))
    assert {f.label for f in change.fields} == {"type", "filter", "notes"}
    assert all(f.before is None for f in change.fields)


def test_a_changed_managed_entity_is_updated_in_place():
    have = trigger("T", "/checkout")
    want = trigger("T", "/checkout/start")
    (change,) = diff(State.of([want]), State.of([have]))
    assert change.action == UPDATE
    assert change.before == have and change.after == want
    assert [(f.label, f.before, f.after) for f in change.fields] == [
        ("filter", 'Click URL contains "/checkout"', 'Click URL contains "/checkout/start"')
    ]


def test_managed_entities_no_goal_wants_are_deleted():
    gone = trigger("Old trigger", goal="old_goal")
    changes = diff(State(), State.of([gone]))
    assert actions(changes) == {(DELETE, "gtm.trigger", "Old trigger")}
    assert changes[0].ends == (gone, None) and changes[0].goals == ("old_goal",)


def test_keys_the_target_fills_in_itself_are_not_differences():
    want = tag("Tag", "T")
    have = Entity(
        want.kind,
        want.name,
        {**want.body, "tagFiringOption": "oncePerEvent", "monitoringMetadata": {"type": "map"}},
        want.goals,
    )
    assert diff(State.of([want]), State.of([have])) == []


def test_a_key_goalkeeper_does_not_fill_in_is_a_difference():
    want = tag("Tag", "T")
    have = Entity(want.kind, want.name, {**want.body, "paused": True}, want.goals)
    (change,) = diff(State.of([want]), State.of([have]))
    assert change.action == UPDATE
    assert [(f.label, f.before, f.after) for f in change.fields] == [("paused", "true", None)]


# --- unmanaged entities --------------------------------------------------------------------


def test_unmanaged_entities_never_appear_in_a_plan():
    live = State.of(
        [
            tag("Chat widget", "DOM Ready", managed=False),
            trigger("DOM Ready", managed=False),
            variable("Some constant", managed=False),
            folder("Marketing", managed=False),
            builtin("Page URL", "pageUrl"),
            key_event("purchase"),
            dimension("user_type", "User type", managed=False),
        ]
    )
    desired = State.of([trigger("Link click - a", goal="a"), tag("GA4 event - a", "Link click - a", "a", "a")])
    changes = diff(desired, live)
    assert actions(changes) == {(CREATE, "gtm.trigger", "Link click - a"), (CREATE, "gtm.tag", "GA4 event - a")}
    # ...and when nothing at all is desired, nothing unmanaged is deleted either
    assert diff(State(), live) == []


def test_a_desired_name_held_by_an_unmanaged_gtm_entity_is_a_conflict_naming_it():
    live = State.of([trigger("Link click - checkout_click", "/cart", managed=False)])
    desired = State.of([trigger("Link click - checkout_click", "/checkout")])
    with pytest.raises(GoalkeeperError) as error:
        diff(desired, live)
    (problem,) = error.value.problems
    assert "GTM trigger 'Link click - checkout_click'" in problem.message
    assert "checkout_click" in problem.message and "not managed by goalkeeper" in problem.message


def test_every_conflict_is_reported_at_once():
    live = State.of([trigger("T", managed=False), tag("Tag", "T", managed=False), variable("V", managed=False)])
    desired = State.of([trigger("T"), tag("Tag", "T"), variable("V")])
    with pytest.raises(GoalkeeperError) as error:
        diff(desired, live)
    assert len(error.value.problems) == 3


def test_shareable_unmanaged_entities_are_used_as_they_are():
    live = State.of([builtin("Click URL", "clickUrl"), dimension("user_type", "User type", managed=False)])
    desired = State.of(
        [
            builtin("Click URL", "clickUrl", goals=("checkout_click",)),
            dimension("user_type", "Visitor type"),  # someone registered it already: left alone
        ]
    )
    assert diff(desired, live) == []


def test_built_in_variables_are_never_deleted():
    # Even one goalkeeper enabled (and so reads back with goals) stays when no goal needs it.
    live = State.of([builtin("Click URL", "clickUrl", goals=("checkout_click",)), builtin("Page URL", "pageUrl")])
    assert diff(State(), live) == []


# --- GA4 ------------------------------------------------------------------------------------


def test_a_changed_immutable_custom_dimension_field_is_a_replace():
    have = dimension("video_title", scope="USER")
    want = dimension("video_title", scope="EVENT")
    (change,) = diff(State.of([want]), State.of([have]))
    assert change.action == REPLACE
    assert change.before == have and change.after == want
    assert [(f.label, f.before, f.after) for f in change.fields] == [("scope", '"USER"', '"EVENT"')]


def test_a_changed_mutable_custom_dimension_field_is_an_update():
    have = dimension("video_title", display="Video title")
    want = dimension("video_title", display="Title of the video")
    (change,) = diff(State.of([want]), State.of([have]))
    assert change.action == UPDATE


def test_a_key_event_a_managed_tag_sends_is_claimed_and_deleted_with_it():
    live = State.of([tag("GA4 event - signup", "T", event="signup", goal="signup"), key_event("signup")])
    assert actions(diff(State(), live)) == {
        (DELETE, "gtm.tag", "GA4 event - signup"),
        (DELETE, "ga4.key_event", "signup"),
    }


def test_a_key_event_an_event_create_rule_sends_is_claimed():
    rule = Entity("ga4.event_create_rule", "thanks", {"destinationEvent": "thanks"}, ("thanks",))
    live = State.of([rule, key_event("thanks")])
    assert actions(diff(State(), live)) == {
        (DELETE, "ga4.event_create_rule", "thanks"),
        (DELETE, "ga4.key_event", "thanks"),
    }


def test_a_desired_key_event_adopts_one_made_by_hand():
    live = State.of([key_event("signup", counting="ONCE_PER_EVENT")])
    want = key_event("signup", goal="signup", managed=True, counting="ONCE_PER_SESSION")
    (change,) = diff(State.of([want]), live)
    assert (change.action, change.kind) == (UPDATE, "ga4.key_event")  # adopted, not a conflict
    assert diff(State.of([key_event("signup", goal="signup", managed=True)]), live) == []


def test_an_unmanaged_key_event_nothing_of_goalkeepers_sends_is_never_deleted():
    live = State.of(
        [
            key_event("purchase"),
            tag("Purchase tag", "T", event="purchase", managed=False),  # someone else's tag sends it
            tag("GA4 event - signup", "T", event="signup", goal="signup"),
        ]
    )
    desired = State.of([tag("GA4 event - signup", "T", event="signup", goal="signup")])
    assert diff(desired, live) == []


def test_a_key_event_made_by_hand_for_an_event_a_goal_merely_sends_is_never_touched():
    # A goal sends `purchase` without asking for a key event; someone marked purchase by hand.
    purchase_tag = tag("GA4 event - purchase", "T", event="purchase", goal="purchase", key_event=False)
    live = State.of([key_event("purchase"), purchase_tag])
    assert diff(State.of([purchase_tag]), live) == []
    assert actions(diff(State(), live)) == {(DELETE, "gtm.tag", "GA4 event - purchase")}


@pytest.mark.parametrize(
    "before, after, label",
    [
        (
            {"key": "timeout", "type": "template", "value": "5"},
            {"key": "timeout", "type": "integer", "value": "5"},
            "timeout",
        ),
        (
            {"key": "setupTag", "type": "template", "value": "Consent"},
            {"key": "setupTag", "type": "tagReference", "value": "Consent"},
            "setupTag",
        ),
    ],
    ids=["template to integer", "template to tag reference"],
)
def test_an_update_whose_text_hides_the_change_shows_it_as_json(before, after, label):
    have = Entity("gtm.variable", "V", {"type": "c", "parameter": [before]}, ("g",))
    want = Entity("gtm.variable", "V", {"type": "c", "parameter": [after]}, ("g",))
    (change,) = diff(State.of([want]), State.of([have]))
    assert change.action == UPDATE
    [field] = change.fields
    assert (field.label, field.before, field.after) == (
        label,
        json.dumps(before, sort_keys=True, separators=(",", ":")),
        json.dumps(after, sort_keys=True, separators=(",", ":")),
    )


def test_a_visible_change_is_shown_once_as_text_not_again_as_json():
    have = trigger("T", "/checkout")
    want = trigger("T", "/cart")
    (change,) = diff(State.of([want]), State.of([have]))
    assert [f.label for f in change.fields] == ["filter"]


# --- whose fields ---------------------------------------------------------------------------

CONSENT = {
    "consentStatus": "needed",
    "consentType": {"type": "list", "list": [{"type": "template", "value": "ad_storage"}]},
}


@pytest.mark.parametrize(
    "entity, extra",
    [
        (trigger("T"), {"waitForTagsTimeout": {"type": "template", "value": "2000"}}),
        (trigger("T"), {"uniqueTriggerId": {"type": "template", "value": "6001_12"}}),
        (tag("Tag", "T"), {"consentSettings": CONSENT}),
        (tag("Tag", "T"), {"tagFiringOption": "oncePerLoad", "priority": {"type": "integer", "value": "5"}}),
        (tag("Tag", "T"), {"setupTag": [{"tagName": "Consent mode"}], "blockingTrigger": ["Internal traffic"]}),
        (variable("V"), {"formatValue": {"caseConversionType": "lowercase"}}),
    ],
    ids=["wait time", "unique trigger id", "consent settings", "firing option", "sequencing", "format value"],
)
def test_what_gtm_or_people_set_beside_the_goals_is_no_difference(entity, extra):
    have = Entity(entity.kind, entity.name, {**entity.body, **extra}, entity.goals)
    assert diff(State.of([entity]), State.of([have])) == []


def test_a_field_the_goals_set_stays_theirs_even_when_people_may_set_it():
    want = Entity(
        "gtm.trigger", "T", {**trigger("T").body, "waitForTagsTimeout": {"type": "template", "value": "2000"}}
    )
    have = Entity("gtm.trigger", "T", {**trigger("T").body, "waitForTagsTimeout": {"type": "template", "value": "500"}})
    (change,) = diff(State.of([want]), State.of([have]))
    assert [f.label for f in change.fields] == ["waitForTagsTimeout"]


def shared_trigger(*goals: str, url: str = "/checkout") -> Entity:
    """A trigger several goals share; its notes list them all."""
    body = {**trigger("Shared", url).body, "notes": notes(*goals)}
    return Entity("gtm.trigger", "Shared", body, tuple(sorted(goals)))


def test_a_goal_leaving_a_shared_entity_is_bookkeeping_of_that_goal_alone():
    have = shared_trigger("a", "b", "c")
    (change,) = diff(State.of([shared_trigger("a", "b")]), State.of([have]))
    assert change.action == UPDATE and change.bookkeeping
    assert change.goals == ("c",)  # not a change of a or b


def test_a_key_event_recorded_in_a_tag_note_is_bookkeeping_of_the_tag_goal():
    have = tag("Tag", "T", key_event=False)
    (change,) = diff(State.of([tag("Tag", "T", key_event=True)]), State.of([have]))
    assert change.bookkeeping and change.goals == ("checkout_click",)


def test_a_shared_entity_whose_content_changes_too_is_no_bookkeeping():
    (change,) = diff(State.of([shared_trigger("a", "b", url="/cart")]), State.of([shared_trigger("a", "b", "c")]))
    assert change.action == UPDATE and not change.bookkeeping
    assert change.goals == ("a", "b", "c")


@pytest.mark.parametrize(
    ("live_notes", "bookkeeping"),
    [("Built by the web team", True), ("Built by someone else", False)],
    ids=["only the marker is new", "the user's own text changes too"],
)
def test_a_change_to_the_users_text_after_the_marker_is_no_bookkeeping(live_notes: str, bookkeeping: bool):
    want = ownership.mark(Entity("gtm.trigger", "Click", {"type": "click"}, ("a",)))
    want = Entity(
        want.kind, want.name, {**want.body, "notes": want.body["notes"] + "\n\nBuilt by the web team"}, ("a",)
    )
    have = Entity("gtm.trigger", "Click", {"type": "click", "notes": live_notes}, (), True)
    assert only_marker_differs(want, have) == bookkeeping
