"""make_plan: desired and live state (and the policy) in, one checked plan out."""

from __future__ import annotations

import pytest

from goalkeeper.core.changes import CREATE, DELETE
from goalkeeper.core.errors import GoalkeeperError, Problem
from goalkeeper.core.planner import make_plan
from goalkeeper.core.safety import SafetyPolicy
from goalkeeper.core.selection import Selection
from goalkeeper.core.state import State
from tests.core.helpers import builtin, dimension, key_event, tag, trigger


def click_goal(goal: str, url: str = "/checkout") -> list:
    """What a link-click goal expands to: built-in, trigger, tag and key event."""
    return [
        builtin("Click URL", "clickUrl", goals=(goal,)),
        trigger(f"Link click - {goal}", url, goal),
        tag(f"GA4 event - {goal}", f"Link click - {goal}", goal, goal),
        key_event(goal, goal=goal, managed=True),
    ]


def test_a_new_goal_is_planned_in_every_target():
    plan = make_plan(State.of(click_goal("checkout_click")), State())
    assert {(c.action, c.target) for c in plan.changes} == {(CREATE, "gtm"), (CREATE, "ga4")}
    assert plan.warnings == () and plan.refusal is None


def test_only_the_planned_targets_are_changed_but_every_target_is_checked():
    plan = make_plan(State.of(click_goal("checkout_click")), State(), planned=frozenset({"ga4"}))
    assert {c.kind for c in plan.changes} == {"ga4.key_event"}


def test_references_and_target_problems_are_raised_together():
    desired = State.of([tag("GA4 event - a", "No such trigger", "a", "a")])
    with pytest.raises(GoalkeeperError) as error:
        make_plan(desired, State(), target_problems=[Problem("a server container")])
    messages = [p.message for p in error.value.problems]
    assert any("No such trigger" in m for m in messages) and messages[-1] == "a server container"


def test_a_selection_keeps_the_chosen_goals_changes():
    b_without_builtin = click_goal("b", "/b")[1:]  # goals share one built-in variable in a real expansion
    desired = State.of([*click_goal("a", "/a"), *b_without_builtin])
    plan = make_plan(desired, State(), goals={"a": "macro", "b": "macro"}, selection=Selection.of(goals=["a"]))
    assert {g for c in plan.changes for g in c.goals} == {"a"}
    assert len(plan.changes) == 4


def test_an_unknown_goal_in_the_selection_is_an_error():
    with pytest.raises(GoalkeeperError, match="no such goal"):
        make_plan(State(), State(), goals={"a": "macro"}, selection=Selection.of(goals=["zzz"]))


def test_the_safety_verdict_travels_with_the_plan():
    live = State.of([trigger(f"T{i}", goal=f"g{i}") for i in range(10)])
    plan = make_plan(State(), live)
    assert plan.count(DELETE) == 10
    assert plan.refusal is not None and "10 of the 10" in plan.refusal


def test_forced_plans_carry_the_override_as_a_warning():
    live = State.of([trigger(f"T{i}", goal=f"g{i}") for i in range(10)])
    plan = make_plan(State(), live, force=True)
    assert plan.refusal is None and any("overridden by --force" in w for w in plan.warnings)


def test_without_deletes_the_deletions_become_warnings():
    live = State.of([trigger("Old", goal="old")])
    plan = make_plan(State(), live, policy=SafetyPolicy(allow_deletes=False))
    assert plan.empty and "safety.allow_deletes" in plan.warnings[0]


def test_a_goal_tracked_only_in_a_target_the_file_lacks_is_a_warning():
    desired = State.of([dimension("plan_name", goal="pricing")])
    plan = make_plan(desired, State(), goals={"pricing": "macro"}, configured=frozenset({"gtm"}))
    assert any("goal 'pricing' is tracked only in GA4" in w for w in plan.warnings)


def test_enhanced_measurement_double_counts_refuse_the_plan_when_ga4_is_planned():
    desired = State.of(click_goal("scroll"))
    settings = {"streamEnabled": True, "scrollsEnabled": True, "name": "properties/1/dataStreams/2/x"}
    with pytest.raises(GoalkeeperError, match="count it twice"):
        make_plan(desired, State(), enhanced_measurement=settings)
    gtm_only = make_plan(desired, State(), planned=frozenset({"gtm"}), enhanced_measurement=settings)
    assert not any("twice" in w for w in gtm_only.warnings)


def test_a_category_no_goal_has_says_so_rather_than_that_everything_matches():
    plan = make_plan(
        State.of(click_goal("a")), State(), goals={"a": "macro"}, selection=Selection.of(categories=["micro"])
    )
    assert plan.empty and any("selected no goal" in w for w in plan.warnings)
