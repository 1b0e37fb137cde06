"""The canonical form of GTM entity bodies, shared by the goal expansion and every GTM backend.

Both sides normalise through here, so a body written by goalkeeper and read back from any target
compares equal: read-only keys are dropped, parameters sorted by key, empty values removed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Keys that belong to one workspace or export, never to the entity's meaning (the name is its
# identity, kept beside the body).
READ_ONLY_KEYS = frozenset(
    {
        "name",
        "accountId",
        "containerId",
        "workspaceId",
        "path",
        "fingerprint",
        "tagManagerUrl",
        "tagId",
        "triggerId",
        "variableId",
        "folderId",
        "parentFolderId",
        "firingTriggerId",
        "blockingTriggerId",
    }
)

# Trigger fields that are single GTM Parameters rather than entries of ``parameter``.
TRIGGER_PARAMETER_FIELDS = (
    "waitForTags",
    "checkValidation",
    "waitForTagsTimeout",
    "uniqueTriggerId",
    "eventName",
    "interval",
    "limit",
    "intervalSeconds",
    "maxTimerLengthSeconds",
    "selector",
    "visibilitySelector",
    "visiblePercentageMin",
    "visiblePercentageMax",
    "continuousTimeMinMilliseconds",
    "totalTimeMinMilliseconds",
)


def _sorted_parameters(params: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return sorted((normalize_parameter(p) for p in params), key=lambda p: str(p.get("key", "")))


def normalize_parameter(param: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {k: v for k, v in param.items() if v not in (None, [], {})}
    if "map" in out:
        out["map"] = _sorted_parameters(out["map"])
    if "list" in out:
        out["list"] = [normalize_parameter(p) for p in out["list"]]
    return out


def _normalize_condition(condition: Mapping[str, Any]) -> dict[str, Any]:
    return {"type": condition["type"], "parameter": _sorted_parameters(condition.get("parameter", []))}


def normalize(body: Mapping[str, Any]) -> dict[str, Any]:
    """The canonical body of a GTM tag, trigger, variable or folder."""
    out: dict[str, Any] = {}
    for key, value in body.items():
        if key in READ_ONLY_KEYS or value in (None, [], {}, ""):
            continue
        if key == "parameter":
            value = _sorted_parameters(value)
        elif key in ("filter", "autoEventFilter", "customEventFilter"):
            value = [_normalize_condition(c) for c in value]
        elif key in TRIGGER_PARAMETER_FIELDS and isinstance(value, Mapping):
            value = normalize_parameter(value)
        out[key] = value
    return dict(sorted(out.items()))


def to_parameter(key: str | None, value: Any) -> dict[str, Any]:
    """A GTM Parameter from a plain value: str → template, bool → boolean, int → integer,
    list → list, mapping → map. GTM keeps every value as a string."""
    param: dict[str, Any] = {} if key is None else {"key": key}
    if isinstance(value, bool):
        param.update(type="boolean", value="true" if value else "false")
    elif isinstance(value, int):
        param.update(type="integer", value=str(value))
    elif isinstance(value, list):
        param.update(type="list", list=[to_parameter(None, item) for item in value])
    elif isinstance(value, Mapping):
        param.update(type="map", map=[to_parameter(k, v) for k, v in value.items()])
    else:
        param.update(type="template", value=str(value))
    return param


def to_parameters(value: Any) -> list[dict[str, Any]]:
    """A GTM parameter list from its short form (a mapping of plain values) or the API's list."""
    if isinstance(value, Mapping):
        return [to_parameter(k, v) for k, v in value.items()]
    return list(value or [])
