"""Every GA4 object goalkeeper builds is a valid Admin API message: the official client's proto
types refuse unknown fields and bad enum names, so a typo in a template fails here, not in GA4."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from goalkeeper.backends.ga4_live import GA4LiveBackend
from goalkeeper.core.kinds import KINDS

GOLDEN = Path(__file__).resolve().parent.parent / "goals" / "golden"
GA4_ENTITIES = [
    pytest.param(entity, id=f"{path.stem}:{entity['kind']}:{entity['name']}")
    for path in sorted(GOLDEN.glob("*.json"))
    for entity in json.loads(path.read_text(encoding="utf-8"))
    if entity["kind"].startswith("ga4.")
]


def test_the_goldens_hold_every_kind_of_ga4_object():
    assert {p.values[0]["kind"] for p in GA4_ENTITIES} >= {
        "ga4.key_event",
        "ga4.custom_dimension",
        "ga4.event_create_rule",
        "ga4.audience",
    }


@pytest.mark.parametrize("entity", GA4_ENTITIES)
def test_a_built_ga4_object_parses_as_its_admin_api_message(entity):
    message_type = GA4LiveBackend._message_type(KINDS[entity["kind"]])
    message = message_type.from_json(json.dumps(entity["body"]))  # raises on an unknown field or enum
    round_trip = json.loads(message_type.to_json(message, use_integers_for_enums=False))
    assert [key for key in entity["body"] if key not in round_trip] == []
