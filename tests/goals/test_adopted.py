"""A goal file's adopted entities: the readable form gives back exactly what was read, and the
goal-file schema says what is wrong with an entry, at its line."""

from __future__ import annotations

import pytest

from goalkeeper.core import gtm_body
from goalkeeper.core.errors import GoalkeeperError
from goalkeeper.core.model import Entity
from goalkeeper.core.ownership import has_marker
from goalkeeper.goals.adopted import adopted_entity, condition, parse, readable, readable_condition, readable_parameters
from goalkeeper.goals.load import parse_goal_text


def param(kind: str, key: str | None, value=None, **more) -> dict:
    out = {"type": kind, **({"key": key} if key is not None else {}), **more}
    if value is not None:
        out["value"] = value
    return out


@pytest.mark.parametrize(
    ("params", "short"),
    [
        ([param("template", "eventName", "purchase")], {"eventName": "purchase"}),
        ([param("boolean", "sendEcommerceData", "false")], {"sendEcommerceData": False}),
        ([param("integer", "dataLayerVersion", "2")], {"dataLayerVersion": 2}),
        ([param("template", "value", "true")], {"value": "true"}),  # text stays text
        (
            [param("list", "eventSettingsTable", list=[param("map", None, map=[param("template", "parameter", "a")])])],
            {"eventSettingsTable": [{"parameter": "a"}]},
        ),
    ],
)
def test_parameters_read_short_when_that_says_exactly_the_same(params: list, short: dict):
    assert readable_parameters(params) == short


@pytest.mark.parametrize(
    "params",
    [
        [param("integer", "n", "007")],  # "007" is not what 7 writes back
        [param("tagReference", "setupTag", "Consent")],  # no short form for a reference
        [param("template", "html", "<p>", isWeakReference=True)],  # a field the short form has no room for
    ],
)
def test_parameters_without_an_exact_short_form_stay_the_api_list(params: list):
    assert readable_parameters(params) == params


@pytest.mark.parametrize(
    "entity",
    [
        Entity(
            "gtm.tag",
            "Chat",
            {
                "type": "html",
                "notes": "Ask Ana first",
                "paused": True,
                "parameter": [param("template", "html", "<script></script>")],
                "firingTrigger": ["All Pages"],
            },
        ),
        Entity("gtm.trigger", "Clicks", {"type": "linkClick", "waitForTags": param("boolean", None, "false")}),
        Entity(
            "ga4.custom_dimension",
            "plan",
            {"parameterName": "plan", "displayName": "Plan", "scope": "EVENT", "description": "Pricing plan"},
        ),
        Entity("ga4.key_event", "purchase", {"eventName": "purchase", "countingMethod": "ONCE_PER_EVENT"}),
    ],
)
def test_an_adopted_entity_is_what_was_read_with_the_marker_and_the_users_text_after_it(entity: Entity):
    adopted = adopted_entity(parse(readable(entity)))
    assert adopted.key == entity.key
    marker = entity.entity_kind.marker
    rest = {k: v for k, v in adopted.body.items() if k != marker}
    assert rest == {k: v for k, v in entity.body.items() if k != marker}
    if marker != "none":
        assert has_marker(entity.kind, adopted.body)
        assert str(adopted.body[marker]).endswith(str(entity.body.get(marker, "")))


@pytest.mark.parametrize(
    ("text", "line", "said"),
    [
        ("goals: []\nentities:\n  - type: html\n", 3, "entities[0]"),
        ("goals: []\nentities:\n  - {tag: A, trigger: B}\n", 3, "entities[0]"),
        ("goals: []\nentities:\n  - {tag: A, type: html}\n  - {tag: A, type: img}\n", 4, "listed twice"),
    ],
)
def test_a_wrong_entity_entry_is_reported_at_its_line(kinds, text: str, line: int, said: str):
    with pytest.raises(GoalkeeperError) as caught:
        parse_goal_text(text, kinds)
    problems = caught.value.problems
    assert any(p.line == line and said in str(p) for p in problems), [str(p) for p in problems]


def condition_of(kind: str, *params: dict) -> dict:
    return {"type": kind, "parameter": list(params)}


@pytest.mark.parametrize(
    ("api", "short"),
    [
        (
            condition_of(
                "startsWith", param("template", "arg0", "{{Page Path}}"), param("template", "arg1", "/support")
            ),
            {"startsWith": ["{{Page Path}}", "/support"]},
        ),
        (
            condition_of(
                "matchRegex",
                param("template", "arg0", "{{Click URL}}"),
                param("template", "arg1", "pdf$"),
                param("boolean", "ignore_case", "true"),
            ),
            {"matchRegex": ["{{Click URL}}", "pdf$"], "ignore_case": True},
        ),
    ],
)
def test_conditions_read_as_operator_and_arguments(api: dict, short: dict):
    assert readable_condition(api) == short
    assert gtm_body.normalize({"filter": [condition(short)]}) == gtm_body.normalize({"filter": [api]})


@pytest.mark.parametrize(
    "api",
    [
        condition_of("contains", param("template", "arg0", "{{Page URL}}")),  # no arg1
        condition_of(
            "equals",
            param("template", "arg0", "a"),
            param("template", "arg1", "b"),
            param("boolean", "negate", "false"),
        ),  # a false flag has no short form
    ],
)
def test_conditions_without_an_exact_short_form_stay_as_they_are(api: dict):
    assert readable_condition(api) == api
