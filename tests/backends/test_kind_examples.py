"""Every built-in goal kind's example, as `goalkeeper kinds NAME` shows it, works end to end: plan,
apply, and a second plan says `No changes.`, on a live container and property (the strict fake of
Google's APIs) and on an export file that went through GTM (imported, then exported again with the
fields GTM adds)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from goalkeeper.goals.kinds import load_kinds
from goalkeeper.project import open_project
from tests.backends.conftest import apply_goal_file
from tests.conftest import EXAMPLES

KINDS = load_kinds(None)


def example_goals(kind: str) -> list[dict]:
    return YAML(typ="safe").load(KINDS[kind].example)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_has_an_example_of_its_own_kind(kind: str):
    assert [goal["kind"] for goal in example_goals(kind)] == [kind]


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_kinds_example_applies_to_a_live_container_and_property_and_converges(live, kind: str):
    project = live.project(example_goals(kind))
    plan = project.plan()
    assert plan.refusal is None and plan.changes, plan.summary()
    project.apply(plan)
    assert live.project(example_goals(kind)).plan().summary() == "No changes."


# What GTM writes into an export that goalkeeper's file left out, as every such object in the real
# exports in ../shared/containers carries it: each of the 49 link-click and 3 form triggers all four
# trigger fields with these values; each of the 210 tags a firing option (GTM's default: once per
# event), the 197 from 2018 on an empty monitoring map, the 152 from 2022 on consent settings (NOT_SET
# unless someone chose); 359 of 399 variables an empty formatValue.
GTM_ADDS = {
    ("trigger", "LINK_CLICK"): {
        "waitForTags": {"type": "BOOLEAN", "value": "false"},
        "checkValidation": {"type": "BOOLEAN", "value": "false"},
        "waitForTagsTimeout": {"type": "TEMPLATE", "value": "2000"},
        "uniqueTriggerId": {"type": "TEMPLATE"},
    },
    ("tag", None): {
        "tagFiringOption": "ONCE_PER_EVENT",
        "monitoringMetadata": {"type": "MAP"},
        "consentSettings": {"consentStatus": "NOT_SET"},
    },
    ("variable", None): {"formatValue": {}},
}
GTM_ADDS[("trigger", "FORM_SUBMISSION")] = GTM_ADDS[("trigger", "LINK_CLICK")]


def through_gtm(export: Path) -> int:
    """``export`` imported into GTM and exported again: every object carries what GTM adds, in
    GTM's layout (four spaces). Returns how many fields were added."""
    document = json.loads(export.read_text(encoding="utf-8"))
    version, added = document["containerVersion"], 0
    for key in ("tag", "trigger", "variable"):
        for obj in version.get(key, []):
            adds = GTM_ADDS.get((key, obj.get("type")), GTM_ADDS.get((key, None), {}))
            missing = {field: value for field, value in adds.items() if field not in obj}
            obj.update(missing)
            added += len(missing)
    export.write_text(json.dumps(document, indent=4, ensure_ascii=False), encoding="utf-8")
    return added


def file_project(folder: Path, kind: str) -> Path:
    """A goal file holding ``kind``'s example, beside copies of the example export and snapshot."""
    shutil.copyfile(EXAMPLES / "example-container.json", folder / "container.json")
    shutil.copyfile(EXAMPLES / "example-ga4.json", folder / "ga4.json")
    target = "target:\n  gtm: {container_file: container.json}\n  ga4: {snapshot_file: ga4.json}\n"
    target += "  measurement_id: G-ABC123XYZ\ngoals:\n"
    (folder / "goals.yaml").write_text(target + KINDS[kind].example + "\n", encoding="utf-8")
    return folder / "goals.yaml"


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_kinds_example_applies_to_export_files_and_converges_after_a_round_trip_through_gtm(
    tmp_path: Path, kind: str
):
    goals = file_project(tmp_path, kind)
    plan = apply_goal_file(goals)
    assert plan.refusal is None and plan.changes, plan.summary()
    assert open_project(goals).plan().summary() == "No changes."
    added = through_gtm(tmp_path / "container.json")
    assert (added > 0) == any(c.target == "gtm" for c in plan.changes)  # GTM adds to what goalkeeper wrote
    assert open_project(goals).plan().summary() == "No changes."
