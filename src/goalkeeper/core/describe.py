"""Readable fields of an entity body, so plans show field-level diffs a reviewer can read.

``fields(entity)`` (``body_fields(body)``) flattens a body into ordered ``label -> text`` pairs: a trigger condition reads
``Click URL contains "/checkout"``, a GA4 tag parameter ``eventSettingsTable[link_url]``, never a
raw JSON blob. Renderers print these pairs; the diff compares them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from goalkeeper.core.model import Entity

_CONDITION_WORDS = {
    "equals": "equals",
    "contains": "contains",
    "startsWith": "starts with",
    "endsWith": "ends with",
    "matchRegex": "matches RegEx",
    "cssSelector": "matches CSS selector",
    "urlMatches": "URL matches",
    "greater": "greater than",
    "greaterOrEquals": "greater than or equal to",
    "less": "less than",
    "lessOrEquals": "less than or equal to",
}
_NEGATED_WORDS = {
    "equals": "does not equal",
    "contains": "does not contain",
    "startsWith": "does not start with",
    "endsWith": "does not end with",
    "matchRegex": "does not match RegEx",
    "cssSelector": "does not match CSS selector",
}
_CONDITION_KEYS = ("filter", "autoEventFilter", "customEventFilter")
# Maps GA4 tags use for their tables: shown as table[name] = value.
_PAIR_KEYS = (("parameter", "parameterValue"), ("name", "value"))


def quote(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def condition_text(condition: Mapping[str, Any]) -> str:
    """A GTM condition as a sentence: ``Click URL contains "/checkout"``."""
    params = {p.get("key"): p.get("value") for p in condition.get("parameter", [])}
    ctype = condition.get("type", "")
    negate = params.get("negate") == "true"
    verb = (_NEGATED_WORDS if negate else _CONDITION_WORDS).get(ctype) or (("not " if negate else "") + ctype)
    subject = re.sub(r"^\{\{(.*)\}\}$", r"\1", str(params.get("arg0", "")))
    text = f"{subject} {verb} {quote(params.get('arg1', ''))}"
    if params.get("ignore_case") == "true":
        text += " (ignore case)"
    return text


def ga4_condition_text(condition: Mapping[str, Any]) -> str:
    """A GA4 matching condition: ``page_location starts with "/checkout"``."""
    ctype = str(condition.get("comparisonType", "EQUALS"))
    words = ctype.lower().replace("_case_insensitive", "").replace("_", " ")
    words = {"regular expression": "matches RegEx"}.get(words, words)
    text = f"{condition.get('field')} {'not ' if condition.get('negated') else ''}{words} {quote(condition.get('value', ''))}"
    if ctype.endswith("CASE_INSENSITIVE"):
        text += " (ignore case)"
    return text


def _parameter_value(param: Mapping[str, Any]) -> Any:
    ptype = param.get("type")
    if ptype == "list":
        return [_parameter_value(p) for p in param.get("list", [])]
    if ptype == "map":
        return {p.get("key"): _parameter_value(p) for p in param.get("map", [])}
    if ptype == "boolean":
        return param.get("value") == "true"
    return param.get("value")


def _flatten(label: str, value: Any, out: dict[str, str]) -> None:
    if isinstance(value, Mapping) and value:
        for key, item in value.items():
            _flatten(f"{label}.{key}" if label else str(key), item, out)
    elif isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
        for index, item in enumerate(value):
            pair = next((p for p in _PAIR_KEYS if set(item) == set(p)), None)
            if pair:
                out[f"{label}[{item[pair[0]]}]"] = quote(item[pair[1]])
            else:
                _flatten(f"{label}[{index}]", item, out)
    elif isinstance(value, list):
        out[label] = ", ".join(quote(v) for v in value) if value else "(none)"
    else:
        out[label] = quote(value)


def _conditions(
    label: str, conditions: list[Mapping[str, Any]], render: Callable[[Mapping[str, Any]], str], out: dict[str, str]
) -> None:
    if len(conditions) == 1:
        out[label] = render(conditions[0])
    for index, condition in enumerate(conditions if len(conditions) > 1 else ()):
        out[f"{label}[{index}]"] = render(condition)


def fields(entity: Entity) -> dict[str, str]:
    """Ordered, human-readable fields of an entity's body."""
    return body_fields(entity.body)


def body_fields(body: Mapping[str, Any]) -> dict[str, str]:
    """Ordered ``label -> text`` pairs of a GTM or GA4 body (see the module docstring)."""
    out: dict[str, str] = {}
    # The type first and goalkeeper's notes last: what an entity is, then how, then who owns it.
    keys = sorted(body, key=lambda k: (k != "type", k in ("notes", "description"), 0))
    for key, value in ((k, body[k]) for k in keys):
        if key == "parameter":
            for param in value:
                _flatten(param.get("key", ""), _parameter_value(param), out)
        elif key in _CONDITION_KEYS:
            _conditions(key, value, condition_text, out)
        elif key == "eventConditions":
            _conditions("conditions", value, ga4_condition_text, out)
        elif key == "firingTrigger":
            out["firing triggers"] = ", ".join(quote(v) for v in value)
        elif isinstance(value, Mapping) and set(value) <= {"type", "value", "key"} and "type" in value:
            # top-level GTM Parameter fields such as waitForTags
            out[key] = quote(_parameter_value(value))
        else:
            _flatten(key, value, out)
    return out
