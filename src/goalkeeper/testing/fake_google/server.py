"""The HTTP server of the fake: one ThreadingHTTPServer on 127.0.0.1 serving both APIs."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import socket
import threading
import traceback
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, TypedDict, Unpack

from .clock import Clock, RealClock
from .errors import ApiError
from .faults import Faults
from .ga4 import Ga4State
from .gtm import PREFIX as GTM_PREFIX
from .gtm import GtmState
from .quota import Quota
from .wire import Query, Reply

if TYPE_CHECKING:
    from google.analytics.admin_v1alpha import AnalyticsAdminServiceClient as AlphaClient
    from google.analytics.admin_v1beta import AnalyticsAdminServiceClient as BetaClient
    from google.auth.credentials import Credentials

    from .seed import SeededContainer, Source


@dataclasses.dataclass
class RequestRecord:
    n: int  # 1-based request number (as counted by faults)
    method: str
    path: str  # without query string
    full_path: str  # as received, with query string
    query: Query  # parsed query (lists of values)
    api: str  # "gtm" | "ga4" | "other"
    status: int | None  # None when the connection was dropped
    fault: str | None = None  # "status" / "drop" / "latency" when a fault applied
    time: float = 0.0  # clock time when received
    body: object = None  # parsed JSON request body (None when empty or not JSON)


def _api_of(path: str) -> str:
    if path.startswith(GTM_PREFIX):
        return "gtm"
    if path.startswith("/v1beta/") or path.startswith("/v1alpha/"):
        return "ga4"
    return "other"


class Placement(TypedDict, total=False):
    """Where a seeded container goes (see ``seed.seed_container_export``)."""

    account_id: str | None
    container_id: str | None
    public_id: str | None
    workspace_name: str
    live: bool


class FakeGoogle:
    """Fake Tag Manager API v2 + GA4 Admin API on ``http://127.0.0.1:<port>``.

    ``clock``: a ``FakeClock`` (tests) or ``RealClock`` (default). ``quota``: enforce the GTM quota
    (25 requests / 100 s, 10,000 / day); ``quota_mode`` "429" or "403".
    """

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        quota: bool = True,
        quota_mode: str = "429",
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.clock: Clock = clock if clock is not None else RealClock()
        self.lock = threading.RLock()
        self.gtm = GtmState(self.clock, self.lock)
        self.ga4 = Ga4State(self.clock, self.lock)
        self.quota = Quota(self.clock, enabled=quota, mode=quota_mode)
        self.faults = Faults()
        self.requests: list[RequestRecord] = []
        self.request_count = 0
        self._host, self._port = host, port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle
    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeGoogle is not started")
        return f"http://{self._host}:{self._server.server_port}"

    def start(self) -> FakeGoogle:
        if self._server is not None:
            return self
        fake = self

        class Handler(_Handler):
            pass

        Handler.fake = fake
        self._server = ThreadingHTTPServer((self._host, self._port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-google", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeGoogle:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ log
    def requests_for(self, api: str | None = None, method: str | None = None) -> list[RequestRecord]:
        return [r for r in self.requests if (api is None or r.api == api) and (method is None or r.method == method)]

    def clear_log(self) -> None:
        with self.lock:
            self.requests.clear()

    # ------------------------------------------------------------------ seeding (see seed.py)
    def seed_container_export(self, source: Source, **where: Unpack[Placement]) -> SeededContainer:
        """Add a container holding a GTM export (a file or its parsed JSON): see ``seed.seed_container_export``
        for where it goes (account and container ids, public id, workspace name, a live version or not)."""
        from .seed import seed_container_export

        return seed_container_export(self.gtm, source, **where)

    def seed_synthetic_container(self, n_entities: int, **where: Unpack[Placement]) -> SeededContainer:
        """Add a container of about ``n_entities`` generated tags, triggers, variables and folders."""
        from .seed import synthetic_container_export

        return self.seed_container_export(synthetic_container_export(n_entities), **where)

    def seed_ga4_snapshot(self, source: Source) -> str:
        """Add a property holding a GA4 snapshot (a file or its parsed JSON); returns ``properties/<id>``."""
        from .seed import seed_ga4_snapshot

        return seed_ga4_snapshot(self.ga4, source)

    # ------------------------------------------------------------------ clients
    def gtm_service(self, http: Any = None) -> Any:
        """A googleapiclient Tag Manager v2 service pointed at the fake (bundled discovery document).
        googleapiclient ships no type information: its services are Any to mypy."""
        from googleapiclient.discovery import build

        if http is not None:
            return build(
                "tagmanager", "v2", static_discovery=True, http=http, client_options={"api_endpoint": self.url}
            )
        return build(
            "tagmanager",
            "v2",
            static_discovery=True,
            credentials=_anonymous(),
            client_options={"api_endpoint": self.url},
        )

    def ga4_client(self, version: str = "v1beta") -> BetaClient | AlphaClient:
        """An ``AnalyticsAdminServiceClient`` (REST transport) of ``admin_v1beta`` or ``admin_v1alpha``."""
        options = {"api_endpoint": self.url}
        if version == "v1alpha":
            from google.analytics.admin_v1alpha import AnalyticsAdminServiceClient as Alpha

            return Alpha(transport="rest", credentials=_anonymous(), client_options=options)
        from google.analytics.admin_v1beta import AnalyticsAdminServiceClient as Beta

        return Beta(transport="rest", credentials=_anonymous(), client_options=options)

    # ------------------------------------------------------------------ dispatch
    def _dispatch(self, method: str, raw_path: str, body_bytes: bytes) -> Reply | None:
        """The status and body to answer with, or None to drop the connection."""
        parsed = urllib.parse.urlsplit(raw_path)
        path = urllib.parse.unquote(parsed.path)
        query = urllib.parse.parse_qs(parsed.query, keep_blank_values=True)
        api = _api_of(path)
        with self.lock:
            self.request_count += 1
            rec = RequestRecord(self.request_count, method, path, raw_path, query, api, None, time=self.clock.now())
            self.requests.append(rec)
            hooks = self.faults.hooks_for(rec.n)
            for cb in hooks:
                cb(self)
        lost = False
        for f in self.faults.pick(rec.n, method, path, api):
            rec.fault = f.kind
            if f.kind == "latency":
                self.clock.sleep(f.seconds)
            elif f.kind == "drop":
                return None
            elif f.kind == "lost":
                lost = True  # carried out below; the answer never reaches the client
            else:
                err = ApiError(f.status, f.message or _fault_message(f.status), reason=f.reason)
                rec.status = f.status
                return f.status, err.body()
        reply = self._carry_out(rec, method, path, query, body_bytes)
        return None if lost else reply

    def _carry_out(self, rec: RequestRecord, method: str, path: str, query: Query, body_bytes: bytes) -> Reply:
        """Handle a request that no fault stopped: the status and body of the answer."""
        api = rec.api
        try:
            try:
                body = json.loads(body_bytes) if body_bytes.strip() else {}
            except ValueError:
                raise ApiError(400, "Invalid JSON payload received.", "INVALID_ARGUMENT") from None
            rec.body = body or None
            if api == "gtm":
                self.quota.check()
                status, out = self.gtm.handle(method, path, query, body)
            elif api == "ga4":
                status, out = self.ga4.handle(method, path, query, body)
            else:
                raise ApiError(404, f"The requested URL {path} was not found on this server.", "NOT_FOUND")
        except ApiError as e:
            status, out = e.code, e.body()
        except Exception as e:  # a bug in the fake: answer 500 with the traceback text, like a crashed backend
            traceback.print_exc()
            status, out = 500, ApiError(500, f"fake_google internal error: {e!r}", "INTERNAL").body()
        rec.status = status
        return status, out


def _anonymous() -> Credentials:
    """Credentials that sign nothing: the fake checks none."""
    from google.auth.credentials import AnonymousCredentials

    return AnonymousCredentials()


def _fault_message(status: int) -> str:
    if status == 429:
        return "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute per user'."
    if status == 503:
        return "The service is currently unavailable."
    if status >= 500:
        return "Internal error encountered."
    return "Injected fault."


class _Handler(BaseHTTPRequestHandler):
    fake: FakeGoogle
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # no 40 ms delayed-ACK stalls on keep-alive connections

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(length) if length else b""
        reply = self.fake._dispatch(self.command, self.path, data)
        if reply is None:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        status, body = reply
        payload = b"" if status == 204 or body is None else json.dumps(body).encode()
        self.send_response(status)
        if status != 204:
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if payload:
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass
