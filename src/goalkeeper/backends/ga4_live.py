"""A live GA4 property as a target, through the Admin API (google-analytics-admin, REST transport).

v1beta serves key events, custom dimensions and metrics and data streams; v1alpha only what v1beta
lacks: event-create rules and audiences. Key events are never written as the deprecated
conversion events. Custom dimensions, metrics and audiences cannot be deleted, only archived;
a change to a field GA4 cannot update in place is an archive followed by a create.

Every call is retried on rate errors (429, 403 rateLimitExceeded) and, when it is safe, on server
errors and dropped connections, sleeping on the backend's clock (tests pass a simulated one). A
create whose outcome is unknown is never replayed blindly: the collection is read again and the
entity adopted when it is there.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Sequence
from typing import Any

from google.analytics import admin_v1alpha, admin_v1beta
from google.api_core import exceptions as gexc
from google.protobuf import field_mask_pb2

from goalkeeper.backends.base import Progress
from goalkeeper.backends.ga4_common import (
    api_object,
    enhanced_settings,
    entities_from_api,
    entity_name,
    measured_stream,
)
from goalkeeper.backends.ratelimit import Clock, backoff_delays
from goalkeeper.core.diff import CREATE, DELETE, REPLACE, UPDATE, Change
from goalkeeper.core.errors import GoalkeeperError
from goalkeeper.core.model import GA4_KINDS, digest
from goalkeeper.core.state import State

GA4_SCOPES = ("https://www.googleapis.com/auth/analytics.edit",)
# Errors of the transport (the REST transport runs on requests) that lose a request or its answer.
try:
    from requests import exceptions as _requests_exceptions

    TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
        _requests_exceptions.ConnectionError,
        _requests_exceptions.Timeout,
        ConnectionError,
        TimeoutError,
    )
except ImportError:  # pragma: no cover - requests comes with google-auth's transport
    TRANSIENT_ERRORS = (ConnectionError, TimeoutError)
SERVER_ERRORS = (gexc.InternalServerError, gexc.BadGateway, gexc.ServiceUnavailable, gexc.GatewayTimeout)


class AmbiguousCreateError(Exception):
    """A create whose outcome is unknown: the connection dropped or the server erred."""


# kind → (client version, message type, list method, create method, update method, remove method)
_OPERATIONS = {
    "ga4.key_event": (
        "beta",
        admin_v1beta.KeyEvent,
        "list_key_events",
        "create_key_event",
        "update_key_event",
        "delete_key_event",
    ),
    "ga4.custom_dimension": (
        "beta",
        admin_v1beta.CustomDimension,
        "list_custom_dimensions",
        "create_custom_dimension",
        "update_custom_dimension",
        "archive_custom_dimension",
    ),
    "ga4.custom_metric": (
        "beta",
        admin_v1beta.CustomMetric,
        "list_custom_metrics",
        "create_custom_metric",
        "update_custom_metric",
        "archive_custom_metric",
    ),
    "ga4.event_create_rule": (
        "alpha",
        admin_v1alpha.EventCreateRule,
        "list_event_create_rules",
        "create_event_create_rule",
        "update_event_create_rule",
        "delete_event_create_rule",
    ),
    "ga4.audience": (
        "alpha",
        admin_v1alpha.Audience,
        "list_audiences",
        "create_audience",
        "update_audience",
        "archive_audience",
    ),
}
# The request field that carries the message, per message type.
_FIELD = {
    "ga4.key_event": "key_event",
    "ga4.custom_dimension": "custom_dimension",
    "ga4.custom_metric": "custom_metric",
    "ga4.event_create_rule": "event_create_rule",
    "ga4.audience": "audience",
}


def is_rate_error(error: Exception) -> bool:
    """A refusal for exceeding a quota: nothing was done, and trying again later is safe."""
    if isinstance(error, gexc.TooManyRequests):
        return True
    if isinstance(error, gexc.Forbidden):
        reasons = [e.get("reason") for e in (error.errors or []) if isinstance(e, dict)]
        return error.reason in ("rateLimitExceeded", "RATE_LIMIT_EXCEEDED") or any(
            r in ("rateLimitExceeded", "userRateLimitExceeded") for r in reasons
        )
    return False


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name)


def to_json(message) -> dict[str, Any]:
    return json.loads(
        type(message).to_json(message, use_integers_for_enums=False, always_print_fields_with_no_presence=False)
    )


class GA4LiveBackend:
    target = "ga4"

    def __init__(
        self,
        beta_client,
        alpha_client,
        property_id: str,
        measurement_id: str | None = None,
        clock: Clock | None = None,
        attempts: int = 8,
    ):
        self.beta = beta_client
        self.alpha = alpha_client
        self.property = property_id if str(property_id).startswith("properties/") else f"properties/{property_id}"
        self.measurement_id = measurement_id
        self.clock = clock or Clock()
        self.delays = backoff_delays(attempts)
        self.requests = 0
        self._stream: str | None = None
        self._streams: list[dict[str, Any]] | None = None
        self._digest = ""

    def describe(self) -> str:
        return f"GA4 property {self.property.split('/')[-1]}"

    def _client(self, version: str):
        return self.beta if version == "beta" else self.alpha

    def _call(self, method: Callable[..., Any], *, idempotent: bool = True, **kwargs) -> Any:
        """Call one Admin API method (pagers are read to the end), retrying what is safe to retry."""
        for attempt in range(len(self.delays) + 1):
            self.requests += 1
            try:
                result = method(**kwargs, retry=None)
                return list(result) if hasattr(result, "pages") else result
            except gexc.GoogleAPICallError as error:
                retry = is_rate_error(error) or (isinstance(error, SERVER_ERRORS) and idempotent)
                if isinstance(error, SERVER_ERRORS) and not idempotent:
                    raise AmbiguousCreateError(str(error)) from error
                if not retry or attempt == len(self.delays):
                    raise
            except TRANSIENT_ERRORS as error:
                if not idempotent:
                    raise AmbiguousCreateError(str(error)) from error
                if attempt == len(self.delays):
                    raise
            self.clock.sleep(self.delays[attempt])
        raise AssertionError("unreachable")

    def _guard(self, action: Callable[[], Any], writing: bool = False) -> Any:
        prop = self.property.split("/")[-1]
        try:
            return action()
        except gexc.Unauthorized:
            raise GoalkeeperError(
                "GA4: the credentials were refused (expired or revoked); run `goalkeeper login` "
                "again, or check the service-account key file"
            ) from None
        except (gexc.Forbidden, gexc.PermissionDenied) as error:
            if is_rate_error(error):
                raise GoalkeeperError(
                    "GA4: the Admin API quota stayed exhausted; wait a minute, then run goalkeeper again"
                ) from None
            role, scope = (
                ("Editor", "analytics.edit") if writing else ("Viewer (Editor to apply)", "analytics.readonly")
            )
            if "scope" in str(error.message).lower():
                raise GoalkeeperError(
                    f"GA4: the credentials lack the OAuth scope https://www.googleapis.com/auth/{scope} "
                    f"({error.message}). Run `goalkeeper login` again, or grant that scope to the credentials"
                ) from None
            raise GoalkeeperError(
                f"GA4: permission denied on property {prop} ({error.message}). In GA4, Admin > Property access "
                f"management of property {prop}, give the Google account or service account goalkeeper runs as "
                f"the {role} role; the credentials also need the OAuth scope "
                f"https://www.googleapis.com/auth/{scope}. Check target.ga4.property too"
            ) from None
        except gexc.NotFound as error:
            raise GoalkeeperError(f"GA4: not found ({error.message}); check target.ga4.property") from None
        except gexc.GoogleAPICallError as error:
            raise GoalkeeperError(f"GA4 API error {error.code}: {error.message}") from None
        except (AmbiguousCreateError, *TRANSIENT_ERRORS) as error:
            raise GoalkeeperError(
                f"GA4 could not be reached reliably ({type(error).__name__}). Run the command again: goalkeeper "
                "re-reads the property and carries on without duplicating anything"
            ) from None

    def web_stream(self) -> str:
        """The web data stream whose measurement id the goals use: event-create rules live there."""
        if self._stream is None:
            streams = self._data_streams()
            web = [s for s in streams if s.get("type") == "WEB_DATA_STREAM"]
            match = next(
                (s for s in web if s.get("webStreamData", {}).get("measurementId") == self.measurement_id), None
            )
            if match is None and not web:
                raise GoalkeeperError(f"GA4 property {self.property} has no web data stream")
            self._stream = (match or web[0])["name"]
        return self._stream

    def _data_streams(self) -> list[dict[str, Any]]:
        if self._streams is None:
            self._streams = [to_json(s) for s in self._call(self.beta.list_data_streams, parent=self.property)]
        return self._streams

    def enhanced_measurement(self) -> dict[str, Any] | None:
        """The enhanced measurement switches of the measurement id's web stream (with their
        ``name``): one v1alpha GET after a read. None when the stream is not known or the settings
        cannot be read: they only feed warnings, and never stop a plan."""
        try:
            stream = measured_stream(self._guard(self._data_streams), self.measurement_id)
            if stream is None:
                return None
            settings = self._call(
                self.alpha.get_enhanced_measurement_settings, name=f"{stream}/enhancedMeasurementSettings"
            )
        except (GoalkeeperError, gexc.GoogleAPICallError, AmbiguousCreateError, *TRANSIENT_ERRORS):
            return None
        return enhanced_settings(to_json(settings))

    def _parent(self, kind: str) -> str:
        return self.web_stream() if kind == "ga4.event_create_rule" else self.property

    def read(self) -> State:
        def read_all():
            objects: dict[str, list[dict[str, Any]]] = {}
            for kind in GA4_KINDS:
                _version, _, _list_method, *_ = _OPERATIONS[kind]
                objects[kind] = [to_json(m) for m in self._list(kind)]
            return objects

        objects = self._guard(read_all)
        self._digest = digest(objects)
        entities = []
        for kind in GA4_KINDS:
            entities += entities_from_api(kind, objects[kind])
        return State.of(entities)

    def _list(self, kind: str) -> list:
        version, _, list_method, *_ = _OPERATIONS[kind]
        return self._call(
            getattr(self._client(version), list_method), request={"parent": self._parent(kind), "page_size": 200}
        )

    def fingerprint(self) -> str:
        return self._digest

    def apply(self, changes: Sequence[Change], progress: Progress | None = None) -> None:
        for change in changes:
            if change.entity.target != "ga4":
                continue
            self._guard(lambda change=change: self._apply_one(change), writing=True)
            if progress:
                progress(change)

    def _apply_one(self, change: Change) -> None:
        version, message_type, _, create, update, remove = _OPERATIONS[change.kind]
        client = self._client(version)
        if change.action in (DELETE, REPLACE):
            # Archiving or deleting twice ends the same way: safe to retry, and gone is gone.
            with contextlib.suppress(gexc.NotFound):
                self._call(getattr(client, remove), request={"name": change.before.handle})
        if change.action in (CREATE, REPLACE):
            self._create(change, getattr(client, create), message_type)
        if change.action == UPDATE:
            body = api_object(change.after)
            changed = sorted(
                k
                for k in set(body) | set(change.before.body)
                if json.dumps(body.get(k), sort_keys=True) != json.dumps(change.before.body.get(k), sort_keys=True)
            )
            message = message_type.from_json(json.dumps({**body, "name": change.before.handle}))
            mask = field_mask_pb2.FieldMask(paths=[_snake(k) for k in changed])
            self._call(getattr(client, update), request={_FIELD[change.kind]: message, "update_mask": mask})

    def _create(self, change: Change, method: Callable[..., Any], message_type) -> None:
        message = message_type.from_json(json.dumps(api_object(change.after)))
        request = {"parent": self._parent(change.kind), _FIELD[change.kind]: message}
        for _ in range(3):
            try:
                self._call(method, idempotent=False, request=request)
                return
            except gexc.Conflict:
                # It exists already (a create that had gone through, or a key event made by hand
                # for the same event): adopt it; the next plan reconciles its settings.
                return
            except AmbiguousCreateError:
                # Read the collection again before trying again: never a blind replay.
                if any(
                    entity_name(change.kind, to_json(m)) == entity_name(change.kind, change.after.body)
                    for m in self._list(change.kind)
                ):
                    return
        raise GoalkeeperError(f"GA4 kept failing to create {change.kind} {change.name!r}; run apply again")
