"""Reference checks on the desired state, against what the target already has.

GTM accepts a ``{{Missing Variable}}`` silently and the tag then sends an empty value, so every
reference is checked before anything is written.
"""

from __future__ import annotations

import re
from typing import Any

from goalkeeper.core.builtins import ALWAYS_DEFINED, BUILTIN_TRIGGERS, BUILTIN_VARIABLE_NAMES
from goalkeeper.core.errors import Problem
from goalkeeper.core.events import VARIABLE_REFERENCE
from goalkeeper.core.model import Entity, canonical_json
from goalkeeper.core.state import State

INVALID_NAME_CHARACTERS = re.compile(r"[:<>&\"']")


def _defined_variables(desired: State, live: State) -> set[str]:
    names = set(ALWAYS_DEFINED)
    for state in (desired, live):
        names.update(e.name for e in state if e.kind in ("gtm.variable", "gtm.builtin_variable"))
    return names


def _entity_problems(entity: Entity, defined: set[str], triggers: set[str], tags: set[str]) -> list[Problem]:
    owner = f"goal {', '.join(entity.goals)}" if entity.goals else "in entities:"
    label = f"{entity.entity_kind.label} {entity.name!r} ({owner})"
    problems = []
    if INVALID_NAME_CHARACTERS.search(entity.name):
        problems.append(Problem(f"{label}: GTM names may not contain : < > & \" or '"))
    if entity.kind == "gtm.variable" and entity.name in BUILTIN_VARIABLE_NAMES.values():
        problems.append(Problem(f"{label}: that name belongs to a GTM built-in variable; choose another"))
    for name in sorted(set(VARIABLE_REFERENCE.findall(canonical_json(entity.body))) - defined):
        problems.append(
            Problem(
                f"{label} refers to {{{{{name}}}}}, which is neither defined by the goals, nor in the "
                "container, nor a built-in variable the goal enables"
            )
        )
    for key, verb in (("firingTrigger", "fires on"), ("blockingTrigger", "is blocked by")):
        for trigger in entity.body.get(key, []):
            if trigger not in triggers:
                problems.append(
                    Problem(
                        f"{label} {verb} trigger {trigger!r}, which neither the goal file nor the container defines"
                    )
                )
    for name in _trigger_references(entity.body.get("parameter", [])):
        if name not in triggers:
            problems.append(
                Problem(f"{label} refers to trigger {name!r}, which neither the goal file nor the container defines")
            )
    for key, role in (("setupTag", "setup"), ("teardownTag", "cleanup")):
        for item in entity.body.get(key, []):
            name = item.get("tagName") if isinstance(item, dict) else None
            if name not in tags:
                problems.append(
                    Problem(
                        f"{label} names {name!r} as its {role} tag, which neither the goal file nor the container has"
                    )
                )
    return problems


def _trigger_references(params: Any) -> list[str]:
    """The trigger names a GTM parameter list refers to (``triggerReference`` values, as a trigger
    group's ``triggerIds`` holds them), at any depth."""
    found = []
    for param in params if isinstance(params, list) else []:
        if isinstance(param, dict):
            if param.get("type") == "triggerReference" and "value" in param:
                found.append(str(param["value"]))
            found += _trigger_references(param.get("list")) + _trigger_references(param.get("map"))
    return found


def dangling(entity: Entity) -> bool:
    """Whether a GTM entity fires on or is blocked by a trigger its target could not name (read as
    ``id:N``): writing it back would fail, so the reference check must see it."""
    return any(
        str(t).startswith("id:") for key in ("firingTrigger", "blockingTrigger") for t in entity.body.get(key, ())
    )


def _staying(live: State) -> State:
    """What the container keeps whatever the plan: the entities goalkeeper does not manage."""
    return State(tuple(e for e in live if not e.managed))


def reference_problems(
    desired: State, live: State, checked: frozenset[str] = frozenset({"gtm", "ga4"})
) -> list[Problem]:
    """Problems in ``desired`` against ``live``. Only the targets in ``checked`` are checked (live
    holds only what was read). A trigger may be the goal file's or the container's own (one
    goalkeeper does not manage: it stays). Whether every key event is sent is the consistency
    check's (``goalkeeper.core.consistency``)."""
    defined = _defined_variables(desired, live)
    triggers, tags = (
        {e.name for s in (desired, _staying(live)) for e in s.of_kind(k)} for k in ("gtm.trigger", "gtm.tag")
    )
    triggers |= set(BUILTIN_TRIGGERS)
    problems: list[Problem] = []
    for entity in desired:
        if entity.target == "gtm" and "gtm" in checked and entity.kind != "gtm.builtin_variable":
            problems += _entity_problems(entity, defined, triggers, tags)
    return problems
