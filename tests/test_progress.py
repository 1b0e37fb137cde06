"""Progress as CI logs and terminals show it: a line per change and per pause where nothing
redraws; in a terminal, a countdown that moves with the clock."""

from __future__ import annotations

import io

import pytest

from goalkeeper.core.changes import Create, Delete, Update
from goalkeeper.core.model import Entity
from goalkeeper.progress import ApplyProgress, Busy, _Countdown, interactive

TRIGGER = Entity("gtm.trigger", "Link click - checkout_click", {"type": "linkClick"}, ("checkout_click",))
TAG = Entity("gtm.tag", "GA4 event - checkout_click", {"type": "gaawe"}, ("checkout_click",))
KEY_EVENT = Entity("ga4.key_event", "checkout_click", {"eventName": "checkout_click"}, ("checkout_click",))
CHANGES = [Create(TRIGGER), Update(TAG, TAG), Delete(KEY_EVENT)]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_without_a_terminal_each_change_and_pause_is_a_line():
    stream = io.StringIO()
    progress = ApplyProgress(CHANGES, lambda changes: None, live=False, stream=stream)
    with progress.shown():
        progress.changed(CHANGES[0])
        progress.waiting(27.2, "the API quota (25 requests per 100 seconds)")
        progress.changed(CHANGES[1])
        progress.waiting(8, "retrying after the API quota")
        progress.changed(CHANGES[2])
    assert stream.getvalue().splitlines() == [
        '[1/3] GTM trigger "Link click - checkout_click": created',
        "Waiting 28s for the API quota (25 requests per 100 seconds).",
        '[2/3] GTM tag "GA4 event - checkout_click": updated',
        "Waiting 8s before retrying after the API quota.",
        '[3/3] GA4 key event "checkout_click": deleted',
    ]
    assert progress.done == CHANGES


def test_a_pause_and_the_time_left_count_down_with_the_clock():
    clock = Clock()
    countdown = _Countdown(finish=clock() + 65, now=clock)
    countdown.pause(12, "the API quota (25 requests per 100 seconds)")
    assert countdown.text() == "quota wait 12s, about 1:05 left"
    clock.now += 1
    assert countdown.text() == "quota wait 11s, about 1:04 left"
    clock.now += 11
    assert countdown.text() == "about 0:53 left"
    countdown.pause(90, "retrying after a failed request (ConnectionError)")
    assert countdown.text() == "retry in 90s, about 1:30 left"  # nothing is written meanwhile
    clock.now += 200
    assert countdown.text() == ""


def test_the_apply_estimate_follows_the_changes_left():
    asked = []
    progress = ApplyProgress(CHANGES, lambda left: asked.append(len(left)) or 4.0 * len(left), False, io.StringIO())
    with progress.shown():
        progress.changed(CHANGES[0])
    assert asked == [3, 2]


def test_a_spinner_shows_what_is_done_and_the_pause_under_way():
    busy = Busy("Reading GA4 property 123456789", live=False, stream=io.StringIO())
    assert busy.__rich__().plain == "Reading GA4 property 123456789…"
    busy.waiting(30, "retrying after the API quota")
    assert busy.__rich__().plain == "Reading GA4 property 123456789… retry in 30s"
    assert busy.stream.getvalue() == "Waiting 30s before retrying after the API quota.\n"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("stream", "environ", "live"),
    [
        (Terminal(), {"TERM": "xterm-256color"}, True),
        (Terminal(), {"TERM": "dumb"}, False),
        (Terminal(), {"TERM": "xterm", "TTY_INTERACTIVE": "0"}, False),
        (io.StringIO(), {"TERM": "xterm"}, False),
        (io.StringIO(), {"TERM": "xterm", "FORCE_COLOR": "1"}, False),  # colours in CI, still no redraws
    ],
    ids=["terminal", "dumb-terminal", "tty-interactive-0", "pipe", "force-color-pipe"],
)
def test_only_a_real_terminal_gets_the_live_display(stream, environ, live, monkeypatch):
    for name in ("TERM", "TTY_INTERACTIVE", "FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    assert interactive(stream) is live
