"""Ownership markers: what goalkeeper writes, and how it recognises its own entities again."""

from __future__ import annotations

import re

import pytest

from goalkeeper.core import ownership
from goalkeeper.core.changes import DELETE, UPDATE
from goalkeeper.core.errors import GoalkeeperError
from goalkeeper.core.model import Entity
from goalkeeper.core.planner import make_plan
from goalkeeper.core.state import State
from tests.core.helpers import builtin, dimension, key_event, tag, trigger, variable


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


# --- owners: each goal file manages its own entities ----------------------------------------------


def owned(entity: Entity, owner: str | None, key_events: tuple[str, ...] = ()) -> Entity:
    """``entity`` as read from a target after goal file ``owner`` applied it (None: an earlier
    goalkeeper, whose markers named no owner). Key events carry no marker."""
    return entity if entity.kind == "ga4.key_event" else ownership.mark(entity, key_events, owner)


def b2b_click() -> list[Entity]:
    """A link-click goal of the goal file ``goals/b2b.yaml``, as expanded and marked."""
    return [
        owned(trigger("Link click - demo", "/demo", "demo"), B2B),
        owned(tag("GA4 event - demo", "Link click - demo", "demo", "demo"), B2B, ("demo",)),
        key_event("demo"),  # read from GA4: key events carry no marker
    ]


B2B, CONTENT = "goals/b2b.yaml", "goals/content.yaml"


@pytest.mark.parametrize(
    ("kind", "body"),
    [
        ("gtm.tag", {"notes": ownership.managed_notes(["a"], ["a"], owner=B2B)}),
        ("ga4.audience", {"description": ownership.managed_description(["a", "b"], owner=B2B)}),
        ("ga4.custom_dimension", {"description": ownership.managed_description([f"g{i}" for i in range(40)], B2B)}),
    ],
)
def test_the_marker_names_its_owner_and_still_lists_the_goals(kind, body):
    entity = Entity(kind, "x", body)
    assert ownership.owner_of(entity) == B2B
    assert ownership.goals_of(kind, body)[0] in ("a", "g0")


def test_a_rule_names_its_owner_in_a_second_parameter_mutation():
    rule = Entity("ga4.event_create_rule", "x", {"destinationEvent": "x", "parameterMutations": []}, ("thanks",))
    marked = ownership.mark(
        Entity(rule.kind, rule.name, {**rule.body, "parameterMutations": [GOAL_MUTATION]}, ("thanks",)), owner=B2B
    )
    assert marked.body["parameterMutations"] == [
        GOAL_MUTATION,
        {"parameter": "goalkeeper_owner", "parameterValue": B2B},
    ]
    assert ownership.owner_of(marked) == B2B and ownership.goals_of(marked.kind, marked.body) == ("thanks",)


GOAL_MUTATION = {"parameter": "goalkeeper_goal", "parameterValue": "thanks"}


@pytest.mark.parametrize(
    "text",
    [
        ownership.managed_notes(["a"]),
        ownership.managed_description(["a"]),
        "Managed by goalkeeper: edits made here are overwritten by `goalkeeper apply`. Goal: a.",
    ],
)
def test_markers_written_before_owners_existed_name_no_owner(text):
    assert ownership.owner_in(text) is None and ownership.goals_in(text) == ("a",)


@pytest.mark.parametrize(
    ("owner", "valid"),
    [
        ("goals/b2b.yaml", True),
        ("shop-tracking", True),
        ("a", True),
        ("has space", False),
        ("a,b", False),
        ("a:b", False),
        ("ends/", False),
        (".hidden", False),
        ("x" * 65, False),
    ],
)
def test_an_owner_id_is_short_and_parses_back_from_the_marker(owner, valid):
    assert bool(re.fullmatch(ownership.OWNER_PATTERN, owner)) == valid
    if valid:
        assert ownership.owner_in(ownership.managed_notes(["a"], owner=owner)) == owner
        assert ownership.owner_in(ownership.managed_description(["a"], owner=owner)) == owner


def test_another_goal_files_entities_are_neither_updated_nor_deleted():
    live = State.of(b2b_click())
    plan = make_plan(State(), live, owner=CONTENT)
    assert plan.changes == ()


def test_a_goal_file_still_deletes_its_own_removed_goals():
    plan = make_plan(State(), State.of(b2b_click()), owner=B2B)
    assert {(c.action, c.name) for c in plan.changes} == {
        (DELETE, "Link click - demo"),
        (DELETE, "GA4 event - demo"),
        (DELETE, "demo"),
    }


def test_a_name_another_goal_file_holds_with_other_settings_is_a_conflict_naming_it():
    desired = State.of(
        [
            builtin("Click URL", "clickUrl", goals=("demo",)),
            owned(trigger("Link click - demo", "/book-a-demo", "demo"), CONTENT),
            owned(tag("GA4 event - demo", "Link click - demo", "demo", "demo"), CONTENT, ("demo",)),
        ]
    )
    with pytest.raises(GoalkeeperError) as error:
        make_plan(desired, State.of(b2b_click()), owner=CONTENT, planned=frozenset({"gtm"}))
    [problem] = [p for p in error.value.problems if "Link click - demo" in p.message]
    assert "goal file whose owner is 'goals/b2b.yaml'" in problem.message


def test_an_entity_the_same_apart_from_the_marker_is_shared_not_fought_over():
    """Both goal files send through the measurement-ID variable: the second uses the first's."""
    theirs = owned(variable("goalkeeper - GA4 Measurement ID", goals=("demo",)), B2B)
    mine = owned(variable("goalkeeper - GA4 Measurement ID", goals=("article",)), CONTENT)
    plan = make_plan(State.of([mine]), State.of([theirs]), owner=CONTENT)
    assert plan.changes == ()


def test_what_another_goal_files_tags_still_use_is_kept_with_a_warning():
    measurement = owned(variable("goalkeeper - GA4 Measurement ID", goals=("demo",)), B2B)
    theirs = owned(
        tag("GA4 event - article", "Link click - article", "article", "article", key_event=False),
        CONTENT,
    )
    theirs = Entity(
        theirs.kind,
        theirs.name,
        {**theirs.body, "parameter": [*theirs.body["parameter"], MEASUREMENT_PARAMETER]},
        theirs.goals,
    )
    plan = make_plan(State(), State.of([measurement, theirs]), owner=B2B, planned=frozenset({"gtm"}))
    assert plan.changes == ()
    [warning] = [w for w in plan.warnings if "not planned" in w]
    assert "goalkeeper - GA4 Measurement ID" in warning and "'goals/content.yaml'" in warning


MEASUREMENT_PARAMETER = {
    "key": "measurementIdOverride",
    "type": "template",
    "value": "{{goalkeeper - GA4 Measurement ID}}",
}


def test_goalkeepers_google_tag_stays_while_another_goal_files_event_tags_need_it():
    google = owned(
        Entity(
            "gtm.tag",
            "goalkeeper - Google tag",
            {"type": "googtag", "parameter": [{"key": "tagId", "type": "template", "value": "G-ABC123"}]},
            ("demo",),
        ),
        B2B,
    )
    theirs = owned(tag("GA4 event - article", "All Pages", "article", "article", key_event=False), CONTENT)
    plan = make_plan(State(), State.of([google, theirs]), owner=B2B, planned=frozenset({"gtm"}))
    assert plan.changes == ()
    assert any("goalkeeper - Google tag" in w and "'goals/content.yaml'" in w for w in plan.warnings)


def test_a_key_event_another_goal_files_tag_vouches_for_is_not_deleted():
    mine = owned(tag("GA4 event - demo", "Link click - demo", "demo", "demo"), B2B, ("demo",))
    theirs = owned(tag("GA4 event - demo too", "Link click - demo", "demo", "demo_too"), CONTENT, ("demo",))
    live = State.of([mine, theirs, key_event("demo", managed=False)])
    plan = make_plan(State(), live, owner=B2B)
    assert {(c.action, c.name) for c in plan.changes} == {(DELETE, "GA4 event - demo")}


def test_a_key_event_two_goal_files_declare_with_other_settings_is_a_conflict():
    theirs = owned(tag("GA4 event - demo", "Link click - demo", "demo", "demo"), B2B, ("demo",))
    live = State.of([theirs, key_event("demo", managed=False)])
    sender = owned(tag("GA4 event - demo too", "Link click - other", "demo", "demo_too"), CONTENT, ("demo",))
    desired = State.of([sender, key_event("demo", goal="demo_too", managed=True, counting="ONCE_PER_SESSION")])
    with pytest.raises(GoalkeeperError) as error:
        make_plan(desired, live, owner=CONTENT, planned=frozenset({"ga4"}))
    assert "'goals/b2b.yaml'" in str(error.value) and "GA4 key event 'demo'" in str(error.value)


# --- markers without an owner: written before owners existed ---------------------------------------


def test_a_goal_file_adopts_the_unowned_entities_it_defines_as_bookkeeping():
    live = State.of(
        [
            builtin("Click URL", "clickUrl"),
            *(owned(e, None, ("demo",) if e.kind == "gtm.tag" else ()) for e in b2b_click()),
        ]
    )
    desired = [builtin("Click URL", "clickUrl", goals=("demo",)), *b2b_click()[:2], key_event("demo", "demo", True)]
    plan = make_plan(State.of(desired), live, owner=B2B)
    assert {c.name for c in plan.changes} == {"Link click - demo", "GA4 event - demo"}
    assert all(c.action == UPDATE and c.bookkeeping for c in plan.changes)
    [note] = [w for w in plan.warnings if w.startswith("adopted")]
    assert "adopted 2 entities" in note and "GTM trigger 'Link click - demo'" in note


def test_an_unowned_entity_a_goal_file_does_not_define_is_left_alone():
    live = State.of([owned(e, None, ("demo",) if e.kind == "gtm.tag" else ()) for e in b2b_click()])
    plan = make_plan(State(), live, owner=CONTENT)
    assert plan.changes == ()
    assert any(w.startswith("left alone: 2 entities") and "adopt_unowned" in w for w in plan.warnings)


def test_adopt_unowned_takes_every_unowned_entity_on_deletions_included():
    live = State.of([owned(e, None, ("demo",) if e.kind == "gtm.tag" else ()) for e in b2b_click()])
    plan = make_plan(State(), live, owner=CONTENT, adopt_unowned=True)
    assert {(c.action, c.name) for c in plan.changes} == {
        (DELETE, "Link click - demo"),
        (DELETE, "GA4 event - demo"),
        (DELETE, "demo"),
    }


def test_an_adopted_event_create_rule_only_gains_its_owner_parameter_as_bookkeeping():
    body = {
        "destinationEvent": "thanks",
        "eventConditions": [{"field": "event_name", "comparisonType": "EQUALS", "value": "page_view"}],
        "sourceCopyParameters": True,
        "parameterMutations": [GOAL_MUTATION],
    }
    legacy = Entity("ga4.event_create_rule", "thanks", body, ("thanks",))
    plan = make_plan(State.of([owned(legacy, B2B)]), State.of([legacy]), owner=B2B, planned=frozenset({"ga4"}))
    [change] = plan.changes
    assert change.action == UPDATE and change.bookkeeping


def test_a_goal_file_whose_entities_another_owner_holds_as_they_are_is_told_how_to_keep_them():
    """A renamed goal file gets a new owner: what it defines is its old owner's, unchanged."""
    entities = [owned(trigger("Link click - demo", "/demo", "demo"), B2B), owned(variable("Demo ID"), B2B)]
    desired = State.of([builtin("Click URL", "clickUrl", goals=("demo",)), *(owned(e, CONTENT) for e in entities)])
    live = State.of([builtin("Click URL", "clickUrl"), *entities])
    plan = make_plan(desired, live, owner=CONTENT)
    assert plan.changes == ()
    [warning] = [w for w in plan.warnings if "moved or renamed" in w]
    assert warning.startswith("2 entities") and "set `owner: goals/b2b.yaml`" in warning


def test_a_custom_dimension_whose_parameter_another_goal_file_sends_is_not_archived():
    mine = owned(dimension("video_title", goal="demo"), B2B)
    row = {"type": "map", "map": [{"key": "parameter", "type": "template", "value": "video_title"}]}
    table = {"key": "eventSettingsTable", "type": "list", "list": [row]}
    theirs = owned(
        tag("GA4 event - video", "All Pages", "video", "video", key_event=False, extra_params=(table,)), CONTENT
    )
    plan = make_plan(State(), State.of([mine, theirs]), owner=B2B, planned=frozenset({"ga4"}))
    assert plan.changes == ()
    [warning] = [w for w in plan.warnings if "not planned" in w]
    assert 'custom dimension "video_title"' in warning and "'goals/content.yaml'" in warning


@pytest.mark.parametrize(
    ("notes", "recorded"),
    [
        ("Support chat. Key events: purchase. Goals: checkout.", ((), ())),
        (
            ownership.managed_notes(("a",), ("sign_up",)) + "\n\nSupport chat. Key events: purchase. Goals: checkout.",
            (("a",), ("sign_up",)),
        ),
    ],
    ids=["a hand-made note", "the user's text after the marker"],
)
def test_only_goalkeepers_marker_records_goals_and_key_events(notes: str, recorded: tuple):
    assert (ownership.goals_in(notes), ownership.key_events_in(notes)) == recorded
