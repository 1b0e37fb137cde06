"""Two goal files on one live container and property (the fake, through the real clients): each
manages its own entities and leaves the other's alone."""

from __future__ import annotations

import re

import pytest

from goalkeeper.core.changes import DELETE, UPDATE
from goalkeeper.goals.source import load_yaml
from tests.backends.conftest import Live
from tests.conftest import EXAMPLES


def bundled_goals(name: str) -> list[dict]:
    """The goals of a bundled goal file (goals/b2b.yaml), to plan against live targets."""
    return list(load_yaml(EXAMPLES / name).data["goals"])


@pytest.fixture
def both_applied(live: Live) -> Live:
    live.applied(bundled_goals("b2b.yaml"), file="b2b.yaml")
    live.applied(bundled_goals("content.yaml"), file="content.yaml")
    return live


def test_the_second_goal_file_plans_no_deletion_of_the_firsts_entities(live: Live):
    live.applied(bundled_goals("b2b.yaml"), file="b2b.yaml")
    plan = live.project(bundled_goals("content.yaml"), file="content.yaml").plan()
    assert plan.to_add > 0 and plan.count(DELETE, UPDATE) == 0


@pytest.mark.parametrize("file", ["b2b.yaml", "content.yaml"])
def test_once_both_applied_each_goal_file_plans_no_changes(both_applied: Live, file: str):
    assert both_applied.project(bundled_goals(file), file=file).plan().empty


def test_both_goal_files_entities_are_in_the_workspace_marked_by_their_owners(both_applied: Live):
    workspace = next(w for w in both_applied.container.workspaces.values() if w.name == "goalkeeper")
    notes = {e["name"]: e.get("notes", "") for e in workspace.snap.entities["tag"].values()}
    assert notes["GA4 event - quote_request"].startswith("Managed by goalkeeper for b2b.yaml:")
    assert notes["GA4 event - article_read"].startswith("Managed by goalkeeper for content.yaml:")


def test_the_property_keeps_both_goal_files_key_events(both_applied: Live):
    assert both_applied.ga4 is not None
    names = {e.name for e in both_applied.ga4.read().of_kind("ga4.key_event")}
    assert {"generate_lead", "sign_up"} <= names


def forget_owners(live: Live) -> None:
    """Seed the workspace as an earlier goalkeeper left it: markers that name no owner."""
    workspace = next(w for w in live.container.workspaces.values() if w.name == "goalkeeper")
    for entities in workspace.snap.entities.values():
        for entity in entities.values():
            if "notes" in entity:
                entity["notes"] = re.sub(r"Managed by goalkeeper for \S+?:", "Managed by goalkeeper:", entity["notes"])


def test_upgrading_two_goal_files_on_a_live_container_adopts_each_ones_entities(live: Live):
    for file in ("b2b.yaml", "content.yaml"):
        live.applied(bundled_goals(file), file=file, ga4=False)
    forget_owners(live)
    for file in ("b2b.yaml", "content.yaml"):
        plan = live.project(bundled_goals(file), file=file, ga4=False).plan()
        assert plan.count(DELETE) == 0 and plan.changes and all(c.bookkeeping for c in plan.changes)
        live.project(bundled_goals(file), file=file, ga4=False).apply(plan)
    for file in ("b2b.yaml", "content.yaml"):
        assert live.project(bundled_goals(file), file=file, ga4=False).plan().empty
