"""Clocks for the fake: a real one and an injectable fake one (tests never sleep)."""

from __future__ import annotations

import threading
import time
from typing import Protocol


class Clock(Protocol):
    """What the fake needs of a clock: the time, and a way to let time pass."""

    def now(self) -> float:
        """Seconds since the epoch."""
        ...

    def sleep(self, seconds: float) -> None:
        """Let ``seconds`` pass."""
        ...


class RealClock:
    """Wall-clock time; ``sleep`` really sleeps."""

    def now(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


class FakeClock:
    """A clock that only moves when told to.

    ``now()`` returns seconds since the epoch (float); ``advance(s)`` moves it forward;
    ``sleep(s)`` advances instead of sleeping, so injected latency costs no real time.
    """

    def __init__(self, start: float = 1_767_225_600.0) -> None:  # 2026-01-01T00:00:00Z
        self._now = float(start)
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> float:
        with self._lock:
            self._now += float(seconds)
            return self._now

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.advance(seconds)
