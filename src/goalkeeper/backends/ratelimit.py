"""Client-side rate limiting and retries for Google APIs.

The Tag Manager API allows 25 requests per 100 seconds per project (a sliding window) and 10,000
a day. Every GTM call goes through one SlidingWindowLimiter, so goalkeeper stays under the limit
instead of discovering it through 429s; the 429s and 403 rate errors that still happen (other
tools share the project's quota) are retried with exponential backoff.
"""

from __future__ import annotations

import collections
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger("goalkeeper.api")
# Told before a pause: (seconds, why), e.g. (28.0, "the API quota (25 requests per 100 seconds)").
Waiting = Callable[[float, str], None]


class Clock:
    """Wall-clock time; tests and benchmarks pass a simulated clock with the same two methods."""

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


@dataclass
class SlidingWindowLimiter:
    """At most ``limit`` calls in any ``window`` seconds: waits (on ``clock``) when full, telling
    ``on_wait`` first (seconds, why), so that a progress display can count the wait down."""

    limit: int = 25
    window: float = 100.0
    clock: Clock = field(default_factory=Clock)
    calls: collections.deque[float] = field(default_factory=collections.deque)
    waited: float = 0.0
    on_wait: Waiting | None = None

    def acquire(self) -> None:
        now = self.clock.now()
        while self.calls and self.calls[0] <= now - self.window:
            self.calls.popleft()
        if len(self.calls) >= self.limit:
            pause = self.calls[0] + self.window - now
            self.waited += pause
            log.debug("quota wait", extra={"wait_s": round(pause, 1), "limit": f"{self.limit}/{self.window:g}s"})
            if self.on_wait:
                self.on_wait(pause, f"the API quota ({self.limit} requests per {self.window:g} seconds)")
            self.clock.sleep(pause)
            self.calls.popleft()
        self.calls.append(self.clock.now())

    def seconds_for(self, calls: int) -> float:
        """Roughly how long ``calls`` more calls take at this limit (for progress estimates)."""
        return max(0.0, (calls - (self.limit - len(self.calls))) * self.window / self.limit)


def backoff_delays(attempts: int = 8, first: float = 2.0, cap: float = 64.0) -> list[float]:
    """Delays between attempts: 2, 4, 8 … seconds, capped at 64. The default eight attempts span
    190 seconds, more than the 100-second window: a quota another tool used up has come back."""
    return [min(cap, first * 2**n) for n in range(attempts - 1)]


RATE_REASONS = (
    "rateLimitExceeded",
    "userRateLimitExceeded",
    "quotaExceeded",
    "RATE_LIMIT_EXCEEDED",
    "RESOURCE_EXHAUSTED",
)


def is_rate_error(status: int, reasons: list[str], message: str = "") -> bool:
    if status == 429:
        return True
    return status == 403 and (any(r in RATE_REASONS for r in reasons) or "quota" in message.lower())
