"""The entity-kind registry: every fact about a kind in one record, and the API spellings derived from it."""

from __future__ import annotations

import pytest
from google.analytics import admin_v1alpha, admin_v1beta

from goalkeeper.backends.ga4_live import GA4LiveBackend
from goalkeeper.core.kinds import KINDS, kind, kinds_of


def test_kinds_are_registered_in_creation_order_gtm_first():
    assert [k.key for k in KINDS.values()] == [
        "gtm.folder",
        "gtm.builtin_variable",
        "gtm.variable",
        "gtm.trigger",
        "gtm.tag",
        "ga4.custom_dimension",
        "ga4.custom_metric",
        "ga4.event_create_rule",
        "ga4.key_event",
        "ga4.audience",
    ]
    assert [k.order for k in KINDS.values()] == list(range(len(KINDS)))


@pytest.mark.parametrize("target", ["gtm", "ga4"])
def test_each_kind_lives_in_the_target_its_key_names(target):
    assert {k.key.split(".")[0] for k in kinds_of(target)} == {target}


@pytest.mark.parametrize(
    "key, list_key, id_key, collection",
    [
        ("gtm.tag", "tag", "tagId", "tags"),
        ("gtm.trigger", "trigger", "triggerId", "triggers"),
        ("gtm.variable", "variable", "variableId", "variables"),
        ("gtm.folder", "folder", "folderId", "folders"),
        ("gtm.builtin_variable", "builtInVariable", None, "built_in_variables"),
        ("ga4.custom_dimension", "customDimensions", None, "custom_dimensions"),
        ("ga4.event_create_rule", "eventCreateRules", None, "event_create_rules"),
        ("ga4.key_event", "keyEvents", None, "key_events"),
        ("ga4.audience", "audiences", None, "audiences"),
    ],
)
def test_api_spellings_follow_the_discovery_document_and_the_admin_client(key, list_key, id_key, collection):
    assert (kind(key).list_key, kind(key).id_key, kind(key).collection) == (list_key, id_key, collection)


@pytest.mark.parametrize("ga4_kind", list(kinds_of("ga4")), ids=lambda k: k.key)
@pytest.mark.parametrize("verb", ["list", "create", "update", "removal"])
def test_every_ga4_kind_maps_to_real_admin_client_methods(ga4_kind, verb):
    client = (
        admin_v1beta.AnalyticsAdminServiceClient
        if ga4_kind.api_version == "v1beta"
        else (admin_v1alpha.AnalyticsAdminServiceClient)
    )
    name = ga4_kind.removal if verb == "removal" else verb
    method = f"{name}_{ga4_kind.collection if name == 'list' else ga4_kind.api_name}"
    assert callable(getattr(client, method))


@pytest.mark.parametrize("ga4_kind", list(kinds_of("ga4")), ids=lambda k: k.key)
def test_every_planned_ga4_field_is_a_field_of_the_admin_message(ga4_kind):
    message = GA4LiveBackend._message_type(ga4_kind)
    camel_fields = {
        "".join([f.name.split("_")[0], *(p.capitalize() for p in f.name.split("_")[1:])])
        for f in message.pb().DESCRIPTOR.fields
    }
    assert set(ga4_kind.fields) <= camel_fields
    assert set(ga4_kind.immutable) <= set(ga4_kind.fields)


@pytest.mark.parametrize(
    "key, obj, name",
    [
        ("ga4.key_event", {"eventName": "purchase"}, "purchase"),
        ("ga4.custom_dimension", {"parameterName": "plan", "scope": "EVENT"}, "plan"),
        ("ga4.custom_dimension", {"parameterName": "plan", "scope": "USER"}, "plan (user scope)"),
        ("ga4.custom_metric", {"parameterName": "cart_value"}, "cart_value"),
        ("ga4.event_create_rule", {"destinationEvent": "signup_thanks"}, "signup_thanks"),
        ("ga4.audience", {"displayName": "Returning visitors"}, "Returning visitors"),
    ],
)
def test_a_ga4_object_is_known_by_its_kinds_name_field(key, obj, name):
    assert kind(key).name_of(obj) == name


def test_an_unknown_kind_is_a_key_error():
    with pytest.raises(KeyError):
        kind("gtm.zone")
