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
import functools
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from google.analytics import admin_v1alpha, admin_v1beta
from google.api_core import exceptions as gexc
from google.protobuf import field_mask_pb2
from requests import exceptions as requests_exceptions

from goalkeeper.backends.base import Backend, Progress, Waiting
from goalkeeper.backends.calls import (
    ADMIN_API_ERRORS,
    AmbiguousWriteError,
    Calls,
    Failure,
    advice_for,
    failure_for,
    guard,
)
from goalkeeper.backends.ga4_common import api_object, enhanced_settings, entities_from_api, entity_body, web_stream
from goalkeeper.backends.google_clients import request_timeout
from goalkeeper.backends.ratelimit import Clock, backoff_delays
from goalkeeper.core import ownership
from goalkeeper.core.changes import Change, Create, Delete, Replace, Update
from goalkeeper.core.errors import GoalkeeperError, StalePlanError
from goalkeeper.core.kinds import KINDS, EntityKind, kinds_of
from goalkeeper.core.model import Entity, digest
from goalkeeper.core.preflight import TargetFacts
from goalkeeper.core.state import State

T = TypeVar("T")
# Errors of the transport (the REST transport runs on requests) that lose a request or its answer.
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    requests_exceptions.ConnectionError,
    requests_exceptions.Timeout,
    ConnectionError,
    TimeoutError,
)


def answer(error: gexc.GoogleAPICallError) -> tuple[int, list[str], str]:
    """An Admin API error's HTTP status, the reasons it gives (its ErrorInfo reason, errors[].reason)
    and its message."""
    reasons = [str(e.get("reason", "")) for e in (error.errors or []) if isinstance(e, dict)]
    if error.reason:
        reasons.append(str(error.reason))
    return int(error.code or 0), [r for r in reasons if r], str(error.message)


def is_rate_error(error: BaseException) -> bool:
    """A refusal for exceeding a quota: nothing was done, and trying again later is safe."""
    if not isinstance(error, gexc.GoogleAPICallError):
        return False
    return failure_for(ADMIN_API_ERRORS, *answer(error)) is Failure.RATE


def classify(error: BaseException) -> Failure:
    """What a failed Admin API call means (see goalkeeper.backends.calls and its ADMIN_API_ERRORS)."""
    if isinstance(error, gexc.GoogleAPICallError):
        return failure_for(ADMIN_API_ERRORS, *answer(error))
    return Failure.CONNECTION if isinstance(error, CONNECTION_ERRORS) else Failure.FINAL


def explain(error: Exception, writing: bool, prop: str) -> GoalkeeperError | None:
    """The GoalkeeperError for an Admin API error that retries did not cure, on property ``prop``
    (its number); ``writing`` says whether an apply (Editor) or a read (Viewer) was refused."""
    if isinstance(error, gexc.GoogleAPICallError):
        advice = advice_for(ADMIN_API_ERRORS, *answer(error))
        if advice:
            return GoalkeeperError(f"GA4: {advice}")
    if isinstance(error, gexc.Unauthorized):
        return GoalkeeperError(
            "GA4: the credentials were refused (expired or revoked); run `goalkeeper login` "
            "again, or check the service-account key file"
        )
    if isinstance(error, gexc.Forbidden | gexc.PermissionDenied):
        if is_rate_error(error):
            return GoalkeeperError(
                "GA4: the Admin API quota stayed exhausted; wait a minute, then run goalkeeper again"
            )
        role, scope = ("Editor", "analytics.edit") if writing else ("Viewer (Editor to apply)", "analytics.readonly")
        if "scope" in str(error.message).lower():
            return GoalkeeperError(
                f"GA4: the credentials lack the OAuth scope https://www.googleapis.com/auth/{scope} "
                f"({error.message}). Run `goalkeeper login` again, or grant that scope to the credentials"
            )
        return GoalkeeperError(
            f"GA4: permission denied on property {prop} ({error.message}). In GA4, Admin > Property access "
            f"management of property {prop}, give the Google account or service account goalkeeper runs as "
            f"the {role} role; the credentials also need the OAuth scope "
            f"https://www.googleapis.com/auth/{scope}. Check target.ga4.property too"
        )
    if isinstance(error, gexc.NotFound):
        return GoalkeeperError(f"GA4: not found ({error.message}); check target.ga4.property")
    if isinstance(error, gexc.GoogleAPICallError):
        return GoalkeeperError(f"GA4 API error {error.code}: {error.message}")
    return None


# The HTTP method of an Admin API method, by its verb: the standard methods' REST mapping (Google's
# API design guide, AIP-131 to 135: Get and List GET, Create POST, Update PATCH, Delete DELETE) and
# the custom method ``:archive`` (POST, AIP-136).
_HTTP_METHODS = {
    "get": "GET",
    "list": "GET",
    "create": "POST",
    "update": "PATCH",
    "delete": "DELETE",
    "archive": "POST",
}


def rest_route(method: Callable[..., Any], kwargs: dict[str, Any]) -> tuple[str, str]:
    """The HTTP method and URL path an Admin API client method sends, for the request log:
    ``("GET", "/v1beta/properties/1/keyEvents")``. Built from the method's name and the resource
    names it is given (never from a body: the log holds no values a user wrote)."""
    verb, _, collection = getattr(method, "__name__", "call").partition("_")
    version = "v1alpha" if "v1alpha" in type(getattr(method, "__self__", None)).__module__ else "v1beta"
    request = kwargs.get("request")
    request = request if isinstance(request, dict) else {}
    parent = kwargs.get("parent") or request.get("parent")
    name = kwargs.get("name") or request.get("name")
    if verb in ("list", "create") and parent:
        plural = collection if verb == "list" else collection + "s"
        path = f"{parent}/{_camel(plural)}"
    elif verb == "update":
        message = next((v for k, v in request.items() if k != "update_mask"), None)
        path = str(getattr(message, "name", "") or "?")
    else:
        path = str(name or "?") + (":archive" if verb == "archive" else "")
    return _HTTP_METHODS.get(verb, "POST"), f"/{version}/{path}"


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name)


def to_json(message) -> dict[str, Any]:
    return json.loads(
        type(message).to_json(message, use_integers_for_enums=False, always_print_fields_with_no_presence=False)
    )


class GA4LiveBackend(Backend):
    target = "ga4"

    def __init__(
        self,
        beta_client: Any,
        alpha_client: Any,
        property_id: str,
        measurement_id: str | None = None,
        clock: Clock | None = None,
        attempts: int = 8,
        timeout: float | None = None,
    ):
        self.beta = beta_client
        self.alpha = alpha_client
        self.property = property_id if str(property_id).startswith("properties/") else f"properties/{property_id}"
        self.measurement_id = measurement_id
        self.calls = Calls(classify, clock or Clock(), backoff_delays(attempts), system="GA4")
        self.timeout = request_timeout() if timeout is None else timeout
        self._stream: str | None = None
        self._streams: list[dict[str, Any]] | None = None
        self._digest = ""
        self._defaults: frozenset[tuple[str, str]] = frozenset()  # key events GA4 does not count

    def watch_waits(self, waiting: Waiting | None) -> None:
        """Retry backoffs after rate errors or failed requests pause on the clock."""
        self.calls.on_wait = waiting

    def describe(self) -> str:
        return f"GA4 property {self.property.split('/')[-1]}"

    def _method(self, kind: EntityKind, verb: str) -> Callable[..., Any]:
        """The client method that does ``verb`` (list, create, update, delete, archive) to ``kind``:
        v1beta serves what it has, v1alpha only what v1beta lacks."""
        client = self.beta if kind.api_version == "v1beta" else self.alpha
        return getattr(client, f"{verb}_{kind.collection if verb == 'list' else kind.api_name}")

    @staticmethod
    def _message_type(kind: EntityKind) -> Any:
        module = admin_v1beta if kind.api_version == "v1beta" else admin_v1alpha
        return getattr(module, "".join(part.capitalize() for part in kind.api_name.split("_")))

    def _call(self, method: Callable[..., Any], *, idempotent: bool = True, **kwargs: Any) -> Any:
        """Call one Admin API method (pagers are read to the end), retrying what is safe to retry."""

        def request() -> Any:
            # The timeout covers the request and any token refresh before it (google-auth's
            # AuthorizedSession passes it on); without one, a silent server is waited on forever.
            result = method(**kwargs, retry=None, timeout=self.timeout)
            return list(result) if hasattr(result, "pages") else result

        http_method, path = rest_route(method, kwargs)
        return self.calls.send(
            request, idempotent=idempotent, method=http_method, path=path, what=getattr(method, "__name__", None)
        )

    def _guard(self, action: Callable[[], T], writing: bool = False) -> T:
        prop = self.property.split("/")[-1]
        return guard(
            action,
            system="GA4",
            where="property",
            connection_errors=CONNECTION_ERRORS,
            explain=lambda error: explain(error, writing, prop),
        )

    def _data_streams(self) -> list[dict[str, Any]]:
        if self._streams is None:
            self._streams = [to_json(s) for s in self._call(self.beta.list_data_streams, parent=self.property)]
        return self._streams

    def rule_stream(self) -> str | None:
        """The web data stream event-create rules live in: the measurement id's, or the first;
        None when the property has no web data stream (the plan's preflight refuses rules then)."""
        if self._stream is None:
            self._stream = web_stream(self._data_streams(), self.measurement_id, exact=False)
        return self._stream

    def facts(self) -> TargetFacts:
        """Whether the property has a web data stream, its default key events (``custom`` false:
        not counted towards the limit of custom key events) and its service level (one GET; unknown,
        so standard, when the property cannot be read)."""
        stream = self._guard(self.rule_stream)
        try:
            level = self._call(self.beta.get_property, name=self.property).service_level.name
        except Exception as error:
            if not isinstance(error, (gexc.GoogleAPICallError, AmbiguousWriteError, *CONNECTION_ERRORS)):
                raise
            level = None
        return TargetFacts(
            described=self.describe(),
            web_stream=stream is not None,
            uncounted=self._defaults,
            service_level=level,
        )

    def enhanced_measurement(self) -> dict[str, Any] | None:
        """The enhanced measurement switches of the measurement id's web stream (with their
        ``name``): one v1alpha GET after a read. None when the stream is not known or the settings
        cannot be read: they only feed warnings, and never stop a plan."""
        try:
            stream = web_stream(self._guard(self._data_streams), self.measurement_id, exact=True)
            if stream is None:
                return None
            settings = self._call(
                self.alpha.get_enhanced_measurement_settings, name=f"{stream}/enhancedMeasurementSettings"
            )
        except Exception as error:
            if isinstance(error, (GoalkeeperError, gexc.GoogleAPICallError, AmbiguousWriteError, *CONNECTION_ERRORS)):
                return None
            raise
        return enhanced_settings(to_json(settings))

    def _parent(self, kind: EntityKind) -> str:
        if kind.key != "ga4.event_create_rule":
            return self.property
        stream = self.rule_stream()
        if stream is None:
            raise GoalkeeperError(f"GA4 property {self.property} has no web data stream for event-create rules")
        return stream

    def read(self) -> State:
        def read_all() -> dict[str, list[dict[str, Any]]]:
            return {kind.key: [to_json(m) for m in self._list(kind)] for kind in kinds_of("ga4")}

        objects = self._guard(read_all)
        self._digest = digest(objects)
        # Proto3 JSON leaves a false ``custom`` out: such key events are GA4's default events.
        self._defaults = frozenset(
            ("ga4.key_event", str(k["eventName"])) for k in objects["ga4.key_event"] if not k.get("custom")
        )
        return State.of(e for kind in kinds_of("ga4") for e in entities_from_api(kind.key, objects[kind.key]))

    def _list(self, kind: EntityKind) -> list[Any]:
        if kind.key == "ga4.event_create_rule" and self.rule_stream() is None:
            return []  # no web data stream, so no rules
        return list(self._call(self._method(kind, "list"), request={"parent": self._parent(kind), "page_size": 200}))

    def snapshot(self) -> dict[str, Any]:
        """The property as a GA4 snapshot document (the shape goalkeeper.backends.ga4_snapshot
        reads): its service level, data streams, key events (``custom`` written out, as proto3 JSON
        leaves a false one out), custom dimensions and metrics, event-create rules, audiences and
        each web stream's enhanced measurement settings. Every object in the Admin API's JSON
        shape, with its resource name; read only, nothing in GA4 changes."""

        def read_all() -> dict[str, Any]:
            document: dict[str, Any] = {"property": self.property}
            level = self._call(self.beta.get_property, name=self.property).service_level.name
            if level and level != "SERVICE_LEVEL_UNSPECIFIED":
                document["serviceLevel"] = level
            document["dataStreams"] = self._data_streams()
            for kind in kinds_of("ga4"):
                document[kind.list_key] = [to_json(m) for m in self._list(kind)]
            for key_event in document["keyEvents"]:
                key_event["custom"] = bool(key_event.get("custom", False))
            document["enhancedMeasurementSettings"] = {
                stream["name"]: self._enhanced(stream["name"])
                for stream in document["dataStreams"]
                if stream.get("type", "WEB_DATA_STREAM") == "WEB_DATA_STREAM"
            }
            return document

        return self._guard(read_all)

    def _enhanced(self, stream: str) -> dict[str, Any]:
        settings = to_json(
            self._call(self.alpha.get_enhanced_measurement_settings, name=f"{stream}/enhancedMeasurementSettings")
        )
        settings.pop("name", None)
        return settings

    def fingerprint(self) -> str:
        return self._digest

    def apply(self, changes: Sequence[Change], progress: Progress | None = None) -> None:
        for change in changes:
            if change.target != "ga4":
                continue
            self._guard(functools.partial(self._apply_one, change), writing=True)
            if progress:
                progress(change)

    def next_steps(self, changes: Sequence[Change], published: bool) -> list[str]:
        """GA4 applies configuration at once, to data collected from then on [G: "[GA4] Custom
        dimensions and metrics": no retroactive data; "[GA4] Data freshness": up to 24-48 hours]."""
        return [
            f"GA4 property {self.property.split('/')[-1]} has the changes now. They apply to data collected from "
            "now on (GA4 does not reprocess the past), and reports can take 24 to 48 hours to show it."
        ]

    def _apply_one(self, change: Change) -> None:
        kind = KINDS[change.kind]
        if isinstance(change, Delete | Replace):
            # Archiving or deleting twice ends the same way: safe to retry, and gone is gone.
            with contextlib.suppress(gexc.NotFound):
                self._call(self._method(kind, kind.removal), request={"name": change.before.handle})
        if isinstance(change, Create | Replace):
            self._create(kind, change.after)
        elif isinstance(change, Update):
            self._update(kind, change)

    def _update(self, kind: EntityKind, change: Update) -> None:
        body = api_object(change.after)
        changed = sorted(
            k
            for k in set(body) | set(change.before.body)
            if json.dumps(body.get(k), sort_keys=True) != json.dumps(change.before.body.get(k), sort_keys=True)
        )
        message = self._message_type(kind).from_json(json.dumps({**body, "name": change.before.handle}))
        mask = field_mask_pb2.FieldMask(paths=[_snake(k) for k in changed])
        self._call(self._method(kind, "update"), request={kind.api_name: message, "update_mask": mask})

    def _named(self, kind: EntityKind, entity: Entity) -> list[dict[str, Any]]:
        """The objects of ``kind`` in the property now that have ``entity``'s name, oldest first."""
        wanted = kind.name_of(entity.body)
        found = [obj for obj in (to_json(m) for m in self._list(kind)) if kind.name_of(obj) == wanted]
        return sorted(found, key=_resource_number)

    def _create(self, kind: EntityKind, entity: Entity) -> None:
        """Create ``entity``, never a second object of its name. Where GA4 itself allows two
        (audiences, event-create rules), the collection is read just before writing (another apply
        may have made it since the plan), and again after: of two applies that raced, the later
        object is removed, so both runs end with the one made first."""
        if not kind.unique_names and self._adopt_existing(kind, entity):
            return
        message = self._message_type(kind).from_json(json.dumps(api_object(entity)))
        request = {"parent": self._parent(kind), kind.api_name: message}
        for _ in range(3):
            try:
                created = self._call(self._method(kind, "create"), idempotent=False, request=request)
                if not kind.unique_names:
                    self._keep_first(kind, entity, str(getattr(created, "name", "")))
                return
            except gexc.Conflict:
                # It exists already (a create that had gone through, or a key event made by hand
                # for the same event): adopt it; the next plan reconciles its settings.
                return
            except AmbiguousWriteError:
                # Read the collection again before trying again: never a blind replay.
                if any(kind.name_of(to_json(m)) == kind.name_of(entity.body) for m in self._list(kind)):
                    return
        raise GoalkeeperError(f"GA4 kept failing to create {kind.key} {entity.name!r}; run apply again")

    def _adopt_existing(self, kind: EntityKind, entity: Entity) -> bool:
        """Whether an object of ``entity``'s name exists already: goalkeeper's own (another run made
        it since the plan: adopted, the next plan reconciles it) or, raising StalePlanError, someone
        else's (made by hand since the plan: never taken over)."""
        existing = self._named(kind, entity)
        if not existing:
            return False
        if all(ownership.has_marker(kind.key, entity_body(kind.key, obj)) for obj in existing):
            return True
        raise StalePlanError(
            f"GA4: {kind.label} {entity.name!r} was created by someone else since the plan was made; "
            "nothing was overwritten. Run `goalkeeper plan` again and review the new plan"
        )

    def _keep_first(self, kind: EntityKind, entity: Entity, created: str) -> None:
        """After creating ``created``: when an older object of the same name turned up meanwhile (a
        concurrent apply), remove ours, so exactly one stays."""
        same = self._named(kind, entity)
        if created and same and same[0].get("name") != created and any(o.get("name") == created for o in same):
            with contextlib.suppress(gexc.NotFound):
                self._call(self._method(kind, kind.removal), request={"name": created})


def _resource_number(obj: dict[str, Any]) -> tuple[int, str]:
    """Sort key of an Admin API object by the number ending its resource name (GA4 numbers them as
    it creates them)."""
    last = str(obj.get("name", "")).rsplit("/", 1)[-1]
    return (int(last), "") if last.isdigit() else (2**63, last)
