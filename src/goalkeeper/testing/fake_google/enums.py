"""Enum values of the Tag Manager API v2, read from the discovery document bundled with googleapiclient,
plus the mechanical mapping between export-file UPPER_SNAKE and API lowerCamel (GTM spells the same enums both ways)."""

from __future__ import annotations

import functools
import json
import os
import re
from typing import Any

_UPPER = re.compile(r"[A-Z][A-Z0-9_]*")
# keys whose string values are API enums (tag and variable ``type`` are template ids, always lower case)
ENUM_KEYS = frozenset({"type", "tagFiringOption", "consentStatus", "caseConversionType", "changeStatus"})


def upper_to_camel(value: str) -> str:
    """``YOU_TUBE_VIDEO`` -> ``youTubeVideo``; values that are not UPPER_SNAKE are returned unchanged."""
    if not isinstance(value, str) or not _UPPER.fullmatch(value):
        return value
    first, *rest = value.lower().split("_")
    return first + "".join(p[:1].upper() + p[1:] for p in rest)


def camel_to_upper(value: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", value).upper()


def normalize_enums(obj: Any) -> Any:
    """Return a deep copy of ``obj`` with UPPER_SNAKE enum values turned into API lowerCamel."""
    if isinstance(obj, dict):
        out: dict[str, Any] = {}
        for k, v in obj.items():
            if k in ENUM_KEYS and isinstance(v, str):
                out[k] = upper_to_camel(v)
            elif k == "usageContext" and isinstance(v, list):
                out[k] = [upper_to_camel(x) for x in v]
            else:
                out[k] = normalize_enums(v)
        return out
    if isinstance(obj, list):
        return [normalize_enums(x) for x in obj]
    return obj


@functools.lru_cache(maxsize=1)
def _discovery() -> dict[str, Any]:
    import googleapiclient

    path = os.path.join(os.path.dirname(googleapiclient.__file__), "discovery_cache", "documents", "tagmanager.v2.json")
    with open(path, encoding="utf-8") as fh:
        document: dict[str, Any] = json.load(fh)
    return document


def _enum(schema: str, prop: str) -> frozenset[str]:
    p = _discovery()["schemas"][schema]["properties"][prop]
    values = p.get("enum") or p.get("items", {}).get("enum") or []
    return frozenset(values)


@functools.cache
def trigger_types() -> frozenset[str]:
    return _enum("Trigger", "type") - {"eventTypeUnspecified"}


@functools.cache
def builtin_types() -> frozenset[str]:
    return _enum("BuiltInVariable", "type") - {"builtInVariableTypeUnspecified"}


@functools.cache
def parameter_types() -> frozenset[str]:
    return _enum("Parameter", "type")


@functools.cache
def condition_types() -> frozenset[str]:
    return _enum("Condition", "type")


_BUILTIN_NAMES = {
    "elementVisibilityRatio": "Percent Visible",
    "elementVisibilityTime": "On-Screen Duration",
    "elementVisibilityFirstTime": "First Time Visible",
    "elementVisibilityRecentTime": "Recent Time Visible",
    "scrollDepthDirection": "Scroll Direction",
    "referrer": "Referrer",
}
_ACRONYMS = {"Url": "URL", "Id": "ID", "Html": "HTML", "Sdk": "SDK", "Os": "OS"}


def builtin_name(type_: str) -> str:
    """Display name of a built-in variable type, e.g. ``clickUrl`` -> ``Click URL``."""
    if type_ in _BUILTIN_NAMES:
        return _BUILTIN_NAMES[type_]
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", type_).split(" ")
    return " ".join(_ACRONYMS.get(w.capitalize(), w.capitalize()) for w in words)
