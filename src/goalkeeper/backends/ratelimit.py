"""Client-side rate limiting and retries for Google APIs.

The Tag Manager API allows 25 requests per 100 seconds per project (a sliding window) and 10,000
a day (https://developers.google.com/tag-platform/tag-manager/api/v2/limits-quotas). Every GTM call
goes through one SlidingWindowLimiter, so goalkeeper stays under the limit instead of discovering
it through 429s; the 429s and 403 rate errors that still happen (other tools share the project's
quota) are retried with exponential backoff (which errors are rate errors: goalkeeper.backends.calls,
TAG_MANAGER_ERRORS and ADMIN_API_ERRORS). A project whose quota Google raised, or that shares
its quota with other tools, sets its own budget (``gtm_requests_per_100s``). Every wait is logged
on the ``goalkeeper`` logger as it begins, and handed to ``SlidingWindowLimiter.on_wait``.
"""

from __future__ import annotations

import collections
import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from goalkeeper.core.errors import GoalkeeperError

logger = logging.getLogger("goalkeeper")
GTM_REQUESTS_PER_100S = 25  # Google's documented default quota for the Tag Manager API
BUDGET_VARIABLE = "GOALKEEPER_GTM_REQUESTS_PER_100S"
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
    """At most ``limit`` calls in any ``window`` seconds: waits (on ``clock``) when full. Before
    each wait it logs one line and tells ``on_wait`` (seconds, why), so that a progress display can
    count the wait down; ``waited`` adds up the seconds waited. ``name`` names the API in the log line."""

    limit: int = GTM_REQUESTS_PER_100S
    window: float = 100.0
    clock: Clock = field(default_factory=Clock)
    calls: collections.deque[float] = field(default_factory=collections.deque)
    waited: float = 0.0
    on_wait: Waiting | None = None
    name: str = "GTM"

    def acquire(self) -> None:
        now = self.clock.now()
        while self.calls and self.calls[0] <= now - self.window:
            self.calls.popleft()
        if len(self.calls) >= self.limit:
            pause = self.calls[0] + self.window - now
            self.waited += pause
            logger.info(
                "%s: waiting %.0f s for the request quota (%d requests per %.0f s)",
                self.name,
                pause,
                self.limit,
                self.window,
            )
            if self.on_wait is not None:
                self.on_wait(pause, f"the API quota ({self.limit} requests per {self.window:g} seconds)")
            self.clock.sleep(pause)
            self.calls.popleft()
        self.calls.append(self.clock.now())

    def seconds_for(self, calls: int) -> float:
        """Roughly how long ``calls`` more calls take at this limit (for progress estimates)."""
        return max(0.0, (calls - (self.limit - len(self.calls))) * self.window / self.limit)


def gtm_requests_per_100s(spec: Mapping[str, Any]) -> int:
    """The GTM request budget: ``GOALKEEPER_GTM_REQUESTS_PER_100S`` from the environment, else the
    goal file's ``target.gtm.requests_per_100s`` (``spec``), else Google's default of 25. Raises
    GoalkeeperError for an environment value that is no positive whole number."""
    text = os.environ.get(BUDGET_VARIABLE, "").strip()
    if text:
        if not text.isdigit() or int(text) < 1:
            raise GoalkeeperError(
                f"{BUDGET_VARIABLE}={text!r}: give the number of GTM requests per 100 seconds the "
                f"Google Cloud project may send, a whole number of at least 1 (Google's default: {GTM_REQUESTS_PER_100S})"
            )
        return int(text)
    return int(spec.get("requests_per_100s", GTM_REQUESTS_PER_100S))


def backoff_delays(attempts: int = 8, first: float = 2.0, cap: float = 64.0) -> list[float]:
    """Delays between attempts: 2, 4, 8 … seconds, capped at 64. The default eight attempts span
    190 seconds, more than the 100-second window: a quota another tool used up has come back."""
    return [min(cap, first * 2**n) for n in range(attempts - 1)]
