"""The plan refuses goals whose events GA4's enhanced measurement already sends (GA4 would count
them twice), pointing at the goal's line: a GA4 snapshot file and a live property (the fake)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_helpers import run

VIDEO_ON = {"streamEnabled": True, "videoEngagementEnabled": True, "scrollsEnabled": True}


@pytest.fixture
def project(three_goal_project: Path, monkeypatch) -> Path:
    monkeypatch.chdir(three_goal_project)
    return three_goal_project


def set_settings(project: Path, settings: dict | None) -> None:
    path = project / "example-ga4.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    if settings is None:
        document.pop("enhancedMeasurementSettings", None)
    else:
        document["enhancedMeasurementSettings"] = {"properties/123456789/dataStreams/987654321": settings}
    path.write_text(json.dumps(document), encoding="utf-8")


def test_text_plan_refuses_with_the_goals_file_and_line(project):
    set_settings(project, VIDEO_ON)
    result = run("plan", "shop.yaml")
    assert result.exit_code == 1
    [line] = [text for text in result.output.splitlines() if "enhanced measurement" in text]
    assert line.startswith("Error: shop.yaml:17: goal 'product_video' sends the GA4 event 'video_{{Video Status}}'")
    assert "Video engagement is on" in line and "Data streams > Enhanced measurement" in line
    assert "count it twice" in line and "event_name" in line


def test_markdown_plan_refuses_too(project):
    set_settings(project, VIDEO_ON)
    result = run("plan", "shop.yaml", "--format", "markdown")
    assert result.exit_code == 1 and "Video engagement is on" in result.output


def test_validate_cannot_know_the_stream_and_passes(project):
    set_settings(project, VIDEO_ON)
    assert run("validate", "shop.yaml").exit_code == 0


def test_no_warning_with_the_switch_off_or_settings_unknown(project):
    set_settings(project, {**VIDEO_ON, "videoEngagementEnabled": False})
    assert "enhanced measurement" not in run("plan", "shop.yaml").output
    set_settings(project, None)
    assert "enhanced measurement" not in run("plan", "shop.yaml").output


def test_apply_refuses_and_writes_nothing(project):
    set_settings(project, VIDEO_ON)
    before = (project / "example-container.json").read_bytes()
    result = run("apply", "shop.yaml", "--auto-approve")
    assert result.exit_code == 1 and "Video engagement is on" in result.output
    assert (project / "example-container.json").read_bytes() == before


def test_gtm_only_plan_says_nothing(project):
    set_settings(project, VIDEO_ON)
    assert "enhanced measurement" not in run("plan", "shop.yaml", "--target", "gtm").output


@pytest.mark.parametrize("name", ["shop.yaml", "b2b.yaml", "content.yaml"])
def test_the_examples_plan_without_warnings(project_dir, monkeypatch, name):
    monkeypatch.chdir(project_dir)
    result = run("plan", name)
    assert result.exit_code == 0 and "Warning" not in result.output, result.output


def test_live_property_plan_refuses(fake_google, tmp_path, monkeypatch):
    from tests.backends.conftest import ACCOUNT, CLICK, EXAMPLES, PROPERTY, VIDEO, write_goals

    seeded = fake_google.seed_container_export(
        EXAMPLES / "example-container.json", account_id=ACCOUNT, public_id="GTM-ABC123"
    )
    fake_google.seed_ga4_snapshot(EXAMPLES / "example-ga4.json")
    fake_google.ga4.seed_enhanced_measurement(PROPERTY, "987654321", VIDEO_ON)
    monkeypatch.setenv("GOALKEEPER_API_ENDPOINT", fake_google.url)
    monkeypatch.chdir(tmp_path)
    goals = write_goals(tmp_path / "goals.yaml", [CLICK, VIDEO], seeded.container_id)
    result = run("plan", goals, "--format", "markdown")
    assert result.exit_code == 1
    assert "goal 'product_video' sends the GA4 event" in result.output and "Video engagement is on" in result.output
    assert len([r for r in fake_google.requests if "enhancedMeasurementSettings" in r.path]) == 1
