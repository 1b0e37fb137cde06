"""A goal that took over hand-made entities (its `adopted:`, written by `goalkeeper import`) makes
them under their own names, fires its tag on the trigger by that name, keeps the settings listed,
and keeps the user's notes after goalkeeper's marker; what decides when it fires and what it sends
stays the goal's."""

from __future__ import annotations

import pytest

from goalkeeper.core.errors import GoalkeeperError
from goalkeeper.core.model import Entity
from goalkeeper.goals.expand import MEASUREMENT_ID_VARIABLE, expand, taken_over_keys
from goalkeeper.goals.load import parse_goal_text
from tests.goals.conftest import GOALS_HEADER

LINK_GOAL = """\
  - name: checkout_click
    kind: link_click
    url_contains: /checkout
    adopted:
      Link click - checkout_click: {name: Click - Checkout, notes: Built by the web team}
      GA4 event - checkout_click:
        name: GA4 - Checkout
        parameter: {measurementIdOverride: '{{GA4 ID}}', sendEcommerceData: false}
"""


def parameters(entity: Entity) -> dict:
    return {p["key"]: p.get("value") for p in entity.body["parameter"]}


def test_the_entities_keep_their_hand_made_names_and_the_tag_fires_on_the_trigger_by_its_name(expand_goals):
    desired = expand_goals(LINK_GOAL)
    assert desired.get("gtm.trigger", "Link click - checkout_click") is None
    tag = desired.get("gtm.tag", "GA4 - Checkout")
    assert tag.body["firingTrigger"] == ["Click - Checkout"]
    assert desired.get("gtm.trigger", "Click - Checkout").goals == ("checkout_click",)


def test_the_tag_keeps_its_parameters_but_sends_the_goals_event(expand_goals):
    tag = expand_goals(LINK_GOAL).get("gtm.tag", "GA4 - Checkout")
    assert parameters(tag) == {
        "eventName": "checkout_click",
        "measurementIdOverride": "{{GA4 ID}}",
        "sendEcommerceData": "false",
    }


def test_a_tag_sending_to_its_own_id_needs_neither_goalkeepers_variable_nor_its_google_tag(expand_goals):
    desired = expand_goals(LINK_GOAL)
    assert desired.get("gtm.variable", MEASUREMENT_ID_VARIABLE) is None
    assert not [e for e in desired if e.body.get("type") == "googtag"]


def test_the_users_notes_stay_after_goalkeepers_marker(expand_goals):
    notes = expand_goals(LINK_GOAL).get("gtm.trigger", "Click - Checkout").body["notes"]
    assert notes.startswith("Managed by goalkeeper") and notes.endswith("\n\nBuilt by the web team")


def test_a_renamed_variable_is_referred_to_by_its_new_name(expand_goals):
    desired = expand_goals(
        "  - name: sign_up\n    kind: datalayer_event\n    datalayer_event: signup\n"
        "    parameters: {method: signupMethod}\n"
        "    adopted:\n      dlv - signupMethod: {name: DLV - method}\n"
    )
    assert desired.get("gtm.variable", "DLV - method") is not None
    tag = desired.get("gtm.tag", "GA4 event - sign_up")
    assert "{{DLV - method}}" in str(tag.body) and "{{dlv - signupMethod}}" not in str(tag.body)


def test_the_plan_adopts_the_hand_made_entities_by_their_names(kinds):
    goal_file = parse_goal_text(GOALS_HEADER + LINK_GOAL, kinds)
    keys = taken_over_keys(goal_file, expand(goal_file, kinds))
    assert keys == {("gtm.trigger", "Click - Checkout"), ("gtm.tag", "GA4 - Checkout")}


@pytest.mark.parametrize(
    ("adopted", "said"),
    [
        ("Link click - checkout: {name: X}", "adopted lists 'Link click - checkout', which the goal does not make"),
        (
            "Link click - checkout_click: {filter: []}",
            "keeps filter, which the goal sets",
        ),
        (
            "Link click - checkout_click: {waitForTags: true}",
            "keeps waitForTags, which the goal sets",
        ),
        ("GA4 event - checkout_click: {firingTrigger: [All Pages]}", "keeps firingTrigger, which the goal sets"),
        (
            "GA4 event - checkout_click: {parameter: {eventName: other}}",
            "keeps its eventName parameter, which the goal sets",
        ),
    ],
    ids=[
        "a name the goal does not make",
        "trigger conditions",
        "a trigger field the goal sets",
        "firing triggers",
        "the event name",
    ],
)
def test_what_the_goal_decides_cannot_be_kept(adopted: str, said: str, expand_goals):
    goal = (
        f"  - name: checkout_click\n    kind: link_click\n    url_contains: /checkout\n    adopted:\n      {adopted}\n"
    )
    with pytest.raises(GoalkeeperError) as error:
        expand_goals(goal)
    (problem,) = error.value.problems
    assert said in problem.message
    assert (problem.file, problem.line) == ("goals.yaml", 7)  # the adopted key at fault


@pytest.mark.parametrize(
    ("goal", "said", "line"),
    [
        (
            "  - {name: a, kind: link_click, url_contains: /a, external: true, adopted: {GA4 event - a: {}}}\n",
            "says `external: true`: goalkeeper makes no GTM entities for it, so adopted has nothing to take over",
            3,
        ),
        (
            "  - name: a\n    kind: link_click\n    url_contains: /a\n    params: {step: one}\n"
            "    adopted: {GA4 event - a: {parameter: {sendEcommerceData: false}}}\n",
            "its tag keeps its own parameters (adopted: … parameter), so params would have no effect",
            6,
        ),
        (
            "  - {name: a, kind: link_click, url_contains: /a, adopted: {GA4 event - a: {parameter: {x: 5.5}}}}\n",
            "field 'adopted.GA4 event - a.parameter'",
            3,
        ),
        (
            "  - name: a\n    kind: link_click\n    url_contains: /a\n"
            "    adopted: {GA4 event - a: {parameter: [{type: TEMPLATE, key: measurementIdOverride}]}}\n",
            "field 'adopted.GA4 event - a.parameter'",
            6,
        ),
        (
            "  - {name: a, kind: link_click, url_contains: /a, adopted: {GA4 event - a: {name: 'GA4: a'}}}\n",
            "is named 'GA4: a', but GTM names may not contain",
            3,
        ),
        (
            "  - {name: a, kind: destination, via: ga4_rule, page: {path_equals: /a}, adopted: {a: {name: b}}}\n",
            "adopted 'a' keeps name, which the goal sets",
            3,
        ),
        (
            "  - name: a\n    kind: link_click\n    url_contains: /a\n"
            "    adopted: {GA4 event - a: {parameter: {sendEcommerceData: false}}}\n",
            "keeps parameters without measurementIdOverride",
            6,
        ),
        (
            "  - name: a\n    kind: link_click\n    url_contains: /a\n    adopted:\n"
            "      Link click - a: {name: Click - A}\n"
            "      GA4 event - a: {firingTrigger: [All Pages]}\n",
            "keeps firingTrigger",
            8,
        ),
    ],
    ids=[
        "external goal",
        "params beside kept parameters",
        "a number",
        "a parameter without value",
        "a name GTM refuses",
        "a rule renamed",
        "kept parameters without a measurement id",
        "the key at fault, not its goal",
    ],
)
def test_bad_adopted_input_is_refused_at_its_line(goal: str, said: str, line: int, expand_goals):
    with pytest.raises(GoalkeeperError) as error:
        expand_goals(goal)
    (problem,) = error.value.problems
    assert said in problem.message
    assert (problem.file, problem.line) == ("goals.yaml", line)


@pytest.mark.parametrize(
    ("inputs", "hidden"),
    [("    ecommerce: true\n", "ecommerce"), ("    parameters: {cart_id: cart.id}\n", "parameters")],
    ids=["ecommerce", "dataLayer parameters"],
)
def test_an_input_the_kept_tag_parameters_would_hide_is_refused(inputs: str, hidden: str, expand_goals):
    goal = (
        f"  - name: add_to_cart\n    kind: datalayer_event\n    datalayer_event: add_to_cart\n{inputs}"
        "    adopted: {GA4 event - add_to_cart: {parameter: {measurementIdOverride: '{{GA4 ID}}'}}}\n"
    )
    with pytest.raises(GoalkeeperError) as error:
        expand_goals(goal)
    (problem,) = error.value.problems
    assert f"{hidden} only shapes its tag's parameters, which adopted keeps as they are" in problem.message
    assert problem.line == 3


@pytest.mark.parametrize(
    "inputs",
    ["    wait_for_tags: false\n", "    wait_for_tags: true\n"],
    ids=["at its default", "shaping the trigger"],
)
def test_inputs_that_do_not_only_shape_the_tag_stay_beside_kept_parameters(inputs: str, expand_goals):
    goal = (
        f"  - name: a\n    kind: link_click\n    url_contains: /a\n{inputs}"
        "    adopted: {GA4 event - a: {parameter: {measurementIdOverride: '{{GA4 ID}}'}}}\n"
    )
    assert expand_goals(goal).get("gtm.trigger", "Link click - a") is not None
