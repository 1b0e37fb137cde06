"""Selection: planning and applying only some goals, or only one target, without touching the rest.

Pure. The whole goal file is always expanded and diffed against the whole live state, so an entity
shared with unselected goals keeps everything those goals need (its notes still list them all);
the selection then keeps only the changes that serve a selected goal. Nothing of an unselected
goal is ever planned for deletion, because only changes are filtered, never the desired state.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from goalkeeper.core.changes import Change
from goalkeeper.core.errors import GoalkeeperError, Problem
from goalkeeper.core.events import vouched_key_events
from goalkeeper.core.plan import Plan
from goalkeeper.core.state import State

TARGETS = ("gtm", "ga4")


@dataclass(frozen=True)
class Selection:
    """Goals by name or category (together: either), and targets. Empty means everything."""

    goals: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    targets: frozenset[str] = frozenset()

    @classmethod
    def of(cls, goals: Iterable[str] = (), categories: Iterable[str] = (), targets: Iterable[str] = ()) -> Selection:
        return cls(frozenset(goals or ()), frozenset(categories or ()), frozenset(targets or ()))

    @property
    def everything(self) -> bool:
        return not (self.goals or self.categories or self.targets)

    @property
    def by_goal(self) -> bool:
        return bool(self.goals or self.categories)

    def includes_target(self, target: str) -> bool:
        return not self.targets or target in self.targets

    def to_json(self) -> dict[str, list[str]]:
        return {"goals": sorted(self.goals), "categories": sorted(self.categories), "targets": sorted(self.targets)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Selection:
        data = data or {}
        return cls.of(data.get("goals", ()), data.get("categories", ()), data.get("targets", ()))


def selected_goals(selection: Selection, categories: Mapping[str, str], live_goals: Iterable[str]) -> frozenset[str]:
    """The goal names a selection means. ``categories`` maps the goal file's goals to their
    category; ``live_goals`` are goals the targets still serve, so a goal removed from the file can
    be selected by name to remove its entities. Unknown names are an error, not an empty plan."""
    known = set(categories) | set(live_goals)
    problems = [
        Problem(
            f"--goal {name!r}: no such goal in the goal file or the targets; known goals: "
            f"{', '.join(sorted(known)) or 'none'}"
        )
        for name in sorted(selection.goals - known)
    ]
    unknown_targets = sorted(selection.targets - set(TARGETS))
    problems += [Problem(f"--target {t!r}: use gtm or ga4") for t in unknown_targets]
    if problems:
        raise GoalkeeperError(problems)
    return frozenset(selection.goals | {g for g, c in categories.items() if c in selection.categories})


def event_goals(*states: State) -> dict[str, set[str]]:
    """GA4 event name → the goals that send it. Live key events carry no marker of their own; this
    ties one to the goals of the tag or rule sending its event, as ownership does."""
    return vouched_key_events(entity for state in states for entity in state if entity.goals)


def change_goals(change: Change, by_event: Mapping[str, set[str]]) -> set[str]:
    goals = set(change.goals)
    if not goals and change.kind == "ga4.key_event":
        goals = set(by_event.get(change.name, ()))
    return goals


def select(plan: Plan, selection: Selection, goals: frozenset[str], by_event: Mapping[str, set[str]]) -> Plan:
    """The changes of ``plan`` in the selected targets that serve at least one selected goal."""
    kept = [
        c
        for c in plan.changes
        if selection.includes_target(c.entity.target) and (not selection.by_goal or change_goals(c, by_event) & goals)
    ]
    return Plan(tuple(kept))
