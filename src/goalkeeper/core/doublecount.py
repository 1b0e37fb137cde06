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

from goalkeeper.core.references import event_pattern
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


def _sent_event_names(desired: State) -> list[tuple[str, tuple[str, ...]]]:
    """(event name as the tag sends it, goals) of every GA4 event tag goalkeeper manages. A name that
    is nothing but a variable (``{{Event}}``) could be anything and is left out."""
    sent = []
    for tag in desired.of_kind("gtm.tag"):
        for param in tag.body.get("parameter", []):
            name = param.get("value", "") if param.get("key") == "eventName" else ""
            if name and event_pattern(name).pattern != ".+$":
                sent.append((name, tag.goals))
    return sent


def double_count_warnings(desired: State, settings: Mapping[str, bool] | None, stream: str = "") -> tuple[str, ...]:
    """Warnings for the goals of ``desired`` whose tags send an event enhanced measurement already
    sends on the stream whose ``settings`` (the Admin API's JSON shape) are given; none when the
    settings are unknown (None) or the stream's enhanced measurement is off."""
    if not settings or not settings.get("streamEnabled", False):
        return ()
    where = f" of web stream {stream}" if stream else ""
    warnings = []
    for sent, goals in _sent_event_names(desired):
        pattern = event_pattern(sent)
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
