"""The plan refuses goals whose events GA4's enhanced measurement already sends (GA4 would count
them twice), pointing at the goal's line: a GA4 snapshot file and a live property (the fake)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import run
from tests.conftest import edited_json

VIDEO_ON = {"streamEnabled": True, "videoEngagementEnabled": True, "scrollsEnabled": True}


@pytest.fixture
def project(in_three_goal_project: Path) -> Path:
    return in_three_goal_project


def set_settings(project: Path, settings: dict | None) -> None:
    with edited_json(project / "example-ga4.json") as document:
        if settings is None:
            document.pop("enhancedMeasurementSettings", None)
        else:
            document["enhancedMeasurementSettings"] = {"properties/123456789/dataStreams/987654321": settings}


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


def test_a_gtm_only_plan_gives_no_enhanced_measurement_warning(project):
    set_settings(project, VIDEO_ON)
    assert "enhanced measurement" not in run("plan", "shop.yaml", "--target", "gtm").output


@pytest.mark.parametrize("name", ["shop.yaml", "b2b.yaml", "content.yaml"])
def test_the_examples_plan_without_warnings(in_project_dir, name):
    result = run("plan", name)
    assert result.exit_code == 0 and "Warning" not in result.output, result.output


def test_live_property_plan_refuses(cli_on_fake, fake_google, in_tmp_path):
    from tests.backends.conftest import CLICK, PROPERTY, VIDEO, write_goals

    fake_google.ga4.seed_enhanced_measurement(PROPERTY, "987654321", VIDEO_ON)
    goals = write_goals(in_tmp_path / "goals.yaml", [CLICK, VIDEO], cli_on_fake.container_id)
    result = run("plan", goals, "--format", "markdown")
    assert result.exit_code == 1
    assert "goal 'product_video' sends the GA4 event" in result.output and "Video engagement is on" in result.output
    assert len([r for r in fake_google.requests if "enhancedMeasurementSettings" in r.path]) == 1
