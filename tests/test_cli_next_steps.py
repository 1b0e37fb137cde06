"""After an apply, goalkeeper says where the changes are now and how they reach the site, for each
target; the troubleshooting guide its errors point to has the sections they name."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from goalkeeper.backends import google_clients, gtm_live
from tests.cli_helpers import run

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def project(three_goal_project: Path, monkeypatch) -> Path:
    monkeypatch.chdir(three_goal_project)
    return three_goal_project


def next_steps(output: str) -> str:
    return output[output.index("Next steps:") :]


def test_a_file_apply_that_only_adds_says_to_merge_renaming_conflicts(project):
    result = run("apply", "shop.yaml", "--auto-approve")
    assert result.exit_code == 0, result.output
    steps = next_steps(result.stdout)
    assert "- GTM container export example-container.json:" in steps
    assert "Admin > Import Container" in steps and "new workspace" in steps
    assert 'Merge, then "Rename conflicting tags, triggers, and variables"' in steps
    assert "Overwrite" not in steps
    assert "- GA4 snapshot example-ga4.json:" in steps and "GA4 has no import" in steps


def test_a_file_apply_that_changes_entities_says_to_overwrite(project):
    assert run("apply", "shop.yaml", "--auto-approve").exit_code == 0
    goals = project / "shop.yaml"
    goals.write_text(goals.read_text().replace("url_contains: /checkout", "url_contains: /checkout/start"))
    result = run("apply", "shop.yaml", "--auto-approve", "--target", "gtm")
    assert result.exit_code == 0, result.output
    steps = next_steps(result.stdout)
    assert "choose Overwrite" in steps and "Rename conflicting" not in steps
    assert "GA4 snapshot" not in steps  # GA4 was not applied to


def test_nothing_applied_says_nothing_more(project):
    assert run("apply", "shop.yaml", "--auto-approve").exit_code == 0
    result = run("apply", "shop.yaml", "--auto-approve")
    assert result.exit_code == 0
    assert "Next steps" not in result.output


def test_changes_left_in_the_goalkeeper_workspace_wait_unpublished(fake_google, tmp_path, monkeypatch):
    from tests.backends.conftest import CHECKOUT, CLICK, write_goals
    from tests.conftest import ACCOUNT, EXAMPLES

    seeded = fake_google.seed_container_export(
        EXAMPLES / "example-container.json", account_id=ACCOUNT, public_id="GTM-ABC123"
    )
    fake_google.seed_ga4_snapshot(EXAMPLES / "example-ga4.json")
    monkeypatch.setenv("GOALKEEPER_API_ENDPOINT", fake_google.url)
    goals = write_goals(tmp_path / "goals.yaml", [CLICK, CHECKOUT], seeded.container_id)
    result = run("apply", goals, "--auto-approve")
    assert result.exit_code == 0, result.output
    steps = next_steps(result.stdout)
    assert "wait, unpublished, in GTM workspace 'goalkeeper'" in steps
    assert "Preview" in steps and "`goalkeeper apply --publish`" in steps
    assert "- GA4 property 123456789:" in steps and "collected from now on" in steps

    goals.write_text(goals.read_text().replace("/checkout", "/checkout/start", 1))
    result = run("apply", goals, "--auto-approve", "--publish")
    assert result.exit_code == 0, result.output
    assert "is live: the site runs it now" in next_steps(result.stdout)


GUIDE = (REPO / "docs" / "troubleshooting.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "hint",
    [gtm_live.WORKSPACE_LIMIT_HINT, gtm_live.permission_hint(403, "insufficient scope", "GET", "")],
    ids=["workspace-limit", "scopes"],
)
def test_errors_point_to_sections_the_guide_has(hint: str):
    section = re.search(r'docs/troubleshooting\.md, "([^"]+)"', hint)
    assert section, hint
    assert f"\n## {section.group(1)}\n" in GUIDE


def test_the_guide_gives_adc_every_scope_goalkeeper_asks_for_and_cloud_platform():
    command = GUIDE[GUIDE.index("gcloud auth application-default login") :].split("```")[0]
    assert "--client-id-file=" in command
    for scope in [google_clients.CLOUD_PLATFORM, *google_clients.SCOPES]:
        assert scope in command
