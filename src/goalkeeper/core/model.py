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

# Kinds in creation order; deletion runs in the reverse order.
GTM_KINDS = ("gtm.folder", "gtm.builtin_variable", "gtm.variable", "gtm.trigger", "gtm.tag")
GA4_KINDS = (
    "ga4.custom_dimension",
    "ga4.custom_metric",
    "ga4.event_create_rule",
    "ga4.key_event",
    "ga4.audience",
)
KINDS = GTM_KINDS + GA4_KINDS

KIND_LABELS = {
    "gtm.folder": "GTM folder",
    "gtm.builtin_variable": "GTM built-in variable",
    "gtm.variable": "GTM variable",
    "gtm.trigger": "GTM trigger",
    "gtm.tag": "GTM tag",
    "ga4.custom_dimension": "GA4 custom dimension",
    "ga4.custom_metric": "GA4 custom metric",
    "ga4.event_create_rule": "GA4 event-create rule",
    "ga4.key_event": "GA4 key event",
    "ga4.audience": "GA4 audience",
}

# Triggers GTM provides in every web container: tags point at them by these fixed ids.
BUILTIN_TRIGGERS = {
    "All Pages": "2147479553",
    "Consent Initialization - All Pages": "2147479572",
    "Initialization - All Pages": "2147479573",
}


def ga4_entity_name(kind: str, obj: Mapping[str, Any]) -> str:
    """A GA4 object's identity: a key event by its event name, a custom dimension or metric by its
    parameter name (with the scope when it is not EVENT), an event-create rule by its destination
    event, an audience by its display name."""
    if kind == "ga4.key_event":
        return obj["eventName"]
    if kind in ("ga4.custom_dimension", "ga4.custom_metric"):
        scope = obj.get("scope", "EVENT")
        return obj["parameterName"] if scope == "EVENT" else f"{obj['parameterName']} ({scope.lower()} scope)"
    if kind == "ga4.event_create_rule":
        return obj["destinationEvent"]
    return obj["displayName"]


def target_of(kind: str) -> str:
    """'gtm' or 'ga4': which system an entity kind lives in."""
    return kind.split(".", 1)[0]


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
    def target(self) -> str:
        return target_of(self.kind)

    def same_body(self, other: Entity) -> bool:
        return canonical_json(self.body) == canonical_json(other.body)


def sort_key(entity: Entity) -> tuple[int, str]:
    return (KINDS.index(entity.kind), entity.name)
