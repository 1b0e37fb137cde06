"""describe.fields: entity bodies as labelled, readable text for plans; describe.in_words: the same
fields in GTM's and GA4's own words."""

from __future__ import annotations

import json

import pytest

from goalkeeper.core import ownership
from goalkeeper.core.changes import FieldChange
from goalkeeper.core.describe import condition_text, fields, ga4_condition_text, in_words, marker_words
from goalkeeper.core.kinds import KINDS
from goalkeeper.core.model import Entity
from tests.core.helpers import condition, notes


def test_a_trigger_reads_type_first_conditions_as_sentences_and_notes_last():
    body = {
        "filter": [condition("contains", "{{Click URL}}", "/checkout")],
        "notes": notes("checkout_click"),
        "type": "linkClick",
        "waitForTags": {"type": "boolean", "value": "false"},
    }  # key-sorted, as normalised bodies are
    out = fields(Entity("gtm.trigger", "T", body))
    assert list(out) == ["type", "filter", "waitForTags", "notes"]
    assert out["type"] == '"linkClick"'
    assert out["filter"] == 'Click URL contains "/checkout"'
    assert out["waitForTags"] == "false"


def test_several_conditions_are_numbered():
    body = {
        "type": "pageview",
        "filter": [
            condition("startsWith", "{{Page Path}}", "/checkout"),
            condition("matchRegex", "{{Page URL}}", "^https://"),
        ],
    }
    out = fields(Entity("gtm.trigger", "T", body))
    assert out["filter[0]"] == 'Page Path starts with "/checkout"'
    assert out["filter[1]"] == 'Page URL matches RegEx "^https://"'
    assert "filter" not in out


def test_condition_options_read_as_words():
    negated = {
        "type": "contains",
        "parameter": [
            {"key": "arg0", "type": "template", "value": "{{Click URL}}"},
            {"key": "arg1", "type": "template", "value": "/cart"},
            {"key": "negate", "type": "boolean", "value": "true"},
            {"key": "ignore_case", "type": "boolean", "value": "true"},
        ],
    }
    assert condition_text(negated) == 'Click URL does not contain "/cart" (ignore case)'


def test_a_ga4_tags_event_table_reads_as_name_value_pairs():
    body = {
        "type": "gaawe",
        "firingTrigger": ["Link click - a"],
        "parameter": [
            {"key": "eventName", "type": "template", "value": "a"},
            {"key": "sendEcommerceData", "type": "boolean", "value": "false"},
            {
                "key": "eventSettingsTable",
                "type": "list",
                "list": [
                    {
                        "type": "map",
                        "map": [
                            {"key": "parameter", "type": "template", "value": "link_url"},
                            {"key": "parameterValue", "type": "template", "value": "{{Click URL}}"},
                        ],
                    },
                ],
            },
        ],
    }
    out = fields(Entity("gtm.tag", "Tag", body))
    assert out["firing triggers"] == '"Link click - a"'
    assert out["eventName"] == '"a"'
    assert out["sendEcommerceData"] == "false"
    assert out["eventSettingsTable[link_url]"] == '"{{Click URL}}"'


def test_ga4_rule_conditions_and_nested_values():
    body = {
        "destinationEvent": "thanks",
        "eventConditions": [
            {"field": "event_name", "comparisonType": "EQUALS", "value": "page_view"},
            {
                "field": "page_location",
                "comparisonType": "CONTAINS_CASE_INSENSITIVE",
                "value": "/thanks",
                "negated": True,
            },
        ],
    }
    out = fields(Entity("ga4.event_create_rule", "thanks", body))
    assert out["conditions[0]"] == 'event_name equals "page_view"'
    assert out["conditions[1]"] == 'page_location not contains "/thanks" (ignore case)'
    assert (
        ga4_condition_text({"field": "page_location", "comparisonType": "REGULAR_EXPRESSION", "value": "^x"})
        == 'page_location matches RegEx "^x"'
    )
    key_event = fields(
        Entity("ga4.key_event", "k", {"eventName": "k", "defaultValue": {"numericValue": 5, "currencyCode": "USD"}})
    )
    assert key_event["defaultValue.numericValue"] == "5"
    assert key_event["defaultValue.currencyCode"] == '"USD"'


# --- in GTM's and GA4's words ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "raw", "words"),
    [
        ("gtm.tag", ("type", None, '"gaawe"'), ("Tag type", None, "Google Analytics: GA4 Event")),
        ("gtm.tag", ("type", None, '"cvt_123_45"'), ("Tag type", None, '"cvt_123_45"')),  # no word: as spelt
        (
            "gtm.trigger",
            ("type", '"click"', '"linkClick"'),
            ("Trigger type", "Click - All Elements", "Click - Just Links"),
        ),
        (
            "gtm.tag",
            ("eventSettingsTable[link_url]", None, '"{{Click URL}}"'),
            ("Event parameter link_url", None, '"{{Click URL}}"'),
        ),
        (
            "gtm.trigger",
            ("filter[1]", None, 'Page Path starts with "/x"'),
            ("Fires on[1]", None, 'Page Path starts with "/x"'),
        ),
        ("gtm.variable", ("type", None, '"v"'), ("Variable type", None, "Data Layer Variable")),
        ("gtm.builtin_variable", ("type", None, '"clickUrl"'), ("Built-in variable", None, "Click URL")),
        (
            "ga4.key_event",
            ("countingMethod", '"ONCE_PER_EVENT"', '"ONCE_PER_SESSION"'),
            ("Counting method", "Once per event", "Once per session"),
        ),
        ("ga4.key_event", ("defaultValue.numericValue", None, "5.0"), ("Default key event value", None, "5.0")),
        ("ga4.custom_dimension", ("scope", None, '"EVENT"'), ("Scope", None, "Event")),
        ("gtm.trigger", ("someNewField", None, '"x"'), ("someNewField", None, '"x"')),  # unknown: as spelt
    ],
)
def test_fields_read_in_the_interfaces_words(kind, raw, words):
    assert in_words(KINDS[kind], FieldChange(*raw)) == FieldChange(*words)


def quoted(text: str) -> str:
    return json.dumps(text)


def test_goalkeeper_s_note_is_left_out_of_an_entity_being_created():
    assert in_words(KINDS["gtm.tag"], FieldChange("notes", None, quoted(notes("a")))) is None
    assert (
        in_words(KINDS["ga4.audience"], FieldChange("description", None, quoted("Managed by goalkeeper. Goals: a")))
        is None
    )


def test_a_note_someone_wrote_is_shown_as_it_is():
    item = FieldChange("notes", quoted("Fires on the new checkout"), quoted(notes("a")))
    assert in_words(KINDS["gtm.tag"], item) == FieldChange(
        "Notes", quoted("Fires on the new checkout"), "goalkeeper's, for goal a"
    )


def test_a_shared_note_shows_only_the_goals_that_join_or_leave():
    item = FieldChange("notes", quoted(notes("a", "b", "c", "d")), quoted(notes("b", "c", "d", "e")))
    assert in_words(KINDS["gtm.variable"], item) == FieldChange(
        "Notes", "goalkeeper's, for goals a and 3 more", "goalkeeper's, for goals e and 3 more"
    )
    item = FieldChange("notes", quoted(notes("a", key_events=())), quoted(notes("a", key_events=("a",))))
    assert in_words(KINDS["gtm.tag"], item) == FieldChange(
        "Notes", "goalkeeper's, for 1 goal", "goalkeeper's, for 1 goal; key event a"
    )


def _event(name: str, **where) -> dict:
    event: dict = {"eventName": name}
    if where:
        event["eventParameterFilterExpression"] = {
            "andGroup": {"filterExpressions": [{"dimensionOrMetricFilter": where}]}
        }
    return {"eventFilter": event}


@pytest.mark.parametrize(
    "clause, text",
    [
        (
            {
                "clauseType": "INCLUDE",
                "simpleFilter": {
                    "scope": "AUDIENCE_FILTER_SCOPE_ACROSS_ALL_SESSIONS",
                    "filterExpression": {
                        "andGroup": {
                            "filterExpressions": [
                                {
                                    "orGroup": {
                                        "filterExpressions": [
                                            _event(
                                                "article_view",
                                                fieldName="eventCount",
                                                numericFilter={
                                                    "operation": "GREATER_THAN",
                                                    "value": {"int64Value": "2"},
                                                },
                                            )
                                        ]
                                    }
                                }
                            ]
                        }
                    },
                },
            },
            'include users across all sessions: event "article_view" where eventCount > 2',
        ),
        (
            {
                "clauseType": "EXCLUDE",
                "simpleFilter": {
                    "scope": "AUDIENCE_FILTER_SCOPE_WITHIN_SAME_SESSION",
                    "filterExpression": {"orGroup": {"filterExpressions": [_event("purchase"), _event("refund")]}},
                },
            },
            'exclude users within one session: (event "purchase" or event "refund")',
        ),
        (
            {
                "clauseType": "INCLUDE",
                "simpleFilter": {
                    "scope": "AUDIENCE_FILTER_SCOPE_WITHIN_SAME_EVENT",
                    "filterExpression": {
                        "dimensionOrMetricFilter": {
                            "fieldName": "page_location",
                            "stringFilter": {"matchType": "CONTAINS", "value": "/pricing"},
                        }
                    },
                },
            },
            'include users within one event: page_location contains "/pricing"',
        ),
        (
            {
                "clauseType": "INCLUDE",
                "sequenceFilter": {
                    "scope": "AUDIENCE_FILTER_SCOPE_ACROSS_ALL_SESSIONS",
                    "sequenceSteps": [
                        {"filterExpression": _event("view_item")},
                        {"filterExpression": _event("add_to_cart")},
                    ],
                },
            },
            'include users across all sessions: event "view_item" then event "add_to_cart"',
        ),
    ],
    ids=["event count", "either event excluded", "page contains", "sequence"],
)
def test_an_audience_condition_reads_as_a_sentence(clause, text):
    assert fields(Entity("ga4.audience", "A", {"displayName": "A", "filterClauses": [clause]}))["filterClauses"] == text


def test_an_adopted_marker_names_the_owner_it_gains():
    before = ownership.managed_notes(["a"])
    after = ownership.managed_notes(["a"], owner="goals/b2b.yaml")
    assert marker_words(before, after) == "goalkeeper's (no owner), for 1 goal"
    assert marker_words(after, before) == "goalkeeper's (goals/b2b.yaml), for 1 goal"
    assert marker_words(after, ownership.managed_notes(["a", "b"], owner="goals/b2b.yaml")) == (
        "goalkeeper's, for 1 goal"
    )
