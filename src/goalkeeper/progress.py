"""What a command shows while it works: a spinner while the targets are read, the apply's progress,
and every pause the backends make (the GTM quota, retries after errors).

Two displays, chosen by where stderr goes. In a terminal: rich's spinner and a live bar, whose
"time left" and quota waits count down second by second (rich refreshes the display from its own
thread; the backends tell a pause's length before sleeping through it, see
``Backend.watch_waits``). Elsewhere (CI logs, a pipe): one plain line per change and per pause,
nothing that redraws. Progress goes to stderr; results (the plan, "Apply complete") to stdout.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn
from rich.text import Text

from goalkeeper.core.changes import Change
from goalkeeper.render import title

# Seconds a quota-paced apply still needs for the given changes, or None when nothing paces it.
SecondsLeft = Callable[[Sequence[Change]], float | None]
PAST_TENSE = {"create": "created", "update": "updated", "replace": "replaced", "delete": "deleted"}


def interactive(stream: TextIO | None = None) -> bool:
    """Whether ``stream`` (default: stderr) is a terminal that can redraw a live display: a real
    terminal (FORCE_COLOR colours a pipe, it does not make it redraw), not TERM=dumb, unless
    rich's TTY_INTERACTIVE says otherwise."""
    stream = stream or sys.stderr
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    return Console(file=stream, force_terminal=tty).is_interactive


def _clock(seconds: float) -> str:
    minutes, rest = divmod(math.ceil(seconds), 60)
    return f"{minutes}:{rest:02d}"


@dataclass
class _Countdown:
    """The deadlines the live display counts down to, on the monotonic clock."""

    finish: float | None = None  # the whole apply, from the quota's pace
    pause_end: float = 0.0
    pause_why: str = ""
    now: Callable[[], float] = field(default=time.monotonic)

    def pause(self, seconds: float, why: str) -> None:
        self.pause_end = self.now() + seconds
        self.pause_why = why
        if self.finish is not None:  # nothing is written during the pause
            self.finish = max(self.finish, self.pause_end)

    def text(self) -> str:
        """``quota wait 12s, about 1:05 left``: short enough for the bar's line."""
        now = self.now()
        parts = []
        if self.pause_end > now:
            what = "retry in" if self.pause_why.startswith("retrying") else "quota wait"
            parts.append(f"{what} {math.ceil(self.pause_end - now)}s")
        if self.finish is not None and self.finish > now:
            parts.append(f"about {_clock(self.finish - now)} left")
        return ", ".join(parts)


class _CountdownColumn(ProgressColumn):
    """Re-rendered on every refresh (unlike a TextColumn's fixed field), so the seconds move."""

    def __init__(self, countdown: _Countdown) -> None:
        super().__init__()
        self.countdown = countdown

    def render(self, task: Task) -> Text:
        return Text(self.countdown.text(), style="progress.remaining")


def _waiting_line(seconds: float, why: str) -> str:
    """A pause as a log line: ``Waiting 28s for the API quota (25 requests per 100 seconds).``"""
    if why.startswith("retrying"):
        return f"Waiting {math.ceil(seconds)}s before {why}.\n"
    return f"Waiting {math.ceil(seconds)}s for {why}.\n"


class ApplyProgress:
    """Follows one apply: ``changed`` after each change, ``waiting`` before each pause; ``done``
    lists what was applied (for the summary after an interruption)."""

    def __init__(self, changes: Sequence[Change], seconds_left: SecondsLeft, live: bool, stream: TextIO) -> None:
        self.changes = changes
        self.done: list[Change] = []
        self.seconds_left = seconds_left
        self.stream = stream
        self.countdown = _Countdown()
        self.bar: Progress | None = None
        if live:
            columns = (
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                _CountdownColumn(self.countdown),
            )
            console = Console(file=stream, force_terminal=True)
            self.bar = Progress(*columns, console=console, transient=True, refresh_per_second=8)
            self.task = self.bar.add_task("Applying", total=len(changes))

    def _estimate(self) -> None:
        seconds = self.seconds_left(self.changes[len(self.done) :])
        self.countdown.finish = self.countdown.now() + seconds if seconds else None

    def changed(self, change: Change) -> None:
        self.done.append(change)
        self._estimate()
        if self.bar is not None:
            self.bar.update(self.task, advance=1, description=f"{PAST_TENSE[change.action]} {change.name}"[:40])
        else:
            position = f"[{len(self.done)}/{len(self.changes)}]"
            self.stream.write(f"{position} {title(change)}: {PAST_TENSE[change.action]}\n")
            self.stream.flush()

    def waiting(self, seconds: float, why: str) -> None:
        self.countdown.pause(seconds, why)
        if self.bar is None:
            self.stream.write(_waiting_line(seconds, why))
            self.stream.flush()

    @contextmanager
    def shown(self) -> Iterator[ApplyProgress]:
        self._estimate()
        if self.bar is None:
            yield self
            return
        with self.bar:
            yield self


class Busy:
    """A spinner saying what goalkeeper is doing (reading the targets: seconds for live GTM and
    GA4, longer for a large container under the quota; publishing), with any pause counting down
    in it; where nothing redraws, only the pauses, as lines."""

    def __init__(self, doing: str, live: bool, stream: TextIO) -> None:
        self.doing = doing
        self.live = live
        self.stream = stream
        self.countdown = _Countdown()

    def waiting(self, seconds: float, why: str) -> None:
        self.countdown.pause(seconds, why)
        if not self.live:
            self.stream.write(_waiting_line(seconds, why))
            self.stream.flush()

    def __rich__(self) -> Text:
        """The spinner's text, rendered again on every refresh: a pause counts down."""
        text = self.countdown.text()
        return Text(f"{self.doing}… {text}" if text else f"{self.doing}…")

    @contextmanager
    def shown(self) -> Iterator[Busy]:
        if not self.live:
            yield self
            return
        with Console(file=self.stream, force_terminal=True).status(self, refresh_per_second=8):
            yield self
