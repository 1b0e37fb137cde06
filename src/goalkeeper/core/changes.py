"""Typed changes: each planned operation carries exactly the ends it has.

A ``Create`` has only the entity to make, a ``Delete`` only the live entity to remove; an
``Update`` and a ``Replace`` (archive or delete, then create: GA4 cannot change that field in
place) have both. Backends match on the class, so no end is ever a possible ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from goalkeeper.core.model import Entity

CREATE, UPDATE, DELETE, REPLACE = "create", "update", "delete", "replace"


@dataclass(frozen=True)
class FieldChange:
    """One field of a change as a reviewer reads it: ``label``, and its text before and after
    (None on the side where the field is absent)."""

    label: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class Change:
    """One planned operation on one entity (see the subclasses); ``fields`` are its field-level
    differences in reading order."""

    action: ClassVar[str]
    fields: tuple[FieldChange, ...] = field(default=(), kw_only=True)
    #: Ownership bookkeeping only: an Update whose sole difference is goalkeeper's marker text (the
    #: goals a shared entity's notes list, the key events a tag's notes record). It serves the goals
    #: that joined or left the marker, not every goal sharing the entity, and it does not count
    #: toward the safety share (see goalkeeper.core.diff and goalkeeper.core.safety).
    bookkeeping: bool = field(default=False, kw_only=True)

    @property
    def entity(self) -> Entity:
        """The entity the change is about: the desired one, or the live one it deletes."""
        raise NotImplementedError

    @property
    def ends(self) -> tuple[Entity | None, Entity | None]:
        """(before, after): the live entity and the desired one, None where the change has none."""
        raise NotImplementedError

    @property
    def kind(self) -> str:
        return self.entity.kind

    @property
    def name(self) -> str:
        return self.entity.name

    @property
    def target(self) -> str:
        return self.entity.target

    @property
    def goals(self) -> tuple[str, ...]:
        """The goals either end serves, sorted; for bookkeeping, the goals that joined or left the
        marker (all the goals, when only the key events it records changed)."""
        ends = [set(end.goals) for end in self.ends if end]
        if self.bookkeeping and len(ends) == 2 and ends[0] ^ ends[1]:
            return tuple(sorted(ends[0] ^ ends[1]))
        return tuple(sorted(set().union(*ends)))


@dataclass(frozen=True)
class Create(Change):
    """Make ``after``, which the target lacks."""

    action: ClassVar[str] = CREATE
    after: Entity

    @property
    def entity(self) -> Entity:
        return self.after

    @property
    def ends(self) -> tuple[Entity | None, Entity | None]:
        return (None, self.after)


@dataclass(frozen=True)
class _BothEnds(Change):
    before: Entity
    after: Entity

    @property
    def entity(self) -> Entity:
        return self.after

    @property
    def ends(self) -> tuple[Entity | None, Entity | None]:
        return (self.before, self.after)


@dataclass(frozen=True)
class Update(_BothEnds):
    """Change the live ``before`` in place so that it equals ``after``."""

    action: ClassVar[str] = UPDATE


@dataclass(frozen=True)
class Replace(_BothEnds):
    """Remove the live ``before`` (archive or delete), then create ``after``: a field the target
    cannot change in place differs (see ``EntityKind.immutable``)."""

    action: ClassVar[str] = REPLACE


@dataclass(frozen=True)
class Delete(Change):
    """Remove the live, managed ``before``, which no goal wants any more."""

    action: ClassVar[str] = DELETE
    before: Entity

    @property
    def entity(self) -> Entity:
        return self.before

    @property
    def ends(self) -> tuple[Entity | None, Entity | None]:
        return (self.before, None)
