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

from goalkeeper.core import vocabulary
from goalkeeper.core.vocabulary import PLAIN, Vocabulary

Target = Literal["gtm", "ga4"]
# Where an entity carries goalkeeper's ownership marker (see goalkeeper.core.ownership): GTM notes,
# a GA4 description, the goal parameter an event-create rule sets, or nowhere (key events and
# built-in variables have no free text).
Marker = Literal["notes", "description", "rule_parameter", "none"]

# Where GA4's limits and field rules are documented; cited by the records below.
CONFIG_LIMITS = "Google Analytics Help, [GA4] Configuration limits (support.google.com/analytics/answer/12229528)"
EVENT_CREATION_LIMITS = (
    "Google Analytics Help, Differences between event creation and audience triggers "
    "(support.google.com/analytics/answer/10447093): up to 50 custom events and 100 audiences per property"
)
KEY_EVENT_DOC = "Admin API KeyEvent.custom: custom key events count towards the property's maximum"


def _docs(message: str) -> str:
    return f"the Admin API's {message} message (google-analytics-admin, field docs)"


@dataclass(frozen=True)
class Limit:
    """At most ``standard`` entities of a kind in one GA4 property (``ga360`` in an Analytics 360
    property); with ``scope`` set, only the entities of that scope count (custom dimensions). ``what``
    names them for people; ``source`` is where Google documents the number."""

    what: str
    standard: int
    ga360: int
    source: str
    scope: str | None = None

    def allowed(self, service_level: str | None) -> int:
        """The limit for a property of ``service_level`` (the Admin API's Property.serviceLevel);
        unknown is a standard property, the stricter reading."""
        return self.ga360 if service_level == "GOOGLE_ANALYTICS_360" else self.standard


@dataclass(frozen=True)
class FieldRule:
    """A rule GA4 applies to one field of what goalkeeper writes, from the Admin API message docs.

    ``path`` names the field in API JSON; ``[]`` steps into every item of a list
    (``parameterMutations[].parameter``). ``pattern`` must match the whole text; ``max_length`` is
    in characters; ``items`` bounds a list's length, ``between`` a number; ``unique`` says the
    values under ``path`` differ from each other; ``required`` that the field must be set. With
    ``scope`` set the rule holds only for entities of that scope. ``rule`` says it in words."""

    path: str
    rule: str
    source: str
    required: bool = False
    pattern: str | None = None
    max_length: int | None = None
    items: tuple[int, int] | None = None
    between: tuple[float, float] | None = None
    unique: bool = False
    scope: str | None = None


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

    Every field of an entity belongs to someone. What the desired body sets is goalkeeper's: diffed
    and written. Of the rest, ``server_fields`` are the target's own (GTM assigns them): never
    differences, never sent. ``user_fields`` are settings people make in GTM's interface on an
    entity goalkeeper manages (a tag's consent settings, firing option, exceptions, setup tag): never
    differences, and kept when goalkeeper updates the entity, since the Tag Manager API's update
    replaces the whole object. Any other field a target holds and the goals do not set is a
    difference, shown in the plan and removed by apply (a tag paused by hand, say: drift checks
    must see tracking switched off). The entity's folder is kept too (its
    ``parentFolderId`` is an id, held in the backend's handle).
    ``limits``: how many a GA4 property may hold; ``rules``: what GA4 accepts in the fields
    goalkeeper writes; ``message``: the Admin API message type both come from (``CustomDimension``).
    ``vocabulary``: the interface's words for the kind's fields and values (goalkeeper.core.vocabulary).
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
    server_fields: frozenset[str] = frozenset()
    user_fields: frozenset[str] = frozenset()
    unique_names: bool = False
    api_version: Literal["v1beta", "v1alpha", "v2"] = "v2"
    limits: tuple[Limit, ...] = ()
    rules: tuple[FieldRule, ...] = ()
    message: str = ""
    vocabulary: Vocabulary = PLAIN

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


# Who owns the fields goalkeeper's goals do not set, from the Tag Manager API v2 discovery document's
# Tag, Trigger and Variable schemas and the real container exports in ../shared/containers: there
# 210 of 210 tags carry tagFiringOption, 197 monitoringMetadata, 152 consentSettings; 52 of 325
# triggers carry waitForTagsTimeout and uniqueTriggerId (every link-click and form trigger); 370 of
# 399 variables carry formatValue. uniqueTriggerId is assigned by GTM; the rest are settings of
# GTM's interface (Advanced Settings, Consent Settings, Tag Sequencing, "Max wait time", Format Value).
# A tag paused or scheduled by hand tracks nothing: those stay goalkeeper's, so a drift check sees them.
_TAG_USER_FIELDS = frozenset(
    {
        "tagFiringOption",
        "monitoringMetadata",
        "monitoringMetadataTagNameKey",
        "consentSettings",
        "priority",
        "blockingTrigger",
        "setupTag",
        "teardownTag",
    }
)
_TRIGGER_SERVER_FIELDS = frozenset({"uniqueTriggerId"})
_TRIGGER_USER_FIELDS = frozenset({"waitForTagsTimeout"})
_VARIABLE_USER_FIELDS = frozenset({"formatValue", "disablingTriggerId", "enablingTriggerId"})

_GA4_REPLACED = "archived and created again: GA4 cannot change its parameter or scope"

# Field rules shared by custom dimensions and metrics (the Admin API's CustomDimension and
# CustomMetric field docs say the same).
_NAME_RULE = "letters, digits and underscores, starting with a letter"
_DISPLAY_RULE = "letters, digits, spaces and underscores, starting with a letter"
_PARAMETER = r"[A-Za-z][A-Za-z0-9_]*"
_DISPLAY = r"[A-Za-z][A-Za-z0-9 _]*"


def _definition_rules(message: str, scoped_lengths: tuple[tuple[str, int], ...]) -> tuple[FieldRule, ...]:
    source = _docs(message)
    return (
        FieldRule("parameterName", _NAME_RULE, source, required=True, pattern=_PARAMETER),
        *(
            FieldRule("parameterName", f"at most {length} characters", source, max_length=length, scope=scope)
            for scope, length in scoped_lengths
        ),
        FieldRule(
            "displayName",
            f"{_DISPLAY_RULE}, at most 82 characters",
            source,
            required=True,
            pattern=_DISPLAY,
            max_length=82,
        ),
        FieldRule("description", "at most 150 characters", source, max_length=150),
        FieldRule("scope", "required", source, required=True),
    )


_RULE_SOURCE = _docs("EventCreateRule, MatchingCondition and ParameterMutation")
_AUDIENCE_SOURCE = _docs("Audience")
_KEY_EVENT_SOURCE = _docs("KeyEvent")

# In creation order; deletion runs in the reverse order.
_REGISTERED = (
    EntityKind("gtm.folder", "GTM folder", "folder", "notes", vocabulary=vocabulary.GTM_FOLDER),
    EntityKind("gtm.builtin_variable", "GTM built-in variable", "built_in_variable", "none", shareable=True,
               type_is_enum=True, vocabulary=vocabulary.GTM_BUILTIN_VARIABLE),
    EntityKind("gtm.variable", "GTM variable", "variable", "notes", user_fields=_VARIABLE_USER_FIELDS,
               vocabulary=vocabulary.GTM_VARIABLE),
    EntityKind(
        "gtm.trigger", "GTM trigger", "trigger", "notes", type_is_enum=True, server_fields=_TRIGGER_SERVER_FIELDS,
        user_fields=_TRIGGER_USER_FIELDS, vocabulary=vocabulary.GTM_TRIGGER,
    ),
    EntityKind("gtm.tag", "GTM tag", "tag", "notes", user_fields=_TAG_USER_FIELDS, vocabulary=vocabulary.GTM_TAG),
    EntityKind(
        "ga4.custom_dimension", "GA4 custom dimension", "custom_dimension", "description", shareable=True,
        name_field="parameterName", scoped=True, fields=("parameterName", "displayName", "description", "scope"),
        immutable=("parameterName", "scope"), replace_note=_GA4_REPLACED, removal="archive", unique_names=True,
        api_version="v1beta",
        message="CustomDimension",
        limits=(
            Limit("event-scoped custom dimensions", 50, 125, CONFIG_LIMITS, scope="EVENT"),
            Limit("user-scoped custom dimensions", 25, 100, CONFIG_LIMITS, scope="USER"),
            Limit("item-scoped custom dimensions", 10, 25, CONFIG_LIMITS, scope="ITEM"),
        ),
        rules=_definition_rules("CustomDimension", (("EVENT", 40), ("USER", 24), ("ITEM", 40))),
        vocabulary=vocabulary.GA4_CUSTOM_DIMENSION,
    ),
    EntityKind(
        "ga4.custom_metric", "GA4 custom metric", "custom_metric", "description", shareable=True,
        name_field="parameterName", scoped=True,
        fields=("parameterName", "displayName", "description", "scope", "measurementUnit"),
        immutable=("parameterName", "scope"), replace_note=_GA4_REPLACED, removal="archive", unique_names=True,
        api_version="v1beta",
        message="CustomMetric",
        limits=(Limit("custom metrics", 50, 125, CONFIG_LIMITS),),
        rules=(
            *_definition_rules("CustomMetric", (("EVENT", 40),)),
            FieldRule("measurementUnit", "required", _docs("CustomMetric"), required=True),
        ),
        vocabulary=vocabulary.GA4_CUSTOM_METRIC,
    ),
    EntityKind(
        "ga4.event_create_rule", "GA4 event-create rule", "event_create_rule", "rule_parameter",
        name_field="destinationEvent",
        fields=("destinationEvent", "eventConditions", "sourceCopyParameters", "parameterMutations"),
        api_version="v1alpha", message="EventCreateRule",
        # Google documents 50 created events per property; goalkeeper counts every rule it reads.
        limits=(Limit("event-create rules", 50, 50, EVENT_CREATION_LIMITS),),
        rules=(
            FieldRule("destinationEvent", f"{_NAME_RULE}, less than 40 characters", _RULE_SOURCE, required=True,
                      pattern=_PARAMETER, max_length=39),
            FieldRule("eventConditions", "1 to 10 conditions", _RULE_SOURCE, required=True, items=(1, 10)),
            FieldRule("eventConditions[].field", "no spaces", _RULE_SOURCE, required=True, pattern=r"[^ ]+"),
            FieldRule("eventConditions[].comparisonType", "required", _RULE_SOURCE, required=True),
            FieldRule("eventConditions[].value", "required", _RULE_SOURCE, required=True),
            FieldRule("parameterMutations", "at most 20 mutations", _RULE_SOURCE, items=(0, 20)),
            FieldRule("parameterMutations[].parameter", f"{_NAME_RULE}, less than 40 characters, unique in the rule",
                      _RULE_SOURCE, required=True, pattern=_PARAMETER, max_length=39, unique=True),
            FieldRule("parameterMutations[].parameterValue", "less than 100 characters", _RULE_SOURCE, required=True,
                      max_length=99),
        ),
        vocabulary=vocabulary.GA4_EVENT_CREATE_RULE,
    ),
    EntityKind(
        "ga4.key_event", "GA4 key event", "key_event", "none", name_field="eventName",
        fields=("eventName", "countingMethod", "defaultValue"), immutable=("eventName",),
        replace_note="deleted and created again", unique_names=True, api_version="v1beta", message="KeyEvent",
        limits=(Limit("custom key events", 30, 50, f"{CONFIG_LIMITS}; {KEY_EVENT_DOC}"),),
        rules=(
            FieldRule("eventName", "required", _KEY_EVENT_SOURCE, required=True),
            FieldRule("countingMethod", "required", _KEY_EVENT_SOURCE, required=True),
            FieldRule("defaultValue.numericValue", "required in a default value", _KEY_EVENT_SOURCE, required=True),
            FieldRule("defaultValue.currencyCode", "an ISO 4217 currency code, required in a default value",
                      _KEY_EVENT_SOURCE, required=True, pattern=r"[A-Z]{3}"),
        ),
        vocabulary=vocabulary.GA4_KEY_EVENT,
    ),
    EntityKind(
        "ga4.audience", "GA4 audience", "audience", "description", name_field="displayName",
        fields=("displayName", "description", "membershipDurationDays", "filterClauses", "eventTrigger",
                "exclusionDurationMode"),
        immutable=("membershipDurationDays", "filterClauses", "exclusionDurationMode"),
        replace_note="archived and created again: GA4 cannot change an audience's conditions or membership duration",
        removal="archive", api_version="v1alpha", message="Audience",
        limits=(Limit("audiences", 100, 400, f"{CONFIG_LIMITS}; {EVENT_CREATION_LIMITS}"),),
        rules=(
            FieldRule("displayName", "required", _AUDIENCE_SOURCE, required=True),
            FieldRule("description", "required", _AUDIENCE_SOURCE, required=True),
            FieldRule("membershipDurationDays", "1 to 540 days", _AUDIENCE_SOURCE, required=True, between=(1, 540)),
            FieldRule("filterClauses", "at least one clause", _AUDIENCE_SOURCE, required=True, items=(1, 10_000)),
        ),
        vocabulary=vocabulary.GA4_AUDIENCE,
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
