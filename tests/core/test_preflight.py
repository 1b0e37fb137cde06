"""The preflight: a plan that passes applies. What GTM and GA4 would refuse half way through an
apply (field rules, limits, data streams, usage contexts, built-ins blocked by a variable's name)
is refused while planning, the same way for every target."""

from __future__ import annotations

import pytest

from goalkeeper.core.changes import REPLACE
from goalkeeper.core.errors import GoalkeeperError
from goalkeeper.core.kinds import KINDS
from goalkeeper.core.model import Entity
from goalkeeper.core.planner import make_plan
from goalkeeper.core.preflight import TargetFacts, field_problems, rule_violations
from goalkeeper.core.state import State
from tests.core.helpers import tag, trigger

DIMENSION = KINDS["ga4.custom_dimension"]


def dimension(parameter: str, display: str = "A dimension", scope: str = "EVENT", managed: bool = True) -> Entity:
    body = {"parameterName": parameter, "displayName": display, "scope": scope}
    if managed:
        body["description"] = "Managed by goalkeeper. Goals: g"
    return Entity("ga4.custom_dimension", DIMENSION.name_of(body), body, ("g",) if managed else (), managed)


def key_event(event: str, managed: bool = False) -> Entity:
    return Entity("ga4.key_event", event, {"eventName": event, "countingMethod": "ONCE_PER_EVENT"}, (), managed)


def rule(destination: str = "checkout_view", **body) -> Entity:
    fields = {
        "destinationEvent": destination,
        "eventConditions": [{"field": "event_name", "comparisonType": "EQUALS", "value": "page_view"}],
        "sourceCopyParameters": True,
        "parameterMutations": [{"parameter": "goalkeeper_goal", "parameterValue": "g"}],
        **body,
    }
    return Entity("ga4.event_create_rule", destination, fields, ("g",))


def audience(days: int, managed: bool = True) -> Entity:
    body = {
        "displayName": "blog_readers",
        "description": "Managed by goalkeeper. Goals: blog_readers",
        "membershipDurationDays": days,
        "filterClauses": [{"clauseType": "INCLUDE"}],
    }
    return Entity("ga4.audience", "blog_readers", body, ("blog_readers",), managed)


def plan_ga4(desired: list[Entity], live: list[Entity], facts: TargetFacts | None = None):
    return make_plan(
        State.of(desired), State.of(live), planned=frozenset({"ga4"}), facts={"ga4": facts or TargetFacts()}
    )


# --- field rules, from the Admin API's message docs ---------------------------------------------


@pytest.mark.parametrize(
    "display",
    ["Video title!", "1st video", "Vidéo", "Video-title", "x" * 83, ""],
    ids=["punctuation", "digit-first", "accent", "hyphen", "83-chars", "empty"],
)
def test_a_custom_dimension_display_name_ga4_refuses_is_refused_when_planning(display: str):
    with pytest.raises(GoalkeeperError) as error:
        plan_ga4([dimension("video_title", display)], [])
    assert "displayName" in str(error.value) and "letters, digits, spaces and underscores" in str(error.value)


@pytest.mark.parametrize("display", ["Video title", "Video_title 2", "V", "x" * 82])
def test_a_display_name_ga4_takes_plans(display: str):
    assert plan_ga4([dimension("video_title", display)], []).to_add == 1


@pytest.mark.parametrize(
    ("parameter", "scope", "refused"),
    [
        ("p" * 40, "EVENT", False),
        ("p" * 41, "EVENT", True),
        ("p" * 24, "USER", False),
        ("p" * 25, "USER", True),
        ("video-title", "EVENT", True),
        ("_video", "EVENT", True),
    ],
)
def test_parameter_names_follow_the_scope_s_length_and_the_character_rule(parameter: str, scope: str, refused: bool):
    assert bool(field_problems([dimension(parameter, scope=scope)])) is refused


@pytest.mark.parametrize(
    ("body", "found"),
    [
        ({"destinationEvent": "e" * 40}, "'" + "e" * 40 + "'"),
        ({"eventConditions": []}, "missing"),
        ({"eventConditions": [{"field": "event_name", "comparisonType": "EQUALS", "value": "x"}] * 11}, "'event_name'"),
        (
            {"eventConditions": [{"field": "page location", "comparisonType": "EQUALS", "value": "x"}]},
            "'page location'",
        ),
        (
            {
                "parameterMutations": [
                    {"parameter": "source", "parameterValue": "a"},
                    {"parameter": "source", "parameterValue": "b"},
                ]
            },
            "'source' twice",
        ),
        ({"parameterMutations": [{"parameter": "source", "parameterValue": "v" * 100}]}, "'" + "v" * 100 + "'"),
        ({"parameterMutations": [{"parameter": f"p{i}", "parameterValue": "v"} for i in range(21)]}, "[{"),
    ],
    ids=[
        "destination-40-chars",
        "no-condition",
        "11-conditions",
        "field-with-space",
        "same-parameter",
        "value-100",
        "21",
    ],
)
def test_an_event_create_rule_ga4_refuses_is_refused(body: dict, found: str):
    entity = rule(**body)
    offences = [text for r in entity.entity_kind.rules for text in rule_violations(entity, r)]
    assert any(found in text for text in offences), offences


def test_a_key_event_default_value_needs_both_its_value_and_an_iso_currency():
    entity = Entity(
        "ga4.key_event", "lead", {"eventName": "lead", "countingMethod": "ONCE_PER_EVENT", "defaultValue": {}}, ("g",)
    )
    messages = [str(p) for p in field_problems([entity])]
    assert any("defaultValue.numericValue missing" in m for m in messages)
    assert any("defaultValue.currencyCode missing" in m for m in messages)


def test_rules_check_only_what_the_plan_writes_not_what_the_property_already_holds():
    legacy = dimension("legacy_param", "[legacy] name", managed=False)  # GA4 made such names itself
    assert plan_ga4([], [legacy]).empty


# --- immutable fields ---------------------------------------------------------------------------


def test_changing_an_audience_membership_duration_replaces_it_as_ga4_cannot_update_it_in_place():
    plan = plan_ga4([audience(60)], [audience(30)])
    (change,) = plan.changes
    assert change.action == REPLACE


def test_changing_an_audience_event_trigger_is_an_update_in_place():
    before, after = audience(30), audience(30)
    after = Entity(after.kind, after.name, {**after.body, "eventTrigger": {"eventName": "joined"}}, after.goals)
    (change,) = plan_ga4([after], [before]).changes
    assert change.action == "update"


# --- limits --------------------------------------------------------------------------------------


def full_of_dimensions(count: int, scope: str = "EVENT") -> list[Entity]:
    return [dimension(f"p{i}", scope=scope, managed=False) for i in range(count)]


def test_a_property_holding_fifty_event_scoped_dimensions_refuses_one_more():
    with pytest.raises(GoalkeeperError) as error:
        plan_ga4([dimension("video_title")], full_of_dimensions(50))
    text = str(error.value)
    assert "GA4 allows 50 event-scoped custom dimensions in a standard property" in text
    assert "has 50 and the plan adds 1 ('video_title')" in text


def test_the_limit_counts_per_scope():
    assert plan_ga4([dimension("video_title")], full_of_dimensions(25, "USER")).to_add == 1


def test_an_analytics_360_property_has_room_for_more():
    facts = TargetFacts(service_level="GOOGLE_ANALYTICS_360")
    assert plan_ga4([dimension("video_title")], full_of_dimensions(50), facts).to_add == 1


def test_removals_in_the_same_plan_free_no_room_because_apply_creates_first():
    live = [*full_of_dimensions(49), dimension("old_param")]
    with pytest.raises(GoalkeeperError):
        plan_ga4([dimension("video_title")], live)


def test_thirty_custom_key_events_refuse_one_more_but_ga4_s_default_events_do_not_count():
    sent = [trigger("t"), tag("GA4 event - lead", "t", event="lead", goal="lead")]
    desired = [
        *sent,
        Entity("ga4.key_event", "lead", {"eventName": "lead", "countingMethod": "ONCE_PER_EVENT"}, ("lead",)),
    ]
    live = [key_event(f"custom_{i}") for i in range(29)] + [key_event("purchase")]
    with pytest.raises(GoalkeeperError) as error:
        make_plan(State.of(desired), State.of(live), planned=frozenset({"ga4"}))
    assert "GA4 allows 30 custom key events" in str(error.value)
    facts = TargetFacts(uncounted=frozenset({("ga4.key_event", "purchase")}))
    plan = make_plan(State.of(desired), State.of(live), planned=frozenset({"ga4"}), facts={"ga4": facts})
    assert plan.to_add == 1


# --- data streams ------------------------------------------------------------------------------


def test_event_create_rules_in_a_property_without_a_web_data_stream_are_refused():
    facts = TargetFacts(described="GA4 property 1 (ga4.json)", file="ga4.json", web_stream=False)
    with pytest.raises(GoalkeeperError) as error:
        plan_ga4([rule()], [], facts)
    assert "has none. Add the site's web data stream" in str(error.value)
    assert error.value.problems[0].file == "ga4.json"


@pytest.mark.parametrize("web_stream", [True, None], ids=["has-one", "unknown"])
def test_event_create_rules_plan_where_the_stream_is_there_or_unknown(web_stream: bool | None):
    assert plan_ga4([rule()], [], TargetFacts(web_stream=web_stream)).to_add == 1


# --- usage contexts ----------------------------------------------------------------------------


def plan_gtm(usage: tuple[str, ...] | None, live: list[Entity] = ()):
    desired = State.of([builtin("Click URL", "clickUrl"), trigger("t"), tag("GA4 event - x", "t", key_event=False)])
    facts = {"gtm": TargetFacts(described="GTM container export c.json", file="c.json", usage_context=usage)}
    return make_plan(desired, State.of(live), planned=frozenset({"gtm"}), facts=facts)


@pytest.mark.parametrize(
    ("usage", "named"),
    [
        (("SERVER",), "a server container"),
        (("server",), "a server container"),
        (("AMP",), "an AMP container"),
        (("amp",), "an AMP container"),
        (("ANDROID",), "an Android app container"),
        (("ANDROID_SDK_5",), "an Android app container"),
        (("androidSdk5",), "an Android app container"),
        (("IOS",), "an iOS app container"),
        (("IOS_SDK_5",), "an iOS app container"),
        (("ANDROID", "IOS"), "an Android app and iOS app container"),
    ],
)
def test_every_container_that_is_not_a_web_container_is_refused(usage: tuple[str, ...], named: str):
    with pytest.raises(GoalkeeperError) as error:
        plan_gtm(usage)
    assert f"GTM container export c.json is {named}" in str(error.value)
    assert error.value.problems[0].file == "c.json"


@pytest.mark.parametrize("usage", [("WEB",), ("web",), None], ids=["export", "api", "unknown"])
def test_a_web_container_plans(usage: tuple[str, ...] | None):
    assert plan_gtm(usage).to_add == 3


# --- built-in variables a variable's name blocks ---------------------------------------------


def builtin(name: str, type_: str, managed: bool = True) -> Entity:
    return Entity("gtm.builtin_variable", name, {"type": type_}, ("product_video",) if managed else (), False)


def own_variable(name: str) -> Entity:
    body = {"type": "v", "parameter": [{"key": "name", "type": "template", "value": "video.title"}]}
    return Entity("gtm.variable", name, body, (), False)


def test_a_built_in_variable_a_variable_of_the_container_is_named_after_is_refused():
    desired = State.of([builtin("Video Title", "videoTitle")])
    with pytest.raises(GoalkeeperError) as error:
        make_plan(desired, State.of([own_variable("Video Title")]), planned=frozenset({"gtm"}))
    assert "goal product_video needs GTM's built-in variable 'Video Title'" in str(error.value)


def test_a_built_in_already_enabled_beside_nothing_of_that_name_plans():
    desired = State.of([builtin("Video Title", "videoTitle")])
    live = State.of([builtin("Video Title", "videoTitle", managed=False)])
    assert make_plan(desired, live, planned=frozenset({"gtm"})).empty
