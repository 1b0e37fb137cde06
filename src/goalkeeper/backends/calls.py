"""One retry and error-mapping layer for the live backends (Tag Manager API and GA4 Admin API).

Both backends send each request through ``Calls.send``: rate errors are retried with exponential
backoff (nothing was done, so trying again is always safe); server errors and lost connections are
retried only for requests that are safe to repeat, and turn a write into ``AmbiguousWriteError``
otherwise, so the backend can look before it writes again. ``guard`` then turns whatever still
fails into a GoalkeeperError that says what to do, through the backend's own ``explain``.

Retries share one budget per backend and run: ``GOALKEEPER_RETRY_BUDGET`` seconds of waiting (300
unless set), after which the last error stands. Each retry prints one line on standard error, saying
what is retried, why and when. Failures no retry can cure (no DNS, a refused connection, TLS,
credentials refused: ``google_clients.network_problem``) are not retried at all.
"""

from __future__ import annotations

import enum
import sys
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NoReturn, TypeVar

from goalkeeper.backends.google_clients import TIMEOUT_VARIABLE, network_problem, request_timeout
from goalkeeper.backends.ratelimit import Clock, SlidingWindowLimiter, backoff_delays
from goalkeeper.core.errors import GoalkeeperError
from goalkeeper.environment import seconds_setting

T = TypeVar("T")


class Failure(enum.Enum):
    """What a failed request means for trying it again."""

    RATE = "rate"  # refused for the quota: nothing was done
    SERVER = "server"  # a 5xx: done or not, nobody knows
    CONNECTION = "connection"  # the request or its answer was lost on the way
    FINAL = "final"  # anything else: trying again changes nothing


class AmbiguousWriteError(Exception):
    """A write whose outcome is unknown: the connection failed or the server erred mid-way."""


RETRY_BUDGET_VARIABLE = "GOALKEEPER_RETRY_BUDGET"
RETRY_BUDGET = 300.0  # seconds: rides out a GTM quota window (100 s) and a short outage, not an hour


def retry_budget() -> float:
    """Seconds a run may wait for retries in all (``GOALKEEPER_RETRY_BUDGET``, 300 by default)."""
    return seconds_setting(RETRY_BUDGET_VARIABLE, RETRY_BUDGET)


def report_to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def described(request: Callable[[], Any], what: str | None) -> str:
    """What a request does, for people: given, or a Tag Manager request's method and path (its
    query left out)."""
    if what:
        return what
    http_request = getattr(request, "__self__", None)
    method, uri = getattr(http_request, "method", None), getattr(http_request, "uri", None)
    if method and uri:
        return f"{method} {urllib.parse.urlsplit(str(uri)).path}"
    return "a request"


def reason(error: BaseException) -> str:
    """Why a request failed, in a few words: its HTTP status, or the exception's type (never its
    text, which may quote an answer)."""
    status = getattr(error, "status_code", None) or getattr(error, "code", None)
    return f"HTTP {status}" if isinstance(status, int) else type(error).__name__


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
    system: str = "Google"  # who answers, in the retry lines: "GTM", "GA4"
    budget: float = field(default_factory=retry_budget)  # seconds of retry waits in all
    waited: float = 0.0  # seconds of retry waits so far
    report: Callable[[str], None] = report_to_stderr

    def send(
        self,
        request: Callable[[], T],
        *,
        idempotent: bool = True,
        classify: Callable[[BaseException], Failure] | None = None,
        what: str | None = None,
    ) -> T:
        """The result of ``request()``, retried as the module docstring says (``classify``, when
        given, stands in for the backend's for this request; ``what`` names the request in the
        retry lines). Raises the last error when retries or the budget run out, or
        AmbiguousWriteError for a write that may have happened."""
        classify = classify or self.classify
        for attempt in range(len(self.delays) + 1):
            if self.limiter:
                self.limiter.acquire()
            self.requests += 1
            try:
                return request()
            except Exception as error:
                if network_problem(error) is not None:
                    raise  # no DNS, refused, TLS, credentials: the same again and again
                failure = classify(error)
                if failure is Failure.FINAL:
                    raise
                if failure is not Failure.RATE and not idempotent:
                    raise AmbiguousWriteError(type(error).__name__) from error
                if attempt == len(self.delays) or not self._may_wait(self.delays[attempt], request, what, error):
                    raise
            self.clock.sleep(self.delays[attempt])
        raise AssertionError("unreachable")

    def _may_wait(self, delay: float, request: Callable[[], Any], what: str | None, error: BaseException) -> bool:
        """Whether the budget allows waiting ``delay`` seconds to retry; reports the retry (or that
        the budget is spent) in one line."""
        doing = f"{self.system}: {described(request, what)} failed ({reason(error)})"
        if self.waited + delay > self.budget:
            self.report(
                f"{doing}; not retrying: the retry budget of {self.budget:g} s ({RETRY_BUDGET_VARIABLE}) is spent"
            )
            return False
        self.waited += delay
        self.report(f"{doing}; retrying in {delay:g} s ({self.budget - self.waited:g} s of retry budget left)")
        return True


def unreliable(system: str, where: str, error: BaseException) -> NoReturn:
    """Raise the error for a request whose fate is unknown after every retry. Only the error's type
    is named: its text may quote a response."""
    cause = error.__cause__ if isinstance(error, AmbiguousWriteError) and error.__cause__ else error
    why = type(cause).__name__
    if isinstance(cause, TimeoutError) or "Timeout" in why:
        why = f"no answer within {request_timeout():g} s, {TIMEOUT_VARIABLE}"
    raise GoalkeeperError(
        f"{system} could not be reached reliably ({why}). Run the command again: goalkeeper "
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
        problem = network_problem(error, system)
        if problem is not None:
            raise problem from None
        if isinstance(error, (AmbiguousWriteError, *connection_errors)):
            unreliable(system, where, error)
        mapped = explain(error)
        if mapped is None:
            raise
        raise mapped from None
