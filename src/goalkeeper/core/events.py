"""The GA4 events a state sends, and the key events goalkeeper vouches for: one place for both.

Two questions are asked of a desired or live state, and only these:

- *Which events are sent, and on what?* A GA4 event tag sends the event its ``eventName``
  parameter names (perhaps built from variables: ``video_{{Video Status}}``; ``{{Event}}`` is the
  dataLayer event that fired it) whenever one of its firing triggers fires; a paused tag sends
  nothing. An event-create rule makes its ``destinationEvent`` inside GA4. The consistency check
  (``goalkeeper.core.consistency``) asks this of the goals and of the container: every key event is
  sent, nothing is sent twice for one interaction.
- *Which key events are goalkeeper's?* Key events carry no marker (the Admin API's KeyEvent has no
  free-text field), so goalkeeper vouches for one through what sends it: a managed tag's notes
  record the key events made for it, a managed rule's destination event is goalkeeper's, and a
  key event a goal declares is its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from goalkeeper.core import ownership
from goalkeeper.core.evaluate import Undecided, compare
from goalkeeper.core.model import Entity
from goalkeeper.core.state import State

VARIABLE_REFERENCE = re.compile(r"\{\{([^{}]+)\}\}")


def event_pattern(event_name: str) -> re.Pattern[str]:
    """A pattern for the names an event name can take: a GTM ``{{Variable}}`` in it matches any
    non-empty text (``video_{{Video Status}}`` matches ``video_start``)."""
    parts = VARIABLE_REFERENCE.split(event_name)
    return re.compile("".join(re.escape(p) if i % 2 == 0 else ".+" for i, p in enumerate(parts)) + "$")


# Event names that are the dataLayer event itself: the built-in Event variable and GTM's _event.
DATALAYER_EVENT_NAMES = frozenset({"{{Event}}", "{{_event}}"})


@dataclass(frozen=True)
class SentEvent:
    """An event a tag or rule sends: its name as written, the goals of the sender, and whether an
    event-create rule (inside GA4) rather than a GTM tag (in the browser) makes it. ``sender`` is
    the tag's or rule's name, ``managed`` whether goalkeeper owns it, ``triggers`` the names of a
    tag's firing triggers and ``destination`` its measurement ID as written (``measurementIdOverride``,
    or an older tag's ``measurementId``; empty for rules). ``held_by`` says, for goalkeeper's tag or
    rule of another goal file, whose it is (``goalkeeper.core.ownership.whose``); empty otherwise."""

    name: str
    goals: tuple[str, ...]
    by_rule: bool = False
    sender: str = ""
    managed: bool = True
    triggers: tuple[str, ...] = ()
    destination: str = ""
    held_by: str = ""

    @property
    def pattern(self) -> re.Pattern[str]:
        return event_pattern(self.name)

    @property
    def dynamic(self) -> bool:
        """Nothing but a variable (``{{Event}}``): it could be any event."""
        return self.pattern.pattern == ".+$"

    @property
    def literal(self) -> bool:
        """A name without variables: exactly the event GA4 receives."""
        return not VARIABLE_REFERENCE.search(self.name)

    def sends(self, event: str) -> bool:
        return bool(self.pattern.match(event))

    def name_on(self, datalayer_event: str) -> str:
        """The event sent when a dataLayer push of ``datalayer_event`` fires the tag: ``{{Event}}``
        is that push's event name."""
        return datalayer_event if self.name in DATALAYER_EVENT_NAMES else self.name


def parameter_value(body: Mapping[str, Any], key: str) -> str | None:
    """The value of a GTM entity's top-level parameter ``key`` (``eventName``), or None."""
    for param in body.get("parameter", []):
        if param.get("key") == key:
            return str(param.get("value", ""))
    return None


def sent_events(state: State) -> list[SentEvent]:
    """Every event the tags and event-create rules of ``state`` send, in state order; paused tags
    send nothing."""
    sent = []
    for entity in state:
        if entity.kind == "gtm.tag" and not _paused(entity.body):
            name = parameter_value(entity.body, "eventName")
            if name:
                destination = parameter_value(entity.body, "measurementIdOverride")
                sent.append(
                    SentEvent(
                        name,
                        entity.goals,
                        sender=entity.name,
                        managed=entity.managed,
                        triggers=tuple(entity.body.get("firingTrigger", ())),
                        destination=destination or parameter_value(entity.body, "measurementId") or "",
                        held_by=_held_by(entity),
                    )
                )
        elif entity.kind == "ga4.event_create_rule":
            sent.append(
                SentEvent(
                    str(entity.body.get("destinationEvent", "")),
                    entity.goals,
                    by_rule=True,
                    sender=entity.name,
                    managed=entity.managed,
                    held_by=_held_by(entity),
                )
            )
    return sent


def event_parameters(entity: Entity) -> set[str]:
    """The event parameter names a GA4 event tag sends (its ``eventSettingsTable`` rows) or an
    event-create rule sets (its parameter mutations); empty for anything else. A custom dimension or
    metric reports the parameter of its ``parameterName``."""
    if entity.kind == "ga4.event_create_rule":
        return {str(m.get("parameter", "")) for m in entity.body.get("parameterMutations", ())}
    if entity.kind != "gtm.tag":
        return set()
    names = set()
    for param in entity.body.get("parameter", ()):
        if param.get("key") == "eventSettingsTable":
            for row in param.get("list", ()):
                names |= {str(c.get("value", "")) for c in row.get("map", ()) if c.get("key") == "parameter"}
    return names


def _held_by(entity: Entity) -> str:
    return ownership.whose(entity) if ownership.foreign(entity) else ""


def vouched_key_events(entities: Iterable[Entity]) -> dict[str, set[str]]:
    """Key event name → goals, for the key events ``entities`` vouch for (see the module docstring):
    the ``Key events:`` a tag's notes record, a rule's destination event, a key event itself."""
    vouched: dict[str, set[str]] = {}
    for entity in entities:
        if entity.kind == "gtm.tag":
            events: tuple[str, ...] = ownership.key_events_in(str(entity.body.get("notes", "")))
        elif entity.kind == "ga4.event_create_rule":
            events = (str(entity.body.get("destinationEvent", "")),)
        elif entity.kind == "ga4.key_event":
            events = (str(entity.body.get("eventName", entity.name)),)
        else:
            continue
        for event in events:
            vouched.setdefault(event, set()).update(entity.goals)
    return vouched


def _paused(body: Mapping[str, Any]) -> bool:
    return str(body.get("paused", "")).lower() == "true"


def datalayer_event_fires(trigger: Entity, event: str) -> bool:
    """Whether the custom-event ``trigger`` fires on a dataLayer push of ``event``: its custom-event
    filter on ``{{_event}}`` (equals, contains, starts/ends with, RegEx, with ignore case and negate,
    as GTM's Custom Event trigger offers) accepts it. Other filters of the trigger (a page path)
    narrow where it fires, not what: they are not read."""
    if trigger.body.get("type") != "customEvent":
        return False
    conditions = [c for c in trigger.body.get("customEventFilter", []) if _argument(c, "arg0") == "{{_event}}"]
    return bool(conditions) and all(_accepts(c, event) for c in conditions)


def _argument(condition: Mapping[str, Any], key: str) -> str:
    return next((str(p.get("value", "")) for p in condition.get("parameter", []) if p.get("key") == key), "")


def _accepts(condition: Mapping[str, Any], value: str) -> bool:
    """Whether one custom-event condition accepts ``value``, with GTM's operators (the evaluator's,
    RE2 included); a condition that cannot be decided accepts nothing."""
    ignore_case = _argument(condition, "ignore_case") == "true"
    try:
        result = compare(str(condition.get("type")), value, _argument(condition, "arg1"), ignore_case)
    except Undecided:
        result = False
    return result != (_argument(condition, "negate") == "true")
