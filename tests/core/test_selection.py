import pytest

from goalkeeper.core.changes import CREATE, DELETE, UPDATE
from goalkeeper.core.errors import GoalkeeperError
from goalkeeper.core.model import Entity
from goalkeeper.core.plan import Plan
from goalkeeper.core.selection import Selection, event_goals, select, selected_goals
from goalkeeper.core.state import State
from tests.core.helpers import change

CATEGORIES = {"signup": "macro", "video": "secondary_action", "newsletter": "macro"}


def test_goals_by_name_and_category_add_up():
    selection = Selection.of(goals=["video"], categories=["macro"])
    assert selected_goals(selection, CATEGORIES, ()) == {"video", "signup", "newsletter"}


def test_a_removed_goal_may_be_selected_by_name_but_an_unknown_one_is_an_error():
    assert selected_goals(Selection.of(goals=["old"]), CATEGORIES, ["old"]) == {"old"}
    with pytest.raises(GoalkeeperError, match="'typo'"):
        selected_goals(Selection.of(goals=["typo"]), CATEGORIES, ["old"])


def test_unknown_target_is_an_error():
    with pytest.raises(GoalkeeperError, match="gtm or ga4"):
        selected_goals(Selection.of(targets=["ua"]), CATEGORIES, ())


def _plan() -> Plan:
    shared_before = Entity("gtm.variable", "shared", {"v": 1}, ("signup", "video"))
    shared_after = Entity("gtm.variable", "shared", {"v": 2}, ("newsletter", "signup", "video"))
    return Plan.of(
        [
            change(CREATE, None, Entity("gtm.tag", "signup tag", {}, ("signup",))),
            change(DELETE, Entity("gtm.tag", "video tag", {}, ("video",)), None),
            change(UPDATE, shared_before, shared_after),
            change(CREATE, None, Entity("ga4.custom_dimension", "x", {}, ("newsletter",))),
            change(DELETE, Entity("ga4.key_event", "video_start", {"eventName": "video_start"}), None),
        ]
    )


def names(plan: Plan) -> list[str]:
    return [c.name for c in plan.changes]


def test_selecting_a_goal_keeps_its_changes_and_the_shared_ones_only():
    selection = Selection.of(goals=["signup"])
    assert names(select(_plan(), selection, frozenset({"signup"}), {})) == ["shared", "signup tag"]


def test_a_key_event_follows_the_goal_of_the_tag_that_sent_it():
    live = State(
        (
            Entity(
                "gtm.tag",
                "video tag",
                {"notes": "Managed by goalkeeper: x. Goal: video. Key events: video_complete, video_start."},
                ("video",),
            ),
        )
    )
    by_event = event_goals(live)
    assert by_event["video_start"] == {"video"}
    kept = select(_plan(), Selection.of(goals=["video"]), frozenset({"video"}), by_event)
    assert names(kept) == ["shared", "video_start", "video tag"]


def test_selecting_a_target_keeps_that_target_only():
    assert names(select(_plan(), Selection.of(targets=["ga4"]), frozenset(), {})) == ["x", "video_start"]


def test_no_selection_keeps_everything():
    assert select(_plan(), Selection(), frozenset(), {}) == _plan()


def test_selection_round_trips_through_json():
    selection = Selection.of(goals=["b", "a"], categories=["macro"], targets=["gtm"])
    assert Selection.from_json(selection.to_json()) == selection
