"""The entity kinds: one registered record per kind of GTM or GA4 object goalkeeper plans.

Everything goalkeeper knows about a kind lives in its ``EntityKind``: its label, the system it
lives in, how the APIs spell it, how a GA4 object's identity is derived, which fields cannot change
in place, whether an unmanaged one may simply be used, and where goalkeeper's ownership marker
goes. Every other module looks these up here (``KINDS["gtm.tag"].label``) instead of keeping a
table of its own, so adding a kind is: a record here, what a goal emits for it (goals/expand.py),
and the fake's model of the API (see docs/architecture.md).

The API spellings are derived from ``api_name``, the resource's singular name in snake_case, as
both client libraries spell them: the Tag Manager API v2 discovery document lists ``tag`` objects
under ``tag`` with ids in ``tagId`` in the ``tags`` collection; the GA4 Admin API's Python client
names ``CustomDimension`` messages, ``list_custom_dimensions`` and ``create_custom_dimension``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

Target = Literal["gtm", "ga4"]
# Where an entity carries goalkeeper's ownership marker (see goalkeeper.core.ownership): GTM notes,
# a GA4 description, the goal parameter an event-create rule sets, or nowhere (key events and
# built-in variables have no free text).
Marker = Literal["notes", "description", "rule_parameter", "none"]


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part.capitalize() for part in rest)


@dataclass(frozen=True)
class EntityKind:
    """One kind of entity.

    ``key`` is the kind's name in entities and plans (``"gtm.tag"``); ``label`` its name for people
    (``"GTM tag"``). ``api_name`` is the API's singular resource name in snake_case. For GA4 kinds:
    ``name_field`` is the field an object is known by (a GA4 object has no name a user gives it),
    ``scoped`` says the scope joins the name when it is not EVENT, ``fields`` are the fields
    goalkeeper plans (everything else is output-only or left alone), ``immutable`` the fields GA4
    cannot update in place (the Admin API messages' "Immutable" field docs: a change is an archive
    or delete plus a create), ``removal`` whether GA4 archives or deletes it, ``api_version`` the
    Admin API version that serves it. ``shareable``: an unmanaged entity of this kind with a
    desired entity's name is simply used, not a conflict. ``type_is_enum``: the GTM object's own
    ``type`` is an enum (``linkClick``, spelled ``LINK_CLICK`` in exports), not a template id.
    """

    key: str
    label: str
    api_name: str
    marker: Marker
    shareable: bool = False
    name_field: str = "name"
    scoped: bool = False
    fields: tuple[str, ...] = ()
    immutable: tuple[str, ...] = ()
    replace_note: str = "replaced"
    removal: Literal["delete", "archive"] = "delete"
    type_is_enum: bool = False
    unique_names: bool = False
    api_version: Literal["v1beta", "v1alpha", "v2"] = "v2"

    @property
    def target(self) -> Target:
        """``"gtm"`` or ``"ga4"``: the system the kind lives in."""
        return "gtm" if self.key.startswith("gtm.") else "ga4"

    @property
    def order(self) -> int:
        """Creation order: what an entity refers to is created first, and deleted last."""
        return _ORDER[self.key]

    @property
    def list_key(self) -> str:
        """The key of a list of these objects in API JSON (``tag``, ``customDimensions``)."""
        camel = _camel(self.api_name)
        return camel if self.target == "gtm" else camel + "s"

    @property
    def id_key(self) -> str | None:
        """The GTM id field (``tagId``); None for built-in variables (known by type) and GA4."""
        return f"{_camel(self.api_name)}Id" if self.target == "gtm" and self.api_name != "built_in_variable" else None

    @property
    def collection(self) -> str:
        """The client's collection accessor, snake_case plural (``tags``, ``custom_dimensions``)."""
        return self.api_name + "s"

    def name_of(self, obj: Mapping[str, Any]) -> str:
        """A GA4 object's identity, from its API JSON: a key event by its event name, a custom
        dimension or metric by its parameter name (with the scope when it is not EVENT), an
        event-create rule by its destination event, an audience by its display name."""
        name = str(obj[self.name_field])
        scope = obj.get("scope", "EVENT") if self.scoped else "EVENT"
        return name if scope == "EVENT" else f"{name} ({str(scope).lower()} scope)"


_GA4_REPLACED = "archived and created again: GA4 cannot change its parameter or scope"

# In creation order; deletion runs in the reverse order.
_REGISTERED = (
    EntityKind("gtm.folder", "GTM folder", "folder", "notes"),
    EntityKind("gtm.builtin_variable", "GTM built-in variable", "built_in_variable", "none", shareable=True,
               type_is_enum=True),
    EntityKind("gtm.variable", "GTM variable", "variable", "notes"),
    EntityKind("gtm.trigger", "GTM trigger", "trigger", "notes", type_is_enum=True),
    EntityKind("gtm.tag", "GTM tag", "tag", "notes"),
    EntityKind(
        "ga4.custom_dimension", "GA4 custom dimension", "custom_dimension", "description", shareable=True,
        name_field="parameterName", scoped=True, fields=("parameterName", "displayName", "description", "scope"),
        immutable=("parameterName", "scope"), replace_note=_GA4_REPLACED, removal="archive", unique_names=True,
        api_version="v1beta",
    ),
    EntityKind(
        "ga4.custom_metric", "GA4 custom metric", "custom_metric", "description", shareable=True,
        name_field="parameterName", scoped=True,
        fields=("parameterName", "displayName", "description", "scope", "measurementUnit"),
        immutable=("parameterName", "scope"), replace_note=_GA4_REPLACED, removal="archive", unique_names=True,
        api_version="v1beta",
    ),
    EntityKind(
        "ga4.event_create_rule", "GA4 event-create rule", "event_create_rule", "rule_parameter",
        name_field="destinationEvent",
        fields=("destinationEvent", "eventConditions", "sourceCopyParameters", "parameterMutations"),
        api_version="v1alpha",
    ),
    EntityKind(
        "ga4.key_event", "GA4 key event", "key_event", "none", name_field="eventName",
        fields=("eventName", "countingMethod", "defaultValue"), immutable=("eventName",),
        replace_note="deleted and created again", unique_names=True, api_version="v1beta",
    ),
    EntityKind(
        "ga4.audience", "GA4 audience", "audience", "description", name_field="displayName",
        fields=("displayName", "description", "membershipDurationDays", "filterClauses", "eventTrigger",
                "exclusionDurationMode"),
        immutable=("filterClauses", "eventTrigger", "exclusionDurationMode"),
        replace_note="archived and created again: GA4 cannot change an audience's conditions", removal="archive",
        api_version="v1alpha",
    ),
)  # fmt: skip

_ORDER = {kind.key: index for index, kind in enumerate(_REGISTERED)}
KINDS: Mapping[str, EntityKind] = {kind.key: kind for kind in _REGISTERED}


def kinds_of(target: str) -> Iterator[EntityKind]:
    """The kinds of one target (``"gtm"`` or ``"ga4"``), in creation order."""
    return (kind for kind in _REGISTERED if kind.target == target)


def kind(key: str) -> EntityKind:
    """The registered kind named ``key``; KeyError for a kind goalkeeper does not know."""
    return KINDS[key]
