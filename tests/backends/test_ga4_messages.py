"""Every GA4 object goalkeeper builds is a valid Admin API message: the official client's proto
types refuse unknown fields and bad enum names, so a typo in a template fails here, not in GA4."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from google.analytics import admin_v1alpha, admin_v1beta

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


# --- the kinds registry against the admin client's own message docs ----------------------------
#
# The field rules and immutable fields of core/kinds.py are read off these docstrings; reading them
# again here, from the installed google-analytics-admin, proves the registry says what they say.


def field_docs(message_type) -> dict[str, str]:
    """A message's field docs from its docstring's Attributes section, by JSON (lowerCamel) name."""
    docs: dict[str, str] = {}
    current = None
    for line in (message_type.__doc__ or "").splitlines():
        start = re.match(r"^ {8}(\w+) \(", line) or re.match(r"^ {12}(\w+) \(", line)
        if start and not line.startswith(" " * 16):
            current = _camel(start.group(1).rstrip("_"))
            docs[current] = ""
        elif current:
            docs[current] += " " + line.strip()
    return docs


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _message(kind) -> type:
    return GA4LiveBackend._message_type(kind)


# (kind, JSON path prefix of the rules, the message type documenting the fields under it)
DOCUMENTED = [(kind.key, "", (lambda k=kind: _message(k))) for kind in KINDS.values() if kind.target == "ga4"] + [
    ("ga4.event_create_rule", "eventConditions[].", lambda: admin_v1alpha.MatchingCondition),
    ("ga4.event_create_rule", "parameterMutations[].", lambda: admin_v1alpha.ParameterMutation),
    ("ga4.key_event", "defaultValue.", lambda: admin_v1beta.KeyEvent.DefaultValue),
]
FIELDS = [
    pytest.param(key, prefix, doc, field, id=f"{key}:{prefix}{field}")
    for key, prefix, message in DOCUMENTED
    for field, doc in field_docs(message()).items()
    if prefix or field in KINDS[key].fields
]


def _rules(key: str, path: str):
    return [r for r in KINDS[key].rules if r.path == path]


def test_every_ga4_field_goalkeeper_writes_is_documented():
    documented = {(p.values[0], p.values[3]) for p in FIELDS if not p.values[1]}
    for kind in (k for k in KINDS.values() if k.target == "ga4"):
        for field in kind.fields:
            assert (kind.key, field) in documented, (kind.key, field)


@pytest.mark.parametrize(("key", "prefix", "doc", "field"), [p for p in FIELDS if not p.values[1]])
def test_the_registry_s_immutable_fields_are_the_ones_the_message_docs_call_immutable(key, prefix, doc, field):
    assert ("Immutable." in doc) == (field in KINDS[key].immutable)


@pytest.mark.parametrize(("key", "prefix", "doc", "field"), FIELDS)
def test_every_field_the_docs_require_has_a_required_rule(key, prefix, doc, field):
    if "Required." in doc:
        assert any(r.required for r in _rules(key, prefix + field)), f"{prefix}{field}: {doc}"


def _numbers_of(rules) -> set[int]:
    numbers: set[int] = set()
    for rule in rules:
        if rule.max_length is not None:
            numbers |= {rule.max_length, rule.max_length + 1}  # "max length of N", "less than N"
        for bounds in (rule.items, rule.between):
            if bounds is not None:
                numbers |= {int(b) for b in bounds}
    return numbers


@pytest.mark.parametrize(("key", "prefix", "doc", "field"), FIELDS)
def test_every_length_and_count_the_docs_give_is_in_a_rule(key, prefix, doc, field):
    stated = {int(n) for n in re.findall(r"\b(\d+)\b", re.sub(r"https?://\S+|ISO 4217", "", doc))}
    assert stated <= _numbers_of(_rules(key, prefix + field)), f"{prefix}{field}: {doc}"


@pytest.mark.parametrize(("key", "prefix", "doc", "field"), FIELDS)
def test_the_character_rules_the_docs_give_are_the_registry_s_patterns(key, prefix, doc, field):
    patterns = [r.pattern for r in _rules(key, prefix + field) if r.pattern]
    text = doc.lower()
    checks = []
    if "plus space and underscore" in text:
        checks += [("Ab c_1", True), ("A-b", False)]
    elif "underscore" in text:
        checks += [("a_1", True), ("a b", False), ("a-b", False)]
    if "starting with a letter" in text or "start with a letter" in text:
        checks += [("1a", False)]
    if "cannot contain spaces" in text:
        checks += [("a b", False)]
    if not checks:
        return
    assert patterns, f"{prefix}{field}: {doc}"
    for sample, accepted in checks:
        assert all(bool(re.fullmatch(p, sample)) is accepted for p in patterns), (sample, patterns)
