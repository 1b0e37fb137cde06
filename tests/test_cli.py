"""The goalkeeper command end to end, in a copy of the example project."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests import cli_helpers
from tests.conftest import edited_json

CONTAINER, SNAPSHOT = "example-container.json", "example-ga4.json"
TARGET = (
    "target:\n"
    f"  gtm: {{container_file: {CONTAINER}}}\n"
    f"  ga4: {{snapshot_file: {SNAPSHOT}}}\n"
    "  measurement_id: G-ABC123XYZ\n"
)
FOOTER = re.compile(r"^Plan: (\d+) to add, (\d+) to change, (\d+) to destroy\.$")


@pytest.fixture
def run(in_three_goal_project: Path):
    """The goalkeeper command, run in the three-goal project."""
    return cli_helpers.run


def targets(project_dir: Path) -> tuple[bytes, bytes]:
    return (project_dir / CONTAINER).read_bytes(), (project_dir / SNAPSHOT).read_bytes()


def container(project_dir: Path) -> dict:
    return json.loads((project_dir / CONTAINER).read_text())["containerVersion"]


def managed(objects: list[dict]) -> list[dict]:
    return [o for o in objects if str(o.get("notes", "")).startswith("Managed by goalkeeper")]


def param(obj: dict, key: str):
    return next(p.get("value") for p in obj.get("parameter", []) if p["key"] == key)


# --- plan ------------------------------------------------------------------------------------


def test_plan_prints_a_real_plan_with_its_footer(run, project_dir: Path):
    before = targets(project_dir)
    result = run("plan", "shop.yaml")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"Target: GTM container export {CONTAINER}"
    assert "goalkeeper will perform the following actions:" in lines
    headings = [
        "# goal checkout_click (link_click, process_milestone)",
        "# goal checkout_page_view (destination, process_milestone)",
        "# goal product_video (youtube_video, secondary_action)",
    ]
    assert [heading for heading in headings if heading not in lines] == []
    assert '  + GTM trigger "Link click - checkout_click"' in lines
    assert '      + Fires on = Click URL contains "/checkout"' in lines
    footer = FOOTER.match(lines[-1])
    assert footer, lines[-1]
    creates = [line for line in lines if re.match(r"^  \+ ", line)]
    assert int(footer.group(1)) == len(creates) > 0 and footer.group(2, 3) == ("0", "0")
    assert targets(project_dir) == before  # planning writes nothing


def test_plan_as_json_lists_every_change_to_make(run):
    result = run("plan", "shop.yaml", "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["format_version"] == "1.0"
    assert document["summary"]["add"] == len(document["changes"])
    assert document["summary"]["text"] == f"Plan: {len(document['changes'])} to add, 0 to change, 0 to destroy."
    for change in document["changes"]:
        assert {"action", "kind", "name", "before", "after"} <= set(change)
        assert change["action"] == "create" and change["before"] is None and isinstance(change["after"], dict)
    by_name = {(c["kind"], c["name"]): c for c in document["changes"]}
    trigger = by_name[("gtm.trigger", "Link click - checkout_click")]
    assert trigger["after"]["type"] == "linkClick" and trigger["goals"] == ["checkout_click"]
    assert by_name[("ga4.key_event", "checkout_page_view")]["after"]["countingMethod"] == "ONCE_PER_SESSION"


def test_plan_as_json_shows_before_and_after_of_an_update(run, project_dir: Path):
    assert run("apply", "shop.yaml", "--auto-approve").exit_code == 0
    goals = project_dir / "shop.yaml"
    goals.write_text(goals.read_text().replace("url_contains: /checkout", "url_contains: /checkout/start"))
    document = json.loads(run("plan", "shop.yaml", "--format", "json").stdout)
    (change,) = document["changes"]
    assert (change["action"], change["kind"], change["name"]) == (
        "update",
        "gtm.trigger",
        "Link click - checkout_click",
    )
    assert change["before"]["filter"] != change["after"]["filter"]
    assert change["fields"] == [
        {
            "field": "filter",
            "label": "Fires on",
            "before": 'Click URL contains "/checkout"',
            "after": 'Click URL contains "/checkout/start"',
        }
    ]
    assert change["bookkeeping"] is False
    text = run("plan", "shop.yaml").stdout
    assert '      ~ Fires on: Click URL contains "/checkout" -> "/checkout/start"' in text.splitlines()
    raw = run("plan", "shop.yaml", "--raw").stdout
    assert '      ~ filter: Click URL contains "/checkout" -> "/checkout/start"' in raw.splitlines()
    assert text.splitlines()[-1] == "Plan: 0 to add, 1 to change, 0 to destroy."


def test_plan_as_markdown_is_a_pull_request_comment_with_a_diff(run):
    result = run("plan", "shop.yaml", "--format", "markdown")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.startswith("<!-- goalkeeper-plan: shop.yaml -->\n")
    assert "| `checkout_click` | link_click | process milestone | added |" in text
    assert "```diff" in text and '+ GTM trigger "Link click - checkout_click"' in text
    assert re.search(r"^\*\*Plan: \d+ to add, 0 to change, 0 to destroy\.\*\*$", text, re.M)


def test_detailed_exitcode_is_2_with_changes_0_without_and_1_on_bad_input(run, project_dir: Path):
    assert run("plan", "shop.yaml", "--detailed-exitcode").exit_code == 2
    applied = run("apply", "shop.yaml", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert any(line.startswith("Apply complete.") for line in applied.stdout.splitlines())
    again = run("plan", "shop.yaml", "--detailed-exitcode")
    assert again.exit_code == 0
    assert "No changes." in again.stdout
    (project_dir / "shop.yaml").write_text(TARGET + "goals:\n  - name: a\n    kind: nope\n")
    assert run("plan", "shop.yaml", "--detailed-exitcode").exit_code == 1


def test_apply_without_auto_approve_and_no_terminal_refuses(run, project_dir: Path):
    before = targets(project_dir)
    result = run("apply", "shop.yaml")
    assert result.exit_code == 1
    assert "--auto-approve" in result.stderr
    assert targets(project_dir) == before


def test_apply_with_nothing_to_do_writes_nothing(run, project_dir: Path):
    assert run("apply", "shop.yaml", "--auto-approve").exit_code == 0
    before = targets(project_dir)
    result = run("apply", "shop.yaml")  # no confirmation needed: there is nothing to confirm
    assert result.exit_code == 0 and "No changes." in result.stdout
    assert targets(project_dir) == before


# --- every kind of the foundation, applied and planned again --------------------------------

KIND_GOALS = {
    "link_click": "  - name: signup_click\n    kind: link_click\n    url_contains: /signup\n    wait_for_tags: true\n    key_event: true\n",
    "destination_gtm": "  - name: thanks_page\n    kind: destination\n    via: gtm\n    page: {path_equals: /thanks}\n    key_event: true\n",
    "destination_ga4_rule": "  - name: thanks_page\n    kind: destination\n    via: ga4_rule\n    page: {path_starts_with: /thanks}\n    key_event: {value: 10, currency: EUR}\n",
    "destination_default_ga4_rule": "defaults: {destination_via: ga4_rule}\n",
    "youtube_percent": "  - name: demo_video\n    kind: youtube_video\n    track: [start, progress]\n    progress_percent: [10, 90]\n",
    "youtube_seconds": "  - name: demo_video\n    kind: youtube_video\n    track: [progress, complete]\n    progress_seconds: [30, 120]\n",
}


def _kind_file(case: str) -> str:
    if case == "destination_default_ga4_rule":
        return (
            TARGET
            + KIND_GOALS[case]
            + "goals:\n  - name: thanks_page\n    kind: destination\n    page: {url_contains: thanks}\n"
        )
    return TARGET + "goals:\n" + KIND_GOALS[case]


@pytest.mark.parametrize("case", list(KIND_GOALS))
def test_every_kind_applies_and_then_plans_no_changes(run, project_dir: Path, case: str):
    (project_dir / "goals.yaml").write_text(_kind_file(case))
    assert run("plan", "--detailed-exitcode").exit_code == 2
    applied = run("apply", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    again = run("plan", "--detailed-exitcode")
    assert again.exit_code == 0, again.output
    assert "No changes." in again.stdout

    version = container(project_dir)
    ga4 = json.loads((project_dir / SNAPSHOT).read_text())
    triggers, tags = managed(version.get("trigger", [])), managed(version.get("tag", []))
    if case.startswith("destination") and "ga4_rule" in case:
        assert triggers == [] and tags == []
        (rule,) = ga4["eventCreateRules"]
        assert rule["destinationEvent"] == "thanks_page"
        assert any(c["field"] == "page_location" for c in rule["eventConditions"])
    else:
        (trigger,), (tag,) = triggers, tags
        assert tag["firingTriggerId"] == [trigger["triggerId"]]
        expected_type = {"link": "LINK_CLICK", "dest": "PAGEVIEW", "yout": "YOU_TUBE_VIDEO"}[case[:4]]
        assert trigger["type"] == expected_type
    if case == "youtube_seconds":
        assert param(trigger, "radioButtonGroup1") == "TIME"
        assert param(trigger, "progressThresholdsTimeInSeconds") == "30,120"
        assert param(trigger, "captureStart") == "false"
    if case == "youtube_percent":
        assert param(trigger, "radioButtonGroup1") == "PERCENTAGE"
        assert param(trigger, "progressThresholdsPercent") == "10,90"
    if case == "link_click":
        assert trigger["waitForTags"] == {"type": "BOOLEAN", "value": "true"}
    key_events = {k["eventName"]: k for k in ga4["keyEvents"]}
    expected_key_events = {
        "link_click": {"signup_click"},
        "destination_gtm": {"thanks_page"},
        "destination_ga4_rule": {"thanks_page"},
    }.get(case, set())
    assert set(key_events) == {"purchase"} | expected_key_events
    if case == "destination_ga4_rule":
        assert key_events["thanks_page"]["defaultValue"] == {"numericValue": 10, "currencyCode": "EUR"}


# --- bad input -------------------------------------------------------------------------------

BAD_FILES = {
    "unknown kind": ("goals:\n  - name: a\n    kind: link_clik\n    url_contains: /x\n", 7),
    "yaml syntax": ("goals:\n  - name: a\n    kind: link_click: x\n", 7),
    "reserved event": ("goals:\n  - name: a\n    kind: link_click\n    url_contains: /x\n    event_name: ga_x\n", 9),
    "duplicate key": ("goals:\n  - name: a\n    kind: link_click\n    kind: destination\n", 8),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
@pytest.mark.parametrize("command", [("plan",), ("plan", "--detailed-exitcode"), ("apply", "--auto-approve")])
def test_bad_input_exits_1_with_file_and_line_and_touches_nothing(run, project_dir: Path, case: str, command):
    text, line = BAD_FILES[case]
    (project_dir / "goals.yaml").write_text(TARGET + text)
    before = targets(project_dir)
    result = run(*command, "goals.yaml")
    assert result.exit_code == 1
    assert f"goals.yaml:{line}: " in result.stderr
    assert "Traceback" not in result.output
    assert targets(project_dir) == before


def test_all_problems_of_a_file_are_printed(run, project_dir: Path):
    (project_dir / "goals.yaml").write_text(
        TARGET
        + (
            "goals:\n"
            "  - name: a\n"  # 6
            "    kind: link_click\n"
            "  - name: b\n"  # 8
            "    kind: nope\n"  # 9
            "  - name: c\n"
            "    kind: link_click\n"
            "    url_contains: /x\n"
            "    event_name: session_start\n"
        )
    )  # 13
    result = run("plan")
    assert result.exit_code == 1
    assert [line.split(": ", 2)[1] for line in result.stderr.splitlines()] == [
        "goals.yaml:6",
        "goals.yaml:9",
        "goals.yaml:13",
    ]


def test_a_conflict_with_an_unmanaged_entity_exits_1_and_touches_nothing(run, project_dir: Path):
    (project_dir / "goals.yaml").write_text(
        TARGET + "goals:\n  - name: chat\n    kind: link_click\n    url_contains: /x\n"
    )
    with edited_json(project_dir / CONTAINER) as document:
        document["containerVersion"]["trigger"].append(
            {
                "accountId": "6001234567",
                "containerId": "201234567",
                "triggerId": "99",
                "name": "Link click - chat",
                "type": "LINK_CLICK",
            }
        )
    before = targets(project_dir)
    result = run("apply", "--auto-approve")
    assert result.exit_code == 1 and "'Link click - chat'" in result.stderr
    assert targets(project_dir) == before


# --- goal values are data, never template code -------------------------------------------


def _define_variable(project_dir: Path, name: str) -> None:
    with edited_json(project_dir / CONTAINER) as document:
        document["containerVersion"]["variable"].append(
            {
                "accountId": "6001234567",
                "containerId": "201234567",
                "variableId": "77",
                "name": name,
                "type": "c",
                "parameter": [{"type": "TEMPLATE", "key": "value", "value": "/x"}],
            }
        )


@pytest.mark.parametrize("text", ["{{7*7}}", "<<7*7>>", "{% raw %}<< 7*7 >>{% endraw %}", "{{ config }}"])
def test_template_syntax_in_a_goal_comes_out_as_exactly_that_text(run, project_dir: Path, text: str):
    for name in re.findall(r"\{\{([^{}]+)\}\}", text):
        _define_variable(project_dir, name)  # GTM reads {{…}} as a variable: it must exist
    (project_dir / "goals.yaml").write_text(
        TARGET + f"goals:\n  - name: injected\n    kind: link_click\n    url_contains: {json.dumps(text)}\n"
    )
    applied = run("apply", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    (trigger,) = managed(container(project_dir)["trigger"])
    (condition,) = trigger["filter"]
    assert param(condition, "arg1") == text
    assert "49" not in json.dumps(trigger["filter"])
    assert run("plan", "--detailed-exitcode").exit_code == 0


def test_an_undefined_variable_in_a_goal_is_refused_by_name(run, project_dir: Path):
    (project_dir / "goals.yaml").write_text(
        TARGET + 'goals:\n  - name: injected\n    kind: link_click\n    url_contains: "{{7*7}}"\n'
    )
    before = targets(project_dir)
    result = run("apply", "--auto-approve")
    assert result.exit_code == 1
    assert "{{7*7}}" in result.stderr
    assert targets(project_dir) == before


# --- the other commands ----------------------------------------------------------------------


def test_validate_counts_the_goals_and_kinds_lists_and_describes_them(run):
    result = run("validate", "shop.yaml")
    assert result.exit_code == 0 and "shop.yaml: 3 goals, valid." in result.stdout
    listing = run("kinds")
    assert listing.exit_code == 0
    assert {line.split()[0] for line in listing.stdout.splitlines()} >= {"destination", "link_click", "youtube_video"}
    one = run("kinds", "link_click")
    assert one.exit_code == 0 and "url_contains" in one.stdout
    assert run("kinds", "nope").exit_code == 1


def test_a_goal_only_an_absent_target_could_track_is_warned_about(run, project_dir: Path):
    (project_dir / "gtm-only.yaml").write_text(
        "target:\n  gtm: {container_file: example-container.json}\n  measurement_id: G-ABC123XYZ\n"
        "goals:\n  - name: thanks\n    kind: destination\n    via: ga4_rule\n    page: {path_equals: /thanks}\n"
    )
    result = run("plan", "gtm-only.yaml")
    assert result.exit_code == 0
    assert "goal 'thanks' is tracked only in GA4" in result.stdout and "No changes." in result.stdout


def test_a_templates_folder_that_does_not_exist_is_an_error(run):
    result = run("plan", "shop.yaml", "--templates", "no-such-folder")
    assert result.exit_code == 1 and "no-such-folder" in result.output
