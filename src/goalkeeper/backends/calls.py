"""One retry and error-mapping layer for the live backends (Tag Manager API and GA4 Admin API).

Both backends send each request through ``Calls.send``: rate errors are retried with exponential
backoff (nothing was done, so trying again is always safe); server errors and lost connections are
retried only for requests that are safe to repeat, and turn a write into ``AmbiguousWriteError``
otherwise, so the backend can look before it writes again. ``guard`` then turns whatever still
fails into a GoalkeeperError that says what to do, through the backend's own ``explain``.

Every request is logged here at debug level (logger ``goalkeeper.api``, see ``goalkeeper.logs``):
its method and path, the final status, how long it took and how many retries it needed. Paths are
logged without their query, and errors by type alone: no token, key or response body is logged.

Retries share one budget per backend and run: ``GOALKEEPER_RETRY_BUDGET`` seconds of waiting (300
unless set), after which the last error stands. Each retry prints one line on standard error, saying
what is retried, why and when. Failures no retry can cure (no DNS, a refused connection, TLS,
credentials refused: ``google_clients.network_problem``) are not retried at all.
"""

from __future__ import annotations

import enum
import logging
import sys
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NoReturn, TypeVar

from goalkeeper.backends.google_clients import TIMEOUT_VARIABLE, network_problem, request_timeout
from goalkeeper.backends.ratelimit import Clock, SlidingWindowLimiter, Waiting, backoff_delays
from goalkeeper.core.errors import GoalkeeperError
from goalkeeper.environment import seconds_setting

T = TypeVar("T")
log = logging.getLogger("goalkeeper.api")


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
    #: Told before each pause between attempts: (seconds, why), so a progress display can count down.
    on_wait: Waiting | None = None
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
        method: str = "",
        path: str = "",
        status: Callable[[], int | None] | None = None,
        what: str | None = None,
    ) -> T:
        """The result of ``request()``, retried as the module docstring says (``classify``, when
        given, stands in for the backend's for this request). ``method`` and ``path`` name the
        request in the log (the HTTP method, the URL path without its query) and ``what`` in the
        retry lines; ``status`` tells the HTTP status of the answer just received, where the client
        can say (default 200: both clients raise on any status that is no success, and Google's REST
        mapping answers OK as 200, google/rpc/code.proto). Raises the last error when retries or the
        retry budget run out, or
        AmbiguousWriteError for a write that may have happened."""
        classify = classify or self.classify
        start = 0.0
        for attempt in range(len(self.delays) + 1):
            if self.limiter:
                self.limiter.acquire()
            if not attempt:  # timed from the first send: the quota's pacing is the limiter's to log
                start = time.perf_counter()
            self.requests += 1
            try:
                result = request()
            except Exception as error:
                if network_problem(error) is not None:  # no DNS, refused, TLS, credentials: the same again
                    self._log(method, path, _status_of(error), start, attempt, failure=type(error).__name__)
                    raise
                failure = self._failure(classify, error, method, path, start, attempt)
                if failure is Failure.FINAL:
                    raise
                if failure is not Failure.RATE and not idempotent:
                    self._log(method, path, _status_of(error), start, attempt, failure="ambiguous write")
                    raise AmbiguousWriteError(type(error).__name__) from error
                if attempt == len(self.delays) or not self._may_wait(self.delays[attempt], request, what, error):
                    self._log(method, path, _status_of(error), start, attempt, failure="retries exhausted")
                    raise
                self._pause(self.delays[attempt], error, method, path)
                continue
            self._log(method, path, (status() if status else None) or 200, start, attempt)
            return result
        raise AssertionError("unreachable")

    def _failure(
        self,
        classify: Callable[[BaseException], Failure],
        error: Exception,
        method: str,
        path: str,
        start: float,
        attempt: int,
    ) -> Failure:
        """What ``error`` means; a final failure (or an error ``classify`` raises) is logged here."""
        try:
            failure = classify(error)
        except Exception:
            self._log(method, path, _status_of(error), start, attempt, failure=type(error).__name__)
            raise
        if failure is Failure.FINAL:
            self._log(method, path, _status_of(error), start, attempt, failure=type(error).__name__)
        return failure

    def _pause(self, seconds: float, error: Exception, method: str, path: str) -> None:
        why = "the API quota" if _status_of(error) in (403, 429) else f"a failed request ({type(error).__name__})"
        log.debug("retry", extra={"method": method, "path": path, "status": _status_of(error), "wait_s": seconds})
        if self.on_wait:
            self.on_wait(seconds, f"retrying after {why}")
        self.clock.sleep(seconds)

    @staticmethod
    def _log(method: str, path: str, status: int | str, start: float, attempt: int, failure: str = "") -> None:
        fields = {
            "method": method or "?",
            "path": path or "?",
            "status": status,
            "duration_ms": round((time.perf_counter() - start) * 1000),
            "retries": attempt,
        }
        log.debug("request", extra={**fields, **({"failure": failure} if failure else {})})

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


def _status_of(error: BaseException) -> int | str:
    """The HTTP status an API error carries (googleapiclient's ``status_code``, google-api-core's
    ``code``), or the error's type for one that never got an answer (a lost connection)."""
    for attribute in ("status_code", "code"):
        value = getattr(error, attribute, None)
        if isinstance(value, int):
            return value
    return type(error).__name__


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


# --- what each documented error reason means ---------------------------------------------------


@dataclass(frozen=True)
class ErrorReason:
    """What one documented error reason means: whether trying again can help (``failure``) and
    what to tell the user once retries did not cure it (``advice``, with ``{message}`` for the
    API's own message; None: the backend explains it, naming what the request needed)."""

    failure: Failure
    advice: str | None
    source: str


GLOBAL_ERRORS = "Google APIs global-domain errors (developers.google.com/search/apis/indexing-api/v3/core-errors)"
GTM_LIMITS = "Tag Manager API limits (developers.google.com/tag-platform/tag-manager/api/v2/limits-quotas)"
ADMIN_QUOTAS = "Admin API limits and quotas (developers.google.com/analytics/devguides/config/admin/v1/quotas)"
CLOUD_ERRORS = "Google Cloud API error model, ErrorInfo reasons (cloud.google.com/apis/design/errors)"
ADC_QUOTA = (
    "Application Default Credentials troubleshooting (cloud.google.com/docs/authentication/adc-troubleshooting/"
    "user-creds); the 403 SERVICE_DISABLED it answers, public issue reports (googleapis, terraform-provider-google)"
)

_QUOTA_PROJECT = (
    "the request was billed to no Google Cloud project of yours ({message}). With Application Default "
    "Credentials, set your project as quota project: `gcloud auth application-default set-quota-project "
    "PROJECT_ID`, and enable the {api} there: `gcloud services enable {service} --project PROJECT_ID`. "
    "Nothing was written"
)
_DISABLED = (
    "the {api} is not enabled in the Google Cloud project the credentials use ({message}). Enable it: "
    "`gcloud services enable {service} --project PROJECT_ID` (with Application Default Credentials, also "
    "`gcloud auth application-default set-quota-project PROJECT_ID`), then run goalkeeper again"
)
_PROJECT_DENIED = (
    "the credentials may not use the quota project ({message}). Give them the Service Usage Consumer role "
    "(roles/serviceusage.serviceUsageConsumer) on it, or set another one: `gcloud auth application-default "
    "set-quota-project PROJECT_ID`"
)


def _table(api: str, service: str, rows: dict[str, ErrorReason]) -> dict[str, ErrorReason]:
    return {
        reason: ErrorReason(row.failure, row.advice.replace("{api}", api).replace("{service}", service), row.source)
        if row.advice
        else row
        for reason, row in rows.items()
    }


_FINAL, _RATE, _SERVER = Failure.FINAL, Failure.RATE, Failure.SERVER

# Reasons in the order they are looked for: an answer naming several takes the first. Pseudo-reasons
# in parentheses stand for what only the message says ("quota project", "per day").
TAG_MANAGER_ERRORS: dict[str, ErrorReason] = _table(
    "Tag Manager API",
    "tagmanager.googleapis.com",
    {
        "(quota project)": ErrorReason(_FINAL, _QUOTA_PROJECT, ADC_QUOTA),
        "SERVICE_DISABLED": ErrorReason(_FINAL, _DISABLED, CLOUD_ERRORS),
        "accessNotConfigured": ErrorReason(_FINAL, _DISABLED, GLOBAL_ERRORS),
        "USER_PROJECT_DENIED": ErrorReason(_FINAL, _PROJECT_DENIED, CLOUD_ERRORS),
        "dailyLimitExceeded": ErrorReason(
            _FINAL,
            "the day's quota of 10,000 requests per Google Cloud project is used up ({message}); it comes back at "
            "midnight Pacific time. Run goalkeeper again then: it carries on from where this run stopped",
            f"{GLOBAL_ERRORS}; {GTM_LIMITS}",
        ),
        "(per day)": ErrorReason(
            _FINAL,
            "the day's quota of 10,000 requests per Google Cloud project is used up ({message}); it comes back at "
            "midnight Pacific time. Run goalkeeper again then: it carries on from where this run stopped",
            GTM_LIMITS,
        ),
        "rateLimitExceeded": ErrorReason(_RATE, None, f"{GLOBAL_ERRORS}; {GTM_LIMITS} (answered as 403)"),
        "userRateLimitExceeded": ErrorReason(_RATE, None, GLOBAL_ERRORS),
        "quotaExceeded": ErrorReason(_RATE, None, GLOBAL_ERRORS),
        "RATE_LIMIT_EXCEEDED": ErrorReason(_RATE, None, CLOUD_ERRORS),
        "RESOURCE_EXHAUSTED": ErrorReason(_RATE, None, CLOUD_ERRORS),
        "(quota exceeded)": ErrorReason(_RATE, None, GTM_LIMITS),
        "ACCESS_TOKEN_SCOPE_INSUFFICIENT": ErrorReason(_FINAL, None, CLOUD_ERRORS),
        "insufficientPermissions": ErrorReason(_FINAL, None, GLOBAL_ERRORS),
        "forbidden": ErrorReason(_FINAL, None, GLOBAL_ERRORS),
        "authError": ErrorReason(_FINAL, None, GLOBAL_ERRORS),
        "notFound": ErrorReason(_FINAL, None, GLOBAL_ERRORS),
        "backendError": ErrorReason(_SERVER, None, GLOBAL_ERRORS),
        "internalError": ErrorReason(_SERVER, None, GLOBAL_ERRORS),
    },
)

ADMIN_API_ERRORS: dict[str, ErrorReason] = _table(
    "Google Analytics Admin API",
    "analyticsadmin.googleapis.com",
    {
        "(quota project)": ErrorReason(_FINAL, _QUOTA_PROJECT, ADC_QUOTA),
        "SERVICE_DISABLED": ErrorReason(_FINAL, _DISABLED, CLOUD_ERRORS),
        "accessNotConfigured": ErrorReason(_FINAL, _DISABLED, GLOBAL_ERRORS),
        "USER_PROJECT_DENIED": ErrorReason(_FINAL, _PROJECT_DENIED, CLOUD_ERRORS),
        "rateLimitExceeded": ErrorReason(_RATE, None, f"{ADMIN_QUOTAS} (answered as 403)"),
        "RATE_LIMIT_EXCEEDED": ErrorReason(_RATE, None, CLOUD_ERRORS),
        "RESOURCE_EXHAUSTED": ErrorReason(_RATE, None, CLOUD_ERRORS),
        "userRateLimitExceeded": ErrorReason(_RATE, None, GLOBAL_ERRORS),
        "quotaExceeded": ErrorReason(_RATE, None, GLOBAL_ERRORS),
        "(quota exceeded)": ErrorReason(_RATE, None, ADMIN_QUOTAS),
        "ACCESS_TOKEN_SCOPE_INSUFFICIENT": ErrorReason(_FINAL, None, CLOUD_ERRORS),
        "PERMISSION_DENIED": ErrorReason(_FINAL, None, CLOUD_ERRORS),
        "forbidden": ErrorReason(_FINAL, None, GLOBAL_ERRORS),
        "UNAUTHENTICATED": ErrorReason(_FINAL, None, CLOUD_ERRORS),
    },
)

# What only the message says, for answers whose reason is missing or generic (checked first: a
# missing quota project comes as 403 with reason SERVICE_DISABLED or forbidden and "quota" in it).
_MESSAGE_REASONS = (
    ("quota project", "(quota project)"),
    ("per day", "(per day)"),
    ("quota exceeded", "(quota exceeded)"),
    ("insufficient quota", "(quota exceeded)"),
)


def reason_for(
    table: dict[str, ErrorReason], status: int, reasons: list[str], message: str
) -> tuple[str, ErrorReason] | None:
    """The documented reason an error answer (HTTP ``status``, the ``reasons`` of its errors[] and
    ErrorInfo details, its ``message``) carries, and what it means; None when none is known (then
    the HTTP status decides: 429 rate, 5xx server, anything else final)."""
    lowered = message.lower()
    found = {pseudo for phrase, pseudo in _MESSAGE_REASONS if phrase in lowered} | set(reasons)
    if status == 429:
        found.add("RESOURCE_EXHAUSTED")
    for reason, row in table.items():
        if reason in found:
            return reason, row
    return None


def failure_for(table: dict[str, ErrorReason], status: int, reasons: list[str], message: str) -> Failure:
    """Whether an error answer is worth trying again (see ``Failure``), from ``table``."""
    known = reason_for(table, status, reasons, message)
    if known is not None:
        return known[1].failure
    if status == 429:
        return Failure.RATE
    return Failure.SERVER if status >= 500 else Failure.FINAL


def advice_for(table: dict[str, ErrorReason], status: int, reasons: list[str], message: str) -> str | None:
    """The advice for an error answer retries did not cure, when its reason has its own."""
    known = reason_for(table, status, reasons, message)
    if known is None or known[1].advice is None:
        return None
    return known[1].advice.replace("{message}", message)
