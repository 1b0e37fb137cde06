"""What every GA4 backend shares: the mapping between Admin API JSON objects and entities.

Objects are in the Admin API's JSON shape (camelCase keys, enum names as strings). Entity names:
a key event by its event name, a custom dimension or metric by its parameter name (with the scope
when it is not EVENT), an event-create rule by its destination event, an audience by its display name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from goalkeeper.core import ownership
from goalkeeper.core.kinds import KINDS
from goalkeeper.core.model import Entity


def entity_body(kind: str, obj: Mapping[str, Any]) -> dict[str, Any]:
    body = {k: obj[k] for k in KINDS[kind].fields if k in obj and obj[k] not in (None, "", [])}
    if "defaultValue" in body:
        # JSON has one number type; proto doubles come back as 5.0 where a goal file says 5.
        body["defaultValue"] = {
            **body["defaultValue"],
            "numericValue": float(body["defaultValue"].get("numericValue", 0)),
        }
    if kind == "ga4.event_create_rule":
        # A missing boolean and false mean the same to GA4.
        body["sourceCopyParameters"] = bool(obj.get("sourceCopyParameters", False))
        body["eventConditions"] = [
            {k: v for k, v in c.items() if k != "negated" or v} for c in obj.get("eventConditions", [])
        ]
    return body


def entities_from_api(kind: str, objects: Iterable[Mapping[str, Any]]) -> list[Entity]:
    """Entities from Admin API objects; the handle is the object's resource name."""
    entities: list[Entity] = []
    taken: set[str] = set()
    for obj in objects:
        body = entity_body(kind, obj)
        name = KINDS[kind].name_of(obj)
        if name in taken:  # two rules making the same event, say: keep both, distinctly named
            name = f"{name} ({obj.get('name', '').rsplit('/', 1)[-1]})"
        taken.add(name)
        managed = ownership.has_marker(kind, body)
        goals = ownership.goals_of(kind, body) if managed else ()
        entities.append(Entity(kind, name, body, goals, managed, obj.get("name")))
    return entities


def api_object(entity: Entity) -> dict[str, Any]:
    return dict(entity.body)


# The switches of an EnhancedMeasurementSettings object (Admin API v1alpha), in its JSON spelling.
ENHANCED_SWITCHES = (
    "streamEnabled",
    "scrollsEnabled",
    "outboundClicksEnabled",
    "siteSearchEnabled",
    "videoEngagementEnabled",
    "fileDownloadsEnabled",
    "pageChangesEnabled",
    "formInteractionsEnabled",
)


def web_stream(streams: Iterable[Mapping[str, Any]], measurement_id: str | None, *, exact: bool) -> str | None:
    """The name of the web data stream goalkeeper's tags send to: the one with the goal file's
    measurement id. When none has it, ``exact`` says whether to give up (enhanced measurement must
    be the right stream's, or nothing is said) or to fall back to the first web stream (where
    event-create rules go); without a measurement id, exactly one web stream is unambiguous.
    None when no stream fits. Streams are DataStream objects in the Admin API's JSON shape."""
    web = [s for s in streams if s.get("type", "WEB_DATA_STREAM") == "WEB_DATA_STREAM"]
    match = next(
        (s for s in web if measurement_id and s.get("webStreamData", {}).get("measurementId") == measurement_id), None
    )
    if match is None and (not exact or (not measurement_id and len(web) == 1)):
        match = web[0] if web else None
    return str(match["name"]) if match else None


def enhanced_settings(obj: Mapping[str, Any]) -> dict[str, Any]:
    """An EnhancedMeasurementSettings object (API JSON) as the switches goalkeeper reads, each a
    bool (a switch missing from the JSON is off, as proto3 leaves false out), with its name."""
    settings: dict[str, Any] = {key: bool(obj.get(key, False)) for key in ENHANCED_SWITCHES}
    if obj.get("name"):
        settings["name"] = obj["name"]
    return settings
