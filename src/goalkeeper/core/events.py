"""The GA4 events a state sends, and the key events goalkeeper vouches for: one place for both.

Two questions are asked of a desired or live state, and only these:

- *Which events are sent?* A GA4 event tag sends the event its ``eventName`` parameter names
  (perhaps built from variables: ``video_{{Video Status}}``); an event-create rule makes its
  ``destinationEvent``. References check that every key event is sent; the double-count check
  compares the names with enhanced measurement's.
- *Which key events are goalkeeper's?* Key events carry no marker (the Admin API's KeyEvent has no
  free-text field), so goalkeeper vouches for one through what sends it: a managed tag's notes
  record the key events made for it, a managed rule's destination event is goalkeeper's, and a
  key event a goal declares is its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from goalkeeper.core import ownership
from goalkeeper.core.model import Entity
from goalkeeper.core.state import State

VARIABLE_REFERENCE = re.compile(r"\{\{([^{}]+)\}\}")


def event_pattern(event_name: str) -> re.Pattern[str]:
    """A pattern for the names an event name can take: a GTM ``{{Variable}}`` in it matches any
    non-empty text (``video_{{Video Status}}`` matches ``video_start``)."""
    parts = VARIABLE_REFERENCE.split(event_name)
    return re.compile("".join(re.escape(p) if i % 2 == 0 else ".+" for i, p in enumerate(parts)) + "$")


@dataclass(frozen=True)
class SentEvent:
    """An event a tag or rule sends: its name as written, the goals of the sender, and whether an
    event-create rule (inside GA4) rather than a GTM tag (in the browser) makes it."""

    name: str
    goals: tuple[str, ...]
    by_rule: bool = False

    @property
    def pattern(self) -> re.Pattern[str]:
        return event_pattern(self.name)

    @property
    def dynamic(self) -> bool:
        """Nothing but a variable (``{{Event}}``): it could be any event."""
        return self.pattern.pattern == ".+$"

    def sends(self, event: str) -> bool:
        return bool(self.pattern.match(event))


def sent_events(state: State) -> list[SentEvent]:
    """Every event the tags and event-create rules of ``state`` send, in state order."""
    sent = []
    for entity in state:
        if entity.kind == "gtm.tag":
            sent += [
                SentEvent(str(p.get("value", "")), entity.goals)
                for p in entity.body.get("parameter", [])
                if p.get("key") == "eventName" and p.get("value")
            ]
        elif entity.kind == "ga4.event_create_rule":
            sent.append(SentEvent(str(entity.body.get("destinationEvent", "")), entity.goals, by_rule=True))
    return sent


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
