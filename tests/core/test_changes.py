"""Typed changes carry exactly the ends they have."""

from __future__ import annotations

import pytest

from goalkeeper.core.changes import CREATE, DELETE, REPLACE, UPDATE, Create, Delete, Replace, Update
from goalkeeper.core.model import Entity

OLD = Entity("ga4.custom_dimension", "plan", {"parameterName": "plan", "scope": "EVENT"}, ("pricing",))
NEW = Entity("ga4.custom_dimension", "plan", {"parameterName": "plan", "scope": "USER"}, ("signup",))


@pytest.mark.parametrize(
    "change, action, ends, entity",
    [
        (Create(NEW), CREATE, (None, NEW), NEW),
        (Update(OLD, NEW), UPDATE, (OLD, NEW), NEW),
        (Replace(OLD, NEW), REPLACE, (OLD, NEW), NEW),
        (Delete(OLD), DELETE, (OLD, None), OLD),
    ],
    ids=["create", "update", "replace", "delete"],
)
def test_each_change_has_its_action_and_its_ends(change, action, ends, entity):
    assert (change.action, change.ends, change.entity) == (action, ends, entity)
    assert (change.kind, change.name, change.target) == ("ga4.custom_dimension", "plan", "ga4")


def test_a_replacement_is_not_an_update_in_place():
    assert not isinstance(Replace(OLD, NEW), Update)


@pytest.mark.parametrize(
    "change, goals",
    [(Create(NEW), ("signup",)), (Update(OLD, NEW), ("pricing", "signup")), (Delete(OLD), ("pricing",))],
    ids=["create", "update", "delete"],
)
def test_a_change_serves_the_goals_of_both_its_ends(change, goals):
    assert change.goals == goals


def test_changes_are_values():
    assert Update(OLD, NEW) == Update(OLD, NEW)
    with pytest.raises(AttributeError):
        Create(NEW).after = OLD  # type: ignore[misc]
