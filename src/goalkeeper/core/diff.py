"""diff(desired, live) -> changes. Pure: two States in, typed changes out.

Identity is (kind, name). Only entities goalkeeper manages for this goal file can be updated or
deleted; an unmanaged entity with a desired entity's name is either shared (a built-in variable
already enabled, a GA4 custom dimension someone already registered, another goal file's entity
that is the same apart from its marker) or a conflict the user must resolve.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from goalkeeper.core import ownership
from goalkeeper.core.changes import Change, Create, Delete, FieldChange, Replace, Update
from goalkeeper.core.describe import body_fields
from goalkeeper.core.errors import GoalkeeperError, Problem
from goalkeeper.core.events import vouched_key_events
from goalkeeper.core.model import Entity, canonical_json
from goalkeeper.core.state import State


def _units(body: Mapping[str, Any]) -> dict[tuple[str, ...], dict[str, Any]]:
    """A body cut into the parts a reviewer reads one by one: each GTM parameter by its key, and
    every other top-level field."""
    units: dict[tuple[str, ...], dict[str, Any]] = {}
    for key, value in body.items():
        if key == "parameter" and isinstance(value, list):
            for param in value:
                units[(key, str(param.get("key", "")))] = {key: [param]}
        else:
            units[(key,)] = {key: value}
    return units


def _hidden_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[FieldChange]:
    """Differences the readable text does not show (a parameter whose type changes while its value
    stays "5"), as the JSON of each part that differs."""
    before, after = _units(old), _units(new)
    hidden = []
    for unit in [*after, *(u for u in before if u not in after)]:
        b, a = before.get(unit), after.get(unit)
        if canonical_json(b) == canonical_json(a):
            continue
        if body_fields(b or {}) == body_fields(a or {}):
            label = unit[-1]
            hidden.append(FieldChange(label, _raw(b, unit), _raw(a, unit)))
    return hidden


def _raw(unit_body: Mapping[str, Any] | None, unit: tuple[str, ...]) -> str | None:
    if unit_body is None:
        return None
    value = unit_body[unit[0]]
    return canonical_json(value[0] if unit[0] == "parameter" else value)


def field_changes(before: Entity | None, after: Entity | None) -> tuple[FieldChange, ...]:
    """What differs between two ends of a change, field by field, as reviewers read it; parts whose
    text is the same on both sides but whose JSON differs are shown as JSON, so no update is ever
    shown without a line under it."""
    old = body_fields(before.body) if before else {}
    new = body_fields(after.body) if after else {}
    labels = list(new) + [label for label in old if label not in new]
    shown = [FieldChange(label, old.get(label), new.get(label)) for label in labels if old.get(label) != new.get(label)]
    if before and after:
        shown += _hidden_changes(before.body, after.body)
    return tuple(shown)


def comparable(desired: Entity, live: Entity) -> Mapping[str, Any]:
    """The live body without the fields that are not goalkeeper's to set on this entity: the
    target's own and the user's (see ``EntityKind``), unless the desired body sets them."""
    kind = desired.entity_kind
    others = kind.server_fields | kind.user_fields
    return {k: v for k, v in live.body.items() if k in desired.body or k not in others}


def differs(desired: Entity, live: Entity) -> bool:
    return canonical_json(desired.body) != canonical_json(comparable(desired, live))


def only_marker_differs(desired: Entity, live: Entity) -> bool:
    """Whether the live entity differs from the desired one in goalkeeper's marker text alone
    (the field the registry names, ``EntityKind.marker``): ownership bookkeeping."""
    marker = desired.entity_kind.marker
    if marker == "rule_parameter":
        return canonical_json(ownership.without_marker(desired.body)) == canonical_json(
            ownership.without_marker(comparable(desired, live))
        )
    if marker not in ("notes", "description"):
        return False
    rest = {k: v for k, v in desired.body.items() if k != marker}
    live_rest = {k: v for k, v in comparable(desired, live).items() if k != marker}
    # The user's own text after the marker is theirs: a change to it is a change, not bookkeeping.
    users = (ownership.user_text(desired.kind, desired.body), ownership.user_text(live.kind, live.body))
    return canonical_json(rest) == canonical_json(live_rest) and users[0] == users[1]


def needs_replace(desired: Entity, live: Entity) -> bool:
    return any(
        canonical_json(desired.body.get(key)) != canonical_json(live.body.get(key))
        for key in desired.entity_kind.immutable
    )


def others_key_events(live: State) -> dict[str, list[Entity]]:
    """Key event name → the tags and rules of other goal files (see ownership.foreign) that vouch
    for it: a key event they vouch for is never this goal file's to delete."""
    found: dict[str, list[Entity]] = {}
    for entity in live:
        if ownership.foreign(entity):
            for event in vouched_key_events([entity]):
                found.setdefault(event, []).append(entity)
    return found


def claim_key_events(live: State, desired: State) -> State:
    """Mark the live key events this goal file owns (see goalkeeper.core.ownership): the ones it
    declares, and the ones its own tags and rules vouch for that no other goal file's do."""
    sent = vouched_key_events(live.managed())  # key events goalkeeper's own tags and rules vouch for
    theirs = others_key_events(live)
    wanted = {e.name for e in desired.of_kind("ga4.key_event")}
    claimed = [
        replace(e, managed=True)
        if e.kind == "ga4.key_event" and (e.name in wanted or (e.name in sent and e.name not in theirs))
        else e
        for e in live
    ]
    return State(tuple(claimed))


def _conflict(entity: Entity, have: Entity) -> Problem:
    label = entity.entity_kind.label
    if ownership.foreign(have):
        return Problem(
            f"{label} {entity.name!r} (goal {', '.join(entity.goals) or '?'}) is already managed by goalkeeper "
            f"for {ownership.whose(have)}, with other settings. Rename one of them, or manage it in one goal "
            f"file only{moved_hint(have)}."
        )
    return Problem(
        f"{label} {entity.name!r} (goal {', '.join(entity.goals) or '?'}) already exists and is not "
        f"managed by goalkeeper. Rename it in {entity.target.upper()}, or adopt it: list it under the goal file's "
        "entities: (or, made by a goal, under that goal's adopted:), as `goalkeeper import` writes it."
    )


def moved_hint(have: Entity) -> str:
    """Advice for an entity another owner's marker names, when that may be this file's old name."""
    owner = ownership.owner_of(have)
    return f"; if this goal file was moved or renamed from {owner}, set `owner: {owner}` in it" if owner else ""


def _key_event_conflict(want: Entity, vouchers: list[Entity]) -> Problem:
    users = "; ".join(f"{v.entity_kind.label} {v.name!r} of {ownership.whose(v)}" for v in vouchers)
    return Problem(
        f"GA4 key event {want.name!r} (goal {', '.join(want.goals) or '?'}) is also goalkeeper's for another "
        f"goal file ({users}), with other settings. Give both goal files the same key-event settings, or "
        "track it in one goal file only."
    )


def _shared(want: Entity, have: Entity) -> bool:
    """Whether an entity ``have`` that is not this goal file's can simply be used for ``want``: its
    kind is shareable, or it is another goal file's and the same apart from the marker."""
    return want.entity_kind.shareable or (ownership.foreign(have) and not differs_beyond_marker(want, have))


def differs_beyond_marker(desired: Entity, live: Entity) -> bool:
    """Whether ``live`` differs from ``desired`` in more than goalkeeper's marker."""
    return differs(desired, live) and not only_marker_differs(desired, live)


def diff(desired: State, live: State) -> list[Change]:
    """Changes that make the managed part of ``live`` equal ``desired``. Raises on conflicts."""
    theirs = others_key_events(live)
    live = claim_key_events(live, desired)
    changes: list[Change] = []
    conflicts: list[Problem] = []
    for want in desired:
        have = live.get(*want.key)
        if have is None:
            changes.append(Create(want, fields=field_changes(None, want)))
        elif not have.managed:
            if not _shared(want, have):
                conflicts.append(_conflict(want, have))
        elif want.kind == "ga4.key_event" and want.name in theirs:
            if differs(want, have):  # another goal file's key event too: used as it is, or a conflict
                conflicts.append(_key_event_conflict(want, theirs[want.name]))
        elif differs(want, have):
            trimmed = replace(have, body=comparable(want, have))
            fields = field_changes(trimmed, want)
            if needs_replace(want, have):
                changes.append(Replace(have, want, fields=fields))
            else:
                changes.append(Update(have, want, fields=fields, bookkeeping=only_marker_differs(want, have)))
    for have in live.managed():
        if desired.get(*have.key) is None and have.kind != "gtm.builtin_variable":
            changes.append(Delete(have, fields=field_changes(have, None)))
    if conflicts:
        raise GoalkeeperError(conflicts)
    return changes
