"""Two goal files, one container and property: each manages its own entities, markers written
before owners existed are adopted by the goal file that defines them, and nothing is lost."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from goalkeeper.core.changes import DELETE, UPDATE
from goalkeeper.core.errors import GoalkeeperError
from goalkeeper.project import open_project
from tests.backends.conftest import apply_goal_file
from tests.conftest import EXAMPLES, SHARED_CONTAINERS

EXPORT, SNAPSHOT = "example-container.json", "example-ga4.json"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A folder with the bundled b2b and content goal files, both on one export and one snapshot."""
    for name in ("b2b.yaml", "content.yaml", EXPORT, SNAPSHOT):
        shutil.copy(EXAMPLES / name, tmp_path / name)
    return tmp_path


def managed_names(site: Path) -> set[str]:
    """The names of every goalkeeper-marked entity in the export and the snapshot."""
    version = json.loads((site / EXPORT).read_text())["containerVersion"]
    gtm = {
        e["name"]
        for key in ("tag", "trigger", "variable")
        for e in version.get(key, [])
        if "goalkeeper" in e.get("notes", "")
    }
    ga4 = json.loads((site / SNAPSHOT).read_text())
    ga4_names = {
        str(e.get("parameterName") or e.get("displayName"))
        for key in ("customDimensions", "audiences")
        for e in ga4.get(key, [])
        if "goalkeeper" in e.get("description", "")
    }
    return gtm | ga4_names


def forget_owners(site: Path) -> None:
    """Rewrite the export and snapshot as an earlier goalkeeper left them: markers without an owner."""
    for name in (EXPORT, SNAPSHOT):
        text = re.sub(r"Managed by goalkeeper for [A-Za-z0-9_./-]+", "Managed by goalkeeper", (site / name).read_text())
        text = re.sub(r',?\s*\{\s*"parameter": "goalkeeper_owner",\s*"parameterValue": "[^"]*"\s*\}', "", text)
        (site / name).write_text(text)


def test_planning_a_second_goal_file_deletes_nothing_of_the_first(site: Path):
    apply_goal_file(site / "b2b.yaml")
    plan = open_project(site / "content.yaml").plan()
    assert plan.to_add > 0 and plan.count(DELETE, UPDATE) == 0


def test_after_both_apply_each_goal_file_plans_no_changes(site: Path):
    apply_goal_file(site / "b2b.yaml")
    apply_goal_file(site / "content.yaml")
    assert open_project(site / "b2b.yaml").plan().empty
    assert open_project(site / "content.yaml").plan().empty
    assert "Managed by goalkeeper for b2b.yaml:" in (site / EXPORT).read_text()
    assert "Managed by goalkeeper for content.yaml:" in (site / EXPORT).read_text()


def test_the_measurement_id_variable_both_use_outlives_the_goal_file_that_made_it(site: Path):
    apply_goal_file(site / "b2b.yaml")
    apply_goal_file(site / "content.yaml")
    b2b = site / "b2b.yaml"
    b2b.write_text(b2b.read_text().split("goals:\n")[0] + "safety: {max_change_share: 1}\ngoals: []\n")
    plan = apply_goal_file(b2b)
    assert plan.to_destroy > 0
    assert "goalkeeper - GA4 Measurement ID" not in {c.name for c in plan.changes}
    assert any("goalkeeper - GA4 Measurement ID" in w and "'content.yaml'" in w for w in plan.warnings)
    assert open_project(site / "content.yaml").plan().empty


def test_a_goal_another_goal_file_tracks_under_the_same_names_is_a_conflict_naming_it(site: Path):
    apply_goal_file(site / "b2b.yaml")
    content = site / "content.yaml"
    content.write_text(
        content.read_text()
        + "  - name: pricing_page_view\n    kind: destination\n    page: {path_starts_with: /plans}\n"
    )
    before = (site / EXPORT).read_bytes()
    with pytest.raises(GoalkeeperError) as error:
        open_project(content).plan()
    assert "goal file whose owner is 'b2b.yaml'" in str(error.value)
    assert (site / EXPORT).read_bytes() == before


def test_upgrading_with_two_goal_files_adopts_each_ones_entities_and_loses_none(site: Path):
    apply_goal_file(site / "b2b.yaml")
    apply_goal_file(site / "content.yaml")
    forget_owners(site)
    everything = managed_names(site)
    for name in ("b2b.yaml", "content.yaml"):
        plan = apply_goal_file(site / name)
        assert plan.count(DELETE) == 0 and all(c.bookkeeping for c in plan.changes)
        assert any(w.startswith("adopted ") for w in plan.warnings)
    assert managed_names(site) == everything
    assert open_project(site / "b2b.yaml").plan().empty and open_project(site / "content.yaml").plan().empty


def test_an_upgraded_goal_file_says_what_it_leaves_alone(site: Path):
    apply_goal_file(site / "b2b.yaml")
    apply_goal_file(site / "content.yaml")
    forget_owners(site)
    plan = open_project(site / "b2b.yaml").plan()
    assert any(w.startswith("left alone: ") and "adopt_unowned" in w for w in plan.warnings)


AGTM = SHARED_CONTAINERS / "27_agtm-workspace-template.json"


@pytest.mark.skipif(not AGTM.is_file(), reason=f"{AGTM} (a real export) is absent")
def test_two_goal_files_share_a_real_export_without_deleting_each_other(site: Path):
    shutil.copyfile(AGTM, site / EXPORT)  # a writable copy: the collection is read-only
    hand_made = json.loads(AGTM.read_text())["containerVersion"]
    apply_goal_file(site / "b2b.yaml")
    apply_goal_file(site / "content.yaml")
    assert open_project(site / "b2b.yaml").plan().empty and open_project(site / "content.yaml").plan().empty
    version = json.loads((site / EXPORT).read_text())["containerVersion"]
    kept = {t["name"] for t in version["tag"]}
    assert {t["name"] for t in hand_made["tag"]} <= kept
    assert {"GA4 event - quote_request", "GA4 event - article_read"} <= kept


def test_a_renamed_goal_file_is_told_to_keep_its_old_owner(site: Path):
    apply_goal_file(site / "b2b.yaml")
    renamed = site / "leads.yaml"
    shutil.copy(site / "b2b.yaml", renamed)
    with pytest.raises(GoalkeeperError) as error:
        open_project(renamed).plan()
    assert "goal file whose owner is 'b2b.yaml'" in str(error.value)
    assert "moved or renamed" in str(error.value)
    renamed.write_text("owner: b2b.yaml\n" + renamed.read_text())
    assert open_project(renamed).plan().empty
