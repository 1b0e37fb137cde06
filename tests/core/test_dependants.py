"""A deletion something in the container still uses is refused, naming each dependant, or kept when
the goal file says so."""

from __future__ import annotations

import pytest

from goalkeeper.core.changes import DELETE
from goalkeeper.core.errors import GoalkeeperError
from goalkeeper.core.model import Entity
from goalkeeper.core.planner import make_plan
from goalkeeper.core.safety import SafetyPolicy
from goalkeeper.core.state import State
from tests.core.helpers import builtin, tag, trigger, variable


def hand_made(name: str, **body) -> Entity:
    return Entity("gtm.tag", name, {"type": "html", **body}, (), managed=False)


OLD_TRIGGER = trigger("Link click - old", goal="old")
OLD_TAG = tag("GA4 event - old", "Link click - old", "old", "old")
OLD_VARIABLE = variable("Old value", goals=("old",))
GROUP = Entity(
    "gtm.trigger",
    "Both clicks",
    {
        "type": "triggerGroup",
        "parameter": [
            {"key": "triggerIds", "type": "list", "list": [{"type": "triggerReference", "value": "Link click - old"}]}
        ],
    },
    (),
    managed=False,
)


@pytest.mark.parametrize(
    "dependant, how",
    [
        (hand_made("Chat widget", firingTrigger=["Link click - old"]), "fires on it"),
        (
            hand_made("Chat widget", firingTrigger=["All Pages"], blockingTrigger=["Link click - old"]),
            "is blocked by it",
        ),
        (GROUP, "lists it in its trigger group"),
    ],
    ids=["firing", "blocking", "trigger group"],
)
def test_removing_a_goal_whose_trigger_a_hand_made_entity_uses_is_refused(dependant, how):
    with pytest.raises(GoalkeeperError) as error:
        make_plan(State(), State.of([OLD_TRIGGER, OLD_TAG, dependant]))
    [problem] = error.value.problems
    assert 'GTM trigger "Link click - old"' in problem.message
    assert f'"{dependant.name}" (not managed by goalkeeper) {how}' in problem.message
    assert "safety.keep_used: true" in problem.message


def test_a_tag_run_as_a_setup_tag_is_not_deleted_from_under_its_user():
    user = hand_made("Purchase", firingTrigger=["All Pages"], setupTag=[{"tagName": "GA4 event - old"}])
    with pytest.raises(GoalkeeperError, match='"Purchase" .* runs it as its setup tag'):
        make_plan(State(), State.of([OLD_TRIGGER, OLD_TAG, user]))


def test_a_variable_a_hand_made_tag_refers_to_is_not_deleted():
    user = hand_made(
        "Pixel", firingTrigger=["All Pages"], parameter=[{"key": "html", "type": "template", "value": "{{Old value}}"}]
    )
    with pytest.raises(GoalkeeperError, match=r"refers to \{\{Old value\}\}"):
        make_plan(State(), State.of([OLD_VARIABLE, user]))


def test_with_keep_used_the_used_entity_stays_and_the_plan_says_why():
    user = hand_made("Chat widget", firingTrigger=["Link click - old"])
    plan = make_plan(State(), State.of([OLD_TRIGGER, OLD_TAG, user]), policy=SafetyPolicy(keep_used=True))
    assert [(c.action, c.name) for c in plan.changes] == [(DELETE, "GA4 event - old")]
    assert any('not planned: deleting GTM trigger "Link click - old"' in w for w in plan.warnings)


def test_what_only_goalkeeper_used_is_deleted_together():
    plan = make_plan(State(), State.of([OLD_TRIGGER, OLD_TAG]))
    assert {c.name for c in plan.changes} == {"Link click - old", "GA4 event - old"}


def test_a_managed_tag_moved_to_another_trigger_does_not_hold_on_to_the_old_one():
    moved_tag = tag("GA4 event - a", "Link click - new", "a", "a")
    live = State.of([trigger("Link click - old", goal="a"), tag("GA4 event - a", "Link click - old", "a", "a")])
    desired = State.of(
        [builtin("Click URL", "clickUrl", goals=("a",)), trigger("Link click - new", "/new", goal="a"), moved_tag]
    )
    plan = make_plan(desired, live, planned=frozenset({"gtm"}))
    assert (DELETE, "Link click - old") in {(c.action, c.name) for c in plan.changes}
