"""plan and apply: saved plans, exit statuses, partial plans and the safety guards, end to end on
the example project's container export and GA4 snapshot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from goalkeeper.backends.container_file import ContainerFileBackend
from goalkeeper.backends.ga4_snapshot import GA4SnapshotBackend
from tests.cli_helpers import run
from tests.conftest import edited_json


@pytest.fixture
def project(in_three_goal_project: Path) -> Path:
    return in_three_goal_project


def gtm_entities(project: Path) -> dict:
    return {e.key: e for e in ContainerFileBackend(project / "example-container.json").read()}


def ga4_entities(project: Path) -> dict:
    return {e.key: e for e in GA4SnapshotBackend(project / "example-ga4.json").read()}


def applied(project: Path) -> None:
    assert run("apply", "shop.yaml", "--auto-approve").exit_code == 0


def drop_goal(project: Path, name: str) -> None:
    """Remove one goal (its block of lines) from shop.yaml."""
    lines = (project / "shop.yaml").read_text().splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.strip().startswith(f"- name: {name}"))
    end = next((i for i in range(start + 1, len(lines)) if lines[i].strip().startswith("- name:")), len(lines))
    (project / "shop.yaml").write_text("".join(lines[:start] + lines[end:]))


def set_safety(project: Path, text: str) -> None:
    path = project / "shop.yaml"
    path.write_text(path.read_text().replace("goals:\n", f"safety: {text}\ngoals:\n", 1))


# --- saved plans -----------------------------------------------------------------------------


def test_a_saved_plan_applies_exactly_and_then_there_is_nothing_left(project):
    result = run("plan", "shop.yaml", "--out", "plan.json")
    assert result.exit_code == 0, result.output
    saved = json.loads((project / "plan.json").read_text())
    assert saved["plan"]["summary"]["add"] == 17
    assert set(saved["basis"]) == {"goal_file", "templates", "targets"}
    assert set(saved["basis"]["targets"]) == {"gtm", "ga4"}

    result = run("apply", "plan.json")  # no --auto-approve: a saved plan was reviewed already
    assert result.exit_code == 0, result.output
    assert "Apply complete. 17 added" in result.output
    assert ("gtm.tag", "GA4 event - checkout_click") in gtm_entities(project)
    assert run("plan", "shop.yaml", "--detailed-exitcode").exit_code == 0


def test_a_saved_plan_is_refused_when_the_goal_file_moved(project):
    run("plan", "shop.yaml", "--out", "plan.json")
    path = project / "shop.yaml"
    path.write_text(path.read_text() + "\n# a harmless comment is still a change to what was reviewed\n")
    before = (project / "example-container.json").read_bytes()
    result = run("apply", "plan.json")
    assert result.exit_code == 3
    assert "out of date: the goal file changed" in result.output
    assert (project / "example-container.json").read_bytes() == before


def test_a_saved_plan_is_refused_when_the_target_moved(project):
    run("plan", "shop.yaml", "--out", "plan.json")
    with edited_json(project / "example-ga4.json") as document:
        document["customDimensions"][0]["displayName"] = "Clicked in the GA4 interface"
    result = run("apply", "plan.json")
    assert result.exit_code == 3
    assert "the GA4 target changed" in result.output
    assert "GA4 event - checkout_click" not in {n for _, n in gtm_entities(project)}


def test_a_saved_plan_is_refused_when_the_templates_moved(project):
    run("plan", "shop.yaml", "--out", "plan.json")
    templates = project / "templates"
    templates.mkdir()
    (templates / "newsletter.yaml.j2").write_text("{#-\ndescription: A project's own kind.\n-#}\ngtm: {}\n")
    result = run("apply", "plan.json")
    assert result.exit_code == 3
    assert "templates changed" in result.output


def test_a_saved_plan_is_refused_when_the_recomputed_plan_differs(project, monkeypatch):
    from dataclasses import replace

    from goalkeeper.project import Project

    run("plan", "shop.yaml", "--out", "plan.json")
    planned = Project.plan
    # the same goal file and targets, but a plan computed now that lacks a change the saved one has
    monkeypatch.setattr(
        Project, "plan", lambda self, *a, **k: replace(p := planned(self, *a, **k), changes=p.changes[1:])
    )
    result = run("apply", "plan.json")
    assert result.exit_code == 3
    assert "differs from the saved one" in result.output


def test_a_saved_plan_keeps_its_selection(project):
    run("plan", "shop.yaml", "--goal", "checkout_click", "--out", "plan.json")
    assert run("apply", "plan.json").exit_code == 0
    names = {n for _, n in gtm_entities(project)}
    assert "GA4 event - checkout_click" in names and "GA4 event - product_video" not in names
    assert run("apply", "plan.json", "--goal", "product_video").exit_code == 1


def test_apply_tells_a_saved_plan_from_a_goal_file_by_content(project):
    run("plan", "shop.yaml", "--out", "reviewed.yaml")  # any name: the content decides
    assert "Apply complete" in run("apply", "reviewed.yaml").output


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d.pop("goal_file"),
        lambda d: d.update(goal_file=5),
        lambda d: d.pop("plan"),
        lambda d: d.update(plan="changes"),
        lambda d: d["plan"].pop("checksum"),
        lambda d: d.update(selection="checkout_click"),
        lambda d: d["selection"].update(goals="checkout_click"),
        lambda d: d.update(basis=[]),
    ],
)
def test_an_edited_saved_plan_is_an_error_not_a_traceback(project, damage):
    run("plan", "shop.yaml", "--out", "plan.json")
    with edited_json(project / "plan.json") as saved:
        damage(saved)
    before = (project / "example-container.json").read_bytes()
    result = run("apply", "plan.json")
    assert result.exit_code == 1
    assert "plan.json: this saved plan is damaged" in result.output
    assert (project / "example-container.json").read_bytes() == before


def test_a_saved_plan_whose_changes_were_edited_is_refused_before_anything_is_written(project):
    """What a reviewer read is what runs: a change edited in the saved file no longer matches the
    plan's checksum, and apply refuses it rather than applying a fresh plan in its place."""
    run("plan", "shop.yaml", "--out", "plan.json")
    path = project / "plan.json"
    path.write_text(path.read_text().replace('"G-ABC123XYZ"', '"G-EVIL12345"'))
    before = (project / "example-container.json").read_bytes()
    result = run("apply", "plan.json")
    assert result.exit_code == 1, result.output
    assert "do not match its checksum" in result.output
    assert (project / "example-container.json").read_bytes() == before


def test_a_truncated_saved_plan_is_reported_as_a_damaged_plan_not_as_yaml(project):
    run("plan", "shop.yaml", "--out", "plan.json")
    text = (project / "plan.json").read_text()
    (project / "plan.json").write_text(text[: len(text) // 2])
    result = run("apply", "plan.json")
    assert result.exit_code == 1
    assert "damaged (not valid JSON, perhaps cut short)" in result.output
    assert "YAML" not in result.output


def test_a_plan_that_cannot_be_saved_is_an_error_with_nothing_printed(project):
    result = run("plan", "shop.yaml", "--out", "no-such-folder/plan.json")
    assert result.exit_code == 1
    assert (
        result.output.strip()
        == "Error: no-such-folder/plan.json: cannot write the saved plan (No such file or directory)"
    )


def test_a_saved_plan_applied_from_another_directory_says_where_to_run_it(project, monkeypatch):
    run("plan", "shop.yaml", "--out", "plan.json")
    (project / "elsewhere").mkdir()
    monkeypatch.chdir(project / "elsewhere")
    result = run("apply", "../plan.json")
    assert result.exit_code == 1
    assert "its goal file shop.yaml is not here: run apply from the directory the plan was made in" in result.output


# --- partial plans ---------------------------------------------------------------------------


def test_planning_one_goal_leaves_the_others_untouched(project):
    applied(project)
    drop_goal(project, "product_video")
    path = project / "shop.yaml"
    path.write_text(path.read_text().replace("url_contains: /checkout", "url_contains: /cart"))
    before_gtm, before_ga4 = gtm_entities(project), ga4_entities(project)

    result = run("apply", "shop.yaml", "--goal", "checkout_click", "--auto-approve")
    assert result.exit_code == 0, result.output
    after_gtm, after_ga4 = gtm_entities(project), ga4_entities(project)
    # The selected goal changed; the removed goal's entities were not deleted.
    assert "/cart" in json.dumps(after_gtm[("gtm.trigger", "Link click - checkout_click")].body)
    removed = [("gtm.tag", "GA4 event - product_video"), ("gtm.trigger", "YouTube video - product_video")]
    assert {key: after_gtm[key].body for key in removed} == {key: before_gtm[key].body for key in removed}
    assert after_ga4 == before_ga4
    # The shared variable's notes still name the removed goal, whose tag (not deleted) still uses it:
    # that bookkeeping belongs to the removed goal, and waits until it is selected or all goals apply.
    shared = after_gtm[("gtm.variable", "goalkeeper - GA4 Measurement ID")]
    assert shared.goals == ("checkout_click", "checkout_page_view", "product_video")


def test_a_removed_goal_is_deleted_only_when_selected(project):
    applied(project)
    drop_goal(project, "product_video")
    result = run("plan", "shop.yaml", "--goal", "checkout_click")
    assert "GA4 event - product_video" not in result.output
    result = run("plan", "shop.yaml", "--goal", "product_video")
    assert '- GTM tag "GA4 event - product_video"' in result.output
    assert '- GA4 custom dimension "video_title"' in result.output


def test_a_plan_by_category_and_target_shows_only_their_entities(project):
    result = run("plan", "shop.yaml", "--category", "secondary_action", "--target", "ga4")
    assert result.exit_code == 0, result.output
    assert 'GA4 custom dimension "video_title"' in result.output
    assert "GTM " not in result.output.replace("Target: GA4", "")
    assert "Plan: 1 to add" in result.output


def test_apply_to_one_target_leaves_the_other_file_alone(project):
    before = (project / "example-ga4.json").read_bytes()
    assert run("apply", "shop.yaml", "--target", "gtm", "--auto-approve").exit_code == 0
    assert (project / "example-ga4.json").read_bytes() == before
    assert ("gtm.tag", "GA4 event - checkout_click") in gtm_entities(project)


def test_planning_an_unknown_goal_is_an_error_naming_it(project):
    result = run("plan", "shop.yaml", "--goal", "nope")
    assert result.exit_code == 1 and "'nope'" in result.output


# --- safety ----------------------------------------------------------------------------------


def test_a_plan_deleting_too_much_is_refused_with_status_4_unless_forced(project):
    applied(project)
    set_safety(project, "{min_managed: 5}")
    drop_goal(project, "product_video")
    drop_goal(project, "checkout_page_view")
    result = run("plan", "shop.yaml")
    assert result.exit_code == 4
    assert "safety.max_change_share" in result.output and "--force" in result.output
    assert '- GTM tag "GA4 event - product_video"' in result.output  # the plan is still shown
    before = (project / "example-container.json").read_bytes()
    assert run("apply", "shop.yaml", "--auto-approve").exit_code == 4
    assert (project / "example-container.json").read_bytes() == before
    assert run("apply", "shop.yaml", "--auto-approve", "--force").exit_code == 0
    assert ("gtm.tag", "GA4 event - product_video") not in gtm_entities(project)


def test_a_refused_saved_plan_is_refused_at_apply_too(project):
    applied(project)
    set_safety(project, "{min_managed: 5}")
    drop_goal(project, "product_video")
    drop_goal(project, "checkout_page_view")
    assert run("plan", "shop.yaml", "--out", "plan.json").exit_code == 4
    assert run("apply", "plan.json").exit_code == 4
    assert run("apply", "plan.json", "--force").exit_code == 0


def test_with_deletes_switched_off_nothing_is_deleted_and_the_user_is_told(project):
    applied(project)
    set_safety(project, "{allow_deletes: false}")
    drop_goal(project, "product_video")
    result = run("apply", "shop.yaml", "--auto-approve")
    assert result.exit_code == 0, result.output
    assert 'not planned: delete GTM tag "GA4 event - product_video"' in result.output
    assert ("gtm.tag", "GA4 event - product_video") in gtm_entities(project)


def test_publish_with_only_files_as_targets_is_refused(project):
    result = run("apply", "shop.yaml", "--auto-approve", "--publish")
    assert result.exit_code == 1 and "--publish needs a live GTM target" in result.output


# --- ownership bookkeeping ---------------------------------------------------------------------

NEW_GOAL = "  - name: pricing_view\n    kind: destination\n    page: {path_starts_with: /pricing}\n"


def test_a_new_goal_sharing_an_entity_changes_no_other_goal_and_counts_toward_no_threshold(project):
    set_safety(project, "{min_managed: 1, max_change_share: 0}")  # any counted update is refused
    applied(project)
    goals = project / "shop.yaml"
    goals.write_text(goals.read_text() + NEW_GOAL)
    result = run("plan", "shop.yaml", "--format", "markdown")
    assert result.exit_code == 0, result.output  # the shared variable's notes are no change that counts
    rows = [line for line in result.stdout.splitlines() if line.startswith("| `")]
    assert rows == ["| `pricing_view` | destination | process milestone | added | 2 to add; 1 note updated |"]
    document = json.loads(run("plan", "shop.yaml", "--format", "json").stdout)
    (update,) = [c for c in document["changes"] if c["action"] == "update"]
    assert (update["name"], update["bookkeeping"], update["goals"]) == (
        "goalkeeper - GA4 Measurement ID",
        True,
        ["pricing_view"],
    )
    text = run("plan", "shop.yaml").stdout
    assert "~ Notes: goalkeeper's, for 3 goals -> goalkeeper's, for goals pricing_view and 3 more" in text
    assert run("apply", "shop.yaml", "--auto-approve").exit_code == 0
    shared = gtm_entities(project)[("gtm.variable", "goalkeeper - GA4 Measurement ID")]
    assert "pricing_view" in shared.goals


def test_the_plan_says_goalkeeper_s_note_once_and_raw_shows_it_on_every_entity(project):
    words, raw = run("plan", "shop.yaml").stdout, run("plan", "shop.yaml", "--raw").stdout
    assert words.count("Managed by goalkeeper") == 1
    # every entity with notes or a description
    assert raw.count("Managed by goalkeeper") == raw.count("+ notes = ") + raw.count("+ description = ") > 1
    assert "+ Tag type = Google Analytics: GA4 Event" in words and '+ type = "gaawe"' in raw
    assert "+ Trigger type = Click - Just Links" in words and '+ type = "linkClick"' in raw
    assert "+ Counting method = Once per session" in words and '+ countingMethod = "ONCE_PER_SESSION"' in raw
