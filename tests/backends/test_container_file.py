"""The container export file as a target, against the bundled example and every real export in
../shared/containers: round trips, applying the example goals, removing a goal, and whether the
written file is one GTM's Import Container accepts."""

from __future__ import annotations

import difflib
import json
import re
import shutil
from pathlib import Path

import pytest

from goalkeeper.backends.container_file import ContainerFileBackend
from goalkeeper.backends.json_file import json_text
from goalkeeper.core.builtins import BUILTIN_VARIABLE_NAMES
from goalkeeper.core.changes import DELETE, UPDATE
from goalkeeper.core.errors import GoalkeeperError
from goalkeeper.core.kinds import KINDS
from goalkeeper.core.ownership import MARKER, managed_notes
from goalkeeper.goals.load import default_owner
from goalkeeper.project import open_project
from tests.backends.conftest import apply_goal_file
from tests.conftest import EXAMPLES, SHARED_CONTAINERS, THREE_GOALS, edited_json, export_params, shared_exports

LISTS = ("tag", "trigger", "variable", "folder", "builtInVariable")
ID_KEYS = {"tag": "tagId", "trigger": "triggerId", "variable": "variableId", "folder": "folderId"}
BUILTIN_TRIGGER_IDS = {"2147479553", "2147479572", "2147479573"}
ALWAYS_DEFINED = {"_event"}
ENUM = re.compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$")
REFERENCE = re.compile(r"\{\{([^{}]+)\}\}")

EXPORTS = [pytest.param(EXAMPLES / "example-container.json", id="example"), *export_params(shared_exports())]


def is_server(path: Path | None) -> bool:
    return path is not None and "SERVER" in json.loads(path.read_text(encoding="utf-8"))["containerVersion"].get(
        "container", {}
    ).get("usageContext", [])


def blocks_builtins(path: Path | None) -> bool:
    """Whether the export has variables of its own named like a built-in variable it has not
    enabled (07's hand-made "Video Title"): GTM cannot enable that built-in next to them."""
    if path is None:
        return False
    version = json.loads(path.read_text(encoding="utf-8"))["containerVersion"]
    enabled = {b["name"] for b in version.get("builtInVariable", [])}
    own = {v["name"] for v in version.get("variable", [])}
    return bool((own - enabled) & set(BUILTIN_VARIABLE_NAMES.values()))


# Goals make web triggers and tags: they go into web containers only, and the example's YouTube
# goal needs GTM's video built-ins.
WEB_EXPORTS = [p for p in EXPORTS if not is_server(p.values[0]) and not blocks_builtins(p.values[0])]
SERVER_EXPORTS = [p for p in EXPORTS if is_server(p.values[0])]
BLOCKING_EXPORTS = [p for p in EXPORTS if blocks_builtins(p.values[0]) and not is_server(p.values[0])]


def version_of(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))["containerVersion"]


def lists_of(version: dict) -> dict:
    """The entity lists, absent ones kept absent (01 has none of them)."""
    return {key: version[key] for key in LISTS if key in version}


def is_managed(obj: dict) -> bool:
    return str(obj.get("notes", "")).startswith(MARKER)


def write_project(folder: Path, export: Path, goals_text: str | None = None, ga4: bool = True) -> Path:
    """A goal file beside a copy of ``export`` (and of the example GA4 snapshot)."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(export, folder / "container.json")
    text = goals_text or THREE_GOALS
    target = "target:\n  gtm: {container_file: container.json}\n"
    if ga4:
        shutil.copyfile(EXAMPLES / "example-ga4.json", folder / "ga4.json")
        target += "  ga4: {snapshot_file: ga4.json}\n"
    target += "  measurement_id: G-ABC123XYZ\n"
    goals_only = text[text.index("\ngoals:") + 1 :]
    (folder / "goals.yaml").write_text(target + goals_only, encoding="utf-8")
    return folder / "goals.yaml"


# --- what a valid export satisfies -----------------------------------------------------------


def _parameters(params):
    for param in params or []:
        yield param
        yield from _parameters(param.get("list"))
        yield from _parameters(param.get("map"))


def enum_values(version: dict):
    """(where, value) for every enum GTM's import deserialises."""
    for trigger in version.get("trigger", []):
        yield f"trigger {trigger['name']!r} type", trigger["type"]
        for key in ("filter", "autoEventFilter", "customEventFilter"):
            for condition in trigger.get(key, []):
                yield f"trigger {trigger['name']!r} {key} type", condition["type"]
                for param in _parameters(condition.get("parameter")):
                    yield f"trigger {trigger['name']!r} {key} parameter", param["type"]
        for key, value in trigger.items():
            if isinstance(value, dict) and "type" in value:  # waitForTags, checkValidation, ...
                for param in _parameters([value]):
                    yield f"trigger {trigger['name']!r} {key}", param["type"]
    for key in ("tag", "trigger", "variable"):
        for obj in version.get(key, []):
            for param in _parameters(obj.get("parameter")):
                yield f"{key} {obj['name']!r} parameter {param.get('key')!r}", param["type"]
            if "tagFiringOption" in obj:
                yield f"{key} {obj['name']!r} tagFiringOption", obj["tagFiringOption"]
    for builtin in version.get("builtInVariable", []):
        yield f"built-in variable {builtin['name']!r}", builtin["type"]


def import_problems(version: dict) -> list[str]:
    problems = [
        f"{where}: {value!r} is not UPPER_SNAKE" for where, value in enum_values(version) if not ENUM.match(str(value))
    ]
    for key, id_key in ID_KEYS.items():
        ids = [str(o[id_key]) for o in version.get(key, [])]
        problems += [f"two {key}s have id {i}" for i in sorted({i for i in ids if ids.count(i) > 1})]
    for key in LISTS:
        names = [o["name"] for o in version.get(key, [])]
        problems += [f"two {key}s are named {n!r}" for n in sorted({n for n in names if names.count(n) > 1})]
    # ids goalkeeper mints come from one counter: they must not collide with any id in the file
    all_ids = [str(o[id_key]) for key, id_key in ID_KEYS.items() for o in version.get(key, [])]
    for key, id_key in ID_KEYS.items():
        for obj in filter(is_managed, version.get(key, [])):
            if all_ids.count(str(obj[id_key])) > 1:
                problems.append(f"managed {key} {obj['name']!r} reuses id {obj[id_key]}")
    trigger_ids = {str(t["triggerId"]) for t in version.get("trigger", [])} | BUILTIN_TRIGGER_IDS
    defined = (
        {o["name"] for o in version.get("variable", [])}
        | {o["name"] for o in version.get("builtInVariable", [])}
        | ALWAYS_DEFINED
    )
    for key in ("tag", "trigger", "variable", "folder"):
        for obj in filter(is_managed, version.get(key, [])):
            for trigger_id in obj.get("firingTriggerId", []):
                if str(trigger_id) not in trigger_ids:
                    problems.append(f"managed tag {obj['name']!r} fires on trigger id {trigger_id}, not in the file")
            for name in REFERENCE.findall(json.dumps(obj, ensure_ascii=False)):
                if name not in defined:
                    problems.append(f"managed {key} {obj['name']!r} refers to {{{{{name}}}}}, not defined")
    return problems


# --- round trip ------------------------------------------------------------------------------


@pytest.mark.parametrize("export", EXPORTS)
def test_read_then_write_without_changes_gives_the_same_file_content(tmp_path: Path, export: Path):
    copy = tmp_path / "container.json"
    shutil.copyfile(export, copy)
    backend = ContainerFileBackend(copy)
    before = backend.read()
    backend.apply([])
    assert json.dumps(lists_of(version_of(copy))) == json.dumps(lists_of(version_of(export)))
    assert json.loads(copy.read_text()) == json.loads(export.read_text())
    again = ContainerFileBackend(copy).read()
    assert again == before
    assert [e.managed for e in again] == [e.managed for e in before]


ENTITY_LISTS = {
    "tag": "gtm.tag",
    "trigger": "gtm.trigger",
    "variable": "gtm.variable",
    "folder": "gtm.folder",
    "builtInVariable": "gtm.builtin_variable",
}


@pytest.mark.parametrize("key", ENTITY_LISTS)
@pytest.mark.parametrize("export", EXPORTS)
def test_every_entity_in_an_export_is_read(export: Path, key: str):
    state = ContainerFileBackend(export).read()
    assert sorted(e.name for e in state.of_kind(ENTITY_LISTS[key])) == sorted(
        o["name"] for o in version_of(export).get(key, [])
    )


@pytest.mark.parametrize("export", EXPORTS)
def test_nothing_in_an_export_is_taken_for_goalkeepers(export: Path):
    state = ContainerFileBackend(export).read()
    assert not any(e.managed for e in state), "no real export carries goalkeeper's marker"


# --- applying the example goals --------------------------------------------------------------


@pytest.mark.parametrize("export", WEB_EXPORTS)
def test_applying_the_example_goals_writes_an_importable_export_and_leaves_the_rest_alone(tmp_path: Path, export: Path):
    goals = write_project(tmp_path, export)
    original = version_of(export)
    plan = apply_goal_file(goals)
    assert plan.to_add > 0 and plan.to_change == 0 and plan.to_destroy == 0
    written = version_of(tmp_path / "container.json")

    # every unmanaged entity comes out exactly as it went in (new built-ins are not marked: they follow)
    unmanaged = {key: [o for o in written.get(key, []) if not is_managed(o)] for key in LISTS}
    assert {key: kept[: len(original.get(key, []))] for key, kept in unmanaged.items()} == {
        key: original.get(key, []) for key in LISTS
    }
    assert {key: kept for key, kept in unmanaged.items() if key != "builtInVariable"} == {
        key: original.get(key, []) for key in LISTS if key != "builtInVariable"
    }
    added_builtins = written.get("builtInVariable", [])[len(original.get("builtInVariable", [])) :]
    assert {b["name"] for b in added_builtins}.isdisjoint(o["name"] for o in original.get("builtInVariable", []))
    # everything outside the entity lists is untouched too
    assert {k: v for k, v in written.items() if k not in LISTS} == {k: v for k, v in original.items() if k not in LISTS}

    assert import_problems(written) == []

    # what goalkeeper added is the example's: three triggers and three tags, wired by name
    triggers = {t["triggerId"]: t for t in written["trigger"] if is_managed(t)}
    assert sorted(t["type"] for t in triggers.values()) == ["LINK_CLICK", "PAGEVIEW", "YOU_TUBE_VIDEO"]
    for tag in (t for t in written["tag"] if is_managed(t) and t["type"] != "googtag"):
        (trigger_id,) = tag["firingTriggerId"]
        assert triggers[trigger_id]["name"].endswith(tag["name"].removeprefix("GA4 event - "))
        assert (tag["accountId"], tag["containerId"]) == (original["accountId"], original["containerId"])

    assert open_project(goals).plan().summary() == "No changes."


@pytest.mark.parametrize("export", WEB_EXPORTS)
def test_removing_a_goal_deletes_exactly_its_entities(tmp_path: Path, export: Path):
    goals = write_project(tmp_path, export)
    apply_goal_file(goals)
    desired = open_project(goals).desired()
    expected = {
        (e.kind, e.name) for e in desired if e.goals == ("checkout_click",) and e.kind != "gtm.builtin_variable"
    }
    assert {k for k, _ in expected} == {"gtm.tag", "gtm.trigger", "ga4.key_event"}
    before = version_of(tmp_path / "container.json")
    before_ga4 = json.loads((tmp_path / "ga4.json").read_text())

    text = goals.read_text()
    start = text.index("  - name: checkout_click")
    goals.write_text(text[:start] + text[text.index("  - name: product_video") :])
    project = open_project(goals)
    plan = project.plan()
    assert {(c.kind, c.name) for c in plan.changes if c.action == DELETE} == expected
    assert {c.action for c in plan.changes} <= {DELETE, UPDATE}
    # the only updates: entities the removed goal shared with others, whose notes list it
    for change in (c for c in plan.changes if c.action == UPDATE):
        assert "checkout_click" in change.before.goals and "checkout_click" not in change.after.goals
        assert [f.label for f in change.fields] == ["notes"]
    project.apply(plan)

    after = version_of(tmp_path / "container.json")
    kept = {key: [o for o in before.get(key, []) if (ENTITY_LISTS[key], o["name"]) not in expected] for key in LISTS}
    updated = {c.name for c in plan.changes if c.action == UPDATE}
    assert {key: [o["name"] for o in after.get(key, [])] for key in LISTS} == {
        key: [o["name"] for o in objects] for key, objects in kept.items()
    }
    assert {key: [o for o in after.get(key, []) if o["name"] not in updated] for key in LISTS} == {
        key: [o for o in objects if o["name"] not in updated] for key, objects in kept.items()
    }
    assert import_problems(after) == []
    ga4 = json.loads((tmp_path / "ga4.json").read_text())
    assert [k["eventName"] for k in ga4["keyEvents"]] == [
        k["eventName"] for k in before_ga4["keyEvents"] if k["eventName"] != "checkout_click"
    ]
    assert open_project(goals).plan().summary() == "No changes."


@pytest.mark.parametrize("export", WEB_EXPORTS)
def test_a_gtm_only_project_works_on_every_export(tmp_path: Path, export: Path):
    goals = write_project(tmp_path, export, ga4=False)
    plan = apply_goal_file(goals)
    assert all(c.entity.target == "gtm" for c in plan.changes)
    assert import_problems(version_of(tmp_path / "container.json")) == []
    assert open_project(goals).plan().summary() == "No changes."


# --- the written file's text: a git diff shows only what changed ------------------------------


HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@")


def line_diff(before: str, after: str) -> tuple[list[tuple[int, str]], list[str]]:
    """(number, text) of each line removed from ``before`` (numbered from 1), and each line added."""
    removed, added = [], []
    for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0):
        if hunk := HUNK.match(line):
            number = int(hunk.group(1)) if hunk.group(2) != "0" else 0
        elif line.startswith("-") and not line.startswith("---"):
            removed.append((number, line[1:]))
            number += 1
        elif line.startswith("+") and not line.startswith("+++"):
            added.append(line[1:])
    return removed, added


def entity_lines(text: str) -> dict[int, tuple[str, str]]:
    """Line number (from 1) -> (list, name) of the tag, trigger, variable, folder or built-in
    variable whose object holds that line in an export's text, found from its indentation (the
    objects of the entity lists are the third level in)."""
    unit = re.search(r"\n([ \t]+)\S", text).group(1)
    lines = text.splitlines()
    owner: dict[int, tuple[str, str]] = {}
    start, in_list = None, ""
    for number, line in enumerate(lines, 1):
        if line.startswith(unit * 2 + '"') and line.rstrip().endswith("["):
            in_list = line.strip().split('"')[1]
        elif in_list in LISTS and line == unit * 3 + "{":
            start = number
        elif in_list in LISTS and start is not None and line.rstrip(",") == unit * 3 + "}":
            name = next(x for x in lines[start:number] if x.startswith(unit * 4 + '"name": '))
            entity = (in_list, json.loads(name.split(": ", 1)[1].rstrip(",")))
            owner.update({n: entity for n in range(start, number + 1)})
            start = None
    return owner


def lines_outside(text: str, entities: set[tuple[str, str]]) -> list[str]:
    """The lines of an export's text that belong to none of ``entities``, commas aside (the last
    object of a list loses or gains one when its neighbour goes or comes)."""
    owner = entity_lines(text)
    return [line.rstrip(",") for n, line in enumerate(text.splitlines(), 1) if owner.get(n) not in entities]


def only_commas_moved(removed: list[tuple[int, str]], added: list[str]) -> list[str]:
    """Removed lines that are not a list's last object or key gaining (or losing) its comma."""
    return [line for _, line in removed if line + "," not in added and line.rstrip(",") not in added]


@pytest.mark.parametrize("export", WEB_EXPORTS)
def test_applying_goals_to_an_export_changes_only_the_lines_of_what_was_added(tmp_path: Path, export: Path):
    goals = write_project(tmp_path, export)
    before = (tmp_path / "container.json").read_bytes().decode("utf-8")
    apply_goal_file(goals)
    after = (tmp_path / "container.json").read_bytes().decode("utf-8")
    removed, added = line_diff(before, after)
    assert only_commas_moved(removed, added) == []
    assert len(removed) <= len(LISTS)  # at most the last closing brace of each list gains a comma
    assert json_text(json.loads(after), before) == after  # written in the file's own style
    assert after.endswith("\n") == before.endswith("\n")


@pytest.mark.parametrize("export", WEB_EXPORTS)
def test_removing_a_goal_from_an_export_changes_only_the_lines_of_its_entities(tmp_path: Path, export: Path):
    goals = write_project(tmp_path, export)
    apply_goal_file(goals)
    before = (tmp_path / "container.json").read_bytes().decode("utf-8")
    text = goals.read_text()
    goals.write_text(text[: text.index("  - name: checkout_click")] + text[text.index("  - name: product_video") :])
    plan = apply_goal_file(goals)
    after = (tmp_path / "container.json").read_bytes().decode("utf-8")
    changed = {(KINDS[c.kind].list_key, c.name) for c in plan.changes if c.target == "gtm"}
    assert changed
    assert lines_outside(before, changed) == lines_outside(after, changed)
    assert json_text(json.loads(after), before) == after


# --- what the file refuses -------------------------------------------------------------------


def test_a_file_that_is_not_an_export_is_refused(tmp_path: Path):
    bad = tmp_path / "container.json"
    bad.write_text('{"tag": []}\n')
    with pytest.raises(GoalkeeperError) as error:
        ContainerFileBackend(bad).read()
    assert error.value.problems[0].file == str(bad)
    bad.write_text('{\n  "containerVersion": {\n    "tag": [,]\n  }\n}\n')
    with pytest.raises(GoalkeeperError) as error:
        ContainerFileBackend(bad).read()
    assert (error.value.problems[0].file, error.value.problems[0].line) == (str(bad), 3)


def test_a_name_held_by_an_unmanaged_entity_is_a_conflict_and_nothing_is_written(tmp_path: Path):
    goals = write_project(tmp_path, EXAMPLES / "example-container.json")
    with edited_json(tmp_path / "container.json") as document:
        document["containerVersion"]["trigger"].append(
            {
                "accountId": "6001234567",
                "containerId": "201234567",
                "triggerId": "90",
                "name": "Link click - checkout_click",
                "type": "LINK_CLICK",
            }
        )
    before = (tmp_path / "container.json").read_bytes()
    with pytest.raises(GoalkeeperError) as error:
        open_project(goals).plan()
    assert any("'Link click - checkout_click'" in p.message for p in error.value.problems)
    assert (tmp_path / "container.json").read_bytes() == before


@pytest.mark.parametrize(
    "expected",
    [
        "'linkClick' is not UPPER_SNAKE",
        "'template' is not UPPER_SNAKE",
        "'clickUrl' is not UPPER_SNAKE",
        "two variables have id 2",
        "fires on trigger id 7",
        "{{Nowhere}}",
    ],
    ids=[
        "api-spelled-trigger-type",
        "api-spelled-parameter-type",
        "api-spelled-built-in",
        "reused-id",
        "missing-trigger",
        "undefined-variable",
    ],
)
def test_the_import_check_itself_catches_what_gtm_would_reject(expected: str):
    managed = {"notes": MARKER + ": x"}
    version = {
        "trigger": [{"triggerId": "1", "name": "T", "type": "linkClick", **managed}],
        "tag": [
            {
                "tagId": "1",
                "name": "Tag",
                "type": "gaawe",
                "firingTriggerId": ["7"],
                **managed,
                "parameter": [{"key": "eventName", "type": "template", "value": "{{Nowhere}}"}],
            }
        ],
        "builtInVariable": [{"name": "Click URL", "type": "clickUrl"}],
        "variable": [{"variableId": "2", "name": "V", "type": "c"}, {"variableId": "2", "name": "W", "type": "c"}],
    }
    assert expected in "\n".join(import_problems(version))


@pytest.mark.parametrize(
    "export",
    SERVER_EXPORTS
    or export_params(
        [], f"{SHARED_CONTAINERS} (real GTM exports, two of them server containers) is absent; CI provides it"
    ),
)
def test_a_server_container_is_refused_and_left_as_it_was(tmp_path: Path, export: Path):
    goals = write_project(tmp_path, export)
    before = (tmp_path / "container.json").read_bytes()
    with pytest.raises(GoalkeeperError) as error:
        open_project(goals).plan()
    assert "server container" in str(error.value) and "container.json" in str(error.value)
    assert (tmp_path / "container.json").read_bytes() == before


# --- what others still use ----------------------------------------------------------------------

AGTM = SHARED_CONTAINERS / "27_agtm-workspace-template.json"
needs_agtm = pytest.mark.skipif(not AGTM.is_file(), reason=f"{AGTM} (a real export with setup tags) is absent")


def adopt_tag(export: Path, name: str, goal: str, goals: Path) -> None:
    """Mark one tag of ``export`` as the goal file ``goals``'s, as an earlier apply for ``goal`` would have."""
    document = json.loads(export.read_text())
    [tag] = [t for t in document["containerVersion"]["tag"] if t["name"] == name]
    tag["notes"] = managed_notes([goal], owner=default_owner(str(goals)))
    export.write_text(json.dumps(document))


@needs_agtm
def test_a_tag_hand_made_tags_run_as_their_setup_tag_is_not_deleted_with_its_goal(tmp_path: Path):
    goals = write_project(tmp_path, AGTM, ga4=False)
    adopt_tag(tmp_path / "container.json", "GA4 - GTAG", "old_google_tag", goals)
    before = (tmp_path / "container.json").read_bytes()
    with pytest.raises(GoalkeeperError) as error:
        open_project(goals).plan()
    [problem] = [p for p in error.value.problems if "GA4 - GTAG" in p.message]
    assert problem.message.count("runs it as its setup tag") == 10
    assert (tmp_path / "container.json").read_bytes() == before


@needs_agtm
def test_with_keep_used_the_setup_tag_stays_and_the_goals_still_apply(tmp_path: Path):
    goals = write_project(tmp_path, AGTM, ga4=False)
    goals.write_text(goals.read_text().replace("target:\n", "safety: {keep_used: true}\ntarget:\n", 1))
    adopt_tag(tmp_path / "container.json", "GA4 - GTAG", "old_google_tag", goals)
    plan = apply_goal_file(goals)
    assert "GA4 - GTAG" not in {c.name for c in plan.changes}
    assert any('GTM tag "GA4 - GTAG"' in w and "safety.keep_used" in w for w in plan.warnings)
    assert "GA4 - GTAG" in {t["name"] for t in version_of(tmp_path / "container.json")["tag"]}


def test_trigger_group_members_are_read_by_name_and_written_back_by_id():
    from goalkeeper.backends.gtm_common import api_object, entity_from_api

    group = {
        "name": "Both clicks",
        "type": "triggerGroup",
        "triggerId": "30",
        "parameter": [{"key": "triggerIds", "type": "list", "list": [{"type": "triggerReference", "value": "12"}]}],
    }
    entity = entity_from_api("gtm.trigger", group, {"12": "Link click - checkout"})
    assert entity.body["parameter"][0]["list"] == [{"type": "triggerReference", "value": "Link click - checkout"}]
    written = api_object(entity, {"Link click - checkout": "77"})
    assert written["parameter"][0]["list"] == [{"type": "triggerReference", "value": "77"}]


# --- a round trip through GTM ----------------------------------------------------------------------


def through_gtm(export: Path) -> None:
    """The export as GTM gives it back after an import: it fills in each link-click trigger's wait
    time and unique id (as every such trigger in the real exports carries them), and someone set
    consent settings on a goalkeeper tag and moved it into a folder."""
    document = json.loads(export.read_text())
    version = document["containerVersion"]
    for trigger in version["trigger"]:
        if trigger["type"] == "LINK_CLICK" and MARKER in trigger.get("notes", ""):
            trigger["waitForTagsTimeout"] = {"type": "TEMPLATE", "key": "waitForTagsTimeout", "value": "2000"}
            trigger["uniqueTriggerId"] = {"type": "TEMPLATE", "key": "uniqueTriggerId", "value": "1_12"}
    version.setdefault("folder", []).append({"folderId": "990", "name": "Marketing"})
    [tag] = [t for t in version["tag"] if t["name"] == "GA4 event - checkout_click"]
    tag["consentSettings"] = {
        "consentStatus": "NEEDED",
        "consentType": {"type": "LIST", "list": [{"type": "TEMPLATE", "value": "ad_storage"}]},
    }
    tag["parentFolderId"] = "990"
    export.write_text(json.dumps(document, indent=2))


@pytest.mark.parametrize("export", WEB_EXPORTS)
def test_after_a_round_trip_through_gtm_the_plan_is_clean_and_updates_keep_what_people_set(
    tmp_path: Path, export: Path
):
    goals = write_project(tmp_path, export, ga4=False)
    apply_goal_file(goals)
    through_gtm(tmp_path / "container.json")
    assert open_project(goals).plan().summary() == "No changes."

    goals.write_text(goals.read_text().replace("url_contains: /checkout", "url_contains: /checkout/start"))
    plan = apply_goal_file(goals)
    assert "Link click - checkout_click" in {c.name for c in plan.changes}
    version = version_of(tmp_path / "container.json")
    [tag] = [t for t in version["tag"] if t["name"] == "GA4 event - checkout_click"]
    assert tag["consentSettings"]["consentStatus"] == "NEEDED" and tag["parentFolderId"] == "990"
    assert import_problems(version) == []
    assert open_project(goals).plan().summary() == "No changes."


@pytest.mark.parametrize(
    "export",
    BLOCKING_EXPORTS
    or [
        pytest.param(None, marks=pytest.mark.skip(reason=f"{SHARED_CONTAINERS} (07 has its own Video Title) is absent"))
    ],
)
def test_a_variable_named_like_a_needed_built_in_is_refused_as_the_live_container_refuses_it(
    tmp_path: Path, export: Path
):
    goals = write_project(tmp_path, export)
    before = (tmp_path / "container.json").read_bytes()
    with pytest.raises(GoalkeeperError) as error:
        open_project(goals).plan()
    assert "built-in variable 'Video Title'" in str(error.value)
    assert "Rename that variable in GTM" in str(error.value)
    assert (tmp_path / "container.json").read_bytes() == before


def test_writing_the_export_leaves_the_document_read_before_as_it_was(tmp_path: Path):
    from goalkeeper.backends.container_file import updated_export

    goals = write_project(tmp_path, EXAMPLES / "example-container.json")
    project = open_project(goals)
    plan = project.plan()
    document = project.backends[0].document()
    before = json.dumps(document, sort_keys=True)
    written = updated_export(document, plan.for_target("gtm").changes)
    assert json.dumps(document, sort_keys=True) == before
    new_ids = [
        int(o[ID_KEYS[key]])
        for key in ID_KEYS
        for o in written["containerVersion"].get(key, [])
        if o["name"] not in {x["name"] for x in document["containerVersion"].get(key, [])}
    ]
    old_ids = [int(o[ID_KEYS[k]]) for k in ID_KEYS for o in document["containerVersion"].get(k, [])]
    assert new_ids and len(set(new_ids)) == len(new_ids) and min(new_ids) > max(old_ids)
