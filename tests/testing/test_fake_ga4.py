"""The fake GA4 Admin API, driven through the gapic REST clients (admin_v1beta / admin_v1alpha) and the
discovery-based ``analyticsadmin`` client (which sends enum names and whatever updateMask it is given)."""

from __future__ import annotations

import json

import pytest
from google.analytics import admin_v1alpha as alpha
from google.analytics import admin_v1beta as beta
from google.api_core import exceptions as gexc
from google.auth.credentials import AnonymousCredentials
from google.protobuf import field_mask_pb2
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

P = "properties/123456789"


@pytest.fixture
def admin(fake_google):
    fake_google.ga4.add_property("123456789")
    return fake_google.ga4_client("v1beta")


@pytest.fixture
def admin_alpha(fake_google, admin):
    return fake_google.ga4_client("v1alpha")


@pytest.fixture
def discovery_admin(fake_google, admin):
    return build(
        "analyticsadmin",
        "v1beta",
        static_discovery=True,
        credentials=AnonymousCredentials(),
        client_options={"api_endpoint": fake_google.url},
    )


def mask(*paths):
    return field_mask_pb2.FieldMask(paths=list(paths))


def test_key_events_create_list_get_update_delete(fake_google, admin):
    ke = admin.create_key_event(
        parent=P,
        key_event=beta.KeyEvent(
            event_name="generate_lead",
            counting_method=beta.KeyEvent.CountingMethod.ONCE_PER_SESSION,
            default_value=beta.KeyEvent.DefaultValue(numeric_value=5.5, currency_code="EUR"),
        ),
    )
    assert ke.name.startswith(f"{P}/keyEvents/") and ke.custom and ke.deletable
    assert ke.default_value.numeric_value == 5.5 and ke.default_value.currency_code == "EUR"
    # the gapic client sent the enum as an int
    sent = fake_google.requests[-1]
    assert sent.query["$alt"] == ["json;enum-encoding=int"] and sent.body["countingMethod"] == 2
    got = admin.get_key_event(name=ke.name)
    assert got.counting_method == beta.KeyEvent.CountingMethod.ONCE_PER_SESSION
    upd = admin.update_key_event(
        key_event=beta.KeyEvent(name=ke.name, counting_method=beta.KeyEvent.CountingMethod.ONCE_PER_EVENT),
        update_mask=mask("counting_method"),
    )
    assert upd.counting_method == beta.KeyEvent.CountingMethod.ONCE_PER_EVENT
    assert upd.default_value.currency_code == "EUR"  # not in the mask: unchanged
    assert fake_google.requests[-1].query["updateMask"] == ["countingMethod"]
    assert [k.event_name for k in admin.list_key_events(parent=P)] == ["generate_lead"]
    admin.delete_key_event(name=ke.name)
    assert list(admin.list_key_events(parent=P)) == []
    with pytest.raises(gexc.NotFound):
        admin.get_key_event(name=ke.name)


def test_key_event_duplicate_is_409_conflict(admin):
    body = beta.KeyEvent(event_name="purchase", counting_method=beta.KeyEvent.CountingMethod.ONCE_PER_EVENT)
    admin.create_key_event(parent=P, key_event=body)
    with pytest.raises(gexc.Conflict) as ei:
        admin.create_key_event(parent=P, key_event=body)
    assert ei.value.code == 409 and "purchase" in ei.value.message


def test_key_event_counting_method_required_and_default_value_complete(admin):
    with pytest.raises(gexc.BadRequest) as ei:
        admin.create_key_event(parent=P, key_event=beta.KeyEvent(event_name="x"))
    assert "counting_method" in ei.value.message
    with pytest.raises(gexc.BadRequest):
        admin.create_key_event(
            parent=P,
            key_event=beta.KeyEvent(
                event_name="x", counting_method=1, default_value=beta.KeyEvent.DefaultValue(numeric_value=3)
            ),
        )
    ke = admin.create_key_event(parent=P, key_event=beta.KeyEvent(event_name="x", counting_method=1))
    with pytest.raises(gexc.BadRequest) as ei:  # an empty update mask
        admin.update_key_event(key_event=beta.KeyEvent(name=ke.name, counting_method=2), update_mask=mask())
    assert "update_mask" in ei.value.message
    with pytest.raises(gexc.BadRequest):  # the mask names counting_method, which ends up unset
        admin.update_key_event(key_event=beta.KeyEvent(name=ke.name), update_mask=mask("counting_method"))
    assert admin.get_key_event(name=ke.name).counting_method == 1


def test_key_event_event_name_immutable(admin):
    ke = admin.create_key_event(parent=P, key_event=beta.KeyEvent(event_name="a", counting_method=1))
    with pytest.raises(gexc.BadRequest) as ei:
        admin.update_key_event(key_event=beta.KeyEvent(name=ke.name, event_name="b"), update_mask=mask("event_name"))
    assert "immutable" in ei.value.message


def test_a_custom_dimension_is_created_updated_and_archived(admin):
    d = admin.create_custom_dimension(
        parent=P,
        custom_dimension=beta.CustomDimension(
            parameter_name="video_title",
            display_name="Video title",
            description="d",
            scope=beta.CustomDimension.DimensionScope.EVENT,
        ),
    )
    assert d.scope == beta.CustomDimension.DimensionScope.EVENT
    with pytest.raises(gexc.Conflict):
        admin.create_custom_dimension(
            parent=P, custom_dimension=beta.CustomDimension(parameter_name="video_title", display_name="Other", scope=1)
        )
    upd = admin.update_custom_dimension(
        custom_dimension=beta.CustomDimension(name=d.name, display_name="Video title new", description="ignored"),
        update_mask=mask("display_name"),
    )
    assert upd.display_name == "Video title new" and upd.description == "d"
    for field, value in (("parameter_name", {"parameter_name": "other"}), ("scope", {"scope": 2})):
        with pytest.raises(gexc.BadRequest) as ei:
            admin.update_custom_dimension(
                custom_dimension=beta.CustomDimension(name=d.name, **value), update_mask=mask(field)
            )
        assert "immutable" in ei.value.message
    with pytest.raises(gexc.BadRequest):
        admin.create_custom_dimension(
            parent=P, custom_dimension=beta.CustomDimension(parameter_name="x", display_name="X")
        )  # scope missing
    admin.archive_custom_dimension(name=d.name)
    assert list(admin.list_custom_dimensions(parent=P)) == []
    with pytest.raises(gexc.NotFound):
        admin.get_custom_dimension(name=d.name)
    # once archived, the parameter name can be registered again
    admin.create_custom_dimension(
        parent=P,
        custom_dimension=beta.CustomDimension(parameter_name="video_title", display_name="Video title", scope=1),
    )


@pytest.mark.parametrize(
    "field, value",
    [("parameter_name", {"parameter_name": "other"}), ("scope", {"scope": 2})],
    ids=["parameter_name", "scope"],
)
def test_a_custom_dimensions_immutable_field_is_refused(admin, field, value):
    d = admin.create_custom_dimension(
        parent=P,
        custom_dimension=beta.CustomDimension(parameter_name="video_title", display_name="Video title", scope=1),
    )
    with pytest.raises(gexc.BadRequest) as ei:
        admin.update_custom_dimension(
            custom_dimension=beta.CustomDimension(name=d.name, **value), update_mask=mask(field)
        )
    assert "immutable" in ei.value.message


def test_custom_metrics(admin):
    unit = beta.CustomMetric.MeasurementUnit
    m = admin.create_custom_metric(
        parent=P,
        custom_metric=beta.CustomMetric(
            parameter_name="video_percent", display_name="Video percent", measurement_unit=unit.STANDARD, scope=1
        ),
    )
    assert m.measurement_unit == unit.STANDARD
    with pytest.raises(gexc.BadRequest):  # CURRENCY needs restricted_metric_type
        admin.create_custom_metric(
            parent=P,
            custom_metric=beta.CustomMetric(
                parameter_name="revenue", display_name="Revenue", measurement_unit=unit.CURRENCY, scope=1
            ),
        )
    admin.create_custom_metric(
        parent=P,
        custom_metric=beta.CustomMetric(
            parameter_name="revenue",
            display_name="Revenue",
            measurement_unit=unit.CURRENCY,
            scope=1,
            restricted_metric_type=[beta.CustomMetric.RestrictedMetricType.REVENUE_DATA],
        ),
    )
    admin.archive_custom_metric(name=m.name)
    assert [x.parameter_name for x in admin.list_custom_metrics(parent=P)] == ["revenue"]


def test_pagination(fake_google, admin):
    for i in range(7):
        admin.create_key_event(parent=P, key_event=beta.KeyEvent(event_name=f"e{i}", counting_method=1))
    n = fake_google.request_count
    pager = admin.list_key_events(request={"parent": P, "page_size": 3})
    assert [k.event_name for k in pager] == [f"e{i}" for i in range(7)]
    pages = fake_google.requests[n:]
    assert len(pages) == 3 and "pageToken" not in pages[0].query and pages[2].query["pageToken"]


def test_data_streams_seeded(admin):
    streams = list(admin.list_data_streams(parent=P))
    assert len(streams) == 1 and streams[0].type_ == beta.DataStream.DataStreamType.WEB_DATA_STREAM
    assert streams[0].web_stream_data.measurement_id.startswith("G-")
    assert admin.get_data_stream(name=streams[0].name).display_name == "Web"


def test_unknown_property_is_403(fake_google, admin):
    with pytest.raises(gexc.Forbidden):
        list(admin.list_key_events(parent="properties/999"))


def test_names_and_snake_case_mask_via_discovery_client(fake_google, discovery_admin):
    kes = discovery_admin.properties().keyEvents()
    ke = kes.create(parent=P, body={"eventName": "sign_up", "countingMethod": "ONCE_PER_EVENT"}).execute()
    assert (
        ke["countingMethod"] == "ONCE_PER_EVENT" and fake_google.requests[-1].body["countingMethod"] == "ONCE_PER_EVENT"
    )
    upd = kes.patch(
        name=ke["name"],
        updateMask="counting_method",
        body={"countingMethod": "ONCE_PER_SESSION", "eventName": "ignored"},
    ).execute()
    assert upd == {**ke, "countingMethod": "ONCE_PER_SESSION"}
    with pytest.raises(HttpError) as ei:
        kes.create(parent=P, body={"eventName": "sign_up", "countingMethod": "ONCE_PER_EVENT"}).execute()
    assert ei.value.status_code == 409 and ei.value.error_details[0]["reason"] == "alreadyExists"
    with pytest.raises(HttpError) as ei:
        kes.patch(name=ke["name"], updateMask="noSuchField", body={}).execute()
    assert ei.value.status_code == 400
    with pytest.raises(HttpError) as ei:
        kes.create(parent=P, body={"eventName": "x", "countingMethod": "NOT_A_METHOD"}).execute()
    assert ei.value.status_code == 400


def test_event_create_rules(admin_alpha, admin):
    stream = next(iter(admin.list_data_streams(parent=P))).name
    cmp_ = alpha.MatchingCondition.ComparisonType
    rule = admin_alpha.create_event_create_rule(
        parent=stream,
        event_create_rule=alpha.EventCreateRule(
            destination_event="video_complete",
            source_copy_parameters=True,
            event_conditions=[
                alpha.MatchingCondition(field="event_name", comparison_type=cmp_.EQUALS, value="video_progress"),
                alpha.MatchingCondition(field="video_percent", comparison_type=cmp_.GREATER_THAN_OR_EQUAL, value="100"),
            ],
            parameter_mutations=[alpha.ParameterMutation(parameter="source", parameter_value="[[video_provider]]")],
        ),
    )
    assert rule.name.startswith(f"{stream}/eventCreateRules/")
    assert rule.event_conditions[1].comparison_type == cmp_.GREATER_THAN_OR_EQUAL
    got = admin_alpha.get_event_create_rule(name=rule.name)
    assert got == rule
    upd = admin_alpha.update_event_create_rule(
        event_create_rule=alpha.EventCreateRule(name=rule.name, destination_event="video_done"),
        update_mask=mask("destination_event"),
    )
    assert upd.destination_event == "video_done" and len(upd.event_conditions) == 2
    assert [r.name for r in admin_alpha.list_event_create_rules(parent=stream)] == [rule.name]
    with pytest.raises(gexc.BadRequest):
        admin_alpha.create_event_create_rule(
            parent=stream,
            event_create_rule=alpha.EventCreateRule(
                destination_event="9bad",
                event_conditions=[alpha.MatchingCondition(field="event_name", comparison_type=1, value="x")],
            ),
        )
    with pytest.raises(gexc.BadRequest):
        admin_alpha.create_event_create_rule(
            parent=stream, event_create_rule=alpha.EventCreateRule(destination_event="no_conditions")
        )
    admin_alpha.delete_event_create_rule(name=rule.name)
    assert list(admin_alpha.list_event_create_rules(parent=stream)) == []


AUDIENCE = {
    "displayName": "Leads",
    "description": "Users who sent a lead",
    "membershipDurationDays": 30,
    "filterClauses": [
        {
            "clauseType": "INCLUDE",
            "simpleFilter": {
                "scope": "AUDIENCE_FILTER_SCOPE_ACROSS_ALL_SESSIONS",
                "filterExpression": {
                    "andGroup": {
                        "filterExpressions": [
                            {"orGroup": {"filterExpressions": [{"eventFilter": {"eventName": "generate_lead"}}]}}
                        ]
                    }
                },
            },
        }
    ],
}


def test_audiences(admin_alpha):
    aud = admin_alpha.create_audience(parent=P, audience=alpha.Audience.from_json(json.dumps(AUDIENCE)))
    assert aud.name.startswith(f"{P}/audiences/") and aud.create_time
    clause = aud.filter_clauses[0]
    assert clause.clause_type == alpha.AudienceFilterClause.AudienceClauseType.INCLUDE
    assert (
        clause.simple_filter.filter_expression.and_group.filter_expressions[0]
        .or_group.filter_expressions[0]
        .event_filter.event_name
        == "generate_lead"
    )
    upd = admin_alpha.update_audience(
        audience=alpha.Audience(name=aud.name, display_name="Leads 2"), update_mask=mask("display_name")
    )
    assert upd.display_name == "Leads 2" and upd.membership_duration_days == 30
    with pytest.raises(gexc.BadRequest):
        admin_alpha.update_audience(
            audience=alpha.Audience(name=aud.name, membership_duration_days=60),
            update_mask=mask("membership_duration_days"),
        )
    with pytest.raises(gexc.BadRequest):
        admin_alpha.create_audience(
            parent=P, audience=alpha.Audience(display_name="x", description="y", membership_duration_days=30)
        )
    assert [a.display_name for a in admin_alpha.list_audiences(parent=P)] == ["Leads 2"]
    admin_alpha.archive_audience(request={"name": aud.name})
    assert list(admin_alpha.list_audiences(parent=P)) == []


def test_seed_ga4_snapshot_dict_and_flat_rules(fake_google):
    snap = {
        "property": "properties/555",
        "dataStreams": [
            {
                "name": "properties/555/dataStreams/777",
                "type": "WEB_DATA_STREAM",
                "displayName": "Site",
                "webStreamData": {"measurementId": "G-ABC", "defaultUri": "https://x"},
            }
        ],
        "keyEvents": [
            {"name": "properties/555/keyEvents/1", "eventName": "purchase", "countingMethod": "ONCE_PER_EVENT"},
            {
                "eventName": "generate_lead",
                "countingMethod": 2,
                "defaultValue": {"numericValue": 10, "currencyCode": "USD"},
            },
        ],
        "customDimensions": [{"parameterName": "form_id", "displayName": "Form", "scope": "EVENT"}],
        "customMetrics": [
            {"parameterName": "pct", "displayName": "Pct", "scope": "EVENT", "measurementUnit": "STANDARD"}
        ],
        "eventCreateRules": {
            "properties/555/dataStreams/777": [
                {
                    "destinationEvent": "lead_form",
                    "eventConditions": [{"field": "event_name", "comparisonType": "EQUALS", "value": "form_submit"}],
                }
            ]
        },
        "audiences": [AUDIENCE],
    }
    assert fake_google.seed_ga4_snapshot(snap) == "properties/555"
    admin, admin_alpha = fake_google.ga4_client("v1beta"), fake_google.ga4_client("v1alpha")
    kes = {k.event_name: k for k in admin.list_key_events(parent="properties/555")}
    assert set(kes) == {"purchase", "generate_lead"} and kes["purchase"].name == "properties/555/keyEvents/1"
    assert kes["generate_lead"].default_value.currency_code == "USD"
    assert [d.parameter_name for d in admin.list_custom_dimensions(parent="properties/555")] == ["form_id"]
    assert len(list(admin.list_custom_metrics(parent="properties/555"))) == 1
    assert [s.name for s in admin.list_data_streams(parent="properties/555")] == ["properties/555/dataStreams/777"]
    rules = list(admin_alpha.list_event_create_rules(parent="properties/555/dataStreams/777"))
    assert [r.destination_event for r in rules] == ["lead_form"]
    assert len(list(admin_alpha.list_audiences(parent="properties/555"))) == 1
    flat = {
        "property": "properties/556",
        "eventCreateRules": [
            {
                "name": "properties/556/dataStreams/5561/eventCreateRules/9",
                "destinationEvent": "x",
                "eventConditions": [{"field": "event_name", "comparisonType": 1, "value": "y"}],
            }
        ],
    }
    fake_google.seed_ga4_snapshot(flat)
    assert [r.name for r in admin_alpha.list_event_create_rules(parent="properties/556/dataStreams/5561")] == [
        "properties/556/dataStreams/5561/eventCreateRules/9"
    ]


def test_enhanced_measurement_defaults_all_on_and_patch_with_mask(fake_google):
    fake_google.ga4.add_property("777")
    client = fake_google.ga4_client("v1alpha")
    name = "properties/777/dataStreams/7771/enhancedMeasurementSettings"
    settings = client.get_enhanced_measurement_settings(name=name)
    assert settings.stream_enabled and settings.scrolls_enabled and settings.video_engagement_enabled
    assert settings.form_interactions_enabled and settings.name == name
    updated = client.update_enhanced_measurement_settings(
        enhanced_measurement_settings=alpha.EnhancedMeasurementSettings(name=name, scrolls_enabled=False),
        update_mask=field_mask_pb2.FieldMask(paths=["scrolls_enabled"]),
    )
    assert not updated.scrolls_enabled and updated.outbound_clicks_enabled
    assert not client.get_enhanced_measurement_settings(name=name).scrolls_enabled
    with pytest.raises(gexc.BadRequest):
        client.update_enhanced_measurement_settings(
            enhanced_measurement_settings=alpha.EnhancedMeasurementSettings(name=name),
            update_mask=field_mask_pb2.FieldMask(paths=[]),
        )
    with pytest.raises(gexc.NotFound):
        client.get_enhanced_measurement_settings(name="properties/777/dataStreams/1/enhancedMeasurementSettings")


def test_enhanced_measurement_seeded_from_a_snapshot(fake_google):
    fake_google.seed_ga4_snapshot(
        {
            "property": "properties/5",
            "dataStreams": [
                {
                    "name": "properties/5/dataStreams/51",
                    "type": "WEB_DATA_STREAM",
                    "webStreamData": {"measurementId": "G-X"},
                }
            ],
            "enhancedMeasurementSettings": {"properties/5/dataStreams/51": {"streamEnabled": True}},
        }
    )
    settings = fake_google.ga4_client("v1alpha").get_enhanced_measurement_settings(
        name="properties/5/dataStreams/51/enhancedMeasurementSettings"
    )
    assert settings.stream_enabled and not settings.scrolls_enabled


# --- limits and field rules as Google documents them -------------------------------------------


def dimension(i: int, scope: int = 1) -> beta.CustomDimension:
    return beta.CustomDimension(parameter_name=f"p_{i}", display_name=f"P {i}", scope=scope)


@pytest.mark.parametrize(
    ("scope", "limit"),
    [(beta.CustomDimension.DimensionScope.EVENT, 50), (beta.CustomDimension.DimensionScope.USER, 25),
     (beta.CustomDimension.DimensionScope.ITEM, 10)],
)  # fmt: skip
def test_a_standard_property_takes_as_many_custom_dimensions_per_scope_as_ga4_allows(fake_google, admin, scope, limit):
    for i in range(limit):
        fake_google.ga4.seed(
            "customDimensions", P, {"parameterName": f"p_{i}", "displayName": "P", "scope": scope.name}
        )
    with pytest.raises(gexc.BadRequest, match="limit of"):
        admin.create_custom_dimension(parent=P, custom_dimension=dimension(999, scope))


def test_an_archived_dimension_frees_its_place(fake_google, admin):
    for i in range(50):
        fake_google.ga4.seed("customDimensions", P, {"parameterName": f"p_{i}", "displayName": "P", "scope": "EVENT"})
    first = fake_google.ga4.items(P, "customDimensions")[0]["name"]
    admin.archive_custom_dimension(name=first)
    assert admin.create_custom_dimension(parent=P, custom_dimension=dimension(999)).parameter_name == "p_999"


def test_an_analytics_360_property_takes_more(fake_google, admin):
    fake_google.ga4.properties["123456789"].service_level = "GOOGLE_ANALYTICS_360"
    assert admin.get_property(name=P).service_level == beta.ServiceLevel.GOOGLE_ANALYTICS_360
    for i in range(50):
        fake_google.ga4.seed("customDimensions", P, {"parameterName": f"p_{i}", "displayName": "P", "scope": "EVENT"})
    assert admin.create_custom_dimension(parent=P, custom_dimension=dimension(999))


def test_default_key_events_do_not_count_towards_the_thirty_custom_ones(fake_google, admin):
    fake_google.ga4.seed("keyEvents", P, {"eventName": "purchase", "countingMethod": "ONCE_PER_EVENT", "custom": False})
    for i in range(29):
        fake_google.ga4.seed("keyEvents", P, {"eventName": f"e_{i}", "countingMethod": "ONCE_PER_EVENT"})
    admin.create_key_event(parent=P, key_event=beta.KeyEvent(event_name="lead", counting_method=1))
    with pytest.raises(gexc.BadRequest, match="limit of 30"):
        admin.create_key_event(parent=P, key_event=beta.KeyEvent(event_name="one_more", counting_method=1))


@pytest.mark.parametrize("display", ["Video title!", "1st", "Vidéo", "[legacy] name", "x" * 83])
def test_a_display_name_the_admin_api_docs_do_not_allow_is_refused(admin, display):
    with pytest.raises(gexc.BadRequest, match="display_name"):
        admin.create_custom_dimension(parent=P, custom_dimension=beta.CustomDimension(
            parameter_name="p", display_name=display, scope=1))  # fmt: skip


def test_a_user_scoped_parameter_name_over_24_characters_is_refused(admin):
    with pytest.raises(gexc.BadRequest, match="24"):
        admin.create_custom_dimension(parent=P, custom_dimension=beta.CustomDimension(
            parameter_name="p" * 25, display_name="P", scope=2))  # fmt: skip


@pytest.mark.parametrize(
    "rule",
    [
        {"destination_event": "e" * 40},
        {"parameter_mutations": [{"parameter": "p" * 40, "parameter_value": "v"}]},
        {"parameter_mutations": [{"parameter": "p", "parameter_value": "v" * 100}]},
        {"event_conditions": [{"field": "page location", "comparison_type": 1, "value": "x"}]},
    ],
    ids=["destination-40", "parameter-40", "value-100", "field-with-space"],
)
def test_an_event_create_rule_the_docs_do_not_allow_is_refused(fake_google, admin_alpha, rule):
    stream = fake_google.ga4.items(P, "dataStreams")[0]["name"]
    body = {"destination_event": "lead", "event_conditions": [{"field": "event_name", "comparison_type": 1,
            "value": "page_view"}], **rule}  # fmt: skip
    with pytest.raises(gexc.BadRequest):
        admin_alpha.create_event_create_rule(parent=stream, event_create_rule=alpha.EventCreateRule(**body))
