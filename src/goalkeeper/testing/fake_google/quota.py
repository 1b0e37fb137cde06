"""The Tag Manager API quota: 25 requests per 100 s (sliding window) and 10,000 per day, per project.

Past either limit the fake answers 429 RESOURCE_EXHAUSTED (``mode="429"``, what the live API was seen
to send) or 403 with reason ``rateLimitExceeded`` (``mode="403"``, what Google's docs describe).
Refused requests do not consume quota. The day rolls over at midnight Pacific (fixed UTC-8).
"""

from __future__ import annotations

import collections
import threading

from .clock import Clock
from .errors import ApiError

_PST = 8 * 3600


class Quota:
    def __init__(
        self,
        clock: Clock,
        *,
        enabled: bool = True,
        per_window: int = 25,
        window_seconds: float = 100.0,
        per_day: int = 10_000,
        mode: str = "429",
    ) -> None:
        self.clock = clock
        self.enabled = enabled
        self.per_window = per_window
        self.window_seconds = window_seconds
        self.per_day = per_day
        self.mode = mode
        self._window: collections.deque[float] = collections.deque()
        self._day: int | None = None
        self._day_count = 0
        self.refused = 0
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self._window.clear()
            self._day = None
            self._day_count = 0
            self.refused = 0

    @property
    def used_today(self) -> int:
        return self._day_count

    def _error(self, limit: str) -> ApiError:
        msg = (
            f"Quota exceeded for quota metric 'Queries' and limit '{limit}' of service "
            f"'tagmanager.googleapis.com' for consumer 'project_number:000000000000'."
        )
        if self.mode == "403":
            return ApiError(403, msg, "PERMISSION_DENIED", "rateLimitExceeded")
        return ApiError(429, msg, "RESOURCE_EXHAUSTED", "rateLimitExceeded")

    def check(self) -> None:
        """Consume one request or raise ApiError (429/403)."""
        if not self.enabled:
            return
        with self._lock:
            now = self.clock.now()
            day = int((now - _PST) // 86400)
            if day != self._day:
                self._day, self._day_count = day, 0
            while self._window and self._window[0] <= now - self.window_seconds:
                self._window.popleft()
            if self._day_count >= self.per_day:
                self.refused += 1
                raise self._error("Queries per day")
            if len(self._window) >= self.per_window:
                self.refused += 1
                raise self._error("Queries per 100 seconds per project")
            self._window.append(now)
            self._day_count += 1
