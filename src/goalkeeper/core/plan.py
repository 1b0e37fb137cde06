"""Plan: the changes in the order they can be applied, with what the checks said about them (warnings,
and a refusal when the safety thresholds are exceeded), counts, grouping and a checksum.

Plans are made by ``goalkeeper.core.planner.make_plan``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from goalkeeper.core.changes import CREATE, DELETE, REPLACE, UPDATE, Change, Delete
from goalkeeper.core.kinds import KINDS
from goalkeeper.core.model import digest

UNASSIGNED = "(shared)"
ADOPTED = "(entities)"  # the goal file's entities adopted as they are: they serve no goal


def _order(change: Change) -> tuple[int, int, str]:
    # Creates and updates run in dependency order (folders → built-ins → variables → triggers →
    # tags); deletions run last, in reverse, so nothing is removed while something still uses it.
    rank = KINDS[change.kind].order
    if isinstance(change, Delete):
        return (1, len(KINDS) - rank, change.name)
    return (0, rank, change.name)


@dataclass(frozen=True)
class Plan:
    """The changes to apply, in order; ``warnings`` for the reviewer; ``refusal`` says why the
    safety thresholds refuse the plan (it can still be shown and saved, not applied)."""

    changes: tuple[Change, ...]
    warnings: tuple[str, ...] = ()
    refusal: str | None = None

    @classmethod
    def of(cls, changes: Iterable[Change]) -> Plan:
        return cls(tuple(sorted(changes, key=_order)))

    @property
    def empty(self) -> bool:
        return not self.changes

    def count(self, *actions: str) -> int:
        return sum(1 for c in self.changes if c.action in actions)

    @property
    def to_add(self) -> int:
        return self.count(CREATE, REPLACE)

    @property
    def to_change(self) -> int:
        return self.count(UPDATE)

    @property
    def to_destroy(self) -> int:
        return self.count(DELETE, REPLACE)

    def summary(self) -> str:
        if self.empty:
            return "No changes."
        return f"Plan: {self.to_add} to add, {self.to_change} to change, {self.to_destroy} to destroy."

    def for_target(self, target: str) -> Plan:
        """The changes of one target (``"gtm"`` or ``"ga4"``), in order."""
        return Plan(tuple(c for c in self.changes if c.target == target))

    def by_goal(self) -> dict[str, list[Change]]:
        """Changes grouped by the goal they serve; entities shared by several goals come last."""
        groups: dict[str, list[Change]] = {}
        for change in self.changes:
            goals = change.goals
            key = goals[0] if len(goals) == 1 else ADOPTED if not goals else UNASSIGNED
            groups.setdefault(key, []).append(change)
        shared = groups.pop(UNASSIGNED, None)
        adopted = groups.pop(ADOPTED, None)
        ordered = dict(sorted(groups.items()))
        if shared:
            ordered[UNASSIGNED] = shared
        if adopted:
            ordered[ADOPTED] = adopted
        return ordered

    def checksum(self) -> str:
        """A digest of the changes alone (not the warnings): saved plans compare it."""
        material = [[c.action, c.kind, c.name, *(end.body if end else None for end in c.ends)] for c in self.changes]
        return digest(material)
