"""The GA4 snapshot file as a target: read, apply, read again."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from goalkeeper.backends.ga4_snapshot import GA4SnapshotBackend
from goalkeeper.core.diff import CREATE, DELETE, REPLACE, UPDATE, Change
from goalkeeper.core.errors import GoalkeeperError
from goalkeeper.project import open_project
from tests.conftest import THREE_GOALS

UNMANAGED = {("keyEvents", "purchase"), ("customDimensions", "user_type")}


@pytest.fixture
def project_dir(project_dir: Path) -> Path:
    """The example project with the foundation's three goals, whose GA4 side these tests pin."""
    (project_dir / "shop.yaml").write_text(THREE_GOALS)
    return project_dir


def snapshot(project_dir: Path) -> dict:
    return json.loads((project_dir / "example-ga4.json").read_text(encoding="utf-8"))


def objects_named(document: dict, key: str, field: str, value: str) -> list[dict]:
    return [o for o in document.get(key, []) if o.get(field) == value]


def apply(goals: Path):
    project = open_project(goals)
    plan = project.plan().plan
    project.apply(plan)
    return plan


def test_reading_the_example_snapshot(project_dir: Path):
    state = GA4SnapshotBackend(project_dir / "example-ga4.json").read()
    assert [(e.kind, e.name, e.managed) for e in state] == [
        ("ga4.custom_dimension", "user_type", False),
        ("ga4.key_event", "purchase", False),
    ]
    purchase = state.get("ga4.key_event", "purchase")
    assert purchase.body == {"eventName": "purchase", "countingMethod": "ONCE_PER_EVENT"}  # output-only fields left out
    assert purchase.handle == "properties/123456789/keyEvents/111"


def test_apply_then_read_again(project_dir: Path):
    before = snapshot(project_dir)
    plan = apply(project_dir / "shop.yaml")
    assert {(c.action, c.kind, c.name) for c in plan.for_target("ga4").changes} == {
        (CREATE, "ga4.key_event", "checkout_click"),
        (CREATE, "ga4.key_event", "checkout_page_view"),
        (CREATE, "ga4.custom_dimension", "video_title"),
    }
    after = snapshot(project_dir)
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

    state = GA4SnapshotBackend(project_dir / "example-ga4.json").read()
    assert state.get("ga4.custom_dimension", "video_title").managed
    assert state.get("ga4.custom_dimension", "video_title").goals == ("product_video",)
    assert not state.get("ga4.key_event", "purchase").managed
    assert open_project(project_dir / "shop.yaml").plan().plan.summary() == "No changes."


def test_a_changed_key_event_is_updated_in_place(project_dir: Path):
    apply(project_dir / "shop.yaml")
    (old,) = objects_named(snapshot(project_dir), "keyEvents", "eventName", "checkout_click")
    goals = project_dir / "shop.yaml"
    goals.write_text(
        goals.read_text().replace("    key_event: true\n", "    key_event: {counting: once_per_session}\n")
    )
    plan = apply(goals)
    assert [(c.action, c.name) for c in plan.changes] == [(UPDATE, "checkout_click")]
    (new,) = objects_named(snapshot(project_dir), "keyEvents", "eventName", "checkout_click")
    assert new["name"] == old["name"] and new["countingMethod"] == "ONCE_PER_SESSION"


def test_a_replace_archives_the_old_dimension_and_creates_a_new_one(project_dir: Path):
    apply(project_dir / "shop.yaml")
    path = project_dir / "example-ga4.json"
    backend = GA4SnapshotBackend(path)
    have = backend.read().get("ga4.custom_dimension", "video_title")
    want = replace(have, body={**have.body, "scope": "USER"}, handle=None)
    backend.apply([Change(REPLACE, have, want)])
    document = snapshot(project_dir)
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


def _member_project(project_dir: Path, scope: str) -> Path:
    (project_dir / "templates").mkdir(exist_ok=True)
    (project_dir / "templates" / "member_signup.yaml.j2").write_text(MEMBER_KIND)
    goals = project_dir / "member.yaml"
    goals.write_text(
        "target:\n  ga4: {snapshot_file: example-ga4.json}\n"
        f"goals:\n  - name: member_signup\n    kind: member_signup\n    scope: {scope}\n"
    )
    return goals


def test_a_user_scoped_dimension_settles_after_one_apply(project_dir: Path):
    goals = _member_project(project_dir, "USER")
    apply(goals)
    (dimension,) = objects_named(snapshot(project_dir), "customDimensions", "parameterName", "member_tier")
    assert dimension["scope"] == "USER"
    assert open_project(goals).plan().plan.summary() == "No changes."


def test_changing_a_dimensions_scope_archives_it_and_creates_it_again(project_dir: Path):
    goals = _member_project(project_dir, "USER")
    apply(goals)
    (old,) = objects_named(snapshot(project_dir), "customDimensions", "parameterName", "member_tier")
    goals.write_text(goals.read_text().replace("scope: USER", "scope: EVENT"))
    plan = apply(goals)
    assert sorted((c.action, c.kind) for c in plan.changes) == [
        (CREATE, "ga4.custom_dimension"),
        (DELETE, "ga4.custom_dimension"),
    ]
    assert plan.summary() == "Plan: 1 to add, 0 to change, 1 to destroy."
    (new,) = objects_named(snapshot(project_dir), "customDimensions", "parameterName", "member_tier")
    assert new["scope"] == "EVENT" and new["name"] != old["name"]
    assert open_project(goals).plan().plan.summary() == "No changes."


def test_an_event_create_rule_lands_in_the_web_stream(project_dir: Path):
    goals = _member_project(project_dir, "EVENT")
    apply(goals)
    (rule,) = snapshot(project_dir)["eventCreateRules"]
    assert rule["name"].startswith("properties/123456789/dataStreams/987654321/eventCreateRules/")
    assert rule["destinationEvent"] == "member_signup"
    assert {"parameter": "goalkeeper_goal", "parameterValue": "member_signup"} in rule["parameterMutations"]
    assert open_project(goals).plan().plan.summary() == "No changes."


def test_unmanaged_key_events_and_dimensions_survive_removing_every_goal(project_dir: Path):
    before = snapshot(project_dir)
    goals = project_dir / "shop.yaml"
    apply(goals)
    text = goals.read_text()
    goals.write_text(text[: text.index("goals:")] + "goals: []\n")
    plan = apply(goals)
    assert {c.action for c in plan.changes} == {DELETE}
    assert {c.name for c in plan.for_target("ga4").changes} == {"checkout_click", "checkout_page_view", "video_title"}
    after = snapshot(project_dir)
    assert after["keyEvents"] == before["keyEvents"]
    assert after["customDimensions"] == before["customDimensions"]


def test_an_unmanaged_key_event_for_an_event_goalkeeper_does_not_send_is_never_claimed(project_dir: Path):
    document = snapshot(project_dir)
    document["keyEvents"].append(
        {
            "name": "properties/123456789/keyEvents/112",
            "eventName": "newsletter_signup",
            "countingMethod": "ONCE_PER_EVENT",
        }
    )
    (project_dir / "example-ga4.json").write_text(json.dumps(document))
    goals = project_dir / "shop.yaml"
    apply(goals)
    text = goals.read_text()
    goals.write_text(text[: text.index("goals:")] + "goals: []\n")
    apply(goals)
    assert [k["eventName"] for k in snapshot(project_dir)["keyEvents"]] == ["purchase", "newsletter_signup"]


def test_a_file_that_is_not_a_snapshot_is_refused(tmp_path: Path):
    bad = tmp_path / "ga4.json"
    bad.write_text('{"keyEvents": []}')
    with pytest.raises(GoalkeeperError) as error:
        GA4SnapshotBackend(bad).read()
    assert error.value.problems[0].file == str(bad) and "property" in error.value.problems[0].message


def test_a_ga4_only_project_marks_key_events_of_events_gtm_sends(project_dir: Path):
    # GTM is managed elsewhere: the link_click goal's tag is not goalkeeper's to write, but its
    # key event still belongs in GA4.
    goals = project_dir / "ga4-only.yaml"
    goals.write_text(
        "target:\n  ga4: {snapshot_file: example-ga4.json}\n  measurement_id: G-ABC123XYZ\n"
        "goals:\n  - name: checkout_click\n    kind: link_click\n    url_contains: /checkout\n    key_event: true\n"
    )
    plan = apply(goals)
    assert {(c.action, c.kind, c.name) for c in plan.changes} == {(CREATE, "ga4.key_event", "checkout_click")}
    assert open_project(goals).plan().plan.summary() == "No changes."


def test_enhanced_measurement_settings_of_the_measurement_ids_stream(project_dir):
    backend = GA4SnapshotBackend(project_dir / "example-ga4.json", "G-ABC123XYZ")
    settings = backend.enhanced_measurement()
    assert settings["name"] == "properties/123456789/dataStreams/987654321/enhancedMeasurementSettings"
    assert settings["streamEnabled"] and settings["siteSearchEnabled"] and not settings["scrollsEnabled"]
    assert all(isinstance(v, bool) for k, v in settings.items() if k != "name")


def test_enhanced_measurement_unknown_without_settings_or_stream(project_dir):
    document = snapshot(project_dir)
    assert GA4SnapshotBackend(project_dir / "example-ga4.json", "G-OTHER").enhanced_measurement() is None
    del document["enhancedMeasurementSettings"]
    (project_dir / "example-ga4.json").write_text(json.dumps(document))
    assert GA4SnapshotBackend(project_dir / "example-ga4.json", "G-ABC123XYZ").enhanced_measurement() is None


def test_enhanced_measurement_keyed_by_stream_id_and_missing_switches_are_off(project_dir):
    document = snapshot(project_dir)
    document["enhancedMeasurementSettings"] = {"987654321": {"streamEnabled": True, "scrollsEnabled": True}}
    (project_dir / "example-ga4.json").write_text(json.dumps(document))
    settings = GA4SnapshotBackend(project_dir / "example-ga4.json", "G-ABC123XYZ").enhanced_measurement()
    assert settings["scrollsEnabled"] and not settings["videoEngagementEnabled"]


def test_malformed_enhanced_measurement_settings_is_a_problem(project_dir):
    document = snapshot(project_dir)
    document["enhancedMeasurementSettings"] = [{"streamEnabled": True}]
    (project_dir / "example-ga4.json").write_text(json.dumps(document))
    with pytest.raises(GoalkeeperError, match="enhancedMeasurementSettings"):
        GA4SnapshotBackend(project_dir / "example-ga4.json", "G-ABC123XYZ").read()
