"""Plans: the order changes run in, their counts and summary, grouping by goal, and how a field
change reads."""

from __future__ import annotations

from goalkeeper.core.changes import CREATE, DELETE, REPLACE, UPDATE, FieldChange
from goalkeeper.core.diff import diff
from goalkeeper.core.model import Entity
from goalkeeper.core.plan import UNASSIGNED, Plan
from goalkeeper.core.state import State
from goalkeeper.render import GoalInfo, PlanContext, field_line
from goalkeeper.render.text import render_text
from tests.core.helpers import builtin, change, dimension, folder, key_event, tag, trigger, variable


def plan_of(desired: State, live: State) -> Plan:
    return Plan.of(diff(desired, live))


def _entity(kind: str, name: str, goal: str = "g") -> Entity:
    return Entity(kind, name, {"type": "x"}, (goal,))


def test_creates_follow_dependency_order_then_ga4_and_deletes_come_last_in_reverse():
    creates = [
        change(CREATE, None, _entity(k, f"new {k}"))
        for k in (
            "ga4.key_event",
            "gtm.tag",
            "ga4.custom_dimension",
            "gtm.trigger",
            "gtm.variable",
            "gtm.builtin_variable",
            "gtm.folder",
        )
    ]
    deletes = [
        change(DELETE, _entity(k, f"old {k}"), None)
        for k in ("gtm.folder", "gtm.variable", "gtm.tag", "ga4.key_event", "gtm.trigger")
    ]
    update = change(UPDATE, _entity("gtm.trigger", "a trigger"), _entity("gtm.trigger", "a trigger"))
    plan = Plan.of([*deletes, update, *creates])
    assert [(c.action, c.kind) for c in plan.changes] == [
        (CREATE, "gtm.folder"),
        (CREATE, "gtm.builtin_variable"),
        (CREATE, "gtm.variable"),
        (UPDATE, "gtm.trigger"),  # "a trigger" sorts before "new gtm.trigger"
        (CREATE, "gtm.trigger"),
        (CREATE, "gtm.tag"),
        (CREATE, "ga4.custom_dimension"),
        (CREATE, "ga4.key_event"),
        (DELETE, "ga4.key_event"),
        (DELETE, "gtm.tag"),
        (DELETE, "gtm.trigger"),
        (DELETE, "gtm.variable"),
        (DELETE, "gtm.folder"),
    ]


def test_a_real_diff_is_planned_in_order():
    desired = State.of([tag("Tag", "T"), trigger("T"), variable("V"), folder("F")])
    live = State.of([tag("Old tag", "Old", goal="old"), trigger("Old", goal="old")])
    plan = plan_of(desired, live)
    assert [(c.action, c.name) for c in plan.changes] == [
        (CREATE, "F"),
        (CREATE, "V"),
        (CREATE, "T"),
        (CREATE, "Tag"),
        (DELETE, "Old tag"),
        (DELETE, "Old"),
    ]


def _plan_with(adds: int, changes: int, deletes: int, replaces: int = 0) -> Plan:
    items = [change(CREATE, None, _entity("gtm.tag", f"c{i}")) for i in range(adds)]
    items += [change(UPDATE, _entity("gtm.tag", f"u{i}"), _entity("gtm.tag", f"u{i}")) for i in range(changes)]
    items += [change(DELETE, _entity("gtm.tag", f"d{i}"), None) for i in range(deletes)]
    items += [
        change(REPLACE, _entity("ga4.custom_dimension", f"r{i}"), _entity("ga4.custom_dimension", f"r{i}"))
        for i in range(replaces)
    ]
    return Plan.of(items)


def test_counts_and_summary():
    plan = _plan_with(5, 1, 0)
    assert (plan.to_add, plan.to_change, plan.to_destroy) == (5, 1, 0)
    assert plan.summary() == "Plan: 5 to add, 1 to change, 0 to destroy."
    assert not plan.empty


def test_a_replace_counts_as_one_add_and_one_destroy():
    plan = _plan_with(0, 0, 2, replaces=1)
    assert plan.summary() == "Plan: 1 to add, 0 to change, 3 to destroy."


def test_an_empty_plan_says_no_changes():
    plan = Plan.of([])
    assert plan.empty and plan.summary() == "No changes."
    assert plan_of(State.of([trigger("T")]), State.of([trigger("T")])).summary() == "No changes."


def test_for_target_splits_gtm_from_ga4():
    plan = plan_of(State.of([trigger("T"), dimension("video_title")]), State())
    assert [c.kind for c in plan.for_target("gtm").changes] == ["gtm.trigger"]
    assert [c.kind for c in plan.for_target("ga4").changes] == ["ga4.custom_dimension"]


def test_by_goal_groups_changes_sorted_by_goal_with_shared_entities_last():
    desired = State.of(
        [
            trigger("Link click - b", goal="b"),
            tag("GA4 event - b", "Link click - b", "b", "b"),
            trigger("Link click - a", goal="a"),
            variable("Measurement ID", goals=("a", "b")),
            builtin("Click URL", "clickUrl", goals=("a", "b")),
        ]
    )
    live = State.of([trigger("Old", goal="c")])
    groups = plan_of(desired, live).by_goal()
    assert list(groups) == ["a", "b", "c", UNASSIGNED]
    assert [c.name for c in groups["a"]] == ["Link click - a"]
    assert [c.name for c in groups["b"]] == ["Link click - b", "GA4 event - b"]
    assert [(c.action, c.name) for c in groups["c"]] == [(DELETE, "Old")]
    assert [c.name for c in groups[UNASSIGNED]] == ["Click URL", "Measurement ID"]


def test_the_checksum_follows_the_content():
    one = plan_of(State.of([trigger("T", "/a")]), State())
    same = plan_of(State.of([trigger("T", "/a")]), State())
    other = plan_of(State.of([trigger("T", "/b")]), State())
    assert one.checksum() == same.checksum() != other.checksum()


# --- how a field change reads ------------------------------------------------------------


def test_a_changed_condition_writes_its_shared_part_once():
    item = FieldChange("filter", 'Click URL contains "/checkout"', 'Click URL contains "/checkout/start"')
    assert field_line(item) == '~ filter: Click URL contains "/checkout" -> "/checkout/start"'


def test_added_and_removed_fields():
    assert field_line(FieldChange("paused", None, "true")) == "+ paused = true"
    assert field_line(FieldChange("paused", "true", None)) == "- paused = true"
    assert field_line(FieldChange("scope", '"USER"', '"EVENT"')) == '~ scope: "USER" -> "EVENT"'


def test_the_text_plan_shows_a_trigger_url_change_as_one_readable_line():
    live = State.of([trigger("Link click - checkout_click", "/checkout")])
    desired = State.of([trigger("Link click - checkout_click", "/checkout/start")])
    context = PlanContext(
        targets={"gtm": "GTM container export c.json"},
        goals={"checkout_click": GoalInfo("link_click", "process_milestone")},
    )
    text = render_text(plan_of(desired, live), context)
    lines = text.splitlines()
    assert '  ~ GTM trigger "Link click - checkout_click"' in lines
    assert '      ~ Fires on: Click URL contains "/checkout" -> "/checkout/start"' in lines
    assert "# goal checkout_click (link_click, process_milestone)" in lines
    assert lines[-1] == "Plan: 0 to add, 1 to change, 0 to destroy."
    assert lines[0] == "Target: GTM container export c.json"


def test_the_text_plan_of_no_changes():
    text = render_text(Plan.of([]), PlanContext(targets={"gtm": "GTM container export c.json"}))
    assert "No changes." in text and "Plan:" not in text


def test_a_deleted_goal_is_headed_as_removed_and_its_delete_shows_no_fields():
    live = State.of([trigger("Old", goal="gone"), key_event("x")])
    text = render_text(plan_of(State(), live), PlanContext())
    assert "# goal gone (removed from the goal file)" in text
    assert '  - GTM trigger "Old"' in text.splitlines()
    assert "Click URL" not in text
    assert text.rstrip().endswith("Plan: 0 to add, 0 to change, 1 to destroy.")
