"""Ownership: how goalkeeper recognises what it manages, so it never touches anything else.

Every entity goalkeeper creates carries a marker where the API leaves room for one:

- GTM tags, triggers, variables and folders: their ``notes`` start with ``MARKER``; the notes also
  name the goals the entity serves (and, for tags, the GA4 key events goalkeeper made for them).
- GA4 custom dimensions, custom metrics and audiences: their ``description`` starts with ``MARKER``.
- GA4 event-create rules: a parameter mutation sets ``goalkeeper_goal`` to the goal's name, which
  also lets reports split the created event by goal.
- GA4 key events have no free text. goalkeeper owns a key event when a goal declares it (adopting
  one made by hand), when a goalkeeper-managed tag's notes record it, or when it marks an event
  that only a goalkeeper event-create rule makes. So the key event of a removed goal goes together
  with its tag or rule, while a key event someone made by hand for an event a goal merely sends
  (say ``purchase``) is never touched.
- GTM built-in variables have neither, and may be used by anything in the container: goalkeeper
  enables the ones its goals need and never disables one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from goalkeeper.core.kinds import KINDS
from goalkeeper.core.model import Entity

MARKER = "Managed by goalkeeper"
GOAL_PARAMETER = "goalkeeper_goal"

_GOALS_RE = re.compile(r"Goals?: ([^.\n]*)")
_KEY_EVENTS_RE = re.compile(r"Key events?: ([^.\n]*)")


def managed_notes(goals: Iterable[str], key_events: Iterable[str] = ()) -> str:
    """The notes goalkeeper writes on a GTM entity: the marker, its goals and its key events."""
    goals = sorted(goals)
    text = f"{MARKER}: edits made here are overwritten by `goalkeeper apply`."
    if goals:
        text += f" Goal{'s' if len(goals) > 1 else ''}: {', '.join(goals)}."
    key_events = sorted(key_events)
    if key_events:
        text += f" Key event{'s' if len(key_events) > 1 else ''}: {', '.join(key_events)}."
    return text


def managed_description(goals: Iterable[str]) -> str:
    """The description goalkeeper writes on a GA4 dimension, metric or audience (150 chars max)."""
    text = f"{MARKER}. Goals: {', '.join(sorted(goals))}"
    return text if len(text) <= 150 else text[:147] + "..."


def _names_after(pattern: re.Pattern[str], text: str) -> tuple[str, ...]:
    match = pattern.search(text or "")
    if not match:
        return ()
    return tuple(n.strip() for n in match.group(1).split(",") if n.strip())


def goals_in(text: str) -> tuple[str, ...]:
    """The goal names recorded in a managed entity's notes or description."""
    return _names_after(_GOALS_RE, text)


def key_events_in(text: str) -> tuple[str, ...]:
    """The key events a managed tag's notes record as goalkeeper's."""
    return _names_after(_KEY_EVENTS_RE, text)


def has_marker(kind: str, body: Mapping[str, Any]) -> bool:
    """Whether an entity read from a target carries goalkeeper's marker (key events aside)."""
    marker = KINDS[kind].marker
    if marker == "rule_parameter":
        return rule_goal(body) is not None
    return marker != "none" and str(body.get(marker, "")).startswith(MARKER)


def rule_goal(body: Mapping[str, Any]) -> str | None:
    """The goal an event-create rule's ``goalkeeper_goal`` parameter mutation names, if any."""
    for mutation in body.get("parameterMutations", ()):
        if mutation.get("parameter") == GOAL_PARAMETER:
            return str(mutation.get("parameterValue"))
    return None


def goals_of(kind: str, body: Mapping[str, Any]) -> tuple[str, ...]:
    """The goals a managed live entity serves, read back from its marker."""
    marker = KINDS[kind].marker
    if marker == "rule_parameter":
        goal = rule_goal(body)
        return (goal,) if goal else ()
    return goals_in(str(body.get(marker, ""))) if marker != "none" else ()


def mark(entity: Entity, key_events: Iterable[str] = ()) -> Entity:
    """``entity`` with goalkeeper's marker written where its kind keeps it (GTM notes name the goals
    and, for tags, the ``key_events`` made for them; GA4 descriptions name the goals). Event-create
    rules get their goal parameter when expanded; key events and built-in variables have no room."""
    marker = entity.entity_kind.marker
    body = dict(entity.body)
    if marker == "notes":
        body["notes"] = managed_notes(entity.goals, key_events if entity.kind == "gtm.tag" else ())
        body = dict(sorted(body.items()))
    elif marker == "description":
        body["description"] = managed_description(entity.goals)
    return Entity(entity.kind, entity.name, body, entity.goals)
