"""The entity model: every GTM and GA4 object goalkeeper plans, in one shape.

An entity is identified by its kind and name, never by an API id. Its ``body`` holds the object as
the Tag Manager API or the GA4 Admin API spells it (lowerCamel keys and enums), except that every
reference to another entity is by name: a tag lists the *names* of its firing triggers under
``firingTrigger``. Ids, paths and fingerprints belong to one workspace or property; backends keep
them in ``handle``, which takes no part in equality.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from goalkeeper.core.kinds import KINDS, EntityKind, Target


def canonical_json(value: Any) -> str:
    """A stable text form of a JSON-like value, for equality and digests."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def digest(value: Any) -> str:
    """A sha256 of a JSON-like value's canonical form."""
    return hashlib.sha256(canonical_json(value).encode()).hexdigest()


@dataclass(frozen=True)
class Entity:
    """One GTM or GA4 object, as desired by the goals or as read from a target.

    ``goals`` names the goals an entity serves (several when goals share it); ``managed`` says
    whether goalkeeper owns it; ``handle`` is the backend's own reference (ids, fingerprint).
    Only kind, name and body take part in equality.
    """

    kind: str
    name: str
    body: Mapping[str, Any]
    goals: tuple[str, ...] = field(default=(), compare=False)
    managed: bool = field(default=True, compare=False)
    handle: Any = field(default=None, compare=False, repr=False)

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.name)

    @property
    def entity_kind(self) -> EntityKind:
        """The registered kind (goalkeeper.core.kinds) of this entity."""
        return KINDS[self.kind]

    @property
    def target(self) -> Target:
        return self.entity_kind.target

    def same_body(self, other: Entity) -> bool:
        return canonical_json(self.body) == canonical_json(other.body)


def sort_key(entity: Entity) -> tuple[int, str]:
    """Creation order of kinds, then name."""
    return (entity.entity_kind.order, entity.name)
