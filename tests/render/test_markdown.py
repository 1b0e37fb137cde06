"""The pull-request comment, pinned by golden files in tests/render/golden/.

After an intended change to the comment, rewrite the golden files with
``GOALKEEPER_UPDATE_GOLDEN=1 pytest tests/render`` and review their diff like any other change.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from goalkeeper.core import ownership
from goalkeeper.core.changes import CREATE, DELETE, UPDATE, Change
from goalkeeper.core.diff import field_changes, only_marker_differs
from goalkeeper.core.model import Entity
from goalkeeper.core.plan import Plan
from goalkeeper.render import ExamplesInfo, GoalInfo, PlanContext
from goalkeeper.render.markdown import MAX_COMMENT, marker, render_markdown
from tests.core.helpers import change as typed_change

GOLDEN = Path(__file__).parent / "golden"
TARGETS = {"gtm": "GTM container export example-container.json", "ga4": "GA4 snapshot example-ga4.json"}
GOALS = {
    "signup": GoalInfo("destination", "macro"),
    "checkout_click": GoalInfo("link_click", "process_milestone"),
    "product_video": GoalInfo("youtube_video", "secondary_action"),
}


def change(action: str, before: Entity | None, after: Entity | None) -> Change:
    """The change the diff makes: an update of goalkeeper's notes alone is bookkeeping."""
    made = typed_change(action, before, after, field_changes(before, after))
    if action == UPDATE and before and after and only_marker_differs(after, before):
        return replace(made, bookkeeping=True)
    return made


def trigger(name: str, goal: str, url: str) -> Entity:
    body = {
        "type": "linkClick",
        "filter": [
            {
                "type": "contains",
                "parameter": [
                    {"type": "template", "key": "arg0", "value": "{{Click URL}}"},
                    {"type": "template", "key": "arg1", "value": url},
                ],
            }
        ],
        "notes": ownership.managed_notes([goal]),
    }
    return Entity("gtm.trigger", name, body, (goal,))


def tag(name: str, goals: tuple[str, ...], event: str, trigger_name: str) -> Entity:
    body = {
        "type": "gaawe",
        "firingTrigger": [trigger_name],
        "parameter": [{"type": "template", "key": "eventName", "value": event}],
        "notes": ownership.managed_notes(goals, [event]),
    }
    return Entity("gtm.tag", name, body, goals)


def variable(goals: tuple[str, ...], value: str) -> Entity:
    body = {
        "type": "c",
        "parameter": [{"type": "template", "key": "value", "value": value}],
        "notes": ownership.managed_notes(goals),
    }
    return Entity("gtm.variable", "goalkeeper - GA4 Measurement ID", body, goals)


def key_event(name: str, goal: str) -> Entity:
    return Entity("ga4.key_event", name, {"eventName": name, "countingMethod": "ONCE_PER_EVENT"}, (goal,))


def mixed_plan() -> Plan:
    """A goal added, a goal changed field by field, a goal removed, and a shared entity updated."""
    old_trigger = trigger("Link click - checkout_click", "checkout_click", "/checkout")
    new_trigger = trigger("Link click - checkout_click", "checkout_click", "/checkout/start")
    return Plan.of(
        [
            change(CREATE, None, trigger("Page view - signup", "signup", "/welcome")),
            change(CREATE, None, tag("GA4 event - signup", ("signup",), "sign_up", "Page view - signup")),
            change(CREATE, None, key_event("sign_up", "signup")),
            change(UPDATE, old_trigger, new_trigger),
            change(DELETE, tag("GA4 event - old_banner", ("old_banner",), "banner_click", "Banner"), None),
            change(DELETE, trigger("Banner", "old_banner", "/promo"), None),
            change(
                UPDATE,
                variable(("checkout_click", "old_banner", "product_video"), "G-ABC123XYZ"),
                variable(("checkout_click", "product_video", "signup"), "G-ABC123XYZ"),
            ),
        ]
    )


def context(**extra) -> PlanContext:
    return PlanContext(targets=TARGETS, goals=GOALS, source="goals/shop.yaml", **extra)


def assert_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("GOALKEEPER_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} is missing; run with GOALKEEPER_UPDATE_GOLDEN=1 to write it"
    assert text == path.read_text(encoding="utf-8")


def test_adds_updates_removed_goal_and_shared_entity():
    assert_golden("mixed.md", render_markdown(mixed_plan(), context()))


def test_no_changes():
    assert_golden("no_changes.md", render_markdown(Plan(()), context()))


def test_refused_plan_with_warnings():
    text = render_markdown(
        replace(
            mixed_plan(),
            warnings=(
                'not planned: delete GTM tag "GA4 event - old_banner", because the goal file sets '
                "safety.allow_deletes to false; remove it by hand, or allow deletes",
            ),
            refusal="this plan updates or deletes 3 of the 8 entities goalkeeper manages (38%), "
            "more than safety.max_change_share allows (30%). Review the plan, then run again "
            "with --force, or raise safety.max_change_share in the goal file",
        ),
        context(),
    )
    assert_golden("refused.md", text)


def test_the_same_plan_renders_the_same_text():
    shuffled = Plan.of(reversed(mixed_plan().changes))
    assert render_markdown(shuffled, context()) == render_markdown(mixed_plan(), context())


def test_the_comment_opens_with_its_hidden_marker():
    text = render_markdown(mixed_plan(), context())
    assert text.splitlines()[0] == "<!-- goalkeeper-plan: goals/shop.yaml -->" == marker(context())
    assert "a--b" not in marker(PlanContext(source="a--b.yaml"))


@pytest.mark.parametrize(
    "source", ["a--->.yaml", "a---b.yaml", "a\n-->b.yaml"], ids=["closing-arrow", "three-dashes", "newline"]
)
def test_a_goal_file_name_cannot_close_the_hidden_marker(source):
    text = marker(PlanContext(source=source))
    assert "--" not in text[4:-3] and "\n" not in text, text


def test_user_text_cannot_break_out_of_the_diff_block():
    sneaky = trigger("Link click - x", "checkout_click", "```\n</details>| @everyone")
    text = render_markdown(Plan.of([change(CREATE, None, sneaky)]), context())
    assert "````diff" in text
    body = text.split("````diff", 1)[1].split("\n````\n", 1)[0]
    assert "</details>| @everyone" in body


def test_a_plan_too_long_for_a_comment_leaves_the_field_diffs_out():
    big = Plan.of([change(CREATE, None, trigger(f"t{i}", "signup", "/x" * 200)) for i in range(200)])
    text = render_markdown(big, context())
    assert len(text) < MAX_COMMENT
    assert "too long for a comment" in text and "<details>" not in text
    assert "| `signup` |" in text


def test_a_comment_with_many_warnings_or_goals_still_fits_and_keeps_the_refusal():
    warnings = tuple(
        f'not planned: delete GTM tag "GA4 event - goal_{i:04d}", because the goal file sets '
        "safety.allow_deletes to false; remove it by hand, or allow deletes"
        for i in range(600)
    )
    goals = {f"goal_{i:04d}": GoalInfo("link_click", "macro") for i in range(1500)}
    plan = Plan.of([change(CREATE, None, trigger(f"t{i}", f"goal_{i:04d}", "/x")) for i in range(1500)])
    text = render_markdown(
        replace(plan, warnings=warnings, refusal="too much at once"),
        PlanContext(targets=TARGETS, goals=goals, source="goals/shop.yaml"),
    )
    assert len(text) < MAX_COMMENT
    assert "**Refused:** too much at once" in text
    assert "more warnings left out" in text and "more goals left out" in text
    assert "| `goal_0000` |" in text and "**Plan: 1500 to add, 0 to change, 0 to destroy.**" in text


def test_a_goal_name_read_back_from_a_target_cannot_break_the_table_or_the_html():
    name = "x`|</code></summary><script>alert(1)</script>"
    plan = Plan.of([change(DELETE, trigger("Banner", name, "/promo"), None)])
    text = render_markdown(plan, context())
    row = next(line for line in text.splitlines() if "removed" in line)
    assert row.count("|") == 6 and "`" not in row and "<script>" not in row
    assert "<script>" not in text.split("```diff")[0] and "</code></summary><script>" not in text


@pytest.mark.parametrize(
    "examples, says",
    [
        (ExamplesInfo(24, ()), "- **Examples**: :white_check_mark: all 24 pass (`goalkeeper test`)"),
        (ExamplesInfo(0, ()), "- **Examples**: none in this goal file"),
        (
            ExamplesInfo(
                24, ('checkout_click (line 12) counts: link "/cart" on https://www.example.com/: did not count: …',)
            ),
            "- **Examples**: :x: 1 of 24 fail (`goalkeeper test`)\n  - checkout\\_click (line 12) counts",
        ),
    ],
    ids=["all-pass", "none", "one-fails"],
)
def test_the_comment_says_whether_the_examples_pass(examples, says):
    text = render_markdown(mixed_plan(), context(examples=examples))
    assert says.replace("\\_", "_") in text.replace("\\_", "_")
    head = text.split("| Goal |")[0]
    assert "**Examples**" in head  # beside the targets' summaries, before the goals table


def test_a_long_list_of_failing_examples_is_cut_to_ten():
    failures = tuple(f"goal_{n} (line {n}) counts: page view of https://ex.com/{n}: did not count" for n in range(15))
    text = render_markdown(mixed_plan(), context(examples=ExamplesInfo(15, failures)))
    assert "goal_9 " in text.replace("\\_", "_") and "goal_10 " not in text.replace("\\_", "_")
    assert "5 more: run `goalkeeper test`" in text
