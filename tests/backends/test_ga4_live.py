"""GA4LiveBackend against the fake Admin API, through the google-analytics-admin REST clients."""

from __future__ import annotations

import pytest

from goalkeeper.core.errors import GoalkeeperError

from .conftest import CHECKOUT, CLICK, PROPERTY, THANKS, VIDEO

PROP = f"properties/{PROPERTY}"


def ga4_requests(fake, since=0):
    return [r for r in fake.requests[since:] if r.api == "ga4"]


def test_key_events_and_dimensions_are_created_one_write_each_then_no_changes(live, fake_google):
    project = live.project([CLICK, CHECKOUT, VIDEO])
    plan = project.plan()
    ga4 = [c for c in plan.changes if c.kind.startswith("ga4.")]
    assert {(c.action, c.kind) for c in ga4} == {("create", "ga4.key_event"), ("create", "ga4.custom_dimension")}
    start = fake_google.request_count
    project.apply(plan)
    writes = [r for r in ga4_requests(fake_google, start) if r.method != "GET"]
    assert len(writes) == len(ga4)  # one write per change
    events = {k["eventName"]: k for k in fake_google.ga4.items(PROP, "keyEvents")}
    assert events["checkout_page_view"]["countingMethod"] == "ONCE_PER_SESSION"
    assert events["checkout_page_view"]["defaultValue"] == {"numericValue": 5, "currencyCode": "USD"}
    assert live.project([CLICK, CHECKOUT, VIDEO]).plan().empty


def test_key_events_use_v1beta_and_never_conversion_events(live, fake_google):
    live.applied([CLICK, CHECKOUT])
    paths = [r.path for r in ga4_requests(fake_google)]
    assert not [p for p in paths if "conversionEvents" in p]
    assert all(p.startswith("/v1beta/") for p in paths if "keyEvents" in p or "customDimensions" in p)
    assert all(p.startswith("/v1alpha/") for p in paths if "audiences" in p or "eventCreateRules" in p)


def test_removed_goal_deletes_its_key_event(live, fake_google):
    live.applied([CLICK, THANKS])
    project = live.project([CLICK])
    plan = project.plan()
    assert [(c.action, c.name) for c in plan.changes if c.kind.startswith("ga4.")] == [("delete", "thanks_page_view")]
    project.apply(plan)
    events = [k["eventName"] for k in fake_google.ga4.items(PROP, "keyEvents")]
    assert "checkout_click" in events and "thanks_page_view" not in events


def test_key_event_setting_is_updated_in_place(live, fake_google):
    live.applied([CHECKOUT])
    changed = dict(CHECKOUT, key_event={"counting": "once_per_event", "value": 7, "currency": "EUR"})
    project = live.project([changed])
    plan = project.plan()
    assert [c.action for c in plan.changes if c.kind.startswith("ga4.")] == ["update"]
    start = fake_google.request_count
    project.apply(plan)
    patch = next(r for r in ga4_requests(fake_google, start) if r.method == "PATCH")
    assert "updateMask" in patch.query
    assert live.project([changed]).plan().empty


def test_dimension_scope_change_archives_the_old_and_creates_the_new(live, fake_google):
    live.applied([VIDEO])
    # the managed dimension ended up user-scoped: GA4 cannot change the scope in place
    dimension = next(d for d in fake_google.ga4.items(PROP, "customDimensions") if d["parameterName"] == "video_title")
    fake_google.ga4.prop(PROPERTY).items["customDimensions"][dimension["name"].rsplit("/", 1)[-1]].scope = 2  # USER
    plan = live.project([VIDEO]).plan()
    assert sorted(c.action for c in plan.changes if c.kind == "ga4.custom_dimension") == ["create", "delete"]
    start = fake_google.request_count
    live.project([VIDEO]).apply(plan)
    calls = {(r.method, r.path.rsplit("/", 1)[-1]) for r in ga4_requests(fake_google, start)}
    assert ("POST", dimension["name"].rsplit("/", 1)[-1] + ":archive") in calls and (
        "POST",
        "customDimensions",
    ) in calls
    assert [
        d["scope"] for d in fake_google.ga4.items(PROP, "customDimensions") if d["parameterName"] == "video_title"
    ] == ["EVENT"]
    assert live.project([VIDEO]).plan().empty


def buyers(description: str) -> dict:
    """The body of an audience of the visitors who sent a purchase event."""
    return {
        "displayName": "Buyers",
        "description": description,
        "membershipDurationDays": 30,
        "filterClauses": [
            {
                "clauseType": "INCLUDE",
                "simpleFilter": {
                    "scope": "AUDIENCE_FILTER_SCOPE_ACROSS_ALL_SESSIONS",
                    "filterExpression": {
                        "andGroup": {
                            "filterExpressions": [
                                {"orGroup": {"filterExpressions": [{"eventFilter": {"eventName": "purchase"}}]}}
                            ]
                        }
                    },
                },
            }
        ],
    }


AUDIENCE = buyers("Managed by goalkeeper. Goals: buyers")


def test_immutable_audience_change_is_planned_and_applied_as_archive_then_create(live, fake_google):
    from goalkeeper.core.model import Entity
    from goalkeeper.core.planner import make_plan
    from goalkeeper.core.state import State
    from goalkeeper.render import PlanContext
    from goalkeeper.render.text import render_text

    fake_google.ga4.seed("audiences", PROPERTY, AUDIENCE)
    live.project([CLICK])
    live_state = live.ga4.read()
    have = next(e for e in live_state if e.kind == "ga4.audience")
    assert have.managed
    clauses = [{**AUDIENCE["filterClauses"][0], "clauseType": "INCLUDE"}]
    clauses[0]["simpleFilter"]["filterExpression"]["andGroup"]["filterExpressions"][0]["orGroup"]["filterExpressions"][
        0
    ]["eventFilter"]["eventName"] = "refund"
    want = Entity("ga4.audience", "Buyers", {**have.body, "filterClauses": clauses}, have.goals, True)
    plan = make_plan(State.of([want]), State.of([have]))
    [change] = plan.changes
    assert change.action == "replace"
    assert "archived and created again" in render_text(plan, PlanContext(targets={"ga4": "GA4"}, goals={}))
    start = fake_google.request_count
    live.ga4.apply(plan.changes)
    calls = [(r.method, r.path) for r in ga4_requests(fake_google, start)]
    audiences = f"/v1alpha/{PROP}/audiences"
    # archived, then looked up by name just before the create (GA4 allows two of one name)
    assert calls[0][1].endswith(":archive") and calls[1:3] == [("GET", audiences), ("POST", audiences)]
    [now] = fake_google.ga4.items(PROP, "audiences")
    assert "refund" in str(now["filterClauses"])


def test_removed_dimension_is_archived_not_deleted(live, fake_google):
    live.applied([VIDEO])
    plan = live.project([dict(VIDEO, dimensions=[])]).plan()
    assert [c.action for c in plan.changes if c.kind == "ga4.custom_dimension"] == ["delete"]
    start = fake_google.request_count
    live.project([dict(VIDEO, dimensions=[])]).apply(plan)
    assert [r.method for r in ga4_requests(fake_google, start)] == ["POST"]
    assert ga4_requests(fake_google, start)[0].path.endswith(":archive")


def test_event_create_rules_and_audiences_are_read_from_v1alpha(live, fake_google):
    stream = next(s for s in fake_google.ga4.items(PROP, "dataStreams"))["name"]
    fake_google.ga4.seed(
        "eventCreateRules",
        PROPERTY,
        {
            "destinationEvent": "video_done",
            "eventConditions": [{"field": "event_name", "comparisonType": "EQUALS", "value": "video_complete"}],
        },
        stream_id=stream.rsplit("/", 1)[-1],
    )
    fake_google.ga4.seed("audiences", PROPERTY, buyers("d"))
    live.project([CLICK])
    state = live.ga4.read()
    kinds = {(e.kind, e.name) for e in state}
    assert ("ga4.event_create_rule", "video_done") in kinds and ("ga4.audience", "Buyers") in kinds


def test_event_create_rule_and_audience_writes_through_the_backend(live, fake_google):
    """Creating, updating and deleting rules and audiences, as goals of a project's own kinds would."""
    from goalkeeper.core.model import Entity
    from tests.core.helpers import change

    live.project([CLICK])
    backend = live.ga4
    rule = Entity(
        "ga4.event_create_rule",
        "video_done",
        {
            "destinationEvent": "video_done",
            "sourceCopyParameters": True,
            "eventConditions": [{"field": "event_name", "comparisonType": "EQUALS", "value": "video_complete"}],
        },
        (),
        True,
    )
    audience = Entity("ga4.audience", "Buyers", buyers("who bought"), (), True)
    backend.apply([change("create", None, rule), change("create", None, audience)])
    state = {(e.kind, e.name): e for e in backend.read()}
    assert ("ga4.event_create_rule", "video_done") in state and ("ga4.audience", "Buyers") in state
    alpha = [r for r in fake_google.requests if r.method == "POST"]
    assert all(r.path.startswith("/v1alpha/") for r in alpha)
    have = state[("ga4.audience", "Buyers")]
    backend.apply([change("delete", have, None)])
    assert fake_google.requests[-1].path.endswith(":archive")
    assert ("ga4.audience", "Buyers") not in {(e.kind, e.name) for e in backend.read()}


def test_rate_errors_and_server_errors_are_retried_on_the_clock(live, fake_google, fake_clock):
    project = live.project([CLICK])
    fake_google.faults.add(kind="status", status=429, api="ga4", times=2)
    fake_google.faults.add(kind="status", status=503, api="ga4", method="GET", times=1)
    t0 = fake_clock.now()
    plan = project.plan()
    assert fake_clock.now() - t0 == 2 + 4 + 8  # three backoffs, slept on the simulated clock
    fake_google.faults.add(kind="status", status=500, api="ga4", method="PATCH", times=1)
    fake_google.faults.add(kind="status", status=429, api="ga4", method="POST", times=1)
    project.apply(plan)
    assert live.project([CLICK]).plan().empty


def test_dropped_create_is_looked_up_before_it_is_retried(live, fake_google):
    project = live.project([CLICK, CHECKOUT])
    plan = project.plan()
    fake_google.faults.add(kind="drop", method="POST", path_contains="keyEvents", times=1)
    start = fake_google.request_count
    project.apply(plan)
    calls = [(r.method, r.path.rsplit("/", 1)[-1], r.fault) for r in ga4_requests(fake_google, start)]
    assert calls[:3] == [("POST", "keyEvents", "drop"), ("GET", "keyEvents", None), ("POST", "keyEvents", None)]
    events = [k["eventName"] for k in fake_google.ga4.items(PROP, "keyEvents")]
    assert sorted(events) == sorted(set(events)) and {"checkout_click", "checkout_page_view"} <= set(events)


def test_create_that_went_through_before_the_drop_is_not_repeated(live, fake_google):
    project = live.project([CLICK])
    plan = project.plan()
    fired = []

    def went_through(fake):
        record = fake.requests[-1]
        if record.method == "POST" and record.path.endswith("keyEvents") and not fired:
            fired.append(record.n)
            fake.ga4.seed("keyEvents", PROPERTY, {"eventName": "checkout_click", "countingMethod": "ONCE_PER_EVENT"})
            fake.faults.add(kind="drop", at_request=record.n)

    for n in range(fake_google.request_count + 1, fake_google.request_count + 40):
        fake_google.faults.before_request(n, went_through)
    project.apply(plan)
    assert fired
    assert [k["eventName"] for k in fake_google.ga4.items(PROP, "keyEvents")].count("checkout_click") == 1
    assert live.project([CLICK]).plan().empty


def test_unknown_property_says_what_to_grant(live, fake_google):
    project = live.project([CLICK])
    live.ga4.property = "properties/999"
    with pytest.raises(GoalkeeperError) as error:
        project.plan()
    message = str(error.value)
    assert "Property access management" in message and "999" in message and "analytics.readonly" in message


def test_write_permission_denied_names_the_editor_role(live, fake_google):
    project = live.project([CLICK])
    plan = project.plan()
    fake_google.faults.add(
        kind="status", status=403, api="ga4", method="POST", message="The caller does not have permission"
    )
    with pytest.raises(GoalkeeperError, match="Editor role.*analytics.edit"):
        project.apply(plan)


def test_quota_errors_are_told_from_permission_and_server_errors():
    from google.api_core import exceptions as gexc

    from goalkeeper.backends.ga4_live import is_rate_error

    assert is_rate_error(gexc.TooManyRequests("quota"))
    assert is_rate_error(gexc.Forbidden("quota", errors=[{"reason": "rateLimitExceeded"}]))
    assert not is_rate_error(gexc.Forbidden("The caller does not have permission"))
    assert not is_rate_error(gexc.ServiceUnavailable("down"))  # retried only where safe, not as a rate error


def test_enhanced_measurement_is_one_v1alpha_get(live, fake_google):
    project = live.project([CLICK])
    project.read_live()
    start = fake_google.request_count
    settings = live.ga4.enhanced_measurement()
    requests = ga4_requests(fake_google, start)
    assert [(r.method, r.path.split("?")[0]) for r in requests] == [
        ("GET", "/v1alpha/properties/123456789/dataStreams/987654321/enhancedMeasurementSettings")
    ]
    # seeded from goals/example-ga4.json
    assert settings["streamEnabled"] and not settings["videoEngagementEnabled"] and settings["formInteractionsEnabled"]


def test_a_plan_refuses_video_events_enhanced_measurement_sends(live, fake_google):
    fake_google.ga4.seed_enhanced_measurement(
        PROPERTY, "987654321", {"streamEnabled": True, "videoEngagementEnabled": True}
    )
    start = fake_google.request_count
    with pytest.raises(GoalkeeperError) as refused:
        live.project([CLICK, VIDEO]).plan()
    assert [
        p for p in refused.value.problems if "'product_video'" in p.message and "Video engagement is on" in p.message
    ]
    assert len([r for r in ga4_requests(fake_google, start) if "enhancedMeasurementSettings" in r.path]) == 1


def test_enhanced_measurement_unreadable_is_unknown(live, fake_google):
    project = live.project([CLICK, VIDEO])
    fake_google.faults.add(kind="status", status=403, path_contains="enhancedMeasurementSettings", times=None)
    assert live.ga4.enhanced_measurement() is None
    assert not [w for w in project.plan().warnings if "enhanced measurement" in w]


# -- creates look by name first: GA4 keeps two audiences of one name ------------------------

RETURNING = {"name": "returning_visitors", "kind": "audience", "returning": True}


def _audiences(fake_google) -> list[dict]:
    return [a for a in fake_google.ga4.items(PROP, "audiences") if a["displayName"] == "returning_visitors"]


def test_an_audience_another_apply_made_since_the_plan_is_adopted(live, fake_google):
    project = live.project([RETURNING])
    plan = project.plan()
    live.project([RETURNING]).apply(plan)  # a colleague's run applied the same goals meanwhile
    project.apply(plan)
    assert len(_audiences(fake_google)) == 1
    assert live.project([RETURNING]).plan().empty


def test_an_audience_made_by_hand_since_the_plan_is_never_taken_over(live, fake_google):
    from goalkeeper.core.errors import StalePlanError

    project = live.project([RETURNING])
    plan = project.plan()
    by_hand = {**AUDIENCE, "displayName": "returning_visitors", "description": "made in GA4"}
    fake_google.ga4.seed("audiences", PROPERTY, by_hand)
    with pytest.raises(StalePlanError, match="created by someone else since the plan"):
        project.apply(plan)
    assert [a["description"] for a in _audiences(fake_google)] == ["made in GA4"]


def test_of_two_audiences_created_at_once_the_later_is_removed(live, fake_google):
    project = live.project([RETURNING])
    plan = project.plan()
    fired = []

    def the_other_run_creates_it_first(fake):
        record = fake.requests[-1]
        if record.method == "POST" and record.path.endswith("/audiences") and not fired:
            fired.append(record.n)
            [audience] = [c.after for c in plan.changes if c.kind == "ga4.audience"]
            fake.ga4.seed("audiences", PROPERTY, dict(audience.body))

    for n in range(fake_google.request_count + 1, fake_google.request_count + 40):
        fake_google.faults.before_request(n, the_other_run_creates_it_first)
    project.apply(plan)
    assert fired
    assert len(_audiences(fake_google)) == 1
    assert live.project([RETURNING]).plan().empty
