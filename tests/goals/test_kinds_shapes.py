"""The built-in kinds' GTM output has the shapes GTM itself writes.

Every trigger, tag, variable and built-in variable pinned in golden/*.json is compared with the real
container exports in ../shared/containers: the trigger types, which settings live in ``parameter[]``
and which are top-level Parameter fields, their keys, types and value formats, the gaawe tag's keys
and the built-ins' display names. A key GTM does not know is dropped or refused on import, so a
kind that invents one (say ``captureSeek``) silently tracks something other than its goal.

The GA4 side is checked against the Admin API's fields (enums and limits) in the same goldens.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

import pytest

from goalkeeper.core.builtins import ALWAYS_DEFINED, BUILTIN_VARIABLE_NAMES
from tests.conftest import needs_shared, shared_exports

GOLDEN = Path(__file__).parent / "golden"
GOLDENS = sorted(GOLDEN.glob("*.json"))

# Settings no shared export happens to use, each the documented alternative of one it does use
# (the documented alternatives, and the keys GTM's own compiled listeners read: vtp_elementId,
# vtp_verticalThresholdsPixels, vtp_progressThresholdsTimeInSeconds).
DOCUMENTED_PARAMETERS = {
    ("ELEMENT_VISIBILITY", "elementId"): "template",  # selectorType ID instead of CSS
    ("SCROLL_DEPTH", "verticalThresholdsPixels"): "template",  # verticalThresholdUnits PIXELS
    ("YOU_TUBE_VIDEO", "progressThresholdsTimeInSeconds"): "template",  # radioButtonGroup1 TIME
}
# "Enable this trigger when" conditions: the exports show them on link clicks and timers; forms
# take the same four auto-event fields as link clicks, and GTM asks for them there too.
DOCUMENTED_FIELDS = {("FORM_SUBMISSION", "autoEventFilter")}
DOCUMENTED_VALUES = {
    ("ELEMENT_VISIBILITY", "selectorType"): {"ID", "CSS"},
    ("ELEMENT_VISIBILITY", "firingFrequency"): {"ONCE", "ONCE_PER_ELEMENT", "MANY_PER_ELEMENT"},
    ("SCROLL_DEPTH", "verticalThresholdUnits"): {"PERCENT", "PIXELS"},
    ("SCROLL_DEPTH", "triggerStartOption"): {"WINDOW_LOAD", "DOM_READY", "CONTAINER_LOAD"},
    ("YOU_TUBE_VIDEO", "triggerStartOption"): {"WINDOW_LOAD", "DOM_READY", "CONTAINER_LOAD"},
    ("YOU_TUBE_VIDEO", "radioButtonGroup1"): {"PERCENTAGE", "TIME"},
}
# Values that are comma-separated whole numbers, as GTM's settings fields take them.
NUMBER_LISTS = {
    "verticalThresholdsPercent",
    "verticalThresholdsPixels",
    "progressThresholdsPercent",
    "progressThresholdsTimeInSeconds",
}
NUMBERS = {"onScreenRatio", "onScreenDuration", "interval", "limit", "waitForTagsTimeout"}
CONDITION_FIELDS = ("filter", "autoEventFilter", "customEventFilter")
REFERENCE = re.compile(r"\{\{([^{}]+)\}\}")


def export_enum(value: str) -> str:
    """The container export's spelling of an API enum (GTM spells the same enums both ways)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", value).upper()


class Real:
    """What the real exports hold, by export trigger type."""

    def __init__(self) -> None:
        self.trigger_types: set[str] = set()
        self.parameters: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        self.values: dict[tuple[str, str], set[str]] = defaultdict(set)
        self.fields: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        self.condition_types: set[str] = set()
        self.condition_keys: set[str] = set()
        self.tag_parameters: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        self.settings_table_keys: set[str] = set()
        self.variable_parameters: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        self.builtin_names: dict[str, set[str]] = defaultdict(set)


@lru_cache(maxsize=1)
def real() -> Real:
    out = Real()
    for path in shared_exports():
        data = json.loads(path.read_text())
        version = data.get("containerVersion", data)
        for trigger in version.get("trigger") or []:
            kind = trigger["type"]
            out.trigger_types.add(kind)
            for param in trigger.get("parameter") or []:
                if "value" in param or "list" in param or "map" in param:
                    out.parameters[kind][param["key"]].add(param["type"])
                out.parameters[kind].setdefault(param["key"], set())
                if "value" in param:
                    out.values[(kind, param["key"])].add(param["value"])
            for field, value in trigger.items():
                if field in CONDITION_FIELDS:
                    out.fields[kind].setdefault(field, set())
                    for condition in value:
                        out.condition_types.add(condition["type"])
                        out.condition_keys.update(p["key"] for p in condition.get("parameter", []))
                elif isinstance(value, dict) and "type" in value:
                    # A field without a value is an unticked box in older exports: no type evidence.
                    out.fields[kind].setdefault(field, set())
                    if "value" in value:
                        out.fields[kind][field].add(value["type"])
        for tag in version.get("tag") or []:
            for param in tag.get("parameter") or []:
                out.tag_parameters[tag["type"]][param["key"]].add(param["type"])
                if tag["type"] == "gaawe" and param["key"] == "eventSettingsTable":
                    for row in param.get("list") or []:
                        out.settings_table_keys.update(p["key"] for p in row.get("map") or [])
        for variable in version.get("variable") or []:
            for param in variable.get("parameter") or []:
                out.variable_parameters[variable["type"]][param["key"]].add(param["type"])
        for builtin in version.get("builtInVariable") or []:
            out.builtin_names[builtin["type"]].add(builtin["name"])
    return out


def golden(path: Path) -> list[dict]:
    return json.loads(path.read_text())


def entities(kind: str) -> list[tuple[str, dict]]:
    return [(f"{p.stem}: {e['name']}", e["body"]) for p in GOLDENS for e in golden(p) if e["kind"] == kind]


def ids(items):
    return [name for name, _ in items]


TRIGGERS = entities("gtm.trigger")
TAGS = [(name, body) for name, body in entities("gtm.tag") if body["type"] == "gaawe"]
GOOGLE_TAGS = [(name, body) for name, body in entities("gtm.tag") if body["type"] == "googtag"]


def triggers_of(*types: str) -> list[tuple[str, dict]]:
    return [(name, body) for name, body in TRIGGERS if body["type"] in types]


@needs_shared
@pytest.mark.parametrize("name, body", TRIGGERS, ids=ids(TRIGGERS))
def test_trigger_matches_real_exports(name, body):
    r = real()
    kind = export_enum(body["type"])
    assert kind in r.trigger_types, f"{name}: no real export has a {kind} trigger"
    known = r.parameters[kind]
    for param in body.get("parameter", []):
        key, typ = param["key"], export_enum(param["type"])
        documented = DOCUMENTED_PARAMETERS.get((kind, key))
        assert key in known or documented, (
            f"{name}: parameter {key!r} appears on no real {kind} trigger (known: {sorted(known)})"
        )
        expected = known.get(key) or {export_enum(documented)}
        assert typ in expected, f"{name}: {key} is {typ}; real {kind} triggers have it as {sorted(expected)}"
        value = param.get("value", "")
        if key in NUMBER_LISTS:
            assert re.fullmatch(r"\d+(,\d+)*", value), f"{name}: {key}={value!r} is not like '25,50,75'"
        if key in NUMBERS:
            assert re.fullmatch(r"\d+", value), f"{name}: {key}={value!r} is not a whole number"
        allowed = DOCUMENTED_VALUES.get((kind, key))
        if allowed is not None:
            assert value in allowed | r.values[(kind, key)], f"{name}: {key}={value!r} not one of {sorted(allowed)}"
    for field, value in body.items():
        if field in ("type", "parameter", "notes"):
            continue
        # `filter` ("some events") is on every event trigger; the others belong to their types.
        assert field == "filter" or field in r.fields[kind] or (kind, field) in DOCUMENTED_FIELDS, (
            f"{name}: top-level {field!r} appears on no real {kind} trigger (known: {sorted(r.fields[kind])})"
        )
        if field in CONDITION_FIELDS:
            for condition in value:
                assert export_enum(condition["type"]) in r.condition_types, f"{name}: condition {condition['type']}"
                keys = {p["key"] for p in condition["parameter"]}
                assert {"arg0", "arg1"} <= keys <= r.condition_keys, f"{name}: condition keys {sorted(keys)}"
                arg0 = next(p["value"] for p in condition["parameter"] if p["key"] == "arg0")
                assert REFERENCE.fullmatch(arg0), f"{name}: a condition's arg0 must be a {{{{Variable}}}}: {arg0!r}"
        else:
            assert "key" not in value, f"{name}: top-level field {field} is a Parameter without a key"
            seen = r.fields[kind].get(field) or set()
            if seen:
                assert export_enum(value["type"]) in seen, f"{name}: {field} is {value['type']}, real: {sorted(seen)}"
            if field in NUMBERS:
                assert re.fullmatch(r"\d+", value["value"]), f"{name}: {field}={value['value']!r}"


TIMERS = triggers_of("timer")
AUTO_EVENT_TRIGGERS = triggers_of("linkClick", "formSubmission")
YOUTUBE_TRIGGERS = triggers_of("youTubeVideo")


def test_the_goldens_hold_the_triggers_checked_below():
    assert TIMERS and AUTO_EVENT_TRIGGERS and YOUTUBE_TRIGGERS


@needs_shared
@pytest.mark.parametrize("name, body", TIMERS, ids=ids(TIMERS))
def test_timer_triggers_have_what_gtm_requires(name, body):
    assert (
        body["eventName"]["value"]
        == "gtm.timer"
        == next(iter(real().values.get(("TIMER", "eventName"), {"gtm.timer"})))
    )
    assert body.get("autoEventFilter"), f"{name}: GTM refuses a timer without 'Enable this trigger when'"


@pytest.mark.parametrize("name, body", AUTO_EVENT_TRIGGERS, ids=ids(AUTO_EVENT_TRIGGERS))
def test_auto_event_options_come_with_their_enabling_conditions(name, body):
    """A link-click or form trigger that waits for tags or checks validation must say on which
    pages to listen (GTM asks for it), and states both options explicitly: GTM's listeners treat a
    missing one as on."""
    assert {"waitForTags", "checkValidation"} <= set(body), name
    on = [body[f]["value"] == "true" for f in ("waitForTags", "checkValidation")]
    assert bool(body.get("autoEventFilter")) == any(on), name


@pytest.mark.parametrize("name, body", YOUTUBE_TRIGGERS, ids=ids(YOUTUBE_TRIGGERS))
def test_youtube_pause_seek_and_buffering_share_one_setting(name, body):
    """GTM's YouTube trigger has one capturePause setting for pause, seek and buffering."""
    keys = {p["key"] for p in body["parameter"]}
    assert not keys & {"captureSeek", "captureBuffering"}, name


def test_a_goal_tracking_only_pauses_narrows_the_youtube_trigger_by_video_status():
    paused = dict(TRIGGERS)["youtube_video: YouTube video - video_paused"]
    assert paused["filter"][0]["parameter"][1]["value"] == "^(pause)$"


@needs_shared
@pytest.mark.parametrize("name, body", TAGS, ids=ids(TAGS))
def test_ga4_event_tag_matches_real_exports(name, body):
    r = real()
    assert body["type"] == "gaawe"
    known = r.tag_parameters["gaawe"]
    keys = {p["key"] for p in body["parameter"]}
    assert not {"measurementId", "measurementIdOverride"} <= keys, f"{name}: never both measurement keys"
    for param in body["parameter"]:
        assert param["key"] in known, f"{name}: gaawe parameter {param['key']!r} is on no real GA4 event tag"
        assert export_enum(param["type"]) in known[param["key"]], f"{name}: {param['key']} is {param['type']}"
        if param["key"] == "eventSettingsTable":
            for row in param["list"]:
                assert row["type"] == "map"
                assert {p["key"] for p in row["map"]} == r.settings_table_keys == {"parameter", "parameterValue"}
                assert all(p["type"] == "template" for p in row["map"])


@needs_shared
@pytest.mark.parametrize("name, body", GOOGLE_TAGS[:1], ids=ids(GOOGLE_TAGS[:1]))
def test_the_google_tag_is_written_as_real_exports_write_it(name, body):
    known = real().tag_parameters["googtag"]
    for param in body["parameter"]:
        assert export_enum(param["type"]) in known.get(param["key"], set()), f"{name}: {param['key']}"
    # Google's advice, and what most real GA4 Google tags do: load first, on Initialization - All Pages
    assert body["firingTrigger"] == ["Initialization - All Pages"]


VARIABLES = entities("gtm.variable")
BUILTINS = entities("gtm.builtin_variable")


@needs_shared
@pytest.mark.parametrize("name, body", VARIABLES, ids=ids(VARIABLES))
def test_variables_match_real_exports(name, body):
    known = real().variable_parameters[body["type"]]
    unlike_gtm = [
        f"{name}: {body['type']} variable parameter {param['key']} ({param['type']}) is not as GTM writes it"
        for param in body["parameter"]
        if export_enum(param["type"]) not in known.get(param["key"], set())
    ]
    assert unlike_gtm == []


@needs_shared
@pytest.mark.parametrize("name, body", BUILTINS, ids=ids(BUILTINS))
def test_builtin_variables_have_gtm_names(name, body):
    names = real().builtin_names.get(export_enum(body["type"]))
    if not names:
        pytest.skip(f"no real export enables the {body['type']} built-in: nothing to compare its name with")
    assert names == {BUILTIN_VARIABLE_NAMES[body["type"]]}, f"{name}: GTM calls it {sorted(names)}"


@needs_shared
def test_the_real_exports_enable_some_of_the_goldens_builtins():
    assert any(real().builtin_names.get(export_enum(body["type"])) for _, body in BUILTINS)


@pytest.mark.parametrize("path", GOLDENS, ids=[p.stem for p in GOLDENS])
def test_each_kind_enables_the_builtins_it_reads_and_no_others(path):
    entries = golden(path)
    enabled = {e["name"] for e in entries if e["kind"] == "gtm.builtin_variable"}
    defined = {e["name"] for e in entries if e["kind"] == "gtm.variable"}
    read = {
        m for e in entries if e["kind"] in ("gtm.trigger", "gtm.tag") for m in REFERENCE.findall(json.dumps(e["body"]))
    }
    missing = read - enabled - defined - set(ALWAYS_DEFINED)
    assert not missing, f"{path.stem}: reads {sorted(missing)} without enabling it"
    assert not enabled - read, f"{path.stem}: enables {sorted(enabled - read)} that nothing reads"


# GA4 Admin API field rules
COMPARISONS = {
    "EQUALS",
    "EQUALS_CASE_INSENSITIVE",
    "CONTAINS",
    "CONTAINS_CASE_INSENSITIVE",
    "STARTS_WITH",
    "STARTS_WITH_CASE_INSENSITIVE",
    "ENDS_WITH",
    "ENDS_WITH_CASE_INSENSITIVE",
    "GREATER_THAN",
    "GREATER_THAN_OR_EQUAL",
    "LESS_THAN",
    "LESS_THAN_OR_EQUAL",
    "REGULAR_EXPRESSION",
    "REGULAR_EXPRESSION_CASE_INSENSITIVE",
}
GA4_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,39}")


KEY_EVENTS = entities("ga4.key_event")
DIMENSIONS = entities("ga4.custom_dimension")
RULES = entities("ga4.event_create_rule")
AUDIENCES = entities("ga4.audience")


def test_the_goldens_hold_every_kind_of_ga4_entity():
    assert KEY_EVENTS and DIMENSIONS and RULES and AUDIENCES


@pytest.mark.parametrize("name, body", KEY_EVENTS, ids=ids(KEY_EVENTS))
def test_key_events_have_the_admin_api_shape(name, body):
    assert body["countingMethod"] in ("ONCE_PER_EVENT", "ONCE_PER_SESSION"), name
    if "defaultValue" in body:
        assert set(body["defaultValue"]) == {"numericValue", "currencyCode"}, name


@pytest.mark.parametrize("name, body", DIMENSIONS, ids=ids(DIMENSIONS))
def test_custom_dimensions_have_the_admin_api_shape(name, body):
    assert body["scope"] in ("EVENT", "USER", "ITEM") and len(body["displayName"]) <= 82, name
    assert GA4_NAME.fullmatch(body["parameterName"]), name


@pytest.mark.parametrize("name, body", RULES, ids=ids(RULES))
def test_event_create_rules_have_the_admin_api_shape(name, body):
    assert GA4_NAME.fullmatch(body["destinationEvent"]), name
    assert 1 <= len(body["eventConditions"]) <= 10 and len(body.get("parameterMutations", [])) <= 20, name
    for condition in body["eventConditions"]:
        assert condition["comparisonType"] in COMPARISONS and isinstance(condition["value"], str), name
    for mutation in body.get("parameterMutations", []):
        assert len(mutation["parameter"]) < 40 and len(mutation["parameterValue"]) < 100, name


@pytest.mark.parametrize("name, body", AUDIENCES, ids=ids(AUDIENCES))
def test_audiences_have_the_admin_api_shape(name, body):
    assert 1 <= body["membershipDurationDays"] <= 540 and body["filterClauses"], name


@pytest.mark.parametrize("name, body", KEY_EVENTS, ids=ids(KEY_EVENTS))
def test_a_key_event_marks_an_event_some_tag_or_rule_sends(name, body):
    events_sent = {p.get("value") for _, b in TAGS for p in b["parameter"] if p["key"] == "eventName"}
    rules = {b["destinationEvent"] for _, b in RULES}
    event = body["eventName"]
    patterns = {
        "^" + ".+".join(re.escape(part) for part in REFERENCE.split(sent)[::2]) + "$" for sent in events_sent if sent
    }
    assert event in rules or any(re.match(p, event) for p in patterns), f"{name}: no tag sends {event}"
