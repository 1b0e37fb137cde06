"""Goals that GA4's enhanced measurement already counts.

Enhanced measurement (a web data stream setting) sends some events by itself: ``scroll`` at 90%,
``click`` with outbound=true, ``file_download``, ``form_start``/``form_submit``,
``video_start``/``video_progress``/``video_complete`` and ``view_search_results``. A goalkeeper
tag sending one of those names to a stream where the matching switch is on makes GA4 count the
event twice. This is a warning, never an error: the people who own the property decide.

Page changes (``page_view`` on history changes) are left out: a GTM event tag sending
``page_view`` doubles the Google tag's own page views whatever the stream says.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from goalkeeper.core.events import sent_events
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


def double_count_warnings(desired: State, settings: Mapping[str, Any] | None) -> tuple[str, ...]:
    """Warnings for the goals of ``desired`` whose tags send an event enhanced measurement already
    sends on the stream whose ``settings`` are given (an EnhancedMeasurementSettings object in the
    Admin API's JSON shape, its ``name`` the stream's path plus ``/enhancedMeasurementSettings``);
    none when the settings are unknown (None) or the stream's enhanced measurement is off."""
    if not settings or not settings.get("streamEnabled", False):
        return ()
    stream = str(settings.get("name", "")).removesuffix("/enhancedMeasurementSettings")
    where = f" of web stream {stream}" if stream else ""
    warnings = []
    # Enhanced measurement sends from the browser, as GTM tags do; a name that is nothing but a
    # variable ({{Event}}) could be anything and is left out.
    for event in (e for e in sent_events(desired) if not e.by_rule and not e.dynamic):
        sent, goals, pattern = event.name, event.goals, event.pattern
        for setting, (label, events) in ENHANCED_EVENTS.items():
            matched = [e for e in events if pattern.match(e)] if settings.get(setting, False) else []
            if not matched:
                continue
            owners = ", ".join(repr(g) for g in goals)
            what = f"{sent!r}" if matched == [sent] else f"{sent!r} (as {', '.join(map(repr, matched))})"
            warnings.append(
                f"goal {owners} sends the GA4 event {what}, which enhanced measurement{where} already sends "
                f"({label} is on): GA4 counts it twice. Switch {label} off in GA4 Admin > Data streams > "
                f"Enhanced measurement, or give the goal its own event_name"
            )
    return tuple(dict.fromkeys(warnings))
