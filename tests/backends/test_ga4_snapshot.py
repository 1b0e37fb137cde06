"""The GA4 snapshot file as a target: read, apply, read again."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from goalkeeper.backends.ga4_snapshot import GA4SnapshotBackend
from goalkeeper.core.changes import CREATE, DELETE, REPLACE, UPDATE
from goalkeeper.core.errors import GoalkeeperError
from goalkeeper.project import open_project
from tests.backends.conftest import apply_goal_file
from tests.conftest import edited_json
from tests.core.helpers import change

UNMANAGED = {("keyEvents", "purchase"), ("customDimensions", "user_type")}


@pytest.fixture
def project(three_goal_project: Path) -> Path:
    """The example project with the foundation's three goals, whose GA4 side these tests pin."""
    return three_goal_project


def snapshot(project: Path) -> dict:
    return json.loads((project / "example-ga4.json").read_text(encoding="utf-8"))


def objects_named(document: dict, key: str, field: str, value: str) -> list[dict]:
    return [o for o in document.get(key, []) if o.get(field) == value]


def test_the_example_snapshot_holds_only_unmanaged_entities(project: Path):
    state = GA4SnapshotBackend(project / "example-ga4.json").read()
    assert [(e.kind, e.name, e.managed) for e in state] == [
        ("ga4.custom_dimension", "user_type", False),
        ("ga4.key_event", "purchase", False),
    ]
    purchase = state.get("ga4.key_event", "purchase")
    assert purchase.body == {"eventName": "purchase", "countingMethod": "ONCE_PER_EVENT"}  # output-only fields left out
    assert purchase.handle == "properties/123456789/keyEvents/111"


def test_applying_adds_the_goals_ga4_side_and_leaves_the_rest_alone(project: Path):
    before = snapshot(project)
    plan = apply_goal_file(project / "shop.yaml")
    assert {(c.action, c.kind, c.name) for c in plan.for_target("ga4").changes} == {
        (CREATE, "ga4.key_event", "checkout_click"),
        (CREATE, "ga4.key_event", "checkout_page_view"),
        (CREATE, "ga4.custom_dimension", "video_title"),
    }
    after = snapshot(project)
    (page_view,) = objects_named(after, "keyEvents", "eventName", "checkout_page_view")
    assert page_view["countingMethod"] == "ONCE_PER_SESSION"
    assert page_view["defaultValue"] == {"numericValue": 5, "currencyCode": "USD"}
    (dimension,) = objects_named(after, "customDimensions", "parameterName", "video_title")
    assert dimension["scope"] == "EVENT" and dimension["description"].startswith("Managed by goalkeeper")
    names = [o["name"] for key in ("keyEvents", "customDimensions") for o in after[key]]
    assert len(set(names)) == len(names)
    assert all(n.startswith("properties/123456789/") for n in names)
    # what goalkeeper does not own, and everything besides the lists, is exactly as it was
    fields = {"keyEvents": "eventName", "customDimensions": "parameterName"}
    assert {(key, value): objects_named(after, key, fields[key], value) for key, value in UNMANAGED} == {
        (key, value): objects_named(before, key, fields[key], value) for key, value in UNMANAGED
    }
    assert after["dataStreams"] == before["dataStreams"] and after["property"] == before["property"]

    state = GA4SnapshotBackend(project / "example-ga4.json").read()
    assert state.get("ga4.custom_dimension", "video_title").managed
    assert state.get("ga4.custom_dimension", "video_title").goals == ("product_video",)
    assert not state.get("ga4.key_event", "purchase").managed
    assert open_project(project / "shop.yaml").plan().summary() == "No changes."


def test_a_changed_key_event_is_updated_in_place(project: Path):
    apply_goal_file(project / "shop.yaml")
    (old,) = objects_named(snapshot(project), "keyEvents", "eventName", "checkout_click")
    goals = project / "shop.yaml"
    goals.write_text(
        goals.read_text().replace("    key_event: true\n", "    key_event: {counting: once_per_session}\n")
    )
    plan = apply_goal_file(goals)
    assert [(c.action, c.name) for c in plan.changes] == [(UPDATE, "checkout_click")]
    (new,) = objects_named(snapshot(project), "keyEvents", "eventName", "checkout_click")
    assert new["name"] == old["name"] and new["countingMethod"] == "ONCE_PER_SESSION"


def test_a_replace_archives_the_old_dimension_and_creates_a_new_one(project: Path):
    apply_goal_file(project / "shop.yaml")
    path = project / "example-ga4.json"
    backend = GA4SnapshotBackend(path)
    have = backend.read().get("ga4.custom_dimension", "video_title")
    want = replace(have, body={**have.body, "scope": "USER"}, handle=None)
    backend.apply([change(REPLACE, have, want)])
    document = snapshot(project)
    assert objects_named(document, "customDimensions", "name", have.handle) == []  # archived: gone from the list
    (created,) = objects_named(document, "customDimensions", "parameterName", "video_title")
    assert created["scope"] == "USER" and created["name"] != have.handle
    assert objects_named(document, "customDimensions", "parameterName", "user_type") == objects_named(
        json.loads((Path(__file__).resolve().parents[2] / "goals" / "example-ga4.json").read_text()),
        "customDimensions",
        "parameterName",
        "user_type",
    )


MEMBER_KIND = """\
{#-
description: A signup, with the member tier registered as a custom dimension.
inputs:
  scope: {enum: [EVENT, USER]}
-#}
events: [<< event | tojson >>]
ga4:
  custom_dimensions:
    - {parameterName: member_tier, displayName: Member tier, scope: << goal.scope | tojson >>}
  event_create_rules:
    - destinationEvent: << event | tojson >>
      eventConditions:
        - {field: event_name, comparisonType: EQUALS, value: sign_up_complete}
"""


def _member_project(project: Path, scope: str) -> Path:
    (project / "templates").mkdir(exist_ok=True)
    (project / "templates" / "member_signup.yaml.j2").write_text(MEMBER_KIND)
    goals = project / "member.yaml"
    goals.write_text(
        "target:\n  ga4: {snapshot_file: example-ga4.json}\n"
        f"goals:\n  - name: member_signup\n    kind: member_signup\n    scope: {scope}\n"
    )
    return goals


def test_a_user_scoped_dimension_settles_after_one_apply(project: Path):
    goals = _member_project(project, "USER")
    apply_goal_file(goals)
    (dimension,) = objects_named(snapshot(project), "customDimensions", "parameterName", "member_tier")
    assert dimension["scope"] == "USER"
    assert open_project(goals).plan().summary() == "No changes."


def test_changing_a_dimensions_scope_archives_it_and_creates_it_again(project: Path):
    goals = _member_project(project, "USER")
    apply_goal_file(goals)
    (old,) = objects_named(snapshot(project), "customDimensions", "parameterName", "member_tier")
    goals.write_text(goals.read_text().replace("scope: USER", "scope: EVENT"))
    plan = apply_goal_file(goals)
    assert sorted((c.action, c.kind) for c in plan.changes) == [
        (CREATE, "ga4.custom_dimension"),
        (DELETE, "ga4.custom_dimension"),
    ]
    assert plan.summary() == "Plan: 1 to add, 0 to change, 1 to destroy."
    (new,) = objects_named(snapshot(project), "customDimensions", "parameterName", "member_tier")
    assert new["scope"] == "EVENT" and new["name"] != old["name"]
    assert open_project(goals).plan().summary() == "No changes."


def test_an_event_create_rule_lands_in_the_web_stream(project: Path):
    goals = _member_project(project, "EVENT")
    apply_goal_file(goals)
    (rule,) = snapshot(project)["eventCreateRules"]
    assert rule["name"].startswith("properties/123456789/dataStreams/987654321/eventCreateRules/")
    assert rule["destinationEvent"] == "member_signup"
    assert {"parameter": "goalkeeper_goal", "parameterValue": "member_signup"} in rule["parameterMutations"]
    assert open_project(goals).plan().summary() == "No changes."


def test_unmanaged_key_events_and_dimensions_survive_removing_every_goal(project: Path):
    before = snapshot(project)
    goals = project / "shop.yaml"
    apply_goal_file(goals)
    text = goals.read_text()
    goals.write_text(text[: text.index("goals:")] + "goals: []\n")
    plan = apply_goal_file(goals)
    assert {c.action for c in plan.changes} == {DELETE}
    assert {c.name for c in plan.for_target("ga4").changes} == {"checkout_click", "checkout_page_view", "video_title"}
    after = snapshot(project)
    assert after["keyEvents"] == before["keyEvents"]
    assert after["customDimensions"] == before["customDimensions"]


def test_an_unmanaged_key_event_for_an_event_goalkeeper_does_not_send_is_never_claimed(project: Path):
    with edited_json(project / "example-ga4.json") as document:
        document["keyEvents"].append(
            {
                "name": "properties/123456789/keyEvents/112",
                "eventName": "newsletter_signup",
                "countingMethod": "ONCE_PER_EVENT",
            }
        )
    goals = project / "shop.yaml"
    apply_goal_file(goals)
    text = goals.read_text()
    goals.write_text(text[: text.index("goals:")] + "goals: []\n")
    apply_goal_file(goals)
    assert [k["eventName"] for k in snapshot(project)["keyEvents"]] == ["purchase", "newsletter_signup"]


def test_a_file_that_is_not_a_snapshot_is_refused(tmp_path: Path):
    bad = tmp_path / "ga4.json"
    bad.write_text('{"keyEvents": []}')
    with pytest.raises(GoalkeeperError) as error:
        GA4SnapshotBackend(bad).read()
    assert error.value.problems[0].file == str(bad) and "property" in error.value.problems[0].message


def test_a_ga4_only_project_marks_key_events_of_events_gtm_sends(project: Path):
    # GTM is managed elsewhere: the link_click goal's tag is not goalkeeper's to write, but its
    # key event still belongs in GA4.
    goals = project / "ga4-only.yaml"
    goals.write_text(
        "target:\n  ga4: {snapshot_file: example-ga4.json}\n  measurement_id: G-ABC123XYZ\n"
        "goals:\n  - name: checkout_click\n    kind: link_click\n    url_contains: /checkout\n    key_event: true\n"
    )
    plan = apply_goal_file(goals)
    assert {(c.action, c.kind, c.name) for c in plan.changes} == {(CREATE, "ga4.key_event", "checkout_click")}
    assert open_project(goals).plan().summary() == "No changes."


def test_enhanced_measurement_settings_of_the_measurement_ids_stream(project):
    backend = GA4SnapshotBackend(project / "example-ga4.json", "G-ABC123XYZ")
    settings = backend.enhanced_measurement()
    assert settings["name"] == "properties/123456789/dataStreams/987654321/enhancedMeasurementSettings"
    assert settings["streamEnabled"] and settings["siteSearchEnabled"] and not settings["scrollsEnabled"]
    assert all(isinstance(v, bool) for k, v in settings.items() if k != "name")


def test_enhanced_measurement_unknown_without_settings_or_stream(project):
    assert GA4SnapshotBackend(project / "example-ga4.json", "G-OTHER").enhanced_measurement() is None
    with edited_json(project / "example-ga4.json") as document:
        del document["enhancedMeasurementSettings"]
    assert GA4SnapshotBackend(project / "example-ga4.json", "G-ABC123XYZ").enhanced_measurement() is None


def test_enhanced_measurement_keyed_by_stream_id_and_missing_switches_are_off(project):
    with edited_json(project / "example-ga4.json") as document:
        document["enhancedMeasurementSettings"] = {"987654321": {"streamEnabled": True, "scrollsEnabled": True}}
    settings = GA4SnapshotBackend(project / "example-ga4.json", "G-ABC123XYZ").enhanced_measurement()
    assert settings["scrollsEnabled"] and not settings["videoEngagementEnabled"]


def test_malformed_enhanced_measurement_settings_is_a_problem(project):
    with edited_json(project / "example-ga4.json") as document:
        document["enhancedMeasurementSettings"] = [{"streamEnabled": True}]
    with pytest.raises(GoalkeeperError, match="enhancedMeasurementSettings"):
        GA4SnapshotBackend(project / "example-ga4.json", "G-ABC123XYZ").read()
