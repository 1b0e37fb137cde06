"""Ownership: how goalkeeper recognises what it manages, so it never touches anything else.

Every entity goalkeeper creates carries a marker where the API leaves room for one:

- GTM tags, triggers, variables and folders: their ``notes`` start with ``MARKER for OWNER:``; the
  notes also name the goals the entity serves (and, for tags, the GA4 key events goalkeeper made
  for them).
- GA4 custom dimensions, custom metrics and audiences: their ``description`` starts with
  ``MARKER for OWNER.`` (the owner comes before the goals, so the 150-character cut keeps it).
- GA4 event-create rules: a parameter mutation sets ``goalkeeper_goal`` to the goal's name, which
  also lets reports split the created event by goal, and a second one sets ``goalkeeper_owner`` to
  the owner.
- GA4 key events have no free text. goalkeeper owns a key event when a goal declares it (adopting
  one made by hand), when a goalkeeper-managed tag's notes record it, or when it marks an event
  that only a goalkeeper event-create rule makes. So the key event of a removed goal goes together
  with its tag or rule, while a key event someone made by hand for an event a goal merely sends
  (say ``purchase``) is never touched.
- GTM built-in variables have neither, and may be used by anything in the container: goalkeeper
  enables the ones its goals need and never disables one.

Ownership is scoped to a goal file: the OWNER is its ``owner:`` setting, or its path relative to
the repository root. A plan manages only the entities whose marker names its own owner
(``scope``): another owner's entities are neither updated nor deleted, and a desired entity whose
name another owner holds is a conflict, unless the two are the same apart from the marker (the
measurement-ID variable two goal files both use), which is then shared. Markers written before
owners existed name none: a goal file adopts such an entity when it desires it (the marker change is
bookkeeping) and leaves every other one alone, unless it says ``adopt_unowned: true``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from goalkeeper.core.kinds import KINDS
from goalkeeper.core.model import Entity
from goalkeeper.core.state import State

MARKER = "Managed by goalkeeper"
GOAL_PARAMETER = "goalkeeper_goal"
OWNER_PARAMETER = "goalkeeper_owner"
# An owner id: short (it goes into a 150-character GA4 description and a rule's parameter value,
# less than 100 characters), no spaces, commas or colons (the marker text is parsed back), and
# neither starting nor ending with a dot or slash.
OWNER_PATTERN = r"[A-Za-z0-9_](?:[A-Za-z0-9_./-]{0,62}[A-Za-z0-9_])?"
_OWNER_RE = re.compile(rf"{MARKER} for ({OWNER_PATTERN})[.:](?:\s|$)")

_GOALS_RE = re.compile(r"Goals?: ([^.\n]*)")
_KEY_EVENTS_RE = re.compile(r"Key events?: ([^.\n]*)")


def _marker(owner: str | None) -> str:
    return f"{MARKER} for {owner}" if owner else MARKER


def managed_notes(goals: Iterable[str], key_events: Iterable[str] = (), owner: str | None = None) -> str:
    """The notes goalkeeper writes on a GTM entity: the marker with its owner, its goals and its key
    events."""
    goals = sorted(goals)
    text = f"{_marker(owner)}: edits made here are overwritten by `goalkeeper apply`."
    if goals:
        text += f" Goal{'s' if len(goals) > 1 else ''}: {', '.join(goals)}."
    key_events = sorted(key_events)
    if key_events:
        text += f" Key event{'s' if len(key_events) > 1 else ''}: {', '.join(key_events)}."
    return text


def managed_description(goals: Iterable[str], owner: str | None = None) -> str:
    """The description goalkeeper writes on a GA4 dimension, metric or audience (150 chars max)."""
    text = f"{_marker(owner)}. Goals: {', '.join(sorted(goals))}"
    return text if len(text) <= 150 else text[:147] + "..."


def _names_after(pattern: re.Pattern[str], text: str) -> tuple[str, ...]:
    """The names after ``pattern`` in goalkeeper's marker: its first paragraph, and only when the
    text starts with it (the user's own text after it, or a hand-made note, records nothing)."""
    text = text or ""
    if not text.startswith(MARKER):
        return ()
    match = pattern.search(text.partition("\n\n")[0])
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


def owner_in(text: str) -> str | None:
    """The owner a marker text names; None for a marker written before owners existed."""
    match = _OWNER_RE.match(text or "")
    return match.group(1) if match else None


def rule_owner(body: Mapping[str, Any]) -> str | None:
    """The owner an event-create rule's ``goalkeeper_owner`` parameter mutation names, if any."""
    for mutation in body.get("parameterMutations", ()):
        if mutation.get("parameter") == OWNER_PARAMETER:
            return str(mutation.get("parameterValue"))
    return None


def owner_of(entity: Entity) -> str | None:
    """The owner an entity's marker names: None when it has no marker, or one without an owner."""
    marker = entity.entity_kind.marker
    if marker == "rule_parameter":
        return rule_owner(entity.body)
    return owner_in(str(entity.body.get(marker, ""))) if marker != "none" else None


def user_text(kind: str, body: Mapping[str, Any]) -> str:
    """The notes or description of an entity as the user wrote them: goalkeeper's marker, and what
    follows it on the same paragraph, left out."""
    marker = KINDS[kind].marker
    text = str(body.get(marker, "") or "") if marker in ("notes", "description") else ""
    if has_marker(kind, {marker: text}):
        _, _, text = text.partition("\n\n")
    return text


def marked(entity: Entity) -> bool:
    """Whether ``entity`` carries goalkeeper's marker, whoever's it is."""
    return has_marker(entity.kind, entity.body)


def without_marker(body: Mapping[str, Any]) -> dict[str, Any]:
    """An event-create rule's body without goalkeeper's goal and owner parameter mutations."""
    mutations = [
        m for m in body.get("parameterMutations", ()) if m.get("parameter") not in (GOAL_PARAMETER, OWNER_PARAMETER)
    ]
    return {**body, "parameterMutations": mutations}


def goals_of(kind: str, body: Mapping[str, Any]) -> tuple[str, ...]:
    """The goals a managed live entity serves, read back from its marker."""
    marker = KINDS[kind].marker
    if marker == "rule_parameter":
        goal = rule_goal(body)
        return (goal,) if goal else ()
    return goals_in(str(body.get(marker, ""))) if marker != "none" else ()


def mark(entity: Entity, key_events: Iterable[str] = (), owner: str | None = None) -> Entity:
    """``entity`` with goalkeeper's marker for ``owner`` written where its kind keeps it (GTM notes
    name the goals and, for tags, the ``key_events`` made for them; GA4 descriptions name the
    goals; event-create rules get the owner parameter after their goal parameter, set when
    expanded); key events and built-in variables have no room."""
    marker = entity.entity_kind.marker
    body = dict(entity.body)
    if marker == "notes":
        body["notes"] = managed_notes(entity.goals, key_events if entity.kind == "gtm.tag" else (), owner)
        body = dict(sorted(body.items()))
    elif marker == "description":
        body["description"] = managed_description(entity.goals, owner)
    elif marker == "rule_parameter" and owner:
        mutations = [m for m in body.get("parameterMutations", ()) if m.get("parameter") != OWNER_PARAMETER]
        body["parameterMutations"] = [*mutations, {"parameter": OWNER_PARAMETER, "parameterValue": owner}]
    return Entity(entity.kind, entity.name, body, entity.goals)


@dataclass(frozen=True)
class Scoped:
    """The live state as one goal file sees it (``scope``): ``live`` with ``managed`` true only on
    its owner's entities (adopted ones included); ``adopted`` the entities whose marker names no
    owner that it takes on; ``left`` those it leaves alone."""

    live: State
    adopted: tuple[Entity, ...] = ()
    left: tuple[Entity, ...] = ()


def scope(live: State, desired: State, owner: str | None, adopt_unowned: bool = False) -> Scoped:
    """``live`` scoped to ``owner`` (see the module docstring). An entity another owner marked is no
    longer managed; one marked without an owner is adopted when ``desired`` holds its kind and name
    or ``adopt_unowned`` is set, and otherwise left alone. Key events are claimed later, through
    what vouches for them (``goalkeeper.core.diff.claim_key_events``). ``owner`` None keeps every
    marked entity managed (no goal file to scope to)."""
    if owner is None:
        return Scoped(live)
    adopted: list[Entity] = []
    left: list[Entity] = []
    scoped: list[Entity] = []
    for entity in live:
        if entity.managed and entity.kind != "ga4.key_event":
            theirs = owner_of(entity)
            if theirs is None and (adopt_unowned or desired.get(*entity.key) is not None):
                adopted.append(entity)
            elif theirs != owner:
                if theirs is None:
                    left.append(entity)
                entity = replace(entity, managed=False)
        scoped.append(entity)
    return Scoped(State(tuple(scoped)), tuple(adopted), tuple(left))


def foreign(entity: Entity) -> bool:
    """Whether ``entity`` is goalkeeper's but another goal file's (marked, yet not managed once
    scoped)."""
    return not entity.managed and marked(entity)


def whose(entity: Entity) -> str:
    """Who manages a foreign entity, for people: ``goal file owner 'goals/b2b.yaml'``."""
    owner = owner_of(entity)
    if owner is None:
        return "an earlier goalkeeper (its marker names no owner)"
    return f"the goal file whose owner is {owner!r}"
