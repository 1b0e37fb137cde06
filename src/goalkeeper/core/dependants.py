"""Dependants: what in a container still uses an entity a plan would delete.

GTM lets a tag fire on a trigger, block on one, run another tag as its setup or teardown tag, and
refer to any variable as ``{{Name}}``; a trigger group lists triggers. When a goal is removed,
goalkeeper deletes its entities, but a hand-made tag may have come to rely on them since. GTM would
then keep a tag firing on a trigger that no longer exists (the Tag Manager API accepts a dangling
``firingTriggerId``; the interface shows it as "Unknown trigger") or send an empty ``{{variable}}``.
So a deletion with dependants is refused, naming each one, unless the goal file's
``safety.keep_used`` says to keep what is still used.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from goalkeeper.core.changes import Change
from goalkeeper.core.events import VARIABLE_REFERENCE
from goalkeeper.core.model import Entity, canonical_json
from goalkeeper.core.state import State

# Parameter type GTM gives a reference to a trigger (trigger groups list their triggers this way).
TRIGGER_REFERENCE = "triggerReference"


def _trigger_references(params: Iterable[Mapping[str, Any]]) -> set[str]:
    found: set[str] = set()
    for param in params:
        if param.get("type") == TRIGGER_REFERENCE:
            found.add(str(param.get("value", "")))
        found |= _trigger_references(param.get("list", ()))
        found |= _trigger_references(param.get("map", ()))
    return found


def references_of(entity: Entity) -> set[tuple[str, str]]:
    """The (kind, name) of every entity ``entity``'s body refers to: firing and blocking triggers,
    setup and teardown tags, triggers of a trigger group, and ``{{variables}}``."""
    body = entity.body
    refs = {("gtm.trigger", name) for key in ("firingTrigger", "blockingTrigger") for name in body.get(key, ())}
    refs |= {("gtm.trigger", name) for name in _trigger_references(body.get("parameter", ()))}
    refs |= {
        ("gtm.tag", str(item.get("tagName")))
        for key in ("setupTag", "teardownTag")
        for item in body.get(key, ())
        if isinstance(item, Mapping)
    }
    refs |= {("gtm.variable", name) for name in VARIABLE_REFERENCE.findall(canonical_json(body))}
    return refs


def relation(dependant: Entity, ref: tuple[str, str]) -> str:
    """How ``dependant`` uses the entity ``ref`` names, in GTM's words."""
    kind, name = ref
    body = dependant.body
    if kind == "gtm.trigger":
        if name in body.get("firingTrigger", ()):
            return "fires on it"
        return "is blocked by it" if name in body.get("blockingTrigger", ()) else "lists it in its trigger group"
    if kind == "gtm.tag":
        setup = {str(item.get("tagName")) for item in body.get("setupTag", ()) if isinstance(item, Mapping)}
        return "runs it as its setup tag" if name in setup else "runs it as its cleanup tag"
    return f"refers to {{{{{name}}}}}"


def after_apply(live: State, changes: Iterable[Change]) -> State:
    """The entities ``live`` holds once ``changes`` are applied (desired bodies for what they create,
    update or replace; nothing of what they delete)."""
    world = {entity.key: entity for entity in live}
    for change in changes:
        after = change.ends[1]
        if after is None:
            world.pop(change.entity.key, None)
        else:
            world[after.key] = after
    return State(tuple(world.values()))


def dependants(deleted: Iterable[Entity], world: State) -> dict[tuple[str, str], list[Entity]]:
    """For each entity in ``deleted`` (by kind and name), the GTM entities of ``world`` (the
    container as the plan leaves it, see ``after_apply``) that still refer to it; entities nothing
    uses are left out."""
    gone = {entity.key for entity in deleted}
    found: dict[tuple[str, str], list[Entity]] = {}
    for entity in world:
        if entity.target != "gtm":
            continue
        for ref in sorted(references_of(entity) & gone):
            found.setdefault(ref, []).append(entity)
    return found
