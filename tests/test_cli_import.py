"""Adopting what exists: `goalkeeper import` writes a goal file that manages a container's and a
property's entities as they are. The plan then only marks them as goalkeeper's (ownership
bookkeeping, ids kept), after which it says `No changes.`, for the bundled example, every real web
export in ../shared/containers and a live workspace seeded from each on the fake."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from goalkeeper.backends.container_file import ContainerFileBackend
from goalkeeper.core.ownership import managed_notes
from goalkeeper.goals.kinds import load_kinds
from goalkeeper.goals.load import load_goal_file
from tests import cli_helpers
from tests.backends.test_container_file import SERVER_EXPORTS, import_problems, is_server
from tests.conftest import ACCOUNT, EXAMPLES, export_params, shared_exports

ID_KEYS = {"tag": "tagId", "trigger": "triggerId", "variable": "variableId", "folder": "folderId"}
WEB_EXPORTS = [pytest.param(EXAMPLES / "example-container.json", id="example")] + [
    p for p in export_params(shared_exports()) if not is_server(p.values[0])
]


def run(*args) -> tuple[int, str]:
    result = cli_helpers.run(*args)
    return result.exit_code, result.output


def copy_sources(folder: Path, export: Path) -> None:
    shutil.copyfile(export, folder / "container.json")
    shutil.copyfile(EXAMPLES / "example-ga4.json", folder / "ga4.json")


def import_files(*options: str) -> tuple[int, str]:
    return run(
        "import", "--container-file", "container.json", "--snapshot-file", "ga4.json", "--out", "adopted.yaml", *options
    )


def plan_changes(goals: str = "adopted.yaml") -> list[dict]:
    result = cli_helpers.run("plan", goals, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["changes"]


def ids_by_name(version: dict) -> dict:
    return {(key, o["name"]): str(o[id_key]) for key, id_key in ID_KEYS.items() for o in version.get(key, [])}


def all_marked(version: dict) -> dict:
    """``version`` with every tag, trigger, variable and folder carrying goalkeeper's marker."""
    return {
        **version,
        **{key: [{**o, "notes": managed_notes(())} for o in version.get(key, [])] for key in ID_KEYS if key in version},
    }


def header_text(path: Path = Path("adopted.yaml")) -> str:
    """The comment lines an imported goal file starts with, as one line of text."""
    lines = path.read_text().split("\ntarget:")[0].splitlines()
    return " ".join(line.removeprefix("#").strip() for line in lines if line.startswith("#"))


def version_of(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))["containerVersion"]


@pytest.mark.parametrize("export", WEB_EXPORTS)
def test_import_everything_then_plan_marks_only_then_no_changes(export: Path, in_tmp_path: Path):
    copy_sources(in_tmp_path, export)
    before = version_of(in_tmp_path / "container.json")
    status, output = import_files()
    assert status == 0, output
    changes = plan_changes()
    assert all(c["bookkeeping"] and c["action"] == "update" for c in changes), changes
    status, output = run("apply", "adopted.yaml", "--auto-approve")
    assert status == 0, output
    status, output = run("plan", "adopted.yaml", "--detailed-exitcode")
    assert status == 0 and "No changes." in output, output
    after = version_of(in_tmp_path / "container.json")
    assert ids_by_name(after) == ids_by_name(before)  # adopted, not deleted and recreated
    # GTM imports it as it imported the original: no problem the original did not have
    assert import_problems(after) == import_problems(all_marked(before))
    for key in ("customTemplate", "zone", "client", "transformation", "gtagConfig"):
        assert after.get(key) == before.get(key)


@pytest.mark.parametrize("export", WEB_EXPORTS)
def test_adopted_entities_keep_every_field_but_their_notes_gain_the_marker(export: Path, in_tmp_path: Path):
    copy_sources(in_tmp_path, export)
    before = ContainerFileBackend(in_tmp_path / "container.json").read()
    assert import_files()[0] == 0
    assert run("apply", "adopted.yaml", "--auto-approve")[0] == 0
    after = ContainerFileBackend(in_tmp_path / "container.json").read()
    assert {e.key for e in after} == {e.key for e in before}
    for old in before:
        new = after.get(*old.key)
        assert new.managed or old.kind == "gtm.builtin_variable"
        assert str(old.body.get("notes", "")) in str(new.body.get("notes", ""))  # kept after the marker
        assert {k: v for k, v in new.body.items() if k != "notes"} == {
            k: v for k, v in old.body.items() if k != "notes"
        }


@pytest.mark.parametrize("export", [*SERVER_EXPORTS] or export_params([]))
def test_a_server_container_is_refused_with_a_reason_and_nothing_written(export: Path, in_tmp_path: Path):
    copy_sources(in_tmp_path, export)
    status, output = import_files()
    assert status == 1
    assert "SERVER container" in output and "web containers only" in output
    assert not (in_tmp_path / "adopted.yaml").exists()


@pytest.fixture
def example(in_tmp_path: Path) -> Path:
    copy_sources(in_tmp_path, EXAMPLES / "example-container.json")
    return in_tmp_path


def adopted_names(path: Path = Path("adopted.yaml")) -> set[str]:
    return {e.name for e in load_goal_file(path, load_kinds(None)).entities}


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (("--type", "tag"), {"Chat widget", "Google tag - G-ABC123XYZ"}),
        (("--name", "Chat*"), {"Chat widget"}),
        (("--type", "custom_dimension", "--type", "key_event"), {"user_type", "purchase"}),
        (("--type", "trigger", "--name", "DOM Ready*"), {"DOM Ready - Support pages"}),
    ],
)
def test_the_user_chooses_what_to_adopt(example: Path, options: tuple, expected: set):
    status, output = import_files(*options)
    assert status == 0, output
    assert adopted_names() == expected
    assert "left unmanaged" in output


def test_what_is_not_adopted_stays_unmanaged_and_untouched(example: Path):
    before = (example / "container.json").read_text()
    assert import_files("--type", "trigger")[0] == 0
    changes = plan_changes()
    assert [(c["kind"], c["name"]) for c in changes] == [("gtm.trigger", "DOM Ready - Support pages")]
    assert (example / "container.json").read_text() == before  # import and plan only read


def test_the_plan_says_each_entity_is_adopted(example: Path):
    assert import_files()[0] == 0
    status, output = run("plan", "adopted.yaml")
    assert status == 0, output
    assert "# entities (adopted as they are, no goal)" in output
    assert 'GTM tag "Chat widget" (adopted: it gets goalkeeper\'s notes, keeping its id' in output


def test_adopting_by_folder(in_tmp_path: Path):
    copy_sources(in_tmp_path, EXAMPLES / "example-container.json")
    path = in_tmp_path / "container.json"
    document = json.loads(path.read_text())
    version = document["containerVersion"]
    version["folder"] = [
        {"accountId": ACCOUNT, "containerId": version["containerId"], "folderId": "90", "name": "Chat"}
    ]
    next(t for t in version["tag"] if t["name"] == "Chat widget")["parentFolderId"] = "90"
    path.write_text(json.dumps(document))
    status, output = import_files("--folder", "Chat")
    assert status == 0, output
    assert adopted_names() == {"Chat widget"}


def test_an_unknown_type_is_an_error_that_writes_nothing(example: Path):
    status, output = import_files("--type", "tags")
    assert status == 1
    assert "unknown --type 'tags'" in output and "tag" in output
    assert not (example / "adopted.yaml").exists()


def test_an_existing_goal_file_is_not_overwritten_without_force(example: Path):
    (example / "adopted.yaml").write_text("goals: []\n")
    status, output = import_files()
    assert status == 1 and "--force" in output
    assert (example / "adopted.yaml").read_text() == "goals: []\n"
    assert import_files("--force")[0] == 0


def test_an_entity_removed_from_the_goal_file_after_apply_is_deleted_as_goalkeeper_owns_it(example: Path):
    assert import_files("--type", "tag")[0] == 0
    assert run("apply", "adopted.yaml", "--auto-approve")[0] == 0
    text = Path("adopted.yaml").read_text()
    start = text.index("  - tag: Chat widget")
    end = text.index("  - tag: Google tag")
    Path("adopted.yaml").write_text(text[:start] + text[end:])
    changes = plan_changes()
    assert [(c["action"], c["name"]) for c in changes] == [("delete", "Chat widget")]


# --- a live workspace on the fake --------------------------------------------------------------


@pytest.fixture
def live_from(fake_google, in_tmp_path, monkeypatch):
    monkeypatch.setenv("GOALKEEPER_API_ENDPOINT", fake_google.url)
    fake_google.seed_ga4_snapshot(EXAMPLES / "example-ga4.json")

    def seed(export: Path) -> str:
        return fake_google.seed_container_export(export, account_id=ACCOUNT, public_id="GTM-IMPORT").container_id

    return seed


@pytest.mark.parametrize("export", WEB_EXPORTS)
def test_import_a_live_workspace_then_no_changes_after_apply(live_from, export: Path):
    container = live_from(export)
    status, output = run(
        "import", "--account", ACCOUNT, "--container", container, "--property", "123456789", "--out", "adopted.yaml"
    )
    assert status == 0, output
    changes = plan_changes()
    assert all(c["bookkeeping"] for c in changes), changes
    status, output = run("apply", "adopted.yaml", "--auto-approve")
    assert status == 0, output
    status, output = run("plan", "adopted.yaml", "--detailed-exitcode")
    assert status == 0 and "No changes." in output, output


def test_what_has_no_goal_file_form_is_named_and_carried_through(example: Path):
    path = example / "container.json"
    document = json.loads(path.read_text())
    version = document["containerVersion"]
    version["customTemplate"] = [{"templateId": "7", "name": "Cookie banner", "templateData": "___INFO___"}]
    version["zone"] = [{"zoneId": "3", "name": "Partners"}]
    path.write_text(json.dumps(document))
    assert import_files()[0] == 0
    header = Path("adopted.yaml").read_text().split("\ntarget:")[0]
    assert "1 custom templates stay in the container as they are" in header
    assert "1 zones stay in the container as they are" in header
    assert run("apply", "adopted.yaml", "--auto-approve")[0] == 0
    after = version_of(path)
    assert (after["customTemplate"], after["zone"]) == (version["customTemplate"], version["zone"])


def test_a_container_imported_alone_plans_without_a_measurement_id(example: Path):
    # Adopted tags send to the container's own measurement ID: goalkeeper's is not needed.
    status, output = run("import", "--container-file", "container.json", "--out", "adopted.yaml")
    assert status == 0, output
    assert "measurement_id" not in Path("adopted.yaml").read_text()
    assert all(c["bookkeeping"] for c in plan_changes())


def test_a_tag_firing_on_a_trigger_the_container_lacks_stays_unmanaged_and_the_rest_is_imported(example: Path):
    path = example / "container.json"
    document = json.loads(path.read_text())
    document["containerVersion"]["tag"][0]["firingTriggerId"] = ["999"]
    broken = document["containerVersion"]["tag"][0]["name"]
    path.write_text(json.dumps(document))
    status, output = import_files()
    assert status == 0, output
    assert broken not in {e.name for e in load_goal_file(Path("adopted.yaml"), load_kinds(None)).entities}
    assert "triggers the container does not have; they stay unmanaged" in header_text()
    assert all(c["bookkeeping"] for c in plan_changes())


def test_a_goal_file_in_a_folder_that_does_not_exist_is_refused_naming_the_folder(example: Path):
    status, output = run("import", "--container-file", "container.json", "--out", "nowhere/adopted.yaml")
    assert status == 1
    assert "its folder nowhere does not exist; create it, or choose another --out" in output
    assert not Path("nowhere").exists()


def test_a_goal_file_whose_path_is_no_owner_id_needs_owner(example: Path):
    status, output = run("import", "--container-file", "container.json", "--out", "my goals.yaml")
    assert status == 1
    assert "the goal file's path 'my goals.yaml' cannot be an owner id" in output and "--owner" in output
    assert not Path("my goals.yaml").exists()
    status, output = run("import", "--container-file", "container.json", "--out", "my goals.yaml", "--owner", "shop")
    assert status == 0, output
    assert Path("my goals.yaml").read_text().split("\ntarget:")[0].endswith("owner: shop")
    assert all(c["bookkeeping"] for c in plan_changes("my goals.yaml"))


def test_a_ga4_description_too_long_for_the_marker_is_imported_and_its_cut_shown(example: Path):
    snapshot = json.loads(Path("ga4.json").read_text())
    snapshot["customDimensions"][0]["description"] = "x" * 140
    Path("ga4.json").write_text(json.dumps(snapshot))
    status, output = import_files()
    assert status == 0, output
    assert "does not fit beside goalkeeper's marker in GA4's 150 characters" in header_text()
    (cut,) = [c for c in plan_changes() if c["name"] == "user_type"]
    assert (cut["action"], cut["bookkeeping"]) == ("update", False)  # a real change, not bookkeeping


def test_a_hand_made_note_naming_a_key_event_claims_nothing(example: Path):
    path = example / "container.json"
    document = json.loads(path.read_text())
    next(t for t in document["containerVersion"]["tag"] if t["name"] == "Chat widget")["notes"] = (
        "Support chat. Key events: purchase."
    )
    path.write_text(json.dumps(document))
    assert import_files("--type", "tag")[0] == 0
    changes = plan_changes()
    assert all(c["bookkeeping"] for c in changes) and "purchase" not in {c["name"] for c in changes}


def test_importing_again_under_another_owner_refuses_to_orphan_what_the_file_manages(example: Path):
    assert import_files("--owner", "first")[0] == 0
    assert run("apply", "adopted.yaml", "--auto-approve")[0] == 0
    before = Path("adopted.yaml").read_text()
    status, output = import_files("--force", "--owner", "second")
    assert status == 1
    assert "as owner 'first'" in output and "would leave them to no goal file" in output
    assert Path("adopted.yaml").read_text() == before
    assert import_files("--force", "--owner", "first")[0] == 0
