"""What every GTM backend shares: enum casing, and the mapping between API objects and entities.

The Tag Manager API spells enums lowerCamel (``linkClick``); container export files spell the same
enums UPPER_SNAKE (``LINK_CLICK``). Entities always hold the API spelling, with triggers referenced
by name; ids are resolved per workspace or per file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from goalkeeper.core import gtm_body, ownership
from goalkeeper.core.builtins import BUILTIN_TRIGGERS, builtin_name
from goalkeeper.core.kinds import KINDS
from goalkeeper.core.model import Entity

BUILTIN_TRIGGER_NAMES = {v: k for k, v in BUILTIN_TRIGGERS.items()}


def upper_snake(value: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", value).upper()


def lower_camel(value: str) -> str:
    if not value.isupper() and "_" not in value:
        return value
    head, *rest = value.lower().split("_")
    return head + "".join(part.capitalize() for part in rest)


def _convert_parameter(param: Any, convert: Callable[[str], str]) -> Any:
    if not isinstance(param, Mapping):
        return param
    out = dict(param)
    if isinstance(out.get("type"), str):
        out["type"] = convert(out["type"])
    if "list" in out:
        out["list"] = [_convert_parameter(p, convert) for p in out["list"]]
    if "map" in out:
        out["map"] = [_convert_parameter(p, convert) for p in out["map"]]
    return out


def convert_enums(kind: str, body: Mapping[str, Any], convert: Callable[[str], str]) -> dict[str, Any]:
    """Respell every enum in a GTM object with ``convert`` (upper_snake or lower_camel)."""
    out = dict(body)
    if KINDS[kind].type_is_enum and isinstance(out.get("type"), str):
        out["type"] = convert(out["type"])
    for key, value in body.items():
        if key == "parameter":
            out[key] = [_convert_parameter(p, convert) for p in value]
        elif key in ("filter", "autoEventFilter", "customEventFilter"):
            out[key] = [
                {
                    **c,
                    "type": convert(c["type"]),
                    "parameter": [_convert_parameter(p, convert) for p in c.get("parameter", [])],
                }
                for c in value
            ]
        elif key in gtm_body.TRIGGER_PARAMETER_FIELDS or key in ("priority", "monitoringMetadata"):
            out[key] = _convert_parameter(value, convert)
        elif key == "tagFiringOption" and isinstance(value, str):
            out[key] = convert(value)
        elif key == "consentSettings" and isinstance(value, Mapping):
            settings = dict(value)
            if isinstance(settings.get("consentStatus"), str):
                settings["consentStatus"] = convert(settings["consentStatus"])
            if "consentType" in settings:
                settings["consentType"] = _convert_parameter(settings["consentType"], convert)
            out[key] = settings
        elif key == "formatValue" and isinstance(value, Mapping) and "caseConversionType" in value:
            out[key] = {**value, "caseConversionType": convert(value["caseConversionType"])}
    return out


def trigger_names(triggers: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Trigger id → name, built-in triggers included."""
    names = dict(BUILTIN_TRIGGER_NAMES)
    names.update({str(t["triggerId"]): t["name"] for t in triggers if "triggerId" in t})
    return names


def _resolve_trigger_references(params: Any, resolve: Callable[[str], str]) -> Any:
    """Parameters with every ``triggerReference`` value (a trigger group's triggers) passed through
    ``resolve``: ids become names when read, names become ids when written."""
    if not isinstance(params, list):
        return params
    out = []
    for param in params:
        if isinstance(param, Mapping):
            param = dict(param)
            if param.get("type") == "triggerReference" and "value" in param:
                param["value"] = resolve(str(param["value"]))
            for key in ("list", "map"):
                if key in param:
                    param[key] = _resolve_trigger_references(param[key], resolve)
        out.append(param)
    return out


def entity_from_api(kind: str, obj: Mapping[str, Any], triggers_by_id: Mapping[str, str], handle: Any = None) -> Entity:
    """An entity from an API-spelled GTM object, with ownership read from its marker."""
    if kind == "gtm.builtin_variable":
        return Entity(kind, obj.get("name") or builtin_name(obj["type"]), {"type": obj["type"]}, (), False, handle)
    body = dict(obj)
    for ids_key, names_key in (("firingTriggerId", "firingTrigger"), ("blockingTriggerId", "blockingTrigger")):
        if ids_key in body:
            body[names_key] = [triggers_by_id.get(str(i), f"id:{i}") for i in body[ids_key]]
    if "parameter" in body:
        body["parameter"] = _resolve_trigger_references(body["parameter"], lambda i: triggers_by_id.get(i, f"id:{i}"))
    body = gtm_body.normalize(body)
    managed = ownership.has_marker(kind, body)
    goals = ownership.goals_of(kind, body) if managed else ()
    return Entity(kind, obj["name"], body, goals, managed, handle)


def api_object(entity: Entity, trigger_ids: Mapping[str, str]) -> dict[str, Any]:
    """The API-spelled object for an entity: trigger names resolved to this workspace's ids."""
    obj: dict[str, Any] = {"name": entity.name}
    for key, value in entity.body.items():
        if key == "firingTrigger":
            obj["firingTriggerId"] = [trigger_ids[name] for name in value]
        elif key == "blockingTrigger":
            obj["blockingTriggerId"] = [trigger_ids[name] for name in value]
        elif key == "parameter":
            obj[key] = _resolve_trigger_references(value, lambda name: trigger_ids.get(name, name.removeprefix("id:")))
        else:
            obj[key] = value
    return obj


def kept_on_update(before: Entity, after: Entity) -> Entity:
    """``after`` with the user's settings ``before`` holds and the goals do not set (consent
    settings, firing option, setup tag…: ``EntityKind.user_fields``), so an update, which replaces
    the whole object in GTM, does not wipe them."""
    user_fields = after.entity_kind.user_fields
    kept = {k: v for k, v in before.body.items() if k in user_fields and k not in after.body}
    return replace(after, body={**after.body, **kept}) if kept else after
