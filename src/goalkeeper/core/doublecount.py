"""Goals that GA4's enhanced measurement already counts.

Enhanced measurement (a web data stream setting) sends some events by itself: ``scroll`` at 90%,
``click`` with outbound=true, ``file_download``, ``form_start``/``form_submit``,
``video_start``/``video_progress``/``video_complete`` and ``view_search_results``. A goalkeeper
tag sending one of those names to a stream where the matching switch is on makes GA4 count the
event twice: the consistency check (``goalkeeper.core.consistency``) refuses such a plan.

Page changes (``page_view`` on history changes) are left out: a GTM event tag sending
``page_view`` doubles the Google tag's own page views whatever the stream says.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from goalkeeper.core.events import SentEvent, sent_events
from goalkeeper.core.state import State

# Setting (the Admin API's EnhancedMeasurementSettings field) → (its label in GA4 Admin, events it sends).
ENHANCED_EVENTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "scrollsEnabled": ("Scrolls", ("scroll",)),
    "outboundClicksEnabled": ("Outbound clicks", ("click",)),
    "siteSearchEnabled": ("Site search", ("view_search_results",)),
    "videoEngagementEnabled": ("Video engagement", ("video_start", "video_progress", "video_complete")),
    "fileDownloadsEnabled": ("File downloads", ("file_download",)),
    "formInteractionsEnabled": ("Form interactions", ("form_start", "form_submit")),
}


@dataclass(frozen=True)
class EnhancedDouble:
    """A goalkeeper tag sending an event enhanced measurement already sends: the tag's event, the
    setting's label in GA4 Admin, the enhanced-measurement events it matches, and the stream."""

    event: SentEvent
    label: str
    matched: tuple[str, ...]
    stream: str


def enhanced_doubles(desired: State, settings: Mapping[str, Any] | None) -> list[EnhancedDouble]:
    """The tags of ``desired`` that send an event enhanced measurement already sends on the stream
    whose ``settings`` are given (an EnhancedMeasurementSettings object in the Admin API's JSON
    shape, its ``name`` the stream's path plus ``/enhancedMeasurementSettings``); none when the
    settings are unknown (None) or the stream's enhanced measurement is off."""
    if not settings or not settings.get("streamEnabled", False):
        return []
    stream = str(settings.get("name", "")).removesuffix("/enhancedMeasurementSettings")
    doubles = []
    # Enhanced measurement sends from the browser, as GTM tags do; a name that is nothing but a
    # variable ({{Event}}) could be anything and is left out.
    for event in (e for e in sent_events(desired) if not e.by_rule and not e.dynamic and e.managed):
        for setting, (label, events) in ENHANCED_EVENTS.items():
            matched = tuple(e for e in events if event.pattern.match(e)) if settings.get(setting, False) else ()
            if matched:
                doubles.append(EnhancedDouble(event, label, matched, stream))
    return doubles


def enhanced_senders(event: str, settings: Mapping[str, Any] | None) -> list[str]:
    """The labels of the enhanced-measurement settings that send ``event``: those switched on when
    ``settings`` are known, every one that could otherwise (None)."""
    if settings is not None and not settings.get("streamEnabled", False):
        return []
    return [
        label
        for setting, (label, events) in ENHANCED_EVENTS.items()
        if event in events and (settings is None or settings.get(setting, False))
    ]
