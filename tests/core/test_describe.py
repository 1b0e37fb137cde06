"""describe.fields: entity bodies as labelled, readable text for plans."""

from __future__ import annotations

from goalkeeper.core.describe import condition_text, fields, ga4_condition_text
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
