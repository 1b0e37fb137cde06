"""Adopting hand-made tracking as goals: `goalkeeper import` writes a trigger and the GA4 event tag
firing on it (or a GA4 event-create rule, with the key event on its event) as the goal that makes
them exactly, keeping their names, ids and settings under `adopted:`. The plan then only marks
them as goalkeeper's, and after apply says `No changes.`; what no goal makes exactly stays under
`entities:`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from goalkeeper.goals.helpers import page_url_regex
from tests import cli_helpers
from tests.conftest import EXAMPLES

# The rules goalkeeper writes for these page matchers are recognised as the goals that wrote them.
RULE_PAGES = [
    ("path_equals", "/thank-you"),
    ("path_starts_with", "/checkout/"),
    ("path_contains", "thank"),
    ("url_equals", "https://shop.example.com/thank-you?x=1"),
    ("url_contains", "thank-you"),
]

HEADER = "target:\n  gtm: {container_file: made.json}\n  measurement_id: G-ABC123XYZ\ngoals:\n"


def run(*args: str) -> tuple[int, str]:
    result = cli_helpers.run(*args)
    return result.exit_code, result.output


def hand_made(goal: str, **edit: str) -> dict:
    """A container export holding what ``goal`` makes as a person would have built it by hand:
    no goalkeeper notes, their own names (``edit``: goalkeeper's name → the hand-made one), the
    tag sending to their own constant variable instead of goalkeeper's."""
    Path("made.yaml").write_text(HEADER + goal)
    assert run("export", "made.yaml", "--out", "made.json")[0] == 0
    document = json.loads(Path("made.json").read_text())
    text = json.dumps(document)
    names = {"goalkeeper - GA4 Measurement ID": "GA4 ID", "goalkeeper - Google tag": "Google tag", **edit}
    for old, new in names.items():
        text = text.replace(json.dumps(old)[1:-1], json.dumps(new)[1:-1])
    document = json.loads(text)
    for key in ("tag", "trigger", "variable"):
        for entity in document["containerVersion"].get(key, []):
            entity["notes"] = "Built by the web team"
    return document


def import_goals(document: dict, *options: str) -> dict:
    Path("container.json").write_text(json.dumps(document))
    Path("ga4.json").write_text((EXAMPLES / "example-ga4.json").read_text())
    status, output = run(
        "import", "--container-file", "container.json", "--snapshot-file", "ga4.json", "--out", "adopted.yaml", *options
    )
    assert status == 0, output
    return YAML(typ="safe").load(Path("adopted.yaml").read_text())


def plan_then_apply_then_no_changes() -> list[dict]:
    result = cli_helpers.run("plan", "adopted.yaml", "--format", "json")
    assert result.exit_code == 0, result.output
    changes = json.loads(result.stdout)["changes"]
    assert run("apply", "adopted.yaml", "--auto-approve")[0] == 0
    status, output = run("plan", "adopted.yaml", "--detailed-exitcode")
    assert status == 0 and "No changes." in output, output
    return changes


def ids(document: dict) -> dict:
    version = document["containerVersion"]
    return {(k, o["name"]): o[f"{k}Id"] for k in ("tag", "trigger", "variable") for o in version.get(k, [])}


GOALS = {
    "link_click": "  - {name: checkout_click, kind: link_click, url_contains: /checkout}\n",
    "link_click waiting for tags": (
        "  - {name: quote_click, kind: link_click, url_ends_with: /quote, wait_for_tags: true}\n"
    ),
    "element_click by selector": "  - {name: cta_click, kind: element_click, selector: button.cta}\n",
    "element_click by text": "  - {name: demo_click, kind: element_click, text: Book a demo}\n",
    "datalayer_event": "  - {name: sign_up, kind: datalayer_event, datalayer_event: signup_complete}\n",
    "datalayer_event with ecommerce": (
        "  - {name: add_to_cart, kind: datalayer_event, datalayer_event: add_to_cart, ecommerce: true}\n"
    ),
    "youtube_video": (
        "  - {name: product_video, kind: youtube_video, track: [start, progress], progress_seconds: [10, 30]}\n"
    ),
    "scroll_depth": ("  - {name: article_scroll, kind: scroll_depth, percents: [50, 90], page_path_regex: ^/blog/}\n"),
    "timer": "  - {name: engaged_30s, kind: timer, seconds: 30, repeat: 2, page_path_regex: ^/pricing}\n",
    "form_submit": (
        "  - {name: contact_form, kind: form_submit, form_id: contact, check_validation: true, on_pages_regex: ^/contact}\n"
    ),
    "element_visibility": (
        "  - {name: reviews_seen, kind: element_visibility, selector: '#reviews', min_percent_visible: 75,"
        " min_seconds: 2, frequency: once_per_element}\n"
    ),
    "file_download": "  - {name: brochure, kind: file_download, extensions: [pdf], url_contains: /brochures/}\n",
    "contact_link by one scheme": "  - {name: call_click, kind: contact_link, schemes: [tel]}\n",
    "contact_link by schemes": "  - {name: contact_click, kind: contact_link}\n",
    "outbound_link": "  - {name: outbound, kind: outbound_link, site_domains: [shop.example.com, example.com]}\n",
    "social_link": "  - {name: social_click, kind: social_link, networks: [facebook, linkedin]}\n",
    "destination": (
        "  - {name: checkout_page, kind: destination, page: {path_starts_with: /checkout}, event_name: checkout_view}\n"
    ),
}


@pytest.mark.parametrize("goal", GOALS.values(), ids=GOALS.keys())
def test_a_hand_made_trigger_and_tag_become_the_goal_that_makes_them(goal: str, in_tmp_path: Path):
    made = YAML(typ="safe").load(HEADER + goal)["goals"][0]
    document = hand_made(goal)
    written = import_goals(document)
    (found,) = written["goals"]
    # ecommerce only shapes the tag's parameters, which adopted: keeps (and which send the data)
    assert {k: v for k, v in found.items() if k not in ("name", "adopted", "event_name")} == {
        k: v for k, v in made.items() if k not in ("name", "event_name", "ecommerce")
    }
    # The tag keeps sending to the hand-made variable; the notes stay after goalkeeper's marker.
    tag = next(v for k, v in found["adopted"].items() if k.startswith("GA4 event - "))
    assert tag["parameter"]["measurementIdOverride"] == "{{GA4 ID}}"
    assert tag["notes"] == "Built by the web team"
    assert {e.get("variable") for e in written["entities"]} >= {"GA4 ID"}
    changes = plan_then_apply_then_no_changes()
    assert changes and all(c["bookkeeping"] for c in changes), changes
    assert ids(json.loads(Path("container.json").read_text())) == ids(document)  # nothing recreated


def test_hand_made_names_are_kept_and_the_tag_fires_on_the_trigger_by_its_name(in_tmp_path: Path):
    document = hand_made(
        GOALS["link_click"],
        **{"Link click - checkout_click": "Click - Checkout", "GA4 event - checkout_click": "GA4 - Checkout"},
    )
    (found,) = import_goals(document)["goals"]
    assert found["name"] == "checkout_click"
    assert found["adopted"]["Link click - checkout_click"] == {
        "name": "Click - Checkout",
        "notes": "Built by the web team",
    }
    assert found["adopted"]["GA4 event - checkout_click"]["name"] == "GA4 - Checkout"
    plan_then_apply_then_no_changes()
    tag = next(
        t
        for t in json.loads(Path("container.json").read_text())["containerVersion"]["tag"]
        if t["name"] == "GA4 - Checkout"
    )
    assert tag["notes"].endswith("\n\nBuilt by the web team") and "goalkeeper" in tag["notes"]


def test_the_key_event_on_the_goals_event_becomes_its_key_event(in_tmp_path: Path):
    # The example property marks purchase as a key event (once per event).
    document = hand_made("  - {name: purchase, kind: datalayer_event, datalayer_event: purchase}\n")
    written = import_goals(document)
    (found,) = written["goals"]
    assert found["key_event"] is True
    assert "purchase" not in {e.get("key_event") for e in written["entities"]}
    plan_then_apply_then_no_changes()


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(
            lambda trigger, tag: trigger["filter"][0]["parameter"].append(
                {"type": "boolean", "key": "negate", "value": "true"}
            ),
            id="negated condition",
        ),
        pytest.param(lambda trigger, tag: trigger["filter"].append(trigger["filter"][0]), id="a second condition"),
        pytest.param(lambda trigger, tag: tag["firingTriggerId"].append("2147479553"), id="a second firing trigger"),
        pytest.param(
            lambda trigger, tag: tag.update(
                type="html", parameter=[{"type": "template", "key": "html", "value": "<script></script>"}]
            ),
            id="not a GA4 event tag",
        ),
    ],
)
def test_what_no_goal_makes_exactly_stays_an_entity(edit, in_tmp_path: Path):
    document = hand_made(GOALS["link_click"])
    version = document["containerVersion"]
    trigger = next(t for t in version["trigger"] if t["name"].startswith("Link click"))
    tag = next(t for t in version["tag"] if t["name"].startswith("GA4 event"))
    edit(trigger, tag)
    written = import_goals(document)
    assert written["goals"] == []
    assert {e.get("trigger") for e in written["entities"]} >= {trigger["name"]}
    plan_then_apply_then_no_changes()


def test_no_goals_keeps_everything_as_entities(in_tmp_path: Path):
    written = import_goals(hand_made(GOALS["link_click"]), "--no-goals")
    assert written["goals"] == []
    assert {e.get("tag") for e in written["entities"]} >= {"GA4 event - checkout_click"}


@pytest.mark.parametrize(
    ("page", "regex"),
    [
        ({"url_regex": "/thank-you"}, ".*(?:/thank-you).*"),
        *[({matcher: text}, page_url_regex({matcher: text})) for matcher, text in RULE_PAGES],
    ],
    ids=["a url regex", *[matcher for matcher, _ in RULE_PAGES]],
)
def test_an_event_create_rule_on_page_view_and_its_key_event_become_a_destination_goal(
    page: dict, regex: str, in_tmp_path: Path
):
    snapshot = json.loads((EXAMPLES / "example-ga4.json").read_text())
    snapshot["eventCreateRules"] = [
        {
            "name": "properties/123456789/dataStreams/987654321/eventCreateRules/5",
            "destinationEvent": "thank_you",
            "eventConditions": [
                {"field": "event_name", "comparisonType": "EQUALS", "value": "page_view"},
                {"field": "page_location", "comparisonType": "REGULAR_EXPRESSION", "value": regex},
            ],
            "sourceCopyParameters": True,
        }
    ]
    snapshot["keyEvents"].append(
        {**snapshot["keyEvents"][0], "name": "properties/123456789/keyEvents/7", "eventName": "thank_you"}
    )
    Path("ga4.json").write_text(json.dumps(snapshot))
    assert run("import", "--snapshot-file", "ga4.json", "--out", "adopted.yaml")[0] == 0
    written = YAML(typ="safe").load(Path("adopted.yaml").read_text())
    assert written["goals"] == [
        {
            "name": "thank_you",
            "kind": "destination",
            "via": "ga4_rule",
            "page": page,
            "key_event": True,
            "adopted": {"thank_you": {}},
        }
    ]
    assert not {e.get("event_create_rule") for e in written["entities"]} & {"thank_you"}
    changes = plan_then_apply_then_no_changes()
    assert [(c["action"], c["bookkeeping"]) for c in changes if c["name"] == "thank_you"] == [("update", True)]
    (rule,) = json.loads(Path("ga4.json").read_text())["eventCreateRules"]
    assert rule["name"].endswith("/eventCreateRules/5")  # the same rule, not a new one


def test_a_tag_sending_the_datalayer_events_own_name_is_named_after_that_event(in_tmp_path: Path):
    document = hand_made(GOALS["datalayer_event"])
    tag = next(t for t in document["containerVersion"]["tag"] if t["name"].startswith("GA4 event"))
    next(p for p in tag["parameter"] if p["key"] == "eventName")["value"] = "{{Event}}"
    (found,) = import_goals(document)["goals"]
    assert (found["name"], found["event_name"]) == ("signup_complete", "{{Event}}")
    assert list(found)[-2:] == ["event_name", "adopted"]  # what it tracks first, then how
    plan_then_apply_then_no_changes()


# --- after the import: the goal file as people go on editing it ------------------------------


@pytest.fixture
def adopted_checkout(in_tmp_path: Path) -> Path:
    """The link-click goal imported from hand-made entities and applied."""
    document = hand_made(
        GOALS["link_click"],
        **{"Link click - checkout_click": "Click - Checkout", "GA4 event - checkout_click": "GA4 - Checkout"},
    )
    import_goals(document)
    assert run("apply", "adopted.yaml", "--auto-approve")[0] == 0
    return Path("adopted.yaml")


def plan_lines(goals: Path) -> list[str]:
    status, output = run("plan", str(goals))
    assert status == 0, output
    return [line.strip() for line in output.splitlines() if line.strip().startswith(("+", "~", "-", "Plan:"))]


def test_changing_the_event_of_an_adopted_tag_updates_that_tag_only(adopted_checkout: Path):
    text = adopted_checkout.read_text().replace(
        "kind: link_click\n", "kind: link_click\n    event_name: checkout_start\n"
    )
    adopted_checkout.write_text(text)
    assert plan_lines(adopted_checkout) == [
        '~ GTM tag "GA4 - Checkout"',
        '~ Event name: "checkout_click" -> "checkout_start"',
        "Plan: 0 to add, 1 to change, 0 to destroy.",
    ]


def test_a_new_goal_sends_through_the_sites_own_google_tag(adopted_checkout: Path):
    text = adopted_checkout.read_text().replace("goals:\n", "goals:\n" + GOALS["datalayer_event"], 1)
    adopted_checkout.write_text(text)
    lines = plan_lines(adopted_checkout)
    assert '+ GTM tag "GA4 event - sign_up"' in lines
    assert not [line for line in lines if "Google tag" in line]  # the adopted one loads the ID already


def test_a_tag_adopted_as_an_entity_may_change_while_its_trigger_stays_the_containers(in_tmp_path: Path):
    import_goals(hand_made(GOALS["link_click"]), "--type", "tag")
    text = Path("adopted.yaml").read_text().replace("eventName: checkout_click", "eventName: checkout_start")
    Path("adopted.yaml").write_text(text)
    assert "~ Event name" in "\n".join(plan_lines(Path("adopted.yaml")))


def with_own_trigger(document: dict) -> dict:
    """``document`` with the second tag firing on its own copy of the trigger both fire on."""
    version = document["containerVersion"]
    (trigger,) = version["trigger"]
    copy = {**trigger, "triggerId": "77", "name": "Click - Checkout (copy)"}
    version["trigger"].append(copy)
    next(t for t in version["tag"] if t["name"] == "GA4 event - b_click")["firingTriggerId"] = ["77"]
    return document


def event_of_b(document: dict, event: str) -> dict:
    """``document`` with the tag of goal b_click sending ``event``."""
    tag = next(t for t in document["containerVersion"]["tag"] if t["name"] == "GA4 event - b_click")
    next(p for p in tag["parameter"] if p["key"] == "eventName")["value"] = event
    return document


@pytest.mark.parametrize(
    ("made", "edit", "goals"),  # goals: how many are written as goals, the rest as entities
    [
        pytest.param(
            GOALS["link_click"] + "  - {name: b_click, kind: link_click, url_contains: /checkout}\n",
            with_own_trigger,
            2,
            id="identical triggers",
        ),
        pytest.param(
            "  - {name: checkout_click, kind: link_click, url_contains: /checkout, shared_event: true}\n"
            "  - {name: b_click, kind: element_click, text: Buy, event_name: checkout_click, shared_event: true}\n",
            None,
            1,
            id="one event from two kinds",
        ),
        pytest.param(
            GOALS["link_click"] + "  - {name: b_click, kind: link_click, url_contains: /cart}\n",
            lambda document: event_of_b(document, "Checkout_Click"),
            1,
            id="events differing in case",
        ),
    ],
)
def test_groups_that_would_not_plan_together_as_goals_stay_entities(made: str, edit, goals: int, in_tmp_path: Path):
    document = hand_made(made)
    written = import_goals(edit(document) if edit else document)
    assert len(written["goals"]) == goals
    plan_then_apply_then_no_changes()


@pytest.mark.parametrize("url", ["/b", "/a"], ids=["with other settings", "identical"])
def test_adopted_cannot_take_over_another_goal_files_entity(url: str, in_tmp_path: Path):
    Path("container.json").write_text((EXAMPLES / "example-container.json").read_text())
    target = "target:\n  gtm: {container_file: container.json}\n  measurement_id: G-ABC123XYZ\ngoals:\n"
    Path("a.yaml").write_text(target + "  - {name: team_a_click, kind: link_click, url_contains: /a}\n")
    assert run("apply", "a.yaml", "--auto-approve")[0] == 0
    Path("b.yaml").write_text(
        target + f"  - name: team_b_click\n    kind: link_click\n    url_contains: {url}\n"
        "    adopted: {Link click - team_b_click: {name: Link click - team_a_click}}\n"
    )
    status, output = run("plan", "b.yaml")
    assert status == 1
    assert "GTM trigger 'Link click - team_a_click' is goalkeeper's for the goal file whose owner is 'a.yaml'" in output


def test_tags_sending_event_on_different_datalayer_events_are_different_goals(in_tmp_path: Path):
    made = GOALS["datalayer_event"] + "  - {name: b_click, kind: datalayer_event, datalayer_event: checkout}\n"
    document = hand_made(made)
    for tag in document["containerVersion"]["tag"]:
        for parameter in tag["parameter"]:
            if parameter["key"] == "eventName":
                parameter["value"] = "{{Event}}"
    written = import_goals(document)
    assert sorted(g["name"] for g in written["goals"]) == ["checkout", "signup_complete"]
    plan_then_apply_then_no_changes()


def test_sources_named_relative_to_here_are_written_relative_to_the_goal_file(in_tmp_path: Path):
    Path("container.json").write_text((EXAMPLES / "example-container.json").read_text())
    Path("ga4.json").write_text((EXAMPLES / "example-ga4.json").read_text())
    Path("goals").mkdir()
    out = "goals/adopted.yaml"
    status, output = run("import", "--container-file", "container.json", "--snapshot-file", "ga4.json", "--out", out)
    assert status == 0, output
    target = YAML(typ="safe").load(Path(out).read_text())["target"]
    assert (target["gtm"], target["ga4"]) == ({"container_file": "../container.json"}, {"snapshot_file": "../ga4.json"})
    assert run("plan", out)[0] == 0


IMPORT_AGAIN = (
    "import",
    "--force",
    "--container-file",
    "container.json",
    "--snapshot-file",
    "ga4.json",
    "--out",
    "adopted.yaml",
)


def import_again(*options: str) -> None:
    """``goalkeeper import --force`` into adopted.yaml, from the same sources."""
    status, output = run(*IMPORT_AGAIN, *options)
    assert status == 0, output


@pytest.mark.parametrize(
    "options", [(), ("--type", "key_event"), ("--name", "nothing*")], ids=["all", "a type", "a name"]
)
def test_importing_again_with_any_choice_keeps_what_the_goal_file_manages(options: tuple, adopted_checkout: Path):
    import_again(*options)
    status, output = run("plan", "adopted.yaml", "--detailed-exitcode")
    assert status == 0 and "No changes." in output, output


def test_importing_again_keeps_the_goal_files_owner(in_tmp_path: Path):
    import_goals(hand_made(GOALS["link_click"]))
    adopted_checkout = Path("adopted.yaml")
    adopted_checkout.write_text("owner: shop\n" + adopted_checkout.read_text())
    assert run("apply", "adopted.yaml", "--auto-approve")[0] == 0
    import_again()
    written = YAML(typ="safe").load(adopted_checkout.read_text())
    assert (written["owner"], [g["name"] for g in written["goals"]]) == ("shop", ["checkout_click"])
    status, output = run("plan", "adopted.yaml", "--detailed-exitcode")
    assert status == 0 and "No changes." in output, output


def test_a_key_event_another_goal_files_tag_records_is_not_imported(in_tmp_path: Path):
    Path("container.json").write_text((EXAMPLES / "example-container.json").read_text())
    Path("ga4.json").write_text((EXAMPLES / "example-ga4.json").read_text())
    Path("own.yaml").write_text(
        "target:\n  gtm: {container_file: container.json}\n  ga4: {snapshot_file: ga4.json}\n  measurement_id: G-ABC123XYZ\n"
        "goals:\n  - {name: sign_up, kind: datalayer_event, datalayer_event: signup, key_event: true}\n"
    )
    assert run("apply", "own.yaml", "--auto-approve")[0] == 0
    status, output = run(
        "import", "--container-file", "container.json", "--snapshot-file", "ga4.json", "--out", "other.yaml"
    )
    assert status == 0, output
    written = YAML(typ="safe").load(Path("other.yaml").read_text())
    assert "sign_up" not in {e.get("key_event") for e in written["entities"]}
    assert "purchase" in {e.get("key_event") for e in written["entities"]}  # the property's own


def test_importing_again_with_a_choice_keeps_the_goals_key_events(in_tmp_path: Path):
    import_goals(hand_made("  - {name: purchase, kind: datalayer_event, datalayer_event: purchase}\n"))
    assert run("apply", "adopted.yaml", "--auto-approve")[0] == 0
    import_again("--type", "tag")
    (goal,) = YAML(typ="safe").load(Path("adopted.yaml").read_text())["goals"]
    assert goal["key_event"] is True
    status, output = run("plan", "adopted.yaml", "--detailed-exitcode")
    assert status == 0 and "No changes." in output, output


def test_importing_again_refuses_when_a_tag_the_goal_file_manages_lost_its_trigger(adopted_checkout: Path):
    document = json.loads(Path("container.json").read_text())
    next(t for t in document["containerVersion"]["tag"] if t["name"] == "GA4 - Checkout")["firingTriggerId"] = ["999"]
    Path("container.json").write_text(json.dumps(document))
    before = adopted_checkout.read_text()
    status, output = run(*IMPORT_AGAIN)
    assert status == 1
    assert "the goal file manages 'GA4 - Checkout', which fire on or are blocked by triggers the container" in output
    assert adopted_checkout.read_text() == before  # nothing written


def test_a_key_event_spelt_like_a_sent_event_but_for_case_is_the_containers_own_matter(in_tmp_path: Path):
    document = hand_made(GOALS["link_click"])
    Path("container.json").write_text(json.dumps(document))
    snapshot = json.loads((EXAMPLES / "example-ga4.json").read_text())
    snapshot["keyEvents"].append(
        {**snapshot["keyEvents"][0], "name": "properties/1/keyEvents/9", "eventName": "Checkout_Click"}
    )
    Path("ga4.json").write_text(json.dumps(snapshot))
    status, output = run(
        "import", "--container-file", "container.json", "--snapshot-file", "ga4.json", "--out", "adopted.yaml"
    )
    assert status == 0, output
    plan_then_apply_then_no_changes()


def test_editing_the_notes_an_adopted_entity_keeps_is_a_change_the_plan_shows(adopted_checkout: Path):
    adopted_checkout.write_text(adopted_checkout.read_text().replace("Built by the web team", "Owned by marketing", 1))
    result = cli_helpers.run("plan", "adopted.yaml", "--format", "json")
    (change,) = json.loads(result.stdout)["changes"]
    assert (change["action"], change["bookkeeping"]) == ("update", False)
    assert 'then "Built by the web team" -> "Owned by marketing"' in "\n".join(plan_lines(adopted_checkout))
