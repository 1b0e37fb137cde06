"""Adopted entities: GTM and GA4 objects a goal file lists as they are (its ``entities:`` section),
without a goal kind, so goalkeeper manages them from the next apply on.

An adopted entity is written in a readable form, one mapping per entity: a key naming its kind
(``tag``, ``trigger``, ``variable``, ``folder``, ``built_in_variable``, ``key_event``,
``custom_dimension``, ``custom_metric``, ``event_create_rule``, ``audience``: each kind's API name
in goalkeeper.core.kinds) whose value is the entity's name, then its fields as the Tag Manager API
or the GA4 Admin API spells them, with references by name (``firingTrigger: [Name]``). A GTM
``parameter`` list may be written as a mapping of key to value (a string is a text value, true or
false a boolean, a whole number an integer, a list a list, a mapping a map) whenever that says
exactly the same; otherwise it stays the API's list. A trigger condition may be written
``{startsWith: ['{{Page Path}}', /support]}`` (GTM's operator, the variable and the value), with
``ignore_case: true`` or ``negate: true`` beside it, when that says exactly the same. The user's ``notes`` (GTM) or
``description`` (GA4) are kept after goalkeeper's marker.

``adopted_entity`` builds the entity the plan wants from that form; ``readable`` is its inverse,
used by ``goalkeeper import``, and only shortens a parameter list when ``adopted_entity`` gives
the very same list back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from goalkeeper.core import gtm_body, ownership
from goalkeeper.core.gtm_body import to_parameter
from goalkeeper.core.kinds import KINDS
from goalkeeper.core.model import Entity, canonical_json

# The word a goal file uses for each kind: its API name (``tag``, ``custom_dimension``).
KIND_WORDS: dict[str, str] = {kind.api_name: key for key, kind in KINDS.items()}
GA4_DESCRIPTION_LIMIT = 150  # characters: the Admin API's CustomDimension/Metric/Audience description


@dataclass(frozen=True)
class Adopted:
    """One entry of a goal file's ``entities:``: the kind (``gtm.tag``), the name, the fields as
    written, and the line it starts on."""

    kind: str
    name: str
    fields: Mapping[str, Any]
    line: int | None = None


def kind_word(item: Mapping[str, Any]) -> str | None:
    """The kind word an ``entities:`` entry starts with, None when it has none."""
    return next((word for word in item if word in KIND_WORDS), None)


def parse(item: Mapping[str, Any], line: int | None = None) -> Adopted:
    """An ``entities:`` entry (checked by the goal-file schema) as an Adopted."""
    word = kind_word(item)
    if word is None:
        raise ValueError(f"an entity needs one of {', '.join(sorted(KIND_WORDS))}")
    fields = {k: v for k, v in item.items() if k != word}
    return Adopted(KIND_WORDS[word], str(item[word]), fields, line)


def parameters(value: Any) -> list[dict[str, Any]]:
    """A GTM parameter list from its readable form (a mapping) or the API's list."""
    if isinstance(value, Mapping):
        return [to_parameter(k, v) for k, v in value.items()]
    return [dict(p) for p in value or []]


def _value(param: Mapping[str, Any]) -> Any:
    """The readable value of one parameter (raises ValueError when there is none)."""
    kind, value = param.get("type"), param.get("value")
    if kind == "template" and isinstance(value, str):
        return value
    if kind == "boolean" and value in ("true", "false"):
        return value == "true"
    if kind == "integer" and isinstance(value, str) and value.lstrip("-").isdigit() and str(int(value)) == value:
        return int(value)
    if kind == "list":
        return [_value(p) for p in param.get("list", [])]
    if kind == "map":
        return {str(p["key"]): _value(p) for p in param.get("map", [])}
    raise ValueError("no readable form")


def readable_parameters(params: list[Mapping[str, Any]]) -> Any:
    """``params`` as a mapping of key to value when that gives exactly ``params`` back (see
    ``parameters``), else ``params`` unchanged."""
    try:
        short = {str(p["key"]): _value(p) for p in params}
    except (ValueError, KeyError, TypeError):
        return params
    same = canonical_json(gtm_body.normalize({"parameter": parameters(short)})) == canonical_json(
        gtm_body.normalize({"parameter": params})
    )
    return short if same and len(short) == len(params) else params


CONDITION_LISTS = ("filter", "autoEventFilter", "customEventFilter")
_CONDITION_FLAGS = ("ignore_case", "negate")


def condition(value: Mapping[str, Any]) -> dict[str, Any]:
    """A GTM trigger condition from its readable form (``{startsWith: ['{{Page Path}}', /support]}``,
    with ``ignore_case: true`` or ``negate: true`` beside it) or the API's own."""
    if "parameter" in value or "type" in value:
        return dict(value)
    operator = next(k for k in value if k not in _CONDITION_FLAGS)
    arg0, arg1 = value[operator]
    params = [to_parameter("arg0", str(arg0)), to_parameter("arg1", str(arg1))]
    params += [to_parameter(flag, True) for flag in _CONDITION_FLAGS if value.get(flag)]
    return {"type": operator, "parameter": params}


def readable_condition(value: Mapping[str, Any]) -> Any:
    """A condition as ``{operator: [arg0, arg1]}`` when that gives exactly ``value`` back."""
    try:
        params = {str(p["key"]): p for p in value["parameter"]}
        short: dict[str, Any] = {str(value["type"]): [params["arg0"]["value"], params["arg1"]["value"]]}
        short.update({flag: True for flag in _CONDITION_FLAGS if flag in params})
        same = canonical_json(gtm_body.normalize({"filter": [condition(short)]})) == canonical_json(
            gtm_body.normalize({"filter": [value]})
        )
    except (KeyError, TypeError, ValueError, StopIteration):
        return value
    return short if same and str(value["type"]) not in _CONDITION_FLAGS else value


def with_user_text(marked: str, user: str, limit: int | None = None) -> str:
    """A marker text with the user's own text after it (cut to ``limit`` characters, if any)."""
    text = f"{marked}\n\n{user}" if user else marked
    return text[:limit] if limit else text


def adopted_entity(adopted: Adopted, owner: str | None = None) -> Entity:
    """The entity the goal file wants for an adopted entry, with goalkeeper's marker for ``owner``
    (through goalkeeper.core.ownership) and the user's notes or description after it."""
    kind = KINDS[adopted.kind]
    body = dict(adopted.fields)
    user = str(body.pop(kind.marker, "") or "") if kind.marker in ("notes", "description") else ""
    if kind.target == "gtm":
        if "parameter" in body:
            body["parameter"] = parameters(body["parameter"])
        for key in CONDITION_LISTS:
            if key in body:
                body[key] = [condition(c) for c in body[key]]
        body = gtm_body.normalize(body) if adopted.kind != "gtm.builtin_variable" else body
    elif adopted.kind == "ga4.event_create_rule" and ownership.rule_goal(body) is None:
        mutation = {"parameter": ownership.GOAL_PARAMETER, "parameterValue": adopted.name}
        body["parameterMutations"] = [*body.get("parameterMutations", []), mutation]
    entity = ownership.mark(Entity(adopted.kind, adopted.name, body), owner=owner)
    if user:
        limit = GA4_DESCRIPTION_LIMIT if kind.marker == "description" else None
        marked = dict(entity.body)
        marked[kind.marker] = with_user_text(str(marked[kind.marker]), user, limit)
        entity = Entity(entity.kind, entity.name, marked)
    return entity


def readable(entity: Entity) -> dict[str, Any]:
    """An entity read from a target in the ``entities:`` form (the inverse of ``adopted_entity``)."""
    kind = KINDS[entity.kind]
    out: dict[str, Any] = {kind.api_name: entity.name}
    for key, value in entity.body.items():
        if key == kind.marker:
            continue
        if key == "parameter" and kind.target == "gtm":
            value = readable_parameters(value)
        elif key in CONDITION_LISTS and kind.target == "gtm":
            value = [readable_condition(c) for c in value]
        if entity.kind == "ga4.event_create_rule" and key == "parameterMutations":
            value = [m for m in value if m.get("parameter") != ownership.GOAL_PARAMETER] or None
            if value is None:
                continue
        out[key] = value
    text = ownership.user_text(entity.kind, entity.body)
    if text:
        out[kind.marker] = text
    return out
