"""State and request handlers of the fake GA4 Admin API (``/v1beta/...`` and ``/v1alpha/...``).

Resources are kept as protobuf messages of ``google.analytics.admin_v1alpha`` (a superset of v1beta
for what goalkeeper uses), parsed from request JSON with ``json_format`` (so enums may arrive as ints,
as the gapic REST client sends them with ``$alt=json;enum-encoding=int``, or as names) and rendered as
camelCase JSON with enum *names* (which both the gapic and discovery clients read fine).

Resources: keyEvents, customDimensions, customMetrics, dataStreams (v1beta and v1alpha);
dataStreams/*/eventCreateRules and audiences (v1alpha only). Choices:
- unknown property: 403 PERMISSION_DENIED (what Google answers for properties you cannot see);
- duplicate key event eventName, duplicate custom dimension (parameterName, scope) or custom metric
  parameterName among active ones: 409 ALREADY_EXISTS;
- PATCH needs a non-empty ``updateMask`` (camelCase or snake_case, ``*`` = every mutable field);
  naming an immutable field (keyEvent eventName, dimension/metric parameterName and scope, dataStream type,
  audience membershipDurationDays/filterClauses/exclusionDurationMode) is 400 INVALID_ARGUMENT;
- archived dimensions, metrics and audiences vanish from list and get (404), and free their place
  under the property's limits;
- per-property limits (``LIMITS``, Google Analytics Help, "[GA4] Configuration limits" and
  "Differences between event creation and audience triggers"): 50 event-, 25 user- and 10 item-scoped
  custom dimensions, 50 custom metrics, 30 custom key events (``custom`` true), 100 audiences and 50
  event-create rules in a standard property; 125/100/25/125/50/400/50 in an Analytics 360 one
  (``serviceLevel``). How GA4 answers a create past a limit is not documented: the fake answers 400
  FAILED_PRECONDITION (an error no client retries), the stricter reading;
- field rules from the admin client's message docs: custom dimension and metric display names are
  letters, digits, spaces and underscores, starting with a letter, at most 82 characters (square
  brackets, allowed in legacy names, are refused: "updates ... will never permit square brackets");
  parameter names at most 24 characters for user scope; descriptions at most 150; an event-create
  rule's destination event and mutated parameters "less than 40 characters", parameter values
  "less than 100", condition fields without spaces;
- ``GET properties/{id}`` answers the Property with its ``serviceLevel`` (standard unless seeded);
- ``dataStreams/*/enhancedMeasurementSettings`` (v1alpha only): GET, and PATCH with a non-empty
  ``updateMask``. A web stream's settings start as GA4's defaults for a new web stream: everything
  on (``ENHANCED_DEFAULTS``), unless seeded (``seed_enhanced_measurement``, or a snapshot's
  ``enhancedMeasurementSettings``). Other stream types answer 404.
"""

from __future__ import annotations

import copy
import datetime
import re
import threading
from typing import Any, TypeAlias

from google.analytics.admin_v1alpha import types as t
from google.protobuf import field_mask_pb2, json_format

from .clock import Clock
from .errors import ApiError, bad_request, not_found
from .wire import Json, Query, Reply, first

# A raw protobuf message of an admin_v1alpha type (``t.KeyEvent.pb()(...)``), and its proto-plus
# class (``t.KeyEvent``). protobuf and proto-plus ship no type information: to mypy both are Any.
Message: TypeAlias = Any
MessageClass: TypeAlias = type[Any]

TOP: dict[str, MessageClass] = {  # collection -> message class
    "keyEvents": t.KeyEvent,
    "customDimensions": t.CustomDimension,
    "customMetrics": t.CustomMetric,
    "dataStreams": t.DataStream,
    "audiences": t.Audience,
}
ALPHA_ONLY = {"audiences", "eventCreateRules"}
ARCHIVABLE = {"customDimensions", "customMetrics", "audiences"}
DELETABLE = {"keyEvents", "dataStreams", "eventCreateRules"}
IMMUTABLE = {
    "keyEvents": {"event_name"},
    "customDimensions": {"parameter_name", "scope"},
    "customMetrics": {"parameter_name", "scope"},
    "dataStreams": {"type_"},
    "audiences": {"membership_duration_days", "filter_clauses", "exclusion_duration_mode"},
    "eventCreateRules": set(),
}
# GA4's enhanced measurement for a new web stream: on, with every option on.
ENHANCED_DEFAULTS = {
    "streamEnabled": True,
    "scrollsEnabled": True,
    "outboundClicksEnabled": True,
    "siteSearchEnabled": True,
    "videoEngagementEnabled": True,
    "fileDownloadsEnabled": True,
    "pageChangesEnabled": True,
    "formInteractionsEnabled": True,
    "searchQueryParameter": "q,s,search,query,keyword",
}
OUTPUT_ONLY = {
    "name",
    "create_time",
    "update_time",
    "deletable",
    "custom",
    "ads_personalization_enabled",
    "processing_order",
}
_DEST_EVENT = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,38}")  # "less than 40 characters"
_PARAM_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_DISPLAY_NAME = re.compile(r"[A-Za-z][A-Za-z0-9 _]{0,81}")
STANDARD, GA360 = "GOOGLE_ANALYTICS_STANDARD", "GOOGLE_ANALYTICS_360"
# (collection, scope or None) -> (standard property, Analytics 360 property); see the module docstring.
LIMITS: dict[tuple[str, str | None], tuple[int, int]] = {
    ("customDimensions", "EVENT"): (50, 125),
    ("customDimensions", "USER"): (25, 100),
    ("customDimensions", "ITEM"): (10, 25),
    ("customMetrics", None): (50, 125),
    ("keyEvents", None): (30, 50),
    ("audiences", None): (100, 400),
    ("eventCreateRules", None): (50, 50),
}


def _mask_path(descriptor: Any, path: str) -> str | None:
    """Map an updateMask path (camelCase or snake_case, dotted) to proto field names, or None if invalid."""
    out = []
    for seg in path.split("."):
        if descriptor is None:
            return None
        snake = re.sub(r"(?<!^)(?=[A-Z])", "_", seg).lower()
        field = (
            descriptor.fields_by_name.get(seg)
            or descriptor.fields_by_name.get(snake)
            or descriptor.fields_by_name.get(snake + "_")
            or next((f for f in descriptor.fields if f.json_name == seg), None)
        )
        if field is None:
            return None
        out.append(field.name)
        descriptor = field.message_type
    return ".".join(out)


def to_json(msg: Message) -> Json:
    """A message as the API's camelCase JSON, enums by name."""
    out: Json = json_format.MessageToDict(msg, preserving_proto_field_name=False)
    return out


class Property:
    def __init__(self, pid: str, display_name: str = "") -> None:
        self.id = pid
        self.display_name = display_name or f"Property {pid}"
        self.items: dict[str, dict[str, Message]] = {k: {} for k in TOP}
        self.archived: dict[str, dict[str, Message]] = {k: {} for k in ARCHIVABLE}
        self.rules: dict[str, dict[str, Message]] = {}  # stream id -> rule id -> EventCreateRule
        self.enhanced: dict[str, Message] = {}  # stream id -> EnhancedMeasurementSettings (when not the defaults)
        self.next_id = 1000
        self.service_level = STANDARD

    def json(self) -> Json:
        """The Property resource, as ``GET properties/{id}`` answers it."""
        return {"name": f"properties/{self.id}", "displayName": self.display_name, "serviceLevel": self.service_level}

    def new_id(self) -> str:
        self.next_id += 1
        return str(self.next_id)


class Ga4State:
    default_page_size = 50
    max_page_size = 200

    def __init__(self, clock: Clock, lock: threading.RLock | None = None) -> None:
        self.clock = clock
        self.lock = lock or threading.RLock()
        self.properties: dict[str, Property] = {}

    # ------------------------------------------------------------------ programmatic setup
    def add_property(self, property_id: str, display_name: str = "", *, web_stream: bool = True) -> Property:
        """Create ``properties/<id>``; by default with one web data stream."""
        with self.lock:
            pid = str(property_id).split("/")[-1]
            if pid not in self.properties:
                self.properties[pid] = Property(pid, display_name)
                if web_stream:
                    self.add_data_stream(pid, "Web", "https://www.example.com")
            return self.properties[pid]

    def add_data_stream(
        self,
        property_id: str,
        display_name: str,
        default_uri: str = "https://www.example.com",
        stream_id: str | None = None,
        measurement_id: str | None = None,
    ) -> Json:
        with self.lock:
            prop = self.prop(str(property_id).split("/")[-1])
            sid = stream_id or str(int(prop.id) * 10 + len(prop.items["dataStreams"]) + 1)
            msg = t.DataStream.pb()(
                name=f"properties/{prop.id}/dataStreams/{sid}",
                type_=t.DataStream.DataStreamType.WEB_DATA_STREAM,
                display_name=display_name,
            )
            msg.web_stream_data.default_uri = default_uri
            msg.web_stream_data.measurement_id = measurement_id or f"G-{int(sid) % 10**10:010d}"[:12]
            self._stamp(msg, create=True)
            prop.items["dataStreams"][sid] = msg
            return to_json(msg)

    def items(self, property_id: str, collection: str, stream_id: str | None = None) -> list[Json]:
        """Current (non-archived) resources as API JSON, for assertions and hooks."""
        with self.lock:
            prop = self.prop(str(property_id).split("/")[-1])
            if collection != "eventCreateRules":
                src = prop.items[collection]
            else:  # rules live under a stream: without one there are none
                src = prop.rules.get(stream_id, {}) if stream_id is not None else {}
            return [to_json(m) for m in src.values()]

    def seed(self, collection: str, property_id: str, item: Json, stream_id: str | None = None) -> Json:
        """Insert one resource given in API JSON (enum names or ints), keeping its ``name`` if any."""
        with self.lock:
            prop = self.add_property(property_id, web_stream=False)
            cls = t.EventCreateRule if collection == "eventCreateRules" else TOP[collection]
            item = dict(item)
            name = item.pop("name", None)
            msg = self._parse(cls, item, keep_output=True)
            rid = name.split("/")[-1] if name else prop.new_id()
            if collection == "eventCreateRules":
                if stream_id is None:
                    if not name:
                        raise ValueError("an event-create rule needs a stream id or a full name")
                    stream_id = name.split("/")[3]
                msg.name = f"properties/{prop.id}/dataStreams/{stream_id}/eventCreateRules/{rid}"
                prop.rules.setdefault(stream_id, {})[rid] = msg
            else:
                msg.name = f"properties/{prop.id}/{collection}/{rid}"
                if collection == "keyEvents":
                    msg.custom = bool(item.get("custom", True))  # a default event (purchase) says false
                    msg.deletable = True
                if "create_time" in msg.DESCRIPTOR.fields_by_name and not msg.HasField("create_time"):
                    self._stamp(msg, create=True)
                prop.items[collection][rid] = msg
            if rid.isdigit():
                prop.next_id = max(prop.next_id, int(rid))
            return to_json(msg)

    def seed_enhanced_measurement(self, property_id: str, stream_id: str, settings: Json) -> Json:
        """Set a data stream's EnhancedMeasurementSettings from API JSON (a switch left out is off)."""
        with self.lock:
            prop = self.prop(str(property_id).split("/")[-1])
            sid = str(stream_id).split("/")[-1]
            msg = self._parse(t.EnhancedMeasurementSettings, settings)
            msg.name = f"properties/{prop.id}/dataStreams/{sid}/enhancedMeasurementSettings"
            prop.enhanced[sid] = msg
            return to_json(msg)

    def enhanced_measurement(self, prop: Property, sid: str) -> Message:
        if sid not in prop.enhanced:
            msg = self._parse(t.EnhancedMeasurementSettings, ENHANCED_DEFAULTS)
            msg.name = f"properties/{prop.id}/dataStreams/{sid}/enhancedMeasurementSettings"
            prop.enhanced[sid] = msg
        return prop.enhanced[sid]

    def _enhanced_route(self, method: str, version: str, prop: Property, sid: str, q: Query, body: Json) -> Reply:
        stream = prop.items["dataStreams"].get(sid)
        if version != "v1alpha" or stream is None or stream.type_ != t.DataStream.DataStreamType.WEB_DATA_STREAM:
            raise not_found()
        cur = self.enhanced_measurement(prop, sid)
        if method == "GET":
            return 200, to_json(cur)
        if method != "PATCH":
            raise not_found()
        mask = [p.strip() for p in ",".join(q.get("updateMask", [])).split(",") if p.strip()]
        if not mask:
            raise bad_request("update_mask is required.")
        desc = t.EnhancedMeasurementSettings.pb().DESCRIPTOR
        paths = (
            [f for f in desc.fields_by_name if f != "name"] if mask == ["*"] else [_mask_path(desc, p) for p in mask]
        )
        if any(p is None or p == "name" for p in paths):
            raise bad_request("update_mask: a field is not a valid updatable field.")
        new = copy.deepcopy(cur)
        field_mask_pb2.FieldMask(paths=paths).MergeMessage(self._parse(t.EnhancedMeasurementSettings, body), new)
        prop.enhanced[sid] = new
        return 200, to_json(new)

    # ------------------------------------------------------------------ helpers
    def prop(self, pid: str) -> Property:
        try:
            return self.properties[pid]
        except KeyError:
            raise ApiError(
                403, "User does not have sufficient permissions for this property.", "PERMISSION_DENIED", "forbidden"
            ) from None

    def _stamp(self, msg: Message, create: bool = False) -> None:
        now = datetime.datetime.fromtimestamp(self.clock.now(), tz=datetime.UTC)
        fields = msg.DESCRIPTOR.fields_by_name
        if create and "create_time" in fields:
            msg.create_time.FromDatetime(now)
        if "update_time" in fields:
            msg.update_time.FromDatetime(now)

    @staticmethod
    def _parse(cls: MessageClass, body: Json, keep_output: bool = False) -> Message:
        body = dict(body or {})
        body.pop("name", None)
        try:
            msg = json_format.ParseDict(body, cls.pb()(), ignore_unknown_fields=False)
        except json_format.ParseError as e:
            raise bad_request(f"Invalid JSON payload received. {e}") from None
        if not keep_output:
            for f in OUTPUT_ONLY - {"name"}:
                if f in msg.DESCRIPTOR.fields_by_name:
                    msg.ClearField(f)
        return msg

    def _page(self, items: list[Message], query: Query, key: str) -> Json:
        token, size_text = first(query, "pageToken"), first(query, "pageSize")
        try:
            size = int(size_text if size_text is not None else "0")
            start = int(token) if token else 0
        except ValueError:
            raise bad_request("Invalid page token or page size.") from None
        if size < 0:
            raise bad_request("page_size must be non-negative.")
        size = min(size or self.default_page_size, self.max_page_size)
        out: Json = {key: [to_json(m) for m in items[start : start + size]]} if items[start : start + size] else {}
        if start + size < len(items):
            out["nextPageToken"] = str(start + size)
        return out

    # ------------------------------------------------------------------ validation
    def _check_limit(self, coll: str, msg: Message, prop: Property) -> None:
        """Refuse a create past the property's limit for its collection (and scope)."""
        scope = t.CustomDimension.DimensionScope(msg.scope).name if coll == "customDimensions" else None
        limits = LIMITS.get((coll, scope))
        if limits is None:
            return
        allowed = limits[1] if prop.service_level == GA360 else limits[0]
        if coll == "eventCreateRules":
            held = sum(len(rules) for rules in prop.rules.values())
        else:
            held = sum(
                1
                for m in prop.items[coll].values()
                if (scope is None or t.CustomDimension.DimensionScope(m.scope).name == scope)
                and (coll != "keyEvents" or m.custom)
            )
        if held >= allowed:
            raise ApiError(
                400,
                f"The property has reached its limit of {allowed} {coll}{f' ({scope} scope)' if scope else ''}.",
                "FAILED_PRECONDITION",
            )

    def _validate(
        self, coll: str, msg: Message, raw: Json, prop: Property, self_id: str | None, stream: str | None = None
    ) -> None:
        if coll == "keyEvents":
            if not msg.event_name:
                raise bad_request("event_name is required.")
            if msg.counting_method == 0:
                raise bad_request("counting_method is required and must not be COUNTING_METHOD_UNSPECIFIED.")
            dv = raw.get("defaultValue")
            if dv is not None and (
                ("numericValue" not in dv and "numeric_value" not in dv) or not msg.default_value.currency_code
            ):
                raise bad_request("default_value: numeric_value and currency_code are both required.")
            for oid, other in prop.items["keyEvents"].items():
                if oid != self_id and other.event_name == msg.event_name:
                    raise ApiError(
                        409,
                        f"A key event with event name '{msg.event_name}' already exists.",
                        "ALREADY_EXISTS",
                        "alreadyExists",
                    )
        elif coll in ("customDimensions", "customMetrics"):
            if not msg.parameter_name or not _PARAM_NAME.fullmatch(msg.parameter_name) or len(msg.parameter_name) > 40:
                raise bad_request(
                    "parameter_name is required: letters, digits and underscores, starting with a "
                    "letter, at most 40 characters."
                )
            if not msg.display_name:
                raise bad_request("display_name is required.")
            if not _DISPLAY_NAME.fullmatch(msg.display_name):
                raise bad_request(
                    "display_name: at most 82 characters, alphanumeric plus space and underscore, starting with a letter."
                )
            if len(msg.description) > 150:
                raise bad_request("description must be at most 150 characters.")
            if msg.scope == 0:
                raise bad_request("scope is required.")
            user = coll == "customDimensions" and msg.scope == t.CustomDimension.DimensionScope.USER
            if user and len(msg.parameter_name) > 24:
                raise bad_request("parameter_name must be at most 24 characters for user-scoped dimensions.")
            if coll == "customMetrics":
                if msg.measurement_unit == 0:
                    raise bad_request("measurement_unit is required.")
                cur = msg.measurement_unit == t.CustomMetric.MeasurementUnit.CURRENCY
                if cur and not msg.restricted_metric_type:
                    raise bad_request("restricted_metric_type is required for CURRENCY metrics.")
                if not cur and msg.restricted_metric_type:
                    raise bad_request("restricted_metric_type must be empty unless measurement_unit is CURRENCY.")
            for oid, other in prop.items[coll].items():
                if oid != self_id and other.parameter_name == msg.parameter_name and other.scope == msg.scope:
                    raise ApiError(
                        409,
                        f"A custom {'dimension' if coll == 'customDimensions' else 'metric'} with "
                        f"parameter name '{msg.parameter_name}' already exists.",
                        "ALREADY_EXISTS",
                        "alreadyExists",
                    )
        elif coll == "dataStreams":
            if msg.type_ == 0:
                raise bad_request("type is required.")
            if not msg.display_name:
                raise bad_request("display_name is required.")
        elif coll == "eventCreateRules":
            if not _DEST_EVENT.fullmatch(msg.destination_event or ""):
                raise bad_request(
                    "destination_event must start with a letter and contain only letters, digits and "
                    "underscores (at most 40 characters)."
                )
            if not 1 <= len(msg.event_conditions) <= 10:
                raise bad_request("event_conditions must have between 1 and 10 conditions.")
            for c in msg.event_conditions:
                if not c.field or c.comparison_type == 0 or " " in c.field:
                    raise bad_request("event_conditions: field (without spaces) and comparison_type are required.")
            if len(msg.parameter_mutations) > 20:
                raise bad_request("parameter_mutations must have at most 20 mutations.")
            seen: set[str] = set()
            for m in msg.parameter_mutations:
                if not m.parameter or m.parameter in seen or not _DEST_EVENT.fullmatch(m.parameter):
                    raise bad_request(
                        "parameter_mutations: parameter must be set, unique, letters, digits or underscores "
                        "starting with a letter, less than 40 characters."
                    )
                if not m.parameter_value or len(m.parameter_value) >= 100:
                    raise bad_request("parameter_mutations: parameter_value must be set and less than 100 characters.")
                seen.add(m.parameter)
        elif coll == "audiences":
            if not msg.display_name or not msg.description:
                raise bad_request("display_name and description are required.")
            if not 1 <= msg.membership_duration_days <= 540:
                raise bad_request("membership_duration_days must be between 1 and 540.")
            if not msg.filter_clauses:
                raise bad_request("filter_clauses is required.")

    # ------------------------------------------------------------------ HTTP dispatch
    def handle(self, method: str, path: str, query: Query, body: Json | None) -> Reply:
        with self.lock:
            return self._route(method, path, query, body or {})

    def _route(self, method: str, path: str, q: Query, body: Json) -> Reply:
        parts = path.strip("/").split("/")
        version = parts[0]
        if version not in ("v1beta", "v1alpha") or len(parts) < 3 or parts[1] != "properties":
            raise not_found()
        pid = parts[2]
        if ":" in pid:
            raise not_found()
        rest = parts[3:]
        if not rest and method == "GET":
            return 200, self.prop(pid).json()
        if len(rest) == 3 and rest[0] == "dataStreams" and rest[2] == "enhancedMeasurementSettings":
            return self._enhanced_route(method, version, self.prop(pid), rest[1], q, body)
        if len(rest) >= 3 and rest[0] == "dataStreams" and rest[2].split(":")[0] == "eventCreateRules":
            coll, stream = "eventCreateRules", rest[1]
            rest = rest[2:]
        elif rest:
            coll, stream = rest[0].split(":")[0], None
        else:
            raise not_found()
        if coll not in TOP and coll != "eventCreateRules":
            raise ApiError(501, f"Method not implemented by the fake: {method} {path}", "UNIMPLEMENTED")
        if coll in ALPHA_ONLY and version != "v1alpha":
            raise not_found()
        prop = self.prop(pid)
        if stream is not None:
            if stream not in prop.items["dataStreams"]:
                raise not_found()
            store = prop.rules.setdefault(stream, {})
            cls = t.EventCreateRule
            parent = f"properties/{pid}/dataStreams/{stream}"
        else:
            store, cls, parent = prop.items[coll], TOP[coll], f"properties/{pid}"
        if len(rest) == 1:
            if ":" in rest[0]:
                raise not_found()
            if method == "GET":
                return 200, self._page(list(store.values()), q, coll)
            if method == "POST":
                msg = self._parse(cls, body)
                self._validate(coll, msg, body, prop, None, stream)
                self._check_limit(coll, msg, prop)
                rid = prop.new_id()
                msg.name = f"{parent}/{coll}/{rid}"
                if coll == "keyEvents":
                    msg.custom, msg.deletable = True, True
                if coll == "dataStreams" and msg.type_ == t.DataStream.DataStreamType.WEB_DATA_STREAM:
                    msg.web_stream_data.measurement_id = f"G-{int(rid):010d}"
                self._stamp(msg, create=True)
                store[rid] = msg
                return 200, to_json(msg)
            raise not_found()
        if len(rest) != 2:
            raise not_found()
        rid, _, action = rest[1].partition(":")
        if rid not in store:
            raise not_found(f"Requested entity was not found: {parent}/{coll}/{rid}")
        cur = store[rid]
        if action == "archive" and method == "POST" and coll in ARCHIVABLE:
            prop.archived[coll][rid] = store.pop(rid)
            return 200, {}
        if action:
            raise not_found()
        if method == "GET":
            return 200, to_json(cur)
        if method == "DELETE" and coll in DELETABLE:
            del store[rid]
            return 200, {}
        if method == "PATCH":
            mask = [p.strip() for p in ",".join(q.get("updateMask", [])).split(",") if p.strip()]
            if not mask:
                raise bad_request("update_mask is required.")
            patch = self._parse(cls, body)
            desc = cls.pb().DESCRIPTOR
            if mask == ["*"]:
                paths = [f for f in desc.fields_by_name if f not in OUTPUT_ONLY and f not in IMMUTABLE[coll]]
            else:
                paths = []
                for p in mask:
                    mp = _mask_path(desc, p)
                    if mp is None or mp.split(".")[0] in OUTPUT_ONLY:
                        raise bad_request(f"update_mask: field '{p}' is not a valid updatable field.")
                    paths.append(mp)
            for p in paths:
                top = p.split(".")[0]
                if top in IMMUTABLE[coll]:
                    raise bad_request(f"update_mask: field '{p}' is immutable and cannot be updated.")
            new = copy.deepcopy(cur)
            try:
                field_mask_pb2.FieldMask(paths=paths).MergeMessage(
                    patch, new, replace_message_field=True, replace_repeated_field=True
                )
            except ValueError as e:
                raise bad_request(f"update_mask: {e}") from None
            raw = to_json(new) if "default_value" not in paths else body
            self._validate(coll, new, raw, prop, rid, stream)
            self._stamp(new)
            store[rid] = new
            return 200, to_json(new)
        raise not_found()
