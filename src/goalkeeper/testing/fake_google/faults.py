"""Scriptable faults: error statuses, dropped connections, latency and concurrent edits.

Examples::

    fake.faults.add(at_request=5, kind="drop")                        # close socket, no response
    fake.faults.add(at_request=6, kind="lost")                        # carried out, then no response
    fake.faults.add(method="POST", path_contains="/tags", kind="status", status=503, times=1)
    fake.faults.add(api="gtm", kind="status", status=429, times=2)   # next two GTM requests
    fake.faults.add(kind="latency", seconds=0.5, times=None)          # every request (clock.sleep)
    fake.faults.add(api="gtm", status=403, reason="rateLimitExceeded", times=None)  # a quota as Google documents it
    fake.faults.before_request(7, lambda fake: fake.gtm.rename_entity(tag_path, "x"))

Request numbers count every request the server receives (GTM and GA4), starting at 1; see
``fake.request_count``. ``times=None`` means unlimited. A rule matches when all given criteria hold.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from .server import FakeGoogle

# A hook run just before a numbered request: it gets the fake, its result is ignored.
Hook: TypeAlias = "Callable[[FakeGoogle], object]"


@dataclasses.dataclass
class Fault:
    kind: str  # "status" | "drop" | "lost" | "latency"
    at_request: int | None = None
    method: str | None = None
    path_contains: str | None = None
    api: str | None = None  # "gtm" | "ga4"
    status: int = 503
    message: str | None = None
    reason: str | None = None  # errors[].reason of the answer; by default the status's usual one
    seconds: float = 0.0
    times: int | None = 1
    fired: int = 0

    def matches(self, n: int, method: str, path: str, api: str) -> bool:
        if self.times is not None and self.fired >= self.times:
            return False
        if self.at_request is not None and n != self.at_request:
            return False
        if self.method is not None and self.method.upper() != method.upper():
            return False
        if self.path_contains is not None and self.path_contains not in path:
            return False
        return not (self.api is not None and self.api != api)


class Faults:
    def __init__(self) -> None:
        self._rules: list[Fault] = []
        self._hooks: list[tuple[int, Hook]] = []
        self._lock = threading.Lock()

    def add(
        self,
        *,
        kind: str = "status",
        at_request: int | None = None,
        method: str | None = None,
        path_contains: str | None = None,
        api: str | None = None,
        status: int = 503,
        message: str | None = None,
        reason: str | None = None,
        seconds: float = 0.0,
        times: int | None = 1,
    ) -> Fault:
        if kind not in ("status", "drop", "lost", "latency"):
            raise ValueError(f"unknown fault kind {kind!r}")
        f = Fault(
            kind=kind,
            at_request=at_request,
            method=method,
            path_contains=path_contains,
            api=api,
            status=status,
            message=message,
            reason=reason,
            seconds=seconds,
            times=times,
        )
        with self._lock:
            self._rules.append(f)
        return f

    def before_request(self, n: int, callback: Hook) -> None:
        """Run ``callback(fake)`` just before request number ``n`` is handled (a concurrent edit)."""
        with self._lock:
            self._hooks.append((n, callback))

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
            self._hooks.clear()

    def hooks_for(self, n: int) -> list[Hook]:
        with self._lock:
            found = [cb for (m, cb) in self._hooks if m == n]
            self._hooks = [(m, cb) for (m, cb) in self._hooks if m != n]
        return found

    def pick(self, n: int, method: str, path: str, api: str) -> list[Fault]:
        """Return matching faults (latency ones first, then at most one status/drop/lost), consuming them."""
        out: list[Fault] = []
        terminal = None
        with self._lock:
            for f in self._rules:
                if f.matches(n, method, path, api):
                    if f.kind == "latency":
                        f.fired += 1
                        out.append(f)
                    elif terminal is None:
                        f.fired += 1
                        terminal = f
        if terminal is not None:
            out.append(terminal)
        return out
