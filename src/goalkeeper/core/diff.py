"""diff(desired, live) -> changes. Pure: two States in, typed changes out.

Identity is (kind, name). Only entities goalkeeper manages can be updated or deleted; an unmanaged
entity with a desired entity's name is either shared (a built-in variable already enabled, a GA4
custom dimension someone already registered) or a conflict the user must resolve.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from goalkeeper.core import ownership
from goalkeeper.core.describe import fields
from goalkeeper.core.errors import GoalkeeperError, Problem
from goalkeeper.core.model import KIND_LABELS, Entity, canonical_json
from goalkeeper.core.state import State

CREATE, UPDATE, DELETE, REPLACE = "create", "update", "delete", "replace"

# Keys a target fills in by itself when goalkeeper leaves them out; absent from the desired body,
# they are not differences.
SERVER_FILLED = frozenset(
    {"tagFiringOption", "monitoringMetadata", "consentSettings", "formatValue", "uniqueTriggerId"}
)

# Fields GA4 will not change in place: a change to one is an archive (or delete) plus a create.
IMMUTABLE = {
    "ga4.custom_dimension": ("parameterName", "scope"),
    "ga4.custom_metric": ("parameterName", "scope"),
    "ga4.key_event": ("eventName",),
    "ga4.audience": ("filterClauses", "eventTrigger", "exclusionDurationMode"),
}

# Unmanaged entities a goal may simply use as they are.
SHAREABLE = frozenset({"gtm.builtin_variable", "ga4.custom_dimension", "ga4.custom_metric"})


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class Change:
    """One planned operation on one entity."""

    action: str
    before: Entity | None
    after: Entity | None
    fields: tuple[FieldChange, ...] = ()

    @property
    def entity(self) -> Entity:
        return self.after or self.before  # type: ignore[return-value]

    @property
    def kind(self) -> str:
        return self.entity.kind

    @property
    def name(self) -> str:
        return self.entity.name

    @property
    def goals(self) -> tuple[str, ...]:
        return tuple(
            sorted(set(self.after.goals if self.after else ()) | set(self.before.goals if self.before else ()))
        )


def field_changes(before: Entity | None, after: Entity | None) -> tuple[FieldChange, ...]:
    old = fields(before) if before else {}
    new = fields(after) if after else {}
    labels = list(new) + [label for label in old if label not in new]
    return tuple(
        FieldChange(label, old.get(label), new.get(label)) for label in labels if old.get(label) != new.get(label)
    )


def comparable(desired: Entity, live: Entity) -> Mapping[str, Any]:
    """The live body without keys the target filled in on its own."""
    return {k: v for k, v in live.body.items() if k in desired.body or k not in SERVER_FILLED}


def differs(desired: Entity, live: Entity) -> bool:
    return canonical_json(desired.body) != canonical_json(comparable(desired, live))


def needs_replace(desired: Entity, live: Entity) -> bool:
    return any(
        canonical_json(desired.body.get(key)) != canonical_json(live.body.get(key))
        for key in IMMUTABLE.get(desired.kind, ())
    )


def claim_key_events(live: State, desired: State) -> State:
    """Mark the live key events goalkeeper owns (see goalkeeper.core.ownership)."""
    sent: set[str] = set()  # key events goalkeeper's own tags and rules vouch for
    for entity in live.managed():
        if entity.kind == "gtm.tag":
            sent.update(ownership.key_events_in(entity.body.get("notes", "")))
        elif entity.kind == "ga4.event_create_rule":
            sent.add(entity.body.get("destinationEvent", ""))
    wanted = {e.name for e in desired.of_kind("ga4.key_event")}
    claimed = [
        replace(e, managed=True) if e.kind == "ga4.key_event" and (e.name in sent or e.name in wanted) else e
        for e in live
    ]
    return State(tuple(claimed))


def _conflict(entity: Entity) -> Problem:
    label = KIND_LABELS[entity.kind]
    return Problem(
        f"{label} {entity.name!r} (goal {', '.join(entity.goals) or '?'}) already exists and is not "
        f"managed by goalkeeper. Rename it in {entity.target.upper()}, or adopt it by starting its "
        f"notes with {ownership.MARKER!r}."
    )


def diff(desired: State, live: State) -> list[Change]:
    """Changes that make the managed part of ``live`` equal ``desired``. Raises on conflicts."""
    live = claim_key_events(live, desired)
    changes: list[Change] = []
    conflicts: list[Problem] = []
    for want in desired:
        have = live.get(*want.key)
        if have is None:
            changes.append(Change(CREATE, None, want, field_changes(None, want)))
        elif not have.managed:
            if want.kind not in SHAREABLE:
                conflicts.append(_conflict(want))
        elif differs(want, have):
            trimmed = replace(have, body=comparable(want, have))
            action = REPLACE if needs_replace(want, have) else UPDATE
            changes.append(Change(action, have, want, field_changes(trimmed, want)))
    for have in live.managed():
        if desired.get(*have.key) is None and have.kind != "gtm.builtin_variable":
            changes.append(Change(DELETE, have, None, field_changes(have, None)))
    if conflicts:
        raise GoalkeeperError(conflicts)
    return changes
