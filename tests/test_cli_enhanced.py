"""The plan warns about goals whose events GA4's enhanced measurement already sends, without
changing the exit status: a GA4 snapshot file and a live property (the fake)."""

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


def test_text_plan_warns_and_exits_as_before(project):
    set_settings(project, VIDEO_ON)
    result = run("plan", "shop.yaml")
    assert result.exit_code == 0, result.output
    [line] = [text for text in result.output.splitlines() if "enhanced measurement" in text]
    assert line.startswith("Warning: goal 'product_video' sends the GA4 event 'video_{{Video Status}}'")
    assert "Video engagement is on" in line and "Data streams > Enhanced measurement" in line
    assert "event_name" in line
    assert run("plan", "shop.yaml", "--detailed-exitcode").exit_code == 2


def test_markdown_plan_warns_in_the_comment(project):
    set_settings(project, VIDEO_ON)
    result = run("plan", "shop.yaml", "--format", "markdown")
    assert result.exit_code == 0, result.output
    assert ":warning: **Warning:** goal 'product_video'" in result.output
    assert "Video engagement is on" in result.output


def test_no_warning_with_the_switch_off_or_settings_unknown(project):
    set_settings(project, {**VIDEO_ON, "videoEngagementEnabled": False})
    assert "enhanced measurement" not in run("plan", "shop.yaml").output
    set_settings(project, None)
    assert "enhanced measurement" not in run("plan", "shop.yaml").output


def test_apply_after_the_warning_gives_no_changes_and_still_warns(project):
    set_settings(project, VIDEO_ON)
    assert run("apply", "shop.yaml", "--auto-approve").exit_code == 0
    result = run("plan", "shop.yaml", "--detailed-exitcode")
    assert result.exit_code == 0 and "enhanced measurement" in result.output


def test_a_gtm_only_plan_gives_no_enhanced_measurement_warning(project):
    set_settings(project, VIDEO_ON)
    assert "enhanced measurement" not in run("plan", "shop.yaml", "--target", "gtm").output


@pytest.mark.parametrize("name", ["shop.yaml", "b2b.yaml", "content.yaml"])
def test_the_examples_plan_without_enhanced_measurement_warnings(in_project_dir, name):
    result = run("plan", name)
    assert result.exit_code == 0 and "Warning" not in result.output, result.output


def test_a_plan_against_a_live_property_warns_too(cli_on_fake, fake_google, in_tmp_path):
    from tests.backends.conftest import CLICK, PROPERTY, VIDEO, write_goals

    fake_google.ga4.seed_enhanced_measurement(PROPERTY, "987654321", VIDEO_ON)
    goals = write_goals(in_tmp_path / "goals.yaml", [CLICK, VIDEO], cli_on_fake.container_id)
    result = run("plan", goals, "--format", "markdown")
    assert result.exit_code == 0, result.output
    assert ":warning: **Warning:** goal 'product_video'" in result.output
    assert len([r for r in fake_google.requests if "enhancedMeasurementSettings" in r.path]) == 1
