"""Reference checks: every {{Variable}} and firing trigger a goal uses must exist."""

from __future__ import annotations

import pytest

from goalkeeper.core.model import Entity
from goalkeeper.core.references import reference_problems
from goalkeeper.core.state import State
from tests.core.helpers import builtin, condition, key_event, tag, trigger, variable


def _messages(desired: State, live: State = State()) -> list[str]:
    return [p.message for p in reference_problems(desired, live)]


def test_a_complete_goal_has_no_problems():
    desired = State.of(
        [
            builtin("Click URL", "clickUrl", goals=("a",)),
            trigger("Link click - a", goal="a"),
            tag(
                "GA4 event - a",
                "Link click - a",
                "a",
                "a",
                extra_params=({"key": "measurementIdOverride", "type": "template", "value": "{{Measurement ID}}"},),
            ),
            variable("Measurement ID", goals=("a",)),
            key_event("a", goal="a", managed=True),
        ]
    )
    assert _messages(desired) == []


def test_an_undefined_variable_is_reported_with_its_name_and_entity():
    desired = State.of([trigger("Link click - a", goal="a")])  # uses {{Click URL}}, not enabled
    (message,) = _messages(desired)
    assert "GTM trigger 'Link click - a' (goal a)" in message
    assert "{{Click URL}}" in message


def test_variables_the_container_already_has_count_as_defined():
    desired = State.of([trigger("Link click - a", goal="a")])
    assert _messages(desired, State.of([builtin("Click URL", "clickUrl")])) == []
    assert _messages(desired, State.of([variable("Click URL", managed=False)])) == []
    uses_event = Entity(
        "gtm.trigger",
        "T",
        {"type": "customEvent", "customEventFilter": [condition("equals", "{{_event}}", "signup")]},
        ("a",),
    )
    assert _messages(State.of([uses_event])) == []


def test_a_firing_trigger_no_goal_defines_is_reported():
    desired = State.of([builtin("Click URL", "clickUrl", ("a",)), tag("GA4 event - a", "Nowhere", "a", "a")])
    (message,) = _messages(desired)
    assert "GTM tag 'GA4 event - a'" in message and "'Nowhere'" in message
    # GTM's own triggers need no definition
    assert _messages(State.of([tag("GA4 event - a", "All Pages", "a", "a")])) == []


def test_every_problem_is_reported():
    desired = State.of(
        [
            trigger("Link click - a", goal="a"),
            tag(
                "GA4 event - a",
                "Missing trigger",
                "a",
                "a",
                extra_params=({"key": "x", "type": "template", "value": "{{Undefined One}}"},),
            ),
        ]
    )
    messages = _messages(desired)
    assert len(messages) == 3
    assert sum("{{Click URL}}" in m for m in messages) == 1
    assert sum("{{Undefined One}}" in m for m in messages) == 1
    assert sum("'Missing trigger'" in m for m in messages) == 1


def test_invalid_gtm_names_and_built_in_names_are_refused():
    messages = _messages(State.of([variable("Order: total"), variable("Page URL")]))
    assert any("'Order: total'" in m and "may not contain" in m for m in messages)
    assert any("'Page URL'" in m and "built-in variable" in m for m in messages)


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        ({"blockingTrigger": ["Nope"]}, "is blocked by trigger 'Nope', which neither the goal file nor the container"),
        ({"setupTag": [{"tagName": "Nope"}]}, "names 'Nope' as its setup tag, which neither"),
        ({"teardownTag": [{"tagName": "Nope"}]}, "names 'Nope' as its cleanup tag, which neither"),
    ],
    ids=["blocking trigger", "setup tag", "cleanup tag"],
)
def test_a_tag_naming_a_trigger_or_tag_nobody_has_is_refused(extra: dict, said: str):
    tag = Entity("gtm.tag", "GA4 - Checkout", {"type": "gaawe", "firingTrigger": ["All Pages"], **extra}, ("g",))
    (problem,) = reference_problems(State((tag,)), State())
    assert said in problem.message


@pytest.mark.parametrize("managed", [False, True], ids=["the container's own", "goalkeeper's, deleted"])
def test_a_tag_may_use_the_containers_own_trigger_and_tag_not_ones_goalkeeper_deletes(managed: bool):
    tag = Entity(
        "gtm.tag",
        "GA4 - Checkout",
        {"type": "gaawe", "firingTrigger": ["Click"], "setupTag": [{"tagName": "Setup"}]},
        ("g",),
    )
    live = State(
        (
            Entity("gtm.trigger", "Click", {"type": "click"}, (), managed),
            Entity("gtm.tag", "Setup", {"type": "html"}, (), managed),
        )
    )
    assert len(reference_problems(State((tag,)), live)) == (2 if managed else 0)


def test_a_trigger_group_naming_a_trigger_nobody_has_is_refused():
    group_ids = {"type": "list", "key": "triggerIds", "list": [{"type": "triggerReference", "value": "Nope"}]}
    group = Entity("gtm.trigger", "My group", {"type": "triggerGroup", "parameter": [group_ids]}, ())
    (problem,) = reference_problems(State((group,)), State())
    assert "refers to trigger 'Nope', which neither the goal file nor the container defines" in problem.message
