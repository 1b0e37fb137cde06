"""Files for teams without credentials: `goalkeeper snapshot` writes a live GA4 property to a
snapshot file that plans exactly as the property does, and `goalkeeper export` writes the goals'
GTM entities as a standalone container export GTM's Import Container accepts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from goalkeeper.backends.ga4_snapshot import GA4SnapshotBackend
from goalkeeper.core.ownership import has_marker
from tests import cli_helpers
from tests.backends.conftest import CHECKOUT, CLICK, VIDEO, write_goals
from tests.backends.test_container_file import import_problems
from tests.conftest import EXAMPLES, THREE_GOALS

SNAPSHOT_LISTS = (
    "dataStreams",
    "keyEvents",
    "customDimensions",
    "customMetrics",
    "eventCreateRules",
    "audiences",
    "enhancedMeasurementSettings",
)


@pytest.fixture
def live_goals(cli_on_fake, in_tmp_path: Path) -> Path:
    return write_goals(in_tmp_path / "goals.yaml", [CLICK, CHECKOUT, VIDEO], cli_on_fake.container_id)


def plan_json(goals: Path) -> dict:
    result = cli_helpers.run("plan", goals, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def offline_twin(goals: Path, snapshot: Path) -> Path:
    """The same goal file, with the GA4 target the snapshot file instead of the property."""
    document = json.loads(goals.read_text())
    document["target"]["ga4"] = {"snapshot_file": snapshot.name}
    document["owner"] = goals.name  # the same goal file's, read offline: the same owner
    twin = goals.with_name("offline.yaml")
    twin.write_text(json.dumps(document), encoding="utf-8")
    return twin


def test_snapshot_writes_every_list_of_the_property(live_goals: Path):
    result = cli_helpers.run("snapshot", live_goals, "--out", "ga4.json")
    assert result.exit_code == 0, result.output
    document = json.loads(Path("ga4.json").read_text())
    assert document["property"] == "properties/123456789"
    assert set(SNAPSHOT_LISTS) <= set(document)
    seeded = json.loads((EXAMPLES / "example-ga4.json").read_text())
    assert {k["eventName"] for k in document["keyEvents"]} == {k["eventName"] for k in seeded["keyEvents"]}
    assert all(isinstance(k["custom"], bool) for k in document["keyEvents"])
    assert "Wrote ga4.json" in result.output


def test_a_plan_against_the_snapshot_equals_the_plan_against_the_property(live_goals: Path):
    assert cli_helpers.run("snapshot", live_goals, "--out", "ga4.json").exit_code == 0
    live, offline = plan_json(live_goals), plan_json(offline_twin(live_goals, Path("ga4.json")))
    assert offline["changes"] == live["changes"]
    assert offline["warnings"] == live["warnings"]
    assert live["changes"], "the goals must change something for the comparison to mean anything"


def test_a_plan_after_apply_is_empty_against_the_new_snapshot_too(live_goals: Path):
    assert cli_helpers.run("apply", live_goals, "--auto-approve").exit_code == 0
    assert cli_helpers.run("snapshot", live_goals, "--out", "ga4.json").exit_code == 0
    assert plan_json(offline_twin(live_goals, Path("ga4.json")))["changes"] == []


def test_the_snapshot_keeps_enhanced_measurement_of_the_web_stream(live_goals: Path):
    assert cli_helpers.run("snapshot", live_goals, "--out", "ga4.json").exit_code == 0
    backend = GA4SnapshotBackend(Path("ga4.json"), "G-ABC123XYZ")
    assert backend.enhanced_measurement() is not None


def test_snapshot_of_a_snapshot_target_says_what_to_set(in_three_goal_project: Path):
    result = cli_helpers.run("snapshot", "shop.yaml", "--out", "copy.json")
    assert result.exit_code == 1
    assert "shop.yaml" in result.output and "target.ga4" in result.output
    assert not Path("copy.json").exists()


# --- export -----------------------------------------------------------------------------------


@pytest.fixture
def exported(in_three_goal_project: Path) -> dict:
    result = cli_helpers.run("export", "shop.yaml", "--out", "standalone.json")
    assert result.exit_code == 0, result.output
    assert "Import Container" in result.output
    return json.loads(Path("standalone.json").read_text())


def test_export_is_a_version_2_export_gtm_imports(exported: dict):
    assert exported["exportFormatVersion"] == 2
    assert import_problems(exported["containerVersion"]) == []


@pytest.mark.parametrize("key", ["tag", "trigger", "variable"])
def test_export_holds_only_goalkeeper_entities_each_marked(exported: dict, key: str):
    objects = exported["containerVersion"][key]
    assert objects
    kind = {"tag": "gtm.tag", "trigger": "gtm.trigger", "variable": "gtm.variable"}[key]
    assert all(has_marker(kind, o) for o in objects)


def test_a_plan_against_the_export_has_no_gtm_changes(exported: dict, in_three_goal_project: Path):
    text = THREE_GOALS.replace("example-container.json", "standalone.json")
    Path("again.yaml").write_text("owner: shop.yaml\n" + text, encoding="utf-8")  # shop.yaml's export
    result = cli_helpers.run("plan", "again.yaml", "--target", "gtm", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["changes"] == []


def test_export_of_a_broken_goal_file_writes_nothing(in_three_goal_project: Path):
    Path("bad.yaml").write_text("goals:\n  - name: x\n    kind: no_such_kind\n", encoding="utf-8")
    result = cli_helpers.run("export", "bad.yaml", "--out", "standalone.json")
    assert result.exit_code == 1
    assert "bad.yaml" in result.output
    assert not Path("standalone.json").exists()
