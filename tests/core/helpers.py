"""Hand-built entities for the core unit tests: small, readable, in the API's own spelling."""

from __future__ import annotations

from goalkeeper.core import ownership
from goalkeeper.core.changes import CREATE, DELETE, REPLACE, Change, Create, Delete, Replace, Update
from goalkeeper.core.model import Entity


def notes(*goals: str, key_events: tuple[str, ...] = ()) -> str:
    return ownership.managed_notes(goals, key_events)


def condition(ctype: str, arg0: str, arg1: str) -> dict:
    return {
        "type": ctype,
        "parameter": [
            {"key": "arg0", "type": "template", "value": arg0},
            {"key": "arg1", "type": "template", "value": arg1},
        ],
    }


def trigger(name: str, url: str = "/checkout", goal: str = "checkout_click", managed: bool = True) -> Entity:
    body = {"type": "linkClick", "filter": [condition("contains", "{{Click URL}}", url)]}
    if managed:
        body["notes"] = notes(goal)
    return Entity("gtm.trigger", name, body, (goal,) if managed else (), managed)


def tag(
    name: str,
    trigger_name: str,
    event: str = "checkout_click",
    goal: str = "checkout_click",
    managed: bool = True,
    extra_params: tuple[dict, ...] = (),
    key_event: bool = True,
) -> Entity:
    body = {
        "type": "gaawe",
        "firingTrigger": [trigger_name],
        "parameter": [{"key": "eventName", "type": "template", "value": event}, *extra_params],
    }
    if managed:
        body["notes"] = notes(goal, key_events=(event,) if key_event else ())
    return Entity("gtm.tag", name, body, (goal,) if managed else (), managed)


def variable(
    name: str, value: str = "G-ABC123", goals: tuple[str, ...] = ("checkout_click",), managed: bool = True
) -> Entity:
    body = {"type": "c", "parameter": [{"key": "value", "type": "template", "value": value}]}
    if managed:
        body["notes"] = notes(*goals)
    return Entity("gtm.variable", name, body, goals if managed else (), managed)


def folder(name: str, goal: str = "checkout_click", managed: bool = True) -> Entity:
    body = {"notes": notes(goal)} if managed else {}
    return Entity("gtm.folder", name, body, (goal,) if managed else (), managed)


def builtin(name: str, builtin_type: str, goals: tuple[str, ...] = ()) -> Entity:
    # Read from a target, a built-in variable is never "managed": nothing marks it.
    return Entity("gtm.builtin_variable", name, {"type": builtin_type}, goals, managed=bool(goals))


def dimension(
    parameter: str,
    display: str = "Video title",
    scope: str = "EVENT",
    goal: str = "product_video",
    managed: bool = True,
) -> Entity:
    body = {"parameterName": parameter, "displayName": display, "scope": scope}
    if managed:
        body["description"] = ownership.managed_description((goal,))
    return Entity("ga4.custom_dimension", parameter, body, (goal,) if managed else (), managed)


def key_event(event: str, goal: str | None = None, managed: bool = False, counting: str = "ONCE_PER_EVENT") -> Entity:
    body = {"eventName": event, "countingMethod": counting}
    return Entity("ga4.key_event", event, body, (goal,) if goal else (), managed)


def change(action: str, before: Entity | None, after: Entity | None, fields: tuple = ()) -> Change:
    """The typed change for ``action`` (create, update, replace, delete) with the ends it has."""
    if action == CREATE and after is not None:
        return Create(after, fields=fields)
    if action == DELETE and before is not None:
        return Delete(before, fields=fields)
    if before is not None and after is not None:
        return (Replace if action == REPLACE else Update)(before, after, fields=fields)
    raise ValueError(f"a {action} has no such ends")
