"""One retry and error-mapping layer for the live backends (Tag Manager API and GA4 Admin API).

Both backends send each request through ``Calls.send``: rate errors are retried with exponential
backoff (nothing was done, so trying again is always safe); server errors and lost connections are
retried only for requests that are safe to repeat, and turn a write into ``AmbiguousWriteError``
otherwise, so the backend can look before it writes again. ``guard`` then turns whatever still
fails into a GoalkeeperError that says what to do, through the backend's own ``explain``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NoReturn, TypeVar

from goalkeeper.backends.ratelimit import Clock, SlidingWindowLimiter, backoff_delays
from goalkeeper.core.errors import GoalkeeperError

T = TypeVar("T")


class Failure(enum.Enum):
    """What a failed request means for trying it again."""

    RATE = "rate"  # refused for the quota: nothing was done
    SERVER = "server"  # a 5xx: done or not, nobody knows
    CONNECTION = "connection"  # the request or its answer was lost on the way
    FINAL = "final"  # anything else: trying again changes nothing


class AmbiguousWriteError(Exception):
    """A write whose outcome is unknown: the connection failed or the server erred mid-way."""


@dataclass
class Calls:
    """Sends requests for one backend: paced by ``limiter`` when a quota needs it (GTM), retried
    after ``delays`` seconds on ``clock`` (tests pass a simulated clock). ``classify`` says what a
    raised exception means (see ``Failure``); it may raise an error of its own instead (a
    permission error that needs the request to explain it). ``requests`` counts what was sent."""

    classify: Callable[[BaseException], Failure]
    clock: Clock = field(default_factory=Clock)
    delays: list[float] = field(default_factory=backoff_delays)
    limiter: SlidingWindowLimiter | None = None
    requests: int = 0

    def send(
        self,
        request: Callable[[], T],
        *,
        idempotent: bool = True,
        classify: Callable[[BaseException], Failure] | None = None,
    ) -> T:
        """The result of ``request()``, retried as the module docstring says (``classify``, when
        given, stands in for the backend's for this request). Raises the last error when retries
        run out, or AmbiguousWriteError for a write that may have happened."""
        classify = classify or self.classify
        for attempt in range(len(self.delays) + 1):
            if self.limiter:
                self.limiter.acquire()
            self.requests += 1
            try:
                return request()
            except Exception as error:
                failure = classify(error)
                if failure is Failure.FINAL:
                    raise
                if failure is not Failure.RATE and not idempotent:
                    raise AmbiguousWriteError(type(error).__name__) from error
                if attempt == len(self.delays):
                    raise
            self.clock.sleep(self.delays[attempt])
        raise AssertionError("unreachable")


def unreliable(system: str, where: str, error: BaseException) -> NoReturn:
    """Raise the error for a request whose fate is unknown after every retry. Only the error's type
    is named: its text may quote a response."""
    raise GoalkeeperError(
        f"{system} could not be reached reliably ({type(error).__name__}). Run the command again: goalkeeper "
        f"re-reads the {where} and carries on without duplicating anything"
    ) from None


def guard(
    action: Callable[[], T],
    *,
    system: str,
    where: str,
    connection_errors: tuple[type[BaseException], ...],
    explain: Callable[[Exception], GoalkeeperError | None],
) -> T:
    """``action()``, with its API errors turned into GoalkeeperErrors: ``explain`` maps the
    errors it knows (None for the rest, which propagate); connection errors and ambiguous writes
    become the advice to run again (goalkeeper re-reads ``where``: the workspace, the property)."""
    try:
        return action()
    except GoalkeeperError:
        raise
    except Exception as error:
        if isinstance(error, (AmbiguousWriteError, *connection_errors)):
            unreliable(system, where, error)
        mapped = explain(error)
        if mapped is None:
            raise
        raise mapped from None
